//! Sync batches against the simulator's vendor sync endpoint: splitting, merging, and the
//! input index of each refused item.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use procore::{CallOptions, SyncOptions, SyncSpec};
use procore_simulator::seed::BIG_BUILD;
use serde_json::{json, Value};

fn spec(updates: &Value, batch: Option<u64>) -> SyncSpec {
    SyncSpec::from_options(
        "/rest/v1.0/vendors/sync",
        &serde_json::to_vec(updates).unwrap(),
        SyncOptions {
            call: CallOptions {
                json: Some(
                    serde_json::to_vec(&json!({ "company_id": BIG_BUILD }))
                        .unwrap()
                        .into(),
                ),
                company_id: Some(BIG_BUILD.into()),
                ..Default::default()
            },
            method: None,
            batch_size: batch.map(Into::into),
        },
    )
    .unwrap()
}

#[tokio::test]
async fn twenty_five_hundred_updates_go_in_three_calls_and_refusals_keep_their_index() {
    let sim = sim().await;
    let c = dev_client(&sim);
    let mut updates: Vec<Value> = (0..2500)
        .map(|i| json!({ "origin_id": format!("erp-{i}"), "name": format!("Vendor {i}") }))
        .collect();
    // Three refused items, one in each batch.
    updates[7]["email_address"] = json!("no-at-sign");
    updates[1500]["name"] = json!("  ");
    updates[2499]["is_active"] = json!("yes");
    let out = c.sync(&spec(&Value::Array(updates), None)).await.unwrap();
    assert_eq!(sim.counters().route("PATCH /rest/v1.0/vendors/sync"), 3);
    assert_eq!(out.batches, 3);
    assert_eq!(out.entities.len(), 2497);
    let mut idx: Vec<Option<usize>> = out.errors.iter().map(|e| e.index).collect();
    idx.sort();
    assert_eq!(idx, vec![Some(7), Some(1500), Some(2499)]);

    // A second run matches by origin_id: updates, not new vendors.
    let again: Vec<Value> = (0..10)
        .map(|i| json!({ "origin_id": format!("erp-{i}"), "name": format!("Renamed {i}") }))
        .collect();
    let out2 = c.sync(&spec(&Value::Array(again), Some(4))).await.unwrap();
    assert_eq!(out2.batches, 3);
    assert_eq!(sim.counters().route("PATCH /rest/v1.0/vendors/sync"), 6);
    let first_id = out
        .entities
        .iter()
        .find(|e| e["origin_id"] == "erp-0")
        .unwrap()["id"]
        .clone();
    let renamed = out2
        .entities
        .iter()
        .find(|e| e["origin_id"] == "erp-0")
        .unwrap();
    assert_eq!(renamed["id"], first_id);
    assert_eq!(renamed["name"], "Renamed 0");
    let json = out2.to_json();
    assert_eq!(json["entities"].as_array().unwrap().len(), 10);
    assert_eq!(json["errors"], json!([]));
}

#[tokio::test]
async fn unknown_ids_are_refused_with_their_index() {
    let sim = sim().await;
    let c = dev_client(&sim);
    let updates = json!([{ "name": "A" }, { "id": 999999999, "name": "B" }, { "name": "C" }]);
    let out = c.sync(&spec(&updates, Some(2))).await.unwrap();
    assert_eq!(out.entities.len(), 2);
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].index, Some(1));
    assert!(out.errors[0].error.to_string().contains("not found"));
}

#[test]
fn bad_input_is_a_config_error() {
    let err = SyncSpec::from_options(
        "/rest/v1.0/vendors/sync",
        br#"[1, 2]"#,
        SyncOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "config");
    assert!(err.to_string().contains("update 0 is not an object"));
    let err = SyncSpec::from_options("/x", b"{", SyncOptions::default()).unwrap_err();
    assert_eq!(err.code(), "config");
    let err = SyncSpec::from_options(
        "/x",
        b"[]",
        SyncOptions {
            batch_size: Some(1001u64.into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("batch_size"));
}
