//! `moodle-sync status`: the spool as an administrator wants to see it. Files waiting and why
//! (settling, awaiting a done marker, unrouted, duplicate of an applied file, ready), files in
//! progress, files held for approval and why, the last runs from the ledger, and the age of
//! the oldest waiting file.

use std::time::{Duration, Instant, SystemTime};

use crate::{
    config::Config,
    db::Db,
    error::Fatal,
    ingest::show_ms,
    spool::{
        claim::{self, in_progress},
        scan::{self, Rules, State, Tracker},
        watcher,
    },
};

/// Prints the status of the spool and the last `runs` runs.
pub async fn print(config: &Config, runs: u32) -> Result<(), Fatal> {
    let spool = &config.paths.spool;
    let settings = &config.watch;
    crate::say!("spool       {}", spool.display());
    let network = watcher::filesystem_type(spool)
        .as_deref()
        .is_some_and(watcher::is_network);
    let rules = Rules {
        ignore: &settings.ignore,
        routing: &config.routing,
        settle: settings.settle,
        done_marker: settings.done_marker.as_deref(),
        // One listing cannot watch a file stay unchanged: the change time tells.
        trust_change_time: true,
    };
    let listing = match scan::list(spool) {
        Ok(listing) => listing,
        Err(error) => {
            crate::say!("            cannot be listed: {error}");
            Vec::new()
        }
    };
    let observation = Tracker::new().observe(listing, Instant::now(), SystemTime::now(), &rules);
    let db = super::connect(config).await;
    match &db {
        Ok(db) => {
            if let Err(error) = db.ensure_ledger().await {
                crate::say!("database    {}: {error}", config.database.target.describe());
            } else {
                crate::say!("database    {}", config.database.target.describe());
            }
        }
        Err(error) => crate::say!("database    cannot be used: {error}"),
    }
    let db = db.ok();
    crate::say!(
        "watching    mode {}{}",
        settings.mode.name(),
        if network {
            " (network filesystem: polled)"
        } else {
            ""
        }
    );

    let now = SystemTime::now();
    let waiting: Vec<_> = observation
        .candidates
        .iter()
        .filter(|candidate| candidate.state != State::Ignored)
        .collect();
    crate::say!("\nwaiting     {} file(s)", waiting.len());
    let mut oldest: Option<Duration> = None;
    for candidate in &waiting {
        let age = now
            .duration_since(candidate.sample.changed)
            .unwrap_or_default();
        oldest = Some(oldest.map_or(age, |oldest| oldest.max(age)));
        let reason = match candidate.state {
            State::Unrouted => format!(
                "unrouted: its name matches no pattern ({}); it stays in the spool",
                config.routing.describe()
            ),
            State::AwaitingMarker => format!(
                "waiting for its done marker {}{}",
                candidate.sample.name,
                settings.done_marker.as_deref().unwrap_or_default()
            ),
            State::Settling(remaining) => format!(
                "settling: changed less than {} ms ago ({} ms to go)",
                settings.settle.as_millis(),
                remaining.as_millis()
            ),
            State::Writing => "being written: a process still holds it open for writing".to_owned(),
            State::Ready | State::Ignored => {
                let earlier = match &db {
                    Some(db) => match claim::sha256_of(&candidate.path(spool)) {
                        Ok(sha) => db.earlier_run(&sha).await.ok().flatten(),
                        Err(_) => None,
                    },
                    None => None,
                };
                match (earlier, settings.duplicates) {
                    (Some(earlier), crate::spool::DuplicatePolicy::Skip)
                        if earlier.applied_every_line() =>
                    {
                        format!(
                            "duplicate: run #{} applied every line of the same bytes ({}, {}); it will be archived, not applied",
                            earlier.id,
                            earlier.name,
                            show_ms(earlier.finished_at)
                        )
                    }
                    (Some(earlier), _) if !earlier.applied_every_line() => format!(
                        "ready: a {} file, taken next; it repeats run #{} ({}), which did not apply every line",
                        candidate.kind.map(|kind| kind.name()).unwrap_or("?"),
                        earlier.id,
                        earlier.outcome
                    ),
                    _ => format!(
                        "ready: a {} file, taken next",
                        candidate.kind.map(|kind| kind.name()).unwrap_or("?")
                    ),
                }
            }
        };
        crate::say!(
            "  {}  {} bytes, dropped {} ago  {reason}",
            candidate.sample.name,
            candidate.sample.stamp.size,
            show_age(age)
        );
    }
    if let Some(oldest) = oldest {
        crate::say!("oldest      {} waiting", show_age(oldest));
    }

    let claims = in_progress(spool);
    crate::say!("\nin progress {} file(s)", claims.len());
    for claim in &claims {
        crate::say!(
            "  {}  claimed by {} at {} (claim {})",
            claim.name,
            claim.instance,
            show_ms(claim.claimed_at),
            claim.id
        );
    }

    print_held(config, db.as_ref()).await;

    if let Some(db) = &db {
        print_runs(db, runs).await;
        db.close().await;
    }
    Ok(())
}

/// The files in the held area, with when and why the ledger says they were held.
async fn print_held(config: &Config, db: Option<&Db>) {
    let held_dir = &config.paths.held;
    let mut files: Vec<(String, SystemTime)> = match std::fs::read_dir(held_dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
            .map(|entry| {
                let modified = entry
                    .metadata()
                    .and_then(|metadata| metadata.modified())
                    .unwrap_or(SystemTime::UNIX_EPOCH);
                (entry.file_name().to_string_lossy().into_owned(), modified)
            })
            .filter(|(name, _)| !name.starts_with('.'))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    crate::say!(
        "\nheld        {} file(s){}",
        files.len(),
        if files.is_empty() {
            ""
        } else {
            " waiting for approval: moodle-sync approve FILE applies one as it is"
        }
    );
    if files.is_empty() {
        return;
    }
    let runs = match db {
        Some(db) => db.held_runs(1000).await.unwrap_or_default(),
        None => Vec::new(),
    };
    for (name, modified) in files {
        let run = runs.iter().find(|run| {
            run.kept.as_deref().is_some_and(|kept| {
                std::path::Path::new(kept)
                    .file_name()
                    .is_some_and(|kept| kept.to_string_lossy() == name)
            })
        });
        match run {
            Some(run) => crate::say!(
                "  {}  held at {} by run #{}: {}",
                held_dir.join(&name).display(),
                show_ms(run.finished_at),
                run.id,
                run.reason.as_deref().unwrap_or("no reason recorded")
            ),
            None => crate::say!(
                "  {}  in the held folder since {} ago (no run of the ledger held it)",
                held_dir.join(&name).display(),
                show_age(
                    SystemTime::now()
                        .duration_since(modified)
                        .unwrap_or_default()
                )
            ),
        }
    }
}

async fn print_runs(db: &Db, runs: u32) {
    match db.recent_runs(runs).await {
        Ok(recent) => {
            crate::say!("\nlast runs   {}", recent.len());
            for run in recent {
                let lineage = if run.generation > 0 {
                    format!(", tryback generation {}", run.generation)
                } else {
                    String::new()
                };
                // Runs recorded before the ledger kept a summary show their three counts.
                let counts = run.summary.clone().unwrap_or_else(|| {
                    format!(
                        "{} lines, {} changed, {} failed",
                        run.lines, run.changed, run.failed
                    )
                });
                crate::say!(
                    "  #{:<5} {}  {}  {} ({counts}{lineage})  report {}",
                    run.id,
                    show_ms(run.finished_at),
                    run.name,
                    run.outcome,
                    run.report
                );
            }
        }
        Err(error) => crate::say!("\nlast runs   cannot be read: {error}"),
    }
}

fn show_age(age: Duration) -> String {
    let seconds = age.as_secs();
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min", seconds / 60),
        3600..86400 => format!("{} h {} min", seconds / 3600, seconds % 3600 / 60),
        _ => format!("{} days", seconds / 86400),
    }
}
