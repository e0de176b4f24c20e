//! NetYpareo client benchmark: does the client's streaming decode ("a body is never held
//! whole", issue 6) cost less time and memory than the naive way of reading a large answer?
//!
//! It writes a learners fixture of N `wrApprenant` records (`formation-longue/apprenants.json`,
//! the shape of tests/data/netypareo/formation-longue/apprenants.json: every learner with two
//! registrations, each embedding its whole `site` with its `adresse` and a `listeRib` of two
//! bank records, the heavy parts the client skips), serves it with the fake NetYpareo
//! ([`moodle_sync::netypareo::fake::FakeServer`], token `bench`, the real API's `{"0": …}`
//! envelope) and `GET`s `/formation-longue/apprenants` in five ways, in the same run:
//!
//! - **(a) client**: [`moodle_sync::netypareo::client::Client::collection`] into
//!   [`Learner`]s, what moodle-sync does: the body decoded as it arrives;
//! - **(b) buffered**: reqwest's `.bytes()` then `serde_json::from_slice::<Value>`, what a
//!   naive client does (the reference of the ratios);
//! - **(c) buffered typed**: `.bytes()` then `serde_json::from_slice::<Collection<Learner>>`,
//!   the same typed records as (a) from a body held whole;
//! - **(d) drain**: the body read chunk by chunk and thrown away, nothing decoded: the floor
//!   every approach pays (the fake reading, parsing and re-serializing the fixture, and the
//!   transfer);
//! - **(e) bytes() only**: (b) without the decoding, to show what reqwest's `.bytes()` alone
//!   holds.
//!
//! For each it reports the wall-clock time and the **peak heap** during the call: a counting
//! global allocator wraps the system's, its peak is reset to the current use before each call
//! and the peak reached above the use at the start is reported; "held after" is what the heap
//! still holds when the call returns (the records, and the pooled connection's buffers); for
//! (a) it is broken down into the records' vector buffers and the rest. The fake runs in a
//! child process (this binary started again with `--serve <folder>`), so that its own memory,
//! the fixture parsed into `serde_json::Value`s and the whole answer it builds, is not counted
//! against the client. Each figure is the median of 3 rounds, after one untimed request that
//! learns the body's size and opens the connection. Every call is checked: N learners (records
//! with two registrations each, or keys of the envelope) and the first learner's code, or the
//! whole body's size for (d) and (e).
//!
//! Run it with `cargo bench --bench netypareo` (20,000 learners) or with another count:
//! `cargo bench --bench netypareo -- 50000`. Machines are noisy: quote the **ratios**.

use std::{
    alloc::{GlobalAlloc, Layout, System},
    fmt::Write as _,
    fs::{self, File},
    io::{self, BufRead, BufReader, BufWriter, Write as _},
    path::Path,
    process::{Child, Command, Stdio},
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration, Instant},
};

use futures_util::StreamExt;
use moodle_sync::netypareo::{
    client::{Client, TOKEN_HEADER},
    fake::{API_ROOT_PATH, FakeOptions, FakeServer},
    settings::{CursusSource, EndpointPaths, HttpSettings, IdSource, Instance, Token, TokenSource},
    wire::{Collection, Learner, Registration},
};
use serde_json::{Value, json};

mod common;

use common::{
    failed_while, grid, median, peak_memory_mib,
    rounds::ROUNDS,
    run::{count_argument, print_whole_time},
    thousands,
};

/// Learners in the fixture when no count is given on the command line.
const DEFAULT_LEARNERS: usize = 20_000;
/// The token the fake accepts.
const TOKEN: &str = "bench";
/// The endpoint, as path segments under the API root.
const SEGMENTS: [&str; 2] = ["formation-longue", "apprenants"];
/// The first learner's `codeApprenant`; the others follow.
const FIRST_CODE: usize = 6_200_000;

// ---------------------------------------------------------------------------------------------
// The counting allocator.

/// Bytes the heap holds now.
static CURRENT: AtomicUsize = AtomicUsize::new(0);
/// The most bytes the heap held since the last reset.
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting the bytes it hands out. A `realloc` counts as its change in
/// size: the moment a moved block exists twice is not counted (large blocks grow in place or
/// by remapping, without a copy).
struct Counting;

fn grew(bytes: usize) {
    let now = CURRENT.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrank(bytes: usize) {
    CURRENT.fetch_sub(bytes, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` with the caller's arguments unchanged; the
// counters only observe the sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System::alloc`'s.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            grew(layout.size());
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System::alloc_zeroed`'s.
        let pointer = unsafe { System.alloc_zeroed(layout) };
        if !pointer.is_null() {
            grew(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is `System::dealloc`'s.
        unsafe { System.dealloc(pointer, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract is `System::realloc`'s.
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// ---------------------------------------------------------------------------------------------
// The approaches and their figures.

/// The ways of reading the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Approach {
    Client,
    Buffered,
    BufferedTyped,
    Drain,
    BytesOnly,
}

impl Approach {
    const ALL: [Approach; 5] = [
        Approach::Client,
        Approach::Buffered,
        Approach::BufferedTyped,
        Approach::Drain,
        Approach::BytesOnly,
    ];

    fn label(self) -> &'static str {
        match self {
            Approach::Client => "(a) client.collection::<Learner> (streaming)",
            Approach::Buffered => "(b) buffered: bytes() + from_slice::<Value>",
            Approach::BufferedTyped => {
                "(c) buffered typed: bytes() + from_slice::<Collection<Learner>>"
            }
            Approach::Drain => "(d) drain only, nothing decoded (floor)",
            Approach::BytesOnly => "(e) bytes() only, nothing decoded",
        }
    }
}

/// One call's figures.
#[derive(Debug, Clone, Copy)]
struct Sample {
    time: Duration,
    /// Peak heap above the use at the start of the call, in bytes.
    peak: usize,
    /// Heap still held when the call returned, above the use at its start, in bytes.
    held: usize,
    /// The typed records' vector buffers, when the call gave records.
    buffers: Buffers,
}

/// The heap bytes of the typed records' vectors (their capacity, used or not), apart from
/// the strings.
#[derive(Debug, Clone, Copy, Default)]
struct Buffers {
    /// `Vec<Learner>`'s buffer.
    learners: usize,
    /// Every learner's `Vec<Registration>` buffer, summed.
    registrations: usize,
    /// Registrations those buffers have room for, summed.
    registration_slots: usize,
}

/// An approach's medians.
struct Figures {
    approach: Approach,
    time: Duration,
    peak: usize,
    held: usize,
    buffers: Buffers,
}

/// What the whole run measured.
struct Report {
    learners: usize,
    fixture_bytes: u64,
    body_bytes: usize,
    figures: Vec<Figures>,
    server_peak_mib: Option<f64>,
}

fn main() {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    if let Some(position) = arguments.iter().position(|argument| argument == "--serve") {
        let Some(data) = arguments.get(position + 1) else {
            eprintln!("--serve needs the fixture folder");
            std::process::exit(2);
        };
        if let Err(problem) = serve(Path::new(data)) {
            eprintln!("fake NetYpareo: {problem}");
            std::process::exit(1);
        }
        return;
    }

    // The learner count: the first argument that is a number; other arguments (cargo adds
    // `--bench`) are ignored.
    let learners = count_argument(
        &arguments,
        DEFAULT_LEARNERS,
        "the learner count must be at least 1",
    );
    let started = Instant::now();
    match bench(learners) {
        Ok(report) => {
            print!("{}", render_table(&report));
            match peak_memory_mib() {
                Some(mib) => println!(
                    "peak memory of the benchmark process (VmHWM, fixture generation included, the fake's process not): {mib:.1} MiB"
                ),
                None => println!("peak memory: not available (no VmHWM in /proc/self/status)"),
            }
            print_whole_time(started);
        }
        Err(problem) => {
            eprintln!("FAILED: {problem}");
            std::process::exit(1);
        }
    }
}

fn bench(learners: usize) -> Result<Report, String> {
    let dir = tempfile::tempdir().map_err(failed_while("creating a temporary folder"))?;
    let fixture_bytes = write_fixture(dir.path(), learners)?;
    let server = ServerProcess::start(dir.path())?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(failed_while("starting the Tokio runtime"))?;
    let samples = runtime.block_on(measure_all(&server.url, learners));
    drop(runtime);
    let server_peak_mib = server.peak_memory_mib();
    drop(server);
    let (body_bytes, samples) = samples?;

    let figures = Approach::ALL
        .iter()
        .zip(samples)
        .map(|(approach, samples)| Figures {
            approach: *approach,
            time: median(samples.iter().map(|sample| sample.time).collect()),
            peak: median_bytes(samples.iter().map(|sample| sample.peak).collect()),
            held: median_bytes(samples.iter().map(|sample| sample.held).collect()),
            buffers: samples
                .first()
                .map(|sample| sample.buffers)
                .unwrap_or_default(),
        })
        .collect();
    Ok(Report {
        learners,
        fixture_bytes,
        body_bytes,
        figures,
        server_peak_mib,
    })
}

/// The body's size, then each approach's samples in [`Approach::ALL`] order.
async fn measure_all(api_root: &str, learners: usize) -> Result<(usize, Vec<Vec<Sample>>), String> {
    let client = Client::new(&instance(api_root), &Token::new(TOKEN))?;
    let http = reqwest::Client::builder()
        .build()
        .map_err(failed_while("setting up the baseline's HTTP client"))?;
    let url = format!("{api_root}/{}", SEGMENTS.join("/"));

    // Untimed: learns the body's size, opens the baseline's connection, warms the page cache.
    let body_bytes = drain(&http, &url).await?;
    let mut samples: Vec<Vec<Sample>> = vec![Vec::with_capacity(ROUNDS); Approach::ALL.len()];
    for round in 1..=ROUNDS {
        for (index, approach) in Approach::ALL.into_iter().enumerate() {
            let sample = measure_one(approach, &client, &http, &url, learners, body_bytes)
                .await
                .map_err(|problem| format!("{} (round {round}): {problem}", approach.label()))?;
            eprintln!(
                "round {round}: {:<64} {:>7.2} s   peak {:>8.1} MiB",
                approach.label(),
                sample.time.as_secs_f64(),
                mib(sample.peak)
            );
            samples[index].push(sample);
        }
    }
    Ok((body_bytes, samples))
}

async fn measure_one(
    approach: Approach,
    client: &Client,
    http: &reqwest::Client,
    url: &str,
    learners: usize,
    body_bytes: usize,
) -> Result<Sample, String> {
    match approach {
        Approach::Client => {
            measure(
                || async {
                    client
                        .collection::<Learner>(&SEGMENTS, &[])
                        .await
                        .map_err(|error| error.to_string())
                },
                |records: &Vec<Learner>| check_learners(records, records.capacity(), learners),
            )
            .await
        }
        Approach::Buffered => {
            measure(
                || async {
                    let body = get(http, url)
                        .await?
                        .bytes()
                        .await
                        .map_err(failed_while("reading the body"))?;
                    serde_json::from_slice::<Value>(&body).map_err(failed_while("decoding"))
                },
                |value: &Value| check_envelope(value, learners).map(|()| Buffers::default()),
            )
            .await
        }
        Approach::BufferedTyped => {
            measure(
                || async {
                    let body = get(http, url)
                        .await?
                        .bytes()
                        .await
                        .map_err(failed_while("reading the body"))?;
                    serde_json::from_slice::<Collection<Learner>>(&body)
                        .map_err(failed_while("decoding"))
                },
                |records: &Collection<Learner>| {
                    check_learners(&records.0, records.0.capacity(), learners)
                },
            )
            .await
        }
        Approach::Drain => {
            measure(
                || drain(http, url),
                |read: &usize| check_size(*read, body_bytes),
            )
            .await
        }
        Approach::BytesOnly => {
            measure(
                || async {
                    get(http, url)
                        .await?
                        .bytes()
                        .await
                        .map_err(failed_while("reading the body"))
                },
                |body| check_size(body.len(), body_bytes),
            )
            .await
        }
    }
}

fn check_size(read: usize, body_bytes: usize) -> Result<Buffers, String> {
    if read == body_bytes {
        Ok(Buffers::default())
    } else {
        Err(format!("read {read} bytes, expected {body_bytes}"))
    }
}

/// Times `call` and measures the heap it uses; checks what it returned, outside the timing.
async fn measure<T, F>(
    call: impl FnOnce() -> F,
    check: impl FnOnce(&T) -> Result<Buffers, String>,
) -> Result<Sample, String>
where
    F: Future<Output = Result<T, String>>,
{
    let start = CURRENT.load(Ordering::SeqCst);
    PEAK.store(start, Ordering::SeqCst);
    let started = Instant::now();
    let result = call().await?;
    let time = started.elapsed();
    let peak = PEAK.load(Ordering::SeqCst).saturating_sub(start);
    let held = CURRENT.load(Ordering::SeqCst).saturating_sub(start);
    let buffers = check(&result)?;
    drop(result);
    Ok(Sample {
        time,
        peak,
        held,
        buffers,
    })
}

/// `GET url` with the token, as a client without the moodle-sync client would.
async fn get(http: &reqwest::Client, url: &str) -> Result<reqwest::Response, String> {
    http.get(url)
        .header(TOKEN_HEADER, TOKEN)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(failed_while("GET"))
}

/// Reads the whole body chunk by chunk, keeping none; returns its size.
async fn drain(http: &reqwest::Client, url: &str) -> Result<usize, String> {
    let mut chunks = get(http, url).await?.bytes_stream();
    let mut read = 0;
    while let Some(chunk) = chunks.next().await {
        read += chunk.map_err(failed_while("reading the body"))?.len();
    }
    Ok(read)
}

/// Checks the records; measures their vectors' buffers.
fn check_learners(
    records: &[Learner],
    capacity: usize,
    learners: usize,
) -> Result<Buffers, String> {
    if records.len() != learners {
        return Err(format!("{} learners, expected {learners}", records.len()));
    }
    let first = records[0].code_apprenant.as_deref();
    let expected = FIRST_CODE.to_string();
    if first != Some(expected.as_str()) {
        return Err(format!(
            "the first learner's code is {first:?}, expected {expected}"
        ));
    }
    if let Some(learner) = records
        .iter()
        .find(|learner| learner.inscriptions.len() != 2)
    {
        return Err(format!(
            "learner {:?} has {} registrations, expected 2",
            learner.code_apprenant,
            learner.inscriptions.len()
        ));
    }
    let registration_slots: usize = records
        .iter()
        .map(|learner| learner.inscriptions.capacity())
        .sum();
    Ok(Buffers {
        learners: capacity * size_of::<Learner>(),
        registrations: registration_slots * size_of::<Registration>(),
        registration_slots,
    })
}

fn check_envelope(value: &Value, learners: usize) -> Result<(), String> {
    let Value::Object(records) = value else {
        return Err("the body is not the {\"0\": …} envelope".to_owned());
    };
    if records.len() != learners {
        return Err(format!("{} learners, expected {learners}", records.len()));
    }
    let first = records
        .get("0")
        .and_then(|learner| learner.get("codeApprenant"));
    if first.and_then(Value::as_u64) != Some(FIRST_CODE as u64) {
        return Err(format!(
            "the first learner's code is {first:?}, expected {FIRST_CODE}"
        ));
    }
    Ok(())
}

/// An instance pointing at the fake: one attempt (a retry would distort the figures), and a
/// timeout long enough for large bodies.
fn instance(api_root: &str) -> Instance {
    let base_url = api_root.strip_suffix(API_ROOT_PATH).unwrap_or(api_root);
    Instance {
        name: "Bench".into(),
        slug: "bench".into(),
        index: 1,
        base_url: format!("{base_url}/"),
        api_root: api_root.to_owned(),
        token: TokenSource::Inline(Token::new(TOKEN)),
        periods: Vec::new(),
        sites: Vec::new(),
        student_statuses: Vec::new(),
        username: IdSource::Login,
        idnumber: IdSource::Code,
        cursus: CursusSource::DiplomaYear,
        auth: None,
        paths: EndpointPaths::default(),
        http: HttpSettings {
            timeout: Duration::from_secs(900),
            retries: 0,
            ..HttpSettings::default()
        },
        schedules: Default::default(),
    }
}

// ---------------------------------------------------------------------------------------------
// The fake, in a process of its own.

/// The fake NetYpareo running in a child process.
struct ServerProcess {
    child: Child,
    url: String,
}

impl ServerProcess {
    /// Starts this binary with `--serve data` and reads the API root it prints.
    fn start(data: &Path) -> Result<ServerProcess, String> {
        let program = std::env::current_exe().map_err(failed_while("finding this binary"))?;
        let mut child = Command::new(program)
            .arg("--serve")
            .arg(data)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(failed_while("starting the fake NetYpareo"))?;
        let mut line = String::new();
        let read = match child.stdout.take() {
            Some(stdout) => BufReader::new(stdout).read_line(&mut line),
            None => Ok(0),
        };
        let url = line.trim().to_owned();
        let server = ServerProcess { child, url };
        match read {
            Ok(_) if server.url.starts_with("http://") => Ok(server),
            Ok(_) => Err(format!(
                "the fake NetYpareo did not say where it listens (said {line:?})"
            )),
            Err(error) => Err(format!("reading the fake NetYpareo's address: {error}")),
        }
    }

    /// The child's peak resident set size (VmHWM), in MiB, where /proc is available.
    fn peak_memory_mib(&self) -> Option<f64> {
        let status = fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // Closing its stdin stops it; kill it in case it does not.
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child's side: serves `data` until its stdin closes, printing the API root first.
fn serve(data: &Path) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(failed_while("starting the Tokio runtime"))?;
    let server = runtime
        .block_on(FakeServer::start(FakeOptions::new(data, TOKEN)))
        .map_err(failed_while("starting"))?;
    let mut stdout = io::stdout();
    writeln!(stdout, "{}", server.url()).map_err(failed_while("printing the address"))?;
    stdout
        .flush()
        .map_err(failed_while("printing the address"))?;
    // The runtime's threads serve; this one waits for the benchmark to close our stdin (or
    // to end, which closes it too).
    let _ = io::copy(&mut io::stdin(), &mut io::sink());
    runtime.block_on(server.shutdown());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The fixture.

const LAST_NAMES: [&str; 8] = [
    "MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND",
];
const FIRST_NAMES: [&str; 8] = [
    "Léa", "Hugo", "Chloé", "Lucas", "Inès", "Nathan", "Manon", "Théo",
];
/// `(codeSite, nomSite, abregeSite, ville, cp)`.
const SITES: [(u32, &str, &str, &str, &str); 3] = [
    (
        1,
        "CFA Occitanie – Montpellier",
        "MTP",
        "Montpellier",
        "34000",
    ),
    (2, "CFA Occitanie – Nîmes", "NIM", "Nîmes", "30000"),
    (3, "CFA Occitanie – Béziers", "BEZ", "Béziers", "34500"),
];

/// Writes `<dir>/formation-longue/apprenants.json`, a JSON array of `learners` records, one
/// at a time; returns its size.
fn write_fixture(dir: &Path, learners: usize) -> Result<u64, String> {
    let folder = dir.join("formation-longue");
    fs::create_dir_all(&folder).map_err(failed_while("creating the fixture folder"))?;
    let path = folder.join("apprenants.json");
    let file = File::create(&path).map_err(failed_while("creating the fixture"))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let written: io::Result<()> = (|| {
        out.write_all(b"[")?;
        for index in 0..learners {
            if index > 0 {
                out.write_all(b",\n")?;
            }
            serde_json::to_writer(&mut out, &learner(index))?;
        }
        out.write_all(b"]\n")?;
        out.flush()
    })();
    written.map_err(failed_while("writing the fixture"))?;
    drop(out);
    fs::metadata(&path)
        .map(|metadata| metadata.len())
        .map_err(failed_while("reading the fixture's size"))
}

/// One `wrApprenant`, shaped like the test fixture's, with two registrations (the current
/// year's and the previous one's, on different sites).
fn learner(index: usize) -> Value {
    let code = FIRST_CODE + index;
    let last = format!("{} {index}", LAST_NAMES[index % LAST_NAMES.len()]);
    let first = FIRST_NAMES[(index / LAST_NAMES.len()) % FIRST_NAMES.len()];
    let email = format!("apprenant{code}@apprenant.example");
    let site = SITES[index % SITES.len()];
    let current = 100_000 + 2 * index;
    json!({
        "codeApprenant": code,
        "codeIne": format!("000{code}K"),
        "codeCivilite": 1 + index % 2,
        "nomApprenant": last,
        "nomJeuneFille": null,
        "prenomApprenant": first,
        "prenom2Apprenant": null,
        "autresPrenoms": null,
        "sexe": if index.is_multiple_of(2) { "F" } else { "M" },
        "dateNaissance": format!("{:02}/{:02}/2006", 1 + index % 28, 1 + index % 12),
        "lieuNaissance": site.3,
        "deptNaissance": &site.4[..2],
        "codeCommuneNaissance": "34172",
        "codePaysNaissance": 1,
        "adresse": address(code, &format!("{} place de la Comédie", 1 + index % 90), site.3, site.4, &email, None),
        "adresse2": null,
        "adresse3": null,
        "codeEtabOrigine": null,
        "estReconnuHandicape": 0,
        "dateCreation": "02/06/2025",
        "dateModification": "05/09/2026",
        "numeroBadge": null,
        "contactAdresse": {
            "identifiant": null,
            "titre": null,
            "codeCivilite": null,
            "nom": null,
            "prenom": null
        },
        "contactAdresse2": null,
        "contactAdresse3": null,
        "repLegal": null,
        "informationsCourantes": {
            "codeGroupe": 2101 + index % 40,
            "codeQualite": null,
            "codeInscription": current,
            "codeCalendrier": null
        },
        "inscriptions": [
            registration(code, current, true, index % SITES.len()),
            registration(code, current + 1, false, (index + 1) % SITES.len()),
        ],
        "informationsFinancieres": null,
        "codeNationalite": 1,
        "codeOrigineScolaire": null,
        "codeDiplomeObtenu": null
    })
}

/// An `adresse` object.
fn address(
    code: usize,
    street: &str,
    town: &str,
    postcode: &str,
    email: &str,
    phone: Option<&str>,
) -> Value {
    json!({
        "codeAdresse": code,
        "codeCommune": null,
        "codePays": 1,
        "adr1": street,
        "adr2": null,
        "adr3": null,
        "adr4": null,
        "codeRessource": null,
        "cp": postcode,
        "email": email,
        "fax": null,
        "province": null,
        "tel1": phone,
        "tel2": null,
        "typeAdresse": "P",
        "typeRessource": null,
        "ville": town,
        "zoneLibre": null,
        "commune": {
            "codeCommune": null,
            "nomCommune": town,
            "cp": postcode
        },
        "pays": {
            "codePays": 1,
            "nomPays": "France",
            "codeIso": "FR"
        }
    })
}

/// A `site` object as a registration embeds it: its address and two bank records.
fn site(which: usize) -> Value {
    let (code, name, abbreviation, town, postcode) = SITES[which];
    json!({
        "codeSite": code,
        "nomFormeJuridique": "Association",
        "nomSite": name,
        "abregeSite": abbreviation,
        "etenduSite": format!("Centre de formation d'apprentis de {town}"),
        "regroupementSite": null,
        "adresse": address(
            9000 + which,
            "12 rue de l'École Normale",
            town,
            postcode,
            &format!("accueil.{}@cfa-occitanie.example", abbreviation.to_lowercase()),
            Some("04 67 00 00 01"),
        ),
        "rne": "0342259X",
        "naf": "8532Z",
        "siret": format!("000000000000{code:02}"),
        "numeroExistence": "76340000034",
        "civiliteDirigeant": "Mme",
        "nomDirigeant": "VIDAL",
        "prenomDirigeant": "Hélène",
        "plusUtilise": false,
        "listeRib": [
            {
                "codeRib": 2 * which + 1,
                "nomBanque": "Banque Fictive du Languedoc",
                "iban": "FR76 0000 0000 0000 0000 0000 000",
                "bic": "FICTFRPPXXX",
                "isDefaut": 1
            },
            {
                "codeRib": 2 * which + 2,
                "nomBanque": "Caisse Imaginaire d'Occitanie",
                "iban": "FR76 1111 1111 1111 1111 1111 111",
                "bic": "IMAGFRPPXXX",
                "isDefaut": 0
            }
        ]
    })
}

/// An `inscriptions[]` record: the current year's (`current`) or the previous one's.
fn registration(learner: usize, code: usize, current: bool, which: usize) -> Value {
    let (period, year, year_name, year_abbreviation) = if current {
        (17, 2, "2ème année", "2A")
    } else {
        (16, 1, "1ère année", "1A")
    };
    json!({
        "codeInscription": code,
        "codeApprenant": learner,
        "isInscriptionEnCours": u8::from(current),
        "isInscriptionFc": 0,
        "isIndividuel": 0,
        "codePeriode": period,
        "codeSite": SITES[which].0,
        "site": site(which),
        "codeStatut": 1,
        "statut": {
            "codeStatut": 1,
            "nomStatut": "Apprenti",
            "abregeStatut": "N01",
            "isFacturableNpec": 1,
            "isFacturableContrat": 1,
            "isFacturableFormation": 0,
            "plusUtilise": 0
        },
        "codeSituation": 10 + year,
        "situation": {
            "codeSituation": 10 + year,
            "nomSituation": format!("APPRENTI {year_abbreviation}"),
            "abregeSituation": format!("N01-{year_abbreviation}"),
            "codeStatut": 1,
            "nomStatut": "Apprenti",
            "codeDiplomePrepare": null,
            "nomDiplomePrepare": "BTS Services informatiques aux organisations",
            "codeAnnee": year,
            "nomAnnee": year_name
        },
        "codeAnnee": year,
        "annee": {
            "codeAnnee": year,
            "nomAnnee": year_name,
            "abregeAnnee": year_abbreviation,
            "numeroAnnee": year
        },
        "codeFormation": 101,
        "formation": formation(),
        "dateDepart": if current { Value::Null } else { json!("31/08/2025") }
    })
}

/// The training every registration is in.
fn formation() -> Value {
    json!({
        "codeFormation": 101,
        "nomFormation": "BTS Services informatiques aux organisations",
        "codeEn": "32032603",
        "etenduFormation": "BTS SIO option SLAM",
        "abregeFormation": "BTS SIO",
        "dureeMois": 24,
        "dureeJours": null,
        "dureeHeures": 1350,
        "codeSecteurActivite": 7,
        "nomSecteurActivite": "Numérique",
        "codePersonnel": 501,
        "prixVente": null,
        "plusUtilise": 0,
        "estFormationLongue": 1,
        "estFormationCourte": 0,
        "planDeFormation": [],
        "diplome": {
            "codeDiplome": 40,
            "nomDiplome": "Brevet de technicien supérieur",
            "abregeDiplome": "BTS",
            "nomenclDiplome": "32",
            "nomenclNiveau": "5"
        },
        "niveau": "5",
        "npec": {
            "montant": 8000,
            "codeIdcc": null
        },
        "certification": {
            "typeCertification": "RNCP",
            "nomenclature": "RNCP35340",
            "nom": "BTS - Services informatiques aux organisations"
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The table.

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The median of byte counts; of an even count, the mean of the two middle values.
fn median_bytes(mut values: Vec<usize>) -> usize {
    values.sort_unstable();
    let middle = values.len() / 2;
    if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2
    }
}

fn render_table(report: &Report) -> String {
    let reference = report
        .figures
        .iter()
        .find(|figures| figures.approach == Approach::Buffered)
        .expect("the buffered baseline is always measured");
    let header = [
        "approach",
        "time",
        "ratio",
        "peak heap",
        "ratio",
        "held after",
    ];
    let rows: Vec<Vec<String>> = report
        .figures
        .iter()
        .map(|figures| {
            vec![
                figures.approach.label().to_owned(),
                format!("{:.2} s", figures.time.as_secs_f64()),
                format!(
                    "{:.2}x",
                    figures.time.as_secs_f64() / reference.time.as_secs_f64()
                ),
                format!("{:.1} MiB", mib(figures.peak)),
                format!("{:.2}x", figures.peak as f64 / reference.peak.max(1) as f64),
                format!("{:.1} MiB", mib(figures.held)),
            ]
        })
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "moodle-sync NetYpareo client benchmark: GET /formation-longue/apprenants, {} learners \
         (2 registrations each, each with its site, the site's address and 2 bank records), \
         median of {ROUNDS} rounds",
        thousands(report.learners as f64)
    );
    let _ = writeln!(
        out,
        "body as served: {:.1} MB ({} bytes, {{\"0\": …}} envelope, {:.0} bytes per learner); \
         fixture file {:.1} MB",
        report.body_bytes as f64 / 1e6,
        thousands(report.body_bytes as f64),
        report.body_bytes as f64 / report.learners as f64,
        report.fixture_bytes as f64 / 1e6
    );
    out.push_str(&grid(&header, &rows, &[]));
    let _ = writeln!(
        out,
        "ratio = figure / (b)'s, same run (lower is better); peak heap = the most the process's \
         heap held during the call above what it held at its start (counting allocator); held \
         after = what it still held when the call returned"
    );
    let _ = writeln!(
        out,
        "times include the fake's work (reading the fixture, parsing it into Values, writing \
         the whole answer), which (d) measures alone; the fake runs in a child process and its \
         memory is not counted{}",
        match report.server_peak_mib {
            Some(mib) => format!(" (its own peak RSS: {mib:.0} MiB)"),
            None => String::new(),
        }
    );
    if let Some(client) = report
        .figures
        .iter()
        .find(|figures| figures.approach == Approach::Client)
    {
        let per_learner = |bytes: usize| bytes as f64 / report.learners as f64;
        let buffers = client.buffers;
        let _ = writeln!(
            out,
            "(a)'s records per learner: {:.0} heap bytes held, of which Vec<Learner> {:.0} \
             ({} bytes each, capacity {:.2}x the count), Vec<Registration> {:.0} ({} bytes each, \
             {:.1} slots for 2 registrations), strings and the rest {:.0}",
            per_learner(client.held),
            per_learner(buffers.learners),
            size_of::<Learner>(),
            buffers.learners as f64 / (report.learners * size_of::<Learner>()) as f64,
            per_learner(buffers.registrations),
            size_of::<Registration>(),
            per_learner(buffers.registration_slots),
            per_learner(
                client
                    .held
                    .saturating_sub(buffers.learners + buffers.registrations)
            ),
        );
    }
    out
}
