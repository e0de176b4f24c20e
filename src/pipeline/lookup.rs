//! Phase 4, lock and look up: the file's transaction takes the ledger's lock (one file at a
//! time per database, across processes and hosts), then reads what the ledger knows of the
//! file's name (a tryback dropped again, a file put back by `retry`) and of its bytes (applied
//! before?).

use super::take::Taker;
use crate::{
    db::{DbError, LedgerRun, PendingRetry, Tx},
    spool::claim::Claim,
};

/// What the ledger knows of a file about to be applied.
pub(super) struct Found {
    /// For a tryback dropped again: the runs it descends from, parent first.
    pub(super) lineage: Vec<LedgerRun>,
    /// For a file put back by `moodle-sync retry`: that retry.
    pub(super) retry: Option<PendingRetry>,
    /// A run that applied every line of the same bytes: they are a duplicate.
    pub(super) applied_before: Option<LedgerRun>,
    /// A run of the same bytes that did not apply every line: they are applied again, and the
    /// report names it.
    pub(super) repeats: Option<LedgerRun>,
}

impl Found {
    /// The tryback generation of the file: 0 for a partner's file, n for the n-th tryback.
    pub(super) fn generation(&self) -> u32 {
        self.lineage
            .first()
            .map_or(0, |parent| parent.generation.saturating_add(1))
    }
}

/// Opens the file's transaction under the ledger's lock and looks the file up. On an error
/// the transaction is rolled back at once, so that the lock is released.
pub(super) async fn lock_and_look_up(
    taker: &Taker<'_>,
    claim: &Claim,
    sha256: &str,
) -> Result<(Tx, Found), DbError> {
    let mut tx = taker.db.begin_locked(taker.instance).await?;
    let looked_up = async {
        let (lineage, retry) = tx.lineage(&claim.name).await?;
        let earlier = if sha256.is_empty() {
            None
        } else {
            tx.earlier_run(sha256).await?
        };
        Ok::<_, DbError>((lineage, retry, earlier))
    }
    .await;
    let (lineage, retry, earlier) = match looked_up {
        Ok(found) => found,
        Err(error) => {
            let _ = tx.rollback().await;
            return Err(error);
        }
    };
    // Only a run that applied every line makes the same bytes a duplicate; after any other,
    // they are applied again, and the report names the run they repeat.
    let (applied_before, repeats) = match earlier {
        Some(earlier) if earlier.applied_every_line() => (Some(earlier), None),
        other => (None, other),
    };
    Ok((
        tx,
        Found {
            lineage,
            retry,
            applied_before,
            repeats,
        },
    ))
}
