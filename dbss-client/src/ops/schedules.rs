//! Report schedules and alarm notifications, typed: what a template's scheduled report is
//! (frequency, start time, file format, mode, status, notification topic) and where an
//! instance's alarms are sent, shown and changed field by field over the generated builders of
//! `show_audit_topic_report_scheduler_config` / `update_audit_topic_report_scheduler_config`
//! and `list_alarm_topic_config_info_new` / `set_alarm_topic_config_info_new`.
//!
//! The update operations take the whole configuration, so a change is applied to the current
//! one (shown first) and the result sent; a field the service did not show and the change does
//! not give is refused by name before anything is sent.

use std::fmt;
use std::str::FromStr;

use dbss_types::{
    ConfigAlarmTopicRequest, ConfigAlarmTopicRequestAlarmRiskItem,
    ConfigAlarmTopicRequestAlarmSwitch, ConfigReportTopicRequest, SchedulerBean,
    SchedulerBeanNotice,
};

use crate::client::DbssClient;
use crate::execution::error::Error;
use crate::foundation::validate::{self, Rule, ValidationError};

/// Defines a closed set of wire values with their command-line words.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal, $expected:literal, { $($(#[$vdoc:meta])* $variant:ident = $wire:literal / $word:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// The value on the wire.
            pub fn as_wire(self) -> &'static str {
                match self { $(Self::$variant => $wire,)+ }
            }

            /// The value of the wire text, if it is one.
            pub fn from_wire(text: &str) -> Option<Self> {
                match text { $($wire => Some(Self::$variant),)+ _ => None }
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            /// The command-line word (`day`) or the wire value (`AUDIT_REPORT_DAY`).
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($word | $wire => Ok(Self::$variant),)+
                    _ => Err(ValidationError::new($field, Rule::Format { expected: $expected })),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_wire())
            }
        }
    };
}

wire_enum!(
    /// How often a scheduled report is made.
    Frequency, "frequency", "day, week, month, year or real-time", {
        /// Every day.
        Day = "AUDIT_REPORT_DAY" / "day",
        /// Every week.
        Week = "AUDIT_REPORT_WEEK" / "week",
        /// Every month.
        Month = "AUDIT_REPORT_MONTH" / "month",
        /// Every year.
        Year = "AUDIT_REPORT_YEAR" / "year",
        /// In real time.
        RealTime = "AUDIT_REPORT_REAL_TIME" / "real-time",
    }
);

wire_enum!(
    /// The file a scheduled report is made as.
    FileFormat, "format", "pdf or zip", {
        /// PDF.
        Pdf = "PDF" / "pdf",
        /// ZIP.
        Zip = "ZIP" / "zip",
    }
);

wire_enum!(
    /// Whether a schedule runs once or repeats.
    ScheduleMode, "mode", "once or cycle", {
        /// Once.
        Once = "ONCE" / "once",
        /// Every period.
        Cycle = "CYCLE" / "cycle",
    }
);

/// A template's report schedule, as the service shows it (text it does not document is kept
/// as text).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ReportSchedule {
    /// The template.
    pub template_id: String,
    /// `AUDIT_REPORT_DAY`, ... (see [`Frequency`]).
    pub frequency: Option<String>,
    /// When the schedule starts (the service's text).
    pub start_time: Option<String>,
    /// `PDF` or `ZIP` (see [`FileFormat`]).
    pub format: Option<String>,
    /// `ONCE` or `CYCLE` (see [`ScheduleMode`]).
    pub mode: Option<String>,
    /// `ON` or `OFF`: whether the schedule is enabled.
    pub status: Option<String>,
    /// `ON` or `OFF`: whether a notification is sent.
    pub notice: Option<String>,
    /// The SMN topic notified.
    pub topic_urn: Option<String>,
    /// The databases, comma-separated (none: all).
    pub db_ids: Option<String>,
    /// Whether the service can notify through SMN.
    pub smn_effective: Option<bool>,
}

/// Changes to a report schedule; fields left `None` keep their current value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScheduleChange {
    /// How often.
    pub frequency: Option<Frequency>,
    /// When it starts (sent as given).
    pub start_time: Option<String>,
    /// The file format.
    pub format: Option<FileFormat>,
    /// Once or every period.
    pub mode: Option<ScheduleMode>,
    /// Enable or disable the schedule.
    pub enabled: Option<bool>,
    /// Notify this SMN topic (`Some(Some(urn))`), or stop notifying (`Some(None)`).
    pub notify: Option<Option<String>>,
}

/// Where an instance's alarms are notified, as the service shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct AlarmNotifications {
    /// `ON` or `OFF`.
    pub alarm_switch: Option<String>,
    /// The SMN topic.
    pub alarm_topic_urn: Option<String>,
    /// The severities notified (`high`, `medium`, `low`).
    pub alarm_risk: Vec<String>,
    /// Alarms sent per day at most.
    pub alarm_num: Option<String>,
    /// CPU threshold (%).
    pub alarm_cpu: Option<String>,
    /// Disk threshold (%).
    pub alarm_disk: Option<String>,
    /// Memory threshold (%).
    pub alarm_memory: Option<String>,
    /// Whether the service can notify through SMN.
    pub smn_effective: Option<bool>,
}

/// Changes to an instance's alarm notifications; `None` keeps the current value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotificationChange {
    /// Notify this SMN topic (`Some(Some(urn))`), or switch notifications off (`Some(None)`).
    pub notify: Option<Option<String>>,
}

fn required(field: &'static str) -> ValidationError {
    ValidationError::new(field, Rule::Required)
}

fn topic(field: &'static str, urn: &str) -> Result<(), ValidationError> {
    if urn.trim().is_empty() {
        return Err(required(field));
    }
    if urn.chars().any(char::is_control) {
        return Err(ValidationError::new(
            field,
            Rule::Charset {
                allowed: "printable characters",
            },
        ));
    }
    Ok(())
}

impl ReportSchedule {
    /// The body that sets this schedule with `change` applied, checked.
    pub fn changed(
        &self,
        change: &ScheduleChange,
    ) -> Result<ConfigReportTopicRequest, ValidationError> {
        let keep = |v: &Option<String>, field| v.clone().ok_or_else(|| required(field));
        let (notice, topic_urn) = match &change.notify {
            Some(Some(urn)) => {
                topic("topic_urn", urn)?;
                (SchedulerBeanNotice::On, urn.clone())
            }
            Some(None) => (
                SchedulerBeanNotice::Off,
                self.topic_urn.clone().unwrap_or_default(),
            ),
            None => {
                let notice = match self.notice.as_deref() {
                    Some("ON") => SchedulerBeanNotice::On,
                    Some("OFF") | None => SchedulerBeanNotice::Off,
                    Some(_) => {
                        return Err(ValidationError::new(
                            "notice",
                            Rule::Format {
                                expected: "ON or OFF",
                            },
                        ));
                    }
                };
                (notice, self.topic_urn.clone().unwrap_or_default())
            }
        };
        Ok(ConfigReportTopicRequest {
            scheduler: SchedulerBean {
                db_ids: self.db_ids.clone(),
                format: match change.format {
                    Some(f) => f.as_wire().to_owned(),
                    None => keep(&self.format, "format")?,
                },
                frequency: match change.frequency {
                    Some(f) => f.as_wire().to_owned(),
                    None => keep(&self.frequency, "frequency")?,
                },
                id: self.template_id.clone(),
                mode: match change.mode {
                    Some(m) => m.as_wire().to_owned(),
                    None => keep(&self.mode, "mode")?,
                },
                notice,
                start_time: match &change.start_time {
                    Some(t) if t.trim().is_empty() => return Err(required("start_time")),
                    Some(t) => t.clone(),
                    None => keep(&self.start_time, "start_time")?,
                },
                status: match change.enabled {
                    Some(true) => "ON".to_owned(),
                    Some(false) => "OFF".to_owned(),
                    None => keep(&self.status, "status")?,
                },
                topic_urn,
            },
        })
    }
}

impl AlarmNotifications {
    /// The body that sets these notifications with `change` applied, checked.
    pub fn changed(
        &self,
        change: &NotificationChange,
    ) -> Result<ConfigAlarmTopicRequest, ValidationError> {
        let number = |v: &Option<String>, field: &'static str| -> Result<i32, ValidationError> {
            v.as_deref()
                .ok_or_else(|| required(field))?
                .trim()
                .parse()
                .map_err(|_| {
                    ValidationError::new(
                        field,
                        Rule::Format {
                            expected: "a whole number",
                        },
                    )
                })
        };
        let (alarm_switch, alarm_topic_urn) = match &change.notify {
            Some(Some(urn)) => {
                topic("alarm_topic_urn", urn)?;
                (ConfigAlarmTopicRequestAlarmSwitch::On, Some(urn.clone()))
            }
            Some(None) => (
                ConfigAlarmTopicRequestAlarmSwitch::Off,
                self.alarm_topic_urn.clone(),
            ),
            None => match self.alarm_switch.as_deref() {
                Some("ON") => (
                    ConfigAlarmTopicRequestAlarmSwitch::On,
                    self.alarm_topic_urn.clone(),
                ),
                _ => (
                    ConfigAlarmTopicRequestAlarmSwitch::Off,
                    self.alarm_topic_urn.clone(),
                ),
            },
        };
        let alarm_risk = self
            .alarm_risk
            .iter()
            .map(|r| match r.as_str() {
                "high" => Ok(ConfigAlarmTopicRequestAlarmRiskItem::High),
                "medium" => Ok(ConfigAlarmTopicRequestAlarmRiskItem::Medium),
                "low" => Ok(ConfigAlarmTopicRequestAlarmRiskItem::Low),
                _ => Err(ValidationError::new(
                    "alarm_risk",
                    Rule::Format {
                        expected: "high, medium or low",
                    },
                )),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ConfigAlarmTopicRequest {
            alarm_cpu: number(&self.alarm_cpu, "alarm_cpu")?,
            alarm_disk: number(&self.alarm_disk, "alarm_disk")?,
            alarm_memory: number(&self.alarm_memory, "alarm_memory")?,
            alarm_num: number(&self.alarm_num, "alarm_num")?,
            alarm_risk,
            alarm_switch,
            alarm_topic_urn,
        })
    }
}

impl DbssClient {
    /// The report schedule of template `template_id` of an instance.
    pub async fn report_schedule(
        &self,
        instance_id: &str,
        template_id: &str,
    ) -> Result<ReportSchedule, Error> {
        validate::project_or_instance_id("instance_id", instance_id)?;
        validate::template_id(Some(template_id))?;
        let answer = self
            .show_audit_topic_report_scheduler_config()
            .instance_id(instance_id)
            .id(template_id)
            .send()
            .await?
            .into_inner();
        let s = answer.scheduler.unwrap_or_default();
        Ok(ReportSchedule {
            template_id: template_id.to_owned(),
            frequency: s.frequency,
            start_time: s.start_time,
            format: s.format,
            mode: s.mode,
            status: s.status,
            notice: s.notice,
            topic_urn: s.topic_urn,
            db_ids: s.db_ids,
            smn_effective: answer.smn_effective,
        })
    }

    /// Changes the report schedule of a template: shows it, applies `change` and sends the
    /// whole schedule. Returns the body sent. A field neither shown nor given is refused by
    /// name, and nothing is sent.
    pub async fn set_report_schedule(
        &self,
        instance_id: &str,
        template_id: &str,
        change: &ScheduleChange,
    ) -> Result<ConfigReportTopicRequest, Error> {
        let current = self.report_schedule(instance_id, template_id).await?;
        let body = current.changed(change)?;
        self.update_audit_topic_report_scheduler_config()
            .instance_id(instance_id)
            .body(body.clone())
            .send()
            .await?;
        Ok(body)
    }

    /// Where the alarms of an instance are notified.
    pub async fn alarm_notifications(
        &self,
        instance_id: &str,
    ) -> Result<AlarmNotifications, Error> {
        validate::project_or_instance_id("instance_id", instance_id)?;
        let a = self
            .list_alarm_topic_config_info_new()
            .instance_id(instance_id)
            .send()
            .await?
            .into_inner();
        Ok(AlarmNotifications {
            alarm_switch: a.alarm_switch,
            alarm_topic_urn: a.alarm_topic_urn,
            alarm_risk: a.alarm_risk,
            alarm_num: a.alarm_num,
            alarm_cpu: a.alarm_cpu,
            alarm_disk: a.alarm_disk,
            alarm_memory: a.alarm_memory,
            smn_effective: a.smn_effective,
        })
    }

    /// Changes where the alarms of an instance are notified: shows the configuration, applies
    /// `change`, sends it whole. Returns the body sent.
    pub async fn set_alarm_notifications(
        &self,
        instance_id: &str,
        change: &NotificationChange,
    ) -> Result<ConfigAlarmTopicRequest, Error> {
        let current = self.alarm_notifications(instance_id).await?;
        let body = current.changed(change)?;
        self.set_alarm_topic_config_info_new()
            .instance_id(instance_id)
            .body(body.clone())
            .send()
            .await?;
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn schedule() -> ReportSchedule {
        ReportSchedule {
            template_id: "t8g7LJgBTpKZyZbbeTgS".into(),
            frequency: Some("AUDIT_REPORT_WEEK".into()),
            start_time: Some("2025-08-01 00:00:00".into()),
            format: Some("ZIP".into()),
            mode: Some("CYCLE".into()),
            status: Some("ON".into()),
            notice: Some("OFF".into()),
            topic_urn: None,
            db_ids: None,
            smn_effective: Some(true),
        }
    }

    #[test]
    fn a_change_keeps_what_it_does_not_name() {
        let change = ScheduleChange {
            frequency: Some("month".parse().unwrap()),
            format: Some(FileFormat::Pdf),
            notify: Some(Some("urn:smn:cn-north-4:p:topic".into())),
            ..ScheduleChange::default()
        };
        let body = schedule().changed(&change).unwrap().scheduler;
        assert_eq!(body.frequency, "AUDIT_REPORT_MONTH");
        assert_eq!(body.format, "PDF");
        assert_eq!(body.mode, "CYCLE");
        assert_eq!(body.status, "ON");
        assert_eq!(body.notice, SchedulerBeanNotice::On);
        assert_eq!(body.topic_urn, "urn:smn:cn-north-4:p:topic");
    }

    #[test]
    fn bad_or_missing_values_are_refused_by_name() {
        assert_eq!(
            "hourly".parse::<Frequency>().unwrap_err().field,
            "frequency"
        );
        assert_eq!("docx".parse::<FileFormat>().unwrap_err().field, "format");
        assert_eq!("twice".parse::<ScheduleMode>().unwrap_err().field, "mode");
        let mut unknown = schedule();
        unknown.mode = None;
        assert_eq!(
            unknown
                .changed(&ScheduleChange::default())
                .unwrap_err()
                .field,
            "mode"
        );
        let empty_topic = ScheduleChange {
            notify: Some(Some(" ".into())),
            ..ScheduleChange::default()
        };
        assert_eq!(
            schedule().changed(&empty_topic).unwrap_err().field,
            "topic_urn"
        );
    }

    #[test]
    fn alarm_notifications_switch_on_with_a_topic_and_keep_the_thresholds() {
        let current = AlarmNotifications {
            alarm_switch: Some("OFF".into()),
            alarm_topic_urn: None,
            alarm_risk: vec!["high".into()],
            alarm_num: Some("100".into()),
            alarm_cpu: Some("80".into()),
            alarm_disk: Some("80".into()),
            alarm_memory: Some("80".into()),
            smn_effective: Some(true),
        };
        let body = current
            .changed(&NotificationChange {
                notify: Some(Some("urn:smn:x".into())),
            })
            .unwrap();
        assert_eq!(body.alarm_switch, ConfigAlarmTopicRequestAlarmSwitch::On);
        assert_eq!(body.alarm_topic_urn.as_deref(), Some("urn:smn:x"));
        assert_eq!((body.alarm_cpu, body.alarm_num), (80, 100));
        let mut bad = current;
        bad.alarm_cpu = Some("high".into());
        assert_eq!(
            bad.changed(&NotificationChange::default())
                .unwrap_err()
                .field,
            "alarm_cpu"
        );
    }
}
