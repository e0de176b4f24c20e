//! Moodle's standard log: the rows a file's changes leave in `logstore_standard_log`, as
//! Moodle's events would have written them; none when `[moodle] write_logs` is off, when the
//! site's standard log store is disabled, or when the file is only simulated.

use crate::{dbtest, support::TestEnv};

/// The log's rows, as `eventname | context level and instance | course | objectid | related
/// user | other`, with ids turned into names where the test knows them.
async fn log(env: &TestEnv) -> Vec<Vec<String>> {
    env.rows(
        "SELECT l.eventname, l.contextlevel, COALESCE(c.shortname, ''), COALESCE(ru.username, ''), \
         l.other, l.userid, l.origin, l.crud, l.component, \
         CASE WHEN l.edulevel = 0 AND l.anonymous = 0 THEN '0' ELSE 'other' END, \
         CASE WHEN l.objectid IS NULL THEN 'null' ELSE 'set' END, \
         CASE WHEN l.contextid = x.id THEN 'ok' ELSE 'wrong context' END \
         FROM {logstore_standard_log} l \
         LEFT JOIN {course} c ON c.id = l.courseid \
         LEFT JOIN {user} ru ON ru.id = l.relateduserid \
         LEFT JOIN {context} x ON x.contextlevel = l.contextlevel AND x.instanceid = l.contextinstanceid \
         ORDER BY l.eventname, c.shortname, ru.username, l.id",
    )
    .await
}

/// `eventname`, course and related user of each row.
async fn events(env: &TestEnv) -> Vec<[String; 3]> {
    log(env)
        .await
        .into_iter()
        .map(|row| [row[0].clone(), row[2].clone(), row[3].clone()])
        .collect()
}

fn event(name: &str, course: &str, user: &str) -> [String; 3] {
    [format!(r"\core\event\{name}"), course.into(), user.into()]
}

/// A cohort bound to MATHS with a group, and two members.
async fn bound(env: &TestEnv) {
    env.add_users(&["u1", "u2"]).await;
    env.add_cohort("C1", "Classe 1").await;
    env.add_course("MATHS", "M-1").await;
    let summary = env
        .run(
            "cohortscourses.csv",
            b"course;cohort;role;makegroup\nMATHS;C1;student;1\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0);
}

dbtest!(
    a_binding_and_its_members_are_logged_as_moodle_logs_them,
    |env| {
        bound(&env).await;
        assert_eq!(
            events(&env).await,
            [
                event("enrol_instance_created", "MATHS", ""),
                event("group_created", "MATHS", ""),
            ]
        );
        env.execute("DELETE FROM {logstore_standard_log}").await;
        let summary = env
            .run(
                "cohorts.csv",
                b"cmd;cidnumber;userid\nadd;C1;u1\nadd;C1;u2\n",
            )
            .await;
        assert_eq!(summary.exit_code(), 0);
        assert_eq!(
            events(&env).await,
            [
                event("cohort_member_added", "", "u1"),
                event("cohort_member_added", "", "u2"),
                event("group_member_added", "MATHS", "u1"),
                event("group_member_added", "MATHS", "u2"),
                event("role_assigned", "MATHS", "u1"),
                event("role_assigned", "MATHS", "u2"),
                event("user_enrolment_created", "MATHS", "u1"),
                event("user_enrolment_created", "MATHS", "u2"),
            ]
        );
        let method = env
            .rows("SELECT id FROM {enrol} WHERE enrol = 'cohort'")
            .await[0][0]
            .clone();
        let rows = log(&env).await;
        // Every row as the main administrator under cron, in the context it names.
        for row in &rows {
            assert_eq!(
                row[5..],
                ["2", "cli", "c", "core", "0", "set", "ok"],
                "{row:?}"
            );
        }
        // The cohort is in the system context; the course events in the course's.
        assert_eq!(rows[0][1], "10");
        assert_eq!(rows[2][1], "50");
        assert_eq!(rows[0][4], "null");
        assert_eq!(
            rows[2][4],
            format!(r#"{{"component":"enrol_cohort","itemid":"{method}"}}"#)
        );
        let assignment = env
        .rows(
            "SELECT ra.id FROM {role_assignments} ra JOIN {user} u ON u.id = ra.userid WHERE u.username = 'u1'",
        )
        .await[0][0]
        .clone();
        assert_eq!(
            rows[4][4],
            format!(r#"{{"id":{assignment},"component":"enrol_cohort","itemid":"{method}"}}"#)
        );
        assert_eq!(rows[6][4], r#"{"enrol":"cohort"}"#);
        let report = std::fs::read_to_string(&summary.report).unwrap();
        assert!(
            report.contains("log       8 rows in Moodle's standard log"),
            "{report}"
        );
    }
);

dbtest!(
    a_member_who_leaves_is_logged_suspended_and_unassigned,
    |env| {
        bound(&env).await;
        env.run(
            "cohorts.csv",
            b"cmd;cidnumber;userid\nadd;C1;u1\nadd;C1;u2\n",
        )
        .await;
        env.execute("DELETE FROM {logstore_standard_log}").await;
        // The site's default unenrol action, "unenrol": suspended and unassigned now, the
        // unenrolment left to Moodle's task.
        let summary = env
            .run("cohorts.csv", b"cmd;cidnumber;userid\ndel;C1;u2\n")
            .await;
        assert_eq!(summary.exit_code(), 0);
        assert_eq!(
            events(&env).await,
            [
                event("cohort_member_removed", "", "u2"),
                event("role_unassigned", "MATHS", "u2"),
                event("user_enrolment_updated", "MATHS", "u2"),
            ]
        );
        let rows = log(&env).await;
        assert!(rows[1][4].starts_with(r#"{"id":""#), "{}", rows[1][4]);
        assert_eq!(rows[1][7], "d");
        assert_eq!(rows[2][7], "u");
    }
);

dbtest!(a_deleted_binding_logs_each_unenrolment_then_itself, |env| {
    bound(&env).await;
    env.run("cohorts.csv", b"cmd;cidnumber;userid\nadd;C1;u1\n")
        .await;
    env.execute("DELETE FROM {logstore_standard_log}").await;
    let summary = env
        .run(
            "cohortscourses.csv",
            b"cmd;course;cohort;role\nfulldel;MATHS;C1;student\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0);
    assert_eq!(
        events(&env).await,
        [
            event("enrol_instance_deleted", "MATHS", ""),
            event("group_member_removed", "MATHS", "u1"),
            event("role_unassigned", "MATHS", "u1"),
            event("user_enrolment_deleted", "MATHS", "u1"),
        ]
    );
    let other = &log(&env).await[3][4];
    assert!(
        other.starts_with(r#"{"userenrolment":{"id":""#)
            && other.contains(r#""status":"0""#)
            && other.contains(r#""enrol":"cohort","lastenrol":true},"enrol":"cohort"}"#),
        "{other}"
    );
});

dbtest!(accounts_are_logged_created_updated_and_deleted, |env| {
    let summary = env
        .run(
            "users.csv",
            "username;firstname;lastname;email;idnumber;password\n\
             zoe;Zoé;L/efèvre;zoe@x.fr;NS001;Secret#2026a\n\
             herve;Hervé;Gérard;herve@x.fr;NT001;\n"
                .as_bytes(),
        )
        .await;
    assert_eq!(summary.exit_code(), 0);
    assert_eq!(
        events(&env).await,
        [
            event("user_created", "", "herve"),
            event("user_created", "", "zoe"),
            event("user_password_updated", "", "zoe"),
        ]
    );
    let rows = log(&env).await;
    assert_eq!(rows[2][4], r#"{"forgottenreset":false}"#);
    assert_eq!(rows[2][10], "null", "user_password_updated has no object");
    assert!(rows.iter().all(|row| row[1] == "30" && row[11] == "ok"));
    env.execute("DELETE FROM {logstore_standard_log}").await;
    env.run(
        "users.csv",
        b"cmd;username;idnumber;lastname\nadd;zoe;NS001;Martin\ndel;herve;NT001;\n",
    )
    .await;
    let rows = log(&env).await;
    let names: Vec<&str> = rows.iter().map(|row| row[0].as_str()).collect();
    assert_eq!(
        names,
        [r"\core\event\user_deleted", r"\core\event\user_updated"]
    );
    // The account as it was, encoded as PHP's json_encode does.
    assert_eq!(
        rows[0][4],
        r#"{"username":"herve","email":"herve@x.fr","idnumber":"NT001","picture":"0","mnethostid":"1"}"#
    );
});

dbtest!(
    nothing_is_logged_when_turned_off_disabled_or_simulated,
    |env| {
        env.add_users(&["u1"]).await;
        env.add_cohort("C1", "Classe 1").await;
        let add = b"cmd;cidnumber;userid\nadd;C1;u1\n";
        let summary = env.dry_run("cohorts.csv", add).await;
        assert_eq!(summary.exit_code(), 0);
        assert_eq!(
            env.count("SELECT COUNT(*) FROM {logstore_standard_log}")
                .await,
            0
        );
        // The site's standard log store disabled.
        env.execute(
        "UPDATE {config_plugins} SET value = '' WHERE plugin = 'tool_log' AND name = 'enabled_stores'",
    )
    .await;
        env.run("cohorts.csv", add).await;
        assert_eq!(env.members("C1").await, ["u1"]);
        assert_eq!(
            env.count("SELECT COUNT(*) FROM {logstore_standard_log}")
                .await,
            0
        );
        // Enabled again, but `write_logs = false`.
        env.execute(
        "UPDATE {config_plugins} SET value = 'logstore_standard' WHERE plugin = 'tool_log' AND name = 'enabled_stores'",
    )
    .await;
        let mut env = env;
        env.reconfigure("[moodle]\nwrite_logs = false\n");
        env.run("cohorts.csv", b"cmd;cidnumber;userid\ndel;C1;u1\n")
            .await;
        assert!(env.members("C1").await.is_empty());
        assert_eq!(
            env.count("SELECT COUNT(*) FROM {logstore_standard_log}")
                .await,
            0
        );
        // And on.
        env.reconfigure("");
        env.run("cohorts.csv", add).await;
        assert_eq!(events(&env).await, [event("cohort_member_added", "", "u1")]);
    }
);

// Enrolment files log what Moodle's enrolment, role and group functions log, with the ids of
// the rows they wrote.
dbtest!(
    enrolments_roles_and_groups_are_logged_as_moodle_logs_them,
    |env| {
        env.add_users(&["u1", "u2"]).await;
        let (maths, _) = env.add_course("MATHS", "M-1").await;
        env.add_method("manual", maths, None, 5, 0, 0).await;
        let summary = env
            .run(
                "enrols.csv",
                b"cmd;rolename;uid;cid;gcmd;g1\n\
              add;student;u1;MATHS;gaddcreate;Groupe A\n\
              add;student;u2;MATHS;;\n",
            )
            .await;
        assert_eq!(summary.exit_code(), 0);
        assert_eq!(
            events(&env).await,
            [
                event("group_created", "MATHS", ""),
                event("group_member_added", "MATHS", "u1"),
                event("role_assigned", "MATHS", "u1"),
                event("role_assigned", "MATHS", "u2"),
                event("user_enrolment_created", "MATHS", "u1"),
                event("user_enrolment_created", "MATHS", "u2"),
            ]
        );
        let rows = log(&env).await;
        for row in &rows {
            assert_eq!(
                row[5..],
                ["2", "cli", "c", "core", "0", "set", "ok"],
                "{row:?}"
            );
        }
        let assignment = env
        .rows(
            "SELECT ra.id FROM {role_assignments} ra JOIN {user} u ON u.id = ra.userid WHERE u.username = 'u1'",
        )
        .await[0][0]
        .clone();
        assert_eq!(rows[1][4], "null", "a membership given by hand");
        assert_eq!(
            rows[2][4],
            format!(r#"{{"id":{assignment},"component":"","itemid":"0"}}"#)
        );
        assert_eq!(rows[4][4], r#"{"enrol":"manual"}"#);

        // Unenrolled, suspended, moved: each change logged once.
        env.execute("DELETE FROM {logstore_standard_log}").await;
        let summary = env
            .run(
                "enrols_2.csv",
                b"cmd;rolename;uid;cid;gcmd;g1\n\
              del;student;u1;MATHS;;\n\
              suspend;student;u2;MATHS;;\n",
            )
            .await;
        assert_eq!(summary.exit_code(), 0);
        assert_eq!(
            events(&env).await,
            [
                event("group_member_removed", "MATHS", "u1"),
                event("role_unassigned", "MATHS", "u1"),
                event("user_enrolment_deleted", "MATHS", "u1"),
                event("user_enrolment_updated", "MATHS", "u2"),
            ]
        );
        let rows = log(&env).await;
        assert!(
            rows[2][4].contains(r#""lastenrol":true"#)
                && rows[2][4].contains(r#""enrol":"manual""#),
            "{}",
            rows[2][4]
        );
        assert_eq!(rows[2][7], "d");
    }
);
