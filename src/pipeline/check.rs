//! Phase 2, check: the bytes decoded and parsed as the file's kind. Everything that can reject
//! a file for what it holds (encoding, header, a header of another kind) is found here, before
//! the database is touched.

use crate::{
    command::{self, FileKind, ParsedFile},
    config::Config,
    error::FileError,
    input::{Table, read_table},
};

/// Decodes and parses `bytes` as a file of `kind`.
pub(super) fn check(
    config: &Config,
    kind: FileKind,
    bytes: &[u8],
) -> Result<(Table, ParsedFile), FileError> {
    let table = read_table(bytes, &config.input.read)?;
    let file = command::parse(kind, &table, &config.kinds, &config.routing)?;
    Ok((table, file))
}
