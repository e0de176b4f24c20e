//! The Moodle database: connections and the file's transaction (`Tx`), the only code that
//! knows SQLite, PostgreSQL and MySQL/MariaDB apart (`dialect`), moodle-sync's ledger, and the
//! writes every kind shares: the enrolments that follow cohorts, Moodle's log, what changed for
//! its caches, the schema. Each kind's own reads and writes are in its store
//! (`command::<kind>::store`), written with `sql`'s toolkit and run through `Tx`.

mod changes;
mod database;
mod dialect;
mod enrolment;
mod history;
pub(crate) mod journal;
mod ledger;
pub(crate) mod schema;
pub(crate) mod sql;
mod totals;

pub use changes::{CacheChanges, CacheFacts, RoleChange, RoleContext};
pub use database::{Db, DbError, DbTarget, Tx};
pub use dialect::{Backend, Dialect};
pub(crate) use enrolment::main_admin;
pub use enrolment::{SiteSettings, Touched};
pub use history::{IndexedRun, RunDetail, RunFilter, RunPage};
pub use ledger::{
    APPROVED, DISCARDED, KeptRun, LedgerEntry, LedgerRun, PendingRetry, RETRIED, UPLOADED,
};
pub use schema::{
    DEMO_USERS, DemoSummary, add_demo_data, install, install_tables, is_installed,
    schema_statements, split_sql,
};
pub use totals::{PROCESSING_BUCKETS_MS, RunTotals};
