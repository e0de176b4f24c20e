//! The service's heartbeat: `service.json` in the process's own work folder
//! (`<spool>/.moodle-sync/<pid>@<host>/`), rewritten every few seconds by `watch` for as long as
//! its service loop runs, with what it is doing (the database's state, the file in progress, how
//! it watches). `status` reads every instance folder and tells, with [`liveness`], which
//! services run and which crashed; a service that stopped cleanly has no folder left.
//!
//! Only `watch` writes a heartbeat: `run` and `approve` open a work folder too while they run,
//! and are never taken for a service. The file is replaced atomically (temporary name, flush,
//! rename), so that a reader never sees half of it, and is never written once the work folder
//! is gone (the folder is not created again).

use std::{
    io,
    path::{Path, PathBuf},
    time::Duration,
};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::warn;

use crate::{
    output::atomic,
    spool::claim::{self, WORK_FOLDER},
};

/// The heartbeat's file name in a work folder.
pub const FILE: &str = "service.json";

/// How often the heartbeat is written.
pub const INTERVAL: Duration = Duration::from_secs(5);

/// A heartbeat older than this many of its intervals, from another host, says its service is
/// gone (on its own host, the work folder's lock tells at once).
pub const STALE_AFTER: u32 = 3;

/// The shortest time between two heartbeats written because the service's activity changed:
/// a burst of files rewrites the file once a second, not once a file.
const COALESCE: Duration = Duration::from_secs(1);

/// The format version of `service.json`.
pub const VERSION: u32 = 1;

/// What `service.json` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// Format version ([`VERSION`]).
    pub version: u32,
    /// The process id.
    pub pid: u32,
    /// The host, as the work folder names it.
    pub host: String,
    /// `pid@host`, the work folder's name.
    pub instance: String,
    /// When the service started, in Unix milliseconds.
    pub started_at: i64,
    /// When this heartbeat was written, in Unix milliseconds (the writer's clock).
    pub heartbeat_at: i64,
    /// How often it is written, in milliseconds.
    pub interval_ms: u64,
    /// What the service is doing.
    #[serde(flatten)]
    pub activity: Activity,
}

/// What the service is doing, as its loop tells the heartbeat.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// Whether the database answers.
    pub database: DatabaseState,
    /// The file being applied, if any.
    pub file: Option<FileInProgress>,
    /// How the spool is watched, once the loop has started.
    pub watching: Option<Watching>,
    /// A stop was asked for: the file in progress finishes, no new file is taken.
    pub stopping: bool,
}

/// The database as the service last found it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseState {
    /// `connecting`, `answers` or `unreachable`.
    pub state: Health,
    /// Since when, in Unix milliseconds.
    pub since: i64,
    /// Why it cannot be used, when unreachable.
    pub error: Option<String>,
}

/// Whether the database answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// Not reached yet (the service is starting).
    #[default]
    Connecting,
    /// It answers: files are taken.
    Answers,
    /// It cannot be used: files wait in the spool.
    Unreachable,
}

impl Health {
    /// The word `status` uses.
    pub fn name(self) -> &'static str {
        match self {
            Health::Connecting => "connecting",
            Health::Answers => "answers",
            Health::Unreachable => "unreachable",
        }
    }
}

impl DatabaseState {
    /// The database answers, from now.
    pub fn answers() -> DatabaseState {
        DatabaseState {
            state: Health::Answers,
            since: claim::now_ms(),
            error: None,
        }
    }

    /// The database cannot be used, from now, for `why`.
    pub fn unreachable(why: &str) -> DatabaseState {
        DatabaseState {
            state: Health::Unreachable,
            since: claim::now_ms(),
            error: Some(why.to_owned()),
        }
    }
}

/// The file a service is applying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInProgress {
    /// Its name in the spool.
    pub name: String,
    /// Its claim.
    pub claim: String,
    /// Since when, in Unix milliseconds.
    pub since: i64,
}

/// How a service watches the spool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watching {
    /// `[watch] mode`: `auto`, `events` or `poll`.
    pub mode: String,
    /// What it does: `events` or `poll`.
    pub how: String,
    /// Why, in words.
    pub reason: String,
}

/// Writes heartbeats into `dir` (this process's work folder) until `stop` is cancelled: at once,
/// then every [`INTERVAL`], and soon after the activity changes. A heartbeat that cannot be
/// written is logged once; the service goes on.
pub async fn beat(
    dir: PathBuf,
    started_at: i64,
    mut activity: watch::Receiver<Activity>,
    stop: CancellationToken,
) {
    let instance = dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut failing = false;
    loop {
        let heartbeat = Heartbeat {
            version: VERSION,
            pid: std::process::id(),
            host: crate::host::name(),
            instance: instance.clone(),
            started_at,
            heartbeat_at: claim::now_ms(),
            interval_ms: u64::try_from(INTERVAL.as_millis()).unwrap_or(u64::MAX),
            activity: activity.borrow_and_update().clone(),
        };
        match write(&dir, &heartbeat) {
            Ok(()) => failing = false,
            Err(problem) if !failing => {
                warn!(folder = %dir.display(), "Cannot write the service's heartbeat: {problem}");
                failing = true;
            }
            Err(_) => {}
        }
        let next = tokio::time::Instant::now() + INTERVAL;
        let stopped = tokio::select! {
            () = stop.cancelled() => true,
            () = tokio::time::sleep_until(next) => false,
            changed = activity.changed() => {
                let wait = if changed.is_ok() { COALESCE } else { INTERVAL };
                tokio::select! {
                    () = stop.cancelled() => true,
                    () = tokio::time::sleep(wait) => false,
                }
            }
        };
        if stopped {
            // A clean stop: a folder left for its claims must not read as a crashed service.
            let _ = std::fs::remove_file(dir.join(FILE));
            return;
        }
    }
}

/// Replaces the heartbeat in `dir`. Fails, rather than create it, when the folder is gone.
pub fn write(dir: &Path, heartbeat: &Heartbeat) -> io::Result<()> {
    if !dir.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{} is gone", dir.display()),
        ));
    }
    let bytes = serde_json::to_vec_pretty(heartbeat).map_err(io::Error::other)?;
    atomic::replace(&dir.join(FILE), &bytes)
}

/// An instance folder of the work folder, as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceFolder {
    /// Its name, `pid@host`.
    pub name: String,
    /// The folder.
    pub dir: PathBuf,
    /// Its heartbeat, if it holds a readable one (only `watch` writes one).
    pub heartbeat: Option<Heartbeat>,
    /// Whether the heartbeat file is there but cannot be read (a newer version's, or damaged).
    pub unreadable: Option<String>,
    /// On this host: whether its process still holds the folder's lock. `None` for another
    /// host's folder, whose lock this host cannot see.
    pub locked: Option<bool>,
}

/// Every instance folder in the work folder of `spool`, by name.
pub fn instances(spool: &Path) -> Vec<InstanceFolder> {
    let Ok(entries) = std::fs::read_dir(spool.join(WORK_FOLDER)) else {
        return Vec::new();
    };
    let host = crate::host::name();
    let mut found: Vec<InstanceFolder> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            // `.pid@host.starting`: a process building its folder.
            if name.starts_with('.') {
                return None;
            }
            let dir = entry.path();
            let same_host = name.split_once('@').is_some_and(|(_, other)| other == host);
            let (heartbeat, unreadable) = match std::fs::read(dir.join(FILE)) {
                Ok(bytes) => match serde_json::from_slice::<Heartbeat>(&bytes) {
                    Ok(heartbeat) => (Some(heartbeat), None),
                    Err(error) => (None, Some(error.to_string())),
                },
                Err(error) if error.kind() == io::ErrorKind::NotFound => (None, None),
                Err(error) => (None, Some(error.to_string())),
            };
            Some(InstanceFolder {
                name,
                locked: same_host.then(|| claim::instance_alive(&dir)),
                dir,
                heartbeat,
                unreadable,
            })
        })
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

/// What an instance folder says of its process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// A service runs: its lock is held (this host), or its heartbeat is fresh (another host).
    Running,
    /// A service whose process is gone: its lock is free (this host), or its heartbeat is older
    /// than [`STALE_AFTER`] intervals (another host).
    Crashed,
    /// A `run` or `approve` in progress (no heartbeat, its lock held).
    OneOff,
    /// Left by a `run` or `approve` that died (no heartbeat, its lock free or unknown).
    Left,
}

/// Tells what `folder` says at `now_ms` (the reader's clock). Pure.
pub fn liveness(folder: &InstanceFolder, now_ms: i64) -> Liveness {
    match (&folder.heartbeat, folder.locked) {
        (Some(_), Some(true)) => Liveness::Running,
        (Some(_), Some(false)) => Liveness::Crashed,
        (Some(heartbeat), None) => {
            if heartbeat_age_ms(heartbeat, now_ms) > stale_after_ms(heartbeat) {
                Liveness::Crashed
            } else {
                Liveness::Running
            }
        }
        (None, Some(true)) => Liveness::OneOff,
        (None, _) => Liveness::Left,
    }
}

/// How old a heartbeat is at `now_ms` (0 when the writer's clock is ahead).
pub fn heartbeat_age_ms(heartbeat: &Heartbeat, now_ms: i64) -> i64 {
    now_ms.saturating_sub(heartbeat.heartbeat_at).max(0)
}

/// The age past which a heartbeat is stale.
pub fn stale_after_ms(heartbeat: &Heartbeat) -> i64 {
    let interval = i64::try_from(heartbeat.interval_ms).unwrap_or(i64::MAX);
    interval.saturating_mul(i64::from(STALE_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(heartbeat_at: i64, locked: Option<bool>) -> InstanceFolder {
        InstanceFolder {
            name: "42@host".into(),
            dir: PathBuf::from("/spool/.moodle-sync/42@host"),
            heartbeat: Some(Heartbeat {
                version: VERSION,
                pid: 42,
                host: "host".into(),
                instance: "42@host".into(),
                started_at: 0,
                heartbeat_at,
                interval_ms: 5000,
                activity: Activity::default(),
            }),
            unreadable: None,
            locked,
        }
    }

    #[test]
    fn on_this_host_the_lock_tells() {
        // A stale heartbeat with its lock held: running (a long file, a slow disk).
        assert_eq!(
            liveness(&folder(0, Some(true)), 3_600_000),
            Liveness::Running
        );
        assert_eq!(
            liveness(&folder(1000, Some(false)), 1000),
            Liveness::Crashed
        );
    }

    #[test]
    fn from_another_host_the_heartbeat_tells() {
        assert_eq!(liveness(&folder(0, None), 15_000), Liveness::Running);
        assert_eq!(liveness(&folder(0, None), 15_001), Liveness::Crashed);
        // A writer's clock ahead of ours is fresh, not negative.
        assert_eq!(liveness(&folder(20_000, None), 0), Liveness::Running);
    }

    #[test]
    fn a_folder_without_heartbeat_is_no_service() {
        let mut one_off = folder(0, Some(true));
        one_off.heartbeat = None;
        assert_eq!(liveness(&one_off, 0), Liveness::OneOff);
        one_off.locked = Some(false);
        assert_eq!(liveness(&one_off, 0), Liveness::Left);
        one_off.locked = None;
        assert_eq!(liveness(&one_off, 0), Liveness::Left);
    }

    #[test]
    fn the_heartbeat_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut heartbeat = folder(5, None).heartbeat.unwrap();
        heartbeat.activity.file = Some(FileInProgress {
            name: "cohorts.csv".into(),
            claim: "c".into(),
            since: 4,
        });
        write(dir.path(), &heartbeat).unwrap();
        let read: Heartbeat =
            serde_json::from_slice(&std::fs::read(dir.path().join(FILE)).unwrap()).unwrap();
        assert_eq!(read, heartbeat);
        // Once the folder is gone, nothing creates it again.
        let gone = dir.path().join("gone");
        assert!(write(&gone, &heartbeat).is_err());
        assert!(!gone.exists());
    }
}
