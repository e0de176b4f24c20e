//! Dates in command files: what a value says ([`parse_time`]: an instant, or a wall-clock date
//! and time without an offset), and the site's time zone ([`SiteZone`]) that turns a wall-clock
//! time into an instant as Moodle's forms do. Pure: the zone's settings are read by the
//! database code into a snapshot.

use std::{collections::HashMap, str::FromStr};

use chrono::{
    DateTime, FixedOffset, Local, LocalResult, NaiveDate, NaiveDateTime, TimeDelta, TimeZone,
};
use chrono_tz::Tz;

/// What a date value says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileTime {
    /// An instant, Unix seconds: a Unix time, or a date-time with an offset.
    At(i64),
    /// A date (midnight) or date-time without an offset, read in the site's time zone.
    Wall(NaiveDateTime),
}

impl FileTime {
    /// The instant, Unix seconds, reading a wall-clock time in `zone`.
    pub fn resolve(self, zone: &SiteZone) -> i64 {
        match self {
            FileTime::At(time) => time,
            FileTime::Wall(wall) => zone.timestamp(wall),
        }
    }
}

/// Reads a date: Unix seconds (`1788220800`), an ISO 8601 date (`2026-09-01`, midnight) or
/// date-time (`2026-09-01T08:00`, `2026-09-01 08:00:00`, with or without an offset such as `Z`
/// or `+02:00`), or a French date (`01/09/2026`, day first). `0` means "no date", as in Moodle.
pub fn parse_time(text: &str) -> Option<FileTime> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) {
        return text.parse().ok().map(FileTime::At);
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(FileTime::At(time.timestamp()));
    }
    for format in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%d %H:%M%:z",
        "%Y-%m-%d %H:%M:%S%:z",
    ] {
        if let Ok(time) = DateTime::parse_from_str(text, format) {
            return Some(FileTime::At(time.timestamp()));
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(wall) = NaiveDateTime::parse_from_str(text, format) {
            return Some(FileTime::Wall(wall));
        }
    }
    for format in ["%Y-%m-%d", "%d/%m/%Y"] {
        if let Ok(date) = NaiveDate::parse_from_str(text, format) {
            return Some(FileTime::Wall(date.and_hms_opt(0, 0, 0)?));
        }
    }
    None
}

/// The time zone a Moodle site reads dates in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SiteZone {
    /// A zone by name (`Europe/London`).
    Named(Tz),
    /// A fixed offset: the whole or half hours of an old numeric setting (`1`, `-5.5`).
    Offset(FixedOffset),
    /// The server's zone (`99`, or nothing usable): the host's local time.
    #[default]
    Server,
}

impl SiteZone {
    /// The names in Moodle's `config` table of the settings the zone comes from.
    pub const SETTINGS: [&'static str; 2] = ["timezone", "forcetimezone"];

    /// The zone of the settings read from Moodle's `config` table, by name (see
    /// [`SiteZone::from_settings`]).
    pub fn from_config(values: &HashMap<String, String>) -> SiteZone {
        SiteZone::from_settings(
            values.get("timezone").map(String::as_str),
            values.get("forcetimezone").map(String::as_str),
        )
    }

    /// The zone Moodle's forms read dates in, for a reader whose own zone is the default (as
    /// the administrator's, under cron): `$CFG->forcetimezone` when set and not `99`, else
    /// `$CFG->timezone` when set and not `99`, else the server's. A value Moodle cannot use
    /// is passed over, as `core_date::normalise_timezone` does.
    pub fn from_settings(timezone: Option<&str>, forcetimezone: Option<&str>) -> SiteZone {
        [forcetimezone, timezone]
            .into_iter()
            .flatten()
            .find_map(usable_zone)
            .unwrap_or(SiteZone::Server)
    }

    /// The instant of a wall-clock time. An ambiguous time (a clock set back) is the earlier
    /// instant; a time a clock skipped is read with the offset before the change, as PHP does
    /// (02:30 on the night a clock goes from 02:00 to 03:00 is 03:30).
    pub fn timestamp(&self, wall: NaiveDateTime) -> i64 {
        match self {
            SiteZone::Named(zone) => instant(zone, wall),
            SiteZone::Offset(offset) => instant(offset, wall),
            SiteZone::Server => instant(&Local, wall),
        }
    }

    /// A time stamp as the report shows it: date and time in this zone.
    pub fn show(&self, time: i64) -> String {
        let format = "%Y-%m-%d %H:%M";
        let shown = match self {
            SiteZone::Named(zone) => zone
                .timestamp_opt(time, 0)
                .single()
                .map(|at| at.format(format).to_string()),
            SiteZone::Offset(offset) => offset
                .timestamp_opt(time, 0)
                .single()
                .map(|at| at.format(format).to_string()),
            SiteZone::Server => Local
                .timestamp_opt(time, 0)
                .single()
                .map(|at| at.format(format).to_string()),
        };
        shown.unwrap_or_else(|| time.to_string())
    }
}

/// A setting's zone, when Moodle can use it: a zone name, or a number of hours.
fn usable_zone(value: &str) -> Option<SiteZone> {
    let value = value.trim();
    if value.is_empty() || value == "99" {
        return None;
    }
    if let Ok(zone) = Tz::from_str(value) {
        return Some(SiteZone::Named(zone));
    }
    let hours: f64 = value.parse().ok()?;
    if !(-14.0..=14.0).contains(&hours) {
        return None;
    }
    // Rounded to the half hour, as Moodle reads its old numeric zones.
    let seconds = ((hours * 2.0).round() * 1800.0) as i32;
    FixedOffset::east_opt(seconds).map(SiteZone::Offset)
}

fn instant<Z: TimeZone>(zone: &Z, wall: NaiveDateTime) -> i64 {
    match zone.from_local_datetime(&wall) {
        LocalResult::Single(at) => at.timestamp(),
        LocalResult::Ambiguous(earlier, _) => earlier.timestamp(),
        // In a gap: the offset before it, found an hour back (no zone skips more at once but
        // for a day-long date-line change, read as the day after).
        LocalResult::None => {
            let before = wall - TimeDelta::hours(1);
            match zone.from_local_datetime(&before).earliest() {
                Some(at) => at.timestamp() + 3600,
                None => zone
                    .from_local_datetime(&(wall + TimeDelta::days(1)))
                    .earliest()
                    .map_or(0, |at| at.timestamp()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn wall(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
        wall(y, m, d, h, min).and_utc().timestamp()
    }

    #[test]
    fn values_say_an_instant_or_a_wall_clock_time() {
        assert_eq!(parse_time("1788220800"), Some(FileTime::At(1_788_220_800)));
        assert_eq!(parse_time("0"), Some(FileTime::At(0)));
        assert_eq!(
            parse_time("2026-09-01T08:00:00Z"),
            Some(FileTime::At(1_788_249_600))
        );
        assert_eq!(
            parse_time("2026-09-01T10:00+02:00"),
            Some(FileTime::At(1_788_249_600))
        );
        let midnight = FileTime::Wall(wall(2026, 9, 1, 0, 0));
        assert_eq!(parse_time("2026-09-01"), Some(midnight));
        assert_eq!(parse_time(" 01/09/2026 "), Some(midnight));
        assert_eq!(
            parse_time("2026-09-01 08:30"),
            Some(FileTime::Wall(wall(2026, 9, 1, 8, 30)))
        );
        assert_eq!(
            parse_time("2026-09-01T08:30:15"),
            Some(FileTime::Wall(
                wall(2026, 9, 1, 8, 30) + TimeDelta::seconds(15)
            ))
        );
        for bad in ["", "tomorrow", "2026-13-01", "31/02/2026", "-5", "1.5"] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn london_dates_in_summer_and_winter() {
        let london = SiteZone::from_settings(Some("Europe/London"), None);
        assert_eq!(london, SiteZone::Named(chrono_tz::Europe::London));
        // British Summer Time is UTC+1; Greenwich Mean Time, in winter, UTC.
        assert_eq!(
            london.timestamp(wall(2026, 7, 1, 0, 0)),
            utc(2026, 6, 30, 23, 0)
        );
        assert_eq!(
            london.timestamp(wall(2027, 1, 15, 0, 0)),
            utc(2027, 1, 15, 0, 0)
        );
        assert_eq!(london.show(utc(2026, 6, 30, 23, 0)), "2026-07-01 00:00");
        // An instant given with its offset is the same in any zone.
        assert_eq!(
            parse_time("2026-07-01T00:00:00Z").unwrap().resolve(&london),
            utc(2026, 7, 1, 0, 0)
        );
        // The night the clocks go forward (29 March 2026, 01:00 → 02:00), 01:30 does not
        // exist: read with the winter offset, as PHP does. Going back (25 October 2026),
        // 01:30 happens twice: the first.
        assert_eq!(
            london.timestamp(wall(2026, 3, 29, 1, 30)),
            utc(2026, 3, 29, 1, 30)
        );
        assert_eq!(
            london.timestamp(wall(2026, 10, 25, 1, 30)),
            utc(2026, 10, 25, 0, 30)
        );
    }

    #[test]
    fn forcetimezone_wins_and_99_is_the_server() {
        let paris = SiteZone::Named(chrono_tz::Europe::Paris);
        assert_eq!(
            SiteZone::from_settings(Some("Europe/London"), Some("Europe/Paris")),
            paris
        );
        assert_eq!(
            SiteZone::from_settings(Some("Europe/London"), Some("Europe/Paris"))
                .timestamp(wall(2027, 1, 15, 0, 0)),
            utc(2027, 1, 14, 23, 0)
        );
        // 99 (or nothing) defers: forcetimezone to the site's zone, that to the server's.
        assert_eq!(
            SiteZone::from_settings(Some("Europe/Paris"), Some("99")),
            paris
        );
        assert_eq!(
            SiteZone::from_settings(Some("99"), Some("99")),
            SiteZone::Server
        );
        assert_eq!(SiteZone::from_settings(None, None), SiteZone::Server);
        assert_eq!(
            SiteZone::from_settings(Some(""), Some(" ")),
            SiteZone::Server
        );
        let server = wall(2026, 7, 1, 0, 0);
        assert_eq!(
            SiteZone::Server.timestamp(server),
            Local
                .from_local_datetime(&server)
                .earliest()
                .unwrap()
                .timestamp()
        );
        // A zone Moodle cannot use is passed over.
        assert_eq!(
            SiteZone::from_settings(Some("Europe/Paris"), Some("Mars/Olympus")),
            paris
        );
        // Old numeric settings are hours east of UTC.
        let india = SiteZone::from_settings(Some("5.5"), None);
        assert_eq!(
            india.timestamp(wall(2026, 7, 1, 0, 0)),
            utc(2026, 6, 30, 18, 30)
        );
        assert_eq!(SiteZone::from_settings(Some("40"), None), SiteZone::Server);
    }
}
