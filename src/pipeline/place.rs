//! Phase 9, place: once the file's transaction committed, Moodle's caches are refreshed, the
//! staged outputs put in place, a claimed file that changed after it was read kept beside, and
//! the report written again when the staged one could not know all this.

use std::path::PathBuf;

use tracing::{error, warn};

use super::{
    run::Run,
    stage::{self, Area, Destinations, REPORT, REPORT_JSON, TRYBACK},
    take::Taker,
};
use crate::{
    cache::{self, CacheReport},
    command::Outcome,
    db::CacheChanges,
    output::report::{LedgerInfo, Report},
    spool::claim::{self, Claim, OutputPlan},
};

/// What placing the staged files did.
pub(super) struct Placed {
    /// Where the input went.
    pub(super) input: Option<PathBuf>,
    /// Where the tryback went.
    pub(super) tryback: Option<PathBuf>,
    /// Outputs that could not be put in place.
    pub(super) problems: Vec<String>,
    /// What the report must say besides (a late write kept, an input left in place).
    pub(super) notes: Vec<String>,
}

/// Refreshes Moodle's caches for what the committed file changed, when the staged report said
/// they would be; whatever happens there, the file stays applied: the report says what could
/// not be refreshed. Whether the report must be written again.
pub(super) async fn refresh_caches(
    run: &mut Run<'_>,
    taker: &Taker<'_>,
    changes: &CacheChanges,
) -> bool {
    let (Some(CacheReport::Pending { .. }), Some(dataroot)) =
        (&run.caches, &taker.config.moodle.dataroot)
    else {
        return false;
    };
    let outcome = cache::refresh(dataroot, taker.db, changes).await;
    run.caches = Some(CacheReport::Refreshed(outcome));
    true
}

/// Puts the input and the tryback where the plan says, keeps the claimed file if it changed
/// after it was read (or watches it a while longer, when nothing could tell that its writer
/// was gone), and removes a `run`'s original once archived.
pub(super) fn place_outputs(
    taker: &Taker<'_>,
    claim: &Claim,
    run: &Run<'_>,
    destinations: &Destinations,
    plan: &OutputPlan,
    failed: u64,
) -> Placed {
    let config = taker.config;
    let mut placed = Placed {
        input: None,
        tryback: None,
        problems: Vec::new(),
        notes: Vec::new(),
    };
    if let Some(to) = &plan.input_to {
        match claim::place(&claim.placed_input(plan), to) {
            Ok(path) => placed.input = Some(path),
            Err(source) => placed.problems.push(match destinations.input_to {
                Some(Area::Archive) => format!(
                    "cannot archive the input into {}: {source}; the file was applied but is still in place",
                    config.paths.archive.display()
                ),
                Some(Area::Held) => format!(
                    "cannot move the input into {}: {source}; nothing was applied and the file is still in place",
                    config.paths.held.display()
                ),
                _ => format!(
                    "cannot keep the input in {}: {source}",
                    config.paths.failed.display()
                ),
            }),
        }
    }
    if let Some(to) = &destinations.names.tryback {
        match claim::place(&claim.staged(TRYBACK), to) {
            Ok(path) => placed.tryback = Some(path),
            Err(source) => placed.problems.push(format!(
                "cannot write the tryback of the {failed} failed lines into {}: {source}",
                destinations.tryback_dir.display()
            )),
        }
    }
    match claim.keep_if_changed(plan) {
        Ok(None) => {
            // Unchanged so far; with no check able to tell that its writer is gone, the
            // service keeps an eye on it a while longer (`spool::claim::check_watched`).
            if let Some(window) = taker.watch_after {
                let until = claim::now_ms()
                    .saturating_add(i64::try_from(window.as_millis()).unwrap_or(i64::MAX));
                if let Err(problem) = claim.watch_after(plan, until) {
                    warn!("Cannot keep watching the applied file for late writes: {problem}");
                }
            }
        }
        Ok(Some(kept)) => {
            error!(
                kept = %kept.display(),
                "File changed after it was applied: a writer still held it; what it added was not applied"
            );
            placed.notes.push(format!(
                "the file changed after it was read and applied (a writer still held it open): what was applied, and archived, is the {} bytes read; the file as it is now is kept in {}, and what it added was not applied: check it, and drop what is missing again",
                run.input.size,
                kept.display()
            ));
        }
        Err(source) => placed.problems.push(format!(
            "the file changed after it was read and applied, and cannot be kept in {}: {source}; it is still in {}",
            config.paths.failed.display(),
            claim.dir.display()
        )),
    }
    if placed.problems.is_empty()
        && let Some(removal) = &plan.remove_source
    {
        match claim::remove_if_unchanged(removal) {
            Ok(true) => {}
            Ok(false) => placed.notes.push(format!(
                "the input changed while it was applied, so it was left in place; the archive holds the bytes that were applied ({})",
                destinations
                    .names
                    .input
                    .as_ref()
                    .map(|path| path.display().to_string())
                    .unwrap_or_default()
            )),
            Err(source) => placed.problems.push(format!(
                "cannot remove the input {} after archiving it: {source}",
                removal.path.display()
            )),
        }
    }
    placed
}

/// Writes the report again when the staged one could not know what placing found (problems,
/// notes) or how the caches stand, then puts both reports in place. Returns their paths.
pub(super) fn place_reports(
    claim: &Claim,
    run: &Run<'_>,
    report: &Report<'_>,
    outcome: Option<&Outcome>,
    destinations: &Destinations,
    placed: &mut Placed,
    caches_refreshed: bool,
) -> (PathBuf, PathBuf) {
    let config = run.config;
    if !placed.problems.is_empty() || !placed.notes.is_empty() || caches_refreshed {
        let outputs = destinations.outputs(placed.input.as_deref(), placed.tryback.as_deref());
        let ledger: Option<LedgerInfo> = report.run.ledger.clone();
        let mut context = run.context(
            report.run.status,
            report.run.error.clone(),
            outputs,
            placed.problems.clone(),
            ledger,
        );
        context.notes.extend(placed.notes.iter().cloned());
        let report = Report::new(context, outcome);
        if let Err(error) = stage::write_report_files(claim, &report) {
            placed
                .problems
                .push(format!("cannot rewrite the report: {error}"));
        }
    }
    let names = &destinations.names;
    let report_path = claim::place(&claim.staged(REPORT), &names.report);
    let json_path = claim::place(&claim.staged(REPORT_JSON), &names.report_json);
    match (report_path, json_path) {
        (Ok(text), Ok(json)) => (text, json),
        (Err(error), _) | (_, Err(error)) => {
            placed.problems.push(format!(
                "cannot write the report into {}: {error}",
                config.paths.reports.display()
            ));
            (names.report.clone(), names.report_json.clone())
        }
    }
}
