//! The kinds of command files: the one list of them (the `kinds!` line below), and what the
//! pipeline, the report and the configuration use to reach them without knowing them: the
//! kind of a file ([`FileKind`]), a parsed file of any kind ([`ParsedFile`]), what a line of any
//! kind did ([`Effect`], [`Counts`]), every kind's settings ([`KindSettings`]).
//!
//! The order of the list is the order in which the files of one batch are applied: users
//! first (cohort files name them), then cohorts (and their members), then the bindings that
//! enrol them, then enrolment files (which may name groups a binding made).

use std::{fmt, str::FromStr, sync::LazyLock};

use serde::{Deserialize, Serialize};

use super::{
    binding::Bindings,
    cohort::Cohorts,
    enrolment::Enrolments,
    kind::{Applied, Apply, Kind},
    user::Users,
};
use crate::{
    db::{Db, DbError, Tx},
    error::{ConfigError, FileError},
    input::Table,
    outcome::{EnrolmentMode, FileOutcome, LineEffect, Tense, Totals as KindTotals},
};

/// Declares the registered kinds: `Variant(field) => KindType`, each with its documentation.
/// `Variant` names it in [`FileKind`], [`ParsedFile`] and [`Effect`]; `field` in [`Counts`]
/// and [`KindSettings`].
macro_rules! kinds {
    ($($(#[$doc:meta])* $variant:ident($field:ident) => $kind:ty),+ $(,)?) => {
        /// A kind of command file. The order of the variants is the order in which the files
        /// of one batch are applied.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum FileKind {
            $($(#[$doc])* $variant,)+
        }

        impl FileKind {
            /// Every kind, in the order of a batch.
            pub const ALL: &'static [FileKind] = &[$(FileKind::$variant),+];

            /// The name used in reports, logs, the ledger, `--kind` and `[routing]`.
            pub fn name(self) -> &'static str {
                match self {
                    $(FileKind::$variant => <$kind as Kind>::NAME,)+
                }
            }

            /// The prefix that routes a file of this kind under the default patterns;
            /// trybacks are named with it.
            pub fn file_prefix(self) -> &'static str {
                match self {
                    $(FileKind::$variant => <$kind as Kind>::FILE_PREFIX,)+
                }
            }

            /// The default name patterns of this kind.
            pub fn default_patterns(self) -> Vec<String> {
                let more = match self {
                    $(FileKind::$variant => <$kind as Kind>::MORE_PATTERNS,)+
                };
                std::iter::once(format!("{}*.csv", self.file_prefix()))
                    .chain(more.iter().map(|pattern| (*pattern).to_owned()))
                    .collect()
            }

            /// The columns that name what a line is about, shown beside each line in reports.
            pub fn key_columns(self) -> &'static [&'static str] {
                match self {
                    $(FileKind::$variant => <$kind as Kind>::KEY_COLUMNS,)+
                }
            }

            /// This kind's key in `[routing]`, for messages.
            pub fn routing_key(self) -> &'static str {
                match self {
                    $(FileKind::$variant => concat!("[routing] ", stringify!($field)),)+
                }
            }
        }

        /// A command file's lines, parsed as its kind says.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum ParsedFile {
            $($(#[$doc])* $variant(<$kind as Kind>::File),)+
        }

        /// What a kind worked out before the ledger's lock, for its plan under the lock.
        #[derive(Debug)]
        pub enum Prepared {
            $($(#[$doc])* $variant(<$kind as Kind>::Prepared),)+
        }

        /// What a line of any kind did: the kind's own effect, written in the JSON report as
        /// the kind writes it.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
        #[serde(untagged)]
        pub enum Effect {
            $($(#[$doc])* $variant(<$kind as Kind>::Effect),)+
        }

        /// What the lines did, counted by every kind's counters; the JSON report's totals
        /// name each counter.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
        pub struct Counts {
            $(
                #[doc = concat!("The counters of ", stringify!($field), " files.")]
                #[serde(flatten)]
                pub $field: <$kind as Kind>::Counts,
            )+
        }

        /// Every kind's section of the configuration file, as written.
        #[derive(Debug, Default)]
        pub struct Sections {
            $(
                #[doc = concat!("`[", stringify!($field), "]`.")]
                pub $field: <$kind as Kind>::Section,
            )+
        }

        impl Sections {
            /// Reads the value of the section `name` from `map` if it is a kind's; `false` when
            /// no kind has that name.
            pub fn read<'de, A: serde::de::MapAccess<'de>>(
                &mut self,
                name: &str,
                map: &mut A,
            ) -> Result<bool, A::Error> {
                $(
                    if name == <$kind as Kind>::NAME {
                        self.$field = map.next_value()?;
                        return Ok(true);
                    }
                )+
                Ok(false)
            }

            /// Checks every kind's section into its settings.
            pub fn settings(&self) -> Result<KindSettings, ConfigError> {
                Ok(KindSettings {
                    $($field: <$kind as Kind>::settings(&self.$field, self)?,)+
                })
            }
        }

        impl KindSettings {
            /// The report's line of the settings of files of `kind`.
            pub fn describe(&self, kind: FileKind, enrolments: EnrolmentMode) -> String {
                match kind {
                    $(FileKind::$variant => {
                        <$kind as Kind>::describe_settings(&self.$field, enrolments)
                    })+
                }
            }

            /// Every kind's settings, for the JSON report, by key.
            pub fn json(&self) -> serde_json::Map<String, serde_json::Value> {
                let mut json = serde_json::Map::new();
                $(
                    if let serde_json::Value::Object(settings) =
                        <$kind as Kind>::settings_json(&self.$field)
                    {
                        json.extend(settings);
                    }
                )+
                json
            }
        }

        /// Every kind's settings.
        #[derive(Debug, Clone, PartialEq)]
        pub struct KindSettings {
            $(
                #[doc = concat!("The settings of ", stringify!($field), " files.")]
                pub $field: <$kind as Kind>::Settings,
            )+
        }

        impl LineEffect for Effect {
            type Counts = Counts;

            fn is_change(&self) -> bool {
                match self {
                    $(Effect::$variant(effect) => effect.is_change(),)+
                }
            }

            fn count(&self, counts: &mut Counts) {
                match self {
                    $(Effect::$variant(effect) => effect.count(&mut counts.$field),)+
                }
            }

            fn describe(&self, simulation: bool) -> String {
                match self {
                    $(Effect::$variant(effect) => effect.describe(simulation),)+
                }
            }

            fn heading(&self) -> &'static str {
                match self {
                    $(Effect::$variant(effect) => effect.heading(),)+
                }
            }
        }

        impl ParsedFile {
            /// Parses `table` as a file of `kind`.
            pub(super) fn parse_as(
                kind: FileKind,
                table: &Table,
                settings: &KindSettings,
            ) -> Result<ParsedFile, FileError> {
                match kind {
                    $(FileKind::$variant => {
                        <$kind as Kind>::parse(table, &settings.$field).map(ParsedFile::$variant)
                    })+
                }
            }

            /// The kind of the file.
            pub fn kind(&self) -> FileKind {
                match self {
                    $(ParsedFile::$variant(_) => FileKind::$variant,)+
                }
            }

            /// The slow work the file's kind does before the ledger's lock.
            pub async fn prepare(&self, db: &Db, settings: &KindSettings) -> Prepared {
                match self {
                    $(ParsedFile::$variant(file) => Prepared::$variant(
                        <$kind as Kind>::prepare(db, file, &settings.$field).await,
                    ),)+
                }
            }

            /// Plans the file against the database and makes its writes in `tx`, as its kind
            /// does, with what was prepared for it (nothing prepared, or what was prepared for
            /// another kind, leaves everything to the plan).
            pub async fn apply(
                &self,
                tx: &mut Tx,
                settings: &KindSettings,
                prepared: Option<Prepared>,
                context: Apply,
            ) -> Result<Result<Applied<Effect>, FileError>, DbError> {
                match self {
                    $(ParsedFile::$variant(file) => {
                        let prepared = match prepared {
                            Some(Prepared::$variant(prepared)) => prepared,
                            _ => Default::default(),
                        };
                        let applied = <$kind as Kind>::apply(
                            tx,
                            file,
                            &settings.$field,
                            prepared,
                            context,
                        )
                        .await?;
                        Ok(applied.map(|applied| Applied {
                            outcome: applied.outcome.map_effects(Effect::$variant),
                            touched: applied.touched,
                        }))
                    })+
                }
            }
        }

        /// The report's totals lines of a file of `kind`.
        pub fn totals_lines(kind: FileKind, counts: &Counts) -> Vec<String> {
            match kind {
                $(FileKind::$variant => <$kind as Kind>::totals_lines(&counts.$field),)+
            }
        }

        /// The parts of the one-line summary that count effects: the kind's own first, then
        /// the other kinds', in the order of the list.
        fn summary_parts(kind: FileKind, counts: &Counts, tense: Tense) -> Vec<String> {
            let mut own = Vec::new();
            let mut others = Vec::new();
            $(
                let parts = <$kind as Kind>::summary(&counts.$field, tense);
                if kind == FileKind::$variant {
                    own.extend(parts);
                } else {
                    others.extend(parts);
                }
            )+
            own.extend(others);
            own
        }
    };
}

kinds! {
    /// User accounts and their profile fields (`users*.csv`, `userimport*.csv`).
    Users(users) => Users,
    /// Cohorts and their members (`cohorts*.csv`).
    Cohorts(cohorts) => Cohorts,
    /// Cohort-to-course bindings: cohort sync enrolment methods (`cohortscourses*.csv`).
    Bindings(bindings) => Bindings,
    /// Course enrolments, their roles and groups (`enrols*.csv`).
    Enrolments(enrolments) => Enrolments,
}

/// What a file of any kind did.
pub type Outcome = FileOutcome<Effect>;

/// Its totals.
pub type Totals = KindTotals<Counts>;

impl FileKind {
    /// The kind named `name` (`users`, `cohorts`, …), whatever its case.
    pub fn from_name(name: &str) -> Option<FileKind> {
        FileKind::ALL
            .iter()
            .copied()
            .find(|kind| kind.name().eq_ignore_ascii_case(name))
    }

    /// Every kind in the order their name patterns are tested: the longest prefix first, so
    /// that `cohortscourses.csv` is a binding file although `cohorts*.csv` matches it too.
    pub fn routing_order() -> Vec<FileKind> {
        let mut kinds = FileKind::ALL.to_vec();
        kinds.sort_by_key(|kind| std::cmp::Reverse(kind.file_prefix().len()));
        kinds
    }

    /// Every kind's name, for messages: `users, cohorts, bindings or enrolments`.
    pub fn names() -> String {
        let names: Vec<&str> = FileKind::ALL.iter().map(|kind| kind.name()).collect();
        match names.split_last() {
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FileKind {
    type Err = String;

    fn from_str(name: &str) -> Result<FileKind, String> {
        FileKind::from_name(name).ok_or_else(|| {
            format!(
                "\"{name}\" is not a kind of command file ({})",
                FileKind::names()
            )
        })
    }
}

impl Serialize for FileKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for FileKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<FileKind, D::Error> {
        let name = String::deserialize(deserializer)?;
        static NAMES: LazyLock<Vec<&'static str>> =
            LazyLock::new(|| FileKind::ALL.iter().map(|kind| kind.name()).collect());
        FileKind::from_name(&name)
            .ok_or_else(|| serde::de::Error::unknown_variant(&name, NAMES.as_slice()))
    }
}

/// One line counting what a file did, for the console, the log, the ledger and `status`:
/// `120 lines: 118 changed, 2 failed; 3 accounts created; 110 members removed, 12 added; 40
/// enrolments created`. Only the parts that are not zero; the kind's own effects first; with
/// [`Tense::Would`], `would remove 110 members, add 12`.
pub fn summary(totals: &Totals, kind: FileKind, tense: Tense) -> String {
    let line_counts = [
        (totals.changed, "changed", "would change"),
        (totals.unchanged, "unchanged", "unchanged"),
        (totals.failed, "failed", "would fail"),
    ];
    let mut lines = if totals.lines == 1 {
        "1 line".to_owned()
    } else {
        format!("{} lines", totals.lines)
    };
    let counted: Vec<String> = line_counts
        .iter()
        .filter(|(count, ..)| *count > 0)
        .map(|(count, done, would)| match tense {
            Tense::Done => format!("{count} {done}"),
            Tense::Would => format!("{count} {would}"),
        })
        .collect();
    if !counted.is_empty() {
        lines.push_str(": ");
        lines.push_str(&counted.join(", "));
    }
    let pending = match (totals.pending_unenrolments, tense) {
        (0, _) => String::new(),
        (1, Tense::Done) => "1 enrolment pending removal by Moodle".to_owned(),
        (count, Tense::Done) => format!("{count} enrolments pending removal by Moodle"),
        (1, Tense::Would) => "1 enrolment would be pending removal by Moodle".to_owned(),
        (count, Tense::Would) => format!("{count} enrolments would be pending removal by Moodle"),
    };
    let mut parts = vec![lines];
    parts.extend(summary_parts(kind, &totals.counts, tense));
    parts.extend([
        super::kind::count_group(
            tense,
            ("enrolment", "enrolments"),
            &[
                (totals.enrolments_created, "created", "create"),
                (totals.enrolments_reactivated, "reactivated", "reactivate"),
                (totals.enrolments_suspended, "suspended", "suspend"),
            ],
        ),
        super::kind::count_group(
            tense,
            ("role", "roles"),
            &[
                (totals.roles_assigned, "assigned", "assign"),
                (totals.roles_removed, "removed", "remove"),
            ],
        ),
        super::kind::count_group(
            tense,
            ("group member", "group members"),
            &[(totals.group_members_added, "added", "add")],
        ),
        pending,
    ]);
    parts.retain(|part| !part.is_empty());
    parts.join("; ")
}

#[cfg(test)]
mod tests;
