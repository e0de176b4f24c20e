//! The demonstration data of `init --demo`: categories, courses, users, NetYpareo's profile
//! fields and the cohorts the documentation's examples name.

use super::context::insert_context;
use crate::db::{
    Db, DbError, Tx,
    database::{Context, insert_id, int, query},
};

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

/// The demonstration's course categories: name and idnumber.
const CATEGORIES: [(&str, &str); 2] = [("Apprentissage", "APP"), ("Formation continue", "FC")];

/// The demonstration's courses: shortname (the idnumber too), full name, and the index of
/// their category in [`CATEGORIES`].
const COURSES: [(&str, &str, usize); 5] = [
    ("ELEC-MATHS", "Mathématiques appliquées (BP Électricien)", 0),
    ("ELEC-ATELIER", "Atelier électricité", 0),
    ("MECA-DESSIN", "Dessin industriel", 0),
    ("MECA-ATELIER", "Atelier mécanique", 0),
    ("FC-BUREAUTIQUE", "Bureautique (formation continue)", 1),
];

/// Cohorts that the documentation's examples refer to, with a few members (user numbers).
const COHORTS: [(&str, &str, &[usize]); 9] = [
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
    if int(&existing, 0).doing("looking for demonstration data")? > 0 {
        return Ok(None);
    }
    let categories = add_categories(&mut tx, now).await?;
    add_courses(&mut tx, &categories, now).await?;
    add_users(&mut tx, now).await?;
    add_profile_fields(&mut tx).await?;
    add_cohorts(&mut tx, now).await?;
    tx.commit().await?;
    Ok(Some(DemoSummary {
        categories: categories.len(),
        courses: COURSES.len(),
        users: DEMO_USERS,
        cohorts: COHORTS.len(),
        profile_fields: DEMO_PROFILE_FIELDS.len(),
    }))
}

/// Adds the [`CATEGORIES`] with their contexts; returns each one's id and context id.
async fn add_categories(tx: &mut Tx, now: i64) -> Result<Vec<(i64, i64)>, DbError> {
    let dialect = tx.dialect.clone();
    let mut categories = Vec::new();
    for (index, (name, idnumber)) in CATEGORIES.into_iter().enumerate() {
        let id = insert_id(
            tx,
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
        let context = insert_context(tx, 40, id, "/1").await?;
        categories.push((id, context));
    }
    Ok(categories)
}

/// Adds the [`COURSES`] with their contexts, in the `categories` [`add_categories`] made.
async fn add_courses(tx: &mut Tx, categories: &[(i64, i64)], now: i64) -> Result<(), DbError> {
    let dialect = tx.dialect.clone();
    for (index, (shortname, fullname, category)) in COURSES.iter().enumerate() {
        let (category_id, category_context) = categories[*category];
        let id = insert_id(
            tx,
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
        insert_context(tx, 50, id, &format!("/1/{category_context}")).await?;
        // The enrolment methods `create_course` gives a course: manual (enabled, student),
        // guest and self (disabled).
        query(dialect.sql(
            "INSERT INTO {enrol} (enrol, status, courseid, sortorder, enrolperiod, enrolstartdate, enrolenddate, \
             expirynotify, expirythreshold, notifyall, roleid, customint2, customint3, customint4, customint5, \
             customint6, timecreated, timemodified) VALUES \
             ('manual', 0, ?, 0, 0, 0, 0, 0, 86400, 0, 5, NULL, NULL, NULL, NULL, NULL, ?, ?), \
             ('guest', 1, ?, 1, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, ?, ?), \
             ('self', 1, ?, 2, 0, 0, 0, 0, 86400, 0, 5, 0, 0, 1, 0, 1, ?, ?)",
        ))
        .bind(id)
        .bind(now)
        .bind(now)
        .bind(id)
        .bind(now)
        .bind(now)
        .bind(id)
        .bind(now)
        .bind(now)
        .execute(&mut *tx.transaction)
        .await
        .doing("creating demonstration enrolment methods")?;
    }
    Ok(())
}

/// Adds the users `user1`…`user120` with their contexts.
async fn add_users(tx: &mut Tx, now: i64) -> Result<(), DbError> {
    let dialect = tx.dialect.clone();
    for number in 1..=DEMO_USERS {
        let first = FIRST_NAMES[(number - 1) % FIRST_NAMES.len()];
        let last = LAST_NAMES[(number - 1) / FIRST_NAMES.len() % LAST_NAMES.len()];
        let username = format!("user{number}");
        let id = insert_id(
            tx,
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
        insert_context(tx, 30, id, "/1").await?;
    }
    Ok(())
}

/// Adds the [`DEMO_PROFILE_FIELDS`], in a `NetYpareo` category of their own.
async fn add_profile_fields(tx: &mut Tx) -> Result<(), DbError> {
    let dialect = tx.dialect.clone();
    let category = insert_id(
        tx,
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
    Ok(())
}

/// Adds the [`COHORTS`] and their members.
async fn add_cohorts(tx: &mut Tx, now: i64) -> Result<(), DbError> {
    let dialect = tx.dialect.clone();
    for (idnumber, name, members) in COHORTS {
        let id = insert_id(
            tx,
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
    Ok(())
}
