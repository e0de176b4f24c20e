//! Moodle's application caches after a file: the keys Moodle's own functions would drop are
//! gone from the site's stores (its file store, laid out as on the real site, and Redis), the
//! others kept; what cannot be refreshed is named in the report; without a data root the
//! report says so once.

use std::{
    fs,
    path::{Path, PathBuf},
};

use md5::{Digest, Md5};
use moodle_sync::output::summary::RunSummary;
use serde_json::Value;

use crate::{dbtest, support::TestEnv};

/// The real site's `siteidentifier` (`scenario/base-postgres.sql`).
const SITEIDENTIFIER: &str = "SG3WRSCfKMxQRvMtkiGCdC9dcSLD3AFC127.0.0.1";
/// Moodle's cache configuration with its default stores, as the site writes it.
const DEFAULT_CONFIG: &str = include_str!("../data/moodledata/muc/config.php");
/// The stale value a key holds before the file.
const STALE: &[u8] = b"a:1:{s:6:\"groups\";a:0:{}}";

fn md5(text: &str) -> String {
    Md5::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The key Moodle's cache API gives `id` in `core/<area>` on the real site: `<id>-` and the
/// MD5 of `1/core/<area>/<MD5 of the site identifier>`.
fn key(area: &str, id: i64) -> String {
    format!(
        "{id}-{}",
        md5(&format!("1/core/{area}/{}", md5(SITEIDENTIFIER)))
    )
}

/// The file of that key in the default file store of the data root `dataroot`.
fn key_file(dataroot: &Path, area: &str, id: i64) -> PathBuf {
    let key = key(area, id);
    dataroot
        .join("cache/cachestore_file/default_application")
        .join(format!("core_{area}"))
        .join(format!("{}-cache", &key[..3]))
        .join(format!("{key}.cache"))
}

fn json(summary: &RunSummary) -> Value {
    serde_json::from_slice(&fs::read(&summary.report_json).unwrap()).unwrap()
}

fn text(summary: &RunSummary) -> String {
    fs::read_to_string(&summary.report).unwrap()
}

/// Gives the test site a data root with `config` as its cache configuration, the real site's
/// identifier and course contacts (the editing teacher) in its config table, and points the
/// configuration at it; returns the data root.
async fn site(env: &mut TestEnv, config: &str) -> PathBuf {
    let dataroot = env.root().join("moodledata");
    fs::create_dir_all(dataroot.join("muc")).unwrap();
    fs::write(dataroot.join("muc/config.php"), config).unwrap();
    env.execute(&format!(
        "INSERT INTO {{config}} (name, value) VALUES ('siteidentifier', '{SITEIDENTIFIER}'), \
         ('coursecontact', '3'), ('version', '2025100600.02')"
    ))
    .await;
    env.reconfigure("[moodle]\ndataroot = \"moodledata\"\n");
    dataroot
}

/// Writes stale key files.
fn stale(files: &[&PathBuf]) {
    for file in files {
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(file, STALE).unwrap();
    }
}

/// Two courses, ELEC-MATHS (id 2) and BTS-COM (id 3, as on the real site), and the cohort
/// COH1 of u1 and u2; u3 belongs to no cohort.
async fn world(env: &TestEnv) -> (i64, i64, [i64; 3]) {
    env.add_users(&["u1", "u2", "u3"]).await;
    env.add_cohort("COH1", "Classe 1").await;
    env.add_members("COH1", &["u1", "u2"]).await;
    let (maths, _) = env.add_course("ELEC-MATHS", "M").await;
    let (com, _) = env.add_course("BTS-COM", "C").await;
    assert_eq!(
        (maths, com),
        (2, 3),
        "the courses' ids, as on the real site"
    );
    let users = [
        env.user_id("u1").await,
        env.user_id("u2").await,
        env.user_id("u3").await,
    ];
    (maths, com, users)
}

/// The cache entries of a report, as (definition, store, action, result).
fn entries(summary: &RunSummary) -> Vec<(String, String, String, String)> {
    let report = json(summary);
    assert_eq!(
        report["caches"]["state"], "refreshed",
        "{}",
        report["caches"]
    );
    report["caches"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            let field = |name: &str| entry[name].as_str().unwrap().to_owned();
            (
                field("definition"),
                field("store"),
                field("action"),
                field("result"),
            )
        })
        .collect()
}

fn entry(
    definition: &str,
    store: &str,
    action: &str,
    result: &str,
) -> (String, String, String, String) {
    (
        definition.into(),
        store.into(),
        action.into(),
        result.into(),
    )
}

// The failure seen on the live site: a group made by a binding file stayed invisible to
// Moodle until an administrator purged the caches, because its course's group list was in
// Moodle's file store. After the file, the course's key is gone and the other course's kept.
dbtest!(
    a_binding_file_drops_its_courses_keys_in_the_file_store,
    |env| {
        let mut env = env;
        let dataroot = site(&mut env, DEFAULT_CONFIG).await;
        let (maths, com, [u1, u2, u3]) = world(&env).await;
        // The real site's file for course 3's groups, byte for byte the path read off it.
        let groups_com = key_file(&dataroot, "groupdata", com);
        assert!(groups_com.ends_with(
        "moodledata/cache/cachestore_file/default_application/core_groupdata/3-9-cache/3-9f1d5e69e835f0d37ea93f2e3840d903.cache"
    ));
        let groups_maths = key_file(&dataroot, "groupdata", maths);
        let hidden_com = key_file(&dataroot, "coursehiddengroups", com);
        let contacts_com = key_file(&dataroot, "coursecontacts", com);
        let contacts_maths = key_file(&dataroot, "coursecontacts", maths);
        let [groupings_u1, groupings_u2, groupings_u3] =
            [u1, u2, u3].map(|user| key_file(&dataroot, "user_group_groupings", user));
        let other = dataroot
            .join("cache/cachestore_file/default_application/core_string/en-cache/en-x.cache");
        stale(&[
            &groups_com,
            &groups_maths,
            &hidden_com,
            &contacts_com,
            &contacts_maths,
            &groupings_u1,
            &groupings_u3,
            &other,
        ]);

        let summary = env
            .run(
                "cohortscourses.csv",
                b"course;cohort;role;makegroup\nBTS-COM;COH1;student;1\n",
            )
            .await;
        assert_eq!(summary.exit_code(), 0, "{}", text(&summary));
        assert_eq!(summary.totals.unwrap().counts.bindings.groups_created, 1);

        // Course 3's groups are read again by Moodle; course 2's stay cached.
        assert!(!groups_com.exists(), "course 3's group list is dropped");
        assert_eq!(fs::read(&groups_maths).unwrap(), STALE);
        // Its hidden group count is rebuilt as Moodle stores it: the new group is visible to all.
        assert_eq!(fs::read(&hidden_com).unwrap(), b"i:0;");
        // Its contacts (enrolments were made there) are dropped, course 2's kept.
        assert!(!contacts_com.exists());
        assert_eq!(fs::read(&contacts_maths).unwrap(), STALE);
        // The members who joined the group have their groupings dropped; u3 keeps them.
        assert!(!groupings_u1.exists() && !groupings_u2.exists());
        assert_eq!(fs::read(&groupings_u3).unwrap(), STALE);
        // Nothing else is touched.
        assert_eq!(fs::read(&other).unwrap(), STALE);

        assert_eq!(
            entries(&summary),
            [
                entry("core/groupdata", "default_application", "drop", "done"),
                entry(
                    "core/coursehiddengroups",
                    "default_application",
                    "rebuild",
                    "done"
                ),
                entry(
                    "core/user_group_groupings",
                    "default_application",
                    "drop",
                    "done"
                ),
                entry("core/coursecontacts", "default_application", "drop", "done"),
            ]
        );
        let report = json(&summary);
        assert_eq!(
            report["caches"]["entries"][0]["courses"],
            serde_json::json!([3])
        );
        assert_eq!(report["caches"]["entries"][0]["cached"], 1);
        assert_eq!(report["caches"]["entries"][2]["count"], 2);
        assert_eq!(report["caches"]["entries"][2]["cached"], 1);
        let report = text(&summary);
        assert!(
        report.contains(&format!(
            "Moodle's caches (data root {})\n- core/groupdata: dropped for course 3 (store default_application, file; 1 of 1 cached)\n",
            dataroot.display()
        )),
        "{report}"
    );
        assert!(
        report.contains("- core/user_group_groupings: dropped for 2 users (store default_application, file; 1 of 2 cached)"),
        "{report}"
    );
        // The ledger says the file succeeded; the report in place is the one written after.
        assert!(
            !report.contains("to be refreshed once the file is committed"),
            "{report}"
        );
    }
);

// An enrolment file drops the same keys: the course's groups (a group created, members added),
// its contacts (an editing teacher enrolled), the groupings of the users who joined a group.
dbtest!(
    an_enrolment_file_drops_its_courses_keys_in_the_file_store,
    |env| {
        let mut env = env;
        let dataroot = site(&mut env, DEFAULT_CONFIG).await;
        let (maths, com, [u1, u2, u3]) = world(&env).await;
        env.add_method("manual", com, None, 5, 0, 0).await;
        let groups_com = key_file(&dataroot, "groupdata", com);
        let groups_maths = key_file(&dataroot, "groupdata", maths);
        let contacts_com = key_file(&dataroot, "coursecontacts", com);
        let contacts_maths = key_file(&dataroot, "coursecontacts", maths);
        let [groupings_u1, groupings_u2, groupings_u3] =
            [u1, u2, u3].map(|user| key_file(&dataroot, "user_group_groupings", user));
        stale(&[
            &groups_com,
            &groups_maths,
            &contacts_com,
            &contacts_maths,
            &groupings_u1,
            &groupings_u2,
            &groupings_u3,
        ]);

        let summary = env
            .run(
                "enrols.csv",
                b"cmd;rolename;uid;cid;gcmd;g1
              add;student;u1;BTS-COM;gaddcreate;Groupe A
              add;editingteacher;u2;BTS-COM;;
",
            )
            .await;
        assert_eq!(summary.exit_code(), 0, "{}", text(&summary));

        assert!(!groups_com.exists(), "course 3's group list is dropped");
        assert!(!contacts_com.exists(), "course 3's contacts are dropped");
        assert!(!groupings_u1.exists(), "u1 joined a group");
        for kept in [&groups_maths, &contacts_maths, &groupings_u2, &groupings_u3] {
            assert_eq!(fs::read(kept).unwrap(), STALE, "{}", kept.display());
        }
        let report = json(&summary);
        assert_eq!(
            report["caches"]["entries"][0]["courses"],
            serde_json::json!([3])
        );
    }
);

// The same against Moodle's Redis store: the definition's hash, its fields the keys, the
// time-to-live set of coursecontacts, under the store's prefix.
dbtest!(a_binding_file_drops_its_courses_keys_in_redis, |env| {
    let mut env = env;
    let Some(redis) = Redis::connect().await else {
        return;
    };
    let prefix = redis.prefix.clone();
    let config = redis_config(DEFAULT_CONFIG, &prefix);
    let _dataroot = site(&mut env, &config).await;
    let (maths, com, [u1, _, u3]) = world(&env).await;
    let hash = |area: &str| format!("{prefix}{}", md5(&format!("1 core {area}")));
    let mut connection = redis.connection.clone();
    let hset = |hash: String, field: String| {
        redis::cmd("HSET")
            .arg(hash)
            .arg(field)
            .arg(STALE)
            .to_owned()
    };
    for (area, id) in [
        ("groupdata", com),
        ("groupdata", maths),
        ("coursecontacts", com),
        ("coursecontacts", maths),
        ("user_group_groupings", u1),
        ("user_group_groupings", u3),
    ] {
        let _: i64 = hset(hash(area), key(area, id))
            .query_async(&mut connection)
            .await
            .unwrap();
    }
    for id in [com, maths] {
        let _: i64 = redis::cmd("ZADD")
            .arg(format!("{}_ttl", hash("coursecontacts")))
            .arg(100)
            .arg(key("coursecontacts", id))
            .query_async(&mut connection)
            .await
            .unwrap();
    }

    let summary = env
        .run(
            "cohortscourses.csv",
            b"course;cohort;role;makegroup\nBTS-COM;COH1;student;1\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0, "{}", text(&summary));

    let fields = |area: &'static str| {
        let mut connection = connection.clone();
        let hash = hash(area);
        async move {
            let mut fields: Vec<String> = redis::cmd("HKEYS")
                .arg(hash)
                .query_async(&mut connection)
                .await
                .unwrap();
            fields.sort();
            fields
        }
    };
    let groupdata = fields("groupdata").await;
    let contacts = fields("coursecontacts").await;
    let groupings = fields("user_group_groupings").await;
    let ttl: Vec<String> = redis::cmd("ZRANGE")
        .arg(format!("{}_ttl", hash("coursecontacts")))
        .arg(0)
        .arg(-1)
        .query_async(&mut connection)
        .await
        .unwrap();
    let hidden: Vec<u8> = redis::cmd("HGET")
        .arg(hash("coursehiddengroups"))
        .arg(key("coursehiddengroups", com))
        .query_async(&mut connection)
        .await
        .unwrap();
    // Cleaned up before asserting: a failing test leaves nothing behind either.
    redis.clean().await;
    assert_eq!(groupdata, [key("groupdata", maths)]);
    assert_eq!(contacts, [key("coursecontacts", maths)]);
    assert_eq!(groupings, [key("user_group_groupings", u3)]);
    assert_eq!(ttl, [key("coursecontacts", maths)]);
    assert_eq!(hidden, b"i:0;");
    assert_eq!(
        entries(&summary),
        [
            entry("core/groupdata", "redis1", "drop", "done"),
            entry("core/coursehiddengroups", "redis1", "rebuild", "done"),
            entry("core/user_group_groupings", "redis1", "drop", "done"),
            entry("core/coursecontacts", "redis1", "drop", "done"),
        ]
    );
});

// A membership removed (the binding deleted with `fulldel`, as Moodle deletes a method)
// drops the user's groupings, and the course's contacts with its enrolments.
dbtest!(a_removed_membership_drops_the_users_groupings, |env| {
    let mut env = env;
    let dataroot = site(&mut env, DEFAULT_CONFIG).await;
    let (_, com, [u1, u2, u3]) = world(&env).await;
    let file = b"course;cohort;role;makegroup\nBTS-COM;COH1;student;1\n";
    assert_eq!(env.run("cohortscourses.csv", file).await.exit_code(), 0);
    assert_eq!(env.group_members("BTS-COM").await.len(), 2);
    let [groupings_u1, groupings_u2, groupings_u3] =
        [u1, u2, u3].map(|user| key_file(&dataroot, "user_group_groupings", user));
    let groups_com = key_file(&dataroot, "groupdata", com);
    let contacts_com = key_file(&dataroot, "coursecontacts", com);
    stale(&[
        &groupings_u1,
        &groupings_u2,
        &groupings_u3,
        &groups_com,
        &contacts_com,
    ]);

    let summary = env
        .run(
            "cohortscourses_del.csv",
            b"cmd;course;cohort;role\nfulldel;BTS-COM;COH1;student\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0, "{}", text(&summary));
    assert!(env.group_members("BTS-COM").await.is_empty());
    assert!(!groupings_u1.exists() && !groupings_u2.exists());
    assert_eq!(fs::read(&groupings_u3).unwrap(), STALE);
    assert!(!contacts_com.exists());
    // No group was created or deleted: the course's group list stays cached, as Moodle
    // leaves it when members leave.
    assert_eq!(fs::read(&groups_com).unwrap(), STALE);
    assert_eq!(
        entries(&summary),
        [
            entry(
                "core/user_group_groupings",
                "default_application",
                "drop",
                "done"
            ),
            entry("core/coursecontacts", "default_application", "drop", "done"),
        ]
    );
});

// Deleting an account (`delete_user`) unenrols it and unassigns its roles: its groupings go,
// and the contacts of the courses it was enrolled in and of the courses below a category
// where it was a course contact (the editing teacher role of `$CFG->coursecontact`).
dbtest!(a_deleted_account_drops_its_groupings_and_contacts, |env| {
    let mut env = env;
    let dataroot = site(&mut env, DEFAULT_CONFIG).await;
    let (maths, com, [u1, u2, u3]) = world(&env).await;
    let file = b"course;cohort;role;makegroup\nBTS-COM;COH1;student;1\n";
    assert_eq!(env.run("cohortscourses.csv", file).await.exit_code(), 0);
    // u3 is an editing teacher of category 1 (context 3), above both courses.
    env.execute(&format!(
        "INSERT INTO {{role_assignments}} (roleid, contextid, userid, timemodified, modifierid, component, itemid, sortorder) \
         VALUES (3, 3, {u3}, 1, 2, '', 0, 0)"
    ))
    .await;
    let [groupings_u1, groupings_u2, groupings_u3] =
        [u1, u2, u3].map(|user| key_file(&dataroot, "user_group_groupings", user));
    let contacts_com = key_file(&dataroot, "coursecontacts", com);
    let contacts_maths = key_file(&dataroot, "coursecontacts", maths);
    stale(&[
        &groupings_u1,
        &groupings_u2,
        &groupings_u3,
        &contacts_com,
        &contacts_maths,
    ]);

    let summary = env.run("users.csv", b"cmd;username\ndel;u1\n").await;
    assert_eq!(summary.exit_code(), 0, "{}", text(&summary));
    assert!(!groupings_u1.exists());
    assert!(!contacts_com.exists(), "u1 was enrolled in BTS-COM");
    assert_eq!(fs::read(&contacts_maths).unwrap(), STALE);
    assert_eq!(fs::read(&groupings_u2).unwrap(), STALE);

    stale(&[&contacts_com]);
    let summary = env.run("users_2.csv", b"cmd;username\ndel;u3\n").await;
    assert_eq!(summary.exit_code(), 0, "{}", text(&summary));
    assert!(!groupings_u3.exists());
    assert!(
        !contacts_com.exists() && !contacts_maths.exists(),
        "both are below category 1"
    );
    assert_eq!(
        entries(&summary),
        [
            entry(
                "core/user_group_groupings",
                "default_application",
                "drop",
                "done"
            ),
            entry("core/coursecontacts", "default_application", "drop", "done"),
        ]
    );
    assert_eq!(
        json(&summary)["caches"]["entries"][1]["courses"],
        serde_json::json!([maths, com])
    );
});

// A definition mapped to a store moodle-sync cannot reach is named in the report, with how
// to purge it; the others are refreshed, and the file succeeds.
dbtest!(an_unsupported_store_is_named_in_the_report, |env| {
    let mut env = env;
    let config = DEFAULT_CONFIG
        .replace(
            "    'default_request' => ",
            "    'memcached1' => \n    array (\n      'name' => 'memcached1',\n      'plugin' => 'memcached',\n      'configuration' => \n      array (\n        'servers' => \n        array (\n          0 => \n          array (\n            0 => '127.0.0.1',\n            1 => '11211',\n          ),\n        ),\n      ),\n      'features' => 2,\n      'modes' => 3,\n      'mappingsonly' => false,\n      'class' => 'cachestore_memcached',\n      'lock' => 'cachelock_file_default',\n    ),\n    'default_request' => ",
        )
        .replace(
            "  'definitionmappings' => \n  array (\n  ),",
            "  'definitionmappings' => \n  array (\n    0 => \n    array (\n      'store' => 'memcached1',\n      'definition' => 'core/groupdata',\n      'sort' => 1,\n    ),\n  ),",
        );
    assert!(
        config.contains("'definition' => 'core/groupdata'"),
        "{config}"
    );
    let dataroot = site(&mut env, &config).await;
    let (_, com, _) = world(&env).await;
    let contacts_com = key_file(&dataroot, "coursecontacts", com);
    stale(&[&contacts_com]);

    let summary = env
        .run(
            "cohortscourses.csv",
            b"course;cohort;role;makegroup\nBTS-COM;COH1;student;1\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0, "{}", text(&summary));
    assert_eq!(summary.status, moodle_sync::outcome::RunStatus::Success);
    assert_eq!(
        entries(&summary),
        [
            entry("core/groupdata", "memcached1", "drop", "unsupported"),
            entry(
                "core/coursehiddengroups",
                "default_application",
                "rebuild",
                "done"
            ),
            entry(
                "core/user_group_groupings",
                "default_application",
                "drop",
                "done"
            ),
            entry("core/coursecontacts", "default_application", "drop", "done"),
        ]
    );
    assert!(!contacts_com.exists());
    let report = text(&summary);
    assert!(
        report.contains(
            "- core/groupdata: NOT refreshed for course 3 (store memcached1, memcached): moodle-sync cannot reach a memcached store; purge Moodle's caches (Site administration > Development > Purge caches, or php admin/cli/purge_caches.php)\n"
        ),
        "{report}"
    );
});

// Without a data root (the embedded demonstration, a spool of its own), every report of a
// file that changed what Moodle caches says once that nothing was refreshed; other reports
// say nothing of caches.
dbtest!(without_a_data_root_the_report_says_so_once, |env| {
    assert_eq!(env.config.moodle.dataroot, None);
    world(&env).await;
    let summary = env
        .run(
            "cohortscourses.csv",
            b"course;cohort;role;makegroup\nBTS-COM;COH1;student;1\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0, "{}", text(&summary));
    let report = text(&summary);
    assert_eq!(
        report.matches("no data root is known").count(),
        1,
        "{report}"
    );
    assert!(
        report.contains("\nMoodle's caches\n- not refreshed: no data root is known ([moodle] dataroot), so Moodle may show groups, group memberships and course contacts as they were before this file until its caches are purged (Site administration > Development > Purge caches, or php admin/cli/purge_caches.php)\n"),
        "{report}"
    );
    assert_eq!(json(&summary)["caches"]["state"], "no_data_root");

    // A user file changes nothing Moodle caches: no word of them.
    let summary = env
        .run(
            "users.csv",
            b"username;firstname;lastname;email\nu9;A;B;u9@example.com\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0, "{}", text(&summary));
    assert!(!text(&summary).contains("Moodle's caches"));
    assert_eq!(json(&summary)["caches"], Value::Null);
});

/// The Redis of the tests, with a prefix of the test's own.
struct Redis {
    connection: redis::aio::MultiplexedConnection,
    prefix: String,
}

impl Redis {
    /// Connects to the Redis on 127.0.0.1:6379 (`MOODLE_SYNC_TEST_REDIS` overrides it);
    /// `None`, said on standard error, when it cannot be reached and the backends are not
    /// required (`MOODLE_SYNC_TEST_BACKENDS` unset).
    async fn connect() -> Option<Redis> {
        let address = redis_address();
        let connected = async {
            let client = redis::Client::open(format!("redis://{address}/"))?;
            client.get_multiplexed_async_connection().await
        }
        .await;
        match connected {
            Ok(connection) => {
                static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                let prefix = format!(
                    "ms_test_{}_{}_",
                    std::process::id(),
                    COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                );
                Some(Redis { connection, prefix })
            }
            Err(error) if std::env::var_os("MOODLE_SYNC_TEST_BACKENDS").is_some() => {
                panic!(
                    "Redis on {address} is required (MOODLE_SYNC_TEST_BACKENDS is set) but unreachable: {error}"
                )
            }
            Err(error) => {
                // On the real standard error: the harness captures what the test prints.
                use std::io::Write;
                let _ = std::io::stderr().write_all(
                    format!("note: Redis cache test skipped: {address} unreachable: {error}; set MOODLE_SYNC_TEST_BACKENDS to make this an error\n").as_bytes(),
                );
                None
            }
        }
    }

    /// Deletes every key of the test's prefix.
    async fn clean(&self) {
        let mut connection = self.connection.clone();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", self.prefix))
            .query_async(&mut connection)
            .await
            .unwrap();
        if !keys.is_empty() {
            let _: i64 = redis::cmd("DEL")
                .arg(&keys)
                .query_async(&mut connection)
                .await
                .unwrap();
        }
    }
}

fn redis_address() -> String {
    std::env::var("MOODLE_SYNC_TEST_REDIS").unwrap_or_else(|_| "127.0.0.1:6379".into())
}

/// `config` with its application caches served by a Redis store, `redis1`, of `prefix`.
fn redis_config(config: &str, prefix: &str) -> String {
    let config = config.replace(
        "    'default_request' => ",
        &format!(
            "    'redis1' => \n    array (\n      'name' => 'redis1',\n      'plugin' => 'redis',\n      'configuration' => \n      array (\n        'server' => '{}',\n        'prefix' => '{prefix}',\n        'password' => '',\n        'serializer' => '1',\n        'compressor' => '0',\n      ),\n      'features' => 26,\n      'modes' => 3,\n      'mappingsonly' => false,\n      'class' => 'cachestore_redis',\n      'lock' => 'cachelock_file_default',\n    ),\n    'default_request' => ",
            redis_address()
        ),
    );
    let mapping = "      'store' => 'default_application',\n      'mode' => 1,\n";
    assert!(config.contains(mapping));
    config.replace(mapping, "      'store' => 'redis1',\n      'mode' => 1,\n")
}
