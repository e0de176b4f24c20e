//! `state/netypareo/<instance>/last-pull.json`: the record of an instance's last pull, each
//! export's last run kept until a pull runs it again.

use std::{
    io,
    path::{Path, PathBuf},
};

use chrono::{DateTime, Local};
use serde::{Deserialize, Serialize};

use super::{outcome::PullOutcome, run::Destination};
use crate::{
    netypareo::settings::{Export, Instance},
    output::atomic,
};

/// The format version of `last-pull.json`.
pub const LAST_PULL_VERSION: u32 = 1;

/// `state/netypareo/<instance>/last-pull.json`: when each export of an instance last ran and
/// how it ended, for `status`. Written by every pull, `netypareo pull` and `watch`'s schedules
/// alike; an export a pull did not run keeps its earlier record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastPull {
    /// Format version ([`LAST_PULL_VERSION`]).
    pub version: u32,
    /// The instance's name.
    pub instance: String,
    /// When the last pull ran (RFC 3339, local time).
    pub pulled_at: String,
    /// The exports it ran.
    pub ran: Vec<String>,
    /// Whether all of them completed.
    pub succeeded: bool,
    /// Its report (the console transcript), if it could be written.
    pub report: Option<String>,
    /// Each export's last run, in the plugin's order.
    pub exports: Vec<ExportRecord>,
}

/// One export's last run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRecord {
    /// The export (`cache`, `sites`, `users`, `groups`, `fcgroups`).
    pub export: String,
    /// When it ran (RFC 3339, local time).
    pub at: String,
    /// `success`, or `failed` when a part of it failed.
    pub outcome: String,
    /// The command files it wrote into the spool.
    pub files: Vec<String>,
    /// Why parts failed.
    pub errors: Vec<String>,
    /// The pull's report.
    pub report: Option<String>,
}

/// Where the last pull of the instance `slug` is recorded.
pub fn last_pull_path(state: &Path, slug: &str) -> PathBuf {
    state.join("netypareo").join(slug).join("last-pull.json")
}

/// The record of the last pull of `slug`: `None` when it never ran here, `Err` (in words) when
/// the record cannot be read.
pub fn read_last_pull(state: &Path, slug: &str) -> Option<Result<LastPull, String>> {
    let path = last_pull_path(state, slug);
    match std::fs::read(&path) {
        Ok(bytes) => Some(
            serde_json::from_slice(&bytes)
                .map_err(|error| format!("{} cannot be read: {error}", path.display())),
        ),
        Err(error) if error.kind() == io::ErrorKind::NotFound => None,
        Err(error) => Some(Err(format!("{} cannot be read: {error}", path.display()))),
    }
}

/// Records `outcome` as the last pull of `instance`, over the earlier record (atomically).
pub(super) fn record_last_pull(
    instance: &Instance,
    destination: &Destination,
    outcome: &PullOutcome,
    now: DateTime<Local>,
) {
    let at = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    let report = outcome
        .report
        .as_ref()
        .map(|path| path.display().to_string());
    let mut exports = match read_last_pull(&destination.state, &instance.slug) {
        Some(Ok(earlier)) => earlier.exports,
        _ => Vec::new(),
    };
    exports.retain(|record| {
        !outcome
            .exports
            .iter()
            .any(|export| export.export.name() == record.export)
    });
    exports.extend(outcome.exports.iter().map(|export| {
        ExportRecord {
            export: export.export.name().to_owned(),
            at: at.clone(),
            outcome: if export.errors.is_empty() {
                "success"
            } else {
                "failed"
            }
            .to_owned(),
            files: export
                .written
                .iter()
                .map(|path| path.display().to_string())
                .collect(),
            errors: export.errors.iter().map(ToString::to_string).collect(),
            report: report.clone(),
        }
    }));
    let order = |name: &str| {
        Export::ALL
            .iter()
            .position(|export| export.name() == name)
            .unwrap_or(usize::MAX)
    };
    exports.sort_by_key(|record| order(&record.export));
    let record = LastPull {
        version: LAST_PULL_VERSION,
        instance: instance.name.clone(),
        pulled_at: at,
        ran: outcome
            .exports
            .iter()
            .map(|export| export.export.name().to_owned())
            .collect(),
        succeeded: outcome.succeeded(),
        report,
        exports,
    };
    let path = last_pull_path(&destination.state, &instance.slug);
    let bytes = serde_json::to_vec_pretty(&record).expect("plain data serializes");
    let written = std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))
        .and_then(|()| atomic::replace(&path, &bytes));
    if let Err(error) = written {
        tracing::error!(
            "cannot record the NetYpareo pull in {}: {error}",
            path.display()
        );
    }
}
