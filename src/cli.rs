//! The command line: subcommands and runtime flags. What to ingest and where lives in the
//! configuration file; flags only say how to run.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::{command::FileKind, telemetry::LogFormat};

/// Applies CSV command files (cohorts and their members, cohort-to-course bindings) to a Moodle
/// database, with a report, a tryback of the failed lines and an archive of every file.
#[derive(Debug, Parser)]
#[command(name = "moodle-sync", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file [default: ./moodle-sync.toml if it exists, else built-in defaults]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log format: text for people, json (one object per line) for log shippers.
    #[arg(long, global = true, value_name = "FORMAT", default_value = "text", value_parser = parse_log_format)]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the spool, archive and reports folders and, on the embedded SQLite default, the
    /// database with Moodle's tables.
    Init {
        /// Also add demonstration categories, courses, users and cohorts to the embedded
        /// database, and drop a demonstration cohort file and binding file into the spool.
        #[arg(long)]
        demo: bool,
    },
    /// Apply one command file now; its kind comes from its name (see `[routing]`) or --kind.
    /// Exit code: 0 all lines applied, 1 some lines failed (see the tryback), 2 file rejected,
    /// 3 bad configuration or usage, 4 database error, 5 file system error.
    Run {
        /// The command file.
        file: PathBuf,
        /// Compute and report everything, change nothing: no database write, no archive, no
        /// tryback, the input left in place.
        #[arg(long)]
        dry_run: bool,
        /// The kind of file, whatever its name: users, cohorts or bindings.
        #[arg(long, value_name = "KIND", value_parser = parse_kind)]
        kind: Option<FileKind>,
    },
    /// Run as a service: apply every file dropped into the spool, once, in order, until
    /// SIGTERM or Ctrl-C. Creates the folders and, on the embedded default, the database.
    Watch,
    /// Show the spool: files waiting and why, files in progress, the last runs.
    Status {
        /// How many of the last runs to show.
        #[arg(long, default_value_t = 10)]
        runs: u32,
    },
}

fn parse_log_format(value: &str) -> Result<LogFormat, String> {
    match value {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        other => Err(format!("\"{other}\" is not a log format (text or json)")),
    }
}

fn parse_kind(value: &str) -> Result<FileKind, String> {
    FileKind::ROUTING_ORDER
        .into_iter()
        .find(|kind| kind.name() == value.to_lowercase())
        .ok_or_else(|| {
            format!("\"{value}\" is not a kind of command file (users, cohorts or bindings)")
        })
}
