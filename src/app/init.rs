//! `init [--demo]`: the folders and the database a first run needs; with `--demo`, Moodle
//! demonstration data in the embedded database and two demonstration files in the spool.

use chrono::Utc;

use super::run::{connect, shown};
use crate::{
    config::Config,
    db::{self, Db, DbTarget},
    exit::Fatal,
    output::{atomic, naming},
};

/// The demonstration cohort file `init --demo` drops into the spool.
pub const DEMO_FILE: &[u8] = include_bytes!("../../examples/cohorts_demo.csv");
/// Its name in the spool.
pub const DEMO_FILE_NAME: &str = "cohorts_demo.csv";
/// The demonstration binding file `init --demo` drops into the spool, to run after the cohort
/// file.
pub const DEMO_BINDINGS_FILE: &[u8] = include_bytes!("../../examples/cohortscourses_demo.csv");
/// Its name in the spool.
pub const DEMO_BINDINGS_FILE_NAME: &str = "cohortscourses_demo.csv";

/// `init`: creates the folders, and the embedded database with Moodle's tables (a database
/// server must already hold them); with `demo`, adds the demonstration data and files.
pub(super) async fn init(config: &Config, demo: bool) -> Result<(), Fatal> {
    for dir in [
        &config.paths.spool,
        &config.paths.archive,
        &config.paths.reports,
        &config.paths.failed,
        &config.paths.held,
    ] {
        std::fs::create_dir_all(dir).map_err(|source| Fatal::io("cannot create", dir, source))?;
        crate::say!("folder    {}", shown(dir));
    }
    let db = open_database(config, demo).await?;
    if demo {
        add_demo(config, &db).await?;
    }
    db.close().await;
    Ok(())
}

/// The configured database: the embedded one, created with Moodle's tables if need be, or a
/// server's, which must hold them (and never gets demonstration data).
async fn open_database(config: &Config, demo: bool) -> Result<Db, Fatal> {
    let target = &config.database.target;
    match target {
        DbTarget::Sqlite { .. } => {
            let db = Db::connect(target, &config.database.prefix, true).await?;
            if db::is_installed(&db).await? {
                crate::say!(
                    "database  {} (Moodle's tables already there)",
                    target.describe()
                );
            } else {
                db::install(&db).await?;
                crate::say!(
                    "database  {} (created with Moodle's tables)",
                    target.describe()
                );
            }
            Ok(db)
        }
        DbTarget::Server { .. } => {
            if demo {
                return Err(Fatal::Usage(
                    "--demo only adds demonstration data to the embedded SQLite database, never to a database server"
                        .into(),
                ));
            }
            let db = connect(config).await?;
            crate::say!("database  {} (Moodle's tables found)", target.describe());
            Ok(db)
        }
    }
}

/// Adds the demonstration data, once, and drops the demonstration files into the spool with
/// what to do next.
async fn add_demo(config: &Config, db: &Db) -> Result<(), Fatal> {
    let Some(summary) = db::add_demo_data(db, Utc::now().timestamp()).await? else {
        // The demonstration file was written for the data as `--demo` creates it; once
        // that data has been used, a new copy would not do what its comments say.
        crate::say!(
            "demo      demonstration data already there; demonstration file not dropped again"
        );
        return Ok(());
    };
    crate::say!(
        "demo      {} categories, {} courses, {} users (user1 … user{}), {} cohorts, {} profile fields (netypareo_*) added",
        summary.categories,
        summary.courses,
        summary.users,
        summary.users,
        summary.cohorts,
        summary.profile_fields
    );
    let mut dropped = Vec::new();
    for (file_name, bytes) in [
        (DEMO_FILE_NAME, DEMO_FILE),
        (DEMO_BINDINGS_FILE_NAME, DEMO_BINDINGS_FILE),
    ] {
        let demo_path = config.paths.spool.join(file_name);
        if demo_path.exists() {
            crate::say!("demo file {} (already there)", shown(&demo_path));
            continue;
        }
        let stem = file_name.trim_end_matches(".csv");
        let name = |n: u32| format!("{}.csv", naming::suffixed(stem, n));
        let written = atomic::publish(&config.paths.spool, &name, 0, bytes).map_err(|source| {
            Fatal::io(
                "cannot write the demonstration file in",
                &config.paths.spool,
                source,
            )
        })?;
        crate::say!("demo file {}", shown(&written));
        dropped.push(shown(&written));
    }
    if let [cohorts, bindings] = dropped.as_slice() {
        let settle = config.watch.settle.as_secs_f64();
        match crate::spool::claim::live_instances(&config.paths.spool).first() {
            Some(instance) => crate::say!(
                "next      the moodle-sync process running ({instance}) applies them within {settle} s (cohorts, then bindings): moodle-sync status shows them, reports go to {}",
                shown(&config.paths.reports)
            ),
            None => crate::say!(
                "next      moodle-sync watch   applies them {settle} s after it starts (cohorts, then bindings), and every file dropped after; reports go to {}\n          or one at a time: moodle-sync run --dry-run {cohorts}, then moodle-sync run {cohorts}, then moodle-sync run {bindings}",
                shown(&config.paths.reports)
            ),
        }
    }
    Ok(())
}
