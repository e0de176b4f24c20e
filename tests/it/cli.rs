//! The `moodle-sync` binary: exit codes, one-line fatal errors, `init`, and the first-run
//! experience on the embedded default with no configuration at all.

use std::process::{Command, Output};

use crate::{dbtest, support::bare};

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

dbtest!(exit_codes_tell_success_partial_and_rejected, |env| {
    env.add_users(&["u1"]).await;
    env.drop_file("cohorts_ok.csv", b"cidnumber;userid\nC1;u1\n");
    env.drop_file(
        "cohorts_partial.csv",
        b"cidnumber;userid\nC1;u1\nC1;ghost\n",
    );
    env.drop_file("cohorts_bad.csv", b"cidnumber;email\nC1;u1\n");
    let ok = env.cli(&["run", "spool/cohorts_ok.csv"]);
    assert_eq!(code(&ok), 0, "{}", stderr(&ok));
    assert!(
        stdout(&ok)
            .starts_with("cohorts_ok.csv: 1 line: 1 changed; 1 cohort created; 1 member added\n"),
        "{}",
        stdout(&ok)
    );
    let partial = env.cli(&["run", "spool/cohorts_partial.csv"]);
    assert_eq!(code(&partial), 1);
    assert!(
        stdout(&partial).contains("  tryback  reports/cohorts_partial_tryback_"),
        "{}",
        stdout(&partial)
    );
    let rejected = env.cli(&["run", "spool/cohorts_bad.csv"]);
    assert_eq!(code(&rejected), 2);
    assert!(
        stdout(&rejected).contains("rejected: unknown column \"email\""),
        "{}",
        stdout(&rejected)
    );
    assert_eq!(env.members("C1").await, ["u1"]);
});

dbtest!(a_dry_run_from_the_command_line_leaves_everything, |env| {
    env.add_users(&["u1"]).await;
    let bytes = b"cidnumber;userid\nC1;u1\nC1;ghost\n";
    let path = env.drop_file("cohorts.csv", bytes);
    let output = env.cli(&["run", "--dry-run", "spool/cohorts.csv"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(stdout(&output).contains("(simulation: nothing changed)"));
    assert!(!stdout(&output).contains("tryback"), "{}", stdout(&output));
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    assert!(!env.root().join("archive").exists());
    let reports = env.files(&env.root().join("reports"));
    assert_eq!(
        reports.len(),
        2,
        "only the report and its JSON twin: {reports:?}"
    );
    assert!(env.cohorts().await.is_empty());
});

dbtest!(
    fatal_errors_have_their_own_codes_and_say_what_is_wrong,
    |env| {
        env.drop_file("cohorts.csv", b"cidnumber\nC1\n");
        // A configuration key that does not exist: TOML's snippet, on its lines, and the key.
        std::fs::write(
            env.root().join("bad.toml"),
            "[cohorts]\ncreate_mising = false\n",
        )
        .unwrap();
        let output = env.cli_with("bad.toml", &["run", "spool/cohorts.csv"]);
        assert_eq!(code(&output), 3);
        let text = stderr(&output);
        assert!(text.contains("[cohorts] create_mising"), "{text}");
        assert!(text.contains("\n2 | create_mising = false\n"), "{text}");
        assert!(text.contains("^^^^^^^^^^^^^"), "{text}");
        // The same as one JSON object, for log shippers.
        let output = env.cli_with(
            "bad.toml",
            &["--log-format", "json", "run", "spool/cohorts.csv"],
        );
        assert_eq!(code(&output), 3);
        let text = stderr(&output);
        assert_eq!(text.trim_end().lines().count(), 1, "{text}");
        let line: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(line["level"], "ERROR");
        assert_eq!(line["fields"]["exit_code"], 3);
        assert!(
            line["fields"]["message"]
                .as_str()
                .unwrap()
                .contains("[cohorts] create_mising"),
            "{line}"
        );
        assert!(line["timestamp"].as_str().unwrap().ends_with('Z'), "{line}");
        // A missing file, a folder, a path through a file, a missing argument.
        let output = env.cli(&["run", "spool/nothing.csv"]);
        assert_eq!(code(&output), 3);
        assert!(
            stderr(&output).contains("no such file: spool/nothing.csv"),
            "{}",
            stderr(&output)
        );
        let output = env.cli(&["run", "spool"]);
        assert_eq!(code(&output), 3);
        assert!(
            stderr(&output).contains("spool is a folder, not a command file"),
            "{}",
            stderr(&output)
        );
        let output = env.cli(&["run", "spool/cohorts.csv/inside.csv"]);
        assert_eq!(code(&output), 3);
        assert!(
            stderr(&output).contains("cannot read spool/cohorts.csv/inside.csv: Not a directory"),
            "{}",
            stderr(&output)
        );
        assert_eq!(code(&env.cli(&["run"])), 3);
        // A database that cannot be reached: the real cause, with the host and port, at once.
        let (unreachable, expected) = match env.backend {
            crate::support::Backend::Sqlite => ("sqlite:missing.sqlite", "run `moodle-sync init`"),
            crate::support::Backend::Postgres => (
                "postgres://postgres@127.0.0.1:1/test",
                "(127.0.0.1:1): connection refused",
            ),
            crate::support::Backend::Mariadb => (
                "mysql://root@127.0.0.1:1/test",
                "(127.0.0.1:1): connection refused",
            ),
        };
        std::fs::write(
            env.root().join("down.toml"),
            format!("[database]\nurl = \"{unreachable}\"\n"),
        )
        .unwrap();
        let started = std::time::Instant::now();
        let output = env.cli_with("down.toml", &["run", "spool/cohorts.csv"]);
        let elapsed = started.elapsed();
        assert_eq!(code(&output), 4, "{}", stderr(&output));
        assert!(stderr(&output).contains(expected), "{}", stderr(&output));
        assert!(
            elapsed < std::time::Duration::from_secs(5),
            "the refusal took {elapsed:?}"
        );
        assert_eq!(
            stderr(&output).trim_end().lines().count(),
            1,
            "{}",
            stderr(&output)
        );
        // A server that refuses the credentials says so too.
        if env.backend != crate::support::Backend::Sqlite {
            let refused = match env.backend {
                crate::support::Backend::Postgres => "postgres://nobody@127.0.0.1:5432/test",
                _ => "mysql://nobody@127.0.0.1:3306/test",
            };
            std::fs::write(
                env.root().join("refused.toml"),
                format!("[database]\nurl = \"{refused}\"\n"),
            )
            .unwrap();
            let output = env.cli_with("refused.toml", &["run", "spool/cohorts.csv"]);
            assert_eq!(code(&output), 4);
            assert!(
                stderr(&output).contains("the server refused: "),
                "{}",
                stderr(&output)
            );
        }
        // A database without Moodle's tables under the prefix.
        std::fs::write(
            env.root().join("prefix.toml"),
            format!("[database]\nurl = \"{}\"\nprefix = \"nope_\"\n", env.url),
        )
        .unwrap();
        let output = env.cli_with("prefix.toml", &["run", "spool/cohorts.csv"]);
        assert_eq!(code(&output), 4);
        assert!(
            stderr(&output).contains("has no nope_config table"),
            "{}",
            stderr(&output)
        );
        assert!(env.config.paths.spool.join("cohorts.csv").exists());
    }
);

/// Runs the binary in `env` with its standard output a pipe closed before it writes, as
/// `moodle-sync status | head -0` leaves it.
fn with_stdout_closed(env: &crate::support::TestEnv, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_moodle-sync"))
        .current_dir(env.root())
        .arg("--config")
        .arg(env.root().join("moodle-sync.toml"))
        .args(args)
        .env_remove("MOODLE_SYNC_DATABASE_URL")
        .env("MOODLE_SYNC_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

dbtest!(a_closed_pipe_ends_the_printing_never_the_command, |env| {
    env.add_users(&["u1"]).await;
    env.drop_file("cohorts_pipe.csv", b"cidnumber;userid\nC1;u1\nC1;ghost\n");
    let output = with_stdout_closed(&env, &["status"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
    // `run` applies its file and exits with its own code (1: a line failed).
    let output = with_stdout_closed(&env, &["run", "spool/cohorts_pipe.csv"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
    assert_eq!(env.members("C1").await, ["u1"]);
    assert_eq!(env.files(&env.config.paths.archive).len(), 1);
});

dbtest!(a_file_that_is_not_text_is_rejected_as_such, |env| {
    let bytes = crate::support::fixture("cohorts_saved_as_xlsx.csv");
    env.drop_file("cohorts_saved_as_xlsx.csv", &bytes);
    let output = env.cli(&["run", "spool/cohorts_saved_as_xlsx.csv"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    let shown = stdout(&output);
    assert!(
        shown.contains("rejected: the file is not text: it is a ZIP archive, as an Excel (.xlsx)"),
        "{shown}"
    );
    assert!(!shown.contains("unknown column"), "{shown}");
});

dbtest!(the_database_url_can_come_from_the_environment, |env| {
    env.add_users(&["u1"]).await;
    env.drop_file("cohorts.csv", b"cidnumber;userid\nC1;u1\n");
    std::fs::write(
        env.root().join("nourl.toml"),
        "[database]\nurl = \"sqlite:missing.sqlite\"\n",
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_moodle-sync"))
        .current_dir(env.root())
        .args(["--config", "nourl.toml", "run", "spool/cohorts.csv"])
        .env("MOODLE_SYNC_DATABASE_URL", &env.url)
        .env("MOODLE_SYNC_LOG", "warn")
        .output()
        .unwrap();
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(env.members("C1").await, ["u1"]);
    assert!(!env.root().join("missing.sqlite").exists());
});

dbtest!(
    init_checks_a_server_database_and_never_adds_demo_data_to_it,
    |env| {
        let output = env.cli(&["init"]);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        let output = env.cli(&["init", "--demo"]);
        match env.backend {
            crate::support::Backend::Sqlite => assert_eq!(code(&output), 0, "{}", stderr(&output)),
            _ => {
                assert_eq!(code(&output), 3);
                assert!(
                    stderr(&output)
                        .contains("only adds demonstration data to the embedded SQLite database")
                );
                assert_eq!(env.count("SELECT COUNT(*) FROM {user}").await, 2);
            }
        }
    }
);

#[test]
fn the_readme_flow_works_without_any_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let output = bare(root, &["run", "spool/cohorts_demo.csv"]);
    assert_eq!(code(&output), 4, "no database yet");
    assert!(
        stderr(&output).contains("run `moodle-sync init` to create it"),
        "{}",
        stderr(&output)
    );

    let output = bare(root, &["init", "--demo"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    for folder in ["spool", "archive", "reports"] {
        assert!(root.join(folder).is_dir(), "{folder}");
    }
    assert!(root.join("moodle.sqlite").is_file());
    let demo = std::fs::read(root.join("spool/cohorts_demo.csv")).unwrap();
    assert_eq!(demo, moodle_sync::app::DEMO_FILE);

    let output = bare(root, &["run", "--dry-run", "spool/cohorts_demo.csv"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let output = bare(root, &["run", "spool/cohorts_demo.csv"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(
        stdout(&output)
            .starts_with("cohorts_demo.csv: 6 lines: 5 changed, 1 failed; 1 cohort created, 1 deleted; 2 members removed, 3 added\n"),
        "{}",
        stdout(&output)
    );
    assert!(!root.join("spool/cohorts_demo.csv").exists());
    let trybacks: Vec<_> = std::fs::read_dir(root.join("reports"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with("cohorts_demo_tryback_")
        })
        .collect();
    assert_eq!(trybacks.len(), 1);
    assert_eq!(
        std::fs::read(trybacks[0].path()).unwrap(),
        b"cmd;cidnumber;cname;cdescription;userid\nadd;COH54;;;user999\n"
    );

    // The binding demonstration, run next, binds four cohorts and enrols their members.
    let demo = std::fs::read(root.join("spool/cohortscourses_demo.csv")).unwrap();
    assert_eq!(demo, moodle_sync::app::DEMO_BINDINGS_FILE);
    let output = bare(root, &["run", "spool/cohortscourses_demo.csv"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(
        stdout(&output)
            .starts_with("cohortscourses_demo.csv: 4 lines: 4 changed; 4 bindings created; 2 course groups created; 10 enrolments created; 10 roles assigned; 6 group members added\n"),
        "{}",
        stdout(&output)
    );
    let report = std::fs::read_dir(root.join("reports"))
        .unwrap()
        .filter_map(Result::ok)
        .find(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .ends_with("_cohortscourses_demo.csv.report.json")
        })
        .unwrap();
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report.path()).unwrap()).unwrap();
    // COH54 (user1, user100, user101) in two courses, COH1 (3 members) and COH32 (1).
    assert_eq!(report["totals"]["bindings_created"], 4);
    assert_eq!(report["totals"]["groups_created"], 2);
    assert_eq!(report["totals"]["enrolments_created"], 10);
    assert_eq!(report["totals"]["roles_assigned"], 10);
    assert_eq!(report["totals"]["group_members_added"], 6);

    let output = bare(root, &["init", "--demo"]);
    assert_eq!(code(&output), 0);
    assert!(
        stdout(&output).contains("demonstration data already there"),
        "{}",
        stdout(&output)
    );
    assert!(
        !root.join("spool/cohorts_demo.csv").exists(),
        "a used demonstration is not dropped again"
    );
}

#[test]
fn paths_are_relative_to_the_configuration_file() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("moodledata/sync")).unwrap();
    std::fs::write(
        site.join("sync.toml"),
        "[paths]\nspool = \"moodledata/sync\"\narchive = \"done\"\nreports = \"logs/reports\"\n\
         [database]\nurl = \"sqlite:db/moodle.sqlite\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(site.join("db")).unwrap();
    // Run from another folder: every path follows the configuration file, not the current folder.
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let config = site.join("sync.toml");
    let config = config.to_str().unwrap();
    let output = bare(&elsewhere, &["--config", config, "init", "--demo"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(site.join("db/moodle.sqlite").is_file());
    assert!(site.join("moodledata/sync/cohorts_demo.csv").is_file());
    let demo = site.join("moodledata/sync/cohorts_demo.csv");
    let output = bare(
        &elsewhere,
        &["--config", config, "run", demo.to_str().unwrap()],
    );
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert_eq!(std::fs::read_dir(site.join("done")).unwrap().count(), 1);
    assert_eq!(
        std::fs::read_dir(site.join("logs/reports"))
            .unwrap()
            .count(),
        3
    );
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

#[test]
fn help_and_version_exit_zero() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&bare(dir.path(), &["--help"])), 0);
    assert_eq!(code(&bare(dir.path(), &["--version"])), 0);
}
