//! The web console over HTTP, served in the test's process on the test's folders and database:
//! who may see and do what (nobody unauthenticated, viewers, operators, the read-only console,
//! a trusted proxy), CSRF, escaping of file names and contents, downloads that cannot leave
//! the service's folders, and `/metrics`, `/healthz`, `/readyz`.

use std::{net::SocketAddr, sync::Arc};

use moodle_sync::{
    command::user::PasswordFormat,
    config::{ConsoleSettings, ConsoleToken, ConsoleUser, ProxySettings, Role},
    console::{self, Console, Mode},
    service::LocalMetrics,
};
use prom_text_format_parser::Scrape;
use reqwest::{Client, Response, StatusCode, header};
use tokio_util::sync::CancellationToken;

use crate::{dbtest, support::TestEnv};

const OPERATOR_TOKEN: &str = "operator-token-of-the-tests";
const VIEWER_TOKEN: &str = "viewer-token-of-the-tests";

/// A console served on a free port of loopback, stopped when dropped.
pub(crate) struct Served {
    pub(crate) base: String,
    client: Client,
    stop: CancellationToken,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

pub(crate) fn settings() -> ConsoleSettings {
    let hash = |password: &str| PasswordFormat::Sha512Crypt.hash(password).unwrap();
    ConsoleSettings {
        listen: "127.0.0.1:0".parse().unwrap(),
        users: vec![
            ConsoleUser {
                name: "olga".into(),
                role: Role::Operator,
                password_hash: hash("operator secret"),
            },
            ConsoleUser {
                name: "victor".into(),
                role: Role::Viewer,
                password_hash: hash("viewer secret"),
            },
        ],
        tokens: vec![
            ConsoleToken {
                name: "scripts".into(),
                role: Role::Operator,
                sha256: console::token_sha256(OPERATOR_TOKEN),
            },
            ConsoleToken {
                name: "prometheus".into(),
                role: Role::Viewer,
                sha256: console::token_sha256(VIEWER_TOKEN),
            },
        ],
        proxy: Some(ProxySettings {
            user_header: "x-remote-user".into(),
            trusted: vec!["127.0.0.1".parse().unwrap()],
            operators: vec!["pauline".into()],
        }),
        secure_cookies: false,
        session_s: 3600,
        max_upload: 1024 * 1024,
    }
}

pub(crate) async fn serve(env: &TestEnv, mode: Mode) -> Served {
    serve_with(env, mode, settings()).await
}

async fn serve_with(env: &TestEnv, mode: Mode, settings: ConsoleSettings) -> Served {
    let console = Console::new(Arc::new(env.config.clone()), settings, env.db.clone(), mode);
    serve_console(console).await
}

async fn serve_console(console: Console) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address: SocketAddr = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    tokio::spawn(console::serve(Arc::new(console), listener, stop.clone()));
    Served {
        base: format!("http://{address}"),
        client: Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        stop,
    }
}

/// A browser's session: its cookie and the CSRF token of its forms.
struct Session {
    cookie: String,
    csrf: String,
}

/// The value of `name="csrf"` in a page.
fn csrf_of(page: &str) -> String {
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF token")
        + 19;
    page[at..at + page[at..].find('"').unwrap()].to_owned()
}

fn cookie_of(response: &Response) -> String {
    let set = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .find(|value| value.starts_with("moodle_sync_session="))
        .expect("a session cookie");
    set.split(';').next().unwrap().to_owned()
}

impl Served {
    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(format!("{}{path}", self.base))
    }

    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(format!("{}{path}", self.base))
    }

    async fn login(&self, name: &str, password: &str) -> Result<Session, StatusCode> {
        let form = self.get("/login").send().await.unwrap();
        let cookie = cookie_of(&form);
        let csrf = csrf_of(&form.text().await.unwrap());
        let body = format!(
            "name={name}&password={}&csrf={csrf}&next=%2F",
            password.replace(' ', "+")
        );
        let answer = self
            .post("/login")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        if answer.status() != StatusCode::SEE_OTHER {
            return Err(answer.status());
        }
        let cookie = cookie_of(&answer);
        let home = self
            .get("/")
            .header(header::COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(home.status(), StatusCode::OK);
        let csrf = csrf_of(&home.text().await.unwrap());
        Ok(Session { cookie, csrf })
    }

    /// A form sent by `session` (with its token unless `csrf` is `None`).
    async fn form(&self, session: &Session, path: &str, csrf: Option<&str>) -> Response {
        let body = csrf.map(|csrf| format!("csrf={csrf}")).unwrap_or_default();
        self.post(path)
            .header(header::COOKIE, &session.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn page(&self, session: &Session, path: &str) -> (StatusCode, String) {
        let answer = self
            .get(path)
            .header(header::COOKIE, &session.cookie)
            .send()
            .await
            .unwrap();
        (answer.status(), answer.text().await.unwrap())
    }
}

/// A cohort file that holds: its sync would remove every member of C1.
pub(crate) async fn held_file(env: &TestEnv) -> std::path::PathBuf {
    env.add_users(&["u1", "u2", "u3"]).await;
    env.add_cohort("C1", "Classe").await;
    env.add_members("C1", &["u1", "u2", "u3"]).await;
    let summary = env
        .run(
            "cohorts_group.csv",
            b"cmd;cidnumber;cname;userid\nsync;C1;;\n",
        )
        .await;
    summary.held.expect("a held file")
}

dbtest!(nothing_is_served_to_anyone_unauthenticated, |env| {
    let held = held_file(&env).await;
    let served = serve(&env, Mode::Service).await;
    // A browser is sent to the login form, with the page it asked for.
    let answer = served
        .get("/runs?kind=cohorts")
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        answer.headers()[header::LOCATION],
        "/login?next=/runs%3Fkind%3Dcohorts"
    );
    // Anything else is told 401, and learns nothing.
    for path in [
        "/",
        "/runs",
        "/runs/1",
        "/runs/1/files/input",
        "/search?q=u1",
        "/drop",
        "/metrics",
        "/healthz",
        "/readyz",
    ] {
        let answer = served.get(path).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert!(
            !answer.text().await.unwrap().contains("cohorts_group"),
            "{path}"
        );
    }
    let held_name = held.file_name().unwrap().to_str().unwrap().to_owned();
    let answer = served
        .post(&format!("/held/{held_name}/approve"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    // A wrong token, a wrong password.
    let answer = served
        .get("/")
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        served.login("olga", "wrong").await.err(),
        Some(StatusCode::UNAUTHORIZED)
    );
    assert_eq!(
        served.login("nobody", "operator secret").await.err(),
        Some(StatusCode::UNAUTHORIZED)
    );
    assert!(held.is_file(), "nothing acted");
    assert_eq!(
        env.count("SELECT COUNT(*) FROM {moodlesync_ledger} WHERE outcome = 'approved'")
            .await,
        0
    );
});

dbtest!(a_viewer_sees_and_an_operator_acts, |env| {
    let held = held_file(&env).await;
    let held_name = held.file_name().unwrap().to_str().unwrap().to_owned();
    let served = serve(&env, Mode::Service).await;
    // The viewer sees the held file, without buttons; an action is refused.
    let viewer = served.login("victor", "viewer secret").await.unwrap();
    let (status, home) = served.page(&viewer, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains(&held_name), "{home}");
    assert!(home.contains("would remove 3 of 3 members"), "{home}");
    assert!(!home.contains("/approve"), "{home}");
    let refused = served
        .form(
            &viewer,
            &format!("/held/{held_name}/approve"),
            Some(&viewer.csrf),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let refused = served
        .post(&format!("/held/{held_name}/discard"))
        .bearer_auth(VIEWER_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(held.is_file());
    assert_eq!(env.members("C1").await.len(), 3);

    // The operator's form without its token, or with another session's, is refused.
    let operator = served.login("olga", "operator secret").await.unwrap();
    let (_, home) = served.page(&operator, "/").await;
    assert!(
        home.contains(&format!("/held/{held_name}/approve")),
        "{home}"
    );
    for token in [None, Some(viewer.csrf.as_str()), Some("0000")] {
        let refused = served
            .form(&operator, &format!("/held/{held_name}/approve"), token)
            .await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{token:?}");
    }
    // A form sent from another site is refused, token or not.
    let refused = served
        .post(&format!("/held/{held_name}/approve"))
        .header(header::COOKIE, &operator.cookie)
        .header(header::ORIGIN, "https://evil.example")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("csrf={}", operator.csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(held.is_file());

    // With its token, approved: applied, the held file archived, who approved recorded.
    let approved = served
        .form(
            &operator,
            &format!("/held/{held_name}/approve"),
            Some(&operator.csrf),
        )
        .await;
    assert_eq!(approved.status(), StatusCode::OK);
    assert!(approved.text().await.unwrap().contains("olga"));
    assert!(!held.exists());
    assert!(env.members("C1").await.is_empty());
    let rows = env
        .rows("SELECT outcome, summary FROM {moodlesync_ledger} WHERE outcome = 'approved'")
        .await;
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0][1].starts_with("approved by olga (console on "),
        "{rows:?}"
    );

    // Logged out, the session is gone.
    let out = served
        .form(&operator, "/logout", Some(&operator.csrf))
        .await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let (status, _) = served.page(&operator, "/runs").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
});

dbtest!(a_read_only_console_shows_but_never_acts, |env| {
    let held = held_file(&env).await;
    let held_name = held.file_name().unwrap().to_str().unwrap().to_owned();
    let served = serve(&env, Mode::ReadOnly).await;
    let operator = served.login("olga", "operator secret").await.unwrap();
    let (_, home) = served.page(&operator, "/").await;
    assert!(home.contains(&held_name));
    assert!(!home.contains("/approve"), "{home}");
    for action in ["approve", "discard"] {
        let refused = served
            .form(
                &operator,
                &format!("/held/{held_name}/{action}"),
                Some(&operator.csrf),
            )
            .await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{action}");
    }
    let refused = served
        .post(&format!("/held/{held_name}/discard"))
        .bearer_auth(OPERATOR_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(held.is_file());
    assert_eq!(env.members("C1").await.len(), 3);
});

dbtest!(a_trusted_proxy_names_the_person_and_their_role, |env| {
    let held = held_file(&env).await;
    let held_name = held.file_name().unwrap().to_str().unwrap().to_owned();
    let served = serve(&env, Mode::Service).await;
    // A person the proxy names who is not an operator views only.
    let viewer = served
        .get("/")
        .header("X-Remote-User", "paul")
        .send()
        .await
        .unwrap();
    assert_eq!(viewer.status(), StatusCode::OK);
    let page = viewer.text().await.unwrap();
    assert!(page.contains("paul"));
    assert!(!page.contains("/approve"));
    // The proxy's operator: a session for the CSRF token, then the action.
    let answer = served
        .get("/")
        .header("X-Remote-User", "pauline")
        .send()
        .await
        .unwrap();
    let cookie = cookie_of(&answer);
    let csrf = csrf_of(&answer.text().await.unwrap());
    let discarded = served
        .post(&format!("/held/{held_name}/discard"))
        .header("X-Remote-User", "pauline")
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(discarded.status(), StatusCode::OK);
    assert!(!held.exists());
    let rows = env
        .rows("SELECT summary FROM {moodlesync_ledger} WHERE outcome = 'discarded'")
        .await;
    assert!(
        rows[0][0].starts_with("discarded by pauline (console, by proxy on "),
        "{rows:?}"
    );
    assert_eq!(env.members("C1").await.len(), 3, "never applied");

    // The same header from a peer that is not the proxy names no one.
    let mut elsewhere = settings();
    elsewhere.proxy.as_mut().unwrap().trusted = vec!["192.0.2.7".parse().unwrap()];
    let served = serve_with(&env, Mode::Service, elsewhere).await;
    let answer = served
        .get("/")
        .header("X-Remote-User", "pauline")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
});

/// A cohort file whose name, values and failed values are HTML and script.
const HOSTILE_NAME: &str = "cohorts_<img src=x onerror=alert(1)>.csv";
const HOSTILE: &[u8] = b"cmd;cidnumber;cname;userid\n\
add;<script>alert(\"id\")</script>;<b onmouseover=alert(2)>Classe</b>;u1\n\
add;C9;Classe 9;<script>alert(3)</script>\n";

dbtest!(file_names_and_contents_are_escaped_everywhere, |env| {
    env.add_users(&["u1"]).await;
    let summary = env.run(HOSTILE_NAME, HOSTILE).await;
    let run = summary.run.expect("a run");
    assert_eq!(summary.exit_code(), 1, "{:?}", summary.error);
    let served = serve(&env, Mode::Service).await;
    let operator = served.login("olga", "operator secret").await.unwrap();
    let pages = [
        "/".to_owned(),
        "/runs".to_owned(),
        format!("/runs/{run}"),
        "/search?q=%3Cscript%3E".to_owned(),
        "/runs?name=%3Cimg".to_owned(),
    ];
    for path in &pages {
        let (status, page) = served.page(&operator, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        for raw in ["<script>", "<img src=x", "<b onmouseover"] {
            assert!(!page.contains(raw), "{path} holds {raw}:\n{page}");
        }
    }
    let (_, run_page) = served.page(&operator, &format!("/runs/{run}")).await;
    assert!(
        run_page.contains("cohorts_&lt;img src=x onerror=alert(1)&gt;.csv"),
        "{run_page}"
    );
    assert!(
        run_page.contains("&lt;script&gt;alert(3)&lt;/script&gt;"),
        "{run_page}"
    );
    let (_, found) = served
        .page(&operator, "/search?q=%3Cscript%3Ealert(3)")
        .await;
    assert!(found.contains(&format!("/runs/{run}")), "{found}");
    // Downloads are attachments with a plain name, never rendered.
    let answer = served
        .get(&format!("/runs/{run}/files/input"))
        .header(header::COOKIE, &operator.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let disposition = answer.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        disposition,
        format!("attachment; filename=\"{}\"", {
            let kept = summary
                .archive
                .as_ref()
                .unwrap()
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            kept.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect::<String>()
        })
    );
    assert_eq!(answer.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(
        answer.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    assert_eq!(answer.bytes().await.unwrap().as_ref(), HOSTILE);
});

dbtest!(downloads_never_leave_the_services_folders, |env| {
    env.add_users(&["u1"]).await;
    let summary = env
        .run(
            "cohorts.csv",
            b"cmd;cidnumber;cname;userid\nadd;C1;Classe;u1\nadd;C1;Classe;ghost\n",
        )
        .await;
    let run = summary.run.unwrap();
    let served = serve(&env, Mode::Service).await;
    let get = |path: String| served.get(&path).bearer_auth(VIEWER_TOKEN).send();
    // The tryback, byte for byte: the header and the failed line.
    let tryback = get(format!("/runs/{run}/files/tryback")).await.unwrap();
    assert_eq!(tryback.status(), StatusCode::OK);
    assert_eq!(
        tryback.bytes().await.unwrap().as_ref(),
        b"cmd;cidnumber;cname;userid\nadd;C1;Classe;ghost\n"
    );
    for which in ["report", "json", "input"] {
        let answer = get(format!("/runs/{run}/files/{which}")).await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{which}");
    }
    // Only names the console knows; nothing through the URL's path.
    for path in [
        format!("/runs/{run}/files/..%2F..%2F..%2Fetc%2Fpasswd"),
        format!("/runs/{run}/files/%2Fetc%2Fpasswd"),
        "/runs/999/files/input".to_owned(),
    ] {
        let answer = get(path.clone()).await.unwrap();
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // A ledger row pointing outside (by hand, or a moved folder) is refused.
    let secret = env.root().join("secret.txt");
    std::fs::write(&secret, "not for the console").unwrap();
    let outside = [
        "/etc/passwd".to_owned(),
        secret.display().to_string(),
        format!("{}/../secret.txt", env.config.paths.archive.display()),
    ];
    for kept in outside {
        env.execute(&format!(
            "UPDATE {{moodlesync_ledger}} SET kept = '{kept}' WHERE id = {run}"
        ))
        .await;
        let answer = get(format!("/runs/{run}/files/input")).await.unwrap();
        assert_eq!(answer.status(), StatusCode::FORBIDDEN, "{kept}");
        assert!(!answer.text().await.unwrap().contains("not for the console"));
    }
    // A link inside a folder to a file outside it is refused too.
    let link = env.config.paths.archive.join("link.csv");
    std::os::unix::fs::symlink(&secret, &link).unwrap();
    env.execute(&format!(
        "UPDATE {{moodlesync_ledger}} SET kept = '{}' WHERE id = {run}",
        link.display()
    ))
    .await;
    let answer = get(format!("/runs/{run}/files/input")).await.unwrap();
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    // Held-file actions take a plain name only.
    let answer = served
        .post("/held/..%2F..%2Fsecret.txt/discard")
        .bearer_auth(OPERATOR_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert!(secret.is_file());
});

dbtest!(
    health_answers_and_readiness_checks_the_database_and_spool,
    |env| {
        let served = serve(&env, Mode::Service).await;
        let live = served
            .get("/healthz")
            .bearer_auth(VIEWER_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(live.status(), StatusCode::OK);
        let ready = served
            .get("/readyz")
            .bearer_auth(VIEWER_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(ready.status(), StatusCode::OK, "{:?}", ready.text().await);
        // A spool that cannot be written: not ready, and the body says why.
        std::fs::remove_dir_all(&env.config.paths.spool).unwrap();
        let ready = served
            .get("/readyz")
            .bearer_auth(VIEWER_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = ready.text().await.unwrap();
        assert!(
            body.starts_with("database: ok\nspool: cannot write in "),
            "{body}"
        );
    }
);

/// The value of the sample of `family` whose labels are exactly `labels`.
fn sample(scrape: &Scrape, family: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let metric = scrape.metrics.iter().find(|metric| metric.name == family)?;
    metric
        .samples
        .iter()
        .find(|sample| {
            sample.labels.len() == labels.len()
                && labels.iter().all(|(key, value)| {
                    sample
                        .labels
                        .iter()
                        .any(|label| label.key == *key && label.value == *value)
                })
        })
        .map(|sample| sample.value.value.as_f64())
}

dbtest!(
    metrics_parse_as_prometheus_text_and_count_what_happened,
    |env| {
        env.add_users(&["u9"]).await;
        // A partial run (one line names nobody), a held file, and two files waiting.
        env.run(
            "cohorts_partial.csv",
            b"cmd;cidnumber;cname;userid\nadd;C9;Neuf;u9\nadd;C9;Neuf;nobody\n",
        )
        .await;
        let held = held_file(&env).await;
        env.drop_file("cohorts_next.csv", b"cmd;cidnumber;cname\nadd;C8;Huit\n");
        env.drop_file("notes.txt", b"not a command file");

        let local = Arc::new(LocalMetrics::default());
        local.picked_up(1_500);
        local.picked_up(40_000);
        let console = Console::new(
            Arc::new(env.config.clone()),
            settings(),
            env.db.clone(),
            Mode::Service,
        )
        .measured_by(Arc::clone(&local));
        let served = serve_console(console).await;

        let nobody = served.get("/metrics").send().await.unwrap();
        assert_eq!(nobody.status(), StatusCode::UNAUTHORIZED);
        let answer = served
            .get("/metrics")
            .bearer_auth(VIEWER_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        assert_eq!(
            answer.headers()[header::CONTENT_TYPE],
            "text/plain; version=0.0.4; charset=utf-8"
        );
        let text = answer.text().await.unwrap();
        let scrape = Scrape::parse(&text).unwrap_or_else(|error| panic!("{error:?}\n{text}"));
        let value = |family: &str, labels: &[(&str, &str)]| {
            sample(&scrape, family, labels).unwrap_or_else(|| panic!("{family} {labels:?}\n{text}"))
        };
        let kind = |metric: &str| {
            scrape
                .metrics
                .iter()
                .find(|family| family.name == metric)
                .map(|family| family.kind.to_string())
                .unwrap_or_else(|| panic!("{metric}\n{text}"))
        };

        assert_eq!(kind("moodle_sync_files_total"), "counter");
        assert_eq!(
            value(
                "moodle_sync_files_total",
                &[("kind", "cohorts"), ("outcome", "partial")]
            ),
            1.0
        );
        assert_eq!(
            value(
                "moodle_sync_files_total",
                &[("kind", "cohorts"), ("outcome", "held")]
            ),
            1.0
        );
        assert_eq!(
            value(
                "moodle_sync_lines_total",
                &[("kind", "cohorts"), ("outcome", "failed")]
            ),
            1.0
        );
        assert_eq!(
            value(
                "moodle_sync_lines_total",
                &[("kind", "cohorts"), ("outcome", "changed")]
            ),
            1.0
        );
        assert_eq!(kind("moodle_sync_file_processing_seconds"), "histogram");
        assert_eq!(
            value(
                "moodle_sync_file_processing_seconds",
                &[("kind", "cohorts"), ("le", "+Inf")]
            ),
            2.0
        );
        assert_eq!(kind("moodle_sync_pickup_latency_seconds"), "histogram");
        assert_eq!(
            value("moodle_sync_pickup_latency_seconds", &[("le", "2")]),
            1.0
        );
        assert_eq!(
            value("moodle_sync_pickup_latency_seconds", &[("le", "60")]),
            2.0
        );
        assert_eq!(value("moodle_sync_database_up", &[]), 1.0);
        assert_eq!(value("moodle_sync_spool_backlog_files", &[]), 2.0);
        assert_eq!(
            value("moodle_sync_spool_files", &[("state", "unrouted")]),
            1.0
        );
        assert!(value("moodle_sync_spool_oldest_file_age_seconds", &[]) >= 0.0);
        assert_eq!(value("moodle_sync_kept_files", &[("area", "held")]), 1.0);
        assert_eq!(value("moodle_sync_kept_files", &[("area", "failed")]), 0.0);
        let started = value("process_start_time_seconds", &[]);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        assert!(started <= now && started > now - 600.0, "{started}");

        // An approval is an action, counted apart from the files.
        moodle_sync::manage::approve(&env.config, &env.db, &held, None, true, "olga")
            .await
            .unwrap();
        let text = served
            .get("/metrics")
            .bearer_auth(VIEWER_TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let scrape = Scrape::parse(&text).unwrap_or_else(|error| panic!("{error:?}\n{text}"));
        assert_eq!(
            sample(
                &scrape,
                "moodle_sync_actions_total",
                &[("kind", "cohorts"), ("action", "approved")]
            ),
            Some(1.0),
            "{text}"
        );
        assert_eq!(
            sample(&scrape, "moodle_sync_kept_files", &[("area", "held")]),
            Some(0.0)
        );
    }
);

dbtest!(
    the_runs_filter_takes_underscores_and_percents_as_written,
    |env| {
        for (n, name) in ["cohorts_a_1.csv", "cohorts_ab1.csv", "cohorts_100%.csv"]
            .iter()
            .enumerate()
        {
            env.run(
                name,
                format!("cidnumber;cname\nK{n};Cohort {n}\n").as_bytes(),
            )
            .await;
        }
        let names = async |text: &str| {
            let filter = moodle_sync::db::RunFilter {
                name: Some(text.to_owned()),
                ..Default::default()
            };
            let page = env.db.runs_page(&filter, 0, 50).await.unwrap();
            let mut names: Vec<String> = page.runs.into_iter().map(|run| run.name).collect();
            names.sort();
            names
        };
        // `_` and `%` are the characters themselves, not LIKE's wildcards.
        assert_eq!(names("a_1").await, ["cohorts_a_1.csv"]);
        assert_eq!(names("A_").await, ["cohorts_a_1.csv"]);
        assert_eq!(names("100%").await, ["cohorts_100%.csv"]);
        assert_eq!(
            names("s_").await,
            ["cohorts_100%.csv", "cohorts_a_1.csv", "cohorts_ab1.csv"]
        );
        assert!(names("0%.c!").await.is_empty());
    }
);

dbtest!(
    a_run_whose_files_were_bundled_is_still_shown_and_downloaded,
    |env| {
        env.add_users(&["u1"]).await;
        let input = b"cmd;cidnumber;cname;userid\nadd;NEW;New;u1\nadd;NEW;New;ghost7\n";
        let summary = env.run("cohorts_bundled.csv", input).await;
        let tryback = std::fs::read(summary.tryback.as_ref().expect("a tryback")).unwrap();
        let run = env.count("SELECT MAX(id) FROM {moodlesync_ledger}").await;
        // A year later, the archive and the reports are rolled into their month's bundles.
        let rule = moodle_sync::retention::FolderRule {
            bundle_after_days: 30,
            delete_bundles_after_months: 24,
        };
        let later = chrono::Utc::now() + chrono::TimeDelta::days(365);
        let paths = &env.config.paths;
        for folder in [&paths.archive, &paths.reports] {
            let pruned = moodle_sync::retention::prune_folder(folder, rule, later, false).unwrap();
            assert_eq!(pruned.bundles.len(), 1, "{}", folder.display());
        }
        assert!(!summary.tryback.as_ref().unwrap().exists());

        let served = serve(&env, Mode::ReadOnly).await;
        let get = async |path: String| {
            served
                .get(&path)
                .bearer_auth(VIEWER_TOKEN)
                .send()
                .await
                .unwrap()
        };
        let page = get(format!("/runs/{run}")).await;
        assert_eq!(page.status(), StatusCode::OK);
        let page = page.text().await.unwrap();
        assert!(page.contains("ghost7"), "{page}");
        let answer = get(format!("/runs/{run}/files/input")).await;
        assert_eq!(answer.status(), StatusCode::OK);
        assert_eq!(answer.bytes().await.unwrap().as_ref(), input);
        let answer = get(format!("/runs/{run}/files/tryback")).await;
        assert_eq!(answer.status(), StatusCode::OK);
        assert_eq!(answer.bytes().await.unwrap().as_ref(), tryback.as_slice());
    }
);
