//! What makes cohort files a kind of command file: their names, how they are parsed, planned
//! and applied (or held, when a sync removes too many members), and how the report counts
//! them.

use super::{
    effect::{Counts, Effect},
    line::{CohortSettings, ParsedFile, parse_file},
    plan::{Wanted, plan},
    settings::{self, CohortsSection},
};
use crate::{
    command::{
        Sections,
        kind::{Applied, Apply, Kind, count_group},
    },
    db::{Db, DbError, Touched, Tx},
    error::{ConfigError, FileError},
    input::Table,
    outcome::{EnrolmentMode, Tense},
};

/// Cohort files (`cohorts*.csv`): cohorts and their members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cohorts;

impl Kind for Cohorts {
    const NAME: &'static str = "cohorts";
    const FILE_PREFIX: &'static str = "cohorts";
    const KEY_COLUMNS: &'static [&'static str] = &["cohort", "user"];

    type Section = CohortsSection;
    type Settings = CohortSettings;
    type File = ParsedFile;
    type Effect = Effect;
    type Counts = Counts;
    type Prepared = ();

    fn settings(
        section: &CohortsSection,
        _sections: &Sections,
    ) -> Result<CohortSettings, ConfigError> {
        section.settings()
    }

    fn describe_settings(settings: &CohortSettings, enrolments: EnrolmentMode) -> String {
        settings::describe(settings, enrolments)
    }

    fn settings_json(settings: &CohortSettings) -> serde_json::Value {
        settings::json(settings)
    }

    fn parse(table: &Table, settings: &CohortSettings) -> Result<ParsedFile, FileError> {
        parse_file(table, settings)
    }

    async fn prepare(_db: &Db, _file: &ParsedFile, _settings: &CohortSettings) {}

    async fn apply(
        tx: &mut Tx,
        file: &ParsedFile,
        settings: &CohortSettings,
        (): (),
        context: Apply,
    ) -> Result<Result<Applied<Effect>, FileError>, DbError> {
        let wanted = Wanted::of(file, settings);
        let snapshot = tx
            .cohort_snapshot(
                &wanted,
                settings.user_identifier,
                settings.cohort_identifier,
            )
            .await?;
        let plan = plan(file, &snapshot, settings);
        if !context.approved && plan.outcome.sync_over_limit() {
            // Held: planned only, nothing written.
            return Ok(Ok(Applied {
                outcome: plan.outcome,
                touched: Touched::default(),
            }));
        }
        let touched = tx.apply_cohort_ops(&plan.ops, context.now).await?;
        Ok(Ok(Applied {
            outcome: plan.outcome,
            touched,
        }))
    }

    fn totals_lines(counts: &Counts) -> Vec<String> {
        vec![
            format!(
                "cohorts   {} created, {} updated, {} emptied, {} deleted",
                counts.cohorts_created,
                counts.cohorts_updated,
                counts.cohorts_emptied,
                counts.cohorts_deleted
            ),
            format!(
                "members   {} added, {} removed, {} unchanged (already members)",
                counts.members_added, counts.members_removed, counts.members_unchanged
            ),
        ]
    }

    fn summary(counts: &Counts, tense: Tense) -> Vec<String> {
        vec![
            count_group(
                tense,
                ("cohort", "cohorts"),
                &[
                    (counts.cohorts_created, "created", "create"),
                    (counts.cohorts_updated, "updated", "update"),
                    (counts.cohorts_emptied, "emptied", "empty"),
                    (counts.cohorts_deleted, "deleted", "delete"),
                ],
            ),
            count_group(
                tense,
                ("member", "members"),
                &[
                    (counts.members_removed, "removed", "remove"),
                    (counts.members_added, "added", "add"),
                ],
            ),
        ]
    }
}
