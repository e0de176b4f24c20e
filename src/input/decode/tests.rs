//! Decoding: BOM, encodings and their detection, delimiters, empty records, line endings.

use encoding_rs::{UTF_8, WINDOWS_1252};

use super::*;

const AUTO: ReadSettings = ReadSettings {
    encoding: EncodingSetting::Auto(WINDOWS_1252),
    delimiter: DelimiterSetting::Auto,
};

fn values(table: &Table) -> Vec<Vec<&str>> {
    table
        .records
        .iter()
        .map(|record| record.values.iter().map(String::as_str).collect())
        .collect()
}

#[test]
fn utf8_with_bom_and_crlf() {
    let input = b"\xEF\xBB\xBFcname;userid\r\nPremi\xC3\xA8re;u1\r\n";
    let table = read_table(input, &AUTO).unwrap();
    assert!(table.format.bom);
    assert_eq!(table.format.encoding, UTF_8);
    assert_eq!(table.format.line_ending, LineEnding::Crlf);
    assert_eq!(table.header.values, ["cname", "userid"]);
    assert_eq!(table.header.raw, 3..17);
    assert_eq!(values(&table), [["Première", "u1"]]);
}

#[test]
fn latin1_is_detected_when_the_file_is_not_utf8() {
    let table = read_table(b"cname;userid\nPremi\xE8re;u1\n", &AUTO).unwrap();
    assert_eq!(table.format.encoding, WINDOWS_1252);
    assert!(table.format.encoding_detected);
    assert_eq!(values(&table), [["Première", "u1"]]);
}

#[test]
fn windows_1252_punctuation_decodes() {
    let table = read_table(b"cname\nL\x92\x80cole \x96 2\n", &AUTO).unwrap();
    assert_eq!(values(&table), [["L’€cole – 2"]]);
}

#[test]
fn configured_utf8_rejects_latin1_and_names_the_line() {
    let settings = ReadSettings {
        encoding: EncodingSetting::Utf8,
        delimiter: DelimiterSetting::Auto,
    };
    let error = read_table(b"cname\nok\nPremi\xE8re\n", &settings).unwrap_err();
    assert!(
        matches!(error, FileError::InvalidUtf8 { line: 3, byte: 14 }),
        "{error:?}"
    );
}

#[test]
fn configured_latin1_reads_utf8_bytes_as_latin1() {
    let settings = ReadSettings {
        encoding: EncodingSetting::Legacy(WINDOWS_1252),
        delimiter: DelimiterSetting::Auto,
    };
    let table = read_table(b"cname\n\xC3\xA9\n", &settings).unwrap();
    assert_eq!(values(&table), [["Ã©"]]);
}

#[test]
fn a_bom_means_utf8_whatever_the_setting() {
    let settings = ReadSettings {
        encoding: EncodingSetting::Legacy(WINDOWS_1252),
        delimiter: DelimiterSetting::Auto,
    };
    let table = read_table(b"\xEF\xBB\xBFcname\n\xC3\xA9\n", &settings).unwrap();
    assert_eq!(values(&table), [["é"]]);
}

#[test]
fn utf16_is_refused_with_advice() {
    assert!(matches!(
        read_table(b"\xFF\xFEc\x00", &AUTO),
        Err(FileError::Utf16)
    ));
}

#[test]
fn delimiters_are_detected_from_the_header() {
    for (input, delimiter) in [
        (&b"cmd,cidnumber\nadd,X\n"[..], b','),
        (b"cmd\tcidnumber\nadd\tX\n", b'\t'),
        (b"cmd;cidnumber\nadd;X\n", b';'),
    ] {
        let table = read_table(input, &AUTO).unwrap();
        assert_eq!(table.format.delimiter, delimiter);
        assert_eq!(values(&table), [["add", "X"]]);
    }
}

#[test]
fn a_header_with_two_candidate_delimiters_is_refused() {
    let error = read_table(b"# comment; with, both\ncmd;cname,x\n", &AUTO).unwrap_err();
    match error {
        FileError::AmbiguousDelimiter { line, found } => {
            assert_eq!(line, 2);
            assert_eq!(found, "';' and ','");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_quoted_delimiter_in_the_header_does_not_count() {
    let table = read_table(b"cmd;\"c,name\"\nadd;x\n", &AUTO).unwrap();
    assert_eq!(table.format.delimiter, b';');
}

#[test]
fn a_configured_delimiter_is_used_as_is() {
    let settings = ReadSettings {
        encoding: EncodingSetting::Utf8,
        delimiter: DelimiterSetting::Fixed(b','),
    };
    let table = read_table(b"cmd;cname,userid\nadd;x,u\n", &settings).unwrap();
    assert_eq!(table.header.values, ["cmd;cname", "userid"]);
}

#[test]
fn no_header_is_a_file_error() {
    for input in [
        &b""[..],
        b"\n\n",
        b"# only a comment\n\n# another\n",
        b"\xEF\xBB\xBF",
        b";;;\n  \n",
    ] {
        assert!(
            matches!(read_table(input, &AUTO), Err(FileError::NoHeader)),
            "{input:?}"
        );
    }
}

#[test]
fn values_and_names_are_trimmed_and_empty_records_counted() {
    let table = read_table(
        b" cname ; cidnumber \n Cohorte 1 ;\xC2\xA0COH1\n;;\n   \n",
        &AUTO,
    )
    .unwrap();
    assert_eq!(table.header.values, ["cname", "cidnumber"]);
    assert_eq!(values(&table), [["Cohorte 1", "COH1"]]);
    assert_eq!(table.empty_records, 2);
}

#[test]
fn an_unterminated_quote_is_a_file_error() {
    assert!(matches!(
        read_table(b"cname\n\"open\n", &AUTO),
        Err(FileError::UnterminatedQuote { line: 2 })
    ));
}

#[test]
fn line_endings_are_reported() {
    let ending = |input: &[u8]| read_table(input, &AUTO).unwrap().format.line_ending;
    assert_eq!(ending(b"a\nb\n"), LineEnding::Lf);
    assert_eq!(ending(b"a\r\nb\r\n"), LineEnding::Crlf);
    assert_eq!(ending(b"a\rb\r"), LineEnding::Cr);
    assert_eq!(ending(b"a\r\nb\n"), LineEnding::Mixed);
    assert_eq!(ending(b"a"), LineEnding::None);
}

#[test]
fn the_delimiter_is_read_on_the_line_that_becomes_the_header() {
    // Leading lines without a value (blanks, separators of another kind) are not the header,
    // so they must not decide the delimiter either.
    for input in [
        &b"   \ncmd,cidnumber\nadd,X\n"[..],
        b";;;\ncmd,cidnumber\nadd,X\n",
        b"\t\n\"\"\ncmd,cidnumber\nadd,X\n",
    ] {
        let table = read_table(input, &AUTO).unwrap();
        assert_eq!(table.format.delimiter, b',', "{input:?}");
        assert_eq!(table.header.values, ["cmd", "cidnumber"], "{input:?}");
        assert_eq!(values(&table), [["add", "X"]], "{input:?}");
    }
}

#[test]
fn a_bom_on_bytes_that_are_not_utf8_is_reported_as_such() {
    let error = read_table(b"\xEF\xBB\xBFcname\nPremi\xE8re\n", &AUTO).unwrap_err();
    assert!(
        matches!(error, FileError::InvalidUtf8AfterBom { line: 2, byte: 14 }),
        "{error:?}"
    );
    assert!(error.to_string().contains("byte order mark"), "{error}");
}
