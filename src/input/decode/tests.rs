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
fn a_file_that_is_not_text_says_so_before_any_header_complaint() {
    let refused = |bytes: &[u8]| match read_table(bytes, &AUTO) {
        Err(FileError::NotText { what }) => what,
        other => panic!("{other:?}"),
    };
    assert!(refused(b"PK\x03\x04\x14\x00\x06\x00").contains("Excel (.xlsx)"));
    assert!(refused(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00").contains("old Excel"));
    assert!(refused(b"%PDF-1.7\n").contains("PDF"));
    // UTF-16 without a byte order mark: a NUL every other byte.
    let utf16: Vec<u8> = "cmd;cidnumber\nadd;COH1\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let what = refused(&utf16);
    assert!(
        what.contains("UTF-16 text without a byte order mark"),
        "{what}"
    );
    assert!(what.contains("byte 2 (line 1)"), "{what}");
    let nul = refused(b"cmd;cid\x00number\nadd;COH1\n");
    assert_eq!(nul, "it holds NUL bytes, the first at byte 8 (line 1)");
    let scattered: Vec<u8> = b"cmd;cidnumber\n"
        .iter()
        .copied()
        .chain((0..10).flat_map(|_| *b"add;C\x00H1\n"))
        .collect();
    assert_eq!(
        refused(&scattered),
        "it holds NUL bytes, the first at byte 20 (line 2)"
    );
    // A single NUL in a value is left for that line to fail, naming its column.
    assert!(read_table(b"cmd;cidnumber\nadd;CO\x00H1\n", &AUTO).is_ok());
    let mut noise = b"cmd;cidnumber\n".to_vec();
    noise.extend((0..200u8).map(|n| [0x01, 0x02, 0x7f, 0xe9][usize::from(n % 4)]));
    assert!(refused(&noise).contains("control characters, the first at byte 15 (line 2)"));
    let message = FileError::NotText { what: nul }.to_string();
    assert!(
        message.starts_with("the file is not text: it holds NUL bytes"),
        "{message}"
    );
    // Text stays text: tabs, form feeds, a DOS end-of-file mark, Latin-1 letters, one stray
    // control character in a value (the line reports it).
    let table = read_table(
        b"cname\tuserid\nPremi\xe8re\tu1\n\x0c\nA\x07B\tu2\n\x1a",
        &AUTO,
    )
    .unwrap();
    assert_eq!(values(&table)[0], ["Première", "u1"]);
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
