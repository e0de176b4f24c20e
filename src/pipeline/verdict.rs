//! Phase 6, verdict: how the work on a file ended, before its outputs are written.

use super::take::Interrupted;
use crate::{
    command::{self, FileKind, Outcome},
    db::LedgerRun,
    error::FileError,
    input::Table,
    outcome::{RunStatus, Tense},
};

/// How the work on a file ended.
pub(super) enum Verdict<'a> {
    /// Refused as a whole; nothing applied.
    Rejected(FileError),
    /// The database (or the staging of the outputs) stopped the file; everything rolled back.
    RolledBack(Interrupted),
    /// The same bytes were applied by an earlier run.
    Duplicate(Box<LedgerRun>),
    /// Applied (or simulated) line by line.
    Applied { outcome: Outcome, table: &'a Table },
    /// Planned, not applied: a sync removes too many members. The reason names them.
    Held { outcome: Outcome, reason: String },
}

impl Verdict<'_> {
    pub(super) fn status(&self) -> RunStatus {
        match self {
            Verdict::Rejected(_) => RunStatus::Rejected,
            Verdict::RolledBack(_) => RunStatus::RolledBack,
            Verdict::Duplicate(_) => RunStatus::Duplicate,
            Verdict::Held { .. } => RunStatus::Held,
            Verdict::Applied { outcome, .. } if outcome.failed().next().is_some() => {
                RunStatus::Partial
            }
            Verdict::Applied { .. } => RunStatus::Success,
        }
    }

    /// Why nothing was applied, in the words of the report.
    pub(super) fn error(&self) -> Option<String> {
        match self {
            Verdict::Rejected(problem) => Some(problem.to_string()),
            Verdict::RolledBack(problem) => Some(problem.to_string()),
            Verdict::Held { reason, .. } => Some(reason.clone()),
            _ => None,
        }
    }

    pub(super) fn outcome(&self) -> Option<&Outcome> {
        match self {
            Verdict::Applied { outcome, .. } | Verdict::Held { outcome, .. } => Some(outcome),
            _ => None,
        }
    }

    /// The counts in one line: a held file's, and a simulation's, say what would be done; a
    /// file that applied nothing says so.
    pub(super) fn summary(&self, kind: FileKind, simulation: bool) -> Option<String> {
        let tense = match self {
            Verdict::Rejected(_) | Verdict::RolledBack(_) => {
                return Some("nothing applied".into());
            }
            Verdict::Duplicate(earlier) => {
                return Some(format!(
                    "nothing applied: run #{} applied every line of the same bytes",
                    earlier.id
                ));
            }
            Verdict::Held { .. } => Tense::Would,
            _ if simulation => Tense::Would,
            _ => Tense::Done,
        };
        self.outcome()
            .map(|outcome| command::summary(&outcome.totals(), kind, tense))
    }

    /// The lines, changed and failed counts the ledger records: nothing of a held file was
    /// applied, nor failed.
    pub(super) fn counts(&self) -> (u64, u64, u64) {
        if let Verdict::Held { outcome, .. } = self {
            return (outcome.lines.len() as u64, 0, 0);
        }
        self.outcome()
            .map(|outcome| {
                let totals = outcome.totals();
                (
                    totals.lines as u64,
                    totals.changed as u64,
                    totals.failed as u64,
                )
            })
            .unwrap_or_default()
    }

    /// The run the same bytes were applied by, for a duplicate.
    pub(super) fn duplicate_of(&self) -> Option<&LedgerRun> {
        match self {
            Verdict::Duplicate(earlier) => Some(earlier),
            _ => None,
        }
    }
}
