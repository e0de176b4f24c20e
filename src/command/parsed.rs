//! A file parsed as its kind, ready to plan: its data lines, each with what the report shows of
//! it, and what its header told besides the kind's columns.

use std::ops::Range;

use crate::{
    error::LineError,
    outcome::{FileOutcome, LineOutcome, SyncedCohort},
};

/// A data record with its parse result (a kind's line `L`) and the keys the report shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedLine<L> {
    /// Physical line (from 1) on which the record starts.
    pub number: usize,
    /// The record's bytes in the input, for the tryback.
    pub raw: Range<usize>,
    /// The command as written, or `add` when none is.
    pub command: String,
    /// The values that name what the line is about, as written: one per key column of its
    /// kind (`Kind::KEY_COLUMNS`).
    pub keys: Vec<String>,
    /// The line, or why it cannot be applied whatever the database holds.
    pub line: Result<L, LineError>,
}

/// A file of one kind ready to plan: its lines `L`, and `H`, what its header says besides the
/// kind's columns (a user file's profile fields; nothing for the other kinds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<L, H = ()> {
    /// What the header says besides the kind's columns.
    pub header: H,
    /// The data lines, in file order.
    pub lines: Vec<ParsedLine<L>>,
    /// Remarks about the file as a whole.
    pub notes: Vec<String>,
    /// Records that held no value (such as `;;;`), skipped.
    pub empty_records: usize,
}

impl<L> ParsedLine<L> {
    /// What `plan` makes of the line, or the error that stopped its parsing.
    pub fn plan_with<E>(
        &self,
        plan: impl FnOnce(&L) -> Result<Vec<E>, LineError>,
    ) -> Result<Vec<E>, LineError> {
        match &self.line {
            Ok(line) => plan(line),
            Err(error) => Err(error.clone()),
        }
    }

    /// The line's outcome, ending with `result`.
    pub fn outcome<E>(&self, result: Result<Vec<E>, LineError>) -> LineOutcome<E> {
        LineOutcome {
            line: self.number,
            raw: self.raw.clone(),
            command: self.command.clone(),
            keys: self.keys.clone(),
            result,
        }
    }
}

impl<L, H> Parsed<L, H> {
    /// The file's outcome: its lines' outcomes, the effects after its last line and the
    /// cohorts its `sync` lines list, with its notes and skipped records.
    pub fn outcome<E>(
        &self,
        lines: Vec<LineOutcome<E>>,
        after: Vec<E>,
        syncs: Vec<SyncedCohort>,
    ) -> FileOutcome<E> {
        FileOutcome {
            lines,
            after,
            notes: self.notes.clone(),
            empty_records: self.empty_records,
            enrolments: None,
            syncs,
            log_rows: 0,
        }
    }
}
