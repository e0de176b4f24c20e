//! Membership benchmark: how fast moodle-sync applies a large cohort membership file, compared
//! with the fastest way to put the same rows into Moodle's `cohort_members` table.
//!
//! For each backend (SQLite always; PostgreSQL and MariaDB when they can be reached) it builds
//! a fresh Moodle database with N users and 100 cohorts, generates a cohort file of N lines
//! (`cidnumber;userid`, one membership a line), and measures with wall-clock time:
//!
//! - **baseline**: a plain bulk insert of the same N `(cohortid, userid, timeadded)` rows into
//!   `cohort_members`, 300 rows per `INSERT`, in one transaction, on a connection of its own;
//! - **apply**: [`moodle_sync::pipeline::run_file`] on the file, the real pipeline end to end
//!   (read, decode, parse, read the snapshot, plan, write, commit, archive, text and JSON
//!   reports);
//! - **re-apply**: the same file again, when every line is "already a member": the read and
//!   plan path, with no membership writes;
//! - **dry run**: a fresh file simulated (`dry_run: true`) on an empty `cohort_members`.
//!
//! The baseline, apply and re-apply are repeated (3 times unless a backend's first round is
//! slow) and their medians are printed, with the number of rounds done. Setup (users, cohorts,
//! the file) is not timed, nor are the deletes between rounds.
//!
//! The tables are measured as the setup leaves them, without refreshing the query planner's
//! statistics: the embedded SQLite database never has any, and a server has none right after a
//! bulk import. moodle-sync's lookups must not depend on them. `--analyze` refreshes them
//! first (`ANALYZE`), as autovacuum or InnoDB do on a maintained server.
//!
//! Run it with `cargo bench --bench membership` (100,000 lines), or with a line count for a
//! quick run: `cargo bench --bench membership -- 20000` (add `--analyze` to refresh the
//! statistics first). PostgreSQL is looked for at
//! `postgres://postgres@127.0.0.1:5432/test` (override with `MOODLE_SYNC_TEST_POSTGRES`) and
//! MariaDB at `mysql://root@127.0.0.1:3306/test` (override with `MOODLE_SYNC_TEST_MARIADB`); a
//! server that cannot be reached is reported as skipped. Each server run gets a schema or
//! database of its own (`ms_<unix seconds>_<pid>_bench`), dropped at the end, also on failure.
//! `MOODLE_SYNC_DATABASE_URL` is ignored: the benchmark only ever writes to what it created.
//!
//! A second case, **bindings**, runs after it on each backend, on a scratch database of its
//! own: one cohort of 5,000 members (inserted directly) and 20 courses with their contexts,
//! and a 20-line binding file (`course;cohort`, every course bound to the cohort). In the
//! default `[enrolments] mode = "immediate"` applying it creates 20 `enrol_cohort` methods and
//! enrols every member in every course: 100,000 `user_enrolments`, 100,000 `role_assignments`
//! (student, course context) and 5,000 `cache_flags` (`accesslib/dirtyusers`). It measures:
//!
//! - **baseline**: plain bulk inserts of the same 100,000 `user_enrolments` and 100,000
//!   `role_assignments` rows, 300 rows per `INSERT`, in one transaction, on a connection of its
//!   own;
//! - **binding run**: [`moodle_sync::pipeline::run_file`] on the binding file, end to end;
//! - **re-run**: the same file again, when every method and enrolment is already there;
//! - **dry run**: the file simulated (`dry_run: true`) with none of it there: the same work as
//!   the binding run, rolled back.
//!
//! Every round starts from the same state: the rows a round created (methods, enrolments, role
//! assignments, flags) are deleted before the next, not timed. Each run is checked: the counts
//! its report gives and the rows in the tables. Run only this case with
//! `cargo bench --bench membership -- --bindings` (`--membership` runs only the first).
//!
//! Both cases write Moodle's standard log as the service does (one row per membership, per
//! enrolment and per role assignment); `--without-logs` runs them with `[moodle] write_logs =
//! false`, to measure what the log costs. The rounds delete the log rows they made. The site
//! has a data root with Moodle's default cache configuration (its file store), whose keys the
//! runs drop as the service does; `--without-caches` runs without one.
//!
//! Machines are noisy: quote the **ratios** (pipeline time / baseline time, measured in the
//! same run on the same database), not the absolute rates, which only describe the machine the
//! benchmark ran on.

use std::{
    collections::HashMap,
    fmt::Write as _,
    fs,
    path::Path,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use moodle_sync::{
    command::Totals,
    db::{self},
    outcome::RunStatus,
    pipeline::{self, RunOptions},
};
use sqlx::{AnyConnection, AssertSqlSafe, Connection, Row};

mod common;

use common::{
    Backend, ScratchDatabase, Target, connect, failed_while, grid, median, open_target,
    peak_memory_mib, thousands,
};

/// Lines in the generated file when no count is given on the command line.
const DEFAULT_LINES: usize = 100_000;
/// Cohorts `COH00` … `COH99`; line n goes to cohort n % 100.
const COHORTS: usize = 100;
/// Rounds of baseline, apply and re-apply whose median is reported.
const ROUNDS: usize = 3;
/// A first round slower than this makes it the only round, to keep the benchmark's length
/// reasonable.
const SLOW_ROUND: Duration = Duration::from_secs(60);
/// Memberships per baseline `INSERT`: as many as the pipeline sends (3 values each).
const MEMBER_ROWS_PER_INSERT: usize = 300;
/// Users per setup `INSERT` (10 values each): under 1,000 bound values a statement.
const USER_ROWS_PER_INSERT: usize = 90;
/// Members of the cohort the binding case binds.
const BINDING_MEMBERS: usize = 5_000;
/// Courses the binding case binds the cohort to.
const BINDING_COURSES: usize = 20;
/// The idnumber of the binding case's cohort.
const BINDING_COHORT: &str = "BENCHCOH";
/// The role cohort sync gives by default (`student`, id 5 on a fresh install).
const STUDENT_ROLE: i64 = 5;
/// The main administrator on a fresh install: the `modifierid` of what cohort sync writes.
const ADMIN: i64 = 2;
/// The `enrolid` and `itemid` of the baseline's rows, course n getting this + n: no method of
/// the binding run has such an id.
const BASELINE_ENROL_BASE: i64 = 1_000_000;
/// Enrolments and role assignments per baseline `INSERT`: as many as the pipeline sends (8
/// values each).
const ENROLMENT_ROWS_PER_INSERT: usize = 300;

/// What one backend gave.
type Outcome = common::Outcome<Figures>;

/// One backend's timings: the median of each measurement, and how many rounds were done.
struct Figures {
    rounds: usize,
    baseline: Duration,
    apply: Duration,
    reapply: Duration,
    dry_run: Duration,
}

/// What the command line asks.
#[derive(Debug, Clone, Copy)]
struct Options {
    /// Lines in the generated file (and users in the database).
    lines: usize,
    /// Whether to refresh the query planner's statistics after the setup (`ANALYZE`).
    analyze: bool,
    /// Whether to run the membership case.
    membership: bool,
    /// Whether to run the binding case.
    bindings: bool,
    /// Whether Moodle's standard log is left unwritten (`[moodle] write_logs = false`), to
    /// measure what writing it costs.
    without_logs: bool,
    /// Whether the site has no data root, so that Moodle's caches are not refreshed.
    without_caches: bool,
}

/// Moodle's side of the site as the service meets it: the standard log written, and a data
/// root with Moodle's default cache configuration (the file store), unless the options turn
/// them off.
fn configure_site(target: &mut Target, dir: &Path, options: Options) -> Result<(), String> {
    target.config.moodle.write_logs = !options.without_logs;
    if options.without_caches {
        target.config.moodle.dataroot = None;
        return Ok(());
    }
    let dataroot = dir.join("moodledata");
    fs::create_dir_all(dataroot.join("muc")).map_err(failed_while("creating the data root"))?;
    fs::write(
        dataroot.join("muc/config.php"),
        include_str!("../tests/data/moodledata/muc/config.php"),
    )
    .map_err(failed_while("writing muc/config.php"))?;
    target.config.moodle.dataroot = Some(dataroot);
    Ok(())
}

/// The cases measured, each on a scratch database of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    /// A large cohort membership file.
    Membership,
    /// A cohort bound to courses, with the enrolments that follow.
    Bindings,
}

fn main() {
    let options = options_from_args();
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("cannot start the Tokio runtime");
    let run_case = |case: Case| -> Vec<(Backend, Outcome)> {
        Backend::ALL
            .into_iter()
            .map(|backend| {
                (
                    backend,
                    runtime.block_on(bench_backend(backend, case, options)),
                )
            })
            .collect()
    };
    let outcomes = if options.membership {
        run_case(Case::Membership)
    } else {
        Vec::new()
    };
    let binding_outcomes = if options.bindings {
        run_case(Case::Bindings)
    } else {
        Vec::new()
    };
    drop(runtime);

    println!(
        "Moodle's standard log: {}; Moodle's caches: {}",
        if options.without_logs {
            "not written (--without-logs)"
        } else {
            "written, as the service does"
        },
        if options.without_caches {
            "no data root (--without-caches)"
        } else {
            "refreshed in a data root with Moodle's default file store"
        }
    );
    if options.membership {
        print!("{}", render_table(options, &outcomes));
    }
    if options.bindings {
        if options.membership {
            println!();
        }
        print!("{}", render_binding_table(options, &binding_outcomes));
    }
    match peak_memory_mib() {
        Some(mib) => println!(
            "peak memory of the whole benchmark process (VmHWM, all backends and setup included): {mib:.1} MiB"
        ),
        None => println!("peak memory: not available (no VmHWM in /proc/self/status)"),
    }
    println!("whole benchmark: {:.1} s", started.elapsed().as_secs_f64());
    if outcomes
        .iter()
        .chain(&binding_outcomes)
        .any(|(_, outcome)| matches!(outcome, Outcome::Failed(_)))
    {
        std::process::exit(1);
    }
}

/// The options: the first argument that is a number is the line count, `--analyze` refreshes
/// the planner's statistics after the setup, `--membership` or `--bindings` runs only that
/// case (both run when neither or both are given); other arguments (cargo adds `--bench`) are
/// ignored.
fn options_from_args() -> Options {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let lines = arguments
        .iter()
        .find_map(|argument| argument.replace('_', "").parse::<usize>().ok())
        .unwrap_or(DEFAULT_LINES);
    if lines == 0 {
        eprintln!("the line count must be at least 1");
        std::process::exit(2);
    }
    let given = |flag: &str| arguments.iter().any(|argument| argument == flag);
    let (membership, bindings) = match (given("--membership"), given("--bindings")) {
        (false, false) => (true, true),
        chosen => chosen,
    };
    Options {
        lines,
        analyze: given("--analyze"),
        membership,
        bindings,
        without_logs: given("--without-logs"),
        without_caches: given("--without-caches"),
    }
}

/// Sets up, measures and tears down one backend.
async fn bench_backend(backend: Backend, case: Case, options: Options) -> Outcome {
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(error) => return Outcome::Failed(format!("cannot create a temporary folder: {error}")),
    };
    // Declared before the measurement so that it is dropped (and the scratch database with it)
    // after everything that uses the database, whichever way the measurement ends.
    let (url, _scratch) = match backend.admin_url() {
        None => ("sqlite:moodle.sqlite".to_owned(), None),
        Some(admin_url) => match ScratchDatabase::create(backend, &admin_url).await {
            Ok((url, scratch)) => (url, Some(scratch)),
            Err(outcome) => return outcome,
        },
    };
    let measured = match case {
        Case::Membership => measure(backend, dir.path(), &url, options).await,
        Case::Bindings => measure_bindings(backend, dir.path(), &url, options).await,
    };
    match measured {
        Ok(figures) => Outcome::Measured(figures),
        Err(problem) => {
            eprintln!("[{}] failed: {problem}", backend.name());
            Outcome::Failed(problem)
        }
    }
}

/// Everything timed on one backend, after the setup.
async fn measure(
    backend: Backend,
    dir: &Path,
    url: &str,
    options: Options,
) -> Result<Figures, String> {
    let tag = backend.name();
    let lines = options.lines;
    let setup_started = Instant::now();
    let mut target = open_target(dir, url).await?;
    configure_site(&mut target, dir, options)?;
    let memberships = populate(&target, lines).await?;
    if options.analyze {
        refresh_statistics(&target, MEMBERSHIP_TABLES).await?;
    }
    let file = membership_file(lines);
    eprintln!(
        "[{tag}] setup: {lines} users, {COHORTS} cohorts, {} KiB file{} in {:.1} s",
        file.len() / 1024,
        if options.analyze { ", ANALYZE" } else { "" },
        setup_started.elapsed().as_secs_f64()
    );

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() as i64);
    let mut baseline = Vec::new();
    let mut apply = Vec::new();
    let mut rounds = ROUNDS;
    let mut round = 0;
    while round < rounds {
        let round_started = Instant::now();
        baseline.push(time_bulk_insert(&target, &memberships, now).await?);
        delete_memberships(&target).await?;
        let name = format!("cohorts_{}.csv", round + 1);
        apply.push(time_apply(&target, &name, &file, lines).await?);
        round += 1;
        eprintln!(
            "[{tag}] round {round}: baseline {:.2} s, apply {:.2} s",
            baseline[round - 1].as_secs_f64(),
            apply[round - 1].as_secs_f64()
        );
        if round == 1 && round_started.elapsed() > SLOW_ROUND {
            eprintln!("[{tag}] slow first round: measuring once only");
            rounds = 1;
        }
        if round < rounds {
            delete_memberships(&target).await?;
        }
    }

    // The last apply left every membership in place: re-applying finds them all.
    let mut reapply = Vec::new();
    for round in 1..=rounds {
        let name = format!("cohorts_again_{round}.csv");
        reapply.push(time_reapply(&target, &name, &file, lines).await?);
        eprintln!(
            "[{tag}] re-apply {round}: {:.2} s",
            reapply[round - 1].as_secs_f64()
        );
    }

    delete_memberships(&target).await?;
    let dry_run = time_dry_run(&target, "cohorts_dry_run.csv", &file, lines).await?;
    eprintln!("[{tag}] dry run: {:.2} s", dry_run.as_secs_f64());

    target.db.close().await;
    Ok(Figures {
        rounds,
        baseline: median(baseline),
        apply: median(apply),
        reapply: median(reapply),
        dry_run,
    })
}

/// Adds the users `u1` … `uN` and the cohorts `COH00` … `COH99`; returns the membership rows
/// the file asks for, `(cohortid, userid)` in file order.
async fn populate(target: &Target, lines: usize) -> Result<Vec<(i64, i64)>, String> {
    let mut connection = connect(&target.direct_url).await?;
    let mut transaction = connection
        .begin()
        .await
        .map_err(failed_while("starting the setup"))?;
    insert_users(target, &mut transaction, lines).await?;
    let sql = target.sql(&format!(
        "INSERT INTO {{cohort}} (contextid, name, idnumber, description, descriptionformat, visible, \
         component, timecreated, timemodified, theme) VALUES {}",
        vec!["(1, ?, ?, '', 1, 1, '', 1, 1, '')"; COHORTS].join(", ")
    ));
    let mut statement = sqlx::query(AssertSqlSafe(sql));
    for cohort in 0..COHORTS {
        statement = statement
            .bind(format!("Cohort {cohort:02}"))
            .bind(cohort_idnumber(cohort));
    }
    statement
        .execute(&mut *transaction)
        .await
        .map_err(failed_while("adding cohorts"))?;
    transaction
        .commit()
        .await
        .map_err(failed_while("committing the setup"))?;

    let users = ids_by_idnumber(target, &mut connection, "user").await?;
    let cohorts = ids_by_idnumber(target, &mut connection, "cohort").await?;
    let _ = connection.close().await;
    (1..=lines)
        .map(|number| {
            let cohort = cohort_idnumber(number % COHORTS);
            let user = format!("u{number}");
            match (cohorts.get(&cohort), users.get(&user)) {
                (Some(&cohort), Some(&user)) => Ok((cohort, user)),
                _ => Err(format!("setup: {cohort} or {user} is missing")),
            }
        })
        .collect()
}

/// Adds the users `u1` … `u<count>` (not deleted, idnumber = username).
async fn insert_users(
    target: &Target,
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    count: usize,
) -> Result<(), String> {
    let numbers: Vec<usize> = (1..=count).collect();
    for chunk in numbers.chunks(USER_ROWS_PER_INSERT) {
        let sql = target.sql(&format!(
            "INSERT INTO {{user}} (auth, confirmed, mnethostid, username, idnumber, email, firstname, \
             lastname, timecreated, timemodified) VALUES {}",
            row_placeholders(chunk.len(), 10)
        ));
        let mut statement = sqlx::query(AssertSqlSafe(sql));
        for number in chunk {
            let name = format!("u{number}");
            statement = statement
                .bind("manual")
                .bind(1_i64)
                .bind(1_i64)
                .bind(name.clone())
                .bind(name.clone())
                .bind(format!("{name}@example.com"))
                .bind("First")
                .bind("Last")
                .bind(1_i64)
                .bind(1_i64);
        }
        statement
            .execute(&mut **transaction)
            .await
            .map_err(failed_while("adding users"))?;
    }
    Ok(())
}

/// The tables the membership pipeline reads.
const MEMBERSHIP_TABLES: &[&str] = &["user", "cohort", "cohort_members", "context", "config"];

/// Refreshes the query planner's statistics of the tables the pipeline reads, as a maintained
/// database has them (autovacuum, InnoDB's automatic statistics): `--analyze`.
async fn refresh_statistics(target: &Target, tables: &[&str]) -> Result<(), String> {
    let tables = tables
        .iter()
        .map(|table| format!("{{{table}}}"))
        .collect::<Vec<_>>()
        .join(", ");
    let statement = match target.dialect().backend {
        db::Backend::Sqlite => "ANALYZE".to_owned(),
        db::Backend::Postgres => format!("ANALYZE {tables}"),
        db::Backend::Mysql => format!("ANALYZE TABLE {tables}"),
    };
    let mut connection = connect(&target.direct_url).await?;
    let analyzed = sqlx::raw_sql(AssertSqlSafe(target.sql(&statement)))
        .execute(&mut connection)
        .await;
    let _ = connection.close().await;
    analyzed
        .map(|_| ())
        .map_err(failed_while("refreshing the planner's statistics"))
}

/// `COH00` … `COH99`.
fn cohort_idnumber(index: usize) -> String {
    format!("COH{index:02}")
}

/// The ids of a table's rows that have an idnumber, by idnumber.
async fn ids_by_idnumber(
    target: &Target,
    connection: &mut AnyConnection,
    table: &str,
) -> Result<HashMap<String, i64>, String> {
    let sql = target.sql(&format!(
        "SELECT id, idnumber FROM {{{table}}} WHERE idnumber <> ''"
    ));
    let rows = sqlx::query(AssertSqlSafe(sql))
        .fetch_all(&mut *connection)
        .await
        .map_err(failed_while("reading ids"))?;
    rows.iter()
        .map(|row| {
            let id: i64 = row.try_get(0)?;
            let idnumber: String = row.try_get(1)?;
            Ok((idnumber, id))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(failed_while("reading ids"))
}

/// `(?, ?), (?, ?)` for `rows` rows of `columns` values.
fn row_placeholders(rows: usize, columns: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    vec![row; rows].join(", ")
}

/// The cohort file: `cidnumber;userid`, then `COH<n % 100>;u<n>` for n in 1..=lines, LF endings.
fn membership_file(lines: usize) -> String {
    let mut file = String::with_capacity(20 + lines * 16);
    file.push_str("cidnumber;userid\n");
    for number in 1..=lines {
        let _ = writeln!(file, "{};u{number}", cohort_idnumber(number % COHORTS));
    }
    file
}

/// The baseline: inserts `rows` into `cohort_members` with multi-row `INSERT`s in one
/// transaction, on a fresh connection (connecting is not timed).
async fn time_bulk_insert(
    target: &Target,
    rows: &[(i64, i64)],
    now: i64,
) -> Result<Duration, String> {
    let mut connection = connect(&target.direct_url).await?;
    let started = Instant::now();
    let mut transaction = connection
        .begin()
        .await
        .map_err(failed_while("baseline: starting a transaction"))?;
    for chunk in rows.chunks(MEMBER_ROWS_PER_INSERT) {
        let sql = target.sql(&format!(
            "INSERT INTO {{cohort_members}} (cohortid, userid, timeadded) VALUES {}",
            row_placeholders(chunk.len(), 3)
        ));
        let mut statement = sqlx::query(AssertSqlSafe(sql));
        for &(cohort, user) in chunk {
            statement = statement.bind(cohort).bind(user).bind(now);
        }
        statement
            .execute(&mut *transaction)
            .await
            .map_err(failed_while("baseline: inserting memberships"))?;
    }
    transaction
        .commit()
        .await
        .map_err(failed_while("baseline: committing"))?;
    let elapsed = started.elapsed();
    let _ = connection.close().await;
    let count = membership_count(target).await?;
    assert_eq!(
        count,
        rows.len(),
        "the baseline left {count} memberships instead of {}",
        rows.len()
    );
    Ok(elapsed)
}

/// Empties `cohort_members` and Moodle's log (not timed).
async fn delete_memberships(target: &Target) -> Result<(), String> {
    let mut connection = connect(&target.direct_url).await?;
    let mut deleted = sqlx::query(AssertSqlSafe(target.sql("DELETE FROM {cohort_members}")))
        .execute(&mut connection)
        .await;
    if deleted.is_ok() {
        deleted = sqlx::query(AssertSqlSafe(
            target.sql("DELETE FROM {logstore_standard_log}"),
        ))
        .execute(&mut connection)
        .await;
    }
    let _ = connection.close().await;
    deleted
        .map(|_| ())
        .map_err(failed_while("deleting memberships"))
}

/// The number of rows in `cohort_members`.
async fn membership_count(target: &Target) -> Result<usize, String> {
    let mut connection = connect(&target.direct_url).await?;
    let row = sqlx::query(AssertSqlSafe(
        target.sql("SELECT COUNT(*) FROM {cohort_members}"),
    ))
    .fetch_one(&mut connection)
    .await;
    let _ = connection.close().await;
    let count: i64 = row
        .and_then(|row| row.try_get(0))
        .map_err(failed_while("counting memberships"))?;
    usize::try_from(count).map_err(failed_while("counting memberships"))
}

/// Drops `content` into the spool as `name` and times [`pipeline::run_file`] on it. Panics
/// unless the run succeeded with every line read and none failed.
async fn time_run(
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

/// Times applying the file to an empty `cohort_members`: every line adds a member.
async fn time_apply(
    target: &Target,
    name: &str,
    content: &str,
    lines: usize,
) -> Result<Duration, String> {
    let (elapsed, totals) = time_run(
        target,
        name,
        content,
        RunOptions {
            dry_run: false,
            kind: None,
        },
        lines,
    )
    .await?;
    assert_eq!(
        totals.counts.cohorts.members_added, lines,
        "{name}: members added"
    );
    assert_eq!(
        membership_count(target).await?,
        lines,
        "{name}: memberships in the table"
    );
    Ok(elapsed)
}

/// Times applying the file again: every line finds its membership already there.
async fn time_reapply(
    target: &Target,
    name: &str,
    content: &str,
    lines: usize,
) -> Result<Duration, String> {
    let (elapsed, totals) = time_run(
        target,
        name,
        content,
        RunOptions {
            dry_run: false,
            kind: None,
        },
        lines,
    )
    .await?;
    assert_eq!(
        totals.counts.cohorts.members_added, 0,
        "{name}: members added"
    );
    assert_eq!(totals.unchanged, lines, "{name}: unchanged lines");
    assert_eq!(
        membership_count(target).await?,
        lines,
        "{name}: memberships in the table"
    );
    Ok(elapsed)
}

/// Times simulating the file on an empty `cohort_members`: every line would add a member, and
/// nothing is written.
async fn time_dry_run(
    target: &Target,
    name: &str,
    content: &str,
    lines: usize,
) -> Result<Duration, String> {
    let (elapsed, totals) = time_run(
        target,
        name,
        content,
        RunOptions {
            dry_run: true,
            kind: None,
        },
        lines,
    )
    .await?;
    assert_eq!(
        totals.counts.cohorts.members_added, lines,
        "{name}: members that would be added"
    );
    assert_eq!(
        membership_count(target).await?,
        0,
        "{name}: a dry run wrote memberships"
    );
    Ok(elapsed)
}

/// Everything timed on one backend for the binding case, after its setup.
async fn measure_bindings(
    backend: Backend,
    dir: &Path,
    url: &str,
    options: Options,
) -> Result<Figures, String> {
    let tag = backend.name();
    let setup_started = Instant::now();
    let mut target = open_target(dir, url).await?;
    configure_site(&mut target, dir, options)?;
    let setup = populate_bindings(&target).await?;
    if options.analyze {
        refresh_statistics(&target, BINDING_TABLES).await?;
    }
    let file = binding_file();
    eprintln!(
        "[{tag}] binding setup: {BINDING_MEMBERS} users in cohort {BINDING_COHORT}, \
         {BINDING_COURSES} courses with contexts{} in {:.1} s",
        if options.analyze { ", ANALYZE" } else { "" },
        setup_started.elapsed().as_secs_f64()
    );

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() as i64);
    let mut baseline = Vec::new();
    let mut run = Vec::new();
    let mut rounds = ROUNDS;
    let mut round = 0;
    while round < rounds {
        let round_started = Instant::now();
        baseline.push(time_binding_bulk_insert(&target, &setup, now).await?);
        delete_binding_rows(&target).await?;
        let name = format!("cohortscourses_bench_{}.csv", round + 1);
        run.push(time_binding_run(&target, &name, &file).await?);
        round += 1;
        if round == 1 {
            let counts = BindingCounts::read(&target).await?;
            eprintln!(
                "[{tag}] after the binding run: {} cohort methods, {} user_enrolments, {} \
                 role_assignments, {} dirty-user flags",
                counts.instances, counts.enrolments, counts.roles, counts.flags
            );
        }
        eprintln!(
            "[{tag}] binding round {round}: baseline {:.2} s, binding run {:.2} s",
            baseline[round - 1].as_secs_f64(),
            run[round - 1].as_secs_f64()
        );
        if round == 1 && round_started.elapsed() > SLOW_ROUND {
            eprintln!("[{tag}] slow first binding round: measuring once only");
            rounds = 1;
        }
        if round < rounds {
            delete_binding_rows(&target).await?;
        }
    }

    // The last run left every method, enrolment and role in place.
    let mut rerun = Vec::new();
    for round in 1..=rounds {
        let name = format!("cohortscourses_bench_again_{round}.csv");
        rerun.push(time_binding_rerun(&target, &name, &file).await?);
        eprintln!(
            "[{tag}] binding re-run {round}: {:.2} s",
            rerun[round - 1].as_secs_f64()
        );
    }

    delete_binding_rows(&target).await?;
    let mut dry_run = Vec::new();
    for round in 1..=rounds {
        let name = format!("cohortscourses_bench_dry_run_{round}.csv");
        dry_run.push(time_binding_dry_run(&target, &name, &file).await?);
        eprintln!(
            "[{tag}] binding dry run {round}: {:.2} s",
            dry_run[round - 1].as_secs_f64()
        );
    }

    target.db.close().await;
    Ok(Figures {
        rounds,
        baseline: median(baseline),
        apply: median(run),
        reapply: median(rerun),
        dry_run: median(dry_run),
    })
}

/// The tables the binding pipeline and the enrolments that follow read.
const BINDING_TABLES: &[&str] = &[
    "user",
    "cohort",
    "cohort_members",
    "course",
    "context",
    "role",
    "enrol",
    "user_enrolments",
    "role_assignments",
    "groups",
    "groups_members",
    "cache_flags",
    "config",
    "config_plugins",
];

/// What the binding case's setup made.
struct BindingSetup {
    /// The cohort's members, by id.
    members: Vec<i64>,
    /// The course context of each course `BENCH01` … `BENCH20`, in that order.
    contexts: Vec<i64>,
}

/// Course n of the binding case (from 1): `BENCH01` … `BENCH20`.
fn course_shortname(number: usize) -> String {
    format!("BENCH{number:02}")
}

/// Adds the users `u1` … `u5000`, all members of the cohort `BENCHCOH`, and the courses
/// `BENCH01` … `BENCH20`, each with its course context under the default category's.
async fn populate_bindings(target: &Target) -> Result<BindingSetup, String> {
    let mut connection = connect(&target.direct_url).await?;
    let mut transaction = connection
        .begin()
        .await
        .map_err(failed_while("starting the binding setup"))?;
    insert_users(target, &mut transaction, BINDING_MEMBERS).await?;
    sqlx::query(AssertSqlSafe(target.sql(
        "INSERT INTO {cohort} (contextid, name, idnumber, description, descriptionformat, visible, \
         component, timecreated, timemodified, theme) VALUES (1, 'Bench cohort', ?, '', 1, 1, '', 1, 1, '')",
    )))
    .bind(BINDING_COHORT)
    .execute(&mut *transaction)
    .await
    .map_err(failed_while("adding the cohort"))?;
    // The members straight from the users (the guest and the admin have no idnumber).
    sqlx::query(AssertSqlSafe(target.sql(
        "INSERT INTO {cohort_members} (cohortid, userid, timeadded) \
         SELECT c.id, u.id, 1 FROM {cohort} c, {user} u WHERE c.idnumber = ? AND u.idnumber <> ''",
    )))
    .bind(BINDING_COHORT)
    .execute(&mut *transaction)
    .await
    .map_err(failed_while("adding the cohort's members"))?;

    let sql = target.sql(&format!(
        "INSERT INTO {{course}} (category, sortorder, fullname, shortname, idnumber, summary, \
         summaryformat, format, startdate, timecreated, timemodified) VALUES {}",
        vec!["(1, ?, ?, ?, ?, '', 1, 'topics', 1, 1, 1)"; BINDING_COURSES].join(", ")
    ));
    let mut statement = sqlx::query(AssertSqlSafe(sql));
    for number in 1..=BINDING_COURSES {
        let shortname = course_shortname(number);
        statement = statement
            .bind(10_000 + number as i64)
            .bind(format!("Bench course {number:02}"))
            .bind(shortname.clone())
            .bind(shortname);
    }
    statement
        .execute(&mut *transaction)
        .await
        .map_err(failed_while("adding courses"))?;
    let courses = pairs(
        &mut transaction,
        target.sql("SELECT shortname, id FROM {course} WHERE shortname LIKE 'BENCH%'"),
        "reading courses",
    )
    .await?;
    let course_ids: Vec<i64> = (1..=BINDING_COURSES)
        .map(|number| {
            courses
                .get(&course_shortname(number))
                .copied()
                .ok_or_else(|| {
                    format!(
                        "binding setup: course {} is missing",
                        course_shortname(number)
                    )
                })
        })
        .collect::<Result<_, _>>()?;

    // Contexts as Moodle makes them: the row, then its path from its own id (the default
    // category's context is 3).
    let sql = target.sql(&format!(
        "INSERT INTO {{context}} (contextlevel, instanceid, depth, locked) VALUES {}",
        vec!["(50, ?, 3, 0)"; BINDING_COURSES].join(", ")
    ));
    let mut statement = sqlx::query(AssertSqlSafe(sql));
    for id in &course_ids {
        statement = statement.bind(*id);
    }
    statement
        .execute(&mut *transaction)
        .await
        .map_err(failed_while("adding course contexts"))?;
    let contexts_by_course = pairs(
        &mut transaction,
        target.sql(
            "SELECT c.shortname, ctx.id FROM {context} ctx JOIN {course} c ON c.id = ctx.instanceid \
             WHERE ctx.contextlevel = 50 AND c.shortname LIKE 'BENCH%'",
        ),
        "reading course contexts",
    )
    .await?;
    let mut contexts = Vec::new();
    for number in 1..=BINDING_COURSES {
        let context = contexts_by_course
            .get(&course_shortname(number))
            .copied()
            .ok_or_else(|| format!("binding setup: no context for {}", course_shortname(number)))?;
        sqlx::query(AssertSqlSafe(
            target.sql("UPDATE {context} SET path = ? WHERE id = ?"),
        ))
        .bind(format!("/1/3/{context}"))
        .bind(context)
        .execute(&mut *transaction)
        .await
        .map_err(failed_while("setting context paths"))?;
        contexts.push(context);
    }
    transaction
        .commit()
        .await
        .map_err(failed_while("committing the binding setup"))?;

    let rows = sqlx::query(AssertSqlSafe(target.sql(
        "SELECT cm.userid FROM {cohort_members} cm JOIN {cohort} c ON c.id = cm.cohortid \
         WHERE c.idnumber = ? ORDER BY cm.userid",
    )))
    .bind(BINDING_COHORT)
    .fetch_all(&mut connection)
    .await
    .map_err(failed_while("reading the cohort's members"))?;
    let _ = connection.close().await;
    let members: Vec<i64> = rows
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(failed_while("reading the cohort's members"))?;
    if members.len() != BINDING_MEMBERS {
        return Err(format!(
            "binding setup: the cohort has {} members instead of {BINDING_MEMBERS}",
            members.len()
        ));
    }
    Ok(BindingSetup { members, contexts })
}

/// A two-column query's rows as a map from the first (text) to the second (id).
async fn pairs(
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    sql: String,
    doing: &'static str,
) -> Result<HashMap<String, i64>, String> {
    let rows = sqlx::query(AssertSqlSafe(sql))
        .fetch_all(&mut **transaction)
        .await
        .map_err(failed_while(doing))?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(failed_while(doing))
}

/// The binding file: `course;cohort`, then `BENCH<nn>;BENCHCOH` for each course, LF endings.
fn binding_file() -> String {
    let mut file = String::from("course;cohort\n");
    for number in 1..=BINDING_COURSES {
        let _ = writeln!(file, "{};{BINDING_COHORT}", course_shortname(number));
    }
    file
}

/// Enrolments (and role assignments) the binding file makes: every member in every course.
const BINDING_ENROLMENTS: usize = BINDING_MEMBERS * BINDING_COURSES;

/// The baseline of the binding case: inserts the same 100,000 `user_enrolments` and 100,000
/// `role_assignments` rows as the binding run (course by course, the enrolments then the
/// roles, as the pipeline does) with multi-row `INSERT`s in one transaction, on a fresh
/// connection (connecting is not timed). The rows' `enrolid` and `itemid` name no method.
async fn time_binding_bulk_insert(
    target: &Target,
    setup: &BindingSetup,
    now: i64,
) -> Result<Duration, String> {
    let mut connection = connect(&target.direct_url).await?;
    let started = Instant::now();
    let mut transaction = connection
        .begin()
        .await
        .map_err(failed_while("baseline: starting a transaction"))?;
    for (index, &context) in setup.contexts.iter().enumerate() {
        let enrolid = BASELINE_ENROL_BASE + index as i64;
        for chunk in setup.members.chunks(ENROLMENT_ROWS_PER_INSERT) {
            let sql = target.sql(&format!(
                "INSERT INTO {{user_enrolments}} (enrolid, userid, status, timestart, timeend, \
                 modifierid, timecreated, timemodified) VALUES {}",
                row_placeholders(chunk.len(), 8)
            ));
            let mut statement = sqlx::query(AssertSqlSafe(sql));
            for &user in chunk {
                statement = statement
                    .bind(enrolid)
                    .bind(user)
                    .bind(0_i64)
                    .bind(0_i64)
                    .bind(0_i64)
                    .bind(ADMIN)
                    .bind(now)
                    .bind(now);
            }
            statement
                .execute(&mut *transaction)
                .await
                .map_err(failed_while("baseline: inserting enrolments"))?;
        }
        for chunk in setup.members.chunks(ENROLMENT_ROWS_PER_INSERT) {
            let sql = target.sql(&format!(
                "INSERT INTO {{role_assignments}} (roleid, contextid, userid, timemodified, \
                 modifierid, component, itemid, sortorder) VALUES {}",
                row_placeholders(chunk.len(), 8)
            ));
            let mut statement = sqlx::query(AssertSqlSafe(sql));
            for &user in chunk {
                statement = statement
                    .bind(STUDENT_ROLE)
                    .bind(context)
                    .bind(user)
                    .bind(now)
                    .bind(ADMIN)
                    .bind("enrol_cohort")
                    .bind(enrolid)
                    .bind(0_i64);
            }
            statement
                .execute(&mut *transaction)
                .await
                .map_err(failed_while("baseline: inserting role assignments"))?;
        }
    }
    transaction
        .commit()
        .await
        .map_err(failed_while("baseline: committing"))?;
    let elapsed = started.elapsed();
    let _ = connection.close().await;
    let counts = BindingCounts::read(target).await?;
    assert_eq!(
        (counts.enrolments, counts.roles),
        (BINDING_ENROLMENTS, BINDING_ENROLMENTS),
        "the baseline left other (enrolments, role assignments) than expected"
    );
    Ok(elapsed)
}

/// Deletes what a binding round made (not timed): the methods, enrolments, role assignments
/// and flags. The setup made none of these.
async fn delete_binding_rows(target: &Target) -> Result<(), String> {
    let mut connection = connect(&target.direct_url).await?;
    for table in [
        "user_enrolments",
        "role_assignments",
        "cache_flags",
        "enrol",
        "logstore_standard_log",
    ] {
        let deleted = sqlx::query(AssertSqlSafe(
            target.sql(&format!("DELETE FROM {{{table}}}")),
        ))
        .execute(&mut connection)
        .await;
        if let Err(error) = deleted {
            let _ = connection.close().await;
            return Err(format!("deleting the rows of {table}: {error}"));
        }
    }
    let _ = connection.close().await;
    Ok(())
}

/// The rows the binding case counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BindingCounts {
    /// `enrol_cohort` methods.
    instances: usize,
    /// `user_enrolments` rows.
    enrolments: usize,
    /// `role_assignments` rows.
    roles: usize,
    /// `accesslib/dirtyusers` flags.
    flags: usize,
}

impl BindingCounts {
    /// What the binding file makes when applied to the setup.
    const APPLIED: BindingCounts = BindingCounts {
        instances: BINDING_COURSES,
        enrolments: BINDING_ENROLMENTS,
        roles: BINDING_ENROLMENTS,
        flags: BINDING_MEMBERS,
    };
    /// The setup as it is.
    const NONE: BindingCounts = BindingCounts {
        instances: 0,
        enrolments: 0,
        roles: 0,
        flags: 0,
    };

    async fn read(target: &Target) -> Result<BindingCounts, String> {
        let mut connection = connect(&target.direct_url).await?;
        let mut counts = [0_usize; 4];
        let queries = [
            "SELECT COUNT(*) FROM {enrol} WHERE enrol = 'cohort'",
            "SELECT COUNT(*) FROM {user_enrolments}",
            "SELECT COUNT(*) FROM {role_assignments}",
            "SELECT COUNT(*) FROM {cache_flags} WHERE flagtype = 'accesslib/dirtyusers'",
        ];
        for (count, sql) in counts.iter_mut().zip(queries) {
            let row = sqlx::query(AssertSqlSafe(target.sql(sql)))
                .fetch_one(&mut connection)
                .await;
            let value: i64 = match row.and_then(|row| row.try_get(0)) {
                Ok(value) => value,
                Err(error) => {
                    let _ = connection.close().await;
                    return Err(format!("counting binding rows ({sql}): {error}"));
                }
            };
            *count = usize::try_from(value).map_err(failed_while("counting binding rows"))?;
        }
        let _ = connection.close().await;
        Ok(BindingCounts {
            instances: counts[0],
            enrolments: counts[1],
            roles: counts[2],
            flags: counts[3],
        })
    }
}

/// Times applying the binding file to the setup: 20 methods, and every member enrolled with
/// a role in every course.
async fn time_binding_run(target: &Target, name: &str, content: &str) -> Result<Duration, String> {
    let options = RunOptions {
        dry_run: false,
        kind: None,
    };
    let (elapsed, totals) = time_run(target, name, content, options, BINDING_COURSES).await?;
    assert_binding_totals(name, &totals, BINDING_COURSES, BINDING_ENROLMENTS);
    assert_eq!(
        BindingCounts::read(target).await?,
        BindingCounts::APPLIED,
        "{name}: rows in the tables"
    );
    Ok(elapsed)
}

/// Times applying the binding file again: every method, enrolment and role is there.
async fn time_binding_rerun(
    target: &Target,
    name: &str,
    content: &str,
) -> Result<Duration, String> {
    let options = RunOptions {
        dry_run: false,
        kind: None,
    };
    let (elapsed, totals) = time_run(target, name, content, options, BINDING_COURSES).await?;
    assert_binding_totals(name, &totals, 0, 0);
    assert_eq!(totals.unchanged, BINDING_COURSES, "{name}: unchanged lines");
    assert_eq!(
        BindingCounts::read(target).await?,
        BindingCounts::APPLIED,
        "{name}: rows in the tables"
    );
    Ok(elapsed)
}

/// Times simulating the binding file on the setup: everything would be made, and nothing is.
async fn time_binding_dry_run(
    target: &Target,
    name: &str,
    content: &str,
) -> Result<Duration, String> {
    let options = RunOptions {
        dry_run: true,
        kind: None,
    };
    let (elapsed, totals) = time_run(target, name, content, options, BINDING_COURSES).await?;
    assert_binding_totals(name, &totals, BINDING_COURSES, BINDING_ENROLMENTS);
    assert_eq!(
        BindingCounts::read(target).await?,
        BindingCounts::NONE,
        "{name}: a dry run wrote rows"
    );
    Ok(elapsed)
}

/// Checks the report's counts of methods created, enrolments and roles.
fn assert_binding_totals(name: &str, totals: &Totals, created: usize, enrolments: usize) {
    assert_eq!(
        totals.counts.bindings.bindings_created, created,
        "{name}: methods created"
    );
    assert_eq!(
        totals.enrolments_created, enrolments,
        "{name}: enrolments created"
    );
    assert_eq!(totals.roles_assigned, enrolments, "{name}: roles assigned");
}

/// The binding case's results table, with a legend.
fn render_binding_table(options: Options, outcomes: &[(Backend, Outcome)]) -> String {
    let header = [
        "backend",
        "rounds",
        "baseline bulk insert",
        "binding run",
        "ratio",
        "re-run (all present)",
        "ratio",
        "dry run",
        "ratio",
    ];
    let rows_written = 2 * BINDING_ENROLMENTS;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut notes: Vec<(&str, String)> = Vec::new();
    for (backend, outcome) in outcomes {
        match outcome {
            Outcome::Measured(figures) => {
                let base = figures.baseline.as_secs_f64();
                let with_rate = |duration: Duration| {
                    let seconds = duration.as_secs_f64();
                    format!(
                        "{seconds:.2} s  {:>9} rows/s",
                        thousands(rows_written as f64 / seconds)
                    )
                };
                let seconds = |duration: Duration| format!("{:.2} s", duration.as_secs_f64());
                let ratio = |duration: Duration| format!("{:.2}x", duration.as_secs_f64() / base);
                rows.push(vec![
                    backend.name().to_owned(),
                    figures.rounds.to_string(),
                    with_rate(figures.baseline),
                    with_rate(figures.apply),
                    ratio(figures.apply),
                    seconds(figures.reapply),
                    ratio(figures.reapply),
                    seconds(figures.dry_run),
                    ratio(figures.dry_run),
                ]);
            }
            Outcome::Skipped(reason) => notes.push((backend.name(), format!("skipped: {reason}"))),
            Outcome::Failed(problem) => notes.push((backend.name(), format!("FAILED: {problem}"))),
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "moodle-sync binding benchmark: 1 cohort of {} members bound to {BINDING_COURSES} courses \
         ({} enrolments + {} role assignments + {} dirty-user flags), {} (median of the rounds shown)",
        thousands(BINDING_MEMBERS as f64),
        thousands(BINDING_ENROLMENTS as f64),
        thousands(BINDING_ENROLMENTS as f64),
        thousands(BINDING_MEMBERS as f64),
        statistics_label(options)
    );
    out.push_str(&grid(&header, &rows, &notes));
    let _ = writeln!(
        out,
        "rows/s = (user_enrolments + role_assignments rows, {}) / s; ratio = time / baseline time, \
         same run, same database (lower is better): quote ratios, not rates",
        thousands(rows_written as f64)
    );
    out
}

/// The results table, with a legend.
fn render_table(options: Options, outcomes: &[(Backend, Outcome)]) -> String {
    let lines = options.lines;
    let header = [
        "backend",
        "rounds",
        "baseline bulk insert",
        "apply (pipeline)",
        "ratio",
        "re-apply (all present)",
        "ratio",
        "dry run (fresh file)",
        "ratio",
    ];
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut notes: Vec<(&str, String)> = Vec::new();
    for (backend, outcome) in outcomes {
        match outcome {
            Outcome::Measured(figures) => {
                let base = figures.baseline.as_secs_f64();
                let cell = |duration: Duration, unit: &str| {
                    let seconds = duration.as_secs_f64();
                    format!(
                        "{seconds:.2} s  {:>9} {unit}/s",
                        thousands(lines as f64 / seconds)
                    )
                };
                let ratio = |duration: Duration| format!("{:.2}x", duration.as_secs_f64() / base);
                rows.push(vec![
                    backend.name().to_owned(),
                    figures.rounds.to_string(),
                    cell(figures.baseline, "rows"),
                    cell(figures.apply, "lines"),
                    ratio(figures.apply),
                    cell(figures.reapply, "lines"),
                    ratio(figures.reapply),
                    cell(figures.dry_run, "lines"),
                    ratio(figures.dry_run),
                ]);
            }
            Outcome::Skipped(reason) => notes.push((backend.name(), format!("skipped: {reason}"))),
            Outcome::Failed(problem) => notes.push((backend.name(), format!("FAILED: {problem}"))),
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "moodle-sync membership benchmark: {} lines, {COHORTS} cohorts, {} (median of the rounds shown)",
        thousands(lines as f64),
        statistics_label(options)
    );
    out.push_str(&grid(&header, &rows, &notes));
    let _ = writeln!(
        out,
        "ratio = pipeline time / baseline time, same run, same database (lower is better): quote \
         ratios, not rates"
    );
    out
}

/// What the planner knows, for a table's title.
fn statistics_label(options: Options) -> &'static str {
    if options.analyze {
        "planner statistics refreshed after setup"
    } else {
        "fresh tables, no planner statistics"
    }
}
