//! Password benchmark: how long a user file whose lines give passwords keeps every other host
//! waiting for the ledger's lock, against how long it takes.
//!
//! Hashing is slow by design (Moodle's SHA-512 crypt, 10,000 rounds): a file of thousands of
//! accounts with passwords asks for seconds of CPU. For each backend (SQLite always; PostgreSQL
//! and MariaDB when they can be reached) it builds a fresh Moodle database and a user file of
//! N lines (`username;firstname;lastname;email;idnumber;auth;password`, `auth` `manual`, a
//! password of its own on every line), then measures with wall-clock time:
//!
//! - **baseline**: hashing the N passwords one after the other on one thread, in Moodle's
//!   format: the work the file itself asks for;
//! - **create run**: [`moodle_sync::pipeline::run_file`] on the file (N accounts created, N
//!   hashes);
//! - **re-run**: the same file again, passwords unprotected (`[users] protected_fields`
//!   without `password`): every password checked against its stored hash, nothing written.
//!
//! During each run a prober on a connection of its own takes the ledger's lock, as another
//! host's service would, and lets it go, again and again; the longest it waited is what a file
//! dropped elsewhere at the worst moment waits. Each run is checked: its report's totals and
//! the accounts in the table.
//!
//! Run it with `cargo bench --bench passwords` (5,000 lines), or with a line count:
//! `cargo bench --bench passwords -- 1000`. The servers are looked for as by the other
//! benchmarks (`MOODLE_SYNC_TEST_POSTGRES`, `MOODLE_SYNC_TEST_MARIADB`); one that cannot be
//! reached is reported as skipped. Quote the ratios (lock wait / run time, run time / baseline),
//! not the absolute times.

use std::{
    fmt::Write as _,
    fs,
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use moodle_sync::{
    command::Totals,
    db::Db,
    outcome::RunStatus,
    pipeline::{self, RunOptions},
};
use sha_crypt::{Algorithm, Params, PasswordHasher, ShaCrypt};

mod common;

use common::{
    Backend, Target, failed_while, open_target,
    run::{arguments, exit_if_failed, first_number, measure_backends, runtime},
    table::{backend_table, ratio, seconds},
};

/// Lines in the generated file when no count is given on the command line.
const DEFAULT_LINES: usize = 5_000;
/// Moodle's rounds (`hash_internal_user_password`).
const ROUNDS: u32 = 10_000;
/// The pause of the prober between two takings of the lock.
const PROBE_PAUSE: Duration = Duration::from_millis(5);
/// The prober's longest wait before it calls the lock stuck.
const GIVE_UP: Duration = Duration::from_secs(600);

type Outcome = common::Outcome<Figures>;

struct Figures {
    baseline: Duration,
    create: Run,
    rerun: Run,
}

/// One timed run and the longest wait of the prober during it.
struct Run {
    elapsed: Duration,
    longest_wait: Duration,
    probes: usize,
}

fn main() {
    let lines = first_number(&arguments()).unwrap_or(DEFAULT_LINES).max(1);
    let runtime = runtime();
    let outcomes = measure_backends(&runtime, Backend::ALL, async |backend, dir, url| {
        measure(backend, dir, url, lines).await
    });
    drop(runtime);
    print!("{}", render_table(lines, &outcomes));
    exit_if_failed(&outcomes);
}

async fn measure(backend: Backend, dir: &Path, url: &str, lines: usize) -> Result<Figures, String> {
    let tag = backend.name();
    let mut target = open_target(dir, url).await?;
    // Passwords are protected from updates by default; unprotected, the re-run checks each
    // line's password against the stored hash, as a site that lets files change them does.
    target
        .config
        .kinds
        .users
        .protected_fields
        .retain(|field| field != "password");
    let passwords: Vec<String> = (1..=lines).map(|n| format!("Pw-{n:06}-x!")).collect();
    let file = user_file(&passwords);

    let baseline = hash_all(&passwords);
    eprintln!("[{tag}] baseline: {:.2} s", baseline.as_secs_f64());
    let create = probed_run(&target, "users_passwords.csv", &file, lines).await?;
    check_totals("create run", &create.1, lines, 0)?;
    eprintln!(
        "[{tag}] create run: {:.2} s, longest lock wait {:.2} s",
        create.0.elapsed.as_secs_f64(),
        create.0.longest_wait.as_secs_f64()
    );
    let rerun = probed_run(&target, "users_passwords_again.csv", &file, lines).await?;
    check_totals("re-run", &rerun.1, 0, lines)?;
    eprintln!(
        "[{tag}] re-run: {:.2} s, longest lock wait {:.2} s",
        rerun.0.elapsed.as_secs_f64(),
        rerun.0.longest_wait.as_secs_f64()
    );
    target.db.close().await;
    Ok(Figures {
        baseline,
        create: create.0,
        rerun: rerun.0,
    })
}

/// A user file of one account per password.
fn user_file(passwords: &[String]) -> String {
    let mut file = String::from("username;firstname;lastname;email;idnumber;auth;password\n");
    for (index, password) in passwords.iter().enumerate() {
        let n = index + 1;
        let _ = writeln!(
            file,
            "pw{n:06};Jean{n};Dupont{n};jean.dupont{n}@example.com;{};manual;{password}",
            7_100_000 + n
        );
    }
    file
}

/// Hashes every password in Moodle's format on this thread.
fn hash_all(passwords: &[String]) -> Duration {
    let started = Instant::now();
    let params = Params::new(ROUNDS).expect("valid rounds");
    for (index, password) in passwords.iter().enumerate() {
        let salt = format!("{index:012}");
        let hash = ShaCrypt::new(Algorithm::Sha512Crypt, params)
            .hash_password_with_salt(password.as_bytes(), salt.as_bytes())
            .expect("a hash");
        std::hint::black_box(hash);
    }
    started.elapsed()
}

/// Runs `content` as `name` while a prober takes and lets go the ledger's lock on a
/// connection of its own.
async fn probed_run(
    target: &Target,
    name: &str,
    content: &str,
    lines: usize,
) -> Result<(Run, Totals), String> {
    let prober_db = Db::connect(
        &target.config.database.target,
        &target.config.database.prefix,
        false,
    )
    .await
    .map_err(failed_while("connecting the prober"))?;
    let done = Arc::new(AtomicBool::new(false));
    let prober = tokio::spawn(probe(prober_db, Arc::clone(&done)));

    let path = target.config.paths.spool.join(name);
    fs::write(&path, content).map_err(failed_while("writing the file into the spool"))?;
    let options = RunOptions {
        dry_run: false,
        kind: None,
    };
    let started = Instant::now();
    let summary = pipeline::run_file(&target.config, &target.db, &path, options).await;
    let elapsed = started.elapsed();
    done.store(true, Ordering::SeqCst);
    let (longest_wait, probes) = prober
        .await
        .map_err(failed_while("waiting for the prober"))??;
    let summary = summary.map_err(failed_while("running the file"))?;
    if summary.status != RunStatus::Success {
        return Err(format!(
            "{name} did not succeed: {}",
            summary.error.as_deref().unwrap_or("some lines failed")
        ));
    }
    let totals = summary
        .totals
        .ok_or_else(|| format!("{name}: the summary has no totals"))?;
    if totals.lines != lines || totals.failed != 0 {
        return Err(format!(
            "{name}: {} lines read, {} failed",
            totals.lines, totals.failed
        ));
    }
    Ok((
        Run {
            elapsed,
            longest_wait,
            probes,
        },
        totals,
    ))
}

/// Takes and lets go the ledger's lock until `done`; the longest wait and the number of
/// takings.
async fn probe(db: Db, done: Arc<AtomicBool>) -> Result<(Duration, usize), String> {
    let mut longest = Duration::ZERO;
    let mut probes = 0;
    while !done.load(Ordering::SeqCst) {
        let started = Instant::now();
        // A backend's own lock timeout (SQLite's busy timeout, 5 s) may end a wait: the
        // prober then asks again, and its wait goes on.
        let tx = loop {
            match db.begin_locked("benchmark prober").await {
                Ok(tx) => break tx,
                Err(_) if started.elapsed() < GIVE_UP => continue,
                Err(error) => return Err(format!("taking the lock: {error}")),
            }
        };
        longest = longest.max(started.elapsed());
        probes += 1;
        tx.rollback()
            .await
            .map_err(failed_while("letting the lock go"))?;
        tokio::time::sleep(PROBE_PAUSE).await;
    }
    db.close().await;
    Ok((longest, probes))
}

fn check_totals(
    name: &str,
    totals: &Totals,
    created: usize,
    unchanged: usize,
) -> Result<(), String> {
    if totals.counts.users.users_created != created || totals.unchanged != unchanged {
        return Err(format!(
            "{name}: {} accounts created (expected {created}), {} lines unchanged (expected {unchanged})",
            totals.counts.users.users_created, totals.unchanged
        ));
    }
    Ok(())
}

fn render_table(lines: usize, outcomes: &[(Backend, Outcome)]) -> String {
    let header = [
        "backend",
        "baseline: hash all, 1 thread",
        "create run",
        "run / baseline",
        "longest lock wait",
        "wait / run",
        "re-run",
        "run / baseline",
        "longest lock wait",
        "wait / run",
    ];
    let table = backend_table(&header, outcomes, |figures| {
        let mut row = vec![seconds(figures.baseline)];
        for run in [&figures.create, &figures.rerun] {
            let wait = run.longest_wait.as_secs_f64();
            row.push(seconds(run.elapsed));
            row.push(ratio(run.elapsed, figures.baseline));
            row.push(format!("{wait:.2} s ({} probes)", run.probes));
            row.push(format!("{:.2}", wait / run.elapsed.as_secs_f64()));
        }
        row
    });
    let mut out = format!(
        "moodle-sync password benchmark: {lines} accounts, each with a password (SHA-512 crypt, \
         {ROUNDS} rounds)\n"
    );
    out.push_str(&table);
    out.push_str(
        "longest lock wait = the longest another host waited for the ledger's lock during the run; \
         wait / run near 1 means the lock was held for the whole run (lower is better)\n",
    );
    out
}
