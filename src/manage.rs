//! A person's decisions about the files moodle-sync kept: `retry` puts a failed file (or a
//! tryback) back into the spool under a name that routes, its lineage recorded in the ledger;
//! `discard` ends a held file without applying it, keeping it in `[paths] discarded` with a
//! report that says who discarded it and when. Both are ledger rows (outcomes `retried` and
//! `discarded`), and nothing is deleted: a file leaves its folder only once it is safely in its
//! new place (a hard link, or a flushed copy under a temporary name, then its name) and the
//! ledger row has committed.

use std::{
    fs::{self, File},
    io::ErrorKind,
    path::{Path, PathBuf},
};

use chrono::{Local, SecondsFormat};

use crate::{
    command::{FileKind, matches},
    config::Config,
    db::{DISCARDED, Db, DbError, KeptRun, LedgerEntry, RETRIED},
    exit::Fatal,
    host,
    output::{atomic, naming},
    pipeline::{self, show_ms},
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

/// `moodle-sync retry FILE`: puts `path`, a file of the failed area or a tryback of the
/// reports or failed area, back into the spool. A failed input loses the stamp its run gave it
/// (`20261121-152905_cohorts_x.csv` → `cohorts_x.csv`); a tryback keeps its name. A name taken
/// in the spool gets a suffix that still routes (`cohorts_x-2.csv`). The ledger records the
/// retry under that name, so that the run taking the file names the run it retries.
pub async fn retry(config: &Config, db: &Db, path: &Path) -> Result<Retried, Fatal> {
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
    let instance = host::instance();
    let (of_run, parent, generation) = match &kept {
        // A tryback descends from the run that wrote it.
        Some(run) if tryback => (Some(run.id), Some(run.id), run.generation.saturating_add(1)),
        // A failed input is the same file again: its run's place in a lineage.
        Some(run) => (Some(run.id), run.parent, run.generation),
        None => (None, None, 0),
    };
    let by = who();
    let busy: Vec<String> = claim::in_progress(spool)
        .into_iter()
        .map(|claim| claim.name)
        .collect();
    let mut placed = None;
    for candidate in candidates(&base) {
        if config.routing.kind_of(&candidate) != Some(kind)
            || ignored(config, &candidate)
            || busy.contains(&candidate)
            || spool.join(&candidate).exists()
        {
            continue;
        }
        let to = spool.join(&candidate);
        let now = claim::now_ms();
        let entry = LedgerEntry {
            claim: format!("retry-{instance}-{now}"),
            name: candidate.clone(),
            kind: kind.name().to_owned(),
            size,
            sha256: sha256.clone(),
            host: instance.clone(),
            claimed_at: now,
            finished_at: now,
            outcome: RETRIED.to_owned(),
            lines: 0,
            changed: 0,
            failed: 0,
            duplicate_of: None,
            parent,
            generation,
            report: String::new(),
            report_json: String::new(),
            kept: Some(to.display().to_string()),
            tryback: None,
            error: None,
            summary: Some(format!(
                "{} {file_name} put back into the spool as {candidate} by {by}",
                match of_run {
                    Some(run) => format!("retry of run #{run}:"),
                    None => "retry:".to_owned(),
                }
            )),
            of_run,
        };
        let mut tx = match db.begin_locked(&instance).await {
            Ok(tx) => tx,
            Err(error) => {
                let _ = fs::remove_file(&staged);
                return Err(error.into());
            }
        };
        let record = match tx.record_decision(&entry, Some(&candidate)).await {
            Ok(record) => record,
            Err(error) => {
                let _ = tx.rollback().await;
                let _ = fs::remove_file(&staged);
                return Err(error.into());
            }
        };
        match atomic::link_new(&staged, &to) {
            Ok(()) => {}
            // Dropped meanwhile under that name: the next one.
            Err(error) if error.kind() == ErrorKind::AlreadyExists => {
                let _ = tx.rollback().await;
                continue;
            }
            Err(source) => {
                let _ = tx.rollback().await;
                let _ = fs::remove_file(&staged);
                return Err(Fatal::io("cannot put the file into", spool, source));
            }
        }
        atomic::sync_dir(spool);
        if let Err(error) = tx.commit().await {
            // Nothing recorded: the spool's copy goes; the original never left.
            let _ = fs::remove_file(&to);
            let _ = fs::remove_file(&staged);
            return Err(error.into());
        }
        placed = Some((to, record));
        break;
    }
    let _ = fs::remove_file(&staged);
    let Some((to, record)) = placed else {
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

/// `moodle-sync discard FILE`: ends `path`, a file of the held area, without applying it. It
/// is kept in `[paths] discarded` under its name, with a report (text and JSON) in the reports
/// folder saying who discarded it, when, and why it was held; the ledger records the discard.
pub async fn discard(config: &Config, db: &Db, path: &Path) -> Result<Discarded, Fatal> {
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
    let stamp = naming::stamp(&now);
    fs::create_dir_all(&paths.reports)
        .map_err(|source| Fatal::io("cannot create", &paths.reports, source))?;
    let text_name = |n: u32| naming::report(&naming::suffixed(&stamp, n), &name, "txt");
    let json_name = |n: u32| naming::report(&naming::suffixed(&stamp, n), &name, "json");
    let n = atomic::free_suffix(&[
        (paths.reports.as_path(), &text_name),
        (paths.reports.as_path(), &json_name),
    ]);
    let report = paths.reports.join(text_name(n));
    let report_json = paths.reports.join(json_name(n));
    let instance = host::instance();
    let by = who();
    let reason = held.as_ref().and_then(|run| run.error.clone());
    let entry = LedgerEntry {
        claim: format!("discard-{instance}-{now_ms}"),
        name: name.clone(),
        kind: kind.clone(),
        size,
        sha256: sha256.clone(),
        host: instance.clone(),
        claimed_at: now_ms,
        finished_at: now_ms,
        outcome: DISCARDED.to_owned(),
        lines: 0,
        changed: 0,
        failed: 0,
        duplicate_of: None,
        parent: None,
        generation: 0,
        report: report.display().to_string(),
        report_json: report_json.display().to_string(),
        kept: Some(to.display().to_string()),
        tryback: None,
        error: reason.clone(),
        summary: Some(format!("discarded by {by}: never applied")),
        of_run: held.as_ref().map(|run| run.id),
    };
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
    let mut written_reports = Vec::new();
    let recorded = async {
        let mut tx = db.begin_locked(&instance).await?;
        let id = match tx.record_decision(&entry, None).await {
            Ok(id) => id,
            Err(error) => {
                let _ = tx.rollback().await;
                return Err(error);
            }
        };
        // The reports name the ledger row: written once it is known, before the commit.
        let written = atomic::publish(&paths.reports, &text_name, n, facts.text(id).as_bytes())
            .and_then(|text_path| {
                written_reports.push(text_path.clone());
                let json_path =
                    atomic::publish(&paths.reports, &json_name, n, facts.json(id).as_bytes())?;
                written_reports.push(json_path.clone());
                Ok((text_path, json_path))
            });
        let problem = match written {
            Ok((text_path, json_path)) if text_path == report && json_path == report_json => None,
            // Another process took the names meanwhile: the ledger would name other reports.
            Ok(_) => Some("the report names were taken meanwhile; discard again".to_owned()),
            Err(error) => Some(format!(
                "cannot write the report into {}: {error}",
                paths.reports.display()
            )),
        };
        match problem {
            None => tx.commit().await.map(|()| id),
            Some(problem) => {
                let _ = tx.rollback().await;
                Err(DbError::Refused(problem))
            }
        }
    }
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
        report,
        report_json,
        held_by: held.as_ref().map(|run| run.id),
        record,
        by,
        left_behind,
    })
}

/// What a discard report says.
struct DiscardFacts<'a> {
    kind: &'a str,
    name: &'a str,
    from: &'a Path,
    to: &'a Path,
    size: u64,
    sha256: &'a str,
    at: String,
    by: &'a str,
    held: Option<&'a KeptRun>,
}

impl DiscardFacts<'_> {
    fn text(&self, record: i64) -> String {
        let title = format!(
            "moodle-sync report: {} file {} discarded",
            self.kind, self.name
        );
        let mut text = format!("{title}\n{}\n\n", "=".repeat(title.chars().count()));
        let mut field = |name: &str, value: &str| {
            text.push_str(&format!("{name:<10}  {value}\n"));
        };
        field(
            "Result",
            "discarded: nothing of it was applied, and it will not be; the file is kept",
        );
        field("By", &format!("{} (moodle-sync discard)", self.by));
        field("At", &self.at);
        match self.held {
            Some(run) => {
                field(
                    "Held by",
                    &format!("run #{} at {}", run.id, show_ms(run.finished_at)),
                );
                if let Some(reason) = &run.error {
                    field("Reason", reason);
                }
                if let Some(report) = &run.report {
                    field("Its report", report);
                }
            }
            None => field("Held by", "a run the ledger does not know"),
        }
        field("Input", &self.from.display().to_string());
        field("Kept in", &self.to.display().to_string());
        field("Size", &format!("{} bytes", self.size));
        field("SHA-256", self.sha256);
        field("Run", &format!("#{record} (ledger outcome discarded)"));
        text.push_str("\nEnd of report\n");
        text
    }

    fn json(&self, record: i64) -> String {
        let held = self.held.map(|run| {
            serde_json::json!({
                "run": run.id,
                "held_at": show_ms(run.finished_at),
                "reason": run.error,
                "report": run.report,
            })
        });
        let mut text = serde_json::json!({
            "version": 1,
            "status": "discarded",
            "kind": self.kind,
            "input": {
                "path": self.from.display().to_string(),
                "name": self.name,
                "size": self.size,
                "sha256": self.sha256,
            },
            "kept": self.to.display().to_string(),
            "discarded_at": self.at,
            "discarded_by": self.by,
            "held_by": held,
            "error": self.held.and_then(|run| run.error.clone()),
            "ledger": { "run": record },
        })
        .to_string();
        text.push('\n');
        text
    }
}

/// Whether `path` is directly in `folder`.
fn same_folder(path: &Path, folder: &Path) -> bool {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    match (fs::canonicalize(parent), fs::canonicalize(folder)) {
        (Ok(parent), Ok(folder)) => parent == folder,
        _ => false,
    }
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

/// Removes the original once its new place is recorded; says so when it cannot.
fn remove_original(path: &Path) -> Option<String> {
    match fs::remove_file(path) {
        Ok(()) => {
            if let Some(parent) = path.parent() {
                atomic::sync_dir(parent);
            }
            None
        }
        Err(error) => Some(format!(
            "{} could not be removed ({error}); remove it by hand",
            path.display()
        )),
    }
}

fn size_and_sha(path: &Path) -> Result<(u64, String), Fatal> {
    let size = fs::metadata(path)
        .map_err(|source| Fatal::io("cannot read", path, source))?
        .len();
    let sha = claim::sha256_of(path).map_err(|source| Fatal::io("cannot read", path, source))?;
    Ok((size, sha))
}

/// This process as the ledger names it: `pid@host`, as its work folder would be.
/// Who runs this command: the operating system user (the one behind `sudo`, when it is used),
/// and the host.
pub fn who() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|user| !user.is_empty())
        .unwrap_or_else(uid);
    let user = match std::env::var("SUDO_USER") {
        Ok(sudo) if !sudo.is_empty() && sudo != user => format!("{sudo} (as {user}, by sudo)"),
        _ => user,
    };
    format!("{user} on {}", host::name())
}

/// The process's user id, when no name is known.
fn uid() -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(metadata) = fs::metadata("/proc/self") {
            return format!("uid {}", metadata.uid());
        }
    }
    "an unknown user".to_owned()
}

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
