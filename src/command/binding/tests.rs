//! The binding semantics, checked without a database: CSV text → parse → plan against a
//! hand-made snapshot → effects and ops.

use chrono::TimeZone;
use encoding_rs::WINDOWS_1252;

use super::*;
use crate::{
    command::{
        FileKind, KindSettings, Routing,
        cohort::{CohortRow, CohortSettings},
        dates::SiteZone,
        refs::{CohortIdentifier, CourseIdentifier, RoleIdentifier, UserIdentifier},
    },
    error::{FileError, LineProblem},
    input::{DelimiterSetting, EncodingSetting, ReadSettings, Table, read_table},
    outcome::LineStatus,
};

fn settings() -> BindingSettings {
    BindingSettings::default()
}

fn cohort(id: i64, name: &str, idnumber: &str) -> CohortRow {
    CohortRow {
        id,
        contextid: 1,
        name: name.to_owned(),
        idnumber: Some(idnumber.to_owned()),
        description: None,
        visible: true,
        component: String::new(),
    }
}

fn instance(id: i64, course: i64, cohort: i64, role: i64, status: i64) -> InstanceRow {
    InstanceRow {
        id,
        enrol: "cohort".into(),
        status,
        courseid: course,
        sortorder: id,
        roleid: role,
        cohort: Some(cohort),
        group: Some(0),
        start: 0,
        end: 0,
        enrolments: 3,
    }
}

/// Courses 1 (the site), 10 MATHS and 11 ATELIER; cohorts 100 APP1 and 101 APP2; roles 3
/// editingteacher and 5 student; MATHS has a manual method (sortorder 0), an enabled binding of
/// APP1 as student (sortorder 4) and a disabled one of APP1 as teacher; ATELIER a group "APP2".
fn snapshot() -> Snapshot {
    let manual = InstanceRow {
        enrol: "manual".into(),
        cohort: None,
        group: None,
        sortorder: 0,
        ..instance(1, 10, 0, 5, 0)
    };
    Snapshot {
        courses: vec![
            CourseRow {
                id: 1,
                shortname: "SITE".into(),
                idnumber: String::new(),
            },
            CourseRow {
                id: 10,
                shortname: "MATHS".into(),
                idnumber: "M-10".into(),
            },
            CourseRow {
                id: 11,
                shortname: "ATELIER".into(),
                idnumber: "A-11".into(),
            },
        ],
        cohorts: vec![
            cohort(100, "Apprentis 1", "APP1"),
            cohort(101, "Apprentis 2", "APP2"),
        ],
        roles: vec![
            RoleRow {
                id: 3,
                shortname: "editingteacher".into(),
            },
            RoleRow {
                id: 5,
                shortname: "student".into(),
            },
        ],
        instances: vec![
            manual,
            instance(4, 10, 100, 5, 0),
            instance(6, 10, 100, 3, 1),
        ],
        groups: vec![GroupRow {
            id: 70,
            courseid: 11,
            name: "Apprentis 2".into(),
        }],
        zone: SiteZone::Server,
    }
}

fn table(csv: &str) -> Table {
    let read = ReadSettings {
        encoding: EncodingSetting::Auto(WINDOWS_1252),
        delimiter: DelimiterSetting::Auto,
    };
    read_table(csv.as_bytes(), &read).unwrap()
}

fn run_with(csv: &str, snapshot: &Snapshot, settings: &BindingSettings) -> Plan {
    let file = parse_file(&table(csv), settings).unwrap();
    plan(&file, snapshot, settings)
}

fn run(csv: &str) -> Plan {
    run_with(csv, &snapshot(), &settings())
}

fn effects(plan: &Plan, line: usize) -> &[Effect] {
    plan.outcome.lines[line].result.as_ref().unwrap()
}

fn problem(plan: &Plan, line: usize) -> &LineProblem {
    &plan.outcome.lines[line]
        .result
        .as_ref()
        .unwrap_err()
        .problem
}

#[test]
fn add_creates_an_instance_after_the_course_last_one() {
    let plan = run("course;cohort\nATELIER;APP1\nMATHS;APP2\nMATHS;APP1;\n");
    assert_eq!(
        plan.ops[0],
        BindingOp::CreateInstance {
            slot: 0,
            instance: NewInstance {
                enrol: "cohort".into(),
                courseid: 11,
                sortorder: 0,
                roleid: 5,
                cohortid: 100,
                group: None,
                start: 0,
                end: 0,
            },
        }
    );
    // MATHS's last method has sortorder 6.
    let BindingOp::CreateInstance { slot, instance } = &plan.ops[1] else {
        panic!("{:?}", plan.ops[1]);
    };
    assert_eq!((*slot, instance.sortorder, instance.cohortid), (1, 7, 101));
    // The enabled student binding of APP1 in MATHS exists already.
    assert!(matches!(
        effects(&plan, 2),
        [Effect::BindingUnchanged { binding }] if binding.id == Some(4)
    ));
    assert_eq!(plan.outcome.lines[2].status(), LineStatus::Unchanged);
    assert_eq!(plan.ops.len(), 2);
}

#[test]
fn add_enables_a_disabled_binding_and_updates_what_the_line_gives() {
    let plan = run(
        "course;cohort;role;makegroup;enrolstart\nMATHS;APP1;EditingTeacher;;\nMATHS;APP1;student;no;1788220800\n",
    );
    assert!(matches!(
        effects(&plan, 0),
        [Effect::BindingEnabled { binding }] if binding.id == Some(6)
    ));
    assert_eq!(
        plan.ops[0],
        BindingOp::UpdateInstance {
            instance: InstanceRef::Existing(6),
            changes: InstanceChanges {
                status: Some(0),
                ..InstanceChanges::default()
            },
        }
    );
    // makegroup "no" on a method without a group changes nothing; the start date does.
    let [Effect::BindingUpdated { changes, .. }] = effects(&plan, 1) else {
        panic!("{:?}", effects(&plan, 1));
    };
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].field, "enrolstartdate");
    assert_eq!(
        plan.ops[1],
        BindingOp::UpdateInstance {
            instance: InstanceRef::Existing(4),
            changes: InstanceChanges {
                start: Some(1_788_220_800),
                ..InstanceChanges::default()
            },
        }
    );
}

#[test]
fn makegroup_uses_or_creates_the_group_named_after_the_cohort() {
    let plan = run(
        "course;cohort;makegroup\nATELIER;APP2;1\nATELIER;APP1;yes\nMATHS;APP2;Apprentis 1\nATELIER;APP2;Groupe A\n",
    );
    // The group "Apprentis 2" exists in ATELIER.
    let BindingOp::CreateInstance { instance, .. } = &plan.ops[0] else {
        panic!("{:?}", plan.ops[0]);
    };
    assert_eq!(instance.group, Some(GroupRef::Existing(70)));
    // "Apprentis 1" does not: it is created, then used.
    assert_eq!(
        plan.ops[1],
        BindingOp::CreateGroup {
            slot: 0,
            courseid: 11,
            name: "Apprentis 1".into(),
        }
    );
    let BindingOp::CreateInstance { instance, .. } = &plan.ops[2] else {
        panic!("{:?}", plan.ops[2]);
    };
    assert_eq!(instance.group, Some(GroupRef::New(0)));
    assert!(matches!(
        effects(&plan, 1),
        [
            Effect::GroupCreated { .. },
            Effect::BindingCreated { group: Some(_), .. }
        ]
    ));
    // A group name that MATHS does not have fails the line, and changes nothing.
    assert!(matches!(
        problem(&plan, 2),
        LineProblem::UnknownGroup { value, course } if value == "Apprentis 1" && course == "MATHS"
    ));
    // The binding of line 1 exists now: only its group changes.
    assert!(matches!(
        problem(&plan, 3),
        LineProblem::UnknownGroup { .. }
    ));
    assert_eq!(plan.ops.len(), 3);
}

#[test]
fn del_restore_and_fulldel_act_on_the_matching_methods() {
    let plan = run(
        "cmd;course;cohort;role\ndel;MATHS;APP1;*\nrestore;MATHS;APP1;editingteacher\nFULLDEL;MATHS;APP1;student\ndel;MATHS;APP2;\nrestore;MATHS;APP2;\nfulldel;ATELIER;APP1;*\n",
    );
    assert!(matches!(
        effects(&plan, 0),
        [Effect::BindingDisabled { binding }, Effect::BindingAlreadyDisabled { .. }]
            if binding.id == Some(4)
    ));
    assert!(matches!(effects(&plan, 1), [Effect::BindingEnabled { .. }]));
    assert!(matches!(
        effects(&plan, 2),
        [Effect::BindingDeleted { enrolments: 3, .. }]
    ));
    assert!(matches!(
        effects(&plan, 3),
        [Effect::NotBound { role: Some(_), .. }]
    ));
    assert!(matches!(
        problem(&plan, 4).of_kind(),
        Some(Problem::NothingToRestore { .. })
    ));
    assert!(matches!(
        effects(&plan, 5),
        [Effect::NotBound { role: None, .. }]
    ));
    assert_eq!(
        plan.ops,
        [
            BindingOp::UpdateInstance {
                instance: InstanceRef::Existing(4),
                changes: InstanceChanges {
                    status: Some(1),
                    ..InstanceChanges::default()
                },
            },
            BindingOp::UpdateInstance {
                instance: InstanceRef::Existing(6),
                changes: InstanceChanges {
                    status: Some(0),
                    ..InstanceChanges::default()
                },
            },
            BindingOp::DeleteInstance {
                instance: InstanceRef::Existing(4),
                enrol: "cohort".into(),
                courseid: 10,
            },
        ]
    );
}

#[test]
fn a_binding_created_then_deleted_by_the_same_file() {
    let plan = run("cmd;course;cohort\nadd;ATELIER;APP1\nfulldel;ATELIER;APP1\nadd;ATELIER;APP1\n");
    assert_eq!(plan.ops.len(), 3);
    assert!(matches!(
        plan.ops[1],
        BindingOp::DeleteInstance {
            instance: InstanceRef::New(0),
            ..
        }
    ));
    let BindingOp::CreateInstance { slot, instance } = &plan.ops[2] else {
        panic!("{:?}", plan.ops[2]);
    };
    // As Moodle: after the course's last remaining method (none is left).
    assert_eq!((*slot, instance.sortorder), (1, 0));
}

#[test]
fn an_end_of_zero_is_no_end() {
    let plan = run("course;cohort;enrolstart;enrolend
ATELIER;APP1;2026-09-01T00:00:00Z;0
");
    let BindingOp::CreateInstance { instance, .. } = &plan.ops[0] else {
        panic!("{:?}", plan.outcome.lines[0].result);
    };
    assert_eq!((instance.start, instance.end), (1_788_220_800, 0));
}

#[test]
fn what_is_refused_and_why() {
    let plan = run("cmd;course;cohort;role;enrol;enrolstart;enrolend\n\
         add;SITE;APP1;;;;\n\
         add;NOPE;APP1;;;;\n\
         add;MATHS;NOPE;;;;\n\
         add;MATHS;APP1;nope;;;\n\
         add;MATHS;APP1;*;;;\n\
         add;MATHS;APP1;;manual;;\n\
         add;MATHS;APP1;;;2026-09-01;2026-08-31\n\
         add;MATHS;APP1;;;demain;\n\
         add;;APP1;;;;\n\
         remove;MATHS;APP1;;;;\n");
    assert!(matches!(
        problem(&plan, 0).of_kind(),
        Some(Problem::SiteCourse { .. })
    ));
    assert!(matches!(
        problem(&plan, 1),
        LineProblem::UnknownCourse { value, by: "shortname" } if value == "NOPE"
    ));
    assert!(matches!(
        problem(&plan, 2),
        LineProblem::UnknownCohort { value, by: "idnumber" } if value == "NOPE"
    ));
    assert!(matches!(
        problem(&plan, 3),
        LineProblem::UnknownRole { value, by: "shortname" } if value == "nope"
    ));
    assert_eq!(problem(&plan, 4), &Problem::EveryRoleWithAdd.into());
    assert!(
        matches!(problem(&plan, 5).of_kind(), Some(Problem::EnrolNotAllowed { value, .. }) if value == "manual")
    );
    assert!(matches!(
        problem(&plan, 6),
        LineProblem::EndBeforeStart { .. }
    ));
    assert!(matches!(problem(&plan, 7), LineProblem::NotADate { value } if value == "demain"));
    assert!(matches!(
        problem(&plan, 8),
        LineProblem::MissingValue { what: "course", .. }
    ));
    assert!(matches!(
        problem(&plan, 9),
        LineProblem::UnknownCommand { .. }
    ));
    assert!(plan.ops.is_empty());
    let error = plan.outcome.lines[3].result.as_ref().unwrap_err();
    assert_eq!(
        error.to_string(),
        "column role: role \"nope\" not found (matched by shortname)"
    );
}

#[test]
fn identifiers_by_id_are_checked_too() {
    let settings = BindingSettings {
        course_identifier: CourseIdentifier::Id,
        role_identifier: RoleIdentifier::Id,
        cohort_identifier: CohortIdentifier::Id,
        ..BindingSettings::default()
    };
    let plan = run_with(
        "course;cohort;role\n11;100;3\n12;100;3\n11;999;3\n11;100;4\n1;100;3\nx;100;3\n",
        &snapshot(),
        &settings,
    );
    assert!(matches!(
        &plan.ops[..],
        [BindingOp::CreateInstance { instance, .. }] if instance.courseid == 11 && instance.roleid == 3
    ));
    assert!(matches!(
        problem(&plan, 1),
        LineProblem::UnknownCourse { by: "id", .. }
    ));
    assert!(matches!(
        problem(&plan, 2),
        LineProblem::UnknownCohort { by: "id", .. }
    ));
    assert!(matches!(
        problem(&plan, 3),
        LineProblem::UnknownRole { by: "id", .. }
    ));
    assert!(matches!(
        problem(&plan, 4).of_kind(),
        Some(Problem::SiteCourse { .. })
    ));
    assert!(matches!(problem(&plan, 5), LineProblem::NotANumber { .. }));
}

#[test]
fn other_enrolment_plugins_only_when_allowed() {
    let settings = BindingSettings {
        enrol_methods: vec!["cohort".into(), "cohortrestricted".into()],
        ..BindingSettings::default()
    };
    let plan = run_with(
        "course;cohort;enrol\nMATHS;APP1;CohortRestricted\n",
        &snapshot(),
        &settings,
    );
    let BindingOp::CreateInstance { instance, .. } = &plan.ops[0] else {
        panic!("{:?}", plan.ops);
    };
    assert_eq!(instance.enrol, "cohortrestricted");
}

#[test]
fn dates_without_an_offset_are_read_in_the_site_zone() {
    let london = Snapshot {
        zone: SiteZone::from_settings(Some("Europe/London"), None),
        ..snapshot()
    };
    let plan = run_with(
        "course;cohort;enrolstart;enrolend\n\
         ATELIER;APP1;2026-07-01;15/01/2027\n\
         ATELIER;APP2;2026-07-01T09:00:00Z;2026-07-01 10:30\n",
        &london,
        &settings(),
    );
    let dates: Vec<(i64, i64)> = plan
        .ops
        .iter()
        .filter_map(|op| match op {
            BindingOp::CreateInstance { instance, .. } => Some((instance.start, instance.end)),
            _ => None,
        })
        .collect();
    let utc = |y, m, d, h, min| {
        chrono::Utc
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .timestamp()
    };
    assert_eq!(
        dates,
        [
            // Midnight of summer time (UTC+1), then of winter time (UTC).
            (utc(2026, 6, 30, 23, 0), utc(2027, 1, 15, 0, 0)),
            (utc(2026, 7, 1, 9, 0), utc(2026, 7, 1, 9, 30)),
        ]
    );
    // The report shows them in the same zone.
    assert!(matches!(
        effects(&plan, 0),
        [Effect::BindingCreated { shown, .. }]
            if shown == &["2026-07-01 00:00".to_owned(), "2027-01-15 00:00".to_owned()]
    ));
    // Compared once read: 09:30 in London is 08:30 UTC, before 09:00 UTC.
    let plan = run_with(
        "course;cohort;EnrolStart;EnrolEnd\nATELIER;APP1;2026-07-01T09:00:00Z;2026-07-01 09:30\n",
        &london,
        &settings(),
    );
    let error = plan.outcome.lines[0].result.as_ref().unwrap_err();
    assert_eq!(error.column.as_deref(), Some("EnrolEnd"));
    assert_eq!(
        error.problem,
        LineProblem::EndBeforeStart {
            start: "2026-07-01T09:00:00Z".into(),
            end: "2026-07-01 09:30".into()
        }
    );
    assert!(plan.ops.is_empty());
}

#[test]
fn a_header_of_the_other_kind_names_the_kind() {
    let cohorts = CohortSettings {
        user_identifier: UserIdentifier::Idnumber,
        cohort_identifier: CohortIdentifier::Idnumber,
        create_missing: true,
        delete_empty: false,
        max_sync_removal_percent: 20,
    };
    let bindings = settings();
    let routing = Routing::default();
    let users = crate::command::user::UserSettings::default();
    let kinds = KindSettings {
        users,
        cohorts,
        bindings,
        enrolments: Default::default(),
    };
    let error = crate::command::parse(
        FileKind::Cohorts,
        &table("course;cohort;role\nMATHS;APP1;student\n"),
        &kinds,
        &routing,
    )
    .unwrap_err();
    assert!(
        matches!(
            &error,
            FileError::WrongKind {
                found: "bindings",
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("cohortscourses*.csv"), "{error}");
    let error = crate::command::parse(
        FileKind::Bindings,
        &table("cmd;cidnumber;userid\nadd;APP1;u1\n"),
        &kinds,
        &routing,
    )
    .unwrap_err();
    assert!(
        matches!(
            &error,
            FileError::WrongKind {
                found: "cohorts",
                ..
            }
        ),
        "{error}"
    );
    // A typo stays a typo.
    let error = crate::command::parse(
        FileKind::Bindings,
        &table("course;cohrot\nMATHS;APP1\n"),
        &kinds,
        &routing,
    )
    .unwrap_err();
    assert!(matches!(error, FileError::UnknownColumns { .. }), "{error}");
    let error = crate::command::parse(
        FileKind::Bindings,
        &table("course;role\nMATHS;student\n"),
        &kinds,
        &routing,
    )
    .unwrap_err();
    assert!(
        matches!(
            error,
            FileError::MissingColumn {
                column: "cohort",
                ..
            }
        ),
        "{error}"
    );
}
