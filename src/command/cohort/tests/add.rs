//! `add` lines: cohorts created with Moodle's defaults or updated with what differs, members
//! added; creation turned off, idnumbers taken, ambiguous keys, failing lines.

use super::support::{SETTINGS, error, run, snapshot};
use crate::{
    command::{
        cohort::{CohortChanges, CohortOp, CohortRef, CohortSettings, Effect, NewCohort, Problem},
        refs::{CohortIdentifier, UserIdentifier},
    },
    error::LineProblem,
    outcome::LineStatus,
};

#[test]
fn add_creates_a_missing_cohort_with_moodle_defaults_and_its_member() {
    let plan = run(
        "cmd;cidnumber;cname;cdescription;userid\nadd;COH54;Classe 2.3;Classe 2ème 3;u10\n",
        &snapshot(),
        &SETTINGS,
    );
    assert_eq!(
        plan.ops,
        [
            CohortOp::Create {
                slot: 0,
                cohort: NewCohort {
                    contextid: 1,
                    name: "Classe 2.3".into(),
                    idnumber: Some("COH54".into()),
                    description: "Classe 2ème 3".into(),
                    visible: true,
                    component: String::new(),
                },
            },
            CohortOp::AddMember {
                cohort: CohortRef::New(0),
                user: 10
            },
        ]
    );
    let effects = plan.outcome.lines[0].result.as_ref().unwrap();
    assert!(matches!(&effects[0], Effect::CohortCreated { context, .. } if context == "system"));
    assert!(matches!(&effects[1], Effect::MemberAdded { user, .. } if user.id == 10));
}

#[test]
fn a_cohort_without_cname_is_named_after_its_key() {
    // Q7: the reference inserted a NULL name and aborted the file.
    let plan = run("cidnumber\nCOH9\n", &snapshot(), &SETTINGS);
    assert!(matches!(&plan.ops[0], CohortOp::Create { cohort, .. } if cohort.name == "COH9"));
}

#[test]
fn membership_lines_on_an_existing_cohort_do_not_touch_the_cohort() {
    // Q10: the reference re-saved the cohort and reported "updated" on every line.
    let plan = run(
        "cidnumber;userid\nC1;u12\nC1;u10\nC1\n",
        &snapshot(),
        &SETTINGS,
    );
    assert_eq!(
        plan.ops,
        [CohortOp::AddMember {
            cohort: CohortRef::Existing(1),
            user: 12
        }]
    );
    let statuses: Vec<LineStatus> = plan
        .outcome
        .lines
        .iter()
        .map(|line| line.status())
        .collect();
    assert_eq!(
        statuses,
        [
            LineStatus::Changed,
            LineStatus::Unchanged,
            LineStatus::Unchanged
        ]
    );
    assert!(matches!(
        plan.outcome.lines[1].result.as_ref().unwrap()[0],
        Effect::AlreadyMember { .. }
    ));
    assert!(matches!(
        plan.outcome.lines[2].result.as_ref().unwrap()[0],
        Effect::CohortUnchanged { .. }
    ));
}

#[test]
fn add_updates_only_what_differs() {
    // Q8: the reference never renamed, and wrote `name` into the idnumber.
    let plan = run(
        "cidnumber;cname;cdescription;visible\nC1;Renamed;New text;0\nC1;Renamed;New text;0\n",
        &snapshot(),
        &SETTINGS,
    );
    assert_eq!(
        plan.ops,
        [CohortOp::Update {
            cohort: CohortRef::Existing(1),
            changes: CohortChanges {
                name: Some("Renamed".into()),
                description: Some("New text".into()),
                visible: Some(false),
                ..CohortChanges::default()
            },
        }]
    );
    assert_eq!(plan.outcome.lines[1].status(), LineStatus::Unchanged);
}

#[test]
fn an_idnumber_change_must_not_take_another_cohorts_idnumber() {
    let settings = CohortSettings {
        cohort_identifier: CohortIdentifier::Name,
        ..SETTINGS
    };
    let plan = run(
        "cname;cidnumber\nExisting;C2\nExisting;C9\nNew one;C9\n",
        &snapshot(),
        &settings,
    );
    assert!(matches!(
        error(&plan, 0).problem.of_kind(),
        Some(Problem::IdnumberTaken { .. })
    ));
    assert!(
        error(&plan, 0)
            .to_string()
            .contains("\"Other\" [C2] (id 2)"),
        "{}",
        error(&plan, 0)
    );
    assert_eq!(plan.outcome.lines[1].status(), LineStatus::Changed);
    // The second line gave C9 to cohort 1, so the third cannot create a cohort with it.
    assert!(
        error(&plan, 2)
            .to_string()
            .contains("\"Existing\" [C9] (id 1)"),
        "{}",
        error(&plan, 2)
    );
}

#[test]
fn creation_can_be_turned_off_and_is_refused_by_id() {
    let settings = CohortSettings {
        create_missing: false,
        ..SETTINGS
    };
    let plan = run("cidnumber\nNEW\n", &snapshot(), &settings);
    assert!(matches!(
        error(&plan, 0).problem.of_kind(),
        Some(Problem::CreationDisabled { .. })
    ));
    let settings = CohortSettings {
        cohort_identifier: CohortIdentifier::Id,
        ..SETTINGS
    };
    let plan = run(
        "cid;cname\n99;Ninety-nine\n1;Renamed\nabc;x\n",
        &snapshot(),
        &settings,
    );
    assert!(matches!(
        error(&plan, 0).problem.of_kind(),
        Some(Problem::CannotCreateById { .. })
    ));
    assert!(matches!(
        &plan.ops[..],
        [CohortOp::Update {
            cohort: CohortRef::Existing(1),
            ..
        }]
    ));
    assert!(matches!(
        error(&plan, 2).problem,
        LineProblem::NotANumber { .. }
    ));
}

#[test]
fn ambiguous_users_and_cohorts_are_errors() {
    // Q44: the reference took the first row.
    let mut shared = snapshot();
    shared.users[1].email = "shared@example.com".into();
    shared.users[2].email = "Shared@Example.com".into();
    shared.cohorts[1].name = "Existing".into();
    let settings = CohortSettings {
        user_identifier: UserIdentifier::Email,
        ..SETTINGS
    };
    let plan = run(
        "cidnumber;userid\nC1;SHARED@example.com\n",
        &shared,
        &settings,
    );
    assert!(
        matches!(&error(&plan, 0).problem, LineProblem::AmbiguousUser { ids, .. } if ids == &[11, 12])
    );
    let settings = CohortSettings {
        cohort_identifier: CohortIdentifier::Name,
        ..SETTINGS
    };
    let plan = run("cname;userid\nExisting;u10\n", &shared, &settings);
    assert!(
        matches!(&error(&plan, 0).problem, LineProblem::AmbiguousCohort { ids, .. } if ids == &[1, 2])
    );
}

#[test]
fn a_failing_line_changes_nothing() {
    // The cohort would be created, but the user is unknown: neither happens.
    let plan = run(
        "cidnumber;userid\nNEW;nobody\nNEW\n",
        &snapshot(),
        &SETTINGS,
    );
    assert!(matches!(
        error(&plan, 0).problem,
        LineProblem::UnknownUser { .. }
    ));
    assert_eq!(plan.ops.len(), 1, "only the second line creates the cohort");
    assert!(matches!(
        plan.outcome.lines[1].result.as_ref().unwrap()[0],
        Effect::CohortCreated { .. }
    ));
}
