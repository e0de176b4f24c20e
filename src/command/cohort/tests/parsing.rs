//! What a cohort line must be: its command, its key, values within Moodle's widths, no control
//! characters; the `cohortid` alias.

use super::support::{SETTINGS, error, run, snapshot};
use crate::{
    command::cohort::{CohortOp, CohortRef, Problem},
    error::LineProblem,
    outcome::LineStatus,
};

#[test]
fn an_empty_or_missing_key_is_an_error_for_every_command() {
    // Q3, Q4: the reference looked up NULL or '' and could delete an unrelated cohort.
    let plan = run(
        "cmd;cidnumber;userid\ndel;;\nfree;;\nadd;;u10\n",
        &snapshot(),
        &SETTINGS,
    );
    assert!(plan.ops.is_empty());
    for index in 0..3 {
        assert!(matches!(
            error(&plan, index).problem.of_kind(),
            Some(Problem::MissingKey { by: "idnumber" })
        ));
    }
    let plan = run("cmd;cname;userid\ndel;Existing;\n", &snapshot(), &SETTINGS);
    assert!(plan.ops.is_empty());
    assert!(matches!(
        error(&plan, 0).problem.of_kind(),
        Some(Problem::NoKeyColumn {
            column: "cidnumber",
            ..
        })
    ));
}

#[test]
fn commands_are_case_insensitive_and_unknown_ones_fail() {
    // Q46: the reference ignored unknown commands silently.
    let plan = run(
        "cmd;cidnumber\nFREE;C1\ndelete;C2\n",
        &snapshot(),
        &SETTINGS,
    );
    assert_eq!(plan.outcome.lines[0].status(), LineStatus::Changed);
    assert!(matches!(
        error(&plan, 1).problem,
        LineProblem::UnknownCommand { .. }
    ));
    assert_eq!(error(&plan, 1).column.as_deref(), Some("cmd"));
}

#[test]
fn an_unknown_command_names_sync_among_the_expected() {
    let plan = run("cmd;cidnumber\nsnyc;C1\n", &snapshot(), &SETTINGS);
    assert_eq!(
        error(&plan, 0).to_string(),
        "column cmd: unknown command \"snyc\" (expected add, del, free or sync)"
    );
}

#[test]
fn values_longer_than_moodle_columns_fail_the_line() {
    let long = "x".repeat(101);
    let plan = run(&format!("cidnumber\n{long}\n"), &snapshot(), &SETTINGS);
    assert!(matches!(
        error(&plan, 0).problem,
        LineProblem::TooLong {
            length: 101,
            max: 100
        }
    ));
}

#[test]
fn the_key_alias_cohortid_follows_the_identifier() {
    let plan = run("cohortid;userid\nC1;u12\n", &snapshot(), &SETTINGS);
    assert_eq!(
        plan.ops,
        [CohortOp::AddMember {
            cohort: CohortRef::Existing(1),
            user: 12
        }]
    );
}

#[test]
fn control_characters_fail_the_line() {
    let plan = run(
        "cidnumber;cname\nC9;\"A\u{0}B\"\nC8;Fine\n",
        &snapshot(),
        &SETTINGS,
    );
    assert_eq!(error(&plan, 0).column.as_deref(), Some("cname"));
    assert_eq!(
        error(&plan, 0).to_string(),
        "column cname: value holds the control character U+0000"
    );
    assert!(
        matches!(&plan.ops[..], [CohortOp::Create { cohort, .. }] if cohort.idnumber.as_deref() == Some("C8"))
    );
}
