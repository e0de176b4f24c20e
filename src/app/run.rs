//! Runs a command: loads the configuration, starts logging, and hands the command to the
//! function that does it; with what the commands share: the connection to Moodle's database
//! ([`connect`]) and paths as they are printed (`shown`).

use super::{apply, decisions, init, netypareo, prune, serve, status, watch};
use crate::{
    cli::{Cli, Command},
    config::Config,
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
        Command::Console {
            hash_password,
            new_token,
        } => serve::console(config, hash_password, new_token)
            .await
            .map(|()| 0),
        Command::Status { runs, json } => status::print(&config, runs, json).await.map(|()| 0),
        Command::Netypareo { command } => netypareo::run(&config, command).await,
        Command::Init { demo } => init::init(&config, demo).await.map(|()| 0),
        Command::Run {
            file,
            dry_run,
            kind,
        } => apply::run_file(&config, &file, dry_run, kind, format).await,
        Command::Prune { dry_run } => prune::prune(&config, dry_run).await,
        Command::Retry { file } => decisions::retry(&config, &file).await.map(|()| 0),
        Command::Discard { file } => decisions::discard(&config, &file).await.map(|()| 0),
        Command::Approve { file, kind, force } => {
            apply::approve(&config, &file, kind, force, format).await
        }
    }
}

pub use crate::pipeline::connect;
pub(super) use crate::status::shown;
