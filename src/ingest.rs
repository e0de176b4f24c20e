//! Applying one command file, start to end: read, decode, parse, plan against the database,
//! apply in one transaction, then archive the input and write the tryback and the report.
//!
//! Order of the steps, and why:
//! 1. Everything that can reject the file (size, encoding, header) runs before the database is
//!    touched.
//! 2. The snapshot is read, the writes made and the course enrolments that follow them brought
//!    up to date in one transaction; a database error rolls the whole file back and the input
//!    stays where it is. A dry run does all of it and rolls back, so that its figures are exact.
//! 3. Only after the commit is the input archived (the bytes that were applied) and the tryback
//!    written, so an archived file is always an applied file.
//! 4. The report is written last, naming the other outputs; every run gets one. If an output
//!    could not be written after the commit, the report says so and the run ends with the
//!    file system's exit code.

use std::{
    fs,
    io::ErrorKind,
    path::{Path, PathBuf},
    time::Instant,
};

use chrono::{DateTime, Local, SecondsFormat, Utc};
use sha2::{Digest, Sha256};
use tracing::{error, info, warn};

use crate::{
    command::{self, FileKind, ParseSettings, ParsedFile, binding, cohort},
    config::{Config, encoding_setting_label},
    db::{Db, DbError, Touched},
    error::{Fatal, FileError},
    input::{DelimiterSetting, SourceFormat, Table, delimiter_label, read_table},
    outcome::{FileOutcome, Totals},
    output::{
        atomic::{self, FileStamp, InputLeft, Namer},
        naming,
        report::{self, InputInfo, Outputs, Report, ReportContext, RunStatus, SettingsInfo},
        tryback,
    },
};

/// How to run a file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Compute and report everything, change nothing.
    pub dry_run: bool,
    /// The kind of file, when not told by its name (`--kind`).
    pub kind: Option<FileKind>,
}

/// What a run did, for the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    /// How the file ended.
    pub status: RunStatus,
    /// Line and effect counts, when lines were read.
    pub totals: Option<Totals>,
    /// Why the file was rejected or rolled back.
    pub error: Option<String>,
    /// Outputs that could not be written after the file was applied.
    pub problems: Vec<String>,
    /// The text report.
    pub report: PathBuf,
    /// The JSON report.
    pub report_json: PathBuf,
    /// The tryback, if one was written.
    pub tryback: Option<PathBuf>,
    /// The archived input, if it was archived.
    pub archive: Option<PathBuf>,
}

impl RunSummary {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        report::exit_code(self.status, &self.problems)
    }
}

/// Runs the command file at `path`, of the kind its name (or `options.kind`) tells.
#[tracing::instrument(skip_all, fields(file = %path.display()))]
pub async fn run_file(
    config: &Config,
    db: &Db,
    path: &Path,
    options: RunOptions,
) -> Result<RunSummary, Fatal> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .ok_or_else(|| Fatal::Usage(format!("{} is not a file", path.display())))?;
    let kind = match options.kind.or_else(|| config.routing.kind_of(&name)) {
        Some(kind) => kind,
        None => {
            return Err(Fatal::Usage(format!(
                "cannot tell what kind of command file {name} is from its name ({}); rename it or run it with --kind",
                config.routing.describe()
            )));
        }
    };
    let mut run = Run {
        config,
        db,
        kind,
        options,
        path,
        started: Local::now(),
        clock: Instant::now(),
        input: InputInfo {
            // Reports name the input by its absolute path: they are read long after, from
            // elsewhere.
            path: std::path::absolute(path)
                .unwrap_or_else(|_| path.to_path_buf())
                .display()
                .to_string(),
            name,
            size: 0,
            sha256: None,
        },
        format: None,
    };

    let input = match read_input(path, config.input.max_file_bytes) {
        Ok(input) => input,
        Err(ReadFailure::Missing) => {
            return Err(Fatal::Usage(format!("no such file: {}", path.display())));
        }
        Err(ReadFailure::File(problem, size)) => {
            run.input.size = size;
            return run.finish(Ended::Rejected(problem.to_string()));
        }
    };
    run.input.size = input.bytes.len() as u64;
    run.input.sha256 = Some(
        Sha256::digest(&input.bytes)
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect(),
    );
    info!(
        size = run.input.size,
        sha256 = run.input.sha256.as_deref().unwrap_or_default(),
        dry_run = options.dry_run,
        "File picked"
    );

    let table = match read_table(&input.bytes, &config.input.read) {
        Ok(table) => table,
        Err(problem) => return run.finish(Ended::Rejected(problem.to_string())),
    };
    run.format = Some(table.format);
    let settings = ParseSettings {
        cohorts: &config.cohorts,
        bindings: &config.bindings,
        routing: &config.routing,
    };
    let file = match command::parse(kind, &table, settings) {
        Ok(file) => file,
        Err(problem) => return run.finish(Ended::Rejected(problem.to_string())),
    };
    let outcome = match apply(config, db, &file, options).await {
        Ok(outcome) => outcome,
        Err(problem) => return run.finish(Ended::RolledBack(problem.to_string())),
    };
    for line in outcome.failed() {
        if let Err(problem) = &line.result {
            warn!(line = line.line, "Line failed: {problem}");
        }
    }
    run.finish(Ended::Applied {
        outcome: &outcome,
        table: &table,
        input: &input,
    })
}

/// A file as read: its bytes, and its stamp to tell later whether it changed.
struct Input {
    bytes: Vec<u8>,
    stamp: FileStamp,
}

enum ReadFailure {
    Missing,
    File(FileError, u64),
}

fn read_input(path: &Path, max: u64) -> Result<Input, ReadFailure> {
    let metadata = match fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == ErrorKind::NotFound => return Err(ReadFailure::Missing),
        Err(error) => return Err(ReadFailure::File(FileError::Unreadable(error), 0)),
    };
    if !metadata.is_file() {
        let error = std::io::Error::new(ErrorKind::InvalidInput, "not a regular file");
        return Err(ReadFailure::File(FileError::Unreadable(error), 0));
    }
    if metadata.len() > max {
        let too_large = FileError::TooLarge {
            size: metadata.len(),
            max,
        };
        return Err(ReadFailure::File(too_large, metadata.len()));
    }
    match fs::read(path) {
        Ok(bytes) => Ok(Input {
            bytes,
            stamp: FileStamp::of(&metadata),
        }),
        Err(error) => Err(ReadFailure::File(
            FileError::Unreadable(error),
            metadata.len(),
        )),
    }
}

/// Plans the file against the database, applies it and brings the enrolments that follow up to
/// date, in one transaction: committed, or rolled back when simulating.
async fn apply(
    config: &Config,
    db: &Db,
    file: &ParsedFile,
    options: RunOptions,
) -> Result<FileOutcome, DbError> {
    let now = Utc::now().timestamp();
    let mut tx = db.begin().await?;
    let applied = async {
        let (mut outcome, touched) = match file {
            ParsedFile::Cohorts(file) => {
                let settings = &config.cohorts;
                let wanted = cohort::Wanted::of(file, settings);
                let snapshot = tx
                    .cohort_snapshot(&wanted, settings.user_identifier)
                    .await?;
                let plan = cohort::plan(file, &snapshot, settings);
                let cohorts = tx.apply_cohort_ops(&plan.ops, now).await?;
                let touched = Touched {
                    cohorts,
                    ..Touched::default()
                };
                (plan.outcome, touched)
            }
            ParsedFile::Bindings(file) => {
                let settings = &config.bindings;
                let wanted = binding::Wanted::of(file, settings);
                let snapshot = tx
                    .binding_snapshot(
                        &wanted,
                        settings.course_identifier,
                        settings.cohort_identifier,
                    )
                    .await?;
                let plan = binding::plan(file, &snapshot, settings);
                let touched = tx.apply_binding_ops(&plan.ops, now).await?;
                (plan.outcome, touched)
            }
        };
        outcome.enrolments = tx
            .follow_enrolments(touched, config.enrolments, now)
            .await?;
        Ok::<_, DbError>(outcome)
    }
    .await;
    match applied {
        Ok(outcome) if !options.dry_run => {
            tx.commit().await?;
            Ok(outcome)
        }
        Ok(outcome) => {
            tx.rollback().await?;
            Ok(outcome)
        }
        Err(error) => {
            // Roll back now rather than when the connection is next used, so that the locks
            // the file took are released at once. The first error is the one to report.
            let _ = tx.rollback().await;
            Err(error)
        }
    }
}

/// How the work on a file ended, before its outputs are written.
enum Ended<'a> {
    /// Refused as a whole; nothing applied.
    Rejected(String),
    /// The database failed; everything rolled back.
    RolledBack(String),
    /// Applied (or simulated) line by line.
    Applied {
        outcome: &'a FileOutcome,
        table: &'a Table,
        input: &'a Input,
    },
}

/// A run in progress: what its outputs need.
struct Run<'a> {
    config: &'a Config,
    db: &'a Db,
    kind: FileKind,
    options: RunOptions,
    path: &'a Path,
    started: DateTime<Local>,
    clock: Instant,
    input: InputInfo,
    format: Option<SourceFormat>,
}

impl Run<'_> {
    /// Archives the input, writes the tryback and the report, logs, and returns the summary.
    fn finish(self, ended: Ended<'_>) -> Result<RunSummary, Fatal> {
        let paths = &self.config.paths;
        let (status, error, outcome) = match &ended {
            Ended::Rejected(problem) => (RunStatus::Rejected, Some(problem.clone()), None),
            Ended::RolledBack(problem) => (RunStatus::RolledBack, Some(problem.clone()), None),
            Ended::Applied { outcome, .. } if outcome.failed().next().is_some() => {
                (RunStatus::Partial, None, Some(*outcome))
            }
            Ended::Applied { outcome, .. } => (RunStatus::Success, None, Some(*outcome)),
        };
        let applied = match ended {
            Ended::Applied {
                table,
                input,
                outcome,
            } if !self.options.dry_run => Some((table, input, outcome)),
            _ => None,
        };

        let stamp = naming::stamp(&self.started);
        let input_name = self.input.name.clone();
        let input_name = input_name.as_str();
        let archive_name = |n: u32| naming::archive(&naming::suffixed(&stamp, n), input_name);
        let tryback_name =
            |n: u32| naming::tryback(self.kind, input_name, &naming::suffixed(&stamp, n));
        let report_name = |n: u32| naming::report(&naming::suffixed(&stamp, n), input_name, "txt");
        let json_name = |n: u32| naming::report(&naming::suffixed(&stamp, n), input_name, "json");
        fs::create_dir_all(&paths.reports)
            .map_err(|source| Fatal::io("cannot create", &paths.reports, source))?;
        let mut candidates: Vec<(&Path, Namer<'_>)> = vec![
            (paths.reports.as_path(), &report_name),
            (paths.reports.as_path(), &json_name),
        ];
        if applied.is_some() {
            candidates.push((paths.archive.as_path(), &archive_name));
            candidates.push((paths.reports.as_path(), &tryback_name));
        }
        let suffix = atomic::free_suffix(&candidates);

        // After the commit, a failed output is recorded, not fatal: the report must still say
        // what was applied.
        let mut problems = Vec::new();
        let mut notes = Vec::new();
        let mut archive = None;
        let mut tryback = None;
        if let Some((table, input, outcome)) = applied {
            let archived = fs::create_dir_all(&paths.archive).and_then(|()| {
                atomic::archive(
                    self.path,
                    &input.stamp,
                    &paths.archive,
                    &archive_name,
                    suffix,
                    &input.bytes,
                )
            });
            match archived {
                Ok((path, InputLeft::Removed)) => archive = Some(path),
                Ok((path, InputLeft::ChangedInPlace)) => {
                    notes.push(format!(
                        "the input changed while it was applied, so it was left in place; the archive holds the bytes that were applied ({})",
                        path.display()
                    ));
                    archive = Some(path);
                }
                Err(source) => problems.push(format!(
                    "cannot archive the input into {}: {source}; the file was applied but is still in place",
                    paths.archive.display()
                )),
            }
            let failed: Vec<_> = outcome.failed().map(|line| line.raw.clone()).collect();
            if !failed.is_empty() {
                let content = tryback::render(&input.bytes, table, &failed);
                match atomic::publish(&paths.reports, &tryback_name, suffix, &content) {
                    Ok(path) => tryback = Some(path),
                    Err(source) => problems.push(format!(
                        "cannot write the tryback of the {} failed lines into {}: {source}",
                        failed.len(),
                        paths.reports.display()
                    )),
                }
            }
        }

        let report = Report::new(
            ReportContext {
                kind: self.kind,
                simulation: self.options.dry_run,
                status,
                started_at: self.started.to_rfc3339_opts(SecondsFormat::Secs, false),
                duration_ms: u64::try_from(self.clock.elapsed().as_millis()).unwrap_or(u64::MAX),
                input: self.input,
                format: self.format,
                database: self.db.target().describe(),
                prefix: self.db.dialect().prefix.clone(),
                settings: settings_info(self.config),
                outputs: Outputs {
                    tryback: tryback.as_ref().map(|path| path.display().to_string()),
                    archive: archive.as_ref().map(|path| path.display().to_string()),
                },
                error: error.clone(),
                problems: problems.clone(),
                notes,
            },
            outcome,
        );
        let report_path = atomic::publish_with(&paths.reports, &report_name, suffix, |out| {
            report.write_text(out)
        })
        .map_err(|source| Fatal::io("cannot write the report in", &paths.reports, source))?;
        let json_path = atomic::publish_with(&paths.reports, &json_name, suffix, |out| {
            report.write_json(out)
        })
        .map_err(|source| Fatal::io("cannot write the report in", &paths.reports, source))?;

        let totals = report.totals;
        let summary = RunSummary {
            status,
            totals,
            error,
            problems,
            report: report_path,
            report_json: json_path,
            tryback,
            archive,
        };
        let report_shown = summary.report.display();
        match (status, summary.problems.is_empty()) {
            (RunStatus::Success | RunStatus::Partial, true) => info!(
                status = ?status,
                simulation = self.options.dry_run,
                lines = totals.map_or(0, |totals| totals.lines),
                changed = totals.map_or(0, |totals| totals.changed),
                unchanged = totals.map_or(0, |totals| totals.unchanged),
                failed = totals.map_or(0, |totals| totals.failed),
                report = %report_shown,
                "File finished"
            ),
            (RunStatus::Success | RunStatus::Partial, false) => error!(
                report = %report_shown,
                "File applied, but outputs are missing: {}",
                summary.problems.join("; ")
            ),
            (RunStatus::Rejected | RunStatus::RolledBack, _) => error!(
                status = ?status,
                report = %report_shown,
                "File refused: {}",
                summary.error.as_deref().unwrap_or_default()
            ),
        }
        Ok(summary)
    }
}

fn settings_info(config: &Config) -> SettingsInfo {
    SettingsInfo {
        encoding: encoding_setting_label(config.input.read.encoding),
        delimiter: match config.input.read.delimiter {
            DelimiterSetting::Auto => "auto".into(),
            DelimiterSetting::Fixed(delimiter) => delimiter_label(delimiter),
        },
        max_file_bytes: config.input.max_file_bytes,
        user_identifier: config.cohorts.user_identifier.name().into(),
        cohort_identifier: config.cohorts.cohort_identifier.name().into(),
        create_missing: config.cohorts.create_missing,
        delete_empty: config.cohorts.delete_empty,
        course_identifier: config.bindings.course_identifier.name().into(),
        role_identifier: config.bindings.role_identifier.name().into(),
        enrol_methods: config.bindings.enrol_methods.clone(),
        enrolments: config.enrolments,
    }
}
