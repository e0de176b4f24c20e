//! What the benchmarks put into a fresh Moodle database and read back from it: users,
//! courses, the site's data root, and the SQL helpers they share.

use std::{collections::HashMap, fs, hash::Hash, path::Path};

use moodle_sync::db;
use sqlx::{AnyConnection, AssertSqlSafe, Connection, Row, any::AnyRow};

use super::{Target, connect, failed_while, open_target, run::given};

/// Users per setup `INSERT` (10 values each): under 1,000 bound values a statement.
pub const USER_ROWS_PER_INSERT: usize = 90;
/// `CONTEXT_COURSE`.
pub const CONTEXT_COURSE: i64 = 50;
/// The student role (id 5 on a fresh install): the role enrolment files give in the
/// benchmarks, and the one cohort sync gives by default.
pub const STUDENT_ROLE: i64 = 5;
/// The main administrator on a fresh install: the `modifierid` of what the pipeline writes.
pub const ADMIN: i64 = 2;

/// Moodle's side of the site as the service meets it: the standard log written, and a data
/// root with Moodle's default cache configuration (the file store), unless the options turn
/// them off.
#[derive(Debug, Clone, Copy)]
pub struct SiteOptions {
    /// Whether Moodle's standard log is left unwritten (`[moodle] write_logs = false`), to
    /// measure what writing it costs.
    pub without_logs: bool,
    /// Whether the site has no data root, so that Moodle's caches are not refreshed.
    pub without_caches: bool,
}

impl SiteOptions {
    /// `--without-logs` and `--without-caches`.
    pub fn from_arguments(arguments: &[String]) -> SiteOptions {
        SiteOptions {
            without_logs: given(arguments, "--without-logs"),
            without_caches: given(arguments, "--without-caches"),
        }
    }

    /// [`open_target`], then the site configured as these options ask.
    pub async fn open_target(self, dir: &Path, url: &str) -> Result<Target, String> {
        let mut target = open_target(dir, url).await?;
        self.configure(&mut target, dir)?;
        Ok(target)
    }

    /// Configures the site of `target`, its data root (if any) in `dir`.
    pub fn configure(self, target: &mut Target, dir: &Path) -> Result<(), String> {
        target.config.moodle.write_logs = !self.without_logs;
        if self.without_caches {
            target.config.moodle.dataroot = None;
            return Ok(());
        }
        let dataroot = dir.join("moodledata");
        fs::create_dir_all(dataroot.join("muc")).map_err(failed_while("creating the data root"))?;
        fs::write(
            dataroot.join("muc/config.php"),
            include_str!("../../tests/data/moodledata/muc/config.php"),
        )
        .map_err(failed_while("writing muc/config.php"))?;
        target.config.moodle.dataroot = Some(dataroot);
        Ok(())
    }
}

/// Adds the users `u1` … `u<count>` (not deleted, idnumber = username).
pub async fn insert_users(
    target: &Target,
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    count: usize,
) -> Result<(), String> {
    let numbers: Vec<usize> = (1..=count).collect();
    for chunk in numbers.chunks(USER_ROWS_PER_INSERT) {
        let sql = target.sql(&format!(
            "INSERT INTO {{user}} (auth, confirmed, mnethostid, username, idnumber, email, firstname, \
             lastname, timecreated, timemodified) VALUES {}",
            row_placeholders(chunk.len(), 10)
        ));
        let mut statement = sqlx::query(AssertSqlSafe(sql));
        for number in chunk {
            let name = format!("u{number}");
            statement = statement
                .bind("manual")
                .bind(1_i64)
                .bind(1_i64)
                .bind(name.clone())
                .bind(name.clone())
                .bind(format!("{name}@example.com"))
                .bind("First")
                .bind("Last")
                .bind(1_i64)
                .bind(1_i64);
        }
        statement
            .execute(&mut **transaction)
            .await
            .map_err(failed_while("adding users"))?;
    }
    Ok(())
}

/// Course n (from 1): `BENCH01`, `BENCH02` …
pub fn course_shortname(number: usize) -> String {
    format!("BENCH{number:02}")
}

/// Adds the courses `BENCH01` … `BENCH<count>` to the default category; returns their ids in
/// that order. `setup` names the setup in errors.
pub async fn insert_courses(
    target: &Target,
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    count: usize,
    setup: &str,
) -> Result<Vec<i64>, String> {
    let sql = target.sql(&format!(
        "INSERT INTO {{course}} (category, sortorder, fullname, shortname, idnumber, summary, \
         summaryformat, format, startdate, timecreated, timemodified) VALUES {}",
        rows_of("(1, ?, ?, ?, ?, '', 1, 'topics', 1, 1, 1)", count)
    ));
    let mut statement = sqlx::query(AssertSqlSafe(sql));
    for number in 1..=count {
        let shortname = course_shortname(number);
        statement = statement
            .bind(10_000 + number as i64)
            .bind(format!("Bench course {number:02}"))
            .bind(shortname.clone())
            .bind(shortname);
    }
    statement
        .execute(&mut **transaction)
        .await
        .map_err(failed_while("adding courses"))?;
    let ids: HashMap<String, i64> = pairs(
        transaction,
        target.sql("SELECT shortname, id FROM {course} WHERE shortname LIKE 'BENCH%'"),
        "reading courses",
    )
    .await?;
    (1..=count)
        .map(|number| {
            ids.get(&course_shortname(number))
                .copied()
                .ok_or_else(|| format!("{setup}: course {} is missing", course_shortname(number)))
        })
        .collect()
}

/// Adds the course context of each of `courses` (by id), under the default category's
/// (context 3), as Moodle makes them: the row first, its path (from its own id) after.
pub async fn insert_course_contexts(
    target: &Target,
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    courses: &[i64],
) -> Result<(), String> {
    let sql = target.sql(&format!(
        "INSERT INTO {{context}} (contextlevel, instanceid, depth, locked) VALUES {}",
        rows_of(&format!("({CONTEXT_COURSE}, ?, 3, 0)"), courses.len())
    ));
    let mut statement = sqlx::query(AssertSqlSafe(sql));
    for id in courses {
        statement = statement.bind(*id);
    }
    statement
        .execute(&mut **transaction)
        .await
        .map_err(failed_while("adding course contexts"))?;
    Ok(())
}

/// A `user_enrolments` row as the pipeline writes it: active, by the admin.
#[derive(Debug, Clone, Copy)]
pub struct UserEnrolment {
    pub enrolid: i64,
    pub userid: i64,
    pub timestart: i64,
    pub timeend: i64,
}

/// Inserts `rows` into `user_enrolments`, created and modified `now`, with one multi-row
/// `INSERT`: a chunk of a baseline.
pub async fn insert_user_enrolments(
    target: &Target,
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    rows: impl ExactSizeIterator<Item = UserEnrolment>,
    now: i64,
) -> Result<(), String> {
    let sql = target.sql(&format!(
        "INSERT INTO {{user_enrolments}} (enrolid, userid, status, timestart, timeend, \
         modifierid, timecreated, timemodified) VALUES {}",
        row_placeholders(rows.len(), 8)
    ));
    let mut statement = sqlx::query(AssertSqlSafe(sql));
    for row in rows {
        statement = statement
            .bind(row.enrolid)
            .bind(row.userid)
            .bind(0_i64)
            .bind(row.timestart)
            .bind(row.timeend)
            .bind(ADMIN)
            .bind(now)
            .bind(now);
    }
    statement
        .execute(&mut **transaction)
        .await
        .map_err(failed_while("baseline: inserting enrolments"))?;
    Ok(())
}

/// A `role_assignments` row as the pipeline writes it: by the admin, sort order 0.
#[derive(Debug, Clone, Copy)]
pub struct RoleAssignment {
    pub roleid: i64,
    pub contextid: i64,
    pub userid: i64,
    /// `''` for a role given by hand, else the plugin that gave it (`enrol_cohort`).
    pub component: &'static str,
    pub itemid: i64,
}

/// Inserts `rows` into `role_assignments`, modified `now`, with one multi-row `INSERT`: a
/// chunk of a baseline.
pub async fn insert_role_assignments(
    target: &Target,
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    rows: impl ExactSizeIterator<Item = RoleAssignment>,
    now: i64,
) -> Result<(), String> {
    let sql = target.sql(&format!(
        "INSERT INTO {{role_assignments}} (roleid, contextid, userid, timemodified, \
         modifierid, component, itemid, sortorder) VALUES {}",
        row_placeholders(rows.len(), 8)
    ));
    let mut statement = sqlx::query(AssertSqlSafe(sql));
    for row in rows {
        statement = statement
            .bind(row.roleid)
            .bind(row.contextid)
            .bind(row.userid)
            .bind(now)
            .bind(ADMIN)
            .bind(row.component)
            .bind(row.itemid)
            .bind(0_i64);
    }
    statement
        .execute(&mut **transaction)
        .await
        .map_err(failed_while("baseline: inserting role assignments"))?;
    Ok(())
}

/// A context's path, `parent` (`/1/`, `/1/3/`) followed by the id in `column`, in the SQL of
/// the target's backend.
pub fn context_path(target: &Target, parent: &str, column: &str) -> String {
    match target.dialect().backend {
        db::Backend::Mysql => format!("CONCAT('{parent}', {column})"),
        db::Backend::Sqlite | db::Backend::Postgres => format!("'{parent}' || {column}"),
    }
}

/// `row, row, row` for `rows` rows of the row template `row`.
pub fn rows_of(row: &str, rows: usize) -> String {
    vec![row; rows].join(", ")
}

/// `(?, ?), (?, ?)` for `rows` rows of `columns` values.
pub fn row_placeholders(rows: usize, columns: usize) -> String {
    rows_of(&format!("({})", vec!["?"; columns].join(", ")), rows)
}

/// A two-column query's rows as a map from the first column to the second.
pub async fn pairs<K, V>(
    connection: &mut AnyConnection,
    sql: String,
    doing: &'static str,
) -> Result<HashMap<K, V>, String>
where
    K: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + Eq + Hash,
    V: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    let rows = sqlx::query(AssertSqlSafe(sql))
        .fetch_all(connection)
        .await
        .map_err(failed_while(doing))?;
    pairs_of(&rows, doing)
}

/// Two-column rows as a map from the first column to the second.
pub fn pairs_of<K, V>(rows: &[AnyRow], doing: &'static str) -> Result<HashMap<K, V>, String>
where
    K: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + Eq + Hash,
    V: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(failed_while(doing))
}

/// The answers of `COUNT(*)` queries, on a connection of their own; `doing` names the counting
/// in errors.
pub async fn count_all(
    target: &Target,
    queries: &[impl AsRef<str>],
    doing: &'static str,
) -> Result<Vec<usize>, String> {
    let mut connection = connect(&target.direct_url).await?;
    let mut counts = Vec::new();
    for sql in queries {
        let sql = sql.as_ref();
        let row = sqlx::query(AssertSqlSafe(target.sql(sql)))
            .fetch_one(&mut connection)
            .await;
        let value: i64 = match row.and_then(|row| row.try_get(0)) {
            Ok(value) => value,
            Err(error) => {
                let _ = connection.close().await;
                return Err(format!("{doing} ({sql}): {error}"));
            }
        };
        counts.push(usize::try_from(value).map_err(failed_while(doing))?);
    }
    let _ = connection.close().await;
    Ok(counts)
}

/// Deletes every row of `tables`, in that order, on a connection of its own (not timed).
pub async fn delete_all(target: &Target, tables: &[&str]) -> Result<(), String> {
    let mut connection = connect(&target.direct_url).await?;
    for table in tables {
        let deleted = sqlx::query(AssertSqlSafe(
            target.sql(&format!("DELETE FROM {{{table}}}")),
        ))
        .execute(&mut connection)
        .await;
        if let Err(error) = deleted {
            let _ = connection.close().await;
            return Err(format!("deleting the rows of {table}: {error}"));
        }
    }
    let _ = connection.close().await;
    Ok(())
}

/// Refreshes the query planner's statistics of `tables` (those the pipeline reads), as a
/// maintained database has them (autovacuum, InnoDB's automatic statistics): `--analyze`.
pub async fn refresh_statistics(target: &Target, tables: &[&str]) -> Result<(), String> {
    let tables = tables
        .iter()
        .map(|table| format!("{{{table}}}"))
        .collect::<Vec<_>>()
        .join(", ");
    let statement = match target.dialect().backend {
        db::Backend::Sqlite => "ANALYZE".to_owned(),
        db::Backend::Postgres => format!("ANALYZE {tables}"),
        db::Backend::Mysql => format!("ANALYZE TABLE {tables}"),
    };
    let mut connection = connect(&target.direct_url).await?;
    let analyzed = sqlx::raw_sql(AssertSqlSafe(target.sql(&statement)))
        .execute(&mut connection)
        .await;
    let _ = connection.close().await;
    analyzed
        .map(|_| ())
        .map_err(failed_while("refreshing the planner's statistics"))
}
