//! Accounts suspended, unsuspended and deleted, and the names Moodle gives deleted accounts.

use super::support::{effects, problem, run, settings, snapshot};
use crate::{
    command::{
        refs::UserIdentifier,
        user::{Effect, Problem, UserOp, UserRef, UserSettings, deleted_email, deleted_username},
    },
    error::LineProblem,
};

#[test]
fn suspend_and_unsuspend_flip_only_the_flag() {
    let plan = run(
        "cmd;username;firstname\nsuspend;jdupont;Other\nsuspend;jdupont;\nunsuspend;jdupont;\nsuspend;admin;\n",
        &snapshot(),
        &UserSettings {
            identifier: UserIdentifier::Username,
            ..settings()
        },
    )
    .unwrap();
    let flags: Vec<_> = plan
        .ops
        .iter()
        .map(|op| match op {
            UserOp::Update { changes, .. } => (changes.fields.len(), changes.suspended),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(flags, [(0, Some(true)), (0, Some(false))]);
    assert!(matches!(
        effects(&plan, 1),
        [Effect::AlreadySuspended { .. }]
    ));
    assert!(matches!(
        problem(&plan, 3).of_kind(),
        Some(Problem::ProtectedAccount { .. })
    ));
}

#[test]
fn deleted_acts_only_on_a_true_value_and_del_is_idempotent() {
    let settings = UserSettings {
        identifier: UserIdentifier::Username,
        ..settings()
    };
    let plan = run(
        "username;deleted\njdupont;0\nlmartin;1\nlmartin;yes\ngone;1\nnobody;1\n",
        &snapshot(),
        &settings,
    )
    .unwrap();
    assert!(matches!(effects(&plan, 0), [Effect::UserUnchanged { .. }]));
    assert_eq!(
        plan.ops,
        [UserOp::Delete {
            user: UserRef::Existing(11),
            username: "lmartin".into(),
            email: "lea.martin@example.com".into()
        }]
    );
    // The second line finds the account deleted by the first, through its username's MD5.
    assert!(matches!(effects(&plan, 2), [Effect::AlreadyDeleted { .. }]));
    assert!(matches!(effects(&plan, 3), [Effect::AlreadyDeleted { .. }]));
    assert!(matches!(problem(&plan, 4), LineProblem::UnknownUser { .. }));
}

#[test]
fn moodle_rewrites_deleted_usernames_to_fit() {
    assert_eq!(
        deleted_username("jdupont", "Jean.Dupont@Example.com", 10, 1_790_000_000),
        "jean.dupont@example.com.1790000000"
    );
    assert_eq!(
        deleted_username("jdupont", "", 10, 1_790_000_000),
        "jdupont.10@unknownemail.invalid.1790000000"
    );
    let long = format!("{}@example.com", "a".repeat(120));
    assert_eq!(deleted_username("x", &long, 1, 1_790_000_000).len(), 100);
    assert_eq!(deleted_email("jdupont"), "99824d874283693d1d5433bcd8ff5e0e");
}
