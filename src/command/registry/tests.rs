use super::*;
use crate::command::{cohort, user};

#[test]
fn a_summary_counts_only_what_is_not_zero() {
    let totals = Totals {
        lines: 120,
        changed: 118,
        failed: 2,
        counts: Counts {
            users: user::Counts {
                users_created: 3,
                ..Default::default()
            },
            cohorts: cohort::Counts {
                members_removed: 110,
                members_added: 12,
                ..Default::default()
            },
            ..Default::default()
        },
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
    let members = |added, removed, unchanged| Counts {
        cohorts: cohort::Counts {
            members_added: added,
            members_removed: removed,
            members_unchanged: unchanged,
            ..Default::default()
        },
        ..Default::default()
    };
    let one = Totals {
        lines: 1,
        changed: 1,
        counts: members(1, 0, 0),
        ..Totals::default()
    };
    assert_eq!(
        summary(&one, FileKind::Cohorts, Tense::Done),
        "1 line: 1 changed; 1 member added"
    );
    let held = Totals {
        lines: 110,
        unchanged: 110,
        counts: members(0, 110, 110),
        ..Totals::default()
    };
    assert_eq!(
        summary(&held, FileKind::Cohorts, Tense::Would),
        "110 lines: 110 unchanged; would remove 110 members"
    );
    let mut sync = Totals {
        lines: 12,
        changed: 2,
        unchanged: 10,
        counts: members(2, 1, 0),
        ..Totals::default()
    };
    sync.counts.cohorts.cohorts_created = 1;
    assert_eq!(
        summary(&sync, FileKind::Cohorts, Tense::Would),
        "12 lines: 2 would change, 10 unchanged; would create 1 cohort; would remove 1 member, add 2"
    );
    assert_eq!(
        summary(&Totals::default(), FileKind::Bindings, Tense::Done),
        "0 lines"
    );
}

#[test]
fn the_longest_prefix_is_routed_first_and_names_round_trip() {
    assert_eq!(
        FileKind::routing_order(),
        [
            FileKind::Bindings,
            FileKind::Cohorts,
            FileKind::Enrolments,
            FileKind::Users
        ]
    );
    for &kind in FileKind::ALL {
        assert_eq!(FileKind::from_name(kind.name()), Some(kind));
        assert_eq!(kind.name().parse::<FileKind>(), Ok(kind));
    }
    assert_eq!(FileKind::from_name("Cohorts"), Some(FileKind::Cohorts));
    assert_eq!(FileKind::names(), "users, cohorts, bindings or enrolments");
    assert!(
        "pictures"
            .parse::<FileKind>()
            .unwrap_err()
            .contains("users, cohorts, bindings or enrolments")
    );
}

#[test]
fn each_kind_has_its_section_and_routing_key_under_its_name() {
    let settings = Sections::default().settings().unwrap();
    let json = settings.json();
    for &kind in FileKind::ALL {
        assert_eq!(kind.routing_key(), format!("[routing] {}", kind.name()));
        assert!(!settings.describe(kind, EnrolmentMode::Immediate).is_empty());
    }
    // Every kind's settings reach the JSON report, the cohort identifier once.
    for key in [
        "account_identifier",
        "user_identifier",
        "cohort_identifier",
        "course_identifier",
    ] {
        assert!(json.contains_key(key), "{key} missing from {json:?}");
    }
}
