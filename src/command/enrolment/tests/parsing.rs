//! Reading the lines of an enrolment file: the columns, their defaults and aliases, and what
//! fails a line before the database is asked anything.

use chrono::NaiveDate;

use super::support::{
    STUDENT, effects, error, maths, parse, place, problem, role, run, table, user,
};
use crate::{
    command::{
        dates::FileTime,
        enrolment::{
            DateValue, Effect, EnrolCmd, EnrolSettings, EnrolmentLine, GroupCmd, GroupName,
            Problem, Wanted, parse_file,
        },
    },
    error::{FileError, LineProblem},
};

/// The line of `csv`'s data line `index`, which parsed.
fn line(csv: &str, index: usize) -> EnrolmentLine {
    let file = parse(csv);
    match &file.lines[index].line {
        Ok(line) => line.clone(),
        Err(error) => panic!("line {index} failed: {error}"),
    }
}

#[test]
fn a_line_without_cmd_or_enrol_adds_by_the_manual_method() {
    let file = parse("rolename;uid;cid\nstudent;u10;MATHS\n");
    let parsed = &file.lines[0];
    assert_eq!(parsed.number, 2);
    assert_eq!(parsed.command, "add");
    assert_eq!(parsed.keys, ["u10", "MATHS", "student"]);
    assert_eq!(
        parsed.line,
        Ok(EnrolmentLine {
            cmd: EnrolCmd::Add,
            user: "u10".into(),
            course: "MATHS".into(),
            role: "student".into(),
            enrol: Some("manual".into()),
            start: None,
            end: None,
            groups: None,
        })
    );
    // Empty values of cmd and enrol are the defaults too, but an empty enrol of del is "the
    // role only"; commands are read in any case, plugins lowercased.
    let csv = "cmd;rolename;uid;cid;enrol\n\
               ;student;u10;MATHS;\n\
               DEL;student;u10;MATHS;\n\
               del;student;u10;MATHS;SELF\n\
               Shift;student;u10;MATHS;\n\
               suspend;student;u10;MATHS;\n\
               UNSUSPEND;student;u10;MATHS;\n";
    let file = parse(csv);
    let read: Vec<(&str, EnrolCmd, Option<String>)> = file
        .lines
        .iter()
        .map(|parsed| {
            let line = parsed.line.as_ref().unwrap();
            (parsed.command.as_str(), line.cmd, line.enrol.clone())
        })
        .collect();
    let manual = || Some("manual".to_owned());
    assert_eq!(
        read,
        [
            ("add", EnrolCmd::Add, manual()),
            ("DEL", EnrolCmd::Del, None),
            ("del", EnrolCmd::Del, Some("self".into())),
            ("Shift", EnrolCmd::Shift, manual()),
            ("suspend", EnrolCmd::Suspend, manual()),
            ("UNSUSPEND", EnrolCmd::Unsuspend, manual()),
        ]
    );
}

#[test]
fn an_unknown_cmd_or_gcmd_fails_the_line_in_its_column() {
    let plan = run("Cmd;rolename;uid;cid;GCmd;g1\n\
         remove;student;u10;MATHS;;\n\
         add;student;u10;MATHS;gmove;Groupe A\n");
    let error0 = error(&plan, 0);
    assert_eq!(place(error0), (Some("Cmd"), Some("remove")));
    assert_eq!(
        error0.problem,
        LineProblem::UnknownCommand {
            value: "remove".into(),
            expected: "add, del, shift, suspend or unsuspend",
        }
    );
    let error1 = error(&plan, 1);
    assert_eq!(place(error1), (Some("GCmd"), Some("gmove")));
    assert_eq!(
        error1.problem,
        LineProblem::UnknownCommand {
            value: "gmove".into(),
            expected: "gadd, gaddcreate, greplace, greplacecreate or gdel",
        }
    );
    assert!(plan.writes.is_empty());
}

#[test]
fn the_five_gcmd_values_are_read_in_any_case() {
    let csv = "gcmd;rolename;uid;cid;g1\n\
               GADD;student;u10;MATHS;A\n\
               gAddCreate;student;u10;MATHS;A\n\
               greplace;student;u10;MATHS;A\n\
               greplacecreate;student;u10;MATHS;A\n\
               gdel;student;u10;MATHS;A\n";
    let commands: Vec<GroupCmd> = (0..5)
        .map(|index| line(csv, index).groups.unwrap().0)
        .collect();
    assert_eq!(
        commands,
        [
            GroupCmd::Add { create: false },
            GroupCmd::Add { create: true },
            GroupCmd::Replace { create: false },
            GroupCmd::Replace { create: true },
            GroupCmd::Remove,
        ]
    );
}

#[test]
fn enrol_cohort_is_refused_in_the_enrol_column() {
    let plan = run("cmd;rolename;uid;cid;enrol\n\
         add;student;u10;MATHS;Cohort\n\
         del;student;u12;MATHS;cohort\n");
    for index in [0, 1] {
        assert_eq!(problem(&plan, index), &Problem::CohortMethod);
    }
    assert_eq!(place(error(&plan, 0)), (Some("enrol"), Some("Cohort")));
    assert_eq!(place(error(&plan, 1)), (Some("enrol"), Some("cohort")));
    // u12's enrolment by cohort sync is left alone.
    assert!(plan.writes.is_empty());
}

#[test]
fn a_missing_required_column_refuses_the_file() {
    for (header, missing) in [
        ("uid;cid;enrol", "rolename"),
        ("rolename;cid;gcmd;g1", "uid"),
        ("role;user;starttime", "cid"),
    ] {
        let csv = format!("{header}\nx;y;z\n");
        let result = parse_file(&table(&csv), &EnrolSettings::default());
        assert!(
            matches!(
                result,
                Err(FileError::MissingColumn {
                    column,
                    kind: "enrolment",
                }) if column == missing
            ),
            "{header}: {result:?}"
        );
    }
    // An unknown column refuses it too, naming the closest known one.
    let result = parse_file(&table("rolename;uid;cid;g10\n"), &EnrolSettings::default());
    assert!(
        matches!(&result, Err(FileError::UnknownColumns { unknown, .. }) if unknown[0].name == "g10"),
        "{result:?}"
    );
}

#[test]
fn an_empty_key_fails_the_line() {
    let plan = run("rolename;uid;cid\nstudent;;MATHS\n;u10;MATHS\nstudent;u10;\n");
    let expected = [
        ("uid", "user", "idnumber"),
        ("rolename", "role", "shortname"),
        ("cid", "course", "shortname"),
    ];
    for (index, (column, what, by)) in expected.into_iter().enumerate() {
        let error = error(&plan, index);
        assert_eq!(place(error), (Some(column), Some("")));
        assert_eq!(error.problem, LineProblem::MissingValue { what, by });
    }
}

#[test]
fn dates_are_parsed_and_a_date_that_does_not_parse_fails_the_line() {
    let csv = "rolename;uid;cid;starttime;EnrolEnd\n\
               student;u10;MATHS;demain;\n\
               student;u10;MATHS;2026-09-01;31/02/2027\n\
               student;u10;MATHS;01/09/2026;2027-07-01T00:00+01:00\n";
    let plan = run(csv);
    let error0 = error(&plan, 0);
    assert_eq!(place(error0), (Some("starttime"), Some("demain")));
    assert_eq!(
        error0.problem,
        LineProblem::NotADate {
            value: "demain".into()
        }
    );
    // The column as the header writes it (here the alias of endtime).
    let error1 = error(&plan, 1);
    assert_eq!(place(error1), (Some("EnrolEnd"), Some("31/02/2027")));
    assert_eq!(
        error1.problem,
        LineProblem::NotADate {
            value: "31/02/2027".into()
        }
    );
    let parsed = line(csv, 2);
    let midnight = NaiveDate::from_ymd_opt(2026, 9, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    assert_eq!(
        parsed.start,
        Some(DateValue {
            column: "starttime".into(),
            text: "01/09/2026".into(),
            time: FileTime::Wall(midnight),
        })
    );
    assert_eq!(
        parsed.end,
        Some(DateValue {
            column: "EnrolEnd".into(),
            text: "2027-07-01T00:00+01:00".into(),
            time: FileTime::At(super::support::JULY_1),
        })
    );
}

#[test]
fn group_names_need_a_gcmd_and_a_gcmd_needs_group_names() {
    let plan = run("rolename;uid;cid;gcmd;g1;g2\n\
         student;u10;MATHS;gadd;;\n\
         student;u10;MATHS;;;Groupe B\n");
    assert_eq!(
        problem(&plan, 0),
        &Problem::NoGroupNamed {
            gcmd: "gadd".into()
        }
    );
    assert_eq!(place(error(&plan, 0)), (Some("gcmd"), Some("gadd")));
    assert_eq!(
        problem(&plan, 1),
        &Problem::GroupWithoutCommand {
            group: "Groupe B".into()
        }
    );
    assert_eq!(place(error(&plan, 1)), (Some("gcmd"), Some("")));
    // Without a gcmd column at all, the error still names the column to fill.
    let plan = run("rolename;uid;cid;G1\nstudent;u10;MATHS;Groupe A\n");
    assert_eq!(
        problem(&plan, 0),
        &Problem::GroupWithoutCommand {
            group: "Groupe A".into()
        }
    );
    assert_eq!(place(error(&plan, 0)), (Some("gcmd"), Some("")));
    assert!(plan.writes.is_empty());
}

#[test]
fn a_group_name_over_254_characters_fails_the_line() {
    let long = "x".repeat(255);
    // 254 characters of two bytes each: the limit counts characters.
    let longest = "é".repeat(254);
    let csv = format!(
        "rolename;uid;cid;gcmd;g1;G2\n\
         student;u10;MATHS;gaddcreate;Groupe A;{long}\n\
         student;u10;MATHS;gaddcreate;{longest};\n"
    );
    let plan = run(&csv);
    let error0 = error(&plan, 0);
    assert_eq!(place(error0), (Some("G2"), Some(long.as_str())));
    assert_eq!(
        error0.problem,
        LineProblem::TooLong {
            length: 255,
            max: 254
        }
    );
    assert_eq!(
        line(&csv, 1).groups,
        Some((
            GroupCmd::Add { create: true },
            vec![GroupName {
                column: "g1".into(),
                name: longest.clone(),
            }]
        ))
    );
    assert_eq!(plan.writes.groups.len(), 1);
    assert_eq!(plan.writes.groups[0].name, longest);
}

#[test]
fn the_aliases_role_user_and_course_are_read() {
    let csv = "Role;USER;course\nstudent;u10;MATHS\nstudent;u99;MATHS\n";
    assert_eq!(
        line(csv, 0),
        line("rolename;uid;cid\nstudent;u10;MATHS\n", 0)
    );
    assert_eq!(parse(csv).lines[0].keys, ["u10", "MATHS", "student"]);
    let plan = run(csv);
    assert!(matches!(
        effects(&plan, 0),
        [Effect::Enrolled { user: u, course, .. }, Effect::RoleAssigned { role: r, .. }]
            if *u == user(10) && *course == maths() && *r == role(STUDENT)
    ));
    // The planner's errors name the column as the header writes it.
    assert_eq!(place(error(&plan, 1)), (Some("USER"), Some("u99")));
}

#[test]
fn repeated_and_empty_group_names_are_skipped() {
    let csv = "rolename;uid;cid;gcmd;g1;g2;g3;g4;g5;g6;g7;g8;g9\n\
               student;u10;MATHS;gadd;Groupe A;;Groupe B;Groupe A;;;;;Groupe B\n";
    assert_eq!(
        line(csv, 0).groups,
        Some((
            GroupCmd::Add { create: false },
            vec![
                GroupName {
                    column: "g1".into(),
                    name: "Groupe A".into(),
                },
                GroupName {
                    column: "g3".into(),
                    name: "Groupe B".into(),
                },
            ]
        ))
    );
    // Each group is joined once.
    let plan = run(csv);
    assert_eq!(plan.writes.members_added.len(), 2);
}

#[test]
fn the_keys_of_the_lines_that_parsed_are_wanted() {
    let file = parse(
        "cmd;rolename;uid;cid\n\
         add;student;u10;MATHS\n\
         del;student;u11;ATELIER\n\
         add;student;u10;COM\n\
         remove;student;u12;BTS\n",
    );
    let wanted = Wanted::of(&file, &EnrolSettings::default());
    assert_eq!(
        wanted,
        Wanted {
            users: ["u10", "u11"].map(String::from).into(),
            course_ids: Default::default(),
            course_keys: ["ATELIER", "COM", "MATHS"].map(String::from).into(),
        }
    );
}

#[test]
fn only_the_manual_and_self_plugins_are_read() {
    let plan = run("cmd;rolename;uid;cid;enrol\n\
         add;student;u10;MATHS;meta\n\
         add;student;u10;MATHS;Self\n");
    assert_eq!(
        problem(&plan, 0),
        &Problem::PluginNotAllowed {
            value: "meta".into()
        }
    );
    assert_eq!(place(error(&plan, 0)), (Some("enrol"), Some("meta")));
    assert!(plan.outcome.lines[1].result.is_ok());
}
