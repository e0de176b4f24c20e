//! What a run did, in short ([`RunSummary`]): for the command line, the service's log and
//! alerts.

use std::path::PathBuf;

use crate::{command::Totals, exit, outcome::RunStatus};

/// What a run did, for the command line and the service's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    /// How the file ended.
    pub status: RunStatus,
    /// Line and effect counts, when lines were read.
    pub totals: Option<Totals>,
    /// The counts in one line (`command::summary`), when lines were read: what was done, or
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
