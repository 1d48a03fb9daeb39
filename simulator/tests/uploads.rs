//! Direct uploads over real sockets: the v2.1 flow end to end, and the object store's checks
//! (no bearer token, exact headers, checksum, ETag order).
#![allow(clippy::unwrap_used)]

mod common;

use common::{config, json, start, DEV};
use procore_simulator::Fault;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const COMPANY: u64 = 31337;
const PART: usize = 6 * 1024 * 1024;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn file() -> Vec<u8> {
    (0..2 * PART + 1234).map(|i| (i * 31 % 251) as u8).collect()
}

async fn create(env: &common::Env, data: &[u8]) -> Value {
    let segments: Vec<Value> = data
        .chunks(PART)
        .map(|c| json!({ "size": c.len(), "sha256": sha_hex(c) }))
        .collect();
    let r = env
        .http
        .post(env.url(&format!("/rest/v2.1/companies/{COMPANY}/uploads")))
        .bearer_auth(DEV)
        .header("Procore-Company-Id", COMPANY.to_string())
        .json(&json!({
            "file_name": "plans.pdf",
            "file_size": data.len(),
            "content_type": "application/pdf",
            "sha256": sha_hex(data),
            "segments": segments,
        }))
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 201);
    json(r).await["data"].clone()
}

fn put(env: &common::Env, seg: &Value, body: Vec<u8>) -> reqwest::RequestBuilder {
    let mut req = env.http.put(seg["url"].as_str().unwrap()).body(body);
    for (k, v) in seg["headers"].as_object().unwrap() {
        req = req.header(k.as_str(), v.as_str().unwrap());
    }
    req
}

#[tokio::test]
async fn unified_upload_goes_from_ready_to_available() {
    let env = start(config()).await;
    let data = file();
    let up = create(&env, &data).await;
    assert_eq!(up["status"], "ready");
    let segs = up["segments"].as_array().unwrap();
    assert_eq!(segs.len(), 3);
    let mut etags = Vec::new();
    for (seg, chunk) in segs.iter().zip(data.chunks(PART)) {
        let r = put(&env, seg, chunk.to_vec()).send().await.unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        let etag = r.headers()["etag"].to_str().unwrap().to_owned();
        assert_eq!(etag, format!("\"{}\"", &sha_hex(chunk)[..32]));
        etags.push(etag);
    }
    let id = up["upload_id"].as_str().unwrap();
    let path = format!("/rest/v2.1/companies/{COMPANY}/uploads/{id}");
    // ETags out of order are refused.
    let mut swapped = etags.clone();
    swapped.swap(0, 1);
    let complete = |etags: Vec<String>| {
        env.http
            .patch(env.url(&path))
            .bearer_auth(DEV)
            .header("Procore-Company-Id", COMPANY.to_string())
            .json(&json!({ "part_etags": etags }))
            .send()
    };
    assert_eq!(complete(swapped).await.unwrap().status(), 422);
    let r = complete(etags).await.unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    // Available a short while after completion: poll with a deadline.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let r = env
            .http
            .get(env.url(&path))
            .bearer_auth(DEV)
            .header("Procore-Company-Id", COMPANY.to_string())
            .send()
            .await
            .unwrap();
        let shown = json(r).await;
        if shown["data"]["status"] == "available" {
            assert_eq!(shown["data"]["sha256"], sha_hex(&data));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never available: {shown}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn storage_refuses_a_bearer_token_a_missing_header_and_a_corrupt_body() {
    let env = start(config()).await;
    let data = file();
    let up = create(&env, &data).await;
    let seg = &up["segments"][0];
    let chunk = data[..PART].to_vec();
    // The presigned URL must not carry the API token.
    let r = put(&env, seg, chunk.clone())
        .bearer_auth(DEV)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Every returned header is part of the signature.
    let r = env
        .http
        .put(seg["url"].as_str().unwrap())
        .body(chunk.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A flipped byte is a checksum mismatch.
    env.sim.add_fault(Fault::corrupt(1));
    let r = put(&env, seg, chunk.clone()).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("BadDigest"));
    // The same part sent intact afterwards is stored.
    let r = put(&env, seg, chunk).send().await.unwrap();
    assert_eq!(r.status(), 200);
}
