//! Runs a command: loads the configuration, starts logging, and hands the command to the
//! function that does it; with what the commands share: the connection to Moodle's database
//! ([`connect`]) and paths as they are printed (`shown`).

use std::path::Path;

use super::{apply, decisions, init, netypareo, status, watch};
use crate::{
    cli::{Cli, Command},
    config::Config,
    db::Db,
    exit::Fatal,
    telemetry,
};

/// Runs the command; returns the process exit code.
pub async fn run(cli: Cli) -> Result<u8, Fatal> {
    let format = cli.log_format;
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            telemetry::init(cli.log_format, None);
            return Err(error.into());
        }
    };
    // The service logs to files too; one-off commands only to the console.
    let files = matches!(cli.command, Command::Watch).then_some(config.paths.logs.as_path());
    let _guard = telemetry::init(cli.log_format, files);
    match cli.command {
        Command::Watch => watch::watch(config).await.map(|()| 0),
        Command::Status { runs, json } => status::print(&config, runs, json).await.map(|()| 0),
        Command::Netypareo { command } => netypareo::run(&config, command).await,
        Command::Init { demo } => init::init(&config, demo).await.map(|()| 0),
        Command::Run {
            file,
            dry_run,
            kind,
        } => apply::run_file(&config, &file, dry_run, kind, format).await,
        Command::Retry { file } => decisions::retry(&config, &file).await.map(|()| 0),
        Command::Discard { file } => decisions::discard(&config, &file).await.map(|()| 0),
        Command::Approve { file, kind, force } => {
            apply::approve(&config, &file, kind, force, format).await
        }
    }
}

/// Connects to the configured database and checks that it is Moodle's.
pub async fn connect(config: &Config) -> Result<Db, Fatal> {
    let db = Db::connect(&config.database.target, &config.database.prefix, false).await?;
    db.check_moodle().await?;
    Ok(db)
}

/// A path relative to the current folder when it is inside it.
pub(super) fn shown(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|current| {
            path.strip_prefix(current)
                .ok()
                .map(|relative| relative.display().to_string())
        })
        .unwrap_or_else(|| path.display().to_string())
}
