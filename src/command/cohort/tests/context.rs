//! The context a line places its cohort in: a category by id or idnumber, or the system.

use super::support::{SETTINGS, error, run, snapshot};
use crate::{
    command::cohort::{CategoryRow, CohortChanges, CohortOp, CohortRef, Problem},
    error::LineProblem,
};

#[test]
fn the_context_follows_the_category_and_can_go_back_to_system() {
    let plan = run(
        "cidnumber;ccatcontextidnumber\nC1;CAT5\n",
        &snapshot(),
        &SETTINGS,
    );
    assert_eq!(
        plan.ops,
        [CohortOp::Update {
            cohort: CohortRef::Existing(1),
            changes: CohortChanges {
                contextid: Some(50),
                ..CohortChanges::default()
            }
        }]
    );
    let mut moved = snapshot();
    moved.cohorts[0].contextid = 50;
    // Q9: the reference could never move a cohort back to the system context.
    let plan = run("cidnumber;ccatcontext\nC1;0\n", &moved, &SETTINGS);
    assert_eq!(
        plan.ops,
        [CohortOp::Update {
            cohort: CohortRef::Existing(1),
            changes: CohortChanges {
                contextid: Some(1),
                ..CohortChanges::default()
            }
        }]
    );
}

#[test]
fn an_unknown_category_is_an_error_not_a_silent_fallback() {
    let plan = run("cidnumber;ccatcontext\nNEW;99\n", &snapshot(), &SETTINGS);
    assert!(plan.ops.is_empty());
    assert_eq!(error(&plan, 0).column.as_deref(), Some("ccatcontext"));
    assert!(matches!(
        error(&plan, 0).problem,
        LineProblem::UnknownCategory { .. }
    ));
}

#[test]
fn ccatcontext_and_ccatcontextidnumber_must_agree() {
    let mut data = snapshot();
    data.categories.push(CategoryRow {
        id: 6,
        name: "Other".into(),
        idnumber: Some("CAT6".into()),
        contextid: Some(60),
    });
    let plan = run(
        "cidnumber;ccatcontext;ccatcontextidnumber\nC1;5;CAT6\nC2;6;CAT6\n",
        &data,
        &SETTINGS,
    );
    assert!(matches!(
        error(&plan, 0).problem.of_kind(),
        Some(Problem::CategoryConflict { .. })
    ));
    assert_eq!(
        plan.ops,
        [CohortOp::Update {
            cohort: CohortRef::Existing(2),
            changes: CohortChanges {
                contextid: Some(60),
                ..CohortChanges::default()
            }
        }]
    );
}
