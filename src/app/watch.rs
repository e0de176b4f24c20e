//! `watch`: the service. The only place that spawns long-lived tasks: the service loop, its
//! heartbeat, the alert task, the NetYpareo scheduler, the daily prune and the web console, on
//! one `TaskTracker`, stopped by a `CancellationToken` on SIGTERM or SIGINT within
//! `[watch] shutdown_timeout_s`.

use std::{sync::Arc, time::Duration};

use tokio::task::JoinHandle;
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tracing::{error, info, warn};

use super::{netypareo, prune, run::connect, serve};
use crate::{
    alert::{self, Alerts, Destinations, Stopping},
    config::Config,
    console::{Console, Mode},
    db::{self, Db, DbTarget},
    exit::Fatal,
    service::{
        Service,
        heartbeat::{self, Activity, DatabaseState},
        settle_claim,
    },
    spool::claim::{self, Workspace},
};

/// `watch`: the service. Creates what it needs, starts the alert task if `[alerts]` is set,
/// waits for the database if it does not answer yet, runs the service loop until a stop
/// signal, and stops within the deadline.
pub(super) async fn watch(config: Config) -> Result<(), Fatal> {
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
    // The console's address is taken first: a port in use stops `watch` at once.
    let listener = match &config.console {
        Some(settings) => Some(serve::bind(settings).await?),
        None => None,
    };
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
    // Cancelled when the service loop has ended, so that the alert task sends what is left
    // and ends.
    let service_done = CancellationToken::new();
    let alerts = start_alerts(&config, &tracker, &token, &service_done)?;
    let db = match connect_when_ready(&config, &token, &alerts, &activity).await {
        Ok(Some(db)) => db,
        other => {
            beat_stop.cancel();
            let _ = beating.await;
            return other.map(|_| ());
        }
    };
    activity.send_modify(|activity| activity.database = DatabaseState::answers());
    let service = Arc::new(Service {
        config: config.clone(),
        db: db.clone(),
        workspace,
        alerts,
        activity,
        local: Arc::default(),
    });
    let loop_token = token.clone();
    let running = Arc::clone(&service);
    let handle = tracker.spawn(async move {
        let _stop_beating = beat_stop.drop_guard();
        running.run(loop_token).await;
        service_done.cancel();
    });
    if !config.netypareo.is_empty() {
        tracker.spawn(netypareo::run_schedules(config.clone(), token.clone()));
    }
    tracker.spawn(prune::prune_daily(config.clone(), token.clone()));
    if let (Some(settings), Some(listener)) = (&config.console, listener) {
        let console = Console::new(
            Arc::new(config.clone()),
            settings.clone(),
            db.clone(),
            Mode::Service,
        )
        .measured_by(Arc::clone(&service.local));
        tracker.spawn(serve::serve(console, listener, token.clone()));
    }
    tracker.close();
    token.cancelled().await;
    signals.abort();
    service
        .activity
        .send_modify(|activity| activity.stopping = true);
    info!(
        deadline_s = config.watch.shutdown_timeout.as_secs(),
        "Stopping: finishing the file in progress"
    );
    stop(&config, &service, db, &tracker, handle, beating).await
}

/// Starts the alert task on `tracker` when `[alerts]` is set; returns what the service tells
/// its events to (nothing is sent without `[alerts]`). The task ends after `service_done`,
/// within the stop deadline.
fn start_alerts(
    config: &Config,
    tracker: &TaskTracker,
    token: &CancellationToken,
    service_done: &CancellationToken,
) -> Result<Alerts, Fatal> {
    let Some(settings) = &config.alerts else {
        return Ok(Alerts::none());
    };
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
        grace: config
            .watch
            .shutdown_timeout
            .saturating_sub(Duration::from_secs(1)),
    };
    tracker.spawn(alert::deliver(
        settings.clone(),
        destinations,
        inbox,
        stopping,
    ));
    Ok(alerts)
}

/// Waits for the tasks within `[watch] shutdown_timeout_s`, then closes the database. The
/// service loop (`handle`) not done by then is abandoned, and its file settled.
async fn stop(
    config: &Config,
    service: &Service,
    db: Db,
    tracker: &TaskTracker,
    handle: JoinHandle<()>,
    beating: JoinHandle<()>,
) -> Result<(), Fatal> {
    match tokio::time::timeout(config.watch.shutdown_timeout, tracker.wait()).await {
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
            settle_abandoned(config, service, db).await;
            return Ok(());
        }
    }
    db.close().await;
    info!("Stopped");
    Ok(())
}

/// Settles the claim of the file abandoned at the deadline, on a new connection: its
/// transaction rolled back, it goes back to the spool. What cannot be settled now is settled
/// at the next start.
async fn settle_abandoned(config: &Config, service: &Service, db: Db) {
    // Closing waits for the abandoned connection, which may never come back (seen on
    // MariaDB): give it a moment, then go on; the server rolls back when the process
    // exits, and the ledger's lock makes the settling below wait for that anyway.
    let _ = tokio::time::timeout(Duration::from_secs(2), db.close()).await;
    let db = match connect(config).await {
        Ok(db) => db,
        Err(problem) => {
            warn!(
                "The abandoned file will be settled at the next start (the database cannot be reached: {problem})"
            );
            return;
        }
    };
    let settling = async {
        for dir in service.workspace.orphans() {
            if let Ok(Some(claim)) = claim::Claim::load(&dir) {
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
}

/// Cancels `token` on SIGTERM or SIGINT.
pub(super) async fn stop_signal(token: CancellationToken) {
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
