//! `sync` lines: a cohort's whole member list, the members it does not list removed after the
//! last line, within the removal limit; kept apart from `add`, `del` and `free` lines.

use std::collections::HashMap;

use encoding_rs::WINDOWS_1252;

use super::support::{SETTINGS, cohort, error, run, snapshot, user};
use crate::{
    command::{
        cohort::{
            CohortOp, CohortRef, CohortSettings, Effect, Problem, Snapshot, UserRow, Wanted,
            parse_file, plan,
        },
        refs::CohortIdentifier,
    },
    error::LineProblem,
    input::{DelimiterSetting, EncodingSetting, ReadSettings, read_table},
    outcome::{LineStatus, SyncedCohort},
};

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
