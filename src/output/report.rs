//! The run report: a [`Report`] document built from a file's outcome, rendered as text for an
//! administrator and as JSON for scripts. Both renderings hold the same content. Pure.

use std::io::{self, Write};

use serde::Serialize;

use crate::{
    cache::{CacheAction, CacheOutcome, CacheReport, CacheResult, PURGE_HINT},
    command::{self, Effect, FileKind, Outcome, Totals},
    error::LineError,
    input::{SourceFormat, delimiter_label},
    outcome::{
        EnrolmentMode, EnrolmentOutcome, LineEffect, LineStatus, Removals, RunStatus, SyncedCohort,
        UnenrolAction, plural,
    },
};

/// The input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputInfo {
    /// The path given.
    pub path: String,
    /// Its file name.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// SHA-256 of its bytes, in hexadecimal; `None` when the file could not be read (or was
    /// too large to be).
    pub sha256: Option<String>,
}

/// The settings a run used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingsInfo {
    /// `[input] encoding`, as resolved.
    pub encoding: String,
    /// `[input] delimiter`, as resolved.
    pub delimiter: String,
    /// `[input] max_file_size_mb`, in bytes.
    pub max_file_bytes: u64,
    /// `[enrolments] mode`.
    pub enrolments: EnrolmentMode,
    /// Every kind's settings, by key (`user_identifier`, `course_identifier`, …).
    #[serde(flatten)]
    pub kinds: serde_json::Map<String, serde_json::Value>,
    /// The settings of the file's kind, as the text report states them.
    #[serde(skip)]
    pub of_kind: String,
    /// `[cohorts] max_sync_removal_percent`: the share of a cohort's members a sync may
    /// remove before its file is held.
    #[serde(skip)]
    pub sync_limit_percent: u8,
}

/// The files a run wrote or moved, besides the report itself (which sits beside the tryback,
/// named after the input).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Outputs {
    /// The tryback, if lines failed (never in a simulation).
    pub tryback: Option<String>,
    /// Where the input was archived (never in a simulation, nor when nothing was applied).
    pub archive: Option<String>,
    /// Where the input was kept because it could not be applied (the failed area).
    pub kept: Option<String>,
    /// Where the input waits for approval (the held area).
    pub held: Option<String>,
}

/// The file's record in the ledger, and what the ledger knew of its bytes and its name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LedgerInfo {
    /// Its run number (ledger id).
    pub run: i64,
    /// The claim that took it.
    pub claim: String,
    /// The process that applied it (`pid@host`).
    pub host: String,
    /// 0 for a partner's file; n for the n-th tryback of one.
    pub generation: u32,
    /// For a tryback: the runs it descends from, parent first.
    pub ancestors: Vec<i64>,
    /// Whether this tryback generation reached `[watch] max_tryback_generations`, so that its
    /// failed lines went to the failed area.
    pub generation_limit_reached: bool,
    /// For a duplicate: the run that applied the same bytes.
    pub duplicate_of: Option<EarlierRun>,
    /// For bytes applied again: the earlier run of the same bytes, which did not apply every
    /// line (lines failed, or the file was rejected, rolled back or held).
    pub repeats: Option<EarlierRun>,
    /// For a file put back into the spool by `moodle-sync retry`: that retry.
    pub retry: Option<RetryInfo>,
}

/// A file put back into the spool by `moodle-sync retry`, named in the report of its run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetryInfo {
    /// The retry's own ledger row.
    pub record: i64,
    /// The run it retries (whose failed input or tryback was put back), if the ledger knew it.
    pub of_run: Option<i64>,
}

/// A run of the same bytes, named in a duplicate's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EarlierRun {
    /// Its run number.
    pub run: i64,
    /// The file's name then.
    pub name: String,
    /// How it ended (`success`, `partial`, `rejected`, `rolled_back`, `held`).
    pub outcome: String,
    /// When it was applied (RFC 3339).
    pub finished_at: String,
    /// Its report.
    pub report: String,
}

/// One data line in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportLine<'a> {
    /// Physical line (from 1).
    pub line: usize,
    /// For a tryback dropped again: the line it was in the original file (see
    /// [`Report::original_file`]), when it could be told.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_line: Option<usize>,
    /// How it ended.
    pub status: LineStatus,
    /// The command.
    pub command: String,
    /// What the line is about, as written: `cohort` and `user`, or `course`, `cohort` and
    /// `role`.
    #[serde(flatten)]
    pub keys: Keys,
    /// What happened, in words.
    pub message: String,
    /// Why it failed.
    pub error: Option<&'a LineError>,
    /// What it did, as data.
    pub effects: &'a [Effect],
}

/// A line's key values by column name, serialised as fields in column order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys(pub Vec<(&'static str, String)>);

impl Serialize for Keys {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// An effect after the last line (`sync` removals, `delete_empty`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportEffect<'a> {
    /// What happened, in words.
    pub message: String,
    /// As data.
    pub effect: &'a Effect,
}

/// Everything a report says: what the run was ([`ReportContext`]) and what the file's lines
/// did. It borrows the lines' effects from the file's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report<'a> {
    /// `moodle-sync`.
    pub tool: &'static str,
    /// The tool's version.
    pub version: &'static str,
    /// The run.
    #[serde(flatten)]
    pub run: ReportContext,
    /// Remarks on the file as a whole, the file's and the run's.
    pub notes: Vec<String>,
    /// For a tryback: the name of the file its lines first came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_file: Option<String>,
    /// What to do now, in words with the command to run; `None` when nothing is to be done.
    pub next_step: Option<String>,
    /// Counts, when lines were read.
    pub totals: Option<Totals>,
    /// Records that held no value (such as `;;;`), skipped.
    pub empty_records: usize,
    /// One entry per data line.
    pub lines: Vec<ReportLine<'a>>,
    /// Effects after the last line.
    pub after: Vec<ReportEffect<'a>>,
    /// The cohorts `sync` lines list in full.
    pub syncs: &'a [SyncedCohort],
    /// Course enrolments after the lines.
    pub enrolments: Option<&'a EnrolmentOutcome>,
}

/// What a report says of the run, besides the file's outcome: what the file was, how it was
/// read and applied, with which settings, and where its outputs went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportContext {
    /// The kind of command file.
    pub kind: FileKind,
    /// Whether this was a simulation (`--dry-run`): nothing was written.
    pub simulation: bool,
    /// Whether the file was applied by `moodle-sync approve`: the sync removal limit lifted.
    pub approved: bool,
    /// How the run ended.
    pub status: RunStatus,
    /// The process exit code (`exit::of_run`).
    pub exit_code: u8,
    /// When the run started (RFC 3339, local time).
    pub started_at: String,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// The input file.
    pub input: InputInfo,
    /// How the input was read, when it could be.
    pub format: Option<SourceFormat>,
    /// The database, without secrets.
    pub database: String,
    /// Moodle's table prefix.
    pub prefix: String,
    /// The settings used.
    pub settings: SettingsInfo,
    /// The files written.
    pub outputs: Outputs,
    /// Why the file was rejected or rolled back.
    pub error: Option<String>,
    /// Outputs that could not be written after the file was applied (exit code 5).
    pub problems: Vec<String>,
    /// Remarks from the run itself, added to the file's in [`Report::notes`].
    #[serde(skip)]
    pub notes: Vec<String>,
    /// The ledger's record of the file, when it was taken through the ledger.
    pub ledger: Option<LedgerInfo>,
    /// For a tryback dropped again: where its lines first came from.
    #[serde(skip)]
    pub origins: Option<Origins>,
    /// The spool, where a fixed file is dropped again.
    #[serde(skip)]
    pub spool: Option<String>,
    /// Moodle's caches, when the file changed what they hold.
    pub caches: Option<CacheReport>,
}

/// Where a tryback's lines were in the file they first came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins {
    /// That file's name.
    pub file: String,
    /// Line in this file → line in that one.
    pub lines: std::collections::HashMap<usize, usize>,
}

impl<'a> Report<'a> {
    /// Builds the report of a cohort file run. `outcome` is `None` when no line was read.
    pub fn new(context: ReportContext, outcome: Option<&'a Outcome>) -> Report<'a> {
        // A held file's lines say what applying it would do, as a simulation's do.
        let simulation = context.simulation || context.status == RunStatus::Held;
        let key_columns = context.kind.key_columns();
        let (lines, after, mut notes, totals, empty_records) = match outcome {
            None => (Vec::new(), Vec::new(), Vec::new(), None, 0),
            Some(outcome) => (
                outcome
                    .lines
                    .iter()
                    .map(|line| ReportLine {
                        line: line.line,
                        original_line: context
                            .origins
                            .as_ref()
                            .and_then(|origins| origins.lines.get(&line.line).copied()),
                        status: line.status(),
                        command: line.command.clone(),
                        keys: Keys(
                            key_columns
                                .iter()
                                .copied()
                                .zip(line.keys.iter().cloned())
                                .collect(),
                        ),
                        message: match &line.result {
                            Ok(effects) => effects
                                .iter()
                                .map(|effect| effect.describe(simulation))
                                .collect::<Vec<_>>()
                                .join("; "),
                            Err(error) => error.to_string(),
                        },
                        error: line.result.as_ref().err(),
                        effects: line.result.as_deref().unwrap_or_default(),
                    })
                    .collect(),
                outcome
                    .after
                    .iter()
                    .map(|effect| ReportEffect {
                        message: effect.describe(simulation),
                        effect,
                    })
                    .collect(),
                outcome.notes.clone(),
                Some(outcome.totals()),
                outcome.empty_records,
            ),
        };
        notes.extend(context.notes.iter().cloned());
        let failed = totals.map_or(0, |totals| totals.failed);
        let next_step = next_step(&NextStepFacts {
            status: context.status,
            simulation: context.simulation,
            input: &context.input.path,
            outputs: &context.outputs,
            failed,
            spool: context.spool.as_deref(),
            generation_limit_reached: context
                .ledger
                .as_ref()
                .is_some_and(|ledger| ledger.generation_limit_reached),
        });
        let original_file = context.origins.as_ref().map(|origins| origins.file.clone());
        Report {
            tool: "moodle-sync",
            version: env!("CARGO_PKG_VERSION"),
            run: context,
            notes,
            original_file,
            next_step,
            totals,
            empty_records,
            lines,
            after,
            syncs: outcome.map_or(&[], |outcome| outcome.syncs.as_slice()),
            enrolments: outcome.and_then(|outcome| outcome.enrolments.as_ref()),
        }
    }

    /// Writes the JSON twin, compact: it is for scripts, and a 100,000-line file's report
    /// would be twice as large indented.
    pub fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer(&mut *out, self)?;
        out.write_all(b"\n")
    }

    /// Writes the text report. It is streamed line by line: a large file's report is never
    /// held whole in memory.
    pub fn write_text(&self, out: &mut dyn Write) -> io::Result<()> {
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
        let field =
            |out: &mut dyn Write, name: &str, value: &str| writeln!(out, "{name:<10}  {value}");
        field(out, "Result", &self.result_line())?;
        if let Some(error) = &self.run.error {
            field(out, "Reason", error)?;
        }
        self.write_failed(out)?;
        if self.failed_lines().next().is_some() {
            out.write_all(b"\n")?;
        }
        field(out, "Input", &self.run.input.path)?;
        field(out, "Size", &format!("{} bytes", self.run.input.size))?;
        field(
            out,
            "SHA-256",
            self.run
                .input
                .sha256
                .as_deref()
                .unwrap_or("not computed: the file was not read"),
        )?;
        if let Some(format) = &self.run.format {
            field(out, "Read as", &describe_format(format))?;
        }
        field(
            out,
            "Database",
            &format!("{}, table prefix {}", self.run.database, self.run.prefix),
        )?;
        field(out, "Settings", &self.run.settings.of_kind)?;
        field(
            out,
            "Reading",
            &format!(
                "encoding {}, delimiter {}, files up to {} MiB",
                self.run.settings.encoding,
                self.run.settings.delimiter,
                self.run.settings.max_file_bytes / (1024 * 1024)
            ),
        )?;
        field(out, "Started", &self.run.started_at)?;
        field(
            out,
            "Duration",
            &format!("{:.3} s", self.run.duration_ms as f64 / 1000.0),
        )?;
        if let Some(tryback) = &self.run.outputs.tryback {
            field(out, "Tryback", tryback)?;
        }
        if let Some(archive) = &self.run.outputs.archive {
            field(out, "Archive", archive)?;
        }
        if let Some(kept) = &self.run.outputs.kept {
            field(out, "Kept in", kept)?;
        }
        if let Some(held) = &self.run.outputs.held {
            field(out, "Held in", held)?;
        }
        if self.run.approved {
            field(
                out,
                "Approved",
                &format!(
                    "applied with moodle-sync approve: the limit on the members a sync may remove ([cohorts] max_sync_removal_percent = {}) was lifted for this file",
                    self.run.settings.sync_limit_percent
                ),
            )?;
        }
        if let Some(ledger) = &self.run.ledger {
            field(
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
                field(
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
                field(
                    out,
                    "Earlier",
                    &format!(
                        "run #{} applied the same bytes ({}, {}); its report: {}",
                        earlier.run, earlier.name, earlier.finished_at, earlier.report
                    ),
                )?;
            }
            if let Some(retry) = &ledger.retry {
                field(
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
                field(
                    out,
                    "Repeats",
                    &format!(
                        "run #{} of the same bytes ({}, {}, {}) did not apply every line, so they were taken again rather than skipped; its report: {}",
                        earlier.run,
                        earlier.outcome,
                        earlier.name,
                        earlier.finished_at,
                        earlier.report
                    ),
                )?;
            }
        }

        if !self.run.problems.is_empty() {
            out.write_all(b"\nProblems (the file was applied; these outputs are missing)\n")?;
            for problem in &self.run.problems {
                writeln!(out, "- {problem}")?;
            }
        }

        if !self.notes.is_empty() {
            out.write_all(b"\nNotes\n")?;
            for note in &self.notes {
                writeln!(out, "- {note}")?;
            }
        }

        if !self.lines.is_empty() {
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
        }

        // Effects that belong to no line, under the heading their kind gives them, in the
        // order they came.
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
        }
        if let Some(next) = &self.next_step {
            writeln!(out, "\nNext step\n{next}")?;
        }
        out.write_all(b"\nEnd of report\n")
    }

    /// The lines that failed.
    fn failed_lines(&self) -> impl Iterator<Item = (&ReportLine<'a>, &'a LineError)> {
        self.lines
            .iter()
            .filter_map(|line| line.error.map(|error| (line, error)))
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
}

/// Where the lines of a tryback dropped again were in the file they first came from, read
/// from the JSON report of the run that wrote the tryback (`parent_report`). The tryback's
/// records are that run's failed lines, in order; `lines` are this file's data lines (line,
/// key values). Matched by position when the counts agree (values may have been fixed), else
/// by key values (lines were added or removed), else not at all. `None` when the report cannot
/// be read.
pub fn origins(
    parent_report: &[u8],
    kind: FileKind,
    lines: &[(usize, Vec<String>)],
) -> Option<Origins> {
    #[derive(serde::Deserialize)]
    struct Parent {
        input: ParentInput,
        original_file: Option<String>,
        lines: Vec<serde_json::Map<String, serde_json::Value>>,
    }
    #[derive(serde::Deserialize)]
    struct ParentInput {
        name: String,
    }
    let parent: Parent = serde_json::from_slice(parent_report).ok()?;
    let key_columns = kind.key_columns();
    let failed: Vec<(usize, Vec<String>)> = parent
        .lines
        .iter()
        .filter(|line| line.get("status").and_then(|status| status.as_str()) == Some("failed"))
        .filter_map(|line| {
            let number = line
                .get("original_line")
                .or_else(|| line.get("line"))?
                .as_u64()?;
            let keys = key_columns
                .iter()
                .map(|column| {
                    line.get(*column)
                        .and_then(|value| value.as_str())
                        .unwrap_or_default()
                        .to_owned()
                })
                .collect();
            Some((usize::try_from(number).ok()?, keys))
        })
        .collect();
    let mut map = std::collections::HashMap::new();
    if failed.len() == lines.len() {
        for ((line, _), (original, _)) in lines.iter().zip(&failed) {
            map.insert(*line, *original);
        }
    } else {
        let mut used = vec![false; failed.len()];
        for (line, keys) in lines {
            if let Some(found) = (0..failed.len()).find(|&at| !used[at] && failed[at].1 == *keys) {
                used[found] = true;
                map.insert(*line, failed[found].0);
            }
        }
    }
    Some(Origins {
        file: parent.original_file.unwrap_or(parent.input.name),
        lines: map,
    })
}

/// What [`next_step`] is told about a run.
#[derive(Debug, Clone, Copy)]
pub struct NextStepFacts<'a> {
    /// How the run ended.
    pub status: RunStatus,
    /// A simulation.
    pub simulation: bool,
    /// The input as given.
    pub input: &'a str,
    /// Where the input and the tryback went.
    pub outputs: &'a Outputs,
    /// Lines that failed.
    pub failed: usize,
    /// The spool, where a fixed file is dropped again.
    pub spool: Option<&'a str>,
    /// The failed lines went to the failed folder: the tryback generation limit is reached.
    pub generation_limit_reached: bool,
}

/// What an administrator does next, in words with the command to run: fix a rejected file and
/// retry it, fix a tryback and drop it again, approve or discard a held file. `None` when the
/// run needs nothing more.
pub fn next_step(facts: &NextStepFacts<'_>) -> Option<String> {
    let input = shell_word(facts.input);
    let outputs = facts.outputs;
    if facts.simulation {
        return match facts.status {
            RunStatus::Success | RunStatus::Duplicate => {
                Some(format!("To apply it: moodle-sync run {input}"))
            }
            RunStatus::Partial => Some(format!(
                "Fix the {} that would fail in {}, then apply it: moodle-sync run {input} (or apply it as it is: the failed lines would go to a tryback)",
                plural(facts.failed, "line"),
                facts.input
            )),
            RunStatus::Rejected | RunStatus::RolledBack => Some(format!(
                "Fix {}, then simulate it again: moodle-sync run --dry-run {input}",
                facts.input
            )),
            RunStatus::Held => Some(format!(
                "A real run would hold it until approved: moodle-sync run {input}, then moodle-sync approve on the held file"
            )),
        };
    }
    match facts.status {
        RunStatus::Success | RunStatus::Duplicate => None,
        RunStatus::Rejected | RunStatus::RolledBack => {
            let what = if facts.status == RunStatus::Rejected {
                "Fix"
            } else {
                "Once the database's refusal is dealt with, check"
            };
            Some(match &outputs.kept {
                Some(kept) => format!(
                    "{what} {kept}, then put it back into the spool: moodle-sync retry {}",
                    shell_word(kept)
                ),
                None => format!(
                    "{what} {}, then run it again: moodle-sync run {input}",
                    facts.input
                ),
            })
        }
        RunStatus::Partial => Some(match &outputs.tryback {
            Some(tryback) if facts.generation_limit_reached => format!(
                "The {} failed again at the last tryback generation and went to {tryback}: fix them there and run moodle-sync retry {}, or leave them",
                plural(facts.failed, "line"),
                shell_word(tryback)
            ),
            Some(tryback) => format!(
                "Fix the {} in {tryback} (it holds the header and those lines only), then drop it into the spool{} or run moodle-sync retry {}",
                plural(facts.failed, "failed line"),
                facts
                    .spool
                    .map(|spool| format!(" ({spool})"))
                    .unwrap_or_default(),
                shell_word(tryback)
            ),
            None => format!(
                "Fix the {} and apply them again",
                plural(facts.failed, "failed line")
            ),
        }),
        RunStatus::Held => {
            let held = outputs.held.as_deref().map_or(input.clone(), shell_word);
            Some(format!(
                "If the removals it would make are intended, apply it as it is: moodle-sync approve {held}; if not, end it unapplied: moodle-sync discard {held}"
            ))
        }
    }
}

/// `text` as one word of a shell command line: as it is when it holds nothing a shell would
/// read otherwise, else in single quotes.
pub fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@,=".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// The course enrolments section: what was done per course, and what Moodle's task will do.
fn write_enrolments(
    out: &mut dyn Write,
    enrolments: &EnrolmentOutcome,
    simulation: bool,
) -> io::Result<()> {
    let would = |done: &'static str, would: &'static str| if simulation { would } else { done };
    match (enrolments.mode, enrolments.plugin_enabled) {
        (_, false) => out.write_all(
            b"\nCourse enrolments\n\
              The site has cohort sync disabled (enrol_plugins_enabled does not list \"cohort\"):\n\
              nobody is enrolled through a binding, by moodle-sync or by Moodle, and while it stays\n\
              disabled Moodle's cohort sync task removes every role that cohort sync gave.\n",
        )?,
        (EnrolmentMode::Immediate, true) => writeln!(
            out,
            "\nCourse enrolments ([enrolments] mode = \"immediate\": {} with the file, as Moodle's cohort sync would)",
            would("made", "would be made")
        )?,
        (EnrolmentMode::Moodle, true) => out.write_all(
            b"\nCourse enrolments ([enrolments] mode = \"moodle\": left to Moodle's hourly cohort sync task)\n",
        )?,
    }
    if enrolments.courses.is_empty() {
        out.write_all(b"- nothing to do in the bound courses\n")?;
    }
    let mut warn = 0;
    for course in &enrolments.courses {
        // Rows, not people: a user enrolled through two bindings of a course counts twice.
        let mut parts = Vec::new();
        for (count, noun, what) in [
            (course.enrolments_created, "enrolment", "created"),
            (course.enrolments_reactivated, "enrolment", "reactivated"),
            (course.roles_assigned, "role assignment", "given"),
            (course.group_members_added, "group membership", "added"),
            (
                course.group_members_removed,
                "group membership",
                "in another group removed",
            ),
            (
                course.enrolments_suspended,
                "enrolment",
                "of users no longer in the bound cohort suspended",
            ),
            (
                course.roles_removed,
                "cohort-sync role assignment",
                "removed",
            ),
        ] {
            if count > 0 {
                parts.push(format!("{} {what}", plural(count, noun)));
            }
        }
        let mut text = if parts.is_empty() {
            String::new()
        } else {
            format!("{}: {}", would("done", "would be done"), parts.join(", "))
        };
        let mut pending = Vec::new();
        if course.pending_enrolments > 0 {
            pending.push(format!(
                "create or reactivate {}",
                plural(course.pending_enrolments, "enrolment")
            ));
        }
        if course.pending_unenrolments > 0 {
            let verb = match enrolments.unenrol_action {
                UnenrolAction::Unenrol => "remove",
                _ => "suspend",
            };
            let already = if enrolments.removals == Removals::SuspendNow
                && enrolments.mode == EnrolmentMode::Immediate
                && enrolments.unenrol_action == UnenrolAction::Unenrol
            {
                " (suspended: no access meanwhile)"
            } else {
                ""
            };
            pending.push(format!(
                "{verb} {} of users no longer in the bound cohort{already}",
                plural(course.pending_unenrolments, "enrolment")
            ));
            if enrolments.unenrol_action == UnenrolAction::Unenrol {
                warn += course.pending_unenrolments;
            }
        }
        if course.pending_role_removals > 0 {
            pending.push(format!(
                "remove {}",
                plural(course.pending_role_removals, "cohort-sync role assignment")
            ));
        }
        if !pending.is_empty() {
            if !text.is_empty() {
                text.push_str("; ");
            }
            text.push_str(&format!(
                "pending Moodle's cohort sync task: {}",
                pending.join(", ")
            ));
        }
        writeln!(out, "- course {}: {text}", course.course)?;
    }
    if warn > 0 {
        writeln!(
            out,
            "WARNING: the site's cohort sync unenrol action is \"{}\": Moodle's task will remove {}, deleting those users' grades, group memberships and roles in those courses. To keep them, set it to \"{}\" in Moodle (Site administration > Plugins > Enrolments > Cohort sync) before the task runs.",
            enrolments.unenrol_action.label(),
            plural(warn, "enrolment"),
            UnenrolAction::Suspend.label()
        )?;
    }
    Ok(())
}

/// The "Moodle's caches" section.
fn write_caches(out: &mut dyn Write, caches: &CacheReport) -> io::Result<()> {
    match caches {
        CacheReport::NoDataRoot => writeln!(
            out,
            "\nMoodle's caches\n\
             - not refreshed: no data root is known ([moodle] dataroot), so Moodle may show groups, group memberships and course contacts as they were before this file until its caches are purged ({PURGE_HINT})"
        ),
        CacheReport::Pending { dataroot } => writeln!(
            out,
            "\nMoodle's caches (data root {dataroot})\n\
             - to be refreshed once the file is committed; a report that still says so was left by a run that stopped in between: purge Moodle's caches ({PURGE_HINT})"
        ),
        CacheReport::Refreshed(outcome) => write_refreshed(out, outcome),
    }
}

fn write_refreshed(out: &mut dyn Write, outcome: &CacheOutcome) -> io::Result<()> {
    writeln!(out, "\nMoodle's caches (data root {})", outcome.dataroot)?;
    if let Some(problem) = &outcome.problem {
        return writeln!(
            out,
            "- NOT refreshed: {problem}; Moodle may show groups, group memberships and course contacts as they were before this file until its caches are purged ({PURGE_HINT})"
        );
    }
    if outcome.entries.is_empty() {
        return writeln!(
            out,
            "- nothing to refresh: the site's stores hold none of these caches"
        );
    }
    for entry in &outcome.entries {
        let whom = if entry.action == CacheAction::Purge {
            "for every course".to_owned()
        } else if entry.courses.is_empty() {
            format!("for {} {}", entry.count, entry.subject.noun(entry.count))
        } else {
            let mut ids: Vec<String> = entry.courses.iter().take(20).map(i64::to_string).collect();
            if entry.courses.len() > 20 {
                ids.push(format!("and {} more", entry.courses.len() - 20));
            }
            format!("for {} {}", entry.subject.noun(entry.count), ids.join(", "))
        };
        let store = format!("store {}, {}", entry.store, entry.plugin);
        match entry.result {
            CacheResult::Done => {
                let verb = match entry.action {
                    CacheAction::Drop => "dropped",
                    CacheAction::Purge => "purged",
                    CacheAction::Rebuild => "rebuilt",
                };
                let held = match entry.action {
                    CacheAction::Purge => format!("{} cached", plural(entry.cached, "key")),
                    _ => format!("{} of {} cached", entry.cached, entry.count),
                };
                write!(
                    out,
                    "- {}: {verb} {whom} ({store}; {held})",
                    entry.definition
                )?;
                if let Some(detail) = &entry.detail {
                    write!(out, "; {detail}")?;
                }
                out.write_all(b"\n")?;
            }
            CacheResult::Failed | CacheResult::Unsupported => writeln!(
                out,
                "- {}: NOT refreshed {whom} ({store}): {}; purge Moodle's caches ({PURGE_HINT})",
                entry.definition,
                entry.detail.as_deref().unwrap_or("failed")
            )?,
        }
    }
    Ok(())
}

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

#[cfg(test)]
mod tests;
