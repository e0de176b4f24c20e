//! What makes user files a kind of command file: their names, how they are parsed, prepared
//! (passwords hashed before the lock), planned and applied, and how the report counts them.

use tracing::debug;

use super::{
    effect::{Counts, Effect},
    line::{ParsedFile, UserSettings, parse_file},
    password::Passwords,
    plan::{Wanted, password_work, plan_with},
    settings::{self, UsersSection},
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

/// User files (`users*.csv`, `userimport*.csv`): accounts and their profile fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Users;

impl Kind for Users {
    const NAME: &'static str = "users";
    const FILE_PREFIX: &'static str = "users";
    // The reference tool's default file name.
    const MORE_PATTERNS: &'static [&'static str] = &["userimport*.csv"];
    const KEY_COLUMNS: &'static [&'static str] = &["username", "idnumber"];

    type Section = UsersSection;
    type Settings = UserSettings;
    type File = ParsedFile;
    type Effect = Effect;
    type Counts = Counts;
    type Prepared = Passwords;

    fn settings(section: &UsersSection, _sections: &Sections) -> Result<UserSettings, ConfigError> {
        section.settings()
    }

    fn describe_settings(settings: &UserSettings, _enrolments: EnrolmentMode) -> String {
        settings::describe(settings)
    }

    fn settings_json(settings: &UserSettings) -> serde_json::Value {
        settings::json(settings)
    }

    fn parse(table: &Table, settings: &UserSettings) -> Result<ParsedFile, FileError> {
        parse_file(table, settings)
    }

    /// The hashes and checks of the passwords the file gives, done before its transaction so
    /// that the ledger's lock is not held while they are: the file is planned once against
    /// what the database holds now (read without the lock), and what that plan asks is done on
    /// every core. Planned again under the lock, a line whose account changed in between is
    /// hashed then. A file without passwords, or a failed read, gives nothing ahead.
    async fn prepare(db: &Db, file: &ParsedFile, settings: &UserSettings) -> Passwords {
        let wanted = Wanted::of(file, settings);
        let snapshot = async {
            let mut tx = db.begin_read().await?;
            let snapshot = tx.user_snapshot(&wanted, settings).await;
            let _ = tx.rollback().await;
            snapshot
        }
        .await;
        let work = match snapshot {
            Ok(snapshot) => password_work(file, &snapshot, settings),
            Err(error) => {
                debug!(%error, "Passwords not prepared ahead: the file's accounts cannot be read");
                return Passwords::inline();
            }
        };
        if work.is_empty() {
            return Passwords::inline();
        }
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        tokio::task::spawn_blocking(move || work.done(threads))
            .await
            .unwrap_or_else(|_| Passwords::inline())
    }

    async fn apply(
        tx: &mut Tx,
        file: &ParsedFile,
        settings: &UserSettings,
        prepared: Passwords,
        context: Apply,
    ) -> Result<Result<Applied<Effect>, FileError>, DbError> {
        let wanted = Wanted::of(file, settings);
        let snapshot = tx.user_snapshot(&wanted, settings).await?;
        let plan = match plan_with(file, &snapshot, settings, prepared) {
            Ok((plan, _)) => plan,
            Err(problem) => return Ok(Err(problem)),
        };
        let touched = tx.apply_user_ops(&plan.ops, context.now).await?;
        Ok(Ok(Applied {
            outcome: plan.outcome,
            touched,
        }))
    }

    fn totals_lines(counts: &Counts) -> Vec<String> {
        let mut lines = vec![format!(
            "accounts  {} created, {} updated, {} revived, {} suspended, {} unsuspended, {} deleted",
            counts.users_created,
            counts.users_updated,
            counts.users_revived,
            counts.users_suspended,
            counts.users_unsuspended,
            counts.users_deleted
        )];
        if counts.profile_fields_created > 0 {
            lines.push(format!(
                "fields    {} profile fields created",
                counts.profile_fields_created
            ));
        }
        lines
    }

    fn summary(counts: &Counts, tense: Tense) -> Vec<String> {
        vec![
            count_group(
                tense,
                ("account", "accounts"),
                &[
                    (counts.users_created, "created", "create"),
                    (counts.users_updated, "updated", "update"),
                    (counts.users_revived, "revived", "revive"),
                    (counts.users_suspended, "suspended", "suspend"),
                    (counts.users_unsuspended, "unsuspended", "unsuspend"),
                    (counts.users_deleted, "deleted", "delete"),
                ],
            ),
            count_group(
                tense,
                ("profile field", "profile fields"),
                &[(counts.profile_fields_created, "created", "create")],
            ),
        ]
    }
}
