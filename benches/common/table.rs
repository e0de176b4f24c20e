//! The cells of the tables the figures are printed in.

use std::time::Duration;

use super::{Backend, Outcome, grid, thousands};

/// The legend of the ratio columns of a table of runs timed against a baseline.
pub const RUN_RATIO_LEGEND: &str = "ratio = run time / baseline time, same run, same database \
    (lower is better): quote ratios, not rates";

/// A table with a row per measured backend (its name, then the `cells` of its figures) and a
/// note per backend skipped or failed, columns aligned.
pub fn backend_table<F>(
    header: &[&str],
    outcomes: &[(Backend, Outcome<F>)],
    cells: impl Fn(&F) -> Vec<String>,
) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut notes: Vec<(&str, String)> = Vec::new();
    for (backend, outcome) in outcomes {
        match outcome {
            Outcome::Measured(figures) => {
                let mut row = vec![backend.name().to_owned()];
                row.extend(cells(figures));
                rows.push(row);
            }
            Outcome::Skipped(reason) => notes.push((backend.name(), format!("skipped: {reason}"))),
            Outcome::Failed(problem) => notes.push((backend.name(), format!("FAILED: {problem}"))),
        }
    }
    grid(header, &rows, &notes)
}

/// `1.23 s`.
pub fn seconds(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

/// `1.23 s  45,678 lines/s`: the time, and `count` `unit`s per second right-aligned in `width`.
pub fn seconds_and_rate(duration: Duration, count: usize, width: usize, unit: &str) -> String {
    let seconds = duration.as_secs_f64();
    format!(
        "{seconds:.2} s  {:>width$} {unit}/s",
        thousands(count as f64 / seconds)
    )
}

/// `1.50x`: `duration` over `base`.
pub fn ratio(duration: Duration, base: Duration) -> String {
    format!("{:.2}x", duration.as_secs_f64() / base.as_secs_f64())
}

/// What the query planner knows, for a table's title (`--analyze`).
pub fn statistics_label(analyze: bool) -> &'static str {
    if analyze {
        "planner statistics refreshed after setup"
    } else {
        "fresh tables, no planner statistics"
    }
}
