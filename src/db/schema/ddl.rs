//! The DDL read off a real Moodle 5.1 site, kept byte for byte beside this file:
//! `moodle-5.1-postgres.sql` (`pg_dump --schema-only`) and `moodle-5.1-mariadb.sql`
//! (`mysqldump --no-data`). PostgreSQL runs the first and MariaDB the second, with the
//! configured prefix instead of `mdl_`; SQLite runs the MariaDB DDL translated by
//! [`super::sqlite`]. Also the splitting of an SQL script into its statements.

use super::sqlite;
use crate::db::Backend;

const POSTGRES: &str = include_str!("moodle-5.1-postgres.sql");
const MARIADB: &str = include_str!("moodle-5.1-mariadb.sql");

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
