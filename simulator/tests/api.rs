//! The REST API over real sockets: bearer and company-header rules, pagination (v1 and v2),
//! seed data, large ids and the writable RFIs.

mod common;

use common::{config, header, json, start, DEV};
use serde_json::{json, Value};

#[tokio::test]
async fn bearer_token_is_required() {
    let env = start(config()).await;
    for req in [
        env.http.get(env.url("/rest/v1.0/me")),
        env.http.get(env.url("/rest/v1.0/me")).bearer_auth("nope"),
        env.http
            .get(env.url("/rest/v1.0/nothing/here"))
            .bearer_auth("nope"),
    ] {
        let r = req.send().await.expect("answered");
        assert_eq!(r.status(), 401);
        assert_eq!(
            header(&r, "www-authenticate"),
            "Bearer realm=\"Procore\", error=\"invalid_token\""
        );
        assert_eq!(
            header(&r, "content-type"),
            "application/json; charset=utf-8"
        );
        assert!(r.headers().get("x-request-id").is_some());
        assert_eq!(json(r).await, json!({"message": "401 Unauthorized"}));
    }
    // An expired token is refused too.
    let t = env.sim.issue_tokens(Some(std::time::Duration::ZERO));
    let r = env
        .http
        .get(env.url("/rest/v1.0/me"))
        .bearer_auth(&t.access_token)
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn me_and_companies_are_exempt_from_the_company_header() {
    let env = start(config()).await;
    let r = env.get("/rest/v1.0/me").send().await.expect("me");
    assert_eq!(r.status(), 200);
    assert_eq!(
        json(r).await,
        json!({"id": 5000000001u64, "login": "dev@example.com", "name": "Dev Eloper"})
    );
    let r = env
        .get("/rest/v1.0/companies")
        .send()
        .await
        .expect("companies");
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "total"), "5");
    let text = r.text().await.expect("body");
    // Exact integer, not a float.
    assert!(text.contains("\"id\":4398046511104"), "{text}");
    let companies: Vec<Value> = serde_json::from_str(&text).expect("array");
    let ids: Vec<u64> = companies
        .iter()
        .map(|c| c["id"].as_u64().expect("u64 id"))
        .collect();
    assert_eq!(ids, vec![8089, 31337, 4398046511104, 666, 77777]);
    assert_eq!(companies[0]["name"], "Small Builders");
    assert_eq!(companies[0]["is_active"], true);
}

#[tokio::test]
async fn company_header_rules() {
    let env = start(config()).await;
    let path = "/rest/v1.0/companies/8089/projects";

    let r = env.get(path).send().await.expect("answered");
    assert_eq!(r.status(), 400);
    let body = json(r).await;
    assert!(body["message"]
        .as_str()
        .expect("message")
        .starts_with("Missing Procore-Company-Id header!"));

    let r = env
        .get(path)
        .header("Procore-Company-Id", "abc")
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 400);

    let r = env.get_in(999, path).send().await.expect("answered");
    assert_eq!(r.status(), 404);
    assert_eq!(json(r).await, json!({"message": "Company not found"}));

    let r = env
        .get_in(666, "/rest/v1.0/companies/666/projects")
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 403);
    assert_eq!(
        json(r).await,
        json!({"errors": "App is not connected to this company",
               "message": "App is not connected to this company"})
    );
    // A disconnected company in the header blocks even exempt routes.
    let r = env
        .get_in(666, "/rest/v1.0/me")
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 403);

    let r = env.get_in(8089, path).send().await.expect("answered");
    assert_eq!(r.status(), 200);

    // Required even though company_id is in the query string.
    let r = env
        .get("/rest/v1.0/projects?company_id=8089")
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 400);
    // And company_id itself is required on /projects.
    let r = env
        .get_in(8089, "/rest/v1.0/projects")
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn client_credentials_tokens_need_the_header_everywhere() {
    let env = start(config()).await;
    let t = env.sim.issue_client_credentials_token();
    assert!(t.refresh_token.is_none());
    for path in ["/rest/v1.0/me", "/rest/v1.0/companies"] {
        let r = env
            .http
            .get(env.url(path))
            .bearer_auth(&t.access_token)
            .send()
            .await
            .expect("answered");
        assert_eq!(r.status(), 400, "{path}");
        let r = env
            .http
            .get(env.url(path))
            .bearer_auth(&t.access_token)
            .header("Procore-Company-Id", "31337")
            .send()
            .await
            .expect("answered");
        assert_eq!(r.status(), 200, "{path}");
    }
    let r = env
        .http
        .get(env.url("/rest/v1.0/me"))
        .bearer_auth(&t.access_token)
        .header("Procore-Company-Id", "31337")
        .send()
        .await
        .expect("answered");
    assert_eq!(json(r).await["id"], 5000000002u64);
}

fn links(r: &reqwest::Response) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    if let Some(v) = r.headers().get("link") {
        for part in v.to_str().expect("ascii").split(", ") {
            let (url, rel) = part.split_once("; ").expect("link part");
            let rel = rel.trim_start_matches("rel=\"").trim_end_matches('"');
            out.insert(
                rel.to_owned(),
                url.trim_start_matches('<').trim_end_matches('>').to_owned(),
            );
        }
    }
    out
}

#[tokio::test]
async fn v1_pagination_headers_and_links() {
    let env = start(config()).await;
    let q = "/rest/v1.0/projects?company_id=31337&per_page=1000&filters%5Bactive%5D=true";
    // 2,500 projects, 250 inactive: 2,250 active -> 3 pages of 1000.
    let r = env.get_in(31337, q).send().await.expect("page 1");
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "total"), "2250");
    assert_eq!(header(&r, "per-page"), "1000");
    let l = links(&r);
    assert!(!l.contains_key("prev"));
    let base = format!(
        "{}/rest/v1.0/projects?company_id=31337&per_page=1000&filters%5Bactive%5D=true",
        env.base
    );
    assert_eq!(l["first"], format!("{base}&page=1"));
    assert_eq!(l["next"], format!("{base}&page=2"));
    assert_eq!(l["last"], format!("{base}&page=3"));
    let page: Vec<Value> = r.json().await.expect("array");
    assert_eq!(page.len(), 1000);
    assert!(page.iter().all(|p| p["active"] == true));

    // Follow next: the middle page has prev and next.
    let r = env
        .http
        .get(&l["next"])
        .bearer_auth(DEV)
        .header("Procore-Company-Id", "31337")
        .send()
        .await
        .expect("page 2");
    let l2 = links(&r);
    assert_eq!(l2["prev"], format!("{base}&page=1"));
    assert_eq!(l2["next"], format!("{base}&page=3"));

    // The last page has no next.
    let r = env
        .http
        .get(&l2["next"])
        .bearer_auth(DEV)
        .header("Procore-Company-Id", "31337")
        .send()
        .await
        .expect("page 3");
    let l3 = links(&r);
    assert!(!l3.contains_key("next"));
    assert_eq!(l3["prev"], format!("{base}&page=2"));
    let page: Vec<Value> = r.json().await.expect("array");
    assert_eq!(page.len(), 250);
    assert_eq!(page.last().expect("last")["id"], 102499u64);

    // Past the end: empty array, headers still there.
    let r = env
        .get_in(31337, &format!("{q}&page=9"))
        .send()
        .await
        .expect("page 9");
    assert_eq!(header(&r, "total"), "2250");
    assert_eq!(json(r).await, json!([]));
}

#[tokio::test]
async fn pagination_parameter_errors_and_clamping() {
    let env = start(config()).await;
    for bad in ["per_page=0", "per_page=abc", "page=0", "page=-1"] {
        let r = env
            .get_in(31337, &format!("/rest/v1.0/companies/31337/projects?{bad}"))
            .send()
            .await
            .expect("answered");
        assert_eq!(r.status(), 400, "{bad}");
    }
    let r = env
        .get_in(31337, "/rest/v1.0/companies/31337/projects?per_page=5000")
        .send()
        .await
        .expect("answered");
    assert_eq!(header(&r, "per-page"), "1000");
    // Default page size.
    let r = env
        .get_in(31337, "/rest/v1.0/companies/31337/projects")
        .send()
        .await
        .expect("answered");
    assert_eq!(header(&r, "per-page"), "100");
    assert_eq!(header(&r, "total"), "2500");
    let page: Vec<Value> = r.json().await.expect("array");
    assert_eq!(page.len(), 100);
    assert_eq!(page[0]["id"], 100001);
    assert_eq!(
        page[0]["company"],
        json!({"id": 31337, "name": "Big Build Co"})
    );
    for key in ["name", "project_number", "created_at", "updated_at"] {
        assert!(page[0][key].is_string(), "{key}");
    }
}

#[tokio::test]
async fn project_filters_and_show() {
    let env = start(config()).await;
    let r = env
        .get_in(
            31337,
            "/rest/v1.0/projects?company_id=31337&filters[id][]=100010&filters[id][]=100002&filters[id][]=5",
        )
        .send()
        .await
        .expect("answered");
    let page: Vec<Value> = r.json().await.expect("array");
    let ids: Vec<u64> = page.iter().map(|p| p["id"].as_u64().expect("id")).collect();
    assert_eq!(ids, vec![100002, 100010]);
    assert_eq!(page[1]["active"], false, "every 10th is inactive");

    let r = env
        .get_in(
            8089,
            "/rest/v1.0/companies/8089/projects?filters[name]=bakery",
        )
        .send()
        .await
        .expect("answered");
    let page: Vec<Value> = r.json().await.expect("array");
    assert_eq!(page.len(), 1);
    assert_eq!(page[0]["id"], 3002);

    let r = env
        .get_in(31337, "/rest/v1.0/projects/100001")
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await["id"], 100001);
    // Not in the header's company, or unknown: 404.
    for (company, id) in [(8089, 100001u64), (31337, 1)] {
        let r = env
            .get_in(company, &format!("/rest/v1.0/projects/{id}"))
            .send()
            .await
            .expect("answered");
        assert_eq!(r.status(), 404);
    }
    let r = env
        .get_in(
            8089,
            "/rest/v1.0/projects?company_id=8089&filters[active]=maybe",
        )
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn ids_above_two_to_the_32_are_exact() {
    let env = start(config()).await;
    let r = env
        .get_in(4398046511104, "/rest/v1.0/companies/4398046511104/projects")
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 200);
    let text = r.text().await.expect("body");
    assert!(text.contains("\"id\":4398046512001"), "{text}");
    assert!(text.contains("\"id\":4398046511104"), "{text}");
    let page: Vec<Value> = serde_json::from_str(&text).expect("array");
    assert!(page
        .iter()
        .all(|p| p["id"].as_u64().expect("u64") > u64::from(u32::MAX)));
    let r = env
        .get_in(4398046511104, "/rest/v1.0/projects/4398046512002")
        .send()
        .await
        .expect("answered");
    assert_eq!(json(r).await["id"].as_u64(), Some(4398046512002));
}

#[tokio::test]
async fn mega_corp_pages_are_generated() {
    let env = start(config()).await;
    let r = env
        .get_in(
            77777,
            "/rest/v1.0/companies/77777/projects?per_page=1000&page=100",
        )
        .send()
        .await
        .expect("answered");
    assert_eq!(header(&r, "total"), "100000");
    assert!(!links(&r).contains_key("next"));
    let page: Vec<Value> = r.json().await.expect("array");
    assert_eq!(page.len(), 1000);
    assert_eq!(page[999]["id"], 1_000_100_000u64);
}

#[tokio::test]
async fn v2_people_envelope() {
    let env = start(config()).await;
    let r = env
        .get_in(31337, "/rest/v2.0/companies/31337/people")
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "total"), "250");
    assert_eq!(header(&r, "per-page"), "10");
    let l = links(&r);
    assert!(l["last"].ends_with("page=25"));
    let body = json(r).await;
    let data = body["data"].as_array().expect("data array");
    assert_eq!(data.len(), 10);
    let first = &data[0];
    assert!(first["id"].is_string());
    assert_eq!(first["company_id"], "31337");
    for key in ["first_name", "last_name", "email"] {
        assert!(first[key].is_string(), "{key}");
    }
    let id = first["id"].as_str().expect("id").to_owned();

    let r = env
        .get_in(
            31337,
            "/rest/v2.0/companies/31337/people?per_page=500&page=3",
        )
        .send()
        .await
        .expect("answered");
    assert_eq!(header(&r, "per-page"), "100");
    assert_eq!(json(r).await["data"].as_array().expect("data").len(), 50);

    let r = env
        .get_in(31337, &format!("/rest/v2.0/companies/31337/people/{id}"))
        .send()
        .await
        .expect("answered");
    assert_eq!(json(r).await["data"]["id"], id);

    let r = env
        .get_in(8089, "/rest/v2.0/companies/8089/people")
        .send()
        .await
        .expect("answered");
    assert_eq!(header(&r, "total"), "0");
    assert_eq!(json(r).await, json!({"data": []}));
}

#[tokio::test]
async fn rfis_create_update_delete_and_validation() {
    let env = start(config()).await;
    let base = "/rest/v1.0/projects/100001/rfis";
    let r = env.get_in(31337, base).send().await.expect("list");
    assert_eq!(r.status(), 200);
    let seeded: Vec<Value> = r.json().await.expect("array");
    assert_eq!(seeded.len(), 3);
    assert_eq!(seeded[0]["id"], 9000000001u64);

    let post = |body: Value| {
        env.http
            .post(env.url(base))
            .bearer_auth(DEV)
            .header("Procore-Company-Id", "31337")
            .json(&body)
            .send()
    };
    let r = post(
        json!({"rfi": {"subject": "Beam size?", "question": {"body": "W12 or W14?"},
                               "status": "open", "custom_field_x": [1, 2]}}),
    )
    .await
    .expect("create");
    assert_eq!(r.status(), 201);
    let rfi = json(r).await;
    let id = rfi["id"].as_u64().expect("id");
    assert!(id > 9000000003);
    assert_eq!(rfi["subject"], "Beam size?");
    assert_eq!(rfi["question"]["body"], "W12 or W14?");
    assert_eq!(
        rfi["custom_field_x"],
        json!([1, 2]),
        "unknown fields echoed"
    );

    let r = post(json!({"rfi": {"subject": "  "}}))
        .await
        .expect("blank");
    assert_eq!(r.status(), 422);
    assert_eq!(
        json(r).await,
        json!({"errors": {"subject": ["can't be blank"]}})
    );
    let r = post(json!({"rfi": {"question": {"body": "x"}}}))
        .await
        .expect("missing");
    assert_eq!(r.status(), 422);
    let r = post(json!({"rfi": {"subject": "ok", "status": "pending"}}))
        .await
        .expect("bad status");
    assert_eq!(r.status(), 422);
    assert!(json(r).await["errors"]["status"].is_array());
    let r = post(json!({"nope": {}})).await.expect("no root");
    assert_eq!(r.status(), 400);

    let one = format!("{base}/{id}");
    let r = env
        .http
        .patch(env.url(&one))
        .bearer_auth(DEV)
        .header("Procore-Company-Id", "31337")
        .json(&json!({"rfi": {"status": "closed"}}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 200);
    let patched = json(r).await;
    assert_eq!(patched["status"], "closed");
    assert_eq!(patched["subject"], "Beam size?");
    let r = env
        .http
        .put(env.url(&one))
        .bearer_auth(DEV)
        .header("Procore-Company-Id", "31337")
        .json(&json!({"rfi": {"subject": "Beam size (rev)"}}))
        .send()
        .await
        .expect("put");
    assert_eq!(json(r).await["subject"], "Beam size (rev)");
    let r = env
        .http
        .patch(env.url(&one))
        .bearer_auth(DEV)
        .header("Procore-Company-Id", "31337")
        .json(&json!({"rfi": {"status": "weird"}}))
        .send()
        .await
        .expect("bad patch");
    assert_eq!(r.status(), 422);

    let r = env.get_in(31337, &one).send().await.expect("show");
    assert_eq!(json(r).await["subject"], "Beam size (rev)");

    let r = env
        .http
        .delete(env.url(&one))
        .bearer_auth(DEV)
        .header("Procore-Company-Id", "31337")
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    assert!(r.bytes().await.expect("body").is_empty());
    let r = env.get_in(31337, &one).send().await.expect("gone");
    assert_eq!(r.status(), 404);

    // Another company's project is not visible.
    let r = env.get_in(8089, base).send().await.expect("other company");
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn unknown_routes_and_request_ids() {
    let env = start(config()).await;
    let r = env
        .get_in(8089, "/rest/v1.0/nothing")
        .send()
        .await
        .expect("404");
    assert_eq!(r.status(), 404);
    let id1 = header(&r, "x-request-id").to_owned();
    assert_eq!(json(r).await, json!({"message": "Not Found"}));
    let r = env.get("/rest/v1.0/me").send().await.expect("me");
    assert_ne!(header(&r, "x-request-id"), id1);
}
