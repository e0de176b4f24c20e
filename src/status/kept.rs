//! The failed and held areas as `status` shows them: each file with why it is there (from the
//! ledger row that put it there, else from its JSON report) and the commands that act on it.

use std::{path::Path, time::SystemTime};

use super::view::KeptView;
use crate::{
    config::Config,
    db::{Db, KeptRun},
    output::naming,
    pipeline::show_ms,
    status::shown,
};

/// The areas whose files wait for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Area {
    Failed,
    Held,
}

/// The files of the failed or held area `dir`, by name (oldest stamp first), with why each is
/// there (from the ledger row that put it there, else from its JSON report) and the commands
/// that act on it.
pub(super) async fn kept_files(
    config: &Config,
    db: Option<&Db>,
    dir: &Path,
    area: Area,
) -> Vec<KeptView> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, SystemTime)> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
        .map(|entry| {
            let modified = entry
                .metadata()
                .and_then(|metadata| metadata.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH);
            (entry.file_name().to_string_lossy().into_owned(), modified)
        })
        // Temporary names of files being put there.
        .filter(|(name, _)| !name.starts_with('.'))
        .collect();
    files.sort();
    let mut kept = Vec::with_capacity(files.len());
    for (name, modified) in files {
        let run = match db {
            Some(db) => db.run_keeping(&name).await.ok().flatten(),
            None => None,
        };
        kept.push(kept_file(config, dir, &name, modified, run.as_ref(), area));
    }
    // A held file's stamp tells its order; names without one go last, by name.
    kept.sort_by_key(|file| {
        let name = Path::new(&file.path)
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        (naming::unstamp(&name) == name, name)
    });
    kept
}

/// One kept file, `name` in `dir`, put there by `run` if the ledger knows it.
fn kept_file(
    config: &Config,
    dir: &Path,
    name: &str,
    modified: SystemTime,
    run: Option<&KeptRun>,
    area: Area,
) -> KeptView {
    let path = dir.join(name);
    let shown_path = shown(&path);
    let (reason, reason_from, report) = why_kept(config, name, run);
    // A file that changed after it was applied: its first bytes were; retrying it would
    // apply them again.
    let changed = matches!(area, Area::Failed)
        .then(|| naming::unchanged(name))
        .flatten()
        .map(|applied| shown(&config.paths.archive.join(applied)));
    let (reason, reason_from) = match &changed {
        Some(applied) => (
            Some(format!(
                "it changed after it was applied (a writer still held it): {applied} holds the bytes applied; what this file holds beyond them was not applied"
            )),
            Some("name".to_owned()),
        ),
        None => (reason, reason_from),
    };
    let commands = match (area, &changed) {
        (Area::Failed, Some(applied)) => vec![format!(
            "diff {applied} {shown_path}   then drop what is missing into the spool as a new file"
        )],
        (Area::Failed, None) => vec![format!("moodle-sync retry {shown_path}")],
        (Area::Held, _) => vec![
            format!("moodle-sync approve {shown_path}"),
            format!("moodle-sync discard {shown_path}"),
        ],
    };
    // The run that put it there knows when; the file's time is its upload's.
    let since = run.map_or_else(
        || {
            modified
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |elapsed| {
                    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
                })
        },
        |run| run.finished_at,
    );
    KeptView {
        path: shown_path,
        since: show_ms(since),
        run: run.map(|run| run.id),
        reason,
        reason_from,
        report,
        commands,
    }
}

/// Why file `name` is kept, where that comes from (`ledger` or `report`), and its report: from
/// the `run` that put it there, else from the JSON report beside its text report.
fn why_kept(
    config: &Config,
    name: &str,
    run: Option<&KeptRun>,
) -> (Option<String>, Option<String>, Option<String>) {
    match run {
        Some(run) => {
            let by_tryback = run.tryback.as_deref().is_some_and(|tryback| {
                Path::new(tryback)
                    .file_name()
                    .is_some_and(|tryback| tryback.to_string_lossy() == name)
            });
            let reason = if by_tryback {
                Some(format!(
                    "the tryback of {} that failed again at tryback generation {}: the generation limit ([watch] max_tryback_generations) is reached",
                    crate::outcome::plural(
                        usize::try_from(run.failed).unwrap_or(usize::MAX),
                        "line"
                    ),
                    run.generation
                ))
            } else {
                run.error.clone()
            };
            (reason, Some("ledger".to_owned()), run.report.clone())
        }
        None => {
            // The report of a kept input bears its name: `<stamp>_<name>.report.json`.
            let json = config.paths.reports.join(format!("{name}.report.json"));
            let error = std::fs::read(&json).ok().and_then(|bytes| {
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .ok()
                    .and_then(|report| report["error"].as_str().map(str::to_owned))
            });
            let text = config.paths.reports.join(format!("{name}.report.txt"));
            (
                error.clone(),
                error.map(|_| "report".to_owned()),
                text.is_file().then(|| text.display().to_string()),
            )
        }
    }
}
