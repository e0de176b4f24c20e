//! `shift`, which leaves exactly the line's role among those given by hand, and `suspend` /
//! `unsuspend`, which set the enrolment's status.

use super::support::{
    EDITINGTEACHER, JULY_1, SEPT_1, STUDENT, TEACHER, assigned, effects, enrolled, error, maths,
    place, problem, role, run, unassigned, user,
};
use crate::{
    command::enrolment::{Effect, EnrolmentWrite, Problem, Writes},
    outcome::{FieldChange, LineStatus},
};

#[test]
fn shift_leaves_exactly_the_role_among_those_given_by_hand() {
    let plan = run("cmd;rolename;uid;cid\n\
         shift;teacher;u13;MATHS\n\
         shift;editingteacher;u12;MATHS\n\
         shift;editingteacher;u10;MATHS\n");
    // u13: editingteacher and teacher by hand, student by cohort sync.
    assert_eq!(
        effects(&plan, 0),
        [
            Effect::AlreadyEnrolled {
                user: user(13),
                course: maths(),
                enrol: "manual".into(),
            },
            Effect::RoleHeld {
                user: user(13),
                course: maths(),
                role: role(TEACHER),
            },
            Effect::RoleUnassigned {
                user: user(13),
                course: maths(),
                role: role(EDITINGTEACHER),
            },
            Effect::RolesKept {
                user: user(13),
                course: maths(),
                roles: vec!["student (enrol_cohort)".into()],
            },
        ]
    );
    // u12: student by hand and by cohort sync, teacher by the manual method.
    assert_eq!(
        effects(&plan, 1),
        [
            Effect::AlreadyEnrolled {
                user: user(12),
                course: maths(),
                enrol: "manual".into(),
            },
            Effect::RoleAssigned {
                user: user(12),
                course: maths(),
                role: role(EDITINGTEACHER),
            },
            Effect::RoleUnassigned {
                user: user(12),
                course: maths(),
                role: role(STUDENT),
            },
            Effect::RolesKept {
                user: user(12),
                course: maths(),
                roles: vec![
                    "teacher (enrol_manual)".into(),
                    "student (enrol_cohort)".into()
                ],
            },
        ]
    );
    // Not enrolled: enrolled as add does it.
    assert!(matches!(
        effects(&plan, 2),
        [Effect::Enrolled { start: 0, end: 0, .. }, Effect::RoleAssigned { role: r, .. }]
            if *r == role(EDITINGTEACHER)
    ));
    assert_eq!(
        plan.writes,
        Writes {
            unassigned: vec![
                unassigned(602, 12, STUDENT, "", 0),
                unassigned(605, 13, EDITINGTEACHER, "", 0),
            ],
            enrolled: vec![enrolled(10, 0, 0)],
            assigned: vec![assigned(10, EDITINGTEACHER), assigned(12, EDITINGTEACHER)],
            ..Writes::default()
        }
    );
}

#[test]
fn suspend_and_unsuspend_set_the_status() {
    // Whatever role the line names, as long as it is known: roles stay as they are.
    let plan = run("cmd;rolename;uid;cid\n\
         suspend;student;u11;MATHS\n\
         unsuspend;editingteacher;u13;MATHS\n");
    assert_eq!(
        effects(&plan, 0),
        [Effect::Suspended {
            user: user(11),
            course: maths(),
            enrol: "manual".into(),
        }]
    );
    assert_eq!(
        effects(&plan, 1),
        [Effect::Unsuspended {
            user: user(13),
            course: maths(),
            enrol: "manual".into(),
        }]
    );
    assert_eq!(
        plan.writes,
        Writes {
            changed: vec![
                EnrolmentWrite {
                    id: Some(500),
                    status: 1,
                    status_changed: true,
                    ..enrolled(11, 0, 0)
                },
                EnrolmentWrite {
                    id: Some(503),
                    status: 0,
                    status_changed: true,
                    ..enrolled(13, 0, 0)
                },
            ],
            ..Writes::default()
        }
    );
}

#[test]
fn suspend_with_a_date_changes_both() {
    let plan = run("cmd;rolename;uid;cid;endtime\nsuspend;student;u15;MATHS;2027-06-30\n");
    assert_eq!(
        effects(&plan, 0),
        [
            Effect::EnrolmentUpdated {
                user: user(15),
                course: maths(),
                enrol: "manual".into(),
                changes: vec![FieldChange {
                    field: "timeend".into(),
                    from: "2027-07-01 00:00".into(),
                    to: "2027-06-30 00:00".into(),
                }],
            },
            Effect::Suspended {
                user: user(15),
                course: maths(),
                enrol: "manual".into(),
            },
        ]
    );
    assert_eq!(
        plan.writes,
        Writes {
            changed: vec![EnrolmentWrite {
                id: Some(505),
                status: 1,
                status_changed: true,
                ..enrolled(15, SEPT_1, JULY_1 - 86_400)
            }],
            ..Writes::default()
        }
    );
}

#[test]
fn suspend_of_a_suspended_enrolment_changes_nothing() {
    let plan = run("cmd;rolename;uid;cid\n\
         suspend;student;u13;MATHS\n\
         unsuspend;student;u11;MATHS\n");
    assert_eq!(
        effects(&plan, 0),
        [Effect::StatusUnchanged {
            user: user(13),
            course: maths(),
            enrol: "manual".into(),
            suspended: true,
        }]
    );
    assert_eq!(
        effects(&plan, 1),
        [Effect::StatusUnchanged {
            user: user(11),
            course: maths(),
            enrol: "manual".into(),
            suspended: false,
        }]
    );
    for index in [0, 1] {
        assert_eq!(plan.outcome.lines[index].status(), LineStatus::Unchanged);
    }
    assert!(plan.writes.is_empty(), "{:?}", plan.writes);
}

#[test]
fn suspend_of_a_user_not_enrolled_fails_in_the_uid_column() {
    let plan = run("cmd;rolename;uid;cid\n\
         suspend;student;u10;MATHS\n\
         unsuspend;student;u14;MATHS\n\
         suspend;student;u10;COM\n\
         suspend;student;u10;ATELIER\n");
    for (index, id, course, action) in [
        (0, 10, "MATHS", "suspend"),
        (1, 14, "MATHS", "unsuspend"),
        // COM's manual method is disabled: still not enrolled by it.
        (2, 10, "COM", "suspend"),
    ] {
        assert_eq!(
            problem(&plan, index),
            &Problem::NotEnrolled {
                user: format!("u{id} (First Last)"),
                course: course.into(),
                enrol: "manual".into(),
                action,
            }
        );
        let value = format!("u{id}");
        assert_eq!(
            place(error(&plan, index)),
            (Some("uid"), Some(value.as_str()))
        );
    }
    // ATELIER has no manual method at all.
    assert_eq!(
        problem(&plan, 3),
        &Problem::NoMethod {
            course: "ATELIER".into(),
            enrol: "manual".into(),
            state: "",
        }
    );
    assert_eq!(place(error(&plan, 3)), (Some("enrol"), Some("manual")));
    assert!(plan.writes.is_empty());
}
