//! `dbss reports create | list | download | delete`.

use std::path::Path;

use dbss_client::types::{ReportBean, ReportLocale};
use dbss_client::{DbssClient, DownloadOutput};
use futures::TryStreamExt;
use serde_json::json;

use crate::args::{CreateArgs, DeleteArgs, DownloadArgs, ListArgs, ReportsCommand};
use crate::commands::Context;
use crate::exit::Failure;
use crate::output::{Printer, Table, cell, on_bytes};

/// Runs `dbss reports ...`.
pub async fn run(context: &Context, command: ReportsCommand) -> Result<(), Failure> {
    match command {
        ReportsCommand::Create(args) => create(context, *args).await,
        ReportsCommand::List(args) => list(context, args).await,
        ReportsCommand::Download(args) => download(context, args).await,
        ReportsCommand::Delete(args) => delete(context, args).await,
        ReportsCommand::Schedule(command) => crate::commands::schedule::run(context, command).await,
    }
}

async fn create(context: &Context, args: CreateArgs) -> Result<(), Failure> {
    if crate::commands::fleet::is_fleet(context, &args) {
        return crate::commands::fleet::create(context, args).await;
    }
    let instance = context.instance()?;
    let client = context.client()?;
    let printer = &context.printer;
    // One instance: the window as given (clap requires --from with --to, and one period).
    let (Some(from), Some(to)) = (args.from, args.to) else {
        return Err(Failure::Usage(
            "--last and --previous make a fleet job: give --out-dir or --manifest too, or \
             --from and --to"
                .into(),
        ));
    };
    let request = client
        .create_report(instance)
        .template(args.template)
        .time_range(from, to)
        .databases(args.databases);

    if !args.wait && args.download.is_none() {
        let created = request.send().await?;
        if printer.is_document() {
            return printer.document(&json!({
                "result": "success",
                "request_id": created.request_id,
                "request": created.request,
            }));
        }
        printer.line(format_args!(
            "report creation accepted{}",
            request_id_suffix(created.request_id.as_deref())
        ))?;
        return Ok(printer.line(
            "DBSS returns no report id: `dbss reports list` shows the new report and its \
             progress, or create with --wait",
        )?);
    }

    let bar = printer.percent_bar("building the report");
    let waited = request
        .send_and_wait()
        .deadline(args.wait_timeout)
        .on_progress({
            let bar = bar.clone();
            move |percent| bar.set_position(percent.into())
        })
        .run()
        .await;
    bar.finish_and_clear();
    let created = waited?;

    let saved = match (&args.download, &created.report.id) {
        (Some(path), Some(id)) => {
            Some(save(printer, &client, instance, id, ReportLocale::EnUs, path).await?)
        }
        (Some(_), None) => {
            return Err(Failure::Other(
                "the finished report has no id, so it cannot be downloaded".into(),
            ));
        }
        (None, _) => None,
    };

    if printer.is_document() {
        return printer.document(&json!({
            "report": created.report,
            "request_id": created.created.request_id,
            "download": saved.as_ref().map(download_json),
        }));
    }
    printer.table(&table(std::slice::from_ref(&created.report)), "")?;
    if let Some(saved) = &saved {
        printer.line(saved_line(saved))?;
    }
    Ok(())
}

async fn list(context: &Context, args: ListArgs) -> Result<(), Failure> {
    let instance = context.instance()?;
    let client = context.client()?;
    // Bad-input fix: a page size that is not even a u32 (negative) is refused in the words of
    // the client's own check, with the same exit code.
    let page_size = u32::try_from(args.page_size).map_err(|_| {
        Failure::Invalid(format!(
            "invalid size: must be between 1 and {} (got {})",
            dbss_client::MAX_PAGE_SIZE,
            args.page_size
        ))
    })?;
    let mut request = client.list_reports(instance).page_size(page_size);
    if let Some(name) = args.name {
        request = request.name(name);
    }
    let reports: Vec<ReportBean> = request.stream().try_collect().await?;
    if context.printer.is_document() {
        return context.printer.document(&reports);
    }
    Ok(context.printer.table(&table(&reports), "no reports")?)
}

async fn download(context: &Context, args: DownloadArgs) -> Result<(), Failure> {
    let instance = context.instance()?;
    let client = context.client()?;
    let printer = &context.printer;
    let saved = save(
        printer,
        &client,
        instance,
        &args.id,
        args.locale.into(),
        &args.out,
    )
    .await?;
    if printer.is_document() {
        let mut value = download_json(&saved);
        value["id"] = json!(args.id);
        return printer.document(&value);
    }
    Ok(printer.line(saved_line(&saved))?)
}

async fn delete(context: &Context, args: DeleteArgs) -> Result<(), Failure> {
    let instance = context.instance()?;
    let client = context.client()?;
    let deleted = client.delete_report(instance, &args.id).send().await?;
    if context.printer.is_document() {
        return context.printer.document(&json!({
            "id": args.id,
            "deleted": true,
            "request_id": deleted.request_id,
        }));
    }
    Ok(context.printer.line(format_args!(
        "deleted report {}{}",
        args.id,
        request_id_suffix(deleted.request_id.as_deref())
    ))?)
}

/// Downloads a report to `path` with a progress bar (shared with `dbss demo`).
pub async fn save(
    printer: &Printer,
    client: &DbssClient,
    instance: &str,
    report_id: &str,
    locale: ReportLocale,
    path: &Path,
) -> Result<DownloadOutput, Failure> {
    let bar = printer.bytes_bar("downloading");
    let saved = client
        .download_report(instance, report_id)
        .locale(locale)
        .on_progress({
            let bar = bar.clone();
            move |done, total| on_bytes(&bar, done, total)
        })
        .to_file(path)
        .await;
    bar.finish_and_clear();
    Ok(saved?)
}

/// The reports as a table (shared with `dbss demo`).
pub fn table(reports: &[ReportBean]) -> Table {
    let mut table = Table::new(&[
        "ID", "NAME", "TYPE", "PROGRESS", "FORMAT", "FROM", "TO", "FINISHED",
    ]);
    for r in reports {
        table.row(vec![
            cell(r.id.as_ref()),
            cell(r.name.as_ref()),
            cell(r.type_.as_ref()),
            cell(r.percentum.map(|p| format!("{p}%"))),
            cell(r.format.as_ref()),
            cell(r.start_time.as_ref()),
            cell(r.end_time.as_ref()),
            cell(r.finish_time.as_ref()),
        ]);
    }
    table
}

/// `saved N bytes to PATH`.
pub fn saved_line(saved: &DownloadOutput) -> String {
    format!("saved {} bytes to {}", saved.bytes, saved.path.display())
}

/// A download as JSON.
pub fn download_json(saved: &DownloadOutput) -> serde_json::Value {
    json!({
        "path": saved.path,
        "bytes": saved.bytes,
        "request_id": saved.request_id,
    })
}

fn request_id_suffix(request_id: Option<&str>) -> String {
    request_id.map_or_else(String::new, |id| format!(" (request id {id})"))
}
