//! How a file's name tells its kind ([`Routing`]), by glob patterns per kind.

use std::collections::BTreeMap;

use super::registry::FileKind;

/// File name patterns per kind (`[routing]`): `*` matches any run of characters, `?` any one
/// character, and case is ignored (`Cohorts_2026.CSV` is a cohort file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routing {
    /// Every kind's patterns.
    patterns: BTreeMap<FileKind, Vec<String>>,
}

impl Default for Routing {
    fn default() -> Self {
        Routing::new([])
    }
}

impl Routing {
    /// The routing of these patterns; a kind not given keeps its default patterns.
    pub fn new(patterns: impl IntoIterator<Item = (FileKind, Vec<String>)>) -> Routing {
        let mut routing: BTreeMap<FileKind, Vec<String>> = FileKind::ALL
            .iter()
            .map(|&kind| (kind, kind.default_patterns()))
            .collect();
        routing.extend(patterns);
        Routing { patterns: routing }
    }

    /// The patterns of `kind`.
    pub fn patterns(&self, kind: FileKind) -> &[String] {
        self.patterns.get(&kind).map_or(&[], Vec::as_slice)
    }

    /// The kind of the file named `name`, testing kinds in [`FileKind::routing_order`].
    pub fn kind_of(&self, name: &str) -> Option<FileKind> {
        FileKind::routing_order().into_iter().find(|&kind| {
            self.patterns(kind)
                .iter()
                .any(|pattern| matches(pattern, name))
        })
    }

    /// Every pattern, for messages: `bindings: cohortscourses*.csv; cohorts: cohorts*.csv`.
    pub fn describe(&self) -> String {
        FileKind::routing_order()
            .into_iter()
            .map(|kind| format!("{kind}: {}", self.patterns(kind).join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Whether `name` matches the glob `pattern`, ignoring case.
pub fn matches(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().flat_map(char::to_lowercase).collect();
    let name: Vec<char> = name.chars().flat_map(char::to_lowercase).collect();
    // Classic two-pointer wildcard match, with backtracking to the last `*`.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(&c) if c == '?' || c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((star_p, star_n)) => {
                    p = star_p + 1;
                    n = star_n + 1;
                    star = Some((star_p, star_n + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_ignore_case() {
        assert!(matches("cohorts*.csv", "cohorts.csv"));
        assert!(matches("cohorts*.csv", "Cohorts_2026-09.CSV"));
        assert!(matches("*.csv", ".csv"));
        assert!(matches("c?h*s*.csv", "cohorts_x.csv"));
        assert!(matches("a*b*c", "aXbYbZc"));
        assert!(!matches("cohorts*.csv", "cohorts.csv.part"));
        assert!(!matches("cohorts*.csv", "my_cohorts.csv"));
        assert!(!matches("?", ""));
        assert!(matches("", ""));
        assert!(matches("***", "anything"));
    }

    #[test]
    fn bindings_are_tested_before_cohorts() {
        let routing = Routing::default();
        assert_eq!(
            routing.kind_of("cohortscourses.csv"),
            Some(FileKind::Bindings)
        );
        assert_eq!(
            routing.kind_of("CohortsCourses_autumn.csv"),
            Some(FileKind::Bindings)
        );
        assert_eq!(routing.kind_of("cohorts_2026.csv"), Some(FileKind::Cohorts));
        assert_eq!(routing.kind_of("users.csv"), Some(FileKind::Users));
        assert_eq!(
            routing.kind_of("UserImport_2026.csv"),
            Some(FileKind::Users)
        );
        assert_eq!(routing.kind_of("enrolments.csv"), None);
        let custom = Routing::new([
            (FileKind::Bindings, vec!["liaisons*.csv".into()]),
            (FileKind::Cohorts, vec!["*.csv".into()]),
            (FileKind::Users, vec!["comptes*.csv".into()]),
        ]);
        assert_eq!(custom.kind_of("liaisons.csv"), Some(FileKind::Bindings));
        assert_eq!(
            custom.kind_of("cohortscourses.csv"),
            Some(FileKind::Cohorts)
        );
    }
}
