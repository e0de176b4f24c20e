//! Header mapping: case, aliases, unknown and repeated columns, extra values.

use super::*;

fn record(values: &[&str]) -> Record {
    Record {
        line: 1,
        raw: 0..0,
        values: values.iter().map(|value| (*value).to_owned()).collect(),
    }
}

fn specs() -> Vec<ColumnSpec> {
    vec![
        ColumnSpec::new("cmd"),
        ColumnSpec::with_aliases("cidnumber", &["idnumber"]),
        ColumnSpec::new("userid"),
    ]
}

#[test]
fn names_match_case_insensitively_and_through_aliases() {
    let map = ColumnMap::resolve(&record(&["CMD", "IdNumber", "userid"]), &specs()).unwrap();
    let line = record(&["del", "C0H1", "user23"]);
    assert_eq!(map.get(&line, 0), Some("del"));
    assert_eq!(map.get(&line, 1), Some("C0H1"));
    assert_eq!(map.header_name(1), Some("IdNumber"));
    assert_eq!(map.get(&record(&["add", ""]), 1), None);
    assert_eq!(map.get(&record(&["add"]), 2), None);
}

#[test]
fn unknown_columns_are_all_listed_with_the_closest_known_name() {
    let error = ColumnMap::resolve(&record(&["cmd", "cidnumbr", "email"]), &specs()).unwrap_err();
    let text = error.to_string();
    assert_eq!(
        text,
        "unknown columns \"cidnumbr\" (column 2; did you mean \"cidnumber\"?), \"email\" (column 3); \
         known columns are cmd, cidnumber, userid"
    );
}

#[test]
fn a_column_named_twice_is_refused_even_through_an_alias() {
    let error =
        ColumnMap::resolve(&record(&["cidnumber", "cmd", "idnumber"]), &specs()).unwrap_err();
    assert!(
        matches!(
            error,
            FileError::DuplicateColumn {
                name: "cidnumber",
                first: 1,
                second: 3
            }
        ),
        "{error:?}"
    );
}

#[test]
fn trailing_empty_names_are_ignored_but_not_inner_ones() {
    assert!(ColumnMap::resolve(&record(&["cmd", "cidnumber", ""]), &specs()).is_ok());
    let error = ColumnMap::resolve(&record(&["cmd", "", "cidnumber"]), &specs()).unwrap_err();
    assert!(matches!(error, FileError::EmptyColumnName { position: 2 }));
}

#[test]
fn extra_values_fail_only_when_not_empty() {
    let map = ColumnMap::resolve(&record(&["cidnumber", "userid"]), &specs()).unwrap();
    assert!(map.check_width(&record(&["C1", "u1", "", ""])).is_ok());
    let error = map
        .check_width(&record(&["COH001", "Première cohorte", "user1"]))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "3 values for 2 columns: extra value \"user1\" has no column"
    );
    assert_eq!(error.value.as_deref(), Some("user1"));
}
