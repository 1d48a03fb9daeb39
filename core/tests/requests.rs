//! The request pipeline against the simulator over real loopback sockets: every error code
//! from a real answer, the company header on every method, exact large ids, decode errors.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use procore::{Client, Environment};
use procore_simulator::seed::{BIG_BUILD, DISCONNECTED, LARGE_ID, SMALL_BUILDERS};
use procore_simulator::Fault;
use serde::Deserialize;
use serde_json::{json, Value};

const PROJECT: u64 = 100001; // a project of Big Build Co with RFIs

#[tokio::test]
async fn me_and_companies_need_no_company_header() {
    let sim = sim().await;
    let c = dev_client(&sim);
    let me: Value = c.get("/rest/v1.0/me").send().await.unwrap().json().unwrap();
    assert_eq!(me["id"].as_u64(), Some(procore_simulator::seed::USER_ID));
    let r = c.get("companies").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.request_id().is_some());
    let companies: Vec<Value> = r.json().unwrap();
    assert!(companies
        .iter()
        .any(|c| c["id"].as_u64() == Some(BIG_BUILD)));
}

#[tokio::test]
async fn error_codes_from_real_answers() {
    let sim = sim().await;
    let c = dev_client(&sim);

    // 400: the company header is missing.
    let e = c
        .get("/rest/v1.0/projects")
        .query("company_id", BIG_BUILD)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), "bad_request", "{e}");
    assert!(e.to_string().contains("Procore-Company-Id"), "{e}");
    assert_eq!(e.status(), Some(400));

    // 401: an unknown static token cannot be refreshed.
    let bad = builder(&sim).access_token("not-a-token").build().unwrap();
    let e = bad.get("/rest/v1.0/me").send().await.unwrap_err();
    assert_eq!(e.code(), "unauthorized");
    assert_eq!(e.status(), Some(401));

    // 403 "App is not connected to this company".
    let e = c
        .get("/rest/v1.0/projects")
        .query("company_id", DISCONNECTED)
        .company_id(DISCONNECTED)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), "app_not_connected", "{e}");
    assert_eq!(e.status(), Some(403));
    assert!(e.request_id().is_some());

    // Any other 403 is `forbidden`.
    sim.add_fault(Fault::status(403, 1));
    let e = c.get("/rest/v1.0/me").send().await.unwrap_err();
    assert_eq!(e.code(), "forbidden", "{e}");

    // 404.
    let e = c
        .get("/rest/v1.0/projects/999999999")
        .company_id(BIG_BUILD)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_found");
    let e = c
        .get("/rest/v1.0/no_such_thing")
        .company_id(BIG_BUILD)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_found");

    // 422 with the parsed errors map.
    let e = c
        .post(&format!("/rest/v1.0/projects/{PROJECT}/rfis"))
        .company_id(BIG_BUILD)
        .json(&json!({"rfi": {"subject": ""}}))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), "validation");
    let errors = e.validation_errors().unwrap();
    assert!(
        errors["subject"].iter().any(|m| m.contains("blank")),
        "{errors:?}"
    );
    assert!(e.body().unwrap().get("errors").is_some());

    // 500 on a POST: not retried, `server`.
    sim.add_fault(Fault::status(500, 1));
    let e = c
        .post(&format!("/rest/v1.0/projects/{PROJECT}/rfis"))
        .company_id(BIG_BUILD)
        .json(&json!({"rfi": {"subject": "x"}}))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), "server");

    // 429 with retries off: `rate_limited` carrying the retry time.
    sim.add_fault(Fault::rate_limit_storm(Duration::from_secs(5)));
    let e = c
        .get("/rest/v1.0/me")
        .max_attempts(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), "rate_limited");
    assert!(e.retry_at().is_some());
    sim.clear_faults();

    // Other statuses keep their number under `http`.
    sim.add_fault(Fault::status(409, 1));
    let e = c.get("/rest/v1.0/me").send().await.unwrap_err();
    assert_eq!((e.code(), e.status()), ("http", Some(409)));

    // A timeout.
    sim.add_fault(Fault::latency(Duration::from_millis(800), Some(1)));
    let e = c
        .get("/rest/v1.0/me")
        .timeout(Duration::from_millis(100))
        .max_attempts(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), "timeout", "{e}");

    // Every code is one of the documented ones.
    for code in [
        "bad_request",
        "unauthorized",
        "app_not_connected",
        "forbidden",
        "not_found",
        "validation",
        "server",
        "rate_limited",
        "http",
        "timeout",
    ] {
        assert!(procore::Error::CODES.contains(&code));
    }
}

#[tokio::test]
async fn network_error_when_nothing_listens() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = Client::builder()
        .environment(Environment::local(&format!("http://127.0.0.1:{port}")).unwrap())
        .access_token("x")
        .retry(procore::RetryConfig {
            max_attempts: 2,
            base_delay: Duration::from_millis(1),
            ..Default::default()
        })
        .build()
        .unwrap();
    let e = c.get("me").send().await.unwrap_err();
    assert_eq!(e.code(), "network");
    assert!(matches!(e, procore::Error::Network { not_sent: true, .. }));
}

#[tokio::test]
async fn company_header_on_every_method_and_override_wins() {
    let sim = sim().await;
    // The client's default company is the disconnected one: any call that sends the default
    // fails with app_not_connected, any call that sends the override succeeds.
    let c = builder(&sim)
        .access_token(sim.dev_token().unwrap())
        .company_id(DISCONNECTED)
        .build()
        .unwrap();
    let rfis = format!("/rest/v1.0/projects/{PROJECT}/rfis");

    let e = c.get(&rfis).send().await.unwrap_err();
    assert_eq!(
        e.code(),
        "app_not_connected",
        "GET sends the default company"
    );
    let e = c
        .post(&rfis)
        .json(&json!({"rfi": {"subject": "a"}}))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        "app_not_connected",
        "POST sends the default company"
    );

    let created: Value = c
        .post(&rfis)
        .company_id(BIG_BUILD)
        .json(&json!({"rfi": {"subject": "Rebar spacing", "question": {"body": "12 or 16?"}}}))
        .send()
        .await
        .unwrap()
        .json()
        .unwrap();
    let id = created["id"].as_u64().unwrap();
    let one = format!("{rfis}/{id}");

    for (method, body) in [
        (
            procore::Method::PUT,
            Some(json!({"rfi": {"subject": "Rebar spacing (put)"}})),
        ),
        (
            procore::Method::PATCH,
            Some(json!({"rfi": {"status": "closed"}})),
        ),
        (procore::Method::GET, None),
    ] {
        let mut req = c.request(method.clone(), &one);
        if let Some(b) = &body {
            req = req.json(b);
        }
        let e = req.send().await.unwrap_err();
        assert_eq!(
            e.code(),
            "app_not_connected",
            "{method} sends the default company"
        );
        let mut req = c.request(method.clone(), &one).company_id(BIG_BUILD);
        if let Some(b) = &body {
            req = req.json(b);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 200, "{method} with the override");
    }
    let fetched: Value = c
        .get(&one)
        .company_id(BIG_BUILD)
        .send()
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(fetched["subject"], "Rebar spacing (put)");
    assert_eq!(fetched["status"], "closed");

    let e = c.delete(&one).send().await.unwrap_err();
    assert_eq!(
        e.code(),
        "app_not_connected",
        "DELETE sends the default company"
    );
    let r = c.delete(&one).company_id(BIG_BUILD).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(r.json::<Value>().unwrap(), Value::Null);
    let e = c.get(&one).company_id(BIG_BUILD).send().await.unwrap_err();
    assert_eq!(e.code(), "not_found");

    // Without any company header: the simulator's "Missing Procore-Company-Id header!".
    let e = c.get(&rfis).without_company().send().await.unwrap_err();
    assert_eq!(e.code(), "bad_request");
}

#[derive(Deserialize, Debug)]
struct Company {
    name: String,
    id: u64,
}

#[tokio::test]
async fn large_ids_round_trip_exactly() {
    let sim = sim().await;
    let c = dev_client(&sim);
    let companies: Vec<Company> = c.get("companies").send_json().await.unwrap();
    let large = companies
        .iter()
        .find(|c| c.id == LARGE_ID)
        .expect("the large-id company");
    assert!(large.id > u64::from(u32::MAX));
    assert!(!large.name.is_empty());

    // Its projects have ids above 2^32 too; fetch one back by id.
    let projects: Vec<Value> = c
        .get("projects")
        .query("company_id", LARGE_ID)
        .company_id(LARGE_ID)
        .send_json()
        .await
        .unwrap();
    let pid = projects[0]["id"].as_u64().unwrap();
    assert!(pid > u64::from(u32::MAX));
    let one: Value = c
        .get(&format!("projects/{pid}"))
        .company_id(LARGE_ID)
        .send_json()
        .await
        .unwrap();
    assert_eq!(one["id"].as_u64(), Some(pid));

    // An RFI id above 2^32 survives create -> read -> update.
    let rfis = format!("projects/{PROJECT}/rfis");
    let created: Value = c
        .post(&rfis)
        .company_id(BIG_BUILD)
        .json(&json!({"rfi": {"subject": "big id", "custom_ref": 9_007_199_254_740_993u64}}))
        .send_json()
        .await
        .unwrap();
    let id = created["id"].as_u64().unwrap();
    assert!(id > u64::from(u32::MAX));
    // 2^53 + 1 is not representable as a double: it must come back exact.
    assert_eq!(created["custom_ref"].as_u64(), Some(9_007_199_254_740_993));
    let back: Value = c
        .get(&format!("{rfis}/{id}"))
        .company_id(BIG_BUILD)
        .send_json()
        .await
        .unwrap();
    assert_eq!(back["id"].as_u64(), Some(id));
}

#[tokio::test]
async fn attribute_order_is_not_relied_on() {
    // Typed decoding by field name: a body with fields in any order decodes the same.
    let sim = sim().await;
    let c = dev_client(&sim);
    #[derive(Deserialize)]
    struct Me {
        login: String,
        id: u64,
    }
    let me: Me = c.get("me").send_json().await.unwrap();
    assert_eq!(me.id, procore_simulator::seed::USER_ID);
    assert!(me.login.contains('@'));
    let reordered: Me =
        serde_json::from_str(&format!(r#"{{"login":"{}","id":{}}}"#, me.login, me.id)).unwrap();
    assert_eq!(reordered.id, me.id);
}

#[tokio::test]
async fn malformed_answers_are_decode_errors() {
    let sim = sim().await;
    let c = dev_client(&sim);
    let cases = [
        (
            "text/html",
            "<html><body>502 from a proxy</body></html>",
            "HTML",
        ),
        ("application/json", "{\"id\": 5000000001, \"na", "truncated"),
        (
            "application/json",
            "{\"id\": 5000000001,, }",
            "invalid JSON",
        ),
        ("application/json", "", "empty"),
    ];
    for (ct, body, what) in cases {
        sim.add_fault(Fault::malformed(200, ct, body));
        let resp = c.get("me").send().await.unwrap();
        let e = resp.json::<Value>().err();
        if body.is_empty() {
            // An empty 200 decodes as null; into a struct it is a decode error.
            #[derive(Deserialize, Debug)]
            #[allow(dead_code)]
            struct Me {
                id: u64,
            }
            let e = resp.json::<Me>().unwrap_err();
            assert_eq!(e.code(), "decode");
            continue;
        }
        let e = e.unwrap_or_else(|| panic!("{what} must not decode"));
        assert_eq!(e.code(), "decode", "{what}");
        assert_eq!(e.status(), Some(200));
        assert!(e.to_string().contains(what), "{what}: {e}");
    }
    // An HTML error page with an error status is still classified by status.
    sim.add_fault(
        Fault::malformed(502, "text/html", "<html>bad gateway</html>").with_count(Some(10)),
    );
    let e = c.get("me").max_attempts(1).send().await.unwrap_err();
    assert_eq!(e.code(), "server");
    sim.clear_faults();
    // Pagination over a malformed page is a decode error too, not a panic.
    sim.add_fault(Fault::malformed(200, "application/json", "{\"data\": 5}"));
    let mut cursor = c.paginate("companies").into_cursor();
    assert_eq!(cursor.next_page().await.unwrap_err().code(), "decode");
}

#[tokio::test]
async fn small_company_projects_and_filters() {
    let sim = sim().await;
    let c = dev_client(&sim);
    let all: Vec<Value> = c
        .get("projects")
        .query("company_id", SMALL_BUILDERS)
        .company_id(SMALL_BUILDERS)
        .send_json()
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let ids: Vec<u64> = all
        .iter()
        .take(2)
        .map(|p| p["id"].as_u64().unwrap())
        .collect();
    let two: Vec<Value> = c
        .get("projects")
        .query("company_id", SMALL_BUILDERS)
        .company_id(SMALL_BUILDERS)
        .filter_list("id", &ids)
        .send_json()
        .await
        .unwrap();
    let got: Vec<u64> = two.iter().map(|p| p["id"].as_u64().unwrap()).collect();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.iter().all(|g| ids.contains(g)));
    let inactive: Vec<Value> = c
        .get("projects")
        .query("company_id", BIG_BUILD)
        .query("per_page", 1000)
        .company_id(BIG_BUILD)
        .filter("active", false)
        .send_json()
        .await
        .unwrap();
    assert!(!inactive.is_empty());
    assert!(inactive.iter().all(|p| p["active"] == false));
}

#[tokio::test]
async fn an_access_token_that_cannot_be_a_header_is_refused_before_sending() {
    let sim = sim().await;
    let before = sim.counters().requests_total;
    let c = builder(&sim)
        .access_token("abc\r\nx-injected: 1")
        .company_id(BIG_BUILD)
        .build()
        .unwrap();
    let e = c.get("/rest/v1.0/me").send().await.unwrap_err();
    assert_eq!(e.code(), "config", "{e}");
    assert!(e.to_string().contains("not valid in a header"), "{e}");
    // The token is not in the message, and nothing reached the server.
    assert!(!e.to_string().contains("x-injected"), "{e}");
    assert_eq!(sim.counters().requests_total, before);
}
