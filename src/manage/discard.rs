//! `moodle-sync discard FILE`: a held file ended without being applied, kept in `[paths]
//! discarded` with a report saying who discarded it, when, and why it was held; the ledger
//! records the discard.

use std::{
    fs,
    path::{Path, PathBuf},
};

use chrono::{Local, SecondsFormat};

use super::{
    discard_report::{DiscardFacts, ReportNames},
    files::{remove_original, same_folder, size_and_sha},
};
use crate::{
    config::Config,
    db::{DISCARDED, Db, DbError, LedgerEntry},
    exit::Fatal,
    host,
    output::naming,
    pipeline,
    spool::claim,
};

/// What `discard` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discarded {
    /// The held file given.
    pub from: PathBuf,
    /// Where it is kept now.
    pub to: PathBuf,
    /// The text report.
    pub report: PathBuf,
    /// The JSON report.
    pub report_json: PathBuf,
    /// The run that held it, if the ledger knew it.
    pub held_by: Option<i64>,
    /// The discard's ledger row.
    pub record: i64,
    /// Who discarded it: the operating system user, and the host.
    pub by: String,
    /// Set when the held file could not be removed after the discard was recorded.
    pub left_behind: Option<String>,
}

/// `moodle-sync discard FILE`: ends `path`, a file of the held area, without applying it. It
/// is kept in `[paths] discarded` under its name, with a report (text and JSON) in the reports
/// folder saying who discarded it, when, and why it was held; the ledger records the discard.
pub async fn discard(config: &Config, db: &Db, path: &Path, by: &str) -> Result<Discarded, Fatal> {
    let paths = &config.paths;
    let where_held = format!(
        "discard ends a file of the held folder ({}); `moodle-sync status` lists them",
        paths.held.display()
    );
    let file_name = pipeline::readable_file(path, Some(&where_held))?;
    if !same_folder(path, &paths.held) {
        return Err(Fatal::Usage(format!(
            "{} is not a held file: {where_held}",
            path.display()
        )));
    }
    db.ensure_ledger().await?;
    let held = db.run_keeping(&file_name).await?;
    let name = naming::unstamp(&file_name).to_owned();
    let kind = held
        .as_ref()
        .map(|run| run.kind.clone())
        .or_else(|| {
            config
                .routing
                .kind_of(&name)
                .map(|kind| kind.name().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let (size, sha256) = size_and_sha(path)?;

    // Kept first (the held file stays), then the reports and the ledger row, then the held
    // file goes.
    let discarded = &paths.discarded;
    fs::create_dir_all(discarded)
        .map_err(|source| Fatal::io("cannot create", discarded, source))?;
    let target = discarded.join(&file_name);
    let existed = target.exists();
    let to = claim::place(path, &target)
        .map_err(|source| Fatal::io("cannot keep the file in", discarded, source))?;
    let undo_keep = |to: &Path| {
        if !existed || to != target {
            let _ = fs::remove_file(to);
        }
    };

    let now = Local::now();
    let now_ms = now.timestamp_millis();
    fs::create_dir_all(&paths.reports)
        .map_err(|source| Fatal::io("cannot create", &paths.reports, source))?;
    let reports = ReportNames::free(&paths.reports, naming::stamp(&now), &name);
    let instance = host::instance();
    let by = by.to_owned();
    let facts = DiscardFacts {
        kind: &kind,
        name: &name,
        from: path,
        to: &to,
        size,
        sha256: &sha256,
        at: now.to_rfc3339_opts(SecondsFormat::Secs, false),
        by: &by,
        held: held.as_ref(),
    };
    let entry = ledger_entry(&facts, &instance, now_ms, &reports);
    let mut written_reports = Vec::new();
    let recorded = record_discard(
        db,
        &instance,
        &entry,
        &facts,
        &reports,
        &mut written_reports,
    )
    .await;
    let record = match recorded {
        Ok(id) => id,
        Err(error) => {
            for written in &written_reports {
                let _ = fs::remove_file(written);
            }
            undo_keep(&to);
            return Err(error.into());
        }
    };
    let left_behind = remove_original(path);
    Ok(Discarded {
        from: path.to_path_buf(),
        to,
        report: reports.text(),
        report_json: reports.json(),
        held_by: held.as_ref().map(|run| run.id),
        record,
        by,
        left_behind,
    })
}

/// The ledger row of the discard `facts` tell, made by `instance` at `now_ms`, with its
/// `reports`.
fn ledger_entry(
    facts: &DiscardFacts<'_>,
    instance: &str,
    now_ms: i64,
    reports: &ReportNames<'_>,
) -> LedgerEntry {
    let by = facts.by;
    let reason = facts.held.and_then(|run| run.error.clone());
    LedgerEntry {
        claim: format!("discard-{instance}-{now_ms}"),
        name: facts.name.to_owned(),
        kind: facts.kind.to_owned(),
        size: facts.size,
        sha256: facts.sha256.to_owned(),
        host: instance.to_owned(),
        claimed_at: now_ms,
        finished_at: now_ms,
        outcome: DISCARDED.to_owned(),
        lines: 0,
        changed: 0,
        failed: 0,
        duplicate_of: None,
        parent: None,
        generation: 0,
        report: reports.text().display().to_string(),
        report_json: reports.json().display().to_string(),
        kept: Some(facts.to.display().to_string()),
        tryback: None,
        error: reason,
        summary: Some(format!("discarded by {by}: never applied")),
        of_run: facts.held.map(|run| run.id),
    }
}

/// Records the discard under the ledger's lock, its reports written before the commit (they
/// name its ledger row); the reports written are added to `written`, to be removed when the
/// discard is not recorded.
async fn record_discard(
    db: &Db,
    instance: &str,
    entry: &LedgerEntry,
    facts: &DiscardFacts<'_>,
    reports: &ReportNames<'_>,
    written: &mut Vec<PathBuf>,
) -> Result<i64, DbError> {
    let mut tx = db.begin_locked(instance).await?;
    let id = match tx.record_decision(entry, None).await {
        Ok(id) => id,
        Err(error) => {
            let _ = tx.rollback().await;
            return Err(error);
        }
    };
    match reports.write(facts, id, written) {
        None => tx.commit().await.map(|()| id),
        Some(problem) => {
            let _ = tx.rollback().await;
            Err(DbError::Refused(problem))
        }
    }
}
