//! Ignored names (uploads in progress, done markers) and files no kind is routed to.

use std::time::Duration;

use super::support::{Clock, SETTLE, Setup, ms, sample, state_of};
use crate::spool::scan::{State, Tracker};

#[test]
fn upload_names_and_done_markers_are_ignored_whatever_their_case() {
    let setup = Setup::new();
    let rules = setup.with_marker(".done");
    for name in [
        ".cohorts.csv",
        ".hidden",
        "cohorts.csv.tmp",
        "cohorts.csv.TMP",
        "cohorts.csv.filepart",
        "COHORTS.CSV.FILEPART",
        "cohorts.csv.part",
        "cohorts.csv.writing",
        "cohorts.csv.done",
        "cohorts.csv.DONE",
        "grades.csv.done",
    ] {
        assert!(rules.ignored(name), "{name} should be ignored");
    }
    for name in [
        "cohorts.csv",
        "Cohorts_2026.CSV",
        "cohorts_tmp.csv",
        "cohorts.tmp.csv",
        "cohorts.done.csv",
        "grades.csv",
    ] {
        assert!(!rules.ignored(name), "{name} should not be ignored");
    }
    // Without a done marker, a name ending in ".done" is an ordinary name.
    assert!(!setup.rules(true).ignored("cohorts.csv.done"));
}

#[test]
fn ignored_files_are_never_taken_nor_reported_unrouted() {
    let setup = Setup::new();
    let rules = setup.rules(true);
    let clock = Clock::new();
    let mut tracker = Tracker::new();
    // Written an hour before the first listing: anything not ignored would be ready.
    let old = clock.wall(Duration::ZERO);
    let listing = vec![
        sample("cohorts.csv.filepart", 10, old, 1),
        sample(".cohorts.csv", 10, old, 2),
        sample("COHORTS.CSV.TMP", 10, old, 3),
    ];
    let at = Duration::from_secs(3600);
    let observation = tracker.observe(listing, clock.now(at), clock.wall(at), &rules);
    assert_eq!(observation.candidates.len(), 3);
    for candidate in &observation.candidates {
        assert_eq!(candidate.state, State::Ignored, "{}", candidate.sample.name);
    }
    assert!(observation.newly_unrouted.is_empty());
    assert!(observation.ready(SETTLE).is_empty());
    assert_eq!(observation.next_due, None);
}

#[test]
fn an_unrouted_file_is_reported_once() {
    let setup = Setup::new();
    let rules = setup.rules(false);
    let clock = Clock::new();
    let mut tracker = Tracker::new();
    let dropped = clock.wall(Duration::ZERO);
    let listing = |size| {
        vec![
            sample("grades.csv", size, dropped, 1),
            sample("cohorts.csv", 10, dropped, 2),
        ]
    };

    let first = tracker.observe(listing(10), clock.now(ms(0)), clock.wall(ms(0)), &rules);
    assert_eq!(first.newly_unrouted, vec!["grades.csv".to_owned()]);
    assert_eq!(state_of(&first, "grades.csv"), State::Unrouted);
    let unrouted = first
        .candidates
        .iter()
        .find(|candidate| candidate.sample.name == "grades.csv")
        .unwrap();
    assert_eq!(unrouted.kind, None);

    // Listed again, unchanged and then changed, past the settle time: still unrouted, not
    // reported again.
    for (at, size) in [(ms(500), 10), (ms(1000), 20), (ms(5000), 20)] {
        let again = tracker.observe(listing(size), clock.now(at), clock.wall(at), &rules);
        assert!(again.newly_unrouted.is_empty(), "{at:?}");
        assert_eq!(state_of(&again, "grades.csv"), State::Unrouted, "{at:?}");
    }
}

#[test]
fn an_unrouted_file_stays_unrouted_even_with_its_marker() {
    let setup = Setup::new();
    let rules = setup.with_marker(".done");
    let clock = Clock::new();
    let mut tracker = Tracker::new();
    let at = Duration::from_secs(60);
    let listing = vec![
        sample("grades.csv", 10, clock.wall(Duration::ZERO), 1),
        sample("grades.csv.done", 0, clock.wall(Duration::ZERO), 2),
    ];
    let observation = tracker.observe(listing, clock.now(at), clock.wall(at), &rules);
    assert_eq!(state_of(&observation, "grades.csv"), State::Unrouted);
    assert_eq!(state_of(&observation, "grades.csv.done"), State::Ignored);
    assert_eq!(observation.newly_unrouted, vec!["grades.csv".to_owned()]);
}
