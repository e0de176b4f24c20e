//! Creates Moodle's tables exactly as a real Moodle 5.1 site has them, seeded as a fresh Moodle
//! install is, and adds demonstration data. Used by `init` for the embedded SQLite database and
//! by the tests; moodle-sync never creates tables in a real Moodle database.
//!
//! The tables come from the DDL read off a real Moodle 5.1 site, kept byte for byte in
//! `schema/moodle-5.1-postgres.sql` (`pg_dump --schema-only`) and
//! `schema/moodle-5.1-mariadb.sql` (`mysqldump --no-data`): PostgreSQL runs the first and
//! MariaDB the second, with the configured prefix instead of `mdl_`; SQLite runs the MariaDB
//! DDL translated by [`sqlite`]. `schema/fresh_install.sql` holds the rows of a fresh install.

mod sqlite;

use sqlx::AssertSqlSafe;

use super::{
    database::{Context, Db, DbError, Tx, insert_id, query},
    dialect::Backend,
};

const POSTGRES: &str = include_str!("schema/moodle-5.1-postgres.sql");
const MARIADB: &str = include_str!("schema/moodle-5.1-mariadb.sql");
const FRESH_INSTALL: &str = include_str!("schema/fresh_install.sql");

/// The id each table's counter must give next after the fresh install's explicit ids.
const FRESH_INSTALL_NEXT_IDS: [(&str, i64); 5] = [
    ("context", 6),
    ("course", 2),
    ("course_categories", 2),
    ("user", 3),
    ("role", 9),
];

/// The statements that create Moodle's tables on `backend`, with `prefix` instead of `mdl_`.
///
/// PostgreSQL's dump loses its session settings (`SET`, the empty `search_path`) and its
/// `public.` qualifiers, so that the tables go to the connection's schema; MariaDB's keeps its
/// `CREATE TABLE` statements only, without the site's `AUTO_INCREMENT` counters (state, not
/// schema).
pub fn schema_statements(backend: Backend, prefix: &str) -> Vec<String> {
    let statements: Vec<String> = match backend {
        Backend::Postgres => split_sql(POSTGRES)
            .into_iter()
            .filter(|statement| {
                !statement.starts_with("SET ")
                    && !statement.starts_with("SELECT pg_catalog.set_config(")
            })
            .map(|statement| statement.replace("public.", ""))
            .collect(),
        Backend::Mysql => mariadb_tables()
            .map(|statement| {
                const COUNTER: &str = " AUTO_INCREMENT=";
                let Some(start) = statement.rfind(COUNTER) else {
                    return statement;
                };
                let digits = statement[start + COUNTER.len()..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .count();
                let end = start + COUNTER.len() + digits;
                format!("{}{}", &statement[..start], &statement[end..])
            })
            .collect(),
        Backend::Sqlite => mariadb_tables()
            .flat_map(|statement| sqlite::translate(&statement))
            .collect(),
    };
    statements
        .into_iter()
        .map(|statement| statement.replace("mdl_", prefix))
        .collect()
}

/// Splits an SQL script into its statements, without their final `;`: semicolons and comment
/// marks inside quoted strings are text; `--` and `/* … */` comments and psql's backslash
/// commands (a line starting with `\`) are dropped.
pub fn split_sql(script: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut chars = script.chars().peekable();
    let mut line_start = true;
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                current.push(c);
                // A quoted string, `''` standing for a quote within it.
                while let Some(inner) = chars.next() {
                    current.push(inner);
                    if inner == '\'' {
                        if chars.peek() == Some(&'\'') {
                            current.push(chars.next().unwrap_or('\''));
                        } else {
                            break;
                        }
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                for inner in chars.by_ref() {
                    if inner == '\n' {
                        break;
                    }
                }
                current.push('\n');
                line_start = true;
                continue;
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut previous = ' ';
                for inner in chars.by_ref() {
                    if previous == '*' && inner == '/' {
                        break;
                    }
                    previous = inner;
                }
                current.push(' ');
            }
            '\\' if line_start => {
                for inner in chars.by_ref() {
                    if inner == '\n' {
                        break;
                    }
                }
                continue;
            }
            ';' => {
                let statement = current.trim();
                if !statement.is_empty() {
                    statements.push(statement.to_owned());
                }
                current.clear();
            }
            other => current.push(other),
        }
        line_start = c == '\n';
    }
    let statement = current.trim();
    if !statement.is_empty() {
        statements.push(statement.to_owned());
    }
    statements
}

/// The `CREATE TABLE` statements of the MariaDB DDL.
fn mariadb_tables() -> impl Iterator<Item = String> {
    split_sql(MARIADB)
        .into_iter()
        .filter(|statement| statement.starts_with("CREATE TABLE"))
}

/// Creates Moodle's tables and a fresh install's rows.
pub async fn install(db: &Db) -> Result<(), DbError> {
    install_tables(db).await?;
    for statement in split_sql(FRESH_INSTALL) {
        sqlx::raw_sql(AssertSqlSafe(
            statement.replace("mdl_", &db.dialect().prefix),
        ))
        .execute(db.pool())
        .await
        .doing("writing a fresh install's rows")?;
    }
    for (table, next) in FRESH_INSTALL_NEXT_IDS {
        for statement in db.dialect().set_next_id(table, next) {
            sqlx::raw_sql(AssertSqlSafe(statement))
                .execute(db.pool())
                .await
                .doing("moving the id counters past a fresh install's rows")?;
        }
    }
    Ok(())
}

/// Creates Moodle's tables, empty (the tests load a real site's rows into them).
pub async fn install_tables(db: &Db) -> Result<(), DbError> {
    for statement in schema_statements(db.dialect().backend, &db.dialect().prefix) {
        sqlx::raw_sql(AssertSqlSafe(statement))
            .execute(db.pool())
            .await
            .doing("creating Moodle's tables")?;
    }
    Ok(())
}

/// Whether Moodle's tables exist under the configured prefix.
pub async fn is_installed(db: &Db) -> Result<bool, DbError> {
    match db.check_moodle().await {
        Ok(()) => Ok(true),
        Err(DbError::NotMoodle { .. }) => Ok(false),
        Err(other) => Err(other),
    }
}

/// What [`add_demo_data`] created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSummary {
    /// Course categories.
    pub categories: usize,
    /// Courses.
    pub courses: usize,
    /// Users.
    pub users: usize,
    /// Cohorts.
    pub cohorts: usize,
    /// Custom profile fields (NetYpareo's six).
    pub profile_fields: usize,
}

/// The custom profile fields of the demonstration: the six NetYpareo fields, as the
/// auth_netypareo plugin named them, so that user files naming them work on `init --demo`.
pub const DEMO_PROFILE_FIELDS: [(&str, &str); 6] = [
    ("netypareo_usertype", "Type d'usager NetYpareo"),
    ("netypareo_ouverage", "Majorité ou minorité"),
    ("netypareo_status", "Statut NetYpareo"),
    ("netypareo_cursus", "Cursus NetYpareo"),
    ("netypareo_program", "Formation (programme NetYpareo)"),
    ("netypareo_program_step", "Année dans le cursus"),
];

/// Number of demonstration users: `user1` … `user120`.
pub const DEMO_USERS: usize = 120;

const FIRST_NAMES: [&str; 12] = [
    "Léa", "Yanis", "Chloé", "Noé", "Inès", "Théo", "Zoé", "Maël", "Anaïs", "Jérôme", "Agnès",
    "Loïc",
];
const LAST_NAMES: [&str; 10] = [
    "Moreau", "Girard", "Lefèvre", "Bérard", "Duchêne", "Mercier", "Faure", "Gaillard", "Rousseau",
    "Hébert",
];

/// Adds categories, courses, users `user1`…`user120` (username and idnumber alike, so that the
/// examples of the cohort file documentation run as written) and a few cohorts. Does nothing
/// and returns `None` when the demonstration users already exist.
pub async fn add_demo_data(db: &Db, now: i64) -> Result<Option<DemoSummary>, DbError> {
    let mut tx = db.begin().await?;
    let dialect = tx.dialect.clone();
    let existing = query(dialect.sql("SELECT COUNT(*) FROM {user} WHERE username = ?"))
        .bind("user1")
        .fetch_one(&mut *tx.transaction)
        .await
        .doing("looking for demonstration data")?;
    if super::database::int(&existing, 0).doing("looking for demonstration data")? > 0 {
        return Ok(None);
    }

    let mut categories = Vec::new();
    for (index, (name, idnumber)) in [("Apprentissage", "APP"), ("Formation continue", "FC")]
        .into_iter()
        .enumerate()
    {
        let id = insert_id(
            &mut tx,
            query(dialect.insert_returning_id(
                "INSERT INTO {course_categories} (name, idnumber, description, descriptionformat, parent, sortorder, \
                 coursecount, visible, visibleold, timemodified, depth, path) VALUES (?, ?, '', 1, 0, ?, 0, 1, 1, ?, 1, '')",
            ))
            .bind(name)
            .bind(idnumber)
            .bind(20000 + 10000 * index as i64)
            .bind(now),
        )
        .await?;
        query(dialect.sql("UPDATE {course_categories} SET path = ? WHERE id = ?"))
            .bind(format!("/{id}"))
            .bind(id)
            .execute(&mut *tx.transaction)
            .await
            .doing("creating demonstration categories")?;
        let context = insert_context(&mut tx, 40, id, "/1").await?;
        categories.push((id, context));
    }

    let courses = [
        ("ELEC-MATHS", "Mathématiques appliquées (BP Électricien)", 0),
        ("ELEC-ATELIER", "Atelier électricité", 0),
        ("MECA-DESSIN", "Dessin industriel", 0),
        ("MECA-ATELIER", "Atelier mécanique", 0),
        ("FC-BUREAUTIQUE", "Bureautique (formation continue)", 1),
    ];
    for (index, (shortname, fullname, category)) in courses.iter().enumerate() {
        let (category_id, category_context) = categories[*category];
        let id = insert_id(
            &mut tx,
            query(dialect.insert_returning_id(
                "INSERT INTO {course} (category, sortorder, fullname, shortname, idnumber, summary, summaryformat, \
                 format, startdate, timecreated, timemodified) VALUES (?, ?, ?, ?, ?, '', 1, 'topics', ?, ?, ?)",
            ))
            .bind(category_id)
            .bind(20001 + index as i64)
            .bind(*fullname)
            .bind(*shortname)
            .bind(*shortname)
            .bind(now)
            .bind(now)
            .bind(now),
        )
        .await?;
        insert_context(&mut tx, 50, id, &format!("/1/{category_context}")).await?;
    }

    for number in 1..=DEMO_USERS {
        let first = FIRST_NAMES[(number - 1) % FIRST_NAMES.len()];
        let last = LAST_NAMES[(number - 1) / FIRST_NAMES.len() % LAST_NAMES.len()];
        let username = format!("user{number}");
        let id = insert_id(
            &mut tx,
            query(dialect.insert_returning_id(
                "INSERT INTO {user} (auth, confirmed, mnethostid, username, password, idnumber, firstname, lastname, \
                 email, lang, calendartype, timecreated, timemodified) \
                 VALUES ('manual', 1, 1, ?, '', ?, ?, ?, ?, 'fr', 'gregorian', ?, ?)",
            ))
            .bind(username.clone())
            .bind(username.clone())
            .bind(first)
            .bind(last)
            .bind(format!("{username}@example.com"))
            .bind(now)
            .bind(now),
        )
        .await?;
        insert_context(&mut tx, 30, id, "/1").await?;
    }

    let category = insert_id(
        &mut tx,
        query(dialect.insert_returning_id(
            "INSERT INTO {user_info_category} (name, sortorder) VALUES ('NetYpareo', 1)",
        )),
    )
    .await?;
    for (sortorder, (shortname, name)) in DEMO_PROFILE_FIELDS.iter().enumerate() {
        // Text fields as Moodle's form creates them by default (display size 30, maximum
        // length 2048), visible to everyone.
        query(dialect.sql(
            "INSERT INTO {user_info_field} (shortname, name, datatype, description, descriptionformat, \
             categoryid, sortorder, required, locked, visible, forceunique, signup, defaultdata, \
             defaultdataformat, param1, param2, param3, param4, param5) \
             VALUES (?, ?, 'text', '', 1, ?, ?, 0, 0, 2, 0, 0, '', 0, '30', '2048', '0', '', '')",
        ))
        .bind(*shortname)
        .bind(*name)
        .bind(category)
        .bind(sortorder as i64 + 1)
        .execute(&mut *tx.transaction)
        .await
        .doing("creating demonstration profile fields")?;
    }

    // Cohorts that the documentation's examples refer to, with a few members.
    let cohorts: [(&str, &str, &[usize]); 9] = [
        ("COH1", "Cohorte 1 (démo)", &[45, 46, 47]),
        ("COH32", "Cohorte 32 (démo)", &[32]),
        ("COH55", "Cohorte 55 (démo)", &[50, 51]),
        ("COH56", "Cohorte 56 (démo)", &[56]),
        ("COH57", "Cohorte 57 (démo)", &[57, 58]),
        ("C0H1", "Cohorte C0H1 (démo)", &[23]),
        ("C0H2", "Cohorte C0H2 (démo)", &[24, 25]),
        ("C0H4", "Cohorte C0H4 (démo)", &[]),
        ("C0H12", "Cohorte C0H12 (démo)", &[]),
    ];
    for (idnumber, name, members) in cohorts {
        let id = insert_id(
            &mut tx,
            query(dialect.insert_returning_id(
                "INSERT INTO {cohort} (contextid, name, idnumber, description, descriptionformat, visible, component, \
                 timecreated, timemodified, theme) VALUES (1, ?, ?, '', 1, 1, '', ?, ?, '')",
            ))
            .bind(name)
            .bind(idnumber)
            .bind(now)
            .bind(now),
        )
        .await?;
        for member in members {
            query(dialect.sql(
                "INSERT INTO {cohort_members} (cohortid, userid, timeadded) \
                 SELECT ?, id, ? FROM {user} WHERE username = ?",
            ))
            .bind(id)
            .bind(now)
            .bind(format!("user{member}"))
            .execute(&mut *tx.transaction)
            .await
            .doing("creating demonstration cohorts")?;
        }
    }
    tx.commit().await?;
    Ok(Some(DemoSummary {
        categories: categories.len(),
        courses: courses.len(),
        users: DEMO_USERS,
        cohorts: cohorts.len(),
        profile_fields: DEMO_PROFILE_FIELDS.len(),
    }))
}

/// Inserts a context the way Moodle does: the row first, then its path from its own id.
pub(crate) async fn insert_context(
    tx: &mut Tx,
    level: i64,
    instance: i64,
    parent_path: &str,
) -> Result<i64, DbError> {
    let dialect = tx.dialect.clone();
    let id = insert_id(
        tx,
        query(dialect.insert_returning_id(
            "INSERT INTO {context} (contextlevel, instanceid, depth, locked) VALUES (?, ?, 0, 0)",
        ))
        .bind(level)
        .bind(instance),
    )
    .await?;
    let path = format!("{parent_path}/{id}");
    let depth = path.matches('/').count() as i64;
    query(dialect.sql("UPDATE {context} SET path = ?, depth = ? WHERE id = ?"))
        .bind(path)
        .bind(depth)
        .bind(id)
        .execute(&mut *tx.transaction)
        .await
        .doing("creating a context")?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_statements_outside_quotes_and_comments() {
        let script = "\\restrict abc\n-- a comment; not a statement\nSET a = 1;\n\
                      INSERT INTO t VALUES (1, 'x;\n-- y', 'it''s');\n/*!40101 SET b */;\n\
                      CREATE TABLE u (v text)";
        assert_eq!(
            split_sql(script),
            [
                "SET a = 1",
                "INSERT INTO t VALUES (1, 'x;\n-- y', 'it''s')",
                "CREATE TABLE u (v text)",
            ]
        );
    }

    #[test]
    fn every_backend_creates_the_real_sites_tables() {
        for backend in [Backend::Sqlite, Backend::Postgres, Backend::Mysql] {
            let statements = schema_statements(backend, "m2_");
            let tables = statements
                .iter()
                .filter(|statement| statement.starts_with("CREATE TABLE"))
                .count();
            assert_eq!(tables, 26, "{backend}");
            assert!(
                statements
                    .iter()
                    .all(|statement| !statement.contains("mdl_") && !statement.contains("public.")),
                "{backend}"
            );
        }
    }
}
