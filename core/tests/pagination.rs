//! Pagination against the simulator: v1 arrays with Link/Total, v2 envelopes, max-items.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashSet;

use common::*;
use futures::{StreamExt, TryStreamExt};
use procore_simulator::seed::BIG_BUILD;
use serde_json::Value;

#[tokio::test]
async fn v1_yields_every_project_exactly_once() {
    let sim = sim().await;
    let c = dev_client(&sim);
    let items: Vec<Value> = c
        .paginate("/rest/v1.0/projects")
        .query("company_id", BIG_BUILD)
        .company_id(BIG_BUILD)
        .per_page(300)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 2500);
    let ids: HashSet<u64> = items.iter().map(|p| p["id"].as_u64().unwrap()).collect();
    assert_eq!(ids.len(), 2500);
    // 2500 / 300 = 9 pages, each fetched once.
    assert_eq!(sim.counters().route("GET /rest/v1.0/projects"), 9);
}

#[tokio::test]
async fn v1_pages_carry_totals_and_the_default_page_size() {
    let sim = sim().await;
    let c = dev_client(&sim);
    let pages: Vec<procore::Page> = c
        .paginate("companies/31337/projects")
        .company_id(BIG_BUILD)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 25); // default per_page 100
    assert_eq!(pages[0].total, Some(2500));
    assert_eq!(pages[0].number, 1);
    assert!(pages[0].has_next);
    assert_eq!(pages.last().unwrap().number, 25);
    assert!(!pages.last().unwrap().has_next);
    let n: usize = pages.iter().map(|p| p.items.len()).sum();
    assert_eq!(n, 2500);
}

#[tokio::test]
async fn v2_envelope_with_string_ids() {
    let sim = sim().await;
    let c = dev_client(&sim);
    let people: Vec<Value> = c
        .paginate(&format!("/rest/v2.0/companies/{BIG_BUILD}/people"))
        .company_id(BIG_BUILD)
        .per_page(100)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(people.len(), 250);
    assert!(people.iter().all(|p| p["id"].is_string()));
    let ids: HashSet<&str> = people.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 250);
    // The relative form with a version override works the same.
    let first_page = c
        .paginate(&format!("companies/{BIG_BUILD}/people"))
        .version("v2.0")
        .company_id(BIG_BUILD)
        .into_cursor()
        .next_page()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first_page.items.len(), 10); // v2 default page size
    assert_eq!(first_page.total, Some(250));
}

#[tokio::test]
async fn max_items_stops_early() {
    let sim = sim().await;
    let c = dev_client(&sim);
    let items: Vec<Value> = c
        .paginate("projects")
        .query("company_id", BIG_BUILD)
        .company_id(BIG_BUILD)
        .per_page(100)
        .max_items(250)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 250);
    // 3 pages were enough; the rest were never fetched.
    assert_eq!(sim.counters().route("GET /rest/v1.0/projects"), 3);
}

#[tokio::test]
async fn a_failed_page_can_be_fetched_again() {
    let sim = sim().await;
    let c = dev_client(&sim);
    let mut cursor = c
        .paginate("projects")
        .query("company_id", BIG_BUILD)
        .company_id(BIG_BUILD)
        .per_page(1000)
        .into_cursor();
    let p1 = cursor.next_page().await.unwrap().unwrap();
    // Page 2 is already requested ahead (a task this single-threaded test runtime runs at
    // its next await): the fault meets that request, and its error comes with the next call.
    sim.add_fault(procore_simulator::Fault::status(404, 1));
    assert_eq!(cursor.next_page().await.unwrap_err().code(), "not_found");
    let p2 = cursor.next_page().await.unwrap().unwrap();
    let p3 = cursor.next_page().await.unwrap().unwrap();
    assert!(cursor.next_page().await.unwrap().is_none());
    assert_eq!((p1.number, p2.number, p3.number), (1, 2, 3));
    assert_eq!(p1.items.len() + p2.items.len() + p3.items.len(), 2500);
}

#[tokio::test]
async fn streaming_keeps_one_page_in_memory() {
    // 100,000 generated projects, streamed and dropped one by one.
    let sim = sim().await;
    let c = dev_client(&sim);
    let mega = procore_simulator::seed::MEGA_CORP;
    let mut stream = Box::pin(
        c.paginate("projects")
            .query("company_id", mega)
            .company_id(mega)
            .per_page(1000)
            .items(),
    );
    let mut n = 0u64;
    let mut last = 0u64;
    while let Some(item) = stream.next().await {
        let id = item.unwrap()["id"].as_u64().unwrap();
        assert!(id > last, "ids arrive in order without repeats");
        last = id;
        n += 1;
    }
    assert_eq!(n, 100_000);
}

#[tokio::test]
async fn the_next_page_is_fetched_while_the_caller_works_and_only_with_prefetch() {
    let sim = sim().await;
    let c = dev_client(&sim);
    let route = "GET /rest/v1.0/projects";
    for prefetch in [true, false] {
        let before = sim.counters().route(route);
        let mut cursor = c
            .paginate("projects")
            .query("company_id", BIG_BUILD)
            .company_id(BIG_BUILD)
            .per_page(1000)
            .prefetch(prefetch)
            .into_cursor();
        let p1 = cursor.next_page().await.unwrap().unwrap();
        assert_eq!(p1.items.len(), 1000);
        // The caller is busy with page 1; page 2 arrives (or not) meanwhile.
        let asked = |sim: &procore_simulator::Simulator| sim.counters().route(route) - before;
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        if prefetch {
            while asked(&sim) < 2 {
                assert!(
                    std::time::Instant::now() < until,
                    "page 2 was never asked for"
                );
                tokio::task::yield_now().await;
            }
        } else {
            for _ in 0..100 {
                tokio::task::yield_now().await;
            }
            assert_eq!(asked(&sim), 1, "nothing asked ahead with prefetch off");
        }
        let mut n = p1.items.len();
        while let Some(p) = cursor.next_page().await.unwrap() {
            n += p.items.len();
        }
        assert_eq!(n, 2500);
        assert!(cursor.is_done());
        // Three pages, each asked for once: nothing past the last one.
        assert_eq!(asked(&sim), 3, "prefetch {prefetch}");
    }
}
