//! The tables `init` and the tests create (`db::install`) are the real site's: on each backend,
//! the same tables, columns (type, NULL, default, in order) and indexes (name, unique, columns)
//! as the DDL read off a real Moodle 5.1 site (`src/db/schema/moodle-5.1-*.sql`, byte copies of
//! `pg_dump --schema-only` and `mysqldump --no-data`), read here by a parser of the test's own.
//! PostgreSQL is checked against the PostgreSQL dump, MariaDB against the MariaDB dump, SQLite
//! against the MariaDB dump translated as Moodle's SQLite generator would (the mapping below),
//! with the prefix `m2_` so that the prefix is seen replaced everywhere.

use std::collections::BTreeMap;

use moodle_sync::db::split_sql;

use crate::{
    dbtest,
    support::{Backend, TestEnv},
};

const POSTGRES: &str = include_str!("../../src/db/schema/moodle-5.1-postgres.sql");
const MARIADB: &str = include_str!("../../src/db/schema/moodle-5.1-mariadb.sql");

/// A schema as lines per table: `column <name> <type> [NOT NULL] [DEFAULT <value>]` in column
/// order, then `index <name> [UNIQUE] (<columns>)` sorted by name.
type Schema = BTreeMap<String, Vec<String>>;

dbtest!(install_creates_the_real_sites_tables, |env| {
    let Some(env) = TestEnv::with_prefix(env.backend, "", "m2_").await else {
        return;
    };
    let expected = match env.backend {
        Backend::Postgres => postgres_reference(),
        Backend::Mariadb => mariadb_reference(false),
        Backend::Sqlite => mariadb_reference(true),
    };
    let expected: Schema = expected
        .into_iter()
        .map(|(table, lines)| {
            (
                table.replace("mdl_", "m2_"),
                lines
                    .into_iter()
                    .map(|line| line.replace("mdl_", "m2_"))
                    .collect(),
            )
        })
        .collect();
    let created = created_schema(&env).await;
    assert_eq!(expected.len(), 26);
    let tables = |schema: &Schema| schema.keys().cloned().collect::<Vec<_>>();
    assert_eq!(tables(&created), tables(&expected), "the tables");
    for (table, lines) in &expected {
        assert_eq!(&created[table], lines, "{:?}: table {table}", env.backend);
    }
});

/// The PostgreSQL dump: `CREATE TABLE`, the id defaults (`ALTER TABLE … SET DEFAULT nextval`),
/// primary keys (`ADD CONSTRAINT … PRIMARY KEY`) and `CREATE [UNIQUE] INDEX`.
fn postgres_reference() -> Schema {
    // Per table: (name, type, NOT NULL, default) in order, and the index lines.
    type Column = (String, String, bool, Option<String>);
    let mut columns: BTreeMap<String, Vec<Column>> = BTreeMap::new();
    let mut schema = Schema::new();
    for statement in split_sql(POSTGRES) {
        let statement = statement.replace("public.", "");
        if let Some(rest) = statement.strip_prefix("CREATE TABLE ") {
            let (table, body) = rest.split_once(" (").unwrap();
            let body = body.trim_end_matches(')').trim();
            let list = columns.entry(table.to_owned()).or_default();
            for item in body.split(",\n") {
                // `name type [DEFAULT value] [NOT NULL]`, as pg_dump writes them.
                let (name, definition) = item.trim().split_once(' ').unwrap();
                let not_null = definition.ends_with(" NOT NULL");
                let definition = definition.trim_end_matches(" NOT NULL");
                let (kind, default) = match definition.split_once(" DEFAULT ") {
                    Some((kind, default)) => (kind, Some(default.to_owned())),
                    None => (definition, None),
                };
                list.push((name.to_owned(), kind.to_owned(), not_null, default));
            }
        } else if let Some(rest) = statement.strip_prefix("ALTER TABLE ONLY ") {
            let (table, action) = rest.split_once(char::is_whitespace).unwrap();
            let action = action.trim();
            if let Some(default) = action.strip_prefix("ALTER COLUMN id SET DEFAULT ") {
                for column in columns.get_mut(table).unwrap() {
                    if column.0 == "id" {
                        column.3 = Some(default.to_owned());
                    }
                }
            } else if let Some(constraint) = action.strip_prefix("ADD CONSTRAINT ") {
                let (name, key) = constraint.split_once(" PRIMARY KEY ").unwrap();
                schema
                    .entry(table.to_owned())
                    .or_default()
                    .push(format!("index {name} UNIQUE {key}"));
            }
        } else if let Some((unique, rest)) = statement
            .strip_prefix("CREATE UNIQUE INDEX ")
            .map(|rest| (" UNIQUE", rest))
            .or_else(|| {
                statement
                    .strip_prefix("CREATE INDEX ")
                    .map(|rest| ("", rest))
            })
        {
            let (name, rest) = rest.split_once(" ON ").unwrap();
            let (table, key) = rest.split_once(" USING btree ").unwrap();
            schema
                .entry(table.to_owned())
                .or_default()
                .push(format!("index {name}{unique} {key}"));
        }
    }
    for (table, list) in columns {
        let lines = schema.entry(table).or_default();
        let indexes = std::mem::take(lines);
        lines.extend(list.into_iter().map(|(name, kind, not_null, default)| {
            column_line(&name, &kind, not_null, default.as_deref())
        }));
        lines.extend(indexes);
    }
    sorted_indexes(schema)
}

/// The MariaDB dump, or (`sqlite`) what Moodle's SQLite generator makes of the same tables:
/// integers `INTEGER(width)`, the id `INTEGER` primary key, `VARCHAR(n)`, `TEXT`,
/// `NUMERIC(p,s)`, no `DEFAULT NULL`, each key an index of the same name.
fn mariadb_reference(sqlite: bool) -> Schema {
    let mut schema = Schema::new();
    for statement in split_sql(MARIADB) {
        let Some(rest) = statement.strip_prefix("CREATE TABLE `") else {
            continue;
        };
        let (table, body) = rest.split_once("` (\n").unwrap();
        let body = &body[..body.rfind("\n)").unwrap()];
        let mut lines = Vec::new();
        let mut indexes = Vec::new();
        for item in body.lines() {
            let item = item.trim().trim_end_matches(',');
            if let Some(column) = item.strip_prefix('`') {
                let (name, definition) = column.split_once("` ").unwrap();
                let (kind, rest) = definition.split_once(' ').unwrap_or((definition, ""));
                let not_null = rest.contains("NOT NULL");
                let default = rest
                    .split_once("DEFAULT ")
                    .map(|(_, default)| default.trim_end_matches(" AUTO_INCREMENT"));
                let auto_increment = rest.contains("AUTO_INCREMENT");
                lines.push(match (sqlite, auto_increment) {
                    (false, _) => column_line(
                        name,
                        &format!(
                            "{kind}{}",
                            if auto_increment {
                                " AUTO_INCREMENT"
                            } else {
                                ""
                            }
                        ),
                        not_null,
                        default.or(if not_null { None } else { Some("NULL") }),
                    ),
                    (true, true) => column_line(name, "INTEGER PRIMARY KEY", true, None),
                    (true, false) => column_line(
                        name,
                        &sqlite_type(kind),
                        not_null,
                        default.filter(|default| *default != "NULL"),
                    ),
                });
            } else {
                let (unique, key) = if let Some(key) = item.strip_prefix("PRIMARY KEY ") {
                    if sqlite {
                        continue; // The id column is the table's rowid: no index of its own.
                    }
                    (" UNIQUE", format!("`PRIMARY` {key}"))
                } else if let Some(key) = item.strip_prefix("UNIQUE KEY ") {
                    (" UNIQUE", key.to_owned())
                } else {
                    ("", item.strip_prefix("KEY ").unwrap().to_owned())
                };
                let (name, columns) = key.split_once(' ').unwrap();
                let columns = columns.replace('`', "").replace(',', ", ");
                indexes.push(format!("index {}{unique} {columns}", name.replace('`', "")));
            }
        }
        lines.extend(indexes);
        schema.insert(table.to_owned(), lines);
    }
    sorted_indexes(schema)
}

/// The schema with each table's index lines sorted (after its column lines, kept in order).
fn sorted_indexes(schema: Schema) -> Schema {
    schema
        .into_iter()
        .map(|(table, lines)| {
            let (mut indexes, mut columns): (Vec<String>, Vec<String>) = lines
                .into_iter()
                .partition(|line| line.starts_with("index "));
            indexes.sort();
            columns.extend(indexes);
            (table, columns)
        })
        .collect()
}

/// The SQLite type Moodle's generator gives a MariaDB column type.
fn sqlite_type(mariadb: &str) -> String {
    let (base, size) = mariadb.split_once('(').unwrap_or((mariadb, ""));
    match base {
        "bigint" | "mediumint" | "smallint" | "tinyint" => format!("INTEGER({size}"),
        "varchar" => format!("VARCHAR({size}"),
        "longtext" => "TEXT".into(),
        "decimal" => format!("NUMERIC({size}"),
        other => panic!("a MariaDB type the reference does not use: {other}"),
    }
}

fn column_line(name: &str, kind: &str, not_null: bool, default: Option<&str>) -> String {
    let mut line = format!("column {name} {kind}");
    if not_null {
        line.push_str(" NOT NULL");
    }
    if let Some(default) = default {
        line.push_str(" DEFAULT ");
        line.push_str(default);
    }
    line
}

/// The schema the test database holds, read from the backend's catalogue.
async fn created_schema(env: &TestEnv) -> Schema {
    let mut schema = Schema::new();
    match env.backend {
        Backend::Postgres => {
            for row in env
                .rows(
                    "SELECT table_name::text, column_name::text, data_type::text, \
                     character_maximum_length::bigint, numeric_precision::bigint, \
                     numeric_scale::bigint, is_nullable::text, column_default::text \
                     FROM information_schema.columns WHERE table_schema = current_schema() \
                     ORDER BY table_name, ordinal_position",
                )
                .await
            {
                let kind = match row[2].as_str() {
                    "character varying" => format!("character varying({})", row[3]),
                    "numeric" => format!("numeric({},{})", row[4], row[5]),
                    other => other.to_owned(),
                };
                let default = (row[7] != "NULL").then_some(row[7].as_str());
                schema.entry(row[0].clone()).or_default().push(column_line(
                    &row[1],
                    &kind,
                    row[6] == "NO",
                    default,
                ));
            }
            for row in env
                .rows(
                    "SELECT tablename::text, indexname::text, indexdef FROM pg_indexes \
                     WHERE schemaname = current_schema()",
                )
                .await
            {
                let unique = if row[2].starts_with("CREATE UNIQUE") {
                    " UNIQUE"
                } else {
                    ""
                };
                let key = row[2].split_once(" USING btree ").unwrap().1;
                schema
                    .entry(row[0].clone())
                    .or_default()
                    .push(format!("index {}{unique} {key}", row[1]));
            }
        }
        Backend::Mariadb => {
            for row in env
                .rows(
                    "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA \
                     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
                     ORDER BY TABLE_NAME, ORDINAL_POSITION",
                )
                .await
            {
                let kind = match row[5].as_str() {
                    "auto_increment" => format!("{} AUTO_INCREMENT", row[2]),
                    _ => row[2].clone(),
                };
                // MariaDB reports no default as SQL NULL for a NOT NULL column, and as the
                // text `NULL` for a column whose default is NULL.
                let default = (row[4] != "NULL" || row[3] == "YES").then_some(row[4].as_str());
                schema
                    .entry(row[0].clone())
                    .or_default()
                    .push(column_line(&row[1], &kind, row[3] == "NO", default));
            }
            let mut indexes: BTreeMap<(String, String), (bool, Vec<String>)> = BTreeMap::new();
            for row in env
                .rows(
                    "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME \
                     FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
                     ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
                )
                .await
            {
                let entry = indexes
                    .entry((row[0].clone(), row[1].clone()))
                    .or_insert((row[2] == "0", Vec::new()));
                entry.1.push(row[3].clone());
            }
            for ((table, name), (unique, columns)) in indexes {
                let unique = if unique { " UNIQUE" } else { "" };
                schema
                    .entry(table)
                    .or_default()
                    .push(format!("index {name}{unique} ({})", columns.join(", ")));
            }
        }
        Backend::Sqlite => {
            let tables = env
                .rows(
                    "SELECT name FROM sqlite_master WHERE type = 'table' \
                     AND name NOT LIKE 'sqlite_%' ORDER BY name",
                )
                .await;
            for table in tables.iter().map(|row| &row[0]) {
                let mut lines = Vec::new();
                for row in env
                    .rows(&format!(
                        "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('{table}') ORDER BY cid"
                    ))
                    .await
                {
                    let kind = if row[4] == "1" {
                        format!("{} PRIMARY KEY", row[1])
                    } else {
                        row[1].clone()
                    };
                    let default = (row[3] != "NULL").then_some(row[3].as_str());
                    lines.push(column_line(&row[0], &kind, row[2] == "1", default));
                }
                for index in env
                    .rows(&format!(
                        "SELECT name, \"unique\" FROM pragma_index_list('{table}') ORDER BY name"
                    ))
                    .await
                {
                    let columns: Vec<String> = env
                        .rows(&format!(
                            "SELECT name FROM pragma_index_info('{}') ORDER BY seqno",
                            index[0]
                        ))
                        .await
                        .into_iter()
                        .map(|row| row[0].clone())
                        .collect();
                    let unique = if index[1] == "1" { " UNIQUE" } else { "" };
                    lines.push(format!(
                        "index {}{unique} ({})",
                        index[0],
                        columns.join(", ")
                    ));
                }
                schema.insert(table.clone(), lines);
            }
        }
    }
    sorted_indexes(schema)
}
