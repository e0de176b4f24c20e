//! The watcher's settings (`[watch]`), validated.

use std::time::Duration;

use serde::Deserialize;

use super::writer::WriterCheck;

/// How changes in the spool are noticed. Whatever the mode, the listing decides: events only
/// make it come sooner.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WatchMode {
    /// Events, except on network filesystems (NFS, SMB, FUSE, 9P), where the kernel sends none
    /// for other hosts' writes: there, polling.
    #[default]
    Auto,
    /// The kernel's events, with a listing every `reconcile_s` as a backstop.
    Events,
    /// A listing every `poll_ms`.
    Poll,
}

impl WatchMode {
    /// The configuration value.
    pub fn name(self) -> &'static str {
        match self {
            WatchMode::Auto => "auto",
            WatchMode::Events => "events",
            WatchMode::Poll => "poll",
        }
    }
}

/// What to do with a file whose bytes were already applied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DuplicatePolicy {
    /// Do not apply it again; archive it with a report naming the earlier run.
    #[default]
    Skip,
    /// Apply it again.
    Apply,
}

/// `[watch]`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchSettings {
    /// How changes are noticed.
    pub mode: WatchMode,
    /// How long a file must stay unchanged before it is taken.
    pub settle: Duration,
    /// How to tell whether a process still holds a file open for writing.
    pub writer_check: WriterCheck,
    /// The listing interval in poll mode.
    pub poll: Duration,
    /// The backstop listing interval in events mode.
    pub reconcile: Duration,
    /// Names never taken.
    pub ignore: Vec<String>,
    /// Suffix of done markers, when they are required.
    pub done_marker: Option<String>,
    /// Files already applied.
    pub duplicates: DuplicatePolicy,
    /// Tryback generations before failed lines go to the failed area.
    pub max_tryback_generations: u32,
    /// How long a stop waits for the file in progress.
    pub shutdown_timeout: Duration,
    /// The longest wait between attempts to reach the database.
    pub retry_max: Duration,
}

impl Default for WatchSettings {
    fn default() -> Self {
        WatchSettings {
            mode: WatchMode::Auto,
            settle: Duration::from_millis(2000),
            writer_check: WriterCheck::Auto,
            poll: Duration::from_millis(1000),
            reconcile: Duration::from_secs(30),
            ignore: [".*", "*.tmp", "*.part", "*.filepart", "*.writing"]
                .map(String::from)
                .to_vec(),
            done_marker: None,
            duplicates: DuplicatePolicy::Skip,
            max_tryback_generations: 3,
            shutdown_timeout: Duration::from_secs(30),
            retry_max: Duration::from_secs(60),
        }
    }
}
