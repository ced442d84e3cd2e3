//! Report schedules and alarm notifications against the embedded mock (whose answers for
//! these operations are the document's examples or values made from its schemas, and which
//! checks every request against the document): shown typed, changed field by field, the whole
//! configuration sent.
#![allow(clippy::unwrap_used)]

use crate::support::mock_client;
use dbss_client::{FileFormat, Frequency, NotificationChange, ScheduleChange};
use dbss_mock::{Fault, MockServer, Operation};

#[tokio::test]
async fn a_schedule_is_shown_then_changed_and_sent_whole() {
    let mock = MockServer::start().await.unwrap();
    let c = mock_client(&mock);
    let shown = c
        .report_schedule(mock.instance_id(), mock.template_id())
        .await
        .unwrap();
    assert!(shown.frequency.is_some(), "{shown:?}");
    let mut change = ScheduleChange::default();
    change.frequency = Some(Frequency::Month);
    change.format = Some(FileFormat::Pdf);
    change.notify = Some(Some("urn:smn:cn-north-4:0f4e1c2b:dbss-reports".into()));
    let sent = c
        .set_report_schedule(mock.instance_id(), mock.template_id(), &change)
        .await
        .unwrap();
    assert_eq!(sent.scheduler.frequency, "AUDIT_REPORT_MONTH");
    assert_eq!(sent.scheduler.format, "PDF");
    assert_eq!(
        sent.scheduler.topic_urn,
        "urn:smn:cn-north-4:0f4e1c2b:dbss-reports"
    );
    assert_eq!(sent.scheduler.mode, shown.mode.unwrap(), "kept as shown");
    assert_eq!(
        mock.requests(Operation::UpdateAuditTopicReportSchedulerConfig),
        1
    );
}

#[tokio::test]
async fn alarm_notifications_are_shown_then_switched() {
    let mock = MockServer::start().await.unwrap();
    // The mock's own answer has made-up text for the thresholds (strings in the schema); the
    // service's are numbers in strings.
    mock.inject(
        Fault::reply(
            200,
            "application/json",
            r#"{"alarm_cpu":"80","alarm_disk":"85","alarm_memory":"90","alarm_num":"100",
            "alarm_risk":["high","medium"],"alarm_switch":"ON",
            "alarm_topic_urn":"urn:smn:cn-north-4:0f4e1c2b:dbss-alarms","smn_effective":true}"#,
        )
        .only(Operation::ListAlarmTopicConfigInfoNew)
        .times(2),
    );
    let c = mock_client(&mock);
    let shown = c.alarm_notifications(mock.instance_id()).await.unwrap();
    let mut change = NotificationChange::default();
    change.notify = Some(None);
    let sent = c
        .set_alarm_notifications(mock.instance_id(), &change)
        .await
        .unwrap();
    assert_eq!(
        sent.alarm_switch,
        dbss_client::types::ConfigAlarmTopicRequestAlarmSwitch::Off
    );
    assert_eq!(sent.alarm_topic_urn, shown.alarm_topic_urn);
    assert_eq!(
        (
            sent.alarm_cpu,
            sent.alarm_disk,
            sent.alarm_memory,
            sent.alarm_num
        ),
        (80, 85, 90, 100)
    );
    assert_eq!(sent.alarm_risk.len(), 2);
    assert_eq!(mock.requests(Operation::SetAlarmTopicConfigInfoNew), 1);
}

#[tokio::test]
async fn a_bad_change_is_refused_by_name_and_not_sent() {
    let mock = MockServer::start().await.unwrap();
    let c = mock_client(&mock);
    let mut change = ScheduleChange::default();
    change.notify = Some(Some(String::new()));
    let e = c
        .set_report_schedule(mock.instance_id(), mock.template_id(), &change)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("topic_urn"), "{e}");
    assert_eq!(
        mock.requests(Operation::UpdateAuditTopicReportSchedulerConfig),
        0
    );
}
