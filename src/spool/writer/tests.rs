use std::{fs, io::Write};

use super::*;

fn file_with(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cohorts_upload.csv");
    fs::write(&path, bytes).unwrap();
    (dir, path)
}

#[test]
fn a_file_nobody_writes_has_no_writer() {
    let (_dir, path) = file_with(b"cmd;cidnumber\n");
    let _reader = fs::File::open(&path).unwrap();
    for how in [WriterCheck::Auto, WriterCheck::Proc] {
        let (writers, _) = check(&path, how);
        assert_eq!(writers, Writers::None, "{how:?}");
    }
}

#[test]
fn a_file_held_open_for_writing_has_a_writer() {
    let (_dir, path) = file_with(b"cmd;cidnumber\nadd;COH1");
    let mut writer = fs::OpenOptions::new().append(true).open(&path).unwrap();
    let (writers, method) = check(&path, WriterCheck::Auto);
    assert!(writers.is_open(), "{writers:?}");
    assert_eq!(method, Method::Lease);
    // This process is the writer, and /proc names it.
    let me = std::process::id();
    let (writers, method) = check(&path, WriterCheck::Proc);
    assert_eq!(method, Method::Proc);
    match &writers {
        Writers::Open(found) => assert!(found.iter().any(|writer| writer.pid == me), "{found:?}"),
        other => panic!("expected a writer, got {other:?}"),
    }
    assert!(writers.describe().contains(&format!("pid {me}")));
    // Closed: no writer any more.
    writer.write_all(b";Classe\n").unwrap();
    drop(writer);
    assert_eq!(check(&path, WriterCheck::Auto).0, Writers::None);
    assert_eq!(check(&path, WriterCheck::Proc).0, Writers::None);
}

#[test]
fn a_writer_is_still_seen_after_the_file_was_renamed() {
    let (dir, path) = file_with(b"cmd;cidnumber\n");
    let _writer = fs::OpenOptions::new().append(true).open(&path).unwrap();
    let claimed = dir.path().join("claim");
    fs::create_dir(&claimed).unwrap();
    let moved = claimed.join("cohorts_upload.csv");
    fs::rename(&path, &moved).unwrap();
    assert!(check(&moved, WriterCheck::Auto).0.is_open());
    assert!(check(&moved, WriterCheck::Proc).0.is_open());
}

#[test]
fn a_file_gone_has_no_writer_and_off_tells_nothing() {
    let (dir, _) = file_with(b"");
    let gone = dir.path().join("gone.csv");
    assert_eq!(check(&gone, WriterCheck::Auto).0, Writers::None);
    assert_eq!(check(&gone, WriterCheck::Proc).0, Writers::None);
    let (writers, method) = check(&gone, WriterCheck::Off);
    assert!(matches!(writers, Writers::Unknown(_)), "{writers:?}");
    assert_eq!(method, Method::None);
}

#[cfg(target_os = "linux")]
#[test]
fn fdinfo_flags_tell_the_access_mode() {
    use super::platform::opened_for_writing;
    assert!(opened_for_writing(
        "pos:\t0\nflags:\t0102001\nmnt_id:\t29\n"
    ));
    assert!(opened_for_writing("pos:\t0\nflags:\t02\n"));
    assert!(!opened_for_writing(
        "pos:\t0\nflags:\t0100000\nmnt_id:\t29\n"
    ));
    assert!(!opened_for_writing("pos:\t0\n"));
}
