//! Unit tests of claims: renames, staging, placing, putting back.
//!
//! Each test works in a temporary spool of its own: a process has one work folder per spool
//! (`<pid>@<host>`), so two tests sharing a spool would share it.

use std::{
    fs::{self, File},
    io::{ErrorKind, Write},
    path::{Path, PathBuf},
};

use tempfile::TempDir;

use super::{
    folder::VERSION,
    workspace::{LOCK_FILE, claim_dirs},
    *,
};
use crate::{command::FileKind, spool::scan::Stamp};

const BYTES: &[u8] = b"cidnumber;cname;userid\nC1;Cohort one;u1\n";

/// A temporary spool, and the folders outputs go to beside it.
struct World {
    dir: TempDir,
}

impl World {
    fn new() -> World {
        let world = World {
            dir: tempfile::tempdir().expect("a temporary folder"),
        };
        fs::create_dir(world.spool()).expect("the spool");
        world
    }

    fn spool(&self) -> PathBuf {
        self.dir.path().join("spool")
    }

    fn archive(&self) -> PathBuf {
        self.dir.path().join("archive")
    }

    fn reports(&self) -> PathBuf {
        self.dir.path().join("reports")
    }

    /// Drops `bytes` into the spool as `name`.
    fn drop_file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.spool().join(name);
        fs::write(&path, bytes).expect("a file in the spool");
        path
    }

    /// The work folder of the spool, where every instance has its folder.
    fn work(&self) -> PathBuf {
        self.spool().join(WORK_FOLDER)
    }

    /// Claims `name`, which must be there.
    fn claim(&self, workspace: &Workspace, name: &str) -> Claim {
        workspace
            .claim(&self.spool(), name, FileKind::Cohorts, None)
            .expect("claiming")
            .expect("the file is there to claim")
    }
}

/// The names in a folder, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

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

#[test]
fn place_never_replaces_another_file() {
    let world = World::new();
    let reports = world.reports();
    fs::create_dir(&reports).unwrap();
    let staged = world.dir.path().join("staged-report.txt");
    fs::write(&staged, b"new report").unwrap();
    let to = reports.join("report.txt");
    fs::write(&to, b"someone else's report").unwrap();

    let placed = place(&staged, &to).unwrap();
    assert_eq!(placed, reports.join("report.txt.2"));
    assert_eq!(fs::read(&to).unwrap(), b"someone else's report");
    assert_eq!(fs::read(&placed).unwrap(), b"new report");
    // The staged file stays until its claim folder is removed, so that a repeated attempt
    // finds which name it got; it is a link to the placed file, so remove it before reusing
    // its name.
    assert!(staged.exists());
    fs::remove_file(&staged).unwrap();

    // Both names taken by other bytes: the next suffix.
    fs::write(&staged, b"third report").unwrap();
    let placed = place(&staged, &to).unwrap();
    assert_eq!(placed, reports.join("report.txt.3"));
    assert_eq!(fs::read(&placed).unwrap(), b"third report");
    assert_eq!(
        fs::read(reports.join("report.txt.2")).unwrap(),
        b"new report"
    );
}

#[test]
fn place_keeps_an_identical_file_already_there() {
    let world = World::new();
    let staged = world.dir.path().join("staged-report.txt");
    fs::write(&staged, b"the report").unwrap();
    // The destination's folder is made as needed.
    let to = world.reports().join("daily").join("report.txt");
    fs::create_dir_all(to.parent().unwrap()).unwrap();
    fs::write(&to, b"the report").unwrap();

    assert_eq!(place(&staged, &to).unwrap(), to);
    assert_eq!(fs::read(&to).unwrap(), b"the report");
    assert!(staged.exists(), "kept until the claim folder is removed");
    assert_eq!(entries(to.parent().unwrap()), ["report.txt"]);

    // Staged and placed already (an earlier attempt got that far): kept as it is.
    assert_eq!(place(&staged, &to).unwrap(), to);
    // Neither staged nor placed: an error, not a silent success.
    fs::remove_file(&staged).unwrap();
    let missing = place(&staged, &world.reports().join("other.txt")).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}

#[test]
fn place_repeated_tells_where_the_file_went_under_a_suffix() {
    // The destination held other bytes, so the staged file went under a suffix; then a crash
    // before the claim folder was removed. Repeating must not name the other file as ours:
    // `settle_claim` logs the first published path as the file's report.
    let world = World::new();
    let reports = world.reports();
    fs::create_dir(&reports).unwrap();
    let staged = world.dir.path().join("staged-report.txt");
    fs::write(&staged, b"our report").unwrap();
    let to = reports.join("report.txt");
    fs::write(&to, b"someone else's report").unwrap();
    let first = place(&staged, &to).unwrap();
    assert_eq!(first, reports.join("report.txt.2"));

    let again = place(&staged, &to).unwrap();
    assert_eq!(
        fs::read_to_string(&again).unwrap(),
        "our report",
        "placing again names {} (another file) instead of {}",
        again.display(),
        first.display()
    );
}

/// A claim with a staged report, JSON report and tryback, and the plan of where they go.
fn staged_claim(world: &World, workspace: &Workspace) -> (Claim, OutputPlan) {
    world.drop_file("cohorts.csv", BYTES);
    let claim = world.claim(workspace, "cohorts.csv");
    let mut plan = OutputPlan {
        version: VERSION,
        files: Vec::new(),
        input_to: Some(world.archive().join("20260101-120000_cohorts.csv")),
        input_staged: None,
        input_read: None,
        changed_to: None,
        input_sha256: None,
        remove_source: None,
    };
    for (name, bytes) in [
        ("report.txt", &b"text report"[..]),
        ("report.json", &b"{\"report\": true}"[..]),
        ("tryback.csv", &b"cidnumber;cname;userid\n"[..]),
    ] {
        fs::write(claim.staged(name), bytes).unwrap();
        let to = match name {
            "tryback.csv" => world.reports().join("cohorts_tryback_20260101-120000.csv"),
            other => world
                .reports()
                .join(format!("20260101-120000_cohorts.csv.{other}")),
        };
        plan.files.push(Placement {
            staged: format!("staged-{name}"),
            to,
        });
    }
    claim.plan(&plan).unwrap();
    (claim, plan)
}

/// Checks that every output of `staged_claim` is in place and the claim folder gone.
fn assert_published(world: &World, claim: &Claim, published: &Published, plan: &OutputPlan) {
    let destinations: Vec<PathBuf> = plan.files.iter().map(|file| file.to.clone()).collect();
    assert_eq!(published.files, destinations);
    assert_eq!(fs::read(&destinations[0]).unwrap(), b"text report");
    assert_eq!(fs::read(&destinations[1]).unwrap(), b"{\"report\": true}");
    assert_eq!(
        fs::read(&destinations[2]).unwrap(),
        b"cidnumber;cname;userid\n"
    );
    assert_eq!(published.input, plan.input_to);
    assert_eq!(fs::read(plan.input_to.as_ref().unwrap()).unwrap(), BYTES);
    assert!(!published.source_changed);
    assert!(!claim.dir.exists(), "the claim folder is still there");
    assert_eq!(
        entries(&world.reports()).len(),
        3,
        "one copy of each output"
    );
    assert_eq!(entries(&world.archive()).len(), 1, "one copy of the input");
}

#[test]
fn publish_puts_everything_in_place_and_removes_the_claim() {
    let world = World::new();
    let workspace = Workspace::open(&world.spool()).unwrap();
    let (claim, plan) = staged_claim(&world, &workspace);
    assert_eq!(claim.recorded_plan().unwrap(), Some(plan.clone()));

    let published = claim.publish(&plan).unwrap();
    assert_published(&world, &claim, &published, &plan);
}

#[test]
fn publish_completes_what_a_crash_interrupted() {
    let world = World::new();
    let workspace = Workspace::open(&world.spool()).unwrap();
    let (claim, plan) = staged_claim(&world, &workspace);
    // A crash after the text report was placed and its staged copy removed, and after the
    // JSON report was linked into place but before its staged copy was removed.
    let text = &plan.files[0];
    place(&claim.dir.join(&text.staged), &text.to).unwrap();
    let json = &plan.files[1];
    fs::create_dir_all(json.to.parent().unwrap()).unwrap();
    fs::hard_link(claim.dir.join(&json.staged), &json.to).unwrap();

    // After the restart, the claim is found again and settled from its recorded plan.
    let loaded = Claim::load(&claim.dir)
        .unwrap()
        .expect("the claim is still there to settle");
    let recorded = loaded.recorded_plan().unwrap().expect("the recorded plan");
    assert_eq!(recorded, plan);
    let published = loaded.publish(&recorded).unwrap();
    assert_published(&world, &claim, &published, &plan);
}

#[test]
fn publish_can_be_repeated_after_a_crash_once_the_input_is_archived() {
    let world = World::new();
    let workspace = Workspace::open(&world.spool()).unwrap();
    let (claim, plan) = staged_claim(&world, &workspace);
    // Every output placed and the input archived, but a crash before the claim folder was
    // removed.
    for file in &plan.files {
        place(&claim.dir.join(&file.staged), &file.to).unwrap();
    }
    place(&claim.input(), plan.input_to.as_ref().unwrap()).unwrap();

    let published = claim.publish(&plan).unwrap();
    assert_published(&world, &claim, &published, &plan);
}

#[test]
fn a_claim_whose_input_was_archived_but_whose_reports_are_staged_is_still_settled() {
    // After its commit, `pipeline::take` archives the input first and only then puts the
    // tryback and the reports in place. A crash in between (or a reports folder that cannot
    // be written, which leaves the claim pending) leaves a claim folder holding claim.json,
    // outputs.json and the staged outputs, but no input. Settling it must put the staged
    // outputs in place: the file was applied, and its report must not be lost.
    let world = World::new();
    let workspace = Workspace::open(&world.spool()).unwrap();
    let (claim, plan) = staged_claim(&world, &workspace);
    place(&claim.input(), plan.input_to.as_ref().unwrap()).unwrap();

    let loaded = Claim::load(&claim.dir).unwrap();
    assert_eq!(
        loaded.as_ref(),
        Some(&claim),
        "the claim of an archived input with staged reports loads as none, so the service \
         removes its folder and the staged report, JSON report and tryback are lost"
    );
    let published = claim.publish(&plan).unwrap();
    assert_published(&world, &claim, &published, &plan);
}

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

#[test]
fn a_run_source_is_removed_only_if_it_still_holds_the_bytes_applied() {
    let world = World::new();
    let source = world.dir.path().join("cohorts.csv");
    fs::write(&source, BYTES).unwrap();
    let removal = SourceRemoval {
        path: source.clone(),
        sha256: sha256_of(&source).unwrap(),
    };
    fs::write(&source, b"changed meanwhile").unwrap();
    assert!(!remove_if_unchanged(&removal).unwrap());
    assert_eq!(fs::read(&source).unwrap(), b"changed meanwhile");
    fs::write(&source, BYTES).unwrap();
    assert!(remove_if_unchanged(&removal).unwrap());
    assert!(!source.exists());
    // Already gone: nothing left to do.
    assert!(remove_if_unchanged(&removal).unwrap());
}

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
