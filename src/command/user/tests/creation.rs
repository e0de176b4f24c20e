//! Accounts a line creates: Moodle's defaults, what creating needs, and deleted accounts left
//! or revived.

use super::support::{effects, problem, run, settings, snapshot};
use crate::command::user::{
    Effect, PasswordSet, Problem, TO_BE_GENERATED, UserField, UserOp, UserRef, UserSettings,
};

#[test]
fn a_new_account_gets_moodle_defaults_and_a_password_to_generate() {
    let plan = run(
        "username;firstname;lastname;idnumber;email\nJDurand;Jeanne;Durand;E20;jd@example.com\n",
        &snapshot(),
        &settings(),
    )
    .unwrap();
    let UserOp::Create { slot: 0, user } = &plan.ops[0] else {
        panic!("{:?}", plan.ops);
    };
    assert_eq!(user.fields[UserField::Username as usize], "jdurand");
    assert_eq!(user.fields[UserField::Auth as usize], "manual");
    assert_eq!(user.fields[UserField::Lang as usize], "fr");
    assert_eq!(user.fields[UserField::Country as usize], "FR");
    assert_eq!(user.fields[UserField::City as usize], "Lyon");
    assert_eq!(user.password, TO_BE_GENERATED);
    assert_eq!(user.timezone, "99");
    assert_eq!(
        plan.ops[1],
        UserOp::SetPreference {
            user: UserRef::New(0),
            name: "create_password",
            value: "1".into()
        }
    );
    assert!(matches!(
        effects(&plan, 0),
        [Effect::UserCreated {
            password: PasswordSet::ToBeGenerated,
            has_email: true,
            ..
        }]
    ));
}

#[test]
fn creating_needs_a_username_and_names() {
    let plan = run("idnumber;firstname\nE99;Solo\n", &snapshot(), &settings()).unwrap();
    assert!(matches!(
        problem(&plan, 0).of_kind(),
        Some(Problem::MissingToCreate { missing }) if missing == "username and lastname"
    ));
    assert!(plan.ops.is_empty());
}

#[test]
fn a_deleted_account_is_revived_only_when_allowed() {
    let csv = "username;firstname;lastname;idnumber;email\ngone;Back;Again;E30;gone@example.com\n";
    let plan = run(csv, &snapshot(), &settings()).unwrap();
    assert!(matches!(plan.ops[0], UserOp::Create { .. }));
    assert!(matches!(
        effects(&plan, 0),
        [Effect::UserCreated { .. }, Effect::DeletedAccountLeft { user }] if user.id == Some(30)
    ));
    let revive = UserSettings {
        revive_deleted: true,
        ..settings()
    };
    let plan = run(csv, &snapshot(), &revive).unwrap();
    let UserOp::Update {
        user: UserRef::Existing(30),
        changes,
    } = &plan.ops[0]
    else {
        panic!("{:?}", plan.ops);
    };
    assert!(changes.revive);
    assert!(
        changes
            .fields
            .contains(&(UserField::Email, "gone@example.com".into()))
    );
    assert!(
        changes
            .fields
            .contains(&(UserField::Username, "gone".into()))
    );
}
