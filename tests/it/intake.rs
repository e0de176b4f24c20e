//! Intake integrity with real writers: processes that write a command file straight under its
//! final name in the spool, as plain SCP, FTP and SFTP clients do, pausing, starting late or
//! appending after the settle time. Whatever they do, the service applies the whole file once:
//! every line exactly once in the database, one report (never a partial one), and an archive
//! whose SHA-256 is the report's and that of the file's final bytes.

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use moodle_sync::spool::claim::sha256_of;
use serde_json::Value;

use crate::{
    dbtest,
    support::{TestEnv, Watcher},
};

/// Members of the file: `u01`…`u40`.
const USERS: usize = 40;

/// A cohort file of `USERS` lines over ten cohorts all named "Classe Stall", and the offset of
/// a cut inside a cohort name (`add;COH76;Classe S` | `tall;;u07`), as an upload paused there
/// leaves it.
fn cohort_file() -> (Vec<u8>, usize) {
    let mut bytes = b"cmd;cidnumber;cname;cdescription;userid\n".to_vec();
    let mut cut = 0;
    for n in 1..=USERS {
        let line = format!("add;COH7{};Classe Stall;;u{n:02}\n", n % 10);
        if n == 17 {
            cut = bytes.len() + line.find("Classe S").unwrap() + "Classe S".len();
        }
        bytes.extend_from_slice(line.as_bytes());
    }
    (bytes, cut)
}

fn users() -> Vec<String> {
    (1..=USERS).map(|n| format!("u{n:02}")).collect()
}

/// A `[watch]` section: a settle time of one second, fast listings, and `extra`.
fn watch_config(extra: &str) -> String {
    format!("[watch]\nsettle_ms = 1000\npoll_ms = 100\nreconcile_s = 1\n{extra}\n")
}

/// Writes each of `parts` (in a folder of its own, outside the spool) and a shell script that
/// sends them to `target` through one descriptor held open throughout, with `pauses[i]`
/// seconds before part `i`: a writer process of its own, as an SCP or FTP server is.
fn spawn_writer(env: &TestEnv, target: &Path, parts: &[&[u8]], pauses: &[f64]) -> Child {
    let dir = env.root().join("writer");
    fs::create_dir_all(&dir).unwrap();
    let mut script = String::from("{\n");
    for (n, (part, pause)) in parts.iter().zip(pauses).enumerate() {
        let path = dir.join(format!("part{n}"));
        fs::write(&path, part).unwrap();
        if *pause > 0.0 {
            script.push_str(&format!("sleep {pause}\n"));
        }
        script.push_str(&format!("cat '{}'\n", path.display()));
    }
    script.push_str(&format!("}} > '{}'\n", target.display()));
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits for the writer to end, successfully.
async fn finished(mut writer: Child) {
    loop {
        if let Some(status) = writer.try_wait().unwrap() {
            assert!(status.success(), "the writer failed: {status}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The ledger's rows: name, outcome, lines, failed, where the input was kept.
async fn ledger(env: &TestEnv) -> Vec<(String, String, i64, i64, PathBuf)> {
    env.rows(
        "SELECT name, outcome, linecount, failedcount, kept FROM {moodlesync_ledger} ORDER BY id",
    )
    .await
    .into_iter()
    .map(|row| {
        (
            row[0].clone(),
            row[1].clone(),
            row[2].parse().unwrap(),
            row[3].parse().unwrap(),
            PathBuf::from(&row[4]),
        )
    })
    .collect()
}

/// Checks the promises: every line once, one complete report, the archive the final bytes.
async fn assert_applied_whole_once(env: &TestEnv, watcher: &Watcher, whole: &[u8]) {
    let spool = env.config.paths.spool.clone();
    watcher
        .eventually("the file to be applied and archived", async || {
            env.files(&spool).is_empty()
                && env.files(&env.config.paths.archive).len() == 1
                && env.files(&env.config.paths.reports).len() == 2
                && watcher.log().contains("File finished")
        })
        .await;
    let log = watcher.log();
    let runs = ledger(env).await;
    assert_eq!(runs.len(), 1, "one run: {runs:#?}\n{log}");
    let (name, outcome, lines, failed, kept) = &runs[0];
    assert_eq!(
        (name.as_str(), outcome.as_str(), *lines, *failed),
        ("cohorts_x.csv", "success", USERS as i64, 0),
        "{log}"
    );
    // Every line exactly once: each cohort has its four members, under its whole name.
    let cohorts = env.cohorts().await;
    assert_eq!(cohorts.len(), 10, "{cohorts:?}");
    for cohort in &cohorts {
        assert!(
            cohort.iter().any(|cell| cell == "Classe Stall"),
            "a cohort renamed by a cut-off line: {cohort:?}"
        );
    }
    let mut members: Vec<String> = env
        .memberships()
        .await
        .into_iter()
        .map(|(_, user)| user)
        .collect();
    members.sort();
    assert_eq!(members, users(), "each member exactly once");
    // The archive is the file's final bytes, and the report says so.
    assert!(kept.starts_with(&env.config.paths.archive), "{kept:?}");
    assert_eq!(fs::read(kept).unwrap(), whole);
    let report_json = env
        .files(&env.config.paths.reports)
        .into_iter()
        .find(|name| name.ends_with(".report.json"))
        .expect("a JSON report");
    let report: Value =
        serde_json::from_slice(&fs::read(env.config.paths.reports.join(report_json)).unwrap())
            .unwrap();
    assert_eq!(
        report["input"]["sha256"].as_str().unwrap(),
        sha256_of(kept).unwrap(),
        "the report's SHA-256 is the archive's"
    );
    assert_eq!(report["input"]["size"], whole.len());
    assert_eq!(report["totals"]["lines"], USERS);
    assert!(
        env.files(&env.config.paths.failed).is_empty(),
        "nothing kept as failed: {:?}",
        env.files(&env.config.paths.failed)
    );
    assert_eq!(log.matches("File finished").count(), 1, "{log}");
}

async fn prepared(env: TestEnv, extra: &str) -> TestEnv {
    let mut env = env;
    env.reconfigure(&watch_config(extra));
    let names = users();
    env.add_users(&names.iter().map(String::as_str).collect::<Vec<_>>())
        .await;
    env
}

dbtest!(
    an_upload_paused_mid_line_longer_than_the_settle_time_is_taken_whole,
    |env| {
        let env = prepared(env, "").await;
        let watcher = Watcher::start(&env).await;
        let (whole, cut) = cohort_file();
        let target = env.config.paths.spool.join("cohorts_x.csv");
        // A pause of 3.5 s, three and a half settle times, after "add;COH76;Classe S".
        let writer = spawn_writer(&env, &target, &[&whole[..cut], &whole[cut..]], &[0.0, 3.5]);
        watcher
            .eventually("the file to appear", async || target.exists())
            .await;
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(
            ledger(&env).await.len(),
            0,
            "a file still open for writing was taken\n{}",
            watcher.log()
        );
        finished(writer).await;
        assert_applied_whole_once(&env, &watcher, &whole).await;
        let log = watcher.log();
        assert_eq!(
            log.matches("still open for writing").count(),
            1,
            "said once: {log}"
        );
    }
);

dbtest!(
    an_upload_whose_first_byte_comes_late_is_not_rejected_as_empty,
    |env| {
        let env = prepared(env, "").await;
        let watcher = Watcher::start(&env).await;
        let (whole, _) = cohort_file();
        let target = env.config.paths.spool.join("cohorts_x.csv");
        // The file is created at once and stays empty for 3 s.
        let writer = spawn_writer(&env, &target, &[&whole], &[3.0]);
        watcher
            .eventually("the empty file to appear", async || target.exists())
            .await;
        tokio::time::sleep(Duration::from_millis(2000)).await;
        assert_eq!(fs::metadata(&target).unwrap().len(), 0);
        assert_eq!(ledger(&env).await.len(), 0, "{}", watcher.log());
        finished(writer).await;
        assert_applied_whole_once(&env, &watcher, &whole).await;
    }
);

dbtest!(
    an_upload_that_keeps_appending_after_the_settle_time_is_taken_whole,
    |env| {
        let env = prepared(env, "").await;
        let watcher = Watcher::start(&env).await;
        let (whole, _) = cohort_file();
        let target = env.config.paths.spool.join("cohorts_x.csv");
        // Half the file, a pause past the settle time, then a line every 200 ms.
        let half = whole.len() / 2;
        let mut parts: Vec<&[u8]> = vec![&whole[..half]];
        let mut rest = &whole[half..];
        while !rest.is_empty() {
            let end = rest
                .iter()
                .position(|byte| *byte == b'\n')
                .map_or(rest.len(), |at| at + 1);
            parts.push(&rest[..end]);
            rest = &rest[end..];
        }
        let mut pauses = vec![0.0, 1.5];
        pauses.resize(parts.len(), 0.2);
        let writer = spawn_writer(&env, &target, &parts, &pauses);
        finished(writer).await;
        assert_applied_whole_once(&env, &watcher, &whole).await;
    }
);

dbtest!(in_poll_mode_without_leases_the_open_files_tell, |env| {
    // Where read leases cannot be had (another owner without CAP_LEASE, a filesystem without
    // them), the open files listed in /proc tell: `writer_check = "proc"` uses them alone.
    let env = prepared(env, "mode = \"poll\"\nwriter_check = \"proc\"").await;
    let watcher = Watcher::start(&env).await;
    let (whole, cut) = cohort_file();
    let target = env.config.paths.spool.join("cohorts_x.csv");
    let writer = spawn_writer(&env, &target, &[&whole[..cut], &whole[cut..]], &[0.0, 3.0]);
    watcher
        .eventually("the file to appear", async || target.exists())
        .await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(ledger(&env).await.len(), 0, "{}", watcher.log());
    finished(writer).await;
    assert_applied_whole_once(&env, &watcher, &whole).await;
    let log = watcher.log();
    assert!(log.contains("watching=\"poll\""), "{log}");
});

dbtest!(
    a_file_written_to_while_it_is_applied_is_rolled_back_and_taken_again_whole,
    |env| {
        // A writer no check can see (`writer_check = "off"`, as for another host's writer on NFS)
        // that writes again once the file was claimed and read: the check before the commit
        // finds the file changed, everything is rolled back, nothing recorded, and the file goes
        // back to settle; taken again once complete, it is applied whole, once.
        const FIRST: usize = 20_000;
        const ALL: usize = 20_100;
        let mut env = env;
        env.reconfigure(&watch_config("writer_check = \"off\""));
        env.add_bulk_users(ALL).await;
        let watcher = Watcher::start(&env).await;
        let line = |n: usize| format!("add;COHBIG;Promotion;;bulk{n}\n");
        let mut first = b"cmd;cidnumber;cname;cdescription;userid\n".to_vec();
        for n in 1..=FIRST {
            first.extend_from_slice(line(n).as_bytes());
        }
        let mut rest = Vec::new();
        for n in FIRST + 1..=ALL {
            rest.extend_from_slice(line(n).as_bytes());
        }
        let target = env.config.paths.spool.join("cohorts_big.csv");
        let mut file = fs::File::create(&target).unwrap();
        std::io::Write::write_all(&mut file, &first).unwrap();
        // Read: the service logs "File picked" once it holds the bytes, then spends a while
        // applying 20,000 lines; the writer sends the rest meanwhile.
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        while !watcher.log().contains("File picked") {
            assert!(
                std::time::Instant::now() < deadline,
                "never read\n{}",
                watcher.log()
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        std::io::Write::write_all(&mut file, &rest).unwrap();
        drop(file);
        let whole = [first, rest].concat();

        let spool = env.config.paths.spool.clone();
        watcher
            .eventually_within(
                Duration::from_secs(300),
                "the whole file to be applied",
                async || {
                    env.files(&spool).is_empty()
                        && env.files(&env.config.paths.archive).len() == 1
                        && watcher.log().contains("File finished")
                },
            )
            .await;
        let log = watcher.log();
        assert_eq!(
            log.matches("changed after it was read").count(),
            1,
            "the change is logged once: {log}"
        );
        let runs = ledger(&env).await;
        assert_eq!(
            runs.len(),
            1,
            "the rolled-back attempt recorded nothing: {runs:#?}"
        );
        assert_eq!(
            (runs[0].1.as_str(), runs[0].2),
            ("success", ALL as i64),
            "{log}"
        );
        assert_eq!(env.members("COHBIG").await.len(), ALL);
        assert_eq!(fs::read(&runs[0].4).unwrap(), whole);
        let reports = env.files(&env.config.paths.reports);
        assert_eq!(
            reports.len(),
            2,
            "one report and its JSON twin: {reports:?}"
        );
    }
);

dbtest!(
    bytes_sent_after_the_commit_by_a_writer_no_check_sees_are_kept,
    |env| {
        // `writer_check = "off"` stands for a writer the service cannot see (another user's
        // process without CAP_LEASE, another host): it pauses past the settle time, the file is
        // applied as it was, and the writer sends the rest afterwards. What was applied is archived
        // and reported; the file as it ends up is kept in failed/, never lost.
        let env = prepared(env, "writer_check = \"off\"").await;
        let watcher = Watcher::start(&env).await;
        let (whole, _) = cohort_file();
        let half = whole.len() / 2;
        let cut = half
            + whole[half..]
                .iter()
                .position(|byte| *byte == b'\n')
                .unwrap()
            + 1;
        let target = env.config.paths.spool.join("cohorts_x.csv");
        let writer = spawn_writer(&env, &target, &[&whole[..cut], &whole[cut..]], &[0.0, 4.0]);
        let spool = env.config.paths.spool.clone();
        watcher
            .eventually("the first part to be applied", async || {
                ledger(&env).await.len() == 1 && env.files(&spool).is_empty()
            })
            .await;
        finished(writer).await;
        let failed = env.config.paths.failed.clone();
        watcher
            .eventually("the whole file to be kept in failed/", async || {
                env.files(&failed).len() == 1
            })
            .await;
        let runs = ledger(&env).await;
        assert_eq!(runs.len(), 1, "{runs:#?}");
        let (_, outcome, lines, _, kept) = &runs[0];
        assert_eq!(outcome, "success");
        let applied_lines = whole[..cut].iter().filter(|byte| **byte == b'\n').count() as i64 - 1;
        assert_eq!(*lines, applied_lines);
        assert_eq!(
            fs::read(kept).unwrap(),
            &whole[..cut],
            "the archive is what was applied"
        );
        let late = env.files(&failed);
        assert!(late[0].ends_with("_cohorts_x.changed.csv"), "{late:?}");
        assert_eq!(
            fs::read(failed.join(&late[0])).unwrap(),
            whole,
            "nothing the writer sent is lost"
        );
        // The service logs the late write once the file is kept: wait for the line.
        watcher
            .eventually("the late write to be logged", async || {
                watcher.log().contains("File changed after it was applied")
            })
            .await;
        // status says what it is and how to act on it.
        let status = env.cli(&["status"]);
        let shown = String::from_utf8_lossy(&status.stdout);
        assert!(shown.contains("it changed after it was applied"), "{shown}");
        assert!(shown.contains("diff "), "{shown}");
    }
);
