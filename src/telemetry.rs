//! Logging: structured `tracing` events on standard error and, for the service, in daily
//! rolling files. The level comes from the `MOODLE_SYNC_LOG` variable (`info` by default), in
//! `tracing-subscriber`'s filter syntax; `--log-format json` writes one JSON object per line.

use std::{io::IsTerminal, path::Path};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::{EnvFilter, Layer, layer::SubscriberExt, util::SubscriberInitExt};

/// The variable holding the log filter.
pub const LOG_VARIABLE: &str = "MOODLE_SYNC_LOG";

/// The prefix of the daily log files: `moodle-sync.log.2026-11-21`.
pub const LOG_FILE_PREFIX: &str = "moodle-sync.log";

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// For people.
    #[default]
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// How a fatal error is shown on standard error: `moodle-sync: MESSAGE` for people (a
/// configuration error keeps TOML's snippet on its own lines), or, with `--log-format json`,
/// one JSON object shaped as the log lines are (`timestamp`, `level`, `fields.message`), with
/// the exit code.
pub fn fatal_line(format: LogFormat, message: &str, exit_code: u8) -> String {
    match format {
        LogFormat::Text => format!("moodle-sync: {message}"),
        LogFormat::Json => serde_json::json!({
            "timestamp": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            "level": "ERROR",
            "fields": { "message": message, "exit_code": exit_code },
        })
        .to_string(),
    }
}

/// Sends log events to standard error and, when `files` is given, to a daily file in it. Keep
/// the guard until the end: dropping it flushes the file. Does nothing if a subscriber is
/// already set.
pub fn init(format: LogFormat, files: Option<&Path>) -> Option<WorkerGuard> {
    let filter =
        || EnvFilter::try_from_env(LOG_VARIABLE).unwrap_or_else(|_| EnvFilter::new("info"));
    let console = match format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .with_target(false)
            .with_filter(filter())
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_writer(std::io::stderr)
            .with_target(false)
            .with_filter(filter())
            .boxed(),
    };
    let (file, guard) = match files.and_then(|dir| {
        std::fs::create_dir_all(dir).ok()?;
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix(LOG_FILE_PREFIX)
            .build(dir)
            .ok()
    }) {
        Some(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = match format {
                LogFormat::Text => tracing_subscriber::fmt::layer()
                    .with_writer(writer)
                    .with_ansi(false)
                    .with_target(false)
                    .with_filter(filter())
                    .boxed(),
                LogFormat::Json => tracing_subscriber::fmt::layer()
                    .json()
                    .with_writer(writer)
                    .with_target(false)
                    .with_filter(filter())
                    .boxed(),
            };
            (Some(layer), Some(guard))
        }
        None => (None, None),
    };
    let _ = tracing_subscriber::registry()
        .with(console)
        .with(file)
        .try_init();
    guard
}
