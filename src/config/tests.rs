//! Configuration: defaults, values, unknown keys and bad values, and the documented example file.

use std::{path::Path, time::Duration};

use encoding_rs::WINDOWS_1252;

use super::*;
use crate::{
    alert::{CredentialNames, MailTls, Topic},
    command::{
        FileKind,
        refs::{CohortIdentifier, CourseIdentifier, RoleIdentifier, UserIdentifier},
    },
    db::DbTarget,
    input::{DelimiterSetting, EncodingSetting},
    outcome::{EnrolmentMode, Removals},
    spool::{DuplicatePolicy, WatchMode, WatchSettings, WriterCheck},
};

fn load(text: &str) -> Result<Config, String> {
    let file = Config::parse(text)?;
    Config::from_file(file, Path::new("/etc/moodle-sync"), None).map_err(|error| error.to_string())
}

#[test]
fn every_key_has_a_default() {
    let config = load("").unwrap();
    assert_eq!(config.paths.spool, Path::new("/etc/moodle-sync/spool"));
    assert_eq!(
        config.database.target,
        DbTarget::Sqlite {
            path: "/etc/moodle-sync/moodle.sqlite".into()
        }
    );
    assert_eq!(config.database.prefix, "mdl_");
    assert_eq!(
        config.input.read.encoding,
        EncodingSetting::Auto(WINDOWS_1252)
    );
    assert_eq!(config.input.read.delimiter, DelimiterSetting::Auto);
    assert_eq!(config.input.max_file_bytes, 20 * 1024 * 1024);
    assert_eq!(
        config.kinds.cohorts.user_identifier,
        UserIdentifier::Idnumber
    );
    assert_eq!(
        config.kinds.cohorts.cohort_identifier,
        CohortIdentifier::Idnumber
    );
    assert!(config.kinds.cohorts.create_missing);
    assert!(!config.kinds.cohorts.delete_empty);
}

#[test]
fn values_are_read_and_paths_are_relative_to_the_file() {
    let config = load(
        "[paths]\nspool = \"/var/moodledata/sync\"\nreports = \"out\"\n\
         [database]\nprefix = \"m_\"\n\
         [input]\nencoding = \"iso-8859-1\"\ndelimiter = \"tab\"\nmax_file_size_mb = 2\n\
         [cohorts]\nuser_identifier = \"email\"\ncohort_identifier = \"name\"\ncreate_missing = false\ndelete_empty = true\n",
    )
    .unwrap();
    assert_eq!(config.paths.spool, Path::new("/var/moodledata/sync"));
    assert_eq!(config.paths.reports, Path::new("/etc/moodle-sync/out"));
    assert_eq!(config.database.prefix, "m_");
    assert_eq!(
        config.input.read.encoding,
        EncodingSetting::Legacy(WINDOWS_1252)
    );
    assert_eq!(config.input.read.delimiter, DelimiterSetting::Fixed(b'\t'));
    assert_eq!(config.input.max_file_bytes, 2 * 1024 * 1024);
    assert_eq!(config.kinds.cohorts.user_identifier, UserIdentifier::Email);
    assert_eq!(
        config.kinds.cohorts.cohort_identifier,
        CohortIdentifier::Name
    );
    assert!(!config.kinds.cohorts.create_missing);
    assert!(config.kinds.cohorts.delete_empty);
}

#[test]
fn unknown_keys_are_named() {
    let error = load("[cohorts]\ncreate_mising = true\n").unwrap_err();
    assert!(error.contains("create_mising"), "{error}");
    assert!(error.contains("[cohorts] create_mising"), "{error}");
    let error = load("[watch]\nmode = \"poll\"\nsettle_ms = \"2 s\"\n").unwrap_err();
    assert!(error.contains("[watch] settle_ms: "), "{error}");
    // TOML's own snippet, on its lines: where, the line, and a caret under the value.
    assert!(error.contains("line 3, column 13"), "{error}");
    assert!(error.contains("\n3 | settle_ms = \"2 s\"\n"), "{error}");
    assert!(error.contains("^^^^^"), "{error}");
    assert!(error.lines().count() >= 4, "{error}");
    // A bad value inside a list written over several lines is named by the list's key.
    let error = load("[watch]\nignore = [\n  \"*.tmp\",\n  42,\n]\n").unwrap_err();
    assert!(error.contains("[watch] ignore: "), "{error}");
    // A line that may hold a secret is never shown.
    for (text, secret) in [
        (
            "[database]\nurl = \"postgres://moodle:S3cretPw@db/moodle\n",
            "S3cretPw",
        ),
        (
            "[database]\nurl = 42 # mysql://root:hunter2@db/m\n",
            "hunter2",
        ),
    ] {
        let error = load(text).unwrap_err();
        assert!(!error.contains(secret), "{error}");
        assert!(error.contains("the line is not shown"), "{error}");
    }
    let error = load("[inputs]\n").unwrap_err();
    assert!(error.contains("inputs"), "{error}");
}

#[test]
fn bad_values_are_named() {
    let error = load("[input]\nencoding = \"ebcdic\"\n").unwrap_err();
    assert!(error.contains("ebcdic"), "{error}");
    let error = load("[database]\nprefix = \"mdl; DROP\"\n").unwrap_err();
    assert!(error.contains("[database] prefix"), "{error}");
    let error = load("[database]\nurl = \"oracle://x\"\n").unwrap_err();
    assert!(error.contains("[database] url"), "{error}");
    let error = load("[cohorts]\nuser_identifier = \"phone\"\n").unwrap_err();
    assert!(error.contains("phone"), "{error}");
}

#[test]
fn the_documented_example_file_is_valid_and_states_the_defaults() {
    let text = include_str!("../../moodle-sync.example.toml");
    let example = load(text).unwrap();
    let defaults = load("").unwrap();
    assert_eq!(example.paths, defaults.paths);
    assert_eq!(example.database.target, defaults.database.target);
    assert_eq!(example.database.prefix, defaults.database.prefix);
    assert_eq!(example.input.read, defaults.input.read);
    assert_eq!(example.input.max_file_bytes, defaults.input.max_file_bytes);
    assert_eq!(example.kinds.cohorts, defaults.kinds.cohorts);
    assert_eq!(example.kinds.users, defaults.kinds.users);
    assert_eq!(example.kinds.bindings, defaults.kinds.bindings);
    assert_eq!(example.enrolments, defaults.enrolments);
    assert_eq!(example.routing, defaults.routing);
    assert_eq!(example.watch, defaults.watch);
    assert_eq!(example.alerts, None);
    assert_eq!(defaults.alerts, None);
    assert_eq!(example.moodle, defaults.moodle);
    assert_eq!(example.retention, defaults.retention);
}

/// The example's commented `[alerts]` tables, uncommented.
fn example_alerts() -> String {
    let text = include_str!("../../moodle-sync.example.toml");
    let start = text.find("# [alerts]\n").unwrap();
    let end = start + text[start..].find("\n\n").unwrap();
    text[start..end]
        .lines()
        .map(|line| {
            line.strip_prefix("# ")
                .unwrap_or(line.trim_start_matches('#'))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_documented_alerts_state_their_defaults() {
    let example = load(&example_alerts()).unwrap().alerts.unwrap();
    let minimal = load(
        "[alerts]\n[alerts.mail]\nhost = \"smtp.example.org\"\n\
         from = \"moodle-sync <moodle-sync@example.org>\"\nto = [\"moodle-admins@example.org\"]\n\
         [alerts.command]\nargv = [\"/usr/local/bin/moodle-sync-alert\", \"--channel\", \"ops\"]\n",
    )
    .unwrap()
    .alerts
    .unwrap();
    assert_eq!(example, minimal);
    assert_eq!(example.topics, Topic::ALL);
    assert_eq!(example.database_down_after, Duration::from_secs(300));
    let mail = example.mail.unwrap();
    assert_eq!((mail.tls, mail.port), (MailTls::Starttls, 587));
    assert_eq!(
        mail.from.to_string(),
        "moodle-sync <moodle-sync@example.org>"
    );
    assert_eq!(mail.credentials, None);
    assert_eq!(mail.ca_file, None);
    assert_eq!(mail.timeout, Duration::from_secs(30));
    assert_eq!(example.command.unwrap().timeout, Duration::from_secs(30));
}

#[test]
fn alert_settings() {
    let config = load(
        "[alerts]\nevents = [\"held\", \"database_down\", \"held\"]\ndatabase_down_after_s = 60\n\
         [alerts.mail]\nhost = \"smtp.example.org\"\ntls = \"tls\"\nfrom = \"sync@example.org\"\n\
         to = [\"a@example.org\", \"Admin B <b@example.org>\"]\n\
         username_env = \"SMTP_USER\"\npassword_env = \"SMTP_PASSWORD\"\nca_file = \"ca.pem\"\ntimeout_s = 5\n\
         [alerts.command]\nargv = [\"./alert.sh\"]\n",
    )
    .unwrap();
    let alerts = config.alerts.unwrap();
    assert_eq!(alerts.topics, [Topic::Held, Topic::DatabaseDown]);
    assert_eq!(alerts.database_down_after, Duration::from_secs(60));
    let mail = alerts.mail.unwrap();
    assert_eq!((mail.tls, mail.port), (MailTls::Tls, 465));
    assert_eq!(mail.to.len(), 2);
    assert_eq!(
        mail.credentials,
        Some(CredentialNames {
            username: "SMTP_USER".into(),
            password: "SMTP_PASSWORD".into()
        })
    );
    assert_eq!(
        mail.ca_file.as_deref(),
        Some(Path::new("/etc/moodle-sync/ca.pem"))
    );
    assert_eq!(mail.timeout, Duration::from_secs(5));
    // A relative program is found from the configuration file's folder; it is never given
    // the service's secrets.
    let command = alerts.command.unwrap();
    assert_eq!(command.argv, ["/etc/moodle-sync/./alert.sh"]);
    assert_eq!(
        command.hidden_env,
        ["MOODLE_SYNC_DATABASE_URL", "SMTP_USER", "SMTP_PASSWORD"]
    );
    let only_command = load("[alerts.command]\nargv = [\"notify\"]\n").unwrap();
    assert_eq!(
        only_command.alerts.unwrap().command.unwrap().argv,
        ["notify"]
    );

    let mail =
        "[alerts.mail]\nhost = \"smtp\"\nfrom = \"a@example.org\"\nto = [\"b@example.org\"]\n";
    for (text, key) in [
        ("[alerts]\n".to_owned(), "[alerts]"),
        (format!("[alerts]\nevents = []\n{mail}"), "[alerts] events"),
        (format!("[alerts]\nevents = [\"failed\"]\n{mail}"), "failed"),
        (
            format!("[alerts]\ndatabase_down_after_s = 0\n{mail}"),
            "[alerts] database_down_after_s",
        ),
        (
            mail.replace("host = \"smtp\"", "host = \"\""),
            "[alerts.mail] host",
        ),
        (
            mail.replace("a@example.org", "not an address"),
            "[alerts.mail] from",
        ),
        (
            mail.replace("[\"b@example.org\"]", "[]"),
            "[alerts.mail] to",
        ),
        (mail.replace("b@example.org", "b@"), "[alerts.mail] to"),
        (format!("{mail}tls = \"ssl\"\n"), "ssl"),
        (
            format!("{mail}tls = \"none\"\nusername_env = \"U\"\npassword_env = \"P\"\n"),
            "in clear",
        ),
        (format!("{mail}port = 0\n"), "[alerts.mail] port"),
        (
            format!("{mail}password_env = \"SMTP_PASSWORD\"\n"),
            "[alerts.mail] username_env",
        ),
        (
            format!("{mail}username_env = \"SMTP_USER\"\n"),
            "[alerts.mail] password_env",
        ),
        (format!("{mail}timeout_s = 0\n"), "[alerts.mail] timeout_s"),
        (format!("{mail}sender = \"x\"\n"), "sender"),
        (
            "[alerts.command]\nargv = []\n".to_owned(),
            "[alerts.command] argv",
        ),
        (
            "[alerts.command]\nargv = [\"x\"]\ntimeout_s = 0\n".to_owned(),
            "[alerts.command] timeout_s",
        ),
    ] {
        let error = load(&text).unwrap_err();
        assert!(error.contains(key), "{text}: {error}");
    }
    // A secret written where a variable's name belongs is refused, and not shown.
    let error = load(&format!(
        "{mail}username_env = \"u\"\npassword_env = \"hunter2 secret\"\n"
    ))
    .unwrap_err();
    assert!(error.contains("[alerts.mail] password_env"), "{error}");
    assert!(!error.contains("hunter2"), "{error}");
}

#[test]
fn watch_settings() {
    let defaults = load("").unwrap();
    assert_eq!(defaults.watch, WatchSettings::default());
    assert_eq!(defaults.paths.failed, Path::new("/etc/moodle-sync/failed"));
    assert_eq!(defaults.paths.logs, Path::new("/etc/moodle-sync/logs"));
    let config = load(
        "[watch]\nmode = \"poll\"\nsettle_ms = 0\nwriter_check = \"proc\"\npoll_ms = 250\nreconcile_s = 5\n\
         ignore = [\"*.tmp\"]\ndone_marker = \" .ok \"\nduplicates = \"apply\"\n\
         max_tryback_generations = 1\nshutdown_timeout_s = 0\nretry_max_s = 10\n",
    )
    .unwrap();
    assert_eq!(
        config.watch,
        WatchSettings {
            mode: WatchMode::Poll,
            settle: Duration::ZERO,
            writer_check: WriterCheck::Proc,
            poll: Duration::from_millis(250),
            reconcile: Duration::from_secs(5),
            ignore: vec!["*.tmp".into()],
            done_marker: Some(".ok".into()),
            duplicates: DuplicatePolicy::Apply,
            max_tryback_generations: 1,
            shutdown_timeout: Duration::ZERO,
            retry_max: Duration::from_secs(10),
        }
    );
    for (text, key) in [
        ("[watch]\nmode = \"inotify\"\n", "inotify"),
        ("[watch]\npoll_ms = 0\n", "[watch] poll_ms"),
        ("[watch]\nreconcile_s = 0\n", "[watch] reconcile_s"),
        ("[watch]\nignore = [\" \"]\n", "[watch] ignore"),
        ("[watch]\ndone_marker = \"*.done\"\n", "[watch] done_marker"),
        ("[watch]\nduplicates = \"maybe\"\n", "maybe"),
        ("[watch]\nwriter_check = \"lsof\"\n", "lsof"),
    ] {
        let error = load(text).unwrap_err();
        assert!(error.contains(key), "{text}: {error}");
    }
}

#[test]
fn binding_enrolment_and_routing_settings() {
    let defaults = load("").unwrap();
    assert_eq!(
        defaults.kinds.bindings.course_identifier,
        CourseIdentifier::Shortname
    );
    assert_eq!(
        defaults.kinds.bindings.role_identifier,
        RoleIdentifier::Shortname
    );
    assert_eq!(defaults.kinds.bindings.enrol_methods, ["cohort"]);
    assert_eq!(defaults.enrolments, EnrolmentMode::Immediate);
    assert_eq!(defaults.removals, Removals::SuspendNow);
    assert_eq!(
        defaults.routing.kind_of("cohortscourses.csv"),
        Some(FileKind::Bindings)
    );

    let config = load(
        "[cohorts]\ncohort_identifier = \"name\"\n\
         [bindings]\ncourse_identifier = \"idnumber\"\nrole_identifier = \"id\"\n\
         enrol_methods = [\"cohort\", \" Cohortrestricted \"]\n\
         [enrolments]\nmode = \"moodle\"\nremovals = \"moodle\"\n\
         [routing]\nbindings = [\"liaisons*.csv\"]\ncohorts = [\"cohortes*.csv\"]\n",
    )
    .unwrap();
    assert_eq!(
        config.kinds.bindings.course_identifier,
        CourseIdentifier::Idnumber
    );
    assert_eq!(config.kinds.bindings.role_identifier, RoleIdentifier::Id);
    assert_eq!(
        config.kinds.bindings.cohort_identifier,
        CohortIdentifier::Name
    );
    assert_eq!(
        config.kinds.bindings.enrol_methods,
        ["cohort", "cohortrestricted"]
    );
    assert_eq!(config.enrolments, EnrolmentMode::Moodle);
    assert_eq!(config.removals, Removals::Moodle);
    assert!(load("[enrolments]\nremovals = \"later\"\n").is_err());
    assert_eq!(
        config.routing.kind_of("Liaisons_2026.csv"),
        Some(FileKind::Bindings)
    );
    assert_eq!(config.routing.kind_of("cohorts.csv"), None);

    for (text, key) in [
        (
            "[bindings]\ncourse_identifier = \"fullname\"\n",
            "course_identifier",
        ),
        (
            "[bindings]\nrole_identifier = \"idnumber\"\n",
            "role_identifier",
        ),
        ("[bindings]\nenrol_methods = []\n", "enrol_methods"),
        (
            "[bindings]\nenrol_methods = [\"co hort\"]\n",
            "enrol_methods",
        ),
        ("[enrolments]\nmode = \"later\"\n", "mode"),
        ("[routing]\ncohorts = []\n", "[routing] cohorts"),
        ("[routing]\nbindings = [\"\"]\n", "[routing] bindings"),
    ] {
        let error = load(text).unwrap_err();
        assert!(error.contains(key), "{text}: {error}");
    }
}

#[test]
fn sync_removal_limit_and_held_folder() {
    let defaults = load("").unwrap();
    assert_eq!(defaults.kinds.cohorts.max_sync_removal_percent, 20);
    assert_eq!(defaults.paths.held, Path::new("/etc/moodle-sync/held"));
    let config =
        load("[cohorts]\nmax_sync_removal_percent = 100\n[paths]\nheld = \"/srv/held\"\n").unwrap();
    assert_eq!(config.kinds.cohorts.max_sync_removal_percent, 100);
    assert_eq!(config.paths.held, Path::new("/srv/held"));
    for bad in ["101", "-1"] {
        let error = load(&format!("[cohorts]\nmax_sync_removal_percent = {bad}\n")).unwrap_err();
        assert!(
            error.contains("[cohorts] max_sync_removal_percent")
                && error.contains(bad)
                && error.contains("from 0 to 100"),
            "{error}"
        );
    }
}

#[test]
fn the_data_root_is_given_or_found_above_the_spool() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path();
    let load = |text: &str| {
        Config::from_file(Config::parse(text).unwrap(), base, None).map(|config| config.moodle)
    };
    // The embedded default: a spool of its own, no data root.
    assert_eq!(load("").unwrap().dataroot, None);
    // A spool that is `<dataroot>/sync`, in a folder that looks like Moodle's data root.
    let dataroot = base.join("moodledata");
    std::fs::create_dir_all(dataroot.join("sync")).unwrap();
    let spool = "[paths]\nspool = \"moodledata/sync\"\n";
    assert_eq!(
        load(spool).unwrap().dataroot,
        None,
        "no muc/ nor cache/ yet"
    );
    std::fs::create_dir_all(dataroot.join("muc")).unwrap();
    assert_eq!(load(spool).unwrap().dataroot, Some(dataroot.clone()));
    // "" turns it off; a folder given is taken, relative to the configuration file.
    let off = format!("{spool}[moodle]\ndataroot = \"\"\n");
    assert_eq!(load(&off).unwrap().dataroot, None);
    std::fs::create_dir_all(base.join("elsewhere")).unwrap();
    assert_eq!(
        load("[moodle]\ndataroot = \"elsewhere\"\n")
            .unwrap()
            .dataroot,
        Some(base.join("elsewhere"))
    );
    let error = load("[moodle]\ndataroot = \"missing\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("[moodle] dataroot") && error.contains("not a folder"),
        "{error}"
    );
    assert!(Config::parse("[moodle]\ndatarot = \"x\"\n").is_err());
}

#[test]
fn moodles_log_is_written_unless_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let load = |text: &str| {
        Config::from_file(Config::parse(text).unwrap(), dir.path(), None)
            .unwrap()
            .moodle
            .write_logs
    };
    assert!(load(""));
    assert!(load("[moodle]\nwrite_logs = true\n"));
    assert!(!load("[moodle]\nwrite_logs = false\n"));
    assert!(Config::parse("[moodle]\nwrite_logs = \"no\"\n").is_err());
}

/// The example's commented `[console]` tables, uncommented, with a real hash and token.
fn example_console() -> String {
    let text = include_str!("../../moodle-sync.example.toml");
    let start = text.find("# [console]\n").unwrap();
    let end = start + text[start..].find("\n\n").unwrap();
    text[start..end]
        .lines()
        .filter_map(|line| line.strip_prefix("# ").or(line.strip_prefix("#")))
        .filter(|line| !line.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("$6$rounds=10000$…", "$6$rounds=10000$salt$hash")
        .replace(
            "token_sha256 = \"…\"",
            &format!("token_sha256 = \"{}\"", "ab".repeat(32)),
        )
}

#[test]
fn the_documented_console_states_its_defaults_and_needs_someone() {
    let example = load(&example_console()).unwrap().console.unwrap();
    assert_eq!(example.listen.to_string(), crate::config::DEFAULT_LISTEN);
    assert_eq!(example.session_s, 480 * 60);
    assert_eq!(example.max_upload, 64 * 1024 * 1024);
    assert!(!example.secure_cookies);
    assert_eq!(example.users[0].role, crate::config::Role::Operator);
    assert_eq!(example.tokens[0].role, crate::config::Role::Viewer);
    assert_eq!(example.proxy.unwrap().user_header, "x-remote-user");
    // Nobody to serve: refused, and so are a bad address, hash or token.
    for (text, key) in [
        ("[console]\n", "[console] users"),
        (
            "[console]\nlisten = \"nowhere\"\n[[console.tokens]]\nname = \"t\"\nrole = \"viewer\"\ntoken_sha256 = \"00\"\n",
            "[console] listen",
        ),
        (
            "[[console.tokens]]\nname = \"t\"\nrole = \"viewer\"\ntoken_sha256 = \"00\"\n",
            "token_sha256",
        ),
        (
            "[[console.users]]\nname = \"m\"\nrole = \"viewer\"\npassword_hash = \"plain\"\n",
            "password_hash",
        ),
    ] {
        let error = load(text).unwrap_err();
        assert!(error.contains(key), "{text}: {error}");
    }
    assert!(load("").unwrap().console.is_none());
}

#[test]
fn retention_defaults_and_overrides_per_folder() {
    use crate::retention::{FolderRule, RetentionSettings};
    assert_eq!(load("").unwrap().retention, RetentionSettings::default());
    let config = load(
        "[retention.archive]\nbundle_after_days = 7\n\n[retention.logs]\nbundle_after_days = 0\ndelete_bundles_after_months = 0\n",
    )
    .unwrap();
    assert_eq!(
        config.retention.archive,
        FolderRule {
            bundle_after_days: 7,
            delete_bundles_after_months: 24
        }
    );
    assert_eq!(config.retention.logs, FolderRule::OFF);
    assert_eq!(config.retention.reports.bundle_after_days, 30);
}

#[test]
fn retention_refuses_held_and_unknown_keys_on_their_line() {
    for (text, named, line) in [
        (
            "\n[retention.held]\nbundle_after_days = 1\n",
            "held",
            "line 2",
        ),
        (
            "[retention.reports]\nbundle_after = 3\n",
            "bundle_after",
            "line 2",
        ),
    ] {
        let error = load(text).unwrap_err();
        assert!(error.contains(named), "{error}");
        assert!(error.contains(line), "{error}");
    }
    let error = load("[retention.failed]\nbundle_after_days = 40000\n").unwrap_err();
    assert!(
        error.contains("[retention.failed] bundle_after_days"),
        "{error}"
    );
}
