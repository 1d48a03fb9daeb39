//! The fault matrix: hostile answers from a raw TCP peer (what the simulator cannot send) and
//! the simulator's own faults. Each row must end in its typed error (or a success) within the
//! caller's deadline, without a panic, and without reading more than the body cap.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::peer::{self, Reply};
use procore::{Client, Environment, RateLimitConfig, RetryConfig};

fn client(base: &str) -> Client {
    Client::builder()
        .environment(Environment::local(base).unwrap())
        .access_token("peer-token")
        .rate_limit(RateLimitConfig::disabled())
        .request_timeout(Duration::from_millis(800))
        .retry(RetryConfig {
            max_attempts: 2,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(20),
            deadline: Some(Duration::from_secs(3)),
            ..Default::default()
        })
        .build()
        .unwrap()
}

fn head(status: &str, extra: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\nconnection: close\r\n{extra}\r\n"
    )
}

struct Row {
    name: &'static str,
    reply: Reply,
    /// The code the call must end in, or None for a success.
    want: Option<&'static str>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_answer_ends_in_its_typed_error_on_time() {
    let rows = vec![
        Row {
            name: "reset mid-body (Content-Length says more than arrives)",
            reply: Reply::Raw(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"id\": 1".to_vec(),
            ),
            want: Some("network"),
        },
        Row {
            name: "stall after the headers",
            reply: Reply::Stall(head("200 OK", "content-length: 10\r\n"), Duration::from_secs(10)),
            want: Some("timeout"),
        },
        Row {
            name: "garbage status line",
            reply: Reply::Raw(b"HTP/9 banana\r\n\r\n".to_vec()),
            want: Some("network"),
        },
        Row {
            name: "not HTTP at all",
            reply: Reply::Raw(vec![0xff; 64]),
            want: Some("network"),
        },
        Row {
            name: "invalid UTF-8 in a JSON body",
            reply: Reply::Raw(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 8\r\n\r\n{\"a\":\"\xff\"}"
                    .to_vec(),
            ),
            want: None, // the answer arrives; decoding it as JSON is what fails (below)
        },
        Row {
            name: "HTML from a proxy with a 502",
            reply: Reply::Raw(
                b"HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\ncontent-length: 20\r\n\r\n<html>gateway</html>".to_vec(),
            ),
            want: Some("server"),
        },
        Row {
            name: "redirect to another host",
            reply: peer::json(302, "location: https://evil.example/steal\r\n", "{}"),
            want: Some("http"),
        },
        Row {
            name: "hostile rate-limit headers on a success",
            reply: peer::json(
                200,
                "x-rate-limit-limit: -5\r\nx-rate-limit-remaining: 99999999999999999999999\r\nx-rate-limit-reset: 1e308\r\nretry-after: -1\r\n",
                "{}",
            ),
            want: None,
        },
        Row {
            name: "a 429 with an absurd Retry-After",
            reply: peer::json(429, "retry-after: 99999999999999\r\n", "{}"),
            want: Some("rate_limited"),
        },
        Row {
            name: "a 401 that never ends (a fixed token cannot refresh)",
            reply: peer::json(401, "", r#"{"error":"invalid_token"}"#),
            want: Some("unauthorized"),
        },
    ];
    for row in rows {
        let reply = row.reply.clone();
        let p = peer::start(move |_, _| reply.clone()).await;
        let started = Instant::now();
        let got = client(&p.base).get("me").send().await;
        let elapsed = started.elapsed();
        assert!(
            elapsed < Duration::from_secs(4),
            "{}: took {elapsed:?}",
            row.name
        );
        match (row.want, &got) {
            (None, Ok(_)) => {}
            (Some(code), Err(e)) => assert_eq!(e.code(), code, "{}: {e}", row.name),
            (want, got) => panic!("{}: wanted {want:?}, got {got:?}", row.name),
        }
    }
}

#[tokio::test]
async fn a_200_whose_body_is_not_utf8_or_is_an_error_decodes_as_an_error() {
    let p = peer::start(|_, _| {
        Reply::Raw(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 8\r\n\r\n{\"a\":\"\xff\"}"
                .to_vec(),
        )
    })
    .await;
    let r = client(&p.base).get("me").send().await.unwrap();
    let e = r.json::<serde_json::Value>().unwrap_err();
    assert_eq!(e.code(), "decode", "{e}");

    // A 200 that carries an error document is a success at the HTTP level; its body is kept.
    let p = peer::start(|_, _| peer::json(200, "", r#"{"errors":"something went wrong"}"#)).await;
    let r = client(&p.base).get("me").send().await.unwrap();
    assert_eq!(
        r.json::<serde_json::Value>().unwrap()["errors"],
        "something went wrong"
    );
}

#[tokio::test]
async fn headers_are_shown_one_way_repeats_joined_and_bad_bytes_replaced() {
    let p = peer::start(|_, _| {
        Reply::Raw(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-b: 1\r\nx-a: one\r\nx-b: 2\r\nx-odd: caf\xe9\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}"
                .to_vec(),
        )
    })
    .await;
    let r = client(&p.base).get("me").send().await.unwrap();
    let pairs = r.header_pairs();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("x-b"), Some("1, 2"));
    assert_eq!(get("x-a"), Some("one"));
    assert_eq!(
        get("x-odd"),
        Some("caf\u{fffd}"),
        "a bad byte is replaced, not the header dropped"
    );
    assert_eq!(pairs.iter().filter(|(n, _)| n == "x-b").count(), 1);
}
