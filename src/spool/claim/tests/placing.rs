//! A staged file put in place: never over another file, an identical one kept, a repeated
//! attempt finding where the file went.

use std::{fs, io::ErrorKind};

use super::support::{World, entries};
use crate::spool::claim::*;

#[test]
fn place_never_replaces_another_file() {
    let world = World::new();
    let reports = world.reports();
    fs::create_dir(&reports).unwrap();
    let staged = world.dir.path().join("staged-report.txt");
    fs::write(&staged, b"new report").unwrap();
    let to = reports.join("report.txt");
    fs::write(&to, b"someone else's report").unwrap();

    let placed = place(&staged, &to).unwrap();
    assert_eq!(placed, reports.join("report.txt.2"));
    assert_eq!(fs::read(&to).unwrap(), b"someone else's report");
    assert_eq!(fs::read(&placed).unwrap(), b"new report");
    // The staged file stays until its claim folder is removed, so that a repeated attempt
    // finds which name it got; it is a link to the placed file, so remove it before reusing
    // its name.
    assert!(staged.exists());
    fs::remove_file(&staged).unwrap();

    // Both names taken by other bytes: the next suffix.
    fs::write(&staged, b"third report").unwrap();
    let placed = place(&staged, &to).unwrap();
    assert_eq!(placed, reports.join("report.txt.3"));
    assert_eq!(fs::read(&placed).unwrap(), b"third report");
    assert_eq!(
        fs::read(reports.join("report.txt.2")).unwrap(),
        b"new report"
    );
}

#[test]
fn place_keeps_an_identical_file_already_there() {
    let world = World::new();
    let staged = world.dir.path().join("staged-report.txt");
    fs::write(&staged, b"the report").unwrap();
    // The destination's folder is made as needed.
    let to = world.reports().join("daily").join("report.txt");
    fs::create_dir_all(to.parent().unwrap()).unwrap();
    fs::write(&to, b"the report").unwrap();

    assert_eq!(place(&staged, &to).unwrap(), to);
    assert_eq!(fs::read(&to).unwrap(), b"the report");
    assert!(staged.exists(), "kept until the claim folder is removed");
    assert_eq!(entries(to.parent().unwrap()), ["report.txt"]);

    // Staged and placed already (an earlier attempt got that far): kept as it is.
    assert_eq!(place(&staged, &to).unwrap(), to);
    // Neither staged nor placed: an error, not a silent success.
    fs::remove_file(&staged).unwrap();
    let missing = place(&staged, &world.reports().join("other.txt")).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}

#[test]
fn place_repeated_tells_where_the_file_went_under_a_suffix() {
    // The destination held other bytes, so the staged file went under a suffix; then a crash
    // before the claim folder was removed. Repeating must not name the other file as ours:
    // `settle_claim` logs the first published path as the file's report.
    let world = World::new();
    let reports = world.reports();
    fs::create_dir(&reports).unwrap();
    let staged = world.dir.path().join("staged-report.txt");
    fs::write(&staged, b"our report").unwrap();
    let to = reports.join("report.txt");
    fs::write(&to, b"someone else's report").unwrap();
    let first = place(&staged, &to).unwrap();
    assert_eq!(first, reports.join("report.txt.2"));

    let again = place(&staged, &to).unwrap();
    assert_eq!(
        fs::read_to_string(&again).unwrap(),
        "our report",
        "placing again names {} (another file) instead of {}",
        again.display(),
        first.display()
    );
}
