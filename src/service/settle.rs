//! Settling interrupted claims: a claim folder left by a crash (or by a file whose outputs
//! could not all be put in place) is settled from the ledger alone. Committed, its staged
//! outputs are put in place; not committed, its input goes back to the spool.

use std::{
    collections::BTreeSet,
    fs,
    path::{Path, PathBuf},
};

use tracing::{error, info};

use super::worker::Service;
use crate::{
    db::{Db, DbError},
    spool::claim::{Claim, PutBack},
};

impl Service {
    /// Settles interrupted claims from the ledger. Fails only when the database cannot be
    /// used; a claim that cannot be settled yet stays pending.
    pub(super) async fn settle(&self, pending: &mut BTreeSet<PathBuf>) -> Result<(), DbError> {
        let dirs: Vec<PathBuf> = pending.iter().cloned().collect();
        for dir in dirs {
            let claim = match Claim::load(&dir) {
                Ok(Some(claim)) => claim,
                Ok(None) => {
                    // Claimed nothing (a crash before the rename), or already settled.
                    let _ = fs::remove_dir_all(&dir);
                    pending.remove(&dir);
                    continue;
                }
                Err(problem) => {
                    error!(claim = %dir.display(), "Cannot read the claim: {problem}");
                    continue;
                }
            };
            let spool = &self.config.paths.spool;
            if settle_claim(&self.db, self.workspace.instance(), &claim, spool).await? {
                pending.remove(&dir);
            }
        }
        Ok(())
    }
}

/// Settles one claim: its outputs put in place if the ledger holds it, else its input back in
/// the spool. `Ok(false)`: not settled yet (a file system problem, logged).
pub async fn settle_claim(
    db: &Db,
    instance: &str,
    claim: &Claim,
    spool: &Path,
) -> Result<bool, DbError> {
    // The lock waits for any transaction of this claim still in flight.
    let mut tx = db.begin_locked(instance).await?;
    let found = tx.claimed_run(&claim.id).await;
    let _ = tx.rollback().await;
    let committed = found?;
    match committed {
        Some(run) => match claim.recorded_plan() {
            Ok(Some(plan)) => match claim.publish(&plan) {
                Ok(published) => {
                    info!(
                        file = %claim.name,
                        run,
                        report = %published.files.first().map(|path| path.display().to_string()).unwrap_or_default(),
                        "Interrupted file settled: it was applied; its outputs are now in place"
                    );
                    Ok(true)
                }
                Err(problem) => {
                    error!(file = %claim.name, run, "Cannot put the outputs of an applied file in place: {problem}");
                    Ok(false)
                }
            },
            Ok(None) => {
                // Outputs are staged before the commit, so a committed claim without its plan
                // is one whose removal was interrupted after everything was put in place.
                let _ = claim.discard();
                Ok(true)
            }
            Err(problem) => {
                error!(file = %claim.name, run, claim = %claim.dir.display(), "Cannot read the output plan of an applied file: {problem}");
                Ok(false)
            }
        },
        // Not applied, and the input is gone: a crash while it was being put back, after it
        // was back in the spool. Nothing is left to settle.
        None if !claim.input().exists() => {
            info!(file = %claim.name, "Interrupted file settled: nothing of it was applied, and it is back in the spool");
            let _ = claim.discard();
            Ok(true)
        }
        None => match claim.put_back(spool) {
            Ok(PutBack::Done) => {
                info!(file = %claim.name, "Interrupted file settled: nothing of it was applied; back in the spool");
                Ok(true)
            }
            Ok(PutBack::NameTaken) => Ok(false),
            Err(problem) => {
                error!(file = %claim.name, "Cannot put the file back into the spool: {problem}");
                Ok(false)
            }
        },
    }
}
