//! A claim's outputs published as its plan says, completed after a crash, and a `run`'s
//! original removed only if it still holds the bytes applied.

use std::{fs, path::PathBuf};

use super::support::{BYTES, World, entries};
use crate::spool::claim::{folder::VERSION, *};

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
