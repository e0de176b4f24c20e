//! Files a process still holds open for writing: held until checked again, and the binding
//! files of their batch with them.

use std::time::Duration;

use super::support::{Clock, SETTLE, Setup, ms, names, sample, state_of};
use crate::spool::scan::{State, Tracker};

#[test]
fn a_file_open_for_writing_waits_until_checked_again() {
    let setup = Setup::new();
    let rules = setup.rules(true);
    let clock = Clock::new();
    let mut tracker = Tracker::new();
    let at = Duration::from_secs(60);
    let file = |size| sample("cohorts_scp.csv", size, clock.wall(at - ms(10_000)), 1);
    let first = tracker.observe(vec![file(700)], clock.now(at), clock.wall(at), &rules);
    assert_eq!(state_of(&first, "cohorts_scp.csv"), State::Ready);

    // The caller found a writer: not ready until the next check, which is due then.
    let recheck = clock.now(at + ms(1000));
    tracker.writing("cohorts_scp.csv", recheck);
    let held = tracker.observe(
        vec![file(700)],
        clock.now(at + ms(10)),
        clock.wall(at),
        &rules,
    );
    assert_eq!(state_of(&held, "cohorts_scp.csv"), State::Writing);
    assert_eq!(held.next_due, Some(recheck));
    assert!(held.ready(SETTLE).is_empty());

    // Due again: ready, to be checked again.
    let due = at + ms(1000);
    let again = tracker.observe(vec![file(700)], clock.now(due), clock.wall(due), &rules);
    assert_eq!(state_of(&again, "cohorts_scp.csv"), State::Ready);

    // A writer that writes makes it settle again.
    tracker.writing("cohorts_scp.csv", clock.now(due + ms(1000)));
    let later = due + ms(100);
    let grown = tracker.observe(
        vec![sample("cohorts_scp.csv", 1891, clock.wall(later), 1)],
        clock.now(later),
        clock.wall(later),
        &rules,
    );
    assert_eq!(state_of(&grown, "cohorts_scp.csv"), State::Settling(SETTLE));
}

#[test]
fn a_binding_file_waits_for_a_cohort_file_of_its_batch_being_written() {
    let setup = Setup::new();
    let rules = setup.rules(true);
    let clock = Clock::new();
    let mut tracker = Tracker::new();
    let at = Duration::from_secs(60);
    let listing = || {
        vec![
            sample("cohorts.csv", 1, clock.wall(at - ms(10_000)), 1),
            sample("cohortscourses.csv", 1, clock.wall(at - ms(9_500)), 2),
        ]
    };
    let first = tracker.observe(listing(), clock.now(at), clock.wall(at), &rules);
    assert_eq!(
        names(&first.ready(SETTLE)),
        ["cohorts.csv", "cohortscourses.csv"]
    );
    tracker.writing("cohorts.csv", clock.now(at + ms(1000)));
    let held = tracker.observe(listing(), clock.now(at + ms(10)), clock.wall(at), &rules);
    assert_eq!(
        names(&held.ready(SETTLE)),
        Vec::<&str>::new(),
        "the binding file is offered while the cohort file of its batch is being written"
    );
}

#[test]
fn a_marked_file_open_for_writing_waits_too() {
    // A done marker says the writer is finished; a writer still holding the file says
    // otherwise, and is believed until it is checked again (never a listing at once).
    let setup = Setup::new();
    let rules = setup.with_marker(".done");
    let clock = Clock::new();
    let mut tracker = Tracker::new();
    let at = Duration::from_secs(60);
    let listing = || {
        vec![
            sample("cohorts.csv", 10, clock.wall(at - ms(10_000)), 1),
            sample("cohorts.csv.done", 0, clock.wall(at - ms(10_000)), 2),
        ]
    };
    let first = tracker.observe(listing(), clock.now(at), clock.wall(at), &rules);
    assert_eq!(state_of(&first, "cohorts.csv"), State::Ready);
    let recheck = clock.now(at + ms(1000));
    tracker.writing("cohorts.csv", recheck);
    let held = tracker.observe(listing(), clock.now(at + ms(10)), clock.wall(at), &rules);
    assert_eq!(state_of(&held, "cohorts.csv"), State::Writing);
    assert_eq!(held.next_due, Some(recheck));
    assert!(held.ready(SETTLE).is_empty());
}
