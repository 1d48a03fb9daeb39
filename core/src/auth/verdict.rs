//! What a failed token call means for the token set: the decision table of the rotation
//! protocol.
//!
//! A refresh token is single-use, so the one question that matters after a failed refresh is
//! whether the server may have consumed it. Marking a set dead when the server never looked at
//! it logs the user out for nothing; keeping a set the server did consume costs one more token
//! call that ends in `invalid_grant`. So a set is declared spent only when a token-handling
//! server provably acted on (or refused) the refresh token:
//!
//! | request sent? | status      | OAuth `error`                        | verdict | code                       |
//! |---------------|-------------|--------------------------------------|---------|----------------------------|
//! | no            | -           | -                                    | resend  | `network` (`not_sent`)     |
//! | yes, no answer (lost, cut off, timed out) | - | -                  | spent   | `reauthorization_required` |
//! | yes           | 2xx JSON    | not a token set                      | spent   | `reauthorization_required` |
//! | yes           | 2xx, not JSON (a proxy page) | -                   | keep    | `decode`                   |
//! | yes           | 400/401     | `invalid_grant`                      | spent   | `reauthorization_required` |
//! | yes           | 4xx         | `invalid_client`, `unauthorized_client`, `invalid_request`, `invalid_scope`, `unsupported_grant_type`, other | keep | `oauth` |
//! | yes           | 429         | any or none                          | keep    | `rate_limited`             |
//! | yes           | other 4xx   | none (HTML, empty)                   | keep    | `oauth` (`http_{status}`)  |
//! | yes           | 5xx         | any or none (HTML maintenance page)  | keep    | `server`                   |
//!
//! "Keep" leaves the token set as it is, not marked dead: the next call may try again.

use std::time::SystemTime;

use crate::error::{excerpt, ApiError, Error};

/// How a token call failed, in the terms of the table above.
#[derive(Debug)]
pub(crate) enum GrantFailure {
    /// The request never left: it may be sent again.
    NotSent(String),
    /// Sent, but no (complete) answer came back, or a success that is not a token set: the
    /// refresh token may be consumed.
    Lost(String),
    /// A token-handling server answered with an OAuth error.
    Refused {
        status: u16,
        error: String,
        description: String,
    },
    /// An answer that says nothing about the refresh token (5xx, 429, a page from a proxy):
    /// the error to return, with the set kept.
    Unusable(Error),
}

/// What becomes of the token set after a failed refresh.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The request never left: it may be sent again.
    Resend,
    /// The refresh token is (or may be) consumed: the user must authorize again.
    Spent,
    /// The set is kept; the call fails with this failure's error.
    Keep,
}

impl GrantFailure {
    /// The row of the table this failure falls in.
    pub(crate) fn verdict(&self) -> Verdict {
        match self {
            GrantFailure::NotSent(_) => Verdict::Resend,
            GrantFailure::Lost(_) => Verdict::Spent,
            GrantFailure::Refused { error, .. } if error == "invalid_grant" => Verdict::Spent,
            GrantFailure::Refused { .. } | GrantFailure::Unusable(_) => Verdict::Keep,
        }
    }

    /// The error a caller sees for a failure whose set is kept (or for other grants, which
    /// have no set to lose).
    pub(crate) fn into_error(self) -> Error {
        match self {
            GrantFailure::NotSent(m) => Error::Network {
                message: m,
                not_sent: true,
            },
            GrantFailure::Lost(m) => Error::Network {
                message: m,
                not_sent: false,
            },
            GrantFailure::Refused {
                status,
                error,
                description,
            } => Error::OAuth {
                status,
                error,
                description,
            },
            GrantFailure::Unusable(e) => e,
        }
    }
}

/// Classifies a complete non-2xx answer of the token endpoint.
pub(crate) fn classify_refusal(
    status: u16,
    request_id: Option<String>,
    body: &[u8],
    retry_at: Option<SystemTime>,
) -> GrantFailure {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let field = |k: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(k))
            .and_then(|x| x.as_str())
            .map(str::to_owned)
    };
    let oauth_error = field("error");
    if status >= 500 || status == 429 {
        let message = match (&oauth_error, field("error_description")) {
            (Some(e), Some(d)) => format!("the token endpoint answered {status} ({e}: {d})"),
            (Some(e), None) => format!("the token endpoint answered {status} ({e})"),
            _ => format!(
                "the token endpoint answered {status} (body starts: {:?})",
                excerpt(body)
            ),
        };
        let api = Box::new(ApiError {
            status,
            message,
            request_id,
            body: parsed,
            retry_at,
            location: None,
        });
        return GrantFailure::Unusable(if status == 429 {
            Error::RateLimited {
                retry_at,
                api: Some(api),
            }
        } else {
            Error::Server(api)
        });
    }
    let description = field("error_description")
        .or_else(|| field("message"))
        .unwrap_or_else(|| excerpt(body));
    GrantFailure::Refused {
        status,
        error: oauth_error.unwrap_or_else(|| format!("http_{status}")),
        description,
    }
}

/// Classifies a 2xx answer whose body is not a usable token set: from a token server (JSON)
/// the refresh token may be consumed; a page that is not JSON came from something else.
pub(crate) fn classify_bad_success(status: u16, json_content: bool, body: &[u8]) -> GrantFailure {
    let looks_json = json_content
        || body
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{' || *b == b'[');
    if looks_json {
        GrantFailure::Lost(format!(
            "the token endpoint answered {status} with a body that is not a usable token set"
        ))
    } else {
        GrantFailure::Unusable(Error::Decode {
            status,
            message: "the token endpoint answered with something that is not JSON (a proxy or captive page?)"
                .into(),
            excerpt: excerpt(body),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(status: u16, body: &str) -> GrantFailure {
        classify_refusal(status, None, body.as_bytes(), None)
    }

    #[test]
    fn every_row_of_the_table() {
        // (what happened, verdict, code seen by a caller whose set is kept)
        let rows: Vec<(GrantFailure, Verdict, &str)> = vec![
            (
                GrantFailure::NotSent("refused".into()),
                Verdict::Resend,
                "network",
            ),
            (
                GrantFailure::Lost("reset".into()),
                Verdict::Spent,
                "network",
            ),
            (
                classify_bad_success(200, true, b"{\"nope\":1}"),
                Verdict::Spent,
                "network",
            ),
            (
                classify_bad_success(200, false, b"<html>portal</html>"),
                Verdict::Keep,
                "decode",
            ),
            (
                refusal(
                    400,
                    r#"{"error":"invalid_grant","error_description":"revoked"}"#,
                ),
                Verdict::Spent,
                "oauth",
            ),
            (
                refusal(401, r#"{"error":"invalid_grant"}"#),
                Verdict::Spent,
                "oauth",
            ),
            (
                refusal(
                    401,
                    r#"{"error":"invalid_client","error_description":"bad secret"}"#,
                ),
                Verdict::Keep,
                "oauth",
            ),
            (
                refusal(400, r#"{"error":"unauthorized_client"}"#),
                Verdict::Keep,
                "oauth",
            ),
            (
                refusal(400, r#"{"error":"invalid_request"}"#),
                Verdict::Keep,
                "oauth",
            ),
            (
                refusal(400, r#"{"error":"unsupported_grant_type"}"#),
                Verdict::Keep,
                "oauth",
            ),
            (
                refusal(400, r#"{"error":"invalid_scope"}"#),
                Verdict::Keep,
                "oauth",
            ),
            (refusal(429, ""), Verdict::Keep, "rate_limited"),
            (refusal(403, "<html>WAF</html>"), Verdict::Keep, "oauth"),
            (
                refusal(503, "<html>maintenance</html>"),
                Verdict::Keep,
                "server",
            ),
            (
                refusal(500, r#"{"error":"server_error"}"#),
                Verdict::Keep,
                "server",
            ),
            (refusal(502, ""), Verdict::Keep, "server"),
        ];
        for (failure, verdict, code) in rows {
            let shown = format!("{failure:?}");
            assert_eq!(failure.verdict(), verdict, "{shown}");
            assert_eq!(failure.into_error().code(), code, "{shown}");
        }
    }

    #[test]
    fn oauth_error_is_data() {
        let e = refusal(401, r#"{"error":"invalid_client","error_description":"x"}"#).into_error();
        assert_eq!(e.oauth_error(), Some("invalid_client"));
        assert_eq!(e.status(), Some(401));
        let e = refusal(403, "<html>").into_error();
        assert_eq!(e.oauth_error(), Some("http_403"));
    }
}
