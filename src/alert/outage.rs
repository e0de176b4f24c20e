//! When an unusable database deserves an alert: once it has stayed so for `[alerts]
//! database_down_after_s`, once per outage, and a "back" once it answers again after an
//! outage that was alerted. Pure: the times are given, so that the rule is tested without
//! waiting.

use std::time::{Duration, Instant, SystemTime};

/// Whether the database can be used, as the service last found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// It answers (or has not been found unusable).
    Up,
    /// It has been unusable since `since`.
    Down {
        /// When it was first found unusable (the start of the attempt that failed).
        since: SystemTime,
        /// Why, as the service logged it.
        problem: String,
    },
}

/// What to alert about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Unusable for longer than the limit.
    Down {
        /// Since when.
        since: SystemTime,
        /// The last reason seen.
        problem: String,
    },
    /// Answering again after the outage since `since`, which was alerted.
    Back {
        /// When the outage began.
        since: SystemTime,
    },
}

/// The outage in progress, if any.
#[derive(Debug)]
pub struct Outage {
    after: Duration,
    current: Option<Current>,
}

#[derive(Debug)]
struct Current {
    since: SystemTime,
    problem: String,
    /// When the alert is due.
    due: Instant,
    alerted: bool,
}

impl Outage {
    /// No outage yet; an outage is alerted once it has lasted `after`.
    pub fn new(after: Duration) -> Outage {
        Outage {
            after,
            current: None,
        }
    }

    /// Takes in the state the service reported, at `now` (`wall` the same instant on the
    /// clock). Returns the "back" alert when an alerted outage ends.
    pub fn observe(&mut self, state: &Database, now: Instant, wall: SystemTime) -> Option<Change> {
        match state {
            Database::Up => {
                let ended = self.current.take()?;
                ended.alerted.then_some(Change::Back { since: ended.since })
            }
            Database::Down { since, problem } => {
                match &mut self.current {
                    Some(current) => current.problem.clone_from(problem),
                    None => {
                        // The outage may have begun before it was reported (a connection
                        // attempt that took long to fail): count from its start.
                        let lasted = wall.duration_since(*since).unwrap_or_default();
                        self.current = Some(Current {
                            since: *since,
                            problem: problem.clone(),
                            due: now + self.after.saturating_sub(lasted),
                            alerted: false,
                        });
                    }
                }
                None
            }
        }
    }

    /// When the outage in progress is to be alerted, if it is and has not been yet.
    pub fn due(&self) -> Option<Instant> {
        self.current
            .as_ref()
            .filter(|current| !current.alerted)
            .map(|current| current.due)
    }

    /// The "down" alert, if it is due at `now` and has not been given for this outage.
    pub fn fire(&mut self, now: Instant) -> Option<Change> {
        let current = self.current.as_mut()?;
        if current.alerted || now < current.due {
            return None;
        }
        current.alerted = true;
        Some(Change::Down {
            since: current.since,
            problem: current.problem.clone(),
        })
    }
}
