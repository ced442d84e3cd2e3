//! The mock's in-memory world: projects (each in a region), their audit instances with
//! everything under them (see [`instance`]), and reports.
//!
//! Nothing is driven by timers: a report stores when it was created and how long it takes, an
//! instance or a backup stores when its change lands, and each is brought up to the
//! [`Clock`](crate::Clock) whenever the world is read ([`State::settle`]). So a test with a
//! [`ManualClock`](crate::ManualClock) moves everything forward by moving the clock, and nothing
//! runs in the background.

mod ids;
pub(crate) mod instance;
pub(crate) mod records;
mod report;
mod templates;
mod time;

use std::time::SystemTime;

use serde_json::{Value, json};

pub(crate) use ids::{IdGen, splitmix};
pub(crate) use instance::{Action, Instance, object, seed_instance};
pub(crate) use records::Records;
pub(crate) use report::Report;
pub(crate) use time::{format_time, parse_time};

/// The instance id of the OpenAPI document's example; the first seeded instance has it.
pub(crate) const FIRST_INSTANCE_ID: &str = "3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7";

/// The template id of the API reference's CreateReport example.
pub const DOC_TEMPLATE_ID: &str = "t8g7LJgBTpKZyZbbeTgS";

/// The region of a project unless a fixture says otherwise.
pub(crate) const DEFAULT_REGION: &str = "cn-north-4";

/// A project: one region's instances of one account.
#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub id: String,
    pub region: String,
    pub instances: Vec<Instance>,
}

/// Everything the mock knows. Guarded by one mutex in [`crate::server`]: every operation is a
/// short, synchronous change or read.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub projects: Vec<Project>,
    /// All reports of all instances, oldest first.
    pub reports: Vec<Report>,
}

impl State {
    /// The seeded world: one project with `instance_count` instances (the first with the
    /// document's example id), each with the same seven templates and default resources, and,
    /// if `seed_reports`, two finished reports on the first instance.
    pub fn seeded(project_id: &str, instance_count: usize, seed_reports: bool) -> Self {
        let instances = (0..instance_count.max(1))
            .map(|i| seed_instance(i, DEFAULT_REGION))
            .collect();
        let reports = if seed_reports {
            report::seed_report_list()
        } else {
            Vec::new()
        };
        Self {
            projects: vec![Project {
                id: project_id.to_owned(),
                region: DEFAULT_REGION.to_owned(),
                instances,
            }],
            reports,
        }
    }

    pub fn project(&self, id: &str) -> Option<&Project> {
        self.projects.iter().find(|p| p.id == id)
    }

    pub fn project_mut(&mut self, id: &str) -> Option<&mut Project> {
        self.projects.iter_mut().find(|p| p.id == id)
    }

    /// Every instance of every project.
    pub fn all_instances(&self) -> impl Iterator<Item = &Instance> {
        self.projects.iter().flat_map(|p| p.instances.iter())
    }

    /// An instance of any project (the report workflow and the domain-scoped operations).
    pub fn instance(&self, id: &str) -> Option<&Instance> {
        self.all_instances().find(|i| i.id() == id)
    }

    /// An instance of any project, to change.
    pub fn instance_mut(&mut self, id: &str) -> Option<&mut Instance> {
        self.projects
            .iter_mut()
            .flat_map(|p| p.instances.iter_mut())
            .find(|i| i.id() == id)
    }

    /// The reports of one instance, newest first (how the service lists them).
    pub fn reports_of<'a>(&'a self, instance_id: &'a str) -> impl Iterator<Item = &'a Report> {
        self.reports
            .iter()
            .rev()
            .filter(move |r| r.instance_id == instance_id)
    }

    /// Brings every instance and backup up to `now`; instances whose delete has landed go,
    /// with their reports.
    pub fn settle(&mut self, now: SystemTime) {
        let mut gone = Vec::new();
        for project in &mut self.projects {
            project.instances.retain_mut(|i| {
                let keep = i.settle(now);
                if !keep {
                    gone.push(i.id().to_owned());
                }
                keep
            });
        }
        if !gone.is_empty() {
            self.reports.retain(|r| !gone.contains(&r.instance_id));
        }
    }

    /// The whole world as JSON (see `MockServer::snapshot`).
    pub fn snapshot(&self, now: SystemTime) -> Value {
        json!({
            "now": format_time(now),
            "projects": self.projects.iter().map(|p| json!({
                "id": p.id,
                "region": p.region,
                "instances": p.instances.iter().map(|i| {
                    let mut value = i.snapshot();
                    value["reports"] = Value::Array(
                        self.reports_of(i.id()).map(|r| serde_json::to_value(r.bean(now)).unwrap_or(Value::Null)).collect(),
                    );
                    value
                }).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use dbss_types::ReportType;
    use std::time::Duration;

    #[test]
    fn times_round_trip_in_the_api_format() {
        let t = parse_time("2025-08-21 07:03:31").unwrap();
        assert_eq!(format_time(t), "2025-08-21 07:03:31");
        for bad in [
            "2025-02-30 00:00:00",
            "2025-08-21T07:03:31",
            "2025-8-1 7:3:1",
            "",
            "x",
        ] {
            assert!(parse_time(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn percentum_follows_the_clock() {
        let created = parse_time("2025-01-01 00:00:00").unwrap();
        let report = Report {
            id: "r".into(),
            instance_id: "i".into(),
            template_id: "t".into(),
            name: "n".into(),
            db_ids: None,
            start_time: String::new(),
            end_time: String::new(),
            report_type: ReportType::AuditReportRealTime,
            created,
            duration: Duration::from_secs(10),
        };
        let at = |ms: u64| created + Duration::from_millis(ms);
        assert_eq!(report.percentum(created - Duration::from_secs(1)), 0);
        assert_eq!(report.percentum(at(0)), 0);
        assert_eq!(report.percentum(at(2_599)), 25);
        assert_eq!(report.percentum(at(9_999)), 99);
        assert_eq!(report.percentum(at(10_000)), 100);
        assert_eq!(report.percentum(at(99_000)), 100);
        assert_eq!(report.bean(at(9_999)).finish_time, None);
        assert_eq!(
            report.bean(at(10_000)).finish_time.as_deref(),
            Some("2025-01-01 00:00:10")
        );
    }

    #[test]
    fn seeded_reports_match_the_document_example() {
        let state = State::seeded("p", 1, true);
        let doc_report = state.reports_of(FIRST_INSTANCE_ID).next().unwrap();
        let bean = doc_report.bean(SystemTime::now());
        assert_eq!(bean.id.as_deref(), Some("Hx9QLJgBTpKZyZbbhTgS"));
        assert_eq!(bean.finish_time.as_deref(), Some("2025-08-21 07:05:12"));
        assert_eq!(bean.percentum, Some(100));
    }

    #[test]
    fn ids_have_the_documented_shapes() {
        let ids = IdGen::new(7);
        let a = ids.report_id();
        assert_eq!(a.len(), 20);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(a, ids.report_id());
        assert_eq!(IdGen::new(7).report_id(), a, "seeded ids are reproducible");
        assert_eq!(ids.request_id().len(), 32);
        let state = State::seeded("p", 12, false);
        for instance in state.all_instances() {
            assert_eq!(instance.id().len(), 32);
        }
    }
}
