//! Phases 3 and 5: what a file's kind prepares before the lock, then the plan against the
//! database and the writes, in the file's transaction, with the enrolments that follow and
//! Moodle's log.

use chrono::Utc;
use tracing::debug;

use crate::{
    command::{ParsedFile, binding, cohort, user},
    config::Config,
    db::{CacheChanges, Db, DbError, Tx},
    error::FileError,
    outcome::FileOutcome,
};

/// What a kind worked out before the ledger's lock, for its plan under the lock.
pub(super) type Prepared = user::Passwords;

/// The hashes and checks of the passwords a user file gives, done before its transaction so
/// that the ledger's lock is not held while they are: the file is planned once against what
/// the database holds now (read without the lock), and what that plan asks is done on every
/// core. Planned again under the lock, a line whose account changed in between is hashed
/// then. Any other file, or a failed read, gives nothing ahead.
pub(super) async fn prepare(config: &Config, db: &Db, parsed: Option<&ParsedFile>) -> Prepared {
    let Some(ParsedFile::Users(file)) = parsed else {
        return user::Passwords::inline();
    };
    let settings = &config.users;
    let wanted = user::Wanted::of(file, settings);
    let snapshot = async {
        let mut tx = db.begin_read().await?;
        let snapshot = tx.user_snapshot(&wanted, settings).await;
        let _ = tx.rollback().await;
        snapshot
    }
    .await;
    let work = match snapshot {
        Ok(snapshot) => user::password_work(file, &snapshot, settings),
        Err(error) => {
            debug!(%error, "Passwords not prepared ahead: the file's accounts cannot be read");
            return user::Passwords::inline();
        }
    };
    if work.is_empty() {
        return user::Passwords::inline();
    }
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    tokio::task::spawn_blocking(move || work.done(threads))
        .await
        .unwrap_or_else(|_| user::Passwords::inline())
}

/// Plans the file against the database and applies it, with the enrolments that follow, in
/// `tx`; returns the outcome and what the writes changed for Moodle's caches. The inner error
/// rejects the file for what the database holds (a user file naming profile fields the site
/// does not define); nothing was written then. A file to hold ([`is_held`]) is planned only:
/// its outcome says what applying it would do, and nothing is written.
pub(super) async fn apply(
    config: &Config,
    tx: &mut Tx,
    file: &ParsedFile,
    approved: bool,
    prepared: Prepared,
) -> Result<Result<(FileOutcome, CacheChanges), FileError>, DbError> {
    let now = Utc::now().timestamp();
    tx.open_journal(config.moodle.write_logs).await?;
    let (mut outcome, touched) = match file {
        ParsedFile::Users(file) => {
            let settings = &config.users;
            let wanted = user::Wanted::of(file, settings);
            let snapshot = tx.user_snapshot(&wanted, settings).await?;
            let plan = match user::plan_with(file, &snapshot, settings, prepared) {
                Ok((plan, _)) => plan,
                Err(problem) => return Ok(Err(problem)),
            };
            let touched = tx.apply_user_ops(&plan.ops, now).await?;
            (plan.outcome, touched)
        }
        ParsedFile::Cohorts(file) => {
            let settings = &config.cohorts;
            let wanted = cohort::Wanted::of(file, settings);
            let snapshot = tx
                .cohort_snapshot(
                    &wanted,
                    settings.user_identifier,
                    settings.cohort_identifier,
                )
                .await?;
            let plan = cohort::plan(file, &snapshot, settings);
            if is_held(&plan.outcome, approved) {
                return Ok(Ok((plan.outcome, CacheChanges::default())));
            }
            let touched = tx.apply_cohort_ops(&plan.ops, now).await?;
            (plan.outcome, touched)
        }
        ParsedFile::Bindings(file) => {
            let settings = &config.bindings;
            let wanted = binding::Wanted::of(file, settings);
            let snapshot = tx
                .binding_snapshot(
                    &wanted,
                    settings.course_identifier,
                    settings.cohort_identifier,
                )
                .await?;
            let plan = binding::plan(file, &snapshot, settings);
            let touched = tx.apply_binding_ops(&plan.ops, now).await?;
            (plan.outcome, touched)
        }
    };
    outcome.enrolments = tx
        .follow_enrolments(touched, config.enrolments, config.removals, now)
        .await?;
    outcome.log_rows = tx.write_journal(now).await?;
    Ok(Ok((outcome, tx.take_cache_changes())))
}

/// Whether a file is held rather than applied: a sync removes more than the limit, and the
/// file was not approved.
pub(super) fn is_held(outcome: &FileOutcome, approved: bool) -> bool {
    !approved && outcome.sync_over_limit()
}
