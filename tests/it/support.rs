//! Test support: a [`TestEnv`] per test, with its own folders and its own fresh database (an
//! SQLite file, a PostgreSQL schema or a MariaDB database), and the [`dbtest!`] macro that runs
//! a test body once per backend.
//!
//! PostgreSQL and MariaDB are expected on 127.0.0.1 (see CONTRIBUTING.md). A backend that cannot
//! be reached is skipped, and said so on standard error, unless `MOODLE_SYNC_TEST_BACKENDS`
//! lists it: then its tests fail. `.ci/run` sets it to `postgres,mariadb`.

use std::{
    cell::RefCell,
    fs::File,
    io::Write,
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Output, Stdio},
    sync::{
        Mutex,
        atomic::{AtomicU32, AtomicU64, Ordering},
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use moodle_sync::{
    config::{Config, FileConfig},
    db::{self, Db, DbTarget},
    output::summary::RunSummary,
    pipeline::{self, RunOptions},
};
use sqlx::{AssertSqlSafe, Connection, Row, any::AnyRow};
use tempfile::TempDir;

/// The backends tests run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mariadb,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mariadb => "mariadb",
        }
    }

    /// The server URL tests use, overridable for machines where the servers live elsewhere.
    fn admin_url(self) -> Option<String> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some(
                std::env::var("MOODLE_SYNC_TEST_POSTGRES")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
            ),
            Backend::Mariadb => Some(
                std::env::var("MOODLE_SYNC_TEST_MARIADB")
                    .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into()),
            ),
        }
    }

    fn required(self) -> bool {
        std::env::var("MOODLE_SYNC_TEST_BACKENDS")
            .map(|list| list.split(',').any(|name| name.trim() == self.name()))
            .unwrap_or(false)
    }
}

/// Runs a test body once per backend: `dbtest!(name, |env| { … })` makes `name::sqlite`,
/// `name::postgres` and `name::mariadb`.
#[macro_export]
macro_rules! dbtest {
    ($name:ident, |$env:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let Some($env) =
                    $crate::support::TestEnv::new($crate::support::Backend::Sqlite).await
                else {
                    return;
                };
                $body
            }

            #[tokio::test]
            async fn postgres() {
                let Some($env) =
                    $crate::support::TestEnv::new($crate::support::Backend::Postgres).await
                else {
                    return;
                };
                $body
            }

            #[tokio::test]
            async fn mariadb() {
                let Some($env) =
                    $crate::support::TestEnv::new($crate::support::Backend::Mariadb).await
                else {
                    return;
                };
                $body
            }
        }
    };
}

/// Runs the binary in `dir` without any configuration file (what a newcomer types), with
/// `MOODLE_SYNC_DATABASE_URL` removed.
pub fn bare(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_moodle-sync"))
        .current_dir(dir)
        .args(args)
        .env_remove("MOODLE_SYNC_DATABASE_URL")
        .env("MOODLE_SYNC_LOG", "warn")
        .output()
        .unwrap()
}

/// A test's world: folders, configuration and a fresh Moodle database.
pub struct TestEnv {
    pub backend: Backend,
    pub dir: TempDir,
    pub config: Config,
    pub db: Db,
    /// The database URL written into configuration files for the binary.
    pub url: String,
    cleanup: Option<Cleanup>,
}

/// What to drop when the test ends.
struct Cleanup {
    admin_url: String,
    statement: String,
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        let Some(cleanup) = self.cleanup.take() else {
            return;
        };
        // Drop cannot await, and the test's runtime may be shutting down: clean up from a
        // thread with a runtime of its own. This runs on panics too.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(mut connection) = sqlx::AnyConnection::connect(&cleanup.admin_url).await {
                    let _ = sqlx::raw_sql(AssertSqlSafe(cleanup.statement))
                        .execute(&mut connection)
                        .await;
                    let _ = connection.close().await;
                }
            });
        })
        .join();
    }
}

static SKIPPED: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

/// Says once per backend, on the real standard error (not captured by the test harness), that
/// its tests are skipped.
fn skip(backend: Backend, reason: &str) {
    let mut skipped = SKIPPED.lock().unwrap();
    if !skipped.contains(&backend.name()) {
        skipped.push(backend.name());
        let _ = std::io::stderr().write_all(
            format!(
                "note: {} tests skipped ({reason}); set MOODLE_SYNC_TEST_BACKENDS={} to make this an error\n",
                backend.name(),
                backend.name()
            )
            .as_bytes(),
        );
    }
}

fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    format!(
        "ms_{seconds}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

impl TestEnv {
    /// A fresh environment on `backend` with the default settings, or `None` if the backend is
    /// unreachable and not required.
    pub async fn new(backend: Backend) -> Option<TestEnv> {
        TestEnv::with_config(backend, "").await
    }

    /// A fresh environment whose configuration file holds `toml` (without `[database]`).
    pub async fn with_config(backend: Backend, toml: &str) -> Option<TestEnv> {
        TestEnv::with_prefix(backend, toml, "mdl_").await
    }

    /// A fresh environment with a table prefix of its own.
    pub async fn with_prefix(backend: Backend, toml: &str, prefix: &str) -> Option<TestEnv> {
        TestEnv::create(backend, toml, prefix, true).await
    }

    /// A fresh environment whose database has Moodle's tables without any row (not even a
    /// fresh install's), for a test that loads a real site's rows.
    pub async fn with_empty_tables(backend: Backend, toml: &str) -> Option<TestEnv> {
        TestEnv::create(backend, toml, "mdl_", false).await
    }

    async fn create(
        backend: Backend,
        toml: &str,
        prefix: &str,
        fresh_install: bool,
    ) -> Option<TestEnv> {
        let dir = tempfile::tempdir().unwrap();
        let (url, cleanup) = match backend.admin_url() {
            None => ("sqlite:moodle.sqlite".to_owned(), None),
            Some(admin_url) => {
                let mut admin = match sqlx_connect(&admin_url).await {
                    Ok(connection) => connection,
                    Err(error) => {
                        if backend.required() {
                            panic!(
                                "{} is required (MOODLE_SYNC_TEST_BACKENDS) but unreachable: {error}",
                                backend.name()
                            );
                        }
                        skip(backend, &format!("cannot connect to {admin_url}"));
                        return None;
                    }
                };
                let name = unique_name();
                let (create, drop, url) = match backend {
                    Backend::Postgres => (
                        format!("CREATE SCHEMA {name}"),
                        format!("DROP SCHEMA IF EXISTS {name} CASCADE"),
                        format!("{admin_url}?options[search_path]={name}"),
                    ),
                    _ => (
                        format!(
                            "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                        ),
                        format!("DROP DATABASE IF EXISTS {name}"),
                        format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0),
                    ),
                };
                sweep(backend, &mut admin).await;
                sqlx::raw_sql(AssertSqlSafe(create))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                admin.close().await.unwrap();
                (
                    url,
                    Some(Cleanup {
                        admin_url,
                        statement: drop,
                    }),
                )
            }
        };
        let text = format!("{toml}\n[database]\nurl = \"{url}\"\nprefix = \"{prefix}\"\n");
        std::fs::write(dir.path().join("moodle-sync.toml"), &text).unwrap();
        let file: FileConfig = Config::parse(&text).unwrap();
        let config =
            Config::from_file(file, dir.path(), Some(dir.path().join("moodle-sync.toml"))).unwrap();
        let create = matches!(config.database.target, DbTarget::Sqlite { .. });
        let db = Db::connect(&config.database.target, prefix, create)
            .await
            .unwrap();
        if fresh_install {
            db::install(&db).await.unwrap();
        } else {
            db::install_tables(&db).await.unwrap();
        }
        std::fs::create_dir_all(&config.paths.spool).unwrap();
        Some(TestEnv {
            backend,
            dir,
            config,
            db,
            url,
            cleanup,
        })
    }

    /// The environment's root folder.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Drops `bytes` into the spool as `name` and returns its path.
    pub fn drop_file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.config.paths.spool.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// What `moodle-sync status` prints, which must succeed.
    pub fn status_text(&self) -> String {
        let output = self.cli(&["status"]);
        assert!(
            output.status.success(),
            "status: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Drops `bytes` as `name` and applies it.
    pub async fn run(&self, name: &str, bytes: &[u8]) -> RunSummary {
        let path = self.drop_file(name, bytes);
        self.run_dropped(&path, RunOptions::default()).await
    }

    /// Applies a file just dropped. A test that spawns a process while another writes its
    /// file lends that process the file's descriptor between fork and exec, and `run` then
    /// rightly sees the file open for writing: that brief window is waited out, a few times.
    async fn run_dropped(&self, path: &Path, options: RunOptions) -> RunSummary {
        for _ in 0..20 {
            match pipeline::run_file(&self.config, &self.db, path, options).await {
                Err(error) if error.to_string().contains("is still open for writing") => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                outcome => return outcome.unwrap(),
            }
        }
        panic!("{} stayed open for writing", path.display());
    }

    /// Drops `bytes` as `name` and simulates it.
    pub async fn dry_run(&self, name: &str, bytes: &[u8]) -> RunSummary {
        let path = self.drop_file(name, bytes);
        self.run_dropped(
            &path,
            RunOptions {
                dry_run: true,
                kind: None,
            },
        )
        .await
    }

    /// Runs the `moodle-sync` binary in the environment's folder, with its configuration.
    pub fn cli(&self, args: &[&str]) -> Output {
        self.cli_with("moodle-sync.toml", args)
    }

    /// Runs the `moodle-sync` binary in the environment's folder with another configuration file.
    pub fn cli_with(&self, config: &str, args: &[&str]) -> Output {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_moodle-sync"));
        command
            .current_dir(self.root())
            .arg("--config")
            .arg(self.root().join(config))
            .args(args);
        command
            .env_remove("MOODLE_SYNC_DATABASE_URL")
            .env("MOODLE_SYNC_LOG", "warn");
        command.output().unwrap()
    }

    /// `template` with the table prefix and the backend's placeholders.
    pub fn sql(&self, template: &str) -> String {
        self.db.dialect().sql(template)
    }

    /// A connection of its own to the test database, for a test that holds a transaction open.
    pub async fn connection(&self) -> sqlx::AnyConnection {
        let url = match &self.config.database.target {
            DbTarget::Sqlite { path } => format!("sqlite://{}?mode=rw", path.display()),
            DbTarget::Server { url, .. } => url.clone(),
        };
        sqlx_connect(&url).await.unwrap()
    }

    /// Runs a statement.
    pub async fn execute(&self, template: &str) {
        let mut connection = self.connection().await;
        sqlx::raw_sql(AssertSqlSafe(self.sql(template)))
            .execute(&mut connection)
            .await
            .unwrap();
        connection.close().await.unwrap();
    }

    /// Rows of a query, each column read as text (NULL as `NULL`).
    pub async fn rows(&self, template: &str) -> Vec<Vec<String>> {
        let mut connection = self.connection().await;
        let rows: Vec<AnyRow> = sqlx::query(AssertSqlSafe(self.sql(template)))
            .fetch_all(&mut connection)
            .await
            .unwrap();
        connection.close().await.unwrap();
        rows.iter()
            .map(|row| (0..row.len()).map(|index| cell(row, index)).collect())
            .collect()
    }

    /// One integer.
    pub async fn count(&self, template: &str) -> i64 {
        self.rows(template).await[0][0].parse().unwrap()
    }

    /// Sets a row of Moodle's `config` table (`$CFG->name`).
    pub async fn set_config(&self, name: &str, value: &str) {
        self.execute(&format!("DELETE FROM {{config}} WHERE name = '{name}'"))
            .await;
        self.execute(&format!(
            "INSERT INTO {{config}} (name, value) VALUES ('{name}', '{value}')"
        ))
        .await;
    }

    /// Creates a user; returns its id.
    pub async fn add_user(&self, username: &str, idnumber: &str, email: &str) -> i64 {
        self.execute(&format!(
            "INSERT INTO {{user}} (auth, confirmed, mnethostid, username, idnumber, email, firstname, lastname, \
             timecreated, timemodified) VALUES ('manual', 1, 1, '{username}', '{idnumber}', '{email}', \
             'First {username}', 'Last', 1, 1)"
        ))
        .await;
        self.count(&format!(
            "SELECT id FROM {{user}} WHERE username = '{username}'"
        ))
        .await
    }

    /// Creates users `bulk1`…`bulk<count>` (idnumber = username, email `Bulk<n>@Example.com`)
    /// in one statement.
    pub async fn add_bulk_users(&self, count: usize) {
        let rows: Vec<String> = (1..=count)
            .map(|n| format!("('manual', 1, 1, 'bulk{n}', 'bulk{n}', 'Bulk{n}@Example.com', 'Bulk', 'User', 1, 1)"))
            .collect();
        self.execute(&format!(
            "INSERT INTO {{user}} (auth, confirmed, mnethostid, username, idnumber, email, firstname, lastname, \
             timecreated, timemodified) VALUES {}",
            rows.join(", ")
        ))
        .await;
    }

    /// Creates users `names` with idnumber = username.
    pub async fn add_users(&self, names: &[&str]) {
        for name in names {
            self.add_user(name, name, &format!("{name}@example.com"))
                .await;
        }
    }

    /// Creates a cohort in the system context; returns its id.
    pub async fn add_cohort(&self, idnumber: &str, name: &str) -> i64 {
        self.execute(&format!(
            "INSERT INTO {{cohort}} (contextid, name, idnumber, description, descriptionformat, visible, component, \
             timecreated, timemodified, theme) VALUES (1, '{name}', '{idnumber}', '', 1, 1, '', 100, 100, '')"
        ))
        .await;
        self.count(&format!(
            "SELECT id FROM {{cohort}} WHERE idnumber = '{idnumber}'"
        ))
        .await
    }

    /// Creates a top-level course category with its context; returns `(category id, context id)`.
    pub async fn add_category(&self, idnumber: &str, name: &str) -> (i64, i64) {
        self.execute(&format!(
            "INSERT INTO {{course_categories}} (name, idnumber, descriptionformat, parent, sortorder, depth, path) \
             VALUES ('{name}', '{idnumber}', 1, 0, 20000, 1, '')"
        ))
        .await;
        let id = self
            .count(&format!(
                "SELECT id FROM {{course_categories}} WHERE idnumber = '{idnumber}'"
            ))
            .await;
        self.execute(&format!("INSERT INTO {{context}} (contextlevel, instanceid, depth, locked) VALUES (40, {id}, 2, 0)"))
            .await;
        let context = self
            .count(&format!(
                "SELECT id FROM {{context}} WHERE contextlevel = 40 AND instanceid = {id}"
            ))
            .await;
        self.execute(&format!(
            "UPDATE {{context}} SET path = '/1/{context}' WHERE id = {context}"
        ))
        .await;
        (id, context)
    }

    /// Creates a course in category 1 with its course context (path `/1/3/<context id>`,
    /// depth 3, as `insert_context` makes them); returns `(course id, context id)`.
    pub async fn add_course(&self, shortname: &str, idnumber: &str) -> (i64, i64) {
        self.execute(&format!(
            "INSERT INTO {{course}} (category, sortorder, fullname, shortname, idnumber, summary, summaryformat, \
             format, startdate, timecreated, timemodified) \
             VALUES (1, 10001, 'Course {shortname}', '{shortname}', '{idnumber}', '', 1, 'topics', 0, 100, 100)"
        ))
        .await;
        let id = self
            .count(&format!(
                "SELECT id FROM {{course}} WHERE shortname = '{shortname}'"
            ))
            .await;
        let context = self.add_context(50, id, "/1/3").await;
        (id, context)
    }

    /// Creates a context of `level` for `instance` under the context path `parent`; returns
    /// its id (its path is `<parent>/<id>`).
    pub async fn add_context(&self, level: i64, instance: i64, parent: &str) -> i64 {
        let depth = parent.matches('/').count() + 1;
        self.execute(&format!(
            "INSERT INTO {{context}} (contextlevel, instanceid, depth, locked) VALUES ({level}, {instance}, {depth}, 0)"
        ))
        .await;
        let context = self
            .count(&format!(
                "SELECT id FROM {{context}} WHERE contextlevel = {level} AND instanceid = {instance}"
            ))
            .await;
        self.execute(&format!(
            "UPDATE {{context}} SET path = '{parent}/{context}' WHERE id = {context}"
        ))
        .await;
        context
    }

    /// Creates a group in a course; returns its id.
    pub async fn add_group(&self, course: i64, name: &str) -> i64 {
        self.execute(&format!(
            "INSERT INTO {{groups}} (courseid, idnumber, name, descriptionformat, picture, visibility, participation, \
             timecreated, timemodified) VALUES ({course}, '', '{name}', 0, 0, 0, 1, 100, 100)"
        ))
        .await;
        self.count(&format!(
            "SELECT MAX(id) FROM {{groups}} WHERE courseid = {course} AND name = '{name}'"
        ))
        .await
    }

    /// Creates an enrolment method of `plugin` in a course, last in its sort order, with
    /// `timecreated = timemodified = 100`; `cohort` goes into `customint1` and `group` into
    /// `customint2`. Returns its id.
    pub async fn add_method(
        &self,
        plugin: &str,
        course: i64,
        cohort: Option<i64>,
        roleid: i64,
        status: i64,
        group: i64,
    ) -> i64 {
        let sortorder = self
            .count(&format!(
                "SELECT COALESCE(MAX(sortorder), -1) + 1 FROM {{enrol}} WHERE courseid = {course}"
            ))
            .await;
        let cohort = cohort.map_or("NULL".to_owned(), |id| id.to_string());
        self.execute(&format!(
            "INSERT INTO {{enrol}} (enrol, status, courseid, sortorder, roleid, customint1, customint2, \
             timecreated, timemodified) VALUES ('{plugin}', {status}, {course}, {sortorder}, {roleid}, {cohort}, {group}, 100, 100)"
        ))
        .await;
        self.count(&format!(
            "SELECT MAX(id) FROM {{enrol}} WHERE courseid = {course}"
        ))
        .await
    }

    /// Creates a cohort sync method (`enrol = 'cohort'`): see [`TestEnv::add_method`].
    pub async fn add_instance(
        &self,
        course: i64,
        cohort: i64,
        roleid: i64,
        status: i64,
        group: i64,
    ) -> i64 {
        self.add_method("cohort", course, Some(cohort), roleid, status, group)
            .await
    }

    /// Enrols a user (by username) through an enrolment method, with `status`, `modifierid`
    /// 2 and times 100, as if long ago.
    pub async fn add_enrolment(&self, instance: i64, username: &str, status: i64) {
        self.execute(&format!(
            "INSERT INTO {{user_enrolments}} (enrolid, userid, status, timestart, timeend, modifierid, timecreated, timemodified) \
             SELECT {instance}, id, {status}, 0, 0, 2, 100, 100 FROM {{user}} WHERE username = '{username}'"
        ))
        .await;
    }

    /// A user's id.
    pub async fn user_id(&self, username: &str) -> i64 {
        self.count(&format!(
            "SELECT id FROM {{user}} WHERE username = '{username}'"
        ))
        .await
    }

    /// The enrolments in a course, sorted: `[username, plugin, status]`.
    pub async fn enrolments(&self, course: &str) -> Vec<Vec<String>> {
        self.rows(&format!(
            "SELECT u.username, e.enrol, ue.status FROM {{user_enrolments}} ue JOIN {{enrol}} e ON e.id = ue.enrolid \
             JOIN {{course}} c ON c.id = e.courseid JOIN {{user}} u ON u.id = ue.userid \
             WHERE c.shortname = '{course}' ORDER BY u.username, e.enrol, e.id"
        ))
        .await
    }

    /// The role assignments in a course's context, sorted: `[username, role shortname,
    /// component, itemid]`.
    pub async fn course_roles(&self, course: &str) -> Vec<Vec<String>> {
        self.rows(&format!(
            "SELECT u.username, r.shortname, ra.component, ra.itemid FROM {{role_assignments}} ra \
             JOIN {{context}} ctx ON ctx.id = ra.contextid AND ctx.contextlevel = 50 \
             JOIN {{course}} c ON c.id = ctx.instanceid JOIN {{user}} u ON u.id = ra.userid \
             JOIN {{role}} r ON r.id = ra.roleid WHERE c.shortname = '{course}' \
             ORDER BY u.username, r.shortname, ra.component, ra.itemid"
        ))
        .await
    }

    /// The group memberships in a course, sorted: `[group name, username, component, itemid]`.
    pub async fn group_members(&self, course: &str) -> Vec<Vec<String>> {
        self.rows(&format!(
            "SELECT g.name, u.username, gm.component, gm.itemid FROM {{groups_members}} gm \
             JOIN {{groups}} g ON g.id = gm.groupid JOIN {{course}} c ON c.id = g.courseid \
             JOIN {{user}} u ON u.id = gm.userid WHERE c.shortname = '{course}' \
             ORDER BY g.name, u.username"
        ))
        .await
    }

    /// Replaces the configuration with one whose file holds `toml` (without `[database]`),
    /// for the library and the binary alike.
    pub fn reconfigure(&mut self, toml: &str) {
        let text = format!(
            "{toml}\n[database]\nurl = \"{}\"\nprefix = \"{}\"\n",
            self.url,
            self.db.dialect().prefix
        );
        let path = self.root().join("moodle-sync.toml");
        std::fs::write(&path, &text).unwrap();
        let file: FileConfig = Config::parse(&text).unwrap();
        self.config = Config::from_file(file, self.root(), Some(path)).unwrap();
        std::fs::create_dir_all(&self.config.paths.spool).unwrap();
    }

    /// Makes users (by username) members of a cohort (by idnumber).
    pub async fn add_members(&self, cohort: &str, usernames: &[&str]) {
        for username in usernames {
            self.execute(&format!(
                "INSERT INTO {{cohort_members}} (cohortid, userid, timeadded) \
                 SELECT c.id, u.id, 100 FROM {{cohort}} c, {{user}} u WHERE c.idnumber = '{cohort}' AND u.username = '{username}'"
            ))
            .await;
        }
    }

    /// The cohorts, by idnumber: `[idnumber, name, description, descriptionformat, visible,
    /// component, contextid, theme]`.
    pub async fn cohorts(&self) -> Vec<Vec<String>> {
        let int = |column: &str| self.db.dialect().int(column);
        self.rows(&format!(
            "SELECT idnumber, name, description, {}, {}, component, contextid, theme FROM {{cohort}} ORDER BY idnumber, id",
            int("descriptionformat"),
            int("visible")
        ))
        .await
    }

    /// The idnumbers of every cohort.
    pub async fn cohort_idnumbers(&self) -> Vec<String> {
        self.rows("SELECT idnumber FROM {cohort} ORDER BY idnumber")
            .await
            .into_iter()
            .map(|row| row[0].clone())
            .collect()
    }

    /// The usernames of a cohort's members, sorted.
    pub async fn members(&self, cohort: &str) -> Vec<String> {
        self.rows(&format!(
            "SELECT u.username FROM {{cohort_members}} m JOIN {{cohort}} c ON c.id = m.cohortid \
             JOIN {{user}} u ON u.id = m.userid WHERE c.idnumber = '{cohort}' ORDER BY u.username"
        ))
        .await
        .into_iter()
        .map(|row| row[0].clone())
        .collect()
    }

    /// A cohort's `[timecreated, timemodified]`.
    pub async fn cohort_times(&self, cohort: &str) -> (i64, i64) {
        let row = &self
            .rows(&format!(
                "SELECT timecreated, timemodified FROM {{cohort}} WHERE idnumber = '{cohort}'"
            ))
            .await[0];
        (row[0].parse().unwrap(), row[1].parse().unwrap())
    }

    /// Every membership row, as `(cohort idnumber, username)`, sorted: a fingerprint of the
    /// cohort tables.
    pub async fn memberships(&self) -> Vec<(String, String)> {
        self.rows(
            "SELECT c.idnumber, u.username FROM {cohort_members} m JOIN {cohort} c ON c.id = m.cohortid \
             JOIN {user} u ON u.id = m.userid ORDER BY c.idnumber, u.username",
        )
        .await
        .into_iter()
        .map(|row| (row[0].clone(), row[1].clone()))
        .collect()
    }

    /// The files in a folder (not its sub-folders), sorted by name.
    pub fn files(&self, dir: &Path) -> Vec<String> {
        files(dir)
    }
}

/// The files in a folder (not its sub-folders), sorted by name.
pub fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// How long a [`Watcher`] waits by default ("eventually", a start, a stop). Generous: the tests
/// share two cores with the rest of the suite and with the database servers.
pub const WATCH_TIMEOUT: Duration = Duration::from_secs(60);

/// How often a [`Watcher`] looks at an awaited outcome or at its process.
const WATCH_POLL: Duration = Duration::from_millis(50);

/// A running `moodle-sync watch` on a test environment, its standard error going to a log file;
/// killed if still running when dropped, so that a failed assertion never leaves a service
/// running on the test's folders.
pub struct Watcher {
    // In a cell: the checks given to `eventually` borrow the watcher (for its log) while
    // `eventually` looks whether the process is still alive.
    child: RefCell<Child>,
    log: PathBuf,
}

impl Watcher {
    /// Starts the service with the environment's configuration and waits until it watches.
    pub async fn start(env: &TestEnv) -> Watcher {
        Watcher::start_with(env, &[]).await
    }

    /// Starts the service with extra global options (before `watch`).
    pub async fn start_with(env: &TestEnv, options: &[&str]) -> Watcher {
        Watcher::start_within(env, options, WATCH_TIMEOUT).await
    }

    /// [`Watcher::start_with`], waiting up to `timeout` for the service to watch.
    pub async fn start_within(env: &TestEnv, options: &[&str], timeout: Duration) -> Watcher {
        Watcher::start_full(env, options, &[], timeout).await
    }

    /// Starts the service with extra environment variables and waits until it watches.
    pub async fn start_with_vars(env: &TestEnv, vars: &[(&str, &str)]) -> Watcher {
        Watcher::start_full(env, &[], vars, WATCH_TIMEOUT).await
    }

    async fn start_full(
        env: &TestEnv,
        options: &[&str],
        vars: &[(&str, &str)],
        timeout: Duration,
    ) -> Watcher {
        // The service creates the ledger on its first pass; creating it here first lets the
        // tests query it at any time without racing that creation.
        env.db.ensure_ledger().await.unwrap();
        static STARTED: AtomicU32 = AtomicU32::new(0);
        let label = format!("watch-{}", STARTED.fetch_add(1, Ordering::Relaxed));
        let watcher = Watcher::spawn_with(env, &label, options, vars);
        watcher
            .eventually_within(timeout, "the service to start watching", async || {
                watcher.is_watching()
            })
            .await;
        watcher
    }

    /// Starts `moodle-sync watch` in the environment's folder, logging to `<root>/<label>.log`,
    /// and returns at once: no ledger created beforehand, no wait for the service to watch.
    pub fn spawn(env: &TestEnv, label: &str) -> Watcher {
        Watcher::spawn_with(env, label, &[], &[])
    }

    /// [`Watcher::spawn`] with extra global options (before `watch`) and environment variables.
    pub fn spawn_with(
        env: &TestEnv,
        label: &str,
        options: &[&str],
        vars: &[(&str, &str)],
    ) -> Watcher {
        let log = env.root().join(format!("{label}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_moodle-sync"))
            .current_dir(env.root())
            .args(options)
            .arg("--config")
            .arg(env.root().join("moodle-sync.toml"))
            .arg("watch")
            .env_remove("MOODLE_SYNC_DATABASE_URL")
            .env("MOODLE_SYNC_LOG", "info")
            .envs(vars.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Watcher {
            child: RefCell::new(child),
            log,
        }
    }

    /// The process's id.
    pub fn id(&self) -> u32 {
        self.child.borrow().id()
    }

    /// Where the process logs.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// What the process has logged (on standard error) so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether the process has started its service loop (its stop signal handler is in place
    /// by then: a SIGTERM sent earlier would end it as the default action does, uncleanly).
    pub fn is_watching(&self) -> bool {
        self.log().contains("Watching the spool")
    }

    /// Whether the process is still running.
    pub fn running(&self) -> bool {
        matches!(self.child.borrow_mut().try_wait(), Ok(None))
    }

    /// Waits until `check` holds; fails after [`WATCH_TIMEOUT`], or at once if the service
    /// exited, showing its log.
    pub async fn eventually(&self, what: &str, check: impl AsyncFnMut() -> bool) {
        self.eventually_within(WATCH_TIMEOUT, what, check).await;
    }

    /// [`Watcher::eventually`], with a timeout of its own.
    pub async fn eventually_within(
        &self,
        timeout: Duration,
        what: &str,
        mut check: impl AsyncFnMut() -> bool,
    ) {
        let deadline = Instant::now() + timeout;
        loop {
            if check().await {
                return;
            }
            if let Some(status) = self.child.borrow_mut().try_wait().unwrap() {
                panic!(
                    "the service exited ({status}) while waiting for {what}; its log:\n{}",
                    self.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the service's log:\n{}",
                self.log()
            );
            tokio::time::sleep(WATCH_POLL).await;
        }
    }

    /// Kills the process at once (SIGKILL on Unix) and reaps it.
    pub fn kill(&self) {
        let mut child = self.child.borrow_mut();
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Asks the process to stop, as a service manager does (SIGTERM).
    pub fn terminate(&self) {
        let pid = self.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM {pid} failed");
    }

    /// Waits for the process to end; `None` if it is still running after `timeout`.
    pub async fn exit(&self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.borrow_mut().try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(WATCH_POLL).await;
        }
    }

    /// Stops the service as a service manager does (SIGTERM); returns its exit status and log.
    pub async fn stop(self) -> (ExitStatus, String) {
        self.stop_within(WATCH_TIMEOUT).await
    }

    /// [`Watcher::stop`], failing if the service has not stopped after `timeout`.
    pub async fn stop_within(self, timeout: Duration) -> (ExitStatus, String) {
        self.terminate();
        let Some(status) = self.exit(timeout).await else {
            panic!(
                "the service did not stop after SIGTERM; its log:\n{}",
                self.log()
            );
        };
        (status, self.log())
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        if self.running() {
            self.kill();
        }
    }
}

async fn sqlx_connect(url: &str) -> Result<sqlx::AnyConnection, sqlx::Error> {
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(url).await
}

/// Drops the schemas or databases that earlier, interrupted test runs left (older than two
/// hours, so that a parallel run's are left alone).
async fn sweep(backend: Backend, admin: &mut sqlx::AnyConnection) {
    static SWEPT: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    {
        let mut swept = SWEPT.lock().unwrap();
        if swept.contains(&backend.name()) {
            return;
        }
        swept.push(backend.name());
    }
    let list = match backend {
        Backend::Postgres => {
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'ms\\_%'"
        }
        _ => "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'ms\\_%'",
    };
    let Ok(rows) = sqlx::query(list).fetch_all(&mut *admin).await else {
        return;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for row in rows {
        let name: String = row.try_get(0).unwrap_or_default();
        let created: u64 = name
            .split('_')
            .nth(1)
            .and_then(|seconds| seconds.parse().ok())
            .unwrap_or(now);
        if now.saturating_sub(created) > 7200 {
            let statement = match backend {
                Backend::Postgres => format!("DROP SCHEMA IF EXISTS {name} CASCADE"),
                _ => format!("DROP DATABASE IF EXISTS {name}"),
            };
            let _ = sqlx::raw_sql(AssertSqlSafe(statement))
                .execute(&mut *admin)
                .await;
        }
    }
}

fn cell(row: &AnyRow, index: usize) -> String {
    if let Ok(value) = row.try_get::<Option<i64>, _>(index) {
        return value.map_or("NULL".into(), |value| value.to_string());
    }
    match row.try_get::<Option<String>, _>(index) {
        Ok(value) => value.unwrap_or_else(|| "NULL".into()),
        Err(error) => panic!("column {index}: {error}"),
    }
}

/// A fixture from `tests/data/`.
pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .unwrap_or_else(|error| panic!("fixture {name}: {error}"))
}

/// The failed lines of a run, from its JSON report: `(line number, message)`.
pub fn failures(summary: &RunSummary) -> Vec<(u64, String)> {
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&summary.report_json).unwrap()).unwrap();
    report["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|line| line["status"] == "failed")
        .map(|line| {
            (
                line["line"].as_u64().unwrap(),
                line["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}
