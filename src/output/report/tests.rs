//! The text report as an administrator reads it: what needs doing first, plurals, the next
//! step, a tryback's original line numbers; and how those line numbers are found.

use std::collections::HashMap;

use super::*;
use crate::{
    command::{Effect, FileKind, Outcome},
    error::{LineError, LineProblem},
    outcome::{EnrolmentMode, LineOutcome, RunStatus},
};

fn settings() -> SettingsInfo {
    let kinds = crate::command::Sections::default().settings().unwrap();
    SettingsInfo {
        encoding: "auto".into(),
        delimiter: "auto".into(),
        max_file_bytes: 20 * 1024 * 1024,
        enrolments: EnrolmentMode::Immediate,
        kinds: kinds.json(),
        of_kind: kinds.describe(FileKind::Cohorts, EnrolmentMode::Immediate),
        sync_limit_percent: kinds.cohorts.max_sync_removal_percent,
    }
}

fn context(status: RunStatus, outputs: Outputs) -> ReportContext {
    ReportContext {
        kind: FileKind::Cohorts,
        simulation: false,
        approved: false,
        status,
        exit_code: crate::exit::of_run(status, &[]),
        started_at: "2026-12-02T10:00:00+01:00".into(),
        duration_ms: 12,
        input: InputInfo {
            path: "/srv/spool/cohorts_x.csv".into(),
            name: "cohorts_x.csv".into(),
            size: 80,
            sha256: Some("ab".repeat(32)),
        },
        format: None,
        database: "sqlite /srv/moodle.sqlite".into(),
        prefix: "mdl_".into(),
        settings: settings(),
        outputs,
        error: None,
        problems: Vec::new(),
        notes: Vec::new(),
        ledger: None,
        origins: None,
        spool: Some("/srv/spool".into()),
        caches: None,
    }
}

fn line(
    number: usize,
    cohort: &str,
    user: &str,
    result: Result<Vec<Effect>, LineError>,
) -> LineOutcome<Effect> {
    LineOutcome {
        line: number,
        raw: 0..0,
        command: "add".into(),
        keys: vec![cohort.into(), user.into()],
        result,
    }
}

fn unknown(user: &str) -> Result<Vec<Effect>, LineError> {
    Err(LineError::in_column(
        "userid",
        user,
        LineProblem::UnknownUser {
            value: user.into(),
            by: "idnumber",
        },
    ))
}

fn text(report: &Report<'_>) -> String {
    let mut out = Vec::new();
    report.write_text(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn the_failed_lines_come_first_with_their_column_value_and_reason() {
    let outcome = Outcome {
        lines: vec![
            line(2, "C1", "u1", Ok(Vec::new())),
            line(3, "C1", "ghost", unknown("ghost")),
            line(4, "C1", "u2", Ok(Vec::new())),
            line(5, "C2", "nobody", unknown("nobody")),
        ],
        ..Outcome::default()
    };
    let outputs = Outputs {
        tryback: Some("/srv/reports/cohorts_x_tryback_20261202-100000.csv".into()),
        archive: Some("/srv/archive/20261202-100000_cohorts_x.csv".into()),
        ..Outputs::default()
    };
    let report = Report::new(context(RunStatus::Partial, outputs), Some(&outcome));
    let shown = text(&report);
    let failed = shown.find("2 lines failed (fix them").expect(&shown);
    assert!(failed < shown.find("Input ").unwrap(), "{shown}");
    assert!(failed < shown.find("\nLines\n").unwrap(), "{shown}");
    assert!(
        shown.contains(
            "- line 3, column userid, value \"ghost\": unknown user \"ghost\" (matched by idnumber; deleted accounts never match)\n\
             - line 5, column userid, value \"nobody\": unknown user"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("Result      2 of 4 lines failed; they are in the tryback (exit code 1)"),
        "{shown}"
    );
    let next = shown.find("\nNext step\n").expect(&shown);
    assert!(next > shown.find("\nTotals\n").unwrap(), "{shown}");
    assert!(
        shown.contains(
            "Next step\nFix the 2 failed lines in /srv/reports/cohorts_x_tryback_20261202-100000.csv (it holds the header and those lines only), then drop it into the spool (/srv/spool) or run moodle-sync retry /srv/reports/cohorts_x_tryback_20261202-100000.csv\n\nEnd of report\n"
        ),
        "{shown}"
    );
    assert_eq!(
        report.next_step.as_deref(),
        shown.split("Next step\n").nth(1).unwrap().lines().next()
    );
}

#[test]
fn one_line_is_one_line() {
    let ok = Outcome {
        lines: vec![line(2, "C1", "u1", Ok(Vec::new()))],
        ..Outcome::default()
    };
    let shown = text(&Report::new(
        context(RunStatus::Success, Outputs::default()),
        Some(&ok),
    ));
    assert!(
        shown.contains("Result      the 1 line succeeded (exit code 0)"),
        "{shown}"
    );
    assert!(!shown.contains("Next step"), "{shown}");
    let bad = Outcome {
        lines: vec![line(2, "C1", "ghost", unknown("ghost"))],
        ..Outcome::default()
    };
    let shown = text(&Report::new(
        context(RunStatus::Partial, Outputs::default()),
        Some(&bad),
    ));
    assert!(
        shown.contains("1 of 1 line failed; it is in the tryback"),
        "{shown}"
    );
    assert!(
        shown.contains("\n1 line failed (fix it and try again"),
        "{shown}"
    );
    assert!(!shown.contains("1 lines"), "{shown}");
}

#[test]
fn a_rejected_or_held_file_ends_with_the_command_to_run() {
    let mut rejected = context(
        RunStatus::Rejected,
        Outputs {
            kept: Some("/srv/failed/20261202-100000_cohorts_x.csv".into()),
            ..Outputs::default()
        },
    );
    rejected.error = Some("unknown column \"usrid\"".into());
    let shown = text(&Report::new(rejected, None));
    assert!(
        shown.ends_with(
            "Next step\nFix /srv/failed/20261202-100000_cohorts_x.csv, then put it back into the spool: moodle-sync retry /srv/failed/20261202-100000_cohorts_x.csv\n\nEnd of report\n"
        ),
        "{shown}"
    );
    // `run` leaves a rejected file where it was given.
    let shown = text(&Report::new(
        context(RunStatus::Rejected, Outputs::default()),
        None,
    ));
    assert!(
        shown.contains("Fix /srv/spool/cohorts_x.csv, then run it again: moodle-sync run /srv/spool/cohorts_x.csv"),
        "{shown}"
    );
    let held = context(
        RunStatus::Held,
        Outputs {
            held: Some("/srv/held/20261202-100000_cohorts x.csv".into()),
            ..Outputs::default()
        },
    );
    let shown = text(&Report::new(held, None));
    assert!(
        shown.contains(
            "moodle-sync approve '/srv/held/20261202-100000_cohorts x.csv'; if not, end it unapplied: moodle-sync discard '/srv/held/20261202-100000_cohorts x.csv'"
        ),
        "{shown}"
    );
}

#[test]
fn a_tryback_shows_the_lines_of_the_original_file() {
    let outcome = Outcome {
        lines: vec![
            line(2, "C1", "u9", Ok(Vec::new())),
            line(3, "C2", "ghost", unknown("ghost")),
        ],
        ..Outcome::default()
    };
    let mut tryback = context(RunStatus::Partial, Outputs::default());
    tryback.origins = Some(Origins {
        file: "cohorts.csv".into(),
        lines: HashMap::from([(2, 14), (3, 40)]),
    });
    let report = Report::new(tryback, Some(&outcome));
    let shown = text(&report);
    assert!(
        shown.contains("- line 3 (line 40 of cohorts.csv), column userid, value \"ghost\""),
        "{shown}"
    );
    assert!(shown.contains("  (line 14 of cohorts.csv) "), "{shown}");
    let mut json = Vec::new();
    report.write_json(&mut json).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json["original_file"], "cohorts.csv");
    assert_eq!(json["lines"][1]["original_line"], 40);
}

#[test]
fn original_lines_are_matched_by_position_then_by_keys() {
    // The report of the run that wrote the tryback: lines 14 and 40 failed.
    let parent = serde_json::json!({
        "input": {"name": "cohorts.csv"},
        "lines": [
            {"line": 2, "status": "changed", "cohort": "C1", "user": "u1"},
            {"line": 14, "status": "failed", "cohort": "C1", "user": "gost"},
            {"line": 40, "status": "failed", "cohort": "C2", "user": "ghost"},
        ],
    })
    .to_string();
    // Fixed in place: the same number of lines, by position.
    let fixed = origins(
        parent.as_bytes(),
        FileKind::Cohorts,
        &[
            (2, vec!["C1".into(), "u7".into()]),
            (3, vec!["C2".into(), "ghost".into()]),
        ],
    )
    .unwrap();
    assert_eq!(fixed.file, "cohorts.csv");
    assert_eq!(fixed.lines, HashMap::from([(2, 14), (3, 40)]));
    // A line removed: by keys, and a line of keys the original never failed has none.
    let edited = origins(
        parent.as_bytes(),
        FileKind::Cohorts,
        &[
            (2, vec!["C2".into(), "ghost".into()]),
            (3, vec!["C9".into(), "new".into()]),
            (4, vec!["C1".into(), "x".into()]),
        ],
    )
    .unwrap();
    assert_eq!(edited.lines, HashMap::from([(2, 40)]));
    // A tryback of a tryback keeps the first file's numbers.
    let grandparent = serde_json::json!({
        "input": {"name": "cohorts_tryback_20261202-100000.csv"},
        "original_file": "cohorts.csv",
        "lines": [{"line": 2, "original_line": 40, "status": "failed", "cohort": "C2", "user": "ghost"}],
    })
    .to_string();
    let again = origins(
        grandparent.as_bytes(),
        FileKind::Cohorts,
        &[(2, vec!["C2".into(), "ghost".into()])],
    )
    .unwrap();
    assert_eq!(
        (again.file.as_str(), again.lines.get(&2)),
        ("cohorts.csv", Some(&40))
    );
    assert!(origins(b"not json", FileKind::Cohorts, &[]).is_none());
}

#[test]
fn caches_say_what_was_refreshed_and_what_to_purge() {
    use crate::cache::{
        CacheAction, CacheEntry, CacheOutcome, CacheReport, CacheResult, plan::Subject,
    };
    let shown = |caches: CacheReport| {
        let mut context = context(RunStatus::Success, Outputs::default());
        context.caches = Some(caches);
        let report = Report::new(context, None);
        let json: serde_json::Value = {
            let mut out = Vec::new();
            report.write_json(&mut out).unwrap();
            serde_json::from_slice(&out).unwrap()
        };
        (text(&report), json)
    };
    let (text, json) = shown(CacheReport::Pending {
        dataroot: "/var/moodledata".into(),
    });
    assert!(
        text.contains("Moodle's caches (data root /var/moodledata)\n- to be refreshed once the file is committed; a report that still says so was left by a run that stopped in between: purge Moodle's caches (Site administration > Development > Purge caches, or php admin/cli/purge_caches.php)\n"),
        "{text}"
    );
    assert_eq!(json["caches"]["state"], "pending");

    let (text, json) = shown(CacheReport::Refreshed(CacheOutcome {
        dataroot: "/var/moodledata".into(),
        entries: Vec::new(),
        problem: Some("cannot read Moodle's cache configuration /var/moodledata/muc/config.php: No such file or directory (os error 2)".into()),
    }));
    assert!(
        text.contains("- NOT refreshed: cannot read Moodle's cache configuration /var/moodledata/muc/config.php: No such file or directory (os error 2); Moodle may show"),
        "{text}"
    );
    assert_eq!(json["caches"]["state"], "refreshed");
    assert!(
        json["caches"]["problem"]
            .as_str()
            .unwrap()
            .contains("muc/config.php")
    );

    let entry = |action, result, detail: Option<&str>| CacheEntry {
        definition: "core/coursecontacts".into(),
        store: "redis1".into(),
        plugin: "redis".into(),
        action,
        subject: Subject::Course,
        count: 25,
        courses: (1..=25).collect(),
        cached: 3,
        result,
        detail: detail.map(str::to_owned),
    };
    let (text, json) = shown(CacheReport::Refreshed(CacheOutcome {
        dataroot: "/d".into(),
        entries: vec![
            entry(CacheAction::Drop, CacheResult::Done, None),
            entry(CacheAction::Purge, CacheResult::Done, None),
            entry(
                CacheAction::Drop,
                CacheResult::Failed,
                Some("cannot connect to 10.0.0.5:6379: connection refused"),
            ),
        ],
        problem: None,
    }));
    assert!(
        text.contains(
            "- core/coursecontacts: dropped for courses 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, and 5 more (store redis1, redis; 3 of 25 cached)\n\
             - core/coursecontacts: purged for every course (store redis1, redis; 3 keys cached)\n\
             - core/coursecontacts: NOT refreshed for courses 1, "
        ),
        "{text}"
    );
    assert!(
        text.contains("(store redis1, redis): cannot connect to 10.0.0.5:6379: connection refused; purge Moodle's caches (Site administration"),
        "{text}"
    );
    assert_eq!(json["caches"]["entries"][2]["result"], "failed");
    assert_eq!(json["caches"]["entries"][1]["action"], "purge");
}
