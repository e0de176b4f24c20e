//! Work folders: one per running process, the claims of dead ones adopted, nothing left
//! behind but claims to settle.

use std::{
    fs::{self, File},
    io::ErrorKind,
    path::PathBuf,
};

use super::support::{BYTES, World};
use crate::spool::claim::{workspace::LOCK_FILE, *};

/// An instance folder of this host, as another process would have left it, with one claim.
fn instance_folder(world: &World, pid: u32, name: &str) -> (PathBuf, PathBuf) {
    let instance = world.work().join(format!("{pid}@{}", crate::host::name()));
    let claim = instance.join(format!("{pid}@{}-1-0", crate::host::name()));
    fs::create_dir_all(&claim).unwrap();
    File::create(instance.join(LOCK_FILE)).unwrap();
    fs::write(claim.join(name), BYTES).unwrap();
    (instance, claim)
}

#[test]
fn orphans_adopts_the_claims_of_a_dead_process_of_this_host() {
    let world = World::new();
    let workspace = Workspace::open(&world.spool()).unwrap();
    world.drop_file("cohorts_own.csv", BYTES);
    let own = world.claim(&workspace, "cohorts_own.csv");
    // A process that is gone: its lock is free.
    let (dead, dead_claim) = instance_folder(&world, 4_000_001, "cohorts_dead.csv");
    // A process that still runs: its lock is held.
    let (alive, alive_claim) = instance_folder(&world, 4_000_002, "cohorts_alive.csv");
    let lock = File::open(alive.join(LOCK_FILE)).unwrap();
    lock.try_lock().unwrap();
    // A process of another host: its lock cannot be tested from here.
    let other_host = world.work().join("4000003@another-host");
    let other_claim = other_host.join("4000003@another-host-1-0");
    fs::create_dir_all(&other_claim).unwrap();
    fs::write(other_claim.join("cohorts_other.csv"), BYTES).unwrap();

    let orphans = workspace.orphans();
    let adopted = workspace.dir().join(dead_claim.file_name().unwrap());
    let mut expected = vec![own.dir.clone(), adopted.clone()];
    expected.sort();
    assert_eq!(orphans, expected);
    assert_eq!(fs::read(adopted.join("cohorts_dead.csv")).unwrap(), BYTES);
    assert!(!dead.exists(), "the dead process's folder is still there");

    assert!(alive_claim.join("cohorts_alive.csv").exists());
    assert!(alive.join(LOCK_FILE).exists());
    assert!(other_claim.join("cohorts_other.csv").exists());

    // Once the other process is gone, its claims are adopted too.
    drop(lock);
    let orphans = workspace.orphans();
    assert_eq!(orphans.len(), 3);
    assert!(orphans.contains(&workspace.dir().join(alive_claim.file_name().unwrap())));
    assert!(!alive.exists());
    assert!(other_claim.exists());
}

#[test]
fn a_running_work_folder_cannot_be_opened_twice() {
    let world = World::new();
    let workspace = Workspace::open(&world.spool()).unwrap();
    let error = Workspace::open(&world.spool()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::WouldBlock);
    drop(workspace);
    Workspace::open(&world.spool()).unwrap();
}

#[test]
fn a_workspace_without_claims_leaves_no_trace() {
    let world = World::new();
    let workspace = Workspace::open(&world.spool()).unwrap();
    let dir = workspace.dir().to_path_buf();
    assert!(dir.join(LOCK_FILE).exists());
    drop(workspace);
    assert!(!dir.exists(), "the work folder is still there");
}

#[test]
fn a_workspace_with_claims_stays_for_the_next_start() {
    let world = World::new();
    let workspace = Workspace::open(&world.spool()).unwrap();
    world.drop_file("cohorts.csv", BYTES);
    let claim = world.claim(&workspace, "cohorts.csv");
    drop(workspace);
    assert_eq!(fs::read(claim.input()).unwrap(), BYTES);

    // The next start adopts it.
    let next = Workspace::open(&world.spool()).unwrap();
    assert_eq!(next.orphans(), std::slice::from_ref(&claim.dir));
    assert_eq!(
        in_progress(&world.spool())
            .iter()
            .map(|claim| claim.name.as_str())
            .collect::<Vec<_>>(),
        ["cohorts.csv"]
    );
}
