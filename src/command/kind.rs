//! The interface every kind of command file implements, in its own folder: how its files are
//! named, parsed, prepared, planned and applied, and how the report counts what they did. The
//! pipeline, the report and the configuration reach a kind only through it, by way of the
//! registry (`registry`), which lists the kinds.

use std::{fmt, future::Future};

use serde::{Serialize, de::DeserializeOwned};

use super::registry::Sections;
use crate::{
    db::{Db, DbError, Touched, Tx},
    error::{ConfigError, FileError},
    input::Table,
    outcome::{EnrolmentMode, FileOutcome, LineEffect, Tense},
};

/// A kind of command file. Implemented once per kind, by a unit type in the kind's folder
/// (`command::<kind>::kind`), and registered in `command::registry`.
pub trait Kind: 'static {
    /// Its name: in reports, logs, the ledger, `--kind`, `[routing]` and its section of the
    /// configuration.
    const NAME: &'static str;
    /// The prefix of its files' names under the default patterns (`<prefix>*.csv`); trybacks
    /// are named with it. The longer prefix is tried first when a name matches two kinds'
    /// patterns.
    const FILE_PREFIX: &'static str;
    /// Default name patterns besides `<prefix>*.csv`.
    const MORE_PATTERNS: &'static [&'static str] = &[];
    /// The columns that name what a line is about, shown beside each line in reports.
    const KEY_COLUMNS: &'static [&'static str];

    /// Its section of the configuration file (`[<name>]`), as written; every key has a default
    /// and an unknown key is refused.
    type Section: DeserializeOwned + Default + fmt::Debug;
    /// Its settings, checked (from its section of the configuration).
    type Settings: fmt::Debug + Clone + PartialEq + Send + Sync;
    /// A file of this kind, parsed.
    type File: fmt::Debug + Clone + PartialEq + Eq + Send + Sync;
    /// What its lines do.
    type Effect: LineEffect<Counts = Self::Counts>
        + fmt::Debug
        + Clone
        + PartialEq
        + Eq
        + Serialize
        + Send
        + Sync;
    /// What its lines did, counted.
    type Counts: fmt::Debug + Clone + Copy + Default + PartialEq + Eq + Serialize + Send + Sync;
    /// What it works out before the ledger's lock, for its plan under the lock; the default
    /// value leaves everything to the plan.
    type Prepared: Default + Send;

    /// Checks its section (with what it shares of the other kinds' `sections`) into its
    /// settings; the error names the key and the value refused.
    fn settings(
        section: &Self::Section,
        sections: &Sections,
    ) -> Result<Self::Settings, ConfigError>;

    /// The report's line of its settings (`cohorts matched by idnumber, …`), with how
    /// enrolments follow (`[enrolments] mode`).
    fn describe_settings(settings: &Self::Settings, enrolments: EnrolmentMode) -> String;

    /// Its settings in the JSON report's `settings` object.
    fn settings_json(settings: &Self::Settings) -> serde_json::Value;

    /// Parses a table as a file of this kind (pure).
    fn parse(table: &Table, settings: &Self::Settings) -> Result<Self::File, FileError>;

    /// Slow work done before the file's transaction, so that the ledger's lock is not held
    /// while it is (a user file's password hashes).
    fn prepare(
        db: &Db,
        file: &Self::File,
        settings: &Self::Settings,
    ) -> impl Future<Output = Self::Prepared> + Send;

    /// Plans the file against a snapshot read in `tx` and makes its writes there. The inner
    /// error rejects the file for what the database holds; nothing was written then. A file
    /// to hold (`FileOutcome::sync_over_limit`, not approved) is planned only.
    fn apply(
        tx: &mut Tx,
        file: &Self::File,
        settings: &Self::Settings,
        prepared: Self::Prepared,
        context: Apply,
    ) -> impl Future<Output = Result<Result<Applied<Self::Effect>, FileError>, DbError>> + Send;

    /// The report's totals lines for its counts (`accounts  3 created, …`).
    fn totals_lines(counts: &Self::Counts) -> Vec<String>;

    /// Its counts in the one-line summary (`3 accounts created`), only those not zero.
    fn summary(counts: &Self::Counts, tense: Tense) -> Vec<String>;
}

/// What applying a file needs besides the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Apply {
    /// The Unix time stamped on the rows written.
    pub now: i64,
    /// Applied by `moodle-sync approve`: a sync whatever share of a cohort it removes.
    pub approved: bool,
}

/// What a kind's plan and writes did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied<E> {
    /// What each line did (or would do, for a file held).
    pub outcome: FileOutcome<E>,
    /// What the writes touched, for the enrolments that follow.
    pub touched: Touched,
}

/// One group of counts about one thing in the one-line summary: the first count not zero
/// carries the noun, the others only their verb (`110 members removed, 12 added`; `would
/// remove 110 members, add 12`). Each count is `(count, done, would)`.
pub fn count_group(
    tense: Tense,
    (singular, plural): (&str, &str),
    counts: &[(usize, &str, &str)],
) -> String {
    let noun = |count: usize| {
        if count == 1 {
            format!("1 {singular}")
        } else {
            format!("{count} {plural}")
        }
    };
    let mut parts = Vec::new();
    for (count, done, would) in counts.iter().filter(|(count, ..)| *count > 0) {
        let part = match (tense, parts.is_empty()) {
            (Tense::Done, true) => format!("{} {done}", noun(*count)),
            (Tense::Done, false) => format!("{count} {done}"),
            (Tense::Would, true) => format!("would {would} {}", noun(*count)),
            (Tense::Would, false) => format!("{would} {count}"),
        };
        parts.push(part);
    }
    parts.join(", ")
}
