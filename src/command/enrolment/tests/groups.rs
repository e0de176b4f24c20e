//! The group commands (`gcmd`, `g1` … `g9`): after the line's command, on the same line.

use super::support::{
    MANUAL, MATHS, STUDENT, TEACHER, assigned, effects, enrolled, error, group_label, maths,
    membership, place, problem, role, run, unassigned, user,
};
use crate::{
    command::enrolment::{Effect, EnrolmentWrite, GroupRef, NewGroup, Problem, Writes},
    outcome::GroupLabel,
};

/// What every `add` of a user already enrolled with their role begins with.
fn already(id: i64) -> [Effect; 2] {
    [
        Effect::AlreadyEnrolled {
            user: user(id),
            course: maths(),
            enrol: "manual".into(),
        },
        Effect::RoleHeld {
            user: user(id),
            course: maths(),
            role: role(STUDENT),
        },
    ]
}

fn joined(id: i64, group: GroupLabel) -> Effect {
    Effect::JoinedGroup {
        user: user(id),
        course: maths(),
        group,
    }
}

fn left(id: i64, group: GroupLabel) -> Effect {
    Effect::LeftGroup {
        user: user(id),
        course: maths(),
        group,
    }
}

fn kept(id: i64, group: GroupLabel, component: &str) -> Effect {
    Effect::MembershipKept {
        user: user(id),
        course: maths(),
        group,
        component: component.into(),
    }
}

fn groupe_a() -> GroupLabel {
    group_label(Some(70), "Groupe A")
}

fn groupe_b() -> GroupLabel {
    group_label(Some(71), "Groupe B")
}

fn cohorte() -> GroupLabel {
    group_label(Some(72), "Cohorte")
}

fn nouveau() -> GroupLabel {
    group_label(None, "Nouveau")
}

#[test]
fn gadd_adds_to_existing_groups() {
    let plan = run("rolename;uid;cid;gcmd;g1;g2\nstudent;u11;MATHS;gadd;Groupe B;Groupe A\n");
    let [was_enrolled, role_held] = already(11);
    assert_eq!(
        effects(&plan, 0),
        [
            was_enrolled,
            role_held,
            joined(11, groupe_b()),
            Effect::AlreadyInGroup {
                user: user(11),
                course: maths(),
                group: groupe_a(),
            },
        ]
    );
    assert_eq!(
        plan.writes,
        Writes {
            members_added: vec![membership(None, GroupRef::Existing(71), 11, "", 0)],
            ..Writes::default()
        }
    );
}

#[test]
fn gadd_to_a_missing_group_fails_the_whole_line() {
    // ATELIER's "Groupe A" is not MATHS's; "Groupe Z" is nowhere.
    let plan = run("rolename;uid;cid;starttime;gcmd;g1;g2\n\
         student;u10;MATHS;2026-09-01;gadd;Groupe A;Groupe Z\n\
         student;u10;MATHS;;gadd;Groupe A;\n");
    assert_eq!(
        problem(&plan, 0),
        &Problem::UnknownGroup {
            value: "Groupe Z".into(),
            course: "MATHS".into(),
        }
    );
    assert_eq!(place(error(&plan, 0)), (Some("g2"), Some("Groupe Z")));
    // Line 1 did not enrol u10: line 2 does, without line 1's start.
    assert!(matches!(
        effects(&plan, 1),
        [
            Effect::Enrolled { user: u, start: 0, end: 0, .. },
            Effect::RoleAssigned { .. },
            Effect::JoinedGroup { group, .. },
        ] if *u == user(10) && *group == groupe_a()
    ));
    assert_eq!(
        plan.writes,
        Writes {
            enrolled: vec![enrolled(10, 0, 0)],
            assigned: vec![assigned(10, STUDENT)],
            members_added: vec![membership(None, GroupRef::Existing(70), 10, "", 0)],
            ..Writes::default()
        }
    );
    // Alone, the failed line writes nothing.
    let plan = run("rolename;uid;cid;gcmd;g1;g2\nstudent;u10;MATHS;gadd;Groupe A;Groupe Z\n");
    assert!(plan.writes.is_empty(), "{:?}", plan.writes);
}

#[test]
fn gaddcreate_creates_a_missing_group_once() {
    let plan = run("rolename;uid;cid;gcmd;g1\n\
         student;u10;MATHS;gaddcreate;Nouveau\n\
         student;u11;MATHS;gaddcreate;Nouveau\n\
         student;u12;MATHS;gadd;Nouveau\n");
    assert!(matches!(
        effects(&plan, 0),
        [
            Effect::Enrolled { .. },
            Effect::RoleAssigned { .. },
            Effect::GroupCreated { course, group },
            Effect::JoinedGroup { .. },
        ] if *course == maths() && *group == nouveau()
    ));
    assert_eq!(effects(&plan, 0)[3], joined(10, nouveau()));
    for (index, id) in [(1, 11), (2, 12)] {
        let [was_enrolled, role_held] = already(id);
        assert_eq!(
            effects(&plan, index),
            [was_enrolled, role_held, joined(id, nouveau())]
        );
    }
    assert_eq!(
        plan.writes,
        Writes {
            groups: vec![NewGroup {
                slot: 0,
                courseid: MATHS,
                name: "Nouveau".into(),
            }],
            enrolled: vec![enrolled(10, 0, 0)],
            assigned: vec![assigned(10, STUDENT)],
            members_added: [10, 11, 12]
                .map(|id| membership(None, GroupRef::New(0), id, "", 0))
                .to_vec(),
            ..Writes::default()
        }
    );
}

#[test]
fn greplace_leaves_exactly_the_listed_groups_but_what_a_plugin_gave() {
    let plan = run("rolename;uid;cid;gcmd;g1\n\
         student;u11;MATHS;greplace;Groupe B\n\
         student;u12;MATHS;greplace;Groupe A\n\
         teacher;u13;MATHS;greplacecreate;Nouveau\n");
    // u11: Groupe A by hand, Cohorte by cohort sync.
    let [was_enrolled, role_held] = already(11);
    assert_eq!(
        effects(&plan, 0),
        [
            was_enrolled,
            role_held,
            joined(11, groupe_b()),
            left(11, groupe_a()),
            kept(11, cohorte(), "enrol_cohort"),
        ]
    );
    // u12: Groupe A by hand, Groupe B by the manual method, Cohorte by cohort sync.
    let [was_enrolled, role_held] = already(12);
    assert_eq!(
        effects(&plan, 1),
        [
            was_enrolled,
            role_held,
            Effect::AlreadyInGroup {
                user: user(12),
                course: maths(),
                group: groupe_a(),
            },
            kept(12, groupe_b(), "enrol_manual"),
            kept(12, cohorte(), "enrol_cohort"),
        ]
    );
    // u13: teacher by hand, Groupe A by hand, Cohorte by cohort sync.
    assert_eq!(
        effects(&plan, 2),
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
            Effect::GroupCreated {
                course: maths(),
                group: nouveau(),
            },
            joined(13, nouveau()),
            left(13, groupe_a()),
            kept(13, cohorte(), "enrol_cohort"),
        ]
    );
    assert_eq!(
        plan.writes,
        Writes {
            groups: vec![NewGroup {
                slot: 0,
                courseid: MATHS,
                name: "Nouveau".into(),
            }],
            members_removed: vec![
                membership(Some(800), GroupRef::Existing(70), 11, "", 0),
                membership(Some(805), GroupRef::Existing(70), 13, "", 0),
            ],
            members_added: vec![
                membership(None, GroupRef::Existing(71), 11, "", 0),
                membership(None, GroupRef::New(0), 13, "", 0),
            ],
            ..Writes::default()
        }
    );
}

#[test]
fn gdel_removes_from_the_listed_groups() {
    let plan = run("rolename;uid;cid;gcmd;g1;g2;g3\n\
         student;u11;MATHS;gdel;Groupe A;Groupe B;Cohorte\n\
         student;u11;MATHS;gdel;Groupe Z;;\n");
    let [was_enrolled, role_held] = already(11);
    assert_eq!(
        effects(&plan, 0),
        [
            was_enrolled,
            role_held,
            left(11, groupe_a()),
            Effect::NotInGroup {
                user: user(11),
                course: maths(),
                group: groupe_b(),
            },
            kept(11, cohorte(), "enrol_cohort"),
        ]
    );
    assert_eq!(
        problem(&plan, 1),
        &Problem::UnknownGroup {
            value: "Groupe Z".into(),
            course: "MATHS".into(),
        }
    );
    assert_eq!(place(error(&plan, 1)), (Some("g1"), Some("Groupe Z")));
    assert_eq!(
        plan.writes,
        Writes {
            members_removed: vec![membership(Some(800), GroupRef::Existing(70), 11, "", 0)],
            ..Writes::default()
        }
    );
}

#[test]
fn adding_to_a_group_needs_an_enrolment_in_the_course() {
    let plan = run("cmd;rolename;uid;cid;gcmd;g1\n\
         del;student;u10;MATHS;gaddcreate;Nouveau\n\
         del;student;u12;MATHS;gadd;Groupe B\n\
         del;student;u11;MATHS;gadd;Groupe A\n\
         add;student;u11;MATHS;gadd;Groupe A\n");
    // u10 is enrolled nowhere: the line fails, and the group it would create is not.
    assert_eq!(
        problem(&plan, 0),
        &Problem::GroupNeedsEnrolment {
            user: "u10 (First Last)".into(),
            course: "MATHS".into(),
        }
    );
    assert_eq!(place(error(&plan, 0)), (Some("g1"), Some("Nouveau")));
    // u12 is still enrolled by cohort sync: Groupe B, which the manual method gave, is left
    // and joined again by hand.
    assert_eq!(
        effects(&plan, 1),
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
            left(12, groupe_b()),
            joined(12, groupe_b()),
        ]
    );
    // u11's manual enrolment is their last: the line fails and u11 keeps everything.
    assert_eq!(
        problem(&plan, 2),
        &Problem::GroupNeedsEnrolment {
            user: "u11 (First Last)".into(),
            course: "MATHS".into(),
        }
    );
    let [was_enrolled, role_held] = already(11);
    assert_eq!(
        effects(&plan, 3),
        [
            was_enrolled,
            role_held,
            Effect::AlreadyInGroup {
                user: user(11),
                course: maths(),
                group: groupe_a(),
            },
        ]
    );
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
            unenrolled: vec![EnrolmentWrite {
                id: Some(501),
                ..enrolled(12, 0, 0)
            }],
            members_added: vec![membership(None, GroupRef::Existing(71), 12, "", 0)],
            ..Writes::default()
        }
    );
}
