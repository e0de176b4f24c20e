//! `del`: the unenrolment from the course's method as `unenrol_user` does it, and `del` with
//! an empty `enrol`, which takes the role away only.

use super::support::{
    COHORT_SYNC, EDITINGTEACHER, MANUAL, MATHS, MATHS_CONTEXT, STUDENT, TEACHER, effects, enrolled,
    group_label, maths, membership, role, run, run_with, snapshot, unassigned, user,
};
use crate::{
    command::enrolment::{AssignmentRow, Cleared, Effect, EnrolmentWrite, GroupRef, Writes},
    outcome::LineStatus,
};

/// The snapshot's enrolment `id` of `userid` by MATHS's manual method, to delete.
fn unenrolled(id: i64, userid: i64) -> EnrolmentWrite {
    EnrolmentWrite {
        id: Some(id),
        ..enrolled(userid, 0, 0)
    }
}

#[test]
fn del_of_the_last_enrolment_takes_every_role_and_group_in_the_course() {
    let plan = run("cmd;rolename;uid;cid\ndel;student;u11;MATHS\n");
    assert_eq!(
        effects(&plan, 0),
        [
            Effect::Unenrolled {
                user: user(11),
                course: maths(),
                enrol: "manual".into(),
                last: true,
            },
            // Cohort sync's role and membership go too: any component.
            Effect::RoleUnassigned {
                user: user(11),
                course: maths(),
                role: role(TEACHER),
            },
            Effect::RoleUnassigned {
                user: user(11),
                course: maths(),
                role: role(STUDENT),
            },
            Effect::LeftGroup {
                user: user(11),
                course: maths(),
                group: group_label(Some(70), "Groupe A"),
            },
            Effect::LeftGroup {
                user: user(11),
                course: maths(),
                group: group_label(Some(72), "Cohorte"),
            },
        ]
    );
    assert_eq!(
        plan.writes,
        Writes {
            members_removed: vec![
                membership(Some(800), GroupRef::Existing(70), 11, "", 0),
                membership(
                    Some(801),
                    GroupRef::Existing(72),
                    11,
                    "enrol_cohort",
                    COHORT_SYNC
                ),
            ],
            unassigned: vec![
                unassigned(600, 11, STUDENT, "", 0),
                unassigned(601, 11, TEACHER, "enrol_cohort", COHORT_SYNC),
            ],
            unenrolled: vec![unenrolled(500, 11)],
            cleared: vec![Cleared {
                userid: 11,
                courseid: MATHS,
                context: MATHS_CONTEXT,
            }],
            ..Writes::default()
        }
    );
}

#[test]
fn del_with_another_enrolment_left_takes_only_what_the_method_gave() {
    // u12 is enrolled by cohort sync too. Their teacher role and Groupe B membership came
    // from the manual method; an enrol_manual role of another method (99) stays.
    let mut snapshot = snapshot();
    snapshot.assignments.push(AssignmentRow {
        id: 609,
        roleid: EDITINGTEACHER,
        contextid: MATHS_CONTEXT,
        userid: 12,
        component: "enrol_manual".into(),
        itemid: 99,
    });
    let plan = run_with("cmd;rolename;uid;cid\ndel;student;u12;MATHS\n", &snapshot);
    assert_eq!(
        effects(&plan, 0),
        [
            Effect::Unenrolled {
                user: user(12),
                course: maths(),
                enrol: "manual".into(),
                last: false,
            },
            Effect::RoleUnassigned {
                user: user(12),
                course: maths(),
                role: role(TEACHER),
            },
            Effect::LeftGroup {
                user: user(12),
                course: maths(),
                group: group_label(Some(71), "Groupe B"),
            },
        ]
    );
    // student by hand (602) and by cohort sync (603), Groupe A (802) and Cohorte (803) stay.
    assert_eq!(
        plan.writes,
        Writes {
            members_removed: vec![membership(
                Some(804),
                GroupRef::Existing(71),
                12,
                "enrol_manual",
                MANUAL
            )],
            unassigned: vec![unassigned(604, 12, TEACHER, "enrol_manual", MANUAL)],
            unenrolled: vec![unenrolled(501, 12)],
            ..Writes::default()
        }
    );
}

#[test]
fn del_with_an_empty_enrol_takes_away_the_role_only() {
    let plan = run("cmd;rolename;uid;cid;enrol\n\
         del;student;u12;MATHS;\n\
         del;editingteacher;u12;MATHS;\n\
         del;teacher;u12;MATHS;\n");
    assert_eq!(
        effects(&plan, 0),
        [Effect::RoleUnassigned {
            user: user(12),
            course: maths(),
            role: role(STUDENT),
        }]
    );
    // Not held; held from the manual method, not by hand: nothing to take away.
    for (index, roleid) in [(1, EDITINGTEACHER), (2, TEACHER)] {
        assert_eq!(
            effects(&plan, index),
            [Effect::RoleNotHeld {
                user: user(12),
                course: maths(),
                role: role(roleid),
            }]
        );
        assert_eq!(plan.outcome.lines[index].status(), LineStatus::Unchanged);
    }
    // The enrolments stay, and so does student given by cohort sync (603).
    assert_eq!(
        plan.writes,
        Writes {
            unassigned: vec![unassigned(602, 12, STUDENT, "", 0)],
            ..Writes::default()
        }
    );
}

#[test]
fn del_of_a_user_not_enrolled_by_the_method_is_unchanged() {
    let plan = run("cmd;rolename;uid;cid;enrol\n\
         del;student;u10;MATHS;manual\n\
         del;student;u11;MATHS;self\n");
    assert_eq!(
        effects(&plan, 0),
        [Effect::NotEnrolled {
            user: user(10),
            course: maths(),
            enrol: "manual".into(),
        }]
    );
    // u11 is enrolled by the manual method, not by self enrolment.
    assert_eq!(
        effects(&plan, 1),
        [Effect::NotEnrolled {
            user: user(11),
            course: maths(),
            enrol: "self".into(),
        }]
    );
    for index in [0, 1] {
        assert_eq!(plan.outcome.lines[index].status(), LineStatus::Unchanged);
    }
    assert!(plan.writes.is_empty(), "{:?}", plan.writes);
}
