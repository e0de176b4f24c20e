//! Moodle's contexts, inserted as Moodle inserts them.

use crate::db::{
    DbError, Tx,
    database::{Context, insert_id, query},
};

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
