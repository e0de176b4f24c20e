//! How a command ends: every exit code the program returns, and [`Fatal`], the errors that stop
//! a command. Codes 0, 1, 2, 4 and 7 are also those of a file's run ([`of_run`]), which its
//! report prints.

use std::path::PathBuf;

use crate::{db::DbError, error::ConfigError, outcome::RunStatus};

/// Done: every line applied, the same bytes applied before, or a command that did what it was
/// asked.
pub const SUCCESS: u8 = 0;
/// Some lines failed; the others were applied.
pub const PARTIAL: u8 = 1;
/// The file was refused as a whole; nothing was applied.
pub const REJECTED: u8 = 2;
/// A bad command line or configuration, or a request that cannot be carried out as asked.
pub const USAGE: u8 = 3;
/// The database is unreachable, is not Moodle's, or failed mid-file: everything rolled back.
pub const DATABASE: u8 = 4;
/// A folder or an output could not be written (after a file was applied: its outputs).
pub const FILESYSTEM: u8 = 5;
/// A NetYpareo pull did not write every export it should have.
pub const PULL_FAILED: u8 = 6;
/// The file waits in the held area for approval: nothing applied.
pub const HELD: u8 = 7;

/// The exit code of a run that ended with `status`: [`FILESYSTEM`] when an output could not be
/// written after the file was decided (`problems`), otherwise the status's own code.
pub fn of_run(status: RunStatus, problems: &[String]) -> u8 {
    if !problems.is_empty() {
        return FILESYSTEM;
    }
    match status {
        RunStatus::Success | RunStatus::Duplicate => SUCCESS,
        RunStatus::Partial => PARTIAL,
        RunStatus::Rejected => REJECTED,
        RunStatus::RolledBack => DATABASE,
        RunStatus::Held => HELD,
    }
}

/// An error that stops the command. Each maps to a process exit code.
#[derive(Debug, thiserror::Error)]
pub enum Fatal {
    /// Bad command line or configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The command line asks for something impossible.
    #[error("{0}")]
    Usage(String),
    /// The database is unreachable, is not a Moodle database, or failed mid-file.
    #[error(transparent)]
    Database(#[from] DbError),
    /// A folder or output file could not be created or written.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done, e.g. "cannot write".
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl Fatal {
    /// The process exit code for this error: [`USAGE`] for usage and configuration,
    /// [`DATABASE`] for the database, [`FILESYSTEM`] for the filesystem.
    pub fn exit_code(&self) -> u8 {
        match self {
            Fatal::Config(_) | Fatal::Usage(_) => USAGE,
            Fatal::Database(_) => DATABASE,
            Fatal::Io { .. } => FILESYSTEM,
        }
    }

    /// Wraps an IO error with the action and path it concerns.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Fatal::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_exits_with_its_status_unless_an_output_is_missing() {
        let codes: Vec<u8> = [
            RunStatus::Success,
            RunStatus::Partial,
            RunStatus::Rejected,
            RunStatus::RolledBack,
            RunStatus::Duplicate,
            RunStatus::Held,
        ]
        .into_iter()
        .map(|status| of_run(status, &[]))
        .collect();
        assert_eq!(codes, [0, 1, 2, 4, 0, 7]);
        assert_eq!(of_run(RunStatus::Success, &["no archive".into()]), 5);
    }
}
