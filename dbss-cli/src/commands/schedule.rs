//! `dbss reports schedule show | set`: a template's report schedule and the alarm
//! notifications, on one or many instances (the selection of the fleet command).

use dbss_client::fleet::{FleetError, Scope, Selected, resolve_template, select};
use dbss_client::{
    AlarmNotifications, FileFormat, Frequency, NotificationChange, ReportSchedule, ScheduleChange,
    ScheduleMode,
};
use futures::StreamExt;
use serde_json::json;

use crate::args::{ScheduleCommand, ScheduleSelectArgs, ScheduleSetArgs};
use crate::commands::Context;
use crate::commands::fleet::{scopes, selection};
use crate::exit::Failure;
use crate::output::{Table, cell};

/// What one instance answered.
struct Row {
    region: String,
    instance_id: String,
    instance_name: Option<String>,
    result: Result<(ReportSchedule, AlarmNotifications), String>,
}

/// Runs `dbss reports schedule ...`.
pub async fn run(context: &Context, command: ScheduleCommand) -> Result<(), Failure> {
    let (select_args, changes) = match command {
        ScheduleCommand::Show(args) => (args, None),
        ScheduleCommand::Set(args) => {
            let changes = changes(&args)?;
            (args.select, Some(changes))
        }
    };
    let rows = collect(context, &select_args, changes.as_ref()).await?;
    print(context, &rows)?;
    let failed = rows.iter().filter(|r| r.result.is_err()).count();
    if failed > 0 {
        return Err(Failure::Other(format!(
            "{failed} of {} instances failed (see the table)",
            rows.len()
        )));
    }
    Ok(())
}

fn invalid(e: dbss_client::ValidationError) -> Failure {
    Failure::Invalid(e.to_string())
}

/// The changes of `set`, checked before anything is sent.
fn changes(args: &ScheduleSetArgs) -> Result<(ScheduleChange, NotificationChange), Failure> {
    let mut schedule = ScheduleChange::default();
    schedule.frequency = args
        .frequency
        .as_deref()
        .map(str::parse::<Frequency>)
        .transpose()
        .map_err(invalid)?;
    schedule.format = args
        .format
        .as_deref()
        .map(str::parse::<FileFormat>)
        .transpose()
        .map_err(invalid)?;
    schedule.mode = args
        .mode
        .as_deref()
        .map(str::parse::<ScheduleMode>)
        .transpose()
        .map_err(invalid)?;
    schedule.start_time = args.start_time.clone();
    schedule.enabled = match (args.enable, args.disable) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    schedule.notify = match (&args.notify_topic, args.no_notify) {
        (Some(urn), _) => Some(Some(urn.clone())),
        (None, true) => Some(None),
        (None, false) => None,
    };
    let mut alarms = NotificationChange::default();
    alarms.notify = match (&args.alarm_topic, args.no_alarms) {
        (Some(urn), _) => Some(Some(urn.clone())),
        (None, true) => Some(None),
        (None, false) => None,
    };
    if schedule == ScheduleChange::default() && alarms == NotificationChange::default() {
        return Err(Failure::Usage(
            "nothing to change: give --frequency, --start-time, --format, --mode, --enable, \
             --disable, --notify-topic, --no-notify, --alarm-topic or --no-alarms"
                .into(),
        ));
    }
    Ok((schedule, alarms))
}

async fn collect(
    context: &Context,
    args: &ScheduleSelectArgs,
    changes: Option<&(ScheduleChange, NotificationChange)>,
) -> Result<Vec<Row>, Failure> {
    let selection = selection(context, &args.instances)?;
    if selection.instances.is_empty() && !selection.lists() {
        return Err(Failure::Usage(
            "no audit instance: pass --instance ID (repeat for several), --all-instances, \
             --name-pattern GLOB or --tag KEY=VALUE"
                .into(),
        ));
    }
    selection.check().map_err(invalid)?;
    let scopes = scopes(context)?;
    let selected = select(&scopes, &selection).await.map_err(|e| match e {
        FleetError::Plan { source, .. } => Failure::Sdk(source),
        other => Failure::Other(other.to_string()),
    })?;
    let rows = futures::stream::iter(selected)
        .map(|s| one(&scopes, s, &args.template, changes))
        .buffered(usize::from(args.concurrency))
        .collect()
        .await;
    Ok(rows)
}

async fn one(
    scopes: &[Scope],
    selected: Selected,
    template: &str,
    changes: Option<&(ScheduleChange, NotificationChange)>,
) -> Row {
    let Some(scope) = scopes.get(selected.scope) else {
        return Row {
            region: String::new(),
            instance_id: selected.instance_id,
            instance_name: selected.instance_name,
            result: Err("no scope".into()),
        };
    };
    let client = scope.client();
    let instance = selected.instance_id.as_str();
    let result = async {
        let templates = client
            .list_templates(instance)
            .send()
            .await
            .map_err(|e| format!("listing the templates: {e}"))?;
        let template = resolve_template(&templates, template)?;
        let template_id = template.id.clone().unwrap_or_default();
        if let Some((schedule, alarms)) = changes {
            if *schedule != ScheduleChange::default() {
                client
                    .set_report_schedule(instance, &template_id, schedule)
                    .await
                    .map_err(|e| format!("setting the schedule: {e}"))?;
            }
            if *alarms != NotificationChange::default() {
                client
                    .set_alarm_notifications(instance, alarms)
                    .await
                    .map_err(|e| format!("setting the alarm notifications: {e}"))?;
            }
        }
        let schedule = client
            .report_schedule(instance, &template_id)
            .await
            .map_err(|e| format!("showing the schedule: {e}"))?;
        let alarms = client
            .alarm_notifications(instance)
            .await
            .map_err(|e| format!("showing the alarm notifications: {e}"))?;
        Ok((schedule, alarms))
    }
    .await;
    Row {
        region: scope.region().to_owned(),
        instance_id: selected.instance_id.clone(),
        instance_name: selected.instance_name,
        result,
    }
}

fn print(context: &Context, rows: &[Row]) -> Result<(), Failure> {
    let printer = &context.printer;
    if printer.is_document() {
        let list: Vec<_> = rows
            .iter()
            .map(|r| {
                let mut value = json!({
                    "region": r.region,
                    "instance_id": r.instance_id,
                    "instance_name": r.instance_name,
                });
                match &r.result {
                    Ok((schedule, alarms)) => {
                        value["schedule"] = json!(schedule);
                        value["alarm_notifications"] = json!(alarms);
                    }
                    Err(e) => value["error"] = json!(e),
                }
                value
            })
            .collect();
        return printer.document(&list);
    }
    let mut table = Table::new(&[
        "REGION",
        "INSTANCE",
        "TEMPLATE",
        "FREQUENCY",
        "START",
        "FORMAT",
        "MODE",
        "STATUS",
        "NOTICE",
        "TOPIC",
        "ALARMS",
        "ALARM TOPIC / ERROR",
    ]);
    for r in rows {
        let mut row = vec![r.region.clone(), r.instance_id.clone()];
        match &r.result {
            Ok((s, a)) => row.extend([
                s.template_id.clone(),
                cell(s.frequency.as_ref()),
                cell(s.start_time.as_ref()),
                cell(s.format.as_ref()),
                cell(s.mode.as_ref()),
                cell(s.status.as_ref()),
                cell(s.notice.as_ref()),
                cell(s.topic_urn.as_ref()),
                cell(a.alarm_switch.as_ref()),
                cell(a.alarm_topic_urn.as_ref()),
            ]),
            Err(e) => {
                row.extend((0..9).map(|_| "-".to_owned()));
                row.push(format!("failed: {e}"));
            }
        }
        table.row(row);
    }
    Ok(printer.table(&table, "no instance selected")?)
}
