//! The cohort file's columns and the parsing of one record into a [`CohortLine`]. Pure: a line
//! is checked on its own here; what it refers to is resolved by the planner.

use serde::Serialize;

use super::problem::Problem;
use crate::{
    command::parsed::{self, Parsed},
    command::refs::{CategoryRef, CohortIdentifier, UserIdentifier, parse_flag, parse_id},
    error::{FileError, LineError, LineProblem},
    input::{ColumnMap, ColumnSpec, Record, Table},
};

/// The `[cohorts]` settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CohortSettings {
    /// The user field that `userid` values are matched against.
    pub user_identifier: UserIdentifier,
    /// The cohort field that the key column is matched against.
    pub cohort_identifier: CohortIdentifier,
    /// Whether `add` creates a cohort it does not find.
    pub create_missing: bool,
    /// Whether cohorts this file leaves empty are deleted after the last line.
    pub delete_empty: bool,
    /// The largest share of a cohort's members, in percent (0 to 100), that a `sync` may
    /// remove before the file is held for approval; 100 never holds.
    pub max_sync_removal_percent: u8,
}

/// What a line asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CohortCmd {
    /// Create or update the cohort; add the user if one is given.
    Add,
    /// Remove the user from the cohort, or delete the cohort when no user is given.
    Del,
    /// Remove every member; keep the cohort.
    Free,
    /// Create or update the cohort like `add`; with a user, list them as a member. The `sync`
    /// lines of a cohort together are its whole member list: after the last line, members
    /// they do not list are removed.
    Sync,
}

/// A parsed data line of a cohort file. Optional values are `None` when the column is absent
/// or the value empty: an empty value never changes anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortLine {
    /// The command.
    pub cmd: CohortCmd,
    /// The cohort key, matched by the configured identifier. Never empty.
    pub key: String,
    /// `cname`, when it is not the key: the name to create or rename to.
    pub name: Option<String>,
    /// `cidnumber`, when it is not the key: the idnumber to create with or change to.
    pub idnumber: Option<String>,
    /// `cdescription`.
    pub description: Option<String>,
    /// `ccatcontext`: a category id, or the system context.
    pub category: Option<CategoryRef>,
    /// `ccatcontextidnumber`: a category idnumber.
    pub category_idnumber: Option<String>,
    /// `component`: the plugin said to manage the cohort.
    pub component: Option<String>,
    /// `visible`.
    pub visible: Option<bool>,
    /// `userid`, the user key, matched by the configured identifier.
    pub user: Option<String>,
}

/// The columns of a cohort file, in the order of [`column_specs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// `cmd`.
    Cmd,
    /// `cid`.
    Cid,
    /// `cname`.
    Cname,
    /// `cidnumber`.
    Cidnumber,
    /// `cdescription`.
    Cdescription,
    /// `ccatcontext`.
    Ccatcontext,
    /// `ccatcontextidnumber`.
    Ccatcontextidnumber,
    /// `userid`.
    Userid,
    /// `component`.
    Component,
    /// `visible`.
    Visible,
}

impl Column {
    const fn index(self) -> usize {
        self as usize
    }
}

/// The columns a cohort file may have. `cohortid`, the documentation's name for "the cohort
/// key", is an alias of whichever column holds the key.
pub fn column_specs(settings: &CohortSettings) -> Vec<ColumnSpec> {
    let key = settings.cohort_identifier;
    let with_key_alias =
        |name: &'static str, identifier: CohortIdentifier, aliases: &[&'static str]| {
            let mut aliases = aliases.to_vec();
            if key == identifier {
                aliases.push("cohortid");
            }
            ColumnSpec { name, aliases }
        };
    vec![
        ColumnSpec::new("cmd"),
        with_key_alias("cid", CohortIdentifier::Id, &[]),
        with_key_alias("cname", CohortIdentifier::Name, &["name"]),
        with_key_alias("cidnumber", CohortIdentifier::Idnumber, &["idnumber"]),
        ColumnSpec::with_aliases("cdescription", &["description"]),
        ColumnSpec::new("ccatcontext"),
        ColumnSpec::new("ccatcontextidnumber"),
        ColumnSpec::new("userid"),
        ColumnSpec::with_aliases("component", &["ccomponent"]),
        ColumnSpec::with_aliases("visible", &["cvisible"]),
    ]
}

/// A line of the file, parsed.
pub type ParsedLine = parsed::ParsedLine<CohortLine>;

/// The file ready to plan.
pub type ParsedFile = Parsed<CohortLine>;

/// Maps the header and parses every data line of a cohort file.
pub fn parse_file(table: &Table, settings: &CohortSettings) -> Result<ParsedFile, FileError> {
    let columns = ColumnMap::resolve(&table.header, &column_specs(settings))?;
    let mut notes = Vec::new();
    let key_column = key_column(settings.cohort_identifier);
    if !columns.has(key_column.index()) {
        notes.push(format!(
            "the file has no {} column: cohorts are matched by {}, so every line fails",
            settings.cohort_identifier.key_column(),
            settings.cohort_identifier
        ));
    }
    if settings.cohort_identifier != CohortIdentifier::Id && columns.has(Column::Cid.index()) {
        notes.push(format!(
            "column cid is ignored: cohorts are matched by {} (set [cohorts] cohort_identifier = \"id\" to match by id)",
            settings.cohort_identifier
        ));
    }
    let lines = table
        .records
        .iter()
        .map(|record| {
            let raw_key = columns.get(record, key_column.index()).unwrap_or("");
            ParsedLine {
                command: columns
                    .get(record, Column::Cmd.index())
                    .unwrap_or("add")
                    .to_owned(),
                keys: vec![
                    raw_key.to_owned(),
                    columns
                        .get(record, Column::Userid.index())
                        .unwrap_or("")
                        .to_owned(),
                ],
                line: parse_line(record, &columns, settings),
                number: record.line,
                raw: record.raw.clone(),
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

fn key_column(identifier: CohortIdentifier) -> Column {
    match identifier {
        CohortIdentifier::Id => Column::Cid,
        CohortIdentifier::Idnumber => Column::Cidnumber,
        CohortIdentifier::Name => Column::Cname,
    }
}

/// Moodle's column widths, in characters.
const NAME_MAX: usize = 254;
const IDNUMBER_MAX: usize = 100;
const COMPONENT_MAX: usize = 100;

fn parse_line(
    record: &Record,
    columns: &ColumnMap,
    settings: &CohortSettings,
) -> Result<CohortLine, LineError> {
    columns.check_width(record)?;
    columns.check_text(record)?;
    let values = Values { record, columns };
    let cmd = match values.get(Column::Cmd) {
        None => CohortCmd::Add,
        Some(text) => match text.to_lowercase().as_str() {
            "add" => CohortCmd::Add,
            "del" => CohortCmd::Del,
            "free" => CohortCmd::Free,
            "sync" => CohortCmd::Sync,
            _ => {
                return Err(values.fail(
                    Column::Cmd,
                    text,
                    LineProblem::UnknownCommand {
                        value: text.to_owned(),
                        expected: "add, del, free or sync",
                    },
                ));
            }
        },
    };
    let identifier = settings.cohort_identifier;
    let key = parse_key(&values, identifier)?;
    let name = if identifier == CohortIdentifier::Name {
        None
    } else {
        values.checked(Column::Cname, NAME_MAX)?
    };
    let idnumber = if identifier == CohortIdentifier::Idnumber {
        None
    } else {
        values.checked(Column::Cidnumber, IDNUMBER_MAX)?
    };

    let category = match values.get(Column::Ccatcontext) {
        None => None,
        Some(text) if text == "0" || text.eq_ignore_ascii_case("system") => {
            Some(CategoryRef::System)
        }
        Some(text) => {
            Some(CategoryRef::Id(parse_id(text).map_err(|problem| {
                values.fail(Column::Ccatcontext, text, problem)
            })?))
        }
    };
    let visible = match values.get(Column::Visible) {
        None => None,
        Some(text) => {
            Some(parse_flag(text).map_err(|problem| values.fail(Column::Visible, text, problem))?)
        }
    };
    let user = match values.get(Column::Userid) {
        None => None,
        Some(text) => {
            settings
                .user_identifier
                .normalize(text)
                .map_err(|problem| values.fail(Column::Userid, text, problem))?;
            Some(text.to_owned())
        }
    };
    Ok(CohortLine {
        cmd,
        key: key.to_owned(),
        name,
        idnumber,
        description: values.get(Column::Cdescription).map(str::to_owned),
        category,
        category_idnumber: values.checked(Column::Ccatcontextidnumber, IDNUMBER_MAX)?,
        component: values.checked(Column::Component, COMPONENT_MAX)?,
        visible,
        user,
    })
}

/// The line's cohort key, in the column `identifier` says: present, and a valid id or within
/// Moodle's width.
fn parse_key<'a>(values: &Values<'a>, identifier: CohortIdentifier) -> Result<&'a str, LineError> {
    let key_column = key_column(identifier);
    if !values.columns.has(key_column.index()) {
        return Err(LineError::line(Problem::NoKeyColumn {
            column: identifier.key_column(),
            by: identifier.name(),
        }));
    }
    let Some(key) = values.get(key_column) else {
        return Err(values.fail(
            key_column,
            "",
            Problem::MissingKey {
                by: identifier.name(),
            }
            .into(),
        ));
    };
    match identifier {
        CohortIdentifier::Id => {
            parse_id(key).map_err(|problem| values.fail(key_column, key, problem))?;
        }
        CohortIdentifier::Idnumber => {
            values.checked(Column::Cidnumber, IDNUMBER_MAX)?;
        }
        CohortIdentifier::Name => {
            values.checked(Column::Cname, NAME_MAX)?;
        }
    }
    Ok(key)
}

/// One record's values, read through the header's columns. An error names the column as the
/// header writes it.
struct Values<'a> {
    record: &'a Record,
    columns: &'a ColumnMap,
}

impl<'a> Values<'a> {
    /// The value of `column`; `None` when the column is absent or the value empty.
    fn get(&self, column: Column) -> Option<&'a str> {
        self.columns.get(self.record, column.index())
    }

    /// A line error in `column`.
    fn fail(&self, column: Column, value: &str, problem: LineProblem) -> LineError {
        let name = self
            .columns
            .header_name(column.index())
            .unwrap_or("?")
            .to_owned();
        LineError::in_column(name, value, problem)
    }

    /// The value of `column`, refused when longer than `max` characters.
    fn checked(&self, column: Column, max: usize) -> Result<Option<String>, LineError> {
        match self.get(column) {
            Some(text) if text.chars().count() > max => Err(self.fail(
                column,
                text,
                LineProblem::TooLong {
                    length: text.chars().count(),
                    max,
                },
            )),
            other => Ok(other.map(str::to_owned)),
        }
    }
}
