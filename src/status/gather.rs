//! [`gather`]: everything `status` shows, read into one [`StatusReport`]. The database and
//! the services here; the spool's files, the failed and held areas and NetYpareo's schedules
//! in files of their own.

use std::time::SystemTime;

use chrono::{Local, SecondsFormat};

use super::{
    kept::{Area, kept_files},
    netypareo::netypareo,
    spool::spool_files,
    view::{
        self, ClaimView, DatabaseView, RunView, ServiceState, ServiceView, StatusReport, WatchView,
    },
};
use crate::{
    config::Config,
    db::Db,
    pipeline::connect,
    pipeline::show_ms,
    service::heartbeat::{self, Liveness},
    spool::{
        claim::{self, in_progress},
        watcher,
    },
};

/// Reads everything `status` shows, on a connection of its own. Never fails: what cannot be
/// read is said in the report.
pub async fn gather(config: &Config, runs: u32) -> StatusReport {
    let (db, database) = open_database(config).await;
    let report = gather_with(config, db.as_ref(), database, runs).await;
    if let Some(db) = db {
        db.close().await;
    }
    report
}

/// Reads everything `status` shows, through a connection the caller holds (the console's).
pub async fn gather_on(config: &Config, db: &Db, runs: u32) -> StatusReport {
    let database = match db.ensure_ledger().await {
        Ok(()) => database_view(config, None),
        Err(error) => database_view(config, Some(error.to_string())),
    };
    let usable = database.usable.then_some(db);
    gather_with(config, usable, database, runs).await
}

/// What the database is, and why it cannot be used.
fn database_view(config: &Config, error: Option<String>) -> DatabaseView {
    DatabaseView {
        target: config.database.target.describe(),
        usable: error.is_none(),
        error,
    }
}

async fn gather_with(
    config: &Config,
    db: Option<&Db>,
    database: DatabaseView,
    runs: u32,
) -> StatusReport {
    let spool = &config.paths.spool;
    let settings = &config.watch;
    let now = SystemTime::now();
    let now_ms = claim::now_ms();
    let network = watcher::filesystem_type(spool)
        .as_deref()
        .is_some_and(watcher::is_network);

    let (services, commands) = services(config, now_ms);
    let service_running = services
        .iter()
        .any(|service| service.state == ServiceState::Running);
    let spool_files = spool_files(config, db, now).await;
    let oldest_waiting_s = spool_files.waiting.iter().map(|file| file.age_s).max();
    let in_progress = in_progress(spool)
        .into_iter()
        .map(|claim| ClaimView {
            name: claim.name,
            instance: claim.instance,
            claimed_at: show_ms(claim.claimed_at),
            claim: claim.id,
        })
        .collect();
    let failed = kept_files(config, db, &config.paths.failed, Area::Failed).await;
    let held = kept_files(config, db, &config.paths.held, Area::Held).await;
    let netypareo = netypareo(config);
    let (last_runs, last_runs_error) = match db {
        Some(db) => last_runs(db, runs).await,
        None => (None, None),
    };

    StatusReport {
        version: view::VERSION,
        generated_at: Local::now().to_rfc3339_opts(SecondsFormat::Secs, false),
        host: crate::host::name(),
        spool: spool.display().to_string(),
        spool_error: spool_files.error,
        database,
        watch: WatchView {
            mode: settings.mode.name().to_owned(),
            network_filesystem: network,
            settle_ms: u64::try_from(settings.settle.as_millis()).unwrap_or(u64::MAX),
            routing: config.routing.describe(),
            done_marker: settings.done_marker.clone(),
        },
        service_running,
        services,
        commands,
        waiting: spool_files.waiting,
        oldest_waiting_s,
        uploads: spool_files.uploads,
        in_progress,
        failed,
        held,
        netypareo,
        last_runs,
        last_runs_error,
    }
}

/// The database, connected to with its ledger ready; `None` with why when it cannot be used.
async fn open_database(config: &Config) -> (Option<Db>, DatabaseView) {
    match connect(config).await {
        Ok(db) => match db.ensure_ledger().await {
            Ok(()) => (Some(db), database_view(config, None)),
            Err(error) => {
                db.close().await;
                (None, database_view(config, Some(error.to_string())))
            }
        },
        Err(error) => (None, database_view(config, Some(error.to_string()))),
    }
}

/// The services (running ones, and crashed ones whose work folder is left), from the work
/// folders' heartbeats; and the one-off commands in progress.
fn services(config: &Config, now_ms: i64) -> (Vec<ServiceView>, Vec<String>) {
    let mut services = Vec::new();
    let mut commands = Vec::new();
    for folder in heartbeat::instances(&config.paths.spool) {
        match (heartbeat::liveness(&folder, now_ms), &folder.heartbeat) {
            (Liveness::Running | Liveness::Crashed, Some(beat)) => {
                let state = if heartbeat::liveness(&folder, now_ms) == Liveness::Running {
                    ServiceState::Running
                } else {
                    ServiceState::Crashed
                };
                let age_ms = heartbeat::heartbeat_age_ms(beat, now_ms);
                services.push(ServiceView {
                    state,
                    instance: beat.instance.clone(),
                    pid: beat.pid,
                    host: beat.host.clone(),
                    this_host: folder.locked.is_some(),
                    started_at: show_ms(beat.started_at),
                    heartbeat_at: show_ms(beat.heartbeat_at),
                    heartbeat_age_s: u64::try_from(age_ms / 1000).unwrap_or(0),
                    heartbeat_stale: age_ms > heartbeat::stale_after_ms(beat),
                    database: beat.activity.database.state.name().to_owned(),
                    database_since: show_ms(beat.activity.database.since),
                    database_error: beat.activity.database.error.clone(),
                    file: beat.activity.file.as_ref().map(|file| file.name.clone()),
                    file_since: beat.activity.file.as_ref().map(|file| show_ms(file.since)),
                    watching: beat
                        .activity
                        .watching
                        .as_ref()
                        .map(|watching| format!("{} ({})", watching.how, watching.reason)),
                    stopping: beat.activity.stopping,
                });
            }
            (Liveness::OneOff, _) => commands.push(folder.name.clone()),
            _ => {}
        }
    }
    (services, commands)
}

/// The last `runs` runs of the ledger, newest first; or why they cannot be read.
async fn last_runs(db: &Db, runs: u32) -> (Option<Vec<RunView>>, Option<String>) {
    match db.recent_runs(runs).await {
        Ok(recent) => (
            Some(
                recent
                    .into_iter()
                    .map(|run| RunView {
                        id: run.id,
                        finished_at: show_ms(run.finished_at),
                        // Runs recorded before the ledger kept a summary show their three
                        // counts.
                        summary: run.summary.clone().unwrap_or_else(|| {
                            format!(
                                "{}, {} changed, {} failed",
                                crate::outcome::plural(
                                    usize::try_from(run.lines).unwrap_or(usize::MAX),
                                    "line"
                                ),
                                run.changed,
                                run.failed
                            )
                        }),
                        name: run.name,
                        outcome: run.outcome,
                        generation: run.generation,
                        report: run.report,
                    })
                    .collect(),
            ),
            None,
        ),
        Err(error) => (None, Some(error.to_string())),
    }
}
