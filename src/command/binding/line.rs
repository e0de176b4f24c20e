//! The binding file's columns and the parsing of one record into a [`BindingLine`]. Pure: a
//! line is checked on its own here; the course, cohort, role and group it names are resolved by
//! the planner.

use serde::Serialize;

use super::problem::Problem;
pub use crate::command::values::DateValue;
use crate::{
    command::parsed::{self, Parsed},
    command::{
        refs::{CohortIdentifier, CourseIdentifier, RoleIdentifier, parse_flag, parse_id},
        values::{self, Column as _, Values},
    },
    error::{FileError, LineError, LineProblem},
    input::{ColumnMap, ColumnSpec, Record, Table},
};

/// The `[bindings]` settings, with the cohort identifier of `[cohorts]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BindingSettings {
    /// The course field that `course` values are matched against.
    pub course_identifier: CourseIdentifier,
    /// The role field that `role` values are matched against.
    pub role_identifier: RoleIdentifier,
    /// The cohort field that `cohort` values are matched against (`[cohorts]`).
    pub cohort_identifier: CohortIdentifier,
    /// The enrolment plugins the `enrol` column may name, lowercase.
    pub enrol_methods: Vec<String>,
}

impl Default for BindingSettings {
    fn default() -> Self {
        BindingSettings {
            course_identifier: CourseIdentifier::Shortname,
            role_identifier: RoleIdentifier::Shortname,
            cohort_identifier: CohortIdentifier::Idnumber,
            enrol_methods: vec![DEFAULT_ENROL.to_owned()],
        }
    }
}

/// The enrolment plugin of a line without `enrol`.
pub const DEFAULT_ENROL: &str = "cohort";
/// The shortname of the role of a line without `role`.
pub const DEFAULT_ROLE: &str = "student";

/// What a line asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingCmd {
    /// Bind the cohort to the course (create, or enable, the enrolment method).
    Add,
    /// Disable the matching enrolment methods.
    Del,
    /// Enable the matching enrolment methods again.
    Restore,
    /// Delete the matching enrolment methods with their enrolments.
    Fulldel,
}

/// The role a line names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleChoice {
    /// No value: the role with shortname `student`.
    Default,
    /// `*`: every role (not with `add`).
    Every,
    /// A role key, matched by the configured identifier.
    Key(String),
}

/// The group a line asks for (`makegroup`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupChoice {
    /// `0`/`no`: no group.
    None,
    /// `1`/`yes`: the course group named after the cohort, created when missing.
    CohortNamed,
    /// The name of an existing course group.
    Named(String),
}

/// A parsed data line of a binding file. Optional values are `None` when the column is absent
/// or the value empty: an empty value never changes anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingLine {
    /// The command.
    pub cmd: BindingCmd,
    /// The course key. Never empty.
    pub course: String,
    /// The cohort key. Never empty.
    pub cohort: String,
    /// The role.
    pub role: RoleChoice,
    /// The enrolment plugin, lowercase.
    pub enrol: String,
    /// `makegroup`.
    pub group: Option<GroupChoice>,
    /// `enrolstart`: read in the site's time zone by the planner when it has no offset.
    pub start: Option<DateValue>,
    /// `enrolend`, likewise. Checked by the planner: never before `enrolstart`.
    pub end: Option<DateValue>,
}

/// The columns of a binding file, in the order of [`column_specs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// `cmd`.
    Cmd,
    /// `course`.
    Course,
    /// `cohort`.
    Cohort,
    /// `role`.
    Role,
    /// `enrol`.
    Enrol,
    /// `makegroup`.
    Makegroup,
    /// `enrolstart`.
    Enrolstart,
    /// `enrolend`.
    Enrolend,
}

impl values::Column for Column {
    fn index(self) -> usize {
        self as usize
    }

    fn name(self) -> &'static str {
        match self {
            Column::Cmd => "cmd",
            Column::Course => "course",
            Column::Cohort => "cohort",
            Column::Role => "role",
            Column::Enrol => "enrol",
            Column::Makegroup => "makegroup",
            Column::Enrolstart => "enrolstart",
            Column::Enrolend => "enrolend",
        }
    }
}

/// The columns a binding file may have. `courseid`, `cohortid` and `roleid` are the names the
/// reference tool's documentation uses.
pub fn column_specs() -> Vec<ColumnSpec> {
    vec![
        ColumnSpec::new("cmd"),
        ColumnSpec::with_aliases("course", &["courseid"]),
        ColumnSpec::with_aliases("cohort", &["cohortid"]),
        ColumnSpec::with_aliases("role", &["roleid"]),
        ColumnSpec::new("enrol"),
        ColumnSpec::with_aliases("makegroup", &["group"]),
        ColumnSpec::new("enrolstart"),
        ColumnSpec::new("enrolend"),
    ]
}

/// A line of the file, parsed.
pub type ParsedLine = parsed::ParsedLine<BindingLine>;

/// The file ready to plan.
pub type ParsedFile = Parsed<BindingLine>;

/// Maps the header and parses every data line of a binding file. `course` and `cohort` are
/// required columns.
pub fn parse_file(table: &Table, settings: &BindingSettings) -> Result<ParsedFile, FileError> {
    let columns = ColumnMap::resolve(&table.header, &column_specs())?;
    for column in [Column::Course, Column::Cohort] {
        if !columns.has(column.index()) {
            return Err(FileError::MissingColumn {
                column: column.name(),
                kind: "binding",
            });
        }
    }
    let mut notes = Vec::new();
    if !settings
        .enrol_methods
        .iter()
        .any(|method| method == DEFAULT_ENROL)
    {
        notes.push(format!(
            "[bindings] enrol_methods does not list \"{DEFAULT_ENROL}\": lines without an enrol value fail"
        ));
    }
    let lines = table
        .records
        .iter()
        .map(|record| {
            let value = |column: Column| columns.get(record, column.index()).unwrap_or("");
            ParsedLine {
                number: record.line,
                raw: record.raw.clone(),
                command: columns
                    .get(record, Column::Cmd.index())
                    .unwrap_or("add")
                    .to_owned(),
                keys: vec![
                    value(Column::Course).to_owned(),
                    value(Column::Cohort).to_owned(),
                    columns
                        .get(record, Column::Role.index())
                        .unwrap_or(DEFAULT_ROLE)
                        .to_owned(),
                ],
                line: parse_line(record, &columns, settings),
            }
        })
        .collect();
    Ok(ParsedFile {
        header: (),
        lines,
        notes,
        empty_records: table.empty_records,
    })
}

/// Moodle's `groups.name` width, in characters.
const GROUP_NAME_MAX: usize = 254;

fn parse_line(
    record: &Record,
    columns: &ColumnMap,
    settings: &BindingSettings,
) -> Result<BindingLine, LineError> {
    columns.check_width(record)?;
    columns.check_text(record)?;
    let values = Values { record, columns };
    let cmd = parse_cmd(&values)?;
    let course = values.key(Column::Course, "course", settings.course_identifier.name())?;
    if settings.course_identifier == CourseIdentifier::Id {
        parse_id(course).map_err(|problem| values.fail(Column::Course, course, problem))?;
    }
    let cohort = values.key(Column::Cohort, "cohort", settings.cohort_identifier.name())?;
    if settings.cohort_identifier == CohortIdentifier::Id {
        parse_id(cohort).map_err(|problem| values.fail(Column::Cohort, cohort, problem))?;
    }

    let role = match values.get(Column::Role) {
        None => RoleChoice::Default,
        Some("*") if cmd == BindingCmd::Add => {
            return Err(values.fail(Column::Role, "*", Problem::EveryRoleWithAdd.into()));
        }
        Some("*") => RoleChoice::Every,
        Some(text) => {
            if settings.role_identifier == RoleIdentifier::Id {
                parse_id(text).map_err(|problem| values.fail(Column::Role, text, problem))?;
            }
            RoleChoice::Key(text.to_owned())
        }
    };

    let enrol = values
        .get(Column::Enrol)
        .unwrap_or(DEFAULT_ENROL)
        .to_lowercase();
    if !settings.enrol_methods.contains(&enrol) {
        return Err(values.fail(
            Column::Enrol,
            values.get(Column::Enrol).unwrap_or(""),
            Problem::EnrolNotAllowed {
                value: enrol,
                allowed: settings.enrol_methods.join(", "),
            }
            .into(),
        ));
    }

    let group = parse_group(&values)?;
    let start = values.date(Column::Enrolstart)?;
    let end = values.date(Column::Enrolend)?;
    Ok(BindingLine {
        cmd,
        course: course.to_owned(),
        cohort: cohort.to_owned(),
        role,
        enrol,
        group,
        start,
        end,
    })
}

/// The line's command: `add` when it has none.
fn parse_cmd(values: &Values) -> Result<BindingCmd, LineError> {
    let Some(text) = values.get(Column::Cmd) else {
        return Ok(BindingCmd::Add);
    };
    match text.to_lowercase().as_str() {
        "add" => Ok(BindingCmd::Add),
        "del" => Ok(BindingCmd::Del),
        "restore" => Ok(BindingCmd::Restore),
        "fulldel" => Ok(BindingCmd::Fulldel),
        _ => Err(values.fail(
            Column::Cmd,
            text,
            LineProblem::UnknownCommand {
                value: text.to_owned(),
                expected: "add, del, restore or fulldel",
            },
        )),
    }
}

/// The group the line asks for (`makegroup`): a flag, or the name of a group.
fn parse_group(values: &Values) -> Result<Option<GroupChoice>, LineError> {
    let Some(text) = values.get(Column::Makegroup) else {
        return Ok(None);
    };
    match parse_flag(text) {
        Ok(true) => Ok(Some(GroupChoice::CohortNamed)),
        Ok(false) => Ok(Some(GroupChoice::None)),
        Err(_) if text.chars().count() > GROUP_NAME_MAX => Err(values.fail(
            Column::Makegroup,
            text,
            LineProblem::TooLong {
                length: text.chars().count(),
                max: GROUP_NAME_MAX,
            },
        )),
        Err(_) => Ok(Some(GroupChoice::Named(text.to_owned()))),
    }
}
