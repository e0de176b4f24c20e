//! The enrolment file's columns (tool_sync's) and the parsing of one record into an
//! [`EnrolmentLine`]. Pure: a line is checked on its own here; the user, course, role, method
//! and groups it names are resolved by the planner.

use serde::Serialize;

use super::problem::Problem;
pub use crate::command::values::DateValue;
use crate::{
    command::{
        parsed::{self, Parsed},
        refs::{CourseIdentifier, RoleIdentifier, UserIdentifier, parse_id},
        values::{self, Column as _, Values},
    },
    error::{FileError, LineError, LineProblem},
    input::{ColumnMap, ColumnSpec, Record, Table},
};

/// The `[enrolments]` settings of enrolment files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnrolSettings {
    /// The user field `uid` values are matched against.
    pub user_identifier: UserIdentifier,
    /// The course field `cid` values are matched against.
    pub course_identifier: CourseIdentifier,
    /// The role field `rolename` values are matched against.
    pub role_identifier: RoleIdentifier,
}

impl Default for EnrolSettings {
    fn default() -> Self {
        EnrolSettings {
            user_identifier: UserIdentifier::Idnumber,
            course_identifier: CourseIdentifier::Shortname,
            role_identifier: RoleIdentifier::Shortname,
        }
    }
}

/// The enrolment plugin of a line without `enrol`.
pub const DEFAULT_ENROL: &str = "manual";
/// The plugins whose enrolments are made by hand, and whose roles `enrol_user` gives by hand
/// (component `''`): the only ones an enrolment file may name.
pub const ENROL_PLUGINS: [&str; 2] = ["manual", "self"];
/// Cohort sync's plugin, which enrolment files never touch.
pub const COHORT_ENROL: &str = "cohort";
/// Moodle's `groups.name` width, in characters.
const GROUP_NAME_MAX: usize = 254;
/// Group columns: `g1` … `g9`.
const GROUP_COLUMNS: usize = 9;

/// What a line asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrolCmd {
    /// Enrol (if not enrolled) and give the role (if not held).
    Add,
    /// Unenrol from the method; with an empty `enrol`, take the role away only.
    Del,
    /// Keep the enrolment and end with exactly that role.
    Shift,
    /// Suspend the enrolment.
    Suspend,
    /// Make a suspended enrolment active again.
    Unsuspend,
}

impl EnrolCmd {
    /// The command as files write it.
    pub fn name(self) -> &'static str {
        match self {
            EnrolCmd::Add => "add",
            EnrolCmd::Del => "del",
            EnrolCmd::Shift => "shift",
            EnrolCmd::Suspend => "suspend",
            EnrolCmd::Unsuspend => "unsuspend",
        }
    }
}

/// What a line does with the course's groups (`gcmd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupCmd {
    /// Into the groups listed, which must exist (`gadd`), or created when missing
    /// (`gaddcreate`).
    Add {
        /// Missing groups are created.
        create: bool,
    },
    /// In exactly the groups listed (`greplace`, `greplacecreate`).
    Replace {
        /// Missing groups are created.
        create: bool,
    },
    /// Out of the groups listed (`gdel`).
    Remove,
}

/// A parsed data line of an enrolment file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentLine {
    /// The command.
    pub cmd: EnrolCmd,
    /// The user key (`uid`). Never empty.
    pub user: String,
    /// The course key (`cid`). Never empty.
    pub course: String,
    /// The role key (`rolename`). Never empty.
    pub role: String,
    /// The enrolment plugin, lowercase; `None` when the `enrol` column is there but empty
    /// (a `del` then takes the role away only).
    pub enrol: Option<String>,
    /// `starttime`: `None` when absent or empty (nothing changes).
    pub start: Option<DateValue>,
    /// `endtime`, likewise.
    pub end: Option<DateValue>,
    /// `gcmd` and the groups it names (`g1` … `g9`, in order, empty ones and repeats
    /// skipped), each with its column's name in the header.
    pub groups: Option<(GroupCmd, Vec<GroupName>)>,
}

/// A group a line names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupName {
    /// The column (`g1` … `g9`) as the header names it.
    pub column: String,
    /// The group's name.
    pub name: String,
}

/// The columns of an enrolment file, in the order of [`column_specs`]; `g1` … `g9` follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Cmd,
    Role,
    User,
    Course,
    Enrol,
    Start,
    End,
    Gcmd,
}

impl values::Column for Column {
    fn index(self) -> usize {
        self as usize
    }

    fn name(self) -> &'static str {
        match self {
            Column::Cmd => "cmd",
            Column::Role => "rolename",
            Column::User => "uid",
            Column::Course => "cid",
            Column::Enrol => "enrol",
            Column::Start => "starttime",
            Column::End => "endtime",
            Column::Gcmd => "gcmd",
        }
    }
}

/// The index of group column `g<n>` (from 1).
fn group_column(n: usize) -> usize {
    Column::Gcmd.index() + n
}

/// The columns an enrolment file may have: tool_sync's names, with the names of binding
/// files as aliases.
pub fn column_specs() -> Vec<ColumnSpec> {
    let mut specs = vec![
        ColumnSpec::new("cmd"),
        ColumnSpec::with_aliases("rolename", &["role"]),
        ColumnSpec::with_aliases("uid", &["user"]),
        ColumnSpec::with_aliases("cid", &["course"]),
        ColumnSpec::new("enrol"),
        ColumnSpec::with_aliases("starttime", &["enrolstart"]),
        ColumnSpec::with_aliases("endtime", &["enrolend"]),
        ColumnSpec::new("gcmd"),
    ];
    for n in 1..=GROUP_COLUMNS {
        specs.push(ColumnSpec::new(GROUP_NAMES[n - 1]));
    }
    specs
}

const GROUP_NAMES: [&str; GROUP_COLUMNS] = ["g1", "g2", "g3", "g4", "g5", "g6", "g7", "g8", "g9"];

/// A line of the file, parsed.
pub type ParsedLine = parsed::ParsedLine<EnrolmentLine>;

/// The file ready to plan.
pub type ParsedFile = Parsed<EnrolmentLine, Header>;

/// The names the header gives the columns the planner's errors name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The user's column (`uid`).
    pub user: String,
    /// The course's column (`cid`).
    pub course: String,
    /// The role's column (`rolename`).
    pub role: String,
    /// The plugin's column (`enrol`, named even when the file has none).
    pub enrol: String,
}

impl Default for Header {
    fn default() -> Self {
        Header {
            user: Column::User.name().into(),
            course: Column::Course.name().into(),
            role: Column::Role.name().into(),
            enrol: Column::Enrol.name().into(),
        }
    }
}

/// Maps the header and parses every data line of an enrolment file. `rolename`, `uid` and
/// `cid` are required columns.
pub fn parse_file(table: &Table, settings: &EnrolSettings) -> Result<ParsedFile, FileError> {
    let columns = ColumnMap::resolve(&table.header, &column_specs())?;
    for column in [Column::Role, Column::User, Column::Course] {
        if !columns.has(column.index()) {
            return Err(FileError::MissingColumn {
                column: column.name(),
                kind: "enrolment",
            });
        }
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
                    value(Column::User).to_owned(),
                    value(Column::Course).to_owned(),
                    value(Column::Role).to_owned(),
                ],
                line: parse_line(record, &columns, settings),
            }
        })
        .collect();
    let name = |column: Column| {
        columns
            .header_name(column.index())
            .unwrap_or(column.name())
            .to_owned()
    };
    Ok(ParsedFile {
        header: Header {
            user: name(Column::User),
            course: name(Column::Course),
            role: name(Column::Role),
            enrol: name(Column::Enrol),
        },
        lines,
        notes: Vec::new(),
        empty_records: table.empty_records,
    })
}

fn parse_line(
    record: &Record,
    columns: &ColumnMap,
    settings: &EnrolSettings,
) -> Result<EnrolmentLine, LineError> {
    columns.check_width(record)?;
    columns.check_text(record)?;
    let values = Values { record, columns };
    let cmd = parse_cmd(&values)?;
    let user = values.key(Column::User, "user", settings.user_identifier.name())?;
    if settings.user_identifier == UserIdentifier::Id {
        parse_id(user).map_err(|problem| values.fail(Column::User, user, problem))?;
    }
    let course = values.key(Column::Course, "course", settings.course_identifier.name())?;
    if settings.course_identifier == CourseIdentifier::Id {
        parse_id(course).map_err(|problem| values.fail(Column::Course, course, problem))?;
    }
    let role = values.key(Column::Role, "role", settings.role_identifier.name())?;
    if settings.role_identifier == RoleIdentifier::Id {
        parse_id(role).map_err(|problem| values.fail(Column::Role, role, problem))?;
    }
    let enrol = if columns.has(Column::Enrol.index()) {
        values.get(Column::Enrol).map(str::to_lowercase)
    } else {
        Some(DEFAULT_ENROL.to_owned())
    };
    if enrol.as_deref() == Some(COHORT_ENROL) {
        let text = values.get(Column::Enrol).unwrap_or_default();
        return Err(values.fail(Column::Enrol, text, Problem::CohortMethod.into()));
    }
    if let Some(plugin) = &enrol
        && !ENROL_PLUGINS.contains(&plugin.as_str())
    {
        let text = values.get(Column::Enrol).unwrap_or_default();
        return Err(values.fail(
            Column::Enrol,
            text,
            Problem::PluginNotAllowed {
                value: plugin.clone(),
            }
            .into(),
        ));
    }
    // An empty `enrol` means "the role only" for `del`; the other commands use the default
    // method.
    let enrol = match (cmd, enrol) {
        (EnrolCmd::Del, enrol) => enrol,
        (_, enrol) => Some(enrol.unwrap_or_else(|| DEFAULT_ENROL.to_owned())),
    };
    let start = values.date(Column::Start)?;
    let end = values.date(Column::End)?;
    let groups = parse_groups(&values)?;
    Ok(EnrolmentLine {
        cmd,
        user: user.to_owned(),
        course: course.to_owned(),
        role: role.to_owned(),
        enrol,
        start,
        end,
        groups,
    })
}

/// The line's command: `add` when it has none.
fn parse_cmd(values: &Values) -> Result<EnrolCmd, LineError> {
    let Some(text) = values.get(Column::Cmd) else {
        return Ok(EnrolCmd::Add);
    };
    match text.to_lowercase().as_str() {
        "add" => Ok(EnrolCmd::Add),
        "del" => Ok(EnrolCmd::Del),
        "shift" => Ok(EnrolCmd::Shift),
        "suspend" => Ok(EnrolCmd::Suspend),
        "unsuspend" => Ok(EnrolCmd::Unsuspend),
        _ => Err(values.fail(
            Column::Cmd,
            text,
            LineProblem::UnknownCommand {
                value: text.to_owned(),
                expected: "add, del, shift, suspend or unsuspend",
            },
        )),
    }
}

/// `gcmd` and the groups `g1` … `g9` name.
fn parse_groups(values: &Values) -> Result<Option<(GroupCmd, Vec<GroupName>)>, LineError> {
    let mut names = Vec::new();
    for n in 1..=GROUP_COLUMNS {
        let Some(name) = values.columns.get(values.record, group_column(n)) else {
            continue;
        };
        let length = name.chars().count();
        let column = values
            .columns
            .header_name(group_column(n))
            .unwrap_or(GROUP_NAMES[n - 1]);
        if length > GROUP_NAME_MAX {
            return Err(LineError::in_column(
                column,
                name,
                LineProblem::TooLong {
                    length,
                    max: GROUP_NAME_MAX,
                },
            ));
        }
        if !names.iter().any(|known: &GroupName| known.name == name) {
            names.push(GroupName {
                column: column.to_owned(),
                name: name.to_owned(),
            });
        }
    }
    let Some(text) = values.get(Column::Gcmd) else {
        return match names.first() {
            None => Ok(None),
            Some(group) => Err(values.fail(
                Column::Gcmd,
                "",
                Problem::GroupWithoutCommand {
                    group: group.name.clone(),
                }
                .into(),
            )),
        };
    };
    let cmd = match text.to_lowercase().as_str() {
        "gadd" => GroupCmd::Add { create: false },
        "gaddcreate" => GroupCmd::Add { create: true },
        "greplace" => GroupCmd::Replace { create: false },
        "greplacecreate" => GroupCmd::Replace { create: true },
        "gdel" => GroupCmd::Remove,
        _ => {
            return Err(values.fail(
                Column::Gcmd,
                text,
                LineProblem::UnknownCommand {
                    value: text.to_owned(),
                    expected: "gadd, gaddcreate, greplace, greplacecreate or gdel",
                },
            ));
        }
    };
    if names.is_empty() {
        return Err(values.fail(
            Column::Gcmd,
            text,
            Problem::NoGroupNamed {
                gcmd: text.to_owned(),
            }
            .into(),
        ));
    }
    Ok(Some((cmd, names)))
}
