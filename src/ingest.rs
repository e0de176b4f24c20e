//! Applying one command file, start to end: read, decode, parse, plan against the database,
//! apply in one transaction, then archive the input and write the tryback and the report.
//!
//! Order of the steps, and why:
//! 1. Everything that can reject the file (size, encoding, header) runs before the database is
//!    touched.
//! 2. The snapshot is read and the writes made in one transaction; a database error rolls the
//!    whole file back and the input stays where it is.
//! 3. Only after the commit is the input archived and the tryback written, so an archived file
//!    is always an applied file.
//! 4. The report is written last, naming the other outputs; every run gets one.

use std::{
    fs,
    io::ErrorKind,
    path::{Path, PathBuf},
    time::Instant,
};

use chrono::{Local, SecondsFormat, Utc};
use sha2::{Digest, Sha256};
use tracing::{error, info, warn};

use crate::{
    command::{
        FileKind,
        cohort::{self, Wanted},
    },
    config::{Config, encoding_setting_label},
    db::{Db, DbError},
    error::{Fatal, FileError},
    input::{DelimiterSetting, SourceFormat, Table, delimiter_label, read_table},
    outcome::{FileOutcome, Totals},
    output::{
        atomic::{self, Namer},
        naming,
        report::{InputInfo, Outputs, Report, ReportContext, RunStatus, SettingsInfo},
        tryback,
    },
};

/// How to run a file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Compute and report everything, change nothing.
    pub dry_run: bool,
}

/// What a run did, for the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    /// How it ended.
    pub status: RunStatus,
    /// Line and effect counts, when lines were read.
    pub totals: Option<Totals>,
    /// Why the file was rejected or rolled back.
    pub error: Option<String>,
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
        self.status.exit_code()
    }
}

/// A file that was read and parsed, ready for the database.
struct Parsed {
    table: Table,
    file: cohort::ParsedFile,
}

/// Runs the cohort file at `path`.
#[tracing::instrument(skip_all, fields(file = %path.display()))]
pub async fn run_file(
    config: &Config,
    db: &Db,
    path: &Path,
    options: RunOptions,
) -> Result<RunSummary, Fatal> {
    let started = Local::now();
    let clock = Instant::now();
    let kind = FileKind::Cohorts;
    for dir in [&config.paths.reports, &config.paths.archive] {
        fs::create_dir_all(dir).map_err(|source| Fatal::io("cannot create", dir, source))?;
    }
    // Reports name the input by its absolute path: they are read long after, from elsewhere.
    let shown_path = std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string();
    let input_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .ok_or_else(|| Fatal::Usage(format!("{} is not a file", path.display())))?;

    let bytes = match read_input(path, config.input.max_file_bytes) {
        Ok(bytes) => bytes,
        Err(ReadFailure::Missing) => {
            return Err(Fatal::Usage(format!("no such file: {}", path.display())));
        }
        Err(ReadFailure::File(problem, size)) => {
            let input = InputInfo {
                path: shown_path,
                name: input_name,
                size,
                sha256: String::new(),
            };
            let run = Run {
                config,
                db,
                kind,
                options,
                started,
                clock,
                input,
                format: None,
            };
            return run.finish(
                RunStatus::Rejected,
                None,
                Some(problem.to_string()),
                None,
                path,
                &[],
            );
        }
    };
    let input = InputInfo {
        path: shown_path,
        name: input_name,
        size: bytes.len() as u64,
        sha256: sha256_hex(&bytes),
    };
    info!(size = input.size, sha256 = %input.sha256, dry_run = options.dry_run, "File picked");
    let mut run = Run {
        config,
        db,
        kind,
        options,
        started,
        clock,
        input,
        format: None,
    };

    let parsed = match parse(&bytes, config) {
        Ok(parsed) => parsed,
        Err(problem) => {
            return run.finish(
                RunStatus::Rejected,
                None,
                Some(problem.to_string()),
                None,
                path,
                &bytes,
            );
        }
    };
    run.format = Some(parsed.table.format);

    let mut outcome = match apply(config, db, &parsed, options).await {
        Ok(outcome) => outcome,
        Err(problem) => {
            return run.finish(
                RunStatus::RolledBack,
                None,
                Some(problem.to_string()),
                None,
                path,
                &bytes,
            );
        }
    };
    outcome.empty_records = parsed.table.empty_records;
    for line in outcome.failed() {
        if let Err(problem) = &line.result {
            warn!(line = line.line, "Line failed: {problem}");
        }
    }
    let status = if outcome.totals().failed > 0 {
        RunStatus::Partial
    } else {
        RunStatus::Success
    };
    run.finish(
        status,
        Some(&outcome),
        None,
        Some(&parsed.table),
        path,
        &bytes,
    )
}

enum ReadFailure {
    Missing,
    File(FileError, u64),
}

fn read_input(path: &Path, max: u64) -> Result<Vec<u8>, ReadFailure> {
    let metadata = match fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == ErrorKind::NotFound => return Err(ReadFailure::Missing),
        Err(error) => return Err(ReadFailure::File(FileError::Unreadable(error), 0)),
    };
    if !metadata.is_file() {
        return Err(ReadFailure::File(
            FileError::Unreadable(std::io::Error::new(
                ErrorKind::InvalidInput,
                "not a regular file",
            )),
            0,
        ));
    }
    if metadata.len() > max {
        return Err(ReadFailure::File(
            FileError::TooLarge {
                size: metadata.len(),
                max,
            },
            metadata.len(),
        ));
    }
    fs::read(path).map_err(|error| ReadFailure::File(FileError::Unreadable(error), metadata.len()))
}

fn parse(bytes: &[u8], config: &Config) -> Result<Parsed, FileError> {
    let table = read_table(bytes, &config.input.read)?;
    let file = cohort::parse_file(&table, &config.cohorts)?;
    Ok(Parsed { table, file })
}

/// Plans the file against the database and, unless simulating, applies it: one transaction.
async fn apply(
    config: &Config,
    db: &Db,
    parsed: &Parsed,
    options: RunOptions,
) -> Result<FileOutcome, DbError> {
    let settings = &config.cohorts;
    let mut tx = db.begin().await?;
    let planned = async {
        let wanted = Wanted::of(&parsed.file, settings);
        let snapshot = tx
            .cohort_snapshot(&wanted, settings.user_identifier)
            .await?;
        let plan = cohort::plan(&parsed.file, &snapshot, settings);
        if !options.dry_run {
            tx.apply_cohort_ops(&plan.ops, Utc::now().timestamp())
                .await?;
        }
        Ok::<_, DbError>(plan)
    }
    .await;
    match planned {
        Ok(plan) if !options.dry_run => {
            tx.commit().await?;
            Ok(plan.outcome)
        }
        Ok(plan) => {
            tx.rollback().await?;
            Ok(plan.outcome)
        }
        Err(error) => {
            // Roll back now rather than when the connection is next used, so that the locks
            // the file took are released at once. The first error is the one to report.
            let _ = tx.rollback().await;
            Err(error)
        }
    }
}

/// A run in progress: what its report needs.
struct Run<'a> {
    config: &'a Config,
    db: &'a Db,
    kind: FileKind,
    options: RunOptions,
    started: chrono::DateTime<Local>,
    clock: Instant,
    input: InputInfo,
    format: Option<SourceFormat>,
}

impl Run<'_> {
    /// Archives, writes the tryback and the report, logs, and returns the summary.
    fn finish(
        self,
        status: RunStatus,
        outcome: Option<&FileOutcome>,
        problem: Option<String>,
        table: Option<&Table>,
        path: &Path,
        bytes: &[u8],
    ) -> Result<RunSummary, Fatal> {
        let paths = &self.config.paths;
        let applied =
            matches!(status, RunStatus::Success | RunStatus::Partial) && !self.options.dry_run;
        let failed: Vec<_> = outcome
            .map(|outcome| outcome.failed().map(|line| line.raw.clone()).collect())
            .unwrap_or_default();
        let write_tryback = applied && !failed.is_empty();

        let stamp = naming::stamp(&self.started);
        let input_name = self.input.name.clone();
        let archive_name = |n: u32| naming::archive(&naming::suffixed(&stamp, n), &input_name);
        let tryback_name =
            |n: u32| naming::tryback(self.kind, &input_name, &naming::suffixed(&stamp, n));
        let report_name = |n: u32| naming::report(&naming::suffixed(&stamp, n), &input_name, "txt");
        let json_name = |n: u32| naming::report(&naming::suffixed(&stamp, n), &input_name, "json");
        let mut candidates: Vec<(&Path, Namer<'_>)> = vec![
            (paths.reports.as_path(), &report_name),
            (paths.reports.as_path(), &json_name),
        ];
        if applied {
            candidates.push((paths.archive.as_path(), &archive_name));
        }
        if write_tryback {
            candidates.push((paths.reports.as_path(), &tryback_name));
        }
        let suffix = atomic::free_suffix(&candidates);

        let tryback = match (write_tryback, table) {
            (true, Some(table)) => {
                let content = tryback::render(bytes, table, &failed);
                Some(
                    atomic::publish(&paths.reports, &tryback_name, suffix, &content).map_err(
                        |source| Fatal::io("cannot write the tryback in", &paths.reports, source),
                    )?,
                )
            }
            _ => None,
        };
        let archive = if applied {
            Some(
                atomic::move_into(path, &paths.archive, &archive_name, suffix, bytes).map_err(
                    |source| Fatal::io("cannot archive the input into", &paths.archive, source),
                )?,
            )
        } else {
            None
        };

        let report = Report::new(
            ReportContext {
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
                error: problem.clone(),
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
        match status {
            RunStatus::Success | RunStatus::Partial => info!(
                status = ?status,
                simulation = self.options.dry_run,
                lines = totals.map_or(0, |totals| totals.lines),
                changed = totals.map_or(0, |totals| totals.changed),
                unchanged = totals.map_or(0, |totals| totals.unchanged),
                failed = totals.map_or(0, |totals| totals.failed),
                report = %report_path.display(),
                "File finished"
            ),
            RunStatus::Rejected | RunStatus::RolledBack => error!(
                status = ?status,
                report = %report_path.display(),
                "File refused: {}",
                problem.as_deref().unwrap_or("")
            ),
        }
        Ok(RunSummary {
            status,
            totals,
            error: problem,
            report: report_path,
            report_json: json_path,
            tryback,
            archive,
        })
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
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
