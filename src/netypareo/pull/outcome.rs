//! What a pull did: each export's files and the parts that failed, and why a part fails.

use std::{io, path::PathBuf};

use crate::{
    command::FileKind,
    netypareo::{client::FetchError, settings::Export},
};

/// One part of an export that did not complete.
#[derive(Debug, thiserror::Error)]
pub enum PartError {
    /// NetYpareo did not give the data.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The token cannot be read, or the client set up.
    #[error("{0}")]
    Setup(String),
    /// No period to export.
    #[error(
        "no period is in progress on {0} in the definition cache: list the periods to export in `periods`, or refresh the cache"
    )]
    NoPeriod(String),
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// The definition cache cannot be read.
    #[error("the definition cache {} cannot be read: {message}; run the cache export", path.display())]
    Cache {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The routing would not send the file to the right kind, or `[watch] ignore` ignores it.
    #[error(
        "{name} would not be read as a {kind} file under [routing] ({routing}) and [watch] ignore; add \"{prefix}*.csv\" to [routing] {kind}"
    )]
    Routing {
        /// The file name.
        name: String,
        /// The kind it must have.
        kind: FileKind,
        /// The kind's prefix.
        prefix: &'static str,
        /// The routing, described.
        routing: String,
    },
}

/// What one export did.
#[derive(Debug)]
pub struct ExportOutcome {
    /// The export.
    pub export: Export,
    /// Files published into the spool.
    pub written: Vec<PathBuf>,
    /// Parts that failed.
    pub errors: Vec<PartError>,
}

/// What a pull of one instance did.
#[derive(Debug)]
pub struct PullOutcome {
    /// The instance's name.
    pub instance: String,
    /// One per export run, in order.
    pub exports: Vec<ExportOutcome>,
    /// The pull's report, if it could be written.
    pub report: Option<PathBuf>,
}

impl PullOutcome {
    /// Whether every export completed.
    pub fn succeeded(&self) -> bool {
        self.exports.iter().all(|export| export.errors.is_empty())
    }
}
