//! `add`: the enrolment by the course's method, its dates, and the role given by hand; and
//! what fails an `add` line.

use super::support::{
    EDITINGTEACHER, JULY_1, MATHS, SEPT_1, STUDENT, assigned, effects, enrolled, error, maths,
    method, place, problem, role, run, run_with, snapshot, user,
};
use crate::{
    command::enrolment::{AssignmentWrite, Effect, EnrolmentWrite, Problem, Writes},
    error::LineProblem,
    outcome::{CourseLabel, FieldChange, LineStatus},
};

/// 2026-08-01 and 2027-06-30 at midnight in London (summer time).
const AUG_1: i64 = SEPT_1 - 31 * 86_400;
const JUNE_30: i64 = JULY_1 - 86_400;

#[test]
fn add_enrols_a_new_user_with_dates_read_in_the_site_zone() {
    let plan = run("cmd;rolename;uid;cid;starttime;endtime\n\
         add;student;u10;MATHS;2026-09-01;2027-07-01\n\
         add;editingteacher;u14;MATHS;;\n");
    assert_eq!(
        effects(&plan, 0),
        [
            Effect::Enrolled {
                user: user(10),
                course: maths(),
                enrol: "manual".into(),
                start: SEPT_1,
                end: JULY_1,
                shown: ["2026-09-01 00:00".into(), "2027-07-01 00:00".into()],
            },
            Effect::RoleAssigned {
                user: user(10),
                course: maths(),
                role: role(STUDENT),
            },
        ]
    );
    // No dates: none (0). The method's default role plays no part.
    assert!(matches!(
        effects(&plan, 1),
        [
            Effect::Enrolled { user: u, start: 0, end: 0, .. },
            Effect::RoleAssigned { role: r, .. },
        ] if *u == user(14) && *r == role(EDITINGTEACHER)
    ));
    assert_eq!(plan.outcome.lines[0].status(), LineStatus::Changed);
    assert_eq!(
        plan.writes,
        Writes {
            enrolled: vec![enrolled(10, SEPT_1, JULY_1), enrolled(14, 0, 0)],
            assigned: vec![assigned(10, STUDENT), assigned(14, EDITINGTEACHER)],
            ..Writes::default()
        }
    );
}

#[test]
fn add_changes_the_dates_of_an_enrolment_that_differ() {
    let plan = run("rolename;uid;cid;starttime;endtime\nstudent;u15;MATHS;2026-09-01;2027-06-30\n");
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
            Effect::RoleHeld {
                user: user(15),
                course: maths(),
                role: role(STUDENT),
            },
        ]
    );
    assert_eq!(
        plan.writes,
        Writes {
            changed: vec![EnrolmentWrite {
                id: Some(505),
                end: JUNE_30,
                ..enrolled(15, SEPT_1, JULY_1)
            }],
            ..Writes::default()
        }
    );
}

#[test]
fn add_of_an_enrolled_user_with_nothing_new_changes_nothing() {
    // The same instants written otherwise; no dates at all.
    let plan = run("rolename;uid;cid;starttime;endtime\n\
         student;u15;MATHS;1788217200;2027-07-01T00:00+01:00\n\
         STUDENT;u11;MATHS;;\n");
    for (index, id) in [(0, 15), (1, 11)] {
        assert_eq!(
            effects(&plan, index),
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
        );
        assert_eq!(plan.outcome.lines[index].status(), LineStatus::Unchanged);
    }
    assert!(plan.writes.is_empty(), "{:?}", plan.writes);
}

#[test]
fn add_leaves_a_suspended_enrolment_suspended_and_gives_the_role_by_hand() {
    // u13's manual enrolment is suspended; they hold student by cohort sync only.
    let plan = run("rolename;uid;cid\nstudent;u13;MATHS\n");
    assert_eq!(
        effects(&plan, 0),
        [
            Effect::AlreadyEnrolled {
                user: user(13),
                course: maths(),
                enrol: "manual".into(),
            },
            Effect::RoleAssigned {
                user: user(13),
                course: maths(),
                role: role(STUDENT),
            },
        ]
    );
    assert_eq!(
        plan.writes,
        Writes {
            assigned: vec![assigned(13, STUDENT)],
            ..Writes::default()
        }
    );
}

#[test]
fn an_end_before_the_start_fails_the_line() {
    let plan = run("rolename;uid;cid;starttime;endtime\n\
         student;u10;MATHS;2027-07-01;2026-09-01\n\
         student;u15;MATHS;;2026-08-01\n\
         student;u15;MATHS;2027-08-01;\n\
         student;u10;MATHS;;2026-08-01\n");
    let expected = [
        ("endtime", "2026-09-01", "2027-07-01", "2026-09-01"),
        // Only endtime given: the enrolment's start (2026-09-01) is later.
        ("endtime", "2026-08-01", "2026-09-01 00:00", "2026-08-01"),
        // Only starttime given: the enrolment's end (2027-07-01) is earlier.
        ("starttime", "2027-08-01", "2027-08-01", "2027-07-01 00:00"),
    ];
    for (index, (column, value, start, end)) in expected.into_iter().enumerate() {
        let error = error(&plan, index);
        assert_eq!(place(error), (Some(column), Some(value)), "line {index}");
        assert_eq!(
            error.problem.of_kind::<Problem>(),
            Some(&Problem::EndBeforeStart {
                start: start.into(),
                end: end.into(),
            }),
            "line {index}"
        );
    }
    // Line 1 left nothing: u10 is enrolled by line 4, with no start (an end alone is fine).
    assert!(matches!(
        effects(&plan, 3),
        [
            Effect::Enrolled {
                start: 0,
                end: AUG_1,
                ..
            },
            Effect::RoleAssigned { .. }
        ]
    ));
    assert_eq!(
        plan.writes,
        Writes {
            enrolled: vec![enrolled(10, 0, AUG_1)],
            assigned: vec![assigned(10, STUDENT)],
            ..Writes::default()
        }
    );
}

#[test]
fn a_role_that_cannot_be_given_in_a_course_is_refused() {
    let plan = run("cmd;rolename;uid;cid\nadd;USER;u10;MATHS\nshift;user;u11;MATHS\n");
    for (index, value) in [(0, "USER"), (1, "user")] {
        assert_eq!(
            problem(&plan, index),
            &Problem::NotAssignableInCourse {
                role: "user".into()
            }
        );
        assert_eq!(place(error(&plan, index)), (Some("rolename"), Some(value)));
    }
    assert!(plan.writes.is_empty());
}

#[test]
fn a_course_without_an_enabled_method_of_the_plugin_fails_the_line() {
    let plan = run("rolename;uid;cid;enrol\n\
         student;u10;ATELIER;\n\
         student;u10;COM;Manual\n\
         student;u10;ATELIER;self\n");
    // ATELIER has no manual method at all; COM a disabled one.
    assert_eq!(
        problem(&plan, 0),
        &Problem::NoMethod {
            course: "ATELIER".into(),
            enrol: "manual".into(),
            state: "",
        }
    );
    assert_eq!(place(error(&plan, 0)), (Some("enrol"), Some("manual")));
    assert_eq!(
        problem(&plan, 1),
        &Problem::NoMethod {
            course: "COM".into(),
            enrol: "manual".into(),
            state: "enabled ",
        }
    );
    assert_eq!(
        error(&plan, 1).to_string(),
        "column enrol: course COM has no enabled enrolment method \"manual\" (moodle-sync never \
         creates one: add it on the course's Enrolment methods page)"
    );
    // ATELIER's self method enrols.
    let atelier = CourseLabel {
        id: 11,
        shortname: "ATELIER".into(),
    };
    assert!(matches!(
        effects(&plan, 2),
        [Effect::Enrolled { course, enrol, .. }, Effect::RoleAssigned { .. }]
            if *course == atelier && enrol == "self"
    ));
    assert_eq!(
        plan.writes,
        Writes {
            enrolled: vec![EnrolmentWrite {
                enrolid: 4,
                enrol: "self".into(),
                courseid: 11,
                ..enrolled(10, 0, 0)
            }],
            assigned: vec![AssignmentWrite {
                contextid: 111,
                courseid: 11,
                ..assigned(10, STUDENT)
            }],
            ..Writes::default()
        }
    );
}

#[test]
fn the_first_enabled_method_by_sort_order_enrols() {
    let mut snapshot = snapshot();
    snapshot.methods.retain(|method| method.courseid != MATHS);
    snapshot.methods.extend([
        method(21, "manual", MATHS, 1, 0),
        method(22, "manual", MATHS, 0, 5),
        method(23, "manual", MATHS, 0, 3),
    ]);
    snapshot.enrolments.clear();
    let plan = run_with("rolename;uid;cid\nstudent;u10;MATHS\n", &snapshot);
    assert_eq!(
        plan.writes.enrolled,
        [EnrolmentWrite {
            enrolid: 23,
            ..enrolled(10, 0, 0)
        }]
    );
}

#[test]
fn an_unknown_user_course_or_role_fails_the_line_in_its_column() {
    let plan = run("cmd;rolename;uid;cid\n\
         add;student;u99;MATHS\n\
         add;student;u10;NOPE\n\
         add;nope;u10;MATHS\n\
         suspend;nope;u11;MATHS\n");
    let error0 = error(&plan, 0);
    assert_eq!(place(error0), (Some("uid"), Some("u99")));
    assert_eq!(
        error0.problem,
        LineProblem::UnknownUser {
            value: "u99".into(),
            by: "idnumber"
        }
    );
    let error1 = error(&plan, 1);
    assert_eq!(place(error1), (Some("cid"), Some("NOPE")));
    assert_eq!(
        error1.problem,
        LineProblem::UnknownCourse {
            value: "NOPE".into(),
            by: "shortname"
        }
    );
    // suspend too must name a known role.
    for index in [2, 3] {
        let error = error(&plan, index);
        assert_eq!(place(error), (Some("rolename"), Some("nope")));
        assert_eq!(
            error.problem,
            LineProblem::UnknownRole {
                value: "nope".into(),
                by: "shortname"
            }
        );
    }
    assert!(plan.writes.is_empty());
}

#[test]
fn a_date_of_zero_clears_the_date_of_an_enrolment() {
    let plan = run("rolename;uid;cid;starttime;endtime\n\
         student;u15;MATHS;;0\n\
         student;u10;MATHS;2026-09-01;0\n");
    let [
        Effect::EnrolmentUpdated { changes, .. },
        Effect::RoleHeld { .. },
    ] = effects(&plan, 0)
    else {
        panic!("{:?}", effects(&plan, 0));
    };
    assert_eq!(changes.len(), 1);
    assert_eq!(
        (changes[0].field.as_str(), changes[0].from.as_str()),
        ("timeend", "2027-07-01 00:00")
    );
    assert!(matches!(
        effects(&plan, 1),
        [
            Effect::Enrolled {
                start: SEPT_1,
                end: 0,
                ..
            },
            Effect::RoleAssigned { .. }
        ]
    ));
    assert_eq!(
        plan.writes,
        Writes {
            enrolled: vec![enrolled(10, SEPT_1, 0)],
            changed: vec![EnrolmentWrite {
                id: Some(505),
                ..enrolled(15, SEPT_1, 0)
            }],
            assigned: vec![assigned(10, STUDENT)],
            ..Writes::default()
        }
    );
}
