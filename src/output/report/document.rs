//! The report document: [`Report`], built from a file's outcome and its [`ReportContext`],
//! one [`ReportLine`] per data line and the effects after the last line. It borrows the lines'
//! effects from the outcome. Pure.

use serde::Serialize;

use super::{NextStepFacts, Origins, ReportContext, next_step};
use crate::{
    command::{Effect, Outcome, Totals},
    error::LineError,
    outcome::{EnrolmentOutcome, LineEffect, LineOutcome, LineStatus, RunStatus, SyncedCohort},
};

/// One data line in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportLine<'a> {
    /// Physical line (from 1).
    pub line: usize,
    /// For a tryback dropped again: the line it was in the original file (see
    /// [`Report::original_file`]), when it could be told.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_line: Option<usize>,
    /// How it ended.
    pub status: LineStatus,
    /// The command.
    pub command: String,
    /// What the line is about, as written: `cohort` and `user`, or `course`, `cohort` and
    /// `role`.
    #[serde(flatten)]
    pub keys: Keys,
    /// What happened, in words.
    pub message: String,
    /// Why it failed.
    pub error: Option<&'a LineError>,
    /// What it did, as data.
    pub effects: &'a [Effect],
}

/// A line's key values by column name, serialised as fields in column order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys(pub Vec<(&'static str, String)>);

impl Serialize for Keys {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// An effect after the last line (`sync` removals, `delete_empty`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportEffect<'a> {
    /// What happened, in words.
    pub message: String,
    /// As data.
    pub effect: &'a Effect,
}

/// Everything a report says: what the run was ([`ReportContext`]) and what the file's lines
/// did. It borrows the lines' effects from the file's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report<'a> {
    /// `moodle-sync`.
    pub tool: &'static str,
    /// The tool's version.
    pub version: &'static str,
    /// The run.
    #[serde(flatten)]
    pub run: ReportContext,
    /// Remarks on the file as a whole, the file's and the run's.
    pub notes: Vec<String>,
    /// For a tryback: the name of the file its lines first came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_file: Option<String>,
    /// What to do now, in words with the command to run; `None` when nothing is to be done.
    pub next_step: Option<String>,
    /// Counts, when lines were read.
    pub totals: Option<Totals>,
    /// Records that held no value (such as `;;;`), skipped.
    pub empty_records: usize,
    /// One entry per data line.
    pub lines: Vec<ReportLine<'a>>,
    /// Effects after the last line.
    pub after: Vec<ReportEffect<'a>>,
    /// The cohorts `sync` lines list in full.
    pub syncs: &'a [SyncedCohort],
    /// Course enrolments after the lines.
    pub enrolments: Option<&'a EnrolmentOutcome>,
}

impl<'a> Report<'a> {
    /// Builds the report of a cohort file run. `outcome` is `None` when no line was read.
    pub fn new(context: ReportContext, outcome: Option<&'a Outcome>) -> Report<'a> {
        // A held file's lines say what applying it would do, as a simulation's do.
        let simulation = context.simulation || context.status == RunStatus::Held;
        let key_columns = context.kind.key_columns();
        let (lines, after, mut notes, totals, empty_records) = match outcome {
            None => (Vec::new(), Vec::new(), Vec::new(), None, 0),
            Some(outcome) => (
                outcome
                    .lines
                    .iter()
                    .map(|line| {
                        ReportLine::new(line, key_columns, context.origins.as_ref(), simulation)
                    })
                    .collect(),
                outcome
                    .after
                    .iter()
                    .map(|effect| ReportEffect {
                        message: effect.describe(simulation),
                        effect,
                    })
                    .collect(),
                outcome.notes.clone(),
                Some(outcome.totals()),
                outcome.empty_records,
            ),
        };
        notes.extend(context.notes.iter().cloned());
        let failed = totals.map_or(0, |totals| totals.failed);
        let next_step = next_step(&NextStepFacts {
            status: context.status,
            simulation: context.simulation,
            input: &context.input.path,
            outputs: &context.outputs,
            failed,
            spool: context.spool.as_deref(),
            generation_limit_reached: context
                .ledger
                .as_ref()
                .is_some_and(|ledger| ledger.generation_limit_reached),
        });
        let original_file = context.origins.as_ref().map(|origins| origins.file.clone());
        Report {
            tool: "moodle-sync",
            version: env!("CARGO_PKG_VERSION"),
            run: context,
            notes,
            original_file,
            next_step,
            totals,
            empty_records,
            lines,
            after,
            syncs: outcome.map_or(&[], |outcome| outcome.syncs.as_slice()),
            enrolments: outcome.and_then(|outcome| outcome.enrolments.as_ref()),
        }
    }

    /// The lines that failed.
    pub(super) fn failed_lines(&self) -> impl Iterator<Item = (&ReportLine<'a>, &'a LineError)> {
        self.lines
            .iter()
            .filter_map(|line| line.error.map(|error| (line, error)))
    }
}

impl<'a> ReportLine<'a> {
    /// A line of the file's outcome as the report shows it: its keys named by the kind's
    /// `key_columns`, its line in the original file when `origins` knows it, and its effects in
    /// words (as "would …" in a `simulation`).
    fn new(
        line: &'a LineOutcome<Effect>,
        key_columns: &[&'static str],
        origins: Option<&Origins>,
        simulation: bool,
    ) -> ReportLine<'a> {
        ReportLine {
            line: line.line,
            original_line: origins.and_then(|origins| origins.lines.get(&line.line).copied()),
            status: line.status(),
            command: line.command.clone(),
            keys: Keys(
                key_columns
                    .iter()
                    .copied()
                    .zip(line.keys.iter().cloned())
                    .collect(),
            ),
            message: match &line.result {
                Ok(effects) => effects
                    .iter()
                    .map(|effect| effect.describe(simulation))
                    .collect::<Vec<_>>()
                    .join("; "),
                Err(error) => error.to_string(),
            },
            error: line.result.as_ref().err(),
            effects: line.result.as_deref().unwrap_or_default(),
        }
    }
}
