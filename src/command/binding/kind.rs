//! What makes binding files a kind of command file: their names, how they are parsed, planned
//! and applied, and how the report counts them.

use super::{
    effect::{Counts, Effect},
    line::{BindingSettings, ParsedFile, parse_file},
    plan::{Wanted, plan},
    settings::{self, BindingsSection},
};
use crate::{
    command::{
        Sections,
        kind::{Applied, Apply, Kind, count_group},
    },
    db::{Db, DbError, Tx},
    error::{ConfigError, FileError},
    input::Table,
    outcome::{EnrolmentMode, Tense},
};

/// Cohort-to-course binding files (`cohortscourses*.csv`): cohort sync enrolment methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bindings;

impl Kind for Bindings {
    const NAME: &'static str = "bindings";
    const FILE_PREFIX: &'static str = "cohortscourses";
    const KEY_COLUMNS: &'static [&'static str] = &["course", "cohort", "role"];

    type Section = BindingsSection;
    type Settings = BindingSettings;
    type File = ParsedFile;
    type Effect = Effect;
    type Counts = Counts;
    type Prepared = ();

    fn settings(
        section: &BindingsSection,
        sections: &Sections,
    ) -> Result<BindingSettings, ConfigError> {
        section.settings(sections.cohorts.cohort_identifier)
    }

    fn describe_settings(settings: &BindingSettings, enrolments: EnrolmentMode) -> String {
        settings::describe(settings, enrolments)
    }

    fn settings_json(settings: &BindingSettings) -> serde_json::Value {
        settings::json(settings)
    }

    fn parse(table: &Table, settings: &BindingSettings) -> Result<ParsedFile, FileError> {
        parse_file(table, settings)
    }

    async fn prepare(_db: &Db, _file: &ParsedFile, _settings: &BindingSettings) {}

    async fn apply(
        tx: &mut Tx,
        file: &ParsedFile,
        settings: &BindingSettings,
        (): (),
        context: Apply,
    ) -> Result<Result<Applied<Effect>, FileError>, DbError> {
        let wanted = Wanted::of(file, settings);
        let snapshot = tx
            .binding_snapshot(
                &wanted,
                settings.course_identifier,
                settings.cohort_identifier,
            )
            .await?;
        let plan = plan(file, &snapshot, settings);
        let touched = tx.apply_binding_ops(&plan.ops, context.now).await?;
        Ok(Ok(Applied {
            outcome: plan.outcome,
            touched,
        }))
    }

    fn totals_lines(counts: &Counts) -> Vec<String> {
        vec![format!(
            "bindings  {} created, {} enabled, {} updated, {} disabled, {} deleted; {} groups created",
            counts.bindings_created,
            counts.bindings_enabled,
            counts.bindings_updated,
            counts.bindings_disabled,
            counts.bindings_deleted,
            counts.groups_created
        )]
    }

    fn summary(counts: &Counts, tense: Tense) -> Vec<String> {
        vec![
            count_group(
                tense,
                ("binding", "bindings"),
                &[
                    (counts.bindings_created, "created", "create"),
                    (counts.bindings_enabled, "enabled", "enable"),
                    (counts.bindings_updated, "updated", "update"),
                    (counts.bindings_disabled, "disabled", "disable"),
                    (counts.bindings_deleted, "deleted", "delete"),
                ],
            ),
            count_group(
                tense,
                ("course group", "course groups"),
                &[(counts.groups_created, "created", "create")],
            ),
        ]
    }
}
