//! What a report says of the run, besides the file's outcome: [`ReportContext`], what the
//! file was, how it was read and applied, with which settings, what the ledger knew of it, and
//! where its outputs went. The pipeline fills it in as the run goes.

use serde::Serialize;

use super::Origins;
use crate::{
    cache::CacheReport,
    command::FileKind,
    input::SourceFormat,
    outcome::{EnrolmentMode, RunStatus},
};

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
    /// Remarks from the run itself, added to the file's in
    /// [`Report::notes`](super::Report::notes).
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
