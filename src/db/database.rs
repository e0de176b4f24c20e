//! Connecting to the Moodle database and opening the one transaction each file is applied in.

use std::{
    fmt,
    path::{Path, PathBuf},
    time::Duration,
};

use sqlx::{
    Any, AnyPool, AssertSqlSafe, Row, Transaction,
    any::{AnyArguments, AnyPoolOptions, AnyRow},
    query::Query,
};

use super::{
    changes::CacheChanges,
    dialect::{Backend, Dialect},
    journal::Journal,
};

/// Where the database is. Its `Debug` form hides the password, like [`DbTarget::describe`].
#[derive(Clone, PartialEq, Eq)]
pub enum DbTarget {
    /// An SQLite file (the embedded default).
    Sqlite {
        /// The file, absolute.
        path: PathBuf,
    },
    /// A PostgreSQL or MySQL/MariaDB server.
    Server {
        /// The engine.
        backend: Backend,
        /// The connection URL, secrets included: never log it, use [`DbTarget::describe`].
        url: String,
    },
}

impl DbTarget {
    /// Reads a `[database] url`: `sqlite:FILE` (relative to `base`), `postgres://…`,
    /// `postgresql://…`, `mysql://…` or `mariadb://…`.
    pub fn parse(url: &str, base: &Path) -> Result<DbTarget, String> {
        let url = url.trim();
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let rest = rest.strip_prefix("//").unwrap_or(rest);
            let file = rest.split('?').next().unwrap_or_default();
            if file.is_empty() || file == ":memory:" {
                return Err(
                    "an SQLite database must be a file, such as sqlite:moodle.sqlite".into(),
                );
            }
            return Ok(DbTarget::Sqlite {
                path: base.join(file),
            });
        }
        let (scheme, rest) = url
            .split_once("://")
            .ok_or("expected sqlite:FILE, postgres://… or mysql://…")?;
        match scheme {
            "postgres" | "postgresql" => Ok(DbTarget::Server {
                backend: Backend::Postgres,
                url: url.to_owned(),
            }),
            "mysql" => Ok(DbTarget::Server {
                backend: Backend::Mysql,
                url: url.to_owned(),
            }),
            "mariadb" => Ok(DbTarget::Server {
                backend: Backend::Mysql,
                url: format!("mysql://{rest}"),
            }),
            other => Err(format!(
                "unsupported scheme \"{other}\": use sqlite:, postgres:// or mysql://"
            )),
        }
    }

    /// The engine.
    pub fn backend(&self) -> Backend {
        match self {
            DbTarget::Sqlite { .. } => Backend::Sqlite,
            DbTarget::Server { backend, .. } => *backend,
        }
    }

    /// The host and port of a server (the engine's port when the URL gives none), or the
    /// file of an SQLite database.
    pub fn address(&self) -> String {
        match self {
            DbTarget::Sqlite { path } => path.display().to_string(),
            DbTarget::Server { backend, url } => {
                let rest = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
                let authority = rest.split(['/', '?']).next().unwrap_or_default();
                let host = authority
                    .rsplit_once('@')
                    .map_or(authority, |(_, host)| host);
                let has_port = host.rsplit_once(':').is_some_and(|(_, port)| {
                    !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())
                }) && !host.ends_with(']');
                let host = if host.is_empty() { "localhost" } else { host };
                if has_port {
                    host.to_owned()
                } else {
                    let port = match backend {
                        Backend::Postgres => 5432,
                        _ => 3306,
                    };
                    format!("{host}:{port}")
                }
            }
        }
    }

    /// A description safe to log and to print in reports: no password.
    pub fn describe(&self) -> String {
        match self {
            DbTarget::Sqlite { path } => format!("sqlite {}", path.display()),
            DbTarget::Server { backend, url } => format!("{backend} {}", DbTarget::redact(url)),
        }
    }

    /// `url` with its password, if any, replaced by `***`.
    pub fn redact(url: &str) -> String {
        let Some((scheme, rest)) = url.split_once("://") else {
            return url.to_owned();
        };
        let authority_end = rest.find('/').unwrap_or(rest.len());
        let (authority, path) = rest.split_at(authority_end);
        match authority.rsplit_once('@') {
            Some((credentials, host)) => match credentials.split_once(':') {
                Some((user, _)) => format!("{scheme}://{user}:***@{host}{path}"),
                None => url.to_owned(),
            },
            None => url.to_owned(),
        }
    }
}

impl fmt::Debug for DbTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbTarget::Sqlite { path } => f.debug_struct("Sqlite").field("path", path).finish(),
            DbTarget::Server { backend, url } => f
                .debug_struct("Server")
                .field("backend", backend)
                .field("url", &DbTarget::redact(url))
                .finish(),
        }
    }
}

/// A database problem that stops the command.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The embedded database file does not exist yet.
    #[error("the database file {} does not exist; run `moodle-sync init` to create it", path.display())]
    Missing {
        /// The file.
        path: PathBuf,
    },
    /// The server cannot be reached or refuses the connection.
    #[error("cannot connect to {target} ({address}): {cause}")]
    Connect {
        /// The database, described without secrets.
        target: String,
        /// The host and port connected to.
        address: String,
        /// The real cause, in words: "connection refused", "unknown host", "password
        /// authentication failed"…
        cause: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// The server did not answer in time.
    #[error(
        "cannot connect to {target} ({address}): no answer within {} s",
        seconds
    )]
    Unanswered {
        /// The database, described without secrets.
        target: String,
        /// The host and port connected to.
        address: String,
        /// How long it was waited for.
        seconds: u64,
    },
    /// The database holds no Moodle tables under this prefix.
    #[error(
        "{target} has no {table} table: is [database] prefix \"{prefix}\" right, and is this Moodle's database?"
    )]
    NotMoodle {
        /// The database, described without secrets.
        target: String,
        /// The table looked for.
        table: String,
        /// The configured prefix.
        prefix: String,
    },
    /// A statement failed.
    #[error("database error while {doing}: {source}")]
    Query {
        /// What was being done.
        doing: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// The schema cannot be installed on this kind of database.
    #[error("{0}")]
    Refused(String),
}

impl DbError {
    /// Whether the error says the database could not be reached or asked to try again
    /// (connection lost, pool timeout, deadlock, serialization failure, busy file), rather
    /// than refusing what the file asked: the file should be retried later, not set aside.
    pub fn is_transient(&self) -> bool {
        let source = match self {
            // A server that refuses the credentials or has no such database will not change
            // its mind by itself, nor will a URL the driver cannot use; one that cannot be
            // reached, is starting up or has too many connections may come back.
            DbError::Connect { source, .. } => {
                return match source {
                    sqlx::Error::Database(refusal) => !matches!(
                        refusal.code().as_deref(),
                        // Invalid authorization (28000, PostgreSQL's 28P01), unknown database
                        // (PostgreSQL 3D000; MySQL's 1049 has SQLSTATE 42000).
                        Some(code) if code.starts_with("28") || code == "3D000" || code == "42000"
                    ),
                    sqlx::Error::Configuration(_) => false,
                    _ => true,
                };
            }
            DbError::Unanswered { .. } | DbError::Missing { .. } => return true,
            DbError::Query { source, .. } => source,
            DbError::NotMoodle { .. } | DbError::Refused(_) => return false,
        };
        match source {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(error) => matches!(
                error.code().as_deref(),
                // PostgreSQL: serialization failure, deadlock, admin shutdown, cannot connect
                // now, too many connections; MySQL: too many connections (08004), lock wait
                // timeout, deadlock, server gone; SQLite: busy, locked.
                Some(
                    "40001"
                        | "40P01"
                        | "57P01"
                        | "57P02"
                        | "57P03"
                        | "53300"
                        | "08004"
                        | "1205"
                        | "1213"
                        | "2006"
                        | "2013"
                        | "5"
                        | "6"
                        | "261"
                        | "517"
                )
            ),
            _ => false,
        }
    }
}

/// How long the first connection to a server may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A connection error in words: the operating system's or the server's own reason.
fn cause(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => {
                "connection refused (is the server running and listening on this address?)".into()
            }
            std::io::ErrorKind::TimedOut => "connection timed out".into(),
            std::io::ErrorKind::HostUnreachable | std::io::ErrorKind::NetworkUnreachable => {
                "no route to the host".into()
            }
            _ if io.to_string().contains("lookup address") => {
                format!("unknown host: {io}")
            }
            _ => io.to_string(),
        },
        sqlx::Error::Database(refusal) => format!("the server refused: {}", refusal.message()),
        sqlx::Error::Tls(tls) => format!("TLS failed: {tls}"),
        other => other.to_string(),
    }
}

/// Adds "while …" context to driver errors.
pub(crate) trait Context<T> {
    fn doing(self, doing: impl Into<String>) -> Result<T, DbError>;
}

impl<T> Context<T> for Result<T, sqlx::Error> {
    fn doing(self, doing: impl Into<String>) -> Result<T, DbError> {
        self.map_err(|source| DbError::Query {
            doing: doing.into(),
            source,
        })
    }
}

/// Builds a query from SQL rendered by [`Dialect`]. The text is made of constant templates, the
/// configuration-checked table prefix and generated placeholders; values are always bound.
pub(crate) fn query(sql: String) -> Query<'static, Any, AnyArguments> {
    sqlx::query(AssertSqlSafe(sql))
}

/// Reads column `index` as an integer, whatever its integer width.
pub(crate) fn int(row: &AnyRow, index: usize) -> Result<i64, sqlx::Error> {
    row.try_get::<i64, _>(index)
}

/// Reads column `index` as text; NULL reads as empty.
pub(crate) fn text(row: &AnyRow, index: usize) -> Result<String, sqlx::Error> {
    Ok(row.try_get::<Option<String>, _>(index)?.unwrap_or_default())
}

/// Reads column `index` as a nullable integer.
pub(crate) fn optional_int(row: &AnyRow, index: usize) -> Result<Option<i64>, sqlx::Error> {
    row.try_get::<Option<i64>, _>(index)
}

/// Reads column `index` as nullable text.
pub(crate) fn optional_text(row: &AnyRow, index: usize) -> Result<Option<String>, sqlx::Error> {
    row.try_get::<Option<String>, _>(index)
}

/// Runs an `INSERT` rendered by [`Dialect::insert_returning_id`] and returns the new row's id.
pub(crate) async fn insert_id(
    tx: &mut Tx,
    insert: Query<'static, Any, AnyArguments>,
) -> Result<i64, DbError> {
    if tx.dialect.returns_id() {
        let row = insert
            .fetch_one(&mut *tx.transaction)
            .await
            .doing("inserting a row")?;
        return int(&row, 0).doing("reading an inserted id");
    }
    let result = insert
        .execute(&mut *tx.transaction)
        .await
        .doing("inserting a row")?;
    result
        .last_insert_id()
        .ok_or_else(|| DbError::Refused("the database did not report the inserted id".into()))
}

/// The Moodle database: a connection pool and the dialect of its SQL.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    dialect: Dialect,
    target: DbTarget,
}

impl Db {
    /// Connects. An SQLite file is created only when `create` is set (by `init`); otherwise a
    /// missing file is an error rather than a new empty database.
    pub async fn connect(target: &DbTarget, prefix: &str, create: bool) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect {
            backend: target.backend(),
            prefix: prefix.to_owned(),
        };
        let url = match target {
            DbTarget::Sqlite { path } => {
                if !create && !path.is_file() {
                    return Err(DbError::Missing { path: path.clone() });
                }
                let mode = if create { "rwc" } else { "rw" };
                format!("sqlite://{}?mode={mode}", encode_path(path))
            }
            DbTarget::Server { url, .. } => url.clone(),
        };
        if let DbTarget::Server { .. } = target {
            // The pool would retry a refused connection until its acquire timeout and then
            // report only that it timed out: one connection first tells the real cause, fast.
            let address = target.address();
            match tokio::time::timeout(
                CONNECT_TIMEOUT,
                <sqlx::AnyConnection as sqlx::Connection>::connect(&url),
            )
            .await
            {
                Ok(Ok(connection)) => {
                    let _ = sqlx::Connection::close(connection).await;
                }
                Ok(Err(source)) => {
                    return Err(DbError::Connect {
                        target: target.describe(),
                        address,
                        cause: cause(&source),
                        source,
                    });
                }
                Err(_) => {
                    return Err(DbError::Unanswered {
                        target: target.describe(),
                        address,
                        seconds: CONNECT_TIMEOUT.as_secs(),
                    });
                }
            }
        }
        let pool = AnyPoolOptions::new()
            .max_connections(dialect.connections())
            .acquire_timeout(Duration::from_secs(30))
            .connect(&url)
            .await
            .map_err(|source| DbError::Connect {
                target: target.describe(),
                address: target.address(),
                cause: cause(&source),
                source,
            })?;
        Ok(Db {
            pool,
            dialect,
            target: target.clone(),
        })
    }

    /// The dialect of this database's SQL.
    pub fn dialect(&self) -> &Dialect {
        &self.dialect
    }

    /// Where the database is.
    pub fn target(&self) -> &DbTarget {
        &self.target
    }

    /// Opens a transaction, as [`Dialect::begin`] says.
    pub async fn begin(&self) -> Result<Tx, DbError> {
        let transaction = match self.dialect.begin() {
            Some(statement) => self.pool.begin_with(statement).await,
            None => self.pool.begin().await,
        }
        .doing("opening a transaction")?;
        Ok(Tx {
            transaction,
            dialect: self.dialect.clone(),
            caches: CacheChanges::default(),
            journal: Journal::default(),
        })
    }

    /// Opens a transaction for reading only: on SQLite a deferred one, which waits for no
    /// writer. It must write nothing; it is rolled back.
    pub async fn begin_read(&self) -> Result<Tx, DbError> {
        let transaction = self.pool.begin().await.doing("opening a transaction")?;
        Ok(Tx {
            transaction,
            dialect: self.dialect.clone(),
            caches: CacheChanges::default(),
            journal: Journal::default(),
        })
    }

    /// Fails unless the database holds Moodle's `config` table under the configured prefix.
    pub async fn check_moodle(&self) -> Result<(), DbError> {
        let sql = self.dialect.sql("SELECT COUNT(*) FROM {config}");
        match query(sql).fetch_one(&self.pool).await {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(_)) => Err(DbError::NotMoodle {
                target: self.target.describe(),
                table: format!("{}config", self.dialect.prefix),
                prefix: self.dialect.prefix.clone(),
            }),
            Err(source) => Err(DbError::Query {
                doing: "checking for Moodle's tables".into(),
                source,
            }),
        }
    }

    /// The pool, for the schema installer.
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The transaction a file is applied in. Dropping it without [`Tx::commit`] rolls it back.
pub struct Tx {
    pub(crate) transaction: Transaction<'static, Any>,
    pub(crate) dialect: Dialect,
    /// What the writes so far changed for Moodle's caches; taken with
    /// [`Tx::take_cache_changes`].
    pub(crate) caches: CacheChanges,
    /// The events of the writes so far, for Moodle's standard log; written with
    /// [`Tx::write_journal`].
    pub(crate) journal: Journal,
}

impl Tx {
    /// Makes the file's changes permanent.
    pub async fn commit(self) -> Result<(), DbError> {
        self.transaction.commit().await.doing("committing")
    }

    /// Discards the file's changes.
    pub async fn rollback(self) -> Result<(), DbError> {
        self.transaction.rollback().await.doing("rolling back")
    }
}

/// Percent-encodes the characters that would end or escape a path in an SQLite URL.
fn encode_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' | '?' | '#' | ' ' => out.push_str(&format!("%{:02X}", c as u32)),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls_relative_to_the_configuration() {
        let base = Path::new("/srv/sync");
        assert_eq!(
            DbTarget::parse("sqlite:moodle.sqlite", base),
            Ok(DbTarget::Sqlite {
                path: "/srv/sync/moodle.sqlite".into()
            })
        );
        assert_eq!(
            DbTarget::parse("sqlite:///var/db.sqlite", base),
            Ok(DbTarget::Sqlite {
                path: "/var/db.sqlite".into()
            })
        );
        assert_eq!(
            DbTarget::parse("mariadb://root@db/moodle", base).map(|target| target.backend()),
            Ok(Backend::Mysql)
        );
        assert!(DbTarget::parse("sqlite::memory:", base).is_err());
        assert!(DbTarget::parse("oracle://x", base).is_err());
    }

    #[test]
    fn addresses_name_the_host_and_port() {
        let address = |url: &str| DbTarget::parse(url, Path::new("/")).unwrap().address();
        assert_eq!(
            address("postgres://moodle:s3cret@db.local:5433/moodle"),
            "db.local:5433"
        );
        assert_eq!(
            address("postgres://moodle@db.local/moodle"),
            "db.local:5432"
        );
        assert_eq!(address("mariadb://root@127.0.0.1/test"), "127.0.0.1:3306");
        assert_eq!(address("mysql://root@[::1]:3307/test"), "[::1]:3307");
        assert_eq!(address("postgres:///moodle?host=/run"), "localhost:5432");
    }

    #[test]
    fn descriptions_hide_passwords() {
        let target = DbTarget::parse(
            "postgres://moodle:s3cret@db.local:5432/moodle",
            Path::new("/"),
        )
        .unwrap();
        assert_eq!(
            target.describe(),
            "postgres postgres://moodle:***@db.local:5432/moodle"
        );
        assert!(!target.describe().contains("s3cret"));
        assert!(!format!("{target:?}").contains("s3cret"), "{target:?}");
        assert_eq!(
            DbTarget::redact("mysql://root@localhost/test"),
            "mysql://root@localhost/test"
        );
    }
}
