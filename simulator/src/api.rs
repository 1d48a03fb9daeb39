//! The REST API (`/rest/...`): bearer check, rate limits, the `Procore-Company-Id` rule, then
//! the resources. The order is Procore's: an unauthenticated call learns nothing else, a
//! rate-limited call is refused before any work, and the company rule applies to every route
//! except the user's `me` and `companies`.

// Handlers return the error response itself as `Err`: it is built once per request and
// returned straight away, so boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::data::{Company, ProjectFilter, RfiError, DISCONNECTED, SERVICE_ACCOUNT, USER};
use crate::pagination::{self, Limits, Page};
use crate::ratelimit::{Decision, RateHeaders};
use crate::respond::{
    empty, json, message, not_found, set_num, Resp, X_RATE_LIMIT_LIMIT, X_RATE_LIMIT_REMAINING,
    X_RATE_LIMIT_RESET,
};
use crate::router::{Matched, Route};
use crate::server::Ctx;
use crate::state::State;
use crate::tokens::Principal;
use crate::util::now_unix_f64;

const MISSING_COMPANY: &str = "Missing Procore-Company-Id header! Please set the \
    Procore-Company-Id header to the id of the company you are making the request for.";
const NOT_CONNECTED: &str = "App is not connected to this company";

/// `Authorization: Bearer <token>`, if present.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// `401 {"message":"401 Unauthorized"}` with the `WWW-Authenticate` challenge.
pub(crate) fn unauthorized() -> Resp {
    let mut r = message(StatusCode::UNAUTHORIZED, "401 Unauthorized");
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"Procore\", error=\"invalid_token\""),
    );
    r
}

pub(crate) fn set_rate_headers(r: &mut Resp, h: RateHeaders) {
    set_num(r, X_RATE_LIMIT_LIMIT, h.limit);
    set_num(r, X_RATE_LIMIT_REMAINING, h.remaining);
    set_num(r, X_RATE_LIMIT_RESET, h.reset);
}

/// A 429 with the spent window's headers and, if configured, `Retry-After`.
pub(crate) fn too_many(h: RateHeaders, retry_after: Option<u64>) -> Resp {
    let mut r = message(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded");
    set_rate_headers(&mut r, h);
    if let Some(s) = retry_after {
        set_num(&mut r, header::RETRY_AFTER, s);
    }
    r
}

/// Serves one `/rest/` request.
pub(crate) fn handle(state: &State, ctx: &Ctx<'_>, m: Matched<'_>) -> Resp {
    let Some(info) = bearer(ctx.headers).and_then(|t| state.authenticate(t)) else {
        return unauthorized();
    };
    let principal = info.principal;
    let cfg = state.config();
    let rate = match state.limiter.check(principal, &cfg, now_unix_f64()) {
        Some(Decision::Limited {
            headers,
            retry_after,
        }) => {
            return too_many(headers, cfg.retry_after_on_429.then_some(retry_after));
        }
        Some(Decision::Allowed(h)) => Some(h),
        None => None,
    };
    let mut resp = serve(state, ctx, m, principal).unwrap_or_else(|e| e);
    if let Some(h) = rate {
        set_rate_headers(&mut resp, h);
    }
    resp
}

pub(crate) type Result<T> = std::result::Result<T, Resp>;

fn serve(state: &State, ctx: &Ctx<'_>, m: Matched<'_>, principal: Principal) -> Result<Resp> {
    if m.route == Route::Unmatched {
        return Err(not_found());
    }
    let header_company = header_company(state, ctx.headers)?;
    if header_company.is_none()
        && !(m.route.company_header_optional() && principal == Principal::User)
    {
        return Err(message(StatusCode::BAD_REQUEST, MISSING_COMPANY));
    }
    match m.route {
        Route::Me => Ok(json(
            StatusCode::OK,
            if principal == Principal::User {
                &USER
            } else {
                &SERVICE_ACCOUNT
            },
        )),
        Route::Companies => {
            let all = state.data.companies();
            let page = page(ctx, pagination::V1)?;
            let items: Vec<_> = page.slice(all).map(Company::json).collect();
            Ok(collection(
                ctx,
                state,
                &items,
                page,
                all.len() as u64,
                false,
            ))
        }
        Route::Projects => {
            let Some(raw) = query_value(ctx.query, "company_id") else {
                return Err(message(
                    StatusCode::BAD_REQUEST,
                    "Missing required parameter: company_id",
                ));
            };
            let id = raw.trim().parse::<u64>().map_err(|_| {
                message(
                    StatusCode::BAD_REQUEST,
                    "Invalid company_id parameter: must be an integer",
                )
            })?;
            projects(state, ctx, company(state, id)?)
        }
        Route::CompanyProjects => {
            let id = path_id(m.first)?;
            projects(state, ctx, company(state, id)?)
        }
        Route::Project => {
            let company = header_company.ok_or_else(not_found)?;
            let project = company
                .project(path_id(m.first)?)
                .ok_or_else(|| message(StatusCode::NOT_FOUND, "Project not found"))?;
            Ok(json(StatusCode::OK, &project))
        }
        Route::RfiList | Route::RfiCreate | Route::RfiShow => rfis(state, ctx, m, header_company),
        Route::RfiPatch | Route::RfiPut | Route::RfiDelete => rfis(state, ctx, m, header_company),
        Route::HookList
        | Route::HookCreate
        | Route::HookUpdate
        | Route::HookDelete
        | Route::TriggerList
        | Route::TriggerCreate
        | Route::TriggerDelete
        | Route::DeliveryList => webhooks(state, ctx, m),
        Route::VendorList | Route::VendorSync => vendors(state, ctx, m, header_company),
        Route::UploadCreate
        | Route::UploadShow
        | Route::UploadComplete
        | Route::LegacyUploadCreate
        | Route::LegacyUploadComplete => crate::uploads::api(state, ctx, m, header_company),
        Route::People => {
            let id = path_id(m.first)?;
            company(state, id)?;
            let page = page(ctx, pagination::V2)?;
            let (items, total) = state.data.people(id, page.offset(), page.per_page);
            Ok(collection(ctx, state, &items, page, total, true))
        }
        Route::Person => {
            let id = path_id(m.first)?;
            company(state, id)?;
            let person = state
                .data
                .person(id, m.second)
                .ok_or_else(|| message(StatusCode::NOT_FOUND, "Person not found"))?;
            Ok(json(StatusCode::OK, &Data { data: person }))
        }
        Route::Authorize
        | Route::Token
        | Route::Revoke
        | Route::TokenInfo
        | Route::Unmatched
        | Route::StoragePart
        | Route::StorageForm => Err(not_found()),
    }
}

#[derive(Serialize)]
struct Data<T> {
    data: T,
}

/// Reads and checks `Procore-Company-Id` when present.
fn header_company<'s>(state: &'s State, headers: &HeaderMap) -> Result<Option<&'s Company>> {
    let Some(v) = headers.get("procore-company-id") else {
        return Ok(None);
    };
    let id = v
        .to_str()
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .ok_or_else(|| {
            message(
                StatusCode::BAD_REQUEST,
                "Invalid Procore-Company-Id header: must be an integer company id",
            )
        })?;
    company(state, id).map(Some)
}

/// A company the principal may use: unknown -> 404, disconnected -> 403.
pub(crate) fn company(state: &State, id: u64) -> Result<&Company> {
    let c = state
        .data
        .company(id)
        .ok_or_else(|| message(StatusCode::NOT_FOUND, "Company not found"))?;
    if !c.connected || c.id == DISCONNECTED {
        return Err(json(
            StatusCode::FORBIDDEN,
            &serde_json::json!({ "errors": NOT_CONNECTED, "message": NOT_CONNECTED }),
        ));
    }
    Ok(c)
}

pub(crate) fn path_id(s: &str) -> Result<u64> {
    s.parse::<u64>().map_err(|_| not_found())
}

fn page(ctx: &Ctx<'_>, limits: Limits) -> Result<Page> {
    pagination::parse(ctx.query, limits).map_err(|e| message(StatusCode::BAD_REQUEST, &e))
}

pub(crate) fn query_value(query: Option<&str>, key: &str) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// A paginated collection: a bare array (v1) or `{"data": [...]}` (v2), with the headers.
fn collection<T: Serialize>(
    ctx: &Ctx<'_>,
    state: &State,
    items: &[T],
    page: Page,
    total: u64,
    v2: bool,
) -> Resp {
    let mut r = if v2 {
        json(StatusCode::OK, &Data { data: items })
    } else {
        json(StatusCode::OK, items)
    };
    let base = format!("{}{}", ctx.origin(state), ctx.path);
    pagination::headers(&mut r, &base, ctx.query, page, total);
    r
}

fn project_filter(query: Option<&str>) -> Result<ProjectFilter> {
    let mut f = ProjectFilter::default();
    let bad = |what: &str| message(StatusCode::BAD_REQUEST, &format!("Invalid filter: {what}"));
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "filters[active]" => {
                f.active = Some(match v.as_ref() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad("filters[active] must be true or false")),
                })
            }
            "filters[id][]" | "filters[id]" => {
                let ids = f.ids.get_or_insert_with(Vec::new);
                for part in v.split(',').filter(|p| !p.trim().is_empty()) {
                    ids.push(
                        part.trim()
                            .parse()
                            .map_err(|_| bad("filters[id] must be integers"))?,
                    );
                }
            }
            "filters[name]" => f.name = Some(v.to_lowercase()),
            _ => {}
        }
    }
    Ok(f)
}

fn projects(state: &State, ctx: &Ctx<'_>, company: &Company) -> Result<Resp> {
    let page = page(ctx, pagination::V1)?;
    let filter = project_filter(ctx.query)?;
    let (items, total) = company.projects(&filter, page.offset(), page.per_page);
    Ok(collection(ctx, state, &items, page, total, false))
}

/// The `rfi` object of a write body.
fn rfi_body(ctx: &Ctx<'_>) -> Result<Map<String, Value>> {
    let v: Value = serde_json::from_slice(&ctx.body)
        .map_err(|_| message(StatusCode::BAD_REQUEST, "Invalid JSON body"))?;
    match v {
        Value::Object(mut o) => match o.remove("rfi") {
            Some(Value::Object(rfi)) => Ok(rfi),
            _ => Err(message(
                StatusCode::BAD_REQUEST,
                "param is missing or the value is empty: rfi",
            )),
        },
        _ => Err(message(
            StatusCode::BAD_REQUEST,
            "param is missing or the value is empty: rfi",
        )),
    }
}

/// The webhooks API (`webhooks.rs` keeps the hooks and delivers).
fn webhooks(state: &State, ctx: &Ctx<'_>, m: Matched<'_>) -> Result<Resp> {
    let body: Value = if ctx.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&ctx.body)
            .map_err(|_| message(StatusCode::BAD_REQUEST, "Invalid JSON body"))?
    };
    let scope_of = |key: &str| -> Result<Option<u64>> {
        let raw = query_value(ctx.query, key).or_else(|| match body.get(key) {
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        });
        raw.map(|r| {
            r.parse::<u64>().map_err(|_| {
                message(
                    StatusCode::BAD_REQUEST,
                    &format!("{key} must be an integer"),
                )
            })
        })
        .transpose()
    };
    let scope = (scope_of("company_id")?, scope_of("project_id")?);
    let hooks = &state.webhooks;
    let answer = match m.route {
        Route::HookList => {
            if scope == (None, None) {
                return Err(message(
                    StatusCode::BAD_REQUEST,
                    "company_id or project_id is required",
                ));
            }
            hooks.list_hooks(scope)
        }
        Route::HookCreate => hooks.create_hook(scope, &body),
        Route::HookUpdate => hooks.update_hook(path_id(m.first)?, &body),
        Route::HookDelete => hooks.delete_hook(path_id(m.first)?),
        Route::TriggerList => hooks.list_triggers(path_id(m.first)?),
        Route::TriggerCreate => hooks.create_trigger(path_id(m.first)?, &body),
        Route::TriggerDelete => hooks.delete_trigger(path_id(m.first)?, path_id(m.second)?),
        Route::DeliveryList => hooks.list_deliveries(
            path_id(m.first)?,
            query_value(ctx.query, "filter[status]").as_deref(),
        ),
        _ => return Err(not_found()),
    };
    match answer {
        Ok((204, _)) => Ok(empty(StatusCode::NO_CONTENT)),
        Ok((status, v)) => Ok(json(
            StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            &v,
        )),
        Err((status, msg)) => Err(message(
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            &msg,
        )),
    }
}

/// Company vendors: the list, and the sync action (`company_id` in the body, as Procore's).
fn vendors(
    state: &State,
    ctx: &Ctx<'_>,
    m: Matched<'_>,
    header_company: Option<&Company>,
) -> Result<Resp> {
    if m.route == Route::VendorList {
        let id = query_value(ctx.query, "company_id")
            .map(|v| v.parse::<u64>())
            .transpose()
            .map_err(|_| message(StatusCode::BAD_REQUEST, "company_id must be an integer"))?
            .or(header_company.map(|c| c.id))
            .ok_or_else(|| message(StatusCode::BAD_REQUEST, "company_id is required"))?;
        let company = company(state, id)?;
        let page = page(ctx, pagination::V1)?;
        let all = state.vendors.list(company.id);
        let items: Vec<_> = page.slice(&all).collect();
        return Ok(collection(
            ctx,
            state,
            &items,
            page,
            all.len() as u64,
            false,
        ));
    }
    let body: Value = serde_json::from_slice(&ctx.body)
        .map_err(|_| message(StatusCode::BAD_REQUEST, "Invalid JSON body"))?;
    let id = body
        .get("company_id")
        .and_then(|v| match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        })
        .ok_or_else(|| {
            message(
                StatusCode::BAD_REQUEST,
                "param is missing or the value is empty: company_id",
            )
        })?;
    let company = company(state, id)?;
    let Some(Value::Array(updates)) = body.get("updates") else {
        return Err(message(
            StatusCode::BAD_REQUEST,
            "param is missing or the value is empty: updates",
        ));
    };
    if updates.len() > crate::vendors::MAX_SYNC {
        return Err(message(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!(
                "updates may hold at most {} items, got {}",
                crate::vendors::MAX_SYNC,
                updates.len()
            ),
        ));
    }
    let (entities, errors) = state.vendors.sync(company.id, updates);
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({ "entities": entities, "errors": errors }),
    ))
}

fn rfi_error(e: RfiError) -> Resp {
    match e {
        RfiError::NotFound => message(StatusCode::NOT_FOUND, "RFI not found"),
        RfiError::Invalid(errors) => json(
            StatusCode::UNPROCESSABLE_ENTITY,
            &serde_json::json!({ "errors": errors }),
        ),
    }
}

fn rfis(
    state: &State,
    ctx: &Ctx<'_>,
    m: Matched<'_>,
    header_company: Option<&Company>,
) -> Result<Resp> {
    let project_id = path_id(m.first)?;
    // The project must belong to the company named in the header.
    let company_id = header_company
        .filter(|c| c.project(project_id).is_some())
        .map(|c| c.id)
        .ok_or_else(|| message(StatusCode::NOT_FOUND, "Project not found"))?;
    let store = &state.data.rfis;
    let rfi_id = || path_id(m.second);
    let event = |id: u64, kind: &str| {
        let times = if state.config().webhook_duplicates {
            2
        } else {
            1
        };
        state.webhooks.rfi_event(
            company_id,
            project_id,
            id,
            kind,
            crate::seed::USER_ID,
            times,
        );
    };
    match m.route {
        Route::RfiList => {
            let page = page(ctx, pagination::V1)?;
            let all = store.list(project_id);
            let items: Vec<_> = page.slice(&all).collect();
            Ok(collection(
                ctx,
                state,
                &items,
                page,
                all.len() as u64,
                false,
            ))
        }
        Route::RfiCreate => {
            let body = rfi_body(ctx)?;
            let rfi = store.create(project_id, body).map_err(rfi_error)?;
            if let Some(id) = rfi.get("id").and_then(Value::as_u64) {
                event(id, "create");
            }
            Ok(json(StatusCode::CREATED, &rfi))
        }
        Route::RfiShow => {
            let rfi = store
                .get(project_id, rfi_id()?)
                .ok_or_else(|| message(StatusCode::NOT_FOUND, "RFI not found"))?;
            Ok(json(StatusCode::OK, &rfi))
        }
        Route::RfiPatch | Route::RfiPut => {
            let id = rfi_id()?;
            let body = rfi_body(ctx)?;
            let rfi = store.update(project_id, id, body).map_err(rfi_error)?;
            event(id, "update");
            Ok(json(StatusCode::OK, &rfi))
        }
        Route::RfiDelete => {
            let id = rfi_id()?;
            if store.delete(project_id, id) {
                event(id, "delete");
                Ok(empty(StatusCode::NO_CONTENT))
            } else {
                Err(message(StatusCode::NOT_FOUND, "RFI not found"))
            }
        }
        _ => Err(not_found()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_parsing() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  x "),
        );
        assert_eq!(bearer(&h), Some("x"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&h), None);
    }

    #[test]
    fn filters() {
        let f = project_filter(Some(
            "filters%5Bid%5D%5B%5D=1&filters[id][]=2&filters[active]=false&filters[name]=AbC",
        ))
        .unwrap_or_else(|_| panic!("valid filter"));
        assert_eq!(f.ids, Some(vec![1, 2]));
        assert_eq!(f.active, Some(false));
        assert_eq!(f.name.as_deref(), Some("abc"));
        assert!(project_filter(Some("filters[active]=maybe")).is_err());
    }
}
