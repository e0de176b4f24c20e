//! Creates the Moodle tables moodle-sync works with, seeded as a fresh Moodle install is, and
//! adds demonstration data. Used by `init` for the embedded SQLite database and by the tests;
//! moodle-sync never creates tables in a real Moodle database.

use sqlx::AssertSqlSafe;

use super::{
    database::{Context, Db, DbError, Tx, insert_id, query},
    dialect::Backend,
};

const SQLITE: &str = include_str!("schema/moodle_sqlite.sql");
const POSTGRES: &str = include_str!("schema/moodle_pg.sql");
const MYSQL: &str = include_str!("schema/moodle_mysql.sql");

/// The statements that create the schema for `backend`, with `prefix` instead of `mdl_`.
pub fn schema_statements(backend: Backend, prefix: &str) -> Vec<String> {
    let ddl = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
        Backend::Mysql => MYSQL,
    };
    let body: Vec<&str> = ddl
        .lines()
        .filter(|line| !line.trim_start().starts_with("--"))
        .collect();
    body.join("\n")
        .split(";\n")
        .map(|statement| statement.trim().trim_end_matches(';').trim())
        .filter(|statement| !statement.is_empty())
        .map(|statement| statement.replace("mdl_", prefix))
        .collect()
}

/// Creates the tables and a fresh install's rows.
pub async fn install(db: &Db) -> Result<(), DbError> {
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
pub(super) async fn insert_context(
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
