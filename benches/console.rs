//! Console benchmark: how long the web console takes to answer its pages over HTTP, against a
//! ledger of many runs, compared with `/healthz` (the HTTP stack and authentication alone)
//! measured in the same run.
//!
//! For each backend (SQLite always; PostgreSQL and MariaDB when they can be reached) it builds
//! a fresh Moodle database with 200 users (`u1` … `u200`), then fills the ledger with N runs
//! (2,000 unless told otherwise) made for real by [`moodle_sync::pipeline::run_file`], one
//! file after the other, so that each has its archive, its text and JSON reports and, when a
//! line failed, its tryback:
//!
//! - three files in four are cohort files of two lines (`add` of two users to one of 100
//!   cohorts); runs 1, 11, 21… (one run in ten) have a third line naming an unknown user
//!   (`ghost<n>`), which fails;
//! - the fourth is a user file updating the city of three users; runs 20, 40… (one user file
//!   in five) have a fourth line creating an account without a last name, which fails.
//!
//! The seeding is timed and printed below the table, not as a console figure. The console is
//! then served in the benchmark's process (`console::serve` on a port of loopback, the
//! service's mode, a viewer's bearer token) and asked by one client (reqwest, keep-alive), one
//! request at a time. Each request is timed from its sending to the end of its body, and each
//! answer is checked: status 200, and what proves the page is real (the counts of runs, the
//! newest runs' names, the run's failed line, the searched user's lines and their number,
//! `moodle_sync_files_total` summing to N). After 2 warm-up requests each, 50 requests of:
//!
//! - `GET /healthz`: the baseline;
//! - `GET /metrics` (the ledger summed, the spool and kept areas looked at);
//! - `GET /` (the home page: the status, the last 10 runs);
//! - `GET /runs` (the first page of 50 runs) and `GET /runs?name=users_` (the user files);
//! - `GET /runs/<id>`: the newest cohort run with a failed line (its report read from disk);
//! - `GET /search?q=u<k>`, each request another user the files named: the index warm.
//!
//! The median and the 90th percentile (nearest rank) of each are printed in milliseconds, and
//! the median as a ratio to `/healthz`'s. The first search (for a user the last file named)
//! builds the index from the N reports; it is timed once, before the warm searches, and
//! printed on a row of its own.
//!
//! Run it with `cargo bench --bench console`, or with another ledger size:
//! `cargo bench --bench console -- 500`; `--sqlite`, `--postgres` or `--mariadb` measure only
//! the backends named. The seeding takes nearly all of the benchmark's time (the pipeline
//! flushes every file it writes to disk). PostgreSQL is looked for at
//! `postgres://postgres@127.0.0.1:5432/test` (override with `MOODLE_SYNC_TEST_POSTGRES`) and
//! MariaDB at `mysql://root@127.0.0.1:3306/test` (override with `MOODLE_SYNC_TEST_MARIADB`); a
//! server that cannot be reached is reported as skipped. Each server run gets a schema or
//! database of its own (`ms_<unix seconds>_<pid>_bench`), dropped at the end, also on failure.
//! `MOODLE_SYNC_DATABASE_URL` is ignored: the benchmark only ever writes to what it created.
//!
//! Machines are noisy, and the client and the console share the machine's cores: a fraction
//! of a millisecond describes the machine as much as the console; quote the ratios.

use std::{
    collections::HashMap,
    fmt::Write as _,
    fs,
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use moodle_sync::{
    config::{ConsoleSettings, ConsoleToken, Role},
    console::{self, Console, Mode},
    outcome::RunStatus,
    pipeline::{self, RunOptions},
};
use prom_text_format_parser::Scrape;
use reqwest::{Client, StatusCode};
use sqlx::Connection;
use tokio_util::sync::CancellationToken;

mod common;

use common::{
    Backend, Target, connect, failed_while, grid, median, open_target,
    run::{
        arguments, count_argument, exit_if_failed, measure_backends, named_backends,
        print_whole_time, runtime,
    },
    seed::insert_users,
    table::ratio,
    thousands,
};

/// Runs in the ledger when no count is given on the command line.
const DEFAULT_RUNS: usize = 2_000;
/// Users in the Moodle database: `u1` … `u200`.
const USERS: usize = 200;
/// Cohorts the cohort files add members to.
const COHORTS: usize = 100;
/// Timed requests of each kind.
const REQUESTS: usize = 50;
/// Requests of each kind sent, and checked, before the timed ones.
const WARM_UP: usize = 2;
/// Runs per page of `/runs`.
const RUNS_PAGE: usize = 50;
/// The part of the file names `/runs?name=` filters on.
const NAME_FILTER: &str = "users_";
/// The bearer token the client sends (a viewer's).
const TOKEN: &str = "console-benchmark-token";

/// What one backend gave.
type Outcome = common::Outcome<Figures>;

/// One backend's measurements.
struct Figures {
    /// How long filling the ledger took.
    seeding: Duration,
    /// The timings of each kind of request, in the order of [`Request::ALL`].
    requests: Vec<Vec<Duration>>,
    /// The first search, which built the index.
    index_build: Duration,
}

/// The kinds of request timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Request {
    Healthz,
    Metrics,
    Home,
    Runs,
    RunsFiltered,
    Run,
    Search,
}

impl Request {
    const ALL: [Request; 7] = [
        Request::Healthz,
        Request::Metrics,
        Request::Home,
        Request::Runs,
        Request::RunsFiltered,
        Request::Run,
        Request::Search,
    ];

    /// How the table names it.
    fn label(self) -> String {
        match self {
            Request::Healthz => "GET /healthz (baseline)".to_owned(),
            Request::Metrics => "GET /metrics".to_owned(),
            Request::Home => "GET / (home)".to_owned(),
            Request::Runs => "GET /runs (first page)".to_owned(),
            Request::RunsFiltered => format!("GET /runs?name={NAME_FILTER}"),
            Request::Run => "GET /runs/<id> (a failed line)".to_owned(),
            Request::Search => "GET /search?q=u<k> (index warm)".to_owned(),
        }
    }
}

/// What the command line asks.
#[derive(Debug, Clone)]
struct Options {
    /// Runs in the ledger.
    runs: usize,
    /// The backends to measure.
    backends: Vec<Backend>,
}

fn main() {
    let options = options_from_args();
    let started = Instant::now();
    let runtime = runtime();
    let outcomes = measure_backends(
        &runtime,
        options.backends.iter().copied(),
        async |backend, dir, url| measure(backend, dir, url, options.runs).await,
    );
    drop(runtime);

    print!("{}", render_table(options.runs, &outcomes));
    print_whole_time(started);
    exit_if_failed(&outcomes);
}

/// The options: the first argument that is a number is the number of runs; `--sqlite`,
/// `--postgres`, `--mariadb` measure only the backends named (all when none is); other
/// arguments (cargo adds `--bench`) are ignored.
fn options_from_args() -> Options {
    let arguments = arguments();
    let runs = count_argument(
        &arguments,
        DEFAULT_RUNS,
        "the ledger must hold at least 1 run",
    );
    Options {
        runs,
        backends: named_backends(&arguments),
    }
}

/// What the seeding made, for checking the pages.
#[derive(Debug, Default)]
struct Seeded {
    /// Each run's ledger id and file name, oldest first.
    runs: Vec<(i64, String)>,
    /// Runs whose file name contains [`NAME_FILTER`], oldest first.
    filtered: Vec<i64>,
    /// Runs that ended `partial` (a line failed).
    partial: usize,
    /// The newest cohort run with a failed line, and the unknown user it named.
    failed_run: Option<(i64, String)>,
    /// For each user, the lines that named them and the newest run that did.
    named: HashMap<String, (usize, i64)>,
    /// The users some line named, in the order the warm searches take them.
    searched: Vec<String>,
}

/// The users a run's file names: two for a cohort file, three for a user file.
fn users_of(number: usize) -> Vec<String> {
    let (count, step) = if is_user_file(number) { (3, 3) } else { (2, 2) };
    (0..count)
        .map(|offset| format!("u{}", (number * step + offset) % USERS + 1))
        .collect()
}

/// Whether run `number` (from 1) is a user file.
fn is_user_file(number: usize) -> bool {
    number.is_multiple_of(4)
}

/// Whether run `number` has a failed line.
fn has_failed_line(number: usize) -> bool {
    if is_user_file(number) {
        number.is_multiple_of(20)
    } else {
        number % 10 == 1
    }
}

/// Run `number`'s file name and content, and the unknown user of its failed cohort line.
fn file_of(number: usize) -> (String, String, Option<String>) {
    let users = users_of(number);
    if is_user_file(number) {
        let mut text = String::from("username;firstname;lastname;city\n");
        for user in &users {
            let _ = writeln!(text, "{user};First;Last;City {number}");
        }
        if has_failed_line(number) {
            // No last name: an account cannot be created without one.
            let _ = writeln!(text, "nolast{number};No;;City {number}");
        }
        (format!("users_{number:05}.csv"), text, None)
    } else {
        let cohort = format!("C{:03}", number % COHORTS);
        let mut text = String::from("cmd;cidnumber;cname;userid\n");
        for user in &users {
            let _ = writeln!(text, "add;{cohort};Cohort {cohort};{user}");
        }
        let ghost = has_failed_line(number).then(|| format!("ghost{number}"));
        if let Some(ghost) = &ghost {
            let _ = writeln!(text, "add;{cohort};Cohort {cohort};{ghost}");
        }
        (format!("cohorts_{number:05}.csv"), text, ghost)
    }
}

/// Installs Moodle's tables, adds the users and runs the N files through `run_file`.
async fn seed(tag: &str, target: &Target, runs: usize) -> Result<Seeded, String> {
    let mut connection = connect(&target.direct_url).await?;
    let mut transaction = connection
        .begin()
        .await
        .map_err(failed_while("starting the users' transaction"))?;
    insert_users(target, &mut transaction, USERS).await?;
    transaction
        .commit()
        .await
        .map_err(failed_while("adding the users"))?;
    let _ = connection.close().await;

    let mut seeded = Seeded::default();
    let spool = &target.config.paths.spool;
    for number in 1..=runs {
        let (name, content, ghost) = file_of(number);
        let path = spool.join(&name);
        fs::write(&path, &content).map_err(failed_while("writing a file into the spool"))?;
        let summary = pipeline::run_file(&target.config, &target.db, &path, RunOptions::default())
            .await
            .map_err(failed_while("running a file"))?;
        let expected = if has_failed_line(number) {
            RunStatus::Partial
        } else {
            RunStatus::Success
        };
        if summary.status != expected {
            return Err(format!(
                "{name} ended {:?} instead of {expected:?}: {} (report: {})",
                summary.status,
                summary.error.as_deref().unwrap_or("see the report"),
                summary.report.display()
            ));
        }
        if has_failed_line(number) != summary.tryback.is_some() {
            return Err(format!("{name}: a tryback only when a line failed"));
        }
        let id = summary
            .run
            .ok_or_else(|| format!("{name} has no run in the ledger"))?;
        if has_failed_line(number) {
            seeded.partial += 1;
        }
        if let Some(ghost) = ghost {
            seeded.failed_run = Some((id, ghost));
        }
        if name.contains(NAME_FILTER) {
            seeded.filtered.push(id);
        }
        for user in users_of(number) {
            let entry = seeded.named.entry(user).or_insert((0, id));
            entry.0 += 1;
            entry.1 = id;
        }
        seeded.runs.push((id, name));
        if number % 500 == 0 && number < runs {
            eprintln!("[{tag}] {number} runs");
        }
    }
    seeded.searched = seeded.named.keys().cloned().collect();
    seeded
        .searched
        .sort_by_key(|user| user[1..].parse::<usize>().unwrap_or(0));
    Ok(seeded)
}

/// Everything measured on one backend, after the setup.
async fn measure(
    backend: Backend,
    dir: &std::path::Path,
    url: &str,
    runs: usize,
) -> Result<Figures, String> {
    let tag = backend.name();
    let target = open_target(dir, url).await?;
    let seeding_started = Instant::now();
    let seeded = seed(tag, &target, runs).await?;
    let seeding = seeding_started.elapsed();
    eprintln!(
        "[{tag}] seeded {runs} runs ({} with a failed line) in {:.2} s",
        seeded.partial,
        seeding.as_secs_f64()
    );

    let served = Served::start(&target).await?;
    let result = measure_console(tag, &served, &seeded, runs).await;
    served.stop.cancel();
    target.db.close().await;
    let (requests, index_build) = result?;
    Ok(Figures {
        seeding,
        requests,
        index_build,
    })
}

/// The console served on a free port of loopback, and its client.
struct Served {
    base: String,
    client: Client,
    stop: CancellationToken,
}

impl Served {
    /// Serves the console of `target` in the service's mode, for one viewer's token.
    async fn start(target: &Target) -> Result<Served, String> {
        let settings = ConsoleSettings {
            listen: "127.0.0.1:0"
                .parse()
                .map_err(failed_while("reading the address"))?,
            users: Vec::new(),
            tokens: vec![ConsoleToken {
                name: "benchmark".into(),
                role: Role::Viewer,
                sha256: console::token_sha256(TOKEN),
            }],
            proxy: None,
            secure_cookies: false,
            session_s: 3600,
            max_upload: 1024 * 1024,
        };
        let console = Console::new(
            Arc::new(target.config.clone()),
            settings,
            target.db.clone(),
            Mode::Service,
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(failed_while("listening on loopback"))?;
        let address: SocketAddr = listener
            .local_addr()
            .map_err(failed_while("reading the console's address"))?;
        let stop = CancellationToken::new();
        tokio::spawn(console::serve(Arc::new(console), listener, stop.clone()));
        let client = Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(failed_while("building the HTTP client"))?;
        Ok(Served {
            base: format!("http://{address}"),
            client,
            stop,
        })
    }

    /// `GET path` with the token: how long it took, and the body. Fails unless the answer is
    /// 200.
    async fn get(&self, path: &str) -> Result<(Duration, String), String> {
        let started = Instant::now();
        let answer = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .send()
            .await
            .map_err(|error| format!("GET {path}: {error}"))?;
        let status = answer.status();
        let body = answer
            .text()
            .await
            .map_err(|error| format!("GET {path}: reading the body: {error}"))?;
        let elapsed = started.elapsed();
        if status != StatusCode::OK {
            return Err(format!("GET {path} answered {status}: {body}"));
        }
        Ok((elapsed, body))
    }
}

/// The path of the `number`th request (from 0) of `request`, and the check of its answer.
fn request_path(request: Request, number: usize, seeded: &Seeded) -> String {
    match request {
        Request::Healthz => "/healthz".to_owned(),
        Request::Metrics => "/metrics".to_owned(),
        Request::Home => "/".to_owned(),
        Request::Runs => "/runs".to_owned(),
        Request::RunsFiltered => format!("/runs?name={NAME_FILTER}"),
        Request::Run => format!(
            "/runs/{}",
            seeded.failed_run.as_ref().map_or(0, |run| run.0)
        ),
        Request::Search => format!("/search?q={}", searched_user(number, seeded)),
    }
}

/// The user the `number`th warm search (from 0) looks for: each time another of those the
/// files named.
fn searched_user(number: usize, seeded: &Seeded) -> &str {
    let users = &seeded.searched;
    users
        .get((number * 7) % users.len().max(1))
        .map_or("u1", String::as_str)
}

/// Checks that `body` is the real answer to the `number`th request of `request`.
fn check(
    request: Request,
    number: usize,
    body: &str,
    seeded: &Seeded,
    runs: usize,
) -> Result<(), String> {
    let problem = |what: String| Err(format!("{}: {what}", request.label()));
    let newest = |ids: &[(i64, String)], count: usize| -> Vec<(i64, String)> {
        ids.iter().rev().take(count).cloned().collect()
    };
    match request {
        Request::Healthz => {
            if body != "ok\n" {
                return problem(format!("answered {body:?}"));
            }
        }
        Request::Metrics => {
            let scrape = Scrape::parse(body).map_err(|error| format!("/metrics: {error:?}"))?;
            let files = scrape
                .metrics
                .iter()
                .find(|metric| metric.name == "moodle_sync_files_total")
                .ok_or_else(|| "/metrics has no moodle_sync_files_total".to_owned())?;
            let sum = |outcome: Option<&str>| -> f64 {
                files
                    .samples
                    .iter()
                    .filter(|sample| {
                        outcome.is_none_or(|outcome| {
                            sample
                                .labels
                                .iter()
                                .any(|label| label.key == "outcome" && label.value == outcome)
                        })
                    })
                    .map(|sample| sample.value.value.as_f64())
                    .sum()
            };
            if sum(None) != runs as f64 || sum(Some("partial")) != seeded.partial as f64 {
                return problem(format!(
                    "moodle_sync_files_total sums to {} ({} partial) instead of {runs} ({})",
                    sum(None),
                    sum(Some("partial")),
                    seeded.partial
                ));
            }
        }
        Request::Home => {
            if !body.contains("Last runs") {
                return problem("no \"Last runs\"".to_owned());
            }
            for (id, name) in newest(&seeded.runs, 10) {
                if !body.contains(&format!("href=\"/runs/{id}\"")) || !body.contains(&name) {
                    return problem(format!("run #{id} ({name}) is not among the last runs"));
                }
            }
        }
        Request::Runs => {
            if !body.contains(&format!(">{runs} runs match<")) {
                return problem(format!("does not say that {runs} runs match"));
            }
            for (id, name) in newest(&seeded.runs, RUNS_PAGE) {
                if !body.contains(&format!("href=\"/runs/{id}\"")) || !body.contains(&name) {
                    return problem(format!("run #{id} ({name}) is not on the first page"));
                }
            }
            if let Some((id, name)) = newest(&seeded.runs, RUNS_PAGE + 1).get(RUNS_PAGE)
                && body.contains(&format!("href=\"/runs/{id}\""))
            {
                return problem(format!("run #{id} ({name}) is on the first page"));
            }
        }
        Request::RunsFiltered => {
            let count = seeded.filtered.len();
            if !body.contains(&format!(">{count} runs match<")) {
                return problem(format!("does not say that {count} runs match"));
            }
            for id in seeded.filtered.iter().rev().take(RUNS_PAGE) {
                if !body.contains(&format!("href=\"/runs/{id}\"")) {
                    return problem(format!("run #{id} is not on the page"));
                }
            }
            if body.contains("<code>cohorts_") {
                return problem("lists a cohort file".to_owned());
            }
        }
        Request::Run => {
            let (id, ghost) = seeded
                .failed_run
                .as_ref()
                .ok_or_else(|| "no run with a failed line was seeded".to_owned())?;
            for expected in [
                format!("Run #{id}"),
                "Failed lines (1)".to_owned(),
                format!("<code>{ghost}</code>"),
                format!("unknown user \"{ghost}\""),
                format!("/runs/{id}/files/tryback"),
            ] {
                let escaped = expected.replace('"', "&quot;");
                if !body.contains(&expected) && !body.contains(&escaped) {
                    return problem(format!("the page does not show {expected:?}"));
                }
            }
        }
        Request::Search => {
            check_search(searched_user(number, seeded), body, seeded)?;
        }
    }
    Ok(())
}

/// Checks that a search for `user` lists every line that named them, the newest run first.
fn check_search(user: &str, body: &str, seeded: &Seeded) -> Result<(), String> {
    let (lines, newest) = seeded.named.get(user).copied().unwrap_or((0, 0));
    if !body.contains(&format!(">{lines} lines<")) {
        return Err(format!(
            "/search?q={user}: does not say {lines} lines (the user's lines in the seeded files)"
        ));
    }
    if lines > 0 {
        let first = body
            .find("href=\"/runs/")
            .map(|at| &body[at..])
            .unwrap_or_default();
        if !first.starts_with(&format!("href=\"/runs/{newest}\"")) {
            return Err(format!(
                "/search?q={user}: the first hit is not run #{newest}, the newest that named them"
            ));
        }
    }
    Ok(())
}

/// Times every request, and the first search (the index's build); each answer checked.
async fn measure_console(
    tag: &str,
    served: &Served,
    seeded: &Seeded,
    runs: usize,
) -> Result<(Vec<Vec<Duration>>, Duration), String> {
    // The connection opened, and the authentication's first use, before anything is timed.
    for _ in 0..WARM_UP {
        let (_, body) = served.get("/healthz").await?;
        check(Request::Healthz, 0, &body, seeded, runs)?;
    }
    // A user the last file named: the search reads every report, and finds them in the last.
    let index_user = users_of(runs).swap_remove(0);
    let index_user = index_user.as_str();
    let (index_build, body) = served.get(&format!("/search?q={index_user}")).await?;
    check_search(index_user, &body, seeded)?;
    eprintln!(
        "[{tag}] first search (the index built from {runs} reports): {:.1} ms",
        index_build.as_secs_f64() * 1000.0
    );

    let mut timings = Vec::with_capacity(Request::ALL.len());
    for request in Request::ALL {
        for number in 0..WARM_UP {
            let (_, body) = served
                .get(&request_path(request, REQUESTS + number, seeded))
                .await?;
            check(request, REQUESTS + number, &body, seeded, runs)?;
        }
        let mut samples = Vec::with_capacity(REQUESTS);
        let mut size = 0;
        for number in 0..REQUESTS {
            let (elapsed, body) = served.get(&request_path(request, number, seeded)).await?;
            check(request, number, &body, seeded, runs)?;
            samples.push(elapsed);
            size = size.max(body.len());
        }
        eprintln!(
            "[{tag}] {}: median {:.2} ms, p90 {:.2} ms, up to {} bytes",
            request.label(),
            millis(median(samples.clone())),
            millis(percentile(&samples, 90)),
            thousands(size as f64)
        );
        timings.push(samples);
    }
    Ok((timings, index_build))
}

/// The `percent`th percentile, by nearest rank.
fn percentile(samples: &[Duration], percent: usize) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = (sorted.len() * percent).div_ceil(100).max(1);
    sorted.get(rank - 1).copied().unwrap_or_default()
}

/// A duration in milliseconds.
fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The results table, a row per request and three columns per measured backend, with a
/// legend.
fn render_table(runs: usize, outcomes: &[(Backend, Outcome)]) -> String {
    let measured: Vec<(Backend, &Figures)> = outcomes
        .iter()
        .filter_map(|(backend, outcome)| match outcome {
            common::Outcome::Measured(figures) => Some((*backend, figures)),
            _ => None,
        })
        .collect();
    let titles: Vec<String> = measured
        .iter()
        .flat_map(|(backend, _)| {
            [
                format!("{} median", backend.name()),
                "p90".to_owned(),
                "/ healthz".to_owned(),
            ]
        })
        .collect();
    let mut header = vec!["request"];
    header.extend(titles.iter().map(String::as_str));

    let mut rows = Vec::new();
    for (index, request) in Request::ALL.into_iter().enumerate() {
        let mut row = vec![request.label()];
        for (_, figures) in &measured {
            let samples = &figures.requests[index];
            let baseline = median(figures.requests[0].clone());
            let middle = median(samples.clone());
            row.push(format!("{:.2} ms", millis(middle)));
            row.push(format!("{:.2} ms", millis(percentile(samples, 90))));
            row.push(ratio(middle, baseline));
        }
        rows.push(row);
    }
    let mut row = vec!["GET /search?q=u<k> (first: the index built)".to_owned()];
    for (_, figures) in &measured {
        let baseline = median(figures.requests[0].clone());
        row.push(format!("{:.2} ms", millis(figures.index_build)));
        row.push("once".to_owned());
        row.push(ratio(figures.index_build, baseline));
    }
    rows.push(row);

    let notes: Vec<(&str, String)> = outcomes
        .iter()
        .filter_map(|(backend, outcome)| match outcome {
            common::Outcome::Measured(_) => None,
            common::Outcome::Skipped(reason) => {
                Some((backend.name(), format!("skipped: {reason}")))
            }
            common::Outcome::Failed(problem) => {
                Some((backend.name(), format!("FAILED: {problem}")))
            }
        })
        .collect();

    let mut out = String::new();
    let _ = writeln!(
        out,
        "moodle-sync console benchmark: a ledger of {} runs made by run_file, {USERS} users; \
         {REQUESTS} requests of each kind after {WARM_UP} warm-up requests, one at a time, \
         bearer token, keep-alive",
        thousands(runs as f64)
    );
    out.push_str(&grid(&header, &rows, &notes));
    let _ = writeln!(
        out,
        "time = from sending the request to the end of the body; median and 90th percentile \
         (nearest rank); / healthz = median / /healthz's median, same run, same process (lower \
         is better): quote ratios, not times"
    );
    let seeding: Vec<String> = measured
        .iter()
        .map(|(backend, figures)| {
            format!("{} {:.1} s", backend.name(), figures.seeding.as_secs_f64())
        })
        .collect();
    if !seeding.is_empty() {
        let _ = writeln!(
            out,
            "seeding (not a console figure: {} files through run_file, one after the other): {}",
            thousands(runs as f64),
            seeding.join(", ")
        );
    }
    out
}
