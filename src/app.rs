//! The commands: what `init`, `run`, `approve`, `retry`, `discard`, `watch` and `status` do with a loaded
//! configuration. The only module, with `main`, that prints to the console, and the only one
//! that spawns long-lived tasks (the service loop of `watch`, its heartbeat, its alert task,
//! the NetYpareo scheduler).

use std::path::Path;

use chrono::Utc;

pub mod console;
mod netypareo;
mod status;

use std::time::Duration;

use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tracing::{error, info, warn};

use crate::{
    alert::{self, Alerts, Destinations, Stopping},
    cli::{Cli, Command},
    config::Config,
    db::{self, Db, DbTarget},
    exit::Fatal,
    manage,
    outcome::RunStatus,
    output::summary::RunSummary,
    output::{atomic, naming},
    pipeline::{self, RunOptions},
    service::{
        Service,
        heartbeat::{self, Activity, DatabaseState},
        settle_claim,
    },
    spool::claim::{self, Workspace},
    telemetry,
};

/// The demonstration cohort file `init --demo` drops into the spool.
pub const DEMO_FILE: &[u8] = include_bytes!("../examples/cohorts_demo.csv");
/// Its name in the spool.
pub const DEMO_FILE_NAME: &str = "cohorts_demo.csv";
/// The demonstration binding file `init --demo` drops into the spool, to run after the cohort
/// file.
pub const DEMO_BINDINGS_FILE: &[u8] = include_bytes!("../examples/cohortscourses_demo.csv");
/// Its name in the spool.
pub const DEMO_BINDINGS_FILE_NAME: &str = "cohortscourses_demo.csv";

/// Runs the command; returns the process exit code.
pub async fn run(cli: Cli) -> Result<u8, Fatal> {
    let format = cli.log_format;
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            telemetry::init(cli.log_format, None);
            return Err(error.into());
        }
    };
    // The service logs to files too; one-off commands only to the console.
    let files = matches!(cli.command, Command::Watch).then_some(config.paths.logs.as_path());
    let _guard = telemetry::init(cli.log_format, files);
    match cli.command {
        Command::Watch => watch(config).await.map(|()| 0),
        Command::Status { runs, json } => status::print(&config, runs, json).await.map(|()| 0),
        Command::Netypareo { command } => netypareo::run(&config, command).await,
        Command::Init { demo } => init(&config, demo).await.map(|()| 0),
        Command::Run {
            file,
            dry_run,
            kind,
        } => {
            let db = connect(&config).await?;
            let options = RunOptions { dry_run, kind };
            let summary = pipeline::run_file(&config, &db, &file, options).await;
            db.close().await;
            let summary = summary?;
            print_summary(&file, &summary, dry_run, format);
            Ok(summary.exit_code())
        }
        Command::Retry { file } => {
            let db = connect(&config).await?;
            let retried = manage::retry(&config, &db, &file).await;
            db.close().await;
            let retried = retried?;
            crate::say!(
                "{}: back in the spool as {}{}",
                shown(&retried.from),
                shown(&retried.to),
                match retried.of_run {
                    Some(run) if retried.tryback => format!(" (the tryback of run #{run})"),
                    Some(run) => format!(" (retry of run #{run})"),
                    None => String::new(),
                }
            );
            crate::say!(
                "  next     `moodle-sync watch` takes it (`moodle-sync status` shows it waiting), or `moodle-sync run {}` applies it now",
                shown(&retried.to)
            );
            if let Some(problem) = &retried.left_behind {
                crate::say_err!("moodle-sync: retried, but {problem}");
            }
            Ok(0)
        }
        Command::Discard { file } => {
            let db = connect(&config).await?;
            let discarded = manage::discard(&config, &db, &file).await;
            db.close().await;
            let discarded = discarded?;
            crate::say!(
                "{}: discarded by {}, never applied{}",
                shown(&discarded.from),
                discarded.by,
                discarded
                    .held_by
                    .map(|run| format!(" (held by run #{run})"))
                    .unwrap_or_default()
            );
            crate::say!("  kept     {}", shown(&discarded.to));
            crate::say!("  report   {}", shown(&discarded.report));
            if let Some(problem) = &discarded.left_behind {
                crate::say_err!("moodle-sync: discarded, but {problem}");
            }
            Ok(0)
        }
        Command::Approve { file, kind, force } => {
            if !force {
                manage::check_latest_snapshot(&config, &file)?;
            }
            let db = connect(&config).await?;
            let summary = pipeline::approve_file(&config, &db, &file, kind).await;
            db.close().await;
            let summary = summary?;
            print_summary(&file, &summary, false, format);
            Ok(summary.exit_code())
        }
    }
}

/// Connects to the configured database and checks that it is Moodle's.
pub async fn connect(config: &Config) -> Result<Db, Fatal> {
    let db = Db::connect(&config.database.target, &config.database.prefix, false).await?;
    db.check_moodle().await?;
    Ok(db)
}

/// `watch`: the service. Creates what it needs, starts the alert task if `[alerts]` is set,
/// waits for the database if it does not answer yet, runs the service loop until a stop
/// signal, and stops within the deadline.
async fn watch(config: Config) -> Result<(), Fatal> {
    let paths = &config.paths;
    for dir in [
        &paths.spool,
        &paths.archive,
        &paths.reports,
        &paths.failed,
        &paths.held,
    ] {
        std::fs::create_dir_all(dir).map_err(|source| Fatal::io("cannot create", dir, source))?;
    }
    let token = CancellationToken::new();
    let signals = tokio::spawn(stop_signal(token.clone()));
    // The work folder first: its heartbeat tells `status` that a service runs, also while it
    // waits for the database.
    let workspace = Workspace::open(&paths.spool)
        .map_err(|source| Fatal::io("cannot open the work folder in", &paths.spool, source))?;
    let (activity, beats) = tokio::sync::watch::channel(Activity::default());
    let tracker = TaskTracker::new();
    // The heartbeat stops with the service loop (after the file in progress), or here if the
    // loop never starts; it is awaited before the work folder is removed.
    let beat_stop = CancellationToken::new();
    let beating = tracker.spawn(heartbeat::beat(
        workspace.dir().to_path_buf(),
        claim::now_ms(),
        beats,
        beat_stop.clone(),
    ));
    let deadline = config.watch.shutdown_timeout;
    // Cancelled when the service loop has ended, so that the alert task sends what is left
    // and ends.
    let service_done = CancellationToken::new();
    let alerts = match &config.alerts {
        None => Alerts::none(),
        Some(settings) => {
            let destinations = Destinations::new(settings)?;
            let (alerts, inbox) = Alerts::new(settings, config.database.target.describe());
            info!(
                mail = settings.mail.as_ref().map(|mail| format!("{}:{}", mail.host, mail.port)),
                command = settings.command.as_ref().map(|command| command.argv[0].clone()),
                events = %settings.topics.iter().map(|topic| topic.name()).collect::<Vec<_>>().join(", "),
                "Alerts on"
            );
            let stopping = Stopping {
                stop: token.clone(),
                service_done: service_done.clone(),
                // Within the stop deadline, which the tracker is waited for.
                grace: deadline.saturating_sub(Duration::from_secs(1)),
            };
            tracker.spawn(alert::deliver(
                settings.clone(),
                destinations,
                inbox,
                stopping,
            ));
            alerts
        }
    };
    let db = match connect_when_ready(&config, &token, &alerts, &activity).await {
        Ok(Some(db)) => db,
        other => {
            beat_stop.cancel();
            let _ = beating.await;
            return other.map(|_| ());
        }
    };
    activity.send_modify(|activity| activity.database = DatabaseState::answers());
    let service = std::sync::Arc::new(Service {
        config: config.clone(),
        db: db.clone(),
        workspace,
        alerts,
        activity,
    });
    let loop_token = token.clone();
    let running = std::sync::Arc::clone(&service);
    let handle = tracker.spawn(async move {
        let _stop_beating = beat_stop.drop_guard();
        running.run(loop_token).await;
        service_done.cancel();
    });
    if !config.netypareo.is_empty() {
        tracker.spawn(netypareo::run_schedules(config.clone(), token.clone()));
    }
    tracker.close();
    token.cancelled().await;
    signals.abort();
    service
        .activity
        .send_modify(|activity| activity.stopping = true);
    info!(
        deadline_s = deadline.as_secs(),
        "Stopping: finishing the file in progress"
    );
    match tokio::time::timeout(deadline, tracker.wait()).await {
        Ok(()) => {
            if let Err(problem) = handle.await {
                error!("The service loop ended abnormally: {problem}");
            }
        }
        Err(_) if handle.is_finished() => {
            // The service loop stopped in time; another task (an alert being sent, a
            // NetYpareo export) did not: it is abandoned, nothing of a file is at stake.
            warn!("Stopping without waiting longer for the alerts or exports in progress");
        }
        Err(_) => {
            // The file in progress did not finish in time: abandon it. Its transaction is
            // rolled back when its connection closes; the ledger then tells that nothing of
            // it was applied, and it goes back to the spool.
            warn!("The file in progress did not finish within the deadline; rolling it back");
            handle.abort();
            let _ = handle.await;
            let _ = beating.await;
            // Closing waits for the abandoned connection, which may never come back (seen on
            // MariaDB): give it a moment, then go on; the server rolls back when the process
            // exits, and the ledger's lock makes the settling below wait for that anyway.
            let _ = tokio::time::timeout(Duration::from_secs(2), db.close()).await;
            let db = match connect(&config).await {
                Ok(db) => db,
                Err(problem) => {
                    warn!(
                        "The abandoned file will be settled at the next start (the database cannot be reached: {problem})"
                    );
                    return Ok(());
                }
            };
            let settling = async {
                for dir in service.workspace.orphans() {
                    if let Ok(Some(claim)) = crate::spool::claim::Claim::load(&dir) {
                        let _ = settle_claim(
                            &db,
                            service.workspace.instance(),
                            &claim,
                            &config.paths.spool,
                        )
                        .await;
                    }
                }
            };
            // If the abandoned connection still holds the ledger's lock, settling would wait
            // for it: the claim is then settled by the next start instead, once this process's
            // connections are gone.
            if tokio::time::timeout(Duration::from_secs(10), settling)
                .await
                .is_err()
            {
                warn!("The abandoned file will be settled at the next start");
            }
            let _ = tokio::time::timeout(Duration::from_secs(2), db.close()).await;
            info!("Stopped");
            return Ok(());
        }
    }
    db.close().await;
    info!("Stopped");
    Ok(())
}

/// Cancels `token` on SIGTERM or SIGINT.
async fn stop_signal(token: CancellationToken) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut terminate) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            token.cancel();
            return;
        };
        tokio::select! {
            _ = terminate.recv() => info!("SIGTERM received"),
            _ = tokio::signal::ctrl_c() => info!("SIGINT received"),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    token.cancel();
}

/// Connects, creating the embedded database with Moodle's tables if it does not exist; waits
/// (logging once) while a database server does not answer. `None` if stopped meanwhile.
async fn connect_when_ready(
    config: &Config,
    token: &CancellationToken,
    alerts: &Alerts,
    activity: &tokio::sync::watch::Sender<Activity>,
) -> Result<Option<Db>, Fatal> {
    let target = &config.database.target;
    if let DbTarget::Sqlite { .. } = target {
        let db = Db::connect(target, &config.database.prefix, true).await?;
        if !db::is_installed(&db).await? {
            db::install(&db).await?;
            info!(database = %target.describe(), "Embedded database created with Moodle's tables");
        }
        return Ok(Some(db));
    }
    let mut backoff = Duration::from_secs(1);
    let mut logged = false;
    let since = std::time::SystemTime::now();
    loop {
        match connect(config).await {
            Ok(db) => {
                if logged {
                    info!("The database answers again");
                    alerts.database_up();
                }
                return Ok(Some(db));
            }
            Err(Fatal::Database(problem)) if problem.is_transient() => {
                if !logged {
                    warn!("The database cannot be reached ({problem}); retrying");
                    alerts.database_down(since, &problem.to_string());
                    logged = true;
                    activity.send_modify(|activity| {
                        activity.database = DatabaseState::unreachable(&problem.to_string());
                    });
                }
            }
            Err(other) => return Err(other),
        }
        tokio::select! {
            () = token.cancelled() => return Ok(None),
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(config.watch.retry_max);
    }
}

async fn init(config: &Config, demo: bool) -> Result<(), Fatal> {
    for dir in [
        &config.paths.spool,
        &config.paths.archive,
        &config.paths.reports,
        &config.paths.failed,
        &config.paths.held,
    ] {
        std::fs::create_dir_all(dir).map_err(|source| Fatal::io("cannot create", dir, source))?;
        crate::say!("folder    {}", shown(dir));
    }
    let target = &config.database.target;
    let db = match target {
        DbTarget::Sqlite { .. } => {
            let db = Db::connect(target, &config.database.prefix, true).await?;
            if db::is_installed(&db).await? {
                crate::say!(
                    "database  {} (Moodle's tables already there)",
                    target.describe()
                );
            } else {
                db::install(&db).await?;
                crate::say!(
                    "database  {} (created with Moodle's tables)",
                    target.describe()
                );
            }
            db
        }
        DbTarget::Server { .. } => {
            if demo {
                return Err(Fatal::Usage(
                    "--demo only adds demonstration data to the embedded SQLite database, never to a database server"
                        .into(),
                ));
            }
            let db = connect(config).await?;
            crate::say!("database  {} (Moodle's tables found)", target.describe());
            db
        }
    };
    if demo {
        let Some(summary) = db::add_demo_data(&db, Utc::now().timestamp()).await? else {
            // The demonstration file was written for the data as `--demo` creates it; once
            // that data has been used, a new copy would not do what its comments say.
            crate::say!(
                "demo      demonstration data already there; demonstration file not dropped again"
            );
            db.close().await;
            return Ok(());
        };
        crate::say!(
            "demo      {} categories, {} courses, {} users (user1 … user{}), {} cohorts, {} profile fields (netypareo_*) added",
            summary.categories,
            summary.courses,
            summary.users,
            summary.users,
            summary.cohorts,
            summary.profile_fields
        );
        let mut dropped = Vec::new();
        for (file_name, bytes) in [
            (DEMO_FILE_NAME, DEMO_FILE),
            (DEMO_BINDINGS_FILE_NAME, DEMO_BINDINGS_FILE),
        ] {
            let demo_path = config.paths.spool.join(file_name);
            if demo_path.exists() {
                crate::say!("demo file {} (already there)", shown(&demo_path));
                continue;
            }
            let stem = file_name.trim_end_matches(".csv");
            let name = |n: u32| format!("{}.csv", naming::suffixed(stem, n));
            let written =
                atomic::publish(&config.paths.spool, &name, 0, bytes).map_err(|source| {
                    Fatal::io(
                        "cannot write the demonstration file in",
                        &config.paths.spool,
                        source,
                    )
                })?;
            crate::say!("demo file {}", shown(&written));
            dropped.push(shown(&written));
        }
        if let [cohorts, bindings] = dropped.as_slice() {
            let settle = config.watch.settle.as_secs_f64();
            match crate::spool::claim::live_instances(&config.paths.spool).first() {
                Some(instance) => crate::say!(
                    "next      the moodle-sync process running ({instance}) applies them within {settle} s (cohorts, then bindings): moodle-sync status shows them, reports go to {}",
                    shown(&config.paths.reports)
                ),
                None => crate::say!(
                    "next      moodle-sync watch   applies them {settle} s after it starts (cohorts, then bindings), and every file dropped after; reports go to {}\n          or one at a time: moodle-sync run --dry-run {cohorts}, then moodle-sync run {cohorts}, then moodle-sync run {bindings}",
                    shown(&config.paths.reports)
                ),
            }
        }
    }
    db.close().await;
    Ok(())
}

fn print_summary(file: &Path, summary: &RunSummary, dry_run: bool, format: telemetry::LogFormat) {
    let name = file
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let simulation = if dry_run {
        " (simulation: nothing changed)"
    } else {
        ""
    };
    match (summary.status, &summary.summary) {
        (RunStatus::Rejected, _) => {
            crate::say!(
                "{name}: rejected: {}",
                summary.error.as_deref().unwrap_or("unknown reason")
            );
        }
        (RunStatus::RolledBack, _) => crate::say!("{name}: rolled back"),
        (RunStatus::Held, counts) => {
            crate::say!(
                "{name}: {}: {}",
                if dry_run {
                    "would be held"
                } else {
                    "held, nothing applied"
                },
                summary.error.as_deref().unwrap_or_default()
            );
            if let Some(counts) = counts {
                crate::say!("  if approved  {counts}");
            }
        }
        (_, Some(counts)) => crate::say!("{name}: {counts}{simulation}"),
        (_, None) => crate::say!("{name}: done{simulation}"),
    }
    crate::say!("  report   {}", shown(&summary.report));
    if let Some(tryback) = &summary.tryback {
        crate::say!("  tryback  {}", shown(tryback));
    }
    if let Some(archive) = &summary.archive {
        crate::say!("  archive  {}", shown(archive));
    }
    if let Some(held) = &summary.held {
        crate::say!("  held     {}", shown(held));
        crate::say!("  approve  moodle-sync approve {}", shown(held));
    }
    // Like every fatal error, exit codes 4 and 5 come with a one-line reason on standard error.
    let code = summary.exit_code();
    if summary.status == RunStatus::RolledBack {
        let reason = summary.error.as_deref().unwrap_or("database error");
        crate::say_err!("{}", telemetry::fatal_line(format, reason, code));
    }
    if !summary.problems.is_empty() {
        let reason = format!("file applied, but {}", summary.problems.join("; "));
        crate::say_err!("{}", telemetry::fatal_line(format, &reason, code));
    }
}

/// A path relative to the current folder when it is inside it.
fn shown(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|current| {
            path.strip_prefix(current)
                .ok()
                .map(|relative| relative.display().to_string())
        })
        .unwrap_or_else(|| path.display().to_string())
}
