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
    path::Path,
    time::{Duration, Instant},
};

use moodle_sync::{
    command::{
        Totals,
        dates::{SiteZone, parse_time},
    },
    pipeline::RunOptions,
};
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
        ADMIN, CONTEXT_COURSE, RoleAssignment, STUDENT_ROLE, SiteOptions, UserEnrolment,
        context_path, count_all, course_shortname, delete_all, insert_course_contexts,
        insert_courses, insert_role_assignments, insert_user_enrolments, insert_users, pairs,
        refresh_statistics, row_placeholders, rows_of,
    },
    table::{RUN_RATIO_LEGEND, backend_table, ratio, seconds_and_rate, statistics_label},
    thousands, unix_seconds,
};

/// Lines in the generated file when no count is given on the command line.
const DEFAULT_LINES: usize = 100_000;
/// Courses `BENCH01` … `BENCH10`; every user is enrolled in each.
const COURSES: usize = 10;
/// Groups of each course, `Groupe 01` … `Groupe 20`, created by the file.
const GROUPS_PER_COURSE: usize = 20;
/// Rows per baseline `INSERT`: as many as the pipeline sends.
const ROWS_PER_INSERT: usize = 300;
/// The short name of the role the file gives ([`STUDENT_ROLE`]), as the file names it.
const STUDENT: &str = "student";
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
    /// Whether Moodle's standard log is written and Moodle's caches refreshed.
    site: SiteOptions,
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
    let runtime = runtime();
    let outcomes = measure_backends(&runtime, Backend::ALL, async |backend, dir, url| {
        measure(backend, dir, url, options).await
    });
    drop(runtime);

    print!("{}", render_table(options, &outcomes));
    print_peak_memory();
    print_whole_time(started);
    exit_if_failed(&outcomes);
}

/// The options: the first argument that is a number is the line count; `--analyze`,
/// `--without-logs`, `--without-caches`; other arguments (cargo adds `--bench`) are ignored.
fn options_from_args() -> Options {
    let arguments = arguments();
    Options {
        lines: line_count(&arguments, DEFAULT_LINES),
        analyze: given(&arguments, "--analyze"),
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
    let setup = populate(&target, options).await?;
    if options.analyze {
        refresh_statistics(&target, TABLES).await?;
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

    let now = unix_seconds();
    let paired = paired_rounds(
        tag,
        "round",
        "apply",
        async |round| {
            let baseline = time_bulk_insert(&target, &setup, now).await?;
            delete_all(&target, ROUND_TABLES).await?;
            let name = format!("enrols_bench_{round}.csv");
            let apply = time_apply(&target, &setup, &name, &file, &expected, round == 1).await?;
            Ok((baseline, apply))
        },
        async || delete_all(&target, ROUND_TABLES).await,
    )
    .await?;
    let rounds = paired.rounds();

    // The last apply left every enrolment, role and membership in place.
    let rerun = repeated(tag, "re-run", rounds, async |round| {
        let name = format!("enrols_bench_again_{round}.csv");
        time_rerun(&target, &setup, &name, &file, &expected).await
    })
    .await?;

    target.db.close().await;
    Ok(Figures {
        rounds,
        baseline: median(paired.baseline),
        apply: median(paired.run),
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
    let course_ids = insert_courses(target, &mut transaction, COURSES, "setup").await?;
    insert_course_contexts(target, &mut transaction, &course_ids).await?;
    let path = context_path(target, "/1/3/", "id");
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
        rows_of(
            &format!("('manual', 0, ?, 0, {STUDENT_ROLE}, 0, 0, 86400, 0, 1, 1)"),
            COURSES
        )
    ));
    let mut statement = sqlx::query(AssertSqlSafe(sql));
    for id in &course_ids {
        statement = statement.bind(*id);
    }
    statement
        .execute(&mut *transaction)
        .await
        .map_err(failed_while("adding the manual methods"))?;

    let contexts: HashMap<i64, i64> = pairs(
        &mut transaction,
        target.sql(&format!(
            "SELECT instanceid, id FROM {{context}} WHERE contextlevel = {CONTEXT_COURSE}"
        )),
        "reading course contexts",
    )
    .await?;
    let methods: HashMap<i64, i64> = pairs(
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

    let by_idnumber: HashMap<String, i64> = pairs(
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
    let elapsed = time_baseline(target, async |transaction| {
        bulk_insert(target, transaction, setup, now).await
    })
    .await?;
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
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    setup: &Setup,
    now: i64,
) -> Result<(), String> {
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
            .execute(&mut **transaction)
            .await
            .map_err(failed_while("baseline: inserting groups"))?;
    }
    let rows = sqlx::query(AssertSqlSafe(
        target.sql("SELECT courseid, name, id FROM {groups}"),
    ))
    .fetch_all(&mut **transaction)
    .await
    .map_err(failed_while("baseline: reading the groups' ids"))?;
    let group_ids: HashMap<(i64, String), i64> = rows
        .iter()
        .map(|row| Ok(((row.try_get(0)?, row.try_get(1)?), row.try_get(2)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(failed_while("baseline: reading the groups' ids"))?;

    for chunk in setup.lines.chunks(ROWS_PER_INSERT) {
        let rows = chunk.iter().map(|line| UserEnrolment {
            enrolid: setup.courses[line.course].method,
            userid: setup.users[line.user],
            timestart: setup.start,
            timeend: setup.end,
        });
        insert_user_enrolments(target, transaction, rows, now).await?;
    }
    for chunk in setup.lines.chunks(ROWS_PER_INSERT) {
        let rows = chunk.iter().map(|line| RoleAssignment {
            roleid: STUDENT_ROLE,
            contextid: setup.courses[line.course].context,
            userid: setup.users[line.user],
            component: "",
            itemid: 0,
        });
        insert_role_assignments(target, transaction, rows, now).await?;
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
            .execute(&mut **transaction)
            .await
            .map_err(failed_while("baseline: inserting group members"))?;
    }
    Ok(())
}

/// What a round made, deleted before the next (not timed): enrolments, role assignments,
/// groups and their members, cache flags and log rows. The setup made none of these.
const ROUND_TABLES: &[&str] = &[
    "groups_members",
    "groups",
    "role_assignments",
    "user_enrolments",
    "cache_flags",
    "logstore_standard_log",
];

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
        let counts = count_all(target, &queries, "counting rows").await?;
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
    let (elapsed, totals) = time_run(target, name, content, RunOptions::default(), lines).await?;
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
    let (elapsed, totals) = time_run(target, name, content, RunOptions::default(), lines).await?;
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
    let table = backend_table(&header, outcomes, |figures| {
        let cell = |duration: Duration| seconds_and_rate(duration, lines, 7, "lines");
        vec![
            figures.rounds.to_string(),
            cell(figures.baseline),
            cell(figures.apply),
            ratio(figures.apply, figures.baseline),
            cell(figures.rerun),
            ratio(figures.rerun, figures.baseline),
        ]
    });
    let mut out = String::new();
    let _ = writeln!(
        out,
        "moodle-sync enrolment benchmark: {} add lines ({} users in {COURSES} courses, \
         {GROUPS_PER_COURSE} groups a course created by the file), {}, {} (median of the rounds shown)",
        thousands(lines as f64),
        thousands(options.users() as f64),
        statistics_label(options.analyze),
        match (options.site.without_logs, options.site.without_caches) {
            (false, false) => "log written, caches refreshed",
            (true, false) => "no log (--without-logs), caches refreshed",
            (false, true) => "log written, no data root (--without-caches)",
            (true, true) => "no log, no data root",
        }
    );
    out.push_str(&table);
    let _ = writeln!(
        out,
        "baseline: per line 1 user_enrolments + 1 role_assignments + 1 groups_members row, and the \
         groups, {ROWS_PER_INSERT} rows per INSERT (no log rows, no cache flags); lines/s = file \
         lines (enrolments) per second"
    );
    let _ = writeln!(out, "{RUN_RATIO_LEGEND}");
    out
}
