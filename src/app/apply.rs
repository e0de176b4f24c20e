//! `run FILE` and `approve FILE`: a file applied (or simulated) at once, outside the service,
//! and the summary printed of its run.

use std::path::Path;

use super::run::{connect, shown};
use crate::{
    command::FileKind,
    config::Config,
    exit::Fatal,
    manage,
    outcome::RunStatus,
    output::summary::RunSummary,
    pipeline::{self, RunOptions},
    telemetry::{self, LogFormat},
};

/// `run FILE [--dry-run] [--kind KIND]`: applies or simulates `file`; returns the exit code of
/// its run.
pub(super) async fn run_file(
    config: &Config,
    file: &Path,
    dry_run: bool,
    kind: Option<FileKind>,
    format: LogFormat,
) -> Result<u8, Fatal> {
    let db = connect(config).await?;
    let options = RunOptions { dry_run, kind };
    let summary = pipeline::run_file(config, &db, file, options).await;
    db.close().await;
    let summary = summary?;
    print_summary(file, &summary, dry_run, format);
    Ok(summary.exit_code())
}

/// `approve FILE [--kind KIND] [--force]`: applies a held file as it is, unless a later
/// snapshot of the same export followed it (`force` skips that check); returns the exit code
/// of its run.
pub(super) async fn approve(
    config: &Config,
    file: &Path,
    kind: Option<FileKind>,
    force: bool,
    format: LogFormat,
) -> Result<u8, Fatal> {
    let db = connect(config).await?;
    let summary = manage::approve(config, &db, file, kind, force, &manage::who()).await;
    db.close().await;
    let summary = summary?;
    print_summary(file, &summary, false, format);
    Ok(summary.exit_code())
}

/// Prints what a run did: its outcome in one line, then where its report, tryback, archive or
/// held file went; a rolled-back file and missing outputs are also told on standard error.
fn print_summary(file: &Path, summary: &RunSummary, dry_run: bool, format: LogFormat) {
    let name = file
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let simulation = if dry_run {
        " (simulation: nothing changed)"
    } else {
        ""
    };
    match (summary.status, &summary.summary) {
        (RunStatus::Rejected, _) => {
            crate::say!(
                "{name}: rejected: {}",
                summary.error.as_deref().unwrap_or("unknown reason")
            );
        }
        (RunStatus::RolledBack, _) => crate::say!("{name}: rolled back"),
        (RunStatus::Held, counts) => {
            crate::say!(
                "{name}: {}: {}",
                if dry_run {
                    "would be held"
                } else {
                    "held, nothing applied"
                },
                summary.error.as_deref().unwrap_or_default()
            );
            if let Some(counts) = counts {
                crate::say!("  if approved  {counts}");
            }
        }
        (_, Some(counts)) => crate::say!("{name}: {counts}{simulation}"),
        (_, None) => crate::say!("{name}: done{simulation}"),
    }
    crate::say!("  report   {}", shown(&summary.report));
    if let Some(tryback) = &summary.tryback {
        crate::say!("  tryback  {}", shown(tryback));
    }
    if let Some(archive) = &summary.archive {
        crate::say!("  archive  {}", shown(archive));
    }
    if let Some(held) = &summary.held {
        crate::say!("  held     {}", shown(held));
        crate::say!("  approve  moodle-sync approve {}", shown(held));
    }
    // Like every fatal error, exit codes 4 and 5 come with a one-line reason on standard error.
    let code = summary.exit_code();
    if summary.status == RunStatus::RolledBack {
        let reason = summary.error.as_deref().unwrap_or("database error");
        crate::say_err!("{}", telemetry::fatal_line(format, reason, code));
    }
    if !summary.problems.is_empty() {
        let reason = format!("file applied, but {}", summary.problems.join("; "));
        crate::say_err!("{}", telemetry::fatal_line(format, &reason, code));
    }
}
