//! Phases 3 and 5: what a file's kind prepares before the lock, then the plan against the
//! database and the writes, in the file's transaction, with the enrolments that follow and
//! Moodle's log.

use chrono::Utc;

use crate::{
    command::{Apply, Outcome, ParsedFile, Prepared},
    config::Config,
    db::{CacheChanges, Db, DbError, Tx},
    error::FileError,
};

/// The slow work the file's kind does before the ledger's lock (a user file's password
/// hashes); nothing for a file that could not be checked.
pub(super) async fn prepare(config: &Config, db: &Db, file: &ParsedFile) -> Prepared {
    file.prepare(db, &config.kinds).await
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
    prepared: Option<Prepared>,
) -> Result<Result<(Outcome, CacheChanges), FileError>, DbError> {
    let now = Utc::now().timestamp();
    tx.open_journal(config.moodle.write_logs).await?;
    let context = Apply { now, approved };
    let applied = match file.apply(tx, &config.kinds, prepared, context).await? {
        Ok(applied) => applied,
        Err(problem) => return Ok(Err(problem)),
    };
    let mut outcome = applied.outcome;
    if is_held(&outcome, approved) {
        return Ok(Ok((outcome, CacheChanges::default())));
    }
    outcome.enrolments = tx
        .follow_enrolments(applied.touched, config.enrolments, config.removals, now)
        .await?;
    outcome.log_rows = tx.write_journal(now).await?;
    Ok(Ok((outcome, tx.take_cache_changes())))
}

/// Whether a file is held rather than applied: a sync removes more than the limit, and the
/// file was not approved.
pub(super) fn is_held(outcome: &Outcome, approved: bool) -> bool {
    !approved && outcome.sync_over_limit()
}
