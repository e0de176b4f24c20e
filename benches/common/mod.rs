//! What the benchmarks share: the backends, a scratch schema or database per run on the
//! servers, connections, and the table the figures are printed in; in its modules, the run of
//! a benchmark ([`run`]), its rounds ([`rounds`]), the rows it sets up and reads back
//! ([`seed`]) and the cells of its tables ([`table`]).

// Each benchmark uses its own part of this module.
#![allow(dead_code)]

pub mod rounds;
pub mod run;
pub mod seed;
pub mod table;

use std::{
    fmt::{self, Write as _},
    fs,
    path::Path,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use moodle_sync::{
    config::{Config, FileConfig},
    db::{self, Db, DbTarget, Dialect},
};
use sqlx::{AnyConnection, AssertSqlSafe, Connection};

/// How long to wait for a database server before calling it unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What one backend gave: its figures, or why it has none.
pub enum Outcome<F> {
    /// Measured.
    Measured(F),
    /// Not measured: the server cannot be reached.
    Skipped(String),
    /// The measurement failed.
    Failed(String),
}

/// The database backends measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mariadb,
}

impl Backend {
    pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::Mariadb];

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mariadb => "mariadb",
        }
    }

    /// The server to create a scratch schema or database on; `None` for SQLite.
    pub fn admin_url(self) -> Option<String> {
        let (variable, default) = match self {
            Backend::Sqlite => return None,
            Backend::Postgres => (
                "MOODLE_SYNC_TEST_POSTGRES",
                "postgres://postgres@127.0.0.1:5432/test",
            ),
            Backend::Mariadb => (
                "MOODLE_SYNC_TEST_MARIADB",
                "mysql://root@127.0.0.1:3306/test",
            ),
        };
        Some(std::env::var(variable).unwrap_or_else(|_| default.to_owned()))
    }
}

/// A PostgreSQL schema or MariaDB database made for this run. Dropping it drops them, on
/// success, on error and on panic alike (best effort: a failure is only reported).
pub struct ScratchDatabase {
    admin_url: String,
    drop_statement: String,
    label: String,
}

impl ScratchDatabase {
    /// Creates the schema or database; returns the URL the application uses to reach it. A
    /// server that cannot be connected to gives [`Outcome::Skipped`].
    pub async fn create<F>(
        backend: Backend,
        admin_url: &str,
    ) -> Result<(String, ScratchDatabase), Outcome<F>> {
        let shown = DbTarget::redact(admin_url);
        let mut admin = match connect(admin_url).await {
            Ok(connection) => connection,
            Err(error) => {
                eprintln!(
                    "[{}] skipped: cannot connect to {shown}: {error}",
                    backend.name()
                );
                return Err(Outcome::Skipped(format!("cannot connect to {shown}")));
            }
        };
        let seconds = unix_seconds();
        // The tests' clean-up drops `ms_<seconds>_…` leftovers older than two hours.
        let name = format!("ms_{seconds}_{}_bench", std::process::id());
        let (create, drop_statement, url, label) = match backend {
            Backend::Postgres => {
                let separator = if admin_url.contains('?') { '&' } else { '?' };
                (
                    format!("CREATE SCHEMA {name}"),
                    format!("DROP SCHEMA IF EXISTS {name} CASCADE"),
                    format!("{admin_url}{separator}options[search_path]={name}"),
                    format!("PostgreSQL schema {name}"),
                )
            }
            Backend::Mariadb => (
                format!("CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"),
                format!("DROP DATABASE IF EXISTS {name}"),
                with_database(admin_url, &name),
                format!("MariaDB database {name}"),
            ),
            Backend::Sqlite => unreachable!("SQLite needs no server-side scratch database"),
        };
        let created = sqlx::raw_sql(AssertSqlSafe(create))
            .execute(&mut admin)
            .await;
        let _ = admin.close().await;
        if let Err(error) = created {
            return Err(Outcome::Failed(format!(
                "cannot create the {label} on {shown}: {error}"
            )));
        }
        let scratch = ScratchDatabase {
            admin_url: admin_url.to_owned(),
            drop_statement,
            label,
        };
        Ok((url, scratch))
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let statement = self.drop_statement.clone();
        // Drop cannot await, and it may run while a panic unwinds out of the runtime: clean up
        // from a thread with a runtime of its own.
        let cleanup = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(failed_while("starting a runtime"))?;
            runtime.block_on(async {
                let mut admin = connect(&admin_url).await?;
                let dropped = sqlx::raw_sql(AssertSqlSafe(statement))
                    .execute(&mut admin)
                    .await;
                let _ = admin.close().await;
                dropped.map(|_| ()).map_err(|error| error.to_string())
            })
        })
        .join();
        let problem = match cleanup {
            Ok(Ok(())) => return,
            Ok(Err(problem)) => problem,
            Err(_) => "the cleanup thread panicked".to_owned(),
        };
        eprintln!(
            "warning: could not drop the {}: {problem}; drop it by hand",
            self.label
        );
    }
}

/// `admin_url` with its database replaced by `database` (query parameters kept).
pub fn with_database(admin_url: &str, database: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    let (scheme, rest) = base.split_once("://").unwrap_or(("mysql", base));
    let authority = rest.split('/').next().unwrap_or_default();
    format!("{scheme}://{authority}/{database}{query}")
}

/// Connects, giving up after [`CONNECT_TIMEOUT`].
pub async fn connect(url: &str) -> Result<AnyConnection, String> {
    sqlx::any::install_default_drivers();
    match tokio::time::timeout(CONNECT_TIMEOUT, AnyConnection::connect(url)).await {
        Ok(Ok(connection)) => Ok(connection),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs())),
    }
}

/// Turns an error into a message that says what was being done.
pub fn failed_while<E: fmt::Display>(doing: &'static str) -> impl FnOnce(E) -> String {
    move |error| format!("{doing}: {error}")
}

/// Percent-encodes what would end or escape a path in an SQLite URL (as the library does).
pub fn encode_sqlite_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' | '?' | '#' | ' ' => {
                let _ = write!(out, "%{:02X}", c as u32);
            }
            other => out.push(other),
        }
    }
    out
}

/// The header, the rows and the notes of a table, columns aligned.
pub fn grid(header: &[&str], rows: &[Vec<String>], notes: &[(&str, String)]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|title| title.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        padded.join("   ").trim_end().to_owned()
    };
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(|title| (*title).to_owned()).collect();
    let _ = writeln!(out, "{}", line(&header));
    for row in rows {
        let _ = writeln!(out, "{}", line(row));
    }
    for (name, note) in notes {
        let _ = writeln!(out, "{name:<width$}   {note}", width = widths[0]);
    }
    out
}

/// The table prefix of every benchmark database.
pub const PREFIX: &str = "mdl_";

/// The application's view of one benchmark database, and the URL for the benchmark's own
/// connections to the same database.
pub struct Target {
    pub config: Config,
    pub db: Db,
    pub direct_url: String,
}

impl Target {
    pub fn dialect(&self) -> &Dialect {
        self.db.dialect()
    }

    pub fn sql(&self, template: &str) -> String {
        self.dialect().sql(template)
    }
}

/// Configures the application for the database at `url` (relative SQLite paths resolve in
/// `dir`, as do the spool, archive and reports folders), connects it and installs Moodle's
/// tables.
pub async fn open_target(dir: &Path, url: &str) -> Result<Target, String> {
    let mut file = FileConfig::default();
    file.database.url = url.to_owned();
    file.database.prefix = PREFIX.to_owned();
    let config = Config::from_file(file, dir, None).map_err(failed_while("configuring"))?;
    connect_target(dir, url, config).await
}

/// Connects the application configured by `config` (read with `dir` as its base) to the
/// database at `url`, installs Moodle's tables and creates the spool folder.
pub async fn connect_target(dir: &Path, url: &str, mut config: Config) -> Result<Target, String> {
    // `Config::from_file` lets MOODLE_SYNC_DATABASE_URL override the URL: never let the
    // benchmark write anywhere but the database it made.
    config.database.target = DbTarget::parse(url, dir)
        .map_err(|reason| format!("the benchmark's own URL is refused: {reason}"))?;
    let create = matches!(config.database.target, DbTarget::Sqlite { .. });
    let db = Db::connect(&config.database.target, &config.database.prefix, create)
        .await
        .map_err(failed_while("connecting the application"))?;
    db::install(&db)
        .await
        .map_err(failed_while("installing Moodle's tables"))?;
    fs::create_dir_all(&config.paths.spool).map_err(failed_while("creating the spool folder"))?;
    let direct_url = match &config.database.target {
        DbTarget::Sqlite { path } => format!("sqlite://{}?mode=rw", encode_sqlite_path(path)),
        DbTarget::Server { url, .. } => url.clone(),
    };
    Ok(Target {
        config,
        db,
        direct_url,
    })
}

/// The time now, in Unix seconds.
pub fn unix_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() as i64)
}

/// The median; of an even count, the mean of the two middle values.
pub fn median(mut durations: Vec<Duration>) -> Duration {
    durations.sort();
    let middle = durations.len() / 2;
    if durations.len() % 2 == 1 {
        durations[middle]
    } else {
        (durations[middle - 1] + durations[middle]) / 2
    }
}

/// `1234567.8` as `1,234,568`.
pub fn thousands(value: f64) -> String {
    let digits = (value.round() as u64).to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The process's peak resident set size (VmHWM), in MiB, where /proc is available.
pub fn peak_memory_mib() -> Option<f64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
