//! The toolkit the stores write their SQL with: reading rows by key lists, a chunk of keys at a
//! time, and the limits that keep every statement under every backend's bound values. Kinds'
//! stores (`command::<kind>::store`) and `db`'s own modules use it; SQL is written once, with
//! `{table}` names and `?` placeholders that [`super::Dialect`] renders for the backend.

use std::collections::{BTreeSet, HashMap};

use sqlx::any::AnyRow;

use super::database::{DbError, Tx};
pub(crate) use super::{
    database::{Context, insert_id, int, optional_int, optional_text, query, text},
    dialect::{placeholders, row_placeholders},
};

/// Keys per `IN (…)` list: far below every backend's limit on bound values.
pub(crate) const CHUNK: usize = 500;
/// Above this many user keys, users are read in one pass over the table rather than by key
/// lists.
pub(crate) const ONE_PASS_ABOVE: usize = 2000;
/// Rows per multi-row `INSERT` (at most 9 values a row: under every backend's limit).
pub(crate) const INSERT_ROWS: usize = 300;

/// Keys to look rows up by.
#[derive(Clone, Copy)]
pub(crate) enum Keys<'k> {
    /// Numeric ids.
    Ids(&'k [i64]),
    /// Text values.
    Texts(&'k [String]),
}

impl Tx {
    /// Whether the site has Moodle's table `name` (unprefixed): some are optional, or newer
    /// than the oldest Moodle moodle-sync serves.
    pub(crate) async fn has_table(&mut self, name: &str) -> Result<bool, DbError> {
        let table = format!("{}{name}", self.dialect.prefix);
        let row = query(self.dialect.table_count().to_owned())
            .bind(table)
            .fetch_one(&mut *self.transaction)
            .await
            .doing("looking for a table")?;
        Ok(int(&row, 0).doing("looking for a table")? > 0)
    }

    /// The values of Moodle's settings (its `config` table) named `names`, by name; a setting
    /// the site does not have is missing.
    pub(crate) async fn config_values(
        &mut self,
        names: &[&str],
    ) -> Result<HashMap<String, String>, DbError> {
        let doing = "reading the site's settings";
        let sql = self.dialect.sql(&format!(
            "SELECT name, value FROM {{config}} WHERE name IN ({})",
            placeholders(names.len())
        ));
        let mut statement = query(sql);
        for name in names {
            statement = statement.bind(name.to_string());
        }
        let mut values = HashMap::new();
        for row in statement
            .fetch_all(&mut *self.transaction)
            .await
            .doing(doing)?
        {
            values.insert(text(&row, 0).doing(doing)?, text(&row, 1).doing(doing)?);
        }
        Ok(values)
    }

    /// Runs `select` restricted to `column IN (…)` for `keys`, a chunk of keys at a time, with
    /// `suffix` after the list (`GROUP BY`, a row lock). `select` may end with `WHERE … AND`;
    /// otherwise `WHERE` is added.
    pub(crate) async fn select_in(
        &mut self,
        select: &str,
        column: &str,
        keys: Keys<'_>,
        suffix: &str,
        doing: &'static str,
    ) -> Result<Vec<AnyRow>, DbError> {
        let join = if select.ends_with(" AND") {
            ""
        } else {
            " WHERE"
        };
        let sql = |count: usize| {
            self.dialect.sql(&format!(
                "{select}{join} {column} IN ({}){suffix}",
                placeholders(count)
            ))
        };
        let mut rows = Vec::new();
        match keys {
            Keys::Ids(ids) => {
                for chunk in ids.chunks(CHUNK) {
                    let statement = bind_all(query(sql(chunk.len())), chunk);
                    rows.extend(
                        statement
                            .fetch_all(&mut *self.transaction)
                            .await
                            .doing(doing)?,
                    );
                }
            }
            Keys::Texts(texts) => {
                for chunk in texts.chunks(CHUNK) {
                    let mut statement = query(sql(chunk.len()));
                    for text in chunk {
                        statement = statement.bind(text.clone());
                    }
                    rows.extend(
                        statement
                            .fetch_all(&mut *self.transaction)
                            .await
                            .doing(doing)?,
                    );
                }
            }
        }
        Ok(rows)
    }
}

pub(crate) fn set_vec(set: &BTreeSet<String>) -> Vec<String> {
    set.iter().cloned().collect()
}

pub(crate) fn bind_all(
    mut statement: sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments>,
    values: &[i64],
) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
    for value in values {
        statement = statement.bind(*value);
    }
    statement
}
