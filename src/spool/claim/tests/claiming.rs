//! Claims: a file renamed into a claim folder of its own, once, with its done marker;
//! loaded as it was made; put back; a `run`'s file copied.

use std::fs;

use super::support::{BYTES, World, entries};
use crate::{
    command::FileKind,
    spool::claim::{workspace::claim_dirs, *},
};

#[test]
fn a_claim_moves_the_file_into_a_claim_folder_of_its_own() {
    let world = World::new();
    let workspace = Workspace::open(&world.spool()).unwrap();
    let dropped = world.drop_file("cohorts.csv", BYTES);
    let before = now_ms();
    let claim = world.claim(&workspace, "cohorts.csv");

    assert!(!dropped.exists(), "the file is still in the spool");
    assert_eq!(
        claim.dir,
        world.work().join(workspace.instance()).join(&claim.id)
    );
    assert_eq!(claim.input(), claim.dir.join("cohorts.csv"));
    assert_eq!(fs::read(claim.input()).unwrap(), BYTES);
    assert_eq!(entries(&claim.dir), ["claim.json", "cohorts.csv"]);
    assert!(claim.id.starts_with(&format!("{}-", workspace.instance())));
    assert_eq!(claim.instance, workspace.instance());
    assert_eq!(workspace.instance(), crate::host::instance());
    assert_eq!(claim.source, dropped);
    assert!(!claim.external);
    assert_eq!(claim.marker, None);
    assert!(claim.claimed_at >= before && claim.claimed_at <= now_ms());

    // claim.json says what was claimed, from where.
    let recorded: serde_json::Value =
        serde_json::from_slice(&fs::read(claim.dir.join("claim.json")).unwrap()).unwrap();
    assert_eq!(recorded["id"], claim.id.as_str());
    assert_eq!(recorded["name"], "cohorts.csv");
    assert_eq!(recorded["kind"], "cohorts");
    assert_eq!(recorded["source"], dropped.to_str().unwrap());
    assert_eq!(recorded["instance"], workspace.instance());
    assert_eq!(recorded["version"], 1);
    assert!(recorded.get("dir").is_none(), "{recorded}");

    // The spool lists no file any more: the work folder is a folder.
    assert_eq!(entries(&world.spool()), [WORK_FOLDER]);
}

#[test]
fn a_file_is_claimed_once() {
    let world = World::new();
    let workspace = Workspace::open(&world.spool()).unwrap();
    world.drop_file("cohorts.csv", BYTES);
    let first = world.claim(&workspace, "cohorts.csv");
    let second = workspace
        .claim(&world.spool(), "cohorts.csv", FileKind::Cohorts, None)
        .unwrap();
    assert_eq!(second, None);
    // The failed attempt leaves no claim folder behind.
    assert_eq!(
        claim_dirs(workspace.dir()),
        std::slice::from_ref(&first.dir)
    );
    assert_eq!(fs::read(first.input()).unwrap(), BYTES);
}

#[test]
fn a_claim_takes_its_done_marker_along() {
    let world = World::new();
    let workspace = Workspace::open(&world.spool()).unwrap();
    world.drop_file("cohorts.csv", BYTES);
    world.drop_file("cohorts.csv.done", b"");
    let claim = workspace
        .claim(
            &world.spool(),
            "cohorts.csv",
            FileKind::Cohorts,
            Some(".done"),
        )
        .unwrap()
        .unwrap();
    assert_eq!(claim.marker.as_deref(), Some("cohorts.csv.done"));
    assert_eq!(
        entries(&claim.dir),
        ["claim.json", "cohorts.csv", "cohorts.csv.done"]
    );
    assert_eq!(entries(&world.spool()), [WORK_FOLDER]);
    // The marker is recorded, so that putting the file back restores it too.
    assert_eq!(Claim::load(&claim.dir).unwrap(), Some(claim.clone()));
    assert_eq!(claim.put_back(&world.spool()).unwrap(), PutBack::Done);
    assert_eq!(
        entries(&world.spool()),
        [WORK_FOLDER, "cohorts.csv", "cohorts.csv.done"]
    );
}

#[test]
fn a_claim_loads_as_it_was_made() {
    let world = World::new();
    let workspace = Workspace::open(&world.spool()).unwrap();
    world.drop_file("cohortscourses.csv", BYTES);
    let claim = workspace
        .claim(
            &world.spool(),
            "cohortscourses.csv",
            FileKind::Bindings,
            None,
        )
        .unwrap()
        .unwrap();
    let loaded = Claim::load(&claim.dir).unwrap();
    assert_eq!(loaded, Some(claim.clone()));

    // A folder without claim.json, or whose claim.json was cut short, claimed nothing.
    let unfinished = workspace.dir().join("unfinished");
    fs::create_dir(&unfinished).unwrap();
    assert_eq!(Claim::load(&unfinished).unwrap(), None);
    fs::write(unfinished.join("claim.json"), b"{\"version\": 1, \"id\"").unwrap();
    assert_eq!(Claim::load(&unfinished).unwrap(), None);
    // A complete claim.json whose input never arrived (a crash before the rename) neither.
    fs::copy(claim.dir.join("claim.json"), unfinished.join("claim.json")).unwrap();
    assert_eq!(Claim::load(&unfinished).unwrap(), None);
}

#[test]
fn a_claim_put_back_is_in_the_spool_again_byte_for_byte() {
    let world = World::new();
    let workspace = Workspace::open(&world.spool()).unwrap();
    world.drop_file("cohorts.csv", BYTES);
    let claim = world.claim(&workspace, "cohorts.csv");

    assert_eq!(claim.put_back(&world.spool()).unwrap(), PutBack::Done);
    assert_eq!(fs::read(world.spool().join("cohorts.csv")).unwrap(), BYTES);
    assert!(!claim.dir.exists(), "the claim folder is still there");
    assert!(claim_dirs(workspace.dir()).is_empty());
}

#[test]
fn a_claim_is_never_put_back_over_a_new_file_of_its_name() {
    let world = World::new();
    let workspace = Workspace::open(&world.spool()).unwrap();
    world.drop_file("cohorts.csv", BYTES);
    let claim = world.claim(&workspace, "cohorts.csv");
    let newer = b"cidnumber;cname;userid\nC2;Cohort two;u2\n";
    world.drop_file("cohorts.csv", newer);

    assert_eq!(claim.put_back(&world.spool()).unwrap(), PutBack::NameTaken);
    assert_eq!(fs::read(world.spool().join("cohorts.csv")).unwrap(), newer);
    // The claim waits, whole, until the name is free.
    assert_eq!(fs::read(claim.input()).unwrap(), BYTES);
    assert_eq!(Claim::load(&claim.dir).unwrap(), Some(claim.clone()));

    fs::remove_file(world.spool().join("cohorts.csv")).unwrap();
    assert_eq!(claim.put_back(&world.spool()).unwrap(), PutBack::Done);
    assert_eq!(fs::read(world.spool().join("cohorts.csv")).unwrap(), BYTES);
    assert!(!claim.dir.exists());
}

#[test]
fn a_run_claim_copies_the_file_and_leaves_it_in_place() {
    let world = World::new();
    let workspace = Workspace::open(&world.spool()).unwrap();
    let outside = world.dir.path().join("cohorts.csv");
    fs::write(&outside, BYTES).unwrap();
    let claim = workspace
        .adopt(&outside, "cohorts.csv", FileKind::Cohorts)
        .unwrap();
    assert!(claim.external);
    assert_eq!(claim.source, outside);
    assert_eq!(fs::read(claim.input()).unwrap(), BYTES);
    assert_eq!(fs::read(&outside).unwrap(), BYTES);
    // Putting it back only drops the copy: the original never left.
    assert_eq!(claim.put_back(&world.spool()).unwrap(), PutBack::Done);
    assert!(!claim.dir.exists());
    assert!(!world.spool().join("cohorts.csv").exists());
    assert_eq!(fs::read(&outside).unwrap(), BYTES);
}
