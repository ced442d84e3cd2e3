//! The six operations of `openapi/dbss.json`, as the mock routes, counts and faults them.

use std::fmt;
use std::str::FromStr;

use http::Method;

/// One operation of the DBSS audit-report API (an `operationId` of `openapi/dbss.json`).
///
/// Used to read [request counters](crate::MockServer::requests) and to aim a
/// [fault](crate::FaultRule::only) at one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Operation {
    /// `POST /v1/{project_id}/audit/{instance_id}/reports/create`.
    CreateReport,
    /// `GET /v2/{project_id}/audit/{instance_id}/reports/templates`.
    ListAuditReportTemplates,
    /// `POST /v1/{project_id}/audit/{instance_id}/reports/list`.
    ListAuditReports,
    /// `GET /v1/{project_id}/audit/{instance_id}/reports/{id}/download`.
    DownloadAuditReport,
    /// `DELETE /v1/{project_id}/audit/{instance_id}/reports/{id}`.
    DeleteAuditReport,
    /// `GET /v2/{project_id}/audit/instances`.
    ListAuditInstances,
}

impl Operation {
    /// Every operation, in the order of the OpenAPI document.
    pub const ALL: [Operation; 6] = [
        Operation::CreateReport,
        Operation::ListAuditReportTemplates,
        Operation::ListAuditReports,
        Operation::DownloadAuditReport,
        Operation::DeleteAuditReport,
        Operation::ListAuditInstances,
    ];

    /// The `operationId` in `openapi/dbss.json`, e.g. `create_report`.
    pub fn operation_id(self) -> &'static str {
        match self {
            Operation::CreateReport => "create_report",
            Operation::ListAuditReportTemplates => "list_audit_report_templates",
            Operation::ListAuditReports => "list_audit_reports",
            Operation::DownloadAuditReport => "download_audit_report",
            Operation::DeleteAuditReport => "delete_audit_report",
            Operation::ListAuditInstances => "list_audit_instances",
        }
    }

    /// The API reference's name, e.g. `CreateReport`.
    pub fn name(self) -> &'static str {
        match self {
            Operation::CreateReport => "CreateReport",
            Operation::ListAuditReportTemplates => "ListAuditReportTemplates",
            Operation::ListAuditReports => "ListAuditReports",
            Operation::DownloadAuditReport => "DownloadAuditReport",
            Operation::DeleteAuditReport => "DeleteAuditReport",
            Operation::ListAuditInstances => "ListAuditInstances",
        }
    }

    /// The HTTP method.
    pub fn method(self) -> Method {
        match self {
            Operation::CreateReport | Operation::ListAuditReports => Method::POST,
            Operation::ListAuditReportTemplates
            | Operation::DownloadAuditReport
            | Operation::ListAuditInstances => Method::GET,
            Operation::DeleteAuditReport => Method::DELETE,
        }
    }

    /// The path template exactly as in `openapi/dbss.json` (a unit test checks that).
    pub fn path_template(self) -> &'static str {
        match self {
            Operation::CreateReport => "/v1/{project_id}/audit/{instance_id}/reports/create",
            Operation::ListAuditReportTemplates => {
                "/v2/{project_id}/audit/{instance_id}/reports/templates"
            }
            Operation::ListAuditReports => "/v1/{project_id}/audit/{instance_id}/reports/list",
            Operation::DownloadAuditReport => {
                "/v1/{project_id}/audit/{instance_id}/reports/{id}/download"
            }
            Operation::DeleteAuditReport => "/v1/{project_id}/audit/{instance_id}/reports/{id}",
            Operation::ListAuditInstances => "/v2/{project_id}/audit/instances",
        }
    }

    /// Position in [`Operation::ALL`] (the index of its counter).
    pub(crate) fn index(self) -> usize {
        match self {
            Operation::CreateReport => 0,
            Operation::ListAuditReportTemplates => 1,
            Operation::ListAuditReports => 2,
            Operation::DownloadAuditReport => 3,
            Operation::DeleteAuditReport => 4,
            Operation::ListAuditInstances => 5,
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.operation_id())
    }
}

/// The text given to [`Operation::from_str`] names no operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown operation {0:?}: expected an operationId such as create_report or a name such as CreateReport"
)]
pub struct ParseOperationError(String);

impl FromStr for Operation {
    type Err = ParseOperationError;

    /// Accepts the `operationId` (`create_report`) or the API reference's name (`CreateReport`),
    /// ignoring ASCII case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Operation::ALL
            .into_iter()
            .find(|op| {
                op.operation_id().eq_ignore_ascii_case(s) || op.name().eq_ignore_ascii_case(s)
            })
            .ok_or_else(|| ParseOperationError(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (i, op) in Operation::ALL.into_iter().enumerate() {
            assert_eq!(op.index(), i);
            assert_eq!(op.operation_id().parse::<Operation>(), Ok(op));
            assert_eq!(op.name().parse::<Operation>(), Ok(op));
        }
        assert!("reports".parse::<Operation>().is_err());
    }

    #[test]
    fn paths_and_methods_match_the_document() {
        let doc = crate::validate::document();
        for op in Operation::ALL {
            let item = doc
                .pointer(&format!(
                    "/paths/{}/{}",
                    op.path_template().replace('~', "~0").replace('/', "~1"),
                    op.method().as_str().to_ascii_lowercase()
                ))
                .unwrap_or_else(|| panic!("{op}: path or method not in the document"));
            assert_eq!(
                item.get("operationId").and_then(|v| v.as_str()),
                Some(op.operation_id())
            );
        }
    }
}
