//! Exactly once, whatever happens to the `watch` process: killed (SIGKILL) at random instants and
//! restarted, stopped (SIGTERM) in the middle of a large file, run twice on one spool, or unable
//! to place its reports after the commit. Each test runs the real binary on a spool of its own
//! and checks what is left: ledger rows, cohort memberships, archived bytes, reports, and an
//! empty spool without claims.

use std::{
    collections::{BTreeMap, btree_map::Entry},
    fs,
    path::{Path, PathBuf},
    process::ExitStatus,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use crate::{
    dbtest,
    support::{TestEnv, Watcher},
};

/// Short waits, so that the tests spend their time applying files rather than waiting.
const SETTINGS: &str = "[watch]\nsettle_ms = 300\npoll_ms = 100\nreconcile_s = 1\n";

/// How long "eventually" may take: generous, the machine runs many tests at once.
const EVENTUALLY: Duration = Duration::from_secs(60);

/// This host's name as the watcher writes it in its work folder's name.
fn host_name() -> String {
    moodle_sync::host::name()
}

/// Polls `check` every 50 ms until it holds or `timeout` passes; whether it held.
async fn eventually(timeout: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let started = Instant::now();
    loop {
        if check().await {
            return true;
        }
        if started.elapsed() > timeout {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The claim folders under `spool/.moodle-sync/<instance>/`, of every process.
fn claim_folders(spool: &Path) -> Vec<PathBuf> {
    subfolders(&spool.join(".moodle-sync"))
        .iter()
        .flat_map(|instance| subfolders(instance))
        .collect()
}

/// The folders directly in `dir`, sorted.
fn subfolders(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.is_dir())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// The bytes of every file in `dir`, by name.
fn contents(env: &TestEnv, dir: &Path) -> BTreeMap<String, Vec<u8>> {
    env.files(dir)
        .into_iter()
        .map(|name| {
            let bytes = fs::read(dir.join(&name)).unwrap();
            (name, bytes)
        })
        .collect()
}

/// The name of the input an archived file holds: archive names are `<stamp>[-n]_<name>`, and
/// the stamp holds no underscore.
fn archived_name(archive_name: &str) -> &str {
    archive_name
        .split_once('_')
        .map_or(archive_name, |(_, name)| name)
}

/// A cohort file whose every line adds a member no other line adds: `bulk<first>`… to cohort
/// `cohort`. Applied once, each line changes something; applied again, none would, and the
/// members would be the same, so the ledger, the reports and the archive are what tell.
fn cohort_file(cohort: &str, first: usize, lines: usize) -> Vec<u8> {
    let mut text = String::from("cidnumber;userid\n");
    for user in first..first + lines {
        text.push_str(&format!("{cohort};bulk{user}\n"));
    }
    text.into_bytes()
}

/// The memberships a set of cohort files makes, sorted as [`sorted`] sorts them.
fn memberships_of(files: &[(String, Vec<u8>)]) -> Vec<(String, String)> {
    let mut expected: Vec<(String, String)> = files
        .iter()
        .flat_map(|(_, bytes)| {
            String::from_utf8(bytes.clone())
                .unwrap()
                .lines()
                .skip(1)
                .map(|line| {
                    let (cohort, user) = line.split_once(';').unwrap();
                    (cohort.to_owned(), user.to_owned())
                })
                .collect::<Vec<_>>()
        })
        .collect();
    expected.sort();
    expected
}

/// The database's memberships in Rust's order (collations differ between backends).
async fn sorted(env: &TestEnv) -> Vec<(String, String)> {
    let mut memberships = env.memberships().await;
    memberships.sort();
    memberships
}

/// A ledger row, as far as these tests look at it.
#[derive(Debug)]
struct LedgerRow {
    name: String,
    outcome: String,
    lines: u64,
    changed: u64,
    failed: u64,
    report: String,
    report_json: String,
    kept: String,
    host: String,
}

async fn ledger(env: &TestEnv) -> Vec<LedgerRow> {
    env.rows(
        "SELECT name, outcome, linecount, changedcount, failedcount, report, reportjson, kept, host \
         FROM {moodlesync_ledger} ORDER BY id",
    )
    .await
    .into_iter()
    .map(|row| LedgerRow {
        name: row[0].clone(),
        outcome: row[1].clone(),
        lines: row[2].parse().unwrap(),
        changed: row[3].parse().unwrap(),
        failed: row[4].parse().unwrap(),
        report: row[5].clone(),
        report_json: row[6].clone(),
        kept: row[7].clone(),
        host: row[8].clone(),
    })
    .collect()
}

/// The ledger's row count, 0 while no watcher has created the table yet. The test never
/// creates it itself: watchers starting together create it concurrently, and that is theirs to
/// get right.
async fn ledger_count(env: &TestEnv) -> usize {
    env.db
        .recent_runs(1_000_000)
        .await
        .map_or(0, |runs| runs.len())
}

/// Checks that each of `inputs` was applied exactly once, and that nothing else happened: one
/// `success` ledger row per file and no other row, memberships the union of the files' lines,
/// the archive holding each file's bytes once, both reports of each row in place with totals
/// that only a first application gives, and an empty spool without claims. `context` goes into
/// every message (the seed, the logs).
async fn assert_applied_once(env: &TestEnv, inputs: &[(String, Vec<u8>)], context: &str) {
    let paths = &env.config.paths;
    let rows = ledger(env).await;
    let mut names: Vec<&str> = rows.iter().map(|row| row.name.as_str()).collect();
    names.sort_unstable();
    let mut expected_names: Vec<&str> = inputs.iter().map(|(name, _)| name.as_str()).collect();
    expected_names.sort_unstable();
    assert_eq!(
        names, expected_names,
        "one ledger row per file, no other row\n{context}"
    );

    let by_name: BTreeMap<&str, &Vec<u8>> = inputs
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes))
        .collect();
    for row in &rows {
        let input = by_name[row.name.as_str()];
        let lines = (input.iter().filter(|&&byte| byte == b'\n').count() - 1) as u64;
        assert_eq!(
            (row.outcome.as_str(), row.lines, row.changed, row.failed),
            ("success", lines, lines, 0),
            "ledger row of {}\n{context}",
            row.name
        );
        assert!(
            Path::new(&row.report).is_file(),
            "report {} of {} is missing\n{context}",
            row.report,
            row.name
        );
        let json: serde_json::Value =
            serde_json::from_slice(&fs::read(&row.report_json).unwrap_or_else(|error| {
                panic!(
                    "JSON report {} of {}: {error}\n{context}",
                    row.report_json, row.name
                )
            }))
            .unwrap();
        assert_eq!(
            (
                json["totals"]["lines"].as_u64(),
                json["totals"]["changed"].as_u64()
            ),
            (Some(lines), Some(lines)),
            "totals of {}\n{context}",
            row.report_json
        );
        assert_eq!(
            fs::read(&row.kept).ok().as_ref(),
            Some(input),
            "the archived input {} of {}\n{context}",
            row.kept,
            row.name
        );
    }

    // The archive holds each input's bytes exactly once: nothing lost, nothing archived twice.
    let mut archived: Vec<(String, Vec<u8>)> = contents(env, &paths.archive)
        .into_iter()
        .map(|(name, bytes)| (archived_name(&name).to_owned(), bytes))
        .collect();
    archived.sort();
    let mut expected_archive = inputs.to_vec();
    expected_archive.sort();
    assert!(
        archived == expected_archive,
        "the archive holds {} files, {} inputs were dropped: {:?}\n{context}",
        archived.len(),
        inputs.len(),
        archived.iter().map(|(name, _)| name).collect::<Vec<_>>()
    );
    // Two reports per run, none for attempts that were interrupted and not committed.
    assert_eq!(
        env.files(&paths.reports).len(),
        2 * inputs.len(),
        "reports: {:?}\n{context}",
        env.files(&paths.reports)
    );
    assert_eq!(
        env.files(&paths.failed),
        Vec::<String>::new(),
        "failed area\n{context}"
    );
    // Tens of thousands of rows, both sorted: the message shows the difference, not both lists.
    let (actual, expected) = (sorted(env).await, memberships_of(inputs));
    if actual != expected {
        let missing: Vec<_> = expected
            .iter()
            .filter(|row| actual.binary_search(row).is_err())
            .collect();
        let extra: Vec<_> = actual
            .iter()
            .filter(|row| expected.binary_search(row).is_err())
            .collect();
        panic!(
            "{} memberships, {} expected; missing (first 10) {:?}, unexpected (first 10) {:?}\n{context}",
            actual.len(),
            expected.len(),
            &missing[..missing.len().min(10)],
            &extra[..extra.len().min(10)]
        );
    }
    assert_eq!(
        env.files(&paths.spool),
        Vec::<String>::new(),
        "spool\n{context}"
    );
    assert_eq!(
        claim_folders(&paths.spool),
        Vec::<PathBuf>::new(),
        "claims left\n{context}"
    );
}

/// Whether the spool is empty and no claim is in progress.
fn spool_settled(env: &TestEnv) -> bool {
    env.files(&env.config.paths.spool).is_empty()
        && claim_folders(&env.config.paths.spool).is_empty()
}

/// A small deterministic generator (xorshift64*), so that a failing run can be repeated with
/// its seed.
struct Prng(u64);

impl Prng {
    /// Seeded from `MOODLE_SYNC_CRASH_SEED` when set (to repeat a run), else from the clock.
    fn new() -> Prng {
        let seed = std::env::var("MOODLE_SYNC_CRASH_SEED")
            .ok()
            .and_then(|seed| seed.parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        Prng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `low..=high`.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

/// All the logs of a test's watchers, labelled, for failure messages.
fn logs(watchers: &[&Watcher]) -> String {
    watchers
        .iter()
        .map(|watcher| format!("--- {}\n{}", watcher.log_path().display(), watcher.log()))
        .collect()
}

/// Lines of the large file of the stop tests: enough for applying it to take seconds, so that
/// a stop signal sent when it is picked lands while it is applied.
const LARGE: usize = 30_000;

/// Starts a watcher on a large file and sends SIGTERM as soon as the file is picked; returns
/// the stopped watcher, its exit status, and the file.
async fn stop_mid_file(env: &TestEnv) -> (Watcher, ExitStatus, (String, Vec<u8>)) {
    env.add_bulk_users(LARGE).await;
    let input = (
        "cohorts_large.csv".to_owned(),
        cohort_file("LARGE", 1, LARGE),
    );
    let watcher = Watcher::spawn(env, "watch");
    env.drop_file(&input.0, &input.1);
    let picked = eventually(EVENTUALLY, async || watcher.log().contains("File picked")).await;
    assert!(picked, "the file was never picked\n{}", watcher.log());
    watcher.terminate();
    // Whatever the deadline, the process must end: with the default one the file finishes in
    // a few seconds; with 0 s it is abandoned at once.
    let status = watcher.exit(EVENTUALLY).await;
    let status = status.unwrap_or_else(|| panic!("no exit after SIGTERM\n{}", watcher.log()));
    (watcher, status, input)
}

/// Whether the log says the stop signal came before the file finished, that is, while it was
/// applied (else the test did not test a stop mid-file).
fn stopped_mid_file(log: &str) -> bool {
    match (log.find("SIGTERM received"), log.find("File finished")) {
        (Some(signal), Some(finished)) => signal < finished,
        (Some(_), None) => true,
        _ => false,
    }
}

// A stop signal lets the file in progress finish: with the default deadline (30 s), the whole
// file is applied, archived and reported before the process exits with 0.
dbtest!(sigterm_mid_file_finishes_the_file, |env| {
    let mut env = env;
    env.reconfigure(SETTINGS);
    let started = Instant::now();
    let (watcher, status, input) = stop_mid_file(&env).await;
    let log = watcher.log();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(
        stopped_mid_file(&log),
        "SIGTERM did not land mid-file\n{log}"
    );
    assert_applied_once(&env, &[input], &log).await;
    assert_eq!(
        subfolders(&env.config.paths.spool.join(".moodle-sync")),
        Vec::<PathBuf>::new(),
        "a clean stop leaves no work folder\n{log}"
    );
    eprintln!(
        "sigterm_mid_file_finishes_the_file on {:?}: {:?}",
        env.backend,
        started.elapsed()
    );
});

// With a deadline of 0 s, a stop abandons the file in progress unless it happens to be done:
// either it was applied whole (and put in place), or nothing of it was and it is back in the
// spool, byte for byte, for the next start to apply exactly once.
dbtest!(sigterm_past_the_deadline_applies_all_or_nothing, |env| {
    let mut env = env;
    env.reconfigure(&format!("{SETTINGS}shutdown_timeout_s = 0\n"));
    let started = Instant::now();
    let (watcher, status, input) = stop_mid_file(&env).await;
    let log = watcher.log();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(
        stopped_mid_file(&log),
        "SIGTERM did not land mid-file\n{log}"
    );
    let paths = &env.config.paths;
    let applied = ledger_count(&env).await > 0;
    if applied {
        assert_applied_once(&env, std::slice::from_ref(&input), &log).await;
    } else {
        assert_eq!(env.members("LARGE").await, Vec::<String>::new(), "{log}");
        assert_eq!(
            contents(&env, &paths.spool),
            BTreeMap::from([input.clone()]),
            "the input is back in the spool, intact\n{log}"
        );
        assert_eq!(env.files(&paths.archive), Vec::<String>::new(), "{log}");
        assert_eq!(env.files(&paths.reports), Vec::<String>::new(), "{log}");
        assert_eq!(
            claim_folders(&paths.spool),
            Vec::<PathBuf>::new(),
            "claims left\n{log}"
        );
    }
    assert_eq!(
        subfolders(&paths.spool.join(".moodle-sync")),
        Vec::<PathBuf>::new(),
        "a stop leaves no work folder\n{log}"
    );
    // The next start applies what was put back, once.
    let next = Watcher::spawn(&env, "watch-again");
    let done = eventually(EVENTUALLY, async || {
        next.is_watching() && ledger_count(&env).await == 1 && spool_settled(&env)
    })
    .await;
    let logs = logs(&[&watcher, &next]);
    assert!(done, "the file was not applied after the restart\n{logs}");
    next.terminate();
    let exited = next.exit(EVENTUALLY).await;
    assert_eq!(exited.and_then(|status| status.code()), Some(0), "{logs}");
    assert_applied_once(&env, &[input], &logs).await;
    eprintln!(
        "sigterm_past_the_deadline_applies_all_or_nothing on {:?}: {} at the stop, {:?}",
        env.backend,
        if applied { "applied" } else { "put back" },
        started.elapsed()
    );
});

/// Files of the crash test, and lines in each.
const CRASH_FILES: usize = 40;
const CRASH_LINES: usize = 1000;
/// How many times the watcher is killed.
const KILLS: usize = 20;

// The watcher killed (SIGKILL) again and again at random instants, files dropped before and
// between the kills, then left to finish: every file is applied exactly once, with its
// archive and both reports, and nothing is left in the spool. A kill can land before a claim,
// between a claim and the commit (the file must go back to the spool), or between the commit
// and the outputs being put in place (the next start must put them in place); the seed printed
// on failure repeats the same delays (`MOODLE_SYNC_CRASH_SEED`).
dbtest!(killed_and_restarted_applies_each_file_once, |env| {
    let mut env = env;
    env.reconfigure(SETTINGS);
    let started = Instant::now();
    env.add_bulk_users(CRASH_FILES * CRASH_LINES).await;
    let inputs: Vec<(String, Vec<u8>)> = (0..CRASH_FILES)
        .map(|index| {
            (
                format!("cohorts_{index:02}.csv"),
                cohort_file(
                    &format!("K{index:02}"),
                    index * CRASH_LINES + 1,
                    CRASH_LINES,
                ),
            )
        })
        .collect();
    let spool = env.config.paths.spool.clone();
    let mut prng = Prng::new();
    let seed = prng.0;

    // Some files are there before the first start, the others come between kills.
    let (early, late) = inputs.split_at(CRASH_FILES * 2 / 5);
    for (name, bytes) in early {
        env.drop_file(name, bytes);
    }
    let mut late = late.iter();
    let mut watchers = Vec::new();
    let mut delays = Vec::new();
    // The claims kills left (by claim id, which adoption by the next process keeps), with
    // what each held: a kill that leaves a new one landed while a file was in progress.
    let mut claims_left: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut mid_file = 0;
    for round in 0..KILLS {
        let watcher = Watcher::spawn(&env, &format!("watch-{round:02}"));
        let delay = prng.between(20, 400);
        let drop_at = prng.between(0, delay);
        delays.push(delay);
        tokio::time::sleep(Duration::from_millis(drop_at)).await;
        for (name, bytes) in late.by_ref().take(2) {
            env.drop_file(name, bytes);
        }
        tokio::time::sleep(Duration::from_millis(delay - drop_at)).await;
        watcher.kill();
        let mut landed_mid_file = false;
        // A claim holding nothing but `claim.json` is one whose rename had not happened yet.
        for claim in claim_folders(&spool) {
            let id = claim.file_name().unwrap().to_string_lossy().into_owned();
            if let Entry::Vacant(entry) = claims_left.entry(id) {
                let mut held = env.files(&claim);
                held.retain(|name| name != "claim.json");
                entry.insert(held);
                landed_mid_file = true;
            }
        }
        mid_file += usize::from(landed_mid_file);
        watchers.push(watcher);
    }
    for (name, bytes) in late {
        env.drop_file(name, bytes);
    }

    // A last watcher, left alone until everything is applied and no claim is left.
    let mut last = Watcher::spawn(&env, "watch-last");
    let done = eventually(EVENTUALLY, async || {
        last.is_watching() && ledger_count(&env).await >= CRASH_FILES && spool_settled(&env)
    })
    .await;
    watchers.push(last);
    let all_logs = logs(&watchers.iter().collect::<Vec<_>>());
    let settled_applied = all_logs
        .matches("Interrupted file settled: it was applied")
        .count();
    let settled_back = all_logs
        .matches("Interrupted file settled: nothing of it was applied")
        .count();
    let staged = claims_left
        .values()
        .filter(|held| held.iter().any(|name| name == "outputs.json"))
        .count();
    let summary = format!(
        "seed {seed} (MOODLE_SYNC_CRASH_SEED={seed} repeats it), delays {delays:?} ms, {KILLS} kills, \
         {mid_file} mid-file ({staged} with outputs staged); settled on restart: \
         {settled_applied} applied, {settled_back} put back"
    );
    let claims: Vec<String> = claims_left
        .iter()
        .map(|(id, held)| format!("claim {id} left holding {held:?}"))
        .collect();
    let context = format!("{summary}\n{}\n{all_logs}", claims.join("\n"));
    assert!(done, "not everything was applied\n{context}");
    last = watchers.pop().unwrap();
    last.terminate();
    let exited = last.exit(EVENTUALLY).await;
    assert_eq!(
        exited.and_then(|status| status.code()),
        Some(0),
        "the last watcher's exit\n{context}"
    );
    assert_applied_once(&env, &inputs, &context).await;
    // The work folders of the killed processes were adopted and removed, and the last one's
    // went with its clean stop.
    assert_eq!(
        subfolders(&spool.join(".moodle-sync")),
        Vec::<PathBuf>::new(),
        "work folders left\n{context}"
    );
    eprintln!(
        "killed_and_restarted_applies_each_file_once on {:?}: {:?}; {summary}",
        env.backend,
        started.elapsed()
    );
});

/// Files of the two-watcher test, and lines in each.
const BURST_FILES: usize = 200;
const BURST_LINES: usize = 5;

// Two watchers on one spool and one database, 200 files dropped at once: each file is claimed
// by exactly one of them and applied exactly once; both stop cleanly on SIGTERM.
dbtest!(two_watchers_on_one_spool_apply_each_file_once, |env| {
    let mut env = env;
    env.reconfigure(SETTINGS);
    let started = Instant::now();
    env.add_bulk_users(BURST_FILES * BURST_LINES).await;
    let inputs: Vec<(String, Vec<u8>)> = (0..BURST_FILES)
        .map(|index| {
            (
                format!("cohorts_{index:03}.csv"),
                cohort_file(
                    &format!("B{index:03}"),
                    index * BURST_LINES + 1,
                    BURST_LINES,
                ),
            )
        })
        .collect();
    let first = Watcher::spawn(&env, "watch-a");
    let second = Watcher::spawn(&env, "watch-b");
    // Both must be up before the burst; one that ends meanwhile fails the test at once.
    let both = eventually(EVENTUALLY, async || {
        (first.is_watching() && second.is_watching()) || !first.running() || !second.running()
    })
    .await;
    let context = logs(&[&first, &second]);
    assert!(
        both && first.running() && second.running(),
        "both watchers must be running\n{context}"
    );
    // Each keeps its own locked work folder: a process starting must never take the other's
    // for a dead one's (it would remove it, and the other could never claim a file).
    let work = env.config.paths.spool.join(".moodle-sync");
    for watcher in [&first, &second] {
        let folder = work.join(format!("{}@{}", watcher.id(), host_name()));
        assert!(
            folder.join(".lock").is_file(),
            "the work folder {} is gone\n{context}",
            folder.display()
        );
    }
    for (name, bytes) in &inputs {
        env.drop_file(name, bytes);
    }
    let done = eventually(EVENTUALLY, async || {
        env.files(&env.config.paths.archive).len() >= BURST_FILES && spool_settled(&env)
    })
    .await;
    let context = logs(&[&first, &second]);
    assert!(done, "not everything was archived\n{context}");
    first.terminate();
    second.terminate();
    for watcher in [&first, &second] {
        let exited = watcher.exit(EVENTUALLY).await;
        assert_eq!(
            exited.and_then(|status| status.code()),
            Some(0),
            "{}\n{context}",
            watcher.log_path().display()
        );
    }
    let context = logs(&[&first, &second]);
    assert_applied_once(&env, &inputs, &context).await;
    assert_eq!(
        subfolders(&env.config.paths.spool.join(".moodle-sync")),
        Vec::<PathBuf>::new(),
        "work folders left\n{context}"
    );
    let rows = ledger(&env).await;
    let mut hosts: BTreeMap<&str, usize> = BTreeMap::new();
    for row in &rows {
        *hosts.entry(row.host.as_str()).or_default() += 1;
    }
    // Sharing a spool and a database is normal operation: starting together (both creating
    // the ledger tables on a fresh database) or losing a race for a file is not worth a
    // warning, let alone "the database cannot be used".
    let warnings: Vec<&str> = context
        .lines()
        .filter(|line| line.contains(" WARN ") || line.contains(" ERROR "))
        .collect();
    assert_eq!(
        warnings,
        Vec::<&str>::new(),
        "warnings or errors logged\n{context}"
    );
    eprintln!(
        "two_watchers_on_one_spool_apply_each_file_once on {:?}: {:?}; files per process {hosts:?}",
        env.backend,
        started.elapsed()
    );
});

// Outputs staged before the commit reach their place even when placing them fails at first.
// After the commit the input is archived first, then the reports are placed: a crash (or a
// reports folder that cannot be written) in between leaves a claim whose input is already in
// the archive while its reports are still staged, and settling it must still put them in
// place. Here the reports folder is replaced by a file while the file is applied, which leaves
// exactly that without depending on the instant of a kill; once the folder is back, the
// reports the ledger names must be there.
dbtest!(staged_reports_survive_a_failure_after_the_archive, |env| {
    let mut env = env;
    env.reconfigure(SETTINGS);
    env.add_bulk_users(10).await;
    let input = ("cohorts_once.csv".to_owned(), cohort_file("ONCE", 1, 10));
    let reports = env.config.paths.reports.clone();
    let watcher = Watcher::spawn(&env, "watch");
    let watching = eventually(EVENTUALLY, async || watcher.is_watching()).await;
    assert!(watching, "{}", watcher.log());
    fs::remove_dir(&reports).unwrap();
    fs::write(&reports, b"not a folder").unwrap();
    env.drop_file(&input.0, &input.1);
    let decided = eventually(EVENTUALLY, async || {
        watcher
            .log()
            .contains("File decided, but outputs are missing")
    })
    .await;
    assert!(decided, "{}", watcher.log());
    fs::remove_file(&reports).unwrap();
    fs::create_dir(&reports).unwrap();
    let settled = eventually(EVENTUALLY, async || spool_settled(&env)).await;
    assert!(settled, "{}", watcher.log());
    watcher.terminate();
    let exited = watcher.exit(EVENTUALLY).await;
    let log = watcher.log();
    assert_eq!(exited.and_then(|status| status.code()), Some(0), "{log}");
    assert_applied_once(&env, &[input], &log).await;
});
