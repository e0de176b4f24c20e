//! What applying a file did, line by line, in words every kind shares: how a run and a line
//! end, how reports name cohorts, users, courses and roles, what enrolments did. A
//! [`FileOutcome`] is the only input of the report and tryback writers: nothing reaches them by
//! another path. Each kind's own effects are in its folder (`command::<kind>::effect`).

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

/// An account as a user file's report names it: its username and idnumber.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountLabel {
    /// Moodle's id; `None` for an account this file creates.
    pub id: Option<i64>,
    /// Login name.
    pub username: String,
    /// External identifier, possibly empty.
    pub idnumber: String,
}

impl fmt::Display for AccountLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.username.is_empty() {
            f.write_str("(no username)")?;
        } else {
            f.write_str(&self.username)?;
        }
        if !self.idnumber.is_empty() {
            write!(f, " [{}]", self.idnumber)?;
        }
        Ok(())
    }
}

/// A course as the report names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CourseLabel {
    /// Moodle's id.
    pub id: i64,
    /// Short name.
    pub shortname: String,
}

impl fmt::Display for CourseLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.shortname.is_empty() {
            write!(f, "id {}", self.id)
        } else {
            f.write_str(&self.shortname)
        }
    }
}

/// A role as the report names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleLabel {
    /// Moodle's id.
    pub id: i64,
    /// Short name.
    pub shortname: String,
}

impl fmt::Display for RoleLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shortname)
    }
}

/// A course group as the report names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupLabel {
    /// Moodle's id; `None` for a group this file creates.
    pub id: Option<i64>,
    /// The group's name.
    pub name: String,
}

impl fmt::Display for GroupLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.name)
    }
}

/// A cohort sync enrolment method (an `enrol` row) as the report names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BindingLabel {
    /// `enrol.id`; `None` for one this file creates.
    pub id: Option<i64>,
    /// The enrolment plugin (`cohort`).
    pub enrol: String,
    /// The course.
    pub course: CourseLabel,
    /// The cohort.
    pub cohort: CohortLabel,
    /// The role given; `None` when the method gives none.
    pub role: Option<RoleLabel>,
}

impl fmt::Display for BindingLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cohort {} in course {}", self.cohort, self.course)?;
        match &self.role {
            Some(role) => write!(f, " as {role}")?,
            None => f.write_str(" with no role")?,
        }
        if self.enrol != "cohort" {
            write!(f, " (enrolment method {})", self.enrol)?;
        }
        Ok(())
    }
}

/// One field that a line changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// The field, as named in Moodle's table (or the file's column, for profile fields).
    pub field: String,
    /// Its value before.
    pub from: String,
    /// Its value after.
    pub to: String,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Every line succeeded.
    Success,
    /// Some lines failed; the others were applied.
    Partial,
    /// The file was refused as a whole; nothing was applied.
    Rejected,
    /// A database error stopped the file; everything was rolled back.
    RolledBack,
    /// The same bytes were applied before; not applied again.
    Duplicate,
    /// A `sync` would remove more of a cohort's members than `[cohorts]
    /// max_sync_removal_percent` allows: nothing applied, the file kept in the held area
    /// until `moodle-sync approve` applies it.
    Held,
}

impl RunStatus {
    /// The word the ledger, the log and alerts use for it.
    pub const fn name(self) -> &'static str {
        match self {
            RunStatus::Success => "success",
            RunStatus::Partial => "partial",
            RunStatus::Rejected => "rejected",
            RunStatus::RolledBack => "rolled_back",
            RunStatus::Duplicate => "duplicate",
            RunStatus::Held => "held",
        }
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

/// What one effect of a line is to the rest of moodle-sync: whether it changed something,
/// what it counts for, and how the report words it. Each kind's effects implement it.
pub trait LineEffect {
    /// The kind's counters.
    type Counts: Default;

    /// Whether this effect changed the database (or would, in a simulation).
    fn is_change(&self) -> bool;

    /// Adds this effect to the kind's counts.
    fn count(&self, counts: &mut Self::Counts);

    /// The effect in the report's words; a simulation says what would happen.
    fn describe(&self, simulation: bool) -> String;

    /// For an effect that belongs to no line: the heading the report lists it under.
    fn heading(&self) -> &'static str {
        "After the last line"
    }
}

/// Counters of effects and line results, as a report's totals show them: the lines, the
/// kind's own counts (`C`), and the enrolments that followed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals<C> {
    /// Data lines read (comments and empty lines not counted).
    pub lines: usize,
    /// Lines that changed something.
    pub changed: usize,
    /// Lines that found everything already as asked.
    pub unchanged: usize,
    /// Lines that failed (and went to the tryback).
    pub failed: usize,
    /// What the lines did, by each kind's counters.
    #[serde(flatten)]
    pub counts: C,
    /// Course enrolments created (`[enrolments] mode = "immediate"`).
    pub enrolments_created: usize,
    /// Suspended course enrolments reactivated.
    pub enrolments_reactivated: usize,
    /// Course role assignments given by cohort sync.
    pub roles_assigned: usize,
    /// Course group memberships added by cohort sync.
    pub group_members_added: usize,
    /// Enrolments suspended at once (`[enrolments] removals = "suspend-now"`).
    pub enrolments_suspended: usize,
    /// Cohort-sync role assignments removed at once.
    pub roles_removed: usize,
    /// Enrolments that Moodle's cohort sync task will remove or suspend.
    pub pending_unenrolments: usize,
    /// Rows written to Moodle's standard log.
    pub log_rows: usize,
}

/// The outcome of one data line, whose effects are `E`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineOutcome<E> {
    /// Physical line (from 1) where the record starts.
    pub line: usize,
    /// The record's bytes in the input, for the tryback.
    pub raw: Range<usize>,
    /// The command as written, or the default command's name when the column is absent or empty.
    pub command: String,
    /// The values that name what the line is about, as written, one per key column of the
    /// file's kind.
    pub keys: Vec<String>,
    /// What the line did, or why it failed.
    pub result: Result<Vec<E>, LineError>,
}

impl<E: LineEffect> LineOutcome<E> {
    /// How the line ended.
    pub fn status(&self) -> LineStatus {
        match &self.result {
            Err(_) => LineStatus::Failed,
            Ok(effects) if effects.iter().any(E::is_change) => LineStatus::Changed,
            Ok(_) => LineStatus::Unchanged,
        }
    }
}

/// The outcome of a whole file, whose effects are `E`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileOutcome<E> {
    /// One outcome per data line, in file order.
    pub lines: Vec<LineOutcome<E>>,
    /// Effects that belong to no line: cohorts deleted by `delete_empty` after the last line.
    pub after: Vec<E>,
    /// Remarks about the file as a whole, such as a column that the settings make unused.
    pub notes: Vec<String>,
    /// Records that held no value (such as `;;;`) and were skipped.
    pub empty_records: usize,
    /// What happened to course enrolments after the lines, when the file touched cohorts bound
    /// to courses.
    pub enrolments: Option<EnrolmentOutcome>,
    /// The cohorts that `sync` lines list in full, in the order of their first line.
    pub syncs: Vec<SyncedCohort>,
    /// Rows written to Moodle's standard log for the file's changes.
    pub log_rows: usize,
}

impl<E> Default for FileOutcome<E> {
    fn default() -> Self {
        FileOutcome {
            lines: Vec::new(),
            after: Vec::new(),
            notes: Vec::new(),
            empty_records: 0,
            enrolments: None,
            syncs: Vec::new(),
            log_rows: 0,
        }
    }
}

impl<E: LineEffect> FileOutcome<E> {
    /// Counts lines and effects.
    pub fn totals(&self) -> Totals<E::Counts> {
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
                    effect.count(&mut totals.counts);
                }
            }
        }
        for effect in &self.after {
            effect.count(&mut totals.counts);
        }
        if let Some(enrolments) = &self.enrolments {
            for course in &enrolments.courses {
                totals.enrolments_created += course.enrolments_created;
                totals.enrolments_reactivated += course.enrolments_reactivated;
                totals.roles_assigned += course.roles_assigned;
                totals.group_members_added += course.group_members_added;
                totals.enrolments_suspended += course.enrolments_suspended;
                totals.roles_removed += course.roles_removed;
                totals.pending_unenrolments += course.pending_unenrolments;
            }
        }
        totals.log_rows = self.log_rows;
        totals
    }
}

impl<E> FileOutcome<E> {
    /// The lines that failed.
    pub fn failed(&self) -> impl Iterator<Item = &LineOutcome<E>> {
        self.lines.iter().filter(|line| line.result.is_err())
    }

    /// Whether a sync removes more members than `[cohorts] max_sync_removal_percent` allows:
    /// the file is then held, not applied, unless approved.
    pub fn sync_over_limit(&self) -> bool {
        self.syncs.iter().any(|sync| sync.over_limit)
    }

    /// Why the file is held: one fragment per cohort over the limit.
    pub fn hold_reason(&self, limit_percent: u8) -> String {
        self.syncs
            .iter()
            .filter(|sync| sync.over_limit)
            .map(|sync| sync.hold_reason(limit_percent))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The same outcome with each effect turned into another type (a kind's effects into the
    /// effects of every kind).
    pub fn map_effects<F>(self, into: impl Fn(E) -> F) -> FileOutcome<F> {
        let into = &into;
        FileOutcome {
            lines: self
                .lines
                .into_iter()
                .map(|line| LineOutcome {
                    line: line.line,
                    raw: line.raw,
                    command: line.command,
                    keys: line.keys,
                    result: line
                        .result
                        .map(|effects| effects.into_iter().map(into).collect()),
                })
                .collect(),
            after: self.after.into_iter().map(into).collect(),
            notes: self.notes,
            empty_records: self.empty_records,
            enrolments: self.enrolments,
            syncs: self.syncs,
            log_rows: self.log_rows,
        }
    }
}

/// A cohort that a file's `sync` lines list in full, and what the list does to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncedCohort {
    /// The cohort.
    pub cohort: CohortLabel,
    /// Its members before the file (0 for a cohort the file creates).
    pub members_before: usize,
    /// Listed users who were not members: added.
    pub added: usize,
    /// Listed users who already were members: nothing written for them.
    pub unchanged: usize,
    /// Members the lines do not list: removed after the last line, by username and idnumber.
    pub removed: Vec<UserLabel>,
    /// Members not listed but named by a failed `sync` line of the cohort: kept, since the
    /// file may mean to list them.
    pub kept: Vec<UserLabel>,
    /// Whether the removals are more than `[cohorts] max_sync_removal_percent` of
    /// `members_before` (never for a cohort without members before).
    pub over_limit: bool,
}

impl SyncedCohort {
    /// The share of its members the sync removes, in percent.
    pub fn removed_percent(&self) -> f64 {
        if self.members_before == 0 {
            0.0
        } else {
            self.removed.len() as f64 * 100.0 / self.members_before as f64
        }
    }

    /// `sync of cohort "Classe" [C1] would remove 3 of 3 members (100.0 %) > 20 %`.
    pub fn hold_reason(&self, limit_percent: u8) -> String {
        format!(
            "sync of cohort {} would remove {} of {} ({:.1} %) > {limit_percent} %",
            self.cohort,
            self.removed.len(),
            plural(self.members_before, "member"),
            self.removed_percent()
        )
    }
}

/// `[enrolments] mode`: who turns cohort memberships into course enrolments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnrolmentMode {
    /// moodle-sync, right after each file, for additions (and removals of access, under
    /// [`Removals::SuspendNow`]).
    #[default]
    Immediate,
    /// Moodle's hourly cohort sync task, for everything.
    Moodle,
}

impl EnrolmentMode {
    /// The setting's value.
    pub fn name(self) -> &'static str {
        match self {
            EnrolmentMode::Immediate => "immediate",
            EnrolmentMode::Moodle => "moodle",
        }
    }
}

/// `[enrolments] removals`: when access given by a bound cohort is taken away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Removals {
    /// In the file's transaction, what removes access under the site's unenrol action, as
    /// Moodle's observers do at once: enrolments suspended, roles removed; an unenrolment
    /// (which deletes grades and group memberships) stays with Moodle's task.
    #[default]
    SuspendNow,
    /// Nothing: Moodle's hourly cohort sync task does every removal.
    Moodle,
}

impl Removals {
    /// The setting's value.
    pub fn name(self) -> &'static str {
        match self {
            Removals::SuspendNow => "suspend-now",
            Removals::Moodle => "moodle",
        }
    }
}

/// The site's `enrol_cohort/unenrolaction`: what Moodle does to the enrolment of a user who
/// left a bound cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnenrolAction {
    /// 0: the enrolment is deleted, with the user's grades, groups and roles in the course.
    Unenrol,
    /// 1: nothing (not offered for cohorts).
    Keep,
    /// 2: the enrolment is suspended; roles kept.
    Suspend,
    /// 3: the enrolment is suspended and its roles removed.
    SuspendNoRoles,
}

impl UnenrolAction {
    /// From the stored setting (a missing row reads as 0, Moodle's default).
    pub fn from_setting(value: i64) -> UnenrolAction {
        match value {
            0 => UnenrolAction::Unenrol,
            1 => UnenrolAction::Keep,
            2 => UnenrolAction::Suspend,
            // Moodle's sync treats every value but 0 as a suspension, and removes the roles
            // unless it is 2.
            _ => UnenrolAction::SuspendNoRoles,
        }
    }

    /// As Moodle's settings page words it.
    pub fn label(self) -> &'static str {
        match self {
            UnenrolAction::Unenrol => "unenrol user from course",
            UnenrolAction::Keep => "keep user enrolled",
            UnenrolAction::Suspend => "disable course enrolment",
            UnenrolAction::SuspendNoRoles => "disable course enrolment and remove roles",
        }
    }
}

/// Enrolments in one course after a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CourseEnrolments {
    /// The course.
    pub course: CourseLabel,
    /// `user_enrolments` rows created.
    pub enrolments_created: usize,
    /// Suspended enrolments made active again.
    pub enrolments_reactivated: usize,
    /// `role_assignments` rows created (component `enrol_cohort`).
    pub roles_assigned: usize,
    /// `groups_members` rows created (component `enrol_cohort`).
    pub group_members_added: usize,
    /// `groups_members` rows removed because the binding's group changed.
    pub group_members_removed: usize,
    /// Active enrolments suspended at once: members who left, deleted cohorts
    /// (`[enrolments] removals = "suspend-now"`).
    pub enrolments_suspended: usize,
    /// Cohort-sync role assignments removed at once: suspended enrolments, disabled bindings,
    /// under the unenrol actions that remove roles.
    pub roles_removed: usize,
    /// Enrolments to create or reactivate that are left to Moodle's task (`moodle` mode; a site
    /// with cohort sync disabled enrols nobody, so counts none).
    pub pending_enrolments: usize,
    /// Enrolments Moodle's task will remove or suspend: members who left, deleted cohorts.
    pub pending_unenrolments: usize,
    /// Cohort-sync role assignments Moodle's task will remove: disabled bindings, inactive
    /// enrolments.
    pub pending_role_removals: usize,
}

impl CourseEnrolments {
    /// Nothing done and nothing pending.
    pub fn is_empty(&self) -> bool {
        self.enrolments_created
            + self.enrolments_reactivated
            + self.roles_assigned
            + self.group_members_added
            + self.group_members_removed
            + self.enrolments_suspended
            + self.roles_removed
            + self.pending_enrolments
            + self.pending_unenrolments
            + self.pending_role_removals
            == 0
    }
}

/// What happened to course enrolments after a file's lines, per course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnrolmentOutcome {
    /// The mode used.
    pub mode: EnrolmentMode,
    /// When removals were done.
    pub removals: Removals,
    /// Whether the site has the cohort sync enrolment plugin enabled.
    pub plugin_enabled: bool,
    /// The site's unenrol action.
    pub unenrol_action: UnenrolAction,
    /// One entry per course with something done or pending, by course id.
    pub courses: Vec<CourseEnrolments>,
}

/// Whether a summary (`command::summary`) tells what was done, or what would be (a simulation, a held file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tense {
    /// The file was applied.
    Done,
    /// Nothing was written: the figures say what applying it would do.
    Would,
}

/// A count and its noun, in English: `1 line`, `2 lines`, `0 lines`.
pub fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// A change in the report's words: what was done, or in a simulation what would be.
pub fn verb(simulation: bool, done: &str, would: &str) -> String {
    if simulation { would } else { done }.to_owned()
}

/// A setting that is on or off, in the report's words.
pub fn on_off(value: bool) -> &'static str {
    if value { "on" } else { "off" }
}

/// Long values (descriptions) are cut in the text report; the JSON keeps them whole.
pub fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    let single_line = text.replace(['\r', '\n'], " ");
    if single_line.chars().count() <= MAX {
        single_line
    } else {
        format!("{}…", single_line.chars().take(MAX).collect::<String>())
    }
}
