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

use std::collections::{BTreeSet, HashMap};

use md5::{Digest, Md5};

use super::{
    effect::{Effect, PasswordSet},
    line::{ParsedFile, Secret, UserCmd, UserField, UserLine, UserSettings},
    password::{PasswordFormat, PasswordWork, Passwords},
    problem::Problem,
};
use crate::{
    command::{
        dates::{SiteZone, parse_time},
        refs::{UserIdentifier, parse_flag},
    },
    error::{FileError, LineError, LineProblem},
    outcome::{AccountLabel, FieldChange, FileOutcome, LineOutcome},
};

/// Authentication plugins that keep the password in Moodle's `user` table; every other plugin
/// checks it elsewhere (LDAP, CAS…), and Moodle stores `not cached` instead.
const INTERNAL_AUTHS: [&str; 4] = ["manual", "email", "nologin", "webservice"];
/// What Moodle's upload stores in place of a password its cron will generate.
pub const TO_BE_GENERATED: &str = "to be generated";
/// What Moodle stores for accounts whose password lives elsewhere (`AUTH_PASSWORD_NOT_CACHED`).
pub const NOT_CACHED: &str = "not cached";
/// `user_info_data.dataformat` of a text area (`FORMAT_HTML`).
const FORMAT_HTML: i64 = 1;
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

    fn set(&mut self, field: UserField, value: String) {
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
fn username_char(c: char) -> bool {
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
            LineOutcome {
                line: parsed.number,
                raw: parsed.raw.clone(),
                command: parsed.command.clone(),
                keys: parsed.keys.clone(),
                result: match &parsed.line {
                    Ok(line) => planner.apply(line),
                    Err(error) => Err(error.clone()),
                },
            }
        })
        .collect();
    let plan = Plan {
        outcome: FileOutcome {
            lines,
            after,
            notes: file.notes.clone(),
            empty_records: file.empty_records,
            enrolments: None,
            syncs: Vec::new(),
            log_rows: 0,
        },
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

/// The hash of `secret` for `line`, from `passwords`; a line error when it is too long.
fn hash_secret(
    passwords: &mut Passwords,
    line: usize,
    format: PasswordFormat,
    secret: &Secret,
) -> Result<String, LineError> {
    let hash = if secret.0.len() <= format.max_bytes() {
        passwords.hash(line, format, &secret.0)
    } else {
        None
    };
    hash.ok_or_else(|| {
        LineError::in_column(
            "password",
            "***",
            Problem::PasswordTooLong {
                bytes: secret.0.len(),
                max: format.max_bytes(),
            },
        )
    })
}

/// An account as the file sees it so far.
#[derive(Debug, Clone)]
struct State {
    reference: UserRef,
    account: Account,
    /// The username of an account this file deleted (its new one is chosen when written).
    former: Option<String>,
    /// Profile values by field.
    profile: HashMap<FieldRef, String>,
}

impl State {
    fn label(&self) -> AccountLabel {
        AccountLabel {
            id: match self.reference {
                UserRef::Existing(id) => Some(id),
                UserRef::New(_) => None,
            },
            username: match (&self.former, self.account.get(UserField::Username)) {
                (Some(former), "") => former.clone(),
                (_, username) => username.to_owned(),
            },
            idnumber: self.account.get(UserField::Idnumber).to_owned(),
        }
    }
}

/// A profile field the file names, resolved.
#[derive(Debug, Clone)]
struct FileField {
    reference: FieldRef,
    datatype: String,
    options: Option<Vec<String>>,
}

struct Planner<'a> {
    settings: &'a UserSettings,
    snapshot: &'a Snapshot,
    accounts: Vec<State>,
    by_username: HashMap<String, Vec<usize>>,
    by_idnumber: HashMap<String, Vec<usize>>,
    by_email: HashMap<String, Vec<usize>>,
    /// The file's profile fields, by shortname as the header writes it.
    fields: HashMap<String, FileField>,
    created: usize,
    ops: Vec<UserOp>,
    /// Where hashes and checks come from.
    passwords: Passwords,
    /// The number of the line being planned.
    line: usize,
}

/// How a line found its account.
enum Found {
    /// A live account.
    Live(usize),
    /// No live account; maybe a deleted one to revive.
    None { deleted: Option<usize> },
}

impl<'a> Planner<'a> {
    fn new(snapshot: &'a Snapshot, settings: &'a UserSettings, passwords: Passwords) -> Self {
        let mut planner = Planner {
            settings,
            snapshot,
            accounts: Vec::new(),
            by_username: HashMap::new(),
            by_idnumber: HashMap::new(),
            by_email: HashMap::new(),
            fields: HashMap::new(),
            created: 0,
            ops: Vec::new(),
            passwords,
            line: 0,
        };
        for account in &snapshot.accounts {
            let profile = snapshot
                .fields
                .iter()
                .filter_map(|field| {
                    snapshot
                        .data
                        .get(&(account.id, field.id))
                        .map(|data| (FieldRef::Existing(field.id), data.clone()))
                })
                .collect();
            planner.insert(State {
                reference: UserRef::Existing(account.id),
                account: account.clone(),
                former: None,
                profile,
            });
        }
        planner
    }

    /// Resolves the header's profile fields, creating the missing ones when allowed.
    fn resolve_fields(&mut self, shortnames: &[String]) -> Result<Vec<Effect>, FileError> {
        let snapshot = self.snapshot;
        let mut missing = Vec::new();
        for shortname in shortnames {
            // Moodle's shortnames are compared as written; a header's case may differ.
            let defined = snapshot
                .fields
                .iter()
                .find(|field| field.shortname == *shortname)
                .or_else(|| {
                    snapshot
                        .fields
                        .iter()
                        .find(|field| field.shortname.eq_ignore_ascii_case(shortname))
                });
            match defined {
                Some(field) => {
                    self.fields.insert(
                        shortname.clone(),
                        FileField {
                            reference: FieldRef::Existing(field.id),
                            datatype: field.datatype.clone(),
                            options: (field.datatype == "menu").then(|| {
                                field
                                    .param1
                                    .as_deref()
                                    .unwrap_or("")
                                    .lines()
                                    .map(|option| option.trim().to_owned())
                                    .filter(|option| !option.is_empty())
                                    .collect()
                            }),
                        },
                    );
                }
                None => missing.push(shortname.clone()),
            }
        }
        if missing.is_empty() {
            return Ok(Vec::new());
        }
        if !self.settings.create_profile_fields {
            return Err(FileError::UnknownProfileFields {
                shortnames: missing
                    .iter()
                    .map(|shortname| format!("\"{shortname}\" (column profile_field_{shortname})"))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let mut effects = Vec::new();
        let category = self.settings.profile_field_category.clone();
        let categoryid = snapshot.category.as_ref().map(|category| category.id);
        if categoryid.is_none() {
            self.ops.push(UserOp::CreateCategory {
                name: category.clone(),
                sortorder: snapshot.max_category_sortorder + 1,
            });
        }
        let last_sortorder = if categoryid.is_some() {
            snapshot.max_field_sortorder
        } else {
            0
        };
        for (slot, shortname) in missing.into_iter().enumerate() {
            let sortorder = last_sortorder + 1 + slot as i64;
            self.ops.push(UserOp::CreateField {
                slot,
                field: NewField {
                    shortname: shortname.clone(),
                    categoryid,
                    sortorder,
                },
            });
            self.fields.insert(
                shortname.clone(),
                FileField {
                    reference: FieldRef::New(slot),
                    datatype: "text".into(),
                    options: None,
                },
            );
            effects.push(Effect::ProfileFieldCreated {
                shortname,
                category: category.clone(),
            });
        }
        Ok(effects)
    }

    fn insert(&mut self, state: State) -> usize {
        let index = self.accounts.len();
        let account = &state.account;
        index_add(
            &mut self.by_username,
            account.get(UserField::Username),
            index,
        );
        index_add(
            &mut self.by_idnumber,
            account.get(UserField::Idnumber),
            index,
        );
        index_add(
            &mut self.by_email,
            &account.get(UserField::Email).to_lowercase(),
            index,
        );
        self.accounts.push(state);
        index
    }

    /// Sets a field of account `index`, keeping the indexes true.
    fn set(&mut self, index: usize, field: UserField, value: String) {
        let old = self.accounts[index].account.get(field).to_owned();
        let map = match field {
            UserField::Username => Some((&mut self.by_username, old.clone(), value.clone())),
            UserField::Idnumber => Some((&mut self.by_idnumber, old.clone(), value.clone())),
            UserField::Email => {
                Some((&mut self.by_email, old.to_lowercase(), value.to_lowercase()))
            }
            _ => None,
        };
        if let Some((map, old, new)) = map {
            index_remove(map, &old, index);
            index_add(map, &new, index);
        }
        self.accounts[index].account.set(field, value);
    }

    fn live(&self, map: &HashMap<String, Vec<usize>>, key: &str) -> Vec<usize> {
        map.get(key)
            .map(|indexes| {
                indexes
                    .iter()
                    .copied()
                    .filter(|&index| !self.accounts[index].account.deleted)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn lookup(&self, by: UserIdentifier, key: &str) -> Vec<usize> {
        match by {
            UserIdentifier::Idnumber => self.live(&self.by_idnumber, key),
            UserIdentifier::Email => self.live(&self.by_email, &key.to_lowercase()),
            UserIdentifier::Username | UserIdentifier::Id => self.live(&self.by_username, key),
        }
    }

    fn one(&self, by: UserIdentifier, key: &str, column: &str) -> Result<Option<usize>, LineError> {
        match self.lookup(by, key).as_slice() {
            [] => Ok(None),
            [index] => Ok(Some(*index)),
            many => Err(LineError::in_column(
                column,
                key,
                LineProblem::AmbiguousUser {
                    value: key.to_owned(),
                    by: by.name(),
                    ids: many.iter().filter_map(|&index| self.id_of(index)).collect(),
                },
            )),
        }
    }

    fn id_of(&self, index: usize) -> Option<i64> {
        match self.accounts[index].reference {
            UserRef::Existing(id) => Some(id),
            UserRef::New(_) => None,
        }
    }

    fn holder(&self, index: usize) -> String {
        let state = &self.accounts[index];
        let mut text = format!("account {}", state.label());
        match state.reference {
            UserRef::Existing(id) => text.push_str(&format!(" (id {id})")),
            UserRef::New(_) => text.push_str(" (created by an earlier line)"),
        }
        if state.account.deleted {
            text.push_str(", deleted");
        }
        text
    }

    /// Finds the account a line is about.
    fn find(&self, line: &UserLine) -> Result<Found, LineError> {
        let key = line.key(self.settings.identifier);
        let by_key = match &key {
            Some((by, value)) => self.one(*by, value, by.name())?,
            None => None,
        };
        let username = line.get(UserField::Username);
        if let Some(old) = line
            .oldusername
            .as_deref()
            .filter(|old| Some(*old) != username)
        {
            let by_old = self.one(UserIdentifier::Username, old, "oldusername")?;
            return match (by_old, by_key) {
                (Some(a), Some(b)) if a != b => {
                    let (by, value) = key.expect("found by key");
                    Err(LineError::line(Problem::UserConflict {
                        first: format!("oldusername \"{old}\" ({})", self.holder(a)),
                        second: format!("{by} \"{value}\" ({})", self.holder(b)),
                    }))
                }
                (Some(index), _) | (None, Some(index)) => Ok(Found::Live(index)),
                (None, None) => Err(LineError::in_column(
                    "oldusername",
                    old,
                    Problem::NothingToRename {
                        value: old.to_owned(),
                    },
                )),
            };
        }
        // With another identifier, a username on the line names the same account or is free.
        if let (Some(index), Some(username)) = (by_key, username)
            && let Some((by, value)) = &key
            && *by != UserIdentifier::Username
        {
            let holders = self.lookup(UserIdentifier::Username, username);
            if let Some(&other) = holders.iter().find(|&&other| other != index) {
                return Err(LineError::line(Problem::UserConflict {
                    first: format!("{by} \"{value}\" ({})", self.holder(index)),
                    second: format!("username \"{username}\" ({})", self.holder(other)),
                }));
            }
        }
        if let Some(index) = by_key {
            return Ok(Found::Live(index));
        }
        Ok(Found::None {
            deleted: self.deleted_match(line),
        })
    }

    /// The deleted account a line names, if any: by its username as Moodle rewrote it (the
    /// email becomes the MD5 of the username), or by an idnumber or username a deletion left
    /// in place. The most recently changed wins.
    fn deleted_match(&self, line: &UserLine) -> Option<usize> {
        let mut candidates = Vec::new();
        if let Some(username) = line.get(UserField::Username) {
            candidates.extend(
                self.by_email
                    .get(&deleted_email(username))
                    .into_iter()
                    .flatten(),
            );
            candidates.extend(self.by_username.get(username).into_iter().flatten());
        }
        if let Some(idnumber) = line.get(UserField::Idnumber) {
            candidates.extend(self.by_idnumber.get(idnumber).into_iter().flatten());
        }
        candidates
            .into_iter()
            .copied()
            .filter(|&index| self.accounts[index].account.deleted)
            .max_by_key(|&index| {
                let account = &self.accounts[index].account;
                (account.timemodified, account.id)
            })
    }

    fn apply(&mut self, line: &UserLine) -> Result<Vec<Effect>, LineError> {
        let found = self.find(line)?;
        let delete = line.cmd == UserCmd::Del || (line.cmd == UserCmd::Add && line.delete);
        match found {
            Found::Live(index) => {
                if delete {
                    self.delete(index)
                } else {
                    match line.cmd {
                        UserCmd::Suspend => self.suspend(index, true),
                        UserCmd::Unsuspend => self.suspend(index, false),
                        _ => self.update(index, line),
                    }
                }
            }
            Found::None { deleted } => {
                if delete && let Some(index) = deleted {
                    return Ok(vec![Effect::AlreadyDeleted {
                        user: self.accounts[index].label(),
                    }]);
                }
                if delete || line.cmd != UserCmd::Add {
                    let (by, value) = line
                        .key(self.settings.identifier)
                        .unwrap_or((UserIdentifier::Username, String::new()));
                    return Err(LineError::in_column(
                        by.name(),
                        value.clone(),
                        LineProblem::UnknownUser {
                            value,
                            by: by.name(),
                        },
                    ));
                }
                match deleted {
                    Some(index) if self.settings.revive_deleted => self.revive(index, line),
                    _ => self.create(line, deleted),
                }
            }
        }
    }

    /// Refuses to touch site administrators and the guest account.
    fn guard(&self, index: usize) -> Result<(), LineError> {
        let Some(id) = self.id_of(index) else {
            return Ok(());
        };
        let role = if self.snapshot.site.admins.contains(&id) {
            "a site administrator"
        } else if id == self.snapshot.site.guest {
            "the guest account"
        } else {
            return Ok(());
        };
        Err(LineError::line(Problem::ProtectedAccount {
            user: self.holder(index),
            role,
        }))
    }

    fn delete(&mut self, index: usize) -> Result<Vec<Effect>, LineError> {
        self.guard(index)?;
        let label = self.accounts[index].label();
        let (username, email) = {
            let account = &self.accounts[index].account;
            (
                account.get(UserField::Username).to_owned(),
                account.get(UserField::Email).to_owned(),
            )
        };
        self.ops.push(UserOp::Delete {
            user: self.accounts[index].reference,
            username: username.clone(),
            email,
        });
        // The model follows what Moodle writes: the username is freed, the idnumber cleared,
        // the email replaced by the username's MD5.
        self.set(index, UserField::Username, String::new());
        self.set(index, UserField::Idnumber, String::new());
        self.set(index, UserField::Email, deleted_email(&username));
        let state = &mut self.accounts[index];
        state.account.deleted = true;
        state.former = Some(username);
        state.profile.clear();
        Ok(vec![Effect::UserDeleted { user: label }])
    }

    fn suspend(&mut self, index: usize, suspend: bool) -> Result<Vec<Effect>, LineError> {
        let label = self.accounts[index].label();
        if self.accounts[index].account.suspended == suspend {
            return Ok(vec![if suspend {
                Effect::AlreadySuspended { user: label }
            } else {
                Effect::NotSuspended { user: label }
            }]);
        }
        self.guard(index)?;
        self.accounts[index].account.suspended = suspend;
        self.ops.push(UserOp::Update {
            user: self.accounts[index].reference,
            changes: UserChanges {
                suspended: Some(suspend),
                ..UserChanges::default()
            },
        });
        Ok(vec![if suspend {
            Effect::UserSuspended { user: label }
        } else {
            Effect::UserUnsuspended { user: label }
        }])
    }

    /// Checks that no other account holds the username or idnumber `line` gives account
    /// `index` (`None`: an account to create).
    fn check_free(&self, index: Option<usize>, line: &UserLine) -> Result<(), LineError> {
        if let Some(username) = line.get(UserField::Username) {
            let holder = self
                .by_username
                .get(username)
                .into_iter()
                .flatten()
                .copied()
                .find(|&other| Some(other) != index);
            if let Some(other) = holder {
                return Err(LineError::in_column(
                    "username",
                    username,
                    Problem::UsernameTaken {
                        value: username.to_owned(),
                        holder: self.holder(other),
                    },
                ));
            }
            if !self.snapshot.site.extended_username_chars
                && let Some(bad) = username.chars().find(|c| !username_char(*c))
            {
                return Err(LineError::in_column(
                    "username",
                    username,
                    LineProblem::InvalidValue {
                        value: username.to_owned(),
                        expected: if bad.is_ascii() {
                            "a valid username: lowercase letters a-z, digits and - . _ @ only (the site's extendedusernamechars is off)"
                        } else {
                            "a valid username: lowercase letters a-z without accents, digits and - . _ @ only (the site's extendedusernamechars is off)"
                        },
                    },
                ));
            }
        }
        if let Some(idnumber) = line.get(UserField::Idnumber) {
            let holder = self
                .live(&self.by_idnumber, idnumber)
                .into_iter()
                .find(|&other| Some(other) != index);
            if let Some(other) = holder {
                return Err(LineError::in_column(
                    "idnumber",
                    idnumber,
                    Problem::UserIdnumberTaken {
                        value: idnumber.to_owned(),
                        holder: self.holder(other),
                    },
                ));
            }
        }
        Ok(())
    }

    fn check_auth(&self, auth: &str, column: bool) -> Result<(), LineError> {
        let Some(installed) = &self.snapshot.site.auths else {
            return Ok(());
        };
        if installed.contains(auth) {
            return Ok(());
        }
        let problem = Problem::UnknownAuth {
            value: auth.to_owned(),
            installed: installed.iter().cloned().collect::<Vec<_>>().join(", "),
        };
        Err(if column {
            LineError::in_column("auth", auth, problem)
        } else {
            LineError::line(problem)
        })
    }

    /// The profile values of `line` as stored: checked against their field's type.
    fn profile_values(&self, line: &UserLine) -> Result<Vec<(FieldRef, String, i64)>, LineError> {
        let mut values = Vec::new();
        for (shortname, value) in &line.profile {
            let Some(field) = self.fields.get(shortname) else {
                continue;
            };
            let column = format!("profile_field_{shortname}");
            let (data, format) = match field.datatype.as_str() {
                "checkbox" => {
                    let flag = parse_flag(value)
                        .map_err(|problem| LineError::in_column(&column, value, problem))?;
                    (if flag { "1" } else { "0" }.to_owned(), 0)
                }
                "menu" => {
                    let options = field.options.as_deref().unwrap_or_default();
                    match options.iter().find(|option| option.as_str() == value) {
                        Some(option) => (option.clone(), 0),
                        None => {
                            return Err(LineError::in_column(
                                &column,
                                value,
                                Problem::NotAnOption {
                                    value: value.clone(),
                                    field: shortname.clone(),
                                    options: options.join(", "),
                                },
                            ));
                        }
                    }
                }
                "datetime" => match parse_time(value) {
                    Some(time) => (time.resolve(&self.snapshot.site.zone).to_string(), 0),
                    None => {
                        return Err(LineError::in_column(
                            &column,
                            value,
                            LineProblem::NotADate {
                                value: value.clone(),
                            },
                        ));
                    }
                },
                "textarea" => (value.clone(), FORMAT_HTML),
                _ => (value.clone(), 0),
            };
            values.push((field.reference, data, format));
        }
        Ok(values)
    }

    /// The password to store for an account with `auth`: the hash of the given one, Moodle's
    /// marker for its cron to generate one, or Moodle's marker for external authentication.
    fn password_for(
        &mut self,
        auth: &str,
        given: Option<&Secret>,
    ) -> Result<(String, PasswordSet), LineError> {
        if !INTERNAL_AUTHS.contains(&auth) {
            return Ok((NOT_CACHED.into(), PasswordSet::NotCached));
        }
        match given {
            Some(secret) => Ok((self.hash(secret)?, PasswordSet::Hashed)),
            None if matches!(auth, "manual" | "email") => {
                Ok((TO_BE_GENERATED.into(), PasswordSet::ToBeGenerated))
            }
            None => Ok((String::new(), PasswordSet::None)),
        }
    }

    /// The hash Moodle writes for `secret` at the site's version.
    fn hash(&mut self, secret: &Secret) -> Result<String, LineError> {
        let format =
            PasswordFormat::for_version(self.snapshot.site.version, self.settings.password_cost);
        hash_secret(&mut self.passwords, self.line, format, secret)
    }

    /// As `auth_plugin_manual::user_update_password`: a manual account given a password has
    /// the time it was stored.
    fn stamp_password(&mut self, user: UserRef, auth: &str) {
        if auth == "manual" {
            self.ops.push(UserOp::StampPreference {
                user,
                name: PASSWORD_UPDATE_TIME,
            });
        }
    }

    fn create(
        &mut self,
        line: &UserLine,
        deleted: Option<usize>,
    ) -> Result<Vec<Effect>, LineError> {
        let missing: Vec<&str> = [
            UserField::Username,
            UserField::Firstname,
            UserField::Lastname,
        ]
        .into_iter()
        .filter(|field| line.get(*field).is_none())
        .map(UserField::name)
        .collect();
        if !missing.is_empty() {
            return Err(LineError::line(Problem::MissingToCreate {
                missing: join_and(&missing),
            }));
        }
        self.check_free(None, line)?;
        let site = &self.snapshot.site;
        let auth = line
            .get(UserField::Auth)
            .unwrap_or(&self.settings.default_auth)
            .to_owned();
        self.check_auth(&auth, line.get(UserField::Auth).is_some())?;
        let profile = self.profile_values(line)?;
        let (password, password_set) = self.password_for(&auth, line.password.as_ref())?;

        let mut fields: [String; 15] = Default::default();
        for (field, value) in &line.fields {
            fields[*field as usize] = value.clone();
        }
        fields[UserField::Auth as usize] = auth.clone();
        if line.get(UserField::Lang).is_none() {
            fields[UserField::Lang as usize] = site.lang.clone();
        }
        if line.get(UserField::Country).is_none() {
            fields[UserField::Country as usize] = site.country.clone().unwrap_or_default();
        }
        if line.get(UserField::City).is_none() {
            fields[UserField::City as usize] = site.city.clone().unwrap_or_default();
        }
        let slot = self.created;
        self.created += 1;
        let reference = UserRef::New(slot);
        let user = NewUser {
            fields: fields.clone(),
            password: password.clone(),
            suspended: line.suspend,
            mnethostid: site.mnethost,
            calendartype: site.calendartype.clone(),
            timezone: site.timezone.clone(),
            preferences: site.preferences,
        };
        self.ops.push(UserOp::Create {
            slot,
            user: Box::new(user),
        });
        if password == TO_BE_GENERATED {
            self.ops.push(UserOp::SetPreference {
                user: reference,
                name: "create_password",
                value: "1".into(),
            });
        }
        if password_set == PasswordSet::Hashed {
            self.stamp_password(reference, &auth);
        }
        let mut state = State {
            reference,
            former: None,
            account: Account {
                id: 0,
                fields,
                password,
                suspended: line.suspend,
                deleted: false,
                timemodified: 0,
            },
            profile: HashMap::new(),
        };
        for (field, data, dataformat) in profile {
            state.profile.insert(field, data.clone());
            self.ops.push(UserOp::SetProfile {
                user: reference,
                field,
                data,
                dataformat,
                exists: false,
            });
        }
        let has_email = !state.account.get(UserField::Email).is_empty();
        let label = state.label();
        self.insert(state);
        let mut effects = vec![Effect::UserCreated {
            user: label,
            auth,
            password: password_set,
            has_email,
            suspended: line.suspend,
        }];
        if let Some(index) = deleted {
            effects.push(Effect::DeletedAccountLeft {
                user: self.accounts[index].label(),
            });
        }
        Ok(effects)
    }

    fn revive(&mut self, index: usize, line: &UserLine) -> Result<Vec<Effect>, LineError> {
        self.guard(index)?;
        self.check_free(Some(index), line)?;
        let auth = line
            .get(UserField::Auth)
            .unwrap_or(self.accounts[index].account.get(UserField::Auth))
            .to_owned();
        self.check_auth(&auth, line.get(UserField::Auth).is_some())?;
        let profile = self.profile_values(line)?;
        // Every value the line gives is set, protected or not: the deletion rewrote the
        // username, idnumber and email, and removed the profile data.
        let mut changes = UserChanges {
            revive: true,
            ..UserChanges::default()
        };
        let mut report = Vec::new();
        for (field, value) in &line.fields {
            let old = self.accounts[index].account.get(*field).to_owned();
            if old != *value {
                report.push(FieldChange {
                    field: field.name().into(),
                    from: old,
                    to: value.clone(),
                });
                changes.fields.push((*field, value.clone()));
                self.set(index, *field, value.clone());
            }
        }
        let mut stamp = false;
        if line.password.is_some() {
            let (password, set) = self.password_for(&auth, line.password.as_ref())?;
            stamp = set == PasswordSet::Hashed;
            changes.password = Some(password.clone());
            self.accounts[index].account.password = password;
            report.push(FieldChange {
                field: "password".into(),
                from: String::new(),
                to: "(set)".into(),
            });
        }
        if self.accounts[index].account.suspended != line.suspend {
            changes.suspended = Some(line.suspend);
            self.accounts[index].account.suspended = line.suspend;
        }
        self.accounts[index].account.deleted = false;
        let reference = self.accounts[index].reference;
        self.ops.push(UserOp::Update {
            user: reference,
            changes,
        });
        if stamp {
            self.stamp_password(reference, &auth);
        }
        for (field, data, dataformat) in profile {
            report.push(FieldChange {
                field: format!("profile_field_{}", self.shortname_of(field)),
                from: String::new(),
                to: data.clone(),
            });
            let exists = self.accounts[index]
                .profile
                .insert(field, data.clone())
                .is_some();
            self.ops.push(UserOp::SetProfile {
                user: reference,
                field,
                data,
                dataformat,
                exists,
            });
        }
        Ok(vec![Effect::UserRevived {
            user: self.accounts[index].label(),
            changes: report,
        }])
    }

    fn shortname_of(&self, reference: FieldRef) -> String {
        self.fields
            .iter()
            .find(|(_, field)| field.reference == reference)
            .map(|(shortname, _)| shortname.clone())
            .unwrap_or_default()
    }

    fn update(&mut self, index: usize, line: &UserLine) -> Result<Vec<Effect>, LineError> {
        self.check_free(Some(index), line)?;
        let settings = self.settings;
        let current = &self.accounts[index].account;
        let mut changes = UserChanges::default();
        let mut report = Vec::new();
        let mut protected = Vec::new();
        for (field, value) in &line.fields {
            let old = current.get(*field);
            if old == value {
                continue;
            }
            if settings.is_protected(field.name()) {
                protected.push(field.name().to_owned());
                continue;
            }
            if *field == UserField::Auth {
                self.check_auth(value, true)?;
            }
            report.push(FieldChange {
                field: field.name().into(),
                from: old.to_owned(),
                to: value.clone(),
            });
            changes.fields.push((*field, value.clone()));
        }
        // The method the account will have: changed by this line, or as it is.
        let new_auth = changes
            .fields
            .iter()
            .find(|(field, _)| *field == UserField::Auth)
            .map(|(_, auth)| auth.clone());
        if let Some(secret) = &line.password {
            let auth = new_auth.as_deref().unwrap_or(current.get(UserField::Auth));
            if settings.is_protected("password") {
                protected.push("password".into());
            } else if INTERNAL_AUTHS.contains(&auth)
                && !self
                    .passwords
                    .verify(self.line, &secret.0, &current.password)
            {
                let format =
                    PasswordFormat::for_version(self.snapshot.site.version, settings.password_cost);
                changes.password =
                    Some(hash_secret(&mut self.passwords, self.line, format, secret)?);
                report.push(FieldChange {
                    field: "password".into(),
                    from: String::new(),
                    to: "(changed)".into(),
                });
            }
        }
        // As Moodle's upload: an account moved to a method that checks passwords elsewhere
        // stores `not cached`, whatever password it had.
        if let Some(auth) = new_auth.as_deref()
            && !INTERNAL_AUTHS.contains(&auth)
            && current.password != NOT_CACHED
        {
            changes.password = Some(NOT_CACHED.into());
        }
        if line.suspend && !current.suspended {
            changes.suspended = Some(true);
            report.push(FieldChange {
                field: "suspended".into(),
                from: "0".into(),
                to: "1".into(),
            });
        }
        let mut profile_ops = Vec::new();
        for (field, data, dataformat) in self.profile_values(line)? {
            let shortname = self.shortname_of(field);
            let old = self.accounts[index].profile.get(&field);
            if old == Some(&data) {
                continue;
            }
            if settings.is_protected(&format!("profile_field_{shortname}")) {
                protected.push(format!("profile_field_{shortname}"));
                continue;
            }
            report.push(FieldChange {
                field: format!("profile_field_{shortname}"),
                from: old.cloned().unwrap_or_default(),
                to: data.clone(),
            });
            profile_ops.push((field, data, dataformat));
        }
        let label = self.accounts[index].label();
        if report.is_empty() {
            return Ok(vec![Effect::UserUnchanged {
                user: label,
                protected,
            }]);
        }
        self.guard(index)?;
        let reference = self.accounts[index].reference;
        for (field, value) in &changes.fields {
            self.set(index, *field, value.clone());
        }
        let mut unset = Vec::new();
        // A hash stored for a manual account is stamped with its time.
        let stamp = changes
            .password
            .as_ref()
            .is_some_and(|password| password != NOT_CACHED)
            && self.accounts[index].account.get(UserField::Auth) == "manual";
        if let Some(password) = &changes.password {
            // Moodle's cron must not generate a password any more: the file gave one, or the
            // method keeps none ("no need to create password any more").
            if self.accounts[index].account.password == TO_BE_GENERATED {
                unset.push("create_password");
            }
            if password == NOT_CACHED {
                unset.push("auth_forcepasswordchange");
            }
            self.accounts[index].account.password = password.clone();
        }
        if let Some(suspended) = changes.suspended {
            self.accounts[index].account.suspended = suspended;
        }
        let touches_user =
            !changes.fields.is_empty() || changes.password.is_some() || changes.suspended.is_some();
        if touches_user {
            self.ops.push(UserOp::Update {
                user: reference,
                changes,
            });
        } else {
            // Moodle's profile API bumps nothing in `user`; an update through the user API
            // does. A line is one update: its timemodified moves with any change.
            self.ops.push(UserOp::Update {
                user: reference,
                changes: UserChanges::default(),
            });
        }
        for name in unset {
            self.ops.push(UserOp::UnsetPreference {
                user: reference,
                name,
            });
        }
        if stamp {
            self.stamp_password(reference, "manual");
        }
        for (field, data, dataformat) in profile_ops {
            let exists = self.accounts[index]
                .profile
                .insert(field, data.clone())
                .is_some();
            self.ops.push(UserOp::SetProfile {
                user: reference,
                field,
                data,
                dataformat,
                exists,
            });
        }
        Ok(vec![Effect::UserUpdated {
            user: self.accounts[index].label(),
            changes: report,
            protected,
        }])
    }
}

fn index_add(map: &mut HashMap<String, Vec<usize>>, key: &str, index: usize) {
    if !key.is_empty() {
        map.entry(key.to_owned()).or_default().push(index);
    }
}

fn index_remove(map: &mut HashMap<String, Vec<usize>>, key: &str, index: usize) {
    if let Some(indexes) = map.get_mut(key) {
        indexes.retain(|&other| other != index);
        if indexes.is_empty() {
            map.remove(key);
        }
    }
}

fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
