use super::*;
use crate::status::view::*;

fn report() -> StatusReport {
    StatusReport {
        version: VERSION,
        generated_at: "2026-11-21T10:02:15+01:00".into(),
        host: "moodle1".into(),
        spool: "/var/moodledata/sync".into(),
        spool_error: None,
        database: DatabaseView {
            target: "postgres postgres://moodle:***@localhost/moodle".into(),
            usable: true,
            error: None,
        },
        watch: WatchView {
            mode: "auto".into(),
            network_filesystem: false,
            settle_ms: 2000,
            routing: "users: users*.csv".into(),
            done_marker: None,
        },
        service_running: false,
        services: Vec::new(),
        commands: Vec::new(),
        waiting: vec![WaitingView {
            name: "cohorts_2a.csv".into(),
            path: "spool/cohorts_2a.csv".into(),
            size: 1204,
            age_s: 65,
            state: WaitingState::Ready,
            kind: Some("cohorts".into()),
            earlier_run: None,
        }],
        oldest_waiting_s: Some(65),
        uploads: vec![UploadView {
            name: "cohorts_3b.csv".into(),
            size: 800,
            age_s: 5,
            state: UploadState::Writing,
            remaining_ms: None,
            writers: Some("pid 4242 (scp)".into()),
        }],
        in_progress: Vec::new(),
        failed: vec![KeptView {
            path: "failed/20261121-101500_cohorts_x.csv".into(),
            since: "2026-11-21T10:15:01+01:00".into(),
            run: Some(55),
            reason: Some("unknown column \"email\"".into()),
            reason_from: Some("ledger".into()),
            report: None,
            commands: vec!["moodle-sync retry failed/20261121-101500_cohorts_x.csv".into()],
        }],
        held: Vec::new(),
        netypareo: Vec::new(),
        last_runs: Some(vec![RunView {
            id: 57,
            finished_at: "2026-11-21T10:01:58+01:00".into(),
            name: "cohorts.csv".into(),
            outcome: "partial".into(),
            summary: "120 lines: 118 changed, 2 failed".into(),
            generation: 0,
            report: "reports/x.report.txt".into(),
        }]),
        last_runs_error: None,
    }
}

#[test]
fn without_a_service_waiting_files_say_how_to_take_them() {
    let text = render_text(&report());
    for expected in [
        "service     no service is running",
        "cohorts_2a.csv  1204 bytes, dropped 1 min ago  ready: a cohorts file; waiting: no service is running; start `moodle-sync watch` or `moodle-sync run spool/cohorts_2a.csv`",
        "cohorts_3b.csv  800 bytes, changed 5 s ago  being written by pid 4242 (scp)",
        "failed/20261121-101500_cohorts_x.csv  failed since 2026-11-21T10:15:01+01:00 by run #55: unknown column \"email\"\n      moodle-sync retry failed/20261121-101500_cohorts_x.csv",
        "#57    2026-11-21T10:01:58+01:00  cohorts.csv  partial (120 lines: 118 changed, 2 failed)",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
    assert!(!text.contains("taken next"), "{text}");
}

#[test]
fn with_a_service_ready_files_are_taken_next() {
    let mut report = report();
    report.service_running = true;
    report.services.push(ServiceView {
        state: ServiceState::Running,
        instance: "4242@moodle1".into(),
        pid: 4242,
        host: "moodle1".into(),
        this_host: true,
        started_at: "2026-11-21T08:00:02+01:00".into(),
        heartbeat_at: "2026-11-21T10:02:13+01:00".into(),
        heartbeat_age_s: 2,
        heartbeat_stale: false,
        database: "answers".into(),
        database_since: "2026-11-21T08:00:02+01:00".into(),
        database_error: None,
        file: None,
        file_since: None,
        watching: Some("events (inotify)".into()),
        stopping: false,
    });
    let text = render_text(&report);
    assert!(
        text.contains("service     running: pid 4242 on moodle1, started 2026-11-21T08:00:02+01:00, last heartbeat 2 s ago; database answers, idle, watching by events (inotify)"),
        "{text}"
    );
    assert!(
        text.contains("ready: a cohorts file, taken next\n"),
        "{text}"
    );
    assert!(!text.contains("no service is running"), "{text}");
}

#[test]
fn ages_read_as_words() {
    assert_eq!(show_age(59), "59 s");
    assert_eq!(show_age(7500), "2 h 5 min");
    assert_eq!(show_age(3 * 86400), "3 days");
}
