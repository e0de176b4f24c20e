//! A run's JSON report turned into what its page shows: the failed lines first, each with its
//! column, value and reason, then the others; the totals that are not zero; the file's error,
//! the next step. Pure: the JSON is read by the caller.

use serde_json::Value;

/// The most lines a run's page lists beside its failed ones (all failed lines are shown); the
/// whole report is a download away.
pub(super) const MAX_OTHER_LINES: usize = 500;

/// What a run's page shows of its report.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct ReportView {
    /// How the run ended.
    pub(super) status: String,
    /// Why the file was refused, rolled back or held.
    pub(super) error: Option<String>,
    /// What to do next.
    pub(super) next_step: Option<String>,
    /// Whether it was a simulation.
    pub(super) simulation: bool,
    /// Totals that are not zero, by name.
    pub(super) totals: Vec<(String, u64)>,
    /// The failed lines, in file order.
    pub(super) failed: Vec<LineView>,
    /// The other lines, in file order, at most [`MAX_OTHER_LINES`].
    pub(super) others: Vec<LineView>,
    /// Lines not listed.
    pub(super) others_left_out: usize,
    /// Notes and problems the report lists.
    pub(super) notes: Vec<String>,
}

/// A line of the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct LineView {
    /// Its line number in the file.
    pub(super) line: u64,
    /// `changed`, `unchanged`, `failed`…
    pub(super) status: String,
    /// Its command (`add`, `del`…).
    pub(super) command: String,
    /// The column at fault.
    pub(super) column: Option<String>,
    /// The value at fault.
    pub(super) value: Option<String>,
    /// Why it failed, or what it did.
    pub(super) message: String,
}

/// Reads a JSON report; `None` when it is not one.
pub(super) fn read(json: &[u8]) -> Option<ReportView> {
    let report: Value = serde_json::from_slice(json).ok()?;
    let text = |value: &Value| value.as_str().map(str::to_owned);
    let mut view = ReportView {
        status: text(&report["status"]).unwrap_or_default(),
        error: text(&report["error"]),
        next_step: text(&report["next_step"]),
        simulation: report["simulation"].as_bool().unwrap_or(false),
        ..ReportView::default()
    };
    if let Some(totals) = report["totals"].as_object() {
        view.totals = totals
            .iter()
            .filter_map(|(name, value)| Some((name.clone(), value.as_u64()?)))
            .filter(|(_, count)| *count > 0)
            .collect();
    }
    for key in ["notes", "problems"] {
        if let Some(items) = report[key].as_array() {
            view.notes.extend(items.iter().map(|item| match item {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            }));
        }
    }
    for line in report["lines"].as_array().into_iter().flatten() {
        let error = &line["error"];
        let item = LineView {
            line: line["line"].as_u64().unwrap_or(0),
            status: text(&line["status"]).unwrap_or_default(),
            command: text(&line["command"]).unwrap_or_default(),
            column: text(&error["column"]),
            value: text(&error["value"]),
            message: text(&error["problem"])
                .or_else(|| text(&line["message"]))
                .unwrap_or_default(),
        };
        if item.status == "failed" {
            view.failed.push(item);
        } else if view.others.len() < MAX_OTHER_LINES {
            view.others.push(item);
        } else {
            view.others_left_out += 1;
        }
    }
    Some(view)
}
