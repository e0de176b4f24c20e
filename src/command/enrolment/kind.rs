//! What makes enrolment files a kind of command file: their names, how they are parsed,
//! planned and applied, and how the report counts them.

use super::{
    effect::{Counts, Effect},
    line::{EnrolSettings, ParsedFile, parse_file},
    plan::{Wanted, plan},
    settings::{self, EnrolmentsSection},
};
use crate::{
    command::{
        Sections,
        kind::{Applied, Apply, Kind, count_group},
    },
    db::{Db, DbError, Tx},
    error::{ConfigError, FileError},
    input::Table,
    outcome::{EnrolmentMode, Tense, plural},
};

/// Enrolment files (`enrols*.csv`): users enrolled in courses, their roles and groups there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enrolments;

impl Kind for Enrolments {
    const NAME: &'static str = "enrolments";
    const FILE_PREFIX: &'static str = "enrols";
    const KEY_COLUMNS: &'static [&'static str] = &["uid", "cid", "rolename"];

    type Section = EnrolmentsSection;
    type Settings = EnrolSettings;
    type File = ParsedFile;
    type Effect = Effect;
    type Counts = Counts;
    type Prepared = ();

    fn settings(
        section: &EnrolmentsSection,
        _sections: &Sections,
    ) -> Result<EnrolSettings, ConfigError> {
        section.settings()
    }

    fn describe_settings(settings: &EnrolSettings, _enrolments: EnrolmentMode) -> String {
        settings::describe(settings)
    }

    fn settings_json(settings: &EnrolSettings) -> serde_json::Value {
        settings::json(settings)
    }

    fn parse(table: &Table, settings: &EnrolSettings) -> Result<ParsedFile, FileError> {
        parse_file(table, settings)
    }

    async fn prepare(_db: &Db, _file: &ParsedFile, _settings: &EnrolSettings) {}

    async fn apply(
        tx: &mut Tx,
        file: &ParsedFile,
        settings: &EnrolSettings,
        (): (),
        context: Apply,
    ) -> Result<Result<Applied<Effect>, FileError>, DbError> {
        let wanted = Wanted::of(file, settings);
        let snapshot = tx.enrolment_snapshot(&wanted, settings).await?;
        let plan = plan(file, &snapshot, settings);
        let touched = tx.apply_enrolment_writes(&plan.writes, context.now).await?;
        Ok(Ok(Applied {
            outcome: plan.outcome,
            touched,
        }))
    }

    fn totals_lines(counts: &Counts) -> Vec<String> {
        vec![
            format!(
                "enrols    {} added, {} updated, {} removed, {} suspended, {} reactivated",
                counts.course_enrolments_added,
                counts.course_enrolments_updated,
                counts.course_enrolments_removed,
                counts.course_enrolments_suspended,
                counts.course_enrolments_unsuspended,
            ),
            format!(
                "roles     {} assigned, {} unassigned",
                counts.course_roles_assigned, counts.course_roles_unassigned,
            ),
            format!(
                "groups    {} created; {} added, {} removed",
                plural(counts.course_groups_created, "group"),
                plural(counts.course_group_members_added, "member"),
                counts.course_group_members_removed,
            ),
        ]
    }

    fn summary(counts: &Counts, tense: Tense) -> Vec<String> {
        vec![
            count_group(
                tense,
                ("enrolment", "enrolments"),
                &[
                    (counts.course_enrolments_added, "added", "add"),
                    (counts.course_enrolments_updated, "updated", "update"),
                    (counts.course_enrolments_removed, "removed", "remove"),
                    (counts.course_enrolments_suspended, "suspended", "suspend"),
                    (
                        counts.course_enrolments_unsuspended,
                        "reactivated",
                        "reactivate",
                    ),
                ],
            ),
            count_group(
                tense,
                ("course role", "course roles"),
                &[
                    (counts.course_roles_assigned, "assigned", "assign"),
                    (counts.course_roles_unassigned, "unassigned", "unassign"),
                ],
            ),
            count_group(
                tense,
                ("course group", "course groups"),
                &[(counts.course_groups_created, "created", "create")],
            ),
            count_group(
                tense,
                ("group member", "group members"),
                &[
                    (counts.course_group_members_added, "added", "add"),
                    (counts.course_group_members_removed, "removed", "remove"),
                ],
            ),
        ]
    }
}
