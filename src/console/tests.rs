use super::{lang::Lang, page, report, search::SearchIndex};

#[test]
fn the_language_is_the_first_of_french_and_english_the_browser_prefers() {
    assert_eq!(Lang::from_accept("fr-FR,fr;q=0.9,en;q=0.8"), Lang::Fr);
    assert_eq!(Lang::from_accept("en-GB,en;q=0.9,fr;q=0.5"), Lang::En);
    assert_eq!(Lang::from_accept("de-DE,fr;q=0.4,en;q=0.3"), Lang::Fr);
    assert_eq!(Lang::from_accept("de-DE"), Lang::En);
    assert_eq!(Lang::from_accept(""), Lang::En);
}

#[test]
fn query_values_go_through_escaping_and_back() {
    let value = "cohorts_<b>&\"x\" é.csv";
    let escaped = page::query_escape(value);
    assert!(!escaped.contains(['<', '&', '"', ' ']), "{escaped}");
    assert_eq!(page::query_unescape(&escaped).as_deref(), Some(value));
    assert_eq!(page::query_unescape("a+b%2").as_deref(), Some("a b%2"));
}

const REPORT: &str = r#"{
  "status": "partial", "simulation": false, "error": null, "next_step": "Fix the line",
  "input": {"name": "cohorts.csv"},
  "totals": {"changed": 1, "failed": 1, "cohorts_created": 0},
  "lines": [
    {"line": 2, "command": "add", "status": "changed", "user": "u1", "cohort": "C1",
     "message": "added u1 to cohort C1", "error": null,
     "effects": [{"effect": "member_added", "user": {"username": "jdupont", "idnumber": "u1"}}]},
    {"line": 3, "command": "add", "status": "failed", "user": "ghost", "cohort": "C1",
     "message": "column userid: unknown user", "effects": [],
     "error": {"column": "userid", "value": "ghost", "problem": "unknown user \"ghost\""}}
  ]
}"#;

#[test]
fn a_report_shows_its_failed_lines_first_with_column_value_and_reason() {
    let view = report::read(REPORT.as_bytes()).unwrap();
    assert_eq!(view.status, "partial");
    assert_eq!(view.failed.len(), 1);
    let failed = &view.failed[0];
    assert_eq!(
        (
            failed.line,
            failed.column.as_deref(),
            failed.value.as_deref()
        ),
        (3, Some("userid"), Some("ghost"))
    );
    assert_eq!(failed.message, "unknown user \"ghost\"");
    assert_eq!(view.others.len(), 1);
    assert_eq!(view.others[0].message, "added u1 to cohort C1");
    assert_eq!(
        view.totals,
        [("changed".to_owned(), 1), ("failed".to_owned(), 1)]
    );
    assert!(report::read(b"not json").is_none());
}

#[test]
fn the_index_finds_a_line_by_any_identifier_it_named_newest_run_first() {
    let mut index = SearchIndex::default();
    index.add(4, REPORT.as_bytes());
    index.add(9, REPORT.as_bytes());
    let hits = index.find("JDUPONT");
    assert_eq!(
        hits.iter()
            .map(|hit| (hit.run, hit.line))
            .collect::<Vec<_>>(),
        [(9, 2), (4, 2)]
    );
    // A part of a term finds it too; the failed line names its user.
    let hits = index.find("ghos");
    assert_eq!(hits.len(), 2);
    assert!(hits.iter().all(|hit| hit.status == "failed"));
    assert!(index.find("nobody").is_empty());
    assert_eq!(index.last_run, 9);
    assert_eq!(index.names.get(&4).map(String::as_str), Some("cohorts.csv"));
}
