//! What every request of the console shares: the configuration, the database's pool, whether
//! actions are allowed, the sessions and the search index.

use std::{sync::Arc, time::SystemTime};

use tokio::sync::Mutex;

use super::{auth::Sessions, search::SearchIndex};
use crate::{config::Config, config::ConsoleSettings, db::Db};

/// Whether the console may act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Served by `watch`: operators may approve, discard, retry and drop files.
    Service,
    /// Served alone by `moodle-sync console`: pages and downloads only.
    ReadOnly,
}

/// The console's shared state.
pub struct Console {
    /// The configuration.
    pub config: Arc<Config>,
    /// `[console]`.
    pub settings: ConsoleSettings,
    /// The database.
    pub db: Db,
    /// Whether actions are allowed.
    pub mode: Mode,
    /// When this process started.
    pub started: SystemTime,
    pub(super) sessions: Sessions,
    pub(super) index: Mutex<SearchIndex>,
}

impl Console {
    /// A console for `config` (which must hold `[console]`), on `db`.
    pub fn new(config: Arc<Config>, settings: ConsoleSettings, db: Db, mode: Mode) -> Console {
        Console {
            config,
            settings,
            db,
            mode,
            started: SystemTime::now(),
            sessions: Sessions::default(),
            index: Mutex::new(SearchIndex::default()),
        }
    }
}
