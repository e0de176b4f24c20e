//! Alerts, with the real `watch`: mail received by a real SMTP server on loopback (Python's
//! aiosmtpd, started by the test: AUTH with a test user, and STARTTLS with a throwaway private
//! CA), a command that records the JSON it was given, a mail server that cannot be trusted
//! (logged, retried, never stopping the service), and a database unreachable at start and lost
//! later (through a gate the test opens and shuts), alerted once per outage.
//!
//! Which backends: the command test runs on all three (the events come from what the
//! database decided: held, rejected, partly failed). The mail tests run on SQLite only: mail
//! starts from the same event, and the command test shows it is built alike on every backend.
//! The database tests run on PostgreSQL and MariaDB: SQLite cannot be unreachable.

use std::{
    fs,
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
};

use serde_json::Value;
use tokio::{net::TcpListener, sync::watch};

use crate::{
    dbtest,
    support::{Backend, TestEnv, Watcher},
};

/// `[watch]` for tests: short settle time, fast listings, fast database retries.
const WATCH: &str = "[watch]\nsettle_ms = 300\npoll_ms = 100\nreconcile_s = 1\nretry_max_s = 1\n";

const REJECTED: &[u8] = b"cidnumber;cname;bogus\nC1;Cohort one;u1\n";
/// The whole membership of C1 is u1: 2 of 3 members removed, 66.7 % > 20 %.
const HELD: &[u8] = b"cmd;cidnumber;userid\nsync;C1;u1\n";
const PARTIAL: &[u8] = b"cidnumber;cname;userid\nC2;Cohort two;u2\nC2;Cohort two;nobody\n";
const GOOD: &[u8] = b"cidnumber;cname;userid\nC3;Cohort three;u3\n";

/// A ledger row: `(id, name, outcome, report, kept, error, tryback)`.
async fn ledger(env: &TestEnv) -> Vec<Vec<String>> {
    env.rows(
        "SELECT id, name, outcome, report, kept, error, tryback FROM {moodlesync_ledger} ORDER BY id",
    )
    .await
}

async fn ledger_count(env: &TestEnv) -> i64 {
    env.count("SELECT COUNT(*) FROM {moodlesync_ledger}").await
}

/// Writes a command that records its standard input into `dir`, one file per call, and
/// returns its path.
fn recording_command(root: &Path) -> (PathBuf, PathBuf) {
    let dir = root.join("received");
    fs::create_dir_all(&dir).unwrap();
    let script = root.join("record-alert.sh");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\n# Records the event given on standard input.\n\
             cat > '{dir}/.event-'$$ && mv '{dir}/.event-'$$ '{dir}/event-'$$.json\n",
            dir = dir.display()
        ),
    )
    .unwrap();
    let mut permissions = fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    fs::set_permissions(&script, permissions).unwrap();
    (script, dir)
}

/// The events a recording command received, each as its JSON, in the order they were sent.
fn events(dir: &Path) -> Vec<Value> {
    let mut events: Vec<(std::time::SystemTime, Value)> = fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().starts_with("event-"))
        .map(|entry| {
            let text = fs::read_to_string(entry.path()).unwrap();
            // One line of JSON, ended by a newline.
            assert!(
                text.ends_with('\n') && text.matches('\n').count() == 1,
                "{text}"
            );
            (
                entry.metadata().unwrap().modified().unwrap(),
                serde_json::from_str(&text).unwrap(),
            )
        })
        .collect();
    events.sort_by_key(|(modified, _)| *modified);
    events.into_iter().map(|(_, event)| event).collect()
}

fn event_for<'a>(events: &'a [Value], file: &str) -> &'a Value {
    events
        .iter()
        .find(|event| event["file"] == file)
        .unwrap_or_else(|| panic!("no event for {file}: {events:#?}"))
}

/// Says, once, that the mail tests are skipped, or fails when the backends are required
/// (`MOODLE_SYNC_TEST_BACKENDS`, as `.ci/run` sets it): `.ci/run` installs aiosmtpd.
fn aiosmtpd_available() -> bool {
    static NOTED: AtomicBool = AtomicBool::new(false);
    let available = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if available {
        return true;
    }
    if std::env::var_os("MOODLE_SYNC_TEST_BACKENDS").is_some() {
        panic!(
            "the mail tests need python3 with aiosmtpd (python3 -m pip install aiosmtpd); \
             MOODLE_SYNC_TEST_BACKENDS is set, so they may not be skipped"
        );
    }
    if !NOTED.swap(true, Ordering::Relaxed) {
        let _ = std::io::stderr().write_all(
            b"note: mail alert tests skipped (python3 with aiosmtpd not found: python3 -m pip install aiosmtpd)\n",
        );
    }
    false
}

const SMTP_USER: &str = "alerts";
const SMTP_PASSWORD: &str = "s3cret-for-tests";

/// A real SMTP server (tests/data/smtp_server.py), killed when dropped.
struct SmtpServer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl SmtpServer {
    /// Starts it in `root`; with `tls`, `(certificate, key)`, it requires STARTTLS.
    fn start(root: &Path, tls: Option<(&Path, &Path)>) -> SmtpServer {
        let dir = root.join("mailbox");
        fs::create_dir_all(&dir).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/smtp_server.py");
        let mut command = Command::new("python3");
        command
            .arg(script)
            .arg(&dir)
            .args([SMTP_USER, SMTP_PASSWORD]);
        if let Some((certificate, key)) = tls {
            command.arg(certificate).arg(key);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(fs::File::create(root.join("smtp.log")).unwrap())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .strip_prefix("READY ")
            .and_then(|port| port.trim().parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "the SMTP server did not start: {line:?}\n{}",
                    fs::read_to_string(root.join("smtp.log")).unwrap_or_default()
                )
            });
        SmtpServer { child, port, dir }
    }

    /// The messages received, in order.
    fn messages(&self) -> Vec<Value> {
        let mut numbered: Vec<(u32, Value)> = fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                let number = name.strip_suffix(".json")?.parse().ok()?;
                let text = fs::read_to_string(entry.path()).unwrap();
                Some((number, serde_json::from_str(&text).unwrap()))
            })
            .collect();
        numbered.sort_by_key(|(number, _)| *number);
        numbered.into_iter().map(|(_, message)| message).collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `[alerts.mail]` for the server on `port`.
fn mail_config(port: u16, tls: &str, extra: &str) -> String {
    format!(
        "[alerts.mail]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"{tls}\"\n\
         from = \"moodle-sync <sync@example.org>\"\nto = [\"admin@example.org\", \"Ops <ops@example.org>\"]\n\
         username_env = \"TEST_SMTP_USER\"\npassword_env = \"TEST_SMTP_PASSWORD\"\ntimeout_s = 10\n{extra}\n"
    )
}

const CREDENTIALS: [(&str, &str); 2] = [
    ("TEST_SMTP_USER", SMTP_USER),
    ("TEST_SMTP_PASSWORD", SMTP_PASSWORD),
];

/// A throwaway certificate authority and a certificate it signed for 127.0.0.1, made with
/// openssl: `(ca.pem, server.pem, server.key)` in `root`.
fn private_ca(root: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let ca_key = root.join("ca.key");
    let ca = root.join("ca.pem");
    let key = root.join("server.key");
    let request = root.join("server.csr");
    let certificate = root.join("server.pem");
    let extensions = root.join("server.ext");
    fs::write(
        &extensions,
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n\
         extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    let openssl = |args: &[&str]| {
        let output = Command::new("openssl").args(args).output().unwrap();
        assert!(
            output.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let path = |path: &PathBuf| path.display().to_string();
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=moodle-sync test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        "-keyout",
        &path(&ca_key),
        "-out",
        &path(&ca),
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        &path(&key),
        "-out",
        &path(&request),
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        &path(&request),
        "-CA",
        &path(&ca),
        "-CAkey",
        &path(&ca_key),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        &path(&extensions),
        "-out",
        &path(&certificate),
    ]);
    (ca, certificate, key)
}

async fn prepare_cohorts(env: &TestEnv) {
    env.add_users(&["u1", "u2", "u3"]).await;
    env.add_cohort("C1", "Classe").await;
    env.add_members("C1", &["u1", "u2", "u3"]).await;
}

/// Drops `bytes` as `name` and waits until the service has recorded `runs` files.
async fn drop_and_wait(env: &TestEnv, watcher: &Watcher, name: &str, bytes: &[u8], runs: i64) {
    env.drop_file(name, bytes);
    watcher
        .eventually(&format!("{name} to be taken"), async || {
            ledger_count(env).await >= runs
        })
        .await;
}

dbtest!(
    a_command_is_given_each_file_needing_attention_as_json,
    |env| {
        let mut env = env;
        let (script, received) = recording_command(env.root());
        env.reconfigure(&format!(
            "{WATCH}[alerts]\n[alerts.command]\nargv = [\"{}\"]\n",
            script.display()
        ));
        prepare_cohorts(&env).await;
        let watcher = Watcher::start(&env).await;
        drop_and_wait(&env, &watcher, "cohorts_bad.csv", REJECTED, 1).await;
        drop_and_wait(&env, &watcher, "cohorts_sync.csv", HELD, 2).await;
        drop_and_wait(&env, &watcher, "cohorts_some.csv", PARTIAL, 3).await;
        drop_and_wait(&env, &watcher, "cohorts_good.csv", GOOD, 4).await;
        watcher
            .eventually("three events to be recorded", async || {
                events(&received).len() >= 3
            })
            .await;
        let runs = ledger(&env).await;
        let outcomes: Vec<(&str, &str)> = runs
            .iter()
            .map(|run| (run[1].as_str(), run[2].as_str()))
            .collect();
        assert_eq!(
            outcomes,
            [
                ("cohorts_bad.csv", "rejected"),
                ("cohorts_sync.csv", "held"),
                ("cohorts_some.csv", "partial"),
                ("cohorts_good.csv", "success"),
            ]
        );
        // The good file is no event.
        let (status, log) = watcher.stop().await;
        assert!(status.success(), "{status}\n{log}");
        let events = events(&received);
        assert_eq!(events.len(), 3, "{events:#?}");

        let host = fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        for (run, kind) in runs.iter().zip(["rejected", "held", "partial"]) {
            let event = event_for(&events, &run[1]);
            assert_eq!(event["version"], 1, "{event:#}");
            assert_eq!(event["kind"], kind, "{event:#}");
            assert_eq!(event["status"], kind, "{event:#}");
            assert_eq!(event["run"].to_string(), run[0], "{event:#}");
            assert_eq!(event["report"], run[3], "{event:#}");
            assert_eq!(event["kept"], run[4], "{event:#}");
            assert!(
                event["report_json"].as_str().unwrap().ends_with(".json"),
                "{event:#}"
            );
            assert_eq!(event["host"], host.trim(), "{event:#}");
            assert!(
                event["instance"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("@{}", host.trim())),
                "{event:#}"
            );
            chrono::DateTime::parse_from_rfc3339(event["time"].as_str().unwrap()).unwrap();
            assert!(fs::metadata(event["report"].as_str().unwrap()).is_ok());
            assert!(fs::metadata(event["kept"].as_str().unwrap()).is_ok());
        }

        let rejected = event_for(&events, "cohorts_bad.csv");
        assert_eq!(rejected["reason"], runs[0][5], "{rejected:#}");
        assert!(
            rejected["reason"]
                .as_str()
                .unwrap()
                .contains("unknown column \"bogus\""),
            "{rejected:#}"
        );
        assert!(
            rejected["kept"]
                .as_str()
                .unwrap()
                .starts_with(&env.config.paths.failed.display().to_string())
        );
        assert!(
            rejected["next_step"]
                .as_str()
                .unwrap()
                .ends_with(&format!("moodle-sync retry {}", runs[0][4])),
            "{rejected:#}"
        );

        let held = event_for(&events, "cohorts_sync.csv");
        assert_eq!(
            held["reason"],
            "sync of cohort \"Classe\" [C1] would remove 2 of 3 members (66.7 %) > 20 %"
        );
        assert_eq!(held["reason"], runs[1][5]);
        assert!(
            held["kept"]
                .as_str()
                .unwrap()
                .starts_with(&env.config.paths.held.display().to_string())
        );
        assert_eq!(
            held["totals"],
            serde_json::json!({"lines": 1, "changed": 0, "failed": 0})
        );
        assert!(
            held["next_step"]
                .as_str()
                .unwrap()
                .contains(&format!("moodle-sync approve {}", runs[1][4])),
            "{held:#}"
        );

        let partial = event_for(&events, "cohorts_some.csv");
        assert_eq!(
            partial["totals"],
            serde_json::json!({"lines": 2, "changed": 1, "failed": 1})
        );
        assert_eq!(
            partial["reason"],
            "1 line of 2 failed; the others were applied"
        );
        assert_eq!(partial["tryback"], runs[2][6]);
        assert!(
            partial["next_step"]
                .as_str()
                .unwrap()
                .ends_with(&format!("moodle-sync retry {}", runs[2][6])),
            "{partial:#}"
        );
        assert_eq!(
            log.matches("Alert given to the command").count(),
            3,
            "{log}"
        );
        // What the files did is unchanged by the alerts.
        assert_eq!(env.members("C1").await, ["u1", "u2", "u3"]);
        assert_eq!(env.members("C2").await, ["u2"]);
        assert_eq!(env.members("C3").await, ["u3"]);
    }
);

#[tokio::test]
async fn mail_reaches_an_smtp_server_that_asks_for_a_password() {
    if !aiosmtpd_available() {
        return;
    }
    let Some(mut env) = TestEnv::new(Backend::Sqlite).await else {
        return;
    };
    let server = SmtpServer::start(env.root(), None);
    env.reconfigure(&format!(
        "{WATCH}[alerts]\nevents = [\"rejected\", \"held\"]\n{}",
        mail_config(server.port, "none", "")
    ));
    prepare_cohorts(&env).await;
    let watcher = Watcher::start_with_vars(&env, &CREDENTIALS).await;
    drop_and_wait(&env, &watcher, "cohorts_bad.csv", REJECTED, 1).await;
    drop_and_wait(&env, &watcher, "cohorts_sync.csv", HELD, 2).await;
    // Not among the events asked for: no mail.
    drop_and_wait(&env, &watcher, "cohorts_some.csv", PARTIAL, 3).await;
    watcher
        .eventually("two mails to arrive", async || server.messages().len() >= 2)
        .await;
    let (status, log) = watcher.stop().await;
    assert!(status.success(), "{status}\n{log}");
    let messages = server.messages();
    assert_eq!(messages.len(), 2, "{messages:#?}\n{log}");
    let runs = ledger(&env).await;
    let host = fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let host = host.trim();

    for message in &messages {
        // The credentials came from the environment of the service.
        assert_eq!(message["login"], SMTP_USER);
        assert_eq!(message["tls"], false);
        assert_eq!(message["mail_from"], "sync@example.org");
        assert_eq!(
            message["rcpt_tos"],
            serde_json::json!(["admin@example.org", "ops@example.org"])
        );
        assert_eq!(message["from"], "moodle-sync <sync@example.org>");
        assert_eq!(message["to"], "admin@example.org, Ops <ops@example.org>");
        assert_eq!(message["content_type"], "text/plain");
    }
    let rejected = &messages[0];
    assert_eq!(
        rejected["subject"],
        format!("moodle-sync on {host}: cohorts_bad.csv rejected")
    );
    let body = rejected["body"].as_str().unwrap();
    for expected in [
        "cohorts_bad.csv was rejected: nothing of it was applied.\n".to_owned(),
        format!("Run         #{}\n", runs[0][0]),
        format!("Reason      {}\n", runs[0][5]),
        format!("Report      {}\n", runs[0][3]),
        format!("Input kept  {}\n", runs[0][4]),
        format!("moodle-sync retry {}.\n", runs[0][4]),
    ] {
        assert!(body.contains(&expected), "{expected}\n{body}");
    }
    let held = &messages[1];
    assert_eq!(
        held["subject"],
        format!("moodle-sync on {host}: cohorts_sync.csv held for approval")
    );
    let body = held["body"].as_str().unwrap();
    for expected in [
        "Reason      sync of cohort \"Classe\" [C1] would remove 2 of 3 members (66.7 %) > 20 %\n"
            .to_owned(),
        format!("Report      {}\n", runs[1][3]),
        format!("moodle-sync approve {}", runs[1][4]),
    ] {
        assert!(body.contains(&expected), "{expected}\n{body}");
    }
    assert_eq!(log.matches("Alert sent by mail").count(), 2, "{log}");
    // The password is never logged.
    assert!(!log.contains(SMTP_PASSWORD), "{log}");
}

#[tokio::test]
async fn mail_goes_over_starttls_to_a_server_a_private_ca_signed() {
    if !aiosmtpd_available() {
        return;
    }
    let Some(mut env) = TestEnv::new(Backend::Sqlite).await else {
        return;
    };
    let (ca, certificate, key) = private_ca(env.root());
    let server = SmtpServer::start(env.root(), Some((&certificate, &key)));
    // The CA file is relative to the configuration file.
    assert_eq!(ca.parent(), Some(env.root()));
    env.reconfigure(&format!(
        "{WATCH}[alerts]\n{}",
        mail_config(server.port, "starttls", "ca_file = \"ca.pem\"")
    ));
    let watcher = Watcher::start_with_vars(&env, &CREDENTIALS).await;
    drop_and_wait(&env, &watcher, "cohorts_bad.csv", REJECTED, 1).await;
    watcher
        .eventually("the mail to arrive", async || !server.messages().is_empty())
        .await;
    let messages = server.messages();
    assert_eq!(messages[0]["tls"], true, "{messages:#?}");
    assert_eq!(messages[0]["login"], SMTP_USER);
    assert!(
        messages[0]["subject"]
            .as_str()
            .unwrap()
            .ends_with(": cohorts_bad.csv rejected"),
        "{messages:#?}"
    );
    let (status, log) = watcher.stop().await;
    assert!(status.success(), "{status}\n{log}");
}

#[tokio::test]
async fn a_mail_server_that_cannot_be_trusted_never_stops_the_service() {
    if !aiosmtpd_available() {
        return;
    }
    let Some(mut env) = TestEnv::new(Backend::Sqlite).await else {
        return;
    };
    // STARTTLS with a certificate no trusted authority signed (no ca_file): every attempt is
    // refused by moodle-sync itself, before any credential or mail is sent.
    let (_, certificate, key) = private_ca(env.root());
    let server = SmtpServer::start(env.root(), Some((&certificate, &key)));
    let (script, received) = recording_command(env.root());
    env.reconfigure(&format!(
        "{WATCH}[alerts]\n{}[alerts.command]\nargv = [\"{}\"]\n",
        mail_config(server.port, "starttls", ""),
        script.display()
    ));
    env.add_users(&["u3"]).await;
    let watcher = Watcher::start_with_vars(&env, &CREDENTIALS).await;
    drop_and_wait(&env, &watcher, "cohorts_bad.csv", REJECTED, 1).await;
    // The command is not held up by the mail's retries.
    watcher
        .eventually("the command to be given the event", async || {
            events(&received).len() == 1
        })
        .await;
    // The service goes on taking files meanwhile.
    drop_and_wait(&env, &watcher, "cohorts_good.csv", GOOD, 2).await;
    watcher
        .eventually("the mail to be given up", async || {
            watcher
                .log()
                .contains("Alert not sent by mail, given up after 3 attempts")
        })
        .await;
    let (status, log) = watcher.stop().await;
    assert!(status.success(), "{status}\n{log}");
    assert_eq!(
        log.matches("Alert not sent by mail (").count(),
        2,
        "two retries: {log}"
    );
    assert!(log.contains("certificate"), "the cause is logged: {log}");
    assert!(server.messages().is_empty());
    assert_eq!(env.members("C3").await, ["u3"]);
    assert_eq!(events(&received)[0]["kind"], "rejected");
}

#[tokio::test]
async fn a_missing_credential_variable_stops_watch_at_start() {
    let Some(mut env) = TestEnv::new(Backend::Sqlite).await else {
        return;
    };
    env.reconfigure(&format!(
        "{WATCH}[alerts]\n{}",
        mail_config(2525, "none", "")
    ));
    let output = env.cli(&["watch"]);
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("[alerts.mail] username_env = \"TEST_SMTP_USER\"")
            && stderr.contains("not set"),
        "{stderr}"
    );
}

/// A door between the service and the database server: open, it forwards connections; shut,
/// it cuts the ones in progress and closes every new one at once, as a server that went away
/// would.
struct Gate {
    port: u16,
    open: watch::Sender<bool>,
    /// Connections closed while shut.
    refused: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Gate {
    async fn new(upstream: String, open: bool) -> Gate {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (state, receiver) = watch::channel(open);
        let refused = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&refused);
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                if !*receiver.borrow() {
                    counter.fetch_add(1, Ordering::Relaxed);
                    drop(inbound);
                    continue;
                }
                let upstream = upstream.clone();
                let mut shut = receiver.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = shut.wait_for(|open| !open) => {}
                    }
                });
            }
        });
        Gate {
            port,
            open: state,
            refused,
            task,
        }
    }

    fn set(&self, open: bool) {
        self.open.send_replace(open);
    }

    fn refused(&self) -> usize {
        self.refused.load(Ordering::Relaxed)
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `url` with its host and port replaced by the gate's; and the host and port it had.
fn through_gate(url: &str, port: u16) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let authority_end = rest.find('/').unwrap();
    let (authority, path) = rest.split_at(authority_end);
    let (user, host) = authority.rsplit_once('@').unwrap();
    (
        format!("{scheme}://{user}@127.0.0.1:{port}{path}"),
        host.to_owned(),
    )
}

/// The database unreachable when the service starts, back, lost while it runs, back again:
/// one alert per outage and one when it answers again, and the files wait meanwhile.
async fn database_outages(env: TestEnv) {
    let (script, received) = recording_command(env.root());
    let (_, upstream) = through_gate(&env.url, 0);
    let gate = Gate::new(upstream, false).await;
    let (gated, _) = through_gate(&env.url, gate.port);
    fs::write(
        env.root().join("moodle-sync.toml"),
        format!(
            "{WATCH}[alerts]\nevents = [\"database_down\"]\ndatabase_down_after_s = 1\n\
             [alerts.command]\nargv = [\"{}\"]\n\
             [database]\nurl = \"{gated}\"\nprefix = \"mdl_\"\n",
            script.display()
        ),
    )
    .unwrap();
    env.db.ensure_ledger().await.unwrap();
    env.add_users(&["u1", "u2"]).await;
    let watcher = Watcher::spawn(&env, "watch-outage");

    // Unreachable at start: alerted once, while the service keeps trying.
    watcher
        .eventually("the database_down alert", async || {
            events(&received).len() == 1
        })
        .await;
    let refused = gate.refused();
    watcher
        .eventually("two more attempts to reach the database", async || {
            gate.refused() >= refused + 2
        })
        .await;
    let first = events(&received);
    assert_eq!(first.len(), 1, "once per outage: {first:#?}");
    assert_eq!(first[0]["kind"], "database_down");
    assert_eq!(first[0]["file"], Value::Null);
    assert!(
        first[0]["database"]
            .as_str()
            .unwrap()
            .contains(&format!("127.0.0.1:{}", gate.port)),
        "{first:#?}"
    );
    chrono::DateTime::parse_from_rfc3339(first[0]["since"].as_str().unwrap()).unwrap();
    assert!(!first[0]["reason"].as_str().unwrap().is_empty());
    assert!(!watcher.is_watching());

    // Back: said once; files are taken.
    gate.set(true);
    watcher
        .eventually("the database_back alert", async || {
            events(&received).len() == 2
        })
        .await;
    assert_eq!(events(&received)[1]["kind"], "database_back");
    assert_eq!(events(&received)[1]["since"], first[0]["since"]);
    env.drop_file("cohorts_one.csv", b"cidnumber;cname;userid\nC1;One;u1\n");
    watcher
        .eventually("cohorts_one.csv to be applied", async || {
            ledger_count(&env).await == 1
        })
        .await;

    // Lost while running: the next file finds it gone; alerted once, then back.
    gate.set(false);
    env.drop_file("cohorts_two.csv", b"cidnumber;cname;userid\nC2;Two;u2\n");
    watcher
        .eventually("the second database_down alert", async || {
            events(&received).len() == 3
        })
        .await;
    assert_eq!(events(&received)[2]["kind"], "database_down");
    assert!(env.config.paths.spool.join("cohorts_two.csv").exists());
    gate.set(true);
    watcher
        .eventually("cohorts_two.csv to be applied", async || {
            ledger_count(&env).await == 2
        })
        .await;
    watcher
        .eventually("the second database_back alert", async || {
            events(&received).len() == 4
        })
        .await;
    let (status, log) = watcher.stop().await;
    assert!(status.success(), "{status}\n{log}");
    let kinds: Vec<Value> = events(&received)
        .iter()
        .map(|event| event["kind"].clone())
        .collect();
    assert_eq!(
        kinds,
        [
            "database_down",
            "database_back",
            "database_down",
            "database_back"
        ]
    );
    assert_eq!(env.members("C1").await, ["u1"]);
    assert_eq!(env.members("C2").await, ["u2"]);
}

mod the_database_unreachable_is_alerted_once_per_outage {
    use super::*;

    #[tokio::test]
    async fn postgres() {
        if let Some(env) = TestEnv::new(Backend::Postgres).await {
            database_outages(env).await;
        }
    }

    #[tokio::test]
    async fn mariadb() {
        if let Some(env) = TestEnv::new(Backend::Mariadb).await {
            database_outages(env).await;
        }
    }
}
