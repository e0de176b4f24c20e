//! The record splitter: ranges, line numbers, quoting, comments, and agreement with the csv crate.

use super::*;

fn fields(records: &[RawRecord]) -> Vec<Vec<String>> {
    records
        .iter()
        .map(|record| {
            record
                .fields
                .iter()
                .map(|field| String::from_utf8(field.clone()).unwrap())
                .collect()
        })
        .collect()
}

#[test]
fn ranges_cover_each_record_with_its_terminator() {
    let input = b"# comment\r\ncmd;cid\r\n\r\nadd;\"a;b\r\nc\"\r\n# mid\r\ndel;x\nfree;y";
    let records = split(input, b';', 0).unwrap();
    let raw: Vec<&[u8]> = records
        .iter()
        .map(|record| &input[record.range.clone()])
        .collect();
    assert_eq!(
        raw,
        [
            &b"cmd;cid\r\n"[..],
            b"add;\"a;b\r\nc\"\r\n",
            b"del;x\n",
            b"free;y"
        ]
    );
    let lines: Vec<usize> = records.iter().map(|record| record.line).collect();
    assert_eq!(lines, [2, 4, 7, 8]);
    assert_eq!(
        fields(&records),
        [
            vec!["cmd", "cid"],
            vec!["add", "a;b\r\nc"],
            vec!["del", "x"],
            vec!["free", "y"]
        ]
    );
}

#[test]
fn doubled_quotes_and_blanks_before_an_opening_quote() {
    let records = split(b"a; \"say \"\"hi\"\"\" ;c\n", b';', 0).unwrap();
    assert_eq!(fields(&records), [vec!["a", "say \"hi\" ", "c"]]);
}

#[test]
fn a_quote_inside_an_unquoted_value_is_literal() {
    let records = split(b"l'\"ecole;x\n", b';', 0).unwrap();
    assert_eq!(fields(&records), [vec!["l'\"ecole", "x"]]);
}

#[test]
fn only_a_hash_in_the_first_column_makes_a_comment() {
    // Q31 of the reference: lines starting with a space, `-`, `/`, `(` or `[` are data.
    let records = split(b" -x;1\n-y;2\n/z;3\n(w;4\n[v;5\n#c;6\n", b';', 0).unwrap();
    assert_eq!(
        fields(&records),
        [
            [" -x", "1"],
            ["-y", "2"],
            ["/z", "3"],
            ["(w", "4"],
            ["[v", "5"]
        ]
    );
}

#[test]
fn lone_carriage_returns_end_lines() {
    let records = split(b"a;b\rc;d\r", b';', 0).unwrap();
    assert_eq!(fields(&records), [vec!["a", "b"], vec!["c", "d"]]);
    assert_eq!(records[1].line, 2);
}

#[test]
fn line_numbers_count_breaks_inside_quoted_values() {
    let records = split(b"h\n\"x\ny\nz\"\nnext\n", b';', 0).unwrap();
    assert_eq!(
        records.iter().map(|record| record.line).collect::<Vec<_>>(),
        [1, 2, 5]
    );
}

#[test]
fn an_unterminated_quote_names_its_line() {
    assert_eq!(
        split(b"h\nok\n\"never closed;x\nmore\n", b';', 0),
        Err(UnterminatedQuote { line: 3 })
    );
}

#[test]
fn offsets_shift_ranges() {
    let records = split(b"a\n", b';', 3).unwrap();
    assert_eq!(records[0].range, 3..5);
}

#[test]
fn long_lines_are_not_cut() {
    // Q30 of the reference: lines were read 1023 bytes at a time.
    let value = "x".repeat(100_000);
    let input = format!("cname;userid\n{value};u1\n");
    let records = split(input.as_bytes(), b';', 0).unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].fields[0].len(), 100_000);
}

/// The csv crate is the reference for field splitting: on inputs without comment lines, both
/// must read the same fields.
#[test]
fn fields_agree_with_the_csv_crate() {
    let inputs: [&[u8]; 6] = [
        b"a;b;c\n1;2;3\n",
        b"a;\"b;c\";d\r\n\"x\"\"y\";;\r\n",
        b"a,b\n\"multi\nline\",z\n",
        b"only\n",
        b"a;b\n;\n;;\n",
        b"\"\";\"\"\"\"\n",
    ];
    for input in inputs {
        let delimiter = if input.contains(&b',') && !input.contains(&b';') {
            b','
        } else {
            b';'
        };
        let ours = fields(&split(input, delimiter, 0).unwrap());
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(input);
        let theirs: Vec<Vec<String>> = reader
            .byte_records()
            .map(|record| {
                record
                    .unwrap()
                    .iter()
                    .map(|field| String::from_utf8(field.to_vec()).unwrap())
                    .collect()
            })
            .collect();
        assert_eq!(ours, theirs, "input {:?}", String::from_utf8_lossy(input));
    }
}
