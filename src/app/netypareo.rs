//! `netypareo pull` (the exports, now), the schedules `watch` runs them on, and `netypareo
//! fake-server`.

use std::time::Duration;

use chrono::{Local, NaiveDateTime};
use tokio_util::sync::CancellationToken;
use tracing::{error, info};

use crate::{
    cli::NetypareoCommand,
    config::Config,
    exit::{self, Fatal},
    netypareo::{
        fake::{Failure, FakeOptions, serve_until_ctrl_c},
        pull::{Console, Destination, PullOutcome, pull},
        settings::{Export, Instance},
    },
};

/// The longest sleep of the scheduler before it looks at the clock again (the clock may jump:
/// a suspended machine, a time change).
const LONGEST_SLEEP: Duration = Duration::from_secs(60);

/// `netypareo …`.
pub async fn run(config: &Config, command: NetypareoCommand) -> Result<u8, Fatal> {
    match command {
        NetypareoCommand::Pull { instance, only } => {
            pull_now(config, instance.as_deref(), &only).await
        }
        NetypareoCommand::FakeServer {
            data,
            port,
            token,
            array,
            latency_ms,
            deny,
            fail,
        } => {
            let mut options = FakeOptions::new(data, token);
            options.array_envelope = array;
            options.latency = Duration::from_millis(latency_ms);
            for rule in deny {
                let (status, path) = rule
                    .split_once(':')
                    .and_then(|(status, path)| Some((status.parse::<u16>().ok()?, path)))
                    .ok_or_else(|| {
                        Fatal::Usage(format!(
                            "--deny {rule}: write STATUS:PATH, e.g. 403:/utilisateur/apprenants"
                        ))
                    })?;
                options.denied.push((status, path.to_owned()));
            }
            for rule in fail {
                let parsed = rule.split_once(':').and_then(|(status, rest)| {
                    let (path, times) = rest.rsplit_once(':')?;
                    Some(Failure {
                        status: status.parse().ok()?,
                        path: path.to_owned(),
                        times: times.parse().ok()?,
                    })
                });
                options.failures.push(parsed.ok_or_else(|| {
                    Fatal::Usage(format!(
                        "--fail {rule}: write STATUS:PATH:TIMES, e.g. 502:/sites:2"
                    ))
                })?);
            }
            let data = options.data.clone();
            let fixtures = data.display().to_string();
            serve_until_ctrl_c(options, port, |server| {
                crate::say!(
                    "Fake NetYpareo listening on {} (API root {}, fixtures from {fixtures})",
                    server.base_url(),
                    server.url()
                );
            })
            .await
            .map_err(|source| Fatal::io("cannot serve the fixtures of", data, source))?;
            Ok(0)
        }
    }
}

fn destination(config: &Config) -> Result<Destination, Fatal> {
    config.netypareo_destination().map_err(Fatal::Usage)
}

/// `netypareo pull`: runs `only` (every export when empty) of the named instance, or of every
/// instance, now. Exit code 0, or [`exit::PULL_FAILED`] when an export failed
/// (NetYpareo refused, did not answer, or answered something unreadable; or a file could not be
/// written).
async fn pull_now(config: &Config, instance: Option<&str>, only: &[Export]) -> Result<u8, Fatal> {
    if config.netypareo.is_empty() {
        return Err(Fatal::Usage(
            "no NetYpareo instance is configured: add a [[netypareo.instances]] table to the configuration (see moodle-sync.example.toml)".into(),
        ));
    }
    let instances: Vec<&Instance> = match instance {
        None => config.netypareo.iter().collect(),
        Some(wanted) => {
            let found: Vec<&Instance> = config
                .netypareo
                .iter()
                .filter(|instance| instance.name == wanted || instance.slug == wanted)
                .collect();
            if found.is_empty() {
                let names: Vec<&str> = config
                    .netypareo
                    .iter()
                    .map(|instance| instance.name.as_str())
                    .collect();
                return Err(Fatal::Usage(format!(
                    "no NetYpareo instance is named \"{wanted}\" (configured: {})",
                    names.join(", ")
                )));
            }
            found
        }
    };
    let exports: Vec<Export> = if only.is_empty() {
        Export::ALL.to_vec()
    } else {
        only.to_vec()
    };
    let destination = destination(config)?;
    let print = |line: &str| crate::say!("{line}");
    let mut failed = false;
    for instance in instances {
        let console = Console::new(&print);
        let outcome = pull(instance, &exports, &destination, Local::now(), &console).await;
        if let Some(report) = &outcome.report {
            crate::say!("Report: {}", report.display());
        }
        failed |= !outcome.succeeded();
    }
    Ok(if failed {
        exit::PULL_FAILED
    } else {
        exit::SUCCESS
    })
}

/// The scheduler of `watch`: runs each instance's exports when their schedules say, until
/// `token` is cancelled. A run missed while the service was stopped is not caught up: the next
/// one comes at its time.
pub async fn run_schedules(config: Config, token: CancellationToken) {
    let destination = match destination(&config) {
        Ok(destination) => destination,
        Err(problem) => {
            error!("NetYpareo schedules not started: {problem}");
            return;
        }
    };
    let entries: Vec<(&Instance, Export)> = config
        .netypareo
        .iter()
        .flat_map(|instance| {
            Export::ALL
                .into_iter()
                .filter(|export| instance.schedule(*export).is_some())
                .map(move |export| (instance, export))
        })
        .collect();
    if entries.is_empty() {
        return;
    }
    let next_run = |instance: &Instance, export: Export, after: NaiveDateTime| {
        instance
            .schedule(export)
            .and_then(|schedule| schedule.next_after(after))
    };
    let start = Local::now().naive_local();
    let mut next: Vec<Option<NaiveDateTime>> = entries
        .iter()
        .map(|(instance, export)| next_run(instance, *export, start))
        .collect();
    for ((instance, export), when) in entries.iter().zip(&next) {
        match when {
            Some(when) => info!(
                instance = %instance.name,
                export = %export,
                "NetYpareo {export} of {}: next run {when}",
                instance.name
            ),
            None => info!(
                instance = %instance.name,
                "NetYpareo {export} of {}: its schedule never comes",
                instance.name
            ),
        }
    }
    loop {
        let now = Local::now().naive_local();
        let Some(earliest) = next.iter().flatten().min().copied() else {
            return;
        };
        if earliest > now {
            let wait = (earliest - now)
                .to_std()
                .unwrap_or_default()
                .min(LONGEST_SLEEP);
            tokio::select! {
                () = token.cancelled() => return,
                () = tokio::time::sleep(wait) => continue,
            }
        }
        // Every instance with exports due: one pull each, its due exports in order.
        for instance in &config.netypareo {
            let due: Vec<Export> = entries
                .iter()
                .zip(&next)
                .filter(|((candidate, _), when)| {
                    std::ptr::eq(*candidate, instance) && when.is_some_and(|when| when <= now)
                })
                .map(|((_, export), _)| *export)
                .collect();
            if due.is_empty() {
                continue;
            }
            let name = instance.name.clone();
            let log = move |line: &str| info!(instance = %name, "{line}");
            let console = Console::new(&log);
            tokio::select! {
                () = token.cancelled() => return,
                outcome = pull(instance, &due, &destination, Local::now(), &console) => log_outcome(&outcome),
            }
        }
        let after = Local::now().naive_local().max(now);
        for ((instance, export), when) in entries.iter().zip(next.iter_mut()) {
            if when.is_some_and(|when| when <= now) {
                *when = next_run(instance, *export, after);
            }
        }
    }
}

fn log_outcome(outcome: &PullOutcome) {
    for export in &outcome.exports {
        for problem in &export.errors {
            error!(
                instance = %outcome.instance,
                export = %export.export,
                "NetYpareo {} of {} failed: {problem}",
                export.export,
                outcome.instance
            );
        }
    }
}
