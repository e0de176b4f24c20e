//! `moodle-sync status` and `status --json`, from the real binary: whether a service runs
//! (running, stopped, crashed on this host, stale from another host), the failed and held
//! areas with their reasons and commands, uploads in progress, and the JSON document's fields.

use std::{
    collections::BTreeSet,
    fs::{self, File},
    io::Write,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use serde_json::Value;

use crate::{
    dbtest,
    support::{Backend, TestEnv, Watcher},
};

/// A `[watch]` section for tests: a short settle time, fast listings.
const WATCH: &str = "[watch]\nsettle_ms = 300\npoll_ms = 100\nreconcile_s = 1\n";

/// The output of `moodle-sync status --json`, parsed.
fn json(env: &TestEnv) -> Value {
    let output = env.cli(&["status", "--json"]);
    assert!(
        output.status.success(),
        "status --json: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&output.stdout)))
}

/// Waits until `check` holds of `status --json` (a heartbeat is written in the background,
/// a file settles); fails after a minute.
async fn json_until(env: &TestEnv, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = json(env);
        if check(&status) {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {status:#}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn now_ms() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// Writes the work folder and heartbeat of a service of another host, last beating at
/// `heartbeat_at`.
fn other_host_service(env: &TestEnv, heartbeat_at: i64) {
    let dir = env.config.paths.spool.join(".moodle-sync/777@moodle2");
    fs::create_dir_all(&dir).unwrap();
    let heartbeat = serde_json::json!({
        "version": 1,
        "pid": 777,
        "host": "moodle2",
        "instance": "777@moodle2",
        "started_at": heartbeat_at - 3_600_000,
        "heartbeat_at": heartbeat_at,
        "interval_ms": 5000,
        "database": {"state": "answers", "since": heartbeat_at - 3_600_000, "error": null},
        "file": null,
        "watching": {"mode": "auto", "how": "poll", "reason": "an NFS mount"},
        "stopping": false
    });
    fs::write(
        dir.join("service.json"),
        serde_json::to_vec_pretty(&heartbeat).unwrap(),
    )
    .unwrap();
}

dbtest!(status_tells_whether_a_service_runs, |env| {
    let mut env = env;
    env.reconfigure(WATCH);
    env.db.ensure_ledger().await.unwrap();

    // Nothing started yet.
    let shown = env.status_text();
    assert!(
        shown.contains("service     no service is running"),
        "{shown}"
    );
    assert_eq!(json(&env)["service_running"], false);

    // Running: pid, start, heartbeat, what it does.
    let watcher = Watcher::start(&env).await;
    let pid = watcher.id();
    let status = json_until(&env, "the heartbeat", |status| {
        status["services"][0]["watching"].is_string()
    })
    .await;
    assert_eq!(status["service_running"], true, "{status:#}");
    let service = &status["services"][0];
    assert_eq!(service["state"], "running");
    assert_eq!(service["pid"], pid);
    assert_eq!(service["this_host"], true);
    assert_eq!(service["database"], "answers");
    assert!(service["heartbeat_age_s"].as_u64().unwrap() < 60);
    let shown = env.status_text();
    assert!(
        shown.contains(&format!("service     running: pid {pid} on ")),
        "{shown}"
    );
    assert!(shown.contains("database answers, idle"), "{shown}");

    // Stopped cleanly: no folder left, no service.
    let (exit, log) = watcher.stop().await;
    assert!(exit.success(), "{log}");
    let work = env.config.paths.spool.join(".moodle-sync");
    assert_eq!(
        fs::read_dir(&work)
            .map(|entries| entries.count())
            .unwrap_or(0),
        0,
        "the work folder is removed on a clean stop"
    );
    let status = json(&env);
    assert_eq!(status["service_running"], false);
    assert_eq!(status["services"], Value::Array(Vec::new()));
    env.drop_file("cohorts.csv", b"cidnumber;userid\nC1;u1\n");
    let shown = env.status_text();
    assert!(
        shown.contains("service     no service is running"),
        "{shown}"
    );

    // Killed: its folder is left and its lock is free: crashed, with its last heartbeat.
    let watcher = Watcher::start(&env).await;
    let pid = watcher.id();
    json_until(&env, "the second service's heartbeat", |status| {
        status["services"][0]["pid"] == pid
    })
    .await;
    // Wait until it has taken the file, so that it is idle when killed.
    watcher
        .eventually("the file to be taken", async || {
            env.files(&env.config.paths.spool).is_empty()
        })
        .await;
    watcher.kill();
    let status = json(&env);
    assert_eq!(status["service_running"], false, "{status:#}");
    assert_eq!(status["services"][0]["state"], "crashed");
    assert_eq!(status["services"][0]["pid"], pid);
    let shown = env.status_text();
    assert!(
        shown.contains(&format!("service     crashed: pid {pid} on ")),
        "{shown}"
    );
    assert!(shown.contains("last heartbeat 20"), "{shown}");
    // A file dropped now waits, and says what would take it.
    env.drop_file("cohorts_next.csv", b"cidnumber;userid\nC2;u1\n");
    let status = json_until(&env, "the file to settle", |status| {
        status["waiting"][0]["state"] == "ready"
    })
    .await;
    assert_eq!(status["waiting"][0]["name"], "cohorts_next.csv");
    let shown = env.status_text();
    assert!(
        shown.contains(
            "ready: a cohorts file; waiting: no service is running; start `moodle-sync watch` or `moodle-sync run spool/cohorts_next.csv`"
        ),
        "{shown}"
    );

    // Another host's service: running while its heartbeat is fresh…
    other_host_service(&env, now_ms());
    let status = json(&env);
    let other = status["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|service| service["host"] == "moodle2")
        .cloned()
        .unwrap();
    assert_eq!(other["state"], "running", "{status:#}");
    assert_eq!(other["this_host"], false);
    assert_eq!(status["service_running"], true);
    let shown = env.status_text();
    assert!(
        shown.contains("ready: a cohorts file, taken next"),
        "{shown}"
    );
    // … crashed once it is older than three of its intervals.
    other_host_service(&env, now_ms() - 60_000);
    let status = json(&env);
    assert_eq!(status["service_running"], false, "{status:#}");
    let shown = env.status_text();
    assert!(
        shown.contains("service     crashed: pid 777 on moodle2"),
        "{shown}"
    );
    assert!(shown.contains("(1 min ago)"), "{shown}");
});

dbtest!(
    failed_and_held_files_are_listed_with_why_and_what_to_do,
    |env| {
        let mut env = env;
        env.reconfigure(WATCH);
        env.add_users(&["u1", "u2", "u3"]).await;
        env.add_cohort("C1", "Classe").await;
        env.add_members("C1", &["u1", "u2", "u3"]).await;
        // Held: a sync that would empty the cohort.
        env.drop_file(
            "cohorts_group.csv",
            b"cmd;cidnumber;cname;userid\nsync;C1;;\n",
        );
        let held = env.cli(&["run", "spool/cohorts_group.csv"]);
        assert_eq!(held.status.code(), Some(7));
        // Its figures say what approving it would do.
        let printed = String::from_utf8_lossy(&held.stdout);
        assert!(
            printed.contains("\n  if approved  1 line: 1 unchanged; would remove 3 members\n"),
            "{printed}"
        );
        // Failed: refused by the service.
        let watcher = Watcher::start(&env).await;
        env.drop_file("cohorts_bad.csv", b"cidnumber;email\nC1;x\n");
        watcher
            .eventually("the bad file to fail", async || {
                env.files(&env.config.paths.failed).len() == 1
            })
            .await;
        let (exit, log) = watcher.stop().await;
        assert!(exit.success(), "{log}");
        // A file whose ledger row is gone, with its report beside it; and one with neither.
        fs::write(
            env.config
                .paths
                .failed
                .join("20260101-000000_cohorts_old.csv"),
            b"x",
        )
        .unwrap();
        fs::create_dir_all(&env.config.paths.reports).unwrap();
        fs::write(
            env.config
                .paths
                .reports
                .join("20260101-000000_cohorts_old.csv.report.json"),
            br#"{"error": "no header line"}"#,
        )
        .unwrap();
        fs::write(env.config.paths.failed.join("stray.csv"), b"x").unwrap();

        let failed = env.files(&env.config.paths.failed);
        let bad = failed
            .iter()
            .find(|name| name.ends_with("_cohorts_bad.csv"))
            .unwrap();
        let held_name = env.files(&env.config.paths.held).remove(0);
        let shown = env.status_text();
        for expected in [
            "failed      3 file(s) not applied: fix the cause, then retry".to_owned(),
            format!("failed/{bad}  failed since "),
            "unknown column \"email\"".to_owned(),
            format!("      moodle-sync retry failed/{bad}"),
            "failed/20260101-000000_cohorts_old.csv  failed since ".to_owned(),
            ": no header line\n      moodle-sync retry failed/20260101-000000_cohorts_old.csv"
                .to_owned(),
            "failed/stray.csv  failed since ".to_owned(),
            ": no record says why (no ledger row, no report)".to_owned(),
            "held        1 file(s) waiting for a decision".to_owned(),
            format!("held/{held_name}  held since "),
            "sync of cohort \"Classe\" [C1] would remove 3 of 3 members (100.0 %) > 20 %"
                .to_owned(),
            format!(
                "      moodle-sync approve held/{held_name}\n      moodle-sync discard held/{held_name}"
            ),
        ] {
            assert!(shown.contains(&expected), "{expected}\n{shown}");
        }

        let status = json(&env);
        let failed = status["failed"].as_array().unwrap();
        let bad_entry = failed
            .iter()
            .find(|file| file["path"] == format!("failed/{bad}"))
            .unwrap();
        assert_eq!(bad_entry["reason_from"], "ledger");
        assert!(bad_entry["run"].is_i64());
        assert_eq!(
            bad_entry["commands"],
            serde_json::json!([format!("moodle-sync retry failed/{bad}")])
        );
        let old = failed
            .iter()
            .find(|file| file["path"] == "failed/20260101-000000_cohorts_old.csv")
            .unwrap();
        assert_eq!(old["reason"], "no header line");
        assert_eq!(old["reason_from"], "report");
        assert_eq!(status["held"][0]["path"], format!("held/{held_name}"));
        assert_eq!(status["held"][0]["reason_from"], "ledger");

        // The document's sections, as docs/watch.md lists them.
        let keys: BTreeSet<&str> = status
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            BTreeSet::from([
                "version",
                "generated_at",
                "host",
                "spool",
                "spool_error",
                "database",
                "watch",
                "service_running",
                "services",
                "commands",
                "waiting",
                "oldest_waiting_s",
                "uploads",
                "in_progress",
                "failed",
                "held",
                "netypareo",
                "last_runs",
                "last_runs_error",
            ])
        );
        assert_eq!(status["version"], 1);
        assert_eq!(status["database"]["usable"], true);
        let runs = status["last_runs"].as_array().unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0]["outcome"], "rejected");
        assert_eq!(runs[0]["summary"], "nothing applied");
        assert_eq!(runs[1]["outcome"], "held");
        assert_eq!(
            runs[1]["summary"],
            "1 line: 1 unchanged; would remove 3 members"
        );
    }
);

#[tokio::test]
async fn uploads_in_progress_show_their_size_age_and_writer() {
    let mut env = TestEnv::new(Backend::Sqlite).await.unwrap();
    env.reconfigure(WATCH);
    let spool = env.config.paths.spool.clone();
    fs::write(spool.join("cohorts_a.csv.filepart"), b"cidnumber;userid\n").unwrap();
    // A writer with no temporary name that keeps the file open.
    let mut writer = File::create(spool.join("cohorts_b.csv")).unwrap();
    writer.write_all(b"cidnumber;userid\nC1;u1\n").unwrap();
    let status = json(&env);
    let uploads = status["uploads"].as_array().unwrap();
    assert_eq!(uploads.len(), 2, "{status:#}");
    assert_eq!(uploads[0]["name"], "cohorts_a.csv.filepart");
    assert_eq!(uploads[0]["state"], "ignored_name");
    assert_eq!(uploads[0]["size"], 17);
    // Fresh: settling, until the settle time has passed…
    assert_eq!(uploads[1]["name"], "cohorts_b.csv");
    assert_eq!(uploads[1]["state"], "settling");
    // … then settled, but still open for writing: not ready.
    let status = json_until(&env, "the file to settle", |status| {
        status["uploads"][1]["state"] != "settling"
    })
    .await;
    let upload = &status["uploads"][1];
    assert_eq!(upload["state"], "writing", "{status:#}");
    let pid = std::process::id();
    assert!(
        upload["writers"]
            .as_str()
            .unwrap()
            .starts_with(&format!("pid {pid} (")),
        "{status:#}"
    );
    assert_eq!(status["waiting"], Value::Array(Vec::new()));
    let shown = env.status_text();
    assert!(
        shown.contains("uploads     2 file(s) still arriving"),
        "{shown}"
    );
    assert!(
        shown.contains("cohorts_a.csv.filepart  17 bytes, changed 0 s ago  temporary name ([watch] ignore): taken once renamed")
            || shown.contains("cohorts_a.csv.filepart  17 bytes, changed 1 s ago  temporary name ([watch] ignore): taken once renamed"),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("being written by pid {pid} (")),
        "{shown}"
    );
    // Closed: ready.
    drop(writer);
    let status = json(&env);
    assert_eq!(status["waiting"][0]["name"], "cohorts_b.csv", "{status:#}");
    assert_eq!(status["waiting"][0]["state"], "ready");
}

/// While a file waits for the ledger's lock (another process applying a file to the same
/// database), the service's heartbeat goes on, naming the file. On the servers, where a test
/// can hold the lock row.
#[tokio::test]
async fn the_heartbeat_goes_on_while_a_file_is_applied() {
    for backend in [Backend::Postgres, Backend::Mariadb] {
        let Some(mut env) = TestEnv::new(backend).await else {
            continue;
        };
        env.reconfigure(WATCH);
        env.add_users(&["u1"]).await;
        let watcher = Watcher::start(&env).await;
        let mut holder = env.connection().await;
        sqlx::raw_sql(sqlx::AssertSqlSafe("BEGIN".to_owned()))
            .execute(&mut holder)
            .await
            .unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(
            env.sql("UPDATE {moodlesync_lock} SET holder = 'test' WHERE id = 1"),
        ))
        .execute(&mut holder)
        .await
        .unwrap();
        env.drop_file("cohorts.csv", b"cidnumber;userid\nC1;u1\n");
        let status = json_until(&env, "the file to be in progress", |status| {
            status["services"][0]["file"] == "cohorts.csv"
        })
        .await;
        let first = status["services"][0]["heartbeat_at"].clone();
        let status = json_until(&env, "a heartbeat while the file waits", |status| {
            status["services"][0]["heartbeat_at"] != first
        })
        .await;
        assert_eq!(status["services"][0]["file"], "cohorts.csv", "{status:#}");
        assert_eq!(status["services"][0]["heartbeat_stale"], false);
        let shown = env.status_text();
        assert!(shown.contains("applying cohorts.csv since "), "{shown}");
        sqlx::raw_sql(sqlx::AssertSqlSafe("COMMIT".to_owned()))
            .execute(&mut holder)
            .await
            .unwrap();
        watcher
            .eventually("the file to be applied", async || {
                env.members("C1").await == ["u1"]
            })
            .await;
        let status = json_until(&env, "the service to be idle", |status| {
            status["services"][0]["file"].is_null()
        })
        .await;
        assert_eq!(status["service_running"], true);
        let (exit, log) = watcher.stop().await;
        assert!(exit.success(), "{log}");
    }
}
