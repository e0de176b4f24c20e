//! The planning of a prune, without a disk: which files go into which month's bundle, which
//! bundles go, from a listing and a given time.

use chrono::{DateTime, TimeZone, Utc};

use super::{
    Folder, FolderRule, Listed, Listing, Month, RetentionSettings, bundle::free_entry, plan,
};

fn at(year: i32, month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, 12, 0, 0).unwrap()
}

fn file(name: &str, modified: DateTime<Utc>) -> Listed {
    Listed {
        name: name.into(),
        modified,
        size: 10,
    }
}

fn month(year: i32, month: u32) -> Month {
    Month { year, month }
}

const RULE: FolderRule = FolderRule {
    bundle_after_days: 30,
    delete_bundles_after_months: 24,
};

#[test]
fn files_older_than_the_limit_go_into_the_bundle_of_their_month() {
    let listing = Listing {
        files: vec![
            file("b.csv", at(2026, 9, 30)),
            file("a.csv", at(2026, 9, 1)),
            file("sub/c.csv", at(2026, 8, 31)),
            // 29 days old: stays.
            file("young.csv", at(2026, 10, 2)),
        ],
        bundles: vec![],
    };
    let plan = plan(&listing, RULE, at(2026, 10, 31));
    let months: Vec<(String, Vec<&str>)> = plan
        .bundles
        .iter()
        .map(|bundle| {
            (
                bundle.month.bundle_name(),
                bundle.files.iter().map(|file| file.name.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        months,
        [
            ("bundle-2026-08.zip".to_owned(), vec!["sub/c.csv"]),
            ("bundle-2026-09.zip".to_owned(), vec!["a.csv", "b.csv"]),
        ]
    );
    assert!(plan.deletions.is_empty());
}

#[test]
fn the_month_is_that_of_the_modification_in_utc() {
    let late = Utc.with_ymd_and_hms(2026, 1, 31, 23, 59, 59).unwrap();
    let listing = Listing {
        files: vec![file("x", late)],
        bundles: vec![],
    };
    let plan = plan(&listing, RULE, at(2026, 6, 1));
    assert_eq!(plan.bundles[0].month, month(2026, 1));
}

#[test]
fn hidden_files_and_bundles_are_never_bundled_even_if_listed() {
    let old = at(2020, 1, 1);
    let listing = Listing {
        files: vec![
            file(".tmp", old),
            file("sub/.x", old),
            file(".hidden/y", old),
            file("bundle-2019-01.zip", old),
            file("sub/bundle-old.zip", old),
            file("kept.csv", old),
        ],
        bundles: vec![],
    };
    let plan = plan(&listing, RULE, at(2020, 6, 1));
    assert_eq!(plan.bundles.len(), 1);
    assert_eq!(plan.bundles[0].files, [file("kept.csv", old)]);
}

#[test]
fn bundles_past_the_horizon_are_deleted_and_younger_ones_kept() {
    let listing = Listing {
        files: vec![],
        bundles: vec![month(2024, 9), month(2024, 10), month(2026, 1)],
    };
    let plan = plan(&listing, RULE, at(2026, 10, 15));
    // 2024-09 is 25 months before 2026-10, 2024-10 is 24.
    assert_eq!(plan.deletions, [month(2024, 9)]);
    assert!(plan.bundles.is_empty());
}

#[test]
fn a_bundle_receiving_files_is_not_deleted_in_the_same_prune() {
    let listing = Listing {
        files: vec![file("late.csv", at(2020, 3, 5))],
        bundles: vec![month(2020, 3), month(2020, 2)],
    };
    let plan = plan(&listing, RULE, at(2026, 10, 15));
    assert_eq!(plan.deletions, [month(2020, 2)]);
    assert_eq!(plan.bundles[0].month, month(2020, 3));
}

#[test]
fn zero_switches_bundling_or_deletion_off() {
    let listing = Listing {
        files: vec![file("a", at(2000, 1, 1))],
        bundles: vec![month(2000, 1)],
    };
    assert!(plan(&listing, FolderRule::OFF, at(2026, 1, 1)).is_empty());
    let keep_bundles = FolderRule {
        delete_bundles_after_months: 0,
        ..RULE
    };
    let planned = plan(&listing, keep_bundles, at(2026, 1, 1));
    assert_eq!(planned.bundles.len(), 1);
    assert!(planned.deletions.is_empty());
}

#[test]
fn bundle_names_are_read_strictly() {
    assert_eq!(
        Month::from_bundle_name("bundle-2026-10.zip"),
        Some(month(2026, 10))
    );
    for name in [
        "bundle-2026-13.zip",
        "bundle-26-10.zip",
        "bundle-2026-1.zip",
        "bundle-2026-10.zip.tmp",
        "bundle-abcd-10.zip",
    ] {
        assert_eq!(Month::from_bundle_name(name), None, "{name}");
    }
    assert_eq!(month(2026, 1).bundle_name(), "bundle-2026-01.zip");
}

#[test]
fn a_taken_entry_name_gets_a_suffix() {
    let taken = ["a.csv", "sub/r.report.txt", "sub/r.report~2.txt", "noext"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(free_entry("b.csv", &taken), "b.csv");
    assert_eq!(free_entry("a.csv", &taken), "a~2.csv");
    assert_eq!(free_entry("sub/r.report.txt", &taken), "sub/r.report~3.txt");
    assert_eq!(free_entry("noext", &taken), "noext~2");
}

#[test]
fn the_defaults_keep_logs_a_year_and_the_rest_two() {
    let defaults = RetentionSettings::default();
    assert_eq!(defaults.rule(Folder::Archive), RULE);
    assert_eq!(defaults.rule(Folder::Logs).delete_bundles_after_months, 12);
    assert_eq!(defaults.rule(Folder::Logs).bundle_after_days, 30);
}
