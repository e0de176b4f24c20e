//! What the enrolment file tests share: a hand-made snapshot of users, courses, roles,
//! methods, enrolments, role assignments and groups in the `Europe/London` zone, a CSV text
//! planned against it, and the labels and rows the expected effects and writes name.

use std::collections::BTreeSet;

use encoding_rs::WINDOWS_1252;

use crate::{
    command::{
        binding::{GroupRow, RoleRow},
        cohort::UserRow,
        dates::SiteZone,
        enrolment::{
            AssignmentRow, AssignmentWrite, EnrolCourse, EnrolSettings, EnrolmentRow,
            EnrolmentWrite, MemberRow, MemberWrite, MethodRow, ParsedFile, Plan, Problem, Snapshot,
            parse_file, plan,
        },
        enrolment::{Effect, GroupRef},
    },
    error::LineError,
    input::{DelimiterSetting, EncodingSetting, ReadSettings, Table, read_table},
    outcome::{CourseLabel, GroupLabel, RoleLabel, UserLabel},
};

/// MATHS: its id and its context's.
pub(super) const MATHS: i64 = 10;
pub(super) const MATHS_CONTEXT: i64 = 110;
/// The manual method of MATHS and its cohort sync method.
pub(super) const MANUAL: i64 = 1;
pub(super) const COHORT_SYNC: i64 = 2;
/// Roles: 3 editingteacher, 4 teacher and 5 student may be given in courses; 7 user may not.
pub(super) const EDITINGTEACHER: i64 = 3;
pub(super) const TEACHER: i64 = 4;
pub(super) const STUDENT: i64 = 5;
/// `2026-09-01` and `2027-07-01` at midnight in London (British Summer Time: 23:00 UTC the
/// day before), as docs/enrolment-files.md's worked example has them.
pub(super) const SEPT_1: i64 = 1_788_217_200;
pub(super) const JULY_1: i64 = 1_814_396_400;

/// An account whose username and idnumber are `u<id>`.
pub(super) fn account(id: i64) -> UserRow {
    UserRow {
        id,
        username: format!("u{id}"),
        idnumber: format!("u{id}"),
        email: format!("u{id}@example.com"),
        firstname: "First".into(),
        lastname: "Last".into(),
    }
}

fn course(id: i64, shortname: &str, idnumber: &str) -> EnrolCourse {
    EnrolCourse {
        id,
        shortname: shortname.into(),
        idnumber: idnumber.into(),
        context: id + 100,
    }
}

pub(super) fn method(
    id: i64,
    enrol: &str,
    courseid: i64,
    status: i64,
    sortorder: i64,
) -> MethodRow {
    MethodRow {
        id,
        enrol: enrol.into(),
        status,
        courseid,
        sortorder,
    }
}

fn enrolment(
    id: i64,
    enrolid: i64,
    userid: i64,
    status: i64,
    start: i64,
    end: i64,
) -> EnrolmentRow {
    EnrolmentRow {
        id,
        enrolid,
        userid,
        status,
        start,
        end,
    }
}

/// A role assignment in MATHS's context.
fn assignment(id: i64, userid: i64, roleid: i64, component: &str, itemid: i64) -> AssignmentRow {
    AssignmentRow {
        id,
        roleid,
        contextid: MATHS_CONTEXT,
        userid,
        component: component.into(),
        itemid,
    }
}

fn member(id: i64, groupid: i64, userid: i64, component: &str, itemid: i64) -> MemberRow {
    MemberRow {
        id,
        groupid,
        userid,
        component: component.into(),
        itemid,
    }
}

fn group(id: i64, courseid: i64, name: &str) -> GroupRow {
    GroupRow {
        id,
        courseid,
        name: name.into(),
    }
}

/// The site, in `Europe/London`:
///
/// - courses MATHS (10, context 110), ATELIER (11) and COM (12);
/// - MATHS has the methods manual (1), cohort (2) and self (3), all enabled; ATELIER only
///   self (4); COM only a disabled manual (5);
/// - MATHS has the groups "Groupe A" (70), "Groupe B" (71) and "Cohorte" (72); ATELIER a
///   "Groupe A" (73);
/// - in MATHS: u10 and u14 are not enrolled;
///   u11 is enrolled by hand (500), student by hand (600) and teacher by cohort sync (601),
///   in Groupe A by hand (800) and in Cohorte by cohort sync (801);
///   u12 is enrolled by hand (501) and by cohort sync (502), student by hand (602) and by
///   cohort sync (603), teacher by the manual method itself (604), in Groupe A by hand (802),
///   in Cohorte by cohort sync (803) and in Groupe B by the manual method (804);
///   u13's manual enrolment is suspended (503), and they are enrolled by cohort sync too
///   (504), editingteacher (605) and teacher (606) by hand, student by cohort sync (607), in
///   Groupe A by hand (805) and in Cohorte by cohort sync (806);
///   u15 is enrolled by hand from 2026-09-01 to 2027-07-01 (505), student by hand (608).
pub(super) fn snapshot() -> Snapshot {
    Snapshot {
        users: [10, 11, 12, 13, 14, 15].map(account).to_vec(),
        courses: vec![
            course(MATHS, "MATHS", "M-10"),
            course(11, "ATELIER", "A-11"),
            course(12, "COM", "C-12"),
        ],
        roles: vec![
            RoleRow {
                id: EDITINGTEACHER,
                shortname: "editingteacher".into(),
            },
            RoleRow {
                id: TEACHER,
                shortname: "teacher".into(),
            },
            RoleRow {
                id: STUDENT,
                shortname: "student".into(),
            },
            RoleRow {
                id: 7,
                shortname: "user".into(),
            },
        ],
        course_roles: BTreeSet::from([EDITINGTEACHER, TEACHER, STUDENT]),
        methods: vec![
            method(MANUAL, "manual", MATHS, 0, 0),
            method(COHORT_SYNC, "cohort", MATHS, 0, 1),
            method(3, "self", MATHS, 0, 2),
            method(4, "self", 11, 0, 0),
            method(5, "manual", 12, 1, 0),
        ],
        enrolments: vec![
            enrolment(500, MANUAL, 11, 0, 0, 0),
            enrolment(501, MANUAL, 12, 0, 0, 0),
            enrolment(502, COHORT_SYNC, 12, 0, 0, 0),
            enrolment(503, MANUAL, 13, 1, 0, 0),
            enrolment(504, COHORT_SYNC, 13, 0, 0, 0),
            enrolment(505, MANUAL, 15, 0, SEPT_1, JULY_1),
        ],
        assignments: vec![
            assignment(600, 11, STUDENT, "", 0),
            assignment(601, 11, TEACHER, "enrol_cohort", COHORT_SYNC),
            assignment(602, 12, STUDENT, "", 0),
            assignment(603, 12, STUDENT, "enrol_cohort", COHORT_SYNC),
            assignment(604, 12, TEACHER, "enrol_manual", MANUAL),
            assignment(605, 13, EDITINGTEACHER, "", 0),
            assignment(606, 13, TEACHER, "", 0),
            assignment(607, 13, STUDENT, "enrol_cohort", COHORT_SYNC),
            assignment(608, 15, STUDENT, "", 0),
        ],
        groups: vec![
            group(70, MATHS, "Groupe A"),
            group(71, MATHS, "Groupe B"),
            group(72, MATHS, "Cohorte"),
            group(73, 11, "Groupe A"),
        ],
        members: vec![
            member(800, 70, 11, "", 0),
            member(801, 72, 11, "enrol_cohort", COHORT_SYNC),
            member(802, 70, 12, "", 0),
            member(803, 72, 12, "enrol_cohort", COHORT_SYNC),
            member(804, 71, 12, "enrol_manual", MANUAL),
            member(805, 70, 13, "", 0),
            member(806, 72, 13, "enrol_cohort", COHORT_SYNC),
        ],
        zone: SiteZone::from_settings(Some("Europe/London"), None),
    }
}

/// Reads `csv` as a command file is read.
pub(super) fn table(csv: &str) -> Table {
    let read = ReadSettings {
        encoding: EncodingSetting::Auto(WINDOWS_1252),
        delimiter: DelimiterSetting::Auto,
    };
    read_table(csv.as_bytes(), &read).unwrap()
}

/// Parses `csv` with the default settings (users by idnumber, courses and roles by
/// shortname).
pub(super) fn parse(csv: &str) -> ParsedFile {
    parse_file(&table(csv), &EnrolSettings::default()).unwrap()
}

/// Parses `csv` and plans it against `snapshot`.
pub(super) fn run_with(csv: &str, snapshot: &Snapshot) -> Plan {
    let settings = EnrolSettings::default();
    plan(
        &parse_file(&table(csv), &settings).unwrap(),
        snapshot,
        &settings,
    )
}

/// Parses `csv` and plans it against [`snapshot`].
pub(super) fn run(csv: &str) -> Plan {
    run_with(csv, &snapshot())
}

/// The effects of line `index`, which succeeded.
pub(super) fn effects(plan: &Plan, index: usize) -> &[Effect] {
    match &plan.outcome.lines[index].result {
        Ok(effects) => effects,
        Err(error) => panic!("line {index} failed: {error}"),
    }
}

/// The error of line `index`, which failed.
pub(super) fn error(plan: &Plan, index: usize) -> &LineError {
    match &plan.outcome.lines[index].result {
        Ok(effects) => panic!("line {index} succeeded: {effects:?}"),
        Err(error) => error,
    }
}

/// The enrolment files' own problem of line `index`, which failed with one.
pub(super) fn problem(plan: &Plan, index: usize) -> &Problem {
    let error = error(plan, index);
    error
        .problem
        .of_kind::<Problem>()
        .unwrap_or_else(|| panic!("line {index}: not an enrolment problem: {error:?}"))
}

/// The column and value a line error names.
pub(super) fn place(error: &LineError) -> (Option<&str>, Option<&str>) {
    (error.column.as_deref(), error.value.as_deref())
}

/// How effects name account `u<id>`.
pub(super) fn user(id: i64) -> UserLabel {
    UserLabel {
        id,
        username: format!("u{id}"),
        idnumber: format!("u{id}"),
        fullname: "First Last".into(),
    }
}

/// How effects name MATHS.
pub(super) fn maths() -> CourseLabel {
    CourseLabel {
        id: MATHS,
        shortname: "MATHS".into(),
    }
}

/// How effects name a role of the snapshot.
pub(super) fn role(id: i64) -> RoleLabel {
    let shortname = match id {
        EDITINGTEACHER => "editingteacher",
        TEACHER => "teacher",
        STUDENT => "student",
        _ => "user",
    };
    RoleLabel {
        id,
        shortname: shortname.into(),
    }
}

/// How effects name a group: `id` is `None` for one the file creates.
pub(super) fn group_label(id: Option<i64>, name: &str) -> GroupLabel {
    GroupLabel {
        id,
        name: name.into(),
    }
}

/// A new enrolment of `userid` by MATHS's manual method, active.
pub(super) fn enrolled(userid: i64, start: i64, end: i64) -> EnrolmentWrite {
    EnrolmentWrite {
        id: None,
        enrolid: MANUAL,
        enrol: "manual".into(),
        courseid: MATHS,
        userid,
        status: 0,
        start,
        end,
        status_changed: false,
    }
}

/// A role given by hand in MATHS.
pub(super) fn assigned(userid: i64, roleid: i64) -> AssignmentWrite {
    AssignmentWrite {
        id: None,
        roleid,
        contextid: MATHS_CONTEXT,
        courseid: MATHS,
        userid,
        component: String::new(),
        itemid: 0,
    }
}

/// Role assignment `id` of the snapshot, to delete.
pub(super) fn unassigned(
    id: i64,
    userid: i64,
    roleid: i64,
    component: &str,
    itemid: i64,
) -> AssignmentWrite {
    AssignmentWrite {
        id: Some(id),
        component: component.into(),
        itemid,
        ..assigned(userid, roleid)
    }
}

/// A membership of a MATHS group: by hand to add (`id` `None`), or one of the snapshot to
/// delete.
pub(super) fn membership(
    id: Option<i64>,
    group: GroupRef,
    userid: i64,
    component: &str,
    itemid: i64,
) -> MemberWrite {
    MemberWrite {
        id,
        group,
        courseid: MATHS,
        userid,
        component: component.into(),
        itemid,
    }
}
