//! What every request of the console shares: the configuration, the database's pool, whether
//! actions are allowed, the sessions and the search index.

use std::{sync::Arc, time::SystemTime};

use tokio::sync::Mutex;

use super::{auth::Sessions, search::SearchIndex};
use crate::{config::Config, config::ConsoleSettings, db::Db, service::LocalMetrics};

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
    /// The service's own measures, when `watch` serves the console.
    pub local: Option<Arc<LocalMetrics>>,
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
            local: None,
            sessions: Sessions::default(),
            index: Mutex::new(SearchIndex::default()),
        }
    }

    /// The console of the service that measures `local`: its `/metrics` include them.
    pub fn measured_by(mut self, local: Arc<LocalMetrics>) -> Console {
        self.local = Some(local);
        self
    }
}
