//! The tryback: the input's header and exactly its failed lines, byte for byte (encoding,
//! delimiter, quoting and line endings as received), ready to be fixed and dropped again.

use std::ops::Range;

use crate::input::Table;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The tryback's bytes: the BOM if the input had one, the header record, then each failed
/// record as it stands in `input`.
pub fn render<'a>(
    input: &[u8],
    table: &Table,
    failed: impl IntoIterator<Item = &'a Range<usize>>,
) -> Vec<u8> {
    let mut out = Vec::new();
    if table.format.bom {
        out.extend_from_slice(BOM);
    }
    out.extend_from_slice(&input[table.header.raw.clone()]);
    for range in failed {
        // A header without line terminator cannot be followed by a record, so every record
        // copied here starts on a line of its own.
        out.extend_from_slice(&input[range.clone()]);
    }
    out
}
