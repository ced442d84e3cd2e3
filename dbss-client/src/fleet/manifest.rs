//! The manifest: a JSON-lines journal of a fleet job, one [`Record`] a line, each appended and
//! flushed to disk (`fsync`) before the step it announces is taken, so that a run that stops
//! anywhere (a crash, SIGKILL, Ctrl-C, a lost connection) can be resumed without sending a
//! create twice or downloading a file twice.
//!
//! The file is locked (an exclusive advisory lock, `flock` on Unix) for as long as the
//! [`Manifest`] lives: a second run on the same file refuses to start. A last line cut short by
//! a crash was never complete on disk, so the step it announced was never taken: it is dropped
//! when the file is opened.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use super::FleetError;

/// The format version written in the [`Record::Job`] line.
pub const MANIFEST_VERSION: u32 = 1;

/// One report to make: an instance of a region and project, a template, the window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Task {
    /// `region/project/instance/template`: unique within a job, stable across runs.
    pub key: String,
    /// The region label of the instance's scope (the folder under the output folder).
    pub region: String,
    /// The project of the instance.
    pub project_id: String,
    /// The audit instance.
    pub instance_id: String,
    /// The instance's name, when it was listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_name: Option<String>,
    /// The template the report is made from.
    pub template_id: String,
    /// Its name (the service names the report after it).
    pub template_name: String,
    /// `start_time` as sent.
    pub start_time: String,
    /// `end_time` as sent.
    pub end_time: String,
    /// The file's path under the output folder, without the extension (which comes from the
    /// finished report's format): `region/instance/template_period`.
    pub stem: String,
}

/// An instance the job could not plan a report for (no template matched, or its templates
/// could not be listed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Unresolved {
    /// The region label of the instance's scope.
    pub region: String,
    /// The project of the instance.
    pub project_id: String,
    /// The instance.
    pub instance_id: String,
    /// The template asked for (id or name).
    pub template: String,
    /// Why no report was planned.
    pub reason: String,
}

/// One line of the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Record {
    /// The first line: the job as asked and its window, fixed at the first run.
    Job {
        /// [`MANIFEST_VERSION`].
        version: u32,
        /// The job as asked (period, templates, selection): a later run must ask the same.
        spec: String,
        /// `start_time` of every report.
        start_time: String,
        /// `end_time` of every report.
        end_time: String,
        /// The period's label in file names.
        label: String,
        /// When the job was first run (RFC 3339).
        at: String,
    },
    /// A report to make.
    Planned(Task),
    /// An instance without a report to make (see [`Unresolved`]).
    Unresolved(Unresolved),
    /// Every instance is planned: a later run takes the plan from here.
    PlanComplete {
        /// How many reports were planned.
        tasks: usize,
    },
    /// About to send the create (written before it is sent). `existing` are the reports of
    /// the instance that matched the task just before: a matching report not among them was
    /// made by this create.
    Creating {
        /// The task.
        key: String,
        /// When (RFC 3339).
        at: String,
        /// Ids of the matching reports that already existed.
        existing: Vec<String>,
    },
    /// The service accepted the create.
    Created {
        /// The task.
        key: String,
        /// When (RFC 3339).
        at: String,
        /// The `X-Request-Id` of the answer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// A create whose outcome is unknown (an error after it may have reached the service)
    /// was looked for among the instance's reports and is not there: it did not take effect,
    /// and the task may be created again.
    NotCreated {
        /// The task.
        key: String,
    },
    /// The task's report, found among the instance's reports.
    Found {
        /// The task.
        key: String,
        /// The report's id.
        report_id: String,
    },
    /// About to download the finished report into `part` (renamed to `path` once recorded
    /// as downloaded).
    Downloading {
        /// The task.
        key: String,
        /// The report.
        report_id: String,
        /// The complete download before its rename, relative to the output folder.
        part: String,
        /// The file, relative to the output folder.
        path: String,
    },
    /// The report is downloaded: `part` holds it (until renamed to `path`).
    Downloaded {
        /// The task.
        key: String,
        /// The report.
        report_id: String,
        /// As in [`Record::Downloading`].
        part: String,
        /// The file, relative to the output folder.
        path: String,
        /// Its size.
        bytes: u64,
        /// Its SHA-256, lowercase hex.
        sha256: String,
    },
    /// A step of the task failed in this run (a later run goes on from the last step taken).
    Failed {
        /// The task.
        key: String,
        /// What went wrong.
        error: String,
    },
}

/// Where a task stands, from the manifest's lines.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// Nothing sent yet.
    Planned,
    /// A create was (maybe) sent; its outcome is unknown.
    Creating {
        /// The matching reports before it.
        existing: Vec<String>,
    },
    /// The service accepted the create; the report is still to be found.
    Created {
        /// The matching reports before it.
        existing: Vec<String>,
    },
    /// The report is known.
    Found {
        /// Its id.
        report_id: String,
    },
    /// A download was started.
    Downloading {
        /// The report.
        report_id: String,
        /// The part file.
        part: String,
        /// The final file.
        path: String,
    },
    /// Downloaded (renamed to `path`, or about to be).
    Downloaded {
        /// The report.
        report_id: String,
        /// The part file.
        part: String,
        /// The final file.
        path: String,
        /// Its size.
        bytes: u64,
        /// Its SHA-256.
        sha256: String,
    },
}

/// A task and where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskState {
    /// The task.
    pub task: Task,
    /// Its last step.
    pub stage: Stage,
    /// The last failure recorded, if the task did not get further since.
    pub last_error: Option<String>,
}

/// What a manifest says, folded from its lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ManifestState {
    /// The [`Record::Job`] line, if written.
    pub job: Option<Record>,
    /// Every planned task by key, in key order.
    pub tasks: BTreeMap<String, TaskState>,
    /// Instances without a report, by `region/project/instance/template`.
    pub unresolved: BTreeMap<String, Unresolved>,
    /// Whether planning finished.
    pub plan_complete: bool,
}

impl ManifestState {
    /// Folds the records, oldest first. A record about an unknown task is ignored.
    pub fn from_records<'a>(records: impl IntoIterator<Item = &'a Record>) -> Self {
        let mut state = Self::default();
        for record in records {
            state.apply(record);
        }
        state
    }

    fn advance(&mut self, key: &str, stage: Option<Stage>, error: Option<&str>) {
        if let Some(t) = self.tasks.get_mut(key) {
            if let Some(stage) = stage {
                t.stage = stage;
                t.last_error = None;
            }
            if let Some(error) = error {
                t.last_error = Some(error.to_owned());
            }
        }
    }

    /// Applies one record.
    pub fn apply(&mut self, record: &Record) {
        match record {
            Record::Job { .. } => self.job = Some(record.clone()),
            Record::Planned(task) => {
                // An instance that had no report for this template has one now.
                self.unresolved.retain(|_, u| {
                    !(u.region == task.region
                        && u.project_id == task.project_id
                        && u.instance_id == task.instance_id
                        && (u.template == task.template_id || u.template == task.template_name))
                });
                self.tasks
                    .entry(task.key.clone())
                    .or_insert_with(|| TaskState {
                        task: task.clone(),
                        stage: Stage::Planned,
                        last_error: None,
                    });
            }
            Record::Unresolved(u) => {
                let key = format!(
                    "{}/{}/{}/{}",
                    u.region, u.project_id, u.instance_id, u.template
                );
                self.unresolved.insert(key, u.clone());
            }
            Record::PlanComplete { .. } => self.plan_complete = true,
            Record::Creating { key, existing, .. } => self.advance(
                key,
                Some(Stage::Creating {
                    existing: existing.clone(),
                }),
                None,
            ),
            Record::Created { key, .. } => {
                let existing = match self.tasks.get(key).map(|t| &t.stage) {
                    Some(Stage::Creating { existing }) => existing.clone(),
                    _ => Vec::new(),
                };
                self.advance(key, Some(Stage::Created { existing }), None)
            }
            Record::NotCreated { key } => self.advance(key, Some(Stage::Planned), None),
            Record::Found { key, report_id } => self.advance(
                key,
                Some(Stage::Found {
                    report_id: report_id.clone(),
                }),
                None,
            ),
            Record::Downloading {
                key,
                report_id,
                part,
                path,
            } => self.advance(
                key,
                Some(Stage::Downloading {
                    report_id: report_id.clone(),
                    part: part.clone(),
                    path: path.clone(),
                }),
                None,
            ),
            Record::Downloaded {
                key,
                report_id,
                part,
                path,
                bytes,
                sha256,
            } => self.advance(
                key,
                Some(Stage::Downloaded {
                    report_id: report_id.clone(),
                    part: part.clone(),
                    path: path.clone(),
                    bytes: *bytes,
                    sha256: sha256.clone(),
                }),
                None,
            ),
            Record::Failed { key, error } => self.advance(key, None, Some(error)),
        }
    }
}

/// An open, locked manifest that records are appended to.
///
/// Appends made at the same time share one write and one `fsync` (group commit): each returns
/// once its own line is on disk, and a fleet of tasks does not queue behind one `fsync` each.
#[derive(Debug, Clone)]
pub struct Manifest {
    path: PathBuf,
    file: Arc<File>,
    /// Lines waiting for the next commit, each with whom to tell.
    pending: Arc<Mutex<Pending>>,
    /// Held by the task that commits.
    writer: Arc<tokio::sync::Mutex<()>>,
}

/// Tells an append how its commit went.
type Committed = tokio::sync::oneshot::Sender<Result<(), String>>;

/// Lines to write, each with the append to tell.
type Pending = Vec<(Vec<u8>, Committed)>;

impl Manifest {
    /// Opens (or creates) the manifest at `path`, locks it and reads its records. A second
    /// [`Manifest`] on the same file, in this process or another, is refused with
    /// [`FleetError::ManifestLocked`] until this one is dropped.
    pub fn open(path: impl AsRef<Path>) -> Result<(Self, Vec<Record>), FleetError> {
        let path = path.as_ref().to_path_buf();
        let io = |what: &str, e: std::io::Error| FleetError::Manifest {
            path: path.clone(),
            message: format!("{what}: {e}"),
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| io("cannot create its folder", e))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| io("cannot open", e))?;
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                return Err(FleetError::ManifestLocked { path });
            }
            Err(fs4::TryLockError::Error(e)) => return Err(io("cannot lock", e)),
        }
        let mut text = String::new();
        file.read_to_string(&mut text)
            .map_err(|e| io("cannot read", e))?;
        // A last line without its newline was cut short: never complete on disk, so the
        // step it announced was never taken. Drop it before appending.
        let complete = text.rfind('\n').map_or(0, |i| i + 1);
        if complete < text.len() {
            file.set_len(complete as u64)
                .map_err(|e| io("cannot drop a torn last line", e))?;
            text.truncate(complete);
        }
        file.seek(SeekFrom::End(0))
            .map_err(|e| io("cannot seek", e))?;
        let mut records = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let record = serde_json::from_str(line).map_err(|e| FleetError::Manifest {
                path: path.clone(),
                message: format!("line {} is not a manifest record: {e}", n + 1),
            })?;
            records.push(record);
        }
        Ok((
            Self {
                path,
                file: Arc::new(file),
                pending: Arc::default(),
                writer: Arc::default(),
            },
            records,
        ))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `record` as one line and waits until it is on disk.
    pub async fn append(&self, record: &Record) -> Result<(), FleetError> {
        self.append_all(std::slice::from_ref(record)).await
    }

    /// Appends `records`, a line each, and waits until they are on disk (one commit).
    pub async fn append_all(&self, records: &[Record]) -> Result<(), FleetError> {
        let mut waiting = Vec::with_capacity(records.len());
        let mut lines = Vec::with_capacity(records.len());
        for record in records {
            let mut line = serde_json::to_vec(record).map_err(|e| FleetError::Manifest {
                path: self.path.clone(),
                message: format!("cannot encode a record: {e}"),
            })?;
            line.push(b'\n');
            let (done, committed) = tokio::sync::oneshot::channel();
            lines.push((line, done));
            waiting.push(committed);
        }
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(lines);
        {
            let _writer = self.writer.lock().await;
            // A commit made while this append waited for the writer may have taken its lines;
            // committing again costs nothing then (nothing is pending, or others' lines are).
            self.commit().await;
        }
        for committed in waiting {
            committed
                .await
                .unwrap_or_else(|_| Err("the commit was dropped".into()))
                .map_err(|message| FleetError::Manifest {
                    path: self.path.clone(),
                    message: format!("cannot write: {message}"),
                })?;
        }
        Ok(())
    }

    /// Writes every pending line at once, flushes them to disk and tells their appends.
    async fn commit(&self) {
        let batch =
            std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner));
        if batch.is_empty() {
            return;
        }
        let (lines, tells): (Vec<Vec<u8>>, Vec<Committed>) = batch.into_iter().unzip();
        let file = Arc::clone(&self.file);
        let written = tokio::task::spawn_blocking(move || {
            let mut file = &*file;
            file.write_all(&lines.concat())?;
            file.sync_data()
        })
        .await;
        let result = match written {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        for tell in tells {
            let _ = tell.send(result.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn task(key: &str) -> Task {
        Task {
            key: key.into(),
            region: "r".into(),
            project_id: "p".into(),
            instance_id: "i".into(),
            instance_name: None,
            template_id: "t".into(),
            template_name: "T".into(),
            start_time: "2025-01-01 00:00:00".into(),
            end_time: "2025-02-01 00:00:00".into(),
            stem: "r/i/t_2025-01".into(),
        }
    }

    #[tokio::test]
    async fn records_survive_a_reopen_and_a_torn_last_line_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.jsonl");
        {
            let (m, records) = Manifest::open(&path).unwrap();
            assert!(records.is_empty());
            m.append(&Record::Planned(task("a"))).await.unwrap();
            m.append(&Record::Creating {
                key: "a".into(),
                at: "now".into(),
                existing: vec!["old".into()],
            })
            .await
            .unwrap();
        }
        // A crash in the middle of a write.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"event":"created","key":"a""#).unwrap();
        drop(f);
        let (m, records) = Manifest::open(&path).unwrap();
        assert_eq!(records.len(), 2);
        let state = ManifestState::from_records(&records);
        assert_eq!(
            state.tasks["a"].stage,
            Stage::Creating {
                existing: vec!["old".into()]
            }
        );
        m.append(&Record::Created {
            key: "a".into(),
            at: "later".into(),
            request_id: None,
        })
        .await
        .unwrap();
        drop(m);
        let (_m, records) = Manifest::open(&path).unwrap();
        let state = ManifestState::from_records(&records);
        assert_eq!(
            state.tasks["a"].stage,
            Stage::Created {
                existing: vec!["old".into()]
            }
        );
    }

    #[test]
    fn a_second_open_is_refused_while_the_first_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.jsonl");
        let first = Manifest::open(&path).unwrap();
        let second = Manifest::open(&path).unwrap_err();
        assert!(
            matches!(&second, FleetError::ManifestLocked { path: p } if *p == path),
            "{second}"
        );
        assert!(second.to_string().contains("another run"), "{second}");
        drop(first);
        assert!(Manifest::open(&path).is_ok());
    }

    #[test]
    fn a_corrupt_line_is_refused_with_its_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.jsonl");
        std::fs::write(
            &path,
            "{\"event\":\"plan_complete\",\"tasks\":0}\nnot json\n",
        )
        .unwrap();
        let e = Manifest::open(&path).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
    }

    #[test]
    fn stages_follow_the_records() {
        let records = vec![
            Record::Planned(task("a")),
            Record::Creating {
                key: "a".into(),
                at: "t".into(),
                existing: vec![],
            },
            Record::NotCreated { key: "a".into() },
            Record::Failed {
                key: "a".into(),
                error: "boom".into(),
            },
        ];
        let state = ManifestState::from_records(&records);
        assert_eq!(state.tasks["a"].stage, Stage::Planned);
        assert_eq!(state.tasks["a"].last_error.as_deref(), Some("boom"));
        let line = serde_json::to_string(&records[1]).unwrap();
        assert!(
            line.starts_with(r#"{"event":"creating","key":"a""#),
            "{line}"
        );
    }
}
