//! The scenario's base state loaded into a test database: `base-postgres.sql` is `pg_dump
//! --data-only --inserts` of the real site (PostgreSQL syntax, `public.` names, a `setval` per
//! sequence at the end). Each `INSERT` runs as it is on every backend, with its ids, once
//! `public.` is gone (and, for MariaDB, backslashes doubled: MariaDB reads them as escapes,
//! PostgreSQL's standard strings do not); each `setval` becomes the backend's way of setting the
//! next id, so that new rows get the ids they got on the real site.

use moodle_sync::db::split_sql;
use sqlx::{AssertSqlSafe, Connection};

use crate::support::{Backend, TestEnv};

/// Loads `script` (a `pg_dump --data-only --inserts`) into the environment's empty tables.
pub async fn load(env: &TestEnv, script: &str) {
    let mut connection = env.connection().await;
    let mut transaction = connection.begin().await.unwrap();
    let mut inserts = 0;
    let mut counters = 0;
    for statement in split_sql(script) {
        let statements = if statement.starts_with("INSERT INTO public.") {
            inserts += 1;
            let insert = statement.replacen("INSERT INTO public.", "INSERT INTO ", 1);
            match env.backend {
                Backend::Mariadb => vec![insert.replace('\\', "\\\\")],
                Backend::Postgres | Backend::Sqlite => vec![insert],
            }
        } else if let Some(arguments) = statement.strip_prefix("SELECT pg_catalog.setval(") {
            // `'public.mdl_<table>_id_seq', <value>, <is_called>)`: the next id is the value
            // itself when it was never called, the one after it otherwise.
            counters += 1;
            let arguments: Vec<&str> = arguments.trim_end_matches(')').split(", ").collect();
            let table = arguments[0]
                .trim_matches('\'')
                .strip_prefix("public.mdl_")
                .and_then(|sequence| sequence.strip_suffix("_id_seq"))
                .unwrap();
            let value: i64 = arguments[1].parse().unwrap();
            let next = if arguments[2] == "true" {
                value + 1
            } else {
                value
            };
            env.db.dialect().set_next_id(table, next)
        } else {
            // Session settings of the dump (`SET …`, `set_config('search_path', …)`).
            assert!(
                statement.starts_with("SET ") || statement.starts_with("SELECT pg_catalog."),
                "an unexpected statement in the base: {statement}"
            );
            Vec::new()
        };
        for statement in statements {
            sqlx::raw_sql(AssertSqlSafe(statement.clone()))
                .execute(&mut *transaction)
                .await
                .unwrap_or_else(|error| panic!("{error}: {statement}"));
        }
    }
    transaction.commit().await.unwrap();
    connection.close().await.unwrap();
    assert!(
        inserts > 2000 && counters > 20,
        "{inserts} rows, {counters} counters"
    );
}
