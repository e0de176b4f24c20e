//! The web console in a real browser: headless Chromium driven through ChromeDriver (Debian's
//! `chromium` and `chromium-driver`), on a console served in the test's process on the test's
//! folders and an SQLite database, one browser of its own per test. What a person does there:
//! log in, read a run's report and download its tryback, approve a held file, retry a failed
//! one, drop a file or try it as a dry run, search a user; and the screenshots of the home page
//! and a run's page that `docs/console.md` shows.
//!
//! They run when `MOODLE_SYNC_TEST_BROWSER` is set (`.ci/run` sets it), and then fail if the
//! browser or its driver is missing; without it each test says it is skipped, and passes.
//! `MOODLE_SYNC_UPDATE_SCREENSHOTS` set also writes the screenshots over `docs/images/`.

use std::{
    io::Write,
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use axum::http::Method;
use fantoccini::{
    Client, ClientBuilder, Locator, elements::Element, wd::WebDriverCompatibleCommand,
};
use hyper_util::client::legacy::connect::HttpConnector;
use moodle_sync::console::Mode;
use serde_json::{Value, json};

use crate::{
    console::{Served, held_file, serve},
    support::{Backend, TestEnv, Watcher, failures},
};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long the browser may take to show what a test waits for. Generous: the tests share two
/// cores with the rest of the suite.
const WAIT: Duration = Duration::from_secs(60);

/// The operator of `console::settings`, and their password.
const OPERATOR: (&str, &str) = ("olga", "operator secret");

/// Whether the browser tests run; if not, says so for `test` on the real standard error (not
/// captured by the test harness).
fn enabled(test: &str) -> bool {
    if std::env::var_os("MOODLE_SYNC_TEST_BROWSER").is_some() {
        return true;
    }
    let _ = std::io::stderr().write_all(
        format!("note: browser test {test} skipped: MOODLE_SYNC_TEST_BROWSER is unset\n")
            .as_bytes(),
    );
    false
}

/// A ChromeDriver on a free port of loopback, in a process group of its own: dropped, the
/// group is killed, with any browser it started.
struct Driver {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Driver {
    async fn start(log: PathBuf) -> Driver {
        for program in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(program).is_file(),
                "MOODLE_SYNC_TEST_BROWSER is set but {program} is missing: the browser tests \
                 need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(Stdio::from(
                std::fs::OpenOptions::new().append(true).open(&log).unwrap(),
            ))
            .process_group(0)
            .spawn()
            .unwrap_or_else(|error| panic!("{CHROMEDRIVER}: {error}"));
        let mut driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        };
        driver.wait_until_ready().await;
        driver
    }

    /// Waits until the driver answers that it is ready.
    async fn wait_until_ready(&mut self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(answer) = client.get(format!("{}/status", self.url)).send().await
                && let Ok(body) = answer.bytes().await
                && let Ok(status) = serde_json::from_slice::<Value>(&body)
                && status["value"]["ready"] == true
            {
                return;
            }
            if let Some(exit) = self.child.try_wait().unwrap() {
                panic!("{CHROMEDRIVER} exited ({exit}); its log:\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "{CHROMEDRIVER} did not answer on {}; its log:\n{}",
                self.url,
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group the driver leads: the driver and the browser it started.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.wait();
    }
}

/// ChromeDriver's command that has the browser ignore the pages' Content-Security-Policy from
/// the next page on. The console's (`default-src 'none'`) forbids a page's script to fetch
/// anything; the tests' scripts fetch a download as a person's click would, with the session's
/// cookie.
#[derive(Debug)]
struct BypassContentSecurityPolicy;

impl WebDriverCompatibleCommand for BypassContentSecurityPolicy {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (Method, Option<String>) {
        let body = json!({ "cmd": "Page.setBypassCSP", "params": { "enabled": true } });
        (Method::POST, Some(body.to_string()))
    }
}

/// A console served on the test's environment and a headless Chromium looking at it. Fields
/// drop in order: the browser's session, the console, then the driver.
struct Browser {
    client: Client,
    served: Served,
    driver: Driver,
}

impl Browser {
    /// Serves the console on `env` (as `watch` does, actions allowed) and opens a browser.
    async fn open(env: &TestEnv) -> Browser {
        let served = serve(env, Mode::Service).await;
        let driver = Driver::start(env.root().join("chromedriver.log")).await;
        let profile = env.root().join("chromium-profile");
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--window-size=1280,1000",
                    "--lang=en-US",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": { "intl.accept_languages": "en-US,en" },
            },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url)
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "no browser session from {CHROMEDRIVER}: {error}; its log:\n{}",
                    driver.log()
                )
            });
        client
            .issue_cmd(BypassContentSecurityPolicy)
            .await
            .expect("ChromeDriver's Page.setBypassCSP");
        Browser {
            client,
            served,
            driver,
        }
    }

    /// Ends the browser's session (the driver and the console end when dropped).
    async fn close(self) {
        let Browser {
            client,
            served,
            driver,
        } = self;
        client.close().await.unwrap();
        drop(served);
        drop(driver);
    }

    /// Goes to a page of the console.
    async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.served.base))
            .await
            .unwrap();
    }

    /// The element `css` names, once it is there.
    async fn wait_for(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(error) => panic!(
                "no {css} on {}: {error}; the page:\n{}",
                self.path().await,
                self.client.source().await.unwrap_or_default()
            ),
        }
    }

    /// Waits for the page whose main heading holds `heading`.
    async fn wait_for_heading(&self, heading: &str) {
        let xpath = format!("//h1[contains(., '{heading}')]");
        if let Err(error) = self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::XPath(&xpath))
            .await
        {
            panic!(
                "no heading \"{heading}\" on {}: {error}; the page:\n{}",
                self.path().await,
                self.main_text().await
            );
        }
    }

    /// The text of the page's main part, as shown.
    async fn main_text(&self) -> String {
        match self.client.find(Locator::Css("main")).await {
            Ok(main) => main.text().await.unwrap_or_default(),
            Err(_) => self.client.source().await.unwrap_or_default(),
        }
    }

    /// The path (and query) of the page shown.
    async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Clicks the element `css` names.
    async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.unwrap();
    }

    /// Logs in through the login form as `name`, and waits for the page it leads to.
    async fn log_in(&self, name: &str, password: &str) {
        self.goto("/login").await;
        self.wait_for("form[action='/login'] input[name='name']")
            .await
            .send_keys(name)
            .await
            .unwrap();
        self.wait_for("form[action='/login'] input[name='password']")
            .await
            .send_keys(password)
            .await
            .unwrap();
        self.click("form[action='/login'] button[type='submit']")
            .await;
    }

    /// Logs in as the operator and waits for the home page.
    async fn log_in_as_operator(&self) {
        self.log_in(OPERATOR.0, OPERATOR.1).await;
        self.wait_for_heading("moodle-sync").await;
        self.wait_for("header form[action='/logout']").await;
        assert_eq!(self.path().await, "/");
    }

    /// The cells of each row of the table `css` names.
    async fn rows(&self, css: &str) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        for row in self
            .client
            .find_all(Locator::Css(&format!("{css} tbody tr")))
            .await
            .unwrap()
        {
            let mut cells = Vec::new();
            for cell in row.find_all(Locator::Css("td")).await.unwrap() {
                cells.push(cell.text().await.unwrap());
            }
            rows.push(cells);
        }
        rows
    }

    /// The bytes at `href`, fetched by the page itself (with its session's cookie), and the
    /// answer's status.
    async fn fetch(&self, href: &str) -> (u64, Vec<u8>) {
        let answer = self
            .client
            .execute_async(
                "const [href, done] = arguments;
                 fetch(href, { credentials: 'same-origin' })
                   .then(answer => answer.arrayBuffer().then(body =>
                     done({ status: answer.status, bytes: Array.from(new Uint8Array(body)) })))
                   .catch(error => done({ error: String(error) }));",
                vec![json!(href)],
            )
            .await
            .unwrap();
        assert!(answer["error"].is_null(), "fetch {href}: {answer}");
        let bytes = answer["bytes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|byte| u8::try_from(byte.as_u64().unwrap()).unwrap())
            .collect();
        (answer["status"].as_u64().unwrap(), bytes)
    }

    /// A screenshot of the window, as PNG.
    async fn screenshot(&self) -> Vec<u8> {
        let png = self.client.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
        png
    }
}

/// A fresh SQLite environment for a browser test, or `None` when the browser tests are off.
async fn environment(test: &str) -> Option<TestEnv> {
    if !enabled(test) {
        return None;
    }
    Some(
        TestEnv::new(Backend::Sqlite)
            .await
            .expect("SQLite is always there"),
    )
}

/// The ledger's rows of an outcome: `[name, summary]`.
async fn ledger(env: &TestEnv, outcome: &str) -> Vec<Vec<String>> {
    env.rows(&format!(
        "SELECT name, summary FROM {{moodlesync_ledger}} WHERE outcome = '{outcome}' ORDER BY id"
    ))
    .await
}

/// The service's settings of the tests that run it: quick to take a file.
const WATCH: &str = "[watch]\nsettle_ms = 300\npoll_ms = 100\nreconcile_s = 1\n";

/// Has the service (`watch`) take a file that it rejects and keeps in failed/, and returns
/// the kept file's name; the service is stopped.
async fn failed_file(env: &mut TestEnv, name: &str, bytes: &[u8]) -> String {
    env.reconfigure(WATCH);
    let watcher = Watcher::start(env).await;
    env.drop_file(name, bytes);
    watcher
        .eventually("the file to fail", async || {
            env.files(&env.config.paths.failed).len() == 1
        })
        .await;
    let (exit, log) = watcher.stop().await;
    assert!(exit.success(), "{log}");
    let failed = env.files(&env.config.paths.failed);
    assert!(failed[0].ends_with(name), "{failed:?}");
    failed[0].clone()
}

/// A cohort file with a line that fails: `ghost` is no user.
const WITH_A_FAILED_LINE: &[u8] =
    b"cmd;cidnumber;cname;userid\nadd;C1;Classe;u1\nadd;C1;Classe;ghost\n";

#[tokio::test]
async fn logging_in_through_the_form() {
    let Some(env) = environment("logging_in_through_the_form").await else {
        return;
    };
    let browser = Browser::open(&env).await;
    // Not logged in, a page leads to the login form.
    browser.goto("/runs").await;
    browser.wait_for("form[action='/login']").await;
    assert_eq!(browser.path().await, "/login?next=/runs");

    // A wrong password: the form again, with the error, and still no page.
    browser.log_in(OPERATOR.0, "not the password").await;
    let error = browser.wait_for("main p.notice.error").await;
    assert_eq!(
        error.text().await.unwrap(),
        "Unknown name or wrong password for olga"
    );
    browser.goto("/").await;
    browser.wait_for("form[action='/login']").await;
    assert!(browser.path().await.starts_with("/login"));

    // The right one: the home page, naming who is logged in.
    browser.log_in_as_operator().await;
    let who = browser.wait_for("header .who span").await;
    assert_eq!(who.text().await.unwrap(), "olga · operator");
    let home = browser.main_text().await;
    assert!(home.contains("Held files"), "{home}");
    assert!(home.contains("Last runs"), "{home}");
    browser.close().await;
}

#[tokio::test]
async fn a_runs_report_and_its_tryback() {
    let Some(env) = environment("a_runs_report_and_its_tryback").await else {
        return;
    };
    env.add_users(&["u1"]).await;
    let summary = env.run("cohorts.csv", WITH_A_FAILED_LINE).await;
    let run = summary.run.expect("a run");
    let failed = failures(&summary);
    assert_eq!(failed.len(), 1, "{failed:?}");
    let browser = Browser::open(&env).await;
    browser.log_in_as_operator().await;

    // From the runs list to the run's page.
    browser.click("nav a[href='/runs']").await;
    browser.wait_for_heading("Runs").await;
    browser
        .click(&format!("main table a[href='/runs/{run}'] code"))
        .await;
    browser.wait_for_heading(&format!("Run #{run}")).await;
    assert_eq!(browser.path().await, format!("/runs/{run}"));
    let page = browser.main_text().await;
    assert!(page.contains("cohorts.csv"), "{page}");
    assert!(page.contains("Failed lines (1)"), "{page}");

    // The failed line with its column, value and reason, as the JSON report has it.
    let report: Value =
        serde_json::from_slice(&std::fs::read(&summary.report_json).unwrap()).unwrap();
    let line = report["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|line| line["status"] == "failed")
        .unwrap();
    let reason = line["error"]["problem"].as_str().unwrap();
    assert!(reason.contains("ghost"), "{line}");
    assert_eq!(
        browser.rows("#failed-lines").await,
        [vec![
            "3".to_owned(),
            "add".to_owned(),
            "userid".to_owned(),
            "ghost".to_owned(),
            reason.to_owned(),
        ]]
    );

    // Its tryback, fetched by the page: the bytes on disk.
    let tryback = summary.tryback.expect("a tryback");
    let link = browser.wait_for("main a[href$='/files/tryback']").await;
    let href = link.attr("href").await.unwrap().expect("an href");
    assert_eq!(href, format!("/runs/{run}/files/tryback"));
    let (status, bytes) = browser.fetch(&href).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, std::fs::read(&tryback).unwrap());
    assert_eq!(bytes, b"cmd;cidnumber;cname;userid\nadd;C1;Classe;ghost\n");
    browser.close().await;
}

#[tokio::test]
async fn approving_a_held_file() {
    let Some(env) = environment("approving_a_held_file").await else {
        return;
    };
    let held = held_file(&env).await;
    let name = held.file_name().unwrap().to_str().unwrap().to_owned();
    let browser = Browser::open(&env).await;
    browser.log_in_as_operator().await;
    let home = browser.main_text().await;
    assert!(home.contains(&name), "{home}");
    assert!(home.contains("would remove 3 of 3 members"), "{home}");

    let button = format!("main form[action='/held/{name}/approve'] button");
    assert_eq!(
        browser.wait_for(&button).await.text().await.unwrap(),
        "Approve and apply"
    );
    browser.click(&button).await;
    browser.wait_for_heading("Approved").await;
    let page = browser.main_text().await;
    assert!(page.contains("Approved by olga (console on "), "{page}");

    // Applied: C1 emptied, the held file gone, who approved in the ledger.
    assert!(!held.exists());
    assert!(env.members("C1").await.is_empty());
    let approved = ledger(&env, "approved").await;
    assert_eq!(approved.len(), 1, "{approved:?}");
    assert_eq!(approved[0][0], "cohorts_group.csv");
    assert!(
        approved[0][1].starts_with("approved by olga (console on "),
        "{approved:?}"
    );
    // Back home, nothing is held any more.
    browser.click("main a.button.secondary[href='/']").await;
    browser.wait_for_heading("moodle-sync").await;
    let home = browser.main_text().await;
    assert!(!home.contains("would remove 3 of 3 members"), "{home}");
    browser.close().await;
}

#[tokio::test]
async fn retrying_a_failed_file() {
    let Some(mut env) = environment("retrying_a_failed_file").await else {
        return;
    };
    // The service rejects a file whose header no kind knows, and keeps it in failed/.
    let bytes: &[u8] = b"cidnumber;email\nC1;u1\n";
    let name = failed_file(&mut env, "cohorts_x.csv", bytes).await;
    let browser = Browser::open(&env).await;
    browser.log_in_as_operator().await;
    let home = browser.main_text().await;
    assert!(home.contains(name.as_str()), "{home}");

    let button = format!("main form[action='/failed/{name}/retry'] button");
    assert_eq!(
        browser.wait_for(&button).await.text().await.unwrap(),
        "Retry"
    );
    browser.click(&button).await;
    browser.wait_for_heading("Put back into the spool").await;
    let page = browser.main_text().await;
    assert!(page.contains("is back in the spool as"), "{page}");

    // Back in the spool, the same bytes; failed/ empty; the retry in the ledger.
    assert!(env.files(&env.config.paths.failed).is_empty());
    assert_eq!(env.files(&env.config.paths.spool), ["cohorts_x.csv"]);
    assert_eq!(
        std::fs::read(env.config.paths.spool.join("cohorts_x.csv")).unwrap(),
        bytes
    );
    let retried = ledger(&env, "retried").await;
    assert_eq!(retried.len(), 1, "{retried:?}");
    assert_eq!(retried[0][0], "cohorts_x.csv");
    assert!(
        retried[0][1].contains("put back into the spool as cohorts_x.csv by olga (console on "),
        "{retried:?}"
    );
    browser.close().await;
}

#[tokio::test]
async fn dropping_a_file_and_a_dry_run() {
    let Some(env) = environment("dropping_a_file_and_a_dry_run").await else {
        return;
    };
    env.add_users(&["u1"]).await;
    // A file of the operator's, outside the service's folders: CRLF, UTF-8, a line that fails.
    let outbox = env.root().join("outbox");
    std::fs::create_dir_all(&outbox).unwrap();
    let file = outbox.join("cohorts_upload.csv");
    let bytes = "cmd;cidnumber;cname;userid\r\nadd;C7;Classe é;u1\r\nadd;C7;Classe é;ghost\r\n";
    std::fs::write(&file, bytes).unwrap();
    let browser = Browser::open(&env).await;
    browser.log_in_as_operator().await;
    let file_input = "main form input[type='file'][name='file']";
    let send = "main form[enctype='multipart/form-data'] button[type='submit']";

    // A dry run (the form's default): its report, and nothing changed.
    browser.click("nav a[href='/drop']").await;
    browser.wait_for_heading("Drop a file").await;
    browser
        .wait_for(file_input)
        .await
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    browser.click(send).await;
    browser.wait_for_heading("Dry run").await;
    let page = browser.main_text().await;
    assert!(page.contains("Nothing was changed."), "{page}");
    assert!(page.contains("Failed lines (1)"), "{page}");
    let failed = browser.rows("#failed-lines").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0][..4], ["3", "add", "userid", "ghost"]);
    assert!(env.cohort_idnumbers().await.is_empty());
    assert!(env.files(&env.config.paths.spool).is_empty());
    assert!(ledger(&env, "uploaded").await.is_empty());

    // Dropped into the spool: the same bytes there, and who dropped them in the ledger.
    browser.click("main a.button[href='/drop']").await;
    browser.wait_for_heading("Drop a file").await;
    browser
        .wait_for(file_input)
        .await
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    browser
        .click("main form input[type='radio'][name='mode'][value='spool']")
        .await;
    browser.click(send).await;
    browser.wait_for_heading("Dropped into the spool").await;
    let page = browser.main_text().await;
    assert!(
        page.contains("cohorts_upload.csv waits in the spool"),
        "{page}"
    );
    assert_eq!(env.files(&env.config.paths.spool), ["cohorts_upload.csv"]);
    assert_eq!(
        std::fs::read(env.config.paths.spool.join("cohorts_upload.csv")).unwrap(),
        bytes.as_bytes()
    );
    let uploaded = ledger(&env, "uploaded").await;
    assert_eq!(uploaded.len(), 1, "{uploaded:?}");
    assert_eq!(uploaded[0][0], "cohorts_upload.csv");
    assert!(
        uploaded[0][1].starts_with("dropped into the spool by olga (console on "),
        "{uploaded:?}"
    );
    assert!(env.cohort_idnumbers().await.is_empty(), "not applied yet");
    browser.close().await;
}

#[tokio::test]
async fn searching_a_user() {
    let Some(env) = environment("searching_a_user").await else {
        return;
    };
    env.add_users(&["amelie", "bruno"]).await;
    let of_amelie = env
        .run(
            "cohorts_a.csv",
            b"cmd;cidnumber;cname;userid\nadd;CA;Classe A;amelie\n",
        )
        .await
        .run
        .unwrap();
    let of_bruno = env
        .run(
            "cohorts_b.csv",
            b"cmd;cidnumber;cname;userid\nadd;CB;Classe B;bruno\n",
        )
        .await
        .run
        .unwrap();
    let browser = Browser::open(&env).await;
    browser.log_in_as_operator().await;
    browser.click("nav a[href='/search']").await;
    browser.wait_for_heading("Search").await;
    browser
        .wait_for("main form[action='/search'] input[name='q']")
        .await
        .send_keys("amelie")
        .await
        .unwrap();
    browser
        .click("main form[action='/search'] button[type='submit']")
        .await;
    browser.wait_for("main table tbody tr").await;
    assert_eq!(browser.path().await, "/search?q=amelie");
    let hits = browser.rows("main table").await;
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(
        hits[0][..3],
        [format!("#{of_amelie}"), "cohorts_a.csv".into(), "2".into()]
    );
    assert!(
        browser
            .client
            .find(Locator::Css(&format!("main a[href='/runs/{of_bruno}']")))
            .await
            .is_err(),
        "bruno's run is not listed"
    );
    // The hit leads to the run.
    browser
        .click(&format!("main table a[href='/runs/{of_amelie}']"))
        .await;
    browser.wait_for_heading(&format!("Run #{of_amelie}")).await;
    browser.close().await;
}

/// Where the screenshots are left: `target/console-screenshots/` (of `CARGO_TARGET_DIR` when
/// set).
fn screenshot_folder() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(|dir| manifest.join(dir))
        .unwrap_or_else(|| manifest.join("target"));
    target.join("console-screenshots")
}

/// Writes a screenshot as `name` in the screenshot folder, and as `docs/images/console-<name>`
/// too when `MOODLE_SYNC_UPDATE_SCREENSHOTS` is set.
fn keep_screenshot(name: &str, png: &[u8]) {
    let folder = screenshot_folder();
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join(name), png).unwrap();
    if std::env::var_os("MOODLE_SYNC_UPDATE_SCREENSHOTS").is_some() {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/images");
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::write(docs.join(format!("console-{name}")), png).unwrap();
    }
}

/// A PNG's width and height, from its header.
fn png_size(png: &[u8]) -> (u32, u32) {
    let number = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (number(16), number(20))
}

#[tokio::test]
async fn screenshots_of_the_home_page_and_a_run() {
    let Some(mut env) = environment("screenshots_of_the_home_page_and_a_run").await else {
        return;
    };
    env.reconfigure(WATCH);
    // A day's work: accounts created, a cohort file with a line that fails, a rejected file,
    // a cohort sync held for approval; the service running.
    env.add_users(&["u4"]).await;
    let users = "cmd;username;firstname;lastname;email;idnumber;city\n\
                 add;lmartin;Léa;Martin;lea.martin@example.com;6106274;Lyon\n\
                 add;tdubois;Théo;Dubois;theo.dubois@example.com;6106275;Lyon\n";
    let created = env.run("users_2026-09-01.csv", users.as_bytes()).await;
    assert_eq!(created.exit_code(), 0, "{:?}", created.error);
    let partial = env
        .run(
            "cohorts_bts1.csv",
            "cmd;cidnumber;cname;userid\n\
             add;BTS1;BTS première année;6106274\n\
             add;BTS1;BTS première année;6106275\n\
             add;BTS1;BTS première année;6106299\n"
                .as_bytes(),
        )
        .await;
    let run = partial.run.unwrap();
    let held = held_file(&env).await;
    let held_name = held.file_name().unwrap().to_str().unwrap().to_owned();
    let watcher = Watcher::start(&env).await;
    env.drop_file("cohorts_export.csv", b"cidnumber;email\nBTS1;u4\n");
    watcher
        .eventually("the file to fail", async || {
            env.files(&env.config.paths.failed).len() == 1
        })
        .await;
    let failed = env.files(&env.config.paths.failed);

    let browser = Browser::open(&env).await;
    browser.log_in_as_operator().await;
    let home = browser.main_text().await;
    for shown in [
        "running",
        held_name.as_str(),
        "would remove 3 of 3 members",
        failed[0].as_str(),
        "cohorts_bts1.csv",
        "users_2026-09-01.csv",
    ] {
        assert!(
            home.contains(shown),
            "the home page shows no {shown}:\n{home}"
        );
    }
    let png = browser.screenshot().await;
    assert_eq!(png_size(&png).0, 1280);
    keep_screenshot("home.png", &png);

    browser
        .click(&format!("main table a[href='/runs/{run}'] code"))
        .await;
    browser.wait_for_heading(&format!("Run #{run}")).await;
    let page = browser.main_text().await;
    assert!(page.contains("Failed lines (1)"), "{page}");
    assert!(page.contains("unknown user \"6106299\""), "{page}");
    let png = browser.screenshot().await;
    assert_eq!(png_size(&png).0, 1280);
    keep_screenshot("run.png", &png);
    browser.close().await;
    let (exit, log) = watcher.stop().await;
    assert!(exit.success(), "{log}");
}
