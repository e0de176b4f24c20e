//! The user file's columns and the parsing of one record into a [`UserLine`]. Pure: a line is
//! checked on its own here (lengths, formats, flags); what it refers to is resolved by the
//! planner.

use std::fmt;

use serde::Serialize;

use crate::{
    command::parsed::{self, Parsed},
    command::refs::{UserIdentifier, parse_flag},
    error::{FileError, LineError, LineProblem},
    input::{ColumnMap, ColumnSpec, Record, Table},
};

/// The prefix of custom profile field columns: `profile_field_<shortname>`.
pub const PROFILE_PREFIX: &str = "profile_field_";

/// The `[users]` settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserSettings {
    /// The field that finds an existing account: `idnumber` (default), `username` or `email`.
    /// A line without a value for it is matched by `username`.
    pub identifier: UserIdentifier,
    /// The authentication method of accounts created by lines without an `auth` value.
    pub default_auth: String,
    /// Columns that an update never changes (they are still set when an account is created):
    /// `email` and `password` by default; `profile_field_<shortname>` names a profile field.
    pub protected_fields: Vec<String>,
    /// Whether a line matching a deleted account brings it back (otherwise a new account is
    /// created, as Moodle's own upload does).
    pub revive_deleted: bool,
    /// Whether a `profile_field_<shortname>` column naming no defined field creates it (as a
    /// text field) rather than rejecting the file.
    pub create_profile_fields: bool,
    /// The profile field category that created fields go in (created when missing).
    pub profile_field_category: String,
    /// bcrypt's cost for the passwords a file gives on a site older than Moodle 4.3 (Moodle's
    /// own default is 10); later sites get SHA-512 crypt.
    pub password_cost: u32,
}

impl Default for UserSettings {
    fn default() -> Self {
        UserSettings {
            identifier: UserIdentifier::Idnumber,
            default_auth: "manual".into(),
            protected_fields: vec!["email".into(), "password".into()],
            revive_deleted: false,
            create_profile_fields: false,
            profile_field_category: "Other fields".into(),
            password_cost: 10,
        }
    }
}

impl UserSettings {
    /// Whether an update leaves the column `name` alone.
    pub fn is_protected(&self, name: &str) -> bool {
        self.protected_fields
            .iter()
            .any(|protected| protected.eq_ignore_ascii_case(name))
    }
}

/// What a line asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserCmd {
    /// Create the account, or update it (the default).
    Add,
    /// Suspend the account; nothing else changes.
    Suspend,
    /// Lift the suspension; nothing else changes.
    Unsuspend,
    /// Delete the account as Moodle does.
    Del,
}

/// A text field of the `user` table that a file sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UserField {
    /// `username`, lowercase.
    Username,
    /// `firstname`.
    Firstname,
    /// `lastname`.
    Lastname,
    /// `email`.
    Email,
    /// `idnumber`.
    Idnumber,
    /// `auth`: the authentication plugin.
    Auth,
    /// `lang`.
    Lang,
    /// `city`.
    City,
    /// `country`: two letters, uppercase.
    Country,
    /// `institution`.
    Institution,
    /// `department`.
    Department,
    /// `phone1`.
    Phone1,
    /// `phone2`.
    Phone2,
    /// `address`.
    Address,
    /// `description`.
    Description,
}

impl UserField {
    /// Every field, in column order.
    pub const ALL: [UserField; 15] = [
        UserField::Username,
        UserField::Firstname,
        UserField::Lastname,
        UserField::Email,
        UserField::Idnumber,
        UserField::Auth,
        UserField::Lang,
        UserField::City,
        UserField::Country,
        UserField::Institution,
        UserField::Department,
        UserField::Phone1,
        UserField::Phone2,
        UserField::Address,
        UserField::Description,
    ];

    /// The column of Moodle's `user` table, which is also the file's column.
    pub fn name(self) -> &'static str {
        match self {
            UserField::Username => "username",
            UserField::Firstname => "firstname",
            UserField::Lastname => "lastname",
            UserField::Email => "email",
            UserField::Idnumber => "idnumber",
            UserField::Auth => "auth",
            UserField::Lang => "lang",
            UserField::City => "city",
            UserField::Country => "country",
            UserField::Institution => "institution",
            UserField::Department => "department",
            UserField::Phone1 => "phone1",
            UserField::Phone2 => "phone2",
            UserField::Address => "address",
            UserField::Description => "description",
        }
    }

    /// Moodle's column width in characters; `None` for text columns.
    fn max(self) -> Option<usize> {
        match self {
            UserField::Username | UserField::Firstname | UserField::Lastname | UserField::Email => {
                Some(100)
            }
            UserField::Auth | UserField::Phone1 | UserField::Phone2 => Some(20),
            UserField::Lang => Some(30),
            UserField::City => Some(120),
            UserField::Country => Some(2),
            UserField::Idnumber
            | UserField::Institution
            | UserField::Department
            | UserField::Address => Some(255),
            UserField::Description => None,
        }
    }

    fn column(self) -> Column {
        match self {
            UserField::Username => Column::Username,
            UserField::Firstname => Column::Firstname,
            UserField::Lastname => Column::Lastname,
            UserField::Email => Column::Email,
            UserField::Idnumber => Column::Idnumber,
            UserField::Auth => Column::Auth,
            UserField::Lang => Column::Lang,
            UserField::City => Column::City,
            UserField::Country => Column::Country,
            UserField::Institution => Column::Institution,
            UserField::Department => Column::Department,
            UserField::Phone1 => Column::Phone1,
            UserField::Phone2 => Column::Phone2,
            UserField::Address => Column::Address,
            UserField::Description => Column::Description,
        }
    }
}

impl fmt::Display for UserField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A password as the file gives it. It is never printed: `Debug` shows `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A parsed data line of a user file. Values are normalised as Moodle stores them (username
/// and language lowercase, country uppercase); empty values are left out: they never change
/// anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserLine {
    /// The command.
    pub cmd: UserCmd,
    /// The `user` fields the line gives, each once, in column order.
    pub fields: Vec<(UserField, String)>,
    /// `password`.
    pub password: Option<Secret>,
    /// `oldusername`: the account to rename to `username`.
    pub oldusername: Option<String>,
    /// `suspended` holds a true value.
    pub suspend: bool,
    /// `deleted` holds a true value.
    pub delete: bool,
    /// Profile field values by shortname, in column order.
    pub profile: Vec<(String, String)>,
}

impl UserLine {
    /// The value the line gives for `field`.
    pub fn get(&self, field: UserField) -> Option<&str> {
        self.fields
            .iter()
            .find(|(given, _)| *given == field)
            .map(|(_, value)| value.as_str())
    }

    /// The key that finds the account: the configured identifier's value, or the username on
    /// a line without one. `None` when the line has neither.
    pub fn key(&self, identifier: UserIdentifier) -> Option<(UserIdentifier, String)> {
        let by = match identifier {
            UserIdentifier::Idnumber => self.get(UserField::Idnumber),
            UserIdentifier::Email => self.get(UserField::Email),
            UserIdentifier::Username | UserIdentifier::Id => None,
        };
        match by {
            Some(value) => Some((identifier, identifier.normalize(value).ok()?)),
            None => self
                .get(UserField::Username)
                .map(|username| (UserIdentifier::Username, username.to_owned())),
        }
    }
}

/// The columns of a user file, in the order of [`column_specs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// `cmd`.
    Cmd,
    /// `username`.
    Username,
    /// `firstname`.
    Firstname,
    /// `lastname`.
    Lastname,
    /// `email`.
    Email,
    /// `idnumber`.
    Idnumber,
    /// `auth`.
    Auth,
    /// `password`.
    Password,
    /// `lang`.
    Lang,
    /// `city`.
    City,
    /// `country`.
    Country,
    /// `institution`.
    Institution,
    /// `department`.
    Department,
    /// `phone1`.
    Phone1,
    /// `phone2`.
    Phone2,
    /// `address`.
    Address,
    /// `description`.
    Description,
    /// `suspended`.
    Suspended,
    /// `deleted`.
    Deleted,
    /// `oldusername`.
    Oldusername,
}

impl Column {
    const fn index(self) -> usize {
        self as usize
    }
}

/// The columns a user file may have, besides `profile_field_<shortname>`.
pub fn column_specs() -> Vec<ColumnSpec> {
    [
        "cmd",
        "username",
        "firstname",
        "lastname",
        "email",
        "idnumber",
        "auth",
        "password",
        "lang",
        "city",
        "country",
        "institution",
        "department",
        "phone1",
        "phone2",
        "address",
        "description",
        "suspended",
        "deleted",
        "oldusername",
    ]
    .into_iter()
    .map(ColumnSpec::new)
    .collect()
}

/// What a user file's header says besides the kind's columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserHeader {
    /// The profile fields the header names (`profile_field_<shortname>`), by shortname, in
    /// header order.
    pub profile_fields: Vec<String>,
}

/// A line of the file, parsed.
pub type ParsedLine = parsed::ParsedLine<UserLine>;

/// A user file ready to plan.
pub type ParsedFile = Parsed<UserLine, UserHeader>;

/// Maps the header and parses every data line of a user file.
pub fn parse_file(table: &Table, settings: &UserSettings) -> Result<ParsedFile, FileError> {
    let columns =
        ColumnMap::resolve_with_family(&table.header, &column_specs(), Some(PROFILE_PREFIX))?;
    let key_column = match settings.identifier {
        UserIdentifier::Email => Column::Email,
        UserIdentifier::Username | UserIdentifier::Id => Column::Username,
        UserIdentifier::Idnumber => Column::Idnumber,
    };
    if !columns.has(key_column.index()) && !columns.has(Column::Username.index()) {
        return Err(FileError::MissingColumn {
            column: if key_column == Column::Username {
                "username"
            } else {
                "username (or the identifier column)"
            },
            kind: "users",
        });
    }
    let mut notes = Vec::new();
    if settings.identifier != UserIdentifier::Username && !columns.has(key_column.index()) {
        notes.push(format!(
            "the file has no {} column: accounts are matched by username",
            settings.identifier
        ));
    }
    let profile_fields = columns
        .family()
        .iter()
        .map(|(_, shortname)| shortname.clone())
        .collect();
    let lines = table
        .records
        .iter()
        .map(|record| ParsedLine {
            number: record.line,
            raw: record.raw.clone(),
            command: columns
                .get(record, Column::Cmd.index())
                .unwrap_or("add")
                .to_owned(),
            keys: [Column::Username, Column::Idnumber]
                .map(|column| columns.get(record, column.index()).unwrap_or("").to_owned())
                .to_vec(),
            line: parse_line(record, &columns),
        })
        .collect();
    Ok(ParsedFile {
        header: UserHeader { profile_fields },
        lines,
        notes,
        empty_records: table.empty_records,
    })
}

fn parse_line(record: &Record, columns: &ColumnMap) -> Result<UserLine, LineError> {
    columns.check_width(record)?;
    columns.check_text(record)?;
    let value = |column: Column| columns.get(record, column.index());
    let fail = |column: Column, value: &str, problem: LineProblem| {
        LineError::in_column(
            columns.header_name(column.index()).unwrap_or("?"),
            value,
            problem,
        )
    };

    let cmd = match value(Column::Cmd) {
        None => UserCmd::Add,
        Some(text) => match text.to_lowercase().as_str() {
            "add" => UserCmd::Add,
            "suspend" => UserCmd::Suspend,
            "unsuspend" => UserCmd::Unsuspend,
            "del" => UserCmd::Del,
            _ => {
                return Err(fail(
                    Column::Cmd,
                    text,
                    LineProblem::UnknownCommand {
                        value: text.to_owned(),
                        expected: "add, suspend, unsuspend or del",
                    },
                ));
            }
        },
    };

    let mut fields = Vec::new();
    for field in UserField::ALL {
        let column = field.column();
        let Some(text) = value(column) else {
            continue;
        };
        let normalised = normalise(field, text).map_err(|problem| fail(column, text, problem))?;
        if let Some(max) = field.max() {
            let length = normalised.chars().count();
            if length > max {
                return Err(fail(column, text, LineProblem::TooLong { length, max }));
            }
        }
        fields.push((field, normalised));
    }

    let flag = |column: Column| match value(column) {
        None => Ok(false),
        Some(text) => parse_flag(text).map_err(|problem| fail(column, text, problem)),
    };
    let suspend = flag(Column::Suspended)?;
    let delete = flag(Column::Deleted)?;

    let oldusername = match value(Column::Oldusername) {
        None => None,
        Some(text) => Some(
            normalise(UserField::Username, text)
                .map_err(|problem| fail(Column::Oldusername, text, problem))?,
        ),
    };
    // Its length is checked against the site's hash format by the planner.
    let password = value(Column::Password).map(|text| Secret(text.to_owned()));

    let profile = columns
        .family()
        .iter()
        .filter_map(|(position, shortname)| {
            columns
                .get_at(record, *position)
                .map(|text| (shortname.clone(), text.to_owned()))
        })
        .collect();

    Ok(UserLine {
        cmd,
        fields,
        password,
        oldusername,
        suspend,
        delete,
        profile,
    })
}

/// A field's value as Moodle stores it, or why it cannot be stored.
fn normalise(field: UserField, text: &str) -> Result<String, LineProblem> {
    let invalid = |expected: &'static str| LineProblem::InvalidValue {
        value: text.to_owned(),
        expected,
    };
    match field {
        UserField::Username => {
            // Moodle stores usernames lowercase; which characters are allowed depends on the
            // site's `extendedusernamechars`, checked by the planner.
            let lowered = text.to_lowercase();
            if lowered.chars().any(char::is_whitespace) {
                return Err(invalid("a username without spaces"));
            }
            Ok(lowered)
        }
        UserField::Email => {
            let valid = text.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }) && !text
                .chars()
                .any(|c| c.is_whitespace() || c == ',' || c == ';');
            if valid {
                Ok(text.to_owned())
            } else {
                Err(invalid("an email address such as name@example.com"))
            }
        }
        UserField::Auth => {
            let lowered = text.to_lowercase();
            if lowered
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                Ok(lowered)
            } else {
                Err(invalid(
                    "an authentication plugin name such as manual, cas or ldap",
                ))
            }
        }
        UserField::Lang => {
            // As Moodle's upload does: lowercase, `_utf8` (Moodle 1.x names) dropped.
            let lowered = text.to_lowercase().replace("_utf8", "");
            if !lowered.is_empty()
                && lowered
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                Ok(lowered)
            } else {
                Err(invalid("a language code such as fr or en"))
            }
        }
        UserField::Country => {
            let upper = text.to_uppercase();
            if upper.len() == 2 && upper.chars().all(|c| c.is_ascii_uppercase()) {
                Ok(upper)
            } else {
                Err(invalid("a two-letter country code such as FR"))
            }
        }
        _ => Ok(text.to_owned()),
    }
}
