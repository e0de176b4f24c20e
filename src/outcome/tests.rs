use super::*;
use crate::command::FileKind;

#[test]
fn a_summary_counts_only_what_is_not_zero() {
    let totals = Totals {
        lines: 120,
        changed: 118,
        failed: 2,
        users_created: 3,
        members_removed: 110,
        members_added: 12,
        enrolments_created: 40,
        ..Totals::default()
    };
    assert_eq!(
        summary(&totals, FileKind::Cohorts, Tense::Done),
        "120 lines: 118 changed, 2 failed; 110 members removed, 12 added; 3 accounts created; 40 enrolments created"
    );
    assert_eq!(
        summary(&totals, FileKind::Users, Tense::Done),
        "120 lines: 118 changed, 2 failed; 3 accounts created; 110 members removed, 12 added; 40 enrolments created"
    );
}

#[test]
fn a_summary_says_one_line_and_would() {
    let one = Totals {
        lines: 1,
        changed: 1,
        members_added: 1,
        ..Totals::default()
    };
    assert_eq!(
        summary(&one, FileKind::Cohorts, Tense::Done),
        "1 line: 1 changed; 1 member added"
    );
    let held = Totals {
        lines: 110,
        unchanged: 110,
        members_removed: 110,
        members_unchanged: 110,
        ..Totals::default()
    };
    assert_eq!(
        summary(&held, FileKind::Cohorts, Tense::Would),
        "110 lines: 110 unchanged; would remove 110 members"
    );
    let sync = Totals {
        lines: 12,
        changed: 2,
        unchanged: 10,
        members_added: 2,
        members_removed: 1,
        cohorts_created: 1,
        ..Totals::default()
    };
    assert_eq!(
        summary(&sync, FileKind::Cohorts, Tense::Would),
        "12 lines: 2 would change, 10 unchanged; would create 1 cohort; would remove 1 member, add 2"
    );
    assert_eq!(
        summary(&Totals::default(), FileKind::Bindings, Tense::Done),
        "0 lines"
    );
}
