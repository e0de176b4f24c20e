//! The command line's ways into the pipeline: `run` ([`run_file`]), `approve`
//! ([`approve_file`]) and a dry run (`simulate`), each a thin layer over the phases.

use std::{fs, io::ErrorKind, path::Path};

use super::{
    apply::{self, is_held},
    check::check,
    read,
    run::Run,
    take::{Interrupted, Processed, Taker, take},
    verdict::Verdict,
};
use crate::{
    command::FileKind,
    config::Config,
    db::Db,
    error::FileError,
    exit::Fatal,
    output::{naming, summary::RunSummary},
    spool::{
        DuplicatePolicy,
        claim::Workspace,
        writer::{self, Writers},
    },
};

/// Connects to the configured database and checks that it is Moodle's: how every command and
/// the console reach it.
pub async fn connect(config: &Config) -> Result<Db, Fatal> {
    let db = Db::connect(&config.database.target, &config.database.prefix, false).await?;
    db.check_moodle().await?;
    Ok(db)
}

/// How to run a file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Compute and report everything, change nothing.
    pub dry_run: bool,
    /// The kind of file, when not told by its name (`--kind`).
    pub kind: Option<FileKind>,
}

/// Runs the command file at `path`, of the kind its name (or `options.kind`) tells: the
/// `run` command.
#[tracing::instrument(skip_all, fields(file = %path.display()))]
pub async fn run_file(
    config: &Config,
    db: &Db,
    path: &Path,
    options: RunOptions,
) -> Result<RunSummary, Fatal> {
    run_path(config, db, path, options, false).await
}

/// Applies a held file (or any command file) whatever share of a cohort's members its `sync`
/// lines remove: the `approve` command. Otherwise exactly as [`run_file`]: report, tryback,
/// archive (the held file leaves the held area), ledger; the report says it was approved.
#[tracing::instrument(skip_all, fields(file = %path.display()))]
pub async fn approve_file(
    config: &Config,
    db: &Db,
    path: &Path,
    kind: Option<FileKind>,
) -> Result<RunSummary, Fatal> {
    readable_file(
        path,
        Some(&format!(
            "held files are in {}",
            config.paths.held.display()
        )),
    )?;
    let options = RunOptions {
        dry_run: false,
        kind,
    };
    run_path(config, db, path, options, true).await
}

async fn run_path(
    config: &Config,
    db: &Db,
    path: &Path,
    options: RunOptions,
    approved: bool,
) -> Result<RunSummary, Fatal> {
    let file_name = readable_file(path, None)?;
    // A held file bears the time stamp of the run that held it: it is known, routed and
    // recorded by the name it was dropped under.
    let in_held = path
        .parent()
        .and_then(|dir| fs::canonicalize(dir).ok())
        .zip(fs::canonicalize(&config.paths.held).ok())
        .is_some_and(|(dir, held)| dir == held);
    let name = if in_held {
        naming::unstamp(&file_name).to_owned()
    } else {
        file_name
    };
    let Some(kind) = options.kind.or_else(|| config.routing.kind_of(&name)) else {
        return Err(Fatal::Usage(format!(
            "cannot tell what kind of command file {name} is from its name ({}); rename it or run it with --kind",
            config.routing.describe()
        )));
    };
    // An upload still in progress is not a file to apply yet, even when asked by name.
    if let Writers::Open(writers) = writer::check(path, config.watch.writer_check).0 {
        return Err(Fatal::Usage(format!(
            "{} is still open for writing by {}: wait until its upload ends, then run it",
            path.display(),
            Writers::Open(writers).describe()
        )));
    }
    if options.dry_run {
        return simulate(config, db, path, &name, kind).await;
    }
    // The report of a file `run` could not take still says whether it was approved.
    let new_run = || {
        let mut run = Run::new(config, db, kind, path, &name, false);
        run.approved = approved;
        run
    };
    let spool = &config.paths.spool;
    let workspace = Workspace::open(spool)
        .map_err(|source| Fatal::io("cannot open the work folder in", spool, source))?;
    db.ensure_ledger().await?;
    let claim = match workspace.adopt(path, &name, kind) {
        Ok(claim) => claim,
        // Unreadable: rejected, with a report, and left where it is.
        Err(error) => {
            return new_run().report_only(Verdict::Rejected(FileError::Unreadable(error)));
        }
    };
    let taker = Taker {
        config,
        db,
        instance: workspace.instance(),
        duplicates: DuplicatePolicy::Apply,
        approved,
        watch_after: None,
    };
    let processed = take(&taker, &claim).await;
    // A `run` leaves no claim behind: its input is still at `path`.
    let _ = claim.discard();
    let interrupted = match processed {
        Processed::Done(summary) => return Ok(*summary),
        Processed::Retry(interrupted) => interrupted,
        Processed::Unknown(error) => Interrupted::CommitUnknown(error),
        Processed::Changed(change) => Interrupted::Changed(change),
    };
    new_run().report_only(Verdict::RolledBack(interrupted))
}

/// The name of `path`, which must be a readable regular file; else a usage error that says
/// what is wrong with it and, with `hint`, where the files to give are.
pub fn readable_file(path: &Path, hint: Option<&str>) -> Result<String, Fatal> {
    let refuse = |what: String| {
        Err(Fatal::Usage(match hint {
            Some(hint) => format!("{what}; {hint}"),
            None => what,
        }))
    };
    match fs::metadata(path) {
        Err(error) if error.kind() == ErrorKind::NotFound => {
            return refuse(format!("no such file: {}", path.display()));
        }
        Err(error) => return refuse(format!("cannot read {}: {error}", path.display())),
        Ok(metadata) if metadata.is_dir() => {
            return refuse(format!(
                "{} is a folder, not a command file",
                path.display()
            ));
        }
        Ok(metadata) if !metadata.is_file() => {
            return refuse(format!("{} is not a regular file", path.display()));
        }
        Ok(_) => {
            if let Err(error) = fs::File::open(path) {
                return refuse(format!("cannot read {}: {error}", path.display()));
            }
        }
    }
    match path.file_name() {
        Some(name) => Ok(name.to_string_lossy().into_owned()),
        None => refuse(format!("{} is not a file", path.display())),
    }
}

/// Simulates a file: applies it in a transaction rolled back, writes the two reports.
async fn simulate(
    config: &Config,
    db: &Db,
    path: &Path,
    name: &str,
    kind: FileKind,
) -> Result<RunSummary, Fatal> {
    let mut run = Run::new(config, db, kind, path, name, true);
    let input = match read::read(path, config.input.max_file_bytes) {
        Ok(input) => input,
        Err((problem, size)) => {
            run.input.size = size;
            return run.report_only(Verdict::Rejected(problem));
        }
    };
    run.input.size = input.bytes.len() as u64;
    run.input.sha256 = Some(input.sha256.clone());
    let (table, file) = match check(config, kind, &input.bytes) {
        Ok(checked) => checked,
        Err(problem) => return run.report_only(Verdict::Rejected(problem)),
    };
    run.format = Some(table.format);
    let prepared = Some(apply::prepare(config, db, &file).await);
    let mut tx = match db.begin().await {
        Ok(tx) => tx,
        Err(error) => return run.report_only(Verdict::RolledBack(error.into())),
    };
    let applied = apply::apply(config, &mut tx, &file, false, prepared).await;
    let _ = tx.rollback().await;
    match applied {
        Ok(Ok((outcome, _))) if is_held(&outcome, false) => run.report_only(Verdict::Held {
            reason: outcome.hold_reason(config.kinds.cohorts.max_sync_removal_percent),
            outcome,
        }),
        Ok(Ok((outcome, _))) => run.report_only(Verdict::Applied {
            outcome,
            table: &table,
        }),
        Ok(Err(problem)) => run.report_only(Verdict::Rejected(problem)),
        Err(error) => run.report_only(Verdict::RolledBack(error.into())),
    }
}
