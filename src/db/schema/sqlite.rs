//! The real site's MariaDB DDL translated for SQLite, following Moodle's own SQLite generator
//! (`sqlite_sql_generator.php`): integers `INTEGER(n)` with the MariaDB display width (Moodle's
//! XMLDB length), `VARCHAR(n)`, `TEXT`, `NUMERIC(p,s)`; the `id` column `INTEGER PRIMARY KEY
//! AUTOINCREMENT NOT NULL`; defaults and `NOT NULL` as they are; each key a `CREATE [UNIQUE]
//! INDEX` under its name. Table options (engine, character set, row format, comment) have no
//! SQLite counterpart and are dropped.

/// The SQLite statements for one MariaDB `CREATE TABLE` statement (as `mysqldump` writes it: one
/// column or key per line): the table, then its indexes.
pub fn translate(create_table: &str) -> Vec<String> {
    let table = create_table
        .split('`')
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let body_start = create_table.find('(').map_or(0, |index| index + 1);
    let body_end = create_table.rfind("\n)").unwrap_or(create_table.len());
    let mut columns = Vec::new();
    let mut indexes = Vec::new();
    for item in create_table[body_start..body_end].lines() {
        let item = item.trim().trim_end_matches(',');
        if let Some(column) = item.strip_prefix('`') {
            let (name, definition) = column.split_once("` ").unwrap_or((column, ""));
            columns.push(format!("    {name} {}", column_definition(definition)));
        } else if let Some(key) = item.strip_prefix("UNIQUE KEY ") {
            indexes.push(index("CREATE UNIQUE INDEX", &table, key));
        } else if let Some(key) = item.strip_prefix("KEY ") {
            indexes.push(index("CREATE INDEX", &table, key));
        }
        // `PRIMARY KEY (`id`)`: the id column is SQLite's primary key already.
    }
    let mut statements = vec![format!(
        "CREATE TABLE {table} (\n{}\n)",
        columns.join(",\n")
    )];
    statements.extend(indexes);
    statements
}

/// A column's SQLite definition from its MariaDB one (`bigint(10) NOT NULL DEFAULT 0`).
fn column_definition(definition: &str) -> String {
    if definition.contains("AUTO_INCREMENT") {
        return "INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL".into();
    }
    let (mariadb_type, rest) = definition.split_once(' ').unwrap_or((definition, ""));
    let (base, size) = match mariadb_type.split_once('(') {
        Some((base, size)) => (base, Some(size.trim_end_matches(')'))),
        None => (mariadb_type, None),
    };
    let sqlite_type = match (base, size) {
        ("bigint" | "int" | "mediumint" | "smallint" | "tinyint", Some(width)) => {
            format!("INTEGER({width})")
        }
        ("bigint" | "int" | "mediumint" | "smallint" | "tinyint", None) => "INTEGER".into(),
        ("varchar" | "char", Some(length)) => format!("VARCHAR({length})"),
        ("longtext" | "mediumtext" | "text" | "tinytext", _) => "TEXT".into(),
        ("decimal", Some(precision)) => format!("NUMERIC({precision})"),
        ("longblob" | "mediumblob" | "blob", _) => "BLOB".into(),
        _ => mariadb_type.to_uppercase(),
    };
    let mut out = sqlite_type;
    if rest.contains("NOT NULL") {
        out.push_str(" NOT NULL");
    }
    if let Some((_, default)) = rest.split_once("DEFAULT ") {
        let value = match default.strip_prefix('\'') {
            // A quoted default ends at its closing quote (`''` is a quote within it).
            Some(quoted) => {
                let mut end = 0;
                let bytes = quoted.as_bytes();
                while end < bytes.len() {
                    if bytes[end] == b'\'' {
                        if bytes.get(end + 1) == Some(&b'\'') {
                            end += 2;
                            continue;
                        }
                        break;
                    }
                    end += 1;
                }
                format!("'{}'", &quoted[..end.min(quoted.len())])
            }
            None => default.split(' ').next().unwrap_or_default().to_owned(),
        };
        if value != "NULL" {
            out.push_str(" DEFAULT ");
            out.push_str(&value);
        }
    }
    out
}

/// `CREATE [UNIQUE] INDEX name ON table (columns)` from a MariaDB key (`` `name` (`a`,`b`) ``).
fn index(create: &str, table: &str, key: &str) -> String {
    let name = key.split('`').nth(1).unwrap_or_default();
    let columns: Vec<&str> = key
        .split_once('(')
        .map_or("", |(_, columns)| columns.trim_end_matches(')'))
        .split(',')
        .map(|column| {
            // A key part with a prefix length (`` `name`(191) ``) indexes the whole column.
            column.split('`').nth(1).unwrap_or(column).trim()
        })
        .collect();
    format!("{create} {name} ON {table} ({})", columns.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translates_a_table_with_its_keys() {
        let mariadb = "CREATE TABLE `mdl_cohort_members` (\n  \
            `id` bigint(10) NOT NULL AUTO_INCREMENT,\n  \
            `cohortid` bigint(10) NOT NULL DEFAULT 0,\n  \
            `name` varchar(254) NOT NULL DEFAULT 'it''s',\n  \
            `description` longtext DEFAULT NULL,\n  \
            `grade` decimal(10,5) NOT NULL DEFAULT 100.00000,\n  \
            PRIMARY KEY (`id`),\n  \
            UNIQUE KEY `mdl_cohomemb_cohuse_uix` (`cohortid`,`name`),\n  \
            KEY `mdl_cohomemb_coh_ix` (`cohortid`)\n\
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Link a user to a cohort.'";
        assert_eq!(
            translate(mariadb),
            [
                "CREATE TABLE mdl_cohort_members (\n    \
                 id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,\n    \
                 cohortid INTEGER(10) NOT NULL DEFAULT 0,\n    \
                 name VARCHAR(254) NOT NULL DEFAULT 'it''s',\n    \
                 description TEXT,\n    \
                 grade NUMERIC(10,5) NOT NULL DEFAULT 100.00000\n)",
                "CREATE UNIQUE INDEX mdl_cohomemb_cohuse_uix ON mdl_cohort_members (cohortid, name)",
                "CREATE INDEX mdl_cohomemb_coh_ix ON mdl_cohort_members (cohortid)",
            ]
        );
    }
}
