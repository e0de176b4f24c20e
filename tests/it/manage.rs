//! `moodle-sync retry` and `moodle-sync discard`, from the real binary: the file's way back into
//! the spool and its lineage in the report and the ledger, name collisions, the discarded
//! folder, the ledger rows and reports of both, and what they refuse.

use std::{fs, path::Path, process::Output};

use serde_json::Value;

use crate::{
    dbtest,
    support::{TestEnv, Watcher},
};

/// A `[watch]` section for tests: a short settle time, fast listings.
const WATCH: &str = "[watch]\nsettle_ms = 300\npoll_ms = 100\nreconcile_s = 1\n";

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The ledger: `[id, name, outcome, ofrun, parentid, generation, kept, report, summary]`.
async fn ledger(env: &TestEnv) -> Vec<Vec<String>> {
    env.rows(
        "SELECT id, name, outcome, ofrun, parentid, generation, kept, report, summary \
         FROM {moodlesync_ledger} ORDER BY id",
    )
    .await
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

dbtest!(a_fixed_file_retried_is_applied_with_its_lineage, |env| {
    let mut env = env;
    env.reconfigure(WATCH);
    env.add_users(&["u1"]).await;
    let watcher = Watcher::start(&env).await;
    env.drop_file("cohorts_x.csv", b"cidnumber;email\nC1;u1\n");
    watcher
        .eventually("the file to fail", async || {
            env.files(&env.config.paths.failed).len() == 1
        })
        .await;
    let failed = env.files(&env.config.paths.failed).remove(0);
    assert!(failed.ends_with("_cohorts_x.csv"), "{failed}");
    // The administrator fixes it where it is, and retries it.
    let fixed = b"cidnumber;userid\nC1;u1\n";
    fs::write(env.config.paths.failed.join(&failed), fixed).unwrap();
    let output = env.cli(&["retry", &format!("failed/{failed}")]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(
        stdout(&output).starts_with(&format!(
            "failed/{failed}: back in the spool as spool/cohorts_x.csv (retry of run #1)\n"
        )),
        "{}",
        stdout(&output)
    );
    watcher
        .eventually("the retried file to be applied", async || {
            ledger(&env).await.len() == 3
        })
        .await;
    let (exit, log) = watcher.stop().await;
    assert!(exit.success(), "{log}");
    assert!(env.files(&env.config.paths.failed).is_empty());
    assert_eq!(env.members("C1").await, ["u1"]);
    let rows = ledger(&env).await;
    // The retry, then the run that took the file: both name run #1.
    assert_eq!(rows[1][1..4], ["cohorts_x.csv", "retried", "1"]);
    assert!(
        rows[1][8].starts_with(&format!(
            "retry of run #1: {failed} put back into the spool as cohorts_x.csv by "
        )),
        "{rows:?}"
    );
    assert_eq!(rows[2][1..4], ["cohorts_x.csv", "success", "1"]);
    // A failed input is the same file again: no tryback generation.
    assert_eq!(rows[2][5], "0");
    let report = fs::read_to_string(&rows[2][7]).unwrap();
    assert!(
        report.contains(
            "Retry of    run #1: put back into the spool by moodle-sync retry (ledger #2)"
        ),
        "{report}"
    );
    let report = json(&Path::new(&rows[2][7]).with_extension("json"));
    assert_eq!(report["ledger"]["retry"]["of_run"], 1);
    assert_eq!(report["ledger"]["retry"]["record"], 2);
    let archived = env.files(&env.config.paths.archive);
    assert_eq!(
        fs::read(env.config.paths.archive.join(&archived[0])).unwrap(),
        fixed
    );
});

dbtest!(a_retried_tryback_descends_from_its_run, |env| {
    env.add_users(&["u1"]).await;
    env.drop_file("cohorts.csv", b"cidnumber;userid\nC1;u1\nC1;u2\n");
    let output = env.cli(&["run", "spool/cohorts.csv"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let tryback = env
        .files(&env.config.paths.reports)
        .into_iter()
        .find(|name| name.contains("_tryback_"))
        .unwrap();
    // u2's account now exists: the tryback can succeed.
    env.add_users(&["u2"]).await;
    let output = env.cli(&["retry", &format!("reports/{tryback}")]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(
        stdout(&output).starts_with(&format!(
            "reports/{tryback}: back in the spool as spool/{tryback} (the tryback of run #1)\n"
        )),
        "{}",
        stdout(&output)
    );
    assert!(!env.config.paths.reports.join(&tryback).exists());
    let output = env.cli(&["run", &format!("spool/{tryback}")]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(env.members("C1").await, ["u1", "u2"]);
    let rows = ledger(&env).await;
    assert_eq!(rows[1][2], "retried");
    // [id, name, outcome, ofrun, parentid, generation]
    assert_eq!(rows[2][1..6], [tryback.as_str(), "success", "1", "1", "1"]);
    let report = fs::read_to_string(&rows[2][7]).unwrap();
    for expected in [
        "Lineage     tryback generation 1, descending from run #1",
        "Retry of    run #1",
    ] {
        assert!(report.contains(expected), "{expected}\n{report}");
    }
});

dbtest!(a_retry_never_replaces_a_file_of_the_spool, |env| {
    env.add_users(&["u1"]).await;
    // A failed file the ledger does not know, and a new file of its name in the spool.
    fs::create_dir_all(&env.config.paths.failed).unwrap();
    let kept = b"cidnumber;userid\nC1;u1\n";
    fs::write(
        env.config
            .paths
            .failed
            .join("20260101-000000_cohorts_x.csv"),
        kept,
    )
    .unwrap();
    let newer = b"cidnumber;userid\nC2;u1\n";
    env.drop_file("cohorts_x.csv", newer);
    let output = env.cli(&["retry", "failed/20260101-000000_cohorts_x.csv"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(
        stdout(&output).starts_with(
            "failed/20260101-000000_cohorts_x.csv: back in the spool as spool/cohorts_x-2.csv\n"
        ),
        "{}",
        stdout(&output)
    );
    assert_eq!(
        env.files(&env.config.paths.spool),
        ["cohorts_x-2.csv", "cohorts_x.csv"]
    );
    assert_eq!(
        fs::read(env.config.paths.spool.join("cohorts_x.csv")).unwrap(),
        newer
    );
    assert_eq!(
        fs::read(env.config.paths.spool.join("cohorts_x-2.csv")).unwrap(),
        kept
    );
    assert!(env.files(&env.config.paths.failed).is_empty());
    let rows = ledger(&env).await;
    assert_eq!(rows[0][1..4], ["cohorts_x-2.csv", "retried", "NULL"]);
    // The suffixed name still leads back to the retry.
    let output = env.cli(&["run", "spool/cohorts_x-2.csv"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let rows = ledger(&env).await;
    let report = fs::read_to_string(&rows[1][7]).unwrap();
    assert!(
        report.contains("Retry of    a file put back into the spool by moodle-sync retry (ledger #1), of a run the ledger does not know"),
        "{report}"
    );
});

dbtest!(a_discarded_file_is_kept_with_a_report_and_a_record, |env| {
    env.add_users(&["u1", "u2"]).await;
    env.add_cohort("C1", "Classe").await;
    env.add_members("C1", &["u1", "u2"]).await;
    let bytes = b"cmd;cidnumber;cname;userid\nsync;C1;;\n";
    env.drop_file("cohorts_group.csv", bytes);
    let output = env.cli(&["run", "spool/cohorts_group.csv"]);
    assert_eq!(code(&output), 7, "{}", stderr(&output));
    let held = env.files(&env.config.paths.held).remove(0);
    let output = env.cli(&["discard", &format!("held/{held}")]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let printed = stdout(&output);
    assert!(
        printed.starts_with(&format!("held/{held}: discarded by ")),
        "{printed}"
    );
    assert!(
        printed.contains(&format!(
            ", never applied (held by run #1)\n  kept     discarded/{held}\n  report   reports/"
        )),
        "{printed}"
    );
    // Nothing applied; the file kept, byte for byte, out of the held folder.
    assert_eq!(env.members("C1").await, ["u1", "u2"]);
    assert!(env.files(&env.config.paths.held).is_empty());
    assert_eq!(
        fs::read(env.root().join("discarded").join(&held)).unwrap(),
        bytes
    );
    let rows = ledger(&env).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][1..4], ["cohorts_group.csv", "discarded", "1"]);
    assert_eq!(
        rows[1][6],
        env.root()
            .join("discarded")
            .join(&held)
            .display()
            .to_string()
    );
    let host = fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .unwrap_or_default();
    let report = fs::read_to_string(&rows[1][7]).unwrap();
    for expected in [
        "Result      discarded: nothing of it was applied, and it will not be; the file is kept",
        "Held by     run #1 at ",
        "Reason      sync of cohort \"Classe\" [C1] would remove 2 of 2 members (100.0 %) > 20 %",
        &format!(" on {host} (moodle-sync discard)"),
        "Run         #2 (ledger outcome discarded)",
    ] {
        assert!(report.contains(expected), "{expected}\n{report}");
    }
    let report = json(&Path::new(&rows[1][7]).with_extension("json"));
    assert_eq!(report["status"], "discarded");
    assert_eq!(report["held_by"]["run"], 1);
    assert!(
        report["discarded_by"]
            .as_str()
            .unwrap()
            .ends_with(&format!(" on {host}")),
        "{report}"
    );
    assert!(report["discarded_at"].as_str().unwrap().starts_with("20"));
    // `status` no longer lists it as held, and shows the discard among the runs.
    let output = env.cli(&["status"]);
    let shown = stdout(&output);
    assert!(shown.contains("held        0 file(s)"), "{shown}");
    assert!(
        shown.contains("cohorts_group.csv  discarded (discarded by "),
        "{shown}"
    );
});

dbtest!(
    retry_and_discard_refuse_files_outside_their_folders,
    |env| {
        env.drop_file("cohorts.csv", b"cidnumber;userid\nC1;u1\n");
        let output = env.cli(&["retry", "spool/cohorts.csv"]);
        assert_eq!(code(&output), 3);
        let failed = env.config.paths.failed.display().to_string();
        let reports = env.config.paths.reports.display().to_string();
        assert!(
        stderr(&output).contains(&format!(
            "spool/cohorts.csv is not a file moodle-sync kept: retry takes a file of the failed folder ({failed}) or a tryback of the reports folder ({reports})"
        )),
        "{}",
        stderr(&output)
    );
        let output = env.cli(&["retry", "failed/nothing.csv"]);
        assert_eq!(code(&output), 3);
        assert!(
            stderr(&output).contains(
                "no such file: failed/nothing.csv; retry takes a file of the failed folder"
            ),
            "{}",
            stderr(&output)
        );
        // A report is not a tryback.
        let output = env.cli(&["run", "spool/cohorts.csv"]);
        assert_eq!(code(&output), 1, "{}", stderr(&output));
        let report = env
            .files(&env.config.paths.reports)
            .into_iter()
            .find(|name| name.ends_with(".report.txt"))
            .unwrap();
        let output = env.cli(&["retry", &format!("reports/{report}")]);
        assert_eq!(code(&output), 3);
        assert!(
            stderr(&output).contains("is not a tryback"),
            "{}",
            stderr(&output)
        );
        // Discard takes held files only.
        let archived = env.files(&env.config.paths.archive).remove(0);
        let output = env.cli(&["discard", &format!("archive/{archived}")]);
        assert_eq!(code(&output), 3);
        assert!(
        stderr(&output).contains(&format!(
            "archive/{archived} is not a held file: discard ends a file of the held folder ({})",
            env.config.paths.held.display()
        )),
        "{}",
        stderr(&output)
    );
        // Nothing moved, nothing recorded but the run.
        assert!(env.config.paths.archive.join(&archived).is_file());
        assert!(env.config.paths.reports.join(&report).is_file());
        assert_eq!(
            env.count("SELECT COUNT(*) FROM {moodlesync_ledger}").await,
            1
        );
    }
);
