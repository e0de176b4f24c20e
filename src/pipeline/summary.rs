//! Phase 10, summarise: what a run did, for the command line, the service's log and alerts.

use std::path::PathBuf;

use chrono::{Local, SecondsFormat, TimeZone};
use tracing::{error, info, warn};

use crate::{command::Totals, exit, outcome::RunStatus};

/// What a run did, for the command line and the service's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    /// How the file ended.
    pub status: RunStatus,
    /// Line and effect counts, when lines were read.
    pub totals: Option<Totals>,
    /// The counts in one line (`outcome::summary`), when lines were read: what was done, or
    /// for a simulation or a held file what would be.
    pub summary: Option<String>,
    /// Why the file was rejected or rolled back.
    pub error: Option<String>,
    /// Outputs that could not be put in place after the file was applied.
    pub problems: Vec<String>,
    /// The text report.
    pub report: PathBuf,
    /// The JSON report.
    pub report_json: PathBuf,
    /// The tryback, if one was written.
    pub tryback: Option<PathBuf>,
    /// The archived input, if it was archived.
    pub archive: Option<PathBuf>,
    /// The input kept in the failed area, if it could not be applied.
    pub kept: Option<PathBuf>,
    /// The input kept in the held area, waiting for `moodle-sync approve`.
    pub held: Option<PathBuf>,
    /// The run's number in the ledger (none for a simulation).
    pub run: Option<i64>,
}

impl RunSummary {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        exit::of_run(self.status, &self.problems)
    }
}

/// A Unix time in milliseconds, as local RFC 3339.
pub fn show_ms(ms: i64) -> String {
    Local
        .timestamp_millis_opt(ms)
        .single()
        .map(|time| time.to_rfc3339_opts(SecondsFormat::Secs, false))
        .unwrap_or_else(|| ms.to_string())
}

/// One log line per file finished or refused.
pub(super) fn log_finished(summary: &RunSummary, simulation: bool) {
    let report = summary.report.display();
    let totals = summary.totals.as_ref();
    match (summary.status, summary.problems.is_empty()) {
        (RunStatus::Success | RunStatus::Partial, true) => info!(
            status = summary.status.name(),
            run = summary.run,
            simulation,
            lines = totals.map_or(0, |totals| totals.lines),
            changed = totals.map_or(0, |totals| totals.changed),
            unchanged = totals.map_or(0, |totals| totals.unchanged),
            failed = totals.map_or(0, |totals| totals.failed),
            summary = summary.summary.as_deref().unwrap_or_default(),
            report = %report,
            "File finished"
        ),
        (RunStatus::Held, true) => warn!(
            run = summary.run,
            simulation,
            summary = summary.summary.as_deref().unwrap_or_default(),
            report = %report,
            held = %summary.held.as_ref().map(|path| path.display().to_string()).unwrap_or_default(),
            "File held for approval: {}",
            summary.error.as_deref().unwrap_or_default()
        ),
        (RunStatus::Duplicate, true) => warn!(
            run = summary.run,
            report = %report,
            "File refused: these bytes were applied before"
        ),
        (RunStatus::Rejected | RunStatus::RolledBack, true) => error!(
            status = summary.status.name(),
            run = summary.run,
            report = %report,
            "File refused: {}",
            summary.error.as_deref().unwrap_or_default()
        ),
        (_, false) => error!(
            run = summary.run,
            report = %report,
            "File decided, but outputs are missing: {}",
            summary.problems.join("; ")
        ),
    }
}
