//! Creates Moodle's tables exactly as a real Moodle 5.1 site has them, seeded as a fresh Moodle
//! install is, and adds demonstration data. Used by `init` for the embedded SQLite database and
//! by the tests; moodle-sync never creates tables in a real Moodle database.
//!
//! - [`ddl`]: the real site's DDL for each backend (`moodle-5.1-postgres.sql`,
//!   `moodle-5.1-mariadb.sql`), and the splitting of SQL scripts.
//! - [`sqlite`]: the MariaDB DDL translated for SQLite.
//! - [`install`](mod@install): the tables, and a fresh install's rows (`fresh_install.sql`).
//! - [`demo`]: the demonstration data.
//! - [`context`]: contexts, inserted as Moodle inserts them.

mod context;
mod ddl;
mod demo;
mod install;
mod sqlite;

pub(crate) use context::insert_context;
pub use ddl::{schema_statements, split_sql};
pub use demo::{DEMO_USERS, DemoSummary, add_demo_data};
pub use install::{install, install_tables, is_installed};
