//! What `status` shows, as one value: [`StatusReport`], gathered by `super::gather` and
//! rendered twice, as text for people (`super::text`) and as JSON for scripts and monitoring
//! (its `Serialize`, documented in docs/watch.md). Pure: no clock, no IO; every time and age in
//! it was read by the gatherer.

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
