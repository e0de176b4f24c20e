//! What an alert says: the [`Event`] (a file rejected, rolled back, partly failed or held; the
//! database unreachable, then back), built from a run's summary or an outage, and its three
//! renderings: the mail's subject and body, and the JSON given to a command. Pure: the time
//! and the host are given.

use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde::Serialize;

use super::settings::Topic;
use crate::{
    outcome::{RunStatus, plural},
    output::report::{self, NextStepFacts, Outputs},
    output::summary::RunSummary,
};

/// The version of the event's JSON: raised when a field changes meaning or goes away (new
/// fields may appear without it).
pub const EVENT_VERSION: u32 = 1;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A file refused as a whole; nothing of it applied; kept in the failed area.
    Rejected,
    /// A file the database refused; everything rolled back; kept in the failed area.
    RolledBack,
    /// A file applied except some lines, which the tryback holds.
    Partial,
    /// A file held for approval; nothing applied; kept in the held area.
    Held,
    /// The database unusable for longer than `[alerts] database_down_after_s`.
    DatabaseDown,
    /// The database answers again after an outage that was alerted.
    DatabaseBack,
}

impl EventKind {
    /// The `[alerts] events` name that selects this kind.
    pub fn topic(self) -> Topic {
        match self {
            EventKind::Rejected => Topic::Rejected,
            EventKind::RolledBack => Topic::RolledBack,
            EventKind::Partial => Topic::Partial,
            EventKind::Held => Topic::Held,
            EventKind::DatabaseDown | EventKind::DatabaseBack => Topic::DatabaseDown,
        }
    }
}

/// Where an event comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The host's name.
    pub host: String,
    /// The process, as claims and the ledger name it: `pid@host`.
    pub instance: String,
    /// The database, as the logs describe it (password hidden).
    pub database: String,
}

/// A file's line counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EventTotals {
    /// Data lines read.
    pub lines: usize,
    /// Lines that changed something (none for a held file).
    pub changed: usize,
    /// Lines that failed.
    pub failed: usize,
}

/// One alert, as sent by mail and given to a command (its JSON form is documented in
/// docs/alerts.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// [`EVENT_VERSION`].
    pub version: u32,
    /// What happened.
    pub kind: EventKind,
    /// When, RFC 3339 with the local offset.
    pub time: String,
    /// The host's name.
    pub host: String,
    /// The process: `pid@host`.
    pub instance: String,
    /// The file's name as it was dropped (file events).
    pub file: Option<String>,
    /// The run's number in the ledger (file events).
    pub run: Option<i64>,
    /// How the run ended, as the ledger and the report say it (file events).
    pub status: Option<RunStatus>,
    /// Why: the file's rejection or hold reason, the failed line count, or the database's
    /// error.
    pub reason: String,
    /// The text report.
    pub report: Option<String>,
    /// The JSON report.
    pub report_json: Option<String>,
    /// Where the input was kept: the failed or held area, or the archive.
    pub kept: Option<String>,
    /// The tryback of the failed lines.
    pub tryback: Option<String>,
    /// The line counts, when lines were read.
    pub totals: Option<EventTotals>,
    /// The database (database events; password hidden).
    pub database: Option<String>,
    /// Since when the database has been unusable (database events), RFC 3339.
    pub since: Option<String>,
    /// What to do now, in words, with the command to run.
    pub next_step: String,
}

/// RFC 3339, to the second, with the offset.
pub fn rfc3339(time: DateTime<FixedOffset>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, false)
}

impl Event {
    /// The event for a file the service took, or `None` when it needs no one's attention
    /// (applied whole, or a duplicate).
    pub fn for_run(
        file: &str,
        summary: &RunSummary,
        origin: &Origin,
        time: DateTime<FixedOffset>,
    ) -> Option<Event> {
        let kind = match summary.status {
            RunStatus::Rejected => EventKind::Rejected,
            RunStatus::RolledBack => EventKind::RolledBack,
            RunStatus::Partial => EventKind::Partial,
            RunStatus::Held => EventKind::Held,
            RunStatus::Success | RunStatus::Duplicate => return None,
        };
        let shown = |path: &std::path::PathBuf| path.display().to_string();
        let kept = summary
            .kept
            .as_ref()
            .or(summary.held.as_ref())
            .or(summary.archive.as_ref())
            .map(shown);
        let tryback = summary.tryback.as_ref().map(shown);
        let totals = summary.totals.as_ref().map(|totals| match kind {
            // Nothing of a held file was applied, nor failed.
            EventKind::Held => EventTotals {
                lines: totals.lines,
                changed: 0,
                failed: 0,
            },
            _ => EventTotals {
                lines: totals.lines,
                changed: totals.changed,
                failed: totals.failed,
            },
        });
        let report = shown(&summary.report);
        let reason = match kind {
            EventKind::Partial => {
                let (failed, lines) = totals.map_or((0, 0), |totals| (totals.failed, totals.lines));
                format!(
                    "{} of {} failed; the others were applied",
                    plural(failed, "line"),
                    lines
                )
            }
            _ => summary
                .error
                .clone()
                .unwrap_or_else(|| "see the report".into()),
        };
        let outputs = Outputs {
            tryback: tryback.clone(),
            archive: summary.archive.as_ref().map(shown),
            kept: summary.kept.as_ref().map(shown),
            held: summary.held.as_ref().map(shown),
        };
        let failed = totals.map_or(0, |totals| totals.failed);
        let next_step = match report::next_step(&NextStepFacts {
            status: summary.status,
            simulation: false,
            input: kept.as_deref().unwrap_or(file),
            outputs: &outputs,
            failed,
            spool: None,
            generation_limit_reached: false,
        }) {
            Some(step) => format!("Read why in {report}. {step}"),
            None => format!("See the report: {report}"),
        };
        Some(Event {
            version: EVENT_VERSION,
            kind,
            time: rfc3339(time),
            host: origin.host.clone(),
            instance: origin.instance.clone(),
            file: Some(file.to_owned()),
            run: summary.run,
            status: Some(summary.status),
            reason,
            report: Some(report),
            report_json: Some(shown(&summary.report_json)),
            kept,
            tryback,
            totals,
            database: None,
            since: None,
            next_step,
        })
    }

    /// The database unusable since `since`, still at `time`.
    pub fn database_down(
        problem: &str,
        since: DateTime<FixedOffset>,
        origin: &Origin,
        time: DateTime<FixedOffset>,
    ) -> Event {
        Event {
            next_step: format!(
                "Check that the database server answers ({}). Nothing is lost meanwhile: new files wait in the spool and are taken once it answers; another mail says so",
                origin.database
            ),
            ..Event::about_database(EventKind::DatabaseDown, problem, since, origin, time)
        }
    }

    /// The database answers again at `time`, after an outage since `since` that was alerted.
    pub fn database_back(
        since: DateTime<FixedOffset>,
        origin: &Origin,
        time: DateTime<FixedOffset>,
    ) -> Event {
        Event {
            next_step: "Nothing to do: the files that waited are being taken".into(),
            ..Event::about_database(
                EventKind::DatabaseBack,
                "the database answers again",
                since,
                origin,
                time,
            )
        }
    }

    fn about_database(
        kind: EventKind,
        reason: &str,
        since: DateTime<FixedOffset>,
        origin: &Origin,
        time: DateTime<FixedOffset>,
    ) -> Event {
        Event {
            version: EVENT_VERSION,
            kind,
            time: rfc3339(time),
            host: origin.host.clone(),
            instance: origin.instance.clone(),
            file: None,
            run: None,
            status: None,
            reason: reason.to_owned(),
            report: None,
            report_json: None,
            kept: None,
            tryback: None,
            totals: None,
            database: Some(origin.database.clone()),
            since: Some(rfc3339(since)),
            next_step: String::new(),
        }
    }

    /// The mail's subject: the host, the file and what happened.
    pub fn subject(&self) -> String {
        let file = self.file.as_deref().unwrap_or_default();
        let what = match self.kind {
            EventKind::Rejected => format!("{file} rejected"),
            EventKind::RolledBack => format!("{file} rolled back by the database"),
            EventKind::Partial => {
                let (failed, lines) = self
                    .totals
                    .map_or((0, 0), |totals| (totals.failed, totals.lines));
                format!("{file}: {} of {lines} failed", plural(failed, "line"))
            }
            EventKind::Held => format!("{file} held for approval"),
            EventKind::DatabaseDown => "the database cannot be reached".into(),
            EventKind::DatabaseBack => "the database answers again".into(),
        };
        format!("moodle-sync on {}: {what}", self.host)
    }

    /// The mail's body: what happened in one sentence, the facts, then the next step.
    pub fn body(&self) -> String {
        let file = self.file.as_deref().unwrap_or_default();
        let since = self.since.as_deref().unwrap_or_default();
        let headline = match self.kind {
            EventKind::Rejected => format!("{file} was rejected: nothing of it was applied."),
            EventKind::RolledBack => {
                format!("The database refused {file}: everything it did was rolled back.")
            }
            EventKind::Partial => format!("{file} was applied, except the lines that failed."),
            EventKind::Held => format!(
                "{file} is held: nothing of it was applied; it waits for a person's approval."
            ),
            EventKind::DatabaseDown => {
                format!("The database has been unusable since {since}: no file is taken meanwhile.")
            }
            EventKind::DatabaseBack => {
                format!("The database answers again; it was unusable from {since}.")
            }
        };
        let mut facts: Vec<(&str, String)> = Vec::new();
        if let Some(file) = &self.file {
            facts.push(("File", file.clone()));
        }
        if let Some(run) = self.run {
            facts.push(("Run", format!("#{run}")));
        }
        if let Some(status) = self.status {
            facts.push(("Status", status.name().to_owned()));
        }
        facts.push(("Reason", self.reason.clone()));
        if let Some(totals) = self.totals {
            facts.push((
                "Lines",
                format!(
                    "{} read, {} changed, {} failed",
                    totals.lines, totals.changed, totals.failed
                ),
            ));
        }
        if let Some(report) = &self.report {
            facts.push(("Report", report.clone()));
        }
        if let Some(kept) = &self.kept {
            facts.push(("Input kept", kept.clone()));
        }
        if let Some(tryback) = &self.tryback {
            facts.push(("Tryback", tryback.clone()));
        }
        if let Some(database) = &self.database {
            facts.push(("Database", database.clone()));
        }
        if let Some(since) = &self.since {
            facts.push(("Since", since.clone()));
        }
        facts.push(("Host", format!("{} ({})", self.host, self.instance)));
        facts.push(("Time", self.time.clone()));
        let mut body = format!("{headline}\n\n");
        for (label, value) in facts {
            body.push_str(&format!("{label:<11} {value}\n"));
        }
        body.push_str(&format!(
            "\nNext step\n{}.\n\n-- \nmoodle-sync watch, [alerts] (event version {}, kind {}).\n",
            self.next_step,
            self.version,
            self.kind_name()
        ));
        body
    }

    /// The event as one line of JSON, ended by a newline: what a command reads.
    pub fn json(&self) -> String {
        let mut line = serde_json::to_string(self).expect("an event always serializes");
        line.push('\n');
        line
    }

    /// The kind, as the JSON names it.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            EventKind::Rejected => "rejected",
            EventKind::RolledBack => "rolled_back",
            EventKind::Partial => "partial",
            EventKind::Held => "held",
            EventKind::DatabaseDown => "database_down",
            EventKind::DatabaseBack => "database_back",
        }
    }
}
