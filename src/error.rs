//! The error tiers of a file: a [`LineError`] fails one line of it, a [`FileError`] rejects it
//! whole (the third tier, `exit::Fatal`, stops the command); and [`ConfigError`], a
//! configuration that cannot be used. Each message is a lowercase
//! fragment that names the offending value, because it is what the administrator reads in the
//! report.

use std::{any::Any, fmt, path::PathBuf, sync::Arc};

use serde::Serialize;

/// Why one data line could not be applied. The line goes to the tryback; the file goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
pub struct LineError {
    /// The header name of the column holding the bad value, when one column is to blame.
    pub column: Option<String>,
    /// The offending value, as read (after trimming).
    pub value: Option<String>,
    /// What is wrong with it.
    #[serde(serialize_with = "serialize_display")]
    pub problem: LineProblem,
}

impl LineError {
    /// A problem with the value of one column.
    pub fn in_column(
        column: impl Into<String>,
        value: impl Into<String>,
        problem: impl Into<LineProblem>,
    ) -> Self {
        LineError {
            column: Some(column.into()),
            value: Some(value.into()),
            problem: problem.into(),
        }
    }

    /// A problem with the line as a whole.
    pub fn line(problem: impl Into<LineProblem>) -> Self {
        LineError {
            column: None,
            value: None,
            problem: problem.into(),
        }
    }
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(f, "column {column}: {}", self.problem),
            None => write!(f, "{}", self.problem),
        }
    }
}

/// The kinds of line errors. Values are quoted in the messages so that an empty or padded value
/// is visible.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineProblem {
    /// More non-empty values than the header has columns.
    #[error("{values} values for {columns} columns: extra value \"{extra}\" has no column")]
    ExtraValues {
        /// Columns in the header.
        columns: usize,
        /// Values on the line, counting up to the last non-empty one.
        values: usize,
        /// The first extra non-empty value.
        extra: String,
    },
    /// The command column holds something else than a known command.
    #[error("unknown command \"{value}\" (expected {expected})")]
    UnknownCommand {
        /// The value read.
        value: String,
        /// The accepted commands.
        expected: &'static str,
    },
    /// A numeric id was expected.
    #[error("\"{value}\" is not a number")]
    NotANumber {
        /// The value read.
        value: String,
    },
    /// The value does not fit Moodle's column.
    #[error("value is {length} characters long; Moodle stores at most {max}")]
    TooLong {
        /// Length in characters.
        length: usize,
        /// Column width in characters.
        max: usize,
    },
    /// A value holds a control character, which Moodle's text columns cannot take (PostgreSQL
    /// refuses U+0000 outright).
    #[error("value holds the control character {character}")]
    ControlCharacter {
        /// The character, as `U+0000`.
        character: String,
    },
    /// A yes/no value was expected.
    #[error("\"{value}\" is not a yes/no value (use 1 or 0)")]
    NotABoolean {
        /// The value read.
        value: String,
    },
    /// No (non-deleted, local) account matches.
    #[error("unknown user \"{value}\" (matched by {by}; deleted accounts never match)")]
    UnknownUser {
        /// The value read.
        value: String,
        /// The configured identifier.
        by: &'static str,
    },
    /// Several accounts match.
    #[error("ambiguous user \"{value}\": {} accounts match by {by} (ids {})", ids.len(), join_ids(ids))]
    AmbiguousUser {
        /// The value read.
        value: String,
        /// The configured identifier.
        by: &'static str,
        /// The matching account ids.
        ids: Vec<i64>,
    },
    /// No cohort matches.
    #[error("cohort \"{value}\" not found (matched by {by})")]
    UnknownCohort {
        /// The value read.
        value: String,
        /// The configured identifier.
        by: &'static str,
    },
    /// Several cohorts match.
    #[error("ambiguous cohort \"{value}\": {} cohorts match by {by} (ids {})", ids.len(), join_ids(ids))]
    AmbiguousCohort {
        /// The value read.
        value: String,
        /// The configured identifier.
        by: &'static str,
        /// The matching cohort ids.
        ids: Vec<i64>,
    },
    /// No course category matches.
    #[error("unknown course category \"{value}\" (matched by {by})")]
    UnknownCategory {
        /// The value read.
        value: String,
        /// `id` or `idnumber`.
        by: &'static str,
    },
    /// Several course categories match.
    #[error("ambiguous course category \"{value}\": {} categories have this idnumber (ids {})", ids.len(), join_ids(ids))]
    AmbiguousCategory {
        /// The value read.
        value: String,
        /// The matching category ids.
        ids: Vec<i64>,
    },
    /// A required value is empty.
    #[error("the {what} is empty ({what}s are matched by {by})")]
    MissingValue {
        /// `course`, `cohort`…
        what: &'static str,
        /// The configured identifier.
        by: &'static str,
    },
    /// No course matches.
    #[error("course \"{value}\" not found (matched by {by})")]
    UnknownCourse {
        /// The value read.
        value: String,
        /// The configured identifier.
        by: &'static str,
    },
    /// Several courses match.
    #[error("ambiguous course \"{value}\": {} courses match by {by} (ids {})", ids.len(), join_ids(ids))]
    AmbiguousCourse {
        /// The value read.
        value: String,
        /// The configured identifier.
        by: &'static str,
        /// The matching course ids.
        ids: Vec<i64>,
    },
    /// No role matches.
    #[error("role \"{value}\" not found (matched by {by})")]
    UnknownRole {
        /// The value read (or `student`, the default).
        value: String,
        /// The configured identifier.
        by: &'static str,
    },
    /// No group of that name in the course.
    #[error(
        "course {course} has no group named \"{value}\" (makegroup is 1 or yes for a group named after the cohort, 0 or no for none, or the name of an existing group)"
    )]
    UnknownGroup {
        /// The value read.
        value: String,
        /// The course, as shown in reports.
        course: String,
    },
    /// A date was expected.
    #[error(
        "\"{value}\" is not a date (use 2026-09-01, 2026-09-01T08:00, 01/09/2026 or Unix seconds)"
    )]
    NotADate {
        /// The value read.
        value: String,
    },
    /// The enrolment period ends before it starts.
    #[error("enrolend \"{end}\" is before enrolstart \"{start}\"")]
    EndBeforeStart {
        /// `enrolstart` as read.
        start: String,
        /// `enrolend` as read.
        end: String,
    },
    /// A value in the wrong format.
    #[error("\"{value}\" is not {expected}")]
    InvalidValue {
        /// The value read.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A problem only one kind of file has, declared in the kind's folder
    /// (`command::<kind>::Problem`).
    #[error(transparent)]
    Kind(KindProblem),
}

impl LineProblem {
    /// The problem as the kind that declared it has it (`command::<kind>::Problem`); `None`
    /// for a shared problem or another kind's.
    pub fn of_kind<P: 'static>(&self) -> Option<&P> {
        match self {
            LineProblem::Kind(problem) => problem.0.as_any().downcast_ref(),
            _ => None,
        }
    }
}

/// A line problem only one kind of file has: the kind's own error type, kept whole (compared,
/// cloned and shown as the kind declares it).
#[derive(Clone)]
pub struct KindProblem(Arc<dyn Problem>);

impl KindProblem {
    /// Wraps a kind's problem.
    pub fn new(problem: impl Problem) -> KindProblem {
        KindProblem(Arc::new(problem))
    }
}

/// What a kind's line problem is to the rest of moodle-sync: an error that can be compared.
/// Every error type with `PartialEq` is one.
pub trait Problem: std::error::Error + Send + Sync + 'static {
    /// The problem, to be downcast to its kind's type.
    fn as_any(&self) -> &dyn Any;
    /// Whether `other` is the same problem.
    fn same_as(&self, other: &dyn Problem) -> bool;
}

impl<T: std::error::Error + PartialEq + Send + Sync + 'static> Problem for T {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn same_as(&self, other: &dyn Problem) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }
}

impl PartialEq for KindProblem {
    fn eq(&self, other: &KindProblem) -> bool {
        self.0.same_as(&*other.0)
    }
}

impl Eq for KindProblem {}

impl fmt::Debug for KindProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for KindProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl std::error::Error for KindProblem {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

fn join_ids(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn serialize_display<S: serde::Serializer>(
    value: &LineProblem,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// Why a whole file was rejected. Nothing of it was applied; the file is kept and reported.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Unreadable(#[source] std::io::Error),
    /// The file exceeds the configured maximum size.
    #[error(
        "the file is {size} bytes, more than the {max} bytes allowed by [input] max_file_size_mb"
    )]
    TooLarge {
        /// Size of the file.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// The file holds no header line.
    #[error("the file has no header line (it is empty, or holds only comments and blank lines)")]
    NoHeader,
    /// The file is not UTF-8 although UTF-8 was configured.
    #[error(
        "the file is not valid UTF-8 (line {line}, byte {byte}); if it is ISO-8859-1 or Windows-1252, set [input] encoding = \"auto\""
    )]
    InvalidUtf8 {
        /// Line of the first invalid byte.
        line: usize,
        /// Offset of the first invalid byte in the file.
        byte: usize,
    },
    /// The file starts with a UTF-8 byte order mark but is not UTF-8.
    #[error(
        "the file starts with a UTF-8 byte order mark but is not valid UTF-8 (line {line}, byte {byte}): it was damaged or re-encoded; save it again as UTF-8"
    )]
    InvalidUtf8AfterBom {
        /// Line of the first invalid byte.
        line: usize,
        /// Offset of the first invalid byte in the file.
        byte: usize,
    },
    /// The file holds bytes no text file holds: a spreadsheet, an archive, a PDF…
    #[error(
        "the file is not text: {what}; save it as CSV (UTF-8, or ISO-8859-1) and drop it again"
    )]
    NotText {
        /// What it looks like, and where the first telling byte is.
        what: String,
    },
    /// UTF-16 text (Excel's "Unicode text") is not a CSV encoding we read.
    #[error("the file is UTF-16 text; save it as \"CSV UTF-8\" (or ISO-8859-1) and drop it again")]
    Utf16,
    /// The header contains several delimiter candidates.
    #[error(
        "cannot tell the delimiter: the header (line {line}) contains {found}; set [input] delimiter"
    )]
    AmbiguousDelimiter {
        /// Line of the header.
        line: usize,
        /// The candidates found, described.
        found: String,
    },
    /// A quoted value never ends.
    #[error("a quoted value opened on line {line} is never closed")]
    UnterminatedQuote {
        /// Line where the quote opens.
        line: usize,
    },
    /// The header names columns this kind of file does not have.
    #[error("{}", describe_unknown_columns(unknown, known))]
    UnknownColumns {
        /// The unknown names, each with the closest known name if one is close.
        unknown: Vec<UnknownColumn>,
        /// Every column name this kind of file accepts.
        known: Vec<&'static str>,
    },
    /// The header names one column twice (possibly through an alias).
    #[error("column \"{name}\" appears twice in the header (columns {first} and {second})")]
    DuplicateColumn {
        /// Canonical column name.
        name: &'static str,
        /// 1-based position of the first occurrence.
        first: usize,
        /// 1-based position of the second.
        second: usize,
    },
    /// A header cell is empty between named columns.
    #[error("column {position} of the header has no name")]
    EmptyColumnName {
        /// 1-based position.
        position: usize,
    },
    /// A column this kind of file cannot do without is missing from the header.
    #[error("the header has no {column} column, which every {kind} file needs")]
    MissingColumn {
        /// The column.
        column: &'static str,
        /// The kind of file.
        kind: &'static str,
    },
    /// Profile field columns name fields the site does not define.
    #[error(
        "the site has no profile field with shortname {shortnames}: create it in Site administration > Users > User profile fields, or set [users] create_profile_fields = true to create it as a text field"
    )]
    UnknownProfileFields {
        /// The shortnames, comma separated.
        shortnames: String,
    },
    /// The header is that of another kind of file than the one the file was routed as.
    #[error(
        "this is a {found} file (its header is {header}), not a {kind} file: rename it to match the {found} patterns ({patterns}) or run it with --kind {found}"
    )]
    WrongKind {
        /// The kind the file was routed as.
        kind: &'static str,
        /// The kind its header belongs to.
        found: &'static str,
        /// The header as read.
        header: String,
        /// The name patterns of `found`.
        patterns: String,
    },
}

/// An unknown header name and the closest known one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnknownColumn {
    /// The name as written in the header (trimmed).
    pub name: String,
    /// 1-based position in the header.
    pub position: usize,
    /// The closest known column, if one is close enough to be a likely typo.
    pub suggestion: Option<&'static str>,
}

fn describe_unknown_columns(unknown: &[UnknownColumn], known: &[&'static str]) -> String {
    let names: Vec<String> = unknown
        .iter()
        .map(|column| match column.suggestion {
            Some(suggestion) => {
                format!(
                    "\"{}\" (column {}; did you mean \"{suggestion}\"?)",
                    column.name, column.position
                )
            }
            None => format!("\"{}\" (column {})", column.name, column.position),
        })
        .collect();
    let noun = if unknown.len() == 1 {
        "unknown column"
    } else {
        "unknown columns"
    };
    format!(
        "{noun} {}; known columns are {}",
        names.join(", "),
        known.join(", ")
    )
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file named by `--config` cannot be read.
    #[error("cannot read configuration file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or holds an unknown key or value.
    #[error("invalid configuration file {}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message, naming the key and its line.
        message: String,
    },
    /// A value is of the right type but unusable.
    #[error("invalid configuration: {key} = \"{value}\": {reason}")]
    Invalid {
        /// The key, as `[section] key`.
        key: &'static str,
        /// The value given.
        value: String,
        /// Why it is refused.
        reason: String,
    },
}
