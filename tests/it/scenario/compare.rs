//! Comparing two states in the JSON format, table by table, as sets of rows: what each side
//! holds alone, after the facts that can never match across two sites are made the same on
//! both (`canonical`), and a readable account of what is left.

use std::collections::{BTreeMap, BTreeSet};

use super::normalise::{Row, Tables, counted};

/// Per table, the rows one side holds and the other does not.
#[derive(Debug, Default)]
pub struct Differences {
    /// Rows of the reference (Moodle's site) that the test database lacks.
    pub missing: BTreeMap<String, BTreeSet<Row>>,
    /// Rows of the test database that the reference lacks.
    pub extra: BTreeMap<String, BTreeSet<Row>>,
}

impl Differences {
    pub fn is_empty(&self) -> bool {
        self.missing.values().all(BTreeSet::is_empty) && self.extra.values().all(BTreeSet::is_empty)
    }
}

/// The JSON format's facts made comparable across two sites, on either side alike:
///
/// - in a log row's `other` (raw JSON, as Moodle stores it), the ids of rows the scenario
///   created (`id`, `itemid`, `enrolid`: each site numbers its own) become `(id)` and times
///   (`timecreated`, `timemodified`) become `(time)`, quoted if they were; ids of the base's
///   rows (users, courses, the administrator) are the same on both sites and stay;
/// - a deleted account's username, `<email>.<time of deletion>` (in `user_context` and a log
///   row's `context`), ends in `.(time)`;
/// - log rows are counted again (`n`) once those are replaced.
pub fn canonical(mut tables: Tables) -> Tables {
    for row in tables.get_mut("user_context").into_iter().flatten() {
        if let Some(username) = row.get_mut("username") {
            *username = without_deletion_time(username);
        }
    }
    if let Some(log) = tables.get_mut("log") {
        let mut rows: BTreeMap<Row, usize> = BTreeMap::new();
        for mut row in std::mem::take(log) {
            let count: usize = row.remove("n").unwrap().parse().unwrap();
            let context = without_deletion_time(&row["context"]);
            row.insert("context".into(), context);
            let other = without_site_ids(&row["other"]);
            row.insert("other".into(), other);
            *rows.entry(row).or_default() += count;
        }
        *log = counted(rows);
    }
    tables
}

/// `u05@example.com.1796199660` → `u05@example.com.(time)`, also after `user:`.
fn without_deletion_time(username: &str) -> String {
    match username.rsplit_once('.') {
        Some((email, time))
            if email.contains('@')
                && time.len() >= 9
                && time.chars().all(|c| c.is_ascii_digit()) =>
        {
            format!("{email}.(time)")
        }
        _ => username.to_owned(),
    }
}

/// A log row's `other` with the values of `"id"`, `"itemid"`, `"enrolid"` (→ `(id)`) and
/// `"timecreated"`, `"timemodified"` (→ `(time)`) replaced when they are not zero.
fn without_site_ids(other: &str) -> String {
    const REPLACED: [(&str, &str); 5] = [
        ("\"id\":", "(id)"),
        ("\"itemid\":", "(id)"),
        ("\"enrolid\":", "(id)"),
        ("\"timecreated\":", "(time)"),
        ("\"timemodified\":", "(time)"),
    ];
    let mut out = String::with_capacity(other.len());
    let mut rest = other;
    'scan: while !rest.is_empty() {
        for (key, placeholder) in REPLACED {
            let Some(after) = rest.strip_prefix(key) else {
                continue;
            };
            let quoted = after.starts_with('"');
            let digits_start = usize::from(quoted);
            let digits = after[digits_start..]
                .chars()
                .take_while(char::is_ascii_digit)
                .count();
            let number_end = digits_start + digits;
            if digits == 0 || (quoted && !after[number_end..].starts_with('"')) {
                continue;
            }
            let end = number_end + usize::from(quoted);
            let number = &after[digits_start..number_end];
            out.push_str(key);
            if number.trim_start_matches('0').is_empty() {
                out.push_str(&after[..end]);
            } else if quoted {
                out.push_str(&format!("\"{placeholder}\""));
            } else {
                out.push_str(placeholder);
            }
            rest = &after[end..];
            continue 'scan;
        }
        let mut chars = rest.chars();
        out.push(chars.next().unwrap());
        rest = chars.as_str();
    }
    out
}

/// What each side holds alone, per table; also a row either side holds twice (the format's
/// tables are sets: a copy is a difference).
pub fn differences(reference: &Tables, ours: &Tables) -> Differences {
    let mut differences = Differences::default();
    let tables: BTreeSet<&String> = reference.keys().chain(ours.keys()).collect();
    for table in tables {
        let theirs = set(reference.get(table));
        let mine = set(ours.get(table));
        differences
            .missing
            .insert(table.clone(), theirs.difference(&mine).cloned().collect());
        differences
            .extra
            .insert(table.clone(), mine.difference(&theirs).cloned().collect());
        for (side, rows) in [
            ("reference", reference.get(table)),
            ("ours", ours.get(table)),
        ] {
            let rows = rows.map(Vec::as_slice).unwrap_or_default();
            let copies = rows.len() - rows.iter().collect::<BTreeSet<_>>().len();
            assert_eq!(copies, 0, "{side} holds {copies} copied rows in {table}");
        }
    }
    differences
}

fn set(rows: Option<&Vec<Row>>) -> BTreeSet<Row> {
    rows.into_iter().flatten().cloned().collect()
}

/// The differences left, table by table: a row only Moodle's site holds (`-`), one only the
/// test database holds (`+`), and, for a pair of them that share most of their values, only
/// the values that differ (`~`).
pub fn render(differences: &Differences) -> String {
    let mut out = String::new();
    for (table, missing) in &differences.missing {
        let extra = &differences.extra[table];
        if missing.is_empty() && extra.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "table {table}: {} row(s) only on Moodle's site, {} only here\n",
            missing.len(),
            extra.len()
        ));
        let mut unpaired: BTreeSet<&Row> = extra.iter().collect();
        for row in missing {
            let closest = unpaired
                .iter()
                .map(|candidate| {
                    let same = row
                        .iter()
                        .filter(|(key, value)| candidate.get(*key) == Some(value))
                        .count();
                    (same, *candidate)
                })
                .max_by_key(|(same, _)| *same)
                .filter(|(same, _)| *same * 2 > row.len());
            match closest {
                Some((_, candidate)) => {
                    unpaired.remove(candidate);
                    let changed: Vec<String> = row
                        .keys()
                        .chain(candidate.keys())
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .filter(|key| row.get(*key) != candidate.get(*key))
                        .map(|key| {
                            format!(
                                "{key}: Moodle {:?}, here {:?}",
                                row.get(key).map_or("(none)", String::as_str),
                                candidate.get(key).map_or("(none)", String::as_str)
                            )
                        })
                        .collect();
                    out.push_str(&format!(
                        "  ~ {}\n      {}\n",
                        compact(row),
                        changed.join("\n      ")
                    ));
                }
                None => out.push_str(&format!("  - {}\n", compact(row))),
            }
        }
        for row in unpaired {
            out.push_str(&format!("  + {}\n", compact(row)));
        }
    }
    out
}

/// A row on one line, without its empty values.
pub fn compact(row: &Row) -> String {
    let values: Vec<String> = row
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| format!("{key}={value:?}"))
        .collect();
    format!("{{{}}}", values.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_site_ids_and_times_in_other() {
        assert_eq!(
            without_site_ids(r#"{"id":9,"component":"enrol_cohort","itemid":"10"}"#),
            r#"{"id":(id),"component":"enrol_cohort","itemid":"(id)"}"#
        );
        assert_eq!(
            without_site_ids(
                r#"{"userenrolment":{"id":"24","enrolid":"12","userid":"16","timestart":"0","timecreated":"1796199588","courseid":"4"}}"#
            ),
            r#"{"userenrolment":{"id":"(id)","enrolid":"(id)","userid":"16","timestart":"0","timecreated":"(time)","courseid":"4"}}"#
        );
        assert_eq!(without_site_ids("null"), "null");
        assert_eq!(
            without_deletion_time("user:u05@example.com.1796199660"),
            "user:u05@example.com.(time)"
        );
        assert_eq!(without_deletion_time("new.student"), "new.student");
    }
}
