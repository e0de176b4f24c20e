//! Pickup benchmark: how soon `moodle-sync watch` takes a file once it is complete, and how fast
//! it drains a burst of files, compared with applying the same files in-process without the
//! watcher.
//!
//! For each backend (SQLite always; PostgreSQL and MariaDB when they can be reached) it builds
//! a fresh Moodle database with one user, writes a configuration with `[watch] settle_ms = 200`
//! (everything else at its default: `mode = "auto"`, so kernel events on a local filesystem),
//! starts the built `moodle-sync watch` as a child process, lets it take one warm-up file, and
//! measures:
//!
//! - **pickup latency**: 20 single cohort files (one line each, a new cohort with the user as
//!   its member), each dropped into the spool once the previous one is archived and the watcher
//!   has been idle for 100 ms. A file is complete when it was written; the watcher may take it
//!   `settle_ms` later at the earliest. Its latency is the ledger's `claimedat` minus (the time
//!   the write of the file returned + `settle_ms`): what the watcher adds to the wait it is told
//!   to make. The median, the 90th percentile (nearest rank) and the maximum are printed.
//! - **burst**: 1,000 such files written outside the spool, then renamed into it at once (as an
//!   upload tool that writes under a temporary name does); files per second from the first
//!   claim (`claimedat`) to the last finish (`finishedat`, when the outcome is decided, just
//!   before the commit) in the ledger.
//! - **baseline**: as many files again (other cohorts, same shape), applied in-process by
//!   [`moodle_sync::pipeline::run_file`] in a loop, with no watcher: the same pipeline (claim,
//!   ledger, staged reports, archive) without listing, settling and waiting. Its rate is
//!   measured the same way, from the ledger, and the ratio watcher / baseline (of files per
//!   second: 1.00 means the watcher costs nothing on top of the pipeline) is printed.
//!
//! Every file is checked: its ledger row says `success`, nothing lands in `failed/`, the spool
//! is empty at the end, the watcher stops with exit code 0 on SIGTERM, and the database holds
//! one cohort per file.
//!
//! Run it with `cargo bench --bench pickup`, or with another burst size:
//! `cargo bench --bench pickup -- 200`; `--sqlite`, `--postgres` or `--mariadb` measure only
//! the backends named. The watcher is the binary cargo builds for the
//! benchmark (`CARGO_BIN_EXE_moodle-sync`). PostgreSQL is looked for at
//! `postgres://postgres@127.0.0.1:5432/test` (override with `MOODLE_SYNC_TEST_POSTGRES`) and
//! MariaDB at `mysql://root@127.0.0.1:3306/test` (override with `MOODLE_SYNC_TEST_MARIADB`); a
//! server that cannot be reached is reported as skipped. Each server run gets a schema or
//! database of its own (`ms_<unix seconds>_<pid>_bench`), dropped at the end, also on failure.
//! `MOODLE_SYNC_DATABASE_URL` is ignored, and removed from the watcher's environment: the
//! benchmark only ever writes to what it created. Unix only (the watcher is stopped with
//! `kill -TERM`).
//!
//! Machines are noisy: latencies of a few milliseconds describe the machine as much as the
//! watcher; quote the ratio for throughput.

use std::{
    fmt::Write as _,
    fs::{self, File},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use moodle_sync::{
    config::Config,
    outcome::RunStatus,
    pipeline::{self, RunOptions},
};
use sqlx::{AssertSqlSafe, Connection, Row};

mod common;

use common::{
    Backend, PREFIX, Target, connect, connect_target, failed_while,
    run::{
        arguments, count_argument, exit_if_failed, measure_backends, named_backends,
        print_whole_time, runtime,
    },
    table::backend_table,
    thousands,
};

/// The settle time the watcher is configured with.
const SETTLE_MS: u64 = 200;
/// Single files whose pickup latency is measured.
const SINGLES: usize = 20;
/// How long the watcher is left idle before each single file is dropped.
const IDLE_BEFORE_DROP: Duration = Duration::from_millis(100);
/// Files in the burst (and in the baseline) when no count is given on the command line.
const DEFAULT_BURST: usize = 1_000;
/// How long a single file may take to be archived before the benchmark gives up.
const SINGLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the burst may take before the benchmark gives up.
const BURST_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// How long the watcher may take to stop on SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the archive is looked at while waiting.
const POLL: Duration = Duration::from_millis(10);
/// The configuration file the watcher is started with, in the benchmark's folder.
const CONFIG_FILE: &str = "moodle-sync.toml";
/// The one user every cohort gets as its member.
const MEMBER: &str = "u1";

/// What one backend gave.
type Outcome = common::Outcome<Figures>;

/// One backend's measurements.
struct Figures {
    /// How the watcher watched the spool (`events` or `poll`), from its start-up log line.
    watching: String,
    /// The pickup latency of each single file, in milliseconds, sorted.
    latencies: Vec<i64>,
    /// The burst through the watcher.
    burst: Span,
    /// The same number of files through `run_file` in a loop.
    baseline: Span,
}

/// Files applied, from the first claim to the last finish, and where the time went.
#[derive(Debug, Clone, Copy)]
struct Span {
    files: usize,
    millis: i64,
    /// The sum over the files of claimedat to finishedat: reading, applying, recording.
    in_files: i64,
    /// The sum of the gaps between a file's finish and the next claim: committing, putting
    /// the outputs in place, and (for the watcher) listing the spool and choosing the next.
    between: i64,
}

impl Span {
    fn files_per_second(self) -> f64 {
        self.files as f64 * 1000.0 / self.millis.max(1) as f64
    }

    /// Mean milliseconds per file in a file and between files.
    fn per_file(self) -> (f64, f64) {
        let files = self.files.max(1) as f64;
        (self.in_files as f64 / files, self.between as f64 / files)
    }
}

/// What the command line asks.
#[derive(Debug, Clone)]
struct Options {
    /// Files in the burst and in the baseline.
    burst: usize,
    /// The backends to measure.
    backends: Vec<Backend>,
}

fn main() {
    let options = options_from_args();
    let started = Instant::now();
    let runtime = runtime();
    let outcomes = measure_backends(
        &runtime,
        options.backends.iter().copied(),
        async |backend, dir, url| measure(backend, dir, url, options.burst).await,
    );
    drop(runtime);

    print!("{}", render_table(options.burst, &outcomes));
    print_whole_time(started);
    exit_if_failed(&outcomes);
}

/// The options: the first argument that is a number is the burst size; `--sqlite`,
/// `--postgres`, `--mariadb` measure only the backends named (all when none is); other
/// arguments (cargo adds `--bench`) are ignored.
fn options_from_args() -> Options {
    let arguments = arguments();
    let burst = count_argument(
        &arguments,
        DEFAULT_BURST,
        "the burst must hold at least 1 file",
    );
    Options {
        burst,
        backends: named_backends(&arguments),
    }
}

/// Everything measured on one backend, after the setup.
async fn measure(backend: Backend, dir: &Path, url: &str, burst: usize) -> Result<Figures, String> {
    let tag = backend.name();
    let target = open_target(dir, url).await?;
    let paths = &target.config.paths;

    let mut watcher = Watcher::start(&target, dir)?;
    drop_file(&target, "cohorts_warmup.csv", "W0000")?;
    watcher
        .wait_archived(&target, "cohorts_warmup.csv", SINGLE_TIMEOUT)
        .await?;
    let watching = watcher.watching();
    eprintln!("[{tag}] the watcher took its warm-up file (watching the spool by {watching})");

    // Single files, each to an idle watcher.
    let mut written = Vec::with_capacity(SINGLES);
    for number in 1..=SINGLES {
        tokio::time::sleep(IDLE_BEFORE_DROP).await;
        let name = format!("cohorts_single_{number:02}.csv");
        drop_file(&target, &name, &format!("S{number:04}"))?;
        // Taken right after the write returned, so that the latency is never flattered.
        written.push((name.clone(), now_ms()));
        watcher
            .wait_archived(&target, &name, SINGLE_TIMEOUT)
            .await?;
    }
    let runs = ledger(&target, "cohorts_single_").await?;
    let mut latencies = Vec::with_capacity(SINGLES);
    for (name, written_at) in &written {
        let run = runs
            .iter()
            .find(|run| &run.name == name)
            .ok_or_else(|| format!("{name} is not in the ledger"))?;
        latencies.push(run.claimed_at - written_at - SETTLE_MS as i64);
    }
    latencies.sort_unstable();
    eprintln!(
        "[{tag}] {SINGLES} single files: latency median {} ms, p90 {} ms, max {} ms",
        median(&latencies),
        percentile(&latencies, 90),
        latencies.last().copied().unwrap_or_default()
    );

    // The burst: written beside the spool, then renamed into it one after the other, at once.
    let staging = dir.join("burst");
    fs::create_dir_all(&staging).map_err(failed_while("creating the burst's folder"))?;
    let names: Vec<String> = (1..=burst)
        .map(|number| format!("cohorts_burst_{number:05}.csv"))
        .collect();
    for (index, name) in names.iter().enumerate() {
        fs::write(
            staging.join(name),
            cohort_file(&format!("B{:05}", index + 1)),
        )
        .map_err(failed_while("writing a burst file"))?;
    }
    let dropping = Instant::now();
    for name in &names {
        fs::rename(staging.join(name), paths.spool.join(name))
            .map_err(failed_while("dropping a burst file into the spool"))?;
    }
    eprintln!(
        "[{tag}] {burst} files dropped in {} ms",
        dropping.elapsed().as_millis()
    );
    watcher
        .wait_archived_count(&target, "cohorts_burst_", burst, BURST_TIMEOUT)
        .await?;
    let burst_span = span(&ledger(&target, "cohorts_burst_").await?, burst, "burst")?;
    eprintln!(
        "[{tag}] burst through the watcher: {burst} files in {:.2} s ({})",
        burst_span.millis as f64 / 1000.0,
        breakdown(burst_span)
    );
    watcher.stop().await?;
    let left: Vec<String> = regular_files(&paths.spool)?;
    if !left.is_empty() {
        return Err(format!(
            "files left in the spool after the watcher stopped: {}",
            left.join(", ")
        ));
    }

    // The baseline: the same number of files through `run_file`, in-process, one after the
    // other. They wait outside the spool, where `run` takes files from.
    let inbox = dir.join("baseline");
    fs::create_dir_all(&inbox).map_err(failed_while("creating the baseline's folder"))?;
    let mut files = Vec::with_capacity(burst);
    for number in 1..=burst {
        let path = inbox.join(format!("cohorts_baseline_{number:05}.csv"));
        fs::write(&path, cohort_file(&format!("R{number:05}")))
            .map_err(failed_while("writing a baseline file"))?;
        files.push(path);
    }
    let looping = Instant::now();
    for path in &files {
        let summary = pipeline::run_file(&target.config, &target.db, path, RunOptions::default())
            .await
            .map_err(failed_while("running a baseline file"))?;
        if summary.status != RunStatus::Success {
            return Err(format!(
                "{} did not succeed: {} (report: {})",
                path.display(),
                summary.error.as_deref().unwrap_or("some lines failed"),
                summary.report.display()
            ));
        }
    }
    let loop_time = looping.elapsed();
    let baseline = span(
        &ledger(&target, "cohorts_baseline_").await?,
        burst,
        "baseline",
    )?;
    eprintln!(
        "[{tag}] baseline through run_file: {burst} files in {:.2} s ({}; {:.2} s for the whole \
         loop)",
        baseline.millis as f64 / 1000.0,
        breakdown(baseline),
        loop_time.as_secs_f64()
    );

    // Every file made its cohort, with its member.
    for (prefix, expected) in [("W", 1), ("S", SINGLES), ("B", burst), ("R", burst)] {
        let found = member_count(&target, prefix).await?;
        if found != expected {
            return Err(format!(
                "{found} memberships of cohorts {prefix}… instead of {expected}"
            ));
        }
    }
    target.db.close().await;
    Ok(Figures {
        watching,
        latencies,
        burst: burst_span,
        baseline,
    })
}

/// Writes the configuration file (a 200 ms settle time, the rest at its defaults), connects
/// the application, installs Moodle's tables and adds the member every cohort gets.
async fn open_target(dir: &Path, url: &str) -> Result<Target, String> {
    let text = format!(
        "[watch]\nsettle_ms = {SETTLE_MS}\n\n[database]\nurl = \"{url}\"\nprefix = \"{PREFIX}\"\n"
    );
    let file_path = dir.join(CONFIG_FILE);
    fs::write(&file_path, &text).map_err(failed_while("writing the configuration file"))?;
    let file = Config::parse(&text).map_err(failed_while("reading the configuration"))?;
    let config =
        Config::from_file(file, dir, Some(file_path)).map_err(failed_while("configuring"))?;
    let target = connect_target(dir, url, config).await?;
    let mut connection = connect(&target.direct_url).await?;
    let added = sqlx::query(AssertSqlSafe(target.sql(
        "INSERT INTO {user} (auth, confirmed, mnethostid, username, idnumber, email, firstname, \
         lastname, timecreated, timemodified) VALUES ('manual', 1, 1, ?, ?, ?, 'First', 'Last', 1, 1)",
    )))
    .bind(MEMBER)
    .bind(MEMBER)
    .bind(format!("{MEMBER}@example.com"))
    .execute(&mut connection)
    .await;
    let _ = connection.close().await;
    added.map_err(failed_while("adding the member"))?;
    Ok(target)
}

/// A one-line cohort file: the cohort `idnumber`, created, with the member in it.
fn cohort_file(idnumber: &str) -> String {
    format!("cidnumber;cname;userid\n{idnumber};Cohort {idnumber};{MEMBER}\n")
}

/// Writes a one-line cohort file straight into the spool.
fn drop_file(target: &Target, name: &str, idnumber: &str) -> Result<(), String> {
    fs::write(target.config.paths.spool.join(name), cohort_file(idnumber))
        .map_err(failed_while("writing a file into the spool"))
}

/// Unix time in milliseconds, as the ledger records it.
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64)
}

/// The names of the regular files in `dir`.
fn regular_files(dir: &Path) -> Result<Vec<String>, String> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(format!("cannot list {}: {error}", dir.display())),
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

/// The `moodle-sync watch` child process. Dropping it kills the process if it still runs, so
/// that a failed measurement leaves nothing behind.
struct Watcher {
    child: Child,
    log: PathBuf,
    failed: PathBuf,
}

impl Watcher {
    /// Starts the binary cargo built for this benchmark in `root`, the configuration's folder,
    /// its standard error (the log, at `info`) in a file beside it.
    fn start(target: &Target, root: &Path) -> Result<Watcher, String> {
        let log = root.join("watch.stderr.log");
        let stderr = File::create(&log).map_err(failed_while("creating the watcher's log"))?;
        let child = Command::new(env!("CARGO_BIN_EXE_moodle-sync"))
            .current_dir(root)
            .arg("--config")
            .arg(root.join(CONFIG_FILE))
            .arg("watch")
            .env_remove("MOODLE_SYNC_DATABASE_URL")
            .env("MOODLE_SYNC_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(failed_while("starting moodle-sync watch"))?;
        Ok(Watcher {
            child,
            log,
            failed: target.config.paths.failed.clone(),
        })
    }

    /// The end of the watcher's log, for error messages.
    fn log_tail(&self) -> String {
        let text = fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(10)..].join("\n")
    }

    /// How the watcher said it watches the spool: `events` or `poll`.
    fn watching(&self) -> String {
        let text = fs::read_to_string(&self.log).unwrap_or_default();
        let Some(start) = text.find("watching=") else {
            return "?".into();
        };
        text[start + "watching=".len()..]
            .trim_start_matches('"')
            .chars()
            .take_while(char::is_ascii_alphabetic)
            .collect()
    }

    /// Fails if the watcher has exited, or if a file went to the failed area.
    fn check(&mut self) -> Result<(), String> {
        if let Ok(Some(status)) = self.child.try_wait() {
            return Err(format!(
                "the watcher exited ({status}); the end of its log:\n{}",
                self.log_tail()
            ));
        }
        let failed = regular_files(&self.failed)?;
        if !failed.is_empty() {
            return Err(format!(
                "files went to {}: {}; the end of the watcher's log:\n{}",
                self.failed.display(),
                failed.join(", "),
                self.log_tail()
            ));
        }
        Ok(())
    }

    /// Waits until `name` is in the archive (`<stamp>_<name>`): its ledger row is committed.
    async fn wait_archived(
        &mut self,
        target: &Target,
        name: &str,
        timeout: Duration,
    ) -> Result<(), String> {
        let suffix = format!("_{name}");
        let deadline = Instant::now() + timeout;
        loop {
            let archived = regular_files(&target.config.paths.archive)?;
            if archived.iter().any(|entry| entry.ends_with(&suffix)) {
                return Ok(());
            }
            self.check()?;
            if Instant::now() > deadline {
                return Err(format!(
                    "{name} was not archived within {} s; the end of the watcher's log:\n{}",
                    timeout.as_secs(),
                    self.log_tail()
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until `count` files whose names contain `part` are in the archive.
    async fn wait_archived_count(
        &mut self,
        target: &Target,
        part: &str,
        count: usize,
        timeout: Duration,
    ) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            let archived = regular_files(&target.config.paths.archive)?
                .iter()
                .filter(|entry| entry.contains(part))
                .count();
            if archived >= count {
                return Ok(());
            }
            self.check()?;
            if Instant::now() > deadline {
                return Err(format!(
                    "{archived} of {count} files archived within {} s; the end of the watcher's \
                     log:\n{}",
                    timeout.as_secs(),
                    self.log_tail()
                ));
            }
            // Listing thousands of entries is not free: look less often than for one file.
            tokio::time::sleep(POLL * 10).await;
        }
    }

    /// Stops the watcher as systemd would (SIGTERM) and checks that it exits with code 0.
    async fn stop(&mut self) -> Result<(), String> {
        let signalled = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .map_err(failed_while("running kill"))?;
        if !signalled.success() {
            return Err(format!("kill -TERM failed: {signalled}"));
        }
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => {
                    return Err(format!(
                        "the watcher stopped with {status}; the end of its log:\n{}",
                        self.log_tail()
                    ));
                }
                Ok(None) if Instant::now() > deadline => {
                    return Err(format!(
                        "the watcher did not stop within {} s of SIGTERM",
                        STOP_TIMEOUT.as_secs()
                    ));
                }
                Ok(None) => tokio::time::sleep(POLL).await,
                Err(error) => return Err(format!("waiting for the watcher: {error}")),
            }
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A run as the ledger records it.
struct LedgerRow {
    name: String,
    outcome: String,
    claimed_at: i64,
    finished_at: i64,
}

/// The ledger's runs of the files whose names start with `prefix`.
async fn ledger(target: &Target, prefix: &str) -> Result<Vec<LedgerRow>, String> {
    let mut connection = connect(&target.direct_url).await?;
    let rows = sqlx::query(AssertSqlSafe(target.sql(
        "SELECT name, outcome, claimedat, finishedat FROM {moodlesync_ledger} ORDER BY id",
    )))
    .fetch_all(&mut connection)
    .await;
    let _ = connection.close().await;
    let rows = rows.map_err(failed_while("reading the ledger"))?;
    let runs = rows
        .iter()
        .map(|row| {
            Ok(LedgerRow {
                name: row.try_get(0)?,
                outcome: row.try_get(1)?,
                claimed_at: row.try_get(2)?,
                finished_at: row.try_get(3)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(failed_while("reading the ledger"))?;
    Ok(runs
        .into_iter()
        .filter(|run| run.name.starts_with(prefix))
        .collect())
}

/// From the first claim to the last finish of `runs`, which must be `expected` successes.
fn span(runs: &[LedgerRow], expected: usize, what: &str) -> Result<Span, String> {
    if runs.len() != expected {
        return Err(format!(
            "{what}: {} runs in the ledger instead of {expected}",
            runs.len()
        ));
    }
    if let Some(run) = runs.iter().find(|run| run.outcome != "success") {
        return Err(format!("{what}: {} ended as {}", run.name, run.outcome));
    }
    let mut runs: Vec<&LedgerRow> = runs.iter().collect();
    runs.sort_by_key(|run| run.claimed_at);
    let first = runs.first().map_or(0, |run| run.claimed_at);
    let last = runs.iter().map(|run| run.finished_at).max().unwrap_or(0);
    let in_files = runs
        .iter()
        .map(|run| run.finished_at - run.claimed_at)
        .sum();
    let between = runs
        .windows(2)
        .map(|pair| pair[1].claimed_at - pair[0].finished_at)
        .sum();
    Ok(Span {
        files: expected,
        millis: last - first,
        in_files,
        between,
    })
}

/// Memberships of the cohorts whose idnumber starts with `prefix`.
async fn member_count(target: &Target, prefix: &str) -> Result<usize, String> {
    let mut connection = connect(&target.direct_url).await?;
    let row = sqlx::query(AssertSqlSafe(target.sql(
        "SELECT COUNT(*) FROM {cohort_members} cm JOIN {cohort} c ON c.id = cm.cohortid \
         WHERE c.idnumber LIKE ?",
    )))
    .bind(format!("{prefix}%"))
    .fetch_one(&mut connection)
    .await;
    let _ = connection.close().await;
    let count: i64 = row
        .and_then(|row| row.try_get(0))
        .map_err(failed_while("counting memberships"))?;
    usize::try_from(count).map_err(failed_while("counting memberships"))
}

/// Where a span's time went, per file.
fn breakdown(span: Span) -> String {
    let (in_file, between) = span.per_file();
    format!("per file: {in_file:.1} ms claimed to finished, {between:.1} ms to the next claim")
}

/// The median of sorted values; of an even count, the mean of the two middle ones.
fn median(sorted: &[i64]) -> f64 {
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[middle] as f64,
        _ => (sorted[middle - 1] + sorted[middle]) as f64 / 2.0,
    }
}

/// The `percent`th percentile of sorted values, by nearest rank.
fn percentile(sorted: &[i64], percent: usize) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (sorted.len() * percent).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// The results table, with a legend.
fn render_table(burst: usize, outcomes: &[(Backend, Outcome)]) -> String {
    let header = [
        "backend",
        "watching",
        "latency median",
        "p90",
        "max",
        "burst via watch",
        "baseline run_file loop",
        "watch / baseline",
    ];
    let table = backend_table(&header, outcomes, |figures| {
        let rate = |span: Span| {
            let (in_file, between) = span.per_file();
            format!(
                "{:.2} s  {:.1} files/s  ({in_file:.1} + {between:.1} ms)",
                span.millis as f64 / 1000.0,
                span.files_per_second()
            )
        };
        vec![
            figures.watching.clone(),
            format!("{:.1} ms", median(&figures.latencies)),
            format!("{} ms", percentile(&figures.latencies, 90)),
            format!("{} ms", figures.latencies.last().copied().unwrap_or(0)),
            rate(figures.burst),
            rate(figures.baseline),
            format!(
                "{:.2}x",
                figures.burst.files_per_second() / figures.baseline.files_per_second()
            ),
        ]
    });
    let mut out = String::new();
    let _ = writeln!(
        out,
        "moodle-sync pickup benchmark: settle_ms = {SETTLE_MS}, {SINGLES} single files, a burst of \
         {} one-line cohort files",
        thousands(burst as f64)
    );
    out.push_str(&table);
    let _ = writeln!(
        out,
        "latency = ledger claimedat - (end of the file's write + settle_ms), each file dropped to \
         an idle watcher"
    );
    let _ = writeln!(
        out,
        "burst and baseline: {} files, first claimedat to last finishedat in the ledger; (a + b \
         ms) = mean per file from claimedat to finishedat + from finishedat to the next claim",
        thousands(burst as f64)
    );
    let _ = writeln!(
        out,
        "watch / baseline = files/s through the watcher / files/s through run_file, same run, \
         same database (1.00x: the watcher adds nothing; above: it is faster)"
    );
    out
}
