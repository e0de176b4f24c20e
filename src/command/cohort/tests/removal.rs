//! `del` and `free` lines, and `[cohorts] delete_empty`.

use super::support::{SETTINGS, cohort, error, run, snapshot};
use crate::{
    command::cohort::{CohortOp, CohortRef, CohortSettings, Effect},
    error::LineProblem,
};

#[test]
fn del_with_an_unknown_user_never_deletes_the_cohort() {
    // Q5: the reference deleted the whole cohort.
    let plan = run(
        "cmd;cidnumber;userid\ndel;C1;nobody\n",
        &snapshot(),
        &SETTINGS,
    );
    assert!(plan.ops.is_empty());
    assert_eq!(
        error(&plan, 0).to_string(),
        "column userid: unknown user \"nobody\" (matched by idnumber; deleted accounts never match)"
    );
}

#[test]
fn del_removes_a_member_or_says_it_was_not_one() {
    // Q45: the reference reported a removal either way.
    let plan = run(
        "cmd;cidnumber;userid\ndel;C1;u10\ndel;C1;u12\n",
        &snapshot(),
        &SETTINGS,
    );
    assert_eq!(
        plan.ops,
        [CohortOp::RemoveMember {
            cohort: CohortRef::Existing(1),
            user: 10
        }]
    );
    assert!(matches!(
        plan.outcome.lines[1].result.as_ref().unwrap()[0],
        Effect::NotMember { .. }
    ));
}

#[test]
fn del_without_user_deletes_the_cohort_and_counts_what_goes_with_it() {
    let plan = run(
        "cmd;cidnumber;userid\ndel;C1;\nadd;C1;u10\n",
        &snapshot(),
        &SETTINGS,
    );
    assert_eq!(
        plan.ops[0],
        CohortOp::Delete {
            cohort: CohortRef::Existing(1)
        }
    );
    assert!(matches!(
        plan.outcome.lines[0].result.as_ref().unwrap()[0],
        Effect::CohortDeleted {
            members: 2,
            bindings: 2,
            ..
        }
    ));
    // A later add sees the cohort gone and creates a new one.
    assert!(matches!(plan.ops[1], CohortOp::Create { .. }));
}

#[test]
fn del_and_free_of_an_unknown_cohort_are_errors() {
    // Q6: the reference said nothing at all.
    let plan = run(
        "cmd;cidnumber;userid\ndel;C0H2;u10\nfree;NOPE;\n",
        &snapshot(),
        &SETTINGS,
    );
    assert!(plan.ops.is_empty());
    assert!(matches!(
        error(&plan, 0).problem,
        LineProblem::UnknownCohort { .. }
    ));
    assert!(matches!(
        error(&plan, 1).problem,
        LineProblem::UnknownCohort { .. }
    ));
}

#[test]
fn free_empties_and_keeps_the_cohort() {
    let plan = run("cmd;cidnumber\nfree;C1\nfree;C1\n", &snapshot(), &SETTINGS);
    assert_eq!(
        plan.ops,
        [CohortOp::RemoveAllMembers {
            cohort: CohortRef::Existing(1)
        }]
    );
    assert!(matches!(
        plan.outcome.lines[0].result.as_ref().unwrap()[0],
        Effect::CohortEmptied { members: 2, .. }
    ));
    assert!(matches!(
        plan.outcome.lines[1].result.as_ref().unwrap()[0],
        Effect::CohortAlreadyEmpty { .. }
    ));
}

#[test]
fn delete_empty_deletes_only_what_the_file_emptied() {
    // Q13: the reference never read this setting.
    let settings = CohortSettings {
        delete_empty: true,
        ..SETTINGS
    };
    let mut data = snapshot();
    data.cohorts.push(cohort(3, "Was empty", "C3"));
    let plan = run(
        "cmd;cidnumber;userid\ndel;C1;u10\ndel;C1;u11\nadd;NEW;\nadd;C3;\nfree;C2;\n",
        &data,
        &settings,
    );
    assert_eq!(plan.outcome.after.len(), 1);
    assert!(
        matches!(&plan.outcome.after[0], Effect::CohortDeleted { cohort, .. } if cohort.id == Some(1))
    );
    assert_eq!(
        plan.ops.last(),
        Some(&CohortOp::Delete {
            cohort: CohortRef::Existing(1)
        })
    );
    assert_eq!(plan.outcome.totals().counts.cohorts_deleted, 1);
}
