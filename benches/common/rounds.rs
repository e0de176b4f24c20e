//! Timing: the rounds of a measurement, and a timed run of the pipeline.

use std::{
    fs,
    time::{Duration, Instant},
};

use moodle_sync::{
    command::Totals,
    outcome::RunStatus,
    pipeline::{self, RunOptions},
};
use sqlx::{AnyConnection, Connection};

use super::{Target, connect, failed_while};

/// Rounds of each measurement whose median is reported.
pub const ROUNDS: usize = 3;
/// A first round slower than this makes it the only round, to keep the benchmark's length
/// reasonable.
pub const SLOW_ROUND: Duration = Duration::from_secs(60);

/// The timings of rounds that each time a baseline and a run of the pipeline.
pub struct Paired {
    pub baseline: Vec<Duration>,
    pub run: Vec<Duration>,
}

impl Paired {
    /// The number of rounds done.
    pub fn rounds(&self) -> usize {
        self.baseline.len()
    }
}

/// Repeats `round` (given the round's number, from 1), which times a baseline then a run of
/// the pipeline, [`ROUNDS`] times, or once if the first round is slower than [`SLOW_ROUND`];
/// `reset` runs between two rounds. Each round is told as `[tag] <label> <n>: baseline …,
/// <run> …`.
pub async fn paired_rounds(
    tag: &str,
    label: &str,
    run: &str,
    mut round: impl AsyncFnMut(usize) -> Result<(Duration, Duration), String>,
    mut reset: impl AsyncFnMut() -> Result<(), String>,
) -> Result<Paired, String> {
    let mut timings = Paired {
        baseline: Vec::new(),
        run: Vec::new(),
    };
    let mut rounds = ROUNDS;
    let mut done = 0;
    while done < rounds {
        let round_started = Instant::now();
        let (baseline, timed) = round(done + 1).await?;
        timings.baseline.push(baseline);
        timings.run.push(timed);
        done += 1;
        eprintln!(
            "[{tag}] {label} {done}: baseline {:.2} s, {run} {:.2} s",
            baseline.as_secs_f64(),
            timed.as_secs_f64()
        );
        if done == 1 && round_started.elapsed() > SLOW_ROUND {
            eprintln!("[{tag}] slow first {label}: measuring once only");
            rounds = 1;
        }
        if done < rounds {
            reset().await?;
        }
    }
    Ok(timings)
}

/// Times `round` (given the round's number, from 1) `rounds` times, each told as
/// `[tag] <label> <n>: … s`.
pub async fn repeated(
    tag: &str,
    label: &str,
    rounds: usize,
    mut round: impl AsyncFnMut(usize) -> Result<Duration, String>,
) -> Result<Vec<Duration>, String> {
    let mut timings = Vec::with_capacity(rounds);
    for number in 1..=rounds {
        let elapsed = round(number).await?;
        eprintln!("[{tag}] {label} {number}: {:.2} s", elapsed.as_secs_f64());
        timings.push(elapsed);
    }
    Ok(timings)
}

/// Drops `content` into the spool as `name` and times [`pipeline::run_file`] on it (the kind
/// told by the name). Panics unless the run succeeded with every line read and none failed.
pub async fn time_run(
    target: &Target,
    name: &str,
    content: &str,
    options: RunOptions,
    lines: usize,
) -> Result<(Duration, Totals), String> {
    let path = target.config.paths.spool.join(name);
    fs::write(&path, content).map_err(failed_while("writing the file into the spool"))?;
    let started = Instant::now();
    let summary = pipeline::run_file(&target.config, &target.db, &path, options)
        .await
        .map_err(failed_while("running the file"))?;
    let elapsed = started.elapsed();
    assert_eq!(
        summary.status,
        RunStatus::Success,
        "{name} did not succeed: {} (report: {})",
        summary.error.as_deref().unwrap_or("some lines failed"),
        summary.report.display()
    );
    let totals = summary
        .totals
        .unwrap_or_else(|| panic!("{name}: the summary has no totals"));
    assert_eq!(totals.lines, lines, "{name}: lines read");
    assert_eq!(totals.failed, 0, "{name}: failed lines");
    Ok((elapsed, totals))
}

/// Times a baseline: `write` in one transaction on a connection of its own, from the start of
/// the transaction to its commit (connecting is not timed).
pub async fn time_baseline(
    target: &Target,
    write: impl AsyncFnOnce(&mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), String>,
) -> Result<Duration, String> {
    let mut connection = connect(&target.direct_url).await?;
    let timed = time_transaction(&mut connection, write).await;
    let _ = connection.close().await;
    timed
}

/// The timed part of [`time_baseline`].
async fn time_transaction(
    connection: &mut AnyConnection,
    write: impl AsyncFnOnce(&mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), String>,
) -> Result<Duration, String> {
    let started = Instant::now();
    let mut transaction = connection
        .begin()
        .await
        .map_err(failed_while("baseline: starting a transaction"))?;
    write(&mut transaction).await?;
    transaction
        .commit()
        .await
        .map_err(failed_while("baseline: committing"))?;
    Ok(started.elapsed())
}
