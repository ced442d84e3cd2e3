//! `dbss reports create` over a fleet: the command line of [`dbss_client::fleet`].

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use dbss_client::RateLimit;
use dbss_client::fleet::{Event, Job, Period, Scope, Selection, Step, Summary};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use jiff::tz::TimeZone;
use serde_json::json;

use crate::args::{CreateArgs, InstanceSelectArgs};
use crate::commands::{Context, build_client_in, credentials_from_flags};
use crate::exit::Failure;
use crate::output::{Table, cell};

/// Whether `reports create` runs over a fleet rather than for one instance as before.
pub fn is_fleet(context: &Context, args: &CreateArgs) -> bool {
    let g = &context.global;
    g.instance.len() > 1
        || g.region.len() > 1
        || g.project_id.len() > 1
        || args.instances.any()
        || args.last.is_some()
        || args.previous.is_some()
        || args.out_dir.is_some()
        || args.manifest.is_some()
}

fn zone(flag: &str, name: &str) -> Result<TimeZone, Failure> {
    TimeZone::get(name).map_err(|e| {
        Failure::Invalid(format!(
            "invalid {flag}: {name:?} is not a time zone this machine knows ({e})"
        ))
    })
}

/// The job of the command line.
fn job(context: &Context, args: &CreateArgs) -> Result<(Job, PathBuf), Failure> {
    if args.wait || args.download.is_some() || !args.databases.is_empty() {
        return Err(Failure::Usage(
            "--wait, --download and --db are for one instance; over a fleet every report is \
             waited for and saved under --out-dir"
                .into(),
        ));
    }
    let period = match (&args.from, &args.to, &args.last, args.previous) {
        (Some(from), Some(to), None, None) => Period::between(from, to),
        (None, None, Some(last), None) => Period::last(last),
        (None, None, None, Some(unit)) => Ok(Period::Previous(unit.into())),
        _ => {
            return Err(Failure::Usage(
                "give one period: --from and --to, --last or --previous".into(),
            ));
        }
    }
    .map_err(|e| Failure::Invalid(e.to_string()))?;
    let time_zone = match &args.timezone {
        Some(name) => zone("--timezone", name)?,
        None => TimeZone::system(),
    };
    let api_zone = zone("--api-timezone", &args.api_timezone)?;
    let scopes = scopes(context)?;

    let selection = selection(context, &args.instances)?;
    let out_dir = args.out_dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let manifest = args
        .manifest
        .clone()
        .unwrap_or_else(|| out_dir.join("dbss-manifest.jsonl"));
    let job = Job::new(scopes, period, [args.template.clone()])
        .selection(selection)
        .time_zone(time_zone)
        .api_time_zone(api_zone)
        .out_dir(out_dir)
        .concurrency(usize::from(args.concurrency))
        .deadline(args.wait_timeout);
    Ok((job, manifest))
}

/// A scope per --region and --project-id (the client's own when none is given), each client
/// rate-limited adaptively.
pub fn scopes(context: &Context) -> Result<Vec<Scope>, Failure> {
    let global = &context.global;
    if global.endpoint.is_some() && global.region.len() > 1 {
        return Err(Failure::Usage(
            "--endpoint sends every region to one address: with several --region, give each \
             region's endpoint in HUAWEICLOUD_SDK_REGION_DBSS_<REGION> (or none, for the \
             public endpoints)"
                .into(),
        ));
    }

    let credentials = credentials_from_flags(global)?;
    let regions: Vec<Option<&str>> = if global.region.is_empty() {
        vec![None]
    } else {
        global.region.iter().map(|r| Some(r.as_str())).collect()
    };
    let projects: Vec<Option<&str>> = if global.project_id.is_empty() {
        vec![None]
    } else {
        global.project_id.iter().map(|p| Some(p.as_str())).collect()
    };
    let mut scopes = Vec::new();
    for region in &regions {
        let label = region
            .map(str::to_owned)
            .or_else(|| env("DBSS_REGION"))
            .or_else(|| env("HUAWEICLOUD_SDK_REGION"))
            .unwrap_or_else(|| "default".into());
        for project in &projects {
            let client = build_client_in(
                global,
                credentials.clone(),
                *region,
                *project,
                RateLimit::Adaptive,
            )?;
            scopes.push(Scope::new(label.clone(), client));
        }
    }

    Ok(scopes)
}

/// The instances of the command line: --instance (repeated), --all-instances, --name-pattern,
/// --tag KEY=VALUE (repeated).
pub fn selection(context: &Context, args: &InstanceSelectArgs) -> Result<Selection, Failure> {
    let mut selection = Selection::instances(
        context
            .global
            .instance
            .iter()
            .filter(|i| !i.trim().is_empty())
            .cloned(),
    );
    selection.all = args.all_instances;
    if let Some(pattern) = &args.name_pattern {
        selection = selection.name_pattern(pattern);
    }
    for tag in &args.tags {
        let Some((key, value)) = tag.split_once('=') else {
            return Err(Failure::Usage(format!(
                "--tag {tag:?}: give it as KEY=VALUE"
            )));
        };
        selection = selection.tag(key, value);
    }
    Ok(selection)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Runs `dbss reports create` over a fleet.
pub async fn create(context: &Context, args: CreateArgs) -> Result<(), Failure> {
    let (job, manifest) = job(context, &args)?;
    let printer = &context.printer;
    let display = Display::new(printer.shows_progress(), printer.is_document());
    let summary = job
        .run(&manifest, |event| display.on(event))
        .await
        .map_err(|e| match e {
            dbss_client::fleet::FleetError::Invalid(v) => Failure::Invalid(v.to_string()),
            dbss_client::fleet::FleetError::Plan { source, .. } => Failure::Sdk(source),
            dbss_client::fleet::FleetError::ManifestLocked { .. } => Failure::Usage(e.to_string()),
            other => Failure::Other(other.to_string()),
        })?;
    display.finish();

    if printer.is_document() {
        printer.document(&summary_json(&summary, &manifest))?;
    } else {
        printer.table(&summary_table(&summary), "no instance selected")?;
    }
    let failed = summary.failed();
    if failed > 0 {
        return Err(Failure::Other(format!(
            "{failed} of {} reports failed (see the summary); run the same command again to \
             retry them: the manifest {} keeps what is done",
            summary.outcomes.len() + summary.unresolved.len(),
            manifest.display()
        )));
    }
    Ok(())
}

fn summary_table(summary: &Summary) -> Table {
    let mut table = Table::new(&[
        "REGION",
        "INSTANCE",
        "NAME",
        "TEMPLATE",
        "STATUS",
        "REPORT",
        "FILE / ERROR",
    ]);
    for o in &summary.outcomes {
        let t = &o.task;
        let (status, report, detail) = match &o.result {
            Ok(done) if done.earlier => (
                "done before",
                done.report_id.clone(),
                done.path.display().to_string(),
            ),
            Ok(done) => (
                "downloaded",
                done.report_id.clone(),
                done.path.display().to_string(),
            ),
            Err(e) => ("failed", String::from("-"), e.clone()),
        };
        table.row(vec![
            t.region.clone(),
            t.instance_id.clone(),
            cell(t.instance_name.as_ref()),
            t.template_name.clone(),
            status.into(),
            report,
            detail,
        ]);
    }
    for u in &summary.unresolved {
        table.row(vec![
            u.region.clone(),
            u.instance_id.clone(),
            "-".into(),
            u.template.clone(),
            "no report".into(),
            "-".into(),
            u.reason.clone(),
        ]);
    }
    table
}

fn summary_json(summary: &Summary, manifest: &std::path::Path) -> serde_json::Value {
    let reports: Vec<_> = summary
        .outcomes
        .iter()
        .map(|o| {
            let t = &o.task;
            let mut value = json!({
                "region": t.region,
                "project_id": t.project_id,
                "instance_id": t.instance_id,
                "instance_name": t.instance_name,
                "template_id": t.template_id,
                "template_name": t.template_name,
            });
            match &o.result {
                Ok(done) => {
                    value["status"] = json!(if done.earlier {
                        "done_before"
                    } else {
                        "downloaded"
                    });
                    value["report_id"] = json!(done.report_id);
                    value["path"] = json!(done.path);
                    value["bytes"] = json!(done.bytes);
                    value["sha256"] = json!(done.sha256);
                }
                Err(e) => {
                    value["status"] = json!("failed");
                    value["error"] = json!(e);
                }
            }
            value
        })
        .collect();
    let unresolved: Vec<_> = summary
        .unresolved
        .iter()
        .map(|u| {
            json!({
                "region": u.region,
                "project_id": u.project_id,
                "instance_id": u.instance_id,
                "template": u.template,
                "reason": u.reason,
            })
        })
        .collect();
    json!({
        "start_time": summary.window.0,
        "end_time": summary.window.1,
        "manifest": manifest,
        "reports": reports,
        "unresolved": unresolved,
        "failed": summary.failed(),
    })
}

/// Progress: bars on a terminal (one overall, one per instance at work), plain lines on
/// stderr otherwise, nothing with `--output json`.
struct Display {
    mode: Mode,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

enum Mode {
    Bars {
        multi: MultiProgress,
        overall: ProgressBar,
    },
    Lines,
    Quiet,
}

impl Display {
    fn new(terminal: bool, json: bool) -> Self {
        let mode = if terminal {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let overall = multi.add(ProgressBar::new(0));
            overall.set_style(
                ProgressStyle::with_template("reports [{bar:40}] {pos}/{len} {elapsed} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            Mode::Bars { multi, overall }
        } else if json {
            Mode::Quiet
        } else {
            Mode::Lines
        };
        Self {
            mode,
            bars: Mutex::new(HashMap::new()),
        }
    }

    fn on(&self, event: Event) {
        match (&self.mode, event) {
            (Mode::Quiet, _) => {}
            (Mode::Bars { overall, .. }, Event::Planned { tasks, .. }) => {
                overall.set_length(tasks as u64);
            }
            (
                Mode::Lines,
                Event::Planned {
                    window,
                    tasks,
                    unresolved,
                },
            ) => eprintln!(
                "{tasks} reports planned from {} to {}{}",
                window.0,
                window.1,
                if unresolved > 0 {
                    format!(", {unresolved} instances without one")
                } else {
                    String::new()
                }
            ),
            (Mode::Bars { multi, overall }, Event::Unresolved(u)) => {
                overall.inc(1);
                let _ = multi.println(format!(
                    "{}/{} {}: no report: {}",
                    u.region, u.instance_id, u.template, u.reason
                ));
            }
            (Mode::Lines, Event::Unresolved(u)) => eprintln!(
                "{}/{} {}: no report: {}",
                u.region, u.instance_id, u.template, u.reason
            ),
            (Mode::Lines, Event::Step { task, step }) => {
                let what = match step {
                    Step::Creating => "creating".to_owned(),
                    Step::Created => "created".to_owned(),
                    Step::Recreating { reason } => {
                        format!("create in doubt ({reason}); looking for it before sending again")
                    }
                    Step::Found { report_id } => format!("report {report_id}"),
                    Step::Downloaded { path, bytes } => {
                        format!("saved {bytes} bytes to {}", path.display())
                    }
                    Step::AlreadyDone => "done before".to_owned(),
                    Step::Failed { error } => format!("failed: {error}"),
                    _ => return,
                };
                eprintln!(
                    "{}/{} {}: {what}",
                    task.region, task.instance_id, task.template_name
                );
            }
            (Mode::Bars { multi, overall }, Event::Step { task, step }) => {
                let mut bars = self.bars.lock().unwrap_or_else(PoisonError::into_inner);
                let finished = matches!(
                    step,
                    Step::Downloaded { .. } | Step::AlreadyDone | Step::Failed { .. }
                );
                if finished {
                    if let Some(bar) = bars.remove(&task.key) {
                        bar.finish_and_clear();
                        multi.remove(&bar);
                    }
                    overall.inc(1);
                    if let Step::Failed { error } = step {
                        let _ = multi.println(format!(
                            "{}/{} {}: failed: {error}",
                            task.region, task.instance_id, task.template_name
                        ));
                    }
                    return;
                }
                let bar = bars.entry(task.key.clone()).or_insert_with(|| {
                    let bar = multi.add(ProgressBar::new(100));
                    bar.set_style(
                        ProgressStyle::with_template("  {prefix} [{bar:20}] {pos:>3}% {msg}")
                            .unwrap_or_else(|_| ProgressStyle::default_bar())
                            .progress_chars("=> "),
                    );
                    bar.set_prefix(format!("{}/{}", task.region, task.instance_id));
                    bar
                });
                match step {
                    Step::Creating => bar.set_message("creating"),
                    Step::Created => bar.set_message("created"),
                    Step::Recreating { .. } => bar.set_message("create in doubt, looking"),
                    Step::Found { .. } => bar.set_message("building"),
                    Step::Progress { percent } => bar.set_position(percent.into()),
                    Step::Downloading { bytes, total } => {
                        bar.set_position(100);
                        bar.set_message(match total {
                            Some(total) => format!("downloading {bytes}/{total} bytes"),
                            None => format!("downloading {bytes} bytes"),
                        });
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn finish(&self) {
        if let Mode::Bars { multi, overall } = &self.mode {
            overall.finish_and_clear();
            let _ = multi.clear();
        }
    }
}
