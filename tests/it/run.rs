//! A run as a whole: what it leaves on disk (report, tryback, archive), a simulation that
//! changes nothing, files refused as a whole, and atomicity when the database fails mid-file.

use sha2::{Digest, Sha256};

use crate::{dbtest, support::TestEnv};

const FILE: &[u8] = "cmd;cidnumber;cname;userid\r\n\
# new cohort with a member\r\n\
add;NEW;Nouvelle;u1\r\n\
add;NEW;;ghost\r\n\
del;OLD;;u2\r\n\
free;NOPE;;\r\n\
del;GONE;;\r\n"
    .as_bytes();

async fn setup(env: &TestEnv) {
    env.add_users(&["u1", "u2"]).await;
    env.add_cohort("OLD", "Old").await;
    env.add_cohort("GONE", "Gone").await;
    env.add_members("OLD", &["u1", "u2"]).await;
    env.add_members("GONE", &["u1"]).await;
}

dbtest!(a_run_archives_reports_and_writes_the_tryback, |env| {
    setup(&env).await;
    let summary = env.run("cohorts.csv", FILE).await;
    assert_eq!(summary.exit_code(), 1);
    assert_eq!(env.cohort_idnumbers().await, ["NEW", "OLD"]);
    assert_eq!(
        env.memberships().await,
        [
            ("NEW".to_owned(), "u1".to_owned()),
            ("OLD".into(), "u1".into())
        ]
    );

    // The input left the spool for the archive, byte for byte.
    assert!(env.files(&env.config.paths.spool).is_empty());
    let archive = summary.archive.clone().unwrap();
    assert_eq!(archive.parent().unwrap(), env.config.paths.archive);
    assert!(
        archive
            .file_name()
            .unwrap()
            .to_string_lossy()
            .ends_with("_cohorts.csv")
    );
    assert_eq!(std::fs::read(&archive).unwrap(), FILE);

    // The tryback: the header and exactly the two failed lines, CRLF kept.
    let tryback = summary.tryback.clone().unwrap();
    let name = tryback.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("cohorts_tryback_") && name.ends_with(".csv"),
        "{name}"
    );
    assert_eq!(
        std::fs::read(&tryback).unwrap(),
        b"cmd;cidnumber;cname;userid\r\nadd;NEW;;ghost\r\nfree;NOPE;;\r\n"
    );

    // The JSON report: the input, the settings, one entry per data line, totals, duration.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&summary.report_json).unwrap()).unwrap();
    assert_eq!(report["simulation"], false);
    assert_eq!(report["status"], "partial");
    assert_eq!(report["exit_code"], 1);
    assert_eq!(report["input"]["name"], "cohorts.csv");
    assert_eq!(report["input"]["size"], FILE.len());
    let sha256: String = Sha256::digest(FILE)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    assert_eq!(report["input"]["sha256"], sha256);
    assert_eq!(report["settings"]["cohort_identifier"], "idnumber");
    assert_eq!(report["format"]["line_ending"], "crlf");
    assert!(report["duration_ms"].is_u64());
    let lines: Vec<(u64, &str)> = report["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            (
                line["line"].as_u64().unwrap(),
                line["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (3, "changed"),
            (4, "failed"),
            (5, "changed"),
            (6, "failed"),
            (7, "changed")
        ]
    );
    let failed = &report["lines"][1]["error"];
    assert_eq!(failed["column"], "userid");
    assert_eq!(failed["value"], "ghost");
    assert_eq!(report["totals"]["members_added"], 1);
    assert_eq!(report["totals"]["members_removed"], 2);
    assert_eq!(report["totals"]["cohorts_deleted"], 1);

    // The text report says the same, for people.
    let text = std::fs::read_to_string(&summary.report).unwrap();
    for expected in [
        "moodle-sync report: cohorts file cohorts.csv",
        "Result      2 of 5 lines failed; they are in the tryback (exit code 1)",
        &format!("SHA-256     {sha256}"),
        &format!("Size        {} bytes", FILE.len()),
        "   4  failed     add      NEW     ghost  column userid: unknown user \"ghost\"",
        "   6  failed     free     NOPE           column cidnumber: cohort \"NOPE\" not found (matched by idnumber)",
        "lines     5 read: 3 changed, 0 unchanged, 2 failed",
        "members   1 added, 2 removed",
        "End of report",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(text.contains("Duration    "), "{text}");
});

dbtest!(a_fixed_tryback_dropped_again_applies, |env| {
    setup(&env).await;
    let summary = env.run("cohorts.csv", FILE).await;
    let tryback = std::fs::read(summary.tryback.unwrap()).unwrap();
    env.add_user("ghost", "ghost", "ghost@example.com").await;
    env.add_cohort("NOPE", "Nope").await;
    let summary = env.run("cohorts_tryback_fixed.csv", &tryback).await;
    assert_eq!(summary.exit_code(), 0);
    assert_eq!(env.members("NEW").await, ["ghost", "u1"]);
});

dbtest!(
    a_tryback_dropped_again_reports_the_lines_of_the_original_file,
    |env| {
        setup(&env).await;
        let first = env.run("cohorts.csv", FILE).await;
        let tryback_path = first.tryback.unwrap();
        let tryback_name = tryback_path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let tryback = std::fs::read(&tryback_path).unwrap();
        // One of its two lines fixed by creating the user; the other still fails.
        env.add_user("ghost", "ghost", "ghost@example.com").await;
        let second = env.run(&tryback_name, &tryback).await;
        assert_eq!(second.exit_code(), 1);
        let text = std::fs::read_to_string(&second.report).unwrap();
        let failed = text
        .find("1 line failed (fix it and try again: see Next step at the end)\n- line 3 (line 6 of cohorts.csv), column cidnumber, value \"NOPE\": cohort \"NOPE\" not found (matched by idnumber)\n")
        .unwrap_or_else(|| panic!("{text}"));
        assert!(
            failed < text.find("Input ").unwrap(),
            "what needs doing comes first:\n{text}"
        );
        assert!(text.contains("(line 4 of cohorts.csv) added"), "{text}");
        let next = second.tryback.as_ref().unwrap().display().to_string();
        assert!(
            text.contains(&format!("Next step\nFix the 1 failed line in {next}")),
            "{text}"
        );
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&second.report_json).unwrap()).unwrap();
        assert_eq!(report["original_file"], "cohorts.csv");
        assert_eq!(report["lines"][0]["original_line"], 4);
        assert_eq!(report["lines"][1]["original_line"], 6);
        assert!(
            report["next_step"]
                .as_str()
                .unwrap()
                .contains("moodle-sync retry")
        );
        // The tryback of the tryback still names the first file's line.
        let third_name = second
            .tryback
            .as_ref()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let third = env
            .run(
                &third_name,
                &std::fs::read(second.tryback.as_ref().unwrap()).unwrap(),
            )
            .await;
        let text = std::fs::read_to_string(&third.report).unwrap();
        assert!(
            text.contains("- line 2 (line 6 of cohorts.csv), column cidnumber"),
            "{text}"
        );
    }
);

dbtest!(a_dry_run_changes_nothing, |env| {
    setup(&env).await;
    let cohorts = env.cohorts().await;
    let memberships = env.memberships().await;
    let path = env.drop_file("cohorts.csv", FILE);
    let summary = env.dry_run("cohorts.csv", FILE).await;
    assert_eq!(
        summary.exit_code(),
        1,
        "a simulation reports the exit code a real run would have"
    );
    assert_eq!(env.cohorts().await, cohorts);
    assert_eq!(env.memberships().await, memberships);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        FILE,
        "the input stays in place, untouched"
    );
    assert!(env.files(&env.config.paths.archive).is_empty());
    assert!(summary.tryback.is_none() && summary.archive.is_none());
    let reports = env.files(&env.config.paths.reports);
    assert_eq!(reports.len(), 2, "{reports:?}");
    let text = std::fs::read_to_string(&summary.report).unwrap();
    assert!(
        text.contains("SIMULATION (--dry-run): nothing was written"),
        "{text}"
    );
    assert!(
        text.contains("would create cohort \"Nouvelle\" [NEW]"),
        "{text}"
    );
    assert!(
        text.contains("would delete cohort \"Gone\" [GONE] and 1 membership"),
        "{text}"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&summary.report_json).unwrap()).unwrap();
    assert_eq!(report["simulation"], true);

    // The real run afterwards does what the simulation said.
    let real = env.run("cohorts.csv", FILE).await;
    let simulated: serde_json::Value = report["totals"].clone();
    let applied: serde_json::Value =
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(&real.report_json).unwrap())
            .unwrap()["totals"]
            .clone();
    assert_eq!(simulated, applied);
});

dbtest!(names_are_never_reused, |env| {
    setup(&env).await;
    // Every name the next runs could choose without a suffix is taken for the next minute.
    let now = chrono::Local::now();
    let mut taken = Vec::new();
    for second in 0..60 {
        let stamp = moodle_sync::output::naming::stamp(&(now + chrono::Duration::seconds(second)));
        for (dir, name) in [
            (&env.config.paths.archive, format!("{stamp}_cohorts.csv")),
            (
                &env.config.paths.reports,
                format!("{stamp}_cohorts.csv.report.txt"),
            ),
            (
                &env.config.paths.reports,
                format!("{stamp}_cohorts.csv.report.json"),
            ),
            (
                &env.config.paths.reports,
                format!("cohorts_tryback_{stamp}.csv"),
            ),
        ] {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(dir.join(&name), b"taken").unwrap();
            taken.push(dir.join(name));
        }
    }
    let runs: [&[u8]; 3] = [
        b"cidnumber;userid\nOLD;u1\n",
        b"cidnumber;userid\nOLD;u2\n",
        b"cidnumber;userid\nOLD;ghost\n",
    ];
    let mut outputs = Vec::new();
    for content in runs {
        let summary = env.run("cohorts.csv", content).await;
        let archive = summary.archive.clone().unwrap();
        assert_eq!(std::fs::read(&archive).unwrap(), content);
        outputs.extend([summary.report, summary.report_json, archive]);
        outputs.extend(summary.tryback);
    }
    for path in &taken {
        assert_eq!(
            std::fs::read(path).unwrap(),
            b"taken",
            "{} was overwritten",
            path.display()
        );
    }
    assert_eq!(outputs.len(), 10);
    for path in &outputs {
        assert!(
            !taken.contains(path),
            "{} reused a taken name",
            path.display()
        );
        let name = path.file_name().unwrap().to_string_lossy();
        assert!(
            name.contains('-') && name.matches('-').count() >= 2,
            "{name} has no suffix"
        );
    }
    let unique: std::collections::HashSet<_> = outputs.iter().collect();
    assert_eq!(unique.len(), outputs.len(), "two runs shared a name");
    assert!(
        env.files(&env.config.paths.reports)
            .iter()
            .all(|name| !name.ends_with(".tmp"))
    );
});

#[cfg(target_os = "linux")]
dbtest!(
    an_output_failing_after_the_commit_is_reported_and_ends_with_code_5,
    |env| {
        // /proc accepts no new file, even from root: archiving into it fails after the commit.
        let env = TestEnv::with_config(env.backend, "[paths]\narchive = \"/proc/self/fdinfo\"\n")
            .await
            .unwrap();
        setup(&env).await;
        let bytes = b"cidnumber;userid\nOLD;u1\nNEW;u2\nNEW;ghost\n";
        let path = env.drop_file("cohorts.csv", bytes);
        let summary =
            moodle_sync::pipeline::run_file(&env.config, &env.db, &path, Default::default())
                .await
                .unwrap();
        assert_eq!(summary.exit_code(), 5);
        assert!(summary.archive.is_none());
        assert_eq!(summary.problems.len(), 1);
        assert!(
            summary.problems[0].starts_with("cannot archive the input into /proc/self/fdinfo"),
            "{:?}",
            summary.problems
        );
        // The database changes stand, the input stays, the tryback and the report are written.
        assert_eq!(env.members("NEW").await, ["u2"]);
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
        assert_eq!(
            std::fs::read(summary.tryback.unwrap()).unwrap(),
            b"cidnumber;userid\nNEW;ghost\n"
        );
        let text = std::fs::read_to_string(&summary.report).unwrap();
        assert!(text.contains("file applied, but some outputs could not be written: see Problems below (exit code 5)"), "{text}");
        assert!(text.contains("Problems (the file was applied; these outputs are missing)\n- cannot archive the input"), "{text}");
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&summary.report_json).unwrap()).unwrap();
        assert_eq!(report["exit_code"], 5);
        assert_eq!(report["status"], "partial");
    }
);

dbtest!(a_nul_byte_fails_its_line_on_every_backend, |env| {
    // PostgreSQL refuses U+0000 in text: without a line error it would roll back the file.
    setup(&env).await;
    let summary = env
        .run(
            "cohorts.csv",
            b"cidnumber;cname;userid\nA;\"Al\x00pha\";u1\nB;Beta;u1\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 1, "{:?}", summary.error);
    assert_eq!(env.members("B").await, ["u1"]);
    assert!(!env.cohort_idnumbers().await.contains(&"A".to_owned()));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&summary.report_json).unwrap()).unwrap();
    assert_eq!(report["lines"][0]["error"]["column"], "cname");
    assert_eq!(report["lines"][0]["error"]["value"], "Al\\0pha");
});

dbtest!(a_file_refused_as_a_whole_is_kept_and_reported, |env| {
    setup(&env).await;
    let before = env.memberships().await;
    let bytes = b"cmd;cidnumbr;userid\ndel;OLD;\n";
    let summary = env.run("cohorts.csv", bytes).await;
    assert_eq!(summary.exit_code(), 2);
    let error = summary.error.clone().unwrap();
    assert!(
        error.contains("unknown column \"cidnumbr\" (column 2; did you mean \"cidnumber\"?)"),
        "{error}"
    );
    assert!(
        error.contains("known columns are cmd, cid, cname, cidnumber"),
        "{error}"
    );
    assert_eq!(
        std::fs::read(env.config.paths.spool.join("cohorts.csv")).unwrap(),
        bytes
    );
    assert!(env.files(&env.config.paths.archive).is_empty());
    assert!(summary.tryback.is_none());
    assert_eq!(env.memberships().await, before);
    let text = std::fs::read_to_string(&summary.report).unwrap();
    assert!(
        text.contains("Result      file rejected, nothing applied (exit code 2)"),
        "{text}"
    );

    for (content, reason) in [
        (&b""[..], "no header line"),
        (b"# only comments\n\n", "no header line"),
        (b"cidnumber\n\"open\n", "never closed"),
    ] {
        let summary = env.run("cohorts.csv", content).await;
        assert_eq!(summary.exit_code(), 2);
        assert!(
            summary.error.as_deref().unwrap().contains(reason),
            "{:?}",
            summary.error
        );
    }
});

dbtest!(a_file_over_the_size_limit_is_refused, |env| {
    let env = TestEnv::with_config(env.backend, "[input]\nmax_file_size_mb = 1\n")
        .await
        .unwrap();
    let mut bytes = b"cidnumber;cname\n".to_vec();
    while bytes.len() <= 1024 * 1024 {
        bytes.extend_from_slice(b"C1;A cohort name that takes some room\n");
    }
    let summary = env.run("cohorts.csv", &bytes).await;
    assert_eq!(summary.exit_code(), 2);
    assert!(summary.error.unwrap().contains("max_file_size_mb"));
    assert!(env.cohorts().await.is_empty());
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&summary.report_json).unwrap()).unwrap();
    assert_eq!(report["input"]["size"], bytes.len());
    assert!(
        report["input"]["sha256"].is_null(),
        "a file not read has no checksum"
    );
});

dbtest!(a_database_error_mid_file_rolls_the_whole_file_back, |env| {
    setup(&env).await;
    // Moodle allows two cohorts with one name; this unique index, unknown to moodle-sync,
    // makes the database refuse the fourth line after three lines were written.
    env.execute("CREATE UNIQUE INDEX test_unique_name ON {cohort} (name)")
        .await;
    let cohorts = env.cohorts().await;
    let memberships = env.memberships().await;
    let bytes = b"cmd;cidnumber;cname;userid\nadd;A;Alpha;u1\ndel;OLD;;u2\nadd;B;Beta;u2\nadd;C;Old;u1\nadd;D;Delta;u1\n";
    let path = env.drop_file("cohorts.csv", bytes);
    let summary = moodle_sync::pipeline::run_file(&env.config, &env.db, &path, Default::default())
        .await
        .unwrap();
    assert_eq!(summary.exit_code(), 4);
    assert!(
        summary
            .error
            .as_deref()
            .unwrap()
            .starts_with("database error while"),
        "{:?}",
        summary.error
    );
    assert_eq!(
        env.cohorts().await,
        cohorts,
        "no cohort of the file remains"
    );
    assert_eq!(
        env.memberships().await,
        memberships,
        "no membership change remains"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the input stays in the spool"
    );
    assert!(env.files(&env.config.paths.archive).is_empty());
    let text = std::fs::read_to_string(&summary.report).unwrap();
    assert!(
        text.contains("database error, every change of this file rolled back (exit code 4)"),
        "{text}"
    );

    // The same connection pool goes on working: once the obstacle is gone, the file applies.
    env.execute(match env.backend {
        crate::support::Backend::Mariadb => "DROP INDEX test_unique_name ON {cohort}",
        _ => "DROP INDEX test_unique_name",
    })
    .await;
    let summary = moodle_sync::pipeline::run_file(&env.config, &env.db, &path, Default::default())
        .await
        .unwrap();
    assert_eq!(summary.exit_code(), 0);
    assert_eq!(
        env.cohort_idnumbers().await,
        ["A", "B", "C", "D", "GONE", "OLD"]
    );
});

dbtest!(a_ledger_of_an_earlier_version_gets_its_new_columns, |env| {
    // The ledger as the first versions created it, without the columns added since.
    env.db.ensure_ledger().await.unwrap();
    env.execute("ALTER TABLE {moodlesync_ledger} DROP COLUMN summary")
        .await;
    env.execute("ALTER TABLE {moodlesync_ledger} DROP COLUMN ofrun")
        .await;
    env.add_users(&["u1"]).await;
    env.drop_file("cohorts.csv", b"cidnumber;userid\nC1;u1\n");
    let output = env.cli(&["run", "spool/cohorts.csv"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        env.rows("SELECT outcome, summary, ofrun FROM {moodlesync_ledger}")
            .await,
        [[
            "success",
            "1 line: 1 changed; 1 cohort created; 1 member added",
            "NULL"
        ]]
    );
    // Every later start finds the columns there.
    env.db.ensure_ledger().await.unwrap();
    let output = env.cli(&["status"]);
    assert!(output.status.success());
});
