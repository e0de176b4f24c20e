//! What the cache step did, for the report and the log: per definition and store, the keys
//! dropped, purged or rebuilt, or why they could not be. Pure values.

use serde::Serialize;

use super::plan::Subject;

/// How Moodle's caches stand after a file, as its report says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CacheReport {
    /// The file changed what Moodle caches, but no data root is known: nothing was
    /// refreshed.
    NoDataRoot,
    /// The file's changes are not committed yet: the caches are refreshed after the commit.
    /// A report still saying so was written by a run that stopped in between.
    Pending {
        /// The data root.
        dataroot: String,
    },
    /// After the commit.
    Refreshed(CacheOutcome),
}

/// What was done after the commit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CacheOutcome {
    /// The data root.
    pub dataroot: String,
    /// One entry per definition and store.
    pub entries: Vec<CacheEntry>,
    /// Why nothing could be refreshed at all (the cache configuration unreadable, the
    /// database unreachable), if so.
    pub problem: Option<String>,
}

impl CacheOutcome {
    /// Whether something could not be refreshed.
    pub fn incomplete(&self) -> bool {
        self.problem.is_some()
            || self
                .entries
                .iter()
                .any(|entry| entry.result != CacheResult::Done)
    }
}

/// What was done to one definition in one store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheEntry {
    /// The definition (`core/groupdata`).
    pub definition: String,
    /// The store instance.
    pub store: String,
    /// Its plugin (`file`, `redis`, `memcached`…).
    pub plugin: String,
    /// What was asked.
    pub action: CacheAction,
    /// What the keys are the ids of.
    pub subject: Subject,
    /// How many keys (ids) were concerned; for a purge, none.
    pub count: usize,
    /// The course ids, for keys of courses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub courses: Vec<i64>,
    /// How many of the keys the store held (dropped or replaced); for a purge, how many keys
    /// it held.
    pub cached: usize,
    /// How it ended.
    pub result: CacheResult,
    /// Why it failed, or a remark (a rebuild done as a drop).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// What was asked of a definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheAction {
    /// Its keys deleted.
    Drop,
    /// All its keys deleted.
    Purge,
    /// Its keys stored again with the values Moodle would store.
    Rebuild,
}

/// How an entry ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheResult {
    /// Done.
    Done,
    /// The store could not be reached or refused.
    Failed,
    /// A store moodle-sync cannot reach (memcached, APCu, a custom plugin).
    Unsupported,
}

/// How an administrator purges Moodle's caches, in words.
pub const PURGE_HINT: &str =
    "Site administration > Development > Purge caches, or php admin/cli/purge_caches.php";
