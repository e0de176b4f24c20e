//! The kinds of command files.

/// A kind of command file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Cohorts and their members (`cohorts*.csv`).
    Cohorts,
}

impl FileKind {
    /// The name used in reports and logs.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Cohorts => "cohorts",
        }
    }

    /// The prefix that routes a file of this kind; trybacks are named with it.
    pub fn file_prefix(self) -> &'static str {
        match self {
            FileKind::Cohorts => "cohorts",
        }
    }
}
