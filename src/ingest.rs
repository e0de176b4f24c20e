//! Applying one command file, start to end: read, decode, parse, plan against the database,
//! apply in one transaction with the file's ledger record, then put the input, the tryback and
//! the report in place.
//!
//! Order of the steps, and why:
//! 1. Everything that can reject the file (size, encoding, header) runs before the database is
//!    touched.
//! 2. The transaction first takes the ledger's lock, so that files are applied one at a time
//!    per database whatever the number of processes; then it reads what the ledger knows of
//!    the file's bytes (a duplicate?) and name (a tryback dropped again?), applies the file
//!    and brings the enrolments that follow up to date.
//! 3. Before the commit, the outcome is final: the report and the tryback are written into
//!    the claim folder (`spool::claim`) with the plan of where they go, and the ledger row is
//!    inserted. The commit makes the effects and the record durable together.
//! 4. After the commit, Moodle's caches are refreshed for what the file changed (`cache`):
//!    a failure there is said in the report and the log, never a failed file. Then the staged
//!    files are put in place. A crash anywhere is settled from the
//!    ledger (`spool::service`): committed, the staged outputs are put in place; not
//!    committed, the input goes back to the spool. No line is ever applied twice and no
//!    report is ever missing or partial.
//!
//! A dry run does steps 1 and 2 and rolls back; it writes its reports directly, records
//! nothing in the ledger and leaves the input where it is.
//!
//! A cohort file whose `sync` would remove more of a cohort's members than `[cohorts]
//! max_sync_removal_percent` allows is **held**: planned, but none of its writes made; its
//! ledger row (outcome `held`, not an applied outcome, so that the same bytes are held again
//! rather than skipped as a duplicate) commits alone, and the input goes to the held area.
//! `approve_file` applies such a file with the limit lifted.

use std::{
    fs, io,
    io::ErrorKind,
    path::{Path, PathBuf},
    time::Instant,
};

use chrono::{DateTime, Local, SecondsFormat, TimeZone, Utc};
use sha2::{Digest, Sha256};
use tracing::{debug, error, info, warn};

use crate::{
    cache::{self, CacheReport},
    command::{self, FileKind, ParseSettings, ParsedFile, binding, cohort, user},
    config::{Config, encoding_setting_label},
    db::{CacheChanges, Db, DbError, LedgerEntry, LedgerRun, Tx},
    error::FileError,
    exit::{self, Fatal},
    input::{DelimiterSetting, SourceFormat, Table, delimiter_label, read_table},
    outcome::{self, FileOutcome, RunStatus, Tense, Totals},
    output::{
        atomic::{self, Namer},
        naming,
        report::{
            self, EarlierRun, InputInfo, LedgerInfo, Origins, Outputs, Report, ReportContext,
            RetryInfo, SettingsInfo,
        },
        tryback,
    },
    spool::{
        DuplicatePolicy,
        claim::{self, Claim, OutputPlan, Placement, STAGED_INPUT, SourceRemoval, Workspace},
        scan::Stamp,
        writer::{self, Writers},
    },
};

/// How to run a file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Compute and report everything, change nothing.
    pub dry_run: bool,
    /// The kind of file, when not told by its name (`--kind`).
    pub kind: Option<FileKind>,
}

/// What a run did, for the command line and the service's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    /// How the file ended.
    pub status: RunStatus,
    /// Line and effect counts, when lines were read.
    pub totals: Option<Totals>,
    /// The counts in one line (`outcome::summary`), when lines were read: what was done, or
    /// for a simulation or a held file what would be.
    pub summary: Option<String>,
    /// Why the file was rejected or rolled back.
    pub error: Option<String>,
    /// Outputs that could not be put in place after the file was applied.
    pub problems: Vec<String>,
    /// The text report.
    pub report: PathBuf,
    /// The JSON report.
    pub report_json: PathBuf,
    /// The tryback, if one was written.
    pub tryback: Option<PathBuf>,
    /// The archived input, if it was archived.
    pub archive: Option<PathBuf>,
    /// The input kept in the failed area, if it could not be applied.
    pub kept: Option<PathBuf>,
    /// The input kept in the held area, waiting for `moodle-sync approve`.
    pub held: Option<PathBuf>,
    /// The run's number in the ledger (none for a simulation).
    pub run: Option<i64>,
}

impl RunSummary {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        exit::of_run(self.status, &self.problems)
    }
}

/// How a claimed file ended.
#[derive(Debug)]
pub enum Processed {
    /// Decided, recorded and put in place (perhaps with problems, in the summary).
    Done(Box<RunSummary>),
    /// Nothing was applied: the database could not be used. The claim should go back to the
    /// spool, to be taken again later.
    Retry(String),
    /// The commit's outcome is unknown (the connection failed during it): the claim is
    /// settled from the ledger once the database answers.
    Unknown(String),
    /// The claimed file changed after it was read (a writer still held it): everything was
    /// rolled back and nothing recorded. The claim should go back to the spool, to settle and
    /// be taken again once complete.
    Changed(String),
}

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
    pub watch_after: Option<std::time::Duration>,
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
    let kind = match options.kind.or_else(|| config.routing.kind_of(&name)) {
        Some(kind) => kind,
        None => {
            return Err(Fatal::Usage(format!(
                "cannot tell what kind of command file {name} is from its name ({}); rename it or run it with --kind",
                config.routing.describe()
            )));
        }
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
        Err(error) => {
            // Unreadable: rejected, with a report, and left where it is.
            let run = new_run();
            return run.report_only(Verdict::Rejected(FileError::Unreadable(error).to_string()));
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
    match take(&taker, &claim).await {
        Processed::Done(summary) => {
            // A `run` leaves no claim behind: its input is still at `path`.
            let _ = claim.discard();
            Ok(*summary)
        }
        Processed::Retry(problem) | Processed::Unknown(problem) | Processed::Changed(problem) => {
            let _ = claim.discard();
            let run = new_run();
            run.report_only(Verdict::RolledBack(problem))
        }
    }
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

/// A file as read.
struct Input {
    bytes: Vec<u8>,
    sha256: String,
    /// The file as it was when its reading began: any write since shows in it.
    stamp: Stamp,
}

fn read_input(path: &Path, max: u64) -> Result<Input, (FileError, u64)> {
    let unreadable = |error| (FileError::Unreadable(error), 0);
    let mut file = fs::File::open(path).map_err(unreadable)?;
    let metadata = file.metadata().map_err(unreadable)?;
    if !metadata.is_file() {
        let error = io::Error::new(ErrorKind::InvalidInput, "not a regular file");
        return Err((FileError::Unreadable(error), 0));
    }
    if metadata.len() > max {
        let too_large = FileError::TooLarge {
            size: metadata.len(),
            max,
        };
        return Err((too_large, metadata.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    io::Read::read_to_end(&mut file, &mut bytes)
        .map_err(|error| (FileError::Unreadable(error), metadata.len()))?;
    let sha256 = claim::hex(&Sha256::digest(&bytes));
    Ok(Input {
        bytes,
        sha256,
        stamp: Stamp::of(&metadata),
    })
}

fn millis(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// Whether the claimed file differs from what was read: a writer still holding it wrote to
/// it since. Its change time counts too (the claim's rename came before the reading).
fn changed_since_read(claim: &Claim, input: &Input) -> Option<String> {
    if claim.external {
        // `run` reads a copy of its own, which nobody writes.
        return None;
    }
    match fs::metadata(claim.input()) {
        Ok(metadata) if claim::changed(&claim.input(), &metadata, &input.stamp, &input.sha256) => {
            Some(format!(
                "it changed after it was read ({} bytes read, {} bytes now): a writer still had it open",
                input.bytes.len(),
                metadata.len()
            ))
        }
        Ok(_) => None,
        Err(error) => Some(format!("it cannot be looked at again: {error}")),
    }
}

/// Decodes and parses; the error says why the file is rejected as a whole.
fn parse(config: &Config, kind: FileKind, bytes: &[u8]) -> Result<(Table, ParsedFile), String> {
    let table = read_table(bytes, &config.input.read).map_err(|problem| problem.to_string())?;
    let settings = ParseSettings {
        users: &config.users,
        cohorts: &config.cohorts,
        bindings: &config.bindings,
        routing: &config.routing,
    };
    let file = command::parse(kind, &table, settings).map_err(|problem| problem.to_string())?;
    Ok((table, file))
}

/// Plans the file against the database and applies it, with the enrolments that follow, in
/// `tx`; returns the outcome and what the writes changed for Moodle's caches. The inner error
/// rejects the file for what the database holds (a user file naming profile fields the site
/// does not define); nothing was written then. A file to hold ([`is_held`]) is planned only:
/// its outcome says what applying it would do, and nothing is written.
async fn apply(
    config: &Config,
    tx: &mut Tx,
    file: &ParsedFile,
    approved: bool,
    passwords: user::Passwords,
) -> Result<Result<(FileOutcome, CacheChanges), String>, DbError> {
    let now = Utc::now().timestamp();
    tx.open_journal(config.moodle.write_logs).await?;
    let (mut outcome, touched) = match file {
        ParsedFile::Users(file) => {
            let settings = &config.users;
            let wanted = user::Wanted::of(file, settings);
            let snapshot = tx.user_snapshot(&wanted, settings).await?;
            let plan = match user::plan_with(file, &snapshot, settings, passwords) {
                Ok((plan, _)) => plan,
                Err(problem) => return Ok(Err(problem.to_string())),
            };
            let touched = tx.apply_user_ops(&plan.ops, now).await?;
            (plan.outcome, touched)
        }
        ParsedFile::Cohorts(file) => {
            let settings = &config.cohorts;
            let wanted = cohort::Wanted::of(file, settings);
            let snapshot = tx
                .cohort_snapshot(
                    &wanted,
                    settings.user_identifier,
                    settings.cohort_identifier,
                )
                .await?;
            let plan = cohort::plan(file, &snapshot, settings);
            if is_held(&plan.outcome, approved) {
                return Ok(Ok((plan.outcome, CacheChanges::default())));
            }
            let touched = tx.apply_cohort_ops(&plan.ops, now).await?;
            (plan.outcome, touched)
        }
        ParsedFile::Bindings(file) => {
            let settings = &config.bindings;
            let wanted = binding::Wanted::of(file, settings);
            let snapshot = tx
                .binding_snapshot(
                    &wanted,
                    settings.course_identifier,
                    settings.cohort_identifier,
                )
                .await?;
            let plan = binding::plan(file, &snapshot, settings);
            let touched = tx.apply_binding_ops(&plan.ops, now).await?;
            (plan.outcome, touched)
        }
    };
    outcome.enrolments = tx
        .follow_enrolments(touched, config.enrolments, config.removals, now)
        .await?;
    outcome.log_rows = tx.write_journal(now).await?;
    Ok(Ok((outcome, tx.take_cache_changes())))
}

/// The hashes and checks of the passwords a user file gives, done before its transaction so
/// that the ledger's lock is not held while they are: the file is planned once against what
/// the database holds now (read without the lock), and what that plan asks is done on every
/// core. Planned again under the lock, a line whose account changed in between is hashed
/// then. Any other file, or a failed read, gives nothing ahead.
async fn prepare_passwords(
    config: &Config,
    db: &Db,
    parsed: Option<&ParsedFile>,
) -> user::Passwords {
    let Some(ParsedFile::Users(file)) = parsed else {
        return user::Passwords::inline();
    };
    let settings = &config.users;
    let wanted = user::Wanted::of(file, settings);
    let snapshot = async {
        let mut tx = db.begin_read().await?;
        let snapshot = tx.user_snapshot(&wanted, settings).await;
        let _ = tx.rollback().await;
        snapshot
    }
    .await;
    let work = match snapshot {
        Ok(snapshot) => user::password_work(file, &snapshot, settings),
        Err(error) => {
            debug!(%error, "Passwords not prepared ahead: the file's accounts cannot be read");
            return user::Passwords::inline();
        }
    };
    if work.is_empty() {
        return user::Passwords::inline();
    }
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    tokio::task::spawn_blocking(move || work.done(threads))
        .await
        .unwrap_or_else(|_| user::Passwords::inline())
}

/// Whether a file is held rather than applied: a sync removes more than the limit, and the
/// file was not approved.
fn is_held(outcome: &FileOutcome, approved: bool) -> bool {
    !approved && outcome.sync_over_limit()
}

/// How the work on a file ended, before its outputs are written.
enum Verdict<'a> {
    /// Refused as a whole; nothing applied.
    Rejected(String),
    /// The database refused the file; everything rolled back.
    RolledBack(String),
    /// The same bytes were applied by an earlier run.
    Duplicate(Box<LedgerRun>),
    /// Applied (or simulated) line by line.
    Applied {
        outcome: &'a FileOutcome,
        table: &'a Table,
    },
    /// Planned, not applied: a sync removes too many members. The reason names them.
    Held {
        outcome: &'a FileOutcome,
        reason: String,
    },
}

impl Verdict<'_> {
    fn status(&self) -> RunStatus {
        match self {
            Verdict::Rejected(_) => RunStatus::Rejected,
            Verdict::RolledBack(_) => RunStatus::RolledBack,
            Verdict::Duplicate(_) => RunStatus::Duplicate,
            Verdict::Held { .. } => RunStatus::Held,
            Verdict::Applied { outcome, .. } if outcome.failed().next().is_some() => {
                RunStatus::Partial
            }
            Verdict::Applied { .. } => RunStatus::Success,
        }
    }

    fn error(&self) -> Option<String> {
        match self {
            Verdict::Rejected(problem)
            | Verdict::RolledBack(problem)
            | Verdict::Held {
                reason: problem, ..
            } => Some(problem.clone()),
            _ => None,
        }
    }

    fn outcome(&self) -> Option<&FileOutcome> {
        match self {
            Verdict::Applied { outcome, .. } | Verdict::Held { outcome, .. } => Some(outcome),
            _ => None,
        }
    }

    /// The counts in one line: a held file's, and a simulation's, say what would be done; a
    /// file that applied nothing says so.
    fn summary(&self, kind: FileKind, simulation: bool) -> Option<String> {
        let tense = match self {
            Verdict::Rejected(_) | Verdict::RolledBack(_) => {
                return Some("nothing applied".into());
            }
            Verdict::Duplicate(earlier) => {
                return Some(format!(
                    "nothing applied: run #{} applied every line of the same bytes",
                    earlier.id
                ));
            }
            Verdict::Held { .. } => Tense::Would,
            _ if simulation => Tense::Would,
            _ => Tense::Done,
        };
        self.outcome()
            .map(|outcome| outcome::summary(&outcome.totals(), kind, tense))
    }
}

/// Applies a claimed file: the heart of the service, and of `run`.
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
    let input = read_input(&claim.input(), config.input.max_file_bytes);
    let parsed = match &input {
        Ok(input) => {
            run.input.size = input.bytes.len() as u64;
            run.input.sha256 = Some(input.sha256.clone());
            info!(
                kind = %claim.kind,
                size = run.input.size,
                sha256 = %input.sha256,
                "File picked"
            );
            parse(config, claim.kind, &input.bytes)
        }
        Err((problem, size)) => {
            run.input.size = *size;
            Err(problem.to_string())
        }
    };
    if let Ok((table, _)) = &parsed {
        run.format = Some(table.format);
    }
    let sha256 = input
        .as_ref()
        .map(|input| input.sha256.clone())
        .unwrap_or_default();

    let passwords =
        prepare_passwords(config, taker.db, parsed.as_ref().ok().map(|(_, file)| file)).await;

    let mut tx = match taker.db.begin_locked(taker.instance).await {
        Ok(tx) => tx,
        Err(error) => return Processed::Retry(error.to_string()),
    };
    let looked_up = async {
        // A file put back by `moodle-sync retry`, or a tryback dropped again.
        let (lineage, retry) = tx.lineage(&claim.name).await?;
        let earlier = if sha256.is_empty() {
            None
        } else {
            tx.earlier_run(&sha256).await?
        };
        Ok::<_, DbError>((lineage, retry, earlier))
    }
    .await;
    let (lineage, retry, earlier) = match looked_up {
        Ok(found) => found,
        Err(error) => {
            let _ = tx.rollback().await;
            return Processed::Retry(error.to_string());
        }
    };

    // Only a run that applied every line makes the same bytes a duplicate; after any other,
    // they are applied again, and the report names the run they repeat.
    let (applied_before, repeats) = match earlier {
        Some(earlier) if earlier.applied_every_line() => (Some(earlier), None),
        other => (None, other),
    };
    let applied;
    let mut cache_changes = CacheChanges::default();
    let verdict = match &parsed {
        Err(problem) => Verdict::Rejected(problem.clone()),
        Ok(_) if applied_before.is_some() && taker.duplicates == DuplicatePolicy::Skip => {
            Verdict::Duplicate(Box::new(applied_before.clone().expect("checked")))
        }
        Ok((table, file)) => match apply(config, &mut tx, file, taker.approved, passwords).await {
            Ok(Ok((outcome, changes))) => {
                applied = outcome;
                cache_changes = changes;
                if is_held(&applied, taker.approved) {
                    // Nothing was written: the transaction records the run alone.
                    Verdict::Held {
                        outcome: &applied,
                        reason: applied.hold_reason(config.cohorts.max_sync_removal_percent),
                    }
                } else {
                    Verdict::Applied {
                        outcome: &applied,
                        table,
                    }
                }
            }
            Ok(Err(problem)) => {
                let _ = tx.rollback().await;
                tx = match taker.db.begin_locked(taker.instance).await {
                    Ok(tx) => tx,
                    Err(error) => return Processed::Retry(error.to_string()),
                };
                Verdict::Rejected(problem)
            }
            Err(error) => {
                // Roll back now rather than when the connection is next used, so that the
                // locks the file took are released at once.
                let _ = tx.rollback().await;
                if error.is_transient() {
                    return Processed::Retry(error.to_string());
                }
                tx = match taker.db.begin_locked(taker.instance).await {
                    Ok(tx) => tx,
                    Err(error) => return Processed::Retry(error.to_string()),
                };
                Verdict::RolledBack(error.to_string())
            }
        },
    };
    // Moodle's caches are refreshed after the commit; the staged report says they will be,
    // or that they cannot be.
    if matches!(verdict, Verdict::Applied { .. }) && !cache_changes.is_empty() {
        run.caches = Some(match &config.moodle.dataroot {
            None => CacheReport::NoDataRoot,
            Some(dataroot) => CacheReport::Pending {
                dataroot: dataroot.display().to_string(),
            },
        });
    }
    if let (Some(earlier), Verdict::Applied { .. }) = (&applied_before, &verdict) {
        run.notes.push(format!(
            "the same bytes were applied before, by run #{} ({}); [watch] duplicates = \"apply\" or `run` applied them again",
            earlier.id, earlier.name
        ));
    }

    // A tryback's lines, in the file they first came from (the report that wrote it says).
    if let (Some(parent), Some(outcome)) = (lineage.first(), verdict.outcome())
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

    // Where everything goes.
    let generation = lineage
        .first()
        .map_or(0, |parent| parent.generation.saturating_add(1));
    let limit_reached = generation > 0 && generation >= config.watch.max_tryback_generations.max(1);
    let tryback_bytes = match &verdict {
        Verdict::Applied { outcome, table } => {
            let failed: Vec<_> = outcome.failed().map(|line| line.raw.clone()).collect();
            let bytes = input.as_ref().ok().map(|input| input.bytes.as_slice());
            match bytes {
                Some(bytes) if !failed.is_empty() => Some(tryback::render(bytes, table, &failed)),
                _ => None,
            }
        }
        _ => None,
    };
    let input_to = match (&verdict, claim.external) {
        (Verdict::Applied { .. } | Verdict::Duplicate(_), _) => Some(Area::Archive),
        // Held by `run` too: it waits in the held area to be approved.
        (Verdict::Held { .. }, _) => Some(Area::Held),
        (_, false) => Some(Area::Failed),
        // A `run` refused: the file stays where it was given.
        (_, true) => None,
    };
    let tryback_dir = if limit_reached {
        &config.paths.failed
    } else {
        &config.paths.reports
    };
    let names = run.names(
        input_to.map(|area| area.dir(config)),
        tryback_bytes.as_ref().map(|_| tryback_dir.as_path()),
    );

    let status = verdict.status();
    let error = verdict.error();
    let outputs = Outputs {
        tryback: names
            .tryback
            .as_ref()
            .map(|path| path.display().to_string()),
        archive: names
            .input
            .as_ref()
            .filter(|_| input_to == Some(Area::Archive))
            .map(|path| path.display().to_string()),
        kept: names
            .input
            .as_ref()
            .filter(|_| input_to == Some(Area::Failed))
            .map(|path| path.display().to_string()),
        held: names
            .input
            .as_ref()
            .filter(|_| input_to == Some(Area::Held))
            .map(|path| path.display().to_string()),
    };
    let (lines, changed, failed) = match &verdict {
        // Nothing of a held file was applied, nor failed.
        Verdict::Held { outcome, .. } => (outcome.lines.len() as u64, 0, 0),
        _ => verdict
            .outcome()
            .map(|outcome| {
                let totals = outcome.totals();
                (
                    totals.lines as u64,
                    totals.changed as u64,
                    totals.failed as u64,
                )
            })
            .unwrap_or_default(),
    };
    let entry = LedgerEntry {
        claim: claim.id.clone(),
        name: claim.name.clone(),
        kind: claim.kind.name().to_owned(),
        size: run.input.size,
        sha256: sha256.clone(),
        host: taker.instance.to_owned(),
        claimed_at: claim.claimed_at,
        finished_at: claim::now_ms(),
        outcome: status.name().to_owned(),
        lines,
        changed,
        failed,
        duplicate_of: match &verdict {
            Verdict::Duplicate(earlier) => Some(earlier.id),
            _ => None,
        },
        parent: lineage.first().map(|parent| parent.id),
        generation,
        report: names.report.display().to_string(),
        report_json: names.report_json.display().to_string(),
        kept: names.input.as_ref().map(|path| path.display().to_string()),
        tryback: names
            .tryback
            .as_ref()
            .map(|path| path.display().to_string()),
        error: error.clone(),
        summary: verdict.summary(claim.kind, false),
        of_run: retry.as_ref().and_then(|retry| retry.of_run),
    };
    let recorded = tx.record_run(&entry).await;
    let run_id = match recorded {
        Ok(id) => id,
        Err(error) => {
            let _ = tx.rollback().await;
            return Processed::Retry(error.to_string());
        }
    };
    let ledger = LedgerInfo {
        run: run_id,
        claim: claim.id.clone(),
        host: taker.instance.to_owned(),
        generation,
        ancestors: lineage.iter().map(|run| run.id).collect(),
        generation_limit_reached: limit_reached && tryback_bytes.is_some(),
        duplicate_of: match &verdict {
            Verdict::Duplicate(earlier) => Some(earlier_run(earlier)),
            _ => None,
        },
        repeats: repeats.as_ref().map(earlier_run),
        retry: retry.as_ref().map(|retry| RetryInfo {
            record: retry.id,
            of_run: retry.of_run,
        }),
    };

    // Stage the outputs, then commit.
    let context = run.context(status, error.clone(), outputs, Vec::new(), Some(ledger));
    let report = Report::new(context, verdict.outcome());
    let read = input.as_ref().ok();
    let mut plan = OutputPlan {
        version: claim::PLAN_VERSION,
        files: Vec::new(),
        input_to: names.input.clone(),
        input_staged: None,
        input_read: read.filter(|_| !claim.external).map(|input| input.stamp),
        input_sha256: read.map(|input| input.sha256.clone()),
        changed_to: Some(
            config
                .paths
                .failed
                .join(naming::archive(&names.stamp, &naming::changed(&claim.name))),
        ),
        remove_source: None,
    };
    if claim.external && matches!(input_to, Some(Area::Archive | Area::Held)) {
        plan.remove_source = Some(SourceRemoval {
            path: claim.source.clone(),
            sha256: sha256.clone(),
        });
    }
    let staged = stage(
        claim,
        &report,
        tryback_bytes.as_deref(),
        read.map(|input| input.bytes.as_slice()),
        &names,
        &mut plan,
    );
    if let Err(error) = staged {
        let _ = tx.rollback().await;
        return Processed::Retry(format!(
            "cannot stage the outputs in {}: {error}",
            claim.dir.display()
        ));
    }
    // The last look before the decision: a writer that still held the file and wrote to it
    // since it was read would make the report, the archive and the effects those of a part
    // of it.
    if let Some(change) = read.and_then(|input| changed_since_read(claim, input)) {
        let _ = tx.rollback().await;
        if let Err(error) = claim.unstage() {
            // The claim keeps a plan the ledger will never confirm: settled from the ledger
            // as not applied anyway.
            warn!(
                "Cannot remove the staged outputs of {}: {error}",
                claim.dir.display()
            );
        }
        return Processed::Changed(change);
    }
    if let Err(error) = tx.commit().await {
        return Processed::Unknown(error.to_string());
    }

    // Committed: Moodle's caches first, so that the site shows the change at once. Whatever
    // happens there, the file stays applied: the report says what could not be refreshed.
    let mut caches_refreshed = false;
    if let (Some(CacheReport::Pending { .. }), Some(dataroot)) =
        (&run.caches, &config.moodle.dataroot)
    {
        let outcome = cache::refresh(dataroot, taker.db, &cache_changes).await;
        run.caches = Some(CacheReport::Refreshed(outcome));
        caches_refreshed = true;
    }

    // Committed: put everything in place.
    let mut problems = Vec::new();
    let mut published_input = None;
    if let Some(to) = &plan.input_to {
        match claim::place(&claim.placed_input(&plan), to) {
            Ok(path) => published_input = Some(path),
            Err(source) => problems.push(match input_to {
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
    let mut published_tryback = None;
    if let Some(to) = &names.tryback {
        match claim::place(&claim.staged(TRYBACK), to) {
            Ok(path) => published_tryback = Some(path),
            Err(source) => problems.push(format!(
                "cannot write the tryback of the {failed} failed lines into {}: {source}",
                tryback_dir.display()
            )),
        }
    }
    let mut notes = Vec::new();
    match claim.keep_if_changed(&plan) {
        Ok(None) => {
            // Unchanged so far; with no check able to tell that its writer is gone, the
            // service keeps an eye on it a while longer (`spool::claim::check_watched`).
            if let Some(window) = taker.watch_after
                && let Err(problem) = claim.watch_after(&plan, claim::now_ms() + millis(window))
            {
                warn!("Cannot keep watching the applied file for late writes: {problem}");
            }
        }
        Ok(Some(kept)) => {
            error!(
                kept = %kept.display(),
                "File changed after it was applied: a writer still held it; what it added was not applied"
            );
            notes.push(format!(
                "the file changed after it was read and applied (a writer still held it open): what was applied, and archived, is the {} bytes read; the file as it is now is kept in {}, and what it added was not applied: check it, and drop what is missing again",
                run.input.size,
                kept.display()
            ));
        }
        Err(source) => problems.push(format!(
            "the file changed after it was read and applied, and cannot be kept in {}: {source}; it is still in {}",
            config.paths.failed.display(),
            claim.dir.display()
        )),
    }
    if problems.is_empty()
        && let Some(removal) = &plan.remove_source
    {
        match claim::remove_if_unchanged(removal) {
            Ok(true) => {}
            Ok(false) => notes.push(format!(
                "the input changed while it was applied, so it was left in place; the archive holds the bytes that were applied ({})",
                names.input.as_ref().map(|path| path.display().to_string()).unwrap_or_default()
            )),
            Err(source) => problems.push(format!(
                "cannot remove the input {} after archiving it: {source}",
                removal.path.display()
            )),
        }
    }
    if !problems.is_empty() || !notes.is_empty() || caches_refreshed {
        // The staged report could not know; write it again, saying so.
        let outputs = Outputs {
            tryback: published_tryback
                .as_ref()
                .map(|path| path.display().to_string()),
            archive: published_input
                .as_ref()
                .filter(|_| input_to == Some(Area::Archive))
                .map(|path| path.display().to_string()),
            kept: published_input
                .as_ref()
                .filter(|_| input_to == Some(Area::Failed))
                .map(|path| path.display().to_string()),
            held: published_input
                .as_ref()
                .filter(|_| input_to == Some(Area::Held))
                .map(|path| path.display().to_string()),
        };
        let mut context = run.context(
            status,
            error.clone(),
            outputs,
            problems.clone(),
            report.ledger.clone(),
        );
        context.notes.extend(notes);
        let report = Report::new(context, verdict.outcome());
        let rewritten = write_report_files(claim, &report);
        if let Err(error) = rewritten {
            problems.push(format!("cannot rewrite the report: {error}"));
        }
    }
    let report_path = claim::place(&claim.staged(REPORT), &names.report);
    let json_path = claim::place(&claim.staged(REPORT_JSON), &names.report_json);
    let (report_path, json_path) = match (report_path, json_path) {
        (Ok(text), Ok(json)) => (text, json),
        (Err(error), _) | (_, Err(error)) => {
            problems.push(format!(
                "cannot write the report into {}: {error}",
                config.paths.reports.display()
            ));
            (names.report.clone(), names.report_json.clone())
        }
    };
    if problems.is_empty() {
        let _ = claim.discard();
    }
    let summary = RunSummary {
        status,
        totals: report.totals,
        summary: entry.summary.clone(),
        error,
        problems,
        report: report_path,
        report_json: json_path,
        tryback: published_tryback,
        archive: published_input
            .clone()
            .filter(|_| input_to == Some(Area::Archive)),
        kept: published_input
            .clone()
            .filter(|_| input_to == Some(Area::Failed)),
        held: published_input.filter(|_| input_to == Some(Area::Held)),
        run: Some(run_id),
    };
    log_finished(&summary, false);
    Processed::Done(Box::new(summary))
}

const REPORT: &str = "report.txt";
const REPORT_JSON: &str = "report.json";
const TRYBACK: &str = "tryback.csv";

/// Writes the report, its JSON twin and the tryback into the claim folder, and the plan of
/// where they go.
fn stage(
    claim: &Claim,
    report: &Report<'_>,
    tryback: Option<&[u8]>,
    input: Option<&[u8]>,
    names: &Names,
    plan: &mut OutputPlan,
) -> io::Result<()> {
    if let (Some(bytes), Some(_)) = (input, &plan.input_to) {
        atomic::replace(&claim.dir.join(STAGED_INPUT), bytes)?;
        plan.input_staged = Some(STAGED_INPUT.to_owned());
    }
    write_report_files(claim, report)?;
    plan.files.push(Placement {
        staged: format!("staged-{REPORT}"),
        to: names.report.clone(),
    });
    plan.files.push(Placement {
        staged: format!("staged-{REPORT_JSON}"),
        to: names.report_json.clone(),
    });
    if let (Some(bytes), Some(to)) = (tryback, &names.tryback) {
        atomic::replace(&claim.staged(TRYBACK), bytes)?;
        plan.files.push(Placement {
            staged: format!("staged-{TRYBACK}"),
            to: to.clone(),
        });
    }
    claim.plan(plan)
}

fn write_report_files(claim: &Claim, report: &Report<'_>) -> io::Result<()> {
    atomic::replace_with(&claim.staged(REPORT), |out| report.write_text(out))?;
    atomic::replace_with(&claim.staged(REPORT_JSON), |out| report.write_json(out))
}

/// Where an input goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Area {
    Archive,
    Failed,
    Held,
}

impl Area {
    fn dir(self, config: &Config) -> &Path {
        match self {
            Area::Archive => &config.paths.archive,
            Area::Failed => &config.paths.failed,
            Area::Held => &config.paths.held,
        }
    }
}

/// The final names of a run's files, chosen free together so that they share a suffix.
struct Names {
    /// The run's stamp with that suffix.
    stamp: String,
    report: PathBuf,
    report_json: PathBuf,
    input: Option<PathBuf>,
    tryback: Option<PathBuf>,
}

/// An earlier run of the same bytes, as a report names it.
fn earlier_run(earlier: &LedgerRun) -> EarlierRun {
    EarlierRun {
        run: earlier.id,
        name: earlier.name.clone(),
        outcome: earlier.outcome.clone(),
        finished_at: show_ms(earlier.finished_at),
        report: earlier.report.clone(),
    }
}

/// A Unix time in milliseconds, as local RFC 3339.
pub fn show_ms(ms: i64) -> String {
    Local
        .timestamp_millis_opt(ms)
        .single()
        .map(|time| time.to_rfc3339_opts(SecondsFormat::Secs, false))
        .unwrap_or_else(|| ms.to_string())
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
    let input = match read_input(path, config.input.max_file_bytes) {
        Ok(input) => input,
        Err((problem, size)) => {
            run.input.size = size;
            return run.report_only(Verdict::Rejected(problem.to_string()));
        }
    };
    run.input.size = input.bytes.len() as u64;
    run.input.sha256 = Some(input.sha256.clone());
    let (table, file) = match parse(config, kind, &input.bytes) {
        Ok(parsed) => parsed,
        Err(problem) => return run.report_only(Verdict::Rejected(problem)),
    };
    run.format = Some(table.format);
    let passwords = prepare_passwords(config, db, Some(&file)).await;
    let mut tx = match db.begin().await {
        Ok(tx) => tx,
        Err(error) => return run.report_only(Verdict::RolledBack(error.to_string())),
    };
    let applied = apply(config, &mut tx, &file, false, passwords).await;
    let _ = tx.rollback().await;
    match applied {
        Ok(Ok((outcome, _))) if is_held(&outcome, false) => run.report_only(Verdict::Held {
            reason: outcome.hold_reason(config.cohorts.max_sync_removal_percent),
            outcome: &outcome,
        }),
        Ok(Ok((outcome, _))) => run.report_only(Verdict::Applied {
            outcome: &outcome,
            table: &table,
        }),
        Ok(Err(problem)) => run.report_only(Verdict::Rejected(problem)),
        Err(error) => run.report_only(Verdict::RolledBack(error.to_string())),
    }
}

/// A run in progress: what its report needs.
struct Run<'a> {
    config: &'a Config,
    db: &'a Db,
    kind: FileKind,
    simulation: bool,
    /// Applied by `approve`: the sync removal limit lifted.
    approved: bool,
    started: DateTime<Local>,
    clock: Instant,
    input: InputInfo,
    format: Option<SourceFormat>,
    notes: Vec<String>,
    /// For a tryback dropped again: where its lines first came from.
    origins: Option<Origins>,
    /// How Moodle's caches stand after the file, when it changed what they hold.
    caches: Option<CacheReport>,
}

impl<'a> Run<'a> {
    fn new(
        config: &'a Config,
        db: &'a Db,
        kind: FileKind,
        path: &Path,
        name: &str,
        simulation: bool,
    ) -> Run<'a> {
        Run {
            config,
            db,
            kind,
            simulation,
            approved: false,
            started: Local::now(),
            clock: Instant::now(),
            input: InputInfo {
                // Reports name the input by its absolute path: they are read long after,
                // from elsewhere.
                path: std::path::absolute(path)
                    .unwrap_or_else(|_| path.to_path_buf())
                    .display()
                    .to_string(),
                name: name.to_owned(),
                size: 0,
                sha256: None,
            },
            format: None,
            notes: Vec::new(),
            origins: None,
            caches: None,
        }
    }

    /// Chooses free names for the reports and, when given a folder, the input and the
    /// tryback.
    fn names(&self, input_dir: Option<&Path>, tryback_dir: Option<&Path>) -> Names {
        let paths = &self.config.paths;
        let stamp = naming::stamp(&self.started);
        let input_name = self.input.name.as_str();
        let archive_name = |n: u32| naming::archive(&naming::suffixed(&stamp, n), input_name);
        let tryback_name =
            |n: u32| naming::tryback(self.kind, input_name, &naming::suffixed(&stamp, n));
        let report_name = |n: u32| naming::report(&naming::suffixed(&stamp, n), input_name, "txt");
        let json_name = |n: u32| naming::report(&naming::suffixed(&stamp, n), input_name, "json");
        let mut candidates: Vec<(&Path, Namer<'_>)> = vec![
            (paths.reports.as_path(), &report_name),
            (paths.reports.as_path(), &json_name),
        ];
        if let Some(dir) = input_dir {
            candidates.push((dir, &archive_name));
        }
        if let Some(dir) = tryback_dir {
            candidates.push((dir, &tryback_name));
        }
        let n = atomic::free_suffix(&candidates);
        Names {
            stamp: naming::suffixed(&stamp, n),
            report: paths.reports.join(report_name(n)),
            report_json: paths.reports.join(json_name(n)),
            input: input_dir.map(|dir| dir.join(archive_name(n))),
            tryback: tryback_dir.map(|dir| dir.join(tryback_name(n))),
        }
    }

    fn context(
        &self,
        status: RunStatus,
        error: Option<String>,
        outputs: Outputs,
        problems: Vec<String>,
        ledger: Option<LedgerInfo>,
    ) -> ReportContext {
        ReportContext {
            kind: self.kind,
            simulation: self.simulation,
            approved: self.approved,
            status,
            exit_code: exit::of_run(status, &problems),
            started_at: self.started.to_rfc3339_opts(SecondsFormat::Secs, false),
            duration_ms: u64::try_from(self.clock.elapsed().as_millis()).unwrap_or(u64::MAX),
            input: self.input.clone(),
            format: self.format,
            database: self.db.target().describe(),
            prefix: self.db.dialect().prefix.clone(),
            settings: settings_info(self.config),
            outputs,
            error,
            problems,
            notes: self.notes.clone(),
            ledger,
            origins: self.origins.clone(),
            spool: (!self.simulation).then(|| self.config.paths.spool.display().to_string()),
            caches: self.caches.clone(),
        }
    }

    /// Writes the two reports straight into place (a simulation, or a `run` the database
    /// could not take): no ledger record, no archive, no tryback, the input left in place.
    fn report_only(self, verdict: Verdict<'_>) -> Result<RunSummary, Fatal> {
        let paths = &self.config.paths;
        fs::create_dir_all(&paths.reports)
            .map_err(|source| Fatal::io("cannot create", &paths.reports, source))?;
        let status = verdict.status();
        let error = verdict.error();
        let names = self.names(None, None);
        let report = Report::new(
            self.context(status, error.clone(), Outputs::default(), Vec::new(), None),
            verdict.outcome(),
        );
        let name_of = |path: &Path| {
            path.file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let text_name = name_of(&names.report);
        let json_name = name_of(&names.report_json);
        let text = |n: u32| {
            if n == 0 {
                text_name.clone()
            } else {
                format!("{text_name}.{}", n + 1)
            }
        };
        let json = |n: u32| {
            if n == 0 {
                json_name.clone()
            } else {
                format!("{json_name}.{}", n + 1)
            }
        };
        let report_path =
            atomic::publish_with(&paths.reports, &text, 0, |out| report.write_text(out)).map_err(
                |source| Fatal::io("cannot write the report in", &paths.reports, source),
            )?;
        let json_path =
            atomic::publish_with(&paths.reports, &json, 0, |out| report.write_json(out)).map_err(
                |source| Fatal::io("cannot write the report in", &paths.reports, source),
            )?;
        let summary = RunSummary {
            status,
            totals: report.totals,
            summary: verdict.summary(self.kind, self.simulation),
            error,
            problems: Vec::new(),
            report: report_path,
            report_json: json_path,
            tryback: None,
            archive: None,
            kept: None,
            held: None,
            run: None,
        };
        log_finished(&summary, self.simulation);
        Ok(summary)
    }
}

/// One log line per file finished or refused.
fn log_finished(summary: &RunSummary, simulation: bool) {
    let report = summary.report.display();
    let totals = summary.totals;
    match (summary.status, summary.problems.is_empty()) {
        (RunStatus::Success | RunStatus::Partial, true) => info!(
            status = summary.status.name(),
            run = summary.run,
            simulation,
            lines = totals.map_or(0, |totals| totals.lines),
            changed = totals.map_or(0, |totals| totals.changed),
            unchanged = totals.map_or(0, |totals| totals.unchanged),
            failed = totals.map_or(0, |totals| totals.failed),
            summary = summary.summary.as_deref().unwrap_or_default(),
            report = %report,
            "File finished"
        ),
        (RunStatus::Held, true) => warn!(
            run = summary.run,
            simulation,
            summary = summary.summary.as_deref().unwrap_or_default(),
            report = %report,
            held = %summary.held.as_ref().map(|path| path.display().to_string()).unwrap_or_default(),
            "File held for approval: {}",
            summary.error.as_deref().unwrap_or_default()
        ),
        (RunStatus::Duplicate, true) => warn!(
            run = summary.run,
            report = %report,
            "File refused: these bytes were applied before"
        ),
        (RunStatus::Rejected | RunStatus::RolledBack, true) => error!(
            status = summary.status.name(),
            run = summary.run,
            report = %report,
            "File refused: {}",
            summary.error.as_deref().unwrap_or_default()
        ),
        (_, false) => error!(
            run = summary.run,
            report = %report,
            "File decided, but outputs are missing: {}",
            summary.problems.join("; ")
        ),
    }
}

fn settings_info(config: &Config) -> SettingsInfo {
    SettingsInfo {
        encoding: encoding_setting_label(config.input.read.encoding),
        delimiter: match config.input.read.delimiter {
            DelimiterSetting::Auto => "auto".into(),
            DelimiterSetting::Fixed(delimiter) => delimiter_label(delimiter),
        },
        max_file_bytes: config.input.max_file_bytes,
        user_identifier: config.cohorts.user_identifier.name().into(),
        cohort_identifier: config.cohorts.cohort_identifier.name().into(),
        create_missing: config.cohorts.create_missing,
        delete_empty: config.cohorts.delete_empty,
        max_sync_removal_percent: config.cohorts.max_sync_removal_percent,
        course_identifier: config.bindings.course_identifier.name().into(),
        role_identifier: config.bindings.role_identifier.name().into(),
        enrol_methods: config.bindings.enrol_methods.clone(),
        enrolments: config.enrolments,
        account_identifier: config.users.identifier.name().into(),
        protected_fields: config.users.protected_fields.clone(),
        revive_deleted: config.users.revive_deleted,
        create_profile_fields: config.users.create_profile_fields,
        default_auth: config.users.default_auth.clone(),
    }
}
