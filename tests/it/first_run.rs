//! A newcomer's first steps: the repository ships nothing a service would take for a command
//! file, README's examples work on `init --demo`, `init` names the right next step, and the
//! documented systemd unit is valid. `init --demo` only ever fills the embedded SQLite
//! database, so these run on SQLite alone.

use std::{
    fs,
    path::Path,
    process::{Command, Output},
};

use crate::{
    dbtest,
    support::{Watcher, bare},
};

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The first fenced block after the heading `heading` of a Markdown text.
fn example_after(text: &str, heading: &str) -> String {
    let section = &text[text
        .find(heading)
        .unwrap_or_else(|| panic!("README has no {heading}"))..];
    let start = section.find("```\n").expect("a code block") + 4;
    let end = start + section[start..].find("```").expect("its end");
    section[start..end].to_owned()
}

/// Whether a required tool is missing where tests may skip (plain `cargo test` on a machine
/// without it); under `.ci/run` (`MOODLE_SYNC_TEST_BACKENDS` set) a missing tool fails.
fn missing(tool: &str) -> bool {
    let found = Command::new(tool).arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("MOODLE_SYNC_TEST_BACKENDS").is_none(),
            "{tool} is needed by this test"
        );
        eprintln!("note: {tool} not found; test skipped");
    }
    !found
}

#[test]
fn the_repository_ships_no_file_in_the_runtime_folders() {
    if missing("git") {
        return;
    }
    let listed = Command::new("git")
        .current_dir(repository())
        .args([
            "ls-files", "--", "spool", "archive", "reports", "failed", "held", "logs", "state",
        ])
        .output()
        .unwrap();
    if !listed.status.success() {
        // Not a git checkout (a source archive): nothing is tracked at all.
        return;
    }
    assert_eq!(
        stdout(&listed),
        "",
        "tracked files in the folders the service lists or fills"
    );
}

#[tokio::test]
async fn readme_examples_work_on_init_demo() {
    let readme = fs::read_to_string(repository().join("README.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let init = bare(root, &["init", "--demo"]);
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    for (heading, name) in [
        ("## User files", "users_readme.csv"),
        ("## Cohort files", "cohorts_readme.csv"),
        ("## Binding files", "cohortscourses_readme.csv"),
        ("## Enrolment files", "enrols_readme.csv"),
    ] {
        let example = example_after(&readme, heading);
        fs::write(root.join(name), &example).unwrap();
        let run = bare(root, &["run", name]);
        assert_eq!(
            run.status.code(),
            Some(0),
            "README's example under {heading} does not apply on init --demo:\n{example}\n{}{}",
            stdout(&run),
            String::from_utf8_lossy(&run.stderr)
        );
    }
    // What the examples say they do is what the database holds.
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        root.join("moodle.sqlite").display()
    ))
    .await
    .unwrap();
    let auths: Vec<(String, String)> = sqlx::query_as(
        "SELECT username, auth FROM mdl_user WHERE username IN ('jdupont', 'lmartin') ORDER BY username",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(
        auths,
        [
            ("jdupont".into(), "manual".into()),
            ("lmartin".into(), "cas".into())
        ]
    );
    let usertypes: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM mdl_user_info_data d JOIN mdl_user_info_field f ON f.id = d.fieldid \
         WHERE f.shortname = 'netypareo_usertype' AND d.data = 'student'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(usertypes, 2);
    let members: Vec<String> = sqlx::query_scalar(
        "SELECT u.username FROM mdl_cohort_members m JOIN mdl_cohort c ON c.id = m.cohortid \
         JOIN mdl_user u ON u.id = m.userid WHERE c.idnumber = 'COH54' ORDER BY u.username",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(members, ["user1", "user100"]);
    let gone: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mdl_cohort WHERE idnumber = 'COH56'")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(gone, 0, "del;COH56 deletes the cohort");
    let bindings: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM mdl_enrol e JOIN mdl_cohort c ON c.id = e.customint1 \
         WHERE e.enrol = 'cohort' AND c.idnumber = 'COH54'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(bindings, 2);
    let enrolled: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT u.username, r.shortname, ue.timeend FROM mdl_user_enrolments ue \
         JOIN mdl_enrol e ON e.id = ue.enrolid AND e.enrol = 'manual' \
         JOIN mdl_course c ON c.id = e.courseid AND c.shortname = 'ELEC-MATHS' \
         JOIN mdl_user u ON u.id = ue.userid \
         JOIN mdl_context ctx ON ctx.contextlevel = 50 AND ctx.instanceid = c.id \
         JOIN mdl_role_assignments ra ON ra.userid = u.id AND ra.contextid = ctx.id \
         JOIN mdl_role r ON r.id = ra.roleid ORDER BY u.username",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(enrolled.len(), 2, "{enrolled:?}");
    assert_eq!(
        (enrolled[0].1.as_str(), enrolled[1].1.as_str()),
        ("student", "editingteacher"),
        "{enrolled:?}"
    );
    assert!(enrolled[0].2 > 0 && enrolled[1].2 == 0, "{enrolled:?}");
    let grouped: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM mdl_groups_members gm JOIN mdl_groups g ON g.id = gm.groupid \
         WHERE g.name = 'Groupe A'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(grouped, 1);
    db.close().await;
}

#[test]
fn init_names_the_service_as_the_next_step() {
    let dir = tempfile::tempdir().unwrap();
    let output = bare(dir.path(), &["init", "--demo"]);
    assert!(output.status.success());
    let shown = stdout(&output);
    assert!(
        shown.contains("next      moodle-sync watch   applies them 2 s after it starts"),
        "{shown}"
    );
    assert!(
        shown.contains("or one at a time: moodle-sync run --dry-run spool/cohorts_demo.csv"),
        "{shown}"
    );
}

dbtest!(init_says_a_running_service_takes_the_demonstration, |env| {
    if env.backend != crate::support::Backend::Sqlite {
        // `init --demo` refuses database servers.
        return;
    }
    let mut env = env;
    env.reconfigure("[watch]\nsettle_ms = 300\npoll_ms = 100\nreconcile_s = 1\n");
    let watcher = Watcher::start(&env).await;
    let output = env.cli(&["init", "--demo"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let shown = stdout(&output);
    assert!(
        shown.contains(&format!(
            "next      the moodle-sync process running ({}@",
            watcher.id()
        )),
        "{shown}"
    );
    let spool = env.config.paths.spool.clone();
    watcher
        .eventually(
            "the service to apply both demonstration files",
            async || {
                env.files(&spool).is_empty() && env.files(&env.config.paths.archive).len() == 2
            },
        )
        .await;
});

#[test]
fn the_documented_systemd_unit_verifies() {
    if missing("systemd-analyze") {
        return;
    }
    let guide = fs::read_to_string(repository().join("docs/watch.md")).unwrap();
    let start = guide.find("```ini\n").expect("docs/watch.md has the unit") + 7;
    let unit = &guide[start..start + guide[start..].find("```").unwrap()];
    assert!(
        unit.contains("ExecStart=/usr/local/bin/moodle-sync "),
        "{unit}"
    );
    // Where `cargo install --path . --root /usr/local` puts it; here, the binary just built.
    let unit = unit.replace(
        "/usr/local/bin/moodle-sync",
        env!("CARGO_BIN_EXE_moodle-sync"),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("moodle-sync.service");
    fs::write(&path, unit).unwrap();
    let verified = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        verified.status.success() && verified.stderr.is_empty(),
        "systemd-analyze verify: {}{}",
        stdout(&verified),
        String::from_utf8_lossy(&verified.stderr)
    );
}
