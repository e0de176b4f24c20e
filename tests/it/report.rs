//! Snapshots of the reports administrators read, the text report and its JSON twin, for each
//! kind of command file and each way a run ends: success, partial, rejected, held (cohort
//! files), duplicate (the service's `[watch] duplicates = "skip"`) and simulation
//! (`--dry-run`).
//!
//! What differs from one run to the next is redacted: times and durations, the time stamps in
//! file names, the test's temporary folder, the database's description, the claim and the
//! process (`pid@host`) that took a file, the tool's version. Everything else stays: wording,
//! line by line effects, totals, checksums, next steps; a change to any of them fails here.
//!
//! The three backends share each snapshot (explicit names): a report does not depend on the
//! database the file was applied to. Accepting a change is described in CONTRIBUTING.md.

use std::path::Path;

use moodle_sync::{outcome::RunStatus, output::summary::RunSummary};
use serde_json::Value;

use crate::{
    dbtest,
    support::{TestEnv, Watcher, fixture},
};

/// The text and JSON reports of a run, redacted, checked against the snapshots
/// `<name>_text` and `<name>_json`.
fn assert_reports(env: &TestEnv, name: &str, text: &Path, json: &Path) {
    let text =
        std::fs::read_to_string(text).unwrap_or_else(|error| panic!("{}: {error}", text.display()));
    let json =
        std::fs::read_to_string(json).unwrap_or_else(|error| panic!("{}: {error}", json.display()));
    let text = without_root(env, &text);
    let json: Value = serde_json::from_str(&without_root(env, &json)).unwrap();
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    // Times: RFC 3339 (when a run started, when an earlier one finished) and the stamps that
    // make file names unique (`20261207-004530_cohorts.csv`, `…_tryback_20261207-004530-2.csv`).
    settings.add_filter(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
        "[TIME]",
    );
    settings.add_filter(r"\d{8}-\d{6}(-\d+)?([_.])", "[STAMP]$2");
    // The text report's fields that the JSON redactions below cover.
    settings.add_filter(r"(?m)^Duration    \d+\.\d{3} s$", "Duration    [DURATION]");
    settings.add_filter(
        r"(?m)^Database    .+, table prefix ",
        "Database    [DATABASE], table prefix ",
    );
    settings.add_filter(
        r"\(claim [^,\s]+, by \d+@[^)\s]+\)",
        "(claim [CLAIM], by [PID]@[HOST])",
    );
    settings.add_redaction(".version", "[VERSION]");
    settings.add_redaction(".duration_ms", "[DURATION]");
    settings.add_redaction(".database", "[DATABASE]");
    settings.add_redaction(".ledger.claim", "[CLAIM]");
    settings.add_redaction(".ledger.host", "[PID]@[HOST]");
    settings.bind(|| {
        insta::assert_snapshot!(format!("{name}_text"), text);
        insta::assert_json_snapshot!(format!("{name}_json"), json);
    });
}

/// `report` with the test's root folder written `[ROOT]`.
fn without_root(env: &TestEnv, report: &str) -> String {
    let mut report = report.to_owned();
    let root = env.root();
    if let Ok(canonical) = root.canonicalize()
        && canonical != root
    {
        report = report.replace(&canonical.display().to_string(), "[ROOT]");
    }
    report.replace(&root.display().to_string(), "[ROOT]")
}

/// Checks a run's outcome, then snapshots its reports.
fn assert_run(env: &TestEnv, name: &str, summary: &RunSummary, status: RunStatus, code: u8) {
    assert_eq!(
        (summary.status, summary.exit_code()),
        (status, code),
        "{:?}",
        summary.error
    );
    assert_reports(env, name, &summary.report, &summary.report_json);
}

/// A file whose bytes are not text: an Excel workbook saved under a `.csv` name.
fn workbook() -> Vec<u8> {
    fixture("cohorts_saved_as_xlsx.csv")
}

/// Applies `bytes` as `name` as `moodle-sync run` does (every line applied), then drops the
/// same bytes again for the service (`watch`), which skips them as a duplicate; snapshots both
/// reports.
async fn assert_success_then_duplicate(env: TestEnv, kind: &str, name: &str, bytes: &[u8]) {
    let mut env = env;
    let summary = env.run(name, bytes).await;
    assert_run(
        &env,
        &format!("{kind}_success"),
        &summary,
        RunStatus::Success,
        0,
    );

    env.reconfigure("[watch]\nsettle_ms = 300\npoll_ms = 100\nreconcile_s = 1\n");
    let watcher = Watcher::start(&env).await;
    env.drop_file(name, bytes);
    let ledger = "SELECT outcome, duplicateof, report FROM {moodlesync_ledger} ORDER BY id";
    watcher
        .eventually("the same bytes to be taken again", async || {
            env.files(&env.config.paths.spool).is_empty() && env.rows(ledger).await.len() >= 2
        })
        .await;
    let (status, log) = watcher.stop().await;
    assert!(status.success(), "{status}\n{log}");
    let runs = env.rows(ledger).await;
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(runs[1][0], "duplicate", "{runs:?}\n{log}");
    assert_eq!(runs[1][1], summary.run.unwrap().to_string(), "{runs:?}");
    let report = Path::new(&runs[1][2]);
    let json = report.with_extension("json");
    let shown: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(
        (&shown["status"], &shown["exit_code"]),
        (&"duplicate".into(), &0.into())
    );
    assert_reports(&env, &format!("{kind}_duplicate"), report, &json);
}

// User files.

async fn users_setup(env: &TestEnv) {
    env.add_users(&["u1", "u2", "u3"]).await;
}

/// Every line applies: an account created (accents and all), one updated, one suspended, one
/// deleted, one as it was.
const USERS: &[u8] = "cmd;username;firstname;lastname;email;idnumber;city\n\
add;lmartin;Léa;Martin;lea.martin@example.com;6106274;Lyon\n\
add;u1;Renamed;;;u1;Paris\n\
suspend;u2;;;;u2;\n\
del;u3;;;;u3;\n\
add;u1;Renamed;;;u1;Paris\n"
    .as_bytes();

/// Lines that apply and lines that fail: no last name to create with, an address that is
/// none, an account that does not exist to suspend.
const USERS_PARTIAL: &[u8] = "cmd;username;firstname;lastname;email;idnumber;city\n\
add;lmartin;Léa;Martin;lea.martin@example.com;6106274;Lyon\n\
add;nolast;Nobody;;nobody@example.com;N1;\n\
add;u1;;;not-an-address;u1;\n\
suspend;ghost;;;;ghost;\n\
del;u3;;;;u3;\n"
    .as_bytes();

dbtest!(users_success_then_duplicate, |env| {
    users_setup(&env).await;
    assert_success_then_duplicate(env, "users", "users.csv", USERS).await;
});

dbtest!(users_partial, |env| {
    users_setup(&env).await;
    let summary = env.run("users.csv", USERS_PARTIAL).await;
    assert_run(&env, "users_partial", &summary, RunStatus::Partial, 1);
});

dbtest!(users_simulation, |env| {
    users_setup(&env).await;
    let summary = env.dry_run("users.csv", USERS_PARTIAL).await;
    assert_run(&env, "users_simulation", &summary, RunStatus::Partial, 1);
});

dbtest!(users_rejected, |env| {
    users_setup(&env).await;
    let summary = env
        .run("users.csv", b"username;firstname;lastnme\nu9;Nine;Nine\n")
        .await;
    assert_run(
        &env,
        "users_rejected_header",
        &summary,
        RunStatus::Rejected,
        2,
    );
    let summary = env.run("users_saved_as_xlsx.csv", &workbook()).await;
    assert_run(
        &env,
        "users_rejected_binary",
        &summary,
        RunStatus::Rejected,
        2,
    );
});

// Cohort files.

async fn cohorts_setup(env: &TestEnv) {
    env.add_users(&["u1", "u2", "u3"]).await;
    env.add_cohort("OLD", "Old").await;
    env.add_cohort("GONE", "Gone").await;
    env.add_members("OLD", &["u1", "u2"]).await;
    env.add_members("GONE", &["u1"]).await;
}

/// Every line applies: a cohort created with members, a member removed, a member already
/// there, a cohort emptied, one deleted.
const COHORTS: &[u8] = "cmd;cidnumber;cname;userid\r\n\
# new cohort with two members\r\n\
add;NEW;Nouvelle;u1\r\n\
add;NEW;;u2\r\n\
del;OLD;;u2\r\n\
add;OLD;;u1\r\n\
del;GONE;;\r\n"
    .as_bytes();

/// Lines that apply and lines that fail: an unknown user, an unknown cohort to empty.
const COHORTS_PARTIAL: &[u8] = "cmd;cidnumber;cname;userid\r\n\
# new cohort with a member\r\n\
add;NEW;Nouvelle;u1\r\n\
add;NEW;;ghost\r\n\
del;OLD;;u2\r\n\
free;NOPE;;\r\n\
del;GONE;;\r\n"
    .as_bytes();

/// A sync that keeps one member of three: 66.7 % removed, over the default 20 %.
const COHORTS_SYNC: &[u8] = b"cmd;cidnumber;cname;userid\nsync;SYNCED;;u1\nsync;SYNCED;;u3\n";

async fn synced_setup(env: &TestEnv) {
    env.add_users(&["u4", "u5"]).await;
    env.add_cohort("SYNCED", "Synced").await;
    env.add_members("SYNCED", &["u1", "u2", "u3", "u4", "u5"])
        .await;
}

dbtest!(cohorts_success_then_duplicate, |env| {
    cohorts_setup(&env).await;
    assert_success_then_duplicate(env, "cohorts", "cohorts.csv", COHORTS).await;
});

dbtest!(cohorts_partial, |env| {
    cohorts_setup(&env).await;
    let summary = env.run("cohorts.csv", COHORTS_PARTIAL).await;
    assert_run(&env, "cohorts_partial", &summary, RunStatus::Partial, 1);
});

dbtest!(cohorts_simulation, |env| {
    cohorts_setup(&env).await;
    let summary = env.dry_run("cohorts.csv", COHORTS_PARTIAL).await;
    assert_run(&env, "cohorts_simulation", &summary, RunStatus::Partial, 1);
});

dbtest!(cohorts_rejected, |env| {
    cohorts_setup(&env).await;
    let summary = env
        .run("cohorts.csv", b"cmd;cidnumbr;userid\ndel;OLD;u2\n")
        .await;
    assert_run(
        &env,
        "cohorts_rejected_header",
        &summary,
        RunStatus::Rejected,
        2,
    );
    let summary = env.run("cohorts_saved_as_xlsx.csv", &workbook()).await;
    assert_run(
        &env,
        "cohorts_rejected_binary",
        &summary,
        RunStatus::Rejected,
        2,
    );
});

dbtest!(cohorts_held, |env| {
    cohorts_setup(&env).await;
    synced_setup(&env).await;
    let summary = env.run("cohorts_sync.csv", COHORTS_SYNC).await;
    assert_run(&env, "cohorts_held", &summary, RunStatus::Held, 7);
    assert!(summary.held.is_some());
});

dbtest!(cohorts_held_simulation, |env| {
    cohorts_setup(&env).await;
    synced_setup(&env).await;
    let summary = env.dry_run("cohorts_sync.csv", COHORTS_SYNC).await;
    assert_run(
        &env,
        "cohorts_held_simulation",
        &summary,
        RunStatus::Held,
        7,
    );
    assert!(summary.held.is_none());
});

// Binding files.

async fn bindings_setup(env: &TestEnv) {
    env.add_users(&["u1", "u2", "u3"]).await;
    env.add_cohort("C1", "Classe 1").await;
    env.add_cohort("C2", "Classe 2").await;
    env.add_members("C1", &["u1", "u2"]).await;
    env.add_members("C2", &["u3"]).await;
    let (maths, _) = env.add_course("MATHS", "M-1").await;
    env.add_course("PHYS", "P-1").await;
    env.add_method("manual", maths, None, 5, 0, 0).await;
}

/// Every line applies: two cohorts bound to courses, one with its group, one with another
/// role; one binding as it was.
const BINDINGS: &[u8] = b"cmd;course;cohort;role;makegroup\n\
add;MATHS;C1;student;1\n\
add;PHYS;C2;editingteacher;0\n\
add;PHYS;C1;;\n\
add;MATHS;C1;student;1\n";

/// Lines that apply and lines that fail: an unknown course, an unknown cohort, an unknown
/// role.
const BINDINGS_PARTIAL: &[u8] = b"cmd;course;cohort;role;makegroup\n\
add;MATHS;C1;student;1\n\
add;NOPE;C1;;\n\
add;PHYS;GHOST;;\n\
add;PHYS;C2;wizard;\n\
add;PHYS;C2;;\n";

dbtest!(bindings_success_then_duplicate, |env| {
    bindings_setup(&env).await;
    assert_success_then_duplicate(env, "bindings", "cohortscourses.csv", BINDINGS).await;
});

dbtest!(bindings_partial, |env| {
    bindings_setup(&env).await;
    let summary = env.run("cohortscourses.csv", BINDINGS_PARTIAL).await;
    assert_run(&env, "bindings_partial", &summary, RunStatus::Partial, 1);
});

dbtest!(bindings_simulation, |env| {
    bindings_setup(&env).await;
    let summary = env.dry_run("cohortscourses.csv", BINDINGS_PARTIAL).await;
    assert_run(&env, "bindings_simulation", &summary, RunStatus::Partial, 1);
});

dbtest!(bindings_rejected, |env| {
    bindings_setup(&env).await;
    let summary = env
        .run(
            "cohortscourses.csv",
            b"course;cohort;rle\nMATHS;C1;student\n",
        )
        .await;
    assert_run(
        &env,
        "bindings_rejected_header",
        &summary,
        RunStatus::Rejected,
        2,
    );
    let summary = env
        .run("cohortscourses_saved_as_xlsx.csv", &workbook())
        .await;
    assert_run(
        &env,
        "bindings_rejected_binary",
        &summary,
        RunStatus::Rejected,
        2,
    );
});

// Enrolment files.

async fn enrolments_setup(env: &TestEnv) {
    // Dates are read in the site's time zone: set, so that the report is the same anywhere.
    env.set_config("timezone", "Europe/Paris").await;
    env.add_users(&["u1", "u2", "u3"]).await;
    let (maths, _) = env.add_course("MATHS", "M-1").await;
    env.add_method("manual", maths, None, 5, 0, 0).await;
    env.add_group(maths, "Groupe A").await;
}

/// Every line applies: two learners enrolled with dates and groups (one group created), a
/// teacher without dates, one line as it was.
const ENROLMENTS: &[u8] = b"cmd;rolename;uid;cid;starttime;endtime;gcmd;g1\n\
add;student;u1;MATHS;2026-09-01;2027-07-01;gadd;Groupe A\n\
add;student;u2;MATHS;2026-09-01;2027-07-01;gaddcreate;Groupe B\n\
add;editingteacher;u3;MATHS;;;;\n\
add;student;u1;MATHS;2026-09-01;2027-07-01;gadd;Groupe A\n";

/// Lines that apply and lines that fail: an unknown user, a group that does not exist, an
/// end before the start; a suspension and a group removal.
const ENROLMENTS_PARTIAL: &[u8] = b"cmd;rolename;uid;cid;starttime;endtime;gcmd;g1\n\
add;student;u1;MATHS;2026-09-01;2027-07-01;gadd;Groupe A\n\
add;student;nobody;MATHS;;;;\n\
add;student;u2;MATHS;;;gadd;Groupe Z\n\
add;student;u3;MATHS;2027-09-01;2027-07-01;;\n\
suspend;student;u1;MATHS;;;gdel;Groupe A\n";

dbtest!(enrolments_success_then_duplicate, |env| {
    enrolments_setup(&env).await;
    assert_success_then_duplicate(env, "enrolments", "enrols.csv", ENROLMENTS).await;
});

dbtest!(enrolments_partial, |env| {
    enrolments_setup(&env).await;
    let summary = env.run("enrols.csv", ENROLMENTS_PARTIAL).await;
    assert_run(&env, "enrolments_partial", &summary, RunStatus::Partial, 1);
});

dbtest!(enrolments_simulation, |env| {
    enrolments_setup(&env).await;
    let summary = env.dry_run("enrols.csv", ENROLMENTS_PARTIAL).await;
    assert_run(
        &env,
        "enrolments_simulation",
        &summary,
        RunStatus::Partial,
        1,
    );
});

dbtest!(enrolments_rejected, |env| {
    enrolments_setup(&env).await;
    let summary = env
        .run("enrols.csv", b"rolename;uid;course_id\nstudent;u1;MATHS\n")
        .await;
    assert_run(
        &env,
        "enrolments_rejected_header",
        &summary,
        RunStatus::Rejected,
        2,
    );
    let summary = env.run("enrols_saved_as_xlsx.csv", &workbook()).await;
    assert_run(
        &env,
        "enrolments_rejected_binary",
        &summary,
        RunStatus::Rejected,
        2,
    );
});
