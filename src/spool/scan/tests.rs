//! Unit tests of the stability gate and the order of ready files.
//!
//! Listings are built by hand, with an `Instant` and a wall-clock time that advance together,
//! so that every case is exact and none waits.

use std::time::{Duration, Instant, SystemTime};

use super::*;
use crate::{command::FileKind, spool::WatchSettings};

const SETTLE: Duration = Duration::from_secs(2);

/// A fixed wall-clock origin, so that drop times read as offsets from it.
fn epoch() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// The clocks of one listing: `at` after the start on both the monotonic and the system clock.
#[derive(Debug, Clone, Copy)]
struct Clock {
    start: Instant,
}

impl Clock {
    fn new() -> Clock {
        Clock {
            start: Instant::now(),
        }
    }

    fn now(self, at: Duration) -> Instant {
        self.start + at
    }

    fn wall(self, at: Duration) -> SystemTime {
        epoch() + at
    }
}

/// What the rules borrow: the default ignore list and routing.
struct Setup {
    ignore: Vec<String>,
    routing: Routing,
}

impl Setup {
    fn new() -> Setup {
        Setup {
            ignore: WatchSettings::default().ignore,
            routing: Routing::default(),
        }
    }

    /// Rules with the settle time of these tests, trusting change times or not.
    fn rules(&self, trust_change_time: bool) -> Rules<'_> {
        Rules {
            ignore: &self.ignore,
            routing: &self.routing,
            settle: SETTLE,
            done_marker: None,
            trust_change_time,
        }
    }

    fn with_marker<'a>(&'a self, marker: &'a str) -> Rules<'a> {
        Rules {
            done_marker: Some(marker),
            ..self.rules(true)
        }
    }
}

/// A file of `size` bytes last written (and dropped) at `written` after the epoch; `inode`
/// tells files apart.
fn sample(name: &str, size: u64, written: SystemTime, inode: u64) -> Sample {
    let since_epoch = written
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after the epoch");
    Sample {
        name: name.to_owned(),
        stamp: Stamp {
            size,
            modified: Some(written),
            changed_ns: i128::try_from(since_epoch.as_nanos()).expect("fits"),
            inode: (1, inode),
        },
        changed: written,
    }
}

fn state_of(observation: &Observation, name: &str) -> State {
    observation
        .candidates
        .iter()
        .find(|candidate| candidate.sample.name == name)
        .unwrap_or_else(|| panic!("{name} is not in the observation"))
        .state
}

fn names<'a>(candidates: &[&'a Candidate]) -> Vec<&'a str> {
    candidates
        .iter()
        .map(|candidate| candidate.sample.name.as_str())
        .collect()
}

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
