//! Response builders, so every JSON body gets `application/json; charset=utf-8` and every
//! error has the Procore shape (`{"message": ...}`).

use axum::body::Body;
use axum::http::{header, HeaderName, HeaderValue, Response, StatusCode};
use serde::Serialize;

pub(crate) type Resp = Response<Body>;

pub(crate) const JSON_CT: HeaderValue = HeaderValue::from_static("application/json; charset=utf-8");
pub(crate) const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
pub(crate) const X_RATE_LIMIT_LIMIT: HeaderName = HeaderName::from_static("x-rate-limit-limit");
pub(crate) const X_RATE_LIMIT_REMAINING: HeaderName =
    HeaderName::from_static("x-rate-limit-remaining");
pub(crate) const X_RATE_LIMIT_RESET: HeaderName = HeaderName::from_static("x-rate-limit-reset");

/// A response with a raw body and content type.
pub(crate) fn raw(status: StatusCode, content_type: HeaderValue, body: impl Into<Body>) -> Resp {
    let mut r = Response::new(body.into());
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, content_type);
    r
}

/// A JSON response.
pub(crate) fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Resp {
    match serde_json::to_vec(value) {
        Ok(bytes) => raw(status, JSON_CT, bytes),
        Err(e) => {
            tracing::error!(error = %e, "serialising a response failed");
            message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
        }
    }
}

/// `{"message": msg}`.
pub(crate) fn message(status: StatusCode, msg: &str) -> Resp {
    #[derive(Serialize)]
    struct M<'a> {
        message: &'a str,
    }
    match serde_json::to_vec(&M { message: msg }) {
        Ok(bytes) => raw(status, JSON_CT, bytes),
        Err(_) => empty(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// `404 {"message":"Not Found"}`.
pub(crate) fn not_found() -> Resp {
    message(StatusCode::NOT_FOUND, "Not Found")
}

/// A response without a body (e.g. 204).
pub(crate) fn empty(status: StatusCode) -> Resp {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = status;
    r
}

/// An HTML page (the authorize endpoint).
pub(crate) fn html(status: StatusCode, page: String) -> Resp {
    raw(
        status,
        HeaderValue::from_static("text/html; charset=utf-8"),
        page,
    )
}

/// Sets a numeric header.
pub(crate) fn set_num(r: &mut Resp, name: HeaderName, v: u64) {
    r.headers_mut().insert(name, HeaderValue::from(v));
}
