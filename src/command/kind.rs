//! The kinds of command files, and how a file's name tells its kind ([`Routing`]).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A kind of command file. The order of the variants is the order in which files of one batch
/// are applied: users first (cohort files name them), then cohorts (and their members), then
/// the bindings that enrol them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    /// User accounts and their profile fields (`users*.csv`, `userimport*.csv`).
    Users,
    /// Cohorts and their members (`cohorts*.csv`).
    Cohorts,
    /// Cohort-to-course bindings: cohort sync enrolment methods (`cohortscourses*.csv`).
    Bindings,
}

impl FileKind {
    /// Every kind, in the order their name patterns are tested: the most specific first, so that
    /// `cohortscourses.csv` is a binding file although `cohorts*.csv` matches it too.
    pub const ROUTING_ORDER: [FileKind; 3] =
        [FileKind::Bindings, FileKind::Cohorts, FileKind::Users];

    /// The name used in reports, logs and `--kind`.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Users => "users",
            FileKind::Cohorts => "cohorts",
            FileKind::Bindings => "bindings",
        }
    }

    /// The prefix that routes a file of this kind under the default patterns; trybacks are
    /// named with it.
    pub fn file_prefix(self) -> &'static str {
        match self {
            FileKind::Users => "users",
            FileKind::Cohorts => "cohorts",
            FileKind::Bindings => "cohortscourses",
        }
    }

    /// The default name patterns of this kind.
    pub fn default_patterns(self) -> Vec<String> {
        let mut patterns = vec![format!("{}*.csv", self.file_prefix())];
        if self == FileKind::Users {
            // The reference tool's default file name.
            patterns.push("userimport*.csv".into());
        }
        patterns
    }

    /// The columns that name what a line is about, shown beside each line in reports.
    pub fn key_columns(self) -> &'static [&'static str] {
        match self {
            FileKind::Users => &["username", "idnumber"],
            FileKind::Cohorts => &["cohort", "user"],
            FileKind::Bindings => &["course", "cohort", "role"],
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// File name patterns per kind (`[routing]`): `*` matches any run of characters, `?` any one
/// character, and case is ignored (`Cohorts_2026.CSV` is a cohort file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routing {
    /// Patterns of binding files.
    pub bindings: Vec<String>,
    /// Patterns of cohort files.
    pub cohorts: Vec<String>,
    /// Patterns of user files.
    pub users: Vec<String>,
}

impl Default for Routing {
    fn default() -> Self {
        Routing {
            bindings: FileKind::Bindings.default_patterns(),
            cohorts: FileKind::Cohorts.default_patterns(),
            users: FileKind::Users.default_patterns(),
        }
    }
}

impl Routing {
    /// The patterns of `kind`.
    pub fn patterns(&self, kind: FileKind) -> &[String] {
        match kind {
            FileKind::Users => &self.users,
            FileKind::Cohorts => &self.cohorts,
            FileKind::Bindings => &self.bindings,
        }
    }

    /// The kind of the file named `name`, testing kinds in [`FileKind::ROUTING_ORDER`].
    pub fn kind_of(&self, name: &str) -> Option<FileKind> {
        FileKind::ROUTING_ORDER.into_iter().find(|&kind| {
            self.patterns(kind)
                .iter()
                .any(|pattern| matches(pattern, name))
        })
    }

    /// Every pattern, for messages: `bindings: cohortscourses*.csv; cohorts: cohorts*.csv`.
    pub fn describe(&self) -> String {
        FileKind::ROUTING_ORDER
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
        let custom = Routing {
            bindings: vec!["liaisons*.csv".into()],
            cohorts: vec!["*.csv".into()],
            users: vec!["comptes*.csv".into()],
        };
        assert_eq!(custom.kind_of("liaisons.csv"), Some(FileKind::Bindings));
        assert_eq!(
            custom.kind_of("cohortscourses.csv"),
            Some(FileKind::Cohorts)
        );
    }
}
