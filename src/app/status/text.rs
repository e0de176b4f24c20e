//! The status as text, for people: one section after the other (the spool, the database and
//! the services; files waiting, uploads, files in progress; the failed and held areas;
//! NetYpareo's schedules; the last runs). Pure, like the [`StatusReport`] it renders.

use std::fmt::Write;

use crate::status::view::{
    KeptView, NetypareoView, RunView, ServiceState, ServiceView, StatusReport, UploadState,
    WaitingState, WaitingView,
};

/// The report as text, for people.
pub fn render_text(report: &StatusReport) -> String {
    let mut out = String::new();
    overview(&mut out, report);
    waiting(&mut out, report);
    if !report.uploads.is_empty() {
        uploads(&mut out, report);
    }
    in_progress(&mut out, report);
    kept_areas(&mut out, report);
    for instance in &report.netypareo {
        netypareo(&mut out, instance);
    }
    match (&report.last_runs, &report.last_runs_error) {
        (Some(runs), _) => last_runs(&mut out, runs),
        (None, Some(error)) => line(&mut out, &format!("\nlast runs   cannot be read: {error}")),
        (None, None) => {}
    }
    out
}

/// Adds `text` and a line break. Writing to a String cannot fail.
fn line(out: &mut String, text: &str) {
    out.push_str(text);
    out.push('\n');
}

/// The spool, the database, the services and commands running, how the spool is watched.
fn overview(out: &mut String, report: &StatusReport) {
    line(out, &format!("spool       {}", report.spool));
    if let Some(error) = &report.spool_error {
        line(out, &format!("            cannot be listed: {error}"));
    }
    match &report.database.error {
        None => line(out, &format!("database    {}", report.database.target)),
        Some(error) => line(
            out,
            &format!(
                "database    {}: cannot be used: {error}",
                report.database.target
            ),
        ),
    }
    let running: Vec<&ServiceView> = report
        .services
        .iter()
        .filter(|service| service.state == ServiceState::Running)
        .collect();
    if running.is_empty() {
        line(
            out,
            "service     no service is running: nothing is taken from the spool until `moodle-sync watch` runs",
        );
    }
    for service in &report.services {
        line(out, &format!("service     {}", describe_service(service)));
    }
    for command in &report.commands {
        line(
            out,
            &format!("command     `run` or `approve` in progress: {command}"),
        );
    }
    line(
        out,
        &format!(
            "watching    mode {}{}",
            report.watch.mode,
            if report.watch.network_filesystem {
                " (network filesystem: polled)"
            } else {
                ""
            }
        ),
    );
}

/// The files waiting in the spool, and why each waits.
fn waiting(out: &mut String, report: &StatusReport) {
    line(
        out,
        &format!("\nwaiting     {} file(s)", report.waiting.len()),
    );
    for file in &report.waiting {
        line(
            out,
            &format!(
                "  {}  {} bytes, dropped {} ago  {}",
                file.name,
                file.size,
                show_age(file.age_s),
                waiting_reason(report, file)
            ),
        );
    }
    if let Some(oldest) = report.oldest_waiting_s {
        line(out, &format!("oldest      {} waiting", show_age(oldest)));
    }
}

/// The uploads still arriving, and what each waits for.
fn uploads(out: &mut String, report: &StatusReport) {
    line(
        out,
        &format!(
            "\nuploads     {} file(s) still arriving",
            report.uploads.len()
        ),
    );
    for upload in &report.uploads {
        let state = match upload.state {
            UploadState::IgnoredName => {
                "temporary name ([watch] ignore): taken once renamed".to_owned()
            }
            UploadState::Settling => format!(
                "settling: changed less than {} ms ago ({} ms to go)",
                report.watch.settle_ms,
                upload.remaining_ms.unwrap_or_default()
            ),
            UploadState::Writing => format!(
                "being written by {}",
                upload.writers.as_deref().unwrap_or("a process")
            ),
        };
        line(
            out,
            &format!(
                "  {}  {} bytes, changed {} ago  {state}",
                upload.name,
                upload.size,
                show_age(upload.age_s)
            ),
        );
    }
}

/// The files claimed and being applied.
fn in_progress(out: &mut String, report: &StatusReport) {
    line(
        out,
        &format!("\nin progress {} file(s)", report.in_progress.len()),
    );
    for claim in &report.in_progress {
        line(
            out,
            &format!(
                "  {}  claimed by {} at {} (claim {})",
                claim.name, claim.instance, claim.claimed_at, claim.claim
            ),
        );
    }
}

/// The failed and held areas: each file, why it is there, and the commands that act on it.
fn kept_areas(out: &mut String, report: &StatusReport) {
    line(
        out,
        &format!(
            "\nfailed      {} file(s){}",
            report.failed.len(),
            if report.failed.is_empty() {
                ""
            } else {
                " not applied: fix the cause, then retry"
            }
        ),
    );
    for file in &report.failed {
        line(out, &describe_kept(file, "failed"));
    }
    line(
        out,
        &format!(
            "\nheld        {} file(s){}",
            report.held.len(),
            if report.held.is_empty() {
                ""
            } else {
                " waiting for a decision: approve applies one as it is, discard ends it"
            }
        ),
    );
    for file in &report.held {
        line(out, &describe_kept(file, "held"));
    }
}

/// A NetYpareo instance: each export's schedule and last pull, then the last pull as a whole.
fn netypareo(out: &mut String, instance: &NetypareoView) {
    line(
        out,
        &format!(
            "\nnetypareo   {} (schedules in local time: {})",
            instance.instance, instance.time_zone
        ),
    );
    let records = instance
        .last_pull
        .as_ref()
        .map(|pull| pull.exports.as_slice())
        .unwrap_or_default();
    for export in &instance.exports {
        let when = match (&export.schedule, &export.next_run) {
            (Some(schedule), Some(next)) => format!("{schedule:<12}  next {next}"),
            (Some(schedule), None) => format!("{schedule:<12}  never comes"),
            (None, _) => "not scheduled: `moodle-sync netypareo pull` runs it".to_owned(),
        };
        let last = records
            .iter()
            .find(|record| record.export == export.export)
            .map(|record| {
                let mut text = format!("  last {} {}", record.at, record.outcome);
                if !record.errors.is_empty() {
                    let _ = write!(text, ": {}", record.errors.join("; "));
                } else if !record.files.is_empty() {
                    let _ = write!(text, ", {} file(s) written", record.files.len());
                }
                text
            })
            .unwrap_or_else(|| "  never pulled here".to_owned());
        line(out, &format!("  {:<9} {when}{last}", export.export));
    }
    match (&instance.last_pull, &instance.last_pull_error) {
        (Some(pull), _) => line(
            out,
            &format!(
                "  last pull {} ({}): {}{}",
                pull.pulled_at,
                pull.ran.join(", "),
                if pull.succeeded {
                    "every export completed"
                } else {
                    "an export failed"
                },
                pull.report
                    .as_deref()
                    .map(|report| format!("; report {report}"))
                    .unwrap_or_default()
            ),
        ),
        (None, Some(error)) => line(out, &format!("  last pull unknown: {error}")),
        (None, None) => line(out, "  last pull none recorded"),
    }
}

/// The last runs of the ledger, newest first.
fn last_runs(out: &mut String, runs: &[RunView]) {
    line(out, &format!("\nlast runs   {}", runs.len()));
    for run in runs {
        let lineage = if run.generation > 0 {
            format!(", tryback generation {}", run.generation)
        } else {
            String::new()
        };
        let report = if run.report.is_empty() {
            String::new()
        } else {
            format!("  report {}", run.report)
        };
        line(
            out,
            &format!(
                "  #{:<5} {}  {}  {} ({}{lineage}){report}",
                run.id, run.finished_at, run.name, run.outcome, run.summary
            ),
        );
    }
}

/// A service in one line: running, with what it is doing, or crashed, with who settles what it
/// left.
fn describe_service(service: &ServiceView) -> String {
    let age = show_age(service.heartbeat_age_s);
    match service.state {
        ServiceState::Crashed => format!(
            "crashed: pid {} on {}, started {}, last heartbeat {} ({age} ago); the next `moodle-sync watch` on {} settles what it left",
            service.pid, service.host, service.started_at, service.heartbeat_at, service.host
        ),
        ServiceState::Running => {
            let mut doing = Vec::new();
            match (service.database.as_str(), &service.database_error) {
                ("unreachable", error) => doing.push(format!(
                    "database unreachable since {}{}: files wait",
                    service.database_since,
                    error
                        .as_deref()
                        .map(|error| format!(" ({error})"))
                        .unwrap_or_default()
                )),
                (state, _) => doing.push(format!("database {state}")),
            }
            match (&service.file, &service.file_since) {
                (Some(file), Some(since)) => doing.push(format!("applying {file} since {since}")),
                (Some(file), None) => doing.push(format!("applying {file}")),
                _ => doing.push("idle".into()),
            }
            if let Some(watching) = &service.watching {
                doing.push(format!("watching by {watching}"));
            }
            if service.stopping {
                doing.push("stopping: finishing the file in progress".into());
            }
            let stale = if service.heartbeat_stale {
                " (older than expected: busy, or stuck)"
            } else {
                ""
            };
            format!(
                "running: pid {} on {}, started {}, last heartbeat {age} ago{stale}; {}",
                service.pid,
                service.host,
                service.started_at,
                doing.join(", ")
            )
        }
    }
}

/// Why a waiting file waits, and what takes it.
fn waiting_reason(report: &StatusReport, file: &WaitingView) -> String {
    let kind = file.kind.as_deref().unwrap_or("?");
    let repeats = file
        .earlier_run
        .as_ref()
        .filter(|_| file.state == WaitingState::Ready)
        .map(|earlier| {
            format!(
                "; it repeats run #{} ({}), which did not apply every line",
                earlier.run, earlier.outcome
            )
        })
        .unwrap_or_default();
    match file.state {
        WaitingState::Unrouted => format!(
            "unrouted: its name matches no pattern ({}); it stays in the spool",
            report.watch.routing
        ),
        WaitingState::AwaitingMarker => format!(
            "waiting for its done marker {}{}",
            file.name,
            report.watch.done_marker.as_deref().unwrap_or_default()
        ),
        WaitingState::Ready if report.service_running => {
            format!("ready: a {kind} file, taken next{repeats}")
        }
        WaitingState::Ready => format!(
            "ready: a {kind} file{repeats}; waiting: no service is running; start `moodle-sync watch` or `moodle-sync run {}`",
            file.path
        ),
        WaitingState::Duplicate => {
            let earlier = file
                .earlier_run
                .as_ref()
                .map(|earlier| {
                    format!(
                        "run #{} applied every line of the same bytes ({}, {})",
                        earlier.run, earlier.name, earlier.finished_at
                    )
                })
                .unwrap_or_default();
            if report.service_running {
                format!("duplicate: {earlier}; it will be archived, not applied")
            } else {
                format!(
                    "duplicate: {earlier}; a service will archive it, not apply it (no service is running)"
                )
            }
        }
    }
}

/// A file of the failed or held `area`: since when, by which run, why, and the commands that
/// act on it, one a line.
fn describe_kept(file: &KeptView, area: &str) -> String {
    let mut text = format!("  {}  {area} since {}", file.path, file.since);
    if let Some(run) = file.run {
        let _ = write!(text, " by run #{run}");
    }
    match &file.reason {
        Some(reason) => {
            let _ = write!(text, ": {reason}");
        }
        None => text.push_str(": no record says why (no ledger row, no report)"),
    }
    for command in &file.commands {
        let _ = write!(text, "\n      {command}");
    }
    text
}

/// An age in seconds, in words: `45 s`, `3 min`, `2 h 5 min`, `3 days`.
pub fn show_age(seconds: u64) -> String {
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min", seconds / 60),
        3600..86400 => format!("{} h {} min", seconds / 3600, seconds % 3600 / 60),
        _ => format!("{} days", seconds / 86400),
    }
}

#[cfg(test)]
mod tests;
