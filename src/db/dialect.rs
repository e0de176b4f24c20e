//! The only place that knows the three backends apart: placeholder syntax, insert-or-ignore,
//! reading small integers, and how an inserted id comes back.
//!
//! SQL in `db/` is written once, with Moodle's `{table}` notation for prefixed table names and
//! `?` placeholders; [`Dialect::sql`] turns it into the backend's text.

use std::fmt;

use serde::Serialize;

/// A database engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// SQLite, the embedded default.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    Mysql,
}

impl Backend {
    /// The backend's name.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A backend with a table prefix: everything needed to write its SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialect {
    /// The engine.
    pub backend: Backend,
    /// Moodle's table prefix. Checked at configuration time to hold only `[A-Za-z0-9_]`, which
    /// is what makes pasting it into SQL safe.
    pub prefix: String,
}

impl Dialect {
    /// Renders `template`: `{name}` becomes the prefixed table name and, on PostgreSQL, each
    /// `?` becomes `$1`, `$2`…
    pub fn sql(&self, template: &str) -> String {
        let mut out = String::with_capacity(template.len() + 32);
        let mut parameter = 0;
        let mut chars = template.chars();
        while let Some(c) = chars.next() {
            match c {
                '{' => {
                    out.push_str(&self.prefix);
                    for inner in chars.by_ref() {
                        if inner == '}' {
                            break;
                        }
                        out.push(inner);
                    }
                }
                '?' if self.backend == Backend::Postgres => {
                    parameter += 1;
                    out.push('$');
                    out.push_str(&parameter.to_string());
                }
                other => out.push(other),
            }
        }
        out
    }

    /// `INSERT` that skips rows violating a unique index, for `{table} (columns) VALUES …`.
    pub fn insert_ignore(&self, table_and_values: &str) -> String {
        match self.backend {
            Backend::Sqlite => self.sql(&format!("INSERT OR IGNORE INTO {table_and_values}")),
            Backend::Postgres => self.sql(&format!(
                "INSERT INTO {table_and_values} ON CONFLICT DO NOTHING"
            )),
            Backend::Mysql => self.sql(&format!("INSERT IGNORE INTO {table_and_values}")),
        }
    }

    /// A column read as a 64-bit integer. MySQL's `TINYINT` and `MEDIUMINT`, which Moodle uses
    /// for flags, are not readable through the generic driver without a cast.
    pub fn int(&self, column: &str) -> String {
        match self.backend {
            Backend::Mysql => format!("CAST({column} AS SIGNED)"),
            Backend::Sqlite | Backend::Postgres => column.to_owned(),
        }
    }

    /// A sum read as a 64-bit integer: PostgreSQL sums `BIGINT` into `NUMERIC` and MySQL
    /// into `DECIMAL`, which the generic driver cannot read; an empty sum reads as 0.
    pub fn sum(&self, expression: &str) -> String {
        match self.backend {
            Backend::Mysql => format!("CAST(COALESCE(SUM({expression}), 0) AS SIGNED)"),
            Backend::Postgres => format!("CAST(COALESCE(SUM({expression}), 0) AS BIGINT)"),
            Backend::Sqlite => format!("COALESCE(SUM({expression}), 0)"),
        }
    }

    /// Whether an insert returns its id with `RETURNING id`. MySQL has no `RETURNING`; its
    /// driver reports the last inserted id instead (the generic driver drops SQLite's).
    pub fn returns_id(&self) -> bool {
        self.backend != Backend::Mysql
    }

    /// Renders an `INSERT` whose new id the caller needs: it ends with `RETURNING id` except on
    /// MySQL, whose driver reports the id with the result.
    pub fn insert_returning_id(&self, template: &str) -> String {
        let sql = self.sql(template);
        if self.returns_id() {
            format!("{sql} RETURNING id")
        } else {
            sql
        }
    }
}

impl Dialect {
    /// The statement that opens a file's transaction, when the default will not do. SQLite
    /// takes the write lock at once (`BEGIN IMMEDIATE`), so that the rows a file is planned
    /// against cannot change before it is applied, and two writers never deadlock upgrading
    /// their locks.
    pub fn begin(&self) -> Option<&'static str> {
        match self.backend {
            Backend::Sqlite => Some("BEGIN IMMEDIATE"),
            Backend::Postgres | Backend::Mysql => None,
        }
    }

    /// The clause that locks the rows a `SELECT` reads until the transaction ends, so that
    /// Moodle cannot change or delete a cohort between the snapshot and the writes. SQLite
    /// needs none: its transaction already excludes other writers.
    pub fn lock_rows(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres | Backend::Mysql => " FOR UPDATE",
        }
    }

    /// Two text expressions joined: `||` in SQL's standard, `CONCAT` on MySQL (where `||`
    /// means OR).
    pub fn concat(&self, left: &str, right: &str) -> String {
        match self.backend {
            Backend::Mysql => format!("CONCAT({left}, {right})"),
            Backend::Sqlite | Backend::Postgres => format!("{left} || {right}"),
        }
    }

    /// A query counting the tables named by its one parameter (the prefixed name) in the
    /// connection's database or schema: 1 when the table exists.
    pub fn table_count(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
            }
            Backend::Mysql => {
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?"
            }
        }
    }

    /// Connections in the pool: one for SQLite, which has one writer; two for a server.
    pub fn connections(&self) -> u32 {
        match self.backend {
            Backend::Sqlite => 1,
            Backend::Postgres | Backend::Mysql => 2,
        }
    }
}

impl Dialect {
    /// The type of a column holding text of any length: MySQL's `TEXT` holds 64 KiB only.
    pub fn long_text(&self) -> &'static str {
        match self.backend {
            Backend::Mysql => "LONGTEXT",
            Backend::Sqlite | Backend::Postgres => "TEXT",
        }
    }

    /// Adds a column to one of moodle-sync's own tables (`{table}` notation). PostgreSQL is told
    /// to skip a column already there; SQLite and MySQL have no such clause, so the caller first
    /// looks whether the column exists, and treats a failure as a concurrent addition when the
    /// column is there afterwards.
    pub fn add_column(&self, table: &str, definition: &str) -> String {
        let if_missing = match self.backend {
            Backend::Postgres => "IF NOT EXISTS ",
            Backend::Sqlite | Backend::Mysql => "",
        };
        self.sql(&format!(
            "ALTER TABLE {{{table}}} ADD COLUMN {if_missing}{definition}"
        ))
    }
}

impl Dialect {
    /// The statements that make the next id inserted into `table` (a Moodle table, without
    /// prefix) be `next`, as Moodle's installer does after rows inserted with explicit ids.
    /// MariaDB's counter and SQLite's `sqlite_sequence` already follow explicit ids; they are
    /// set anyway, so that the counter is `next` whatever the table holds.
    pub fn set_next_id(&self, table: &str, next: i64) -> Vec<String> {
        let table = format!("{}{table}", self.prefix);
        match self.backend {
            Backend::Postgres => vec![format!("SELECT setval('{table}_id_seq', {next}, false)")],
            Backend::Mysql => vec![format!("ALTER TABLE {table} AUTO_INCREMENT = {next}")],
            Backend::Sqlite => vec![
                format!("DELETE FROM sqlite_sequence WHERE name = '{table}'"),
                format!(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES ('{table}', {})",
                    next - 1
                ),
            ],
        }
    }
}

/// `?, ?, ?` for `count` values.
pub fn placeholders(count: usize) -> String {
    let mut out = String::with_capacity(count * 3);
    for index in 0..count {
        if index > 0 {
            out.push_str(", ");
        }
        out.push('?');
    }
    out
}

/// `(?, ?), (?, ?)` for `rows` rows of `columns` values.
pub fn row_placeholders(rows: usize, columns: usize) -> String {
    let row = format!("({})", placeholders(columns));
    vec![row; rows].join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_tables_and_numbers_postgres_placeholders() {
        let postgres = Dialect {
            backend: Backend::Postgres,
            prefix: "mdl_".into(),
        };
        assert_eq!(
            postgres.sql("SELECT id FROM {cohort} WHERE idnumber = ? AND contextid = ?"),
            "SELECT id FROM mdl_cohort WHERE idnumber = $1 AND contextid = $2"
        );
        let mysql = Dialect {
            backend: Backend::Mysql,
            prefix: "m2_".into(),
        };
        assert_eq!(
            mysql.sql("DELETE FROM {cohort_members} WHERE id = ?"),
            "DELETE FROM m2_cohort_members WHERE id = ?"
        );
    }

    #[test]
    fn insert_ignore_per_backend() {
        let values = "{cohort_members} (cohortid, userid) VALUES (?, ?)";
        let render = |backend| {
            Dialect {
                backend,
                prefix: "mdl_".into(),
            }
            .insert_ignore(values)
        };
        assert_eq!(
            render(Backend::Sqlite),
            "INSERT OR IGNORE INTO mdl_cohort_members (cohortid, userid) VALUES (?, ?)"
        );
        assert_eq!(
            render(Backend::Postgres),
            "INSERT INTO mdl_cohort_members (cohortid, userid) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        );
        assert_eq!(
            render(Backend::Mysql),
            "INSERT IGNORE INTO mdl_cohort_members (cohortid, userid) VALUES (?, ?)"
        );
    }

    #[test]
    fn placeholder_lists() {
        assert_eq!(placeholders(3), "?, ?, ?");
        assert_eq!(row_placeholders(2, 2), "(?, ?), (?, ?)");
    }
}
