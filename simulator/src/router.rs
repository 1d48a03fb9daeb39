//! Path matching. Routes form a fixed set so the per-route counters are a plain array of
//! atomics (no lock, no allocation per request) and route names are templates
//! (`GET /rest/v1.0/projects/{project_id}/rfis`), so counts do not explode with ids.

use axum::http::Method;

/// Every route the simulator knows, plus `Unmatched`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    Me,
    Companies,
    Projects,
    CompanyProjects,
    Project,
    RfiList,
    RfiCreate,
    RfiShow,
    RfiPatch,
    RfiPut,
    RfiDelete,
    People,
    Person,
    Authorize,
    Token,
    Revoke,
    TokenInfo,
    HookList,
    HookCreate,
    HookUpdate,
    HookDelete,
    TriggerList,
    TriggerCreate,
    TriggerDelete,
    DeliveryList,
    VendorList,
    VendorSync,
    UploadCreate,
    UploadShow,
    UploadComplete,
    LegacyUploadCreate,
    LegacyUploadComplete,
    StoragePart,
    StorageForm,
    Unmatched,
}

impl Route {
    pub(crate) const ALL: [Route; 35] = [
        Route::Me,
        Route::Companies,
        Route::Projects,
        Route::CompanyProjects,
        Route::Project,
        Route::RfiList,
        Route::RfiCreate,
        Route::RfiShow,
        Route::RfiPatch,
        Route::RfiPut,
        Route::RfiDelete,
        Route::People,
        Route::Person,
        Route::Authorize,
        Route::Token,
        Route::Revoke,
        Route::TokenInfo,
        Route::HookList,
        Route::HookCreate,
        Route::HookUpdate,
        Route::HookDelete,
        Route::TriggerList,
        Route::TriggerCreate,
        Route::TriggerDelete,
        Route::DeliveryList,
        Route::VendorList,
        Route::VendorSync,
        Route::UploadCreate,
        Route::UploadShow,
        Route::UploadComplete,
        Route::LegacyUploadCreate,
        Route::LegacyUploadComplete,
        Route::StoragePart,
        Route::StorageForm,
        Route::Unmatched,
    ];
    pub(crate) const COUNT: usize = Route::ALL.len();

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The counter key: method and path template.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Route::Me => "GET /rest/v1.0/me",
            Route::Companies => "GET /rest/v1.0/companies",
            Route::Projects => "GET /rest/v1.0/projects",
            Route::CompanyProjects => "GET /rest/v1.0/companies/{company_id}/projects",
            Route::Project => "GET /rest/v1.0/projects/{id}",
            Route::RfiList => "GET /rest/v1.0/projects/{project_id}/rfis",
            Route::RfiCreate => "POST /rest/v1.0/projects/{project_id}/rfis",
            Route::RfiShow => "GET /rest/v1.0/projects/{project_id}/rfis/{id}",
            Route::RfiPatch => "PATCH /rest/v1.0/projects/{project_id}/rfis/{id}",
            Route::RfiPut => "PUT /rest/v1.0/projects/{project_id}/rfis/{id}",
            Route::RfiDelete => "DELETE /rest/v1.0/projects/{project_id}/rfis/{id}",
            Route::People => "GET /rest/v2.0/companies/{company_id}/people",
            Route::Person => "GET /rest/v2.0/companies/{company_id}/people/{id}",
            Route::Authorize => "GET /oauth/authorize",
            Route::Token => "POST /oauth/token",
            Route::Revoke => "POST /oauth/revoke",
            Route::TokenInfo => "GET /oauth/token/info",
            Route::HookList => "GET /rest/v1.0/webhooks/hooks",
            Route::HookCreate => "POST /rest/v1.0/webhooks/hooks",
            Route::HookUpdate => "PATCH /rest/v1.0/webhooks/hooks/{id}",
            Route::HookDelete => "DELETE /rest/v1.0/webhooks/hooks/{id}",
            Route::TriggerList => "GET /rest/v1.0/webhooks/hooks/{hook_id}/triggers",
            Route::TriggerCreate => "POST /rest/v1.0/webhooks/hooks/{hook_id}/triggers",
            Route::TriggerDelete => "DELETE /rest/v1.0/webhooks/hooks/{hook_id}/triggers/{id}",
            Route::DeliveryList => "GET /rest/v1.0/webhooks/hooks/{hook_id}/deliveries",
            Route::VendorList => "GET /rest/v1.0/vendors",
            Route::VendorSync => "PATCH /rest/v1.0/vendors/sync",
            Route::UploadCreate => {
                "POST /rest/v2.1/companies/{company_id}[/projects/{project_id}]/uploads"
            }
            Route::UploadShow => {
                "GET /rest/v2.1/companies/{company_id}[/projects/{project_id}]/uploads/{id}"
            }
            Route::UploadComplete => {
                "PATCH /rest/v2.1/companies/{company_id}[/projects/{project_id}]/uploads/{id}"
            }
            Route::LegacyUploadCreate => "POST /rest/v1.1/{companies|projects}/{id}/uploads",
            Route::LegacyUploadComplete => {
                "PATCH /rest/v1.1/{companies|projects}/{id}/uploads/{uuid}"
            }
            Route::StoragePart => "PUT /_storage/{upload}/{part}",
            Route::StorageForm => "POST /_storage/{upload}",
            Route::Unmatched => "unmatched",
        }
    }

    /// Whether `Procore-Company-Id` may be omitted (user tokens only).
    pub(crate) fn company_header_optional(self) -> bool {
        matches!(self, Route::Me | Route::Companies)
    }
}

/// A matched route and up to two path captures (in path order).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Matched<'a> {
    pub route: Route,
    pub first: &'a str,
    pub second: &'a str,
    /// A third capture (only the project-scoped v2.1 upload paths have one: the upload id).
    pub third: &'a str,
}

/// Matches a method and path. Trailing slashes are ignored.
pub(crate) fn route<'a>(method: &Method, path: &'a str) -> Matched<'a> {
    let trimmed = path.trim_matches('/');
    let mut segs: [&str; 8] = [""; 8];
    let mut n = 0;
    for s in trimmed.split('/') {
        if n == segs.len() {
            return unmatched();
        }
        segs[n] = s;
        n += 1;
    }
    let segs = &segs[..n];
    let m = |route, first, second| Matched {
        route,
        first,
        second,
        third: "",
    };
    let m3 = |route, first, second, third| Matched {
        route,
        first,
        second,
        third,
    };
    let get = method == Method::GET;
    match segs {
        ["rest", "v1.0", "me"] if get => m(Route::Me, "", ""),
        ["rest", "v1.0", "companies"] if get => m(Route::Companies, "", ""),
        ["rest", "v1.0", "projects"] if get => m(Route::Projects, "", ""),
        ["rest", "v1.0", "companies", c, "projects"] if get => m(Route::CompanyProjects, c, ""),
        ["rest", "v1.0", "projects", id] if get => m(Route::Project, id, ""),
        ["rest", "v1.0", "projects", p, "rfis"] => match *method {
            Method::GET => m(Route::RfiList, p, ""),
            Method::POST => m(Route::RfiCreate, p, ""),
            _ => unmatched(),
        },
        ["rest", "v1.0", "projects", p, "rfis", id] => match *method {
            Method::GET => m(Route::RfiShow, p, id),
            Method::PATCH => m(Route::RfiPatch, p, id),
            Method::PUT => m(Route::RfiPut, p, id),
            Method::DELETE => m(Route::RfiDelete, p, id),
            _ => unmatched(),
        },
        ["rest", "v1.0", "webhooks", "hooks"] => match *method {
            Method::GET => m(Route::HookList, "", ""),
            Method::POST => m(Route::HookCreate, "", ""),
            _ => unmatched(),
        },
        ["rest", "v1.0", "webhooks", "hooks", id] => match *method {
            Method::PATCH | Method::PUT => m(Route::HookUpdate, id, ""),
            Method::DELETE => m(Route::HookDelete, id, ""),
            _ => unmatched(),
        },
        ["rest", "v1.0", "webhooks", "hooks", id, "triggers"] => match *method {
            Method::GET => m(Route::TriggerList, id, ""),
            Method::POST => m(Route::TriggerCreate, id, ""),
            _ => unmatched(),
        },
        ["rest", "v1.0", "webhooks", "hooks", id, "triggers", t] if method == Method::DELETE => {
            m(Route::TriggerDelete, id, t)
        }
        ["rest", "v1.0", "webhooks", "hooks", id, "deliveries"] if get => {
            m(Route::DeliveryList, id, "")
        }
        ["rest", "v1.0", "vendors"] if get => m(Route::VendorList, "", ""),
        ["rest", "v1.0", "vendors", "sync"] if method == Method::PATCH => {
            m(Route::VendorSync, "", "")
        }
        ["rest", "v2.1", "companies", c, "uploads"] if method == Method::POST => {
            m(Route::UploadCreate, c, "")
        }
        ["rest", "v2.1", "companies", c, "projects", p, "uploads"] if method == Method::POST => {
            m(Route::UploadCreate, c, p)
        }
        ["rest", "v2.1", "companies", c, "uploads", id] => match *method {
            Method::GET => m3(Route::UploadShow, c, "", id),
            Method::PATCH => m3(Route::UploadComplete, c, "", id),
            _ => unmatched(),
        },
        ["rest", "v2.1", "companies", c, "projects", p, "uploads", id] => match *method {
            Method::GET => m3(Route::UploadShow, c, p, id),
            Method::PATCH => m3(Route::UploadComplete, c, p, id),
            _ => unmatched(),
        },
        ["rest", "v1.1", scope @ ("companies" | "projects"), id, "uploads"]
            if method == Method::POST =>
        {
            m(Route::LegacyUploadCreate, scope, id)
        }
        ["rest", "v1.1", scope @ ("companies" | "projects"), id, "uploads", uuid]
            if method == Method::PATCH =>
        {
            m3(Route::LegacyUploadComplete, scope, id, uuid)
        }
        ["_storage", upload, part] if method == Method::PUT => m(Route::StoragePart, upload, part),
        ["_storage", upload] if method == Method::POST => m(Route::StorageForm, upload, ""),
        ["rest", "v2.0", "companies", c, "people"] if get => m(Route::People, c, ""),
        ["rest", "v2.0", "companies", c, "people", id] if get => m(Route::Person, c, id),
        ["oauth", "authorize"] if get => m(Route::Authorize, "", ""),
        ["oauth", "token"] if method == Method::POST => m(Route::Token, "", ""),
        ["oauth", "revoke"] if method == Method::POST => m(Route::Revoke, "", ""),
        ["oauth", "token", "info"] if get => m(Route::TokenInfo, "", ""),
        _ => unmatched(),
    }
}

fn unmatched() -> Matched<'static> {
    Matched {
        route: Route::Unmatched,
        first: "",
        second: "",
        third: "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_match_all() {
        for (i, r) in Route::ALL.iter().enumerate() {
            assert_eq!(r.index(), i);
        }
    }

    #[test]
    fn matches() {
        let r = route(&Method::GET, "/rest/v1.0/projects/5/rfis/9");
        assert_eq!(r.route, Route::RfiShow);
        assert_eq!((r.first, r.second), ("5", "9"));
        assert_eq!(
            route(&Method::POST, "/rest/v1.0/me").route,
            Route::Unmatched
        );
        assert_eq!(route(&Method::GET, "/rest/v1.0/me/").route, Route::Me);
        assert_eq!(
            route(&Method::GET, "/oauth/token/info").route,
            Route::TokenInfo
        );
        assert_eq!(
            route(&Method::GET, "/a/b/c/d/e/f/g/h/i/j").route,
            Route::Unmatched
        );
    }
}
