//! The routes of every operation and their handlers: the report workflow's five here, the
//! other stateful ones in `handlers/`, the audit analytics in `audit_data/`, and the rest
//! answer from the document
//! (`from_document`). By the time a handler runs, the request is counted, authenticated and
//! validated against the OpenAPI document (see `pipeline.rs`); handlers check what only the
//! state can tell (does the instance, template or report exist?) and answer. The admin routes
//! (`/_mock/...`) show the journal and the state.

use std::sync::{Arc, LazyLock};

use bytes::Bytes;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, delete, get, on, post};
use axum::{Extension, Json, Router, middleware};
use dbss_types::{
    CreateReportRequest, CreateReportResponse, DeleteAuditReportResponse, DeleteStatus,
    ListAuditReportTemplatesResponse, ListAuditReportsRequest, ListAuditReportsResponse,
    ReportInfo, ReportResult, ReportType, TemplateInfo,
};
use http::{HeaderValue, StatusCode, header};

use crate::body::Generated;
use crate::codes;
use crate::content::{ReportContent, ReportPage};
use crate::error::ApiError;
use crate::ops::Operation;
use crate::pipeline::{self, Validated};
use crate::server::App;
use crate::state::{Instance, Report, State as World, format_time, parse_time};

/// The router: one route per operation, each behind the per-operation pipeline, and a 404 in
/// the gateway's words for everything else.
pub(crate) fn router(app: Arc<App>) -> Router {
    let mut router = Router::new();
    for op in Operation::ALL {
        let handler: MethodRouter<Arc<App>> = match op {
            Operation::CreateReport => post(create_report),
            Operation::ListAuditReportTemplates => get(list_templates),
            Operation::ListAuditReports => post(list_reports),
            Operation::DownloadAuditReport => get(download_report),
            Operation::DeleteAuditReport => delete(delete_report),
            _ if crate::audit_data::handles(op) => on(
                method_of(op),
                move |app: State<Arc<App>>, v: Extension<Validated>| audit_data(app, v, op),
            ),
            _ => match crate::handlers::handler(op) {
                Some(handler) => on(
                    method_of(op),
                    move |app: State<Arc<App>>, v: Extension<Validated>| {
                        stateful(app, v, op, handler)
                    },
                ),
                None => on(method_of(op), move || async move { from_document(op) }),
            },
        };
        let handler = handler.route_layer(middleware::from_fn_with_state(
            (app.clone(), op),
            pipeline::pipeline,
        ));
        router = router.route(&crate::ops::route_template(op), handler);
    }
    router
        .merge(crate::admin::router())
        // The identity stand-ins: their own layer, not the DBSS pipeline (identity/mod.rs).
        .merge(crate::identity::router(&app))
        // The gateway routes on method and path together: a known path with the wrong method
        // is as unknown as an unknown path.
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(middleware::from_fn_with_state(
            app.clone(),
            pipeline::request_id,
        ))
        .with_state(app)
}

fn method_of(op: Operation) -> MethodFilter {
    op.method()
        .parse::<http::Method>()
        .ok()
        .and_then(|m| MethodFilter::try_from(m).ok())
        .unwrap_or(MethodFilter::GET)
}

/// Runs a handler of `handlers/` on the settled world.
async fn stateful(
    State(app): State<Arc<App>>,
    Extension(v): Extension<Validated>,
    op: Operation,
    handler: crate::handlers::Handler,
) -> Response {
    let call = crate::handlers::Call {
        op,
        v: &v,
        now: app.clock.now(),
        ids: &app.ids,
        lifecycle: app.lifecycle_duration(),
    };
    let mut world = app.world();
    match handler(&call, &mut world) {
        Ok(Some(body)) => Json(body).into_response(),
        Ok(None) => StatusCode::OK.into_response(),
        Err(error) => error.into_response(),
    }
}

/// The answers of the operations without state, made once from the document.
static ANSWERS: LazyLock<Result<Vec<Option<Bytes>>, String>> = LazyLock::new(|| {
    let doc: serde_json::Value = serde_json::from_str(crate::validate::DOCUMENT)
        .map_err(|e| format!("the document is not JSON: {e}"))?;
    Operation::ALL
        .into_iter()
        .map(|op| {
            crate::synth::answer(&doc, op)?
                .map(|v| serde_json::to_vec(&v).map(Bytes::from))
                .transpose()
                .map_err(|e| format!("{op}: {e}"))
        })
        .collect()
});

/// Checks that every operation's answer can be made (at start, so a bad document fails the
/// server's start instead of a request).
pub(crate) fn check_answers() -> Result<(), crate::Error> {
    ANSWERS
        .as_ref()
        .map(|_| ())
        .map_err(|e| crate::Error::Schema(e.clone()))
}

/// The answer of an operation the mock keeps no state for: the document's example, or a value
/// made from the response schema (see `synth.rs`); a file for the file downloads.
fn from_document(op: Operation) -> Response {
    use dbss_types::operations::AnswerKind;
    match op.info().answer {
        AnswerKind::Empty => StatusCode::OK.into_response(),
        AnswerKind::Bytes => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            )],
            Bytes::from_static(b"dbss-mock file\n"),
        )
            .into_response(),
        _ => match ANSWERS.as_ref().map(|a| a.get(op.index())) {
            Ok(Some(Some(body))) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                body.clone(),
            )
                .into_response(),
            _ => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                codes::INTERNAL_ERROR,
                format!("the mock cannot answer {op}"),
            )
            .into_response(),
        },
    }
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        codes::API_NOT_FOUND,
        "The API does not exist or has not been published in the environment",
    )
}

/// The instance of the path, in the path's project.
fn instance<'a>(world: &'a World, v: &Validated) -> Result<&'a Instance, ApiError> {
    let id = v.path("instance_id");
    world
        .project(v.path("project_id"))
        .and_then(|p| p.instances.iter().find(|i| i.id() == id))
        .ok_or_else(|| crate::handlers::instance_not_found(id))
}

fn report_not_found(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        codes::REPORT_NOT_FOUND,
        format!("The report {id} does not exist"),
    )
}

async fn create_report(
    State(app): State<Arc<App>>,
    Extension(v): Extension<Validated>,
) -> Result<Json<CreateReportResponse>, ApiError> {
    let req: CreateReportRequest = v.body()?;
    let time = |field: &str, value: &str| {
        parse_time(value).ok_or_else(|| {
            ApiError::invalid(format!(
                "{field} must be a date-time formatted as yyyy-MM-dd HH:mm:ss, e.g. 2025-08-20 16:00:00"
            ))
        })
    };
    let start = time("start_time", &req.start_time)?;
    let end = time("end_time", &req.end_time)?;
    if end <= start {
        return Err(ApiError::invalid("end_time must be later than start_time"));
    }
    // An empty string means "all databases" (the templates say so with db_ids ""); a list must
    // not have empty entries.
    let db_ids = req.db_ids.filter(|ids| !ids.is_empty());
    if db_ids
        .as_deref()
        .is_some_and(|ids| ids.split(',').any(|id| id.trim().is_empty()))
    {
        return Err(ApiError::invalid(
            "db_ids must be database ids separated by commas, without empty entries",
        ));
    }

    let instance_id = v.path("instance_id");
    let now = app.clock.now();
    let mut world = app.world();
    let template_name = {
        let instance = instance(&world, &v)?;
        let template = instance.template(&req.template_id).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                codes::TEMPLATE_NOT_FOUND,
                format!("The report template {} does not exist", req.template_id),
            )
        })?;
        template.name.clone().unwrap_or_default()
    };
    let report = Report {
        id: app.ids.report_id(),
        instance_id: instance_id.to_owned(),
        template_id: req.template_id,
        name: template_name,
        db_ids,
        start_time: req.start_time,
        end_time: req.end_time,
        report_type: ReportType::AuditReportRealTime,
        created: now,
        duration: app.report_duration(),
    };
    tracing::info!(report_id = %report.id, "report created");
    world.reports.push(report);
    // As the real API: no report id in the answer.
    Ok(Json(CreateReportResponse {
        result: Some(ReportResult::Success),
    }))
}

async fn list_templates(
    State(app): State<Arc<App>>,
    Extension(v): Extension<Validated>,
) -> Result<Json<ListAuditReportTemplatesResponse>, ApiError> {
    let world = app.world();
    let instance = instance(&world, &v)?;
    Ok(Json(ListAuditReportTemplatesResponse {
        os_type: Some("linux".into()),
        templates: instance
            .templates
            .iter()
            .map(|t| TemplateInfo {
                template: Some(t.clone()),
            })
            .collect(),
    }))
}

async fn list_reports(
    State(app): State<Arc<App>>,
    Extension(v): Extension<Validated>,
) -> Result<Json<ListAuditReportsResponse>, ApiError> {
    let req: ListAuditReportsRequest = v.body()?;
    let now = app.clock.now();
    let world = app.world();
    let instance_id = instance(&world, &v)?.id();
    let name = req.name.as_deref().unwrap_or_default();
    let matching: Vec<&Report> = world
        .reports_of(instance_id)
        .filter(|r| r.name.contains(name))
        .collect();
    let size = req.size.get() as usize;
    let skip = (req.page.get() as usize - 1).saturating_mul(size);
    Ok(Json(ListAuditReportsResponse {
        total: Some(matching.len() as i64),
        reports: matching
            .into_iter()
            .skip(skip)
            .take(size)
            .map(|r| ReportInfo {
                report: Some(r.bean(now)),
            })
            .collect(),
    }))
}

async fn download_report(
    State(app): State<Arc<App>>,
    Extension(v): Extension<Validated>,
) -> Result<Response, ApiError> {
    let id = v.path("id");
    let locale = v.query("local").unwrap_or("en-us");
    let now = app.clock.now();
    let content = {
        let world = app.world();
        let instance_id = instance(&world, &v)?.id();
        let report = world
            .reports_of(instance_id)
            .find(|r| r.id == id)
            .ok_or_else(|| report_not_found(id))?;
        if !report.is_finished(now) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                codes::REPORT_NOT_READY,
                format!(
                    "The report {id} is not finished ({} %); download it when percentum is 100",
                    report.percentum(now)
                ),
            ));
        }
        report_content(report, locale, app.report_size())
    };
    let len = content.len();
    let mut response = Generated::body(content, len).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    // The id passed validation (16–64 characters) but is client-controlled: only a header-safe
    // value goes into the header.
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}.pdf\"",
        id.replace(['"', '\\'], "_")
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// The file of a finished report.
pub(crate) fn report_content(report: &Report, locale: &str, size: u64) -> ReportContent {
    let finish_time = format_time(report.created + report.duration);
    ReportContent::new(
        &ReportPage {
            id: &report.id,
            name: &report.name,
            template_id: &report.template_id,
            start_time: &report.start_time,
            end_time: &report.end_time,
            finish_time: &finish_time,
            locale,
        },
        size,
    )
}

async fn delete_report(
    State(app): State<Arc<App>>,
    Extension(v): Extension<Validated>,
) -> Result<Json<DeleteAuditReportResponse>, ApiError> {
    let id = v.path("id");
    let mut world = app.world();
    let instance_id = instance(&world, &v)?.id().to_owned();
    let index = world
        .reports
        .iter()
        .position(|r| r.instance_id == instance_id && r.id == id)
        .ok_or_else(|| report_not_found(id))?;
    world.reports.remove(index);
    Ok(Json(DeleteAuditReportResponse {
        status: Some(DeleteStatus::Success),
    }))
}

/// The analytics operations the audit data answers (audit_data/): the instance must exist. The
/// data invents its databases from the instance id, so that it stays the same whatever
/// databases are added or deleted.
async fn audit_data(
    State(app): State<Arc<App>>,
    Extension(v): Extension<Validated>,
    op: Operation,
) -> Result<crate::audit_data::Answer, ApiError> {
    let ctx = {
        let world = app.world();
        crate::audit_data::InstanceContext::new(instance(&world, &v)?.id())
    };
    app.audit.answer(op, &ctx, &v, app.clock.now())
}
