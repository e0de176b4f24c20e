//! The reads and writes by id or by user that the enrolment steps share, some of them used by
//! the kinds' stores too (`delete_ids`, `touch_groups`, `course_context`, `ids`).

use sqlx::{Any, any::AnyArguments, query::Query};

use crate::db::{
    DbError, Tx,
    database::{Context, int, query, text},
    dialect::placeholders,
    sql::{CHUNK, bind_all},
};

impl Tx {
    /// Deletes rows of `table` by id, a chunk of ids per statement.
    pub(crate) async fn delete_ids(
        &mut self,
        table: &'static str,
        ids: &[i64],
        doing: &'static str,
    ) -> Result<(), DbError> {
        for chunk in ids.chunks(CHUNK) {
            let sql = self.dialect.sql(&format!(
                "DELETE FROM {{{table}}} WHERE id IN ({})",
                placeholders(chunk.len())
            ));
            bind_all(query(sql), chunk)
                .execute(&mut *self.transaction)
                .await
                .doing(doing)?;
        }
        Ok(())
    }

    /// Sets `groups.timemodified`, as adding or removing a member does.
    pub(crate) async fn touch_groups(&mut self, groups: &[i64], now: i64) -> Result<(), DbError> {
        for chunk in groups.chunks(CHUNK) {
            let sql = self.dialect.sql(&format!(
                "UPDATE {{groups}} SET timemodified = ? WHERE id IN ({})",
                placeholders(chunk.len())
            ));
            bind_all(query(sql).bind(now), chunk)
                .execute(&mut *self.transaction)
                .await
                .doing("updating groups")?;
        }
        Ok(())
    }

    /// A course's context: its id and path.
    pub(crate) async fn course_context(
        &mut self,
        courseid: i64,
    ) -> Result<Option<(i64, String)>, DbError> {
        let sql = self
            .dialect
            .sql("SELECT id, path FROM {context} WHERE contextlevel = 50 AND instanceid = ?");
        let row = query(sql)
            .bind(courseid)
            .fetch_optional(&mut *self.transaction)
            .await
            .doing("reading a course context")?;
        match row {
            Some(row) => Ok(Some((
                int(&row, 0).doing("reading a course context")?,
                text(&row, 1).doing("reading a course context")?,
            ))),
            None => Ok(None),
        }
    }

    /// Runs a query whose first column is an id.
    pub(crate) async fn ids(
        &mut self,
        statement: Query<'static, Any, AnyArguments>,
        doing: &'static str,
    ) -> Result<Vec<i64>, DbError> {
        statement
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
            .iter()
            .map(|row| int(row, 0))
            .collect::<Result<_, _>>()
            .doing(doing)
    }

    /// Runs a query whose columns are a user id and that user's `deleted` flag, and keeps the
    /// users not deleted. The flag is checked here rather than in SQL: with `deleted = 0` in
    /// the `WHERE` clause, planners without statistics drive the query from the `deleted` index
    /// (every user) instead of the enrolment or membership it starts from.
    pub(super) async fn live_users(
        &mut self,
        statement: Query<'static, Any, AnyArguments>,
        doing: &'static str,
    ) -> Result<Vec<i64>, DbError> {
        let mut users = Vec::new();
        for row in statement
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            if int(&row, 1).doing(doing)? == 0 {
                users.push(int(&row, 0).doing(doing)?);
            }
        }
        Ok(users)
    }

    pub(super) async fn count(
        &mut self,
        statement: Query<'static, Any, AnyArguments>,
        doing: &'static str,
    ) -> Result<usize, DbError> {
        let row = statement
            .fetch_one(&mut *self.transaction)
            .await
            .doing(doing)?;
        Ok(usize::try_from(int(&row, 0).doing(doing)?).unwrap_or(0))
    }
}
