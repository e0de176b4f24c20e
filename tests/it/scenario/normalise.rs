//! A test database's tables in the JSON format of the reference's README ("JSON format"), so
//! that they compare with what was read off the real site: one list of rows per table, every
//! value a string (SQL NULL is `""`), ids replaced by natural keys and times by facts.
//!
//! - `username`: the account's username, `deleted:<firstname>` for a deleted account; a user
//!   context (`user:<username>`, and `user_context`) names the username as the row holds it.
//! - `cohort`: its idnumber; `context`: `system`, `user:<username>`, `category:<idnumber>`,
//!   `course:<shortname>`; `enrol_key` and `item` (of a row given by an enrolment plugin):
//!   `<course>/<plugin>/<cohort idnumber, for cohort sync>/<role>`; `grp`: `<course>/<group>`;
//!   `customint2_group`: the group of a cohort sync method (its `customint2` then `""`).
//! - `times`: `ok` when `timecreated > 0` and `timemodified >= timecreated`, else `bad`;
//!   `timeadded` / `timemodified` alone: `set` or `zero`; a cache flag's `expiry`: `later` when
//!   after its `timemodified`; a user context's `path`: `ok` when `/1/<its id>`.
//! - `user.password`: `sha512crypt-10000`, `bcrypt` or the value itself; a deleted account's
//!   `idnumber` `(md5)` (when cleared or 32 hex digits) and `email` `(md5 hex)` (when 32 hex
//!   digits); a preference whose name
//!   ends in `time` has the value `set`.
//! - `log` (`logstore_standard_log`): its rows without ids and times (the context from
//!   `contextlevel` and `contextinstanceid`, the course, user, related user and real user by
//!   name, `objectid` `set` or `""`, `other` as stored), identical rows counted in `n`.

use std::collections::{BTreeMap, HashMap};

use sqlx::{AssertSqlSafe, Connection, Row as _};

use crate::support::{Backend, TestEnv};

/// A row in the JSON format: column (or natural key) → value.
pub type Row = BTreeMap<String, String>;

/// Every table of the JSON format, by its name there.
pub type Tables = BTreeMap<String, Vec<Row>>;

/// A row as the database holds it: column → value (`None` for SQL NULL).
type RawRow = BTreeMap<String, Option<String>>;

/// The Moodle tables the JSON format is made from.
const TABLES: [&str; 18] = [
    "user",
    "context",
    "course",
    "course_categories",
    "cohort",
    "cohort_members",
    "enrol",
    "user_enrolments",
    "role",
    "role_assignments",
    "groups",
    "groups_members",
    "user_preferences",
    "user_info_category",
    "user_info_field",
    "user_info_data",
    "cache_flags",
    "logstore_standard_log",
];

/// The test database's tables in the JSON format.
pub async fn tables(env: &TestEnv) -> Tables {
    let site = Site::read(env).await;
    let mut tables = Tables::new();
    let mut put = |name: &str, rows: Vec<Row>| {
        tables.insert(name.to_owned(), rows);
    };
    put(
        "cohort",
        site.rows("cohort")
            .map(|row| {
                let mut out = plain(row, &["id", "contextid", "timecreated", "timemodified"]);
                out.insert("context".into(), site.context(&value(row, "contextid")));
                out.insert("times".into(), times(row).into());
                out
            })
            .collect(),
    );
    put(
        "cohort_members",
        site.rows("cohort_members")
            .map(|row| {
                Row::from([
                    ("cohort".into(), site.cohort(&value(row, "cohortid"))),
                    ("timeadded".into(), set_or_zero(row, "timeadded").into()),
                    ("username".into(), site.username(&value(row, "userid"))),
                ])
            })
            .collect(),
    );
    put(
        "enrol",
        site.rows("enrol")
            .map(|row| {
                let mut out = plain(
                    row,
                    &[
                        "id",
                        "enrol",
                        "courseid",
                        "roleid",
                        "customint1",
                        "timecreated",
                        "timemodified",
                    ],
                );
                out.insert("enrol_key".into(), site.enrol_key(&value(row, "id")));
                out.insert("times".into(), times(row).into());
                let group = match (value(row, "enrol").as_str(), value(row, "customint2")) {
                    ("cohort", group) => {
                        out.insert("customint2".into(), String::new());
                        match group.as_str() {
                            "" | "0" => String::new(),
                            group => site.grp(group),
                        }
                    }
                    _ => String::new(),
                };
                out.insert("customint2_group".into(), group);
                out
            })
            .collect(),
    );
    put(
        "user_enrolments",
        site.rows("user_enrolments")
            .map(|row| {
                Row::from([
                    ("enrol_key".into(), site.enrol_key(&value(row, "enrolid"))),
                    ("modifier".into(), site.username(&value(row, "modifierid"))),
                    ("status".into(), value(row, "status")),
                    ("timeend".into(), value(row, "timeend")),
                    ("times".into(), times(row).into()),
                    ("timestart".into(), value(row, "timestart")),
                    ("username".into(), site.username(&value(row, "userid"))),
                ])
            })
            .collect(),
    );
    put(
        "role_assignments",
        site.rows("role_assignments")
            .map(|row| {
                Row::from([
                    ("component".into(), value(row, "component")),
                    ("context".into(), site.context(&value(row, "contextid"))),
                    ("item".into(), site.item(row)),
                    ("modifier".into(), site.username(&value(row, "modifierid"))),
                    ("role".into(), site.role(&value(row, "roleid"))),
                    ("sortorder".into(), value(row, "sortorder")),
                    (
                        "timemodified".into(),
                        set_or_zero(row, "timemodified").into(),
                    ),
                    ("username".into(), site.username(&value(row, "userid"))),
                ])
            })
            .collect(),
    );
    put(
        "groups",
        site.rows("groups")
            .map(|row| {
                let mut out = plain(row, &["id", "courseid", "timecreated", "timemodified"]);
                out.insert("course".into(), site.course(&value(row, "courseid")));
                out.insert("times".into(), times(row).into());
                out
            })
            .collect(),
    );
    put(
        "groups_members",
        site.rows("groups_members")
            .map(|row| {
                Row::from([
                    ("component".into(), value(row, "component")),
                    ("grp".into(), site.grp(&value(row, "groupid"))),
                    ("item".into(), site.item(row)),
                    ("timeadded".into(), set_or_zero(row, "timeadded").into()),
                    ("username".into(), site.username(&value(row, "userid"))),
                ])
            })
            .collect(),
    );
    put(
        "user",
        site.rows("user")
            .map(|row| {
                let mut out = plain(row, &["id", "timecreated", "timemodified"]);
                out.insert("times".into(), times(row).into());
                out.insert("username".into(), site.username(&value(row, "id")));
                let password = value(row, "password");
                let password = if password.starts_with("$6$rounds=10000$") {
                    "sha512crypt-10000".to_owned()
                } else if ["$2y$", "$2b$", "$2a$"]
                    .iter()
                    .any(|prefix| password.starts_with(prefix))
                {
                    "bcrypt".to_owned()
                } else {
                    password
                };
                out.insert("password".into(), password);
                if value(row, "deleted") == "1" {
                    let md5 = |text: &str| {
                        text.len() == 32 && text.chars().all(|c| c.is_ascii_hexdigit())
                    };
                    // The site's own JSON of moodle-sync's run shows `(md5)` for the idnumber
                    // moodle-sync clears, as Moodle's `delete_user()` does: the format says
                    // `(md5)` for a cleared idnumber too.
                    let idnumber = value(row, "idnumber");
                    if idnumber.is_empty() || md5(&idnumber) {
                        out.insert("idnumber".into(), "(md5)".into());
                    }
                    if md5(&value(row, "email")) {
                        out.insert("email".into(), "(md5 hex)".into());
                    }
                }
                out
            })
            .collect(),
    );
    put(
        "user_context",
        site.rows("context")
            .filter(|row| value(row, "contextlevel") == "30")
            .map(|row| {
                let path = if value(row, "path") == format!("/1/{}", value(row, "id")) {
                    "ok"
                } else {
                    "bad"
                };
                Row::from([
                    ("depth".into(), value(row, "depth")),
                    ("locked".into(), value(row, "locked")),
                    ("path".into(), path.into()),
                    (
                        "username".into(),
                        site.raw_username(&value(row, "instanceid")),
                    ),
                ])
            })
            .collect(),
    );
    put(
        "user_preferences",
        site.rows("user_preferences")
            .map(|row| {
                let name = value(row, "name");
                let preference = if name.ends_with("time") {
                    "set".to_owned()
                } else {
                    value(row, "value")
                };
                Row::from([
                    ("name".into(), name),
                    ("username".into(), site.username(&value(row, "userid"))),
                    ("value".into(), preference),
                ])
            })
            .collect(),
    );
    put(
        "user_info_category",
        site.rows("user_info_category")
            .map(|row| plain(row, &["id"]))
            .collect(),
    );
    put(
        "user_info_field",
        site.rows("user_info_field")
            .map(|row| {
                let mut out = plain(row, &["id", "categoryid"]);
                out.insert(
                    "category".into(),
                    site.lookup("user_info_category", &value(row, "categoryid"), "name"),
                );
                out
            })
            .collect(),
    );
    put(
        "user_info_data",
        site.rows("user_info_data")
            .map(|row| {
                Row::from([
                    ("data".into(), value(row, "data")),
                    ("dataformat".into(), value(row, "dataformat")),
                    (
                        "field".into(),
                        site.lookup("user_info_field", &value(row, "fieldid"), "shortname"),
                    ),
                    ("username".into(), site.username(&value(row, "userid"))),
                ])
            })
            .collect(),
    );
    put(
        "cache_flags",
        site.rows("cache_flags")
            .map(|row| {
                let flagtype = value(row, "flagtype");
                let name = match flagtype.as_str() {
                    "userpreferenceschanged" | "accesslib/dirtyusers" => {
                        site.username(&value(row, "name"))
                    }
                    _ => value(row, "name"),
                };
                let later = number(row, "expiry") > number(row, "timemodified");
                Row::from([
                    (
                        "expiry".into(),
                        if later { "later" } else { "not later" }.into(),
                    ),
                    ("flagtype".into(), flagtype),
                    ("name".into(), name),
                    ("value".into(), value(row, "value")),
                ])
            })
            .collect(),
    );
    let mut log: BTreeMap<Row, usize> = BTreeMap::new();
    for row in site.rows("logstore_standard_log") {
        let user_or_empty = |column: &str| match value(row, column).as_str() {
            "" => String::new(),
            id => site.username(id),
        };
        let course = match value(row, "courseid").as_str() {
            "" | "0" => String::new(),
            id => site.course(id),
        };
        let objectid = if row["objectid"].is_some() { "set" } else { "" };
        let mut out = Row::from([
            (
                "context".into(),
                site.context_of(
                    &value(row, "contextlevel"),
                    &value(row, "contextinstanceid"),
                ),
            ),
            ("course".into(), course),
            ("objectid".into(), objectid.into()),
            ("realuserid".into(), user_or_empty("realuserid")),
            ("relateduser".into(), user_or_empty("relateduserid")),
            ("username".into(), site.username(&value(row, "userid"))),
        ]);
        for column in [
            "action",
            "anonymous",
            "component",
            "contextlevel",
            "crud",
            "edulevel",
            "eventname",
            "ip",
            "objecttable",
            "origin",
            "other",
            "target",
        ] {
            out.insert(column.into(), value(row, column));
        }
        *log.entry(out).or_default() += 1;
    }
    put("log", counted(log));
    for rows in tables.values_mut() {
        rows.sort();
    }
    tables
}

/// Rows with their number of copies as `n`.
pub fn counted(rows: BTreeMap<Row, usize>) -> Vec<Row> {
    rows.into_iter()
        .map(|(mut row, count)| {
            row.insert("n".into(), count.to_string());
            row
        })
        .collect()
}

/// The raw tables of a test database, with the lookups that turn ids into natural keys.
struct Site {
    tables: HashMap<&'static str, Vec<RawRow>>,
    by_id: HashMap<&'static str, HashMap<String, RawRow>>,
}

impl Site {
    async fn read(env: &TestEnv) -> Site {
        let mut connection = env.connection().await;
        let mut tables = HashMap::new();
        for table in TABLES {
            let name = format!("mdl_{table}");
            let columns_sql = match env.backend {
                Backend::Postgres => format!(
                    "SELECT column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = '{name}' ORDER BY ordinal_position"
                ),
                Backend::Mariadb => format!(
                    "SELECT COLUMN_NAME FROM information_schema.COLUMNS \
                     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{name}' ORDER BY ORDINAL_POSITION"
                ),
                Backend::Sqlite => {
                    format!("SELECT name FROM pragma_table_info('{name}') ORDER BY cid")
                }
            };
            let columns: Vec<String> = sqlx::query(AssertSqlSafe(columns_sql))
                .fetch_all(&mut connection)
                .await
                .unwrap()
                .iter()
                .map(|row| row.try_get::<String, _>(0).unwrap())
                .collect();
            // Every value read as text: the generic driver reads neither MariaDB's small
            // integers nor decimals.
            let select: Vec<String> = columns
                .iter()
                .map(|column| match env.backend {
                    Backend::Postgres => format!("\"{column}\"::text"),
                    Backend::Mariadb => format!("CAST(`{column}` AS CHAR)"),
                    Backend::Sqlite => format!("CAST(\"{column}\" AS TEXT)"),
                })
                .collect();
            let rows = sqlx::query(AssertSqlSafe(format!(
                "SELECT {} FROM {name}",
                select.join(", ")
            )))
            .fetch_all(&mut connection)
            .await
            .unwrap();
            let rows: Vec<RawRow> = rows
                .iter()
                .map(|row| {
                    columns
                        .iter()
                        .enumerate()
                        .map(|(index, column)| {
                            (
                                column.clone(),
                                row.try_get::<Option<String>, _>(index).unwrap(),
                            )
                        })
                        .collect()
                })
                .collect();
            tables.insert(table, rows);
        }
        connection.close().await.unwrap();
        let by_id = tables
            .iter()
            .map(|(table, rows)| {
                let rows = rows
                    .iter()
                    .map(|row| (value(row, "id"), row.clone()))
                    .collect();
                (*table, rows)
            })
            .collect();
        Site { tables, by_id }
    }

    fn rows(&self, table: &str) -> impl Iterator<Item = &RawRow> {
        self.tables[table].iter()
    }

    /// A column of the row of `table` whose id is `id`, or `(no <table> <id>)`.
    fn lookup(&self, table: &str, id: &str, column: &str) -> String {
        match self.by_id[table].get(id) {
            Some(row) => value(row, column),
            None => format!("(no {table} {id})"),
        }
    }

    fn username(&self, id: &str) -> String {
        match self.by_id["user"].get(id) {
            Some(row) if value(row, "deleted") == "1" => {
                format!("deleted:{}", value(row, "firstname"))
            }
            Some(row) => value(row, "username"),
            None => format!("(no user {id})"),
        }
    }

    fn raw_username(&self, id: &str) -> String {
        self.lookup("user", id, "username")
    }

    fn cohort(&self, id: &str) -> String {
        self.lookup("cohort", id, "idnumber")
    }

    fn course(&self, id: &str) -> String {
        self.lookup("course", id, "shortname")
    }

    fn role(&self, id: &str) -> String {
        match id {
            "" | "0" => String::new(),
            id => self.lookup("role", id, "shortname"),
        }
    }

    fn context(&self, id: &str) -> String {
        match self.by_id["context"].get(id) {
            Some(row) => self.context_of(&value(row, "contextlevel"), &value(row, "instanceid")),
            None => format!("(no context {id})"),
        }
    }

    fn context_of(&self, level: &str, instance: &str) -> String {
        match level {
            "10" => "system".into(),
            "30" => format!("user:{}", self.raw_username(instance)),
            "40" => format!(
                "category:{}",
                self.lookup("course_categories", instance, "idnumber")
            ),
            "50" => format!("course:{}", self.course(instance)),
            other => format!("{other}:{instance}"),
        }
    }

    fn enrol_key(&self, id: &str) -> String {
        let Some(row) = self.by_id["enrol"].get(id) else {
            return format!("(no enrol {id})");
        };
        let plugin = value(row, "enrol");
        let cohort = match plugin.as_str() {
            "cohort" => match self.by_id["cohort"].get(&value(row, "customint1")) {
                Some(cohort) => value(cohort, "idnumber"),
                None => String::new(),
            },
            _ => String::new(),
        };
        format!(
            "{}/{plugin}/{cohort}/{}",
            self.course(&value(row, "courseid")),
            self.role(&value(row, "roleid"))
        )
    }

    fn grp(&self, id: &str) -> String {
        match self.by_id["groups"].get(id) {
            Some(row) => format!(
                "{}/{}",
                self.course(&value(row, "courseid")),
                value(row, "name")
            ),
            None => format!("(no group {id})"),
        }
    }

    /// What gave a role assignment or a group membership: the enrolment method, for a row an
    /// enrolment plugin gave.
    fn item(&self, row: &RawRow) -> String {
        let component = value(row, "component");
        if component.starts_with("enrol_") {
            self.enrol_key(&value(row, "itemid"))
        } else {
            value(row, "itemid")
        }
    }
}

/// A column's value, `""` for NULL.
fn value(row: &RawRow, column: &str) -> String {
    row.get(column)
        .unwrap_or_else(|| panic!("no column {column}"))
        .clone()
        .unwrap_or_default()
}

fn number(row: &RawRow, column: &str) -> i64 {
    value(row, column).parse().unwrap_or(0)
}

/// Every column but `drop`, as it is.
fn plain(row: &RawRow, drop: &[&str]) -> Row {
    row.iter()
        .filter(|(column, _)| !drop.contains(&column.as_str()))
        .map(|(column, value)| (column.clone(), value.clone().unwrap_or_default()))
        .collect()
}

fn times(row: &RawRow) -> &'static str {
    let created = number(row, "timecreated");
    if created > 0 && number(row, "timemodified") >= created {
        "ok"
    } else {
        "bad"
    }
}

fn set_or_zero(row: &RawRow, column: &str) -> &'static str {
    if number(row, column) > 0 {
        "set"
    } else {
        "zero"
    }
}
