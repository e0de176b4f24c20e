//! The ledger: moodle-sync's own table in the Moodle database (`{prefix}moodlesync_ledger`), one
//! row per file taken, written in the same transaction as the file's effects. A row says the
//! file's effects are committed; no row says they are not. That is what makes a claimed file
//! applied exactly once whatever happens to the process (see `spool::claim`).
//!
//! A second table, `{prefix}moodlesync_lock`, holds one row that every file's transaction
//! updates first: files are applied one at a time per database, across processes and hosts,
//! and a duplicate check or a crash recovery can never race a commit in flight.

use super::{
    database::{Context, Db, DbError, Tx, int, optional_int, optional_text, query, text},
    dialect::Backend,
};
use crate::outcome::RunStatus;

/// What the ledger records of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The claim that took the file (unique).
    pub claim: String,
    /// The file's name in the spool.
    pub name: String,
    /// Its kind (`cohorts`, `bindings`).
    pub kind: String,
    /// Its size in bytes.
    pub size: u64,
    /// The SHA-256 of its bytes, in hex (empty when it could not be read).
    pub sha256: String,
    /// The process that applied it: `host-pid`.
    pub host: String,
    /// When it was claimed, in Unix milliseconds.
    pub claimed_at: i64,
    /// When its outcome was decided, in Unix milliseconds.
    pub finished_at: i64,
    /// How it ended: `success`, `partial`, `rejected`, `rolled_back`, `duplicate`, `held`.
    pub outcome: String,
    /// Data lines read.
    pub lines: u64,
    /// Lines that changed something.
    pub changed: u64,
    /// Lines that failed.
    pub failed: u64,
    /// For a duplicate, the run that applied the same bytes.
    pub duplicate_of: Option<i64>,
    /// For a tryback dropped again, the run that wrote it.
    pub parent: Option<i64>,
    /// 0 for a file from a partner, n for the n-th tryback of it.
    pub generation: u32,
    /// The text report.
    pub report: String,
    /// The JSON report.
    pub report_json: String,
    /// Where the input was kept (archive, failed or held area).
    pub kept: Option<String>,
    /// The tryback, if one was written.
    pub tryback: Option<String>,
    /// Why the file was refused, rolled back or held.
    pub error: Option<String>,
    /// What it did, in one line (`command::summary`).
    pub summary: Option<String>,
    /// The run this row acts on: for a `retried` or `discarded` row, the run whose kept file
    /// it put back or ended; for the run of a retried file, the run it retries.
    pub of_run: Option<i64>,
}

/// The run that put a file of the failed or held area there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptRun {
    /// The ledger id: run #id.
    pub id: i64,
    /// How it ended.
    pub outcome: String,
    /// When, in Unix milliseconds.
    pub finished_at: i64,
    /// Why it was refused or held.
    pub error: Option<String>,
    /// Its text report.
    pub report: Option<String>,
    /// Where it kept its input.
    pub kept: Option<String>,
    /// Where it wrote its tryback.
    pub tryback: Option<String>,
    /// Its tryback generation.
    pub generation: u32,
    /// Its failed lines.
    pub failed: u64,
    /// For a tryback dropped again, the run that wrote it.
    pub parent: Option<i64>,
    /// Its kind.
    pub kind: String,
}

/// A run found in the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRun {
    /// The ledger id: run #id.
    pub id: i64,
    /// The file's name.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// How it ended.
    pub outcome: String,
    /// When it was claimed, in Unix milliseconds.
    pub claimed_at: i64,
    /// When it ended, in Unix milliseconds.
    pub finished_at: i64,
    /// Lines read, changed and failed.
    pub lines: u64,
    /// Lines that changed something.
    pub changed: u64,
    /// Lines that failed.
    pub failed: u64,
    /// Its generation (0 for a partner's file).
    pub generation: u32,
    /// The text report.
    pub report: String,
    /// Where the input was kept.
    pub kept: Option<String>,
    /// The tryback.
    pub tryback: Option<String>,
    /// The process that applied it.
    pub host: String,
    /// What it did, in one line; `None` for runs recorded before the ledger had the column.
    pub summary: Option<String>,
    /// For a tryback, the run that wrote it.
    pub parent: Option<i64>,
    /// The run it acts on or retries (see [`LedgerEntry::of_run`]).
    pub of_run: Option<i64>,
}

/// A `moodle-sync retry` whose file the spool still holds under the name it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRetry {
    /// The retry's own ledger row.
    pub id: i64,
    /// The run whose kept file was put back, if the ledger knew it.
    pub of_run: Option<i64>,
}

/// The outcomes of runs that tried to apply a file (not `duplicate`, which skipped one), as an
/// SQL list of literals.
fn tried() -> String {
    [
        RunStatus::Success,
        RunStatus::Partial,
        RunStatus::Rejected,
        RunStatus::RolledBack,
        RunStatus::Held,
    ]
    .map(|status| format!("'{}'", status.name()))
    .join(", ")
}

pub(super) const COLUMNS: &str = "id, name, kind, outcome, claimedat, finishedat, linecount, changedcount, \
                       failedcount, generation, report, kept, tryback, host, summary, parentid, \
                       ofrun";

/// Columns added after the ledger's first release, with their definitions: created with the
/// table, and added to an older table on first use.
fn added_columns(text_type: &str) -> [(&'static str, String); 2] {
    [
        ("summary", format!("summary {text_type}")),
        ("ofrun", "ofrun BIGINT".to_owned()),
    ]
}

/// The outcome of the row `moodle-sync retry` records.
pub const RETRIED: &str = "retried";

/// The outcome of the row `moodle-sync approve` records besides the run it makes: who approved.
pub const APPROVED: &str = "approved";

/// The outcome of the row the console records when an operator drops a file into the spool.
pub const UPLOADED: &str = "uploaded";

/// The outcome of the row `moodle-sync discard` records.
pub const DISCARDED: &str = "discarded";

impl LedgerRun {
    /// Whether the run applied every line of its file: the same bytes are then a duplicate. A
    /// run with failed lines, a rejected, rolled back or held one did not, and the same bytes
    /// are applied again.
    pub fn applied_every_line(&self) -> bool {
        self.outcome == RunStatus::Success.name()
    }
}

pub(super) fn run(row: &sqlx::any::AnyRow) -> Result<LedgerRun, sqlx::Error> {
    Ok(LedgerRun {
        id: int(row, 0)?,
        name: text(row, 1)?,
        kind: text(row, 2)?,
        outcome: text(row, 3)?,
        claimed_at: int(row, 4)?,
        finished_at: int(row, 5)?,
        lines: u64::try_from(int(row, 6)?).unwrap_or(0),
        changed: u64::try_from(int(row, 7)?).unwrap_or(0),
        failed: u64::try_from(int(row, 8)?).unwrap_or(0),
        generation: u32::try_from(int(row, 9)?).unwrap_or(0),
        report: text(row, 10)?,
        kept: optional_text(row, 11)?,
        tryback: optional_text(row, 12)?,
        host: text(row, 13)?,
        summary: optional_text(row, 14)?,
        parent: optional_int(row, 15)?,
        of_run: optional_int(row, 16)?,
    })
}

impl Db {
    /// Creates the ledger tables if they are missing, and adds the columns an older ledger
    /// lacks. Safe to run concurrently and on every start. When everything is there (the common
    /// case) it only reads, so that it never waits for a file being applied (whose transaction
    /// holds the lock row, which an insert, even one that ignores the row, would wait for).
    pub async fn ensure_ledger(&self) -> Result<(), DbError> {
        if self.ledger_ready().await {
            return Ok(());
        }
        let dialect = self.dialect();
        let (id, text_type) = match dialect.backend {
            Backend::Sqlite => ("id INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT"),
            Backend::Postgres => ("id BIGSERIAL PRIMARY KEY", "TEXT"),
            Backend::Mysql => ("id BIGINT AUTO_INCREMENT PRIMARY KEY", "LONGTEXT"),
        };
        let added: Vec<String> = added_columns(dialect.long_text())
            .into_iter()
            .map(|(_, definition)| format!(", {definition}"))
            .collect();
        let added = added.concat();
        let inline_indexes = if dialect.backend == Backend::Mysql {
            ", INDEX {moodlesync_ledger}_sha_ix (sha256), INDEX {moodlesync_ledger}_tbn_ix (trybackname)"
        } else {
            ""
        };
        let mut statements = vec![
            dialect.sql(&format!(
                "CREATE TABLE IF NOT EXISTS {{moodlesync_ledger}} (\
                 {id}, \
                 claim VARCHAR(190) NOT NULL UNIQUE, \
                 name VARCHAR(255) NOT NULL, \
                 kind VARCHAR(20) NOT NULL, \
                 size BIGINT NOT NULL, \
                 sha256 VARCHAR(64) NOT NULL, \
                 host VARCHAR(255) NOT NULL, \
                 claimedat BIGINT NOT NULL, \
                 finishedat BIGINT NOT NULL, \
                 outcome VARCHAR(20) NOT NULL, \
                 linecount BIGINT NOT NULL DEFAULT 0, \
                 changedcount BIGINT NOT NULL DEFAULT 0, \
                 failedcount BIGINT NOT NULL DEFAULT 0, \
                 duplicateof BIGINT, \
                 parentid BIGINT, \
                 generation BIGINT NOT NULL DEFAULT 0, \
                 report {text_type}, \
                 reportjson {text_type}, \
                 kept {text_type}, \
                 tryback {text_type}, \
                 trybackname VARCHAR(255), \
                 error {text_type}{added}{inline_indexes})"
            )),
            dialect.sql(
                "CREATE TABLE IF NOT EXISTS {moodlesync_lock} (\
                 id BIGINT NOT NULL PRIMARY KEY, holder VARCHAR(255) NOT NULL, since BIGINT NOT NULL)",
            ),
        ];
        if dialect.backend != Backend::Mysql {
            statements.push(dialect.sql(
                "CREATE INDEX IF NOT EXISTS {moodlesync_ledger}_sha_ix ON {moodlesync_ledger} (sha256)",
            ));
            statements.push(dialect.sql(
                "CREATE INDEX IF NOT EXISTS {moodlesync_ledger}_tbn_ix ON {moodlesync_ledger} (trybackname)",
            ));
        }
        statements.push(
            dialect.insert_ignore("{moodlesync_lock} (id, holder, since) VALUES (1, 'none', 0)"),
        );
        // Two processes creating the tables at once can collide on PostgreSQL's catalog even
        // with IF NOT EXISTS; the loser tries again, and then finds them.
        let mut attempt = 0;
        loop {
            let mut failed = None;
            for statement in &statements {
                if let Err(error) = query(statement.clone()).execute(self.pool()).await {
                    failed = Some(error);
                    break;
                }
            }
            match failed {
                None => return self.add_missing_columns().await,
                Some(error) if attempt < 3 => {
                    tracing::debug!("creating the ledger tables, attempt {attempt}: {error}");
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                Some(error) => {
                    return Err(error).doing("creating moodle-sync's ledger tables");
                }
            }
        }
    }

    /// Whether the ledger has every column and its lock row, read without waiting for anyone.
    async fn ledger_ready(&self) -> bool {
        let dialect = self.dialect();
        let columns: Vec<&str> = added_columns(dialect.long_text())
            .iter()
            .map(|(column, _)| *column)
            .collect();
        let probe = dialect.sql(&format!(
            "SELECT id, {} FROM {{moodlesync_ledger}} WHERE 1 = 0",
            columns.join(", ")
        ));
        let lock = dialect.sql("SELECT id FROM {moodlesync_lock} WHERE id = 1");
        query(probe).fetch_all(self.pool()).await.is_ok()
            && matches!(query(lock).fetch_optional(self.pool()).await, Ok(Some(_)))
    }

    /// Adds to a ledger created by an earlier version the columns it lacks. SQLite and MySQL
    /// cannot add a column only if it is missing: each is looked for first, and an addition that
    /// fails is fine when the column is there afterwards (another process added it meanwhile).
    async fn add_missing_columns(&self) -> Result<(), DbError> {
        let dialect = self.dialect();
        for (column, definition) in added_columns(dialect.long_text()) {
            let probe = dialect.sql(&format!(
                "SELECT {column} FROM {{moodlesync_ledger}} WHERE 1 = 0"
            ));
            if query(probe.clone()).fetch_all(self.pool()).await.is_ok() {
                continue;
            }
            let added = query(dialect.add_column("moodlesync_ledger", &definition))
                .execute(self.pool())
                .await;
            if let Err(error) = added
                && query(probe).fetch_all(self.pool()).await.is_err()
            {
                return Err(error).doing("adding a column to moodle-sync's ledger");
            }
            tracing::info!(column, "Ledger column added");
        }
        Ok(())
    }

    /// Succeeds when the database answers.
    pub async fn ping(&self) -> Result<(), DbError> {
        query("SELECT 1".into())
            .fetch_one(self.pool())
            .await
            .doing("reaching the database")?;
        Ok(())
    }

    /// The last `limit` runs, newest first.
    pub async fn recent_runs(&self, limit: u32) -> Result<Vec<LedgerRun>, DbError> {
        let sql = self.dialect().sql(&format!(
            "SELECT {COLUMNS} FROM {{moodlesync_ledger}} ORDER BY id DESC LIMIT {limit}"
        ));
        let rows = query(sql)
            .fetch_all(self.pool())
            .await
            .doing("reading the ledger")?;
        rows.iter()
            .map(run)
            .collect::<Result<_, _>>()
            .doing("reading the ledger")
    }

    /// The last run that put a file named `file_name` where it is kept (its `kept` input, or
    /// its `tryback`), for `status` to say why a file of the failed or held area is there.
    /// Matched on the name alone, so that a configuration given by another path finds it.
    pub async fn run_keeping(&self, file_name: &str) -> Result<Option<KeptRun>, DbError> {
        let escaped: String = file_name
            .chars()
            .flat_map(|c| match c {
                '!' | '%' | '_' => vec!['!', c],
                other => vec![other],
            })
            .collect();
        let sql = self.dialect().sql(
            "SELECT id, outcome, finishedat, error, report, kept, tryback, generation, failedcount, \
             parentid, kind FROM {moodlesync_ledger} \
             WHERE (kept LIKE ? ESCAPE '!' OR tryback LIKE ? ESCAPE '!') AND outcome <> 'retried' \
             ORDER BY id DESC",
        );
        let pattern = format!("%{escaped}");
        let rows = query(sql)
            .bind(pattern.clone())
            .bind(pattern)
            .fetch_all(self.pool())
            .await
            .doing("reading the ledger")?;
        let named = |path: &Option<String>| {
            path.as_deref().is_some_and(|path| {
                std::path::Path::new(path)
                    .file_name()
                    .is_some_and(|name| name.to_string_lossy() == file_name)
            })
        };
        for row in &rows {
            let found = (|| {
                Ok::<_, sqlx::Error>(KeptRun {
                    id: int(row, 0)?,
                    outcome: text(row, 1)?,
                    finished_at: int(row, 2)?,
                    error: optional_text(row, 3)?,
                    report: optional_text(row, 4)?,
                    kept: optional_text(row, 5)?,
                    tryback: optional_text(row, 6)?,
                    generation: u32::try_from(int(row, 7)?).unwrap_or(0),
                    failed: u64::try_from(int(row, 8)?).unwrap_or(0),
                    parent: optional_int(row, 9)?,
                    kind: text(row, 10)?,
                })
            })()
            .doing("reading the ledger")?;
            if named(&found.kept) || named(&found.tryback) {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// The last run that tried to apply these bytes, outside any transaction (for `status`):
    /// see [`Tx::earlier_run`].
    pub async fn earlier_run(&self, sha256: &str) -> Result<Option<LedgerRun>, DbError> {
        let sql = self.dialect().sql(&format!(
            "SELECT {COLUMNS} FROM {{moodlesync_ledger}} WHERE sha256 = ? AND outcome IN ({}) ORDER BY id DESC LIMIT 1", tried()
        ));
        let row = query(sql)
            .bind(sha256.to_owned())
            .fetch_optional(self.pool())
            .await
            .doing("reading the ledger")?;
        row.as_ref()
            .map(run)
            .transpose()
            .doing("reading the ledger")
    }
}

impl Db {
    /// Opens a transaction holding the ledger's lock (see [`Tx::lock_ledger`]) for `holder`.
    pub async fn begin_locked(&self, holder: &str) -> Result<Tx, DbError> {
        let mut tx = self.begin().await?;
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| {
                i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
            });
        if let Err(error) = tx.lock_ledger(holder, now_ms).await {
            let _ = tx.rollback().await;
            return Err(error);
        }
        Ok(tx)
    }
}

impl Tx {
    /// Takes the ledger's lock: until this transaction ends, no other file is applied to this
    /// database, by this process or another.
    pub async fn lock_ledger(&mut self, holder: &str, now_ms: i64) -> Result<(), DbError> {
        let sql = self
            .dialect
            .sql("UPDATE {moodlesync_lock} SET holder = ?, since = ? WHERE id = 1");
        query(sql)
            .bind(holder.to_owned())
            .bind(now_ms)
            .execute(&mut *self.transaction)
            .await
            .doing("taking the ledger's lock")?;
        Ok(())
    }

    /// The ledger id of the run of `claim`, if it committed.
    pub async fn claimed_run(&mut self, claim: &str) -> Result<Option<i64>, DbError> {
        let sql = self
            .dialect
            .sql("SELECT id FROM {moodlesync_ledger} WHERE claim = ?");
        let row = query(sql)
            .bind(claim.to_owned())
            .fetch_optional(&mut *self.transaction)
            .await
            .doing("reading the ledger")?;
        row.map(|row| int(&row, 0))
            .transpose()
            .doing("reading the ledger")
    }

    /// The last run that tried to apply these bytes (applied, partly applied, rejected, rolled
    /// back or held; not a duplicate, which skipped them). The bytes are a duplicate only when
    /// it applied every line ([`LedgerRun::applied_every_line`]); otherwise they are applied
    /// again, and their report names it.
    pub async fn earlier_run(&mut self, sha256: &str) -> Result<Option<LedgerRun>, DbError> {
        let sql = self.dialect.sql(&format!(
            "SELECT {COLUMNS} FROM {{moodlesync_ledger}} WHERE sha256 = ? AND outcome IN ({}) ORDER BY id DESC LIMIT 1", tried()
        ));
        let row = query(sql)
            .bind(sha256.to_owned())
            .fetch_optional(&mut *self.transaction)
            .await
            .doing("reading the ledger")?;
        row.as_ref()
            .map(run)
            .transpose()
            .doing("reading the ledger")
    }

    /// What the ledger knows of a file's past by its name in the spool: a file put back by
    /// `moodle-sync retry` (its [`PendingRetry`], and the runs it descends from, parent first),
    /// else a tryback dropped again (the run that wrote it and that run's ancestors).
    pub async fn lineage(
        &mut self,
        name: &str,
    ) -> Result<(Vec<LedgerRun>, Option<PendingRetry>), DbError> {
        match self.pending_retry(name).await? {
            Some((retry, parent)) => {
                let lineage = match parent {
                    Some(parent) => self.ancestry(parent).await?,
                    None => Vec::new(),
                };
                Ok((lineage, Some(retry)))
            }
            None => Ok((self.tryback_lineage(name).await?, None)),
        }
    }

    /// The retry that gave a file of the spool this name, if no run has taken that file since;
    /// with the run the file descends from.
    async fn pending_retry(
        &mut self,
        name: &str,
    ) -> Result<Option<(PendingRetry, Option<i64>)>, DbError> {
        let sql = self.dialect.sql(
            "SELECT id, ofrun, parentid FROM {moodlesync_ledger} \
             WHERE trybackname = ? AND outcome = 'retried' ORDER BY id DESC LIMIT 1",
        );
        let row = query(sql)
            .bind(name.to_owned())
            .fetch_optional(&mut *self.transaction)
            .await
            .doing("reading the ledger")?;
        let Some(row) = row else {
            return Ok(None);
        };
        let (id, of_run, parent) = (|| {
            Ok::<_, sqlx::Error>((
                int(&row, 0)?,
                optional_int(&row, 1)?,
                optional_int(&row, 2)?,
            ))
        })()
        .doing("reading the ledger")?;
        // Taken since: a run of that name recorded after the retry.
        let taken = self.dialect.sql(
            "SELECT COUNT(*) FROM {moodlesync_ledger} WHERE id > ? AND name = ? \
             AND outcome NOT IN ('retried', 'discarded', 'approved', 'uploaded')",
        );
        let row = query(taken)
            .bind(id)
            .bind(name.to_owned())
            .fetch_one(&mut *self.transaction)
            .await
            .doing("reading the ledger")?;
        if int(&row, 0).doing("reading the ledger")? > 0 {
            return Ok(None);
        }
        Ok(Some((PendingRetry { id, of_run }, parent)))
    }

    /// The run `id` and its ancestors, parent first.
    async fn ancestry(&mut self, id: i64) -> Result<Vec<LedgerRun>, DbError> {
        let by_id = self.dialect.sql(&format!(
            "SELECT {COLUMNS} FROM {{moodlesync_ledger}} WHERE id = ?"
        ));
        let mut lineage = Vec::new();
        let mut next = Some(id);
        // A chain longer than this is a loop in the data, not a lineage.
        while let Some(id) = next.take()
            && lineage.len() < 100
        {
            let row = query(by_id.clone())
                .bind(id)
                .fetch_optional(&mut *self.transaction)
                .await
                .doing("reading the ledger")?;
            if let Some(row) = row {
                let found = run(&row).doing("reading the ledger")?;
                next = found.parent;
                lineage.push(found);
            }
        }
        Ok(lineage)
    }

    /// Records a `moodle-sync retry` or `discard`: its row, whose `trybackname` is the name it
    /// gave the file in the spool (for a retry, so that the run taking it finds its lineage).
    pub async fn record_decision(
        &mut self,
        entry: &LedgerEntry,
        spool_name: Option<&str>,
    ) -> Result<i64, DbError> {
        self.insert(entry, spool_name.map(str::to_owned)).await
    }

    /// The run whose tryback bears this name, with its ancestors (parent first), when a
    /// tryback is dropped again.
    pub async fn tryback_lineage(&mut self, name: &str) -> Result<Vec<LedgerRun>, DbError> {
        let by_name = self.dialect.sql(&format!(
            "SELECT {COLUMNS} FROM {{moodlesync_ledger}} WHERE trybackname = ? AND outcome NOT IN ('retried', 'approved') ORDER BY id DESC LIMIT 1"
        ));
        let row = query(by_name)
            .bind(name.to_owned())
            .fetch_optional(&mut *self.transaction)
            .await
            .doing("reading the ledger")?;
        let Some(row) = row else {
            return Ok(Vec::new());
        };
        let found = run(&row).doing("reading the ledger")?;
        match found.parent {
            Some(parent) => {
                let mut lineage = vec![found];
                lineage.extend(self.ancestry(parent).await?);
                Ok(lineage)
            }
            None => Ok(vec![found]),
        }
    }

    /// Records a file; returns its ledger id.
    pub async fn record_run(&mut self, entry: &LedgerEntry) -> Result<i64, DbError> {
        let tryback_name = entry.tryback.as_deref().and_then(|path| {
            std::path::Path::new(path)
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
        });
        self.insert(entry, tryback_name).await
    }

    async fn insert(
        &mut self,
        entry: &LedgerEntry,
        tryback_name: Option<String>,
    ) -> Result<i64, DbError> {
        let sql = self.dialect.insert_returning_id(
            "INSERT INTO {moodlesync_ledger} (claim, name, kind, size, sha256, host, claimedat, \
             finishedat, outcome, linecount, changedcount, failedcount, duplicateof, parentid, \
             generation, report, reportjson, kept, tryback, trybackname, error, summary, ofrun) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        );
        let count = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        let insert = query(sql)
            .bind(entry.claim.clone())
            .bind(entry.name.clone())
            .bind(entry.kind.clone())
            .bind(count(entry.size))
            .bind(entry.sha256.clone())
            .bind(entry.host.clone())
            .bind(entry.claimed_at)
            .bind(entry.finished_at)
            .bind(entry.outcome.clone())
            .bind(count(entry.lines))
            .bind(count(entry.changed))
            .bind(count(entry.failed))
            .bind(entry.duplicate_of)
            .bind(entry.parent)
            .bind(i64::from(entry.generation))
            .bind(entry.report.clone())
            .bind(entry.report_json.clone())
            .bind(entry.kept.clone())
            .bind(entry.tryback.clone())
            .bind(tryback_name)
            .bind(entry.error.clone())
            .bind(entry.summary.clone())
            .bind(entry.of_run);
        super::database::insert_id(self, insert).await
    }
}
