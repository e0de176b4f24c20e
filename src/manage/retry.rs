//! `moodle-sync retry FILE`: a failed file or a tryback put back into the spool, under a name
//! that routes to its kind, with the retry recorded in the ledger so that the run taking it
//! names the run it retries.

use std::{
    fs::{self, File},
    io::ErrorKind,
    path::{Path, PathBuf},
};

use super::files::{remove_original, same_folder, size_and_sha};
use crate::{
    command::{FileKind, matches},
    config::Config,
    db::{Db, KeptRun, LedgerEntry, RETRIED},
    exit::Fatal,
    host,
    output::{atomic, naming},
    pipeline,
    spool::claim,
};

/// What `retry` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retried {
    /// The file given.
    pub from: PathBuf,
    /// Where it is now, in the spool.
    pub to: PathBuf,
    /// The run whose input or tryback it is, if the ledger knew it.
    pub of_run: Option<i64>,
    /// The retry's ledger row.
    pub record: i64,
    /// Whether it was a tryback (else a failed input).
    pub tryback: bool,
    /// Set when the original could not be removed after the retry was recorded.
    pub left_behind: Option<String>,
}

/// `moodle-sync retry FILE`: puts `path`, a file of the failed area or a tryback of the
/// reports or failed area, back into the spool. A failed input loses the stamp its run gave it
/// (`20261121-152905_cohorts_x.csv` → `cohorts_x.csv`); a tryback keeps its name. A name taken
/// in the spool gets a suffix that still routes (`cohorts_x-2.csv`). The ledger records the
/// retry under that name, so that the run taking the file names the run it retries, and
/// `by`, who put it back (`who()` for the command line, the console's person).
pub async fn retry(config: &Config, db: &Db, path: &Path, by: &str) -> Result<Retried, Fatal> {
    let paths = &config.paths;
    let where_retryable = format!(
        "retry takes a file of the failed folder ({}) or a tryback of the reports folder ({}); `moodle-sync status` lists them",
        paths.failed.display(),
        paths.reports.display()
    );
    let file_name = pipeline::readable_file(path, Some(&where_retryable))?;
    let in_failed = same_folder(path, &paths.failed);
    let in_reports = same_folder(path, &paths.reports);
    if !in_failed && !in_reports {
        return Err(Fatal::Usage(format!(
            "{} is not a file moodle-sync kept: {where_retryable}",
            path.display()
        )));
    }
    db.ensure_ledger().await?;
    let kept = db.run_keeping(&file_name).await?;
    let tryback = match &kept {
        Some(run) => named(run.tryback.as_deref(), &file_name),
        None => file_name.contains("_tryback_"),
    };
    if in_reports && !tryback {
        return Err(Fatal::Usage(format!(
            "{} is not a tryback: of the reports folder, only trybacks (…_tryback_<stamp>.csv) can be retried; {where_retryable}",
            path.display()
        )));
    }
    let base = if tryback {
        file_name.clone()
    } else {
        naming::unstamp(&file_name).to_owned()
    };
    let kind = routed_kind(config, &base, kept.as_ref())?;

    // A copy first, where no watcher lists files (the work folder); then, under the ledger's
    // lock, the ledger row and the routed name in the spool, committed together (a watcher
    // taking the file needs that lock, so it always finds the retry); then the original goes.
    let spool = &paths.spool;
    let work = spool.join(claim::WORK_FOLDER);
    fs::create_dir_all(&work).map_err(|source| Fatal::io("cannot create", &work, source))?;
    let staged = work.join(format!(".retry-{}-{file_name}", std::process::id()));
    let _ = fs::remove_file(&staged);
    atomic::link_new(path, &staged)
        .map_err(|source| Fatal::io("cannot copy the file into", &work, source))?;
    let (size, sha256) = size_and_sha(&staged)?;
    let (of_run, parent, generation) = match &kept {
        // A tryback descends from the run that wrote it.
        Some(run) if tryback => (Some(run.id), Some(run.id), run.generation.saturating_add(1)),
        // A failed input is the same file again: its run's place in a lineage.
        Some(run) => (Some(run.id), run.parent, run.generation),
        None => (None, None, 0),
    };
    let record = RetryRecord {
        file_name: &file_name,
        kind,
        size,
        sha256,
        instance: host::instance(),
        of_run,
        parent,
        generation,
        by: by.to_owned(),
    };
    let placed = place_in_spool(config, db, &staged, &base, &record).await;
    let _ = fs::remove_file(&staged);
    let Some((to, record)) = placed? else {
        return Err(Fatal::Usage(format!(
            "no free name routed as a {kind} file was found in {} for {base}",
            spool.display()
        )));
    };
    if let Some(marker) = &config.watch.done_marker {
        let marker_path = PathBuf::from(format!("{}{marker}", to.display()));
        let _ = File::create(&marker_path);
    }
    let left_behind = remove_original(path);
    Ok(Retried {
        from: path.to_path_buf(),
        to,
        of_run,
        record,
        tryback,
        left_behind,
    })
}

/// What the ledger records of a retry, whatever name the file gets in the spool.
struct RetryRecord<'a> {
    /// The file's name where it was kept.
    file_name: &'a str,
    /// The kind its name routes to.
    kind: FileKind,
    /// Its size in bytes.
    size: u64,
    /// SHA-256 of its bytes.
    sha256: String,
    /// This process (`pid@host`).
    instance: String,
    /// The run whose input or tryback it is.
    of_run: Option<i64>,
    /// Its parent in a lineage of trybacks.
    parent: Option<i64>,
    /// Its tryback generation.
    generation: u32,
    /// Who retries it.
    by: String,
}

impl RetryRecord<'_> {
    /// The ledger row of the retry under the name `candidate`, the file put at `to`.
    fn entry(&self, candidate: &str, to: &Path) -> LedgerEntry {
        let (instance, file_name, by) = (&self.instance, self.file_name, &self.by);
        let now = claim::now_ms();
        LedgerEntry {
            claim: format!("retry-{instance}-{now}"),
            name: candidate.to_owned(),
            kind: self.kind.name().to_owned(),
            size: self.size,
            sha256: self.sha256.clone(),
            host: instance.clone(),
            claimed_at: now,
            finished_at: now,
            outcome: RETRIED.to_owned(),
            lines: 0,
            changed: 0,
            failed: 0,
            duplicate_of: None,
            parent: self.parent,
            generation: self.generation,
            report: String::new(),
            report_json: String::new(),
            kept: Some(to.display().to_string()),
            tryback: None,
            error: None,
            summary: Some(format!(
                "{} {file_name} put back into the spool as {candidate} by {by}",
                match self.of_run {
                    Some(run) => format!("retry of run #{run}:"),
                    None => "retry:".to_owned(),
                }
            )),
            of_run: self.of_run,
        }
    }
}

/// Puts the `staged` copy into the spool under the first of `base`'s names that routes to its
/// kind and is free, with its ledger row, committed together; returns where it went and the
/// row, or `None` when no name was free.
async fn place_in_spool(
    config: &Config,
    db: &Db,
    staged: &Path,
    base: &str,
    record: &RetryRecord<'_>,
) -> Result<Option<(PathBuf, i64)>, Fatal> {
    let spool = &config.paths.spool;
    let busy: Vec<String> = claim::in_progress(spool)
        .into_iter()
        .map(|claim| claim.name)
        .collect();
    for candidate in candidates(base) {
        if config.routing.kind_of(&candidate) != Some(record.kind)
            || ignored(config, &candidate)
            || busy.contains(&candidate)
            || spool.join(&candidate).exists()
        {
            continue;
        }
        let to = spool.join(&candidate);
        let entry = record.entry(&candidate, &to);
        let mut tx = db.begin_locked(&record.instance).await?;
        let id = match tx.record_decision(&entry, Some(&candidate)).await {
            Ok(id) => id,
            Err(error) => {
                let _ = tx.rollback().await;
                return Err(error.into());
            }
        };
        match atomic::link_new(staged, &to) {
            Ok(()) => {}
            // Dropped meanwhile under that name: the next one.
            Err(error) if error.kind() == ErrorKind::AlreadyExists => {
                let _ = tx.rollback().await;
                continue;
            }
            Err(source) => {
                let _ = tx.rollback().await;
                return Err(Fatal::io("cannot put the file into", spool, source));
            }
        }
        atomic::sync_dir(spool);
        if let Err(error) = tx.commit().await {
            // Nothing recorded: the spool's copy goes; the original never left.
            let _ = fs::remove_file(&to);
            return Err(error.into());
        }
        return Ok(Some((to, id)));
    }
    Ok(None)
}

/// Whether `path`'s file name is `name`.
fn named(path: Option<&str>, name: &str) -> bool {
    path.is_some_and(|path| {
        Path::new(path)
            .file_name()
            .is_some_and(|found| found.to_string_lossy() == name)
    })
}

/// The kind `name` routes to: the kind of its run, when the ledger knows it.
fn routed_kind(config: &Config, name: &str, kept: Option<&KeptRun>) -> Result<FileKind, Fatal> {
    let routed = config.routing.kind_of(name);
    let recorded = kept.and_then(|run| FileKind::from_name(&run.kind));
    match (routed, recorded) {
        (Some(routed), Some(recorded)) if routed != recorded => Err(Fatal::Usage(format!(
            "{name} would be read as a {routed} file under [routing] ({}), but it was a {recorded} file; rename it and drop it into the spool, or apply it with moodle-sync run --kind {recorded}",
            config.routing.describe()
        ))),
        (Some(routed), _) if !ignored(config, name) => Ok(routed),
        _ => Err(Fatal::Usage(format!(
            "{name} would not be taken from the spool under [routing] ({}) and [watch] ignore; rename it and drop it into the spool, or apply it with moodle-sync run --kind KIND",
            config.routing.describe()
        ))),
    }
}

/// Whether the service never takes `name` (a temporary name, a done marker).
fn ignored(config: &Config, name: &str) -> bool {
    config
        .watch
        .ignore
        .iter()
        .any(|pattern| matches(pattern, name))
        || config
            .watch
            .done_marker
            .as_deref()
            .is_some_and(|marker| name.to_lowercase().ends_with(&marker.to_lowercase()))
}

/// Names to give a file in the spool, first its own: `cohorts_x.csv`, then `cohorts_x-2.csv`,
/// `cohorts_x-3.csv`…, then `2_cohorts_x.csv`… (for routing patterns on the end of names).
fn candidates(name: &str) -> impl Iterator<Item = String> + '_ {
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => (stem, Some(extension)),
        _ => (name, None),
    };
    let suffixed = (2..1000).map(move |n| match extension {
        Some(extension) => format!("{stem}-{n}.{extension}"),
        None => format!("{stem}-{n}"),
    });
    let prefixed = (2..1000).map(move |n| format!("{n}_{name}"));
    std::iter::once(name.to_owned())
        .chain(suffixed)
        .chain(prefixed)
}
