//! What the cohort file tests share: their settings, a hand-made snapshot of users, cohorts and
//! a category, and a CSV text planned against it.

use std::collections::{HashMap, HashSet};

use encoding_rs::WINDOWS_1252;

use crate::{
    command::{
        cohort::{
            CategoryRow, CohortRow, CohortSettings, Plan, Snapshot, UserRow, parse_file, plan,
        },
        refs::{CohortIdentifier, UserIdentifier},
    },
    input::{DelimiterSetting, EncodingSetting, ReadSettings, read_table},
};

/// Users and cohorts matched by idnumber, missing cohorts created, a sync limit of 20 %.
pub(super) const SETTINGS: CohortSettings = CohortSettings {
    user_identifier: UserIdentifier::Idnumber,
    cohort_identifier: CohortIdentifier::Idnumber,
    create_missing: true,
    delete_empty: false,
    max_sync_removal_percent: 20,
};

/// An account whose username and idnumber are `name`.
pub(super) fn user(id: i64, name: &str) -> UserRow {
    UserRow {
        id,
        username: name.to_owned(),
        idnumber: name.to_owned(),
        email: format!("{name}@example.com"),
        firstname: "First".into(),
        lastname: "Last".into(),
    }
}

/// A visible cohort in the system context.
pub(super) fn cohort(id: i64, name: &str, idnumber: &str) -> CohortRow {
    CohortRow {
        id,
        contextid: 1,
        name: name.to_owned(),
        idnumber: Some(idnumber.to_owned()),
        description: Some(String::new()),
        visible: true,
        component: String::new(),
    }
}

/// Three accounts; cohort C1 with two members and two bindings, cohort C2 empty; a category
/// with its context.
pub(super) fn snapshot() -> Snapshot {
    Snapshot {
        system_context: 1,
        users: vec![user(10, "u10"), user(11, "u11"), user(12, "u12")],
        cohorts: vec![cohort(1, "Existing", "C1"), cohort(2, "Other", "C2")],
        members: HashMap::from([(1, HashSet::from([10, 11]))]),
        bindings: HashMap::from([(1, 2)]),
        categories: vec![CategoryRow {
            id: 5,
            name: "CFA".into(),
            idnumber: Some("CAT5".into()),
            contextid: Some(50),
        }],
        member_users: HashMap::new(),
    }
}

/// Parses `csv` and plans it against `snapshot`.
pub(super) fn run(csv: &str, snapshot: &Snapshot, settings: &CohortSettings) -> Plan {
    let read = ReadSettings {
        encoding: EncodingSetting::Auto(WINDOWS_1252),
        delimiter: DelimiterSetting::Auto,
    };
    let table = read_table(csv.as_bytes(), &read).unwrap();
    let file = parse_file(&table, settings).unwrap();
    plan(&file, snapshot, settings)
}

/// The error of line `index`, which failed.
pub(super) fn error(plan: &Plan, index: usize) -> &crate::error::LineError {
    plan.outcome.lines[index].result.as_ref().unwrap_err()
}
