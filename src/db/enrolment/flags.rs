//! Moodle's cache flags (`cache_flags`): the access "dirty" flags that make logged-in users
//! see a change, and the changed preferences their sessions must reload.

use std::collections::BTreeSet;

use super::site::SiteSettings;
use crate::db::{
    DbError, Tx,
    database::{Context, query, text},
    dialect::{placeholders, row_placeholders},
    sql::{CHUNK, INSERT_ROWS},
};

impl Tx {
    /// `set_cache_flag(flagtype, name, 1, now + sessiontimeout)` for each name: the row with
    /// that type and name is updated, or inserted when there is none (the table has no unique
    /// key to upsert on).
    pub(super) async fn set_flags(
        &mut self,
        flagtype: &str,
        names: &BTreeSet<impl ToString>,
        site: &SiteSettings,
        now: i64,
    ) -> Result<(), DbError> {
        let doing = "setting Moodle's access cache flags";
        let names: Vec<String> = names.iter().map(ToString::to_string).collect();
        let expiry = now + site.session_timeout;
        for chunk in names.chunks(CHUNK) {
            let sql = self.dialect.sql(&format!(
                "SELECT DISTINCT name FROM {{cache_flags}} WHERE flagtype = ? AND name IN ({})",
                placeholders(chunk.len())
            ));
            let mut statement = query(sql).bind(flagtype.to_owned());
            for name in chunk {
                statement = statement.bind(name.clone());
            }
            let mut existing = BTreeSet::new();
            for row in statement
                .fetch_all(&mut *self.transaction)
                .await
                .doing(doing)?
            {
                existing.insert(text(&row, 0).doing(doing)?);
            }
            if !existing.is_empty() {
                let sql = self.dialect.sql(&format!(
                    "UPDATE {{cache_flags}} SET value = '1', expiry = ?, timemodified = ? \
                     WHERE flagtype = ? AND name IN ({})",
                    placeholders(existing.len())
                ));
                let mut statement = query(sql).bind(expiry).bind(now).bind(flagtype.to_owned());
                for name in &existing {
                    statement = statement.bind(name.clone());
                }
                statement
                    .execute(&mut *self.transaction)
                    .await
                    .doing(doing)?;
            }
            let new: Vec<&String> = chunk
                .iter()
                .filter(|name| !existing.contains(*name))
                .collect();
            for rows in new.chunks(INSERT_ROWS) {
                let sql = self.dialect.sql(&format!(
                    "INSERT INTO {{cache_flags}} (flagtype, name, timemodified, value, expiry) VALUES {}",
                    row_placeholders(rows.len(), 5)
                ));
                let mut statement = query(sql);
                for name in rows {
                    statement = statement
                        .bind(flagtype.to_owned())
                        .bind((*name).clone())
                        .bind(now)
                        .bind("1")
                        .bind(expiry);
                }
                statement
                    .execute(&mut *self.transaction)
                    .await
                    .doing(doing)?;
            }
        }
        Ok(())
    }
}
