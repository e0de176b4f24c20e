//! What command files mean. Each kind of file has its own module that parses its lines and
//! plans their effects; [`FileKind`] names the kinds.

pub mod binding;
pub mod cohort;
pub mod dates;
mod kind;
pub mod refs;
pub mod user;

pub use kind::{FileKind, Routing, matches};

use crate::{error::FileError, input::Table};

/// A command file's lines, parsed as its kind says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedFile {
    /// A user file.
    Users(user::ParsedFile),
    /// A cohort file.
    Cohorts(cohort::ParsedFile),
    /// A binding file.
    Bindings(binding::ParsedFile),
}

/// The settings parsing needs, per kind.
#[derive(Debug, Clone, Copy)]
pub struct ParseSettings<'a> {
    /// `[users]`.
    pub users: &'a user::UserSettings,
    /// `[cohorts]`.
    pub cohorts: &'a cohort::CohortSettings,
    /// `[bindings]`.
    pub bindings: &'a binding::BindingSettings,
    /// `[routing]`, to tell the administrator how to route a misnamed file.
    pub routing: &'a Routing,
}

/// Parses `table` as a file of `kind`. A header that another kind's columns explain is
/// [`FileError::WrongKind`]: the file was misnamed (or `--kind` was wrong), not mistyped.
pub fn parse(
    kind: FileKind,
    table: &Table,
    settings: ParseSettings<'_>,
) -> Result<ParsedFile, FileError> {
    let parsed = parse_as(kind, table, settings);
    let Err(error) = parsed else {
        return parsed;
    };
    if !matches!(
        error,
        FileError::UnknownColumns { .. } | FileError::MissingColumn { .. }
    ) {
        return Err(error);
    }
    let other = FileKind::ROUTING_ORDER
        .into_iter()
        .filter(|&other| other != kind)
        .find(|&other| parse_as(other, table, settings).is_ok());
    match other {
        Some(found) => Err(FileError::WrongKind {
            kind: kind.name(),
            found: found.name(),
            header: table
                .header
                .values
                .join(&char::from(table.format.delimiter).to_string()),
            patterns: settings.routing.patterns(found).join(", "),
        }),
        None => Err(error),
    }
}

fn parse_as(
    kind: FileKind,
    table: &Table,
    settings: ParseSettings<'_>,
) -> Result<ParsedFile, FileError> {
    match kind {
        FileKind::Users => user::parse_file(table, settings.users).map(ParsedFile::Users),
        FileKind::Cohorts => cohort::parse_file(table, settings.cohorts).map(ParsedFile::Cohorts),
        FileKind::Bindings => {
            binding::parse_file(table, settings.bindings).map(ParsedFile::Bindings)
        }
    }
}
