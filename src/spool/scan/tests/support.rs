//! What the tests build listings from: clocks that advance together, the rules, samples,
//! and the look-ups their assertions make.

use std::time::{Duration, Instant, SystemTime};

use crate::{
    command::Routing,
    spool::{
        WatchSettings,
        scan::{Candidate, Observation, Rules, Sample, Stamp, State},
    },
};

pub(super) const SETTLE: Duration = Duration::from_secs(2);

/// A fixed wall-clock origin, so that drop times read as offsets from it.
pub(super) fn epoch() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

pub(super) fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// The clocks of one listing: `at` after the start on both the monotonic and the system clock.
#[derive(Debug, Clone, Copy)]
pub(super) struct Clock {
    start: Instant,
}

impl Clock {
    pub(super) fn new() -> Clock {
        Clock {
            start: Instant::now(),
        }
    }

    pub(super) fn now(self, at: Duration) -> Instant {
        self.start + at
    }

    pub(super) fn wall(self, at: Duration) -> SystemTime {
        epoch() + at
    }
}

/// What the rules borrow: the default ignore list and routing.
pub(super) struct Setup {
    ignore: Vec<String>,
    routing: Routing,
}

impl Setup {
    pub(super) fn new() -> Setup {
        Setup {
            ignore: WatchSettings::default().ignore,
            routing: Routing::default(),
        }
    }

    /// Rules with the settle time of these tests, trusting change times or not.
    pub(super) fn rules(&self, trust_change_time: bool) -> Rules<'_> {
        Rules {
            ignore: &self.ignore,
            routing: &self.routing,
            settle: SETTLE,
            done_marker: None,
            trust_change_time,
        }
    }

    pub(super) fn with_marker<'a>(&'a self, marker: &'a str) -> Rules<'a> {
        Rules {
            done_marker: Some(marker),
            ..self.rules(true)
        }
    }
}

/// A file of `size` bytes last written (and dropped) at `written` after the epoch; `inode`
/// tells files apart.
pub(super) fn sample(name: &str, size: u64, written: SystemTime, inode: u64) -> Sample {
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

pub(super) fn state_of(observation: &Observation, name: &str) -> State {
    observation
        .candidates
        .iter()
        .find(|candidate| candidate.sample.name == name)
        .unwrap_or_else(|| panic!("{name} is not in the observation"))
        .state
}

pub(super) fn names<'a>(candidates: &[&'a Candidate]) -> Vec<&'a str> {
    candidates
        .iter()
        .map(|candidate| candidate.sample.name.as_str())
        .collect()
}
