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
    path::Path,
    time::{Duration, Instant},
};

use moodle_sync::{command::Totals, pipeline::RunOptions};
use sqlx::{AnyConnection, AssertSqlSafe, Connection, Row};

mod common;

use common::{
    Backend, Target, connect, failed_while, median,
    rounds::{paired_rounds, repeated, time_baseline, time_run},
    run::{
        arguments, exit_if_failed, given, line_count, measure_backends, print_peak_memory,
        print_whole_time, runtime,
    },
    seed::{
        RoleAssignment, STUDENT_ROLE, SiteOptions, UserEnrolment, count_all, course_shortname,
        delete_all, insert_course_contexts, insert_courses, insert_role_assignments,
        insert_user_enrolments, insert_users, pairs, refresh_statistics, row_placeholders, rows_of,
    },
    table::{backend_table, ratio, seconds, seconds_and_rate, statistics_label},
    thousands, unix_seconds,
};

/// Lines in the generated file when no count is given on the command line.
const DEFAULT_LINES: usize = 100_000;
/// Cohorts `COH00` … `COH99`; line n goes to cohort n % 100.
const COHORTS: usize = 100;
/// Memberships per baseline `INSERT`: as many as the pipeline sends (3 values each).
const MEMBER_ROWS_PER_INSERT: usize = 300;
/// Members of the cohort the binding case binds.
const BINDING_MEMBERS: usize = 5_000;
/// Courses the binding case binds the cohort to.
const BINDING_COURSES: usize = 20;
/// The idnumber of the binding case's cohort.
const BINDING_COHORT: &str = "BENCHCOH";
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
    /// Whether Moodle's standard log is written and Moodle's caches refreshed.
    site: SiteOptions,
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
    let runtime = runtime();
    let run_case = |case: Case| -> Vec<(Backend, Outcome)> {
        measure_backends(
            &runtime,
            Backend::ALL,
            async |backend, dir, url| match case {
                Case::Membership => measure(backend, dir, url, options).await,
                Case::Bindings => measure_bindings(backend, dir, url, options).await,
            },
        )
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
        if options.site.without_logs {
            "not written (--without-logs)"
        } else {
            "written, as the service does"
        },
        if options.site.without_caches {
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
    print_peak_memory();
    print_whole_time(started);
    exit_if_failed(outcomes.iter().chain(&binding_outcomes));
}

/// The options: the first argument that is a number is the line count, `--analyze` refreshes
/// the planner's statistics after the setup, `--membership` or `--bindings` runs only that
/// case (both run when neither or both are given); other arguments (cargo adds `--bench`) are
/// ignored.
fn options_from_args() -> Options {
    let arguments = arguments();
    let (membership, bindings) = match (
        given(&arguments, "--membership"),
        given(&arguments, "--bindings"),
    ) {
        (false, false) => (true, true),
        chosen => chosen,
    };
    Options {
        lines: line_count(&arguments, DEFAULT_LINES),
        analyze: given(&arguments, "--analyze"),
        membership,
        bindings,
        site: SiteOptions::from_arguments(&arguments),
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
    let target = options.site.open_target(dir, url).await?;
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

    let now = unix_seconds();
    let paired = paired_rounds(
        tag,
        "round",
        "apply",
        async |round| {
            let baseline = time_bulk_insert(&target, &memberships, now).await?;
            delete_memberships(&target).await?;
            let name = format!("cohorts_{round}.csv");
            let apply = time_apply(&target, &name, &file, lines).await?;
            Ok((baseline, apply))
        },
        async || delete_memberships(&target).await,
    )
    .await?;
    let rounds = paired.rounds();

    // The last apply left every membership in place: re-applying finds them all.
    let reapply = repeated(tag, "re-apply", rounds, async |round| {
        let name = format!("cohorts_again_{round}.csv");
        time_reapply(&target, &name, &file, lines).await
    })
    .await?;

    delete_memberships(&target).await?;
    let dry_run = time_dry_run(&target, "cohorts_dry_run.csv", &file, lines).await?;
    eprintln!("[{tag}] dry run: {:.2} s", dry_run.as_secs_f64());

    target.db.close().await;
    Ok(Figures {
        rounds,
        baseline: median(paired.baseline),
        apply: median(paired.run),
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
        rows_of("(1, ?, ?, '', 1, 1, '', 1, 1, '')", COHORTS)
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

/// The tables the membership pipeline reads.
const MEMBERSHIP_TABLES: &[&str] = &["user", "cohort", "cohort_members", "context", "config"];

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
        "SELECT idnumber, id FROM {{{table}}} WHERE idnumber <> ''"
    ));
    pairs(connection, sql, "reading ids").await
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
    let elapsed = time_baseline(target, async |transaction| {
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
                .execute(&mut **transaction)
                .await
                .map_err(failed_while("baseline: inserting memberships"))?;
        }
        Ok(())
    })
    .await?;
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
    let target = options.site.open_target(dir, url).await?;
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

    let now = unix_seconds();
    let paired = paired_rounds(
        tag,
        "binding round",
        "binding run",
        async |round| {
            let baseline = time_binding_bulk_insert(&target, &setup, now).await?;
            delete_all(&target, BINDING_ROUND_TABLES).await?;
            let name = format!("cohortscourses_bench_{round}.csv");
            let run = time_binding_run(&target, &name, &file).await?;
            if round == 1 {
                let counts = BindingCounts::read(&target).await?;
                eprintln!(
                    "[{tag}] after the binding run: {} cohort methods, {} user_enrolments, {} \
                     role_assignments, {} dirty-user flags",
                    counts.instances, counts.enrolments, counts.roles, counts.flags
                );
            }
            Ok((baseline, run))
        },
        async || delete_all(&target, BINDING_ROUND_TABLES).await,
    )
    .await?;
    let rounds = paired.rounds();

    // The last run left every method, enrolment and role in place.
    let rerun = repeated(tag, "binding re-run", rounds, async |round| {
        let name = format!("cohortscourses_bench_again_{round}.csv");
        time_binding_rerun(&target, &name, &file).await
    })
    .await?;

    delete_all(&target, BINDING_ROUND_TABLES).await?;
    let dry_run = repeated(tag, "binding dry run", rounds, async |round| {
        let name = format!("cohortscourses_bench_dry_run_{round}.csv");
        time_binding_dry_run(&target, &name, &file).await
    })
    .await?;

    target.db.close().await;
    Ok(Figures {
        rounds,
        baseline: median(paired.baseline),
        apply: median(paired.run),
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

    let course_ids =
        insert_courses(target, &mut transaction, BINDING_COURSES, "binding setup").await?;
    insert_course_contexts(target, &mut transaction, &course_ids).await?;
    let contexts_by_course: HashMap<String, i64> = pairs(
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
    let elapsed = time_baseline(target, async |transaction| {
        for (index, &context) in setup.contexts.iter().enumerate() {
            let enrolid = BASELINE_ENROL_BASE + index as i64;
            for chunk in setup.members.chunks(ENROLMENT_ROWS_PER_INSERT) {
                let rows = chunk.iter().map(|&userid| UserEnrolment {
                    enrolid,
                    userid,
                    timestart: 0,
                    timeend: 0,
                });
                insert_user_enrolments(target, transaction, rows, now).await?;
            }
            for chunk in setup.members.chunks(ENROLMENT_ROWS_PER_INSERT) {
                let rows = chunk.iter().map(|&userid| RoleAssignment {
                    roleid: STUDENT_ROLE,
                    contextid: context,
                    userid,
                    component: "enrol_cohort",
                    itemid: enrolid,
                });
                insert_role_assignments(target, transaction, rows, now).await?;
            }
        }
        Ok(())
    })
    .await?;
    let counts = BindingCounts::read(target).await?;
    assert_eq!(
        (counts.enrolments, counts.roles),
        (BINDING_ENROLMENTS, BINDING_ENROLMENTS),
        "the baseline left other (enrolments, role assignments) than expected"
    );
    Ok(elapsed)
}

/// What a binding round made, deleted before the next (not timed): the methods, enrolments,
/// role assignments, flags and log rows. The setup made none of these.
const BINDING_ROUND_TABLES: &[&str] = &[
    "user_enrolments",
    "role_assignments",
    "cache_flags",
    "enrol",
    "logstore_standard_log",
];

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
        let queries = [
            "SELECT COUNT(*) FROM {enrol} WHERE enrol = 'cohort'",
            "SELECT COUNT(*) FROM {user_enrolments}",
            "SELECT COUNT(*) FROM {role_assignments}",
            "SELECT COUNT(*) FROM {cache_flags} WHERE flagtype = 'accesslib/dirtyusers'",
        ];
        let counts = count_all(target, &queries, "counting binding rows").await?;
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
    let table = backend_table(&header, outcomes, |figures| {
        let with_rate = |duration: Duration| seconds_and_rate(duration, rows_written, 9, "rows");
        vec![
            figures.rounds.to_string(),
            with_rate(figures.baseline),
            with_rate(figures.apply),
            ratio(figures.apply, figures.baseline),
            seconds(figures.reapply),
            ratio(figures.reapply, figures.baseline),
            seconds(figures.dry_run),
            ratio(figures.dry_run, figures.baseline),
        ]
    });
    let mut out = String::new();
    let _ = writeln!(
        out,
        "moodle-sync binding benchmark: 1 cohort of {} members bound to {BINDING_COURSES} courses \
         ({} enrolments + {} role assignments + {} dirty-user flags), {} (median of the rounds shown)",
        thousands(BINDING_MEMBERS as f64),
        thousands(BINDING_ENROLMENTS as f64),
        thousands(BINDING_ENROLMENTS as f64),
        thousands(BINDING_MEMBERS as f64),
        statistics_label(options.analyze)
    );
    out.push_str(&table);
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
    let table = backend_table(&header, outcomes, |figures| {
        let cell = |duration: Duration, unit: &str| seconds_and_rate(duration, lines, 9, unit);
        vec![
            figures.rounds.to_string(),
            cell(figures.baseline, "rows"),
            cell(figures.apply, "lines"),
            ratio(figures.apply, figures.baseline),
            cell(figures.reapply, "lines"),
            ratio(figures.reapply, figures.baseline),
            cell(figures.dry_run, "lines"),
            ratio(figures.dry_run, figures.baseline),
        ]
    });
    let mut out = String::new();
    let _ = writeln!(
        out,
        "moodle-sync membership benchmark: {} lines, {COHORTS} cohorts, {} (median of the rounds shown)",
        thousands(lines as f64),
        statistics_label(options.analyze)
    );
    out.push_str(&table);
    let _ = writeln!(
        out,
        "ratio = pipeline time / baseline time, same run, same database (lower is better): quote \
         ratios, not rates"
    );
    out
}
