//! Parsing a table as the file's kind, and telling a file of another kind by its header.

use super::{
    registry::{FileKind, KindSettings, ParsedFile},
    routing::Routing,
};
use crate::{error::FileError, input::Table};

/// Parses `table` as a file of `kind`. A header that another kind's columns explain is
/// [`FileError::WrongKind`]: the file was misnamed (or `--kind` was wrong), not mistyped.
pub fn parse(
    kind: FileKind,
    table: &Table,
    settings: &KindSettings,
    routing: &Routing,
) -> Result<ParsedFile, FileError> {
    let parsed = ParsedFile::parse_as(kind, table, settings);
    let Err(error) = parsed else {
        return parsed;
    };
    if !matches!(
        error,
        FileError::UnknownColumns { .. } | FileError::MissingColumn { .. }
    ) {
        return Err(error);
    }
    let other = FileKind::routing_order()
        .into_iter()
        .filter(|&other| other != kind)
        .find(|&other| ParsedFile::parse_as(other, table, settings).is_ok());
    match other {
        Some(found) => Err(FileError::WrongKind {
            kind: kind.name(),
            found: found.name(),
            header: table
                .header
                .values
                .join(&char::from(table.format.delimiter).to_string()),
            patterns: routing.patterns(found).join(", "),
        }),
        None => Err(error),
    }
}
