//! Enrolment benchmark: how fast moodle-sync applies a large enrolment file (`add` lines with
//! dates and groups the file creates), compared with the fastest plain way to write the same
//! rows.
//!
//! For each backend (SQLite always; PostgreSQL and MariaDB when they can be reached) it builds
//! a fresh Moodle database with U users (`u1` … `uU`, idnumber = username, as `[enrolments]
//! user_identifier = "idnumber"`, the default, matches them) and 10 courses `BENCH01` …
//! `BENCH10`, each with its course context and an enabled `manual` enrolment method (student
//! role, sort order 0), no group. It generates an enrolment file of N lines, course by course:
//!
//! ```text
//! cmd;rolename;uid;cid;starttime;endtime;gcmd;g1
//! add;student;u<n>;BENCH<cc>;2026-09-01;2027-07-01;gaddcreate;Groupe <gg>
//! ```
//!
//! every user in every course (U = N / 10, rounded up), user n in one of the course's 20
//! groups, which the file creates (`gaddcreate`). Applying it makes N `user_enrolments`, N
//! `role_assignments` (student, course context, component ''), 200 `groups` and N
//! `groups_members`, and writes Moodle's standard log and cache flags as the service does. It
//! measures with wall-clock time:
//!
//! - **baseline**: plain multi-row `INSERT`s (300 rows per statement, as the pipeline sends) of
//!   the same rows: the 200 groups, their ids read back with one `SELECT`, then the N
//!   enrolments (the courses' manual methods, the file's dates read in the site's time zone,
//!   the admin as modifier), the N role assignments and the N group memberships, in one
//!   transaction, on a connection of its own;
//! - **apply**: [`moodle_sync::pipeline::run_file`] on the file, the real pipeline end to end
//!   (read, decode, parse, read the snapshot, plan, write, commit, archive, text and JSON
//!   reports, caches, log);
//! - **re-run**: the same file again, when every user is enrolled with those dates, holds the
//!   role and is in the group: the read and plan path, with no writes.
//!
//! The baseline and the apply alternate, the rows either wrote (enrolments, role assignments,
//! groups and their members, cache flags, log rows) being deleted before the next, not timed;
//! the re-runs follow the last apply. Each is repeated (3 times unless a backend's first round
//! is slow) and the medians are printed, with the number of rounds done. Every run is checked:
//! the counts its report gives and the rows in the tables (the baseline's rows are counted by
//! the same queries, so that both write rows of the same shape). Setup (users, courses,
//! methods, the file) is not timed.
//!
//! Run it with `cargo bench --bench enrolments` (100,000 lines: 10,000 users in 10 courses),
//! or with a line count for a quick run: `cargo bench --bench enrolments -- 20000`.
//! `--analyze` refreshes the planner's statistics after the setup; `--without-logs` runs with
//! `[moodle] write_logs = false`, `--without-caches` without a data root (see the membership
//! benchmark). PostgreSQL is looked for at `postgres://postgres@127.0.0.1:5432/test` (override
//! with `MOODLE_SYNC_TEST_POSTGRES`) and MariaDB at `mysql://root@127.0.0.1:3306/test` (override
//! with `MOODLE_SYNC_TEST_MARIADB`); a server that cannot be reached is reported as skipped.
//! Each server run gets a schema or database of its own (`ms_<unix seconds>_<pid>_bench`),
//! dropped at the end, also on failure. `MOODLE_SYNC_DATABASE_URL` is ignored: the benchmark
//! only ever writes to what it created.
//!
//! Machines are noisy: quote the **ratios** (pipeline time / baseline time, measured in the
//! same run on the same database), not the absolute rates, which only describe the machine the
//! benchmark ran on.

use std::{
    collections::{BTreeSet, HashMap},
    fmt::Write as _,
    fs,
    path::Path,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use moodle_sync::{
    command::{
        Totals,
        dates::{SiteZone, parse_time},
    },
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
/// Courses `BENCH01` … `BENCH10`; every user is enrolled in each.
const COURSES: usize = 10;
/// Groups of each course, `Groupe 01` … `Groupe 20`, created by the file.
const GROUPS_PER_COURSE: usize = 20;
/// Rounds of each measurement whose median is reported.
const ROUNDS: usize = 3;
/// A first round slower than this makes it the only round, to keep the benchmark's length
/// reasonable.
const SLOW_ROUND: Duration = Duration::from_secs(60);
/// Rows per baseline `INSERT`: as many as the pipeline sends.
const ROWS_PER_INSERT: usize = 300;
/// Users per setup `INSERT` (10 values each): under 1,000 bound values a statement.
const USER_ROWS_PER_INSERT: usize = 90;
/// The role the file gives (`student`, id 5 on a fresh install).
const STUDENT_ROLE: i64 = 5;
/// Its short name, as the file names it.
const STUDENT: &str = "student";
/// The main administrator on a fresh install: the `modifierid` of what the file writes.
const ADMIN: i64 = 2;
/// `CONTEXT_COURSE`.
const CONTEXT_COURSE: i64 = 50;
/// The enrolments' start and end, as the file gives them (read in the site's time zone).
const START: &str = "2026-09-01";
const END: &str = "2027-07-01";

/// What one backend gave.
type Outcome = common::Outcome<Figures>;

/// One backend's timings: the median of each measurement, and how many rounds were done.
struct Figures {
    rounds: usize,
    baseline: Duration,
    apply: Duration,
    rerun: Duration,
}

/// What the command line asks.
#[derive(Debug, Clone, Copy)]
struct Options {
    /// Lines in the generated file.
    lines: usize,
    /// Whether to refresh the query planner's statistics after the setup (`ANALYZE`).
    analyze: bool,
    /// Whether Moodle's standard log is left unwritten (`[moodle] write_logs = false`).
    without_logs: bool,
    /// Whether the site has no data root, so that Moodle's caches are not refreshed.
    without_caches: bool,
}

impl Options {
    /// Users in the database: every user is in every course, the last course possibly not
    /// full when the line count is not a multiple of [`COURSES`].
    fn users(self) -> usize {
        self.lines.div_ceil(COURSES)
    }
}

fn main() {
    let options = options_from_args();
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("cannot start the Tokio runtime");
    let outcomes: Vec<(Backend, Outcome)> = Backend::ALL
        .into_iter()
        .map(|backend| (backend, runtime.block_on(bench_backend(backend, options))))
        .collect();
    drop(runtime);

    print!("{}", render_table(options, &outcomes));
    match peak_memory_mib() {
        Some(mib) => println!(
            "peak memory of the whole benchmark process (VmHWM, all backends and setup included): {mib:.1} MiB"
        ),
        None => println!("peak memory: not available (no VmHWM in /proc/self/status)"),
    }
    println!("whole benchmark: {:.1} s", started.elapsed().as_secs_f64());
    if outcomes
        .iter()
        .any(|(_, outcome)| matches!(outcome, Outcome::Failed(_)))
    {
        std::process::exit(1);
    }
}

/// The options: the first argument that is a number is the line count; `--analyze`,
/// `--without-logs`, `--without-caches`; other arguments (cargo adds `--bench`) are ignored.
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
    Options {
        lines,
        analyze: given("--analyze"),
        without_logs: given("--without-logs"),
        without_caches: given("--without-caches"),
    }
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

/// Sets up, measures and tears down one backend.
async fn bench_backend(backend: Backend, options: Options) -> Outcome {
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
    match measure(backend, dir.path(), &url, options).await {
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
    let setup = populate(&target, options).await?;
    if options.analyze {
        refresh_statistics(&target).await?;
    }
    let file = enrolment_file(&setup.lines);
    let expected = Counts::applied(&setup.lines);
    eprintln!(
        "[{tag}] setup: {} users, {COURSES} courses with a manual method, {lines}-line file of {} \
         KiB ({} groups to create){} in {:.1} s",
        options.users(),
        file.len() / 1024,
        expected.groups,
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
        baseline.push(time_bulk_insert(&target, &setup, now).await?);
        delete_enrolment_rows(&target).await?;
        let name = format!("enrols_bench_{}.csv", round + 1);
        apply.push(time_apply(&target, &setup, &name, &file, &expected, round == 0).await?);
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
            delete_enrolment_rows(&target).await?;
        }
    }

    // The last apply left every enrolment, role and membership in place.
    let mut rerun = Vec::new();
    for round in 1..=rounds {
        let name = format!("enrols_bench_again_{round}.csv");
        rerun.push(time_rerun(&target, &setup, &name, &file, &expected).await?);
        eprintln!(
            "[{tag}] re-run {round}: {:.2} s",
            rerun[round - 1].as_secs_f64()
        );
    }

    target.db.close().await;
    Ok(Figures {
        rounds,
        baseline: median(baseline),
        apply: median(apply),
        rerun: median(rerun),
    })
}

/// A course of the setup.
#[derive(Debug, Clone, Copy)]
struct Course {
    id: i64,
    /// Its course context.
    context: i64,
    /// Its manual enrolment method.
    method: i64,
}

/// One line of the file, by index: user `users[user]` in course `courses[course]`, group
/// `group` (from 0) of that course.
#[derive(Debug, Clone, Copy)]
struct Line {
    user: usize,
    course: usize,
    group: usize,
}

/// What the setup made, and the lines of the file.
struct Setup {
    /// The users' ids, `u1` first.
    users: Vec<i64>,
    /// `BENCH01` first.
    courses: Vec<Course>,
    /// The file's lines, in file order.
    lines: Vec<Line>,
    /// The enrolments' start and end, as the pipeline reads the file's dates on this site.
    start: i64,
    end: i64,
}

/// Course n (from 1): `BENCH01` … `BENCH10`.
fn course_shortname(number: usize) -> String {
    format!("BENCH{number:02}")
}

/// Group n (from 1) of every course: `Groupe 01` … `Groupe 20`.
fn group_name(number: usize) -> String {
    format!("Groupe {number:02}")
}

/// The lines: course by course, every user in turn, until `lines` lines; user u (from 0) in
/// group (u + course) % 20 of the course, so that a user's groups differ from course to
/// course.
fn generate_lines(options: Options) -> Vec<Line> {
    let users = options.users();
    (0..options.lines)
        .map(|index| {
            let (course, user) = (index / users, index % users);
            Line {
                user,
                course,
                group: (user + course) % GROUPS_PER_COURSE,
            }
        })
        .collect()
}

/// Adds the users and the courses, each with its context and an enabled manual method giving
/// the student role; makes the student role assignable in courses if the site keeps that
/// (`role_context_levels`) and it is not already.
async fn populate(target: &Target, options: Options) -> Result<Setup, String> {
    let mut connection = connect(&target.direct_url).await?;
    let populated = populate_on(target, &mut connection, options).await;
    let _ = connection.close().await;
    let setup = populated?;
    student_assignable_in_courses(target).await?;
    Ok(setup)
}

async fn populate_on(
    target: &Target,
    connection: &mut AnyConnection,
    options: Options,
) -> Result<Setup, String> {
    let mut transaction = connection
        .begin()
        .await
        .map_err(failed_while("starting the setup"))?;
    insert_users(target, &mut transaction, options.users()).await?;

    let sql = target.sql(&format!(
        "INSERT INTO {{course}} (category, sortorder, fullname, shortname, idnumber, summary, \
         summaryformat, format, startdate, timecreated, timemodified) VALUES {}",
        ["(1, ?, ?, ?, ?, '', 1, 'topics', 1, 1, 1)"; COURSES].join(", ")
    ));
    let mut statement = sqlx::query(AssertSqlSafe(sql));
    for number in 1..=COURSES {
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
    let course_ids = pairs(
        &mut transaction,
        target.sql("SELECT shortname, id FROM {course} WHERE shortname LIKE 'BENCH%'"),
        "reading courses",
    )
    .await?;
    let course_ids: Vec<i64> = (1..=COURSES)
        .map(|number| {
            course_ids
                .get(&course_shortname(number))
                .copied()
                .ok_or_else(|| format!("setup: course {} is missing", course_shortname(number)))
        })
        .collect::<Result<_, _>>()?;

    // Contexts as Moodle makes them: the row, then its path from its own id (the default
    // category's context is 3).
    let sql = target.sql(&format!(
        "INSERT INTO {{context}} (contextlevel, instanceid, depth, locked) VALUES {}",
        vec![format!("({CONTEXT_COURSE}, ?, 3, 0)"); COURSES].join(", ")
    ));
    let mut statement = sqlx::query(AssertSqlSafe(sql));
    for id in &course_ids {
        statement = statement.bind(*id);
    }
    statement
        .execute(&mut *transaction)
        .await
        .map_err(failed_while("adding course contexts"))?;
    let path = match target.dialect().backend {
        db::Backend::Mysql => "CONCAT('/1/3/', id)",
        db::Backend::Sqlite | db::Backend::Postgres => "'/1/3/' || id",
    };
    sqlx::query(AssertSqlSafe(target.sql(&format!(
        "UPDATE {{context}} SET path = {path} WHERE contextlevel = {CONTEXT_COURSE} AND path IS NULL"
    ))))
    .execute(&mut *transaction)
    .await
    .map_err(failed_while("setting context paths"))?;

    // The manual method of each course as Moodle's course creation adds it: enabled, first
    // by sort order, giving the student role.
    let sql = target.sql(&format!(
        "INSERT INTO {{enrol}} (enrol, status, courseid, sortorder, roleid, enrolperiod, \
         expirynotify, expirythreshold, notifyall, timecreated, timemodified) VALUES {}",
        vec![format!("('manual', 0, ?, 0, {STUDENT_ROLE}, 0, 0, 86400, 0, 1, 1)"); COURSES]
            .join(", ")
    ));
    let mut statement = sqlx::query(AssertSqlSafe(sql));
    for id in &course_ids {
        statement = statement.bind(*id);
    }
    statement
        .execute(&mut *transaction)
        .await
        .map_err(failed_while("adding the manual methods"))?;

    let contexts = id_pairs(
        &mut transaction,
        target.sql(&format!(
            "SELECT instanceid, id FROM {{context}} WHERE contextlevel = {CONTEXT_COURSE}"
        )),
        "reading course contexts",
    )
    .await?;
    let methods = id_pairs(
        &mut transaction,
        target.sql("SELECT courseid, id FROM {enrol} WHERE enrol = 'manual'"),
        "reading the manual methods",
    )
    .await?;
    let courses = course_ids
        .iter()
        .map(|&id| match (contexts.get(&id), methods.get(&id)) {
            (Some(&context), Some(&method)) => Ok(Course {
                id,
                context,
                method,
            }),
            _ => Err(format!(
                "setup: course {id} has no context or no manual method"
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    transaction
        .commit()
        .await
        .map_err(failed_while("committing the setup"))?;

    let by_idnumber = pairs_on(
        connection,
        target.sql("SELECT idnumber, id FROM {user} WHERE idnumber <> ''"),
        "reading users",
    )
    .await?;
    let users = (1..=options.users())
        .map(|number| {
            by_idnumber
                .get(&format!("u{number}"))
                .copied()
                .ok_or_else(|| format!("setup: user u{number} is missing"))
        })
        .collect::<Result<Vec<_>, _>>()?;

    // The file's dates as the pipeline reads them: wall-clock midnights in the site's zone
    // (the fresh install sets none: the server's).
    let zone = SiteZone::from_settings(None, None);
    let resolve = |text: &str| {
        parse_time(text)
            .map(|time| time.resolve(&zone))
            .ok_or_else(|| format!("setup: {text} does not parse as a date"))
    };
    Ok(Setup {
        users,
        courses,
        lines: generate_lines(options),
        start: resolve(START)?,
        end: resolve(END)?,
    })
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

/// Makes the student role assignable in course contexts, as a fresh Moodle has it, when the
/// database has Moodle's `role_context_levels` table and the row is not there yet; a schema
/// without that table is left as it is.
async fn student_assignable_in_courses(target: &Target) -> Result<(), String> {
    let mut connection = connect(&target.direct_url).await?;
    let present = sqlx::query(AssertSqlSafe(target.sql(&format!(
        "SELECT COUNT(*) FROM {{role_context_levels}} WHERE roleid = {STUDENT_ROLE} \
         AND contextlevel = {CONTEXT_COURSE}"
    ))))
    .fetch_one(&mut connection)
    .await
    .and_then(|row| row.try_get::<i64, _>(0));
    let result = match present {
        // No such table in this schema.
        Err(_) => Ok(()),
        Ok(0) => {
            eprintln!("setup: the student role was not assignable in courses; made it so");
            sqlx::query(AssertSqlSafe(target.sql(&format!(
                "INSERT INTO {{role_context_levels}} (roleid, contextlevel) \
                 VALUES ({STUDENT_ROLE}, {CONTEXT_COURSE})"
            ))))
            .execute(&mut connection)
            .await
            .map(|_| ())
            .map_err(failed_while(
                "making the student role assignable in courses",
            ))
        }
        Ok(_) => Ok(()),
    };
    let _ = connection.close().await;
    result
}

/// The tables the enrolment pipeline reads.
const TABLES: &[&str] = &[
    "user",
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

/// Refreshes the query planner's statistics of the tables the pipeline reads: `--analyze`.
async fn refresh_statistics(target: &Target) -> Result<(), String> {
    let tables = TABLES
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

/// A two-column query's rows as a map from the first (text) to the second (id), in a
/// transaction.
async fn pairs(
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    sql: String,
    doing: &'static str,
) -> Result<HashMap<String, i64>, String> {
    pairs_on(transaction, sql, doing).await
}

/// A two-column query's rows as a map from the first (text) to the second (id).
async fn pairs_on(
    connection: &mut AnyConnection,
    sql: String,
    doing: &'static str,
) -> Result<HashMap<String, i64>, String> {
    let rows = sqlx::query(AssertSqlSafe(sql))
        .fetch_all(connection)
        .await
        .map_err(failed_while(doing))?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(failed_while(doing))
}

/// A two-column query's rows as a map from the first id to the second.
async fn id_pairs(
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    sql: String,
    doing: &'static str,
) -> Result<HashMap<i64, i64>, String> {
    let rows = sqlx::query(AssertSqlSafe(sql))
        .fetch_all(&mut **transaction)
        .await
        .map_err(failed_while(doing))?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(failed_while(doing))
}

/// `(?, ?), (?, ?)` for `rows` rows of `columns` values.
fn row_placeholders(rows: usize, columns: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    vec![row; rows].join(", ")
}

/// The enrolment file: tool_sync's columns, one `add` line per enrolment, LF endings.
fn enrolment_file(lines: &[Line]) -> String {
    let mut file = String::with_capacity(60 + lines.len() * 70);
    file.push_str("cmd;rolename;uid;cid;starttime;endtime;gcmd;g1\n");
    for line in lines {
        let _ = writeln!(
            file,
            "add;{STUDENT};u{};{};{START};{END};gaddcreate;{}",
            line.user + 1,
            course_shortname(line.course + 1),
            group_name(line.group + 1)
        );
    }
    file
}

/// The groups the lines name, `(course, group)` by index, in the order they first appear.
fn groups_named(lines: &[Line]) -> Vec<(usize, usize)> {
    let mut seen = BTreeSet::new();
    lines
        .iter()
        .map(|line| (line.course, line.group))
        .filter(|&key| seen.insert(key))
        .collect()
}

/// The baseline: writes what applying the file writes, with multi-row `INSERT`s in one
/// transaction, on a fresh connection (connecting is not timed). Panics unless the tables then
/// hold what an apply leaves.
async fn time_bulk_insert(target: &Target, setup: &Setup, now: i64) -> Result<Duration, String> {
    let mut connection = connect(&target.direct_url).await?;
    let written = bulk_insert(target, &mut connection, setup, now).await;
    let _ = connection.close().await;
    let elapsed = written?;
    assert_eq!(
        Counts::read(target, setup).await?,
        Counts::applied(&setup.lines),
        "the baseline left other rows than an apply"
    );
    Ok(elapsed)
}

/// The timed part of [`time_bulk_insert`]: the groups (as `groups_create_group` writes them),
/// their ids read back, then the enrolments, the role assignments and the memberships, in file
/// order.
async fn bulk_insert(
    target: &Target,
    connection: &mut AnyConnection,
    setup: &Setup,
    now: i64,
) -> Result<Duration, String> {
    let started = Instant::now();
    let mut transaction = connection
        .begin()
        .await
        .map_err(failed_while("baseline: starting a transaction"))?;

    let groups = groups_named(&setup.lines);
    for chunk in groups.chunks(ROWS_PER_INSERT) {
        let sql = target.sql(&format!(
            "INSERT INTO {{groups}} (courseid, idnumber, name, description, descriptionformat, \
             enrolmentkey, picture, visibility, participation, timecreated, timemodified) VALUES {}",
            vec![format!("(?, '', ?, '', 0, '', 0, 0, 1, {now}, {now})"); chunk.len()].join(", ")
        ));
        let mut statement = sqlx::query(AssertSqlSafe(sql));
        for &(course, group) in chunk {
            statement = statement
                .bind(setup.courses[course].id)
                .bind(group_name(group + 1));
        }
        statement
            .execute(&mut *transaction)
            .await
            .map_err(failed_while("baseline: inserting groups"))?;
    }
    let rows = sqlx::query(AssertSqlSafe(
        target.sql("SELECT courseid, name, id FROM {groups}"),
    ))
    .fetch_all(&mut *transaction)
    .await
    .map_err(failed_while("baseline: reading the groups' ids"))?;
    let group_ids: HashMap<(i64, String), i64> = rows
        .iter()
        .map(|row| Ok(((row.try_get(0)?, row.try_get(1)?), row.try_get(2)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(failed_while("baseline: reading the groups' ids"))?;

    for chunk in setup.lines.chunks(ROWS_PER_INSERT) {
        let sql = target.sql(&format!(
            "INSERT INTO {{user_enrolments}} (enrolid, userid, status, timestart, timeend, \
             modifierid, timecreated, timemodified) VALUES {}",
            row_placeholders(chunk.len(), 8)
        ));
        let mut statement = sqlx::query(AssertSqlSafe(sql));
        for line in chunk {
            statement = statement
                .bind(setup.courses[line.course].method)
                .bind(setup.users[line.user])
                .bind(0_i64)
                .bind(setup.start)
                .bind(setup.end)
                .bind(ADMIN)
                .bind(now)
                .bind(now);
        }
        statement
            .execute(&mut *transaction)
            .await
            .map_err(failed_while("baseline: inserting enrolments"))?;
    }
    for chunk in setup.lines.chunks(ROWS_PER_INSERT) {
        let sql = target.sql(&format!(
            "INSERT INTO {{role_assignments}} (roleid, contextid, userid, timemodified, \
             modifierid, component, itemid, sortorder) VALUES {}",
            row_placeholders(chunk.len(), 8)
        ));
        let mut statement = sqlx::query(AssertSqlSafe(sql));
        for line in chunk {
            statement = statement
                .bind(STUDENT_ROLE)
                .bind(setup.courses[line.course].context)
                .bind(setup.users[line.user])
                .bind(now)
                .bind(ADMIN)
                .bind("")
                .bind(0_i64)
                .bind(0_i64);
        }
        statement
            .execute(&mut *transaction)
            .await
            .map_err(failed_while("baseline: inserting role assignments"))?;
    }
    for chunk in setup.lines.chunks(ROWS_PER_INSERT) {
        let sql = target.sql(&format!(
            "INSERT INTO {{groups_members}} (groupid, userid, timeadded, component, itemid) VALUES {}",
            row_placeholders(chunk.len(), 5)
        ));
        let mut statement = sqlx::query(AssertSqlSafe(sql));
        for line in chunk {
            let course = setup.courses[line.course].id;
            let group = group_ids
                .get(&(course, group_name(line.group + 1)))
                .copied()
                .ok_or_else(|| "baseline: a group has no id".to_owned())?;
            statement = statement
                .bind(group)
                .bind(setup.users[line.user])
                .bind(now)
                .bind("")
                .bind(0_i64);
        }
        statement
            .execute(&mut *transaction)
            .await
            .map_err(failed_while("baseline: inserting group members"))?;
    }
    transaction
        .commit()
        .await
        .map_err(failed_while("baseline: committing"))?;
    Ok(started.elapsed())
}

/// Deletes what a round made (not timed): enrolments, role assignments, groups and their
/// members, cache flags and log rows. The setup made none of these.
async fn delete_enrolment_rows(target: &Target) -> Result<(), String> {
    let mut connection = connect(&target.direct_url).await?;
    for table in [
        "groups_members",
        "groups",
        "role_assignments",
        "user_enrolments",
        "cache_flags",
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

/// The rows applying the file makes, counted: all of them, and those of the shape the file
/// asks for (so that the baseline and the pipeline are seen to write the same rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    /// `user_enrolments` rows.
    enrolments: usize,
    /// … active, with the file's dates, by the admin, in a manual method.
    enrolments_as_asked: usize,
    /// `role_assignments` rows.
    roles: usize,
    /// … student, given by hand (component '', item 0), in a course context, by the admin.
    roles_as_asked: usize,
    /// `groups` rows.
    groups: usize,
    /// `groups_members` rows.
    members: usize,
    /// … given by hand (component '', item 0).
    members_as_asked: usize,
}

impl Counts {
    /// What applying `lines` to the setup makes.
    fn applied(lines: &[Line]) -> Counts {
        let n = lines.len();
        Counts {
            enrolments: n,
            enrolments_as_asked: n,
            roles: n,
            roles_as_asked: n,
            groups: groups_named(lines).len(),
            members: n,
            members_as_asked: n,
        }
    }

    async fn read(target: &Target, setup: &Setup) -> Result<Counts, String> {
        let queries = [
            "SELECT COUNT(*) FROM {user_enrolments}".to_owned(),
            format!(
                "SELECT COUNT(*) FROM {{user_enrolments}} ue JOIN {{enrol}} e ON e.id = ue.enrolid \
                 WHERE e.enrol = 'manual' AND ue.status = 0 AND ue.timestart = {} \
                 AND ue.timeend = {} AND ue.modifierid = {ADMIN}",
                setup.start, setup.end
            ),
            "SELECT COUNT(*) FROM {role_assignments}".to_owned(),
            format!(
                "SELECT COUNT(*) FROM {{role_assignments}} ra JOIN {{context}} ctx ON ctx.id = ra.contextid \
                 WHERE ctx.contextlevel = {CONTEXT_COURSE} AND ra.roleid = {STUDENT_ROLE} \
                 AND ra.component = '' AND ra.itemid = 0 AND ra.modifierid = {ADMIN}"
            ),
            "SELECT COUNT(*) FROM {groups}".to_owned(),
            "SELECT COUNT(*) FROM {groups_members}".to_owned(),
            "SELECT COUNT(*) FROM {groups_members} WHERE component = '' AND itemid = 0".to_owned(),
        ];
        let counts = count_all(target, &queries).await?;
        Ok(Counts {
            enrolments: counts[0],
            enrolments_as_asked: counts[1],
            roles: counts[2],
            roles_as_asked: counts[3],
            groups: counts[4],
            members: counts[5],
            members_as_asked: counts[6],
        })
    }
}

/// The answers of `COUNT(*)` queries, on a connection of their own.
async fn count_all(target: &Target, queries: &[String]) -> Result<Vec<usize>, String> {
    let mut connection = connect(&target.direct_url).await?;
    let mut counts = Vec::new();
    for sql in queries {
        let row = sqlx::query(AssertSqlSafe(target.sql(sql)))
            .fetch_one(&mut connection)
            .await;
        let value: i64 = match row.and_then(|row| row.try_get(0)) {
            Ok(value) => value,
            Err(error) => {
                let _ = connection.close().await;
                return Err(format!("counting rows ({sql}): {error}"));
            }
        };
        counts.push(usize::try_from(value).map_err(failed_while("counting rows"))?);
    }
    let _ = connection.close().await;
    Ok(counts)
}

/// Drops `content` into the spool as `name` and times [`pipeline::run_file`] on it (the kind
/// told by the name). Panics unless the run succeeded with every line read and none failed.
async fn time_run(
    target: &Target,
    name: &str,
    content: &str,
    lines: usize,
) -> Result<(Duration, Totals), String> {
    let path = target.config.paths.spool.join(name);
    fs::write(&path, content).map_err(failed_while("writing the file into the spool"))?;
    let options = RunOptions {
        dry_run: false,
        kind: None,
    };
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

/// The enrolment kind's counters in the report's totals, by their JSON names (the names the
/// JSON report gives them).
const COUNTERS: [&str; 4] = [
    "course_enrolments_added",
    "course_roles_assigned",
    "course_groups_created",
    "course_group_members_added",
];

/// The values of [`COUNTERS`] in `totals`, read by name as the JSON report writes them.
fn counters(name: &str, totals: &Totals) -> [usize; 4] {
    let json = serde_json::to_value(totals).expect("the totals serialise");
    COUNTERS.map(|counter| {
        json.get(counter)
            .and_then(serde_json::Value::as_u64)
            .unwrap_or_else(|| panic!("{name}: the report's totals have no {counter}"))
            as usize
    })
}

/// Times applying the file with none of it there: every line enrols, assigns and adds to a
/// group, the first line naming a group creates it.
async fn time_apply(
    target: &Target,
    setup: &Setup,
    name: &str,
    content: &str,
    expected: &Counts,
    first: bool,
) -> Result<Duration, String> {
    let lines = expected.enrolments;
    let (elapsed, totals) = time_run(target, name, content, lines).await?;
    assert_eq!(
        counters(name, &totals),
        [lines, lines, expected.groups, lines],
        "{name}: {COUNTERS:?}"
    );
    assert_eq!(
        totals.changed, lines,
        "{name}: lines that changed something"
    );
    if first {
        eprintln!(
            "{name}: {} log rows written",
            thousands(totals.log_rows as f64)
        );
    }
    assert_eq!(
        Counts::read(target, setup).await?,
        *expected,
        "{name}: rows in the tables"
    );
    Ok(elapsed)
}

/// Times applying the file again: everything is already as asked.
async fn time_rerun(
    target: &Target,
    setup: &Setup,
    name: &str,
    content: &str,
    expected: &Counts,
) -> Result<Duration, String> {
    let lines = expected.enrolments;
    let (elapsed, totals) = time_run(target, name, content, lines).await?;
    assert_eq!(counters(name, &totals), [0; 4], "{name}: {COUNTERS:?}");
    assert_eq!(totals.unchanged, lines, "{name}: unchanged lines");
    assert_eq!(totals.log_rows, 0, "{name}: log rows written");
    assert_eq!(
        Counts::read(target, setup).await?,
        *expected,
        "{name}: rows in the tables"
    );
    Ok(elapsed)
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
        "re-run (all present)",
        "ratio",
    ];
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut notes: Vec<(&str, String)> = Vec::new();
    for (backend, outcome) in outcomes {
        match outcome {
            Outcome::Measured(figures) => {
                let base = figures.baseline.as_secs_f64();
                let cell = |duration: Duration| {
                    let seconds = duration.as_secs_f64();
                    format!(
                        "{seconds:.2} s  {:>7} lines/s",
                        thousands(lines as f64 / seconds)
                    )
                };
                let ratio = |duration: Duration| format!("{:.2}x", duration.as_secs_f64() / base);
                rows.push(vec![
                    backend.name().to_owned(),
                    figures.rounds.to_string(),
                    cell(figures.baseline),
                    cell(figures.apply),
                    ratio(figures.apply),
                    cell(figures.rerun),
                    ratio(figures.rerun),
                ]);
            }
            Outcome::Skipped(reason) => notes.push((backend.name(), format!("skipped: {reason}"))),
            Outcome::Failed(problem) => notes.push((backend.name(), format!("FAILED: {problem}"))),
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "moodle-sync enrolment benchmark: {} add lines ({} users in {COURSES} courses, \
         {GROUPS_PER_COURSE} groups a course created by the file), {}, {} (median of the rounds shown)",
        thousands(lines as f64),
        thousands(options.users() as f64),
        if options.analyze {
            "planner statistics refreshed after setup"
        } else {
            "fresh tables, no planner statistics"
        },
        match (options.without_logs, options.without_caches) {
            (false, false) => "log written, caches refreshed",
            (true, false) => "no log (--without-logs), caches refreshed",
            (false, true) => "log written, no data root (--without-caches)",
            (true, true) => "no log, no data root",
        }
    );
    out.push_str(&grid(&header, &rows, &notes));
    let _ = writeln!(
        out,
        "baseline: per line 1 user_enrolments + 1 role_assignments + 1 groups_members row, and the \
         groups, {ROWS_PER_INSERT} rows per INSERT (no log rows, no cache flags); lines/s = file \
         lines (enrolments) per second"
    );
    let _ = writeln!(
        out,
        "ratio = run time / baseline time, same run, same database (lower is better): quote \
         ratios, not rates"
    );
    out
}
