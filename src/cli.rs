//! The command line: subcommands and runtime flags. What to ingest and where lives in the
//! configuration file; flags only say how to run.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::{command::FileKind, netypareo::settings::Export, telemetry::LogFormat};

/// Applies CSV command files (user accounts, cohorts and their members, cohort-to-course bindings)
/// to a Moodle database, with a report, a tryback of the failed lines and an archive of every file.
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
    /// 3 bad configuration or usage, 4 database error, 5 file system error, 7 held (a sync
    /// would remove too many members: see `approve`).
    Run {
        /// The command file.
        file: PathBuf,
        /// Compute and report everything, change nothing: no database write, no archive, no
        /// tryback, the input left in place.
        #[arg(long)]
        dry_run: bool,
        /// The kind of file, whatever its name: users, cohorts, bindings or enrolments.
        #[arg(long, value_name = "KIND", value_parser = parse_kind)]
        kind: Option<FileKind>,
    },
    /// Apply a held file (one whose sync would remove more of a cohort's members than
    /// `[cohorts] max_sync_removal_percent` allows), as it is: the limit is lifted for this file.
    /// Otherwise as `run`: report, tryback, archive, the same exit codes.
    Approve {
        /// The held file (in the held folder, `[paths] held`).
        file: PathBuf,
        /// The kind of file, whatever its name: users, cohorts, bindings or enrolments.
        #[arg(long, value_name = "KIND", value_parser = parse_kind)]
        kind: Option<FileKind>,
        /// Apply it even though a later snapshot of the same export (a file whose name carries
        /// a later time stamp, such as NetYpareo's) has been applied or held since.
        #[arg(long)]
        force: bool,
    },
    /// Put a file that was not applied back into the spool, to be taken again: a file of the
    /// failed folder (`[paths] failed`; fix it, or what it needs, first) under the name it was
    /// dropped with, or a tryback (in the reports or failed folder) under its own. A name taken
    /// in the spool gets a suffix that still routes. The ledger records the retry, and the run
    /// that takes the file names the run it retries.
    Retry {
        /// The file, in the failed folder, or a tryback in the reports or failed folder.
        file: PathBuf,
    },
    /// End a held file without applying it: it moves to the discarded folder (`[paths]
    /// discarded`), byte for byte, with a report saying who discarded it and when, and the
    /// ledger records it. `status` no longer lists it.
    Discard {
        /// The held file (in the held folder, `[paths] held`).
        file: PathBuf,
    },
    /// Bundle the old files of the archive, reports, failed and logs folders now, as
    /// `[retention]` says (one zip a month per folder, `bundle-YYYY-MM.zip`, each checked
    /// before any file in it is removed), and delete bundles past their horizon; `watch` does
    /// it once a day. The held folder is never touched (docs/retention.md).
    /// Exit code: 0 done, 3 bad configuration, 5 a folder or bundle could not be written or a
    /// bundle failed its check (no file of it removed).
    Prune {
        /// Say what would be bundled and deleted, change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Run as a service: apply every file dropped into the spool, once, in order, until
    /// SIGTERM or Ctrl-C. Creates the folders and, on the embedded default, the database.
    /// With `[alerts]`, mails and/or runs a command when a file is rejected, rolled back,
    /// partly failed or held, and when the database stays unreachable (docs/alerts.md).
    Watch,
    /// Serve the web console alone, read-only (pages and downloads; no action, no upload), on
    /// `[console] listen`, until SIGTERM or Ctrl-C. `watch` serves it itself, with actions,
    /// when `[console]` is configured (docs/console.md).
    Console {
        /// Print the hash of a password read from standard input (one line), for a
        /// `[[console.users]]` entry's `password_hash`, and exit.
        #[arg(long, conflicts_with = "new_token")]
        hash_password: bool,
        /// Print a new random bearer token and its SHA-256, for a `[[console.tokens]]` entry's
        /// `token_sha256`, and exit.
        #[arg(long)]
        new_token: bool,
    },
    /// NetYpareo: run its exports now, or serve a fake NetYpareo for trying the chain.
    Netypareo {
        /// What to do.
        #[command(subcommand)]
        command: NetypareoCommand,
    },
    /// Show whether a service runs (on each host: pid, start, last heartbeat), the files
    /// waiting and why, uploads still arriving, files in progress, the failed and held files
    /// with why and the command to act on each, NetYpareo's next runs and last pulls, and the
    /// last runs.
    Status {
        /// How many of the last runs to show.
        #[arg(long, default_value_t = 10)]
        runs: u32,
        /// The same as JSON (a `version` field, then every section), for scripts and
        /// monitoring; see docs/watch.md for its fields.
        #[arg(long)]
        json: bool,
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
    value.parse()
}

/// `netypareo` subcommands.
#[derive(Debug, Subcommand)]
pub enum NetypareoCommand {
    /// Run exports now, in the order of the plugin's manual (cache, sites, users, groups,
    /// fcgroups), writing command files into the spool for `watch` to apply.
    /// Exit code: 0 every export written, 6 one failed (see the report), 3 bad configuration.
    Pull {
        /// Only this instance (its name); default: every instance.
        #[arg(long, value_name = "NAME")]
        instance: Option<String>,
        /// Only these exports: cache, sites, users, groups, fcgroups (comma-separated).
        #[arg(long, value_name = "EXPORTS", value_delimiter = ',')]
        only: Vec<Export>,
    },
    /// Serve fixture files as a NetYpareo REST API on 127.0.0.1, until Ctrl-C: for trying
    /// `netypareo pull` and `watch` without a NetYpareo.
    FakeServer {
        /// The fixture folder (as tests/data/netypareo).
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The port (0: any free one).
        #[arg(long, default_value_t = 8470)]
        port: u16,
        /// The token to accept.
        #[arg(long, default_value = "demo-token")]
        token: String,
        /// Serve collections as JSON arrays rather than objects keyed "0", "1"…
        #[arg(long)]
        array: bool,
        /// Wait this long before each answer, in milliseconds.
        #[arg(long, default_value_t = 0, value_name = "MS")]
        latency_ms: u64,
        /// Refuse an endpoint: STATUS:PATH, e.g. 403:/utilisateur/apprenants (repeatable).
        #[arg(long, value_name = "STATUS:PATH")]
        deny: Vec<String>,
        /// Fail an endpoint's first requests with an HTML error page: STATUS:PATH:TIMES, e.g.
        /// 502:/sites:2 (repeatable).
        #[arg(long, value_name = "STATUS:PATH:TIMES")]
        fail: Vec<String>,
    },
}
