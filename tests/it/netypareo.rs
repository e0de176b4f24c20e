//! The NetYpareo module against its fake server (tests/data/netypareo): the bytes of each
//! export, both envelopes, the filters, retries, refusals, timeouts, the token's secrecy, the
//! concurrency cap, two instances, and the whole chain into the database through `watch`.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    process::Output,
    sync::Mutex,
    time::Duration,
};

use chrono::{DateTime, Local, TimeZone};
use moodle_sync::{
    config::Config,
    netypareo::{
        fake::{Failure, FakeOptions, FakeServer},
        pull::{Console, Destination, PullOutcome, pull},
        settings::Export,
    },
};
use tempfile::TempDir;

use crate::{
    dbtest,
    support::{TestEnv, Watcher, files},
};

/// The token the fake accepts, unless a test needs its own.
const TOKEN: &str = "test-token";

/// The exports' parts, in the order a pull writes them: (file kind prefix, part).
const PARTS: [(&str, &str); 7] = [
    ("cohorts", "sites"),
    ("users", "students"),
    ("users", "teachers"),
    ("users", "tutors"),
    ("cohorts", "site-members"),
    ("cohorts", "groups"),
    ("cohorts", "fcgroups"),
];

/// The moment of every in-process pull: file names and `netypareo_ouverage` depend on it.
fn now() -> DateTime<Local> {
    Local.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap()
}

/// The stamp of [`now`] in file names.
const STAMP: &str = "20261121-100000";

/// The fixture folder of the repository.
fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/netypareo")
}

/// The expected bytes of a part.
fn expected_path(name: &str) -> PathBuf {
    fixtures().join("expected").join(name)
}

/// Copies the fixtures (not the snapshots) into `to`, for a test that edits them.
fn copy_fixtures(to: &Path) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name();
            if entry.file_type().unwrap().is_dir() {
                if name != "expected" {
                    copy(&entry.path(), &to.join(&name));
                }
            } else if entry.path().extension().is_some_and(|ext| ext == "json") {
                std::fs::copy(entry.path(), to.join(&name)).unwrap();
            }
        }
    }
    copy(&fixtures(), to);
}

/// Edits a fixture (a JSON array) in a copied folder.
fn edit_fixture(data: &Path, name: &str, change: impl FnOnce(&mut Vec<serde_json::Value>)) {
    let path = data.join(name);
    let mut records: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    change(&mut records);
    std::fs::write(&path, serde_json::to_vec_pretty(&records).unwrap()).unwrap();
}

/// The learner of `code` in a learners' fixture.
fn learner(records: &mut [serde_json::Value], code: i64) -> &mut serde_json::Value {
    records
        .iter_mut()
        .find(|record| record["codeApprenant"] == code)
        .unwrap_or_else(|| panic!("no learner {code}"))
}

/// A fake serving `data` to [`TOKEN`].
async fn fake(data: &Path) -> FakeServer {
    FakeServer::start(FakeOptions::new(data, TOKEN))
        .await
        .unwrap()
}

/// An `[[netypareo.instances]]` table for the fake: the current period of the fixtures
/// (unless `extra` names the periods), retries 10 ms apart, then `extra`.
fn instance_toml(name: &str, index: u32, server: &FakeServer, extra: &str) -> String {
    let periods = if extra.contains("periods =") {
        ""
    } else {
        "periods = [\"17\"]\n"
    };
    format!(
        "[[netypareo.instances]]\nname = \"{name}\"\nindex = {index}\nbase_url = \"{}\"\n\
         token = \"{TOKEN}\"\n{periods}retry_base_ms = 10\n{extra}\n",
        server.base_url()
    )
}

/// A configuration in `dir` (written there as moodle-sync.toml, for the binary too) holding
/// `toml` and the settings every test wants; no database (pulls need none).
fn config(dir: &Path, toml: &str) -> Config {
    let text = format!("[users]\ncreate_profile_fields = true\n{toml}\n");
    std::fs::write(dir.join("moodle-sync.toml"), &text).unwrap();
    Config::from_file(
        Config::parse(&text).unwrap(),
        dir,
        Some(dir.join("moodle-sync.toml")),
    )
    .unwrap()
}

/// Where a pull of `config` writes.
fn destination(config: &Config) -> Destination {
    config.netypareo_destination().unwrap()
}

/// Pulls `exports` (all when empty) of the configuration's first instance at [`now`];
/// returns the outcome and the console's lines.
async fn pull_first(config: &Config, exports: &[Export]) -> (PullOutcome, Vec<String>) {
    pull_at(config, 0, exports, now()).await
}

/// Pulls `exports` (all when empty) of the `position`-th instance at `at`.
async fn pull_at(
    config: &Config,
    position: usize,
    exports: &[Export],
    at: DateTime<Local>,
) -> (PullOutcome, Vec<String>) {
    let lines = Mutex::new(Vec::new());
    let sink = |line: &str| lines.lock().unwrap().push(line.to_owned());
    let console = Console::new(&sink);
    let exports = if exports.is_empty() {
        Export::ALL.to_vec()
    } else {
        exports.to_vec()
    };
    let outcome = pull(
        &config.netypareo[position],
        &exports,
        &destination(config),
        at,
        &console,
    )
    .await;
    drop(console);
    (outcome, lines.into_inner().unwrap())
}

/// The errors of an outcome, as text.
fn errors(outcome: &PullOutcome) -> Vec<String> {
    outcome
        .exports
        .iter()
        .flat_map(|export| export.errors.iter().map(ToString::to_string))
        .collect()
}

/// The name a part of `slug`'s pull at [`now`] gets.
fn part_name(kind: &str, slug: &str, part: &str) -> String {
    format!("{kind}_netypareo_{slug}_{part}_{STAMP}.csv")
}

/// The bytes of a part in the spool.
fn part(config: &Config, slug: &str, part: &str) -> Vec<u8> {
    let (kind, _) = PARTS
        .iter()
        .find(|(_, name)| *name == part)
        .unwrap_or_else(|| panic!("no part {part}"));
    let path = config.paths.spool.join(part_name(kind, slug, part));
    std::fs::read(&path).unwrap_or_else(|error| {
        panic!(
            "{}: {error}; the spool holds {:?}",
            path.display(),
            files(&config.paths.spool)
        )
    })
}

/// The text of a part.
fn part_text(config: &Config, slug: &str, name: &str) -> String {
    String::from_utf8(part(config, slug, name)).unwrap()
}

/// Column `column` (by header name) of every row of a `;`-separated file without quoting
/// (after the comment naming the pull).
fn column(text: &str, column: &str) -> Vec<String> {
    let mut lines = text.lines().filter(|line| !line.starts_with('#'));
    let header: Vec<&str> = lines.next().unwrap().split(';').collect();
    let index = header
        .iter()
        .position(|name| *name == column)
        .unwrap_or_else(|| panic!("no column {column} in {header:?}"));
    lines
        .map(|line| line.split(';').nth(index).unwrap().to_owned())
        .collect()
}

/// Compares bytes with a snapshot under tests/data/netypareo/expected; with
/// `MOODLE_SYNC_UPDATE_SNAPSHOTS=1`, writes the snapshot instead.
fn assert_snapshot(name: &str, actual: &[u8]) {
    let path = expected_path(name);
    if std::env::var("MOODLE_SYNC_UPDATE_SNAPSHOTS").is_ok_and(|value| value == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected =
        std::fs::read(&path).unwrap_or_else(|error| panic!("snapshot {}: {error}", path.display()));
    assert!(
        expected == actual,
        "{name} differs from its snapshot {}\n--- expected\n{}\n--- actual\n{}",
        path.display(),
        String::from_utf8_lossy(&expected),
        String::from_utf8_lossy(actual)
    );
}

/// Runs the binary with the configuration in `dir`, off the runtime's thread (the fake
/// answers on it meanwhile).
async fn cli(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_moodle-sync"));
    command
        .current_dir(dir)
        .arg("--config")
        .arg(dir.join("moodle-sync.toml"))
        .args(args)
        .env_remove("MOODLE_SYNC_DATABASE_URL")
        .env("MOODLE_SYNC_LOG", "warn");
    for (name, value) in env {
        command.env(name, value);
    }
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The idnumbers of the students file, in file order.
fn student_idnumbers(config: &Config, slug: &str) -> Vec<String> {
    column(&part_text(config, slug, "students"), "idnumber")
}

/// The requests the fake answered for `path`: their statuses.
fn statuses(server: &FakeServer, path: &str) -> Vec<u16> {
    server
        .requests()
        .iter()
        .filter(|request| request.path == path)
        .map(|request| request.status)
        .collect()
}

/// Every file under `dir`, recursively.
fn every_file(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(every_file(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// The 14 students of the fixtures with no filter: current registration, activated account.
const ALL_STUDENTS: [&str; 14] = [
    "6106273", "6116669", "6120011", "6120012", "6120013", "6120014", "6120021", "6120022",
    "6120023", "6120024", "6120025", "6120026", "6130041", "6130042",
];

#[tokio::test]
async fn each_export_writes_the_expected_bytes_and_the_seed_s_console_lines() {
    let dir = TempDir::new().unwrap();
    let server = fake(&fixtures()).await;
    let config = config(dir.path(), &instance_toml("CFA Occitanie", 0, &server, ""));
    let (outcome, lines) = pull_first(&config, &[]).await;
    assert!(
        outcome.succeeded(),
        "{:?}\n{}",
        errors(&outcome),
        lines.join("\n")
    );
    let mut expected: Vec<String> = PARTS
        .iter()
        .map(|(kind, part)| part_name(kind, "cfa-occitanie", part))
        .collect();
    expected.sort();
    assert_eq!(files(&config.paths.spool), expected);
    for (_, name) in PARTS {
        assert_snapshot(
            &format!("{name}.csv"),
            &part(&config, "cfa-occitanie", name),
        );
    }

    // The seed's lines, in the seed's order.
    assert_eq!(
        lines[..5],
        [
            "Running on :".to_owned(),
            "Name : CFA Occitanie".to_owned(),
            format!("Base URL : {}", server.base_url()),
            "Updating cache status for instance 0".to_owned(),
            // 3 statuses, 3 years, 4 trainings, 3 periods.
            "Reading 13 records...".to_owned(),
        ]
    );
    let position = |wanted: &str| {
        lines
            .iter()
            .position(|line| line == wanted)
            .unwrap_or_else(|| panic!("no line {wanted:?} in\n{}", lines.join("\n")))
    };
    let site = position("    Site cohort updated: CFA Occitanie – Montpellier [SITE_MTP]");
    let first_student = position("    User student updated: [apprenant10007] [6106273]");
    let teacher = position("    User teacher updated: [c.moreau] [501]");
    let tutor = position("    User tutor updated: [entreprise42] [7557909]");
    assert!(site < first_student && first_student < teacher && teacher < tutor);
    let students: Vec<&String> = lines
        .iter()
        .filter(|line| line.starts_with("    User student updated: "))
        .collect();
    assert_eq!(students.len(), ALL_STUDENTS.len(), "{students:?}");
    // Who was left out, and why.
    for skipped in [
        "    student skipped: [apprenant10127] no current registration (none in progress, or the learner left)",
        "    student skipped: [apprenant10031] no registration in the exported periods",
    ] {
        position(skipped);
    }
    // The closed site gives no cohort; the administrative staff member is no teacher.
    assert!(!lines.iter().any(|line| line.contains("SITE_NIM")));
    assert!(!lines.iter().any(|line| line.contains("j-m.michel")));

    // The definition cache, reused by the next pull without asking again.
    let cache = config
        .paths
        .state
        .join("netypareo/cfa-occitanie/definitions.json");
    let definitions: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&cache).unwrap()).unwrap();
    assert_eq!(definitions["periods"].as_array().unwrap().len(), 3);
    server.clear_requests();
    let (again, _) = pull_at(
        &config,
        0,
        &[Export::Users],
        now() + chrono::Duration::hours(1),
    )
    .await;
    assert!(again.succeeded(), "{:?}", errors(&again));
    assert!(
        statuses(&server, "/statuts").is_empty(),
        "{:?}",
        server.requests()
    );
    assert!(statuses(&server, "/periodes").is_empty());

    // The pull's report holds the console's lines.
    let reports = files(&config.paths.reports);
    assert_eq!(
        reports,
        [
            format!("{STAMP}_netypareo_cfa-occitanie.report.txt"),
            "20261121-110000_netypareo_cfa-occitanie.report.txt".to_owned(),
        ]
    );
    let report = std::fs::read_to_string(config.paths.reports.join(&reports[0])).unwrap();
    assert_eq!(report, format!("{}\n", lines.join("\n")));
}

#[tokio::test]
async fn both_envelopes_give_the_same_bytes() {
    let server = fake(&fixtures()).await;
    let mut pulled = Vec::new();
    for array in [false, true] {
        server.update(|options| options.array_envelope = array);
        let dir = TempDir::new().unwrap();
        let config = config(dir.path(), &instance_toml("CFA Occitanie", 0, &server, ""));
        let (outcome, lines) = pull_first(&config, &[]).await;
        assert!(
            outcome.succeeded(),
            "{:?}\n{}",
            errors(&outcome),
            lines.join("\n")
        );
        let bytes: Vec<Vec<u8>> = PARTS
            .iter()
            .map(|(_, name)| part(&config, "cfa-occitanie", name))
            .collect();
        pulled.push(bytes);
    }
    // The fake did serve arrays the second time.
    let body = reqwest::Client::new()
        .get(format!("{}/sites", server.url()))
        .header("X-Auth-Token", TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.starts_with("[{"), "{body}");
    assert_eq!(pulled[0], pulled[1]);
    for ((_, name), bytes) in PARTS.iter().zip(&pulled[1]) {
        assert_snapshot(&format!("{name}.csv"), bytes);
    }
}

#[tokio::test]
async fn the_sites_statuses_and_periods_filters_choose_the_students() {
    let server = fake(&fixtures()).await;
    let pulled = async |extra: &str| {
        let dir = TempDir::new().unwrap();
        let toml = instance_toml("CFA Occitanie", 0, &server, extra);
        let config = config(dir.path(), &toml);
        server.clear_requests();
        let (outcome, lines) = pull_first(&config, &[Export::Users]).await;
        assert!(
            outcome.succeeded(),
            "{:?}\n{}",
            errors(&outcome),
            lines.join("\n")
        );
        (dir, config, lines)
    };

    // A site by code goes to NetYpareo as codesSite; every current student is at site 1.
    let (_dir, config, _) = pulled("sites = [\"1\"]").await;
    assert_eq!(student_idnumbers(&config, "cfa-occitanie"), ALL_STUDENTS);
    let queries: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|request| request.path == "/formation-longue/apprenants")
        .map(|request| request.query)
        .collect();
    assert_eq!(queries, ["codesPeriode=17&codesSite=1"]);

    // By abbreviation, filtered here: the same students, and the same groups (a group names
    // its site by code only).
    let by_abbreviation = TempDir::new().unwrap();
    let config = self::config(
        by_abbreviation.path(),
        &instance_toml("CFA Occitanie", 0, &server, "sites = [\"mtp\"]"),
    );
    let (outcome, lines) = pull_first(&config, &[]).await;
    assert!(
        outcome.succeeded(),
        "{:?}\n{}",
        errors(&outcome),
        lines.join("\n")
    );
    for (_, name) in PARTS {
        assert_snapshot(
            &format!("{name}.csv"),
            &part(&config, "cfa-occitanie", name),
        );
    }

    // The closed site's students are nobody this period.
    let (_dir, config, lines) = pulled("sites = [\"NIM\"]").await;
    assert!(
        lines.contains(&"    No student to export".to_owned()),
        "{}",
        lines.join("\n")
    );
    assert!(
        lines.contains(&"    student skipped: [apprenant10007] site 1 not exported".to_owned()),
        "{}",
        lines.join("\n")
    );
    let spool = files(&config.paths.spool);
    assert!(
        !spool
            .iter()
            .any(|name| name.contains("_students_") || name.contains("_site-members_")),
        "{spool:?}"
    );
    // Teachers and tutors do not depend on sites.
    assert!(
        spool.iter().any(|name| name.contains("_teachers_")),
        "{spool:?}"
    );

    // Statuses by abbreviation, name or code, in any case: apprentices and contrats pro.
    let (_dir, config, lines) = pulled("student_statuses = [\"n01\", \"Contrat pro\"]").await;
    assert_eq!(
        student_idnumbers(&config, "cfa-occitanie"),
        [
            "6106273", "6116669", "6120011", "6120012", "6120013", "6120021", "6120022", "6120023",
            "6120024", "6120025", "6120026",
        ]
    );
    assert!(
        lines.contains(
            &"    student skipped: [apprenant10115] status Stagiaire FC not exported".to_owned()
        ),
        "{}",
        lines.join("\n")
    );
    let (_dir, config, _) = pulled("student_statuses = [\"5\"]").await;
    assert_eq!(
        student_idnumbers(&config, "cfa-occitanie"),
        ["6120014", "6130041", "6130042"]
    );
    // The site cohort's members follow the students exported.
    assert_eq!(
        column(
            &part_text(&config, "cfa-occitanie", "site-members"),
            "userid"
        ),
        // The cohort's own line (no member), then its members.
        ["", "6120014", "6130041", "6130042"]
    );

    // Last year's period: only DUPONT's registration there is still his current one
    // (MERCIER's and FAURE's current ones are this year's; LAMBERT left).
    let (_dir, config, _) = pulled("periods = [\"16\"]").await;
    assert_eq!(student_idnumbers(&config, "cfa-occitanie"), ["6110032"]);
    let asked = server
        .requests()
        .into_iter()
        .filter(|request| {
            request.path == "/formation-longue/apprenants"
                || request.path.starts_with("/formation-courte/")
        })
        .map(|request| format!("{}?{}", request.path, request.query))
        .collect::<BTreeSet<_>>();
    // The two lists are asked at once: in either order.
    assert_eq!(
        asked,
        BTreeSet::from([
            "/formation-courte/01-09-2025/31-08-2026/apprenants?".to_owned(),
            "/formation-longue/apprenants?codesPeriode=16".to_owned(),
        ])
    );
}

#[tokio::test]
async fn a_502_is_retried_until_it_succeeds_and_reported_once_retries_run_out() {
    let dir = TempDir::new().unwrap();
    let server = fake(&fixtures()).await;
    let config = config(
        dir.path(),
        &instance_toml("CFA Occitanie", 0, &server, "retries = 2"),
    );
    server.update(|options| {
        options.failures.push(Failure {
            status: 502,
            path: "/sites".into(),
            times: 2,
        });
    });
    let (outcome, lines) = pull_first(&config, &[Export::Sites]).await;
    assert!(
        outcome.succeeded(),
        "{:?}\n{}",
        errors(&outcome),
        lines.join("\n")
    );
    assert_eq!(statuses(&server, "/sites"), [502, 502, 200]);
    assert_snapshot("sites.csv", &part(&config, "cfa-occitanie", "sites"));

    // One failure more than the retries: the export fails, nothing written for it.
    server.clear_requests();
    server.update(|options| options.failures[0].times = 3);
    let later = TempDir::new().unwrap();
    let config = self::config(
        later.path(),
        &instance_toml("CFA Occitanie", 0, &server, "retries = 2"),
    );
    let (outcome, lines) = pull_first(&config, &[Export::Sites]).await;
    assert_eq!(statuses(&server, "/sites"), [502, 502, 502]);
    assert_eq!(
        errors(&outcome),
        ["GET /sites failed 3 times; last: HTTP 502 Bad Gateway (HTML page)"]
    );
    assert!(
        lines.contains(
            &"  Failed: GET /sites failed 3 times; last: HTTP 502 Bad Gateway (HTML page)"
                .to_owned()
        ),
        "{}",
        lines.join("\n")
    );
    assert!(files(&config.paths.spool).is_empty());

    // From the binary: exit code 6, the message on the console and in the report.
    server.clear_requests();
    server.update(|options| options.failures[0].times = 3);
    let output = cli(later.path(), &["netypareo", "pull", "--only", "sites"], &[]).await;
    let stdout = text(&output.stdout);
    assert_eq!(code(&output), 6, "{stdout}\n{}", text(&output.stderr));
    assert!(
        stdout.contains("failed 3 times") && stdout.contains("HTTP 502"),
        "{stdout}"
    );
    assert_eq!(statuses(&server, "/sites"), [502, 502, 502]);
    let reports = files(&config.paths.reports);
    assert_eq!(reports.len(), 2, "{reports:?}");
    for report in reports {
        let report = std::fs::read_to_string(config.paths.reports.join(report)).unwrap();
        assert!(
            report.contains("GET /sites failed 3 times; last: HTTP 502"),
            "{report}"
        );
    }
}

#[tokio::test]
async fn a_403_is_not_retried_and_the_other_parts_are_written() {
    let dir = TempDir::new().unwrap();
    let server = fake(&fixtures()).await;
    let config = config(dir.path(), &instance_toml("CFA Occitanie", 0, &server, ""));
    server.update(|options| {
        options.denied.push((403, "/utilisateur/apprenants".into()));
    });
    let refusal = "NetYpareo refused the token for GET /utilisateur/apprenants (HTTP 403): check the token, and that this endpoint is ticked in the prestataire's profile in Yparéo";
    let (outcome, lines) = pull_first(&config, &[Export::Users]).await;
    assert_eq!(statuses(&server, "/utilisateur/apprenants"), [403]);
    assert_eq!(errors(&outcome), [refusal]);
    assert!(
        lines.contains(&format!("  Failed: {refusal}")),
        "{}",
        lines.join("\n")
    );
    // Teachers and tutors are written all the same; nothing of the students (nor of the
    // sites' members, which come from them).
    assert_eq!(
        files(&config.paths.spool),
        [
            part_name("users", "cfa-occitanie", "teachers"),
            part_name("users", "cfa-occitanie", "tutors"),
        ]
    );
    assert_snapshot("teachers.csv", &part(&config, "cfa-occitanie", "teachers"));
    assert_snapshot("tutors.csv", &part(&config, "cfa-occitanie", "tutors"));
    let report = std::fs::read_to_string(
        config
            .paths
            .reports
            .join(format!("{STAMP}_netypareo_cfa-occitanie.report.txt")),
    )
    .unwrap();
    assert!(report.contains(refusal), "{report}");

    // The pull is recorded for `status`: each export's outcome, files and errors.
    let record: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            config
                .paths
                .state
                .join("netypareo/cfa-occitanie/last-pull.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(record["version"], 1);
    assert_eq!(record["ran"], serde_json::json!(["users"]));
    assert_eq!(record["succeeded"], false);
    assert_eq!(record["exports"][0]["export"], "users");
    assert_eq!(record["exports"][0]["outcome"], "failed");
    assert_eq!(record["exports"][0]["errors"], serde_json::json!([refusal]));
    assert_eq!(record["exports"][0]["files"].as_array().unwrap().len(), 2);
    let output = cli(dir.path(), &["status", "--json"], &[]).await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let status: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let instance = &status["netypareo"][0];
    assert_eq!(instance["instance"], "CFA Occitanie");
    assert!(
        instance["time_zone"].as_str().unwrap().contains("UTC"),
        "{instance:#}"
    );
    // The default schedules: users at 01:20, local time, with the offset.
    let users = &instance["exports"][2];
    assert_eq!(users["export"], "users");
    assert_eq!(users["schedule"], "20 1 * * *");
    let next = users["next_run"].as_str().unwrap();
    assert!(
        DateTime::parse_from_rfc3339(next).is_ok() && next.contains("T01:20:00"),
        "{next}"
    );
    assert_eq!(instance["last_pull"]["exports"][0]["outcome"], "failed");
    let output = cli(dir.path(), &["status"], &[]).await;
    let shown = text(&output.stdout);
    for expected in [
        "netypareo   CFA Occitanie (schedules in local time: ",
        "  users     20 1 * * *    next ",
        &format!(
            "last 2026-11-21T10:00:00{} failed: {refusal}",
            now().format("%:z")
        ),
        "  cache     0 1 * * *     next ",
        "never pulled here",
        "  last pull 2026-11-21T10:00:00",
    ] {
        assert!(
            shown.contains(expected),
            "{expected}
{shown}"
        );
    }

    // The binary, pulling everything: exit code 6; the groups, which need the students, fail
    // the same way, each after a single request; sites, teachers and tutors are written.
    server.clear_requests();
    let later = TempDir::new().unwrap();
    let config = self::config(
        later.path(),
        &instance_toml("CFA Occitanie", 0, &server, ""),
    );
    let output = cli(later.path(), &["netypareo", "pull"], &[]).await;
    let stdout = text(&output.stdout);
    assert_eq!(code(&output), 6, "{stdout}\n{}", text(&output.stderr));
    assert!(
        stdout.contains("GET /utilisateur/apprenants (HTTP 403)"),
        "{stdout}"
    );
    assert_eq!(
        statuses(&server, "/utilisateur/apprenants"),
        [403, 403, 403]
    );
    let written = files(&config.paths.spool);
    let parts: Vec<&str> = PARTS
        .iter()
        .map(|(_, part)| *part)
        .filter(|part| {
            written
                .iter()
                .any(|name| name.contains(&format!("_cfa-occitanie_{part}_")))
        })
        .collect();
    assert_eq!(parts, ["sites", "teachers", "tutors"], "{written:?}");
    let reports = files(&config.paths.reports);
    assert_eq!(reports.len(), 1, "{reports:?}");
    let report = std::fs::read_to_string(config.paths.reports.join(&reports[0])).unwrap();
    assert_eq!(
        report
            .matches("GET /utilisateur/apprenants (HTTP 403)")
            .count(),
        3,
        "{report}"
    );
}

#[tokio::test]
async fn an_answer_slower_than_timeout_s_fails_with_a_clear_message() {
    let dir = TempDir::new().unwrap();
    let server = fake(&fixtures()).await;
    let config = config(
        dir.path(),
        &instance_toml("CFA Occitanie", 0, &server, "timeout_s = 1\nretries = 1"),
    );
    server.update(|options| options.latency = Duration::from_millis(1500));
    let started = std::time::Instant::now();
    let (outcome, lines) = pull_first(&config, &[Export::Sites]).await;
    assert_eq!(
        errors(&outcome),
        ["GET /sites failed 2 times; last: no answer within 1 s (timeout_s)"],
        "{}",
        lines.join("\n")
    );
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(2) && elapsed < Duration::from_secs(10),
        "{elapsed:?}"
    );
    assert!(files(&config.paths.spool).is_empty());
}

#[tokio::test]
async fn the_token_appears_in_no_output_log_or_file() {
    const SECRET: &str = "zq9-SECRET-t0ken-4c1d";
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("fixtures");
    copy_fixtures(&data);
    let server = FakeServer::start(FakeOptions::new(&data, SECRET))
        .await
        .unwrap();
    let toml = instance_toml("CFA Occitanie", 0, &server, "retries = 1").replace(TOKEN, SECRET);
    // The configuration the binary reads.
    config(dir.path(), &toml);
    server.update(|options| {
        // A refusal, a 502 retried into success and a 502 that outlasts the retries.
        options.denied.push((403, "/utilisateur/tuteurs".into()));
        options.failures.push(Failure {
            status: 502,
            path: "/sites".into(),
            times: 1,
        });
        options.failures.push(Failure {
            status: 502,
            path: "/utilisateur/personnels".into(),
            times: 5,
        });
    });
    let trace = [("MOODLE_SYNC_LOG", "trace"), ("RUST_LOG", "trace")];
    let output = cli(dir.path(), &["netypareo", "pull"], &trace).await;
    assert_eq!(code(&output), 6, "{}", text(&output.stdout));
    // The token was sent, and the run did log at trace level.
    assert!(server.requests().iter().all(|request| request.token_ok));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("TRACE") || stderr.contains("DEBUG"),
        "{stderr}"
    );
    assert!(stderr.contains("/utilisateur/personnels"), "{stderr}");
    // A wrong token: refused, and not echoed either.
    let wrong = "WRONG-zq9-SECRET-t0ken";
    std::fs::write(
        dir.path().join("wrong.toml"),
        std::fs::read_to_string(dir.path().join("moodle-sync.toml"))
            .unwrap()
            .replace(SECRET, wrong),
    )
    .unwrap();
    let mut args = vec!["--config", "wrong.toml"];
    args.extend(["netypareo", "pull", "--only", "sites"]);
    let refused = tokio::task::spawn_blocking({
        let dir = dir.path().to_owned();
        move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_moodle-sync"))
                .current_dir(&dir)
                .args(&args)
                .env("MOODLE_SYNC_LOG", "trace")
                .env("RUST_LOG", "trace")
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(code(&refused), 6, "{}", text(&refused.stdout));
    assert!(
        text(&refused.stdout).contains("(HTTP 401)"),
        "{}",
        text(&refused.stdout)
    );

    for (what, bytes) in [
        ("stdout", &output.stdout),
        ("stderr", &output.stderr),
        ("stdout (wrong token)", &refused.stdout),
        ("stderr (wrong token)", &refused.stderr),
    ] {
        for token in [SECRET, wrong] {
            assert!(
                !text(bytes).contains(token),
                "the token is in {what}:\n{}",
                text(bytes)
            );
        }
    }
    let written = every_file(dir.path());
    assert!(written.len() > 10, "{written:?}");
    for path in written {
        if path.ends_with("moodle-sync.toml") || path.ends_with("wrong.toml") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        for token in [SECRET, wrong] {
            assert!(
                !bytes
                    .windows(token.len())
                    .any(|window| window == token.as_bytes()),
                "the token is in {}",
                path.display()
            );
        }
    }
}

#[tokio::test]
async fn max_concurrent_requests_caps_the_requests_in_flight() {
    for (cap, expected) in [(1, 1), (2, 2), (4, 4)] {
        let server = fake(&fixtures()).await;
        server.update(|options| options.latency = Duration::from_millis(100));
        let dir = TempDir::new().unwrap();
        let extra = format!("max_concurrent_requests = {cap}");
        let config = config(
            dir.path(),
            &instance_toml("CFA Occitanie", 0, &server, &extra),
        );
        let (outcome, lines) = pull_first(&config, &[]).await;
        assert!(
            outcome.succeeded(),
            "{:?}\n{}",
            errors(&outcome),
            lines.join("\n")
        );
        // At most the cap, and the cap reached: the pull does ask concurrently (the cache's
        // four tables, the groups' members).
        assert_eq!(server.max_in_flight(), expected, "cap {cap}");
        // The same bytes whatever the cap.
        for (_, name) in PARTS {
            assert_snapshot(
                &format!("{name}.csv"),
                &part(&config, "cfa-occitanie", name),
            );
        }
    }
}

#[tokio::test]
async fn two_instances_carry_their_index_and_their_name() {
    let dir = TempDir::new().unwrap();
    let server = fake(&fixtures()).await;
    let toml = format!(
        "{}{}",
        instance_toml("CFA Occitanie", 0, &server, ""),
        instance_toml("CFA Toulouse", 1, &server, "")
    );
    let config = config(dir.path(), &toml);
    for position in [0, 1] {
        let (outcome, lines) = pull_at(&config, position, &[], now()).await;
        assert!(
            outcome.succeeded(),
            "{:?}\n{}",
            errors(&outcome),
            lines.join("\n")
        );
    }
    let mut expected: Vec<String> = ["cfa-occitanie", "cfa-toulouse"]
        .iter()
        .flat_map(|slug| {
            PARTS
                .iter()
                .map(move |(kind, part)| part_name(kind, slug, part))
        })
        .collect();
    expected.sort();
    assert_eq!(files(&config.paths.spool), expected);
    // Index 0 has no prefix: the snapshots. Index 1 prefixes every cohort idnumber and the
    // user type, and nothing else.
    for (_, name) in PARTS {
        let first = part(&config, "cfa-occitanie", name);
        assert_snapshot(&format!("{name}.csv"), &first);
        let prefixed = String::from_utf8(first)
            .unwrap()
            .replace(";SITE_", ";1_SITE_")
            .replace(";GROUP_", ";1_GROUP_")
            .replace(";FCGROUP_", ";1_FCGROUP_")
            .replace(";0_student;", ";1_student;")
            .replace(";0_teacher;", ";1_teacher;")
            .replace(";0_tutor;", ";1_tutor;")
            .replace(
                "# NetYpareo \"CFA Occitanie\"",
                "# NetYpareo \"CFA Toulouse\"",
            );
        assert_eq!(part_text(&config, "cfa-toulouse", name), prefixed, "{name}");
    }
    assert_eq!(
        column(&part_text(&config, "cfa-toulouse", "sites"), "cidnumber"),
        ["1_SITE_MTP"]
    );
    assert_eq!(
        column(&part_text(&config, "cfa-toulouse", "groups"), "cidnumber")[..1],
        ["1_GROUP_2101"]
    );
    assert_eq!(
        column(
            &part_text(&config, "cfa-toulouse", "students"),
            "profile_field_netypareo_usertype"
        )[0],
        "1_student"
    );
    // Each its own definition cache.
    for slug in ["cfa-occitanie", "cfa-toulouse"] {
        let cache = config
            .paths
            .state
            .join(format!("netypareo/{slug}/definitions.json"));
        assert!(cache.is_file(), "{}", cache.display());
    }

    // The binary: --instance pulls that one only (by name or by slug); without it, both.
    for (instance, slugs) in [
        (Some("CFA Toulouse"), vec!["cfa-toulouse"]),
        (Some("cfa-occitanie"), vec!["cfa-occitanie"]),
        (None, vec!["cfa-occitanie", "cfa-toulouse"]),
    ] {
        let later = TempDir::new().unwrap();
        let config = self::config(later.path(), &toml);
        let mut args = vec!["netypareo", "pull", "--only", "sites"];
        if let Some(instance) = instance {
            args.extend(["--instance", instance]);
        }
        let output = cli(later.path(), &args, &[]).await;
        let stdout = text(&output.stdout);
        assert_eq!(code(&output), 0, "{stdout}\n{}", text(&output.stderr));
        let written = files(&config.paths.spool);
        let pulled: Vec<&str> = ["cfa-occitanie", "cfa-toulouse"]
            .into_iter()
            .filter(|slug| {
                written
                    .iter()
                    .any(|name| name.starts_with(&format!("cohorts_netypareo_{slug}_sites_")))
            })
            .collect();
        assert_eq!(pulled, slugs, "{written:?}\n{stdout}");
        assert_eq!(written.len(), slugs.len(), "{written:?}");
        for slug in slugs {
            let name = written.iter().find(|name| name.contains(slug)).unwrap();
            let bytes = std::fs::read(config.paths.spool.join(name)).unwrap();
            let idnumber = if slug == "cfa-toulouse" {
                "1_SITE_MTP"
            } else {
                "SITE_MTP"
            };
            assert_eq!(column(&text(&bytes), "cidnumber"), [idnumber]);
        }
        if instance == Some("CFA Toulouse") {
            assert!(stdout.contains("Name : CFA Toulouse"), "{stdout}");
            assert!(!stdout.contains("Name : CFA Occitanie"), "{stdout}");
        }
    }
    // An unknown instance is a usage error, naming the configured ones.
    let output = cli(
        dir.path(),
        &["netypareo", "pull", "--instance", "Nowhere"],
        &[],
    )
    .await;
    assert_ne!(code(&output), 0);
    assert_ne!(code(&output), 6);
    let stderr = text(&output.stderr);
    assert!(stderr.contains("CFA Occitanie, CFA Toulouse"), "{stderr}");
}

/// How long the watcher may take to apply a pull.
const WATCH_TIMEOUT: Duration = Duration::from_secs(120);

/// Starts `watch` on the environment, waiting up to [`WATCH_TIMEOUT`] for it to watch.
async fn start_watch(env: &TestEnv) -> Watcher {
    Watcher::start_within(env, &[], WATCH_TIMEOUT).await
}

/// Waits until the spool is empty and the ledger has `runs` rows; returns the ledger.
async fn applied(watcher: &Watcher, env: &TestEnv, runs: usize) -> Vec<Ledger> {
    let spool = env.config.paths.spool.clone();
    watcher
        .eventually_within(
            WATCH_TIMEOUT,
            &format!("{runs} runs in the ledger"),
            async || files(&spool).is_empty() && ledger(env).await.len() >= runs,
        )
        .await;
    let rows = ledger(env).await;
    assert_eq!(rows.len(), runs, "{rows:#?}\n{}", watcher.log());
    rows
}

/// Stops `watch` with SIGTERM, which must end it cleanly; returns its log.
async fn stop_watch(watcher: Watcher) -> String {
    let (status, log) = watcher.stop_within(WATCH_TIMEOUT).await;
    assert!(status.success(), "{status}\n{log}");
    log
}

/// A ledger row: the file's name, its outcome, where it was kept and its report.
#[derive(Debug, Clone)]
struct Ledger {
    name: String,
    outcome: String,
    kept: PathBuf,
    report: PathBuf,
}

async fn ledger(env: &TestEnv) -> Vec<Ledger> {
    env.rows("SELECT name, outcome, kept, report FROM {moodlesync_ledger} ORDER BY id")
        .await
        .into_iter()
        .map(|row| Ledger {
            name: row[0].clone(),
            outcome: row[1].clone(),
            kept: PathBuf::from(&row[2]),
            report: PathBuf::from(&row[3]),
        })
        .collect()
}

/// `(part, outcome)` of the ledger rows of the pull stamped `stamp`, in the parts' order.
fn outcomes(rows: &[Ledger], stamp: &str) -> Vec<(String, String)> {
    PARTS
        .iter()
        .filter_map(|(kind, part)| {
            let name = format!("{kind}_netypareo_cfa-occitanie_{part}_{stamp}.csv");
            let row = rows.iter().find(|row| row.name == name)?;
            Some(((*part).to_owned(), row.outcome.clone()))
        })
        .collect()
}

/// Every cohort membership row: `(row id, cohort idnumber, username)`, by id.
async fn membership_rows(env: &TestEnv) -> Vec<(String, String, String)> {
    env.rows(
        "SELECT m.id, c.idnumber, u.username FROM {cohort_members} m JOIN {cohort} c ON c.id = m.cohortid \
         JOIN {user} u ON u.id = m.userid ORDER BY m.id",
    )
    .await
    .into_iter()
    .map(|row| (row[0].clone(), row[1].clone(), row[2].clone()))
    .collect()
}

/// A user's profile data: `[shortname, data]`, by shortname.
async fn profile(env: &TestEnv, username: &str) -> Vec<Vec<String>> {
    env.rows(&format!(
        "SELECT f.shortname, d.data FROM {{user_info_data}} d JOIN {{user_info_field}} f ON f.id = d.fieldid \
         JOIN {{user}} u ON u.id = d.userid WHERE u.username = '{username}' ORDER BY f.shortname"
    ))
    .await
}

/// The instance for the end-to-end test: no schedule (`watch` only applies what the test
/// pulls).
fn unscheduled(server: &FakeServer) -> String {
    instance_toml(
        "CFA Occitanie",
        0,
        server,
        "[netypareo.instances.schedule]\ncache = \"\"\nsites = \"\"\nusers = \"\"\ngroups = \"\"\nfcgroups = \"\"",
    )
}

/// The students' usernames (NetYpareo logins), in idnumber order: [`ALL_STUDENTS`]' accounts.
const STUDENT_LOGINS: [&str; 14] = [
    "apprenant10007",
    "apprenant10105",
    "apprenant10112",
    "apprenant10113",
    "apprenant10114",
    "apprenant10115",
    "apprenant10121",
    "apprenant10122",
    "apprenant10123",
    "apprenant10124",
    "apprenant10125",
    "apprenant10126",
    "apprenant10141",
    "apprenant10142",
];

/// The end-to-end set-up: the fixtures copied into the environment, a fake serving them,
/// the instance configured, `watch` running, and a first pull at [`now`] applied. Returns the
/// fixtures' folder.
async fn first_pull(env: &mut TestEnv) -> (PathBuf, FakeServer, Watcher) {
    install_auth_netypareo(env).await;
    let data = env.root().join("fixtures");
    copy_fixtures(&data);
    let server = fake(&data).await;
    env.reconfigure(&format!(
        "[watch]\nsettle_ms = 300\npoll_ms = 100\nreconcile_s = 1\n\
         [users]\ncreate_profile_fields = true\n{}",
        unscheduled(&server)
    ));
    let watcher = start_watch(env).await;
    let (outcome, lines) = pull_at(&env.config, 0, &[], now()).await;
    assert!(
        outcome.succeeded(),
        "{:?}\n{}",
        errors(&outcome),
        lines.join("\n")
    );
    let rows = applied(&watcher, env, PARTS.len()).await;
    let success: Vec<(String, String)> = PARTS
        .iter()
        .map(|(_, part)| ((*part).to_owned(), "success".to_owned()))
        .collect();
    assert_eq!(
        outcomes(&rows, STAMP),
        success,
        "{rows:#?}\n{}",
        watcher.log()
    );
    (data, server, watcher)
}

dbtest!(
    a_pull_applied_by_watch_fills_cohorts_users_and_profiles,
    |env| {
        let mut env = env;
        let (_data, _server, watcher) = first_pull(&mut env).await;
        let cohorts: Vec<Vec<String>> = env
            .cohorts()
            .await
            .into_iter()
            .map(|row| row[..3].to_vec())
            .collect();
        assert_eq!(
            cohorts,
            [
                [
                    "FCGROUP_3001",
                    "Habilitation électrique B1V – novembre 2026",
                    ""
                ],
                [
                    "GROUP_2101",
                    "BTS SIO 1ère année 2026-2027",
                    "BTS SIO 1A – promotion 2026"
                ],
                ["GROUP_2102", "BTS MCO 2ème année 2026-2027", ""],
                [
                    "SITE_MTP",
                    "CFA Occitanie – Montpellier",
                    "Centre de formation d'apprentis de Montpellier"
                ],
            ]
        );
        assert_eq!(env.members("SITE_MTP").await, STUDENT_LOGINS);
        assert_eq!(env.members("GROUP_2101").await, STUDENT_LOGINS[..6]);
        assert_eq!(env.members("GROUP_2102").await, STUDENT_LOGINS[6..12]);
        assert_eq!(env.members("FCGROUP_3001").await, STUDENT_LOGINS[12..]);

        // Every account, with its idnumber and names.
        let accounts = env
        .rows("SELECT username, idnumber, firstname, lastname, email FROM {user} WHERE username LIKE 'apprenant%' OR idnumber IN ('501', '502', '503', '505', '7557909', '300626') ORDER BY username")
        .await;
        assert_eq!(accounts.len(), 20, "{accounts:?}");
        // Created with the plugin's method, whose passwords Moodle checks elsewhere: none is
        // generated, none mailed.
        let methods = env
            .rows("SELECT DISTINCT auth, password FROM {user} WHERE username LIKE 'apprenant%' OR idnumber IN ('501', '502', '503', '505', '7557909', '300626')")
            .await;
        assert_eq!(methods, [["netypareo", "not cached"]]);
        assert_eq!(
            env.count("SELECT COUNT(*) FROM {user_preferences} WHERE name = 'create_password'")
                .await,
            0
        );
        assert!(accounts.contains(&vec![
            "apprenant10112".to_owned(),
            "6120011".to_owned(),
            "Chloé".to_owned(),
            "LEFÈVRE".to_owned(),
            "chloe.lefevre@apprenant.example".to_owned()
        ]));
        assert!(accounts.contains(&vec![
            "entreprise42".to_owned(),
            "7557909".to_owned(),
            "BOULANGERIE LÉON".to_owned(),
            "BOULANGERIE LÉON".to_owned(),
            "contact@boulangerie-leon.example".to_owned()
        ]));

        // The six profile fields.
        let expect = |values: [&str; 6]| -> Vec<Vec<String>> {
            [
                "netypareo_cursus",
                "netypareo_ouverage",
                "netypareo_program",
                "netypareo_program_step",
                "netypareo_status",
                "netypareo_usertype",
            ]
            .iter()
            .zip(values)
            .map(|(field, value)| vec![(*field).to_owned(), value.to_owned()])
            .collect()
        };
        assert_eq!(
            profile(&env, "apprenant10113").await,
            expect([
                "BTS1",
                "minor",
                "BTS Services informatiques aux organisations",
                "1ère année",
                "Apprenti",
                "0_student"
            ])
        );
        assert_eq!(
            profile(&env, "apprenant10126").await,
            expect([
                "BTS2",
                "major",
                "BTS Management commercial opérationnel",
                "2ème année",
                "Contrat pro",
                "0_student"
            ])
        );
        let teacher = profile(&env, "c.moreau").await;
        assert!(
            teacher.contains(&vec![
                "netypareo_usertype".to_owned(),
                "0_teacher".to_owned()
            ]),
            "{teacher:?}"
        );
        let tutor = profile(&env, "interlocuteur10").await;
        assert!(
            tutor.contains(&vec!["netypareo_usertype".to_owned(), "0_tutor".to_owned()]),
            "{tutor:?}"
        );
        stop_watch(watcher).await;
    }
);

dbtest!(a_student_who_changed_group_moves_and_nobody_else, |env| {
    let mut env = env;
    let (data, _server, watcher) = first_pull(&mut env).await;
    let before = membership_rows(&env).await;
    assert_eq!(before.len(), 14 + 6 + 6 + 2);

    // MARTIN Léa moves from BTS SIO 1 to BTS MCO 2 (the fake derives a group's members from
    // informationsCourantes.codeGroupe).
    edit_fixture(&data, "formation-longue/apprenants.json", |records| {
        learner(records, 6106273)["informationsCourantes"]["codeGroupe"] = 2102.into();
    });
    let second = now() + chrono::Duration::hours(1);
    let (outcome, lines) = pull_at(&env.config, 0, &[], second).await;
    assert!(
        outcome.succeeded(),
        "{:?}\n{}",
        errors(&outcome),
        lines.join("\n")
    );
    assert!(
        lines.contains(
            &"    Group cohort updated: BTS SIO 1ère année 2026-2027 [GROUP_2101] (5 members)"
                .to_owned()
        ) && lines.contains(
            &"    Group cohort updated: BTS MCO 2ème année 2026-2027 [GROUP_2102] (7 members)"
                .to_owned()
        ),
        "{}",
        lines.join("\n")
    );
    let rows = applied(&watcher, &env, 2 * PARTS.len()).await;
    // Every file of a pull is applied (each names its pull, so none is a duplicate of the
    // last night's): a snapshot also restores what was changed in Moodle meanwhile.
    let expected: Vec<(String, String)> = PARTS
        .iter()
        .map(|(_, part)| ((*part).to_owned(), "success".to_owned()))
        .collect();
    assert_eq!(outcomes(&rows, "20261121-110000"), expected, "{rows:#?}");
    let report = std::fs::read_to_string(
        &rows
            .iter()
            .find(|row| row.name.contains("_groups_20261121-110000"))
            .unwrap()
            .report,
    )
    .unwrap();
    assert!(
        report.contains("apprenant10007") || report.contains("6106273"),
        "{report}"
    );

    assert_eq!(env.members("GROUP_2101").await, STUDENT_LOGINS[1..6]);
    let mut moved: Vec<&str> = STUDENT_LOGINS[6..12].to_vec();
    moved.insert(0, "apprenant10007");
    assert_eq!(env.members("GROUP_2102").await, moved);
    // No churn: every other membership row is the very same row.
    let after = membership_rows(&env).await;
    let not_lea_in =
        |rows: &[(String, String, String)], cohort: &str| -> Vec<(String, String, String)> {
            rows.iter()
                .filter(|row| !(row.1 == cohort && row.2 == "apprenant10007"))
                .cloned()
                .collect()
        };
    let kept_before = not_lea_in(&before, "GROUP_2101");
    let kept_after = not_lea_in(&after, "GROUP_2102");
    assert_eq!(kept_before, kept_after);
    assert_eq!(before.len(), kept_before.len() + 1);
    assert_eq!(after.len(), kept_after.len() + 1);
    // Her new membership is a new row.
    let joined = after
        .iter()
        .find(|row| row.1 == "GROUP_2102" && row.2 == "apprenant10007")
        .unwrap();
    assert!(before.iter().all(|row| row.0 != joined.0));
    // The token is in no file the chain wrote: spool, archive, reports, state, logs.
    let log = stop_watch(watcher).await;
    assert!(!log.contains(TOKEN));
    for path in every_file(env.root()) {
        if path.ends_with("moodle-sync.toml") || path.starts_with(env.root().join("fixtures")) {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !bytes
                .windows(TOKEN.len())
                .any(|window| window == TOKEN.as_bytes()),
            "the token is in {}",
            path.display()
        );
    }
});

dbtest!(
    a_group_that_lost_most_of_its_members_is_held_and_the_rest_applied,
    |env| {
        let mut env = env;
        let (data, _server, watcher) = first_pull(&mut env).await;
        let before = membership_rows(&env).await;

        // Five of BTS MCO 2's six students are no longer in a group; and MICHEL Jean-Marc starts
        // teaching.
        edit_fixture(&data, "formation-longue/apprenants.json", |records| {
            for code in [6120021, 6120022, 6120023, 6120024, 6120025] {
                learner(records, code)["informationsCourantes"]["codeGroupe"] =
                    serde_json::Value::Null;
            }
        });
        edit_fixture(&data, "utilisateur/personnels.json", |records| {
            let michel = records
                .iter_mut()
                .find(|record| record["codePersonnel"] == 504)
                .unwrap();
            michel["isFormateur"] = 1.into();
        });
        let second = now() + chrono::Duration::hours(1);
        let (outcome, lines) = pull_at(&env.config, 0, &[], second).await;
        assert!(
            outcome.succeeded(),
            "{:?}\n{}",
            errors(&outcome),
            lines.join("\n")
        );
        let rows = applied(&watcher, &env, 2 * PARTS.len()).await;
        let expected: Vec<(String, String)> = PARTS
            .iter()
            .map(|(_, part)| {
                let outcome = match *part {
                    "groups" => "held",
                    _ => "success",
                };
                ((*part).to_owned(), outcome.to_owned())
            })
            .collect();
        assert_eq!(
            outcomes(&rows, "20261121-110000"),
            expected,
            "{rows:#?}\n{}",
            watcher.log()
        );

        // The groups' file waits in the held folder, byte for byte, with a report saying why.
        let held = rows
            .iter()
            .find(|row| row.name.contains("_groups_20261121-110000"))
            .unwrap();
        assert!(held.kept.starts_with(&env.config.paths.held), "{held:?}");
        let kept = std::fs::read_to_string(&held.kept).unwrap();
        assert_eq!(
            column(&kept, "cidnumber")
                .iter()
                .zip(column(&kept, "userid"))
                .map(|(cohort, user)| format!("{cohort} {user}"))
                .collect::<Vec<_>>(),
            [
                "GROUP_2101 ",
                "GROUP_2101 6106273",
                "GROUP_2101 6116669",
                "GROUP_2101 6120011",
                "GROUP_2101 6120012",
                "GROUP_2101 6120013",
                "GROUP_2101 6120014",
                "GROUP_2102 ",
                "GROUP_2102 6120026",
            ]
        );
        assert_eq!(files(&env.config.paths.held).len(), 1);
        let report = std::fs::read_to_string(&held.report).unwrap();
        assert!(report.contains("would remove 5 of 6 members"), "{report}");
        assert!(report.contains("moodle-sync approve"), "{report}");
        // Nothing of it applied: every membership row is the same; the teachers' file was.
        assert_eq!(membership_rows(&env).await, before);
        assert_eq!(
            env.rows(
                "SELECT idnumber, firstname, lastname FROM {user} WHERE username = 'j-m.michel'"
            )
            .await,
            [["504", "Jean-Marc", "MICHEL"]]
        );
        assert!(profile(&env, "j-m.michel").await.contains(&vec![
            "netypareo_usertype".to_owned(),
            "0_teacher".to_owned()
        ]));
        stop_watch(watcher).await;
    }
);

#[tokio::test]
async fn a_redirect_is_not_followed_and_the_token_goes_nowhere_else() {
    use moodle_sync::netypareo::{
        client::{Client, FetchError},
        settings::Token,
        wire::Site,
    };
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let elsewhere = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let elsewhere_port = elsewhere.local_addr().unwrap().port();
    let redirector = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = redirector.local_addr().unwrap().port();
    let answering = tokio::spawn(async move {
        let (mut socket, _) = redirector.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await.unwrap();
        let answer = format!(
            "HTTP/1.1 302 Found\r\nLocation: http://localhost:{elsewhere_port}/login?next=sites\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        socket.write_all(answer.as_bytes()).await.unwrap();
    });
    let dir = TempDir::new().unwrap();
    let config = config(
        dir.path(),
        &format!(
            "[[netypareo.instances]]\nname = \"Redirecting\"\nbase_url = \"http://127.0.0.1:{port}/\"\ntoken = \"REDIRECT-SECRET\"\n"
        ),
    );
    let client = Client::new(&config.netypareo[0], &Token::new("REDIRECT-SECRET")).unwrap();
    let error = client
        .collection::<Site>(&["sites"], &[])
        .await
        .unwrap_err();
    answering.await.unwrap();
    assert!(
        matches!(error, FetchError::Redirected { status: 302, .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains(&format!(
            "redirected GET /sites (HTTP 302) to http://localhost:{elsewhere_port}/login:"
        )),
        "{error}"
    );
    // Nobody knocked at the other address.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), elsewhere.accept())
            .await
            .is_err()
    );
}

/// The auth_netypareo plugin installed, as on a site that used its synchronisations: the
/// method NetYpareo accounts get by default.
async fn install_auth_netypareo(env: &TestEnv) {
    env.execute(
        "INSERT INTO {config_plugins} (plugin, name, value) VALUES ('auth_netypareo', 'version', '2024051500')",
    )
    .await;
}

/// `watch` runs an export when its schedule says: every minute here, so the test waits for
/// the next minute to begin (at most a minute).
#[tokio::test]
async fn watch_runs_an_export_on_its_schedule() {
    let mut env = TestEnv::new(crate::support::Backend::Sqlite).await.unwrap();
    install_auth_netypareo(&env).await;
    let data = env.root().join("fixtures");
    copy_fixtures(&data);
    let server = fake(&data).await;
    env.reconfigure(&format!(
        "[watch]\nsettle_ms = 300\npoll_ms = 100\nreconcile_s = 1\n\
         [users]\ncreate_profile_fields = true\n{}",
        instance_toml(
            "CFA Occitanie",
            0,
            &server,
            "[netypareo.instances.schedule]\ncache = \"\"\nsites = \"* * * * *\"\nusers = \"\"\ngroups = \"\"\nfcgroups = \"\"",
        )
    ));
    let watcher = start_watch(&env).await;
    assert!(
        watcher
            .log()
            .contains("NetYpareo sites of CFA Occitanie: next run"),
        "{}",
        watcher.log()
    );
    let rows = applied(&watcher, &env, 1).await;
    assert!(
        rows[0]
            .name
            .starts_with("cohorts_netypareo_cfa-occitanie_sites_")
            && rows[0].outcome == "success",
        "{rows:#?}"
    );
    let log = stop_watch(watcher).await;
    assert!(
        log.contains("Site cohort updated: CFA Occitanie – Montpellier [SITE_MTP]"),
        "{log}"
    );
    // The scheduler records its pulls as `netypareo pull` does.
    let record: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            env.config
                .paths
                .state
                .join("netypareo/cfa-occitanie/last-pull.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(record["exports"][0]["export"], "sites", "{record:#}");
    assert_eq!(record["exports"][0]["outcome"], "success");
    // Only the scheduled export ran (the sites need no definition cache).
    let asked: BTreeSet<String> = server
        .requests()
        .into_iter()
        .map(|request| request.path)
        .collect();
    assert_eq!(asked, BTreeSet::from(["/sites".to_owned()]));
}

/// A held snapshot that a later one of the same export has followed is not approved by
/// mistake: that would apply last week's membership over this week's.
#[tokio::test]
async fn approve_refuses_a_snapshot_a_later_one_has_followed() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("moodle-sync.toml"), "").unwrap();
    assert_eq!(code(&cli(dir.path(), &["init"], &[]).await), 0);
    let held = dir.path().join("held");
    let older = "20261122-014500_cohorts_netypareo_cfa_groups_20261122-014000.csv";
    let newer = "20261123-014500_cohorts_netypareo_cfa_groups_20261123-014000.csv";
    for (name, cohort) in [(older, "OLD"), (newer, "NEW")] {
        std::fs::write(
            held.join(name),
            format!("cmd;cidnumber;cname;userid\nsync;{cohort};Groupe;\n"),
        )
        .unwrap();
    }
    let refused = cli(dir.path(), &["approve", &format!("held/{older}")], &[]).await;
    assert_eq!(code(&refused), 3, "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains(&format!(
            "is out of date: a later snapshot of the same export, {newer}, was held since"
        )),
        "{}",
        text(&refused.stderr)
    );
    assert!(held.join(older).is_file());
    // The later one goes through, and is then the one that makes the older out of date.
    let approved = cli(dir.path(), &["approve", &format!("held/{newer}")], &[]).await;
    assert_eq!(code(&approved), 0, "{}", text(&approved.stderr));
    let again = cli(dir.path(), &["approve", &format!("held/{older}")], &[]).await;
    assert_eq!(code(&again), 3);
    assert!(
        text(&again.stderr).contains("was applied since"),
        "{}",
        text(&again.stderr)
    );
    // --force applies it all the same.
    let forced = cli(
        dir.path(),
        &["approve", "--force", &format!("held/{older}")],
        &[],
    )
    .await;
    assert_eq!(code(&forced), 0, "{}", text(&forced.stderr));
    assert!(!held.join(older).exists());
}
