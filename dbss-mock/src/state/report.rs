//! Reports: stored with when they were created and how long they take, so that `percentum` is
//! computed from the [`Clock`](crate::Clock) whenever it is read and a test moves every report
//! forward by moving the clock.

use std::time::{Duration, SystemTime};

use dbss_types::{ReportBean, ReportFormat, ReportTemplateType, ReportType};

use super::time::{format_time, parse_time};
use super::{DOC_TEMPLATE_ID, FIRST_INSTANCE_ID};

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

/// Two finished reports, so that a client looking for the report its CreateReport made has to
/// tell it apart from older ones. The first is the document's ListAuditReports example.
pub(crate) fn seed_report_list() -> Vec<Report> {
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
