//! The metrics, gathered and written. Every figure is read again at each scrape: counters
//! from the ledger (which keeps every run, so they survive restarts and read the same from
//! `watch` and from `moodle-sync console`), gauges from the spool, the heartbeats and
//! NetYpareo's last pulls as `status` reads them, and the pickup latency from the service
//! itself (only when `watch` serves the console).
//!
//! Names follow Prometheus' conventions: a `moodle_sync_` prefix, base units (seconds),
//! `_total` on counters, `_timestamp_seconds` on times.

use std::{
    collections::BTreeMap,
    time::{SystemTime, UNIX_EPOCH},
};

use serde::Serialize;

use super::exposition::{Buckets, Exposition, Type};
use crate::{
    config::Config,
    db::{APPROVED, DISCARDED, Db, PROCESSING_BUCKETS_MS, RETRIED, RunTotals, UPLOADED},
    outcome::RunStatus,
    service::LocalMetrics,
    status::{self, StatusReport, view::ServiceState},
};

/// The outcomes of a file whose lines were applied.
const APPLIED: [&str; 2] = [RunStatus::Success.name(), RunStatus::Partial.name()];

/// The ledger's outcomes that are actions on a file rather than a file taken.
const ACTIONS: [&str; 4] = [APPROVED, DISCARDED, RETRIED, UPLOADED];

/// Every metric, in Prometheus' text format. `started` is when this process started; `local`
/// what the service measured, when it runs in this process.
pub async fn metrics_text(
    config: &Config,
    db: &Db,
    local: Option<&LocalMetrics>,
    started: SystemTime,
) -> String {
    let mut out = Exposition::default();
    out.family(
        "process_start_time_seconds",
        Type::Gauge,
        "When this process started, in seconds since the Unix epoch.",
    );
    out.sample("process_start_time_seconds", &[], seconds(started));

    let up = db.ping().await.is_ok();
    out.family(
        "moodle_sync_database_up",
        Type::Gauge,
        "Whether the Moodle database answers (1) or not (0).",
    );
    out.sample("moodle_sync_database_up", &[], f64::from(u8::from(up)));

    let totals = if up { db.run_totals().await.ok() } else { None };
    out.family(
        "moodle_sync_ledger_up",
        Type::Gauge,
        "Whether the ledger could be read for the runs' counters (1) or not (0).",
    );
    out.sample(
        "moodle_sync_ledger_up",
        &[],
        f64::from(u8::from(totals.is_some())),
    );
    if let Some(totals) = &totals {
        runs(&mut out, totals);
    }

    if let Some(local) = local {
        let pickup = local.pickup();
        out.family(
            "moodle_sync_pickup_latency_seconds",
            Type::Histogram,
            "Time from a file's arrival in the spool (its last write or rename) to its claim by this service, the settle time included.",
        );
        out.histogram(
            "moodle_sync_pickup_latency_seconds",
            &[],
            Buckets {
                bounds: pickup.bounds,
                within: &pickup.within,
                count: pickup.count,
                sum: pickup.sum,
            },
        );
    }

    let report = status::gather_on(config, db, 0).await;
    spool(&mut out, &report);
    services(&mut out, &report);
    netypareo(&mut out, &report);
    out.finish()
}

/// The ledger's counters and the processing-time histogram.
fn runs(out: &mut Exposition, totals: &[RunTotals]) {
    let (actions, files): (Vec<&RunTotals>, Vec<&RunTotals>) = totals
        .iter()
        .partition(|total| ACTIONS.contains(&total.outcome.as_str()));

    out.family(
        "moodle_sync_files_total",
        Type::Counter,
        "Files taken from the spool, by kind and outcome (success, partial, rejected, rolled_back, duplicate, held).",
    );
    for total in &files {
        out.sample(
            "moodle_sync_files_total",
            &[("kind", &total.kind), ("outcome", &total.outcome)],
            total.runs as f64,
        );
    }

    out.family(
        "moodle_sync_lines_total",
        Type::Counter,
        "Data lines of the files applied (success or partial), by kind and outcome (changed, unchanged, failed).",
    );
    let mut lines: BTreeMap<&str, [u64; 3]> = BTreeMap::new();
    let applied = files
        .iter()
        .filter(|total| APPLIED.contains(&total.outcome.as_str()));
    for total in applied {
        let sums = lines.entry(&total.kind).or_default();
        sums[0] += total.changed;
        sums[1] += total.lines.saturating_sub(total.changed + total.failed);
        sums[2] += total.failed;
    }
    for (kind, sums) in &lines {
        for (outcome, sum) in ["changed", "unchanged", "failed"].iter().zip(sums) {
            out.sample(
                "moodle_sync_lines_total",
                &[("kind", kind), ("outcome", outcome)],
                *sum as f64,
            );
        }
    }

    out.family(
        "moodle_sync_actions_total",
        Type::Counter,
        "Actions of administrators on kept files, by kind and action (approved, discarded, retried, uploaded).",
    );
    for total in &actions {
        out.sample(
            "moodle_sync_actions_total",
            &[("kind", &total.kind), ("action", &total.outcome)],
            total.runs as f64,
        );
    }

    out.family(
        "moodle_sync_file_processing_seconds",
        Type::Histogram,
        "Time from a file's claim to its outcome, by kind.",
    );
    let bounds: Vec<f64> = PROCESSING_BUCKETS_MS
        .iter()
        .map(|bound| *bound as f64 / 1000.0)
        .collect();
    let mut by_kind: BTreeMap<&str, (Vec<u64>, u64, u64)> = BTreeMap::new();
    for total in &files {
        let (within, count, sum_ms) = by_kind
            .entry(&total.kind)
            .or_insert_with(|| (vec![0; bounds.len()], 0, 0));
        for (slot, add) in within.iter_mut().zip(&total.within) {
            *slot += add;
        }
        *count += total.runs;
        *sum_ms += total.duration_ms;
    }
    for (kind, (within, count, sum_ms)) in &by_kind {
        out.histogram(
            "moodle_sync_file_processing_seconds",
            &[("kind", kind)],
            Buckets {
                bounds: &bounds,
                within,
                count: *count,
                sum: *sum_ms as f64 / 1000.0,
            },
        );
    }
}

/// The spool's backlog, the files in progress and the kept areas.
fn spool(out: &mut Exposition, report: &StatusReport) {
    let mut states: BTreeMap<String, u64> = BTreeMap::new();
    for file in &report.waiting {
        *states.entry(name(&file.state)).or_default() += 1;
    }
    for upload in &report.uploads {
        *states.entry(name(&upload.state)).or_default() += 1;
    }
    let backlog: u64 = states.values().sum();
    let oldest = report
        .waiting
        .iter()
        .map(|file| file.age_s)
        .chain(report.uploads.iter().map(|upload| upload.age_s))
        .max()
        .unwrap_or(0);

    out.family(
        "moodle_sync_spool_backlog_files",
        Type::Gauge,
        "Files in the spool not yet taken, uploads in progress included.",
    );
    out.sample("moodle_sync_spool_backlog_files", &[], backlog as f64);
    out.family(
        "moodle_sync_spool_files",
        Type::Gauge,
        "Files in the spool not yet taken, by why they wait (ready, duplicate, unrouted, awaiting_marker, ignored_name, settling, writing).",
    );
    for (state, count) in &states {
        out.sample(
            "moodle_sync_spool_files",
            &[("state", state)],
            *count as f64,
        );
    }
    out.family(
        "moodle_sync_spool_oldest_file_age_seconds",
        Type::Gauge,
        "Age of the oldest file in the spool not yet taken since its last write; 0 when there is none.",
    );
    out.sample(
        "moodle_sync_spool_oldest_file_age_seconds",
        &[],
        oldest as f64,
    );
    out.family(
        "moodle_sync_spool_up",
        Type::Gauge,
        "Whether the spool could be listed (1) or not (0).",
    );
    out.sample(
        "moodle_sync_spool_up",
        &[],
        f64::from(u8::from(report.spool_error.is_none())),
    );
    out.family(
        "moodle_sync_files_in_progress",
        Type::Gauge,
        "Files claimed and being applied.",
    );
    out.sample(
        "moodle_sync_files_in_progress",
        &[],
        report.in_progress.len() as f64,
    );
    out.family(
        "moodle_sync_kept_files",
        Type::Gauge,
        "Files waiting for an administrator, by area (failed, held).",
    );
    out.sample(
        "moodle_sync_kept_files",
        &[("area", "failed")],
        report.failed.len() as f64,
    );
    out.sample(
        "moodle_sync_kept_files",
        &[("area", "held")],
        report.held.len() as f64,
    );
}

/// The `watch` services the heartbeats show.
fn services(out: &mut Exposition, report: &StatusReport) {
    let running: Vec<_> = report
        .services
        .iter()
        .filter(|service| service.state == ServiceState::Running)
        .collect();
    out.family(
        "moodle_sync_services_running",
        Type::Gauge,
        "`moodle-sync watch` services running on this spool, from their heartbeats.",
    );
    out.sample("moodle_sync_services_running", &[], running.len() as f64);
    out.family(
        "moodle_sync_service_start_time_seconds",
        Type::Gauge,
        "When each running service started, in seconds since the Unix epoch.",
    );
    for service in running {
        if let Some(at) = timestamp(&service.started_at) {
            out.sample(
                "moodle_sync_service_start_time_seconds",
                &[("instance", &service.instance)],
                at,
            );
        }
    }
}

/// NetYpareo's last pull and next run, per export.
fn netypareo(out: &mut Exposition, report: &StatusReport) {
    out.family(
        "moodle_sync_netypareo_last_pull_timestamp_seconds",
        Type::Gauge,
        "When each NetYpareo export last ran, in seconds since the Unix epoch.",
    );
    let pulls: Vec<_> = report
        .netypareo
        .iter()
        .flat_map(|instance| {
            instance
                .last_pull
                .iter()
                .flat_map(|pull| &pull.exports)
                .map(move |export| (&instance.instance, export))
        })
        .collect();
    for (instance, export) in &pulls {
        if let Some(at) = timestamp(&export.at) {
            out.sample(
                "moodle_sync_netypareo_last_pull_timestamp_seconds",
                &[("instance", instance), ("export", &export.export)],
                at,
            );
        }
    }
    out.family(
        "moodle_sync_netypareo_last_pull_success",
        Type::Gauge,
        "Whether each NetYpareo export's last run succeeded (1) or failed (0).",
    );
    for (instance, export) in &pulls {
        out.sample(
            "moodle_sync_netypareo_last_pull_success",
            &[("instance", instance), ("export", &export.export)],
            f64::from(u8::from(export.outcome == "success")),
        );
    }
    out.family(
        "moodle_sync_netypareo_next_pull_timestamp_seconds",
        Type::Gauge,
        "When each scheduled NetYpareo export runs next, in seconds since the Unix epoch.",
    );
    for instance in &report.netypareo {
        for export in &instance.exports {
            if let Some(at) = export.next_run.as_deref().and_then(timestamp) {
                out.sample(
                    "moodle_sync_netypareo_next_pull_timestamp_seconds",
                    &[("instance", &instance.instance), ("export", &export.export)],
                    at,
                );
            }
        }
    }
}

/// A state's name as its JSON says it.
fn name<T: Serialize>(state: &T) -> String {
    serde_json::to_value(state)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Seconds since the Unix epoch.
fn seconds(time: SystemTime) -> f64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64())
}

/// An RFC 3339 time in seconds since the Unix epoch.
fn timestamp(rfc3339: &str) -> Option<f64> {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|time| time.timestamp_millis() as f64 / 1000.0)
}
