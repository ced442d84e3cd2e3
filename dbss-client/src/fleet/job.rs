//! The fleet job: plan, then run each task from its last recorded step.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use dbss_types::{ReportBean, ReportLocale, ReportType};
use futures::{StreamExt, TryStreamExt};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use tokio::time::Instant;

use super::FleetError;
use super::manifest::{Manifest, ManifestState, Record, Stage, Task, TaskState, Unresolved};
use super::period::{Period, Window, wire};
use crate::client::DbssClient;
use crate::execution::error::Error;
use crate::foundation::validate::{Rule, ValidationError};

/// A region (or any group of instances one client reaches): the folder name under the output
/// folder, and the client for it (its endpoint, project and credentials).
#[derive(Clone, Debug)]
pub struct Scope {
    region: String,
    client: DbssClient,
}

impl Scope {
    /// A scope named `region` (letters, digits, `-` and `_`), served by `client`.
    pub fn new(region: impl Into<String>, client: DbssClient) -> Self {
        Self {
            region: region.into(),
            client,
        }
    }

    /// The region label.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The client.
    pub fn client(&self) -> &DbssClient {
        &self.client
    }
}

/// Which instances of each scope get a report: the ids given, plus, with
/// [`all`](Self::all_instances) or a [`name_pattern`](Self::name_pattern), the listed
/// instances (all of them, or those whose name matches).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Selection {
    /// Instances by id.
    pub instances: Vec<String>,
    /// Every instance the credentials see in each scope.
    pub all: bool,
    /// Listed instances whose name matches this glob (`*`, `?`, `[a-z]`).
    pub name_pattern: Option<String>,
    /// Listed instances with these tags (`list_resource_instance_by_tag`): every key, any of
    /// its values.
    pub tags: Vec<(String, Vec<String>)>,
}

impl Selection {
    /// These instances.
    pub fn instances<I: IntoIterator<Item = S>, S: Into<String>>(ids: I) -> Self {
        Self {
            instances: ids.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// Every instance of each scope.
    pub fn all_instances() -> Self {
        Self {
            all: true,
            ..Self::default()
        }
    }

    /// Adds the listed instances whose name matches `glob`.
    pub fn name_pattern(mut self, glob: impl Into<String>) -> Self {
        self.name_pattern = Some(glob.into());
        self
    }

    /// Adds the listed instances tagged `key` = `value` (several values of one key: any of
    /// them; several keys: all of them).
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let key = key.into();
        let value = value.into();
        match self.tags.iter_mut().find(|(k, _)| *k == key) {
            Some((_, values)) => {
                if !values.contains(&value) {
                    values.push(value);
                }
            }
            None => self.tags.push((key, vec![value])),
        }
        self
    }

    /// Whether the instances of each scope are listed (all, by name or by tag).
    pub fn lists(&self) -> bool {
        self.all || self.name_pattern.is_some() || !self.tags.is_empty()
    }

    /// Checks the selection: some instances, valid ids, a valid glob. Nothing is sent.
    pub fn check(&self) -> Result<(), ValidationError> {
        self.compiled().map(drop)
    }

    /// [`check`](Self::check), returning the compiled glob.
    fn compiled(&self) -> Result<Option<glob::Pattern>, ValidationError> {
        if self.instances.is_empty() && !self.lists() {
            return Err(ValidationError::new("instance", Rule::Required));
        }
        for id in &self.instances {
            crate::foundation::validate::project_or_instance_id("instance_id", id)?;
        }
        if self.tags.len() > 50 {
            return Err(ValidationError::new(
                "tags",
                Rule::Range {
                    min: 1,
                    max: 50,
                    actual: self.tags.len() as i64,
                },
            ));
        }
        for (key, values) in &self.tags {
            if dbss_types::TagKeyValuesBeanKey::try_from(key.as_str()).is_err() {
                return Err(ValidationError::new(
                    "tags.key",
                    Rule::Format {
                        expected: "a tag key of 1 to 128 characters",
                    },
                ));
            }
            if values.len() > 10 {
                return Err(ValidationError::new(
                    "tags.values",
                    Rule::Range {
                        min: 1,
                        max: 10,
                        actual: values.len() as i64,
                    },
                ));
            }
        }
        self.name_pattern
            .as_deref()
            .map(|p| {
                glob::Pattern::new(p).map_err(|_| {
                    ValidationError::new(
                        "name_pattern",
                        Rule::Format {
                            expected: "a glob (*, ?, [a-z])",
                        },
                    )
                })
            })
            .transpose()
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.all {
            parts.push("all instances".to_owned());
        }
        if let Some(p) = &self.name_pattern {
            parts.push(format!("names matching {p}"));
        }
        for (key, values) in &self.tags {
            parts.push(format!("tag {key}={}", values.join("|")));
        }
        if !self.instances.is_empty() {
            let mut ids = self.instances.clone();
            ids.sort();
            ids.dedup();
            parts.push(format!("instances {}", ids.join(",")));
        }
        parts.join(" + ")
    }
}

/// A step of a task, as [`Event::Step`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// The create is about to be sent.
    Creating,
    /// The service accepted it.
    Created,
    /// A create whose outcome was unknown did not take effect; it is sent again.
    Recreating {
        /// Why the earlier one was in doubt.
        reason: String,
    },
    /// The report was found.
    Found {
        /// Its id.
        report_id: String,
    },
    /// The report's progress, 0 to 100.
    Progress {
        /// Percent.
        percent: u8,
    },
    /// Bytes of the download written so far.
    Downloading {
        /// Written.
        bytes: u64,
        /// The size, when announced.
        total: Option<u64>,
    },
    /// The file is in place.
    Downloaded {
        /// Where.
        path: PathBuf,
        /// Its size.
        bytes: u64,
    },
    /// An earlier run had finished this task.
    AlreadyDone,
    /// This run could not finish it.
    Failed {
        /// Why.
        error: String,
    },
}

/// What a running job reports.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The plan: how many reports, and how many instances have none so far.
    Planned {
        /// The window of every report.
        window: (String, String),
        /// Reports to make: the tasks of the manifest's plan, or, at the first run (which
        /// resolves the templates of each instance as it goes), the instances selected times
        /// the templates; those that turn out to have none come as [`Event::Unresolved`].
        tasks: usize,
        /// Instances without a report, known now.
        unresolved: usize,
    },
    /// An instance without a report.
    Unresolved(Unresolved),
    /// A task moved.
    Step {
        /// The task.
        task: Arc<Task>,
        /// What happened.
        step: Step,
    },
}

/// A finished task.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Done {
    /// The report.
    pub report_id: String,
    /// The file.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// Its SHA-256, lowercase hex (as in the manifest).
    pub sha256: String,
    /// Whether an earlier run had finished it.
    pub earlier: bool,
}

/// How a task ended in this run.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outcome {
    /// The task.
    pub task: Task,
    /// The report and file, or why not.
    pub result: Result<Done, String>,
}

/// The end of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// `start_time` and `end_time` of every report.
    pub window: (String, String),
    /// Every planned task, in key order.
    pub outcomes: Vec<Outcome>,
    /// Instances without a report.
    pub unresolved: Vec<Unresolved>,
}

impl Summary {
    /// Tasks that failed, plus instances without a report.
    pub fn failed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.result.is_err()).count() + self.unresolved.len()
    }
}

/// A fleet job: scopes, selection, templates, period and how to run it. See the
/// [module](super).
#[derive(Clone, Debug)]
#[must_use = "a job does nothing until it is run"]
pub struct Job {
    scopes: Vec<Scope>,
    period: Period,
    templates: Vec<String>,
    selection: Selection,
    zone: TimeZone,
    api_zone: TimeZone,
    out_dir: PathBuf,
    concurrency: usize,
    locale: Option<ReportLocale>,
    poll: (Duration, Duration),
    deadline: Duration,
    max_creates: u32,
    now: Option<Timestamp>,
}

type EventFn<'a> = &'a (dyn Fn(Event) + Send + Sync);

impl Job {
    /// A job for `period` with these templates (each an id or a name, resolved per instance),
    /// over `scopes`. Defaults: the instances of [`Selection::default`] (none: choose some),
    /// the system's time zone, the API reading UTC, the current folder, 8 tasks at a time.
    pub fn new<I, S>(scopes: Vec<Scope>, period: Period, templates: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            scopes,
            period,
            templates: templates.into_iter().map(Into::into).collect(),
            selection: Selection::default(),
            zone: TimeZone::system(),
            api_zone: TimeZone::UTC,
            out_dir: PathBuf::from("."),
            concurrency: 8,
            locale: None,
            poll: (Duration::from_secs(1), Duration::from_secs(10)),
            deadline: Duration::from_secs(60 * 60),
            max_creates: 5,
            now: None,
        }
    }

    /// The instances.
    pub fn selection(mut self, selection: Selection) -> Self {
        self.selection = selection;
        self
    }

    /// The zone calendar periods are computed in. Default: the system's.
    pub fn time_zone(mut self, zone: TimeZone) -> Self {
        self.zone = zone;
        self
    }

    /// The zone the API reads `start_time` and `end_time` in. Default UTC.
    pub fn api_time_zone(mut self, zone: TimeZone) -> Self {
        self.api_zone = zone;
        self
    }

    /// The folder the reports are saved under (`region/instance/template_period.ext`).
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = dir.into();
        self
    }

    /// How many tasks run at once (at least 1). Default 8.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// The language of the downloaded reports. Default: the service's.
    pub fn locale(mut self, locale: ReportLocale) -> Self {
        self.locale = Some(locale);
        self
    }

    /// Polling for a report starts at `first` and grows by half up to `max`. Default 1 s to
    /// 10 s.
    pub fn poll_interval(mut self, first: Duration, max: Duration) -> Self {
        self.poll = (first, max.max(first));
        self
    }

    /// How long one task waits for its report to be listed and finished. Default 1 h.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// "Now", for the period's window (tests fix it). Default: the clock at the first run.
    pub fn now(mut self, now: Timestamp) -> Self {
        self.now = Some(now);
        self
    }

    /// The job as asked, as the manifest records it.
    pub fn spec(&self) -> String {
        let mut templates = self.templates.clone();
        templates.sort();
        templates.dedup();
        let mut scopes: Vec<String> = self
            .scopes
            .iter()
            .map(|s| {
                format!(
                    "{}:{}",
                    s.region,
                    s.client.project_id().unwrap_or("(discovered)")
                )
            })
            .collect();
        scopes.sort();
        format!(
            "{}; templates {}; {}; in {}",
            self.period.describe(),
            templates.join(","),
            self.selection.describe(),
            scopes.join(",")
        )
    }

    fn check(&self) -> Result<(), ValidationError> {
        if self.scopes.is_empty() {
            return Err(ValidationError::new("region", Rule::Required));
        }
        for scope in &self.scopes {
            crate::foundation::validate::path_id("region", &scope.region, 1, 64)?;
        }
        if self.templates.is_empty() || self.templates.iter().any(|t| t.trim().is_empty()) {
            return Err(ValidationError::new("template", Rule::Required));
        }
        self.selection.check()
    }

    /// Runs (or resumes) the job on the manifest at `path`, reporting each step to
    /// `on_event`. Returns when every task has finished or failed; `Err` only when the job
    /// could not run at all (see [`FleetError`]).
    pub async fn run(
        &self,
        manifest: impl AsRef<Path>,
        on_event: impl Fn(Event) + Send + Sync,
    ) -> Result<Summary, FleetError> {
        self.check()?;
        let (manifest, records) = Manifest::open(manifest)?;
        let on_event: EventFn<'_> = &on_event;
        let mut state = ManifestState::from_records(&records);
        let spec = self.spec();
        let (start, end, label) = match &state.job {
            Some(Record::Job {
                spec: recorded,
                start_time,
                end_time,
                label,
                ..
            }) => {
                if *recorded != spec {
                    return Err(FleetError::OtherJob {
                        path: manifest.path().to_path_buf(),
                        recorded: recorded.clone(),
                        asked: spec,
                    });
                }
                (start_time.clone(), end_time.clone(), label.clone())
            }
            _ => {
                let now = self.now.unwrap_or_else(Timestamp::now);
                let Window { start, end, label } =
                    self.period.window(now, &self.zone, &self.api_zone)?;
                let (start, end) = (wire(start), wire(end));
                let record = Record::Job {
                    version: super::manifest::MANIFEST_VERSION,
                    spec,
                    start_time: start.clone(),
                    end_time: end.clone(),
                    label: label.clone(),
                    at: now.to_string(),
                };
                manifest.append(&record).await?;
                state.apply(&record);
                (start, end, label)
            }
        };

        // The project of each scope, in the order of the scopes.
        let mut projects = Vec::new();
        for scope in &self.scopes {
            let project = scope
                .client
                .resolve_project_id()
                .await
                .map_err(|source| FleetError::Plan {
                    context: format!("the project of {}", scope.region),
                    source,
                })?
                .to_owned();
            projects.push(project);
        }

        let scopes: BTreeMap<(&str, &str), &Scope> = self
            .scopes
            .iter()
            .zip(&projects)
            .map(|(s, p)| ((s.region.as_str(), p.as_str()), s))
            .collect();
        let runner = Runner {
            job: self,
            manifest: &manifest,
            on_event,
            learned: std::sync::Mutex::new(None),
        };
        let known: Vec<TaskState> = state.tasks.values().cloned().collect();
        sweep_partial_downloads(&self.out_dir, &known).await;

        let (mut outcomes, unresolved) = if state.plan_complete {
            on_event(Event::Planned {
                window: (start.clone(), end.clone()),
                tasks: state.tasks.len(),
                unresolved: state.unresolved.len(),
            });
            for u in state.unresolved.values() {
                on_event(Event::Unresolved(u.clone()));
            }
            let outcomes: Vec<Outcome> = futures::stream::iter(known)
                .map(|t| {
                    let scope = scopes
                        .get(&(t.task.region.as_str(), t.task.project_id.as_str()))
                        .copied();
                    runner.run(t, scope)
                })
                .buffer_unordered(self.concurrency)
                .collect()
                .await;
            // Instances that had no report are looked at again (their templates could not be
            // listed, or the template has been made since): those resolved now run as well.
            let mut again: Vec<(&Scope, String, String)> = Vec::new();
            for u in state.unresolved.values() {
                if let Some(scope) = scopes.get(&(u.region.as_str(), u.project_id.as_str()))
                    && !again.iter().any(|(_, _, i)| *i == u.instance_id)
                {
                    again.push((scope, u.project_id.clone(), u.instance_id.clone()));
                }
            }
            let window = (start.as_str(), end.as_str(), label.as_str());
            let mut records = Vec::new();
            for (scope, project, instance) in again {
                records.extend(self.resolve(scope, project, instance, None, window).await);
            }
            let new: Vec<Record> = records
                .into_iter()
                .filter(|r| matches!(r, Record::Planned(t) if !state.tasks.contains_key(&t.key)))
                .collect();
            manifest.append_all(&new).await?;
            let mut more = Vec::new();
            for record in &new {
                state.apply(record);
                if let Record::Planned(task) = record
                    && let Some(t) = state.tasks.get(&task.key)
                {
                    more.push(t.clone());
                }
            }
            let mut outcomes = outcomes;
            outcomes.extend(
                futures::stream::iter(more)
                    .map(|t| {
                        let scope = scopes
                            .get(&(t.task.region.as_str(), t.task.project_id.as_str()))
                            .copied();
                        runner.run(t, scope)
                    })
                    .buffer_unordered(self.concurrency)
                    .collect::<Vec<_>>()
                    .await,
            );
            (outcomes, state.unresolved.into_values().collect())
        } else {
            // Plan and run together: an instance's reports start as soon as its templates are
            // resolved (a plan cut short by a crash is made again; tasks it recorded go on
            // from their last step).
            let (targets, early) = self.targets(&projects).await?;
            manifest.append_all(&early).await?;
            let mut unresolved: Vec<Unresolved> = early
                .into_iter()
                .filter_map(|r| match r {
                    Record::Unresolved(u) => Some(u),
                    _ => None,
                })
                .collect();
            on_event(Event::Planned {
                window: (start.clone(), end.clone()),
                tasks: targets.len() * self.templates.len(),
                unresolved: unresolved.len(),
            });
            for u in &unresolved {
                on_event(Event::Unresolved(u.clone()));
            }
            let known: BTreeMap<String, TaskState> = state.tasks.clone();
            let window = (start.as_str(), end.as_str(), label.as_str());
            let results: Vec<(Vec<Outcome>, Vec<Unresolved>)> = futures::stream::iter(targets)
                .map(|(scope, project, id, name)| {
                    let (runner, known, manifest) = (&runner, &known, &manifest);
                    async move {
                        let records = self
                            .resolve(scope, project.to_owned(), id, name, window)
                            .await;
                        let new: Vec<Record> = records
                            .iter()
                            .filter(
                                |r| !matches!(r, Record::Planned(t) if known.contains_key(&t.key)),
                            )
                            .cloned()
                            .collect();
                        let recorded = manifest.append_all(&new).await;
                        let mut outcomes = Vec::new();
                        let mut unresolved = Vec::new();
                        for record in records {
                            match record {
                                Record::Planned(task) => {
                                    let state =
                                        known.get(&task.key).cloned().unwrap_or(TaskState {
                                            task,
                                            stage: Stage::Planned,
                                            last_error: None,
                                        });
                                    match &recorded {
                                        Ok(()) => {
                                            outcomes.push(runner.run(state, Some(scope)).await)
                                        }
                                        Err(e) => outcomes.push(Outcome {
                                            task: state.task,
                                            result: Err(e.to_string()),
                                        }),
                                    }
                                }
                                Record::Unresolved(u) => {
                                    (runner.on_event)(Event::Unresolved(u.clone()));
                                    unresolved.push(u);
                                }
                                _ => {}
                            }
                        }
                        (outcomes, unresolved)
                    }
                })
                .buffer_unordered(self.concurrency)
                .collect()
                .await;
            let mut outcomes = Vec::new();
            for (o, u) in results {
                outcomes.extend(o);
                unresolved.extend(u);
            }
            manifest
                .append(&Record::PlanComplete {
                    tasks: outcomes.len(),
                })
                .await?;
            (outcomes, unresolved)
        };
        outcomes.sort_by(|a, b| a.task.key.cmp(&b.task.key));
        Ok(Summary {
            window: (start, end),
            outcomes,
            unresolved,
        })
    }

    /// Selects the instances of every scope (read-only): each with its scope and project, in
    /// turn from each scope, and an [`Unresolved`] for each id no scope lists.
    async fn targets<'s>(
        &'s self,
        projects: &'s [String],
    ) -> Result<(Vec<Candidate<'s>>, Vec<Record>), FleetError> {
        let several = self.scopes.len() > 1;
        let targets: Vec<(&Scope, &str, String, Option<String>)> =
            select(&self.scopes, &self.selection)
                .await?
                .into_iter()
                .filter_map(|s| {
                    let scope = self.scopes.get(s.scope)?;
                    let project = projects.get(s.scope)?;
                    Some((scope, project.as_str(), s.instance_id, s.instance_name))
                })
                .collect();
        let mut records = Vec::new();
        if several {
            for id in &self.selection.instances {
                if !targets.iter().any(|(_, _, i, _)| i == id) {
                    for template in &self.templates {
                        records.push(Record::Unresolved(Unresolved {
                            region: self
                                .scopes
                                .iter()
                                .map(|s| s.region.as_str())
                                .collect::<Vec<_>>()
                                .join(","),
                            project_id: String::new(),
                            instance_id: id.clone(),
                            template: template.clone(),
                            reason: "no scope lists this instance".into(),
                        }));
                    }
                }
            }
        }
        // Round robin over the scopes, so that every region's throttle is used from the start.
        let mut by_scope: Vec<Vec<_>> = self.scopes.iter().map(|_| Vec::new()).collect();
        for target in targets {
            if let Some(i) = self.scopes.iter().position(|s| std::ptr::eq(s, target.0))
                && let Some(list) = by_scope.get_mut(i)
            {
                list.push(target);
            }
        }
        let mut queues: Vec<_> = by_scope.into_iter().map(Vec::into_iter).collect();
        let mut interleaved = Vec::new();
        loop {
            let before = interleaved.len();
            for queue in &mut queues {
                interleaved.extend(queue.next());
            }
            if interleaved.len() == before {
                break;
            }
        }
        Ok((interleaved, records))
    }

    /// The templates of one instance: a planned task per template found, or why not.
    async fn resolve(
        &self,
        scope: &Scope,
        project_id: String,
        instance_id: String,
        instance_name: Option<String>,
        (start, end, label): (&str, &str, &str),
    ) -> Vec<Record> {
        let unresolved = |template: &str, reason: String| {
            Record::Unresolved(Unresolved {
                region: scope.region.clone(),
                project_id: project_id.clone(),
                instance_id: instance_id.clone(),
                template: template.to_owned(),
                reason,
            })
        };
        let templates = match patiently(self.deadline, || {
            scope.client.list_templates(&instance_id).send()
        })
        .await
        {
            Ok(t) => t,
            Err(e) => {
                return self
                    .templates
                    .iter()
                    .map(|t| unresolved(t, format!("cannot list its templates: {e}")))
                    .collect();
            }
        };
        let mut wanted = self.templates.clone();
        wanted.sort();
        wanted.dedup();
        let mut records = Vec::new();
        for want in &wanted {
            let found = match resolve_template(&templates, want) {
                Ok(t) => t,
                Err(reason) => {
                    records.push(unresolved(want, reason));
                    continue;
                }
            };
            let (Some(template_id), Some(template_name)) = (found.id.clone(), found.name.clone())
            else {
                records.push(unresolved(want, "the template has no id or name".into()));
                continue;
            };
            let region = scope.region.clone();
            records.push(Record::Planned(Task {
                key: format!("{region}/{project_id}/{instance_id}/{template_id}"),
                stem: format!("{region}/{instance_id}/{template_id}_{label}"),
                region,
                project_id: project_id.clone(),
                instance_id: instance_id.clone(),
                instance_name: instance_name.clone(),
                template_id,
                template_name,
                start_time: start.to_owned(),
                end_time: end.to_owned(),
            }));
        }
        records
    }
}

/// An instance a [`Selection`] picked.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Selected {
    /// The index of its scope in the scopes given.
    pub scope: usize,
    /// The instance.
    pub instance_id: String,
    /// Its name, when it was listed.
    pub instance_name: Option<String>,
}

/// The instances `selection` picks in each scope, in the order of the scopes (each once per
/// scope). Ids given are used as they are with one scope; with several, an id belongs to the
/// scope that lists it (an id no scope lists is left out: compare with
/// [`Selection::instances`]).
pub async fn select(scopes: &[Scope], selection: &Selection) -> Result<Vec<Selected>, FleetError> {
    let pattern = selection.compiled()?;
    let mut picked = Vec::new();
    let several = scopes.len() > 1;
    for (index, scope) in scopes.iter().enumerate() {
        // Each listed instance with its name and its resource id: the tag search names
        // instances by the resource id (the `resource_id` of the instance list).
        let listed: Vec<(String, Option<String>, Option<String>)> = if selection.lists() || several
        {
            scope
                .client
                .list_audit_instances_last()
                .items()
                .try_filter_map(|i| {
                    std::future::ready(Ok(i.id.map(|id| (id, i.name, i.resource_id))))
                })
                .try_collect()
                .await
                .map_err(|source| FleetError::Plan {
                    context: format!("listing the instances of {}", scope.region),
                    source,
                })?
        } else {
            Vec::new()
        };
        let tagged: Option<HashSet<String>> = if selection.tags.is_empty() {
            None
        } else {
            Some(tagged(scope, &selection.tags).await?)
        };
        let mut seen = HashSet::new();
        let mut pick = |id: &str, name: Option<String>| {
            if seen.insert(id.to_owned()) {
                picked.push(Selected {
                    scope: index,
                    instance_id: id.to_owned(),
                    instance_name: name,
                });
            }
        };
        if selection.lists() {
            for (id, name, resource_id) in &listed {
                let matches = match &pattern {
                    Some(p) => name.as_deref().is_some_and(|n| p.matches(n)),
                    None => true,
                } && tagged.as_ref().is_none_or(|t| {
                    t.contains(id) || resource_id.as_ref().is_some_and(|r| t.contains(r))
                });
                if matches {
                    pick(id, name.clone());
                }
            }
        }
        for id in &selection.instances {
            match listed.iter().find(|(i, _, _)| i == id) {
                Some((_, name, _)) => pick(id, name.clone()),
                None if !several => pick(id, None),
                None => {}
            }
        }
    }
    Ok(picked)
}

/// The instances of `scope` with the tags (`list_resource_instance_by_tag`, every page).
async fn tagged(
    scope: &Scope,
    tags: &[(String, Vec<String>)],
) -> Result<HashSet<String>, FleetError> {
    let mut beans = Vec::new();
    for (key, values) in tags {
        let key = dbss_types::TagKeyValuesBeanKey::try_from(key.as_str()).map_err(|_| {
            ValidationError::new(
                "tags.key",
                Rule::Format {
                    expected: "a tag key of 1 to 128 characters",
                },
            )
        })?;
        beans.push(dbss_types::TagKeyValuesBean {
            key,
            values: values.clone(),
        });
    }
    let body = dbss_types::ResourceInstanceTagRequest {
        matches: Vec::new(),
        not_tags: Vec::new(),
        not_tags_any: Vec::new(),
        sys_tags: Vec::new(),
        tags: beans,
        tags_any: Vec::new(),
        without_any_tag: None,
    };
    scope
        .client
        .list_resource_instance_by_tag()
        .resource_type("auditInstance")
        .body(body)
        .items()
        .map_ok(|r| r.resource_id)
        .try_collect()
        .await
        .map_err(|source| FleetError::Plan {
            context: format!("listing the tagged instances of {}", scope.region),
            source,
        })
}

/// The template `want` names among an instance's templates: the one with that id, else the
/// only one with that name; else why not (naming the instance's templates).
pub fn resolve_template<'t>(
    templates: &'t [dbss_types::TemplateBean],
    want: &str,
) -> Result<&'t dbss_types::TemplateBean, String> {
    if let Some(t) = templates.iter().find(|t| t.id.as_deref() == Some(want)) {
        return Ok(t);
    }
    let by_name: Vec<_> = templates
        .iter()
        .filter(|t| t.name.as_deref() == Some(want))
        .collect();
    match by_name.as_slice() {
        [t] => Ok(t),
        [] => {
            let names: Vec<&str> = templates.iter().filter_map(|t| t.name.as_deref()).collect();
            Err(format!(
                "no template with this id or name (its templates: {})",
                names.join("; ")
            ))
        }
        _ => Err(format!(
            "{} templates have this name; give the id",
            by_name.len()
        )),
    }
}

/// An instance to plan: its scope, its project, its id and name.
type Candidate<'s> = (&'s Scope, &'s str, String, Option<String>);

/// Runs tasks for one job.
struct Runner<'a> {
    job: &'a Job,
    manifest: &'a Manifest,
    on_event: EventFn<'a>,
    /// How long reports take, learned from their progress (times the first poll).
    learned: std::sync::Mutex<Option<Duration>>,
}

/// The report a poll looks for.
enum Target {
    /// Not yet known: the oldest matching report not among these.
    New(HashSet<String>),
    /// This one.
    Known(String),
}

/// Whether the service said it did not process the request: throttled (429) or unavailable
/// (503). The client's own retries have given up; a fleet job waits longer.
fn not_processed(e: &Error) -> bool {
    matches!(e, Error::Service(s) if matches!(s.status, 429 | 503))
}

/// Runs `call` until it is not refused as [`not_processed`], pausing 0.5 s doubling to 8 s
/// (with jitter) between tries, as long as `deadline` allows.
async fn patiently<T, Fut>(deadline: Duration, mut call: impl FnMut() -> Fut) -> Result<T, Error>
where
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let started = Instant::now();
    let mut pause = Duration::from_millis(500);
    loop {
        match call().await {
            Err(e) if not_processed(&e) && started.elapsed() + pause < deadline => {
                tokio::time::sleep(pause.mul_f64(0.5 + fastrand::f64())).await;
                pause = (pause * 2).min(Duration::from_secs(8));
            }
            other => return other,
        }
    }
}

/// Whether an error says the create cannot have taken effect.
fn surely_not_sent(e: &Error) -> bool {
    match e {
        Error::Validation(_) | Error::Config(_) | Error::Credentials(_) => true,
        Error::Connection { request_sent, .. } => !request_sent,
        Error::Service(s) => (400..500).contains(&s.status),
        _ => false,
    }
}

fn now() -> String {
    Timestamp::now().to_string()
}

impl Runner<'_> {
    async fn run(&self, state: TaskState, scope: Option<&Scope>) -> Outcome {
        let task = Arc::new(state.task.clone());
        let result = match scope {
            Some(scope) => self.drive(&task, state.stage, scope).await,
            None => Err(format!(
                "no scope for region {} and project {} in this run",
                task.region, task.project_id
            )),
        };
        if let Err(error) = &result {
            let _ = self
                .manifest
                .append(&Record::Failed {
                    key: task.key.clone(),
                    error: error.clone(),
                })
                .await;
            self.step(
                &task,
                Step::Failed {
                    error: error.clone(),
                },
            );
        }
        Outcome {
            task: (*task).clone(),
            result,
        }
    }

    fn step(&self, task: &Arc<Task>, step: Step) {
        (self.on_event)(Event::Step {
            task: Arc::clone(task),
            step,
        });
    }

    async fn record(&self, record: Record) -> Result<(), String> {
        self.manifest
            .append(&record)
            .await
            .map_err(|e| e.to_string())
    }

    /// Notes in the manifest that `report_id` is about to be downloaded into `part` and then
    /// renamed to `path`, and returns that stage.
    async fn start_download(
        &self,
        task: &Task,
        report_id: String,
        part: String,
        path: String,
    ) -> Result<Stage, String> {
        self.record(Record::Downloading {
            key: task.key.clone(),
            report_id: report_id.clone(),
            part: part.clone(),
            path: path.clone(),
        })
        .await?;
        Ok(Stage::Downloading {
            report_id,
            part,
            path,
        })
    }

    /// The task from `stage` to its file.
    async fn drive(
        &self,
        task: &Arc<Task>,
        mut stage: Stage,
        scope: &Scope,
    ) -> Result<Done, String> {
        let client = &scope.client;
        let out_dir = &self.job.out_dir;
        let mut creates = 0u32;
        let mut earlier = true;
        // When this run's create was accepted, and the finished report once polled.
        let mut created_at: Option<Instant> = None;
        let mut ready: Option<ReportBean> = None;
        loop {
            stage = match stage {
                Stage::Planned => {
                    earlier = false;
                    creates += 1;
                    if creates > self.job.max_creates {
                        return Err(format!(
                            "the create did not take effect after {} attempts",
                            self.job.max_creates
                        ));
                    }
                    let existing = self.matching(client, task, &HashSet::new()).await?;
                    let existing: Vec<String> = existing.into_iter().filter_map(|r| r.id).collect();
                    self.record(Record::Creating {
                        key: task.key.clone(),
                        at: now(),
                        existing: existing.clone(),
                    })
                    .await?;
                    self.step(task, Step::Creating);
                    // A 429 or 503 says the create was not processed: sent again after a pause.
                    let sent = patiently(self.job.deadline, || {
                        client
                            .create_report(&task.instance_id)
                            .template(&task.template_id)
                            .time_range(task.start_time.as_str(), task.end_time.as_str())
                            .send()
                    })
                    .await;
                    match sent {
                        Ok(created) => {
                            created_at = Some(Instant::now());
                            self.record(Record::Created {
                                key: task.key.clone(),
                                at: now(),
                                request_id: created.request_id,
                            })
                            .await?;
                            self.step(task, Step::Created);
                            Stage::Created { existing }
                        }
                        Err(e) if surely_not_sent(&e) => {
                            self.record(Record::NotCreated {
                                key: task.key.clone(),
                            })
                            .await?;
                            return Err(format!("create: {e}"));
                        }
                        Err(e) => {
                            tracing::debug!(key = %task.key, error = %e, "create outcome unknown");
                            self.step(
                                task,
                                Step::Recreating {
                                    reason: e.to_string(),
                                },
                            );
                            Stage::Creating { existing }
                        }
                    }
                }
                Stage::Creating { existing } => {
                    // The create may or may not have reached the service: look before
                    // anything is sent again.
                    let existing_set: HashSet<String> = existing.iter().cloned().collect();
                    match self
                        .matching(client, task, &existing_set)
                        .await?
                        .pop()
                        .and_then(|r| r.id)
                    {
                        Some(report_id) => {
                            self.found(task, &report_id).await?;
                            Stage::Found { report_id }
                        }
                        None => {
                            self.record(Record::NotCreated {
                                key: task.key.clone(),
                            })
                            .await?;
                            Stage::Planned
                        }
                    }
                }
                Stage::Created { existing } => {
                    let existing: HashSet<String> = existing.into_iter().collect();
                    let (report_id, report) = self
                        .wait_ready(client, task, Target::New(existing), created_at)
                        .await?;
                    ready = Some(report);
                    Stage::Found { report_id }
                }
                Stage::Found { report_id } => {
                    earlier = false;
                    let report = match ready.take() {
                        Some(r) if r.id.as_deref() == Some(report_id.as_str()) => r,
                        _ => {
                            self.wait_ready(client, task, Target::Known(report_id.clone()), None)
                                .await?
                                .1
                        }
                    };
                    let ext = report
                        .format
                        .map(|f| f.to_string().to_ascii_lowercase())
                        .unwrap_or_else(|| "pdf".into());
                    let path = format!("{}.{ext}", task.stem);
                    let part = part_of(&path);
                    self.start_download(task, report_id, part, path).await?
                }
                Stage::Downloading {
                    report_id,
                    part,
                    path,
                } => {
                    earlier = false;
                    let part_path = out_dir.join(&part);
                    // The part file appears only complete (it is renamed into place by the
                    // download): one that is there was downloaded before a crash.
                    let (bytes, sha256) = match hash_file(&part_path).await {
                        Ok(done) => done,
                        Err(_) => self.download(client, task, &report_id, &part_path).await?,
                    };
                    self.record(Record::Downloaded {
                        key: task.key.clone(),
                        report_id: report_id.clone(),
                        part: part.clone(),
                        path: path.clone(),
                        bytes,
                        sha256: sha256.clone(),
                    })
                    .await?;
                    Stage::Downloaded {
                        report_id,
                        part,
                        path,
                        bytes,
                        sha256,
                    }
                }
                Stage::Downloaded {
                    report_id,
                    part,
                    path,
                    bytes,
                    sha256,
                } => {
                    let final_path = out_dir.join(&path);
                    let part_path = out_dir.join(&part);
                    if tokio::fs::try_exists(&part_path).await.unwrap_or(false) {
                        tokio::fs::rename(&part_path, &final_path)
                            .await
                            .map_err(|e| format!("cannot move {}: {e}", part_path.display()))?;
                        sync_dir(final_path.parent()).await;
                    }
                    match tokio::fs::metadata(&final_path).await {
                        Ok(m) if m.len() == bytes => {
                            if earlier {
                                self.step(task, Step::AlreadyDone);
                            } else {
                                self.step(
                                    task,
                                    Step::Downloaded {
                                        path: final_path.clone(),
                                        bytes,
                                    },
                                );
                            }
                            return Ok(Done {
                                report_id,
                                path: final_path,
                                bytes,
                                sha256,
                                earlier,
                            });
                        }
                        _ => {
                            // The file was removed or changed since: fetch it again.
                            earlier = false;
                            self.start_download(task, report_id, part, path).await?
                        }
                    }
                }
            };
        }
    }

    /// Records the task's report as found.
    async fn found(&self, task: &Arc<Task>, report_id: &str) -> Result<(), String> {
        self.record(Record::Found {
            key: task.key.clone(),
            report_id: report_id.to_owned(),
        })
        .await?;
        self.step(
            task,
            Step::Found {
                report_id: report_id.to_owned(),
            },
        );
        Ok(())
    }

    /// The instance's reports that match the task and are not in `except`, newest first.
    async fn matching(
        &self,
        client: &DbssClient,
        task: &Task,
        except: &HashSet<String>,
    ) -> Result<Vec<ReportBean>, String> {
        let reports = self.list(client, task).await?;
        Ok(reports
            .into_iter()
            .filter(|r| r.id.as_ref().is_some_and(|id| !except.contains(id)))
            .collect())
    }

    /// The instance's reports that match the task, newest first; throttling waited out.
    async fn list(&self, client: &DbssClient, task: &Task) -> Result<Vec<ReportBean>, String> {
        patiently(self.job.deadline, || {
            client
                .list_reports(&task.instance_id)
                .page_size(crate::MAX_PAGE_SIZE)
                .stream()
                .try_filter(|r| std::future::ready(matches(task, r)))
                .try_collect()
        })
        .await
        .map_err(|e| format!("listing the reports: {e}"))
    }

    /// Polls the instance's reports until the task's report is listed finished; records it as
    /// found as soon as it is identified. The next poll is timed by the report's progress
    /// (`percentum` over the time since the create: the remaining time at that pace), else by
    /// what earlier reports took, else by backoff.
    async fn wait_ready(
        &self,
        client: &DbssClient,
        task: &Arc<Task>,
        mut target: Target,
        created_at: Option<Instant>,
    ) -> Result<(String, ReportBean), String> {
        let started = Instant::now();
        let (first, max) = self.job.poll;
        let mut backoff = first;
        let mut last = None;
        // Right after a create the report is not finished: wait for what reports take.
        let mut wait = match created_at {
            Some(_) => self.estimate().unwrap_or(first).min(max),
            None => Duration::ZERO,
        };
        loop {
            if started.elapsed() + wait > self.job.deadline {
                return Err(format!(
                    "the report was not ready within {:?}",
                    self.job.deadline
                ));
            }
            tokio::time::sleep(wait).await;
            let reports = self.list(client, task).await?;
            let report = match &target {
                Target::Known(id) => reports.iter().find(|r| r.id.as_deref() == Some(id)),
                // The oldest new one (the list is newest first).
                Target::New(existing) => reports
                    .iter()
                    .rev()
                    .find(|r| r.id.as_ref().is_some_and(|id| !existing.contains(id))),
            }
            .cloned();
            let Some(report) = report else {
                wait = backoff;
                backoff = backoff.mul_f64(1.5).min(max);
                continue;
            };
            let id = report
                .id
                .clone()
                .ok_or_else(|| "the report found has no id".to_owned())?;
            if let Target::New(_) = target {
                self.found(task, &id).await?;
                target = Target::Known(id.clone());
            }
            let percent = report.percentum.unwrap_or(0).clamp(0, 100) as u8;
            if last != Some(percent) {
                last = Some(percent);
                self.step(task, Step::Progress { percent });
            }
            if percent >= 100 {
                return Ok((id, report));
            }
            wait = match created_at {
                Some(at) if percent > 0 => {
                    let elapsed = at.elapsed();
                    let total = elapsed.mul_f64(100.0 / f64::from(percent));
                    self.learn(total);
                    // The rest at this pace, and a little more: a poll just early costs a
                    // request.
                    total
                        .saturating_sub(elapsed)
                        .mul_f64(1.05)
                        .max(Duration::from_millis(20))
                        .min(max)
                }
                _ => {
                    let w = backoff;
                    backoff = backoff.mul_f64(1.5).min(max);
                    w
                }
            };
        }
    }

    /// How long reports took so far (from their progress), if any was seen.
    fn estimate(&self) -> Option<Duration> {
        *self.learned.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn learn(&self, total: Duration) {
        let mut learned = self.learned.lock().unwrap_or_else(PoisonError::into_inner);
        *learned = Some(match *learned {
            Some(old) => old.mul_f64(0.7) + total.mul_f64(0.3),
            None => total,
        });
    }

    async fn download(
        &self,
        client: &DbssClient,
        task: &Arc<Task>,
        report_id: &str,
        part_path: &Path,
    ) -> Result<(u64, String), String> {
        if let Some(dir) = part_path.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let saved = patiently(self.job.deadline, || {
            let mut request = client
                .download_report(&task.instance_id, report_id)
                .sha256(true)
                .on_progress({
                    let task = Arc::clone(task);
                    let on_event = self.on_event;
                    let mut shown = 0u64;
                    move |bytes, total| {
                        // At most one event per MiB (and the last one).
                        if bytes - shown >= 1 << 20 || Some(bytes) == total {
                            shown = bytes;
                            on_event(Event::Step {
                                task: Arc::clone(&task),
                                step: Step::Downloading { bytes, total },
                            });
                        }
                    }
                });
            if let Some(locale) = self.job.locale {
                request = request.locale(locale);
            }
            request.to_file(part_path)
        })
        .await
        .map_err(|e| format!("download: {e}"))?;
        sync_dir(part_path.parent()).await;
        let sha256 = saved
            .sha256
            .ok_or_else(|| "the download has no checksum".to_owned())?;
        Ok((saved.bytes, sha256))
    }
}

/// Whether `r` is a report the task's create makes: real time, the template's name, the window.
fn matches(task: &Task, r: &ReportBean) -> bool {
    r.type_ == Some(ReportType::AuditReportRealTime)
        && r.name.as_deref() == Some(task.template_name.as_str())
        && r.start_time.as_deref() == Some(task.start_time.as_str())
        && r.end_time.as_deref() == Some(task.end_time.as_str())
}

/// `dir/.name.part` for `dir/name`.
fn part_of(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, name)) => format!("{dir}/.{name}.part"),
        None => format!(".{path}.part"),
    }
}

/// The size and SHA-256 of a file (read in a blocking task).
async fn hash_file(path: &Path) -> std::io::Result<(u64, String)> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        use sha2::Digest;
        let mut file = std::fs::File::open(&path)?;
        let mut hasher = sha2::Sha256::new();
        let bytes = std::io::copy(&mut file, &mut hasher)?;
        Ok((bytes, hex::encode(hasher.finalize())))
    })
    .await
    .map_err(std::io::Error::other)?
}

/// Removes what downloads cut short by a crash left in the tasks' folders: the temporary files
/// of `to_file` (`.dbss-download-*`), never renamed. Run while no download is under way (this
/// run holds the manifest's lock, and its tasks have not started).
async fn sweep_partial_downloads(out_dir: &Path, tasks: &[TaskState]) {
    let dirs: std::collections::BTreeSet<PathBuf> = tasks
        .iter()
        .filter_map(|t| out_dir.join(&t.task.stem).parent().map(Path::to_path_buf))
        .collect();
    for dir in dirs {
        let Ok(mut entries) = tokio::fs::read_dir(&dir).await else {
            continue;
        };
        while let Ok(Some(entry)) = entries.next_entry().await {
            if entry
                .file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(".dbss-download-"))
            {
                let _ = tokio::fs::remove_file(entry.path()).await;
            }
        }
    }
}

/// Flushes a folder's entries (a rename in it) to disk; best effort.
async fn sync_dir(dir: Option<&Path>) {
    if let Some(dir) = dir.map(Path::to_path_buf) {
        let _ = tokio::task::spawn_blocking(move || {
            std::fs::File::open(&dir).and_then(|d| d.sync_all())
        })
        .await;
    }
}
