//! The ledger read for people: a page of runs with filters, one run with what its report
//! needs, the runs that descend from it, and the runs recorded after a given one (the feed of
//! the console's search index). Reads only; the rows are `ledger.rs`'s.

use super::{
    database::{Context, Db, DbError, int, optional_text, query, text},
    ledger::{COLUMNS, LedgerRun, run},
};

/// Which runs a page lists; every field narrows it, `None` or empty does not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFilter {
    /// Only this kind (`users`, `cohorts`, …).
    pub kind: Option<String>,
    /// Only this outcome (`success`, `partial`, …, `retried`, `discarded`, `approved`).
    pub outcome: Option<String>,
    /// Only runs ended at or after this time, in Unix milliseconds.
    pub from_ms: Option<i64>,
    /// Only runs ended before this time, in Unix milliseconds.
    pub until_ms: Option<i64>,
    /// Only files whose name contains this text.
    pub name: Option<String>,
}

/// A page of runs, newest first, and how many runs the filter matches in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPage {
    /// The runs of the page.
    pub runs: Vec<LedgerRun>,
    /// Every run the filter matches.
    pub total: u64,
}

/// One run, with what the ledger keeps beside its summary row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDetail {
    /// Its row.
    pub run: LedgerRun,
    /// The JSON report's path.
    pub report_json: Option<String>,
    /// Why it was refused, rolled back or held.
    pub error: Option<String>,
    /// The SHA-256 of its bytes.
    pub sha256: String,
    /// For a duplicate, the run that applied the same bytes.
    pub duplicate_of: Option<i64>,
}

/// A run's JSON report, for the search index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedRun {
    /// Its ledger id.
    pub id: i64,
    /// The JSON report's path.
    pub report_json: Option<String>,
}

impl Db {
    /// The runs `filter` matches, newest first: `limit` of them after skipping `offset`.
    pub async fn runs_page(
        &self,
        filter: &RunFilter,
        offset: u64,
        limit: u32,
    ) -> Result<RunPage, DbError> {
        let mut conditions = Vec::new();
        let mut texts = Vec::new();
        let mut numbers = Vec::new();
        if let Some(kind) = &filter.kind {
            conditions.push("kind = ?");
            texts.push(kind.clone());
        }
        if let Some(outcome) = &filter.outcome {
            conditions.push("outcome = ?");
            texts.push(outcome.clone());
        }
        if let Some(name) = &filter.name {
            // `%` and `_` match themselves: escaped with `!`, which no backend's string
            // literals treat specially (MySQL's do a backslash).
            conditions.push("LOWER(name) LIKE ? ESCAPE '!'");
            let mut escaped = String::new();
            for c in name.to_lowercase().chars() {
                if matches!(c, '%' | '_' | '!') {
                    escaped.push('!');
                }
                escaped.push(c);
            }
            texts.push(format!("%{escaped}%"));
        }
        if let Some(from) = filter.from_ms {
            conditions.push("finishedat >= ?");
            numbers.push(from);
        }
        if let Some(until) = filter.until_ms {
            conditions.push("finishedat < ?");
            numbers.push(until);
        }
        let clause = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        let dialect = self.dialect();
        let count_sql = dialect.sql(&format!(
            "SELECT COUNT(*) FROM {{moodlesync_ledger}}{clause}"
        ));
        let page_sql = dialect.sql(&format!(
            "SELECT {COLUMNS} FROM {{moodlesync_ledger}}{clause} ORDER BY id DESC LIMIT {limit} OFFSET {offset}"
        ));
        let bind = |sql: String| {
            let mut statement = query(sql);
            for value in &texts {
                statement = statement.bind(value.clone());
            }
            for value in &numbers {
                statement = statement.bind(*value);
            }
            statement
        };
        let total = bind(count_sql)
            .fetch_one(self.pool())
            .await
            .and_then(|row| int(&row, 0))
            .doing("reading the ledger")?;
        let rows = bind(page_sql)
            .fetch_all(self.pool())
            .await
            .doing("reading the ledger")?;
        let runs = rows
            .iter()
            .map(run)
            .collect::<Result<_, _>>()
            .doing("reading the ledger")?;
        Ok(RunPage {
            runs,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    /// Run `id`, if the ledger has it.
    pub async fn run_detail(&self, id: i64) -> Result<Option<RunDetail>, DbError> {
        let sql = self.dialect().sql(&format!(
            "SELECT {COLUMNS}, reportjson, error, sha256, duplicateof FROM {{moodlesync_ledger}} WHERE id = ?"
        ));
        let row = query(sql)
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .doing("reading the ledger")?;
        let Some(row) = row else {
            return Ok(None);
        };
        let detail = (|| {
            let columns = COLUMNS.split(',').count();
            Ok::<_, sqlx::Error>(RunDetail {
                run: run(&row)?,
                report_json: optional_text(&row, columns)?,
                error: optional_text(&row, columns + 1)?,
                sha256: text(&row, columns + 2)?,
                duplicate_of: super::database::optional_int(&row, columns + 3)?,
            })
        })()
        .doing("reading the ledger")?;
        Ok(Some(detail))
    }

    /// The runs that name run `id` as their parent (a tryback of it dropped again) or as the
    /// run they act on (a retry, a discard, an approval, the run of a retried file), oldest
    /// first.
    pub async fn runs_from(&self, id: i64) -> Result<Vec<LedgerRun>, DbError> {
        let sql = self.dialect().sql(&format!(
            "SELECT {COLUMNS} FROM {{moodlesync_ledger}} WHERE parentid = ? OR ofrun = ? OR duplicateof = ? ORDER BY id"
        ));
        let rows = query(sql)
            .bind(id)
            .bind(id)
            .bind(id)
            .fetch_all(self.pool())
            .await
            .doing("reading the ledger")?;
        rows.iter()
            .map(run)
            .collect::<Result<_, _>>()
            .doing("reading the ledger")
    }

    /// The runs recorded after run `after`, oldest first, at most `limit`: each with its JSON
    /// report's path.
    pub async fn runs_after(&self, after: i64, limit: u32) -> Result<Vec<IndexedRun>, DbError> {
        let sql = self.dialect().sql(&format!(
            "SELECT id, reportjson FROM {{moodlesync_ledger}} WHERE id > ? ORDER BY id LIMIT {limit}"
        ));
        let rows = query(sql)
            .bind(after)
            .fetch_all(self.pool())
            .await
            .doing("reading the ledger")?;
        rows.iter()
            .map(|row| {
                Ok(IndexedRun {
                    id: int(row, 0)?,
                    report_json: optional_text(row, 1)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .doing("reading the ledger")
    }
}
