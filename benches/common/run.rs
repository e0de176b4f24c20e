//! A benchmark's run: its command line, each backend measured in turn on a database of its
//! own, and the end of the run.

use std::{path::Path, time::Instant};

use tokio::runtime::Runtime;

use super::{Backend, Outcome, ScratchDatabase, peak_memory_mib};

/// The command line's arguments but the program's name.
pub fn arguments() -> Vec<String> {
    std::env::args().skip(1).collect()
}

/// The first argument that is a number (`100_000` reads as `100000`).
pub fn first_number(arguments: &[String]) -> Option<usize> {
    arguments
        .iter()
        .find_map(|argument| argument.replace('_', "").parse::<usize>().ok())
}

/// The first argument that is a number, or `default`; other arguments (cargo adds `--bench`)
/// are ignored. A count of 0 ends the benchmark with `zero` (exit code 2).
pub fn count_argument(arguments: &[String], default: usize, zero: &str) -> usize {
    let count = first_number(arguments).unwrap_or(default);
    if count == 0 {
        eprintln!("{zero}");
        std::process::exit(2);
    }
    count
}

/// The line count of a benchmark that generates a file: [`count_argument`].
pub fn line_count(arguments: &[String], default: usize) -> usize {
    count_argument(arguments, default, "the line count must be at least 1")
}

/// The backends named by `--sqlite`, `--postgres`, `--mariadb` among the arguments; all of
/// them when none is.
pub fn named_backends(arguments: &[String]) -> Vec<Backend> {
    let named: Vec<Backend> = Backend::ALL
        .into_iter()
        .filter(|backend| {
            arguments
                .iter()
                .any(|argument| argument.strip_prefix("--") == Some(backend.name()))
        })
        .collect();
    if named.is_empty() {
        Backend::ALL.to_vec()
    } else {
        named
    }
}

/// Whether `flag` is among the arguments.
pub fn given(arguments: &[String], flag: &str) -> bool {
    arguments.iter().any(|argument| argument == flag)
}

/// The multi-threaded Tokio runtime the benchmark runs on.
pub fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("cannot start the Tokio runtime")
}

/// Measures each of `backends` in turn on `runtime`: [`on_backend`].
pub fn measure_backends<F>(
    runtime: &Runtime,
    backends: impl IntoIterator<Item = Backend>,
    measure: impl AsyncFn(Backend, &Path, &str) -> Result<F, String>,
) -> Vec<(Backend, Outcome<F>)> {
    backends
        .into_iter()
        .map(|backend| (backend, runtime.block_on(on_backend(backend, &measure))))
        .collect()
}

/// Sets up, measures and tears down one backend: a temporary folder, and a database (an SQLite
/// file in the folder, or a scratch schema or database on the server) that `measure` is given
/// the folder and the URL of.
pub async fn on_backend<F>(
    backend: Backend,
    measure: impl AsyncFn(Backend, &Path, &str) -> Result<F, String>,
) -> Outcome<F> {
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(error) => return Outcome::Failed(format!("cannot create a temporary folder: {error}")),
    };
    // Declared before the measurement so that it is dropped (and the scratch database with it)
    // after everything that uses the database, whichever way the measurement ends.
    let (url, _scratch) = match backend.admin_url() {
        None => ("sqlite:moodle.sqlite".to_owned(), None),
        Some(admin_url) => match ScratchDatabase::create(backend, &admin_url).await {
            Ok((url, scratch)) => (url, Some(scratch)),
            Err(outcome) => return outcome,
        },
    };
    match measure(backend, dir.path(), &url).await {
        Ok(figures) => Outcome::Measured(figures),
        Err(problem) => {
            eprintln!("[{}] failed: {problem}", backend.name());
            Outcome::Failed(problem)
        }
    }
}

/// Prints the process's peak memory, or that it is not available.
pub fn print_peak_memory() {
    match peak_memory_mib() {
        Some(mib) => println!(
            "peak memory of the whole benchmark process (VmHWM, all backends and setup included): {mib:.1} MiB"
        ),
        None => println!("peak memory: not available (no VmHWM in /proc/self/status)"),
    }
}

/// Prints how long the whole benchmark took since `started`.
pub fn print_whole_time(started: Instant) {
    println!("whole benchmark: {:.1} s", started.elapsed().as_secs_f64());
}

/// Ends the process with exit code 1 if a backend failed.
pub fn exit_if_failed<'a, F: 'a>(outcomes: impl IntoIterator<Item = &'a (Backend, Outcome<F>)>) {
    if outcomes
        .into_iter()
        .any(|(_, outcome)| matches!(outcome, Outcome::Failed(_)))
    {
        std::process::exit(1);
    }
}
