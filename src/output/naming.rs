//! Names of the files a run writes. Every name carries the run's time stamp (to the second) and,
//! when that is taken, a suffix `-2`, `-3`…; [`super::atomic`] guarantees no name is reused.

use chrono::{DateTime, Local};

use crate::command::FileKind;

/// The time stamp of a run, as it appears in file names: `20261121-152905`.
pub fn stamp(time: &DateTime<Local>) -> String {
    time.format("%Y%m%d-%H%M%S").to_string()
}

/// The stamp with the `n`-th suffix: none for 0, then `-2`, `-3`…
pub fn suffixed(stamp: &str, n: u32) -> String {
    if n == 0 {
        stamp.to_owned()
    } else {
        format!("{stamp}-{}", n + 1)
    }
}

/// The archived input: `20261121-152905_cohorts.csv`.
pub fn archive(stamp: &str, input: &str) -> String {
    format!("{stamp}_{input}")
}

/// A name that carries its own time stamp, as NetYpareo's exports do
/// (`cohorts_netypareo_cfa_groups_20261121-014000.csv`): its series (the name with the stamp
/// replaced by `*`) and the stamp, with its `-2`… suffix. The last stamp of the name counts.
/// `None` for a name without one.
pub fn series(name: &str) -> Option<(String, &str)> {
    let bytes = name.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    let start = (0..=bytes.len().checked_sub(15)?).rev().find(|&at| {
        digits(at..at + 8)
            && bytes[at + 8] == b'-'
            && digits(at + 9..at + 15)
            && (at == 0 || !bytes[at - 1].is_ascii_digit())
            && bytes.get(at + 15).is_none_or(|next| !next.is_ascii_digit())
    })?;
    let mut end = start + 15;
    if bytes.get(end) == Some(&b'-') {
        let suffix = bytes[end + 1..]
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        if suffix > 0 {
            end += 1 + suffix;
        }
    }
    Some((
        format!("{}*{}", &name[..start], &name[end..]),
        &name[start..end],
    ))
}

/// The name a file had before [`archive`] stamped it (a held file, given to `approve`):
/// `20261121-152905-2_cohorts.csv` → `cohorts.csv`. A name without a stamp is returned as it
/// is.
pub fn unstamp(name: &str) -> &str {
    let bytes = name.as_bytes();
    let is_stamp = bytes.len() > 16
        && bytes[..8].iter().all(u8::is_ascii_digit)
        && bytes[8] == b'-'
        && bytes[9..15].iter().all(u8::is_ascii_digit);
    if !is_stamp {
        return name;
    }
    let mut end = 15;
    if bytes[end] == b'-' {
        let digits = bytes[end + 1..]
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        if digits == 0 {
            return name;
        }
        end += 1 + digits;
    }
    match name[end..].strip_prefix('_') {
        Some(rest) if !rest.is_empty() => rest,
        _ => name,
    }
}

/// The name under which a file that changed after it was applied is kept, beside the bytes
/// that were: `cohorts_x.csv` → `cohorts_x.changed.csv` (it still routes as its kind).
pub fn changed(input: &str) -> String {
    match input.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => format!("{stem}.changed.{extension}"),
        _ => format!("{input}.changed"),
    }
}

/// The name a [`changed`] name was made from: `20261121-152905_cohorts_x.changed.csv` →
/// `20261121-152905_cohorts_x.csv` (the archive of the bytes applied); `None` for other names.
pub fn unchanged(name: &str) -> Option<String> {
    if let Some(stem) = name.strip_suffix(".changed") {
        return Some(stem.to_owned());
    }
    let (stem, extension) = name.rsplit_once('.')?;
    let stem = stem.strip_suffix(".changed")?;
    Some(format!("{stem}.{extension}"))
}

/// The report: `20261121-152905_cohorts.csv.report.txt`, or `.report.json` for its twin.
pub fn report(stamp: &str, input: &str, extension: &str) -> String {
    format!("{stamp}_{input}.report.{extension}")
}

/// The tryback: `cohorts_tryback_20261121-152905.csv`. The name starts with the kind's prefix so
/// that, dropped into the spool, it is routed as the same kind of file; a tryback of a tryback
/// drops the earlier stamp rather than piling stamps up.
pub fn tryback(kind: FileKind, input: &str, stamp: &str) -> String {
    let (stem, extension) = match input.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => (stem, extension),
        _ => (input, "csv"),
    };
    let stem = strip_tryback_stamp(stem);
    let prefix = kind.file_prefix();
    let stem = if stem.to_lowercase().starts_with(prefix) {
        stem.to_owned()
    } else {
        format!("{prefix}_{stem}")
    };
    format!("{stem}_tryback_{stamp}.{extension}")
}

/// `cohorts_tryback_20261121-152905-2` → `cohorts`.
fn strip_tryback_stamp(stem: &str) -> &str {
    let Some(position) = stem.rfind("_tryback_") else {
        return stem;
    };
    let tail = &stem[position + "_tryback_".len()..];
    let bytes = tail.as_bytes();
    let is_stamp = bytes.len() >= 15
        && bytes[..8].iter().all(u8::is_ascii_digit)
        && bytes[8] == b'-'
        && bytes[9..15].iter().all(u8::is_ascii_digit)
        && (bytes.len() == 15
            || (bytes[15] == b'-'
                && bytes.len() > 16
                && bytes[16..].iter().all(u8::is_ascii_digit)));
    if is_stamp && position > 0 {
        &stem[..position]
    } else {
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_name_leads_back_to_the_archive() {
        let changed = archive("20261121-152905", &super::changed("cohorts_x.csv"));
        assert_eq!(changed, "20261121-152905_cohorts_x.changed.csv");
        assert_eq!(
            unchanged(&changed).as_deref(),
            Some("20261121-152905_cohorts_x.csv")
        );
        assert_eq!(unchanged("20261121-152905_cohorts_x.csv"), None);
        assert_eq!(unchanged("cohorts.changed").as_deref(), Some("cohorts"));
    }

    #[test]
    fn tryback_names_route_as_the_same_kind() {
        let stamp = "20261121-152905";
        assert_eq!(
            tryback(FileKind::Cohorts, "cohorts.csv", stamp),
            "cohorts_tryback_20261121-152905.csv"
        );
        assert_eq!(
            tryback(FileKind::Cohorts, "Cohorts_2A.CSV", stamp),
            "Cohorts_2A_tryback_20261121-152905.CSV"
        );
        assert_eq!(
            tryback(FileKind::Cohorts, "classes.csv", stamp),
            "cohorts_classes_tryback_20261121-152905.csv"
        );
        assert_eq!(
            tryback(FileKind::Cohorts, "export", stamp),
            "cohorts_export_tryback_20261121-152905.csv"
        );
    }

    #[test]
    fn a_tryback_of_a_tryback_keeps_one_stamp() {
        let name = tryback(
            FileKind::Cohorts,
            "cohorts_tryback_20261120-080000-3.csv",
            "20261121-152905",
        );
        assert_eq!(name, "cohorts_tryback_20261121-152905.csv");
        let kept = tryback(
            FileKind::Cohorts,
            "cohorts_tryback_notastamp.csv",
            "20261121-152905",
        );
        assert_eq!(
            kept,
            "cohorts_tryback_notastamp_tryback_20261121-152905.csv"
        );
    }

    #[test]
    fn a_name_with_its_own_stamp_belongs_to_a_series() {
        let (series_of, stamp) =
            series("cohorts_netypareo_cfa_groups_20261121-014000.csv").unwrap();
        assert_eq!(
            (series_of.as_str(), stamp),
            ("cohorts_netypareo_cfa_groups_*.csv", "20261121-014000")
        );
        let (again, later) = series("cohorts_netypareo_cfa_groups_20261122-014000-2.csv").unwrap();
        assert_eq!(again, series_of);
        assert!(later > stamp, "{later} > {stamp}");
        assert_eq!(series("cohorts.csv"), None);
        assert_eq!(series("cohorts_120261121-014000.csv"), None);
        assert_eq!(series("x"), None);
    }

    #[test]
    fn unstamp_gives_back_the_name_before_archive_stamped_it() {
        assert_eq!(unstamp("20261121-152905_cohorts.csv"), "cohorts.csv");
        assert_eq!(unstamp("20261121-152905-12_cohorts_a.csv"), "cohorts_a.csv");
        assert_eq!(
            unstamp(&archive("20261121-152905", "20261120-080000_cohorts.csv")),
            "20261120-080000_cohorts.csv"
        );
        assert_eq!(unstamp("cohorts.csv"), "cohorts.csv");
        assert_eq!(unstamp("20261121-152905_"), "20261121-152905_");
        assert_eq!(unstamp("20261121-152905-_x.csv"), "20261121-152905-_x.csv");
        assert_eq!(unstamp("2026112-1152905_x.csv"), "2026112-1152905_x.csv");
    }

    #[test]
    fn suffixes_start_at_two() {
        assert_eq!(suffixed("20261121-152905", 0), "20261121-152905");
        assert_eq!(suffixed("20261121-152905", 1), "20261121-152905-2");
        assert_eq!(
            archive("20261121-152905-2", "cohorts.csv"),
            "20261121-152905-2_cohorts.csv"
        );
        assert_eq!(
            report("20261121-152905", "cohorts.csv", "json"),
            "20261121-152905_cohorts.csv.report.json"
        );
    }
}
