//! The cohort semantics, checked without a database: CSV text → parse → plan against a
//! hand-made snapshot → effects and ops.

use std::collections::{HashMap, HashSet};

use encoding_rs::WINDOWS_1252;

use super::*;
use crate::{
    command::refs::{CohortIdentifier, UserIdentifier},
    error::LineProblem,
    input::{DelimiterSetting, EncodingSetting, ReadSettings, read_table},
    outcome::{LineStatus, SyncedCohort},
};

const SETTINGS: CohortSettings = CohortSettings {
    user_identifier: UserIdentifier::Idnumber,
    cohort_identifier: CohortIdentifier::Idnumber,
    create_missing: true,
    delete_empty: false,
    max_sync_removal_percent: 20,
};

fn user(id: i64, name: &str) -> UserRow {
    UserRow {
        id,
        username: name.to_owned(),
        idnumber: name.to_owned(),
        email: format!("{name}@example.com"),
        firstname: "First".into(),
        lastname: "Last".into(),
    }
}

fn cohort(id: i64, name: &str, idnumber: &str) -> CohortRow {
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

fn snapshot() -> Snapshot {
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

fn run(csv: &str, snapshot: &Snapshot, settings: &CohortSettings) -> Plan {
    let read = ReadSettings {
        encoding: EncodingSetting::Auto(WINDOWS_1252),
        delimiter: DelimiterSetting::Auto,
    };
    let table = read_table(csv.as_bytes(), &read).unwrap();
    let file = parse_file(&table, settings).unwrap();
    plan(&file, snapshot, settings)
}

fn error(plan: &Plan, index: usize) -> &crate::error::LineError {
    plan.outcome.lines[index].result.as_ref().unwrap_err()
}

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

/// A snapshot whose cohort C1 (id 1) has the members `members` (user ids from 10), with the
/// accounts of every user `u10`…`u19` loaded, as for a file syncing C1.
fn synced_snapshot(members: &[i64]) -> Snapshot {
    let users: Vec<UserRow> = (10..20).map(|id| user(id, &format!("u{id}"))).collect();
    Snapshot {
        members: HashMap::from([(1, members.iter().copied().collect())]),
        member_users: users.iter().map(|row| (row.id, row.clone())).collect(),
        users,
        ..snapshot()
    }
}

fn removed_ids(sync: &SyncedCohort) -> Vec<i64> {
    sync.removed.iter().map(|user| user.id).collect()
}

#[test]
fn sync_adds_the_missing_removes_the_unlisted_and_leaves_the_others() {
    let plan = run(
        "cmd;cidnumber;userid\nsync;C1;u10\nSync;C1;u12\nSYNC;C1;u10\n",
        &synced_snapshot(&[10, 11]),
        &SETTINGS,
    );
    // No write for u10, already a member; the removal comes after the last line.
    assert_eq!(
        plan.ops,
        [
            CohortOp::AddMember {
                cohort: CohortRef::Existing(1),
                user: 12
            },
            CohortOp::RemoveMember {
                cohort: CohortRef::Existing(1),
                user: 11
            },
        ]
    );
    let effects = |index: usize| plan.outcome.lines[index].result.as_ref().unwrap();
    assert!(matches!(&effects(0)[..], [Effect::AlreadyMember { user, .. }] if user.id == 10));
    assert!(matches!(&effects(1)[..], [Effect::MemberAdded { user, .. }] if user.id == 12));
    assert_eq!(plan.outcome.lines[0].status(), LineStatus::Unchanged);
    assert!(matches!(
        &plan.outcome.after[..],
        [Effect::MemberNotListed { user, cohort }]
            if user.username == "u11" && user.idnumber == "u11" && cohort.id == Some(1)
    ));
    let sync = &plan.outcome.syncs[0];
    assert_eq!((sync.members_before, sync.added, sync.unchanged), (2, 1, 1));
    assert_eq!(removed_ids(sync), [11]);
    assert!(sync.over_limit, "1 of 2 members is 50 % > 20 %");
    let totals = plan.outcome.totals();
    assert_eq!(
        (
            totals.counts.members_added,
            totals.counts.members_removed,
            totals.counts.members_unchanged
        ),
        (1, 1, 2)
    );
}

#[test]
fn the_removal_limit_holds_more_than_its_share_of_the_members() {
    let six = [10, 11, 12, 13, 14, 15];
    let listing = |users: &[i64]| {
        let mut csv = String::from("cmd;cidnumber;userid\n");
        for user in users {
            csv.push_str(&format!("sync;C1;u{user}\n"));
        }
        csv
    };
    let with_limit = |percent: u8| CohortSettings {
        max_sync_removal_percent: percent,
        ..SETTINGS
    };
    // 1 of 6 (16.7 %) is within 20 %; 2 of 6 (33.3 %) is not, but is within 50 %.
    let plan = run(&listing(&six[1..]), &synced_snapshot(&six), &SETTINGS);
    assert!(!plan.outcome.sync_over_limit());
    assert_eq!(removed_ids(&plan.outcome.syncs[0]), [10]);
    let plan = run(&listing(&six[2..]), &synced_snapshot(&six), &SETTINGS);
    assert!(plan.outcome.sync_over_limit());
    assert_eq!(
        plan.outcome.hold_reason(20),
        "sync of cohort \"Existing\" [C1] would remove 2 of 6 members (33.3 %) > 20 %"
    );
    let plan = run(&listing(&six[2..]), &synced_snapshot(&six), &with_limit(50));
    assert!(!plan.outcome.sync_over_limit());
    // Exactly the limit is allowed: 3 of 6 at 50 %.
    let plan = run(&listing(&six[3..]), &synced_snapshot(&six), &with_limit(50));
    assert!(!plan.outcome.sync_over_limit());
    // An empty list removes everyone: held, unless the limit is 100.
    let plan = run(
        "cmd;cidnumber;userid\nsync;C1;\n",
        &synced_snapshot(&six),
        &SETTINGS,
    );
    assert!(plan.outcome.sync_over_limit());
    assert_eq!(removed_ids(&plan.outcome.syncs[0]), six);
    let plan = run(
        "cmd;cidnumber;userid\nsync;C1;\n",
        &synced_snapshot(&six),
        &with_limit(100),
    );
    assert!(!plan.outcome.sync_over_limit());
    // 0 %: any removal holds.
    let plan = run(&listing(&six[1..]), &synced_snapshot(&six), &with_limit(0));
    assert!(plan.outcome.sync_over_limit());
    // A cohort without members never holds.
    let plan = run(
        "cmd;cidnumber;userid\nsync;C2;\n",
        &synced_snapshot(&six),
        &with_limit(0),
    );
    assert!(!plan.outcome.sync_over_limit());
}

#[test]
fn sync_creates_a_missing_cohort_and_an_empty_line_means_no_members() {
    let plan = run(
        "cmd;cidnumber;cname;userid\nsync;NEW;Nouvelle;u10\nsync;NEW;;u11\nsync;EMPTY;Vide;\n",
        &synced_snapshot(&[]),
        &SETTINGS,
    );
    assert!(matches!(
        &plan.ops[..],
        [
            CohortOp::Create { slot: 0, cohort: first },
            CohortOp::AddMember { cohort: CohortRef::New(0), user: 10 },
            CohortOp::AddMember { cohort: CohortRef::New(0), user: 11 },
            CohortOp::Create { slot: 1, cohort: second },
        ] if first.name == "Nouvelle" && second.name == "Vide"
    ));
    assert_eq!(plan.outcome.syncs.len(), 2);
    assert!(
        plan.outcome
            .syncs
            .iter()
            .all(|sync| sync.members_before == 0 && !sync.over_limit)
    );
    assert!(plan.outcome.after.is_empty());
}

#[test]
fn a_synced_cohort_takes_no_add_del_or_free_lines_and_the_reverse() {
    let plan = run(
        "cmd;cidnumber;userid\nsync;C1;u10\nadd;C1;u12\ndel;C1;u11\nfree;C1;\nadd;C2;u10\nsync;C2;u11\nsync;C1;u11\n",
        &synced_snapshot(&[10, 11]),
        &SETTINGS,
    );
    for index in 1..=3 {
        assert!(
            matches!(
                error(&plan, index).problem.of_kind(),
                Some(Problem::ChangeOfSyncedCohort { .. })
            ),
            "{:?}",
            plan.outcome.lines[index]
        );
    }
    assert!(matches!(
        error(&plan, 5).problem.of_kind(),
        Some(Problem::SyncAfterChanges { .. })
    ));
    assert_eq!(
        error(&plan, 1).to_string(),
        "column cidnumber: cohort \"C1\" is synced by this file (its sync lines list all its members); add, del and free lines cannot be mixed with sync for the same cohort"
    );
    // C1's list is u10 and u11: nothing removed. C2 is not synced.
    assert_eq!(plan.outcome.syncs.len(), 1);
    assert!(plan.outcome.syncs[0].removed.is_empty());
    assert_eq!(
        plan.ops,
        [CohortOp::AddMember {
            cohort: CohortRef::Existing(2),
            user: 10
        }]
    );
}

#[test]
fn a_failing_add_line_does_not_stop_a_later_sync() {
    let plan = run(
        "cmd;cidnumber;userid\nadd;C1;ghost\nsync;C1;u10\nsync;C1;u11\n",
        &synced_snapshot(&[10, 11]),
        &SETTINGS,
    );
    assert!(plan.outcome.lines[0].result.is_err());
    assert!(plan.outcome.lines[1].result.is_ok());
    assert!(plan.outcome.lines[2].result.is_ok());
}

#[test]
fn a_member_named_by_a_failed_sync_line_is_kept() {
    // u11 is named on lines that fail for another reason than being unknown: an unknown
    // category, a value that does not parse. The file may mean to list them: they stay.
    let plan = run(
        "cmd;cidnumber;ccatcontext;visible;userid\nsync;C1;;;u10\nsync;C1;99;;u11\nsync;C1;;maybe;u12\nsync;C1;;;ghost\n",
        &synced_snapshot(&[10, 11, 12, 13]),
        &CohortSettings {
            max_sync_removal_percent: 100,
            ..SETTINGS
        },
    );
    assert!(matches!(
        error(&plan, 1).problem,
        LineProblem::UnknownCategory { .. }
    ));
    assert!(matches!(
        error(&plan, 2).problem,
        LineProblem::NotABoolean { .. }
    ));
    assert!(matches!(
        error(&plan, 3).problem,
        LineProblem::UnknownUser { .. }
    ));
    let sync = &plan.outcome.syncs[0];
    assert_eq!(removed_ids(sync), [13]);
    let kept: Vec<i64> = sync.kept.iter().map(|user| user.id).collect();
    assert_eq!(kept, [11, 12]);
    assert_eq!(
        plan.ops,
        [CohortOp::RemoveMember {
            cohort: CohortRef::Existing(1),
            user: 13
        }]
    );
}

#[test]
fn a_cohort_a_sync_empties_is_not_deleted_by_delete_empty() {
    let plan = run(
        "cmd;cidnumber;userid\nsync;C1;\n",
        &synced_snapshot(&[10, 11]),
        &CohortSettings {
            delete_empty: true,
            max_sync_removal_percent: 100,
            ..SETTINGS
        },
    );
    assert_eq!(plan.outcome.after.len(), 2);
    assert!(
        plan.outcome
            .after
            .iter()
            .all(|effect| matches!(effect, Effect::MemberNotListed { .. }))
    );
    assert!(
        !plan
            .ops
            .iter()
            .any(|op| matches!(op, CohortOp::Delete { .. }))
    );
}

#[test]
fn sync_keys_are_wanted_and_compared_as_the_database_gives_them() {
    let settings = CohortSettings {
        cohort_identifier: CohortIdentifier::Id,
        ..SETTINGS
    };
    let read = ReadSettings {
        encoding: EncodingSetting::Auto(WINDOWS_1252),
        delimiter: DelimiterSetting::Auto,
    };
    let csv = "cmd;cid;userid\nsync;001;u10\nadd;1;u11\n";
    let table = read_table(csv.as_bytes(), &read).unwrap();
    let file = parse_file(&table, &settings).unwrap();
    let wanted = Wanted::of(&file, &settings);
    assert_eq!(wanted.synced_cohorts.iter().collect::<Vec<_>>(), ["1"]);
    assert_eq!(
        cohort(1, "Existing", "C1")
            .key(CohortIdentifier::Id)
            .as_deref(),
        Some("1")
    );
    let plan = plan(&file, &synced_snapshot(&[10]), &settings);
    assert!(matches!(
        error(&plan, 1).problem.of_kind(),
        Some(Problem::ChangeOfSyncedCohort { .. })
    ));
}

#[test]
fn an_unknown_command_names_sync_among_the_expected() {
    let plan = run("cmd;cidnumber\nsnyc;C1\n", &snapshot(), &SETTINGS);
    assert_eq!(
        error(&plan, 0).to_string(),
        "column cmd: unknown command \"snyc\" (expected add, del, free or sync)"
    );
}
