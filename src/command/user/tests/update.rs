//! Accounts a line finds and updates: only what differs, protected fields kept, profile values,
//! profile fields created, ambiguous and taken keys, renames.

use super::support::{effects, problem, run, settings, snapshot};
use crate::{
    command::{
        refs::UserIdentifier,
        user::{
            Effect, FieldRef, NewField, Problem, UserChanges, UserField, UserOp, UserRef,
            UserSettings,
        },
    },
    error::LineProblem,
    outcome::LineStatus,
};

#[test]
fn an_update_changes_only_what_differs_and_keeps_protected_fields() {
    let plan = run(
        "idnumber;username;firstname;lastname;email;city\n\
         E10;jdupont;Jean;Dupont;other@example.com;Lyon\n\
         E11;lmartin;Jean;Dupont;lea.martin@example.com;\n",
        &snapshot(),
        &settings(),
    )
    .unwrap();
    assert_eq!(
        plan.ops,
        [UserOp::Update {
            user: UserRef::Existing(10),
            changes: UserChanges {
                fields: vec![(UserField::City, "Lyon".into())],
                ..UserChanges::default()
            }
        }]
    );
    assert!(matches!(
        effects(&plan, 0),
        [Effect::UserUpdated { protected, .. }] if protected == &["email"]
    ));
    // Line 2 changes nothing (firstname and lastname are the same), so it is unchanged and
    // writes nothing.
    assert_eq!(plan.ops.len(), 1);
    assert_eq!(plan.outcome.lines[1].status(), LineStatus::Unchanged);
}

#[test]
fn a_profile_value_alone_is_an_update() {
    let plan = run(
        "idnumber;profile_field_usertype;profile_field_status\nE10;teacher;Apprenti\nE11;;Salarié\n",
        &snapshot(),
        &settings(),
    )
    .unwrap();
    assert_eq!(
        plan.ops,
        [
            UserOp::Update {
                user: UserRef::Existing(10),
                changes: UserChanges::default(),
            },
            UserOp::SetProfile {
                user: UserRef::Existing(10),
                field: FieldRef::Existing(1),
                data: "teacher".into(),
                dataformat: 0,
                exists: true,
            },
            UserOp::SetProfile {
                user: UserRef::Existing(10),
                field: FieldRef::Existing(2),
                data: "Apprenti".into(),
                dataformat: 0,
                exists: false,
            },
        ]
    );
    assert!(matches!(
        problem(&plan, 1).of_kind(),
        Some(Problem::NotAnOption { value, .. }) if value == "Salarié"
    ));
}

#[test]
fn a_missing_profile_field_rejects_the_file_unless_created() {
    let csv = "username;profile_field_netypareo_cursus\njdupont;BTS\n";
    let error = run(csv, &snapshot(), &settings()).unwrap_err();
    assert!(error.to_string().contains("netypareo_cursus"), "{error}");
    let create = UserSettings {
        create_profile_fields: true,
        identifier: UserIdentifier::Username,
        ..settings()
    };
    let plan = run(csv, &snapshot(), &create).unwrap();
    assert_eq!(
        plan.ops[..2],
        [
            UserOp::CreateCategory {
                name: "Other fields".into(),
                sortorder: 2
            },
            UserOp::CreateField {
                slot: 0,
                field: NewField {
                    shortname: "netypareo_cursus".into(),
                    categoryid: None,
                    sortorder: 1
                }
            }
        ]
    );
    assert!(matches!(
        plan.ops.last(),
        Some(UserOp::SetProfile { field: FieldRef::New(0), data, .. }) if data == "BTS"
    ));
    assert_eq!(plan.outcome.totals().counts.profile_fields_created, 1);
}

#[test]
fn two_accounts_with_one_idnumber_are_ambiguous_and_taken_values_collide() {
    let plan = run(
        "idnumber;username;firstname;lastname\nTWIN;twin1;T;One\nE10;lmartin;J;D\nE11;;Jean;Dupont\n\
         E99;jdupont;New;Person\n",
        &snapshot(),
        &settings(),
    )
    .unwrap();
    assert!(
        matches!(problem(&plan, 0), LineProblem::AmbiguousUser { ids, .. } if ids == &[12, 13])
    );
    assert!(matches!(
        problem(&plan, 1).of_kind(),
        Some(Problem::UserConflict { .. })
    ));
    // An idnumber that matches nobody, with a username held by another account.
    assert!(matches!(
        problem(&plan, 3).of_kind(),
        Some(Problem::UsernameTaken { .. })
    ));
    assert_eq!(plan.outcome.lines[2].status(), LineStatus::Unchanged);
}

#[test]
fn oldusername_renames_and_a_replay_is_unchanged() {
    let settings = UserSettings {
        identifier: UserIdentifier::Username,
        ..settings()
    };
    let snapshot = snapshot();
    let plan = run(
        "username;oldusername\njean.dupont;jdupont\njean.dupont;jdupont\nx;nobody\n",
        &snapshot,
        &settings,
    )
    .unwrap();
    assert_eq!(
        plan.ops,
        [UserOp::Update {
            user: UserRef::Existing(10),
            changes: UserChanges {
                fields: vec![(UserField::Username, "jean.dupont".into())],
                ..UserChanges::default()
            }
        }]
    );
    assert_eq!(plan.outcome.lines[1].status(), LineStatus::Unchanged);
    assert!(matches!(
        problem(&plan, 2).of_kind(),
        Some(Problem::NothingToRename { .. })
    ));
}
