//! `page` / `per_page` parsing and the `Total`, `Per-Page` and `Link` headers. Links are
//! absolute (built from the request's `Host`) and keep every other query parameter verbatim,
//! so a client can follow `next` without rebuilding filters.

use axum::http::{HeaderName, HeaderValue};

use crate::respond::{set_num, Resp};

/// v1 collections: default 100, max 1000.
pub(crate) const V1: Limits = Limits {
    default: 100,
    max: 1000,
};
/// v2 collections: default 10, max 100.
pub(crate) const V2: Limits = Limits {
    default: 10,
    max: 100,
};

#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub default: u64,
    pub max: u64,
}

/// A parsed page request (`per_page` already clamped to the maximum).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Page {
    pub page: u64,
    pub per_page: u64,
}

impl Page {
    pub(crate) fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(self.per_page)
    }

    /// This page's items of a list held in memory.
    pub(crate) fn slice<'a, T>(&self, all: &'a [T]) -> impl Iterator<Item = &'a T> {
        let n = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        all.iter().skip(n(self.offset())).take(n(self.per_page))
    }
}

/// Parses `page` and `per_page`: junk or 0 is an error; `per_page` above the maximum is
/// clamped to it.
pub(crate) fn parse(query: Option<&str>, limits: Limits) -> Result<Page, String> {
    let mut page = 1;
    let mut per_page = limits.default;
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let target = match k.as_ref() {
            "page" => &mut page,
            "per_page" => &mut per_page,
            _ => continue,
        };
        match v.trim().parse::<u64>() {
            Ok(n) if n > 0 => *target = n,
            _ => return Err(format!("Invalid {k} parameter: must be a positive integer")),
        }
    }
    Ok(Page {
        page,
        per_page: per_page.min(limits.max),
    })
}

/// Adds `Total`, `Per-Page` and `Link` to a collection response.
pub(crate) fn headers(resp: &mut Resp, base: &str, query: Option<&str>, page: Page, total: u64) {
    set_num(resp, HeaderName::from_static("total"), total);
    set_num(resp, HeaderName::from_static("per-page"), page.per_page);
    let last = total.div_ceil(page.per_page).max(1);
    let mut rels: Vec<(&str, u64)> = vec![("first", 1)];
    if page.page > 1 {
        rels.push(("prev", page.page - 1));
    }
    if page.page < last {
        rels.push(("next", page.page + 1));
    }
    rels.push(("last", last));
    let link = rels
        .iter()
        .map(|(rel, n)| format!("<{}>; rel=\"{rel}\"", page_url(base, query, *n)))
        .collect::<Vec<_>>()
        .join(", ");
    if let Ok(v) = HeaderValue::from_str(&link) {
        resp.headers_mut()
            .insert(HeaderName::from_static("link"), v);
    }
}

/// `base?<query with page=n>`: other parameters keep their order and encoding.
fn page_url(base: &str, query: Option<&str>, n: u64) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut placed = false;
    for seg in query.unwrap_or("").split('&').filter(|s| !s.is_empty()) {
        let is_page = url::form_urlencoded::parse(seg.as_bytes())
            .next()
            .is_some_and(|(k, _)| k == "page");
        if is_page {
            if !placed {
                parts.push(format!("page={n}"));
                placed = true;
            }
        } else {
            parts.push(seg.to_owned());
        }
    }
    if !placed {
        parts.push(format!("page={n}"));
    }
    format!("{base}?{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::respond::empty;
    use axum::http::StatusCode;

    #[test]
    fn parse_rules() {
        assert_eq!(
            parse(None, V1),
            Ok(Page {
                page: 1,
                per_page: 100
            })
        );
        assert_eq!(
            parse(Some("page=3&per_page=5000"), V1),
            Ok(Page {
                page: 3,
                per_page: 1000
            })
        );
        assert!(parse(Some("per_page=0"), V1).is_err());
        assert!(parse(Some("per_page=abc"), V1).is_err());
        assert!(parse(Some("page=0"), V2).is_err());
    }

    #[test]
    fn links() {
        let mut r = empty(StatusCode::OK);
        let q = Some("company_id=1&page=2&filters%5Bid%5D%5B%5D=5&per_page=10");
        headers(
            &mut r,
            "http://h/x",
            q,
            Page {
                page: 2,
                per_page: 10,
            },
            35,
        );
        let link = r.headers()["link"].to_str().expect("ascii");
        assert_eq!(
            link,
            "<http://h/x?company_id=1&page=1&filters%5Bid%5D%5B%5D=5&per_page=10>; rel=\"first\", \
             <http://h/x?company_id=1&page=1&filters%5Bid%5D%5B%5D=5&per_page=10>; rel=\"prev\", \
             <http://h/x?company_id=1&page=3&filters%5Bid%5D%5B%5D=5&per_page=10>; rel=\"next\", \
             <http://h/x?company_id=1&page=4&filters%5Bid%5D%5B%5D=5&per_page=10>; rel=\"last\""
        );
        assert_eq!(r.headers()["total"], "35");
        assert_eq!(r.headers()["per-page"], "10");
    }
}
