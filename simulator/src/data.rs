//! Seed data and the writable RFI store.
//!
//! Large project collections (Big Build Co, Mega Corp) are computed from their index on demand
//! instead of stored, so 100,000 projects cost nothing until a page is asked for. Ids above
//! 2^32 are deliberate: they catch clients that parse ids into 32-bit integers or floats.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::util::{iso8601, now_unix, LockExt};

/// The user every authorization-code token speaks for.
pub(crate) const USER_ID: u64 = 5_000_000_001;
/// The service account behind client-credentials tokens.
pub(crate) const SERVICE_ACCOUNT_ID: u64 = 5_000_000_002;

pub(crate) const SMALL_BUILDERS: u64 = 8089;
pub(crate) const BIG_BUILD: u64 = 31337;
pub(crate) const LARGE_ID: u64 = 4_398_046_511_104;
pub(crate) const DISCONNECTED: u64 = 666;
pub(crate) const MEGA_CORP: u64 = 77777;

const BIG_BUILD_FIRST_ID: u64 = 100_001;
const MEGA_CORP_FIRST_ID: u64 = 1_000_000_001;
const MEGA_CORP_PROJECTS: u64 = 100_000;
/// Seed timestamps start here (2021-01-01T00:00:00Z).
const EPOCH_2021: i64 = 1_609_459_200;
const FIRST_RFI_ID: u64 = 9_000_000_001;
const PEOPLE_COUNT: u64 = 250;
const FIRST_PERSON_ID: u64 = 7_100_000_001;

/// `/rest/v1.0/me`.
#[derive(Serialize, Clone, Debug)]
pub(crate) struct Me {
    pub id: u64,
    pub login: &'static str,
    pub name: &'static str,
}

pub(crate) const USER: Me = Me {
    id: USER_ID,
    login: "dev@example.com",
    name: "Dev Eloper",
};

pub(crate) const SERVICE_ACCOUNT: Me = Me {
    id: SERVICE_ACCOUNT_ID,
    login: "service-account@example.com",
    name: "Sim Service Account",
};

/// One entry of `/rest/v1.0/companies`.
#[derive(Serialize, Clone, Debug)]
pub(crate) struct CompanyJson {
    pub id: u64,
    pub name: &'static str,
    pub is_active: bool,
}

#[derive(Serialize, Clone, Debug)]
pub(crate) struct CompanyRef {
    pub id: u64,
    pub name: &'static str,
}

/// A project as the API returns it.
#[derive(Serialize, Clone, Debug)]
pub(crate) struct Project {
    pub id: u64,
    pub name: String,
    pub project_number: String,
    pub active: bool,
    pub company: CompanyRef,
    pub created_at: String,
    pub updated_at: String,
}

struct ListedProject {
    id: u64,
    name: &'static str,
    active: bool,
}

enum ProjectSet {
    Listed(Vec<ListedProject>),
    /// `count` projects with consecutive ids; every 10th (1-based) inactive.
    Generated {
        first_id: u64,
        count: u64,
    },
}

/// A company and its projects.
pub(crate) struct Company {
    pub id: u64,
    pub name: &'static str,
    /// False for the company whose app connection was removed (403).
    pub connected: bool,
    projects: ProjectSet,
}

/// `filters[...]` of a project listing.
#[derive(Default, Debug, Clone)]
pub(crate) struct ProjectFilter {
    pub active: Option<bool>,
    pub ids: Option<Vec<u64>>,
    /// Lowercased substring.
    pub name: Option<String>,
}

impl ProjectFilter {
    fn is_empty(&self) -> bool {
        self.active.is_none() && self.ids.is_none() && self.name.is_none()
    }
}

impl Company {
    fn len(&self) -> u64 {
        match &self.projects {
            ProjectSet::Listed(v) => v.len() as u64,
            ProjectSet::Generated { count, .. } => *count,
        }
    }

    fn active_at(&self, idx: u64) -> bool {
        match &self.projects {
            ProjectSet::Listed(v) => v.get(idx as usize).is_some_and(|p| p.active),
            ProjectSet::Generated { .. } => idx % 10 != 9,
        }
    }

    fn name_at(&self, idx: u64) -> String {
        match &self.projects {
            ProjectSet::Listed(v) => v
                .get(idx as usize)
                .map(|p| p.name.to_owned())
                .unwrap_or_default(),
            ProjectSet::Generated { .. } => format!("{} Project {:06}", self.name, idx + 1),
        }
    }

    fn id_at(&self, idx: u64) -> u64 {
        match &self.projects {
            ProjectSet::Listed(v) => v.get(idx as usize).map(|p| p.id).unwrap_or(0),
            ProjectSet::Generated { first_id, .. } => first_id + idx,
        }
    }

    fn index_of(&self, id: u64) -> Option<u64> {
        match &self.projects {
            ProjectSet::Listed(v) => v.iter().position(|p| p.id == id).map(|i| i as u64),
            ProjectSet::Generated { first_id, count } => {
                (id >= *first_id && id - first_id < *count).then(|| id - first_id)
            }
        }
    }

    fn project_at(&self, idx: u64) -> Project {
        let created = EPOCH_2021 + (idx as i64) * 3600;
        Project {
            id: self.id_at(idx),
            name: self.name_at(idx),
            project_number: format!("P-{:06}", idx + 1),
            active: self.active_at(idx),
            company: CompanyRef {
                id: self.id,
                name: self.name,
            },
            created_at: iso8601(created),
            updated_at: iso8601(created + 86_400),
        }
    }

    pub(crate) fn json(&self) -> CompanyJson {
        CompanyJson {
            id: self.id,
            name: self.name,
            is_active: true,
        }
    }

    /// The project with this id, if it belongs to this company.
    pub(crate) fn project(&self, id: u64) -> Option<Project> {
        self.index_of(id).map(|i| self.project_at(i))
    }

    /// One page of the filtered projects, by ascending id, and the filtered total.
    pub(crate) fn projects(
        &self,
        filter: &ProjectFilter,
        offset: u64,
        limit: u64,
    ) -> (Vec<Project>, u64) {
        if filter.is_empty() {
            let total = self.len();
            let end = offset.saturating_add(limit).min(total);
            let page = (offset.min(end)..end).map(|i| self.project_at(i)).collect();
            return (page, total);
        }
        let matches = |i: &u64| {
            filter.active.is_none_or(|a| self.active_at(*i) == a)
                && filter
                    .name
                    .as_deref()
                    .is_none_or(|n| self.name_at(*i).to_lowercase().contains(n))
        };
        let mut page = Vec::new();
        let mut total = 0u64;
        let mut visit = |i: u64| {
            if total >= offset && total - offset < limit {
                page.push(self.project_at(i));
            }
            total += 1;
        };
        match &filter.ids {
            Some(ids) => {
                let mut idx: Vec<u64> = ids.iter().filter_map(|id| self.index_of(*id)).collect();
                idx.sort_by_key(|i| self.id_at(*i));
                idx.dedup();
                idx.into_iter().filter(matches).for_each(&mut visit);
            }
            None => (0..self.len()).filter(matches).for_each(&mut visit),
        }
        (page, total)
    }
}

/// A v2 person (string ids).
#[derive(Serialize, Clone, Debug)]
pub(crate) struct Person {
    pub id: String,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub email: String,
    pub company_id: String,
}

const FIRST_NAMES: [&str; 10] = [
    "Ada", "Brook", "Carmen", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Imani", "Jonas",
];
const LAST_NAMES: [&str; 25] = [
    "Abbott", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
    "Kowalski", "Larsen", "Mensah", "Novak", "Okafor", "Patel", "Quinn", "Rossi", "Silva",
    "Tanaka", "Umar", "Varga", "Weber", "Xu", "Young",
];

/// The seeded, read-only world plus the RFI store.
pub(crate) struct Data {
    companies: Vec<Company>,
    pub rfis: Rfis,
}

impl Data {
    pub(crate) fn new(big_company_projects: u32) -> Self {
        let listed = |v: &[(u64, &'static str, bool)]| {
            ProjectSet::Listed(
                v.iter()
                    .map(|&(id, name, active)| ListedProject { id, name, active })
                    .collect(),
            )
        };
        let companies = vec![
            Company {
                id: SMALL_BUILDERS,
                name: "Small Builders",
                connected: true,
                projects: listed(&[
                    (3001, "Riverside Duplex", true),
                    (3002, "Main Street Bakery Fit-out", true),
                    (3003, "Hillcrest Garage", false),
                ]),
            },
            Company {
                id: BIG_BUILD,
                name: "Big Build Co",
                connected: true,
                projects: ProjectSet::Generated {
                    first_id: BIG_BUILD_FIRST_ID,
                    count: u64::from(big_company_projects),
                },
            },
            Company {
                id: LARGE_ID,
                name: "Large Id Holdings",
                connected: true,
                projects: listed(&[
                    (4_398_046_512_001, "Orbital Tower", true),
                    (4_398_046_512_002, "Deep Foundation Annex", true),
                ]),
            },
            Company {
                id: DISCONNECTED,
                name: "Disconnected Inc",
                connected: false,
                projects: listed(&[(6_660_001, "Forgotten Warehouse", true)]),
            },
            Company {
                id: MEGA_CORP,
                name: "Mega Corp",
                connected: true,
                projects: ProjectSet::Generated {
                    first_id: MEGA_CORP_FIRST_ID,
                    count: MEGA_CORP_PROJECTS,
                },
            },
        ];
        Data {
            companies,
            rfis: Rfis::seeded(),
        }
    }

    /// Companies visible to the user (and to the service account), in id order of the seed.
    pub(crate) fn companies(&self) -> &[Company] {
        &self.companies
    }

    pub(crate) fn company(&self, id: u64) -> Option<&Company> {
        self.companies.iter().find(|c| c.id == id)
    }

    /// People of a company (v2): 250 for Big Build Co, none elsewhere.
    pub(crate) fn people(&self, company_id: u64, offset: u64, limit: u64) -> (Vec<Person>, u64) {
        let total = if company_id == BIG_BUILD {
            PEOPLE_COUNT
        } else {
            0
        };
        let end = offset.saturating_add(limit).min(total);
        let page = (offset.min(end)..end).map(person_at).collect();
        (page, total)
    }

    pub(crate) fn person(&self, company_id: u64, id: &str) -> Option<Person> {
        if company_id != BIG_BUILD {
            return None;
        }
        let n: u64 = id.parse().ok()?;
        let idx = n.checked_sub(FIRST_PERSON_ID)?;
        (idx < PEOPLE_COUNT && n.to_string() == id).then(|| person_at(idx))
    }
}

fn person_at(idx: u64) -> Person {
    let first = FIRST_NAMES[(idx % 10) as usize];
    let last = LAST_NAMES[((idx / 10) % 25) as usize];
    Person {
        id: (FIRST_PERSON_ID + idx).to_string(),
        first_name: first,
        last_name: last,
        email: format!(
            "{}.{}@bigbuild.example",
            first.to_lowercase(),
            last.to_lowercase()
        ),
        company_id: BIG_BUILD.to_string(),
    }
}

/// Allowed RFI statuses.
pub(crate) const RFI_STATUSES: [&str; 3] = ["open", "closed", "draft"];

/// Fields a client cannot set.
const RFI_PROTECTED: [&str; 5] = ["id", "project_id", "number", "created_at", "updated_at"];

#[derive(Default)]
struct ProjectRfis {
    next_number: u64,
    items: BTreeMap<u64, Map<String, Value>>,
}

/// Writable RFIs, per project. Unknown fields are kept and echoed back.
pub(crate) struct Rfis {
    next_id: AtomicU64,
    inner: Mutex<HashMap<u64, ProjectRfis>>,
}

/// Why an RFI write was refused.
pub(crate) enum RfiError {
    NotFound,
    Invalid(Map<String, Value>),
}

impl Rfis {
    fn seeded() -> Self {
        let rfis = Rfis {
            next_id: AtomicU64::new(FIRST_RFI_ID),
            inner: Mutex::new(HashMap::new()),
        };
        let seeds = [
            ("Footing depth at grid C4", "open"),
            ("Window schedule conflict", "closed"),
            ("Substitute fire-rated door hardware?", "draft"),
        ];
        for (i, (subject, status)) in seeds.into_iter().enumerate() {
            let mut m = Map::new();
            m.insert("subject".into(), subject.into());
            m.insert(
                "question".into(),
                serde_json::json!({ "body": format!("Seeded question {} for {subject}", i + 1) }),
            );
            m.insert("status".into(), status.into());
            // Seeds are always valid.
            let _ = rfis.create(BIG_BUILD_FIRST_ID, m);
        }
        rfis
    }

    /// Checks `subject` (non-blank string) and `status` (one of the list).
    fn validate(rfi: &Map<String, Value>) -> Result<(), Map<String, Value>> {
        let mut errors = Map::new();
        match rfi.get("subject") {
            Some(Value::String(s)) if !s.trim().is_empty() => {}
            Some(Value::String(_)) | Some(Value::Null) | None => {
                errors.insert("subject".into(), serde_json::json!(["can't be blank"]));
            }
            Some(_) => {
                errors.insert("subject".into(), serde_json::json!(["is invalid"]));
            }
        }
        match rfi.get("status") {
            Some(Value::String(s)) if RFI_STATUSES.contains(&s.as_str()) => {}
            _ => {
                errors.insert(
                    "status".into(),
                    serde_json::json!(["is not included in the list"]),
                );
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// All RFIs of a project, by id.
    pub(crate) fn list(&self, project_id: u64) -> Vec<Map<String, Value>> {
        let inner = self.inner.lock_ok();
        inner
            .get(&project_id)
            .map(|p| p.items.values().cloned().collect())
            .unwrap_or_default()
    }

    pub(crate) fn get(&self, project_id: u64, id: u64) -> Option<Map<String, Value>> {
        let inner = self.inner.lock_ok();
        inner.get(&project_id)?.items.get(&id).cloned()
    }

    /// Creates an RFI from the body's `rfi` object (status defaults to `draft`).
    pub(crate) fn create(
        &self,
        project_id: u64,
        mut fields: Map<String, Value>,
    ) -> Result<Map<String, Value>, RfiError> {
        for k in RFI_PROTECTED {
            fields.remove(k);
        }
        fields
            .entry("status")
            .or_insert_with(|| Value::String("draft".into()));
        Self::validate(&fields).map_err(RfiError::Invalid)?;
        let mut inner = self.inner.lock_ok();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let project = inner.entry(project_id).or_default();
        project.next_number += 1;
        let now = iso8601(now_unix());
        fields.insert("id".into(), id.into());
        fields.insert("project_id".into(), project_id.into());
        fields.insert("number".into(), project.next_number.to_string().into());
        fields.insert("created_at".into(), now.clone().into());
        fields.insert("updated_at".into(), now.into());
        project.items.insert(id, fields.clone());
        Ok(fields)
    }

    /// Merges the given fields into an RFI (shallow), after validating the result.
    pub(crate) fn update(
        &self,
        project_id: u64,
        id: u64,
        fields: Map<String, Value>,
    ) -> Result<Map<String, Value>, RfiError> {
        let mut inner = self.inner.lock_ok();
        let rfi = inner
            .get_mut(&project_id)
            .and_then(|p| p.items.get_mut(&id))
            .ok_or(RfiError::NotFound)?;
        let mut next = rfi.clone();
        for (k, v) in fields {
            if !RFI_PROTECTED.contains(&k.as_str()) {
                next.insert(k, v);
            }
        }
        Self::validate(&next).map_err(RfiError::Invalid)?;
        next.insert("updated_at".into(), iso8601(now_unix()).into());
        *rfi = next.clone();
        Ok(next)
    }

    pub(crate) fn delete(&self, project_id: u64, id: u64) -> bool {
        let mut inner = self.inner.lock_ok();
        inner
            .get_mut(&project_id)
            .is_some_and(|p| p.items.remove(&id).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_build_projects() {
        let d = Data::new(2500);
        let c = d.company(BIG_BUILD).expect("big build");
        let (page, total) = c.projects(&ProjectFilter::default(), 0, 10);
        assert_eq!(total, 2500);
        assert_eq!(page[0].id, 100_001);
        assert!(!page[9].active, "every 10th inactive");
        let (page, total) = c.projects(
            &ProjectFilter {
                active: Some(false),
                ..Default::default()
            },
            0,
            1000,
        );
        assert_eq!(total, 250);
        assert_eq!(page[0].id, 100_010);
        let (page, total) = c.projects(
            &ProjectFilter {
                ids: Some(vec![102_500, 100_002, 999, 100_002]),
                ..Default::default()
            },
            0,
            100,
        );
        assert_eq!(total, 2);
        assert_eq!(page[0].id, 100_002);
        assert_eq!(page[1].id, 102_500);
        let (_, total) = c.projects(
            &ProjectFilter {
                name: Some("project 00001".into()),
                ..Default::default()
            },
            0,
            100,
        );
        assert_eq!(total, 10); // "Project 000010" ..= "Project 000019"
    }

    #[test]
    fn people() {
        let d = Data::new(10);
        let (p, total) = d.people(BIG_BUILD, 240, 100);
        assert_eq!(total, 250);
        assert_eq!(p.len(), 10);
        assert!(d.person(BIG_BUILD, &p[0].id).is_some());
        assert!(d.person(BIG_BUILD, "nope").is_none());
        assert_eq!(d.people(SMALL_BUILDERS, 0, 10).1, 0);
    }

    #[test]
    fn rfis_seeded_and_validated() {
        let d = Data::new(10);
        let list = d.rfis.list(100_001);
        assert_eq!(list.len(), 3);
        assert_eq!(list[0]["id"], 9_000_000_001u64);
        let mut m = Map::new();
        m.insert("subject".into(), " ".into());
        m.insert("status".into(), "weird".into());
        match d.rfis.create(100_001, m) {
            Err(RfiError::Invalid(e)) => {
                assert!(e.contains_key("subject"));
                assert!(e.contains_key("status"));
            }
            _ => panic!("expected invalid"),
        }
    }
}
