//! The Moodle database: the only module that holds SQL, and (in `dialect`) the only one that
//! knows SQLite, PostgreSQL and MySQL/MariaDB apart. It exposes domain operations: read what a
//! file refers to, apply a plan's writes, in one transaction per file.

mod binding;
mod changes;
mod cohort;
mod database;
mod dialect;
mod enrolment;
mod journal;
mod ledger;
mod schema;
mod user;

pub use changes::{CacheChanges, CacheFacts, RoleChange, RoleContext};
pub use database::{Db, DbError, DbTarget, Tx};
pub use dialect::{Backend, Dialect};
pub use enrolment::{SiteSettings, Touched};
pub use ledger::{DISCARDED, KeptRun, LedgerEntry, LedgerRun, PendingRetry, RETRIED};
pub use schema::{
    DEMO_USERS, DemoSummary, add_demo_data, install, install_tables, is_installed,
    schema_statements, split_sql,
};
