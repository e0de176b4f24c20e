//! The run report: a [`Report`] document built from a file's outcome, rendered as text for an
//! administrator and as JSON for scripts. Both renderings hold the same content. Pure.
//!
//! [`ReportContext`] is what the run says of itself (`context`), [`Report`] the document with
//! its lines (`document`); `text` renders it for people, with the course enrolments and
//! Moodle's caches in sections of their own (`enrolments`, `caches`), and `json` for scripts;
//! `next_step` says what to do once the file has run, and `origins` finds a tryback's lines in
//! the file they came from.

mod caches;
mod context;
mod document;
mod enrolments;
mod json;
mod next_step;
mod origins;
mod text;

pub use context::{
    EarlierRun, InputInfo, LedgerInfo, Outputs, ReportContext, RetryInfo, SettingsInfo,
};
pub use document::{Keys, Report, ReportEffect, ReportLine};
pub use next_step::{NextStepFacts, next_step, shell_word};
pub use origins::{Origins, origins};

#[cfg(test)]
mod tests;
