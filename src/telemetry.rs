//! Logging: structured `tracing` events on standard error. The level comes from the
//! `MOODLE_SYNC_LOG` variable (`info` by default), in `tracing-subscriber`'s filter syntax.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// The variable holding the log filter.
pub const LOG_VARIABLE: &str = "MOODLE_SYNC_LOG";

/// Sends log events to standard error. Does nothing if a subscriber is already set.
pub fn init() {
    let filter = EnvFilter::try_from_env(LOG_VARIABLE).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
