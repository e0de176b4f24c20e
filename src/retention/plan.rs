//! What one prune does in one folder, decided from a listing and the time it is (pure): which
//! files go into which month's bundle, and which bundles are deleted.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, TimeDelta, Utc};

use super::FolderRule;

/// A calendar month (UTC): the month of a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    /// The year.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u32,
}

impl Month {
    /// The month of an instant, in UTC.
    pub fn of(time: DateTime<Utc>) -> Month {
        Month {
            year: time.year(),
            month: time.month(),
        }
    }

    /// The bundle's file name: `bundle-YYYY-MM.zip`.
    pub fn bundle_name(self) -> String {
        format!("bundle-{:04}-{:02}.zip", self.year, self.month)
    }

    /// The month of a bundle's file name, if it is one (`bundle-YYYY-MM.zip`, exactly).
    pub fn from_bundle_name(name: &str) -> Option<Month> {
        let middle = name.strip_prefix("bundle-")?.strip_suffix(".zip")?;
        let (year, month) = middle.split_once('-')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        let digits = |text: &str| text.bytes().all(|byte| byte.is_ascii_digit());
        if !digits(year) || !digits(month) {
            return None;
        }
        let month: u32 = month.parse().ok()?;
        (1..=12).contains(&month).then_some(Month {
            year: year.parse().ok()?,
            month,
        })
    }

    /// Months since year 0, to count months between two.
    fn index(self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }
}

/// Whether a file name is that of a bundle (`bundle-….zip`): such files are never bundled.
pub fn is_bundle_name(name: &str) -> bool {
    name.starts_with("bundle-") && name.ends_with(".zip")
}

/// A regular file of a folder, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Its path relative to the folder, with `/` between components: its entry name in a
    /// bundle.
    pub name: String,
    /// When it was last modified.
    pub modified: DateTime<Utc>,
    /// Its size in bytes.
    pub size: u64,
}

/// A folder, as listed: its files that may be bundled and the months of its bundles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    /// Regular files, not hidden, not bundles, in the folder and its sub-folders.
    pub files: Vec<Listed>,
    /// The months of the bundles in the folder itself.
    pub bundles: Vec<Month>,
}

/// The files that go into one month's bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthBundle {
    /// The month of their modification times.
    pub month: Month,
    /// The files, by name.
    pub files: Vec<Listed>,
}

/// What one prune does in one folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FolderPlan {
    /// The bundles written (made, or extended), oldest month first.
    pub bundles: Vec<MonthBundle>,
    /// The months whose bundles are deleted, oldest first.
    pub deletions: Vec<Month>,
}

impl FolderPlan {
    /// Whether the prune does nothing here.
    pub fn is_empty(&self) -> bool {
        self.bundles.is_empty() && self.deletions.is_empty()
    }
}

/// Decides one prune of a folder at `now` under `rule`: every file last modified more than
/// `bundle_after_days` days before `now` goes into the bundle of its modification's month;
/// every bundle whose month is more than `delete_bundles_after_months` months before `now`'s
/// is deleted, unless files go into it in this prune. A hidden file (a component starting with
/// `.`) or a bundle's name is never bundled, even if listed.
pub fn plan(listing: &Listing, rule: FolderRule, now: DateTime<Utc>) -> FolderPlan {
    let mut months: BTreeMap<Month, Vec<Listed>> = BTreeMap::new();
    if rule.bundle_after_days > 0 {
        let cutoff = now - TimeDelta::days(i64::from(rule.bundle_after_days));
        for file in &listing.files {
            if file.modified < cutoff && may_be_bundled(&file.name) {
                months
                    .entry(Month::of(file.modified))
                    .or_default()
                    .push(file.clone());
            }
        }
    }
    let mut deletions = BTreeSet::new();
    if rule.delete_bundles_after_months > 0 {
        let current = Month::of(now).index();
        for &month in &listing.bundles {
            let age = current - month.index();
            if age > i64::from(rule.delete_bundles_after_months) && !months.contains_key(&month) {
                deletions.insert(month);
            }
        }
    }
    FolderPlan {
        bundles: months
            .into_iter()
            .map(|(month, mut files)| {
                files.sort_by(|a, b| a.name.cmp(&b.name));
                MonthBundle { month, files }
            })
            .collect(),
        deletions: deletions.into_iter().collect(),
    }
}

/// Whether a listed name may go into a bundle: no hidden component, not a bundle itself.
fn may_be_bundled(name: &str) -> bool {
    let hidden = name
        .split('/')
        .any(|part| part.is_empty() || part.starts_with('.'));
    let last = name.rsplit('/').next().unwrap_or(name);
    !hidden && !is_bundle_name(last)
}
