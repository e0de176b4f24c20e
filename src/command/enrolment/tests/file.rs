//! A file as a whole: each line sees what the earlier ones did, and the writes are what the
//! model holds at the end, not the steps that led there.

use super::support::{
    JULY_1, MATHS, STUDENT, TEACHER, assigned, effects, enrolled, group_label, maths, membership,
    role, run, user,
};
use crate::command::enrolment::{Effect, EnrolmentWrite, GroupRef, NewGroup, Writes};

#[test]
fn a_file_that_adds_then_dels_a_user_writes_nothing() {
    let plan = run("cmd;rolename;uid;cid;starttime\n\
         add;student;u10;MATHS;2026-09-01\n\
         del;student;u10;MATHS;\n");
    assert!(matches!(
        effects(&plan, 0),
        [Effect::Enrolled { .. }, Effect::RoleAssigned { .. }]
    ));
    assert_eq!(
        effects(&plan, 1),
        [
            Effect::Unenrolled {
                user: user(10),
                course: maths(),
                enrol: "manual".into(),
                last: true,
            },
            Effect::RoleUnassigned {
                user: user(10),
                course: maths(),
                role: role(STUDENT),
            },
        ]
    );
    assert!(plan.writes.is_empty(), "{:?}", plan.writes);
    // A group the file created stays, as Moodle's would: it is all there is to write.
    let plan = run("cmd;rolename;uid;cid;gcmd;g1\n\
         add;student;u10;MATHS;gaddcreate;Nouveau\n\
         del;student;u10;MATHS;;\n");
    assert_eq!(
        effects(&plan, 1)[2],
        Effect::LeftGroup {
            user: user(10),
            course: maths(),
            group: group_label(None, "Nouveau"),
        }
    );
    assert_eq!(
        plan.writes,
        Writes {
            groups: vec![NewGroup {
                slot: 0,
                courseid: MATHS,
                name: "Nouveau".into(),
            }],
            ..Writes::default()
        }
    );
}

#[test]
fn later_lines_see_what_earlier_lines_did() {
    let plan = run("cmd;rolename;uid;cid;endtime;gcmd;g1\n\
         add;student;u10;MATHS;2027-07-01;;\n\
         suspend;student;u10;MATHS;;;\n\
         add;teacher;u10;MATHS;;gaddcreate;Nouveau\n\
         shift;teacher;u10;MATHS;;;\n\
         add;student;u14;MATHS;;gadd;Nouveau\n");
    assert!(matches!(
        effects(&plan, 0),
        [
            Effect::Enrolled { end: JULY_1, .. },
            Effect::RoleAssigned { .. }
        ]
    ));
    assert_eq!(
        effects(&plan, 1),
        [Effect::Suspended {
            user: user(10),
            course: maths(),
            enrol: "manual".into(),
        }]
    );
    let nouveau = group_label(None, "Nouveau");
    assert_eq!(
        effects(&plan, 2),
        [
            Effect::AlreadyEnrolled {
                user: user(10),
                course: maths(),
                enrol: "manual".into(),
            },
            Effect::RoleAssigned {
                user: user(10),
                course: maths(),
                role: role(TEACHER),
            },
            Effect::GroupCreated {
                course: maths(),
                group: nouveau.clone(),
            },
            Effect::JoinedGroup {
                user: user(10),
                course: maths(),
                group: nouveau.clone(),
            },
        ]
    );
    assert_eq!(
        effects(&plan, 3),
        [
            Effect::AlreadyEnrolled {
                user: user(10),
                course: maths(),
                enrol: "manual".into(),
            },
            Effect::RoleHeld {
                user: user(10),
                course: maths(),
                role: role(TEACHER),
            },
            Effect::RoleUnassigned {
                user: user(10),
                course: maths(),
                role: role(STUDENT),
            },
        ]
    );
    // The group line 3 created is found by gadd.
    assert!(matches!(
        effects(&plan, 4),
        [Effect::Enrolled { .. }, Effect::RoleAssigned { .. }, Effect::JoinedGroup { group, .. }]
            if *group == nouveau
    ));
    // One insert per row, with its last values: u10 enrolled suspended, teacher only.
    assert_eq!(
        plan.writes,
        Writes {
            groups: vec![NewGroup {
                slot: 0,
                courseid: MATHS,
                name: "Nouveau".into(),
            }],
            enrolled: vec![
                EnrolmentWrite {
                    status: 1,
                    ..enrolled(10, 0, JULY_1)
                },
                enrolled(14, 0, 0),
            ],
            assigned: vec![assigned(10, TEACHER), assigned(14, STUDENT)],
            members_added: [10, 14]
                .map(|id| membership(None, GroupRef::New(0), id, "", 0))
                .to_vec(),
            ..Writes::default()
        }
    );
}

#[test]
fn a_file_that_dels_then_adds_an_enrolment_keeps_its_rows() {
    // u15's enrolment (505) and role (608) go with the first line and come back with the
    // second: the rows stay as they are, nothing is inserted beside them.
    let plan = run("cmd;rolename;uid;cid;starttime;endtime\n\
         del;student;u15;MATHS;;\n\
         add;student;u15;MATHS;2026-09-01;2027-07-01\n");
    assert!(matches!(
        effects(&plan, 1),
        [Effect::Enrolled { .. }, Effect::RoleAssigned { .. }]
    ));
    assert!(plan.writes.is_empty(), "{:?}", plan.writes);
    // Given back without its dates, the same row changes.
    let plan = run("cmd;rolename;uid;cid\n\
         del;student;u15;MATHS\n\
         add;student;u15;MATHS\n");
    assert_eq!(plan.writes.enrolled, []);
    assert_eq!(
        plan.writes
            .changed
            .iter()
            .map(|write| (write.id, write.start, write.end))
            .collect::<Vec<_>>(),
        [(Some(505), 0, 0)]
    );
    assert_eq!(plan.writes.assigned, []);
    assert_eq!(plan.writes.unassigned, []);
}

#[test]
fn two_alike_role_assignments_both_stay() {
    // Moodle keeps no role assignment unique: a second student row by hand for u15.
    let mut snapshot = super::support::snapshot();
    let mut twin = snapshot.assignments.last().unwrap().clone();
    twin.id = 609;
    snapshot.assignments.push(twin);
    let plan = super::support::run_with("cmd;rolename;uid;cid\nadd;student;u15;MATHS\n", &snapshot);
    assert!(matches!(
        effects(&plan, 0),
        [Effect::AlreadyEnrolled { .. }, Effect::RoleHeld { .. }]
    ));
    assert!(plan.writes.is_empty(), "{:?}", plan.writes);
}
