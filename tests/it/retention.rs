//! Retention: old files rolled into one checked zip per month and folder, bundles past their
//! horizon deleted, nothing removed before its bundle is read back and checked, held files
//! never touched, `prune --dry-run` changing nothing, and a run's kept files still readable
//! by the paths the ledger recorded once bundled. Times are faked: files get modification
//! times in the past and prunes are given their `now`.

use std::{
    fs::{self, File},
    io::Read,
    path::{Path, PathBuf},
    time::SystemTime,
};

use chrono::{DateTime, TimeZone, Utc};
use moodle_sync::retention::{
    self, FolderRule, RetentionError, prune_folder, prune_folder_with, read_kept,
};

use crate::{dbtest, support};

const RULE: FolderRule = FolderRule {
    bundle_after_days: 30,
    delete_bundles_after_months: 24,
};

fn at(year: i32, month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, 10, 30, 0).unwrap()
}

/// Writes `bytes` at `dir/name` (folders made) last modified at `modified`.
fn put(dir: &Path, name: &str, bytes: &[u8], modified: DateTime<Utc>) -> PathBuf {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, bytes).unwrap();
    set_modified(&path, modified);
    path
}

fn set_modified(path: &Path, modified: DateTime<Utc>) {
    File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(SystemTime::from(modified))
        .unwrap();
}

/// A bundle's entries and their bytes, in the bundle's order.
fn entries(bundle: &Path) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(File::open(bundle).unwrap()).unwrap();
    (0..archive.len())
        .map(|index| {
            let mut entry = archive.by_index(index).unwrap();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            (entry.name().unwrap().into_owned(), bytes)
        })
        .collect()
}

/// Every file under `dir`, with its bytes, by relative path; the prune's lock file left out.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let Ok(read) = fs::read_dir(&folder) else {
            continue;
        };
        for entry in read {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if !path.ends_with(".retention.lock") {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                found.push((name, fs::read(&path).unwrap()));
            }
        }
    }
    found.sort();
    found
}

fn owned(pairs: &[(&str, &[u8])]) -> Vec<(String, Vec<u8>)> {
    pairs
        .iter()
        .map(|(name, bytes)| ((*name).to_owned(), bytes.to_vec()))
        .collect()
}

#[test]
fn old_files_go_into_one_bundle_per_month_with_their_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path();
    put(archive, "a.csv", b"september a", at(2026, 9, 1));
    put(archive, "sub/b.csv", b"september b", at(2026, 9, 30));
    put(archive, "c.csv", b"august", at(2026, 8, 2));
    put(archive, "young.csv", b"young", at(2026, 10, 20));
    put(archive, ".hidden", b"hidden", at(2020, 1, 1));
    put(archive, "bundle-notes.zip", b"not a bundle", at(2020, 1, 1));

    let pruned = prune_folder(archive, RULE, at(2026, 10, 31), false).unwrap();
    let names: Vec<&str> = pruned.bundles.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["bundle-2026-08.zip", "bundle-2026-09.zip"]);
    assert_eq!(pruned.bundles[1].files, ["a.csv", "sub/b.csv"]);
    assert_eq!(pruned.bundles[1].bytes, 22);

    assert_eq!(
        entries(&archive.join("bundle-2026-09.zip")),
        owned(&[("a.csv", b"september a"), ("sub/b.csv", b"september b")])
    );
    assert_eq!(
        entries(&archive.join("bundle-2026-08.zip")),
        owned(&[("c.csv", b"august")])
    );
    // The originals went; the young, the hidden and the bundle-named file stayed.
    let left: Vec<String> = tree(archive).into_iter().map(|(name, _)| name).collect();
    assert_eq!(
        left,
        [
            ".hidden",
            "bundle-2026-08.zip",
            "bundle-2026-09.zip",
            "bundle-notes.zip",
            "young.csv"
        ]
    );
    // Read back by the path it had.
    assert_eq!(
        read_kept(archive, &archive.join("sub/b.csv")).unwrap(),
        b"september b"
    );
    assert_eq!(
        read_kept(archive, &archive.join("young.csv")).unwrap(),
        b"young"
    );
    let missing = read_kept(archive, &archive.join("never.csv")).unwrap_err();
    assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    assert!(retention::exists_kept(archive, Path::new("c.csv")).unwrap());
    assert!(!retention::exists_kept(archive, Path::new("never.csv")).unwrap());
}

/// Damages a bundle in place: `truncate` cuts it in half; else it becomes a valid zip whose
/// entries have other bytes (CRCs right, contents wrong).
fn damage(bundle: &Path, truncate: bool) {
    if truncate {
        let bytes = fs::read(bundle).unwrap();
        fs::write(bundle, &bytes[..bytes.len() / 2]).unwrap();
        return;
    }
    let names: Vec<String> = entries(bundle).into_iter().map(|(name, _)| name).collect();
    let mut zip = zip::ZipWriter::new(File::create(bundle).unwrap());
    for name in names {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, b"other bytes").unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn a_bundle_that_fails_its_check_removes_no_original() {
    for truncate in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path();
        let a = put(folder, "a.csv", b"first file, some bytes", at(2026, 3, 3));
        let b = put(folder, "b.csv", b"second file", at(2026, 3, 4));
        // The bundle is damaged once in place, before it is read back.
        let mut damaged = Vec::new();
        let outcome = prune_folder_with(
            folder,
            RULE,
            at(2026, 10, 1),
            &mut |bundle: &Path| {
                damage(bundle, truncate);
                damaged.push(bundle.to_path_buf());
            },
            &|| false,
        );
        let error = outcome.unwrap_err();
        assert!(
            matches!(error, RetentionError::Unverified { .. }),
            "{error}"
        );
        assert!(
            error.to_string().contains("no original was removed"),
            "{error}"
        );
        assert_eq!(damaged, [folder.join("bundle-2026-03.zip")]);
        assert_eq!(fs::read(&a).unwrap(), b"first file, some bytes");
        assert_eq!(fs::read(&b).unwrap(), b"second file");
    }
}

#[test]
fn an_unreadable_bundle_of_the_month_is_left_and_its_files_stay() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path();
    fs::write(folder.join("bundle-2026-03.zip"), b"not a zip at all").unwrap();
    let a = put(folder, "a.csv", b"march", at(2026, 3, 3));
    let error = prune_folder(folder, RULE, at(2026, 10, 1), false).unwrap_err();
    assert!(
        matches!(error, RetentionError::Unreadable { .. }),
        "{error}"
    );
    assert_eq!(fs::read(&a).unwrap(), b"march");
    assert_eq!(
        fs::read(folder.join("bundle-2026-03.zip")).unwrap(),
        b"not a zip at all"
    );
}

#[test]
fn a_later_prune_adds_to_the_month_without_losing_an_entry() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path();
    put(folder, "a.csv", b"one", at(2026, 5, 1));
    put(folder, "sub/b.csv", b"two", at(2026, 5, 2));
    prune_folder(folder, RULE, at(2026, 7, 1), false).unwrap();
    // Later: another file of May, and a new file under a name the bundle holds.
    put(folder, "c.csv", b"three", at(2026, 5, 20));
    put(
        folder,
        "a.csv",
        b"one, again but different",
        at(2026, 5, 21),
    );
    let pruned = prune_folder(folder, RULE, at(2026, 8, 1), false).unwrap();
    assert_eq!(pruned.bundles[0].files, ["a.csv", "c.csv"]);
    assert_eq!(
        entries(&folder.join("bundle-2026-05.zip")),
        owned(&[
            ("a.csv", b"one"),
            ("sub/b.csv", b"two"),
            ("a~2.csv", b"one, again but different"),
            ("c.csv", b"three"),
        ])
    );
    let left: Vec<String> = tree(folder).into_iter().map(|(name, _)| name).collect();
    assert_eq!(left, ["bundle-2026-05.zip"]);
    // A file whose very bytes the bundle holds (a prune stopped after its check) is only
    // removed, not added twice.
    put(folder, "c.csv", b"three", at(2026, 5, 20));
    prune_folder(folder, RULE, at(2026, 8, 2), false).unwrap();
    assert_eq!(entries(&folder.join("bundle-2026-05.zip")).len(), 4);
    assert!(!folder.join("c.csv").exists());
}

#[test]
fn bundles_past_their_horizon_are_deleted_younger_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path();
    for (name, when) in [("old.csv", at(2024, 9, 10)), ("kept.csv", at(2024, 10, 10))] {
        put(folder, name, name.as_bytes(), when);
    }
    prune_folder(folder, RULE, at(2024, 12, 1), false).unwrap();
    assert!(folder.join("bundle-2024-09.zip").is_file());
    // 2024-09 is 25 months before 2026-10, 2024-10 24.
    let pruned = prune_folder(folder, RULE, at(2026, 10, 5), false).unwrap();
    assert_eq!(pruned.deleted, ["bundle-2024-09.zip"]);
    assert!(!folder.join("bundle-2024-09.zip").exists());
    assert_eq!(
        entries(&folder.join("bundle-2024-10.zip")),
        owned(&[("kept.csv", b"kept.csv")])
    );
}

/// A service's folders, with no configuration file (the defaults), old files in each.
fn old_folders(root: &Path) -> Vec<(String, Vec<u8>)> {
    let old = at(2020, 2, 2);
    for folder in [
        "archive",
        "reports",
        "failed",
        "logs",
        "held",
        "discarded",
        "spool",
    ] {
        put(root, &format!("{folder}/old-{folder}.csv"), b"old", old);
    }
    put(root, "state/netypareo/x/last-pull.json", b"{}", old);
    tree(root)
}

#[test]
fn prune_bundles_every_folder_but_never_touches_held_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    old_folders(root);
    let output = support::bare(root, &["prune"]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("bundled 1 file (3 bytes) into bundle-2020-02.zip"),
        "{stdout}"
    );
    let left: Vec<String> = tree(root).into_iter().map(|(name, _)| name).collect();
    assert_eq!(
        left,
        [
            "archive/bundle-2020-02.zip",
            "discarded/old-discarded.csv",
            "failed/bundle-2020-02.zip",
            "held/old-held.csv",
            "logs/bundle-2020-02.zip",
            "reports/bundle-2020-02.zip",
            "spool/old-spool.csv",
            "state/netypareo/x/last-pull.json",
        ]
    );
    assert_eq!(fs::read(root.join("held/old-held.csv")).unwrap(), b"old");
}

#[test]
fn prune_dry_run_prints_the_plan_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let before = old_folders(root);
    let output = support::bare(root, &["prune", "--dry-run"]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    for folder in ["archive", "reports", "failed", "logs"] {
        assert!(
            stdout.contains(&format!("{folder} ({folder}):")),
            "{stdout}"
        );
        assert!(
            stdout.contains(&format!("    old-{folder}.csv")),
            "{stdout}"
        );
    }
    assert!(
        stdout.contains("would bundle 1 file (3 bytes) into bundle-2020-02.zip"),
        "{stdout}"
    );
    assert!(!stdout.contains("held"), "{stdout}");
    assert_eq!(tree(root), before);
}

#[test]
fn prune_fails_with_code_5_when_a_bundle_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    put(root, "archive/a.csv", b"a", at(2020, 2, 2));
    fs::write(root.join("archive/bundle-2020-02.zip"), b"broken").unwrap();
    let output = support::bare(root, &["prune"]);
    assert_eq!(output.status.code(), Some(5), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("archive: cannot read the bundle"),
        "{stderr}"
    );
    assert_eq!(fs::read(root.join("archive/a.csv")).unwrap(), b"a");
}

dbtest!(
    a_runs_kept_files_are_read_by_the_ledgers_paths_once_bundled,
    |env| {
        env.add_users(&["u1"]).await;
        let input = b"cmd;cidnumber;cname;userid\nadd;NEW;New;u1\n";
        let summary = env.run("cohorts.csv", input).await;
        assert_eq!(summary.exit_code(), 0);
        let rows = env
            .rows("SELECT kept, report FROM {moodlesync_ledger} ORDER BY id")
            .await;
        let (kept, report) = (PathBuf::from(&rows[0][0]), PathBuf::from(&rows[0][1]));
        let report_bytes = fs::read(&report).unwrap();
        let paths = &env.config.paths;
        let later = Utc::now() + chrono::TimeDelta::days(400);
        for folder in [&paths.archive, &paths.reports] {
            let pruned = prune_folder(folder, RULE, later, false).unwrap();
            assert_eq!(pruned.bundles.len(), 1, "{}", folder.display());
        }
        assert!(!kept.exists() && !report.exists());
        assert_eq!(read_kept(&paths.archive, &kept).unwrap(), input);
        assert_eq!(read_kept(&paths.reports, &report).unwrap(), report_bytes);
    }
);

#[test]
fn one_prune_of_a_folder_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path();
    let a = put(folder, "a.csv", b"a", at(2026, 1, 1));
    let held = File::create(folder.join(".retention.lock")).unwrap();
    held.lock().unwrap();
    let error = prune_folder(folder, RULE, at(2026, 6, 1), false).unwrap_err();
    assert!(matches!(error, RetentionError::Busy { .. }), "{error}");
    assert!(a.exists());
    held.unlock().unwrap();
    prune_folder(folder, RULE, at(2026, 6, 1), false).unwrap();
    assert!(!a.exists());
}
