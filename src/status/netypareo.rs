//! NetYpareo's instances as `status` shows them: each export's schedule and next run, in the
//! host's local time, and the record of the last pull.

use chrono::{Local, SecondsFormat, TimeZone};

use super::view::{NetypareoView, ScheduleView};
use crate::{
    config::Config,
    netypareo::{pull, settings::Export},
};

/// Every configured instance: its schedules, and its last pull if it ran here.
pub(super) fn netypareo(config: &Config) -> Vec<NetypareoView> {
    config
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
        .collect()
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
