//! The ledger summed for monitoring: for each kind and outcome, how many runs, their lines and
//! how long they took, bucketed for a histogram (`monitor` renders them as metrics). Reads
//! only, one query whatever the ledger's size.

use super::database::{Context, Db, DbError, int, query, text};

/// The upper bounds, in milliseconds, of the processing-time buckets.
pub const PROCESSING_BUCKETS_MS: [i64; 10] = [
    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000,
];

/// The runs of one kind and outcome, summed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunTotals {
    /// The kind (`users`, `cohorts`, …).
    pub kind: String,
    /// The outcome (`success`, `partial`, …, `retried`, `approved`, …).
    pub outcome: String,
    /// How many runs.
    pub runs: u64,
    /// Data lines read.
    pub lines: u64,
    /// Lines that changed something.
    pub changed: u64,
    /// Lines that failed.
    pub failed: u64,
    /// Time from claim to outcome, summed, in milliseconds.
    pub duration_ms: u64,
    /// For each bound of [`PROCESSING_BUCKETS_MS`], the runs that took that long or less.
    pub within: Vec<u64>,
}

impl Db {
    /// The ledger summed by kind and outcome.
    pub async fn run_totals(&self) -> Result<Vec<RunTotals>, DbError> {
        let dialect = self.dialect();
        let duration = "(finishedat - claimedat)";
        let mut columns = vec![
            "kind".to_owned(),
            "outcome".to_owned(),
            dialect.sum("1"),
            dialect.sum("linecount"),
            dialect.sum("changedcount"),
            dialect.sum("failedcount"),
            dialect.sum(duration),
        ];
        columns.extend(PROCESSING_BUCKETS_MS.iter().map(|bound| {
            dialect.sum(&format!(
                "CASE WHEN {duration} <= {bound} THEN 1 ELSE 0 END"
            ))
        }));
        let sql = dialect.sql(&format!(
            "SELECT {} FROM {{moodlesync_ledger}} GROUP BY kind, outcome ORDER BY kind, outcome",
            columns.join(", ")
        ));
        let rows = query(sql)
            .fetch_all(self.pool())
            .await
            .doing("summing the ledger")?;
        let count = |value: i64| u64::try_from(value).unwrap_or(0);
        rows.iter()
            .map(|row| {
                Ok(RunTotals {
                    kind: text(row, 0)?,
                    outcome: text(row, 1)?,
                    runs: count(int(row, 2)?),
                    lines: count(int(row, 3)?),
                    changed: count(int(row, 4)?),
                    failed: count(int(row, 5)?),
                    duration_ms: count(int(row, 6)?),
                    within: (0..PROCESSING_BUCKETS_MS.len())
                        .map(|bucket| int(row, 7 + bucket).map(count))
                        .collect::<Result<_, _>>()?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .doing("summing the ledger")
    }
}
