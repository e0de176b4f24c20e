//! What applying a file did, line by line. A [`FileOutcome`] is the only input of the report and
//! tryback writers: nothing reaches them by another path.

use std::{fmt, ops::Range};

use serde::Serialize;

use crate::error::LineError;

/// A cohort as the report names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CohortLabel {
    /// Moodle's id; `None` for a cohort this file creates (its id is assigned when applied).
    pub id: Option<i64>,
    /// The cohort's name.
    pub name: String,
    /// The cohort's idnumber, if it has one.
    pub idnumber: Option<String>,
}

impl fmt::Display for CohortLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.name)?;
        if let Some(idnumber) = self
            .idnumber
            .as_deref()
            .filter(|idnumber| !idnumber.is_empty())
        {
            write!(f, " [{idnumber}]")?;
        }
        Ok(())
    }
}

/// A user as the report names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserLabel {
    /// Moodle's id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// External identifier, possibly empty.
    pub idnumber: String,
    /// First and last name.
    pub fullname: String,
}

impl fmt::Display for UserLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.username)?;
        if !self.idnumber.is_empty() && self.idnumber != self.username {
            write!(f, " [{}]", self.idnumber)?;
        }
        if !self.fullname.trim().is_empty() {
            write!(f, " ({})", self.fullname.trim())?;
        }
        Ok(())
    }
}

/// One field of a cohort that a line changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// The cohort field, as named in Moodle's table.
    pub field: &'static str,
    /// Its value before.
    pub from: String,
    /// Its value after.
    pub to: String,
}

/// One thing a line did, or found already done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// A cohort was created.
    CohortCreated {
        /// The new cohort.
        cohort: CohortLabel,
        /// Where it lives: `system` or the category.
        context: String,
    },
    /// Some of a cohort's fields were changed.
    CohortUpdated {
        /// The cohort.
        cohort: CohortLabel,
        /// What changed.
        changes: Vec<FieldChange>,
    },
    /// The line asked for nothing the cohort does not already have.
    CohortUnchanged {
        /// The cohort.
        cohort: CohortLabel,
    },
    /// A cohort and its memberships were deleted.
    CohortDeleted {
        /// The cohort.
        cohort: CohortLabel,
        /// Memberships removed with it.
        members: usize,
        /// Enabled cohort-sync enrolment methods that were bound to it, now disabled.
        bindings: usize,
    },
    /// Every member was removed; the cohort stays.
    CohortEmptied {
        /// The cohort.
        cohort: CohortLabel,
        /// Memberships removed.
        members: usize,
    },
    /// The cohort was already empty.
    CohortAlreadyEmpty {
        /// The cohort.
        cohort: CohortLabel,
    },
    /// A user became a member.
    MemberAdded {
        /// The user.
        user: UserLabel,
        /// The cohort.
        cohort: CohortLabel,
    },
    /// The user already was a member.
    AlreadyMember {
        /// The user.
        user: UserLabel,
        /// The cohort.
        cohort: CohortLabel,
    },
    /// A user stopped being a member.
    MemberRemoved {
        /// The user.
        user: UserLabel,
        /// The cohort.
        cohort: CohortLabel,
    },
    /// The user was not a member.
    NotMember {
        /// The user.
        user: UserLabel,
        /// The cohort.
        cohort: CohortLabel,
    },
}

/// Counters of effects and line results, as a report's totals show them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Data lines read (comments and empty lines not counted).
    pub lines: usize,
    /// Lines that changed something.
    pub changed: usize,
    /// Lines that found everything already as asked.
    pub unchanged: usize,
    /// Lines that failed (and went to the tryback).
    pub failed: usize,
    /// Cohorts created.
    pub cohorts_created: usize,
    /// Cohorts updated.
    pub cohorts_updated: usize,
    /// Cohorts deleted, by a line or by `delete_empty`.
    pub cohorts_deleted: usize,
    /// Cohorts emptied by `free`.
    pub cohorts_emptied: usize,
    /// Memberships added.
    pub members_added: usize,
    /// Memberships removed, one by one, by `free` or with a deleted cohort.
    pub members_removed: usize,
}

impl Totals {
    fn count(&mut self, effect: &Effect) {
        match effect {
            Effect::CohortCreated { .. } => self.cohorts_created += 1,
            Effect::CohortUpdated { .. } => self.cohorts_updated += 1,
            Effect::CohortDeleted { members, .. } => {
                self.cohorts_deleted += 1;
                self.members_removed += members;
            }
            Effect::CohortEmptied { members, .. } => {
                self.cohorts_emptied += 1;
                self.members_removed += members;
            }
            Effect::MemberAdded { .. } => self.members_added += 1,
            Effect::MemberRemoved { .. } => self.members_removed += 1,
            Effect::CohortUnchanged { .. }
            | Effect::CohortAlreadyEmpty { .. }
            | Effect::AlreadyMember { .. }
            | Effect::NotMember { .. } => {}
        }
    }
}

impl Effect {
    /// Whether this effect changed the database (or would, in a simulation).
    pub fn is_change(&self) -> bool {
        !matches!(
            self,
            Effect::CohortUnchanged { .. }
                | Effect::CohortAlreadyEmpty { .. }
                | Effect::AlreadyMember { .. }
                | Effect::NotMember { .. }
        )
    }
}

/// How a line ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineStatus {
    /// It changed something.
    Changed,
    /// Everything was already as asked.
    Unchanged,
    /// It failed; it changed nothing and is in the tryback.
    Failed,
}

impl LineStatus {
    /// The word the report uses.
    pub fn label(self) -> &'static str {
        match self {
            LineStatus::Changed => "changed",
            LineStatus::Unchanged => "unchanged",
            LineStatus::Failed => "failed",
        }
    }
}

/// The outcome of one data line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineOutcome {
    /// Physical line (from 1) where the record starts.
    pub line: usize,
    /// The record's bytes in the input, for the tryback.
    pub raw: Range<usize>,
    /// The command as written, or the default command's name when the column is absent or empty.
    pub command: String,
    /// The cohort key as written.
    pub cohort: String,
    /// The user key as written.
    pub user: String,
    /// What the line did, or why it failed.
    pub result: Result<Vec<Effect>, LineError>,
}

impl LineOutcome {
    /// How the line ended.
    pub fn status(&self) -> LineStatus {
        match &self.result {
            Err(_) => LineStatus::Failed,
            Ok(effects) if effects.iter().any(Effect::is_change) => LineStatus::Changed,
            Ok(_) => LineStatus::Unchanged,
        }
    }
}

/// The outcome of a whole file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileOutcome {
    /// One outcome per data line, in file order.
    pub lines: Vec<LineOutcome>,
    /// Effects that belong to no line: cohorts deleted by `delete_empty` after the last line.
    pub after: Vec<Effect>,
    /// Remarks about the file as a whole, such as a column that the settings make unused.
    pub notes: Vec<String>,
    /// Records that held no value (such as `;;;`) and were skipped.
    pub empty_records: usize,
}

impl FileOutcome {
    /// Counts lines and effects.
    pub fn totals(&self) -> Totals {
        let mut totals = Totals {
            lines: self.lines.len(),
            ..Totals::default()
        };
        for line in &self.lines {
            match line.status() {
                LineStatus::Changed => totals.changed += 1,
                LineStatus::Unchanged => totals.unchanged += 1,
                LineStatus::Failed => totals.failed += 1,
            }
            if let Ok(effects) = &line.result {
                for effect in effects {
                    totals.count(effect);
                }
            }
        }
        for effect in &self.after {
            totals.count(effect);
        }
        totals
    }

    /// The lines that failed.
    pub fn failed(&self) -> impl Iterator<Item = &LineOutcome> {
        self.lines.iter().filter(|line| line.result.is_err())
    }
}
