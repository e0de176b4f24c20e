//! The tryback: the input's header and exactly its failed lines, byte for byte (encoding,
//! delimiter, quoting and line endings as received), ready to be fixed and dropped again.

use std::ops::Range;

use crate::input::{BOM, Table};

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

#[cfg(test)]
mod tests {
    use encoding_rs::WINDOWS_1252;

    use super::*;
    use crate::input::{DelimiterSetting, EncodingSetting, ReadSettings, read_table};

    fn tryback_of(input: &[u8], failed_lines: &[usize]) -> Vec<u8> {
        let settings = ReadSettings {
            encoding: EncodingSetting::Auto(WINDOWS_1252),
            delimiter: DelimiterSetting::Auto,
        };
        let table = read_table(input, &settings).unwrap();
        let failed: Vec<&Range<usize>> = table
            .records
            .iter()
            .filter(|record| failed_lines.contains(&record.line))
            .map(|record| &record.raw)
            .collect();
        render(input, &table, failed)
    }

    #[test]
    fn comments_and_good_lines_are_left_out_and_bytes_kept() {
        let input = b"\xEF\xBB\xBF# export\r\ncidnumber;userid\r\nC1;u1\r\n# comment\r\nC1;\"gh;ost\"\r\n\r\nC2;u2\r\nC3;x";
        assert_eq!(
            tryback_of(input, &[5, 8]),
            b"\xEF\xBB\xBFcidnumber;userid\r\nC1;\"gh;ost\"\r\nC3;x"
        );
    }

    #[test]
    fn a_record_spanning_lines_is_copied_whole() {
        let input = b"cname;userid\n\"Line 1\nLine 2\";ghost\nOK;u1\n";
        assert_eq!(
            tryback_of(input, &[2]),
            b"cname;userid\n\"Line 1\nLine 2\";ghost\n"
        );
    }

    #[test]
    fn latin1_bytes_are_copied_not_re_encoded() {
        let input = b"cname;userid\nPremi\xE8re;ghost\n";
        assert_eq!(tryback_of(input, &[2]), input);
    }
}
