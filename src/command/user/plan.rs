//! Decides what each line of a user file does, against a [`Snapshot`] of the accounts it may
//! refer to, and lists the writes that carry it out as [`UserOp`]s. Pure but for the random
//! salt of password hashes: the database is read before (into the snapshot) and written after
//! (from the ops), so a simulation is the same plan with the writes left out.
//!
//! Lines are applied in file order to an in-memory model of the accounts, so a line sees what
//! earlier lines did. A line is checked completely before it changes the model: a line that
//! fails has no effect at all.
//!
//! Accounts are created, changed and deleted as Moodle's own code does (`user_create_user`,
//! the administration's upload, `delete_user`): see docs/user-files.md.
//!
//! This file holds what the rest of the crate sees of the planning: the snapshot, the ops and
//! [`plan`]. The planner that walks the lines is in `planner.rs`, its parts beside it: the
//! model of the accounts (`accounts.rs`), the profile fields (`profile.rs`), the lines that
//! create or revive an account (`create.rs`) and those that change a live one (`change.rs`).

use std::collections::{BTreeSet, HashMap};

use md5::{Digest, Md5};

use super::{
    effect::Effect,
    line::{ParsedFile, UserField, UserSettings},
    password::{PasswordWork, Passwords},
    planner::Planner,
};
use crate::{
    command::{dates::SiteZone, refs::UserIdentifier},
    error::FileError,
    outcome::FileOutcome,
};

/// What Moodle's upload stores in place of a password its cron will generate.
pub const TO_BE_GENERATED: &str = "to be generated";
/// What Moodle stores for accounts whose password lives elsewhere (`AUTH_PASSWORD_NOT_CACHED`).
pub const NOT_CACHED: &str = "not cached";
/// The preference `auth_plugin_manual::user_update_password` sets to the time a manual
/// account's password is stored (password expiry reads it).
pub const PASSWORD_UPDATE_TIME: &str = "auth_manual_passwordupdatetime";

/// The keys a file mentions, for the database to load the accounts they may match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    /// Usernames (and old usernames), lowercase.
    pub usernames: BTreeSet<String>,
    /// Idnumbers.
    pub idnumbers: BTreeSet<String>,
    /// Emails, case-folded: set only when accounts are matched by email.
    pub emails: BTreeSet<String>,
    /// The emails Moodle gives deleted accounts (the MD5 of their username), to find the
    /// accounts a line may revive.
    pub deleted_emails: BTreeSet<String>,
}

impl Wanted {
    /// Collects the keys of every line that parsed.
    pub fn of(file: &ParsedFile, settings: &UserSettings) -> Wanted {
        let mut wanted = Wanted::default();
        for line in file.lines.iter().filter_map(|line| line.line.as_ref().ok()) {
            for username in [line.get(UserField::Username), line.oldusername.as_deref()]
                .into_iter()
                .flatten()
            {
                wanted.usernames.insert(username.to_owned());
                wanted.deleted_emails.insert(deleted_email(username));
            }
            if let Some(idnumber) = line.get(UserField::Idnumber) {
                wanted.idnumbers.insert(idnumber.to_owned());
            }
            if settings.identifier == UserIdentifier::Email
                && let Some(email) = line.get(UserField::Email)
            {
                wanted.emails.insert(email.to_lowercase());
            }
        }
        wanted
    }
}

/// A local account (deleted or not), with the fields a user file may set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// `user.id`.
    pub id: i64,
    /// The text fields, in [`UserField::ALL`] order (`description` NULL reads as empty).
    pub fields: [String; 15],
    /// `user.password`: a hash, or a marker such as `not cached`.
    pub password: String,
    /// `user.suspended`.
    pub suspended: bool,
    /// `user.deleted`.
    pub deleted: bool,
    /// `user.timemodified`.
    pub timemodified: i64,
}

impl Account {
    /// The value of `field`.
    pub fn get(&self, field: UserField) -> &str {
        &self.fields[field as usize]
    }

    pub(super) fn set(&mut self, field: UserField, value: String) {
        self.fields[field as usize] = value;
    }
}

/// The site settings accounts are created with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteDefaults {
    /// `$CFG->mnet_localhost_id`.
    pub mnethost: i64,
    /// `$CFG->lang`, else `en`.
    pub lang: String,
    /// `$CFG->calendartype`, else `gregorian`.
    pub calendartype: String,
    /// `$CFG->country`, unless `0` (none).
    pub country: Option<String>,
    /// `$CFG->defaultcity`.
    pub city: Option<String>,
    /// `$CFG->forcetimezone` when set, else `99` (the server's time zone).
    pub timezone: String,
    /// `$CFG->extendedusernamechars`: any character but spaces is allowed in usernames.
    pub extended_username_chars: bool,
    /// `$CFG->defaultpreference_maildisplay`, `…_mailformat`, `…_maildigest`,
    /// `…_autosubscribe`, `…_trackforums`: the user preferences kept in the `user` table.
    pub preferences: [i64; 5],
    /// The installed authentication plugins (`auth_*` plugins with a version), or `None` when
    /// the site lists none (every name is then accepted).
    pub auths: Option<BTreeSet<String>>,
    /// `$CFG->siteadmins`.
    pub admins: BTreeSet<i64>,
    /// `$CFG->siteguest`.
    pub guest: i64,
    /// `$CFG->version`, its integer part (`2025100600` for 2025100600.02): which hash Moodle
    /// writes. `None` when the config table has none.
    pub version: Option<i64>,
    /// The time zone dates without an offset are read in (`datetime` profile fields).
    pub zone: SiteZone,
}

impl Default for SiteDefaults {
    fn default() -> Self {
        SiteDefaults {
            mnethost: 1,
            lang: "en".into(),
            calendartype: "gregorian".into(),
            country: None,
            city: None,
            timezone: "99".into(),
            extended_username_chars: false,
            preferences: [2, 1, 0, 1, 0],
            auths: None,
            admins: BTreeSet::from([2]),
            guest: 1,
            version: None,
            zone: SiteZone::Server,
        }
    }
}

/// A custom profile field definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileField {
    /// `user_info_field.id`.
    pub id: i64,
    /// `shortname`.
    pub shortname: String,
    /// `datatype`: `text`, `textarea`, `menu`, `checkbox`, `datetime`…
    pub datatype: String,
    /// `param1`: the options of a menu, one per line.
    pub param1: Option<String>,
}

/// A profile field category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryRow {
    /// `user_info_category.id`.
    pub id: i64,
    /// `name`.
    pub name: String,
}

/// The rows a file refers to, read in the transaction that will apply it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The site's settings.
    pub site: SiteDefaults,
    /// Local accounts, deleted or not, matching any wanted key.
    pub accounts: Vec<Account>,
    /// Every profile field definition.
    pub fields: Vec<ProfileField>,
    /// Profile data of the loaded accounts: (user id, field id) → `data`.
    pub data: HashMap<(i64, i64), String>,
    /// The category named by `[users] profile_field_category`, if it exists.
    pub category: Option<CategoryRow>,
    /// The highest `sortorder` of the profile field categories.
    pub max_category_sortorder: i64,
    /// The highest `sortorder` of the fields in that category.
    pub max_field_sortorder: i64,
}

/// An account an op refers to: one that exists, or the n-th one this file creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserRef {
    /// `user.id`.
    Existing(i64),
    /// Index of an account created by an earlier [`UserOp::Create`].
    New(usize),
}

/// A profile field an op refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldRef {
    /// `user_info_field.id`.
    Existing(i64),
    /// Index of a field created by an earlier [`UserOp::CreateField`].
    New(usize),
}

/// A profile field to create: a text field, as Moodle's form creates it by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewField {
    /// `shortname` and `name`.
    pub shortname: String,
    /// The category's id; `None` for the category this file creates.
    pub categoryid: Option<i64>,
    /// `sortorder` in its category.
    pub sortorder: i64,
}

/// An account to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// The text fields, in [`UserField::ALL`] order.
    pub fields: [String; 15],
    /// `password`: a hash, `to be generated`, `not cached` or empty.
    pub password: String,
    /// `suspended`.
    pub suspended: bool,
    /// `mnethostid`.
    pub mnethostid: i64,
    /// `calendartype`.
    pub calendartype: String,
    /// `timezone`.
    pub timezone: String,
    /// `maildisplay`, `mailformat`, `maildigest`, `autosubscribe`, `trackforums`.
    pub preferences: [i64; 5],
}

/// Changes to an account; empty parts leave it as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserChanges {
    /// Text fields and their new values.
    pub fields: Vec<(UserField, String)>,
    /// A new password hash (or marker).
    pub password: Option<String>,
    /// A new `suspended`.
    pub suspended: Option<bool>,
    /// `deleted` back to 0 (a revived account).
    pub revive: bool,
}

/// One write to carry out, in order, in the file's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserOp {
    /// Create the profile field category `[users] profile_field_category`.
    CreateCategory {
        /// Its name.
        name: String,
        /// Its `sortorder`.
        sortorder: i64,
    },
    /// Create a profile field; later ops name it `FieldRef::New(slot)`.
    CreateField {
        /// The index of this new field.
        slot: usize,
        /// Its definition.
        field: NewField,
    },
    /// Insert an account and its user context; later ops name it `UserRef::New(slot)`.
    Create {
        /// The index of this new account.
        slot: usize,
        /// Its fields.
        user: Box<NewUser>,
    },
    /// Change an account and bump `timemodified`.
    Update {
        /// The account.
        user: UserRef,
        /// The changes.
        changes: UserChanges,
    },
    /// Delete an account as Moodle's `delete_user` does.
    Delete {
        /// The account.
        user: UserRef,
        /// Its username before.
        username: String,
        /// Its email before.
        email: String,
    },
    /// Store a profile field value (insert, or update the existing row).
    SetProfile {
        /// The account.
        user: UserRef,
        /// The field.
        field: FieldRef,
        /// The value.
        data: String,
        /// `dataformat`.
        dataformat: i64,
        /// Whether the account has a row for the field (to update rather than insert).
        exists: bool,
    },
    /// Remove a user preference (`create_password` once the account has a password, or no
    /// longer keeps it in Moodle).
    UnsetPreference {
        /// The account.
        user: UserRef,
        /// The preference.
        name: &'static str,
    },
    /// Set a user preference (`create_password`, for Moodle's cron).
    SetPreference {
        /// The account.
        user: UserRef,
        /// The preference.
        name: &'static str,
        /// Its value.
        value: String,
    },
    /// Set a user preference to the time of the write, whether or not the account has it
    /// (`auth_manual_passwordupdatetime` once a manual account's password is stored).
    StampPreference {
        /// The account.
        user: UserRef,
        /// The preference.
        name: &'static str,
    },
}

/// What a file does: its outcome for the report, and the writes that apply it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Line outcomes, effects that belong to no line, notes.
    pub outcome: FileOutcome<Effect>,
    /// The writes, in order.
    pub ops: Vec<UserOp>,
}

/// The email Moodle gives a deleted account: the MD5 of its username, "useful importing and
/// restoring users" (and how a revived account is found again).
pub fn deleted_email(username: &str) -> String {
    Md5::digest(username.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The username Moodle gives a deleted account before making it unique: its email (or
/// `<username>.<id>@unknownemail.invalid`) cleaned as a username, cut to fit, then
/// `.<deletion time>`.
pub fn deleted_username(username: &str, email: &str, id: i64, now: i64) -> String {
    format!(
        "{}.{now}",
        deleted_username_prefix(username, email, id, now)
    )
}

/// What comes before the time stamp in [`deleted_username`]: the cleaned email, cut so that
/// the name with the stamp `now` fits Moodle's 100 characters.
pub fn deleted_username_prefix(username: &str, email: &str, id: i64, now: i64) -> String {
    let email = if email.is_empty() {
        format!("{username}.{id}@unknownemail.invalid")
    } else {
        email.to_owned()
    };
    let cleaned: String = email
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| username_char(*c))
        .collect();
    let keep = 100 - (now.to_string().len() + 1);
    cleaned.chars().take(keep).collect()
}

/// Moodle's `PARAM_USERNAME` characters (without `extendedusernamechars`).
pub(super) fn username_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '@' | '_')
}

/// Plans `file` against `snapshot`. A profile field column naming no defined field rejects the
/// file, unless `[users] create_profile_fields` is on.
pub fn plan(
    file: &ParsedFile,
    snapshot: &Snapshot,
    settings: &UserSettings,
) -> Result<Plan, FileError> {
    plan_with(file, snapshot, settings, Passwords::inline()).map(|(plan, _)| plan)
}

/// Plans `file` as [`plan`] does, taking the passwords' hashes and checks from `passwords`.
pub fn plan_with(
    file: &ParsedFile,
    snapshot: &Snapshot,
    settings: &UserSettings,
    passwords: Passwords,
) -> Result<(Plan, Passwords), FileError> {
    let mut planner = Planner::new(snapshot, settings, passwords);
    let after = planner.resolve_fields(&file.header.profile_fields)?;
    let lines = file
        .lines
        .iter()
        .map(|parsed| {
            planner.line = parsed.number;
            parsed.outcome(parsed.plan_with(|line| planner.apply(line)))
        })
        .collect();
    let plan = Plan {
        outcome: file.outcome(lines, after, Vec::new()),
        ops: planner.ops,
    };
    Ok((plan, planner.passwords))
}

/// The hashes and checks planning `file` against `snapshot` asks for, gathered without doing
/// them: the pipeline does them off the ledger's lock. Empty when the file gives no password
/// or is refused.
pub fn password_work(
    file: &ParsedFile,
    snapshot: &Snapshot,
    settings: &UserSettings,
) -> PasswordWork {
    let gives_passwords = file
        .lines
        .iter()
        .any(|parsed| matches!(&parsed.line, Ok(line) if line.password.is_some()));
    if !gives_passwords {
        return PasswordWork::default();
    }
    plan_with(file, snapshot, settings, Passwords::recording())
        .map(|(_, passwords)| passwords.into_work())
        .unwrap_or_default()
}
