//! User benchmark: how fast moodle-sync applies a large user file (accounts with NetYpareo's six
//! custom profile fields), compared with the fastest plain way to write the same rows.
//!
//! For each backend (SQLite always; PostgreSQL and MariaDB when they can be reached) it builds
//! a fresh Moodle database (moodle-sync's schema install) and defines the six text profile
//! fields NetYpareo writes (`netypareo_usertype`, `…_ouverage`, `…_status`, `…_cursus`,
//! `…_program`, `…_program_step`) in a category of their own; then it generates a user file of
//! N lines (`username;firstname;lastname;email;idnumber;auth;profile_field_…` for the six
//! fields, every value distinct, `auth` `manual`, no password) and measures with wall-clock
//! time:
//!
//! - **baseline**: plain multi-row `INSERT`s (300 rows per statement) of what creating those
//!   accounts writes: the N `user` rows (the same values as the pipeline's, the site's defaults
//!   included), their ids read back with one `SELECT`, their N user contexts (level 30, depth
//!   2, then their paths `/1/<id>` set with one `UPDATE`), their N `create_password`
//!   preferences and their 6N `user_info_data` rows, in one transaction, on a connection of its
//!   own;
//! - **create run**: [`moodle_sync::pipeline::run_file`] on the file, the real pipeline end to
//!   end (read, decode, parse, read the snapshot, plan, write, commit, archive, text and JSON
//!   reports): N accounts created;
//! - **re-run**: the same file again, when every line finds its account as given: the read and
//!   plan path, with no writes;
//! - **update run**: a second file, every line changing the account's first name and its
//!   `netypareo_status` field (each round changes them again): N accounts updated, one `user`
//!   and one `user_info_data` row each.
//!
//! The baseline and the create run alternate, the rows either wrote being deleted before the
//! next (not timed); the re-runs and update runs follow the last create run. Each is repeated
//! (3 times unless a backend's first round is slow) and the medians are printed, with the
//! number of rounds done. Every run is checked: the totals its report gives and the rows in the
//! tables; the first round also checks that the baseline's account row is the pipeline's, value
//! for value. Setup (the schema, the fields, the files) is not timed.
//!
//! Run it with `cargo bench --bench users` (5,000 lines), or with a line count for a quick
//! run: `cargo bench --bench users -- 1000`. PostgreSQL is looked for at
//! `postgres://postgres@127.0.0.1:5432/test` (override with `MOODLE_SYNC_TEST_POSTGRES`) and
//! MariaDB at `mysql://root@127.0.0.1:3306/test` (override with `MOODLE_SYNC_TEST_MARIADB`); a
//! server that cannot be reached is reported as skipped. Each server run gets a schema or
//! database of its own (`ms_<unix seconds>_<pid>_bench`), dropped at the end, also on failure.
//! `MOODLE_SYNC_DATABASE_URL` is ignored: the benchmark only ever writes to what it created.
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

use moodle_sync::{command::Totals, netypareo::export::PROFILE_FIELDS, pipeline::RunOptions};
use sqlx::{AssertSqlSafe, Connection, Row};

mod common;

use common::{
    Backend, Target, connect, failed_while, median, open_target,
    rounds::{paired_rounds, repeated, time_baseline, time_run},
    run::{
        arguments, exit_if_failed, line_count, measure_backends, print_peak_memory,
        print_whole_time, runtime,
    },
    seed::{context_path, count_all, pairs_of, rows_of},
    table::{RUN_RATIO_LEGEND, backend_table, ratio, seconds_and_rate},
    thousands, unix_seconds,
};

/// Lines in the generated file when no count is given on the command line.
const DEFAULT_LINES: usize = 5_000;
/// Rows per baseline `INSERT`.
const ROWS_PER_INSERT: usize = 300;
/// The profile field the update file changes (`netypareo_status`), by its index.
const UPDATED_FIELD: usize = 2;
/// `CONTEXT_USER`.
const CONTEXT_USER: i64 = 30;
/// Accounts of a fresh install (the guest and the admin, ids 1 and 2): the benchmark's accounts
/// come after them.
const INSTALLED_ACCOUNTS: i64 = 2;
/// The category the setup defines the profile fields in.
const FIELD_CATEGORY: &str = "NetYpareo";

/// What one backend gave.
type Outcome = common::Outcome<Figures>;

/// One backend's timings: the median of each measurement, and how many rounds were done.
struct Figures {
    rounds: usize,
    baseline: Duration,
    create: Duration,
    rerun: Duration,
    update: Duration,
}

fn main() {
    // The line count: the first argument that is a number; other arguments (cargo adds
    // `--bench`) are ignored.
    let lines = line_count(&arguments(), DEFAULT_LINES);
    let started = Instant::now();
    let runtime = runtime();
    let outcomes = measure_backends(&runtime, Backend::ALL, async |backend, dir, url| {
        measure(backend, dir, url, lines).await
    });
    drop(runtime);

    print!("{}", render_table(lines, &outcomes));
    print_peak_memory();
    print_whole_time(started);
    exit_if_failed(&outcomes);
}

/// Everything timed on one backend, after the setup.
async fn measure(backend: Backend, dir: &Path, url: &str, lines: usize) -> Result<Figures, String> {
    let tag = backend.name();
    let setup_started = Instant::now();
    let target = open_target(dir, url).await?;
    let fields = define_profile_fields(&target).await?;
    let accounts = accounts(lines);
    let create_file = user_file(&accounts);
    eprintln!(
        "[{tag}] setup: {} profile fields, {lines}-line user file of {} KiB, in {:.1} s",
        PROFILE_FIELDS.len(),
        create_file.len() / 1024,
        setup_started.elapsed().as_secs_f64()
    );

    let now = unix_seconds();
    let paired = paired_rounds(
        tag,
        "round",
        "create run",
        async |round| {
            let baseline = time_bulk_insert(&target, &accounts, &fields, now).await?;
            let baseline_sample = if round == 1 {
                Some(account_row(&target, &accounts[0].username).await?)
            } else {
                None
            };
            delete_accounts(&target).await?;
            let name = format!("users_create_{round}.csv");
            let create = time_create(&target, &name, &create_file, lines).await?;
            if let Some(expected) = baseline_sample {
                let created = account_row(&target, &accounts[0].username).await?;
                if created != expected {
                    return Err(format!(
                        "the baseline's account row is not the pipeline's:\n  baseline {expected:?}\n  \
                         pipeline {created:?}"
                    ));
                }
            }
            Ok((baseline, create))
        },
        async || delete_accounts(&target).await,
    )
    .await?;
    let rounds = paired.rounds();

    // The last create run left every account in place: the same file again changes nothing.
    let rerun = repeated(tag, "re-run", rounds, async |round| {
        let name = format!("users_again_{round}.csv");
        time_rerun(&target, &name, &create_file, lines).await
    })
    .await?;

    // Each update file gives every account a first name and a status no earlier round gave.
    let update = repeated(tag, "update run", rounds, async |round| {
        let name = format!("users_update_{round}.csv");
        let file = user_file(&updated_accounts(&accounts, round));
        time_update(&target, &name, &file, &fields, lines, round).await
    })
    .await?;

    target.db.close().await;
    Ok(Figures {
        rounds,
        baseline: median(paired.baseline),
        create: median(paired.run),
        rerun: median(rerun),
        update: median(update),
    })
}

/// Defines the six profile fields as text fields (as Moodle's form creates them: display size
/// 30, up to 2,048 characters, visible to everyone) in a category of their own; returns their
/// ids in [`PROFILE_FIELDS`] order.
async fn define_profile_fields(target: &Target) -> Result<Vec<i64>, String> {
    let mut connection = connect(&target.direct_url).await?;
    let defined = async {
        let mut transaction = connection
            .begin()
            .await
            .map_err(failed_while("starting the setup"))?;
        sqlx::query(AssertSqlSafe(target.sql(
            "INSERT INTO {user_info_category} (name, sortorder) VALUES (?, 1)",
        )))
        .bind(FIELD_CATEGORY)
        .execute(&mut *transaction)
        .await
        .map_err(failed_while("adding the profile field category"))?;
        let sql = target.sql(&format!(
            "INSERT INTO {{user_info_field}} (shortname, name, datatype, description, descriptionformat, \
             categoryid, sortorder, required, locked, visible, forceunique, signup, defaultdata, \
             defaultdataformat, param1, param2, param3, param4, param5) VALUES {}",
            vec![
                "(?, ?, 'text', '', 1, (SELECT MAX(id) FROM {user_info_category}), ?, 0, 0, 2, 0, 0, '', \
                 0, '30', '2048', '0', '', '')";
                PROFILE_FIELDS.len()
            ]
            .join(", ")
        ));
        let mut statement = sqlx::query(AssertSqlSafe(sql));
        for (index, shortname) in PROFILE_FIELDS.iter().enumerate() {
            statement = statement
                .bind(*shortname)
                .bind(shortname.replace('_', " "))
                .bind(index as i64 + 1);
        }
        statement
            .execute(&mut *transaction)
            .await
            .map_err(failed_while("defining the profile fields"))?;
        let rows = sqlx::query(AssertSqlSafe(
            target.sql("SELECT shortname, id FROM {user_info_field}"),
        ))
        .fetch_all(&mut *transaction)
        .await
        .map_err(failed_while("reading the profile fields"))?;
        transaction
            .commit()
            .await
            .map_err(failed_while("committing the setup"))?;
        let ids: HashMap<String, i64> = pairs_of(&rows, "reading the profile fields")?;
        PROFILE_FIELDS
            .iter()
            .map(|shortname| {
                ids.get(*shortname)
                    .copied()
                    .ok_or_else(|| format!("setup: the field {shortname} is missing"))
            })
            .collect()
    }
    .await;
    let _ = connection.close().await;
    defined
}

/// One line of a user file: an account as the file gives it.
#[derive(Debug, Clone)]
struct Account {
    username: String,
    firstname: String,
    lastname: String,
    email: String,
    idnumber: String,
    /// The values of the profile fields, in [`PROFILE_FIELDS`] order.
    profile: [String; 6],
}

/// The accounts of the create file: line n (from 1) is `bench<n>`, every value distinct.
fn accounts(lines: usize) -> Vec<Account> {
    (1..=lines)
        .map(|number| Account {
            username: format!("bench{number:06}"),
            firstname: format!("Jean{number}"),
            lastname: format!("Dupont{number}"),
            email: format!("jean.dupont{number}@example.com"),
            idnumber: format!("{}", 6_100_000 + number),
            profile: [
                format!("usertype {number}"),
                format!("{}", 1_000 + number),
                format!("Apprenti {number}"),
                format!("BTS MCO {number}"),
                format!("BTS MCO {number} programme"),
                format!("1ere année {number}"),
            ],
        })
        .collect()
}

/// The accounts of the update file of round `round`: a first name and a status of that round.
fn updated_accounts(accounts: &[Account], round: usize) -> Vec<Account> {
    accounts
        .iter()
        .map(|account| {
            let mut account = account.clone();
            account.firstname = format!("{}-v{round}", account.firstname);
            account.profile[UPDATED_FIELD] = format!("{} v{round}", account.profile[UPDATED_FIELD]);
            account
        })
        .collect()
}

/// A user file of `accounts`, NetYpareo's columns, `auth` `manual`, LF endings.
fn user_file(accounts: &[Account]) -> String {
    let mut file = String::with_capacity(300 + accounts.len() * 200);
    file.push_str("username;firstname;lastname;email;idnumber;auth");
    for shortname in PROFILE_FIELDS {
        let _ = write!(file, ";profile_field_{shortname}");
    }
    file.push('\n');
    for account in accounts {
        let _ = write!(
            file,
            "{};{};{};{};{};manual",
            account.username, account.firstname, account.lastname, account.email, account.idnumber
        );
        for value in &account.profile {
            let _ = write!(file, ";{value}");
        }
        file.push('\n');
    }
    file
}

/// The baseline: writes what creating `accounts` writes, with multi-row `INSERT`s in one
/// transaction, on a fresh connection (connecting is not timed): the `user` rows, with the
/// values the pipeline gives them (the site's defaults of a fresh install); their ids, read
/// back; their contexts, then their paths; their `create_password` preferences; their profile
/// data. Panics unless the tables then hold what a create run leaves.
async fn time_bulk_insert(
    target: &Target,
    accounts: &[Account],
    fields: &[i64],
    now: i64,
) -> Result<Duration, String> {
    let elapsed = time_baseline(target, async |transaction| {
        bulk_insert(target, transaction, accounts, fields, now).await
    })
    .await?;
    assert_eq!(
        Counts::read(target).await?,
        Counts::created(accounts.len()),
        "the baseline left other rows than a create run"
    );
    Ok(elapsed)
}

/// The timed part of [`time_bulk_insert`].
async fn bulk_insert(
    target: &Target,
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    accounts: &[Account],
    fields: &[i64],
    now: i64,
) -> Result<(), String> {
    // The values the pipeline gives every account of this file on a fresh install: confirmed,
    // the local host, `to be generated` for Moodle's cron, the site's language, calendar, time
    // zone and mail preferences, no description.
    let user_row = format!(
        "('manual', 1, 0, 0, 0, 1, ?, 'to be generated', ?, ?, ?, ?, '', '', '', '', '', '', '', \
         'en', 'gregorian', '99', NULL, 1, 2, 1, 0, 1, 0, {now}, {now})"
    );
    for chunk in accounts.chunks(ROWS_PER_INSERT) {
        let sql = target.sql(&format!(
            "INSERT INTO {{user}} (auth, confirmed, policyagreed, deleted, suspended, mnethostid, username, \
             password, idnumber, firstname, lastname, email, phone1, phone2, institution, department, \
             address, city, country, lang, calendartype, timezone, description, descriptionformat, \
             maildisplay, mailformat, maildigest, autosubscribe, trackforums, timecreated, timemodified) \
             VALUES {}",
            rows_of(&user_row, chunk.len())
        ));
        let mut statement = sqlx::query(AssertSqlSafe(sql));
        for account in chunk {
            statement = statement
                .bind(account.username.clone())
                .bind(account.idnumber.clone())
                .bind(account.firstname.clone())
                .bind(account.lastname.clone())
                .bind(account.email.clone());
        }
        statement
            .execute(&mut **transaction)
            .await
            .map_err(failed_while("baseline: inserting accounts"))?;
    }

    let rows = sqlx::query(AssertSqlSafe(
        target.sql("SELECT username, id FROM {user} WHERE id > ?"),
    ))
    .bind(INSTALLED_ACCOUNTS)
    .fetch_all(&mut **transaction)
    .await
    .map_err(failed_while("baseline: reading the accounts' ids"))?;
    let ids: HashMap<String, i64> = pairs_of(&rows, "baseline: reading the accounts' ids")?;
    let ids: Vec<i64> = accounts
        .iter()
        .map(|account| {
            ids.get(&account.username)
                .copied()
                .ok_or_else(|| format!("baseline: {} has no id", account.username))
        })
        .collect::<Result<_, _>>()?;

    for chunk in ids.chunks(ROWS_PER_INSERT) {
        let sql = target.sql(&format!(
            "INSERT INTO {{context}} (contextlevel, instanceid, depth, locked) VALUES {}",
            rows_of(&format!("({CONTEXT_USER}, ?, 2, 0)"), chunk.len())
        ));
        let mut statement = sqlx::query(AssertSqlSafe(sql));
        for &id in chunk {
            statement = statement.bind(id);
        }
        statement
            .execute(&mut **transaction)
            .await
            .map_err(failed_while("baseline: inserting contexts"))?;
    }
    let path = context_path(target, "/1/", "id");
    sqlx::query(AssertSqlSafe(target.sql(&format!(
        "UPDATE {{context}} SET path = {path} WHERE contextlevel = {CONTEXT_USER} AND path IS NULL"
    ))))
    .execute(&mut **transaction)
    .await
    .map_err(failed_while("baseline: setting context paths"))?;

    for chunk in ids.chunks(ROWS_PER_INSERT) {
        let sql = target.sql(&format!(
            "INSERT INTO {{user_preferences}} (userid, name, value) VALUES {}",
            rows_of("(?, 'create_password', '1')", chunk.len())
        ));
        let mut statement = sqlx::query(AssertSqlSafe(sql));
        for &id in chunk {
            statement = statement.bind(id);
        }
        statement
            .execute(&mut **transaction)
            .await
            .map_err(failed_while("baseline: inserting preferences"))?;
    }

    let data: Vec<(i64, i64, &str)> = ids
        .iter()
        .zip(accounts)
        .flat_map(|(&id, account)| {
            fields
                .iter()
                .zip(&account.profile)
                .map(move |(&field, value)| (id, field, value.as_str()))
        })
        .collect();
    for chunk in data.chunks(ROWS_PER_INSERT) {
        let sql = target.sql(&format!(
            "INSERT INTO {{user_info_data}} (userid, fieldid, data, dataformat) VALUES {}",
            rows_of("(?, ?, ?, 0)", chunk.len())
        ));
        let mut statement = sqlx::query(AssertSqlSafe(sql));
        for &(id, field, value) in chunk {
            statement = statement.bind(id).bind(field).bind(value.to_owned());
        }
        statement
            .execute(&mut **transaction)
            .await
            .map_err(failed_while("baseline: inserting profile data"))?;
    }
    Ok(())
}

/// Deletes the benchmark's accounts and what they have (not timed): the setup made none.
async fn delete_accounts(target: &Target) -> Result<(), String> {
    let mut connection = connect(&target.direct_url).await?;
    let statements = [
        "DELETE FROM {user_info_data}".to_owned(),
        "DELETE FROM {user_preferences}".to_owned(),
        format!(
            "DELETE FROM {{context}} WHERE contextlevel = {CONTEXT_USER} AND instanceid > {INSTALLED_ACCOUNTS}"
        ),
        format!("DELETE FROM {{user}} WHERE id > {INSTALLED_ACCOUNTS}"),
    ];
    for statement in statements {
        let deleted = sqlx::query(AssertSqlSafe(target.sql(&statement)))
            .execute(&mut connection)
            .await;
        if let Err(error) = deleted {
            let _ = connection.close().await;
            return Err(format!("deleting ({statement}): {error}"));
        }
    }
    let _ = connection.close().await;
    Ok(())
}

/// The rows creating the accounts makes, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    /// Live accounts besides the guest and the admin.
    accounts: usize,
    /// Their user contexts, with their path and depth set as Moodle sets them.
    contexts: usize,
    /// `create_password` preferences.
    preferences: usize,
    /// `user_info_data` rows.
    data: usize,
}

impl Counts {
    /// What creating `lines` accounts makes.
    fn created(lines: usize) -> Counts {
        Counts {
            accounts: lines,
            contexts: lines,
            preferences: lines,
            data: lines * PROFILE_FIELDS.len(),
        }
    }

    async fn read(target: &Target) -> Result<Counts, String> {
        let path = context_path(target, "/1/", "ctx.id");
        let queries = [
            format!("SELECT COUNT(*) FROM {{user}} WHERE id > {INSTALLED_ACCOUNTS} AND deleted = 0"),
            format!(
                "SELECT COUNT(*) FROM {{context}} ctx JOIN {{user}} u ON u.id = ctx.instanceid \
                 WHERE ctx.contextlevel = {CONTEXT_USER} AND u.id > {INSTALLED_ACCOUNTS} \
                 AND ctx.depth = 2 AND ctx.path = {path}"
            ),
            "SELECT COUNT(*) FROM {user_preferences} WHERE name = 'create_password' AND value = '1'"
                .to_owned(),
            "SELECT COUNT(*) FROM {user_info_data}".to_owned(),
        ];
        let counts = count_all(target, &queries, "counting rows").await?;
        Ok(Counts {
            accounts: counts[0],
            contexts: counts[1],
            preferences: counts[2],
            data: counts[3],
        })
    }
}

/// The `user` columns an account is created with, but its id and time stamps.
const COMPARED_COLUMNS: [&str; 29] = [
    "auth",
    "confirmed",
    "policyagreed",
    "deleted",
    "suspended",
    "mnethostid",
    "username",
    "password",
    "idnumber",
    "firstname",
    "lastname",
    "email",
    "phone1",
    "phone2",
    "institution",
    "department",
    "address",
    "city",
    "country",
    "lang",
    "calendartype",
    "timezone",
    "description",
    "descriptionformat",
    "maildisplay",
    "mailformat",
    "maildigest",
    "autosubscribe",
    "trackforums",
];

/// `column` read as text, whatever its type, on the target's backend.
fn as_text(target: &Target, column: &str) -> String {
    match target.dialect().backend {
        moodle_sync::db::Backend::Mysql => format!("CAST({column} AS CHAR)"),
        _ => format!("CAST({column} AS TEXT)"),
    }
}

/// The account `username`'s row, as text, column by column.
async fn account_row(
    target: &Target,
    username: &str,
) -> Result<Vec<(String, Option<String>)>, String> {
    let columns: Vec<String> = COMPARED_COLUMNS
        .iter()
        .map(|column| as_text(target, column))
        .collect();
    let sql = target.sql(&format!(
        "SELECT {} FROM {{user}} WHERE username = ?",
        columns.join(", ")
    ));
    let mut connection = connect(&target.direct_url).await?;
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(username)
        .fetch_one(&mut connection)
        .await;
    let _ = connection.close().await;
    let row = row.map_err(failed_while("reading an account"))?;
    COMPARED_COLUMNS
        .iter()
        .enumerate()
        .map(|(index, column)| Ok(((*column).to_owned(), row.try_get(index)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(failed_while("reading an account"))
}

/// Checks the report's counts of accounts created and updated, and of lines that changed
/// something.
fn assert_user_totals(name: &str, totals: &Totals, created: usize, updated: usize) {
    assert_eq!(
        totals.counts.users.users_created, created,
        "{name}: accounts created"
    );
    assert_eq!(
        totals.counts.users.users_updated, updated,
        "{name}: accounts updated"
    );
    assert_eq!(
        totals.changed,
        created + updated,
        "{name}: lines that changed something"
    );
    assert_eq!(
        totals.counts.users.profile_fields_created, 0,
        "{name}: profile fields created"
    );
}

/// Times applying the file with none of its accounts there: every line creates one.
async fn time_create(
    target: &Target,
    name: &str,
    content: &str,
    lines: usize,
) -> Result<Duration, String> {
    let (elapsed, totals) = time_run(target, name, content, RunOptions::default(), lines).await?;
    assert_user_totals(name, &totals, lines, 0);
    assert_eq!(
        Counts::read(target).await?,
        Counts::created(lines),
        "{name}: rows in the tables"
    );
    Ok(elapsed)
}

/// Times applying the file again: every line finds its account as given.
async fn time_rerun(
    target: &Target,
    name: &str,
    content: &str,
    lines: usize,
) -> Result<Duration, String> {
    let (elapsed, totals) = time_run(target, name, content, RunOptions::default(), lines).await?;
    assert_user_totals(name, &totals, 0, 0);
    assert_eq!(totals.unchanged, lines, "{name}: unchanged lines");
    assert_eq!(
        Counts::read(target).await?,
        Counts::created(lines),
        "{name}: rows in the tables"
    );
    Ok(elapsed)
}

/// Times applying the update file of `round`: every line changes its account's first name and
/// status.
async fn time_update(
    target: &Target,
    name: &str,
    content: &str,
    fields: &[i64],
    lines: usize,
    round: usize,
) -> Result<Duration, String> {
    let (elapsed, totals) = time_run(target, name, content, RunOptions::default(), lines).await?;
    assert_user_totals(name, &totals, 0, lines);
    assert_eq!(
        Counts::read(target).await?,
        Counts::created(lines),
        "{name}: rows in the tables"
    );
    let changed = count_all(
        target,
        &[
            format!("SELECT COUNT(*) FROM {{user}} WHERE firstname LIKE '%-v{round}'"),
            format!(
                "SELECT COUNT(*) FROM {{user_info_data}} WHERE fieldid = {} AND data LIKE '% v{round}'",
                fields[UPDATED_FIELD]
            ),
        ],
        "counting rows",
    )
    .await?;
    assert_eq!(
        changed,
        [lines, lines],
        "{name}: (first names, statuses) of this round"
    );
    Ok(elapsed)
}

/// The results table, with a legend.
fn render_table(lines: usize, outcomes: &[(Backend, Outcome)]) -> String {
    let header = [
        "backend",
        "rounds",
        "baseline bulk insert",
        "create run",
        "ratio",
        "re-run (unchanged)",
        "ratio",
        "update run",
        "ratio",
    ];
    let table = backend_table(&header, outcomes, |figures| {
        let cell = |duration: Duration| seconds_and_rate(duration, lines, 7, "lines");
        vec![
            figures.rounds.to_string(),
            cell(figures.baseline),
            cell(figures.create),
            ratio(figures.create, figures.baseline),
            cell(figures.rerun),
            ratio(figures.rerun, figures.baseline),
            cell(figures.update),
            ratio(figures.update, figures.baseline),
        ]
    });
    let mut out = String::new();
    let _ = writeln!(
        out,
        "moodle-sync user benchmark: {} lines (new accounts, {} profile fields each), fresh tables \
         (median of the rounds shown)",
        thousands(lines as f64),
        PROFILE_FIELDS.len()
    );
    out.push_str(&table);
    let _ = writeln!(
        out,
        "baseline: per line 1 user + 1 context + 1 preference + {} profile data rows, {ROWS_PER_INSERT} \
         rows per INSERT; lines/s = accounts written (or lines applied) per second",
        PROFILE_FIELDS.len()
    );
    let _ = writeln!(out, "{RUN_RATIO_LEGEND}");
    out
}
