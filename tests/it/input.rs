//! Reading files: encodings, BOM, line endings, delimiters and quoting. Each fixture in
//! `tests/data/` creates one cohort with accented text and has one failing line: the text
//! must reach the database as UTF-8, accents intact, and the tryback must hold the header and
//! the failed record byte for byte, in the input's own encoding and line endings.

use crate::{
    dbtest,
    support::{TestEnv, fixture},
};

/// The header and the failed record, cut from the fixture by hand.
fn expected_tryback(bytes: &[u8], failed_lines: std::ops::Range<usize>) -> Vec<u8> {
    let lines: Vec<&[u8]> = bytes.split_inclusive(|&byte| byte == b'\n').collect();
    let mut out = lines[0].to_vec();
    for line in &lines[failed_lines] {
        out.extend_from_slice(line);
    }
    out
}

async fn check(
    env: &TestEnv,
    name: &str,
    cname: &str,
    description: &str,
    failed_lines: std::ops::Range<usize>,
) {
    env.add_users(&["u1"]).await;
    let bytes = fixture(name);
    let summary = env.run(&format!("cohorts_{name}"), &bytes).await;
    assert_eq!(summary.exit_code(), 1, "{name}: {:?}", summary.error);
    let cohorts = env.cohorts().await;
    assert_eq!(cohorts.len(), 1, "{name}");
    assert_eq!(cohorts[0][1], cname, "{name}");
    assert_eq!(cohorts[0][2], description, "{name}");
    assert_eq!(env.members("CAP-1").await, ["u1"], "{name}");
    let tryback = std::fs::read(summary.tryback.as_ref().unwrap()).unwrap();
    assert_eq!(
        tryback,
        expected_tryback(&bytes, failed_lines),
        "{name}: tryback bytes"
    );
    let archived = std::fs::read(summary.archive.as_ref().unwrap()).unwrap();
    assert_eq!(archived, bytes, "{name}: archive bytes");
}

dbtest!(utf8, |env| {
    check(
        &env,
        "utf8.csv",
        "Électricité – 1ère année",
        "Apprentis « BP » été",
        2..3,
    )
    .await;
});

dbtest!(utf8_with_bom_and_crlf, |env| {
    check(
        &env,
        "utf8-bom-crlf.csv",
        "Électricité – 1ère année",
        "Apprentis « BP » été",
        2..3,
    )
    .await;
    let report = std::fs::read_to_string(
        env.files(&env.config.paths.reports)
            .iter()
            .find(|name| name.ends_with(".txt"))
            .map(|name| env.config.paths.reports.join(name))
            .unwrap(),
    )
    .unwrap();
    assert!(
        report.contains("Read as     UTF-8 with BOM, delimiter ';' (detected), CRLF line endings"),
        "{report}"
    );
});

dbtest!(iso_8859_1_detected, |env| {
    check(
        &env,
        "latin1.csv",
        "Électricité 1ère année",
        "Apprentis été",
        2..3,
    )
    .await;
});

dbtest!(iso_8859_1_with_crlf, |env| {
    check(
        &env,
        "latin1-crlf.csv",
        "Électricité 1ère année",
        "Apprentis été",
        2..3,
    )
    .await;
});

dbtest!(iso_8859_1_configured, |env| {
    let env = TestEnv::with_config(env.backend, "[input]\nencoding = \"iso-8859-1\"\n")
        .await
        .unwrap();
    check(
        &env,
        "latin1-crlf.csv",
        "Électricité 1ère année",
        "Apprentis été",
        2..3,
    )
    .await;
});

dbtest!(configured_delimiters, |env| {
    for (delimiter, file, cname) in [
        (",", "comma.csv", "Électricité, 1ère année"),
        ("tab", "tab.csv", "Électricité; 1ère année"),
        (";", "utf8.csv", "Électricité – 1ère année"),
    ] {
        let env = TestEnv::with_config(
            env.backend,
            &format!("[input]\ndelimiter = \"{delimiter}\"\n"),
        )
        .await
        .unwrap();
        env.add_users(&["u1"]).await;
        let summary = env.run("cohorts.csv", &fixture(file)).await;
        assert_eq!(summary.exit_code(), 1, "{delimiter}");
        assert_eq!(env.cohorts().await[0][1], cname, "{delimiter}");
    }
});

dbtest!(windows_1252_configured, |env| {
    let env = TestEnv::with_config(env.backend, "[input]\nencoding = \"windows-1252\"\n")
        .await
        .unwrap();
    check(
        &env,
        "windows-1252.csv",
        "Électricité – 1ère année",
        "L’atelier coûte 10 €",
        2..3,
    )
    .await;
});

dbtest!(comma_delimiter_with_quotes, |env| {
    check(
        &env,
        "comma.csv",
        "Électricité, 1ère année",
        "Il a dit \"bonjour\"",
        2..3,
    )
    .await;
});

dbtest!(tab_delimiter, |env| {
    check(&env, "tab.csv", "Électricité; 1ère année", "Tabulé", 2..3).await;
});

dbtest!(quoted_values_spanning_lines, |env| {
    check(
        &env,
        "quoted-multiline.csv",
        "Électricité; 1ère année",
        "Ligne 1\nLigne 2",
        3..5,
    )
    .await;
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            env.config.paths.reports.join(
                env.files(&env.config.paths.reports)
                    .iter()
                    .find(|name| name.ends_with(".json"))
                    .unwrap(),
            ),
        )
        .unwrap(),
    )
    .unwrap();
    let lines: Vec<u64> = report["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["line"].as_u64().unwrap())
        .collect();
    assert_eq!(
        lines,
        [2, 4],
        "records are numbered by the line they start on"
    );
});

dbtest!(utf8_only_refuses_latin1_and_keeps_the_file, |env| {
    let env = TestEnv::with_config(env.backend, "[input]\nencoding = \"utf-8\"\n")
        .await
        .unwrap();
    let bytes = fixture("latin1.csv");
    let summary = env.run("cohorts.csv", &bytes).await;
    assert_eq!(summary.exit_code(), 2);
    assert!(
        summary
            .error
            .as_deref()
            .unwrap()
            .contains("not valid UTF-8 (line 2"),
        "{:?}",
        summary.error
    );
    assert_eq!(
        std::fs::read(env.config.paths.spool.join("cohorts.csv")).unwrap(),
        bytes
    );
    assert!(env.cohorts().await.is_empty());
});

dbtest!(an_ambiguous_header_is_refused_not_guessed, |env| {
    let summary = env
        .run("cohorts.csv", b"cmd;cname,userid\nadd;A,u1\n")
        .await;
    assert_eq!(summary.exit_code(), 2);
    assert!(
        summary
            .error
            .as_deref()
            .unwrap()
            .contains("cannot tell the delimiter")
    );
    let env = TestEnv::with_config(env.backend, "[input]\ndelimiter = \";\"\n")
        .await
        .unwrap();
    env.add_users(&["u1"]).await;
    let summary = env
        .run("cohorts.csv", b"cmd;cname;userid\nadd;A,B;u1\n")
        .await;
    assert_eq!(
        summary.exit_code(),
        1,
        "cname is not the key column: the line fails on its empty key"
    );
});

dbtest!(comments_blank_lines_and_spaces_after_separators, |env| {
    env.add_users(&["u1", "-u2"]).await;
    let summary = env
        .run("cohorts.csv", b"# export\n\ncname; cidnumber; userid\n# a comment\nCohorte 1; COH1; u1\n\n;;\nCohorte 1; COH1; -u2\n")
        .await;
    assert_eq!(summary.exit_code(), 0);
    assert_eq!(
        env.members("COH1").await,
        ["-u2", "u1"],
        "a line starting with '-' is data"
    );
    let totals = summary.totals.unwrap();
    assert_eq!(totals.lines, 2);
});
