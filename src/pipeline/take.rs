//! A claimed file taken through every phase, top to bottom: the heart of the service, and of
//! `run`.

use std::{fs, io, path::PathBuf, time::Duration};

use tracing::{info, warn};

use super::{
    apply::{self, is_held},
    check::check,
    lookup::{self, Found},
    place::{self, Placed},
    read::{self, Input},
    run::{Run, earlier_run},
    stage::{self, Area, Destinations},
    summary::log_finished,
    verdict::Verdict,
};
use crate::{
    cache::CacheReport,
    command::{ParsedFile, Prepared},
    config::Config,
    db::{CacheChanges, Db, DbError, Tx},
    error::FileError,
    input::Table,
    output::report::{self, LedgerInfo, Report, RetryInfo},
    output::summary::RunSummary,
    spool::{DuplicatePolicy, claim::Claim},
};

/// Who takes files, and under which policies.
#[derive(Debug, Clone, Copy)]
pub struct Taker<'a> {
    /// The configuration.
    pub config: &'a Config,
    /// The database.
    pub db: &'a Db,
    /// The process, as claims and the ledger name it.
    pub instance: &'a str,
    /// What to do with bytes already applied.
    pub duplicates: DuplicatePolicy,
    /// Apply a sync whatever share of a cohort's members it removes (`moodle-sync approve`).
    pub approved: bool,
    /// How long to keep watching the claimed file after its commit, when no check could tell
    /// that no process still holds it open for writing (`None`: a check told, or `run`).
    pub watch_after: Option<Duration>,
}

/// How a claimed file ended.
#[derive(Debug)]
pub enum Processed {
    /// Decided, recorded and put in place (perhaps with problems, in the summary).
    Done(Box<RunSummary>),
    /// Nothing was applied: the database could not be used, or the outputs could not be
    /// staged. The claim should go back to the spool, to be taken again later.
    Retry(Interrupted),
    /// The commit's outcome is unknown (the connection failed during it): the claim is
    /// settled from the ledger once the database answers.
    Unknown(DbError),
    /// The claimed file changed after it was read (a writer still held it): everything was
    /// rolled back and nothing recorded. The claim should go back to the spool, to settle and
    /// be taken again once complete. The text says how it changed.
    Changed(String),
}

/// Why a file was stopped before its commit, everything rolled back.
#[derive(Debug, thiserror::Error)]
pub enum Interrupted {
    /// The database failed.
    #[error(transparent)]
    Database(#[from] DbError),
    /// The outputs could not be staged in the claim folder.
    #[error("cannot stage the outputs in {}: {source}", dir.display())]
    Staging {
        /// The claim folder.
        dir: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The commit's outcome is unknown.
    #[error("{0}")]
    CommitUnknown(DbError),
    /// The claimed file changed after it was read.
    #[error("{0}")]
    Changed(String),
}

/// Applies a claimed file, phase by phase (see the module's documentation).
#[tracing::instrument(skip_all, fields(file = %claim.name, claim = %claim.id))]
pub async fn take(taker: &Taker<'_>, claim: &Claim) -> Processed {
    let config = taker.config;
    let mut run = Run::new(
        config,
        taker.db,
        claim.kind,
        &claim.source,
        &claim.name,
        false,
    );
    run.approved = taker.approved;

    // Read and check: everything that can reject the file, before the database.
    let (input, checked) = read_and_check(&mut run, claim);
    let sha256 = input
        .as_ref()
        .map(|input| input.sha256.clone())
        .unwrap_or_default();
    let parsed;
    let checked = match checked {
        Ok(ok) => {
            parsed = ok;
            Ok(&parsed)
        }
        Err(problem) => Err(problem),
    };
    let prepared = match &checked {
        Ok((_, file)) => Some(apply::prepare(config, taker.db, file).await),
        Err(_) => None,
    };

    // Lock, look up, plan and apply: the verdict.
    let (tx, found) = match lookup::lock_and_look_up(taker, claim, &sha256).await {
        Ok(looked_up) => looked_up,
        Err(error) => return Processed::Retry(error.into()),
    };
    let (mut tx, verdict, cache_changes) = match decide(taker, tx, checked, &found, prepared).await
    {
        Ok(decided) => decided,
        Err(error) => return Processed::Retry(error),
    };
    tell_the_report(&mut run, claim, &verdict, &found, &cache_changes);

    // Stage the outputs and record the run, then commit.
    let destinations = Destinations::choose(
        &run,
        &verdict,
        input.as_ref(),
        claim.external,
        found.generation(),
    );
    let entry = stage::ledger_entry(taker, claim, &run, &verdict, &found, &destinations, &sha256);
    let run_id = match tx.record_run(&entry).await {
        Ok(id) => id,
        Err(error) => {
            let _ = tx.rollback().await;
            return Processed::Retry(error.into());
        }
    };
    let ledger = ledger_info(taker, claim, &verdict, &found, &destinations, run_id);
    let staged = stage::stage(&run, claim, &verdict, &destinations, input.as_ref(), ledger);
    let (report, plan) = match staged {
        Ok(staged) => staged,
        Err(source) => {
            let _ = tx.rollback().await;
            return Processed::Retry(Interrupted::Staging {
                dir: claim.dir.clone(),
                source,
            });
        }
    };
    if let Some(not_committed) = commit(tx, claim, input.as_ref()).await {
        return not_committed;
    }

    // Committed: Moodle's caches first, so that the site shows the change at once; then
    // everything in place.
    let caches_refreshed = place::refresh_caches(&mut run, taker, &cache_changes).await;
    let mut placed = place::place_outputs(taker, claim, &run, &destinations, &plan, entry.failed);
    let (report_path, json_path) = place::place_reports(
        claim,
        &run,
        &report,
        verdict.outcome(),
        &destinations,
        &mut placed,
        caches_refreshed,
    );
    if placed.problems.is_empty() {
        let _ = claim.discard();
    }
    let summary = summarise(
        &destinations,
        placed,
        &report,
        entry.summary,
        run_id,
        (report_path, json_path),
    );
    log_finished(&summary, false);
    Processed::Done(Box::new(summary))
}

/// Commits the file's transaction, unless the claimed file changed since it was read: the
/// last look before the decision, since a writer that still held the file and wrote to it
/// would make the report, the archive and the effects those of a part of it. What happened
/// instead, when it did not commit.
async fn commit(tx: Tx, claim: &Claim, input: Option<&Input>) -> Option<Processed> {
    if let Some(change) = input.and_then(|input| read::changed_since_read(claim, input)) {
        let _ = tx.rollback().await;
        if let Err(error) = claim.unstage() {
            // The claim keeps a plan the ledger will never confirm: settled from the ledger
            // as not applied anyway.
            warn!(
                "Cannot remove the staged outputs of {}: {error}",
                claim.dir.display()
            );
        }
        return Some(Processed::Changed(change));
    }
    tx.commit().await.err().map(Processed::Unknown)
}

/// Reads the claimed input and checks it as its kind; notes what the report says of the
/// input (its size, SHA-256 and how it was read).
fn read_and_check(
    run: &mut Run<'_>,
    claim: &Claim,
) -> (Option<Input>, Result<(Table, ParsedFile), FileError>) {
    let input = match read::read(&claim.input(), run.config.input.max_file_bytes) {
        Ok(input) => input,
        Err((problem, size)) => {
            run.input.size = size;
            return (None, Err(problem));
        }
    };
    run.input.size = input.bytes.len() as u64;
    run.input.sha256 = Some(input.sha256.clone());
    info!(
        kind = %claim.kind,
        size = run.input.size,
        sha256 = %input.sha256,
        "File picked"
    );
    let checked = check(run.config, claim.kind, &input.bytes);
    if let Ok((table, _)) = &checked {
        run.format = Some(table.format);
    }
    (Some(input), checked)
}

/// Plans and applies the file in `tx`, unless it was rejected or is a duplicate to skip, and
/// says how it ends. A file the database refused is rolled back, and its run is recorded alone
/// in a new transaction under the lock, returned with the verdict.
async fn decide<'c>(
    taker: &Taker<'_>,
    tx: Tx,
    checked: Result<&'c (Table, ParsedFile), FileError>,
    found: &Found,
    prepared: Option<Prepared>,
) -> Result<(Tx, Verdict<'c>, CacheChanges), Interrupted> {
    let config = taker.config;
    let (table, file) = match checked {
        Ok(checked) => checked,
        Err(rejection) => return Ok((tx, Verdict::Rejected(rejection), CacheChanges::default())),
    };
    if let Some(earlier) = &found.applied_before
        && taker.duplicates == DuplicatePolicy::Skip
    {
        let verdict = Verdict::Duplicate(Box::new(earlier.clone()));
        return Ok((tx, verdict, CacheChanges::default()));
    }
    let mut tx = tx;
    let refused = match apply::apply(config, &mut tx, file, taker.approved, prepared).await {
        Ok(Ok((outcome, changes))) if is_held(&outcome, taker.approved) => {
            // Nothing was written: the transaction records the run alone.
            let reason = outcome.hold_reason(config.kinds.cohorts.max_sync_removal_percent);
            return Ok((tx, Verdict::Held { outcome, reason }, changes));
        }
        Ok(Ok((outcome, changes))) => {
            return Ok((tx, Verdict::Applied { outcome, table }, changes));
        }
        Ok(Err(problem)) => Verdict::Rejected(problem),
        Err(error) => {
            // Roll back now rather than when the connection is next used, so that the
            // locks the file took are released at once.
            let _ = tx.rollback().await;
            if error.is_transient() {
                return Err(error.into());
            }
            let tx = taker.db.begin_locked(taker.instance).await?;
            return Ok((
                tx,
                Verdict::RolledBack(error.into()),
                CacheChanges::default(),
            ));
        }
    };
    let _ = tx.rollback().await;
    let tx = taker.db.begin_locked(taker.instance).await?;
    Ok((tx, refused, CacheChanges::default()))
}

/// What the report says besides the outcome: that Moodle's caches will be refreshed (or
/// cannot be), that the same bytes were applied before, and for a tryback where its lines
/// first came from.
fn tell_the_report(
    run: &mut Run<'_>,
    claim: &Claim,
    verdict: &Verdict<'_>,
    found: &Found,
    cache_changes: &CacheChanges,
) {
    let config = run.config;
    let applied = matches!(verdict, Verdict::Applied { .. });
    if applied && !cache_changes.is_empty() {
        run.caches = Some(match &config.moodle.dataroot {
            None => CacheReport::NoDataRoot,
            Some(dataroot) => CacheReport::Pending {
                dataroot: dataroot.display().to_string(),
            },
        });
    }
    if let (Some(earlier), true) = (&found.applied_before, applied) {
        run.notes.push(format!(
            "the same bytes were applied before, by run #{} ({}); [watch] duplicates = \"apply\" or `run` applied them again",
            earlier.id, earlier.name
        ));
    }
    // A tryback's lines, in the file they first came from (the report that wrote it says).
    if let (Some(parent), Some(outcome)) = (found.lineage.first(), verdict.outcome())
        && parent.tryback.is_some()
    {
        let parent_json = parent
            .report
            .strip_suffix(".txt")
            .map(|stem| format!("{stem}.json"));
        let lines: Vec<(usize, Vec<String>)> = outcome
            .lines
            .iter()
            .map(|line| (line.line, line.keys.clone()))
            .collect();
        run.origins = parent_json
            .and_then(|path| fs::read(path).ok())
            .and_then(|bytes| report::origins(&bytes, claim.kind, &lines));
    }
}

/// The ledger's record as the report names it.
fn ledger_info(
    taker: &Taker<'_>,
    claim: &Claim,
    verdict: &Verdict<'_>,
    found: &Found,
    destinations: &Destinations,
    run_id: i64,
) -> LedgerInfo {
    LedgerInfo {
        run: run_id,
        claim: claim.id.clone(),
        host: taker.instance.to_owned(),
        generation: found.generation(),
        ancestors: found.lineage.iter().map(|run| run.id).collect(),
        generation_limit_reached: destinations.limit_reached && destinations.tryback.is_some(),
        duplicate_of: verdict.duplicate_of().map(earlier_run),
        repeats: found.repeats.as_ref().map(earlier_run),
        retry: found.retry.as_ref().map(|retry| RetryInfo {
            record: retry.id,
            of_run: retry.of_run,
        }),
    }
}

/// What the run did, once everything is in place.
fn summarise(
    destinations: &Destinations,
    placed: Placed,
    report: &Report<'_>,
    summary: Option<String>,
    run_id: i64,
    (report_path, json_path): (PathBuf, PathBuf),
) -> RunSummary {
    let input_in = |area: Area| {
        placed
            .input
            .clone()
            .filter(|_| destinations.input_to == Some(area))
    };
    RunSummary {
        status: report.run.status,
        totals: report.totals,
        summary,
        error: report.run.error.clone(),
        archive: input_in(Area::Archive),
        kept: input_in(Area::Failed),
        held: input_in(Area::Held),
        problems: placed.problems,
        report: report_path,
        report_json: json_path,
        tryback: placed.tryback,
        run: Some(run_id),
    }
}
