//! `moodle-sync status [--runs N] [--json]`: the spool as an administrator wants to see it.
//! Whether a service runs (from the work folders' heartbeats), files waiting and why, uploads
//! still arriving, files in progress, the failed and held areas with why and what to do,
//! NetYpareo's schedules and last pulls, and the last runs of the ledger.
//!
//! [`gather`] reads all that into one [`view::StatusReport`]; it is printed as text or as
//! JSON, so that both always say the same.

mod view;

use std::{
    path::Path,
    time::{Duration, Instant, SystemTime},
};

use chrono::{Local, SecondsFormat, TimeZone};

use crate::{
    config::Config,
    db::Db,
    exit::Fatal,
    netypareo::{pull, settings::Export},
    output::naming,
    pipeline::show_ms,
    service::heartbeat::{self, Liveness},
    spool::{
        claim::{self, in_progress},
        scan::{self, Rules, State, Tracker},
        watcher, writer,
    },
};

use view::{
    ClaimView, DatabaseView, EarlierView, KeptView, NetypareoView, RunView, ScheduleView,
    ServiceState, ServiceView, StatusReport, UploadState, UploadView, WaitingState, WaitingView,
    WatchView,
};

/// Prints the status of the spool and the last `runs` runs, as text or as JSON.
pub async fn print(config: &Config, runs: u32, json: bool) -> Result<(), Fatal> {
    let report = gather(config, runs).await;
    if json {
        let text = serde_json::to_string_pretty(&report).expect("plain data serializes");
        crate::say!("{text}");
    } else {
        crate::say!("{}", view::render_text(&report).trim_end());
    }
    Ok(())
}

/// Reads everything `status` shows. Never fails: what cannot be read is said in the report.
async fn gather(config: &Config, runs: u32) -> StatusReport {
    let spool = &config.paths.spool;
    let settings = &config.watch;
    let now = SystemTime::now();
    let now_ms = claim::now_ms();
    let network = watcher::filesystem_type(spool)
        .as_deref()
        .is_some_and(watcher::is_network);

    let db = super::connect(config).await;
    let (db, database) = match db {
        Ok(db) => match db.ensure_ledger().await {
            Ok(()) => (
                Some(db),
                DatabaseView {
                    target: config.database.target.describe(),
                    usable: true,
                    error: None,
                },
            ),
            Err(error) => {
                db.close().await;
                (
                    None,
                    DatabaseView {
                        target: config.database.target.describe(),
                        usable: false,
                        error: Some(error.to_string()),
                    },
                )
            }
        },
        Err(error) => (
            None,
            DatabaseView {
                target: config.database.target.describe(),
                usable: false,
                error: Some(error.to_string()),
            },
        ),
    };

    // Services, from the work folders.
    let mut services = Vec::new();
    let mut commands = Vec::new();
    for folder in heartbeat::instances(spool) {
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
    let service_running = services
        .iter()
        .any(|service| service.state == ServiceState::Running);

    // The spool.
    let rules = Rules {
        ignore: &settings.ignore,
        routing: &config.routing,
        settle: settings.settle,
        done_marker: settings.done_marker.as_deref(),
        // One listing cannot watch a file stay unchanged: the change time tells.
        trust_change_time: true,
    };
    let (listing, spool_error) = match scan::list(spool) {
        Ok(listing) => (listing, None),
        Err(error) => (Vec::new(), Some(error.to_string())),
    };
    let observation = Tracker::new().observe(listing, Instant::now(), now, &rules);
    let mut waiting = Vec::new();
    let mut uploads = Vec::new();
    for candidate in &observation.candidates {
        let sample = &candidate.sample;
        let changed = sample
            .stamp
            .modified
            .map_or(sample.changed, |modified| modified.max(sample.changed));
        let dropped_s = age_s(now, sample.changed);
        let path = candidate.path(spool);
        let mut upload = |state, remaining_ms, writers| {
            uploads.push(UploadView {
                name: sample.name.clone(),
                size: sample.stamp.size,
                age_s: age_s(now, changed),
                state,
                remaining_ms,
                writers,
            });
        };
        let state = match candidate.state {
            State::Ignored => {
                // A done marker is part of its file's upload, not one of its own.
                let marker_of_a_file = settings.done_marker.as_deref().is_some_and(|marker| {
                    sample
                        .name
                        .to_lowercase()
                        .strip_suffix(&marker.to_lowercase())
                        .is_some()
                });
                if !marker_of_a_file {
                    upload(UploadState::IgnoredName, None, None);
                }
                continue;
            }
            State::Settling(remaining) => {
                let remaining = u64::try_from(remaining.as_millis()).unwrap_or(u64::MAX);
                upload(UploadState::Settling, Some(remaining), None);
                continue;
            }
            State::Writing => {
                upload(UploadState::Writing, None, None);
                continue;
            }
            State::Unrouted => WaitingState::Unrouted,
            State::AwaitingMarker => WaitingState::AwaitingMarker,
            State::Ready => {
                let (writers, _) = writer::check(&path, settings.writer_check);
                if writers.is_open() {
                    upload(UploadState::Writing, None, Some(writers.describe()));
                    continue;
                }
                WaitingState::Ready
            }
        };
        let earlier = match (&db, state) {
            (Some(db), WaitingState::Ready) => match claim::sha256_of(&path) {
                Ok(sha) => db.earlier_run(&sha).await.ok().flatten(),
                Err(_) => None,
            },
            _ => None,
        };
        let state = match &earlier {
            Some(earlier)
                if earlier.applied_every_line()
                    && settings.duplicates == crate::spool::DuplicatePolicy::Skip =>
            {
                WaitingState::Duplicate
            }
            _ => state,
        };
        waiting.push(WaitingView {
            name: sample.name.clone(),
            path: shown(&path),
            size: sample.stamp.size,
            age_s: dropped_s,
            state,
            kind: candidate.kind.map(|kind| kind.name().to_owned()),
            earlier_run: earlier
                // Named for a duplicate, and for a file that repeats an incomplete run.
                .filter(|earlier| state == WaitingState::Duplicate || !earlier.applied_every_line())
                .map(|earlier| EarlierView {
                    run: earlier.id,
                    outcome: earlier.outcome,
                    name: earlier.name,
                    finished_at: show_ms(earlier.finished_at),
                }),
        });
    }
    let oldest_waiting_s = waiting.iter().map(|file| file.age_s).max();

    let in_progress = in_progress(spool)
        .into_iter()
        .map(|claim| ClaimView {
            name: claim.name,
            instance: claim.instance,
            claimed_at: show_ms(claim.claimed_at),
            claim: claim.id,
        })
        .collect();

    let failed = kept_files(config, db.as_ref(), &config.paths.failed, Area::Failed).await;
    let held = kept_files(config, db.as_ref(), &config.paths.held, Area::Held).await;

    let netypareo = config
        .netypareo
        .iter()
        .map(|instance| {
            let after = Local::now().naive_local();
            let exports = Export::ALL
                .into_iter()
                .map(|export| {
                    let schedule = instance.schedule(export);
                    ScheduleView {
                        export: export.name().to_owned(),
                        schedule: schedule.map(ToString::to_string),
                        next_run: schedule
                            .and_then(|schedule| schedule.next_after(after))
                            .map(|next| {
                                // The scheduler reads schedules in local time; a time a
                                // clock change skips runs at the first instant after it.
                                Local
                                    .from_local_datetime(&next)
                                    .earliest()
                                    .map(|next| next.to_rfc3339_opts(SecondsFormat::Secs, false))
                                    .unwrap_or_else(|| next.to_string())
                            }),
                    }
                })
                .collect();
            let (last_pull, last_pull_error) =
                match pull::read_last_pull(&config.paths.state, &instance.slug) {
                    Some(Ok(record)) => (Some(record), None),
                    Some(Err(error)) => (None, Some(error)),
                    None => (None, None),
                };
            NetypareoView {
                instance: instance.name.clone(),
                slug: instance.slug.clone(),
                time_zone: time_zone(),
                exports,
                last_pull,
                last_pull_error,
            }
        })
        .collect();

    let (last_runs, last_runs_error) = match &db {
        Some(db) => match db.recent_runs(runs).await {
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
        },
        None => (None, None),
    };
    if let Some(db) = db {
        db.close().await;
    }

    StatusReport {
        version: view::VERSION,
        generated_at: Local::now().to_rfc3339_opts(SecondsFormat::Secs, false),
        host: crate::host::name(),
        spool: spool.display().to_string(),
        spool_error,
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
        waiting,
        oldest_waiting_s,
        uploads,
        in_progress,
        failed,
        held,
        netypareo,
        last_runs,
        last_runs_error,
    }
}

/// The areas whose files wait for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Area {
    Failed,
    Held,
}

/// The files of the failed or held area `dir`, by name (oldest stamp first), with why each is
/// there (from the ledger row that put it there, else from its JSON report) and the commands
/// that act on it.
async fn kept_files(config: &Config, db: Option<&Db>, dir: &Path, area: Area) -> Vec<KeptView> {
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
        let path = dir.join(&name);
        let shown_path = shown(&path);
        let run = match db {
            Some(db) => db.run_keeping(&name).await.ok().flatten(),
            None => None,
        };
        let (reason, reason_from, report) = match &run {
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
        };
        // A file that changed after it was applied: its first bytes were; retrying it would
        // apply them again.
        let changed = matches!(area, Area::Failed)
            .then(|| crate::output::naming::unchanged(&name))
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
        let since = run.as_ref().map_or_else(
            || {
                modified
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map_or(0, |elapsed| {
                        i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
                    })
            },
            |run| run.finished_at,
        );
        kept.push(KeptView {
            path: shown_path,
            since: show_ms(since),
            run: run.as_ref().map(|run| run.id),
            reason,
            reason_from,
            report,
            commands,
        });
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

/// Seconds from `then` to `now` (0 for a time ahead of the clock).
fn age_s(now: SystemTime, then: SystemTime) -> u64 {
    now.duration_since(then).unwrap_or(Duration::ZERO).as_secs()
}

/// The host's time zone: its name when the system tells one (`TZ`, the `/etc/localtime` link,
/// `/etc/timezone`), and its offset now: `Europe/Paris, UTC+01:00`.
fn time_zone() -> String {
    let offset = Local::now().format("UTC%:z").to_string();
    let from_tz = std::env::var("TZ")
        .ok()
        .map(|zone| zone.trim_start_matches(':').to_owned())
        .filter(|zone| !zone.is_empty());
    let from_link = || {
        std::fs::read_link("/etc/localtime")
            .ok()
            .and_then(|target| {
                let target = target.to_string_lossy().into_owned();
                target
                    .split_once("zoneinfo/")
                    .map(|(_, zone)| zone.to_owned())
            })
    };
    let from_file = || {
        std::fs::read_to_string("/etc/timezone")
            .ok()
            .map(|zone| zone.trim().to_owned())
            .filter(|zone| !zone.is_empty())
    };
    match from_tz.or_else(from_link).or_else(from_file) {
        Some(zone) => format!("{zone}, {offset}"),
        None => offset,
    }
}

/// A path relative to the current folder when it is inside it.
fn shown(path: &Path) -> String {
    super::run::shown(path)
}
