//! Events built from runs and outages, their mail and JSON forms, and when an outage is
//! alerted: no IO, no clock (times are given).

use std::{
    path::PathBuf,
    time::{Duration, Instant, SystemTime},
};

use chrono::{DateTime, FixedOffset};
use serde_json::{Value, json};

use super::{
    dispatch::{Alerts, QUEUE},
    event::{Event, EventKind, Origin},
    outage::{Change, Database, Outage},
    settings::{AlertSettings, CommandSettings, Topic},
};
use crate::{command::Totals, outcome::RunStatus, output::summary::RunSummary};

fn origin() -> Origin {
    Origin {
        host: "moodle1".into(),
        instance: "4242@moodle1".into(),
        database: "postgres postgres://moodle:***@db/moodle".into(),
    }
}

fn time(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).unwrap()
}

fn summary(status: RunStatus) -> RunSummary {
    RunSummary {
        status,
        totals: None,
        error: None,
        problems: Vec::new(),
        report: "/srv/reports/20261121-100157_cohorts.csv.report.txt".into(),
        report_json: "/srv/reports/20261121-100157_cohorts.csv.report.json".into(),
        tryback: None,
        archive: None,
        kept: None,
        held: None,
        run: Some(57),
        summary: None,
    }
}

fn totals(lines: usize, changed: usize, failed: usize) -> Option<Totals> {
    Some(Totals {
        lines,
        changed,
        unchanged: lines - changed - failed,
        failed,
        ..Totals::default()
    })
}

const AT: &str = "2026-11-21T10:02:11+01:00";

#[test]
fn a_rejected_file_is_an_event_with_where_it_is_kept_and_what_to_run() {
    let mut run = summary(RunStatus::Rejected);
    run.error = Some("unknown column \"usrname\" (did you mean \"username\"?)".into());
    run.kept = Some("/srv/failed/20261121-100157_cohorts.csv".into());
    let event = Event::for_run("cohorts.csv", &run, &origin(), time(AT)).unwrap();
    assert_eq!(event.kind, EventKind::Rejected);
    assert_eq!(
        event.subject(),
        "moodle-sync on moodle1: cohorts.csv rejected"
    );
    assert_eq!(
        event.next_step,
        "Read why in /srv/reports/20261121-100157_cohorts.csv.report.txt. Fix \
         /srv/failed/20261121-100157_cohorts.csv, then put it back into the spool: moodle-sync \
         retry /srv/failed/20261121-100157_cohorts.csv"
    );
    let json: Value = serde_json::from_str(&event.json()).unwrap();
    assert_eq!(
        json,
        json!({
            "version": 1,
            "kind": "rejected",
            "time": AT,
            "host": "moodle1",
            "instance": "4242@moodle1",
            "file": "cohorts.csv",
            "run": 57,
            "status": "rejected",
            "reason": "unknown column \"usrname\" (did you mean \"username\"?)",
            "report": "/srv/reports/20261121-100157_cohorts.csv.report.txt",
            "report_json": "/srv/reports/20261121-100157_cohorts.csv.report.json",
            "kept": "/srv/failed/20261121-100157_cohorts.csv",
            "tryback": null,
            "totals": null,
            "database": null,
            "since": null,
            "next_step": event.next_step,
        })
    );
    // One line, ended by a newline: what a command reads from its standard input.
    assert_eq!(event.json().matches('\n').count(), 1);
    assert!(event.json().ends_with("}\n"));
}

#[test]
fn the_mail_body_says_what_happened_then_the_facts_then_the_next_step() {
    let mut run = summary(RunStatus::Held);
    run.error =
        Some("sync of cohort \"Classe\" [C1] would remove 3 of 3 members (100.0 %) > 20 %".into());
    run.held = Some("/srv/held/20261121-100157_cohorts.csv".into());
    run.totals = totals(3, 3, 0);
    let event = Event::for_run("cohorts.csv", &run, &origin(), time(AT)).unwrap();
    assert_eq!(
        event.subject(),
        "moodle-sync on moodle1: cohorts.csv held for approval"
    );
    assert_eq!(
        event.body(),
        "cohorts.csv is held: nothing of it was applied; it waits for a person's approval.\n\
         \n\
         File        cohorts.csv\n\
         Run         #57\n\
         Status      held\n\
         Reason      sync of cohort \"Classe\" [C1] would remove 3 of 3 members (100.0 %) > 20 %\n\
         Lines       3 read, 0 changed, 0 failed\n\
         Report      /srv/reports/20261121-100157_cohorts.csv.report.txt\n\
         Input kept  /srv/held/20261121-100157_cohorts.csv\n\
         Host        moodle1 (4242@moodle1)\n\
         Time        2026-11-21T10:02:11+01:00\n\
         \n\
         Next step\n\
         Read why in /srv/reports/20261121-100157_cohorts.csv.report.txt. If the removals it would \
         make are intended, apply it as it is: moodle-sync approve \
         /srv/held/20261121-100157_cohorts.csv; if not, end it unapplied: moodle-sync discard \
         /srv/held/20261121-100157_cohorts.csv.\n\
         \n\
         -- \n\
         moodle-sync watch, [alerts] (event version 1, kind held).\n"
    );
}

#[test]
fn a_partly_failed_file_names_its_failed_lines_and_its_tryback() {
    let mut run = summary(RunStatus::Partial);
    run.totals = totals(120, 117, 2);
    run.archive = Some("/srv/archive/20261121-100157_cohorts.csv".into());
    run.tryback = Some("/srv/reports/20261121-100157_cohorts_tryback1.csv".into());
    let event = Event::for_run("cohorts.csv", &run, &origin(), time(AT)).unwrap();
    assert_eq!(event.kind, EventKind::Partial);
    assert_eq!(
        event.subject(),
        "moodle-sync on moodle1: cohorts.csv: 2 lines of 120 failed"
    );
    assert_eq!(
        event.reason,
        "2 lines of 120 failed; the others were applied"
    );
    assert_eq!(
        event.kept.as_deref(),
        Some("/srv/archive/20261121-100157_cohorts.csv")
    );
    assert!(
        event.next_step.ends_with(
            "or run moodle-sync retry /srv/reports/20261121-100157_cohorts_tryback1.csv"
        ),
        "{}",
        event.next_step
    );
    let json: Value = serde_json::from_str(&event.json()).unwrap();
    assert_eq!(
        json["totals"],
        json!({"lines": 120, "changed": 117, "failed": 2})
    );

    // One failed line: "1 line".
    run.totals = totals(1, 0, 1);
    let event = Event::for_run("cohorts.csv", &run, &origin(), time(AT)).unwrap();
    assert_eq!(
        event.subject(),
        "moodle-sync on moodle1: cohorts.csv: 1 line of 1 failed"
    );
}

#[test]
fn a_rolled_back_file_gives_the_database_refusal() {
    let mut run = summary(RunStatus::RolledBack);
    run.error = Some("the database refused the file: value too long for column".into());
    run.kept = Some("/srv/failed/x.csv".into());
    let event = Event::for_run("cohorts.csv", &run, &origin(), time(AT)).unwrap();
    assert_eq!(event.kind, EventKind::RolledBack);
    assert_eq!(
        event.subject(),
        "moodle-sync on moodle1: cohorts.csv rolled back by the database"
    );
    assert!(
        event
            .body()
            .starts_with("The database refused cohorts.csv: everything it did was rolled back.\n")
    );
    assert!(
        event
            .next_step
            .ends_with("moodle-sync retry /srv/failed/x.csv")
    );
}

#[test]
fn files_applied_whole_or_skipped_are_no_event() {
    for status in [RunStatus::Success, RunStatus::Duplicate] {
        assert_eq!(
            Event::for_run("cohorts.csv", &summary(status), &origin(), time(AT)),
            None
        );
    }
}

#[test]
fn database_events_name_the_database_and_since_when() {
    let since = time("2026-11-21T09:55:00+01:00");
    let down = Event::database_down("connection refused", since, &origin(), time(AT));
    assert_eq!(
        down.subject(),
        "moodle-sync on moodle1: the database cannot be reached"
    );
    let json: Value = serde_json::from_str(&down.json()).unwrap();
    assert_eq!(json["kind"], "database_down");
    assert_eq!(json["reason"], "connection refused");
    assert_eq!(json["since"], "2026-11-21T09:55:00+01:00");
    assert_eq!(json["database"], "postgres postgres://moodle:***@db/moodle");
    assert_eq!(json["file"], Value::Null);
    assert!(
        down.body()
            .contains("Database    postgres postgres://moodle:***@db/moodle\n"),
        "{}",
        down.body()
    );
    let back = Event::database_back(since, &origin(), time(AT));
    assert_eq!(back.kind, EventKind::DatabaseBack);
    assert_eq!(
        back.subject(),
        "moodle-sync on moodle1: the database answers again"
    );
}

fn down(since: SystemTime) -> Database {
    Database::Down {
        since,
        problem: "connection refused".into(),
    }
}

#[test]
fn an_outage_is_alerted_once_it_has_lasted_the_limit_then_once_back() {
    let limit = Duration::from_secs(300);
    let mut outage = Outage::new(limit);
    let start = Instant::now();
    let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    assert_eq!(outage.due(), None);
    assert_eq!(outage.observe(&down(wall), start, wall), None);
    assert_eq!(outage.due(), Some(start + limit));
    // Not yet.
    assert_eq!(outage.fire(start + limit - Duration::from_secs(1)), None);
    // Still down, reported again: the outage keeps its start.
    assert_eq!(
        outage.observe(
            &down(wall + Duration::from_secs(60)),
            start + Duration::from_secs(60),
            wall
        ),
        None
    );
    assert_eq!(outage.due(), Some(start + limit));
    assert_eq!(
        outage.fire(start + limit),
        Some(Change::Down {
            since: wall,
            problem: "connection refused".into()
        })
    );
    // Once per outage.
    assert_eq!(outage.due(), None);
    assert_eq!(outage.fire(start + limit * 2), None);
    // Back: said once.
    assert_eq!(
        outage.observe(&Database::Up, start + limit * 3, wall),
        Some(Change::Back { since: wall })
    );
    assert_eq!(outage.observe(&Database::Up, start + limit * 3, wall), None);
}

#[test]
fn a_short_outage_is_not_alerted_nor_its_end() {
    let mut outage = Outage::new(Duration::from_secs(300));
    let start = Instant::now();
    let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    outage.observe(&down(wall), start, wall);
    assert_eq!(
        outage.observe(&Database::Up, start + Duration::from_secs(10), wall),
        None
    );
    assert_eq!(outage.due(), None);
    assert_eq!(outage.fire(start + Duration::from_secs(600)), None);
}

#[test]
fn an_outage_reported_late_counts_from_its_start() {
    // The first attempt took 30 s to fail: the limit counts from the attempt's start.
    let mut outage = Outage::new(Duration::from_secs(60));
    let start = Instant::now();
    let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    outage.observe(&down(wall), start, wall + Duration::from_secs(30));
    assert_eq!(outage.due(), Some(start + Duration::from_secs(30)));
    // Reported after the limit already passed: due at once.
    let mut outage = Outage::new(Duration::from_secs(10));
    outage.observe(&down(wall), start, wall + Duration::from_secs(30));
    assert_eq!(outage.due(), Some(start));
}

#[test]
fn the_command_to_run_quotes_a_path_a_shell_would_split() {
    let mut run = summary(RunStatus::Rejected);
    run.kept = Some(PathBuf::from("/srv/failed/l'an 2.csv"));
    let event = Event::for_run("l'an 2.csv", &run, &origin(), time(AT)).unwrap();
    assert!(
        event
            .next_step
            .ends_with(r"moodle-sync retry '/srv/failed/l'\''an 2.csv'"),
        "{}",
        event.next_step
    );
    // The JSON keeps the path as it is.
    assert_eq!(event.kept.as_deref(), Some("/srv/failed/l'an 2.csv"));
}

fn settings(topics: &[Topic]) -> AlertSettings {
    AlertSettings {
        topics: topics.to_vec(),
        database_down_after: Duration::from_secs(300),
        mail: None,
        command: Some(CommandSettings {
            argv: vec!["notify".into()],
            timeout: Duration::from_secs(30),
            hidden_env: Vec::new(),
        }),
    }
}

#[test]
fn the_service_never_waits_for_alerts_a_full_queue_drops_them() {
    let (alerts, inbox) = Alerts::new(&settings(&Topic::ALL), "sqlite moodle.sqlite".into());
    let mut run = summary(RunStatus::Rejected);
    run.error = Some("no header".into());
    // Nothing reads the queue: the first QUEUE alerts wait, the next ones are dropped (and
    // logged) without waiting.
    for _ in 0..QUEUE + 5 {
        alerts.file("cohorts.csv", &run);
    }
    assert_eq!(inbox.waiting(), QUEUE);
}

#[test]
fn only_the_events_asked_for_are_queued() {
    let (alerts, inbox) = Alerts::new(&settings(&[Topic::Held]), "sqlite moodle.sqlite".into());
    alerts.file("cohorts.csv", &summary(RunStatus::Rejected));
    alerts.file("cohorts.csv", &summary(RunStatus::Success));
    assert_eq!(inbox.waiting(), 0);
    alerts.file("cohorts.csv", &summary(RunStatus::Held));
    assert_eq!(inbox.waiting(), 1);
}
