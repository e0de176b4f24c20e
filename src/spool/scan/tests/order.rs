//! The order ready files are taken in: by drop time, batch by batch, and within a batch the
//! kinds in their order, a later kind waiting for an earlier one still settling.

use std::time::Duration;

use super::support::{Clock, SETTLE, Setup, epoch, ms, names, sample, state_of};
use crate::{
    command::FileKind,
    spool::scan::{Candidate, State, Tracker, order},
};

/// A ready file of `kind` dropped `dropped` after the epoch.
fn ready(name: &str, kind: FileKind, dropped: Duration) -> Candidate {
    Candidate {
        sample: sample(name, 1, epoch() + dropped, 0),
        kind: Some(kind),
        state: State::Ready,
    }
}

#[test]
fn ready_files_go_by_drop_time_then_name() {
    let files = [
        ready("cohorts_c.csv", FileKind::Cohorts, ms(20_000)),
        ready("cohorts_z.csv", FileKind::Cohorts, ms(10_000)),
        ready("cohorts_y.csv", FileKind::Cohorts, ms(10_000)),
        ready("cohorts_b.csv", FileKind::Cohorts, ms(0)),
    ];
    let ordered = order(files.iter().collect(), SETTLE);
    assert_eq!(
        names(&ordered),
        [
            "cohorts_b.csv",
            "cohorts_y.csv",
            "cohorts_z.csv",
            "cohorts_c.csv"
        ]
    );
    assert!(order(Vec::new(), SETTLE).is_empty());
}

#[test]
fn in_one_batch_cohort_files_go_before_binding_files() {
    assert!(FileKind::Cohorts < FileKind::Bindings);
    // Dropped less than the settle time apart: one batch, whatever the order of the drops.
    let files = [
        ready("cohortscourses.csv", FileKind::Bindings, ms(0)),
        ready("cohorts_members.csv", FileKind::Cohorts, ms(1500)),
        ready("cohorts_a.csv", FileKind::Cohorts, ms(1900)),
    ];
    let ordered = order(files.iter().collect(), SETTLE);
    assert_eq!(
        names(&ordered),
        ["cohorts_a.csv", "cohorts_members.csv", "cohortscourses.csv"]
    );
}

#[test]
fn batches_far_apart_keep_their_drop_order() {
    // The binding file was dropped and settled long before the cohort file: it goes first,
    // as it would have been taken first had the service been running.
    let files = [
        ready("cohorts.csv", FileKind::Cohorts, ms(10_000)),
        ready("cohortscourses.csv", FileKind::Bindings, ms(0)),
    ];
    let ordered = order(files.iter().collect(), SETTLE);
    assert_eq!(names(&ordered), ["cohortscourses.csv", "cohorts.csv"]);

    // Exactly the settle time apart is already another batch.
    let files = [
        ready("cohorts.csv", FileKind::Cohorts, SETTLE),
        ready("cohortscourses.csv", FileKind::Bindings, ms(0)),
    ];
    let ordered = order(files.iter().collect(), SETTLE);
    assert_eq!(names(&ordered), ["cohortscourses.csv", "cohorts.csv"]);

    // Two batches, each with both kinds: cohorts first within each, the batches in drop order.
    let files = [
        ready("cohortscourses_2.csv", FileKind::Bindings, ms(30_000)),
        ready("cohorts_2.csv", FileKind::Cohorts, ms(30_400)),
        ready("cohortscourses_1.csv", FileKind::Bindings, ms(0)),
        ready("cohorts_1.csv", FileKind::Cohorts, ms(400)),
    ];
    let ordered = order(files.iter().collect(), SETTLE);
    assert_eq!(
        names(&ordered),
        [
            "cohorts_1.csv",
            "cohortscourses_1.csv",
            "cohorts_2.csv",
            "cohortscourses_2.csv"
        ]
    );
}

#[test]
fn a_binding_file_waits_for_a_cohort_file_of_its_batch_still_settling() {
    // One batch: the binding file dropped first, the cohort file it enrols 500 ms later (less
    // than the settle time). A running watcher sees the binding file settle first; offering it
    // then would apply it before the cohorts it binds exist, against the rule that cohort files
    // go before the binding files of their batch.
    let setup = Setup::new();
    let rules = setup.rules(true);
    let clock = Clock::new();
    let mut tracker = Tracker::new();
    let listing = || {
        vec![
            sample("cohortscourses.csv", 1, clock.wall(ms(0)), 1),
            sample("cohorts.csv", 1, clock.wall(ms(500)), 2),
        ]
    };

    let first = tracker.observe(listing(), clock.now(SETTLE), clock.wall(SETTLE), &rules);
    assert_eq!(state_of(&first, "cohortscourses.csv"), State::Ready);
    assert_eq!(state_of(&first, "cohorts.csv"), State::Settling(ms(500)));
    assert_eq!(
        names(&first.ready(SETTLE)),
        Vec::<&str>::new(),
        "the binding file is offered while the cohort file of its batch is still settling"
    );

    let at = SETTLE + ms(500);
    let both = tracker.observe(listing(), clock.now(at), clock.wall(at), &rules);
    assert_eq!(
        names(&both.ready(SETTLE)),
        ["cohorts.csv", "cohortscourses.csv"]
    );
}

#[test]
fn a_ready_file_never_waits_for_a_later_kind_nor_for_another_batch() {
    let setup = Setup::new();
    let rules = setup.rules(true);
    let clock = Clock::new();

    // A cohort file does not wait for the binding file dropped with it.
    let mut tracker = Tracker::new();
    let listing = vec![
        sample("cohorts.csv", 1, clock.wall(ms(0)), 1),
        sample("cohortscourses.csv", 1, clock.wall(ms(500)), 2),
    ];
    let observation = tracker.observe(listing, clock.now(SETTLE), clock.wall(SETTLE), &rules);
    assert_eq!(names(&observation.ready(SETTLE)), ["cohorts.csv"]);

    // A binding file does not wait for a cohort file dropped in a later batch.
    let mut tracker = Tracker::new();
    let at = ms(3500);
    let listing = vec![
        sample("cohortscourses.csv", 1, clock.wall(ms(0)), 1),
        sample("cohorts.csv", 1, clock.wall(SETTLE + ms(500)), 2),
    ];
    let observation = tracker.observe(listing, clock.now(at), clock.wall(at), &rules);
    assert_eq!(
        state_of(&observation, "cohorts.csv"),
        State::Settling(ms(1000))
    );
    assert_eq!(names(&observation.ready(SETTLE)), ["cohortscourses.csv"]);
}

#[test]
fn a_cohort_file_that_keeps_being_written_leaves_the_batch() {
    // The binding file waits for the cohort file dropped 1 s after it; once that file is
    // written to again, its change time moves it out of the batch, and the binding file no
    // longer waits for it.
    let setup = Setup::new();
    let rules = setup.rules(true);
    let clock = Clock::new();
    let mut tracker = Tracker::new();
    let bindings = || sample("cohortscourses.csv", 1, clock.wall(ms(0)), 1);

    let listing = vec![
        bindings(),
        sample("cohorts.csv", 1, clock.wall(ms(1000)), 2),
    ];
    let waiting = tracker.observe(listing, clock.now(SETTLE), clock.wall(SETTLE), &rules);
    assert!(waiting.ready(SETTLE).is_empty());

    let at = ms(2200);
    let listing = vec![
        bindings(),
        sample("cohorts.csv", 2, clock.wall(ms(2100)), 2),
    ];
    let observation = tracker.observe(listing, clock.now(at), clock.wall(at), &rules);
    assert_eq!(names(&observation.ready(SETTLE)), ["cohortscourses.csv"]);
}

#[test]
fn only_ready_files_are_ordered_for_taking() {
    let setup = Setup::new();
    let rules = setup.rules(true);
    let clock = Clock::new();
    let mut tracker = Tracker::new();
    let at = Duration::from_secs(60);
    let listing = vec![
        // One batch dropped long ago: the binding file first on disk, the cohort file 1 s later.
        sample("cohortscourses.csv", 1, clock.wall(ms(0)), 1),
        sample("cohorts.csv", 1, clock.wall(ms(1000)), 2),
        // Still being written.
        sample("cohorts_new.csv", 1, clock.wall(at - ms(100)), 3),
        sample("cohorts.csv.part", 1, clock.wall(ms(0)), 4),
        sample("grades.csv", 1, clock.wall(ms(0)), 5),
    ];
    let observation = tracker.observe(listing, clock.now(at), clock.wall(at), &rules);
    let taken = observation.ready(SETTLE);
    assert_eq!(names(&taken), ["cohorts.csv", "cohortscourses.csv"]);
    assert_eq!(
        taken.iter().map(|c| c.kind).collect::<Vec<_>>(),
        [Some(FileKind::Cohorts), Some(FileKind::Bindings)]
    );
}
