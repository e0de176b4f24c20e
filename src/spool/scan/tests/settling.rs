//! When a file is ready: unchanged for the settle time (counted from its change time when it
//! can be trusted), with its done marker when one is awaited; and what is due next.

use std::time::Duration;

use super::support::{Clock, SETTLE, Setup, ms, names, sample, state_of};
use crate::{
    command::FileKind,
    spool::scan::{Sample, State, Tracker},
};

#[test]
fn a_file_that_changes_between_listings_keeps_settling() {
    let setup = Setup::new();
    let rules = setup.rules(false);
    let clock = Clock::new();
    let mut tracker = Tracker::new();
    let name = "cohorts.csv";
    let observe = |tracker: &mut Tracker, at: Duration, file: Sample| {
        tracker.observe(vec![file], clock.now(at), clock.wall(at), &rules)
    };

    let first = observe(&mut tracker, ms(0), sample(name, 100, clock.wall(ms(0)), 1));
    assert_eq!(state_of(&first, name), State::Settling(SETTLE));
    assert_eq!(first.next_due, Some(clock.now(SETTLE)));

    // Grown: the settle time starts again, and the due time moves with it.
    let grown = observe(
        &mut tracker,
        ms(1500),
        sample(name, 200, clock.wall(ms(1500)), 1),
    );
    assert_eq!(state_of(&grown, name), State::Settling(SETTLE));
    assert_eq!(grown.next_due, Some(clock.now(ms(1500) + SETTLE)));

    // Rewritten with the same size: its modification and change times tell.
    let rewritten = observe(
        &mut tracker,
        ms(3000),
        sample(name, 200, clock.wall(ms(3000)), 1),
    );
    assert_eq!(state_of(&rewritten, name), State::Settling(SETTLE));
    assert_eq!(rewritten.next_due, Some(clock.now(ms(3000) + SETTLE)));

    // Replaced by another file of the same name, size and times (a rename over it): its
    // inode tells.
    let replaced = observe(
        &mut tracker,
        ms(4000),
        sample(name, 200, clock.wall(ms(3000)), 2),
    );
    assert_eq!(state_of(&replaced, name), State::Settling(SETTLE));
    assert_eq!(replaced.next_due, Some(clock.now(ms(4000) + SETTLE)));

    // Unchanged since: what remains shrinks, the due time stays.
    let waiting = observe(
        &mut tracker,
        ms(5500),
        sample(name, 200, clock.wall(ms(3000)), 2),
    );
    assert_eq!(state_of(&waiting, name), State::Settling(ms(500)));
    assert_eq!(waiting.next_due, Some(clock.now(ms(4000) + SETTLE)));
    assert!(waiting.ready(SETTLE).is_empty());

    // Unchanged for the settle time: ready, nothing more is due.
    let ready = observe(
        &mut tracker,
        ms(6000),
        sample(name, 200, clock.wall(ms(3000)), 2),
    );
    assert_eq!(state_of(&ready, name), State::Ready);
    assert_eq!(ready.next_due, None);
    assert_eq!(names(&ready.ready(SETTLE)), [name]);
    assert_eq!(ready.ready(SETTLE)[0].kind, Some(FileKind::Cohorts));
}

#[test]
fn the_next_due_time_is_the_earliest_of_the_settling_files() {
    let setup = Setup::new();
    let rules = setup.rules(false);
    let clock = Clock::new();
    let mut tracker = Tracker::new();
    let first = vec![sample("cohorts_a.csv", 1, clock.wall(ms(0)), 1)];
    tracker.observe(first, clock.now(ms(0)), clock.wall(ms(0)), &rules);
    let second = vec![
        sample("cohorts_a.csv", 1, clock.wall(ms(0)), 1),
        sample("cohorts_b.csv", 1, clock.wall(ms(700)), 2),
    ];
    let observation = tracker.observe(second, clock.now(ms(700)), clock.wall(ms(700)), &rules);
    assert_eq!(
        state_of(&observation, "cohorts_a.csv"),
        State::Settling(ms(1300))
    );
    assert_eq!(
        state_of(&observation, "cohorts_b.csv"),
        State::Settling(SETTLE)
    );
    assert_eq!(observation.next_due, Some(clock.now(SETTLE)));
}

#[test]
fn with_trusted_change_times_a_file_unchanged_for_long_is_ready_at_first_sight() {
    let setup = Setup::new();
    let rules = setup.rules(true);
    let clock = Clock::new();
    let mut tracker = Tracker::new();
    let at = Duration::from_secs(60);
    // Dropped 10 s before the first listing.
    let old = sample("cohorts_old.csv", 10, clock.wall(at - ms(10_000)), 1);
    // Dropped 500 ms before it: only the rest of the settle time remains.
    let recent = sample("cohorts_recent.csv", 10, clock.wall(at - ms(500)), 2);
    // Uploaded by SFTP with its modification time preserved from long ago, but changed
    // (dropped) 300 ms ago: the change time tells.
    let mut preserved = sample("cohorts_preserved.csv", 10, clock.wall(at - ms(300)), 3);
    preserved.stamp.modified = Some(clock.wall(Duration::ZERO));
    // Times in the future (a skewed clock): the whole settle time.
    let future = sample("cohorts_future.csv", 10, clock.wall(at + ms(5000)), 4);

    let observation = tracker.observe(
        vec![old, recent, preserved, future],
        clock.now(at),
        clock.wall(at),
        &rules,
    );
    assert_eq!(state_of(&observation, "cohorts_old.csv"), State::Ready);
    assert_eq!(
        state_of(&observation, "cohorts_recent.csv"),
        State::Settling(ms(1500))
    );
    assert_eq!(
        state_of(&observation, "cohorts_preserved.csv"),
        State::Settling(ms(1700))
    );
    assert_eq!(
        state_of(&observation, "cohorts_future.csv"),
        State::Settling(SETTLE)
    );
    assert_eq!(observation.next_due, Some(clock.now(at + ms(1500))));
    assert_eq!(names(&observation.ready(SETTLE)), ["cohorts_old.csv"]);
}

#[test]
fn without_trusted_change_times_an_old_file_waits_the_settle_time() {
    // A network filesystem: attribute caches make change times untrustworthy, so the settle
    // time counts from the first listing that saw the file.
    let setup = Setup::new();
    let rules = setup.rules(false);
    let clock = Clock::new();
    let mut tracker = Tracker::new();
    let at = Duration::from_secs(3600);
    let old = || vec![sample("cohorts.csv", 10, clock.wall(Duration::ZERO), 1)];

    let first = tracker.observe(old(), clock.now(at), clock.wall(at), &rules);
    assert_eq!(state_of(&first, "cohorts.csv"), State::Settling(SETTLE));
    assert_eq!(first.next_due, Some(clock.now(at + SETTLE)));

    let almost = at + SETTLE - ms(1);
    let early = tracker.observe(old(), clock.now(almost), clock.wall(almost), &rules);
    assert_eq!(state_of(&early, "cohorts.csv"), State::Settling(ms(1)));

    let due = at + SETTLE;
    let ready = tracker.observe(old(), clock.now(due), clock.wall(due), &rules);
    assert_eq!(state_of(&ready, "cohorts.csv"), State::Ready);
}

#[test]
fn a_file_waits_for_its_done_marker() {
    let setup = Setup::new();
    let rules = setup.with_marker(".done");
    let clock = Clock::new();
    let mut tracker = Tracker::new();
    let at = Duration::from_secs(60);
    let data = || sample("cohorts.csv", 10, clock.wall(Duration::ZERO), 1);

    // Complete for long, but no marker: it waits, and no timer is due for it.
    let waiting = tracker.observe(vec![data()], clock.now(at), clock.wall(at), &rules);
    assert_eq!(state_of(&waiting, "cohorts.csv"), State::AwaitingMarker);
    assert_eq!(waiting.next_due, None);
    assert!(waiting.ready(SETTLE).is_empty());

    // Another file's marker does not count.
    let other = sample("cohorts_b.csv.done", 0, clock.wall(at), 2);
    let later = at + ms(100);
    let still = tracker.observe(
        vec![data(), other.clone()],
        clock.now(later),
        clock.wall(later),
        &rules,
    );
    assert_eq!(state_of(&still, "cohorts.csv"), State::AwaitingMarker);
    assert_eq!(state_of(&still, "cohorts_b.csv.done"), State::Ignored);

    // Its marker: ready; the marker itself is never taken.
    let marker = sample("cohorts.csv.done", 0, clock.wall(later), 3);
    let last = later + ms(100);
    let ready = tracker.observe(
        vec![data(), other, marker],
        clock.now(last),
        clock.wall(last),
        &rules,
    );
    assert_eq!(state_of(&ready, "cohorts.csv"), State::Ready);
    assert_eq!(state_of(&ready, "cohorts.csv.done"), State::Ignored);
    assert_eq!(names(&ready.ready(SETTLE)), ["cohorts.csv"]);
}

#[test]
fn a_vanished_file_is_forgotten() {
    let setup = Setup::new();
    let rules = setup.rules(false);
    let clock = Clock::new();
    let mut tracker = Tracker::new();
    let file = || sample("cohorts.csv", 10, clock.wall(Duration::ZERO), 1);
    let unrouted = || sample("grades.csv", 10, clock.wall(Duration::ZERO), 2);

    tracker.observe(
        vec![file(), unrouted()],
        clock.now(ms(0)),
        clock.wall(ms(0)),
        &rules,
    );
    let settling = tracker.observe(
        vec![file(), unrouted()],
        clock.now(ms(1500)),
        clock.wall(ms(1500)),
        &rules,
    );
    assert_eq!(state_of(&settling, "cohorts.csv"), State::Settling(ms(500)));

    // Gone (taken by another process, or removed): nothing of it is kept.
    let empty = tracker.observe(
        Vec::new(),
        clock.now(ms(1600)),
        clock.wall(ms(1600)),
        &rules,
    );
    assert!(empty.candidates.is_empty());
    assert_eq!(empty.next_due, None);
    assert!(tracker.seen.is_empty());

    // Back with the same stamp (put back into the spool): a new file, that settles afresh and
    // is reported afresh if unrouted.
    let back = tracker.observe(
        vec![file(), unrouted()],
        clock.now(ms(1700)),
        clock.wall(ms(1700)),
        &rules,
    );
    assert_eq!(state_of(&back, "cohorts.csv"), State::Settling(SETTLE));
    assert_eq!(back.next_due, Some(clock.now(ms(1700) + SETTLE)));
    assert_eq!(back.newly_unrouted, vec!["grades.csv".to_owned()]);
}

#[test]
fn observations_list_files_by_name() {
    let setup = Setup::new();
    let rules = setup.rules(true);
    let clock = Clock::new();
    let mut tracker = Tracker::new();
    let old = clock.wall(Duration::ZERO);
    let listing = vec![
        sample("cohorts_c.csv", 1, old, 1),
        sample("cohorts_a.csv", 1, old, 2),
        sample("cohorts_b.csv", 1, old, 3),
    ];
    let at = Duration::from_secs(60);
    let observation = tracker.observe(listing, clock.now(at), clock.wall(at), &rules);
    let listed: Vec<&str> = observation
        .candidates
        .iter()
        .map(|candidate| candidate.sample.name.as_str())
        .collect();
    assert_eq!(listed, ["cohorts_a.csv", "cohorts_b.csv", "cohorts_c.csv"]);
}

#[test]
fn an_empty_file_waits_the_settle_time_from_first_sight() {
    // A writer that created the file and has not sent its first byte: its change time is old
    // news, so an empty file never counts it.
    let setup = Setup::new();
    let rules = setup.rules(true);
    let clock = Clock::new();
    let mut tracker = Tracker::new();
    let at = Duration::from_secs(60);
    let empty = || sample("cohorts_empty.csv", 0, clock.wall(at - ms(10_000)), 1);
    let first = tracker.observe(vec![empty()], clock.now(at), clock.wall(at), &rules);
    assert_eq!(
        state_of(&first, "cohorts_empty.csv"),
        State::Settling(SETTLE)
    );
    let later = at + SETTLE;
    let settled = tracker.observe(vec![empty()], clock.now(later), clock.wall(later), &rules);
    assert_eq!(state_of(&settled, "cohorts_empty.csv"), State::Ready);
}
