//! The mock's in-memory world: audit instances, their report templates, and reports.
//!
//! Report progress is not driven by timers: a report stores when it was created and how long it
//! takes, and `percentum` is computed from the [`Clock`](crate::Clock) whenever it is read. So a
//! test with a [`ManualClock`](crate::ManualClock) moves every report forward by moving the
//! clock, and nothing runs in the background.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use dbss_types::{
    AuditInstanceBean, ChargeModel, InstanceStatus, ReportBean, ReportFormat, ReportTemplateType,
    ReportType, TemplateBean, TemplateGroup, TemplateStatus, TemplateType,
};

/// The instance id of the OpenAPI document's example; the first seeded instance has it.
pub(crate) const FIRST_INSTANCE_ID: &str = "3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7";

/// The template id of the API reference's CreateReport example.
pub const DOC_TEMPLATE_ID: &str = "t8g7LJgBTpKZyZbbeTgS";

/// `yyyy-MM-dd HH:mm:ss`, the API's date-time format (UTC in the mock).
const DATE_TIME: &str = "%Y-%m-%d %H:%M:%S";

/// Formats an instant as the API does (`2025-08-21 07:05:12`), in UTC.
pub(crate) fn format_time(t: SystemTime) -> String {
    jiff::Timestamp::try_from(t)
        .map(|ts| ts.strftime(DATE_TIME).to_string())
        .unwrap_or_default()
}

/// Parses `yyyy-MM-dd HH:mm:ss` strictly (exactly 19 characters, a real calendar date).
pub(crate) fn parse_time(s: &str) -> Option<SystemTime> {
    if s.len() != 19 {
        return None;
    }
    let civil = jiff::civil::DateTime::strptime(DATE_TIME, s).ok()?;
    let ts = civil.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
    Some(SystemTime::from(ts))
}

/// Deterministic pseudo-random numbers (SplitMix64) for ids: a seeded mock produces the same
/// report ids in every run, and request ids stay unique within a server.
#[derive(Debug)]
pub(crate) struct IdGen {
    state: AtomicU64,
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl IdGen {
    pub fn new(seed: u64) -> Self {
        Self {
            state: AtomicU64::new(seed),
        }
    }

    pub fn next_u64(&self) -> u64 {
        let z = self
            .state
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix(z)
    }

    /// A fresh 20-character report id in the style of the real ones (`Hx9QLJgBTpKZyZbbhTgS`).
    pub fn report_id(&self) -> String {
        let (mut a, mut b) = (self.next_u64(), self.next_u64());
        (0..20)
            .map(|i| {
                let word = if i < 10 { &mut a } else { &mut b };
                let c = BASE62[(*word % 62) as usize];
                *word /= 62;
                char::from(c)
            })
            .collect()
    }

    /// A fresh 32-hex-digit request id.
    pub fn request_id(&self) -> String {
        format!("{:016x}{:016x}", self.next_u64(), self.next_u64())
    }
}

/// SplitMix64's output function.
pub(crate) fn splitmix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A report as the mock stores it.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub id: String,
    pub instance_id: String,
    pub template_id: String,
    pub name: String,
    pub db_ids: Option<String>,
    pub start_time: String,
    pub end_time: String,
    pub report_type: ReportType,
    pub created: SystemTime,
    /// How long the report takes from 0 to 100 %.
    pub duration: Duration,
}

impl Report {
    /// Progress at `now`: the elapsed fraction of `duration`, floored, 0 before `created`.
    pub fn percentum(&self, now: SystemTime) -> i32 {
        if self.duration.is_zero() {
            return 100;
        }
        let elapsed = now.duration_since(self.created).unwrap_or_default();
        let pct = elapsed.as_nanos().saturating_mul(100) / self.duration.as_nanos();
        i32::try_from(pct.min(100)).unwrap_or(100)
    }

    pub fn is_finished(&self, now: SystemTime) -> bool {
        self.percentum(now) >= 100
    }

    /// The report as ListAuditReports returns it at `now`.
    pub fn bean(&self, now: SystemTime) -> ReportBean {
        let finished = self.is_finished(now);
        let db_ids = self.db_ids.clone().unwrap_or_default();
        ReportBean {
            db_names: Some(db_ids.clone()),
            db_ids: Some(db_ids),
            end_time: Some(self.end_time.clone()),
            finish_time: finished.then(|| format_time(self.created + self.duration)),
            format: Some(ReportFormat::Pdf),
            id: Some(self.id.clone()),
            name: Some(self.name.clone()),
            percentum: Some(self.percentum(now)),
            start_time: Some(self.start_time.clone()),
            template_type: Some(ReportTemplateType::Pdf),
            type_: Some(self.report_type.clone()),
            url: Some(String::new()),
        }
    }
}

/// An audit instance and its report templates.
#[derive(Debug, Clone)]
pub(crate) struct Instance {
    pub bean: AuditInstanceBean,
    pub templates: Vec<TemplateBean>,
}

impl Instance {
    pub fn id(&self) -> &str {
        self.bean.id.as_deref().unwrap_or_default()
    }

    pub fn template(&self, id: &str) -> Option<&TemplateBean> {
        self.templates.iter().find(|t| t.id.as_deref() == Some(id))
    }
}

/// Everything the mock knows. Guarded by one mutex in [`crate::server`]: every operation is a
/// short, synchronous change or read.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub instances: Vec<Instance>,
    /// All reports of all instances, oldest first.
    pub reports: Vec<Report>,
}

impl State {
    /// The seeded world: `instance_count` instances (the first with the document's example id),
    /// each with the same seven templates, and, if `seed_reports`, two finished reports on the
    /// first instance.
    pub fn seeded(instance_count: usize, seed_reports: bool) -> Self {
        let instances = (0..instance_count.max(1)).map(seed_instance).collect();
        let reports = if seed_reports {
            seed_report_list()
        } else {
            Vec::new()
        };
        Self { instances, reports }
    }

    pub fn instance(&self, id: &str) -> Option<&Instance> {
        self.instances.iter().find(|i| i.id() == id)
    }

    /// The reports of one instance, newest first (how the service lists them).
    pub fn reports_of<'a>(&'a self, instance_id: &'a str) -> impl Iterator<Item = &'a Report> {
        self.reports
            .iter()
            .rev()
            .filter(move |r| r.instance_id == instance_id)
    }
}

fn seed_instance(index: usize) -> Instance {
    let id = if index == 0 {
        FIRST_INSTANCE_ID.to_owned()
    } else {
        format!(
            "{:016x}{:016x}",
            splitmix(index as u64),
            splitmix(!(index as u64))
        )
    };
    let status = if index % 5 == 4 {
        InstanceStatus::Shutoff
    } else {
        InstanceStatus::Active
    };
    let bean = AuditInstanceBean {
        id: Some(id),
        name: Some(format!("DBSS-audit-{:02}", index + 1)),
        status: Some(status),
        region: Some("cn-north-4".into()),
        zone: Some("cn-north-4a".into()),
        resource_id: Some(format!("0d8e2f5a-6c1b-4f7e-9a3d-{:012x}", index)),
        specification: Some("4vCPUs | 16GB".into()),
        version: Some("25.6.0".into()),
        created: Some("2025-08-01 10:00:00".into()),
        expired: Some("2026-08-01 10:00:00".into()),
        charge_model: Some(ChargeModel::Period),
        comment: Some(String::new()),
        connect_ip: Some(format!("192.0.2.{}", 10 + index % 200)),
        cpu: Some(4),
        ram: Some(16),
        database_limit: Some(6),
        config_num: Some(1),
        ..AuditInstanceBean::default()
    };
    Instance {
        bean,
        templates: seed_templates(),
    }
}

fn template(
    id: &str,
    name: &str,
    desc: &str,
    frequency: &str,
    group: TemplateGroup,
    type_: TemplateType,
) -> TemplateBean {
    TemplateBean {
        id: Some(id.into()),
        name: Some(name.into()),
        desc: Some(desc.into()),
        db_ids: Some(String::new()),
        db_names: Some(String::new()),
        frequency: Some(frequency.into()),
        group: Some(group),
        status: Some(TemplateStatus::On),
        type_: Some(type_),
    }
}

fn seed_templates() -> Vec<TemplateBean> {
    vec![
        template(
            DOC_TEMPLATE_ID,
            "Database security compliance report",
            "Compliance with database security standards",
            "WEEK",
            TemplateGroup::Compliance,
            TemplateType::Compliance,
        ),
        template(
            "Kq3mLJgBTpKZyZbbfTgS",
            "Database security comprehensive report",
            "Risks, sessions and statements of all audited databases",
            "DAY",
            TemplateGroup::Comprehensive,
            TemplateType::Comprehensive,
        ),
        template(
            "Rw5nLJgBTpKZyZbbgTgS",
            "SOX compliance report",
            "Sarbanes-Oxley audit items",
            "MONTH",
            TemplateGroup::Compliance,
            TemplateType::Sox,
        ),
        template(
            "Pz7pLJgBTpKZyZbbiTgS",
            "PCI-DSS compliance report",
            "Payment card industry audit items",
            "MONTH",
            TemplateGroup::Compliance,
            TemplateType::Pci,
        ),
        template(
            "Db9rLJgBTpKZyZbbjTgS",
            "Database analysis report",
            "Statement volume and risk per database",
            "WEEK",
            TemplateGroup::DbSpecial,
            TemplateType::DbAnalysis,
        ),
        template(
            "Ci2sLJgBTpKZyZbbkTgS",
            "Client IP analysis report",
            "Statement volume and risk per client address",
            "WEEK",
            TemplateGroup::ClientSpecial,
            TemplateType::ClientIpAnalysis,
        ),
        template(
            "Dm4tLJgBTpKZyZbblTgS",
            "DML command report",
            "INSERT, UPDATE and DELETE statements",
            "DAY",
            TemplateGroup::SqlSpecial,
            TemplateType::SqlDmlCommand,
        ),
    ]
}

/// Two finished reports, so that a client looking for the report its CreateReport made has to
/// tell it apart from older ones. The first is the document's ListAuditReports example.
fn seed_report_list() -> Vec<Report> {
    let at = |s: &str| parse_time(s).unwrap_or(SystemTime::UNIX_EPOCH);
    vec![
        Report {
            id: "Wk1aLJgBTpKZyZbbmTgS".into(),
            instance_id: FIRST_INSTANCE_ID.into(),
            template_id: "Kq3mLJgBTpKZyZbbfTgS".into(),
            name: "Database security comprehensive report".into(),
            db_ids: None,
            start_time: "2025-08-11 00:00:00".into(),
            end_time: "2025-08-18 00:00:00".into(),
            report_type: ReportType::AuditReportWeek,
            created: at("2025-08-18 00:00:00"),
            duration: Duration::from_secs(95),
        },
        Report {
            id: "Hx9QLJgBTpKZyZbbhTgS".into(),
            instance_id: FIRST_INSTANCE_ID.into(),
            template_id: DOC_TEMPLATE_ID.into(),
            name: "Database security compliance report".into(),
            db_ids: None,
            start_time: "2025-08-20 16:00:00".into(),
            end_time: "2025-08-21 07:03:31".into(),
            report_type: ReportType::AuditReportRealTime,
            created: at("2025-08-21 07:03:31"),
            duration: Duration::from_secs(101),
        },
    ]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

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
        let state = State::seeded(1, true);
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
        let state = State::seeded(12, false);
        for instance in &state.instances {
            assert_eq!(instance.id().len(), 32);
        }
    }
}
