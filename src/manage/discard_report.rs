//! The report of a discard, text and JSON: what it says, and where it is written in the
//! reports folder.

use std::path::{Path, PathBuf};

use crate::{
    db::KeptRun,
    output::{atomic, naming},
    pipeline::show_ms,
};

/// The names of a discard's two reports in the reports folder: the first suffix of the stamp
/// under which both are free.
pub(super) struct ReportNames<'a> {
    /// The reports folder.
    dir: &'a Path,
    /// When the file was discarded, as file names write it.
    stamp: String,
    /// The discarded file's name, without its stamp.
    name: &'a str,
    /// The suffix both names are free under.
    suffix: u32,
}

impl<'a> ReportNames<'a> {
    /// The names free in `dir` for the reports of `name` discarded at `stamp`.
    pub(super) fn free(dir: &'a Path, stamp: String, name: &'a str) -> ReportNames<'a> {
        let mut names = ReportNames {
            dir,
            stamp,
            name,
            suffix: 0,
        };
        names.suffix = atomic::free_suffix(&[
            (dir, &|n| names.text_name(n)),
            (dir, &|n| names.json_name(n)),
        ]);
        names
    }

    /// The text report.
    pub(super) fn text(&self) -> PathBuf {
        self.dir.join(self.text_name(self.suffix))
    }

    /// The JSON report.
    pub(super) fn json(&self) -> PathBuf {
        self.dir.join(self.json_name(self.suffix))
    }

    /// The text report's name under suffix `n`.
    fn text_name(&self, n: u32) -> String {
        naming::report(&naming::suffixed(&self.stamp, n), self.name, "txt")
    }

    /// The JSON report's name under suffix `n`.
    fn json_name(&self, n: u32) -> String {
        naming::report(&naming::suffixed(&self.stamp, n), self.name, "json")
    }

    /// Writes both reports of the discard recorded as ledger row `record`, each added to
    /// `written` once it is; returns what went wrong, if anything did.
    pub(super) fn write(
        &self,
        facts: &DiscardFacts<'_>,
        record: i64,
        written: &mut Vec<PathBuf>,
    ) -> Option<String> {
        let text_name = |n: u32| self.text_name(n);
        let json_name = |n: u32| self.json_name(n);
        let n = self.suffix;
        let published = atomic::publish(self.dir, &text_name, n, facts.text(record).as_bytes())
            .and_then(|text_path| {
                written.push(text_path.clone());
                let json_path =
                    atomic::publish(self.dir, &json_name, n, facts.json(record).as_bytes())?;
                written.push(json_path.clone());
                Ok((text_path, json_path))
            });
        match published {
            Ok((text_path, json_path)) if text_path == self.text() && json_path == self.json() => {
                None
            }
            // Another process took the names meanwhile: the ledger would name other reports.
            Ok(_) => Some("the report names were taken meanwhile; discard again".to_owned()),
            Err(error) => Some(format!(
                "cannot write the report into {}: {error}",
                self.dir.display()
            )),
        }
    }
}

/// What a discard report says.
pub(super) struct DiscardFacts<'a> {
    /// The file's kind, as the ledger names it (`unknown` when nothing tells).
    pub(super) kind: &'a str,
    /// Its name, without its stamp.
    pub(super) name: &'a str,
    /// The held file given.
    pub(super) from: &'a Path,
    /// Where it is kept.
    pub(super) to: &'a Path,
    /// Its size in bytes.
    pub(super) size: u64,
    /// SHA-256 of its bytes.
    pub(super) sha256: &'a str,
    /// When it was discarded (RFC 3339).
    pub(super) at: String,
    /// Who discarded it.
    pub(super) by: &'a str,
    /// The run that held it, if the ledger knows it.
    pub(super) held: Option<&'a KeptRun>,
}

impl DiscardFacts<'_> {
    /// The text report, naming ledger row `record`.
    fn text(&self, record: i64) -> String {
        let title = format!(
            "moodle-sync report: {} file {} discarded",
            self.kind, self.name
        );
        let mut text = format!("{title}\n{}\n\n", "=".repeat(title.chars().count()));
        let mut field = |name: &str, value: &str| {
            text.push_str(&format!("{name:<10}  {value}\n"));
        };
        field(
            "Result",
            "discarded: nothing of it was applied, and it will not be; the file is kept",
        );
        field("By", &format!("{} (moodle-sync discard)", self.by));
        field("At", &self.at);
        match self.held {
            Some(run) => {
                field(
                    "Held by",
                    &format!("run #{} at {}", run.id, show_ms(run.finished_at)),
                );
                if let Some(reason) = &run.error {
                    field("Reason", reason);
                }
                if let Some(report) = &run.report {
                    field("Its report", report);
                }
            }
            None => field("Held by", "a run the ledger does not know"),
        }
        field("Input", &self.from.display().to_string());
        field("Kept in", &self.to.display().to_string());
        field("Size", &format!("{} bytes", self.size));
        field("SHA-256", self.sha256);
        field("Run", &format!("#{record} (ledger outcome discarded)"));
        text.push_str("\nEnd of report\n");
        text
    }

    /// The JSON report, naming ledger row `record`.
    fn json(&self, record: i64) -> String {
        let held = self.held.map(|run| {
            serde_json::json!({
                "run": run.id,
                "held_at": show_ms(run.finished_at),
                "reason": run.error,
                "report": run.report,
            })
        });
        let mut text = serde_json::json!({
            "version": 1,
            "status": "discarded",
            "kind": self.kind,
            "input": {
                "path": self.from.display().to_string(),
                "name": self.name,
                "size": self.size,
                "sha256": self.sha256,
            },
            "kept": self.to.display().to_string(),
            "discarded_at": self.at,
            "discarded_by": self.by,
            "held_by": held,
            "error": self.held.and_then(|run| run.error.clone()),
            "ledger": { "run": record },
        })
        .to_string();
        text.push('\n');
        text
    }
}
