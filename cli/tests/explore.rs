//! `procore explore` over real sockets: the page and its assets, the catalog JSON, a send that
//! reaches the (embedded) simulator, the catalog check refusing an incomplete call, and every
//! refusal of the server: a wrong token, a foreign Host, another origin, a form post, a GET.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_procore");

struct Explore {
    child: Child,
    base: String,
    token: String,
}

impl Drop for Explore {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Explore {
    let mut child = Command::new(BIN)
        .args(["explore", "--simulator"])
        .env_remove("PROCORE_ACCESS_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("procore explore listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    let (base, token) = url.split_once("/?t=").unwrap();
    assert_eq!(token.len(), 48, "a 24-byte random token");
    Explore {
        child,
        base: base.to_owned(),
        token: token.to_owned(),
    }
}

#[tokio::test]
async fn the_page_the_catalog_and_a_send_through_the_sdk() {
    let x = start();
    let http = reqwest::Client::new();
    let page = http
        .get(format!("{}/?t={}", x.base, x.token))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert!(page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("script-src 'self'"));
    let html = page.text().await.unwrap();
    assert!(html.contains("<script src=\"/explore.js\">"), "{html}");
    for asset in ["/explore.js", "/explore.css"] {
        let r = http.get(format!("{}{asset}", x.base)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{asset}");
        assert!(!r.text().await.unwrap().is_empty());
    }

    let ops: Vec<Value> = http
        .get(format!("{}/api/catalog?t={}", x.base, x.token))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(ops.len() > 2000, "{}", ops.len());
    assert!(ops
        .iter()
        .any(|o| o["id"] == "RestV10ProjectsProjectIdRfisPost" && o["method"] == "POST"));
    let op: Value = http
        .get(format!(
            "{}/api/operation?id=RestV10ProjectsProjectIdRfisPost&t={}",
            x.base, x.token
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let fields = op["body_fields"].as_array().unwrap();
    assert!(fields
        .iter()
        .any(|f| f["path"] == "rfi.subject" && f["required"] == true));

    let send = |call: Value| {
        http.post(format!("{}/api/send", x.base))
            .header("x-explore-token", &x.token)
            .json(&call)
            .send()
    };
    // Incomplete: the catalog check names the missing field, nothing is sent.
    let r: Value = send(json!({"operation": "RestV10ProjectsProjectIdRfisPost",
        "path": {"project_id": "100001"}, "body": {"rfi": {"question": {"body": "Q"}}}}))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(r["ok"], false);
    assert_eq!(r["code"], "invalid_call");
    assert!(r["fields"]["body.rfi.subject"].is_array(), "{r}");
    // Complete: 201 from the simulator, with its request id and rate-limit snapshot.
    let r: Value = send(json!({"operation": "RestV10ProjectsProjectIdRfisPost",
        "path": {"project_id": "100001"},
        "body": {"rfi": {"subject": "S", "question": {"body": "Q"}, "rfi_manager_id": 5000000001u64}}}))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        (r["ok"].as_bool(), r["status"].as_u64()),
        (Some(true), Some(201)),
        "{r}"
    );
    assert_eq!(r["body"]["subject"], "S");
    assert!(r["request_id"].as_str().unwrap().starts_with("sim-"));
    assert!(r["rate_limit"]["limit"].as_u64().unwrap() > 0);
    // A GET through the catalog, and the status: log and budget.
    let r: Value = send(json!({"operation": "RestV10MeGet"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["status"], 200, "{r}");
    let s: Value = http
        .get(format!("{}/api/status?t={}", x.base, x.token))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(s["simulator"], true);
    let log = s["log"].as_array().unwrap();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0]["code"], "invalid_call");
    assert_eq!(log[1]["status"], 201);
    let b = &s["budget"];
    assert!(
        b["hourly"]["limit"]
            .as_u64()
            .or(b["spike"]["limit"].as_u64())
            .is_some(),
        "the gauge has a window: {s}"
    );
    assert!(!s.to_string().contains("sim-dev-token"));
}

#[tokio::test]
async fn strangers_are_refused() {
    let x = start();
    let http = reqwest::Client::new();
    for url in [
        format!("{}/", x.base),
        format!("{}/?t=wrong", x.base),
        format!("{}/api/catalog?t={}x", x.base, x.token),
        format!("{}/api/status", x.base),
    ] {
        let r = http.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 403, "{url}");
    }
    // DNS rebinding: the right token under a foreign Host.
    let r = http
        .get(format!("{}/api/catalog?t={}", x.base, x.token))
        .header("host", "evil.example:80")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let call = json!({"operation": "RestV10MeGet"});
    let post = |headers: Vec<(&'static str, String)>, body: String| {
        let mut r = http.post(format!("{}/api/send", x.base)).body(body);
        for (k, v) in headers {
            r = r.header(k, v);
        }
        r.send()
    };
    // No token in the header (a token in the query is not enough for a send).
    let r = post(
        vec![("content-type", "application/json".into())],
        call.to_string(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 403);
    // A cross-site origin, and a form post.
    let r = post(
        vec![
            ("content-type", "application/json".into()),
            ("x-explore-token", x.token.clone()),
            ("origin", "http://evil.example".into()),
        ],
        call.to_string(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 403);
    let r = post(
        vec![
            ("content-type", "application/x-www-form-urlencoded".into()),
            ("x-explore-token", x.token.clone()),
        ],
        "operation=RestV10MeGet".into(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 415);
    // A GET never sends.
    let r = http
        .get(format!("{}/api/send?t={}", x.base, x.token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
}
