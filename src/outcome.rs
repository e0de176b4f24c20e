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

/// What was stored as the password of a created account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordSet {
    /// The file's password, hashed as Moodle verifies it.
    Hashed,
    /// `to be generated` with the `create_password` preference: Moodle's cron generates a
    /// password and mails it.
    ToBeGenerated,
    /// `not cached`: the authentication plugin checks passwords elsewhere.
    NotCached,
    /// Nothing (an internal method, such as `nologin`, that logs no one in by password).
    None,
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
    /// A member the file's `sync` lines of the cohort do not list was removed, after the last
    /// line.
    MemberNotListed {
        /// The user.
        user: UserLabel,
        /// The cohort.
        cohort: CohortLabel,
    },
    /// A course group was created for a binding.
    GroupCreated {
        /// The course.
        course: CourseLabel,
        /// The new group.
        group: GroupLabel,
    },
    /// A cohort sync enrolment method was added to a course.
    BindingCreated {
        /// The binding.
        binding: BindingLabel,
        /// The group its members are put in.
        group: Option<GroupLabel>,
        /// `enrolstartdate` (0: none).
        start: i64,
        /// `enrolenddate` (0: none).
        end: i64,
        /// `start` and `end` as the report shows them, in the site's time zone.
        #[serde(skip)]
        shown: [String; 2],
    },
    /// A disabled binding was enabled again.
    BindingEnabled {
        /// The binding.
        binding: BindingLabel,
    },
    /// Some fields of a binding were changed (group, dates).
    BindingUpdated {
        /// The binding.
        binding: BindingLabel,
        /// What changed.
        changes: Vec<FieldChange>,
    },
    /// The binding already was as asked.
    BindingUnchanged {
        /// The binding.
        binding: BindingLabel,
    },
    /// A binding was disabled.
    BindingDisabled {
        /// The binding.
        binding: BindingLabel,
    },
    /// The binding already was disabled.
    BindingAlreadyDisabled {
        /// The binding.
        binding: BindingLabel,
    },
    /// A binding was deleted with the enrolments, role assignments and group memberships it
    /// gave.
    BindingDeleted {
        /// The binding.
        binding: BindingLabel,
        /// Enrolments it held.
        enrolments: usize,
    },
    /// A custom profile field was created (`[users] create_profile_fields`).
    ProfileFieldCreated {
        /// Its shortname.
        shortname: String,
        /// Its category.
        category: String,
    },
    /// An account was created, with its user context.
    UserCreated {
        /// The account.
        user: AccountLabel,
        /// Its authentication method.
        auth: String,
        /// What its password is.
        password: PasswordSet,
        /// Whether it has an email (Moodle mails generated passwords).
        has_email: bool,
        /// Whether it was created suspended.
        suspended: bool,
    },
    /// A deleted account matched the line and was left deleted (`[users] revive_deleted` is
    /// off): the line created a new account.
    DeletedAccountLeft {
        /// The deleted account.
        user: AccountLabel,
    },
    /// Some fields of an account were changed.
    UserUpdated {
        /// The account.
        user: AccountLabel,
        /// What changed (passwords are never shown).
        changes: Vec<FieldChange>,
        /// Columns whose different values were not applied: `[users] protected_fields`.
        protected: Vec<String>,
    },
    /// The account already was as the line says.
    UserUnchanged {
        /// The account.
        user: AccountLabel,
        /// Columns whose different values were not applied: `[users] protected_fields`.
        protected: Vec<String>,
    },
    /// A deleted account was brought back (`[users] revive_deleted`).
    UserRevived {
        /// The account.
        user: AccountLabel,
        /// The values it was given.
        changes: Vec<FieldChange>,
    },
    /// An account was suspended.
    UserSuspended {
        /// The account.
        user: AccountLabel,
    },
    /// An account's suspension was lifted.
    UserUnsuspended {
        /// The account.
        user: AccountLabel,
    },
    /// The account already was suspended.
    AlreadySuspended {
        /// The account.
        user: AccountLabel,
    },
    /// The account was not suspended.
    NotSuspended {
        /// The account.
        user: AccountLabel,
    },
    /// An account was deleted as Moodle deletes them.
    UserDeleted {
        /// The account, as it was named before.
        user: AccountLabel,
    },
    /// The account was already deleted.
    AlreadyDeleted {
        /// The account.
        user: AccountLabel,
    },
    /// No binding matches: nothing to disable or delete.
    NotBound {
        /// The course.
        course: CourseLabel,
        /// The cohort.
        cohort: CohortLabel,
        /// The role; `None` for every role (`*`).
        role: Option<RoleLabel>,
        /// The enrolment plugin.
        enrol: String,
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
    /// Memberships removed, one by one, by `free`, by `sync` or with a deleted cohort.
    pub members_removed: usize,
    /// Users that `add` or `sync` lines name who already were members: nothing written.
    pub members_unchanged: usize,
    /// Cohort sync enrolment methods created.
    pub bindings_created: usize,
    /// Disabled bindings enabled again.
    pub bindings_enabled: usize,
    /// Bindings whose group or dates changed.
    pub bindings_updated: usize,
    /// Bindings disabled.
    pub bindings_disabled: usize,
    /// Bindings deleted (`fulldel`).
    pub bindings_deleted: usize,
    /// Course groups created for bindings.
    pub groups_created: usize,
    /// Accounts created.
    pub users_created: usize,
    /// Accounts updated.
    pub users_updated: usize,
    /// Deleted accounts revived.
    pub users_revived: usize,
    /// Accounts suspended.
    pub users_suspended: usize,
    /// Suspensions lifted.
    pub users_unsuspended: usize,
    /// Accounts deleted.
    pub users_deleted: usize,
    /// Custom profile fields created.
    pub profile_fields_created: usize,
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
            Effect::MemberRemoved { .. } | Effect::MemberNotListed { .. } => {
                self.members_removed += 1;
            }
            Effect::AlreadyMember { .. } => self.members_unchanged += 1,
            Effect::GroupCreated { .. } => self.groups_created += 1,
            Effect::BindingCreated { .. } => self.bindings_created += 1,
            Effect::BindingEnabled { .. } => self.bindings_enabled += 1,
            Effect::BindingUpdated { .. } => self.bindings_updated += 1,
            Effect::BindingDisabled { .. } => self.bindings_disabled += 1,
            Effect::BindingDeleted { .. } => self.bindings_deleted += 1,
            Effect::ProfileFieldCreated { .. } => self.profile_fields_created += 1,
            Effect::UserCreated { .. } => self.users_created += 1,
            Effect::UserUpdated { .. } => self.users_updated += 1,
            Effect::UserRevived { .. } => self.users_revived += 1,
            Effect::UserSuspended { .. } => self.users_suspended += 1,
            Effect::UserUnsuspended { .. } => self.users_unsuspended += 1,
            Effect::UserDeleted { .. } => self.users_deleted += 1,
            Effect::DeletedAccountLeft { .. }
            | Effect::UserUnchanged { .. }
            | Effect::AlreadySuspended { .. }
            | Effect::NotSuspended { .. }
            | Effect::AlreadyDeleted { .. }
            | Effect::CohortUnchanged { .. }
            | Effect::CohortAlreadyEmpty { .. }
            | Effect::NotMember { .. }
            | Effect::BindingUnchanged { .. }
            | Effect::BindingAlreadyDisabled { .. }
            | Effect::NotBound { .. } => {}
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
                | Effect::BindingUnchanged { .. }
                | Effect::BindingAlreadyDisabled { .. }
                | Effect::NotBound { .. }
                | Effect::DeletedAccountLeft { .. }
                | Effect::UserUnchanged { .. }
                | Effect::AlreadySuspended { .. }
                | Effect::NotSuspended { .. }
                | Effect::AlreadyDeleted { .. }
        )
    }
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
    pub fn name(self) -> &'static str {
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

/// The outcome of one data line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineOutcome {
    /// Physical line (from 1) where the record starts.
    pub line: usize,
    /// The record's bytes in the input, for the tryback.
    pub raw: Range<usize>,
    /// The command as written, or the default command's name when the column is absent or empty.
    pub command: String,
    /// The values that name what the line is about, as written, one per
    /// [`crate::command::FileKind::key_columns`].
    pub keys: Vec<String>,
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
    /// What happened to course enrolments after the lines, when the file touched cohorts bound
    /// to courses.
    pub enrolments: Option<EnrolmentOutcome>,
    /// The cohorts that `sync` lines list in full, in the order of their first line.
    pub syncs: Vec<SyncedCohort>,
    /// Rows written to Moodle's standard log for the file's changes.
    pub log_rows: usize,
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

    /// The lines that failed.
    pub fn failed(&self) -> impl Iterator<Item = &LineOutcome> {
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

/// Whether a [`summary`] tells what was done, or what would be (a simulation, a held file).
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

/// One line counting what a file did, for the console, the log, the ledger and `status`:
/// `120 lines: 118 changed, 2 failed; 3 accounts created; 110 members removed, 12 added; 40
/// enrolments created`. Only the parts that are not zero; the kind's own effects first; with
/// [`Tense::Would`], `would remove 110 members, add 12`.
pub fn summary(totals: &Totals, kind: crate::command::FileKind, tense: Tense) -> String {
    use crate::command::FileKind;

    let noun = |count: usize, singular: &str, plural: &str| {
        if count == 1 {
            format!("1 {singular}")
        } else {
            format!("{count} {plural}")
        }
    };
    // A group of counts about one thing: the first count carries the noun, the others only
    // their verb ("110 members removed, 12 added"; "would remove 110 members, add 12").
    let group = |singular: &str, plural: &str, counts: &[(usize, &str, &str)]| {
        let mut parts = Vec::new();
        for (count, done, would) in counts.iter().filter(|(count, ..)| *count > 0) {
            let part = match (tense, parts.is_empty()) {
                (Tense::Done, true) => format!("{} {done}", noun(*count, singular, plural)),
                (Tense::Done, false) => format!("{count} {done}"),
                (Tense::Would, true) => format!("would {would} {}", noun(*count, singular, plural)),
                (Tense::Would, false) => format!("{would} {count}"),
            };
            parts.push(part);
        }
        parts.join(", ")
    };

    let line_counts = [
        (totals.changed, "changed", "would change"),
        (totals.unchanged, "unchanged", "unchanged"),
        (totals.failed, "failed", "would fail"),
    ];
    let mut lines = noun(totals.lines, "line", "lines");
    let counted: Vec<String> = line_counts
        .iter()
        .filter(|(count, ..)| *count > 0)
        .map(|(count, done, would)| match tense {
            Tense::Done => format!("{count} {done}"),
            Tense::Would => format!("{count} {would}"),
        })
        .collect();
    if !counted.is_empty() {
        lines.push_str(": ");
        lines.push_str(&counted.join(", "));
    }

    let accounts = group(
        "account",
        "accounts",
        &[
            (totals.users_created, "created", "create"),
            (totals.users_updated, "updated", "update"),
            (totals.users_revived, "revived", "revive"),
            (totals.users_suspended, "suspended", "suspend"),
            (totals.users_unsuspended, "unsuspended", "unsuspend"),
            (totals.users_deleted, "deleted", "delete"),
        ],
    );
    let fields = group(
        "profile field",
        "profile fields",
        &[(totals.profile_fields_created, "created", "create")],
    );
    let cohorts = group(
        "cohort",
        "cohorts",
        &[
            (totals.cohorts_created, "created", "create"),
            (totals.cohorts_updated, "updated", "update"),
            (totals.cohorts_emptied, "emptied", "empty"),
            (totals.cohorts_deleted, "deleted", "delete"),
        ],
    );
    let members = group(
        "member",
        "members",
        &[
            (totals.members_removed, "removed", "remove"),
            (totals.members_added, "added", "add"),
        ],
    );
    let bindings = group(
        "binding",
        "bindings",
        &[
            (totals.bindings_created, "created", "create"),
            (totals.bindings_enabled, "enabled", "enable"),
            (totals.bindings_updated, "updated", "update"),
            (totals.bindings_disabled, "disabled", "disable"),
            (totals.bindings_deleted, "deleted", "delete"),
        ],
    );
    let groups = group(
        "course group",
        "course groups",
        &[(totals.groups_created, "created", "create")],
    );
    let enrolments = group(
        "enrolment",
        "enrolments",
        &[
            (totals.enrolments_created, "created", "create"),
            (totals.enrolments_reactivated, "reactivated", "reactivate"),
            (totals.enrolments_suspended, "suspended", "suspend"),
        ],
    );
    let roles = group(
        "role",
        "roles",
        &[
            (totals.roles_assigned, "assigned", "assign"),
            (totals.roles_removed, "removed", "remove"),
        ],
    );
    let group_members = group(
        "group member",
        "group members",
        &[(totals.group_members_added, "added", "add")],
    );
    let pending = match (totals.pending_unenrolments, tense) {
        (0, _) => String::new(),
        (count, Tense::Done) => format!(
            "{} pending removal by Moodle",
            noun(count, "enrolment", "enrolments")
        ),
        (count, Tense::Would) => format!(
            "{} would be pending removal by Moodle",
            noun(count, "enrolment", "enrolments")
        ),
    };

    let own: Vec<String> = match kind {
        FileKind::Users => vec![accounts, fields, cohorts, members, bindings, groups],
        FileKind::Cohorts => vec![cohorts, members, accounts, fields, bindings, groups],
        FileKind::Bindings => vec![bindings, groups, cohorts, members, accounts, fields],
    };
    let mut parts = vec![lines];
    parts.extend(own);
    parts.extend([enrolments, roles, group_members, pending]);
    parts.retain(|part| !part.is_empty());
    parts.join("; ")
}

#[cfg(test)]
mod tests;
