//! A file parsed as its kind, ready to plan: its data lines, each with what the report shows of
//! it, and what its header told besides the kind's columns.

use std::ops::Range;

use crate::error::LineError;

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
