//! Installing Moodle's tables: empty, for the tests that load a real site's rows into them,
//! or with the rows of a fresh install (`fresh_install.sql`), for `init`; and whether they are
//! there.

use sqlx::AssertSqlSafe;

use super::ddl::{schema_statements, split_sql};
use crate::db::{Db, DbError, database::Context};

const FRESH_INSTALL: &str = include_str!("fresh_install.sql");

/// The id each table's counter must give next after the fresh install's explicit ids.
const FRESH_INSTALL_NEXT_IDS: [(&str, i64); 5] = [
    ("context", 6),
    ("course", 2),
    ("course_categories", 2),
    ("user", 3),
    ("role", 9),
];

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
