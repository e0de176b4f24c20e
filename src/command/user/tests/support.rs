//! What the user file tests share: their settings, a hand-made snapshot of a site and its
//! accounts, and a CSV text planned against it.

use std::collections::{BTreeSet, HashMap};

use encoding_rs::WINDOWS_1252;

use crate::{
    command::user::{
        Account, Effect, Plan, ProfileField, SiteDefaults, Snapshot, UserField, UserSettings,
        deleted_email, parse_file, plan,
    },
    error::{FileError, LineProblem},
    input::{DelimiterSetting, EncodingSetting, ReadSettings, read_table},
};

/// The default settings, with bcrypt's cheapest cost.
pub(super) fn settings() -> UserSettings {
    UserSettings {
        // The cheapest cost keeps the tests fast; the hash's format is the same.
        password_cost: 4,
        ..UserSettings::default()
    }
}

/// A live local account of Jean Dupont, manual, in French.
pub(super) fn account(id: i64, username: &str, idnumber: &str, email: &str) -> Account {
    let mut fields: [String; 15] = Default::default();
    fields[UserField::Username as usize] = username.into();
    fields[UserField::Idnumber as usize] = idnumber.into();
    fields[UserField::Email as usize] = email.into();
    fields[UserField::Firstname as usize] = "Jean".into();
    fields[UserField::Lastname as usize] = "Dupont".into();
    fields[UserField::Auth as usize] = "manual".into();
    fields[UserField::Lang as usize] = "fr".into();
    Account {
        id,
        fields,
        password: String::new(),
        suspended: false,
        deleted: false,
        timemodified: 100,
    }
}

/// A French site: its administrator, two accounts, two sharing an idnumber, a deleted one, and
/// two profile fields (a text and a menu).
pub(super) fn snapshot() -> Snapshot {
    let mut deleted = account(30, "old@example.com.1700000000", "", &deleted_email("gone"));
    deleted.deleted = true;
    Snapshot {
        site: SiteDefaults {
            lang: "fr".into(),
            country: Some("FR".into()),
            city: Some("Lyon".into()),
            auths: Some(BTreeSet::from([
                "manual".into(),
                "cas".into(),
                "nologin".into(),
            ])),
            ..SiteDefaults::default()
        },
        accounts: vec![
            account(2, "admin", "", "admin@example.com"),
            account(10, "jdupont", "E10", "jean.dupont@example.com"),
            account(11, "lmartin", "E11", "lea.martin@example.com"),
            account(12, "twin1", "TWIN", "twin@example.com"),
            account(13, "twin2", "TWIN", "twin@example.com"),
            deleted,
        ],
        fields: vec![
            ProfileField {
                id: 1,
                shortname: "usertype".into(),
                datatype: "text".into(),
                param1: None,
            },
            ProfileField {
                id: 2,
                shortname: "status".into(),
                datatype: "menu".into(),
                param1: Some("Apprenti\nStagiaire\n".into()),
            },
        ],
        data: HashMap::from([((10, 1), "student".into())]),
        category: None,
        max_category_sortorder: 1,
        max_field_sortorder: 0,
    }
}

/// Parses `csv` and plans it against `snapshot`.
pub(super) fn run(
    csv: &str,
    snapshot: &Snapshot,
    settings: &UserSettings,
) -> Result<Plan, FileError> {
    let read = ReadSettings {
        encoding: EncodingSetting::Auto(WINDOWS_1252),
        delimiter: DelimiterSetting::Auto,
    };
    let table = read_table(csv.as_bytes(), &read).unwrap();
    let file = parse_file(&table, settings)?;
    plan(&file, snapshot, settings)
}

/// The problem of line `index`, which failed.
pub(super) fn problem(plan: &Plan, index: usize) -> &LineProblem {
    &plan.outcome.lines[index]
        .result
        .as_ref()
        .unwrap_err()
        .problem
}

/// The effects of line `index`, which succeeded.
pub(super) fn effects(plan: &Plan, index: usize) -> &[Effect] {
    plan.outcome.lines[index].result.as_ref().unwrap()
}
