//! User command files, asserted on the rows Moodle's own user code writes: `user`, the user
//! context, `user_preferences`, the profile field tables.

use std::collections::BTreeMap;

use md5::{Digest, Md5};
use moodle_sync::output::summary::RunSummary;

use crate::{
    dbtest,
    support::{TestEnv, failures},
};

/// Text columns of `user` that [`account`] reads.
const TEXTS: [&str; 13] = [
    "username",
    "auth",
    "password",
    "idnumber",
    "firstname",
    "lastname",
    "email",
    "lang",
    "calendartype",
    "timezone",
    "city",
    "country",
    "institution",
];
/// Integer columns of `user` that [`account`] reads.
const INTS: [&str; 7] = [
    "id",
    "confirmed",
    "deleted",
    "suspended",
    "mnethostid",
    "timecreated",
    "timemodified",
];

/// The one account matching `condition` (SQL on `{user}`), by column name.
async fn account(env: &TestEnv, condition: &str) -> BTreeMap<&'static str, String> {
    let dialect = env.db.dialect();
    let columns: Vec<String> = TEXTS
        .iter()
        .map(|column| (*column).to_owned())
        .chain(INTS.iter().map(|column| dialect.int(column)))
        .collect();
    let rows = env
        .rows(&format!(
            "SELECT {} FROM {{user}} WHERE {condition}",
            columns.join(", ")
        ))
        .await;
    assert_eq!(rows.len(), 1, "accounts where {condition}: {rows:?}");
    TEXTS
        .iter()
        .chain(INTS.iter())
        .copied()
        .zip(rows.into_iter().next().unwrap())
        .collect()
}

/// The live account named `username`.
async fn user(env: &TestEnv, username: &str) -> BTreeMap<&'static str, String> {
    account(env, &format!("username = '{username}' AND deleted = 0")).await
}

async fn count_users(env: &TestEnv) -> i64 {
    env.count("SELECT COUNT(*) FROM {user}").await
}

/// The columns of every account that a user file may change, by id.
async fn snapshot(env: &TestEnv) -> Vec<Vec<String>> {
    env.rows(&format!(
        "SELECT id, username, idnumber, firstname, email, password, {}, {}, timemodified FROM {{user}} ORDER BY id",
        env.db.dialect().int("suspended"),
        env.db.dialect().int("deleted")
    ))
    .await
}

/// The text report.
fn report(summary: &RunSummary) -> String {
    std::fs::read_to_string(&summary.report).unwrap()
}

/// Asserts that the text report holds each of `expected`.
fn assert_report(summary: &RunSummary, expected: &[&str]) {
    let text = report(summary);
    for expected in expected {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

/// Asserts that exactly one line failed, with a message holding `expected`.
fn assert_one_failure(summary: &RunSummary, line: u64, expected: &str) {
    let failures = failures(summary);
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].0, line, "{failures:?}");
    assert!(failures[0].1.contains(expected), "{failures:?}");
}

fn md5_hex(text: &str) -> String {
    Md5::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The user preference `name` of an account, if set.
async fn preference(env: &TestEnv, id: &str, name: &str) -> Vec<Vec<String>> {
    env.rows(&format!(
        "SELECT value FROM {{user_preferences}} WHERE userid = {id} AND name = '{name}'"
    ))
    .await
}

/// Asserts that `hash` is what Moodle 4.3's `hash_internal_user_password` writes for `secret`:
/// `$6$rounds=10000$<16-character salt>$<86 characters>`, that verifies it.
fn assert_sha512_crypt(secret: &str, hash: &str) {
    use sha_crypt::{PasswordVerifier, ShaCrypt};
    let parts: Vec<&str> = hash.split('$').collect();
    assert_eq!(parts.len(), 5, "{hash}");
    assert_eq!(parts[..3], ["", "6", "rounds=10000"], "{hash}");
    let crypt = |text: &str| {
        text.bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'.' || byte == b'/')
    };
    assert!(parts[3].len() == 16 && crypt(parts[3]), "salt of {hash}");
    assert!(parts[4].len() == 86 && crypt(parts[4]), "digest of {hash}");
    assert!(
        ShaCrypt::default()
            .verify_password(secret.as_bytes(), hash)
            .is_ok(),
        "{hash} does not verify"
    );
    assert!(
        ShaCrypt::default()
            .verify_password(b"not it", hash)
            .is_err()
    );
}

/// The time now, in Unix seconds.
fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The `userpreferenceschanged` flags: `[name, value, expiry - timemodified]`, by name.
async fn preference_flags(env: &TestEnv) -> Vec<Vec<String>> {
    env.rows(&format!(
        "SELECT name, value, {} FROM {{cache_flags}} WHERE flagtype = 'userpreferenceschanged' ORDER BY name",
        env.db.dialect().int("expiry - timemodified")
    ))
    .await
}

/// Defines the profile field `shortname` (categoryid 1); returns its id.
async fn add_field(env: &TestEnv, shortname: &str, datatype: &str, param1: &str) -> i64 {
    env.execute(&format!(
        "INSERT INTO {{user_info_field}} (shortname, name, datatype, description, descriptionformat, categoryid, \
         sortorder, required, locked, visible, forceunique, signup, defaultdata, defaultdataformat, param1) \
         VALUES ('{shortname}', '{shortname}', '{datatype}', '', 1, 1, 1, 0, 0, 2, 0, 0, '', 0, '{param1}')"
    ))
    .await;
    env.count(&format!(
        "SELECT id FROM {{user_info_field}} WHERE shortname = '{shortname}'"
    ))
    .await
}

/// An account's profile data: `[field shortname, data, dataformat]`, by shortname.
async fn profile(env: &TestEnv, id: &str) -> Vec<Vec<String>> {
    env.rows(&format!(
        "SELECT f.shortname, d.data, {} FROM {{user_info_data}} d JOIN {{user_info_field}} f ON f.id = d.fieldid \
         WHERE d.userid = {id} ORDER BY f.shortname",
        env.db.dialect().int("d.dataformat")
    ))
    .await
}

dbtest!(create_with_a_password_as_moodle_does, |env| {
    let secret = "S3cret!pass";
    let before = count_users(&env).await;
    let summary = env
        .run(
            "users.csv",
            format!(
                "username;firstname;lastname;email;idnumber;password;institution\n\
                 JDupont;Jean;Dupont;Jean.Dupont@Example.com;E1001;{secret};Lycée Ampère\n"
            )
            .as_bytes(),
        )
        .await;
    assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
    assert_eq!(count_users(&env).await, before + 1);
    let row = user(&env, "jdupont").await;
    assert_eq!(row["auth"], "manual");
    assert_eq!(row["idnumber"], "E1001");
    assert_eq!(
        (
            row["firstname"].as_str(),
            row["lastname"].as_str(),
            row["email"].as_str(),
            row["institution"].as_str()
        ),
        ("Jean", "Dupont", "Jean.Dupont@Example.com", "Lycée Ampère")
    );
    assert_eq!(
        (
            row["confirmed"].as_str(),
            row["deleted"].as_str(),
            row["suspended"].as_str(),
            row["mnethostid"].as_str()
        ),
        ("1", "0", "0", "1")
    );
    // The site's defaults of a fresh install: English, Gregorian, the server's zone, no
    // country (`country` is '0') and no city.
    assert_eq!(
        (
            row["lang"].as_str(),
            row["calendartype"].as_str(),
            row["timezone"].as_str(),
            row["country"].as_str(),
            row["city"].as_str()
        ),
        ("en", "gregorian", "99", "", "")
    );
    let created: i64 = row["timecreated"].parse().unwrap();
    assert!(created > 1_700_000_000, "{created}");
    assert_eq!(row["timemodified"], row["timecreated"]);

    // The site has no version row: a current Moodle, whose hash is SHA-512 crypt.
    let hash = &row["password"];
    assert_sha512_crypt(secret, hash);
    assert!(
        preference(&env, &row["id"], "create_password")
            .await
            .is_empty()
    );

    // The user context: level 30, under the system context.
    let contexts = env
        .rows(&format!(
            "SELECT id, path, {} FROM {{context}} WHERE contextlevel = 30 AND instanceid = {}",
            env.db.dialect().int("depth"),
            row["id"]
        ))
        .await;
    assert_eq!(contexts.len(), 1, "{contexts:?}");
    assert_eq!(contexts[0][1], format!("/1/{}", contexts[0][0]));
    assert_eq!(contexts[0][2], "2");

    assert_report(
        &summary,
        &["created account jdupont [E1001] (auth manual; password from the file)"],
    );
    assert_eq!(summary.totals.unwrap().counts.users.users_created, 1);
    // The password appears in no report.
    let reports = env.files(&env.config.paths.reports);
    assert_eq!(reports.len(), 2, "{reports:?}");
    for name in reports {
        let bytes = std::fs::read(env.config.paths.reports.join(&name)).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(secret),
            "the password is in {name}"
        );
    }
});

dbtest!(create_without_a_password_depends_on_the_auth, |env| {
    let summary = env
        .run(
            "users.csv",
            b"username;firstname;lastname;email;auth\n\
              manual1;M;One;m1@example.com;\n\
              cas1;C;One;c1@example.com;cas\n\
              nologin1;N;One;n1@example.com;nologin\n\
              nomail;M;Two;;manual\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);

    // manual: Moodle's upload marks the password for its cron to generate and mail.
    let manual = user(&env, "manual1").await;
    assert_eq!(manual["auth"], "manual");
    assert_eq!(manual["password"], "to be generated");
    assert_eq!(
        preference(&env, &manual["id"], "create_password").await,
        [["1"]]
    );
    // cas: the password lives elsewhere.
    let cas = user(&env, "cas1").await;
    assert_eq!(cas["auth"], "cas");
    assert_eq!(cas["password"], "not cached");
    assert!(
        preference(&env, &cas["id"], "create_password")
            .await
            .is_empty()
    );
    // nologin: no password at all.
    let nologin = user(&env, "nologin1").await;
    assert_eq!(nologin["auth"], "nologin");
    assert_eq!(nologin["password"], "");
    assert!(
        preference(&env, &nologin["id"], "create_password")
            .await
            .is_empty()
    );
    assert_eq!(
        env.count("SELECT COUNT(*) FROM {user_preferences} WHERE name = 'create_password'")
            .await,
        2,
        "manual1 and nomail"
    );
    assert_report(
        &summary,
        &[
            "created account manual1 (auth manual; Moodle's cron will generate a password and mail it)",
            "created account cas1 (auth cas; password checked by cas)",
            "created account nologin1 (auth nologin; no password)",
            "created account nomail (auth manual; no email: Moodle's cron cannot mail the password it generates",
        ],
    );

    // [users] default_auth applies when the file has no auth column.
    let env = TestEnv::with_config(env.backend, "[users]\ndefault_auth = \"cas\"\n")
        .await
        .unwrap();
    let summary = env
        .run("users.csv", b"username;firstname;lastname\nsso1;S;One\n")
        .await;
    assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
    let sso = user(&env, "sso1").await;
    assert_eq!(
        (sso["auth"].as_str(), sso["password"].as_str()),
        ("cas", "not cached")
    );
});

dbtest!(create_takes_the_site_defaults_a_line_does_not_give, |env| {
    env.execute("UPDATE {config} SET value = 'fr' WHERE name = 'lang'")
        .await;
    env.execute("UPDATE {config} SET value = 'FR' WHERE name = 'country'")
        .await;
    env.execute(
        "INSERT INTO {config} (name, value) VALUES ('defaultcity', 'Lyon'), ('forcetimezone', 'Europe/Paris')",
    )
    .await;
    let summary = env
        .run(
            "users.csv",
            b"username;firstname;lastname;lang;country;city\n\
              local;L;One;;;\n\
              visitor;V;Two;EN;be;Bruxelles\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
    let local = user(&env, "local").await;
    assert_eq!(
        (
            local["lang"].as_str(),
            local["country"].as_str(),
            local["city"].as_str(),
            local["timezone"].as_str(),
            local["calendartype"].as_str()
        ),
        ("fr", "FR", "Lyon", "Europe/Paris", "gregorian")
    );
    // Given values win, normalised as Moodle stores them; the forced time zone applies to all.
    let visitor = user(&env, "visitor").await;
    assert_eq!(
        (
            visitor["lang"].as_str(),
            visitor["country"].as_str(),
            visitor["city"].as_str(),
            visitor["timezone"].as_str()
        ),
        ("en", "BE", "Bruxelles", "Europe/Paris")
    );
});

dbtest!(an_unknown_auth_fails_its_line, |env| {
    let before = count_users(&env).await;
    let summary = env
        .run(
            "users.csv",
            b"username;firstname;lastname;auth\nu1;U;One;manaul\nu2;U;Two;manual\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 1);
    assert_one_failure(
        &summary,
        2,
        "authentication plugin \"manaul\" is not installed on this site",
    );
    assert_eq!(count_users(&env).await, before + 1);
    assert_eq!(user(&env, "u2").await["auth"], "manual");
});

dbtest!(
    update_changes_given_values_and_bumps_timemodified_only_then,
    |env| {
        let id = env.add_user("jdupont", "E1", "jean@example.com").await;
        env.execute("UPDATE {user} SET timemodified = 1000").await;
        let header = "idnumber;username;firstname;lastname;email\n";

        // Nothing differs: nothing is written.
        let summary = env
            .run(
                "users.csv",
                format!("{header}E1;jdupont;First jdupont;Last;jean@example.com\n").as_bytes(),
            )
            .await;
        assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
        assert_eq!(summary.totals.unwrap().unchanged, 1);
        assert_eq!(user(&env, "jdupont").await["timemodified"], "1000");
        assert_report(&summary, &["account jdupont [E1] already as given"]);

        // A changed first name: the row changes and timemodified moves.
        let summary = env
            .run(
                "users.csv",
                format!("{header}E1;jdupont;Jean;Last;jean@example.com\n").as_bytes(),
            )
            .await;
        assert_eq!(summary.totals.unwrap().counts.users.users_updated, 1);
        let row = user(&env, "jdupont").await;
        assert_eq!(row["id"], id.to_string());
        assert_eq!(row["firstname"], "Jean");
        assert!(row["timemodified"].parse::<i64>().unwrap() > 1_700_000_000);
        assert_eq!(row["timecreated"], "1");
        assert_report(
            &summary,
            &["updated account jdupont [E1]: firstname \"First jdupont\" → \"Jean\""],
        );

        // A different email is protected by default: kept, and said so.
        env.execute("UPDATE {user} SET timemodified = 1000").await;
        let summary = env
            .run(
                "users.csv",
                format!("{header}E1;jdupont;Jean;Last;new@example.com\n").as_bytes(),
            )
            .await;
        assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
        let row = user(&env, "jdupont").await;
        assert_eq!(row["email"], "jean@example.com");
        assert_eq!(row["timemodified"], "1000");
        assert_report(
            &summary,
            &[
                "account jdupont [E1] already as given (different email kept: protected by [users] protected_fields)",
            ],
        );

        // With no protected field, the email changes.
        let env = TestEnv::with_config(env.backend, "[users]\nprotected_fields = []\n")
            .await
            .unwrap();
        env.add_user("jdupont", "E1", "jean@example.com").await;
        let summary = env
            .run(
                "users.csv",
                format!("{header}E1;jdupont;Jean;Last;new@example.com\n").as_bytes(),
            )
            .await;
        assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
        let row = user(&env, "jdupont").await;
        assert_eq!(row["email"], "new@example.com");
        assert_eq!(row["firstname"], "Jean");
    }
);

dbtest!(suspend_and_unsuspend_flip_only_the_flag, |env| {
    env.add_user("u1", "E1", "u1@example.com").await;
    env.execute("UPDATE {user} SET timemodified = 1000").await;
    let summary = env
        .run(
            "users.csv",
            b"cmd;username;firstname\nsuspend;u1;Other\nsuspend;u1;Other\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
    let row = user(&env, "u1").await;
    assert_eq!(row["suspended"], "1");
    assert_eq!(row["firstname"], "First u1", "suspend changes nothing else");
    assert_ne!(row["timemodified"], "1000");
    assert_eq!(summary.totals.unwrap().counts.users.users_suspended, 1);
    assert_report(
        &summary,
        &[
            "suspended account u1 [E1]",
            "account u1 [E1] already suspended",
        ],
    );

    // A `suspended` column acts on a true value only: 0 does not lift the suspension.
    let summary = env.run("users.csv", b"username;suspended\nu1;0\n").await;
    assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
    assert_eq!(user(&env, "u1").await["suspended"], "1");

    let summary = env
        .run(
            "users.csv",
            b"cmd;username;firstname\nunsuspend;u1;Other\nunsuspend;u1;Other\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
    let row = user(&env, "u1").await;
    assert_eq!(row["suspended"], "0");
    assert_eq!(row["firstname"], "First u1");
    assert_eq!(summary.totals.unwrap().counts.users.users_unsuspended, 1);
    assert_report(
        &summary,
        &[
            "lifted the suspension of account u1 [E1]",
            "account u1 [E1] not suspended",
        ],
    );

    // `suspended = yes` on an add line suspends.
    let summary = env.run("users.csv", b"username;suspended\nu1;yes\n").await;
    assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
    assert_eq!(user(&env, "u1").await["suspended"], "1");
});

dbtest!(del_marks_the_account_deleted_as_moodle_does, |env| {
    let id = env.add_user("u1", "E1", "Jean.Dupont@Example.com").await;
    env.add_users(&["u2", "u3"]).await;
    env.add_cohort("C1", "One").await;
    env.add_members("C1", &["u1", "u2"]).await;
    let field = add_field(&env, "usertype", "text", "").await;
    env.execute(&format!(
        "INSERT INTO {{user_info_data}} (userid, fieldid, data, dataformat) VALUES ({id}, {field}, 'student', 0)"
    ))
    .await;
    let before = count_users(&env).await;

    let summary = env.run("users.csv", b"cmd;username\ndel;u1\n").await;
    assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
    assert_eq!(count_users(&env).await, before, "no row is removed");
    let row = account(&env, &format!("id = {id}")).await;
    assert_eq!(row["deleted"], "1");
    // username: the old email cleaned as a username, then `.<deletion time>`.
    let (name, stamp) = row["username"].rsplit_once('.').unwrap();
    assert_eq!(name, "jean.dupont@example.com");
    assert!(
        stamp.len() == 10 && stamp.chars().all(|c| c.is_ascii_digit()),
        "{}",
        row["username"]
    );
    assert_eq!(row["email"], md5_hex("u1"));
    assert_eq!(row["idnumber"], "");
    assert_eq!(row["timemodified"], stamp);
    assert_eq!(env.members("C1").await, ["u2"]);
    assert!(profile(&env, &id.to_string()).await.is_empty());
    assert_eq!(summary.totals.unwrap().counts.users.users_deleted, 1);
    assert_report(&summary, &["deleted account u1 [E1]"]);

    // Deleting it again finds the deleted account and does nothing.
    let summary = env.run("users.csv", b"cmd;username\ndel;u1\n").await;
    assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
    assert_eq!(summary.totals.unwrap().unchanged, 1);

    // The `deleted` column deletes on a true value only.
    let summary = env
        .run("users.csv", b"username;deleted\nu2;0\nu3;1\n")
        .await;
    assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
    assert_eq!(user(&env, "u2").await["deleted"], "0");
    assert_eq!(
        env.count("SELECT COUNT(*) FROM {user} WHERE username = 'u3'")
            .await,
        0
    );
    assert_eq!(
        account(&env, &format!("email = '{}'", md5_hex("u3"))).await["deleted"],
        "1"
    );

    // A site administrator is never deleted.
    let summary = env.run("users.csv", b"cmd;username\ndel;admin\n").await;
    assert_eq!(summary.exit_code(), 1);
    assert_one_failure(&summary, 2, "is a site administrator");
    assert_eq!(user(&env, "admin").await["deleted"], "0");
});

dbtest!(
    a_deleted_account_comes_back_only_with_revive_deleted,
    |env| {
        const LINE: &[u8] =
            b"username;idnumber;email;firstname;lastname\nu1;E1;u1@example.com;U;One\n";
        for revive in [false, true] {
            let env = TestEnv::with_config(
                env.backend,
                &format!("[users]\nrevive_deleted = {revive}\n"),
            )
            .await
            .unwrap();
            let summary = env.run("users.csv", LINE).await;
            assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
            let id = user(&env, "u1").await["id"].clone();
            let summary = env.run("users.csv", b"cmd;username\ndel;u1\n").await;
            assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
            let before = count_users(&env).await;

            let summary = env.run("users.csv", LINE).await;
            assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
            let row = user(&env, "u1").await;
            assert_eq!(
                (
                    row["idnumber"].as_str(),
                    row["email"].as_str(),
                    row["deleted"].as_str()
                ),
                ("E1", "u1@example.com", "0")
            );
            if revive {
                assert_eq!(row["id"], id, "the same account comes back");
                assert_eq!(count_users(&env).await, before);
                assert_eq!(summary.totals.unwrap().counts.users.users_revived, 1);
                assert_report(&summary, &["revived deleted account u1 [E1]"]);
            } else {
                assert_ne!(row["id"], id, "a new account");
                assert_eq!(count_users(&env).await, before + 1);
                assert_eq!(account(&env, &format!("id = {id}")).await["deleted"], "1");
                assert_eq!(summary.totals.unwrap().counts.users.users_created, 1);
                assert_report(&summary, &["left deleted ([users] revive_deleted is off)"]);
            }
        }
    }
);

dbtest!(oldusername_renames_the_account, |env| {
    let env = TestEnv::with_config(env.backend, "[users]\nidentifier = \"username\"\n")
        .await
        .unwrap();
    let id = env.add_user("jdupont", "E1", "jean@example.com").await;
    const FILE: &[u8] = b"oldusername;username\nJDupont;jean.dupont\n";
    let summary = env.run("users.csv", FILE).await;
    assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
    let row = user(&env, "jean.dupont").await;
    assert_eq!(row["id"], id.to_string());
    assert_eq!(
        env.count("SELECT COUNT(*) FROM {user} WHERE username = 'jdupont'")
            .await,
        0
    );
    assert_report(&summary, &["username \"jdupont\" → \"jean.dupont\""]);

    // The same file again: the account already has its new name.
    let summary = env.run("users.csv", FILE).await;
    assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
    assert_eq!(summary.totals.unwrap().unchanged, 1);
    assert_eq!(user(&env, "jean.dupont").await["id"], id.to_string());

    // Neither the old name nor the new one names an account.
    let before = count_users(&env).await;
    let summary = env
        .run("users.csv", b"oldusername;username\nghost;nobody\n")
        .await;
    assert_eq!(summary.exit_code(), 1);
    assert_one_failure(&summary, 2, "no account named \"ghost\" to rename");
    assert_eq!(count_users(&env).await, before);
});

dbtest!(accounts_are_found_by_each_identifier, |env| {
    for (identifier, file) in [
        ("idnumber", "idnumber;username;firstname\nE1;jdupont;Jean\n"),
        ("username", "username;idnumber;firstname\nJDupont;E1;Jean\n"),
        ("email", "email;firstname\njean.DUPONT@example.com;Jean\n"),
        // A line without an idnumber is matched by username.
        ("idnumber", "idnumber;username;firstname\n;jdupont;Jean\n"),
    ] {
        let env = TestEnv::with_config(
            env.backend,
            &format!("[users]\nidentifier = \"{identifier}\"\n"),
        )
        .await
        .unwrap();
        let id = env
            .add_user("jdupont", "E1", "Jean.Dupont@Example.com")
            .await;
        let before = count_users(&env).await;
        let summary = env.run("users.csv", file.as_bytes()).await;
        assert_eq!(summary.exit_code(), 0, "{identifier}: {:?}", summary.error);
        assert_eq!(count_users(&env).await, before, "{identifier}: {file}");
        let row = user(&env, "jdupont").await;
        assert_eq!(row["id"], id.to_string());
        assert_eq!(row["firstname"], "Jean", "{identifier}: {file}");
        assert_eq!(row["idnumber"], "E1");
    }

    // By username, the idnumber is a value like any other.
    let env = TestEnv::with_config(env.backend, "[users]\nidentifier = \"username\"\n")
        .await
        .unwrap();
    env.add_user("jdupont", "E1", "jean@example.com").await;
    let summary = env
        .run("users.csv", b"username;idnumber\njdupont;E2\n")
        .await;
    assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
    assert_eq!(user(&env, "jdupont").await["idnumber"], "E2");
});

dbtest!(collisions_and_ambiguities_fail_their_line, |env| {
    let a = env.add_user("a", "A", "a@example.com").await;
    let b = env.add_user("b", "B", "b@example.com").await;
    let before = count_users(&env).await;

    // A username held by another account: to create, or to give the account found.
    let summary = env
        .run(
            "users.csv",
            b"idnumber;username;firstname;lastname\nNEW;b;N;Ew\nA;b;;\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 1);
    let failures = failures(&summary);
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(
        failures[0].1.contains(&format!(
            "username \"b\" is already held by account b [B] (id {b})"
        )),
        "{failures:?}"
    );
    assert!(
        failures[1].1.contains(&format!("account a [A] (id {a})"))
            && failures[1].1.contains(&format!("account b [B] (id {b})")),
        "{failures:?}"
    );
    assert_eq!(count_users(&env).await, before);
    assert_eq!(user(&env, "a").await["idnumber"], "A");

    // An idnumber held by another account.
    let by_username = TestEnv::with_config(env.backend, "[users]\nidentifier = \"username\"\n")
        .await
        .unwrap();
    by_username.add_user("a", "A", "a@example.com").await;
    let b = by_username.add_user("b", "B", "b@example.com").await;
    let summary = by_username
        .run("users.csv", b"username;idnumber\na;B\n")
        .await;
    assert_eq!(summary.exit_code(), 1);
    assert_one_failure(
        &summary,
        2,
        &format!("idnumber \"B\" is already held by account b [B] (id {b})"),
    );
    assert_eq!(user(&by_username, "a").await["idnumber"], "A");

    // Two live accounts with the same idnumber.
    let twins = TestEnv::new(env.backend).await.unwrap();
    twins.add_user("t1", "DUP", "t1@example.com").await;
    twins.add_user("t2", "DUP", "t2@example.com").await;
    let summary = twins
        .run("users.csv", b"idnumber;firstname\nDUP;Twin\n")
        .await;
    assert_eq!(summary.exit_code(), 1);
    assert_one_failure(
        &summary,
        2,
        "ambiguous user \"DUP\": 2 accounts match by idnumber",
    );
    assert_eq!(user(&twins, "t1").await["firstname"], "First t1");
    assert_eq!(user(&twins, "t2").await["firstname"], "First t2");

    // Two live accounts with the same email, matched by email.
    let by_email = TestEnv::with_config(env.backend, "[users]\nidentifier = \"email\"\n")
        .await
        .unwrap();
    by_email.add_user("s1", "S1", "shared@example.com").await;
    by_email.add_user("s2", "S2", "Shared@Example.com").await;
    let summary = by_email
        .run("users.csv", b"email;firstname\nshared@example.com;Who\n")
        .await;
    assert_eq!(summary.exit_code(), 1);
    assert_one_failure(
        &summary,
        2,
        "ambiguous user \"shared@example.com\": 2 accounts match by email",
    );
    assert_eq!(user(&by_email, "s1").await["firstname"], "First s1");
});

dbtest!(profile_fields_of_an_existing_definition_are_stored, |env| {
    add_field(&env, "usertype", "text", "").await;
    add_field(&env, "level", "menu", "A1\nA2\nB1").await;
    let summary = env
        .run(
            "users.csv",
            b"username;firstname;lastname;profile_field_usertype;profile_field_level\n\
              u1;U;One;student;A2\n\
              u2;U;Two;teacher;C1\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 1);
    assert_one_failure(
        &summary,
        3,
        "\"C1\" is not an option of profile field level",
    );
    assert_eq!(
        env.count("SELECT COUNT(*) FROM {user} WHERE username = 'u2'")
            .await,
        0,
        "a failed line creates nothing"
    );
    let id = user(&env, "u1").await["id"].clone();
    assert_eq!(
        profile(&env, &id).await,
        [["level", "A2", "0"], ["usertype", "student", "0"]]
    );

    // A changed value updates the row; an unchanged one leaves it.
    env.execute("UPDATE {user} SET timemodified = 1000").await;
    let summary = env
        .run(
            "users.csv",
            b"username;profile_field_usertype;profile_field_level\nu1;tutor;A2\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
    assert_eq!(
        profile(&env, &id).await,
        [["level", "A2", "0"], ["usertype", "tutor", "0"]]
    );
    assert_report(
        &summary,
        &["profile_field_usertype \"student\" → \"tutor\""],
    );
    let summary = env
        .run("users.csv", b"username;profile_field_usertype\nu1;tutor\n")
        .await;
    assert_eq!(summary.totals.unwrap().unchanged, 1);
});

dbtest!(a_missing_profile_field_rejects_the_file, |env| {
    add_field(&env, "usertype", "text", "").await;
    let before = count_users(&env).await;
    let summary = env
        .run(
            "users.csv",
            b"username;firstname;lastname;profile_field_usertype;profile_field_cursus\nu1;U;One;student;BTS\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 2, "a rejected file");
    let error = summary.error.clone().unwrap_or_default();
    assert!(error.contains("cursus"), "{error}");
    assert_eq!(count_users(&env).await, before);
    assert_eq!(env.count("SELECT COUNT(*) FROM {user_info_field}").await, 1);
    assert_eq!(env.count("SELECT COUNT(*) FROM {user_info_data}").await, 0);
});

dbtest!(create_profile_fields_defines_the_netypareo_fields, |env| {
    let env = TestEnv::with_config(env.backend, "[users]\ncreate_profile_fields = true\n")
        .await
        .unwrap();
    const FIELDS: [&str; 6] = [
        "netypareo_cursus",
        "netypareo_ouverage",
        "netypareo_program",
        "netypareo_program_step",
        "netypareo_status",
        "netypareo_usertype",
    ];
    let summary = env
        .run(
            "users.csv",
            b"username;firstname;lastname;idnumber;profile_field_netypareo_usertype;profile_field_netypareo_ouverage;\
              profile_field_netypareo_status;profile_field_netypareo_cursus;profile_field_netypareo_program;\
              profile_field_netypareo_program_step\n\
              apprenti1;Ana;Martin;NY1;apprenant;2024-09-01;actif;BTS SIO;BTS SIO 1;1\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
    let totals = summary.totals.unwrap();
    assert_eq!(
        (
            totals.counts.users.profile_fields_created,
            totals.counts.users.users_created
        ),
        (6, 1)
    );

    let categories = env
        .rows("SELECT id, name, sortorder FROM {user_info_category}")
        .await;
    assert_eq!(categories.len(), 1, "{categories:?}");
    assert_eq!(categories[0][1..], ["Other fields", "1"]);
    let dialect = env.db.dialect();
    let fields = env
        .rows(&format!(
            "SELECT shortname, name, datatype, {}, categoryid FROM {{user_info_field}} ORDER BY shortname",
            dialect.int("visible")
        ))
        .await;
    let expected: Vec<Vec<String>> = FIELDS
        .iter()
        .map(|name| {
            vec![
                (*name).to_owned(),
                (*name).to_owned(),
                "text".into(),
                "2".into(),
                categories[0][0].clone(),
            ]
        })
        .collect();
    assert_eq!(fields, expected);
    let sortorders: Vec<String> = env
        .rows("SELECT sortorder FROM {user_info_field} ORDER BY sortorder")
        .await
        .into_iter()
        .map(|row| row[0].clone())
        .collect();
    assert_eq!(sortorders, ["1", "2", "3", "4", "5", "6"]);

    let id = user(&env, "apprenti1").await["id"].clone();
    let data: Vec<(String, String)> = profile(&env, &id)
        .await
        .into_iter()
        .map(|row| (row[0].clone(), row[1].clone()))
        .collect();
    assert_eq!(
        data,
        [
            ("netypareo_cursus".to_owned(), "BTS SIO".to_owned()),
            ("netypareo_ouverage".into(), "2024-09-01".into()),
            ("netypareo_program".into(), "BTS SIO 1".into()),
            ("netypareo_program_step".into(), "1".into()),
            ("netypareo_status".into(), "actif".into()),
            ("netypareo_usertype".into(), "apprenant".into()),
        ]
    );
    assert_report(
        &summary,
        &["created text profile field netypareo_usertype in category \"Other fields\""],
    );

    // The next file finds them: nothing more is created.
    let summary = env
        .run(
            "users.csv",
            b"username;firstname;lastname;profile_field_netypareo_usertype\nformateur1;F;One;formateur\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
    assert_eq!(
        summary.totals.unwrap().counts.users.profile_fields_created,
        0
    );
    assert_eq!(env.count("SELECT COUNT(*) FROM {user_info_field}").await, 6);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM {user_info_category}").await,
        1
    );
});

dbtest!(accents_in_iso_8859_1_input_are_stored_as_utf8, |env| {
    let summary = env
        .run(
            "users.csv",
            b"username;firstname;lastname;city\nhelene;H\xe9l\xe8ne;Lef\xe8vre;Besan\xe7on\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
    assert_eq!(
        env.rows("SELECT firstname, lastname, city FROM {user} WHERE username = 'helene'")
            .await,
        [["Hélène", "Lefèvre", "Besançon"]]
    );
});

dbtest!(a_dry_run_changes_nothing, |env| {
    env.add_user("u1", "E1", "u1@example.com").await;
    env.add_user("u2", "E2", "u2@example.com").await;
    let users = snapshot(&env).await;
    let contexts = env.count("SELECT COUNT(*) FROM {context}").await;
    let preferences = env.count("SELECT COUNT(*) FROM {user_preferences}").await;
    const FILE: &[u8] = b"cmd;username;idnumber;firstname;lastname\n\
        add;new1;N1;New;One\n\
        add;u1;E1;Renamed;Last\n\
        del;u2;E2;;\n\
        suspend;u1;E1;;\n";
    let path = env.drop_file("users.csv", FILE);
    let summary = env.dry_run("users.csv", FILE).await;
    assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
    assert_eq!(snapshot(&env).await, users);
    assert_eq!(env.count("SELECT COUNT(*) FROM {context}").await, contexts);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM {user_preferences}").await,
        preferences
    );
    assert_eq!(std::fs::read(&path).unwrap(), FILE, "the input stays");
    assert!(summary.archive.is_none() && summary.tryback.is_none());
    assert_report(
        &summary,
        &[
            "SIMULATION (--dry-run): nothing was written",
            "would create account new1 [N1]",
            "would update account u1 [E1]: firstname \"First u1\" → \"Renamed\"",
            "would delete account u2 [E2]",
            "would suspend account u1 [E1]",
        ],
    );
});

dbtest!(
    failed_lines_go_to_the_tryback_under_the_original_header,
    |env| {
        let summary = env
            .run(
                "users.csv",
                b"Username;FirstName;LastName;Auth\r\n\
              ok1;O;One;manual\r\n\
              bad1;B;One;manaul\r\n\
              ok2;O;Two;\r\n\
              bad2;B;;\r\n",
            )
            .await;
        assert_eq!(summary.exit_code(), 1);
        let failed: Vec<u64> = failures(&summary)
            .into_iter()
            .map(|(line, _)| line)
            .collect();
        assert_eq!(failed, [3, 5]);
        assert!(failures(&summary)[1].1.contains("lastname"));
        assert_eq!(user(&env, "ok1").await["auth"], "manual");
        assert_eq!(user(&env, "ok2").await["auth"], "manual");
        let tryback = summary.tryback.clone().unwrap();
        assert_eq!(tryback.parent().unwrap(), env.config.paths.reports);
        let name = tryback.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("users_tryback_") && name.ends_with(".csv"),
            "{name}"
        );
        assert_eq!(
            std::fs::read(&tryback).unwrap(),
            b"Username;FirstName;LastName;Auth\r\nbad1;B;One;manaul\r\nbad2;B;;\r\n"
        );
    }
);

dbtest!(
    a_password_or_an_external_auth_given_later_cancels_the_generated_one,
    |env| {
        let env = TestEnv::with_config(
            env.backend,
            "[users]\nprotected_fields = []\npassword_cost = 4\n",
        )
        .await
        .unwrap();
        let summary = env
            .run(
                "users.csv",
                b"username;firstname;lastname;email\np1;P;One;p1@example.com\nc1;C;One;c1@example.com\n",
            )
            .await;
        assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
        let p1 = user(&env, "p1").await["id"].clone();
        let c1 = user(&env, "c1").await["id"].clone();
        assert_eq!(preference(&env, &p1, "create_password").await, [["1"]]);

        // Moodle's upload: a password given to an existing account unsets create_password,
        // or the cron replaces it with a generated one and mails that.
        let summary = env
            .run("users.csv", b"username;password\np1;N3w!pass\n")
            .await;
        assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
        assert_sha512_crypt("N3w!pass", &user(&env, "p1").await["password"]);
        assert_eq!(
            preference(&env, &p1, "create_password").await,
            Vec::<Vec<String>>::new(),
            "the cron would overwrite the file's password"
        );

        // Moodle's upload: an account moved to an external auth gets `not cached`, and no
        // password is generated for it.
        let summary = env.run("users.csv", b"username;auth\nc1;cas\n").await;
        assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
        assert_eq!(user(&env, "c1").await["password"], "not cached");
        assert_eq!(
            preference(&env, &c1, "create_password").await,
            Vec::<Vec<String>>::new()
        );
    }
);

dbtest!(
    passwords_are_hashed_as_the_sites_moodle_version_does,
    |env| {
        let env = TestEnv::with_config(env.backend, "[users]\npassword_cost = 4\n")
            .await
            .unwrap();
        // Moodle 5.1 (`$version = 2025100600.02`): SHA-512 crypt, 10,000 rounds.
        env.set_config("version", "2025100600.02").await;
        let summary = env
            .run(
                "users.csv",
                b"username;firstname;lastname;password\nnew1;N;One;Passw0rd!01\n",
            )
            .await;
        assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
        assert_sha512_crypt("Passw0rd!01", &user(&env, "new1").await["password"]);

        // Moodle 4.2 (2023042400) writes bcrypt, as PHP's password_hash() does.
        env.set_config("version", "2023042400.00").await;
        let summary = env
            .run(
                "users.csv",
                b"username;firstname;lastname;password\nold1;O;One;Passw0rd!02\n",
            )
            .await;
        assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
        let hash = user(&env, "old1").await["password"].clone();
        assert!(hash.starts_with("$2y$04$") && hash.len() == 60, "{hash}");
        assert!(bcrypt::verify("Passw0rd!02", &hash).unwrap());
        // A password too long for bcrypt fails its line; 4.3 and later would take it.
        let long = "x".repeat(100);
        let summary = env
            .run(
                "users.csv",
                format!("username;firstname;lastname;password\nold2;O;Two;{long}\n").as_bytes(),
            )
            .await;
        assert_eq!(summary.exit_code(), 1, "{:?}", summary.error);
        assert_eq!(
            env.count("SELECT COUNT(*) FROM {user} WHERE username = 'old2'")
                .await,
            0
        );
        env.set_config("version", "2025100600.02").await;
        let summary = env
            .run(
                "users.csv",
                format!("username;firstname;lastname;password\nold2;O;Two;{long}\n").as_bytes(),
            )
            .await;
        assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
        assert_sha512_crypt(&long, &user(&env, "old2").await["password"]);

        // An account whose bcrypt hash verifies the file's password is unchanged: Moodle checks
        // either format and rehashes it at the next login.
        let summary = env
            .run("users.csv", b"username;password\nold1;Passw0rd!02\n")
            .await;
        assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
        assert_eq!(user(&env, "old1").await["password"], hash);
    }
);

dbtest!(
    a_manual_account_given_a_password_has_its_time_and_preferences_are_flagged,
    |env| {
        let env = TestEnv::with_config(env.backend, "[users]\nprotected_fields = []\n")
            .await
            .unwrap();
        let before = now();
        let summary = env
            .run(
                "users.csv",
                b"username;firstname;lastname;auth;password\n\
                  p1;P;One;manual;Passw0rd!01\n\
                  t1;T;One;manual;\n\
                  n1;N;One;nologin;Passw0rd!03\n",
            )
            .await;
        assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
        let after = now();
        let p1 = user(&env, "p1").await["id"].clone();
        let t1 = user(&env, "t1").await["id"].clone();
        let n1 = user(&env, "n1").await["id"].clone();
        // As `auth_plugin_manual::user_update_password`: the time the password was stored.
        let stamped = preference(&env, &p1, "auth_manual_passwordupdatetime").await;
        assert_eq!(stamped.len(), 1, "{stamped:?}");
        let time: i64 = stamped[0][0].parse().unwrap();
        assert!(before <= time && time <= after, "{time}");
        for id in [&t1, &n1] {
            assert!(
                preference(&env, id, "auth_manual_passwordupdatetime")
                    .await
                    .is_empty()
            );
        }
        assert_eq!(preference(&env, &t1, "create_password").await, [["1"]]);
        // `mark_user_preferences_changed` for each account given a preference: name the id,
        // value 1, for the session timeout (28,800 s on a fresh site).
        let mut expected = vec![
            vec![p1.clone(), "1".to_owned(), "28800".to_owned()],
            vec![t1.clone(), "1".to_owned(), "28800".to_owned()],
        ];
        expected.sort();
        assert_eq!(preference_flags(&env).await, expected);

        // A new password for p1: the same preference row, a new time; the flag again. The
        // same password again changes nothing.
        env.execute(
            "UPDATE {user_preferences} SET value = '1' WHERE name = 'auth_manual_passwordupdatetime'",
        )
        .await;
        env.execute("DELETE FROM {cache_flags}").await;
        let summary = env
            .run(
                "users.csv",
                b"username;password\np1;N3w!pass\nt1;T3mp!pass\n",
            )
            .await;
        assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
        assert_sha512_crypt("N3w!pass", &user(&env, "p1").await["password"]);
        for id in [&p1, &t1] {
            let stamped = preference(&env, id, "auth_manual_passwordupdatetime").await;
            assert_eq!(stamped.len(), 1, "{stamped:?}");
            assert!(stamped[0][0].parse::<i64>().unwrap() >= before);
        }
        // t1's password is no longer to be generated: `create_password` is unset.
        assert!(preference(&env, &t1, "create_password").await.is_empty());
        assert_eq!(preference_flags(&env).await, expected);

        env.execute("DELETE FROM {cache_flags}").await;
        let summary = env
            .run("users.csv", b"username;password\np1;N3w!pass\n")
            .await;
        assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
        assert!(preference_flags(&env).await.is_empty());

        // Moved to an external method, p1 stores `not cached` and loses
        // `auth_forcepasswordchange` (`unset_user_preference` flags it too).
        let summary = env.run("users.csv", b"username;auth\np1;cas\n").await;
        assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
        assert_eq!(
            preference_flags(&env).await,
            [vec![p1.clone(), "1".to_owned(), "28800".to_owned()]]
        );
    }
);

dbtest!(
    a_datetime_profile_field_is_read_in_the_site_time_zone,
    |env| {
        add_field(&env, "startdate", "datetime", "2020").await;
        env.set_config("timezone", "Europe/London").await;
        let summary = env
        .run(
            "users.csv",
            b"username;firstname;lastname;profile_field_startdate\nd1;D;One;2026-07-01\nd2;D;Two;15/01/2027\n",
        )
        .await;
        assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
        let data = env
        .rows(
            "SELECT u.username, d.data FROM {user_info_data} d JOIN {user} u ON u.id = d.userid \
             ORDER BY u.username",
        )
        .await;
        // Midnight in London: 23:00 UTC the day before in summer, midnight UTC in winter.
        assert_eq!(
            data,
            [
                ["d1".to_owned(), "1782860400".to_owned()],
                ["d2".to_owned(), "1799971200".to_owned()],
            ]
        );
    }
);
