//! An input changed after it was read kept beside what was applied, and an applied file
//! watched for late writes.

use std::{fs, io::Write};

use super::support::{BYTES, World, entries};
use crate::spool::{claim::*, scan::Stamp};

#[test]
fn the_input_kept_is_the_bytes_read_and_a_later_change_is_kept_beside() {
    // A writer without a temporary name that still held the file: it appended after the
    // file was read and applied. The archive holds the bytes read; the claimed file, grown,
    // is kept in the failed area, and nothing the writer sent is lost.
    let world = World::new();
    let workspace = Workspace::open(&world.spool()).unwrap();
    let path = world.drop_file("cohorts.csv", BYTES);
    let mut writer = fs::OpenOptions::new().append(true).open(&path).unwrap();
    let claim = world.claim(&workspace, "cohorts.csv");
    let read = Stamp::of(&fs::metadata(claim.input()).unwrap());
    fs::write(claim.dir.join(STAGED_INPUT), BYTES).unwrap();
    let failed = world.dir.path().join("failed");
    let plan = OutputPlan {
        version: PLAN_VERSION,
        files: Vec::new(),
        input_to: Some(world.archive().join("20260101-120000_cohorts.csv")),
        input_staged: Some(STAGED_INPUT.into()),
        input_read: Some(read),
        changed_to: Some(failed.join("20260101-120000_cohorts.changed.csv")),
        input_sha256: None,
        remove_source: None,
    };
    claim.plan(&plan).unwrap();
    writer
        .write_all(b"add;COH76;Classe Stall;;user76\n")
        .unwrap();

    let published = claim.publish(&plan).unwrap();
    assert_eq!(
        fs::read(published.input.as_ref().unwrap()).unwrap(),
        BYTES,
        "the archive holds the bytes read"
    );
    let changed = published.changed.expect("the changed file is kept");
    assert_eq!(changed, failed.join("20260101-120000_cohorts.changed.csv"));
    assert_eq!(
        fs::read(&changed).unwrap(),
        [BYTES, &b"add;COH76;Classe Stall;;user76\n"[..]].concat()
    );
    assert!(!claim.dir.exists());
}

#[test]
fn an_unchanged_input_is_not_kept_twice_and_old_plans_still_load() {
    let world = World::new();
    let workspace = Workspace::open(&world.spool()).unwrap();
    world.drop_file("cohorts.csv", BYTES);
    let claim = world.claim(&workspace, "cohorts.csv");
    let read = Stamp::of(&fs::metadata(claim.input()).unwrap());
    fs::write(claim.dir.join(STAGED_INPUT), BYTES).unwrap();
    let failed = world.dir.path().join("failed");
    let plan = OutputPlan {
        version: PLAN_VERSION,
        files: Vec::new(),
        input_to: Some(world.archive().join("20260101-120000_cohorts.csv")),
        input_staged: Some(STAGED_INPUT.into()),
        input_read: Some(read),
        changed_to: Some(failed.join("20260101-120000_cohorts.changed.csv")),
        input_sha256: None,
        remove_source: None,
    };
    let published = claim.publish(&plan).unwrap();
    assert_eq!(published.changed, None);
    assert!(!failed.exists(), "nothing kept in the failed area");
    assert_eq!(entries(&world.archive()).len(), 1);

    // A plan written before the staged copy existed (version 1) places the claimed input.
    let old: OutputPlan = serde_json::from_str(
        r#"{"version": 1, "files": [], "input_to": "/srv/archive/x.csv", "remove_source": null}"#,
    )
    .unwrap();
    assert_eq!(old.input_staged, None);
    assert_eq!(old.input_read, None);
    assert_eq!(claim.placed_input(&old), claim.input());
}

#[test]
fn a_file_whose_change_time_alone_moved_did_not_change() {
    let world = World::new();
    let path = world.drop_file("cohorts.csv", BYTES);
    let read = Stamp::of(&fs::metadata(&path).unwrap());
    let sha = sha256_of(&path).unwrap();
    // A chmod (or a link removed) moves the change time, not the bytes.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let mut permissions = fs::metadata(&path).unwrap().permissions();
    permissions.set_readonly(true);
    fs::set_permissions(&path, permissions).unwrap();
    let metadata = fs::metadata(&path).unwrap();
    assert_ne!(Stamp::of(&metadata), read, "the change time moved");
    assert!(!changed(&path, &metadata, &read, &sha));
    // Without the bytes' SHA-256 to tell, any other stamp is a change.
    assert!(changed(&path, &metadata, &read, ""));
}

#[test]
fn a_watched_file_written_after_its_commit_is_kept_and_an_unchanged_one_forgotten() {
    let world = World::new();
    let workspace = Workspace::open(&world.spool()).unwrap();
    let failed = world.dir.path().join("failed");
    let plan_for = |claim: &Claim| OutputPlan {
        version: PLAN_VERSION,
        files: Vec::new(),
        input_to: None,
        input_staged: None,
        input_read: Some(Stamp::of(&fs::metadata(claim.input()).unwrap())),
        changed_to: Some(failed.join(format!("{}.changed.csv", claim.name))),
        input_sha256: Some(sha256_of(&claim.input()).unwrap()),
        remove_source: None,
    };
    let path = world.drop_file("cohorts_late.csv", BYTES);
    let mut writer = fs::OpenOptions::new().append(true).open(&path).unwrap();
    let late = world.claim(&workspace, "cohorts_late.csv");
    late.watch_after(&plan_for(&late), now_ms() + 60_000)
        .unwrap();
    late.discard().unwrap();
    world.drop_file("cohorts_quiet.csv", BYTES);
    let quiet = world.claim(&workspace, "cohorts_quiet.csv");
    quiet
        .watch_after(&plan_for(&quiet), now_ms() + 60_000)
        .unwrap();
    quiet.discard().unwrap();
    assert_eq!(check_watched(&world.spool(), now_ms()), []);

    // The writer sends its rest after the commit: kept, whole, in the failed area.
    writer.write_all(b"C1;Cohort one;u2\n").unwrap();
    let found = check_watched(&world.spool(), now_ms());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].name, "cohorts_late.csv");
    assert_eq!(
        fs::read(&found[0].kept).unwrap(),
        [BYTES, &b"C1;Cohort one;u2\n"[..]].concat()
    );
    // Time up for the quiet one: forgotten, nothing kept.
    assert_eq!(check_watched(&world.spool(), now_ms() + 120_000), []);
    assert_eq!(
        entries(&world.work().join(".watched")),
        Vec::<String>::new()
    );
    assert_eq!(entries(&failed), ["cohorts_late.csv.changed.csv"]);
}
