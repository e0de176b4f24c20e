//! `approve`: a held file applied as it is, once checked that no later snapshot of the same
//! export followed it, and who approved it recorded in the ledger.

use std::{fs, path::Path};

use chrono::Local;

use super::files::size_and_sha;
use crate::{
    command::FileKind,
    config::Config,
    db::{APPROVED, Db, LedgerEntry},
    exit::Fatal,
    host,
    output::{naming, summary::RunSummary},
    pipeline,
};

/// Refuses to approve a snapshot that a later one of the same series has followed: a file
/// whose name carries its own time stamp (NetYpareo's `…_groups_20261121-014000.csv`) when
/// `archive/` or `held/` holds the same name with a later stamp. Approving it would apply an
/// out-of-date membership over the later one.
pub fn check_latest_snapshot(config: &Config, path: &Path) -> Result<(), Fatal> {
    let Some(file_name) = path.file_name().map(|name| name.to_string_lossy()) else {
        return Ok(());
    };
    let Some((series, stamp)) = naming::series(naming::unstamp(&file_name)) else {
        return Ok(());
    };
    for (dir, what) in [
        (&config.paths.archive, "applied"),
        (&config.paths.held, "held"),
    ] {
        let Ok(entries) = fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let other = entry.file_name().to_string_lossy().into_owned();
            if let Some((other_series, other_stamp)) = naming::series(naming::unstamp(&other))
                && other_series == series
                && other_stamp > stamp
            {
                return Err(Fatal::Usage(format!(
                    "{} is out of date: a later snapshot of the same export, {other}, was {what} since ({}); approving this one would apply the older membership over it. Approve the later one, or pass --force",
                    path.display(),
                    dir.display()
                )));
            }
        }
    }
    Ok(())
}

/// `approve FILE`: applies a held file as it is (the limit on a sync's removals lifted), unless
/// a later snapshot of the same export followed it (`force` skips that check); then records
/// in the ledger who approved it (a row of outcome `approved`, acting on the run that held
/// it, naming the run that applied it). The command line and the console both approve
/// through here.
pub async fn approve(
    config: &Config,
    db: &Db,
    path: &Path,
    kind: Option<FileKind>,
    force: bool,
    by: &str,
) -> Result<RunSummary, Fatal> {
    if !force {
        check_latest_snapshot(config, path)?;
    }
    let file_name = pipeline::readable_file(path, None)?;
    db.ensure_ledger().await?;
    let held = db.run_keeping(&file_name).await?;
    let (size, sha256) = size_and_sha(path)?;
    let summary = pipeline::approve_file(config, db, path, kind).await?;
    let Some(run) = summary.run else {
        return Ok(summary);
    };
    let instance = host::instance();
    let now_ms = Local::now().timestamp_millis();
    let entry = LedgerEntry {
        claim: format!("approve-{instance}-{now_ms}-{run}"),
        name: naming::unstamp(&file_name).to_owned(),
        kind: held
            .as_ref()
            .map(|held| held.kind.clone())
            .or_else(|| kind.map(|kind| kind.name().to_owned()))
            .unwrap_or_default(),
        size,
        sha256,
        host: instance.clone(),
        claimed_at: now_ms,
        finished_at: now_ms,
        outcome: APPROVED.to_owned(),
        lines: 0,
        changed: 0,
        failed: 0,
        duplicate_of: None,
        parent: None,
        generation: 0,
        report: summary.report.display().to_string(),
        report_json: summary.report_json.display().to_string(),
        kept: None,
        tryback: None,
        error: None,
        summary: Some(format!("approved by {by}: applied as run #{run}")),
        of_run: held.as_ref().map(|held| held.id),
    };
    let mut tx = db.begin_locked(&instance).await?;
    match tx.record_decision(&entry, None).await {
        Ok(_) => tx.commit().await?,
        Err(error) => {
            let _ = tx.rollback().await;
            return Err(error.into());
        }
    }
    Ok(summary)
}
