//! `prune [--dry-run]`, and the prune `watch` runs once a day: every folder retention applies
//! to pruned under `[retention]`, the blocking work on a blocking thread, and what was done
//! printed (the command) or logged (the service).

use std::{
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::run::shown;
use crate::{
    config::{Config, Paths},
    exit::{self, Fatal},
    retention::{self, Folder, Pruned, RetentionError, RetentionSettings},
};

/// How long `watch` waits after its start before its first prune.
const FIRST_PRUNE_AFTER: Duration = Duration::from_secs(60);
/// How long between two prunes of `watch`.
const PRUNE_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// One folder's prune: where, and what it did or why it stopped.
type FolderOutcome = (Folder, PathBuf, Result<Pruned, RetentionError>);

/// The folder `[paths]` gives for a folder retention applies to.
fn folder_path(paths: &Paths, folder: Folder) -> PathBuf {
    match folder {
        Folder::Archive => paths.archive.clone(),
        Folder::Reports => paths.reports.clone(),
        Folder::Failed => paths.failed.clone(),
        Folder::Logs => paths.logs.clone(),
    }
}

/// Prunes every folder at `now` (each on its own: a failure in one does not stop the next),
/// asking `stop` before each month.
fn prune_all(
    paths: &Paths,
    settings: &RetentionSettings,
    now: DateTime<Utc>,
    dry_run: bool,
    stop: &dyn Fn() -> bool,
) -> Vec<FolderOutcome> {
    Folder::ALL
        .into_iter()
        .map(|folder| {
            let dir = folder_path(paths, folder);
            let rule = settings.rule(folder);
            let outcome = if dry_run {
                retention::prune_folder(&dir, rule, now, true)
            } else {
                retention::prune_folder_with(&dir, rule, now, &mut |_| {}, stop)
            };
            (folder, dir, outcome)
        })
        .collect()
}

/// `prune [--dry-run]`: one prune now; prints, per folder, what was (or would be) bundled and
/// deleted. A folder that failed is named on standard error and the exit code is
/// [`exit::FILESYSTEM`].
pub(super) async fn prune(config: &Config, dry_run: bool) -> Result<u8, Fatal> {
    let paths = config.paths.clone();
    let settings = config.retention;
    let outcomes = tokio::task::spawn_blocking(move || {
        prune_all(&paths, &settings, Utc::now(), dry_run, &|| false)
    })
    .await
    .map_err(|error| {
        let problem = std::io::Error::other(format!("the prune ended abnormally: {error}"));
        Fatal::io("cannot prune", &config.paths.archive, problem)
    })?;
    let mut code = exit::SUCCESS;
    for (folder, dir, outcome) in outcomes {
        match outcome {
            Ok(pruned) => print_folder(folder, &dir, &pruned, dry_run),
            Err(error) => {
                crate::say_err!("moodle-sync: {}: {error}", folder.name());
                code = exit::FILESYSTEM;
            }
        }
    }
    Ok(code)
}

fn print_folder(folder: Folder, dir: &Path, pruned: &Pruned, dry_run: bool) {
    let (bundle_verb, delete_verb) = if dry_run {
        ("would bundle", "would delete")
    } else {
        ("bundled", "deleted")
    };
    if pruned.bundles.is_empty() && pruned.deleted.is_empty() {
        crate::say!("{} ({}): nothing to do", folder.name(), shown(dir));
        return;
    }
    crate::say!("{} ({}):", folder.name(), shown(dir));
    for bundle in &pruned.bundles {
        crate::say!(
            "  {bundle_verb} {} file{} ({} bytes) into {}",
            bundle.files.len(),
            if bundle.files.len() == 1 { "" } else { "s" },
            bundle.bytes,
            bundle.name
        );
        for file in &bundle.files {
            crate::say!("    {file}");
        }
    }
    for name in &pruned.deleted {
        crate::say!("  {delete_verb} {name}");
    }
}

/// `watch`'s prune: once shortly after the start, then every 24 hours, until `token` is
/// cancelled. A failure is logged and never stops the service; a stop is asked for between
/// months, so that a prune in progress ends early.
pub(super) async fn prune_daily(config: Config, token: CancellationToken) {
    let mut wait = FIRST_PRUNE_AFTER;
    loop {
        tokio::select! {
            () = token.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
        wait = PRUNE_EVERY;
        let stopping = Arc::new(AtomicBool::new(false));
        let paths = config.paths.clone();
        let settings = config.retention;
        let flag = Arc::clone(&stopping);
        let mut work = tokio::task::spawn_blocking(move || {
            prune_all(&paths, &settings, Utc::now(), false, &|| {
                flag.load(Ordering::Relaxed)
            })
        });
        let outcomes = tokio::select! {
            outcomes = &mut work => outcomes,
            () = token.cancelled() => {
                stopping.store(true, Ordering::Relaxed);
                let _ = work.await;
                return;
            }
        };
        match outcomes {
            Ok(outcomes) => log_outcomes(outcomes),
            Err(error) => warn!("The prune ended abnormally: {error}"),
        }
    }
}

fn log_outcomes(outcomes: Vec<FolderOutcome>) {
    for (folder, _, outcome) in outcomes {
        match outcome {
            Ok(pruned) if pruned.bundles.is_empty() && pruned.deleted.is_empty() => {}
            Ok(pruned) => info!(
                folder = folder.name(),
                bundled_files = pruned.bundles.iter().map(|b| b.files.len()).sum::<usize>(),
                bundles = %pruned.bundles.iter().map(|b| b.name.as_str()).collect::<Vec<_>>().join(", "),
                deleted = %pruned.deleted.join(", "),
                "Pruned"
            ),
            Err(error) => warn!(folder = folder.name(), "The prune failed: {error}"),
        }
    }
}
