//! The "Moodle's caches" section of the text report: what was dropped, purged or rebuilt in
//! which store, and what was not, with how to purge by hand.

use std::io::{self, Write};

use crate::{
    cache::{CacheAction, CacheEntry, CacheOutcome, CacheReport, CacheResult, PURGE_HINT},
    outcome::plural,
};

/// The "Moodle's caches" section.
pub(super) fn write_caches(out: &mut dyn Write, caches: &CacheReport) -> io::Result<()> {
    match caches {
        CacheReport::NoDataRoot => writeln!(
            out,
            "\nMoodle's caches\n\
             - not refreshed: no data root is known ([moodle] dataroot), so Moodle may show groups, group memberships and course contacts as they were before this file until its caches are purged ({PURGE_HINT})"
        ),
        CacheReport::Pending { dataroot } => writeln!(
            out,
            "\nMoodle's caches (data root {dataroot})\n\
             - to be refreshed once the file is committed; a report that still says so was left by a run that stopped in between: purge Moodle's caches ({PURGE_HINT})"
        ),
        CacheReport::Refreshed(outcome) => write_refreshed(out, outcome),
    }
}

/// The section once the refresh was tried: the problem that stopped it, or one line per
/// definition and store.
fn write_refreshed(out: &mut dyn Write, outcome: &CacheOutcome) -> io::Result<()> {
    writeln!(out, "\nMoodle's caches (data root {})", outcome.dataroot)?;
    if let Some(problem) = &outcome.problem {
        return writeln!(
            out,
            "- NOT refreshed: {problem}; Moodle may show groups, group memberships and course contacts as they were before this file until its caches are purged ({PURGE_HINT})"
        );
    }
    if outcome.entries.is_empty() {
        return writeln!(
            out,
            "- nothing to refresh: the site's stores hold none of these caches"
        );
    }
    for entry in &outcome.entries {
        write_entry(out, entry)?;
    }
    Ok(())
}

/// One definition in one store: what was done, for whom, and how many keys it held; or that
/// it was not refreshed, and why.
fn write_entry(out: &mut dyn Write, entry: &CacheEntry) -> io::Result<()> {
    let whom = if entry.action == CacheAction::Purge {
        "for every course".to_owned()
    } else if entry.courses.is_empty() {
        format!("for {} {}", entry.count, entry.subject.noun(entry.count))
    } else {
        let mut ids: Vec<String> = entry.courses.iter().take(20).map(i64::to_string).collect();
        if entry.courses.len() > 20 {
            ids.push(format!("and {} more", entry.courses.len() - 20));
        }
        format!("for {} {}", entry.subject.noun(entry.count), ids.join(", "))
    };
    let store = format!("store {}, {}", entry.store, entry.plugin);
    match entry.result {
        CacheResult::Done => {
            let verb = match entry.action {
                CacheAction::Drop => "dropped",
                CacheAction::Purge => "purged",
                CacheAction::Rebuild => "rebuilt",
            };
            let held = match entry.action {
                CacheAction::Purge => format!("{} cached", plural(entry.cached, "key")),
                _ => format!("{} of {} cached", entry.cached, entry.count),
            };
            write!(
                out,
                "- {}: {verb} {whom} ({store}; {held})",
                entry.definition
            )?;
            if let Some(detail) = &entry.detail {
                write!(out, "; {detail}")?;
            }
            out.write_all(b"\n")
        }
        CacheResult::Failed | CacheResult::Unsupported => writeln!(
            out,
            "- {}: NOT refreshed {whom} ({store}): {}; purge Moodle's caches ({PURGE_HINT})",
            entry.definition,
            entry.detail.as_deref().unwrap_or("failed")
        ),
    }
}
