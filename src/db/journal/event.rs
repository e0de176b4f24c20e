//! An event moodle-sync's writes stand for, where it happened, and the [`Journal`] that holds
//! a file's events until they are written.

use std::collections::HashMap;

use super::kind::Kind;

/// Where an event happened: its context, found when the journal is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    /// A course's context.
    Course(i64),
    /// A user's context.
    User(i64),
    /// A context by id (a cohort's, a role assignment's).
    Context(i64),
}

/// One event: one row of the standard log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: Kind,
    pub place: Place,
    pub objectid: Option<i64>,
    pub relateduserid: Option<i64>,
    /// The event's `other`, as Moodle stores it (JSON); `None` is `null`.
    pub other: Option<String>,
}

/// The events of a file's writes, waiting to be written before the commit.
#[derive(Debug, Default)]
pub struct Journal {
    /// Whether events are recorded at all (see the `journal` module's documentation).
    pub(super) on: bool,
    /// The main administrator, whose id every row carries.
    pub(super) admin: i64,
    pub(super) events: Vec<Event>,
    /// The context of each cohort seen, by cohort id: its events happen there.
    pub(super) cohorts: HashMap<i64, i64>,
}

impl Journal {
    /// Whether events are recorded: write sites that must read rows to describe an event
    /// read them only then.
    pub fn on(&self) -> bool {
        self.on
    }

    /// Records an event (nothing when the journal is off).
    pub fn push(&mut self, event: Event) {
        if self.on {
            self.events.push(event);
        }
    }

    /// Records one event of `kind` per related user, all alike otherwise.
    pub fn push_each(
        &mut self,
        kind: Kind,
        place: Place,
        objectid: Option<i64>,
        users: impl IntoIterator<Item = i64>,
        other: Option<&str>,
    ) {
        if !self.on {
            return;
        }
        for user in users {
            self.events.push(Event {
                kind,
                place,
                objectid,
                relateduserid: Some(user),
                other: other.map(str::to_owned),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_journal_records_nothing() {
        let mut journal = Journal::default();
        journal.push_each(
            Kind::CohortMemberAdded,
            Place::Context(3),
            Some(1),
            [4, 5],
            None,
        );
        assert!(journal.events.is_empty());
        journal.on = true;
        journal.push_each(
            Kind::CohortMemberAdded,
            Place::Context(3),
            Some(1),
            [4, 5],
            None,
        );
        assert_eq!(journal.events.len(), 2);
    }
}
