//! What `status` shows, as one value: [`StatusReport`], gathered by `super::gather` and
//! rendered twice, as text for people ([`render_text`]) and as JSON for scripts and monitoring
//! (its `Serialize`, documented in docs/watch.md). Pure: no clock, no IO; every time and age in
//! it was read by the gatherer.

use std::fmt::Write;

use serde::Serialize;

use crate::netypareo::pull::LastPull;

/// The version of the JSON document; raised when a field changes meaning or goes away (new
/// fields do not raise it).
pub const VERSION: u32 = 1;

/// Everything `status` says.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusReport {
    /// [`VERSION`].
    pub version: u32,
    /// When it was gathered (RFC 3339).
    pub generated_at: String,
    /// The host `status` ran on.
    pub host: String,
    /// The spool folder.
    pub spool: String,
    /// Why the spool cannot be listed, if it cannot.
    pub spool_error: Option<String>,
    /// The database.
    pub database: DatabaseView,
    /// `[watch]` as configured.
    pub watch: WatchView,
    /// Whether a service (`watch`) runs, on any host.
    pub service_running: bool,
    /// The services found: running ones, and crashed ones whose folder is left.
    pub services: Vec<ServiceView>,
    /// `run` or `approve` commands in progress (not services).
    pub commands: Vec<String>,
    /// Files of the spool waiting to be taken, or never taken.
    pub waiting: Vec<WaitingView>,
    /// Age of the oldest waiting file, in seconds.
    pub oldest_waiting_s: Option<u64>,
    /// Uploads in progress: ignored names, files settling, files open for writing.
    pub uploads: Vec<UploadView>,
    /// Files claimed and being applied (or left by a crashed process, to be settled).
    pub in_progress: Vec<ClaimView>,
    /// Files of the failed area.
    pub failed: Vec<KeptView>,
    /// Files of the held area.
    pub held: Vec<KeptView>,
    /// NetYpareo instances: schedules and last pulls.
    pub netypareo: Vec<NetypareoView>,
    /// The last runs of the ledger, newest first (`None`: the ledger cannot be read).
    pub last_runs: Option<Vec<RunView>>,
    /// Why the ledger cannot be read.
    pub last_runs_error: Option<String>,
}

/// The database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatabaseView {
    /// Backend and URL, without secrets.
    pub target: String,
    /// Whether `status` could use it.
    pub usable: bool,
    /// Why not.
    pub error: Option<String>,
}

/// `[watch]` as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchView {
    /// `auto`, `events` or `poll`.
    pub mode: String,
    /// Whether the spool is on a network filesystem (polled in `auto` mode).
    pub network_filesystem: bool,
    /// `settle_ms`.
    pub settle_ms: u64,
    /// The routing patterns, described.
    pub routing: String,
    /// `done_marker`, when required.
    pub done_marker: Option<String>,
}

/// A service, from its work folder and heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceView {
    /// `running` or `crashed`.
    pub state: ServiceState,
    /// `pid@host`.
    pub instance: String,
    /// Its process id.
    pub pid: u32,
    /// Its host.
    pub host: String,
    /// Whether it runs on the host `status` ran on (its lock then tells whether it lives).
    pub this_host: bool,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// Its last heartbeat (RFC 3339).
    pub heartbeat_at: String,
    /// The heartbeat's age, in seconds.
    pub heartbeat_age_s: u64,
    /// Whether the heartbeat is older than a few of its intervals.
    pub heartbeat_stale: bool,
    /// `connecting`, `answers` or `unreachable`, as the service last found the database.
    pub database: String,
    /// Since when (RFC 3339).
    pub database_since: String,
    /// Why the database cannot be used.
    pub database_error: Option<String>,
    /// The file it is applying.
    pub file: Option<String>,
    /// Since when (RFC 3339).
    pub file_since: Option<String>,
    /// How it watches: `events` or `poll`, once started.
    pub watching: Option<String>,
    /// A stop was asked for: it finishes the file in progress.
    pub stopping: bool,
}

/// Whether a service runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceState {
    /// It runs.
    Running,
    /// Its process is gone without a clean stop.
    Crashed,
}

/// A file of the spool waiting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaitingView {
    /// Its name.
    pub name: String,
    /// Its path, as a command takes it.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// Since when it has been there as it is, in seconds.
    pub age_s: u64,
    /// Why it waits.
    pub state: WaitingState,
    /// Its kind, when routed.
    pub kind: Option<String>,
    /// The last run of the same bytes, if any.
    pub earlier_run: Option<EarlierView>,
}

/// Why a file waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitingState {
    /// Complete: taken next by a service.
    Ready,
    /// The same bytes applied every line before: archived, not applied.
    Duplicate,
    /// Its name matches no routing pattern: never taken.
    Unrouted,
    /// Its done marker is not there.
    AwaitingMarker,
}

/// An earlier run of the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EarlierView {
    /// Its ledger id.
    pub run: i64,
    /// How it ended.
    pub outcome: String,
    /// Its file's name.
    pub name: String,
    /// When (RFC 3339).
    pub finished_at: String,
}

/// An upload in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UploadView {
    /// Its name.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Since its last change, in seconds.
    pub age_s: u64,
    /// What it waits for.
    pub state: UploadState,
    /// Settling: what remains of the settle time, in milliseconds.
    pub remaining_ms: Option<u64>,
    /// Open for writing: by whom (`pid 4242 (scp)`).
    pub writers: Option<String>,
}

/// What an upload waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadState {
    /// A temporary name (`[watch] ignore`): taken once renamed.
    IgnoredName,
    /// Changed less than the settle time ago.
    Settling,
    /// Settled, but a process still holds it open for writing.
    Writing,
}

/// A claimed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimView {
    /// Its name.
    pub name: String,
    /// The process that claimed it.
    pub instance: String,
    /// When (RFC 3339).
    pub claimed_at: String,
    /// The claim.
    pub claim: String,
}

/// A file of the failed or held area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeptView {
    /// Its path, as a command takes it.
    pub path: String,
    /// Since when it has been there (RFC 3339).
    pub since: String,
    /// The run that put it there, if the ledger knows it.
    pub run: Option<i64>,
    /// Why it is there.
    pub reason: Option<String>,
    /// Where the reason comes from: `ledger` or `report`.
    pub reason_from: Option<String>,
    /// The report that says more.
    pub report: Option<String>,
    /// The commands that act on it.
    pub commands: Vec<String>,
}

/// A NetYpareo instance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetypareoView {
    /// Its name.
    pub instance: String,
    /// Its name in file names.
    pub slug: String,
    /// The time zone its schedules are read in (the host's local time): a name when the host
    /// tells one, and the offset now.
    pub time_zone: String,
    /// Each export's schedule and next run.
    pub exports: Vec<ScheduleView>,
    /// The record of its last pull, if it ran here.
    pub last_pull: Option<LastPull>,
    /// Why the record cannot be read.
    pub last_pull_error: Option<String>,
}

/// One export's schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleView {
    /// The export.
    pub export: String,
    /// Its schedule (Moodle's cron syntax); `None`: run by hand only.
    pub schedule: Option<String>,
    /// Its next run (RFC 3339, with the offset), when scheduled.
    pub next_run: Option<String>,
}

/// A run of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunView {
    /// Its ledger id.
    pub id: i64,
    /// When it ended (RFC 3339).
    pub finished_at: String,
    /// The file's name.
    pub name: String,
    /// How it ended.
    pub outcome: String,
    /// What it did in one line.
    pub summary: String,
    /// Its tryback generation.
    pub generation: u32,
    /// Its report.
    pub report: String,
}

/// The report as text, for people.
pub fn render_text(report: &StatusReport) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    line(format!("spool       {}", report.spool));
    if let Some(error) = &report.spool_error {
        line(format!("            cannot be listed: {error}"));
    }
    match &report.database.error {
        None => line(format!("database    {}", report.database.target)),
        Some(error) => line(format!(
            "database    {}: cannot be used: {error}",
            report.database.target
        )),
    }
    let running: Vec<&ServiceView> = report
        .services
        .iter()
        .filter(|service| service.state == ServiceState::Running)
        .collect();
    if running.is_empty() {
        line(
            "service     no service is running: nothing is taken from the spool until `moodle-sync watch` runs"
                .into(),
        );
    }
    for service in &report.services {
        line(format!("service     {}", describe_service(service)));
    }
    for command in &report.commands {
        line(format!(
            "command     `run` or `approve` in progress: {command}"
        ));
    }
    line(format!(
        "watching    mode {}{}",
        report.watch.mode,
        if report.watch.network_filesystem {
            " (network filesystem: polled)"
        } else {
            ""
        }
    ));

    line(format!("\nwaiting     {} file(s)", report.waiting.len()));
    for file in &report.waiting {
        line(format!(
            "  {}  {} bytes, dropped {} ago  {}",
            file.name,
            file.size,
            show_age(file.age_s),
            waiting_reason(report, file)
        ));
    }
    if let Some(oldest) = report.oldest_waiting_s {
        line(format!("oldest      {} waiting", show_age(oldest)));
    }

    if !report.uploads.is_empty() {
        line(format!(
            "\nuploads     {} file(s) still arriving",
            report.uploads.len()
        ));
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
            line(format!(
                "  {}  {} bytes, changed {} ago  {state}",
                upload.name,
                upload.size,
                show_age(upload.age_s)
            ));
        }
    }

    line(format!(
        "\nin progress {} file(s)",
        report.in_progress.len()
    ));
    for claim in &report.in_progress {
        line(format!(
            "  {}  claimed by {} at {} (claim {})",
            claim.name, claim.instance, claim.claimed_at, claim.claim
        ));
    }

    line(format!(
        "\nfailed      {} file(s){}",
        report.failed.len(),
        if report.failed.is_empty() {
            ""
        } else {
            " not applied: fix the cause, then retry"
        }
    ));
    for file in &report.failed {
        line(describe_kept(file, "failed"));
    }
    line(format!(
        "\nheld        {} file(s){}",
        report.held.len(),
        if report.held.is_empty() {
            ""
        } else {
            " waiting for a decision: approve applies one as it is, discard ends it"
        }
    ));
    for file in &report.held {
        line(describe_kept(file, "held"));
    }

    for instance in &report.netypareo {
        line(format!(
            "\nnetypareo   {} (schedules in local time: {})",
            instance.instance, instance.time_zone
        ));
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
            line(format!("  {:<9} {when}{last}", export.export));
        }
        match (&instance.last_pull, &instance.last_pull_error) {
            (Some(pull), _) => line(format!(
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
            )),
            (None, Some(error)) => line(format!("  last pull unknown: {error}")),
            (None, None) => line("  last pull none recorded".into()),
        }
    }

    match (&report.last_runs, &report.last_runs_error) {
        (Some(runs), _) => {
            line(format!("\nlast runs   {}", runs.len()));
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
                line(format!(
                    "  #{:<5} {}  {}  {} ({}{lineage}){report}",
                    run.id, run.finished_at, run.name, run.outcome, run.summary
                ));
            }
        }
        (None, Some(error)) => line(format!("\nlast runs   cannot be read: {error}")),
        (None, None) => {}
    }
    out
}

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
