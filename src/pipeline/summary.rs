//! Phase 10, summarise: what a run did, in the service's log.

use chrono::{Local, SecondsFormat, TimeZone};
use tracing::{error, info, warn};

use crate::{outcome::RunStatus, output::summary::RunSummary};

/// A Unix time in milliseconds, as local RFC 3339.
pub fn show_ms(ms: i64) -> String {
    Local
        .timestamp_millis_opt(ms)
        .single()
        .map(|time| time.to_rfc3339_opts(SecondsFormat::Secs, false))
        .unwrap_or_else(|| ms.to_string())
}

/// One log line per file finished or refused.
pub(super) fn log_finished(summary: &RunSummary, simulation: bool) {
    let report = summary.report.display();
    let totals = summary.totals.as_ref();
    match (summary.status, summary.problems.is_empty()) {
        (RunStatus::Success | RunStatus::Partial, true) => info!(
            status = summary.status.name(),
            run = summary.run,
            simulation,
            lines = totals.map_or(0, |totals| totals.lines),
            changed = totals.map_or(0, |totals| totals.changed),
            unchanged = totals.map_or(0, |totals| totals.unchanged),
            failed = totals.map_or(0, |totals| totals.failed),
            summary = summary.summary.as_deref().unwrap_or_default(),
            report = %report,
            "File finished"
        ),
        (RunStatus::Held, true) => warn!(
            run = summary.run,
            simulation,
            summary = summary.summary.as_deref().unwrap_or_default(),
            report = %report,
            held = %summary.held.as_ref().map(|path| path.display().to_string()).unwrap_or_default(),
            "File held for approval: {}",
            summary.error.as_deref().unwrap_or_default()
        ),
        (RunStatus::Duplicate, true) => warn!(
            run = summary.run,
            report = %report,
            "File refused: these bytes were applied before"
        ),
        (RunStatus::Rejected | RunStatus::RolledBack, true) => error!(
            status = summary.status.name(),
            run = summary.run,
            report = %report,
            "File refused: {}",
            summary.error.as_deref().unwrap_or_default()
        ),
        (_, false) => error!(
            run = summary.run,
            report = %report,
            "File decided, but outputs are missing: {}",
            summary.problems.join("; ")
        ),
    }
}
