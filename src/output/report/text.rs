//! The report as text, for an administrator: written section by section, in the order it is
//! read (what the run was and what failed first, then every line, what came after the lines,
//! the courses and caches, the totals and the next step), streamed line by line.

use std::io::{self, Write};

use super::{LedgerInfo, Report, caches::write_caches, enrolments::write_enrolments};
use crate::{
    command::{self, Totals},
    input::{SourceFormat, delimiter_label},
    outcome::{LineEffect, RunStatus, plural},
};

impl Report<'_> {
    /// Writes the text report. It is streamed line by line: a large file's report is never
    /// held whole in memory.
    pub fn write_text(&self, out: &mut dyn Write) -> io::Result<()> {
        self.write_title(out)?;
        write_field(out, "Result", &self.result_line())?;
        if let Some(error) = &self.run.error {
            write_field(out, "Reason", error)?;
        }
        self.write_failed(out)?;
        if self.failed_lines().next().is_some() {
            out.write_all(b"\n")?;
        }
        self.write_fields(out)?;
        if let Some(ledger) = &self.run.ledger {
            write_ledger(out, ledger)?;
        }
        if !self.run.problems.is_empty() {
            write_list(
                out,
                "Problems (the file was applied; these outputs are missing)",
                &self.run.problems,
            )?;
        }
        if !self.notes.is_empty() {
            write_list(out, "Notes", &self.notes)?;
        }
        if !self.lines.is_empty() {
            self.write_lines(out)?;
        }
        self.write_after(out)?;
        if !self.syncs.is_empty() {
            self.write_syncs(out)?;
        }
        if let Some(enrolments) = self.enrolments {
            write_enrolments(out, enrolments, self.run.simulation)?;
        }
        if let Some(caches) = &self.run.caches {
            write_caches(out, caches)?;
        }
        if let Some(totals) = &self.totals {
            self.write_totals(out, totals)?;
        }
        if let Some(next) = &self.next_step {
            writeln!(out, "\nNext step\n{next}")?;
        }
        out.write_all(b"\nEnd of report\n")
    }

    /// The title, and for a run that wrote nothing, a banner saying so.
    fn write_title(&self, out: &mut dyn Write) -> io::Result<()> {
        let title = format!(
            "moodle-sync report: {} file {}",
            self.run.kind, self.run.input.name
        );
        writeln!(out, "{title}\n{}\n", "=".repeat(title.chars().count()))?;
        if self.run.simulation {
            out.write_all(
                b"SIMULATION (--dry-run): nothing was written to the database and the input was left in place.\n\
                  Every line below says what a real run would do.\n\n",
            )?;
        } else if self.run.status == RunStatus::Held {
            out.write_all(
                b"HELD: nothing was written to the database; the input waits in the held folder for approval.\n\
                  Every line below says what applying it would do.\n\n",
            )?;
        }
        Ok(())
    }

    /// The result in one line: how the run ended, with the exit code.
    fn result_line(&self) -> String {
        let code = self.run.exit_code;
        if !self.run.problems.is_empty() {
            return format!(
                "file applied, but some outputs could not be written: see Problems below (exit code {code})"
            );
        }
        let would = if self.run.simulation {
            " (simulation)"
        } else {
            ""
        };
        match (self.run.status, &self.totals) {
            (RunStatus::Rejected, _) => {
                format!("file rejected, nothing applied (exit code {code})")
            }
            (RunStatus::RolledBack, _) => {
                format!("database error, every change of this file rolled back (exit code {code})")
            }
            (RunStatus::Held, _) if self.run.simulation => format!(
                "would be held: a real run would apply nothing until approved (see Reason and Held below; exit code {code})"
            ),
            (RunStatus::Held, _) => format!(
                "held: nothing applied until approved with moodle-sync approve (see Reason and Held below; exit code {code})"
            ),
            (RunStatus::Duplicate, _) => {
                "these bytes were applied before (see Earlier): not applied again, as [watch] duplicates = \"skip\" says".to_owned()
            }
            (_, Some(totals)) if totals.failed > 0 && self.run.simulation => format!(
                "{} of {} would fail; a real run would write {} to a tryback (exit code {code})",
                totals.failed,
                plural(totals.lines, "line"),
                if totals.failed == 1 { "it" } else { "them" }
            ),
            (_, Some(totals)) if totals.failed > 0 => format!(
                "{} of {} failed; {} in the tryback (exit code {code})",
                totals.failed,
                plural(totals.lines, "line"),
                if totals.failed == 1 { "it is" } else { "they are" }
            ),
            (_, Some(totals)) if totals.lines == 1 => {
                format!("the 1 line succeeded{would} (exit code {code})")
            }
            (_, Some(totals)) => format!(
                "all {} lines succeeded{would} (exit code {code})",
                totals.lines
            ),
            (_, None) => format!("exit code {code}"),
        }
    }

    /// What needs doing first: every failed line, with its column, value and reason (and,
    /// for a tryback, the line it was in the original file).
    fn write_failed(&self, out: &mut dyn Write) -> io::Result<()> {
        let count = self.failed_lines().count();
        if count == 0 {
            return Ok(());
        }
        let would = if self.run.simulation {
            " would fail"
        } else {
            " failed"
        };
        writeln!(
            out,
            "\n{}{would} (fix {} and try again: see Next step at the end)",
            plural(count, "line"),
            if count == 1 { "it" } else { "them" }
        )?;
        for (line, error) in self.failed_lines() {
            write!(out, "- line {}", line.line)?;
            if let (Some(original), Some(file)) = (line.original_line, &self.original_file) {
                write!(out, " (line {original} of {file})")?;
            }
            if let Some(column) = &error.column {
                write!(out, ", column {column}")?;
            }
            if let Some(value) = &error.value {
                write!(out, ", value \"{value}\"")?;
            }
            writeln!(out, ": {}", error.problem)?;
        }
        Ok(())
    }

    /// The input, how it was read, the database and settings, the time taken, where the
    /// outputs went, and whether the file was approved.
    fn write_fields(&self, out: &mut dyn Write) -> io::Result<()> {
        let run = &self.run;
        write_field(out, "Input", &run.input.path)?;
        write_field(out, "Size", &format!("{} bytes", run.input.size))?;
        write_field(
            out,
            "SHA-256",
            run.input
                .sha256
                .as_deref()
                .unwrap_or("not computed: the file was not read"),
        )?;
        if let Some(format) = &run.format {
            write_field(out, "Read as", &describe_format(format))?;
        }
        write_field(
            out,
            "Database",
            &format!("{}, table prefix {}", run.database, run.prefix),
        )?;
        write_field(out, "Settings", &run.settings.of_kind)?;
        write_field(
            out,
            "Reading",
            &format!(
                "encoding {}, delimiter {}, files up to {} MiB",
                run.settings.encoding,
                run.settings.delimiter,
                run.settings.max_file_bytes / (1024 * 1024)
            ),
        )?;
        write_field(out, "Started", &run.started_at)?;
        write_field(
            out,
            "Duration",
            &format!("{:.3} s", run.duration_ms as f64 / 1000.0),
        )?;
        for (name, output) in [
            ("Tryback", &run.outputs.tryback),
            ("Archive", &run.outputs.archive),
            ("Kept in", &run.outputs.kept),
            ("Held in", &run.outputs.held),
        ] {
            if let Some(output) = output {
                write_field(out, name, output)?;
            }
        }
        if run.approved {
            write_field(
                out,
                "Approved",
                &format!(
                    "applied with moodle-sync approve: the limit on the members a sync may remove ([cohorts] max_sync_removal_percent = {}) was lifted for this file",
                    run.settings.sync_limit_percent
                ),
            )?;
        }
        Ok(())
    }

    /// The table of the lines: number, status, command, key values and what happened, the
    /// columns as wide as their widest value (within bounds).
    fn write_lines(&self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(b"\nLines\n")?;
        let width = |values: &mut dyn Iterator<Item = usize>, minimum: usize| {
            values.max().unwrap_or(0).clamp(minimum, 24)
        };
        let line_width = width(
            &mut self.lines.iter().map(|line| line.line.to_string().len()),
            4,
        );
        let command_width = width(
            &mut self.lines.iter().map(|line| line.command.chars().count()),
            7,
        );
        let key_columns = self.run.kind.key_columns();
        let key_widths: Vec<usize> = key_columns
            .iter()
            .enumerate()
            .map(|(index, name)| {
                width(
                    &mut self.lines.iter().map(|line| {
                        line.keys
                            .0
                            .get(index)
                            .map_or(0, |(_, value)| value.chars().count())
                    }),
                    name.len(),
                )
            })
            .collect();
        write!(
            out,
            "{:>line_width$}  {:<9}  {:<command_width$}",
            "line", "status", "command"
        )?;
        for (name, width) in key_columns.iter().zip(&key_widths) {
            write!(out, "  {name:<width$}")?;
        }
        out.write_all(b"  message\n")?;
        for line in &self.lines {
            write!(
                out,
                "{:>line_width$}  {:<9}  {:<command_width$}",
                line.line,
                line.status.label(),
                line.command,
            )?;
            for ((_, value), width) in line.keys.0.iter().zip(&key_widths) {
                write!(out, "  {value:<width$}")?;
            }
            match (line.original_line, &self.original_file) {
                (Some(original), Some(file)) => {
                    writeln!(out, "  (line {original} of {file}) {}", line.message)?;
                }
                _ => writeln!(out, "  {}", line.message)?,
            }
        }
        Ok(())
    }

    /// Effects that belong to no line, under the heading their kind gives them, in the order
    /// they came.
    fn write_after(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut headings: Vec<&'static str> = Vec::new();
        for effect in &self.after {
            let heading = effect.effect.heading();
            if !headings.contains(&heading) {
                headings.push(heading);
            }
        }
        for heading in headings {
            writeln!(out, "\n{heading}")?;
            for effect in self
                .after
                .iter()
                .filter(|effect| effect.effect.heading() == heading)
            {
                writeln!(out, "- {}", effect.message)?;
            }
        }
        Ok(())
    }

    /// The synced cohorts: what each member list does, and, for a file held or approved, why.
    fn write_syncs(&self, out: &mut dyn Write) -> io::Result<()> {
        let limit = self.run.settings.sync_limit_percent;
        out.write_all(
            b"\nSynced cohorts (sync lines: each list is the cohort's whole membership)\n",
        )?;
        for sync in self.syncs {
            write!(
                out,
                "- cohort {}: {} before; {} added, {} unchanged, {} removed ({:.1} %)",
                sync.cohort,
                plural(sync.members_before, "member"),
                sync.added,
                sync.unchanged,
                sync.removed.len(),
                sync.removed_percent()
            )?;
            if !sync.kept.is_empty() {
                write!(
                    out,
                    "; {} kept although not listed, because a failed sync line names them: {}",
                    sync.kept.len(),
                    sync.kept
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )?;
            }
            if sync.over_limit {
                write!(
                    out,
                    "; more than [cohorts] max_sync_removal_percent = {limit} %{}",
                    if self.run.approved {
                        ", applied as approved"
                    } else {
                        ""
                    }
                )?;
            }
            out.write_all(b"\n")?;
        }
        if self.run.status != RunStatus::Held {
            return Ok(());
        }
        out.write_all(b"\nHeld\n")?;
        for sync in self.syncs.iter().filter(|sync| sync.over_limit) {
            writeln!(out, "{}:", sync.hold_reason(limit))?;
            for user in &sync.removed {
                writeln!(out, "- {user}")?;
            }
        }
        match (&self.run.outputs.held, self.run.simulation) {
            (Some(held), _) => writeln!(
                out,
                "Nothing was applied. If these removals are intended, apply the file as it is with:\n  moodle-sync approve {held}"
            ),
            (None, true) => out.write_all(
                b"A real run would apply nothing and move the input to the held folder, to be applied with moodle-sync approve.\n",
            ),
            (None, false) => out.write_all(b"Nothing was applied.\n"),
        }
    }

    /// The counts: lines, the kind's own, course enrolments when they were followed, and
    /// Moodle's log rows.
    fn write_totals(&self, out: &mut dyn Write, totals: &Totals) -> io::Result<()> {
        out.write_all(b"\nTotals\n")?;
        write!(
            out,
            "lines     {} read: {} changed, {} unchanged, {} failed",
            totals.lines, totals.changed, totals.unchanged, totals.failed
        )?;
        if self.empty_records > 0 {
            write!(out, " ({} empty records skipped)", self.empty_records)?;
        }
        out.write_all(b"\n")?;
        for line in command::totals_lines(self.run.kind, &totals.counts) {
            writeln!(out, "{line}")?;
        }
        if self.enrolments.is_some() {
            writeln!(
                out,
                "courses   {} enrolments created, {} reactivated, {} suspended, {} roles assigned, {} removed, {} group memberships added; {} enrolments pending removal by Moodle",
                totals.enrolments_created,
                totals.enrolments_reactivated,
                totals.enrolments_suspended,
                totals.roles_assigned,
                totals.roles_removed,
                totals.group_members_added,
                totals.pending_unenrolments
            )?;
        }
        if totals.log_rows > 0 {
            writeln!(
                out,
                "log       {} in Moodle's standard log",
                plural(totals.log_rows, "row")
            )?;
        }
        Ok(())
    }
}

/// One field of the report's head: its name in a column, then its value.
fn write_field(out: &mut dyn Write, name: &str, value: &str) -> io::Result<()> {
    writeln!(out, "{name:<10}  {value}")
}

/// A section that is a list: its heading, then one item a line.
fn write_list(out: &mut dyn Write, heading: &str, items: &[String]) -> io::Result<()> {
    writeln!(out, "\n{heading}")?;
    for item in items {
        writeln!(out, "- {item}")?;
    }
    Ok(())
}

/// What the ledger knew: the run, and, as the case may be, its lineage, the run of the same
/// bytes it duplicates or repeats, and the retry that put it back.
fn write_ledger(out: &mut dyn Write, ledger: &LedgerInfo) -> io::Result<()> {
    write_field(
        out,
        "Run",
        &format!(
            "#{} (claim {}, by {})",
            ledger.run, ledger.claim, ledger.host
        ),
    )?;
    if ledger.generation > 0 {
        let ancestors: Vec<String> = ledger
            .ancestors
            .iter()
            .map(|run| format!("#{run}"))
            .collect();
        write_field(
            out,
            "Lineage",
            &format!(
                "tryback generation {}, descending from run {}{}",
                ledger.generation,
                ancestors.join(" <- "),
                if ledger.generation_limit_reached {
                    "; the generation limit is reached: the lines that failed again are in the failed area, not offered for another try"
                } else {
                    ""
                }
            ),
        )?;
    }
    if let Some(earlier) = &ledger.duplicate_of {
        write_field(
            out,
            "Earlier",
            &format!(
                "run #{} applied the same bytes ({}, {}); its report: {}",
                earlier.run, earlier.name, earlier.finished_at, earlier.report
            ),
        )?;
    }
    if let Some(retry) = &ledger.retry {
        write_field(
            out,
            "Retry of",
            &match retry.of_run {
                Some(run) => format!(
                    "run #{run}: put back into the spool by moodle-sync retry (ledger #{})",
                    retry.record
                ),
                None => format!(
                    "a file put back into the spool by moodle-sync retry (ledger #{}), of a run the ledger does not know",
                    retry.record
                ),
            },
        )?;
    }
    if let Some(earlier) = &ledger.repeats {
        write_field(
            out,
            "Repeats",
            &format!(
                "run #{} of the same bytes ({}, {}, {}) did not apply every line, so they were taken again rather than skipped; its report: {}",
                earlier.run, earlier.outcome, earlier.name, earlier.finished_at, earlier.report
            ),
        )?;
    }
    Ok(())
}

/// How the input was read: encoding, delimiter and line endings, and which were detected.
fn describe_format(format: &SourceFormat) -> String {
    let detected = |detected: bool| if detected { " (detected)" } else { "" };
    format!(
        "{}{}{}, delimiter {}{}, {} line endings",
        format.encoding.name(),
        if format.bom { " with BOM" } else { "" },
        detected(format.encoding_detected),
        delimiter_label(format.delimiter),
        detected(format.delimiter_detected),
        format.line_ending.label(),
    )
}
