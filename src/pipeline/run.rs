//! A run in progress: what its report needs besides the file's outcome (the input, how it was
//! read, the settings, the notes), and the report written straight into place when there is
//! nothing to stage (a simulation, or a `run` the database could not take).

use std::{fs, path::Path, time::Instant};

use chrono::{DateTime, Local, SecondsFormat};

use super::{
    summary::{log_finished, show_ms},
    verdict::Verdict,
};
use crate::{
    cache::CacheReport,
    command::FileKind,
    config::{Config, encoding_setting_label},
    db::{Db, LedgerRun},
    exit::{self, Fatal},
    input::{DelimiterSetting, SourceFormat, delimiter_label},
    outcome::RunStatus,
    output::summary::RunSummary,
    output::{
        atomic,
        report::{
            EarlierRun, InputInfo, LedgerInfo, Origins, Outputs, Report, ReportContext,
            SettingsInfo,
        },
    },
};

/// A run in progress: what its report needs.
pub(super) struct Run<'a> {
    pub(super) config: &'a Config,
    db: &'a Db,
    pub(super) kind: FileKind,
    pub(super) simulation: bool,
    /// Applied by `approve`: the sync removal limit lifted.
    pub(super) approved: bool,
    pub(super) started: DateTime<Local>,
    clock: Instant,
    pub(super) input: InputInfo,
    pub(super) format: Option<SourceFormat>,
    pub(super) notes: Vec<String>,
    /// For a tryback dropped again: where its lines first came from.
    pub(super) origins: Option<Origins>,
    /// How Moodle's caches stand after the file, when it changed what they hold.
    pub(super) caches: Option<CacheReport>,
}

impl<'a> Run<'a> {
    pub(super) fn new(
        config: &'a Config,
        db: &'a Db,
        kind: FileKind,
        path: &Path,
        name: &str,
        simulation: bool,
    ) -> Run<'a> {
        Run {
            config,
            db,
            kind,
            simulation,
            approved: false,
            started: Local::now(),
            clock: Instant::now(),
            input: InputInfo {
                // Reports name the input by its absolute path: they are read long after,
                // from elsewhere.
                path: std::path::absolute(path)
                    .unwrap_or_else(|_| path.to_path_buf())
                    .display()
                    .to_string(),
                name: name.to_owned(),
                size: 0,
                sha256: None,
            },
            format: None,
            notes: Vec::new(),
            origins: None,
            caches: None,
        }
    }

    /// What the report is made from, besides the outcome.
    pub(super) fn context(
        &self,
        status: RunStatus,
        error: Option<String>,
        outputs: Outputs,
        problems: Vec<String>,
        ledger: Option<LedgerInfo>,
    ) -> ReportContext {
        ReportContext {
            kind: self.kind,
            simulation: self.simulation,
            approved: self.approved,
            status,
            exit_code: exit::of_run(status, &problems),
            started_at: self.started.to_rfc3339_opts(SecondsFormat::Secs, false),
            duration_ms: u64::try_from(self.clock.elapsed().as_millis()).unwrap_or(u64::MAX),
            input: self.input.clone(),
            format: self.format,
            database: self.db.target().describe(),
            prefix: self.db.dialect().prefix.clone(),
            settings: settings_info(self.config, self.kind),
            outputs,
            error,
            problems,
            notes: self.notes.clone(),
            ledger,
            origins: self.origins.clone(),
            spool: (!self.simulation).then(|| self.config.paths.spool.display().to_string()),
            caches: self.caches.clone(),
        }
    }

    /// Writes the two reports straight into place (a simulation, or a `run` the database
    /// could not take): no ledger record, no archive, no tryback, the input left in place.
    pub(super) fn report_only(self, verdict: Verdict<'_>) -> Result<RunSummary, Fatal> {
        let paths = &self.config.paths;
        fs::create_dir_all(&paths.reports)
            .map_err(|source| Fatal::io("cannot create", &paths.reports, source))?;
        let status = verdict.status();
        let error = verdict.error();
        let names = self.names(None, None);
        let report = Report::new(
            self.context(status, error.clone(), Outputs::default(), Vec::new(), None),
            verdict.outcome(),
        );
        let name_of = |path: &Path| {
            path.file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let text_name = name_of(&names.report);
        let json_name = name_of(&names.report_json);
        let text = |n: u32| {
            if n == 0 {
                text_name.clone()
            } else {
                format!("{text_name}.{}", n + 1)
            }
        };
        let json = |n: u32| {
            if n == 0 {
                json_name.clone()
            } else {
                format!("{json_name}.{}", n + 1)
            }
        };
        let report_path =
            atomic::publish_with(&paths.reports, &text, 0, |out| report.write_text(out)).map_err(
                |source| Fatal::io("cannot write the report in", &paths.reports, source),
            )?;
        let json_path =
            atomic::publish_with(&paths.reports, &json, 0, |out| report.write_json(out)).map_err(
                |source| Fatal::io("cannot write the report in", &paths.reports, source),
            )?;
        let summary = RunSummary {
            status,
            totals: report.totals,
            summary: verdict.summary(self.kind, self.simulation),
            error,
            problems: Vec::new(),
            report: report_path,
            report_json: json_path,
            tryback: None,
            archive: None,
            kept: None,
            held: None,
            run: None,
        };
        log_finished(&summary, self.simulation);
        Ok(summary)
    }
}

/// An earlier run of the same bytes, as a report names it.
pub(super) fn earlier_run(earlier: &LedgerRun) -> EarlierRun {
    EarlierRun {
        run: earlier.id,
        name: earlier.name.clone(),
        outcome: earlier.outcome.clone(),
        finished_at: show_ms(earlier.finished_at),
        report: earlier.report.clone(),
    }
}

fn settings_info(config: &Config, kind: FileKind) -> SettingsInfo {
    SettingsInfo {
        encoding: encoding_setting_label(config.input.read.encoding),
        delimiter: match config.input.read.delimiter {
            DelimiterSetting::Auto => "auto".into(),
            DelimiterSetting::Fixed(delimiter) => delimiter_label(delimiter),
        },
        max_file_bytes: config.input.max_file_bytes,
        enrolments: config.enrolments,
        kinds: config.kinds.json(),
        of_kind: config.kinds.describe(kind, config.enrolments),
        sync_limit_percent: config.kinds.cohorts.max_sync_removal_percent,
    }
}
