//! `dbss demo`: the whole report workflow, on any machine, without an account.
//!
//! An embedded `dbss-mock` serves the DBSS API on 127.0.0.1 (a free port). The client is built
//! by [`build_client`], the function every other command uses, with only the endpoint, project
//! and credentials taken from the mock: so the demo exercises the real code path, AK/SK
//! signing (SDK-HMAC-SHA256, verified by the mock), validation, retries and timeouts included.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dbss_client::Credentials;
use dbss_client::types::ReportLocale;
use dbss_mock::MockServer;
use jiff::ToSpan;
use serde_json::json;

use crate::args::{DemoArgs, GlobalArgs};
use crate::commands::reports::{download_json, save};
use crate::commands::{Context, build_client, reports, templates};
use crate::exit::Failure;
use crate::output::Printer;

/// How long the demo waits for its report at most.
const WAIT_DEADLINE: Duration = Duration::from_secs(120);

/// Runs the demo.
pub async fn run(context: &Context, args: DemoArgs) -> Result<(), Failure> {
    let mock = MockServer::builder()
        .report_duration(args.report_duration)
        .start()
        .await
        .map_err(|e| Failure::Other(format!("cannot start the embedded DBSS mock: {e}")))?;
    let outcome = workflow(context, &args, &mock).await;
    mock.shutdown().await;
    outcome
}

async fn workflow(context: &Context, args: &DemoArgs, mock: &MockServer) -> Result<(), Failure> {
    let printer = &context.printer;
    let say = |text: String| -> Result<(), Failure> {
        if !printer.is_document() {
            printer.line(text)?;
        }
        Ok(())
    };

    // The flags a user would type to reach this server; everything else as the user gave it.
    let global = GlobalArgs {
        region: Vec::new(),
        endpoint: Some(mock.base_url()),
        project_id: vec![mock.project_id().to_owned()],
        instance: vec![mock.instance_id().to_owned()],
        output: context.global.output,
        query: context.global.query.clone(),
        timeout: context.global.timeout,
        verbose: context.global.verbose,
        profile: None,
        credentials_file: None,
        credentials_from: None,
        user: None,
        domain: None,
        password_stdin: false,
        allow_insecure_http: false,
    };
    let client = build_client(&global, Some(Credentials::ak_sk(mock.ak(), mock.sk())))?;
    let instance = mock.instance_id();

    say(format!(
        "dbss demo: an embedded DBSS mock is listening on {} (loopback only; no account needed)",
        mock.base_url()
    ))?;
    say(format!(
        "  project {}, instance {instance}, requests signed with AK/SK (access key {})\n",
        mock.project_id(),
        mock.ak()
    ))?;

    // 1. The templates a report can be made from.
    let templates = client.list_templates(instance).send().await?;
    say(format!("1. templates of instance {instance}:"))?;
    if !printer.is_document() {
        printer.table(&templates::table(&templates), "   (none)")?;
    }
    let template_id = templates
        .iter()
        .filter_map(|t| t.id.clone())
        .find(|id| id == mock.template_id())
        .or_else(|| templates.iter().find_map(|t| t.id.clone()))
        .ok_or_else(|| Failure::Other("the mock listed no template".into()))?;

    // 2. A report of the last 24 hours, created and waited for.
    let end = jiff::Zoned::now().datetime();
    let start = end.saturating_sub(24.hours());
    let (start, end) = (
        dbss_client::ReportTime::from(start),
        dbss_client::ReportTime::from(end),
    );
    say(format!(
        "\n2. creating a report from template {template_id} for {start} .. {end}, and waiting for it"
    ))?;
    let started = Instant::now();
    let bar = printer.percent_bar("   building the report");
    let waited = client
        .create_report(instance)
        .template(&template_id)
        .time_range(start, end)
        .send_and_wait()
        .deadline(WAIT_DEADLINE)
        // The mock builds a report in seconds; poll often enough to see the bar move.
        .poll_interval(Duration::from_millis(200), Duration::from_secs(1))
        .on_progress({
            let bar = bar.clone();
            move |percent| bar.set_position(percent.into())
        })
        .run()
        .await;
    bar.finish_and_clear();
    let created = waited?;
    let report_id = created
        .report
        .id
        .clone()
        .ok_or_else(|| Failure::Other("the finished report has no id".into()))?;
    say(format!(
        "   report {report_id} is ready after {:.1} s:",
        started.elapsed().as_secs_f64()
    ))?;
    if !printer.is_document() {
        printer.table(&reports::table(std::slice::from_ref(&created.report)), "")?;
    }

    // 3. The file.
    let format = created
        .report
        .format
        .as_ref()
        .map_or_else(|| "pdf".to_owned(), |f| f.to_string());
    let path = report_path(&args.out, &report_id, &format)?;
    let saved = save(
        printer,
        &client,
        instance,
        &report_id,
        ReportLocale::EnUs,
        &path,
    )
    .await?;
    say(format!(
        "\n3. downloaded {} bytes: {}",
        saved.bytes,
        saved.path.display()
    ))?;
    say(
        "\ndone: the report file above was listed, created, waited for and downloaded through \
         dbss-client, exactly as against Huawei Cloud"
            .into(),
    )?;

    if printer.is_document() {
        printer_json(
            printer,
            mock,
            &template_id,
            &templates,
            &created.report,
            &saved,
        )?;
    }
    Ok(())
}

/// `DIR/dbss-demo-report-ID.FORMAT`, absolute so that the message says where it really is; the
/// folder is created when missing.
fn report_path(dir: &Path, report_id: &str, format: &str) -> Result<PathBuf, Failure> {
    std::fs::create_dir_all(dir)?;
    // The id and format come from the server: keep only what is safe in a file name.
    let safe = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    };
    let name = format!("dbss-demo-report-{}.{}", safe(report_id), safe(format));
    Ok(std::path::absolute(dir.join(name))?)
}

fn printer_json(
    printer: &Printer,
    mock: &MockServer,
    template_id: &str,
    templates: &[dbss_client::types::TemplateBean],
    report: &dbss_client::types::ReportBean,
    saved: &dbss_client::DownloadOutput,
) -> Result<(), Failure> {
    printer.document(&json!({
        "endpoint": mock.base_url(),
        "project_id": mock.project_id(),
        "instance_id": mock.instance_id(),
        "templates": templates,
        "template_id": template_id,
        "report": report,
        "download": download_json(saved),
    }))
}
