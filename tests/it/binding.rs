//! Binding files (cohort sync enrolment methods) and the course enrolments that follow a file,
//! asserted on the rows Moodle's own API and cohort sync task would leave.

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{Local, NaiveDate, TimeZone, Utc};
use moodle_sync::{outcome::RunStatus, output::summary::RunSummary};
use serde_json::Value;

use crate::{
    dbtest,
    support::{TestEnv, failures},
};

/// The time now, in Unix seconds.
fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}

/// The JSON report of a run.
fn json(summary: &RunSummary) -> Value {
    serde_json::from_slice(&std::fs::read(&summary.report_json).unwrap()).unwrap()
}

/// The text report of a run.
fn text(summary: &RunSummary) -> String {
    std::fs::read_to_string(&summary.report).unwrap()
}

/// The status of each line, in file order.
fn statuses(summary: &RunSummary) -> Vec<String> {
    json(summary)["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["status"].as_str().unwrap().to_owned())
        .collect()
}

/// Asserts that the failures are exactly these lines, each message containing its text.
fn assert_failures(summary: &RunSummary, expected: &[(u64, &str)]) {
    let failures = failures(summary);
    assert_eq!(
        failures.iter().map(|(line, _)| *line).collect::<Vec<_>>(),
        expected.iter().map(|(line, _)| *line).collect::<Vec<_>>(),
        "{failures:#?}"
    );
    for ((_, message), (line, wanted)) in failures.iter().zip(expected) {
        assert!(
            message.contains(wanted),
            "line {line}: {message:?} should contain {wanted:?}"
        );
    }
}

/// The one course entry of the JSON report's `enrolments` section.
fn course_enrolments(summary: &RunSummary, shortname: &str) -> Value {
    let report = json(summary);
    let courses = report["enrolments"]["courses"].as_array().unwrap().clone();
    courses
        .into_iter()
        .find(|course| course["course"]["shortname"] == shortname)
        .unwrap_or_else(|| panic!("no course {shortname} in {}", report["enrolments"]))
}

/// The cohort sync methods of a course, by id: `[id, status, roleid, customint1 (cohort),
/// customint2 (group), enrolstartdate, enrolenddate]`.
async fn methods(env: &TestEnv, course: i64) -> Vec<Vec<String>> {
    env.rows(&format!(
        "SELECT id, status, roleid, customint1, customint2, enrolstartdate, enrolenddate FROM {{enrol}} \
         WHERE courseid = {course} AND enrol = 'cohort' ORDER BY id"
    ))
    .await
}

/// Every row of the tables binding files and the enrolments that follow write, by id: a
/// fingerprint of the database for "nothing changed".
async fn dump(env: &TestEnv) -> Vec<Vec<Vec<String>>> {
    let int = |column: &str| env.db.dialect().int(column);
    let mut tables = Vec::new();
    for sql in [
        format!(
            "SELECT id, enrol, status, courseid, sortorder, name, enrolperiod, enrolstartdate, enrolenddate, {}, \
             expirythreshold, {}, roleid, customint1, customint2, customint3, customint4, customint5, customint6, \
             customint7, customint8, customchar1, customchar2, customchar3, timecreated, timemodified \
             FROM {{enrol}} ORDER BY id",
            int("expirynotify"),
            int("notifyall")
        ),
        "SELECT id, status, enrolid, userid, timestart, timeend, modifierid, timecreated, timemodified \
         FROM {user_enrolments} ORDER BY id"
            .to_owned(),
        "SELECT id, roleid, contextid, userid, timemodified, modifierid, component, itemid, sortorder \
         FROM {role_assignments} ORDER BY id"
            .to_owned(),
        format!(
            "SELECT id, courseid, idnumber, name, {}, {}, {}, {}, timecreated, timemodified FROM {{groups}} ORDER BY id",
            int("descriptionformat"),
            int("picture"),
            int("visibility"),
            int("participation")
        ),
        "SELECT id, groupid, userid, timeadded, component, itemid FROM {groups_members} ORDER BY id"
            .to_owned(),
        "SELECT id, flagtype, name, timemodified, value, expiry FROM {cache_flags} ORDER BY id"
            .to_owned(),
    ] {
        tables.push(env.rows(&sql).await);
    }
    tables
}

/// The dirty flags: `[flagtype, name, value, expiry, timemodified]`, sorted.
async fn flags(env: &TestEnv) -> Vec<Vec<String>> {
    env.rows(
        "SELECT flagtype, name, value, expiry, timemodified FROM {cache_flags} ORDER BY flagtype, name",
    )
    .await
}

/// A dirty-user flag as Moodle's `mark_user_dirty` writes it at `time`.
fn dirty_user(user: i64, time: i64) -> Vec<String> {
    vec![
        "accesslib/dirtyusers".into(),
        user.to_string(),
        "1".into(),
        (time + 28_800).to_string(),
        time.to_string(),
    ]
}

fn row(values: &[&dyn ToString]) -> Vec<String> {
    values.iter().map(|value| value.to_string()).collect()
}

const NULL: &str = "NULL";

dbtest!(
    add_creates_the_method_as_moodle_and_enrols_the_cohort,
    |env| {
        env.add_users(&["u1", "u2", "u3"]).await;
        let (u1, u2) = (env.user_id("u1").await, env.user_id("u2").await);
        let cohort = env.add_cohort("C1", "Classe 1").await;
        env.add_members("C1", &["u1", "u2"]).await;
        let (course, context) = env.add_course("MATHS", "M-1").await;
        env.add_method("manual", course, None, 5, 0, 0).await;
        let selfid = env.add_method("self", course, None, 5, 1, 0).await;
        env.execute(&format!(
            "UPDATE {{enrol}} SET sortorder = 4 WHERE id = {selfid}"
        ))
        .await;
        // Another course's methods do not count for the sort order.
        let (other, _) = env.add_course("OTHER", "O-1").await;
        let manual = env.add_method("manual", other, None, 5, 0, 0).await;
        env.execute(&format!(
            "UPDATE {{enrol}} SET sortorder = 9 WHERE id = {manual}"
        ))
        .await;

        let before = now();
        let summary = env
            .run("cohortscourses.csv", b"course;cohort\nMATHS;C1\n")
            .await;
        let after = now();
        assert_eq!(summary.exit_code(), 0, "{}", text(&summary));

        // The row `enrol_plugin::add_instance` stores.
        let rows = env
        .rows(&format!(
            "SELECT id, enrol, status, courseid, sortorder, name, enrolperiod, enrolstartdate, enrolenddate, \
             roleid, customint1, customint2, customint3, customint4, customint5, customint6, customint7, \
             customint8, customchar1, customchar2, customchar3, customtext1, customtext2, customtext3, \
             customtext4, CASE WHEN customdec1 IS NULL AND customdec2 IS NULL THEN 'NULL' ELSE 'set' END, \
             {}, expirythreshold, {}, password, cost, currency, timecreated, timemodified \
             FROM {{enrol}} WHERE enrol = 'cohort'",
            env.db.dialect().int("expirynotify"),
            env.db.dialect().int("notifyall")
        ))
        .await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        let id: i64 = rows[0][0].parse().unwrap();
        let time: i64 = rows[0][33].parse().unwrap();
        assert!(
            before <= time && time <= after,
            "{time} not in {before}..{after}"
        );
        assert_eq!(
            rows[0][1..],
            row(&[
                &"cohort", &0, &course, &5, &NULL, &0, &0, &0, &5, &cohort, &0, &NULL, &NULL,
                &NULL, &NULL, &NULL, &NULL, &NULL, &NULL, &NULL, &NULL, &NULL, &NULL, &NULL, &NULL,
                &0, &0, &0, &NULL, &NULL, &NULL, &time, &time
            ])[..]
        );

        // `enrol_user()` rows, as cron (the main administrator) writes them.
        assert_eq!(
        env.rows(
            "SELECT userid, enrolid, status, timestart, timeend, modifierid, timecreated, timemodified \
             FROM {user_enrolments} ORDER BY userid"
        )
        .await,
        [
            row(&[&u1, &id, &0, &0, &0, &2, &time, &time]),
            row(&[&u2, &id, &0, &0, &0, &2, &time, &time])
        ]
    );
        // `role_assign()` rows in the course context.
        assert_eq!(
        env.rows(
            "SELECT roleid, contextid, userid, timemodified, modifierid, component, itemid, sortorder \
             FROM {role_assignments} ORDER BY userid"
        )
        .await,
        [
            row(&[&5, &context, &u1, &time, &2, &"enrol_cohort", &id, &0]),
            row(&[&5, &context, &u2, &time, &2, &"enrol_cohort", &id, &0])
        ]
    );
        assert_eq!(env.count("SELECT COUNT(*) FROM {groups_members}").await, 0);
        // `mark_user_dirty()` for the users given a role.
        assert_eq!(
            flags(&env).await,
            [dirty_user(u1, time), dirty_user(u2, time)]
        );

        // The report.
        let report = json(&summary);
        let totals = &report["totals"];
        assert_eq!(
            (
                &totals["bindings_created"],
                &totals["enrolments_created"],
                &totals["roles_assigned"],
                &totals["group_members_added"],
                &totals["groups_created"]
            ),
            (&1.into(), &2.into(), &2.into(), &0.into(), &0.into())
        );
        let line = &report["lines"][0];
        assert_eq!(
            (
                &line["course"],
                &line["cohort"],
                &line["role"],
                &line["status"]
            ),
            (
                &"MATHS".into(),
                &"C1".into(),
                &"student".into(),
                &"changed".into()
            )
        );
        assert_eq!(report["enrolments"]["mode"], "immediate");
        assert_eq!(report["enrolments"]["plugin_enabled"], true);
        let maths = course_enrolments(&summary, "MATHS");
        assert_eq!(maths["course"]["id"], course);
        assert_eq!(
            (
                &maths["enrolments_created"],
                &maths["roles_assigned"],
                &maths["pending_unenrolments"]
            ),
            (&2.into(), &2.into(), &0.into())
        );
    }
);

dbtest!(add_of_an_enabled_binding_changes_nothing, |env| {
    env.add_users(&["u1", "u2"]).await;
    env.add_cohort("C1", "Classe 1").await;
    env.add_members("C1", &["u1", "u2"]).await;
    env.add_course("MATHS", "M-1").await;
    let file = b"cmd;course;cohort;role;makegroup\nadd;MATHS;C1;student;1\n";
    assert_eq!(env.run("cohortscourses.csv", file).await.exit_code(), 0);
    let before = dump(&env).await;
    let summary = env.run("cohortscourses.csv", file).await;
    assert_eq!(summary.exit_code(), 0);
    assert_eq!(statuses(&summary), ["unchanged"]);
    assert_eq!(dump(&env).await, before);
    let totals = summary.totals.unwrap();
    assert_eq!(
        (
            totals.unchanged,
            totals.counts.bindings.bindings_created,
            totals.counts.bindings.bindings_updated,
            totals.enrolments_created
        ),
        (1, 0, 0, 0)
    );
});

dbtest!(add_of_a_disabled_binding_enables_it, |env| {
    env.add_users(&["u1"]).await;
    let u1 = env.user_id("u1").await;
    let cohort = env.add_cohort("C1", "Classe 1").await;
    env.add_members("C1", &["u1"]).await;
    let (course, context) = env.add_course("MATHS", "M-1").await;
    let id = env.add_instance(course, cohort, 5, 1, 0).await;
    let before = now();
    let summary = env
        .run(
            "cohortscourses.csv",
            b"course;cohort;role\nMATHS;C1;student\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0);
    let rows = env
        .rows(&format!(
            "SELECT status, timecreated, timemodified FROM {{enrol}} WHERE id = {id}"
        ))
        .await;
    let time: i64 = rows[0][2].parse().unwrap();
    assert!(time >= before);
    assert_eq!(rows[0][..2], ["0", "100"]);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM {enrol}").await,
        1,
        "no second method"
    );
    assert_eq!(env.enrolments("MATHS").await, [["u1", "cohort", "0"]]);
    assert_eq!(
        env.course_roles("MATHS").await,
        [row(&[&"u1", &"student", &"enrol_cohort", &id])]
    );
    // `update_status()` marks the course context dirty; `role_assign()` the user.
    assert_eq!(
        flags(&env).await,
        [
            row(&[
                &"accesslib/dirtycontexts",
                &format!("/1/3/{context}"),
                &1,
                &(time + 28_800),
                &time
            ]),
            dirty_user(u1, time)
        ]
    );
    let totals = summary.totals.unwrap();
    assert_eq!(
        (
            totals.counts.bindings.bindings_enabled,
            totals.counts.bindings.bindings_created,
            totals.enrolments_created
        ),
        (1, 0, 1)
    );
});

dbtest!(
    defaults_match_courses_and_roles_by_shortname_and_cohorts_by_idnumber,
    |env| {
        let cohort = env.add_cohort("C1", "Classe 1").await;
        let (course, _) = env.add_course("MATHS", "M-1").await;
        let summary = env
            .run(
                "cohortscourses.csv",
                "Course ; COHORT ; Role\n\
                 MATHS;C1;editingteacher\n\
                 M-1;C1;student\n\
                 MATHS;Classe 1;student\n\
                 MATHS;C1;prof\n\
                 MATHS;C1;3\n"
                    .as_bytes(),
            )
            .await;
        assert_eq!(summary.exit_code(), 1);
        assert_eq!(
            methods(&env, course).await[0][2..4],
            row(&[&3, &cohort])[..]
        );
        assert_eq!(methods(&env, course).await.len(), 1);
        assert_failures(
            &summary,
            &[
                (3, "course \"M-1\" not found (matched by shortname)"),
                (4, "cohort \"Classe 1\" not found (matched by idnumber)"),
                (5, "role \"prof\" not found (matched by shortname)"),
                (6, "role \"3\" not found (matched by shortname)"),
            ],
        );

        // Without a role, a line needs the student role.
        env.execute("UPDATE {role} SET shortname = 'learner' WHERE id = 5")
            .await;
        let summary = env
            .run("cohortscourses.csv", b"course;cohort\nMATHS;C1\n")
            .await;
        assert_failures(&summary, &[(2, "student")]);
    }
);

dbtest!(ids_match_courses_roles_and_cohorts_by_id, |env| {
    let mut env = env;
    env.reconfigure(
        "[bindings]\ncourse_identifier = \"id\"\nrole_identifier = \"id\"\n[cohorts]\ncohort_identifier = \"id\"\n",
    );
    env.add_users(&["u1"]).await;
    let cohort = env.add_cohort("C1", "Classe 1").await;
    env.add_members("C1", &["u1"]).await;
    let (course, _) = env.add_course("MATHS", "M-1").await;
    let file = format!(
        "courseid;cohortid;roleid\n\
         {course};{cohort};4\n\
         {course};{cohort};\n\
         999;{cohort};5\n\
         {course};999;5\n\
         {course};{cohort};99\n\
         1;{cohort};5\n\
         MATHS;{cohort};5\n"
    );
    let summary = env.run("cohortscourses.csv", file.as_bytes()).await;
    assert_eq!(summary.exit_code(), 1);
    let methods = methods(&env, course).await;
    assert_eq!(
        methods
            .iter()
            .map(|method| method[2..4].to_vec())
            .collect::<Vec<_>>(),
        [row(&[&4, &cohort]), row(&[&5, &cohort])],
        "the role by id, and the student role for a line without one"
    );
    assert_failures(
        &summary,
        &[
            (4, "course \"999\" not found (matched by id)"),
            (5, "cohort \"999\" not found (matched by id)"),
            (6, "role \"99\" not found (matched by id)"),
            (7, "\"1\" is the site course"),
            (8, "MATHS"),
        ],
    );
    assert_eq!(
        env.count("SELECT COUNT(*) FROM {enrol} WHERE courseid = 1")
            .await,
        0
    );
    assert_eq!(
        env.course_roles("MATHS").await,
        [
            row(&[&"u1", &"student", &"enrol_cohort", &methods[1][0]]),
            row(&[&"u1", &"teacher", &"enrol_cohort", &methods[0][0]])
        ]
    );
});

dbtest!(courses_by_idnumber_and_cohorts_by_name, |env| {
    let mut env = env;
    env.reconfigure(
        "[bindings]\ncourse_identifier = \"idnumber\"\n[cohorts]\ncohort_identifier = \"name\"\n",
    );
    let cohort = env.add_cohort("C1", "Classe 1").await;
    let (course, _) = env.add_course("MATHS", "M-1").await;
    let summary = env
        .run(
            "cohortscourses.csv",
            "course;cohort\nM-1;Classe 1\nMATHS;Classe 1\nM-1;C1\n".as_bytes(),
        )
        .await;
    assert_eq!(summary.exit_code(), 1);
    assert_eq!(methods(&env, course).await.len(), 1);
    assert_eq!(
        methods(&env, course).await[0][2..4],
        row(&[&5, &cohort])[..]
    );
    assert_failures(
        &summary,
        &[
            (3, "course \"MATHS\" not found (matched by idnumber)"),
            (4, "cohort \"C1\" not found (matched by name)"),
        ],
    );
});

dbtest!(the_default_role_is_student_and_star_is_every_role, |env| {
    env.add_users(&["u1"]).await;
    env.add_cohort("C1", "Classe 1").await;
    env.add_members("C1", &["u1"]).await;
    let (course, _) = env.add_course("MATHS", "M-1").await;
    let summary = env
        .run(
            "cohortscourses.csv",
            b"course;cohort;role\nMATHS;C1;\nMATHS;C1;teacher\nMATHS;C1;*\n",
        )
        .await;
    assert_failures(&summary, &[(4, "every role")]);
    let roles = |methods: Vec<Vec<String>>| -> Vec<(String, String)> {
        methods
            .into_iter()
            .map(|method| (method[2].clone(), method[1].clone()))
            .collect()
    };
    // (roleid, status)
    assert_eq!(
        roles(methods(&env, course).await),
        [("5".into(), "0".into()), ("4".into(), "0".into())]
    );
    assert_eq!(
        env.course_roles("MATHS")
            .await
            .iter()
            .map(|row| row[1].clone())
            .collect::<Vec<_>>(),
        ["student", "teacher"]
    );

    let summary = env
        .run(
            "cohortscourses.csv",
            b"cmd;course;cohort;role\ndel;MATHS;C1;*\n",
        )
        .await;
    assert_eq!(summary.totals.unwrap().counts.bindings.bindings_disabled, 2);
    assert_eq!(
        roles(methods(&env, course).await),
        [("5".into(), "1".into()), ("4".into(), "1".into())]
    );
    let summary = env
        .run(
            "cohortscourses.csv",
            b"cmd;course;cohort;role\nrestore;MATHS;C1;*\ndel;MATHS;C1\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0);
    assert_eq!(
        roles(methods(&env, course).await),
        [("5".into(), "1".into()), ("4".into(), "0".into())],
        "restore * enables both; del without a role disables the student binding only"
    );
    let summary = env
        .run(
            "cohortscourses.csv",
            b"cmd;course;cohort;role\nfulldel;MATHS;C1;*\n",
        )
        .await;
    assert_eq!(summary.totals.unwrap().counts.bindings.bindings_deleted, 2);
    assert!(methods(&env, course).await.is_empty());
    assert!(env.enrolments("MATHS").await.is_empty());
    assert!(env.course_roles("MATHS").await.is_empty());
});

dbtest!(
    makegroup_creates_the_cohort_group_or_uses_a_named_one,
    |env| {
        env.add_users(&["u1", "u2", "u3", "u4", "u5"]).await;
        let (u1, u2, u3) = (
            env.user_id("u1").await,
            env.user_id("u2").await,
            env.user_id("u3").await,
        );
        let mut cohorts = Vec::new();
        for (cohort, name, members) in [
            ("C1", "Classe 1", &["u1", "u2"][..]),
            ("C2", "Classe 2", &["u3"][..]),
            ("C3", "Classe 3", &["u4"][..]),
            ("C4", "Classe 4", &["u5"][..]),
        ] {
            cohorts.push(env.add_cohort(cohort, name).await.to_string());
            env.add_members(cohort, members).await;
        }
        let (course, _) = env.add_course("MATHS", "M-1").await;
        let existing = env.add_group(course, "Existing").await;
        let classe4 = env.add_group(course, "Classe 4").await;
        let before = now();
        let summary = env
            .run(
                "cohortscourses.csv",
                "course;cohort;role;makegroup\n\
             MATHS;C1;student;1\n\
             MATHS;C2;student;Existing\n\
             MATHS;C3;student;Nowhere\n\
             MATHS;C3;teacher;0\n\
             MATHS;C4;student;oui\n"
                    .as_bytes(),
            )
            .await;
        assert_failures(&summary, &[(4, "no group named \"Nowhere\"")]);
        let totals = summary.totals.unwrap();
        assert_eq!(
            (
                totals.counts.bindings.bindings_created,
                totals.counts.bindings.groups_created
            ),
            (4, 1)
        );

        // `groups_create_group()`'s row, named exactly like the cohort.
        let int = |column: &str| env.db.dialect().int(column);
        let groups = env
        .rows(&format!(
            "SELECT id, courseid, idnumber, name, description, {}, enrolmentkey, {}, {}, {}, timecreated, timemodified \
             FROM {{groups}} WHERE name = 'Classe 1'",
            int("descriptionformat"),
            int("picture"),
            int("visibility"),
            int("participation")
        ))
        .await;
        assert_eq!(groups.len(), 1);
        let created: i64 = groups[0][0].parse().unwrap();
        let time: i64 = groups[0][10].parse().unwrap();
        assert!(time >= before);
        assert_eq!(
            groups[0][1..],
            row(&[
                &course,
                &"",
                &"Classe 1",
                &NULL,
                &0,
                &NULL,
                &0,
                &0,
                &1,
                &time,
                &time
            ])[..]
        );
        assert_eq!(
            env.count("SELECT COUNT(*) FROM {groups}").await,
            3,
            "Classe 4 exists: used, not created again"
        );

        // customint2: the group of each binding.
        let bound = methods(&env, course).await;
        let group_of: Vec<(String, String)> = bound
            .iter()
            .map(|method| (method[3].clone(), method[4].clone()))
            .collect();
        assert_eq!(
            group_of,
            [
                (cohorts[0].clone(), created.to_string()),
                (cohorts[1].clone(), existing.to_string()),
                (cohorts[2].clone(), "0".into()),
                (cohorts[3].clone(), classe4.to_string()),
            ]
        );
        assert_eq!(
            env.group_members("MATHS").await,
            [
                row(&[&"Classe 1", &"u1", &"enrol_cohort", &bound[0][0]]),
                row(&[&"Classe 1", &"u2", &"enrol_cohort", &bound[0][0]]),
                row(&[&"Classe 4", &"u5", &"enrol_cohort", &bound[3][0]]),
                row(&[&"Existing", &"u3", &"enrol_cohort", &bound[1][0]]),
            ]
        );
        // `groups_add_member()`'s rows, and the group's timemodified.
        assert_eq!(
            env.rows(&format!(
                "SELECT groupid, userid, timeadded, component, itemid FROM {{groups_members}} \
             WHERE groupid IN ({created}, {existing}) ORDER BY userid"
            ))
            .await,
            [
                row(&[&created, &u1, &time, &"enrol_cohort", &bound[0][0]]),
                row(&[&created, &u2, &time, &"enrol_cohort", &bound[0][0]]),
                row(&[&existing, &u3, &time, &"enrol_cohort", &bound[1][0]]),
            ]
        );
        assert_eq!(
            env.rows(&format!(
                "SELECT timecreated, timemodified FROM {{groups}} WHERE id = {existing}"
            ))
            .await,
            [row(&[&100, &time])]
        );

        // On an existing binding: a group asked for is set, the same one changes nothing, and a
        // binding moved to another group has its members moved.
        let summary = env
            .run(
                "cohortscourses.csv",
                "course;cohort;role;makegroup\n\
             MATHS;C3;teacher;yes\n\
             MATHS;C1;student;1\n\
             MATHS;C2;student;Classe 1\n"
                    .as_bytes(),
            )
            .await;
        assert_eq!(summary.exit_code(), 0, "{}", text(&summary));
        assert_eq!(statuses(&summary), ["changed", "unchanged", "changed"]);
        let totals = summary.totals.unwrap();
        assert_eq!(
            (
                totals.counts.bindings.bindings_updated,
                totals.counts.bindings.groups_created,
                totals.group_members_added
            ),
            (2, 1, 2)
        );
        let classe3 = env
            .count("SELECT id FROM {groups} WHERE name = 'Classe 3'")
            .await;
        let now_methods = methods(&env, course).await;
        assert_eq!(now_methods[2][4], classe3.to_string());
        assert_eq!(now_methods[1][4], created.to_string());
        assert_eq!(
            env.group_members("MATHS").await,
            [
                row(&[&"Classe 1", &"u1", &"enrol_cohort", &bound[0][0]]),
                row(&[&"Classe 1", &"u2", &"enrol_cohort", &bound[0][0]]),
                row(&[&"Classe 1", &"u3", &"enrol_cohort", &bound[1][0]]),
                row(&[&"Classe 3", &"u4", &"enrol_cohort", &bound[2][0]]),
                row(&[&"Classe 4", &"u5", &"enrol_cohort", &bound[3][0]]),
            ]
        );
        assert_eq!(
            course_enrolments(&summary, "MATHS")["group_members_removed"],
            1
        );
    }
);

dbtest!(enrolment_dates_are_read_in_every_format, |env| {
    env.add_cohort("C1", "Classe 1").await;
    env.add_cohort("C2", "Classe 2").await;
    let (course, _) = env.add_course("MATHS", "M-1").await;
    let summary = env
        .run(
            "cohortscourses.csv",
            "course;cohort;role;enrolstart;enrolend\n\
             MATHS;C1;student;2026-09-01;2027-06-30T18:00:00Z\n\
             MATHS;C1;teacher;1788220800;1790000000\n\
             MATHS;C2;student;01/09/2026;\n\
             MATHS;C2;teacher;2026-09-02;2026-09-01\n\
             MATHS;C2;editingteacher;someday;\n"
                .as_bytes(),
        )
        .await;
    assert_failures(
        &summary,
        &[
            (
                5,
                "enrolend \"2026-09-01\" is before enrolstart \"2026-09-02\"",
            ),
            (6, "someday"),
        ],
    );
    let midnight = Local
        .from_local_datetime(
            &NaiveDate::from_ymd_opt(2026, 9, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        )
        .earliest()
        .unwrap()
        .timestamp();
    let evening = Utc
        .with_ymd_and_hms(2027, 6, 30, 18, 0, 0)
        .unwrap()
        .timestamp();
    let dates = |methods: Vec<Vec<String>>| -> Vec<Vec<String>> {
        methods
            .into_iter()
            .map(|method| method[5..].to_vec())
            .collect()
    };
    assert_eq!(
        dates(methods(&env, course).await),
        [
            row(&[&midnight, &evening]),
            row(&[&1_788_220_800, &1_790_000_000]),
            row(&[&midnight, &0]),
        ]
    );

    // On an existing binding, a date given and different is changed; one not given is kept.
    let summary = env
        .run(
            "cohortscourses.csv",
            b"course;cohort;role;enrolstart;enrolend\nMATHS;C1;teacher;;1800000000\nMATHS;C1;student;2026-09-01;\n",
        )
        .await;
    assert_eq!(statuses(&summary), ["changed", "unchanged"]);
    assert_eq!(summary.totals.unwrap().counts.bindings.bindings_updated, 1);
    assert_eq!(
        dates(methods(&env, course).await),
        [
            row(&[&midnight, &evening]),
            row(&[&1_788_220_800, &1_800_000_000]),
            row(&[&midnight, &0]),
        ]
    );
});

dbtest!(del_disables_and_restore_enables, |env| {
    env.add_users(&["u1"]).await;
    env.add_cohort("C1", "Classe 1").await;
    env.add_cohort("C2", "Classe 2").await;
    env.add_members("C1", &["u1"]).await;
    let (course, _) = env.add_course("MATHS", "M-1").await;
    env.run("cohortscourses.csv", b"course;cohort\nMATHS;C1\n")
        .await;
    let id: i64 = methods(&env, course).await[0][0].parse().unwrap();
    env.execute("UPDATE {enrol} SET timemodified = 100").await;
    let before = now();
    let summary = env
        .run(
            "cohortscourses.csv",
            "cmd;course;cohort;role\n\
             DEL;MATHS;C1;student\n\
             del;MATHS;C1;student\n\
             del;MATHS;C2;student\n\
             restore;MATHS;C2;student\n"
                .as_bytes(),
        )
        .await;
    assert_eq!(
        statuses(&summary),
        ["changed", "unchanged", "unchanged", "failed"]
    );
    assert_failures(&summary, &[(5, "nothing to restore")]);
    let rows = env
        .rows(&format!(
            "SELECT status, timemodified FROM {{enrol}} WHERE id = {id}"
        ))
        .await;
    assert_eq!(rows[0][0], "1");
    assert!(rows[0][1].parse::<i64>().unwrap() >= before);
    // The enrolment stays (its user is still a member); the role a disabled method gave goes
    // at once, as Moodle's sync run by `update_status` removes it.
    assert_eq!(env.enrolments("MATHS").await, [["u1", "cohort", "0"]]);
    assert!(env.course_roles("MATHS").await.is_empty());
    let maths = course_enrolments(&summary, "MATHS");
    assert_eq!(
        (&maths["roles_removed"], &maths["pending_role_removals"]),
        (&1.into(), &0.into())
    );
    assert_eq!(summary.totals.unwrap().counts.bindings.bindings_disabled, 1);

    let summary = env
        .run(
            "cohortscourses.csv",
            b"cmd;course;cohort\nRestore;MATHS;C1\nrestore;MATHS;C1\n",
        )
        .await;
    assert_eq!(statuses(&summary), ["changed", "unchanged"]);
    assert_eq!(methods(&env, course).await[0][1], "0");
    assert_eq!(summary.totals.unwrap().counts.bindings.bindings_enabled, 1);
    assert_eq!(env.course_roles("MATHS").await.len(), 1, "the role is back");
});

dbtest!(fulldel_deletes_the_method_and_what_it_gave, |env| {
    env.add_users(&["u1", "u2", "u3"]).await;
    let (u1, u2, u3) = (
        env.user_id("u1").await,
        env.user_id("u2").await,
        env.user_id("u3").await,
    );
    env.add_cohort("C1", "Classe 1").await;
    env.add_members("C1", &["u1", "u2", "u3"]).await;
    let (course, context) = env.add_course("MATHS", "M-1").await;
    let path = format!("/1/3/{context}");
    let module = env.add_context(70, 1, &path).await;
    let (other, other_context) = env.add_course("OTHER", "O-1").await;
    env.run(
        "cohortscourses.csv",
        b"course;cohort;makegroup\nMATHS;C1;1\nOTHER;C1;1\n",
    )
    .await;
    let id: i64 = methods(&env, course).await[0][0].parse().unwrap();
    let other_id: i64 = methods(&env, other).await[0][0].parse().unwrap();
    // u2 is also enrolled by hand; u1 and u2 have roles and a group given by hand.
    let manual = env.add_method("manual", course, None, 5, 0, 0).await;
    env.add_enrolment(manual, "u2", 0).await;
    env.execute(&format!(
        "INSERT INTO {{role_assignments}} (roleid, contextid, userid, timemodified, modifierid, component, itemid, sortorder) VALUES \
         (3, {context}, {u1}, 100, 2, '', 0, 0), (5, {module}, {u1}, 100, 2, '', 0, 0), \
         (4, {context}, {u2}, 100, 2, '', 0, 0), (3, {other_context}, {u1}, 100, 2, '', 0, 0)"
    ))
    .await;
    let hand = env.add_group(course, "By hand").await;
    env.execute(&format!(
        "INSERT INTO {{groups_members}} (groupid, userid, timeadded, component, itemid) VALUES \
         ({hand}, {u1}, 100, '', 0), ({hand}, {u2}, 100, '', 0)"
    ))
    .await;
    env.execute("DELETE FROM {cache_flags}").await;
    let other_before = (
        env.enrolments("OTHER").await,
        env.course_roles("OTHER").await,
        env.group_members("OTHER").await,
    );

    let before = now();
    let summary = env
        .run(
            "cohortscourses.csv",
            b"cmd;course;cohort\nfulldel;MATHS;C1\n",
        )
        .await;
    let after = now();
    assert_eq!(summary.exit_code(), 0, "{}", text(&summary));
    assert_eq!(summary.totals.unwrap().counts.bindings.bindings_deleted, 1);
    assert!(methods(&env, course).await.is_empty());
    for (table, column) in [
        ("user_enrolments", "enrolid"),
        ("role_assignments", "itemid"),
        ("groups_members", "itemid"),
    ] {
        assert_eq!(
            env.count(&format!(
                "SELECT COUNT(*) FROM {{{table}}} WHERE {column} = {id}"
            ))
            .await,
            0,
            "{table}"
        );
    }
    // u1 and u3 had no other enrolment in the course: every role in it (and in its module)
    // and every group membership went with it. u2 keeps the hand-given ones.
    assert_eq!(env.enrolments("MATHS").await, [["u2", "manual", "0"]]);
    assert_eq!(
        env.course_roles("MATHS").await,
        [row(&[&"u2", &"teacher", &"", &0])]
    );
    assert_eq!(
        env.count(&format!(
            "SELECT COUNT(*) FROM {{role_assignments}} WHERE contextid = {module}"
        ))
        .await,
        0
    );
    assert_eq!(
        env.group_members("MATHS").await,
        [row(&[&"By hand", &"u2", &"", &0])]
    );
    assert_eq!(
        env.count(&format!(
            "SELECT COUNT(*) FROM {{groups}} WHERE courseid = {course}"
        ))
        .await,
        2,
        "groups are kept"
    );
    // The other course is untouched.
    assert_eq!(
        (
            env.enrolments("OTHER").await,
            env.course_roles("OTHER").await,
            env.group_members("OTHER").await,
        ),
        other_before
    );
    assert_eq!(methods(&env, other).await[0][0], other_id.to_string());
    // Dirty flags: the users and the course context.
    let flags = flags(&env).await;
    let time: i64 = flags[0][4].parse().unwrap();
    assert!(before <= time && time <= after);
    assert_eq!(
        flags,
        [
            vec![
                "accesslib/dirtycontexts".to_owned(),
                path.clone(),
                "1".into(),
                (time + 28_800).to_string(),
                time.to_string()
            ],
            dirty_user(u1, time),
            dirty_user(u2, time),
            dirty_user(u3, time),
        ]
    );

    let summary = env
        .run(
            "cohortscourses.csv",
            b"cmd;course;cohort\nfulldel;MATHS;C1\n",
        )
        .await;
    assert_eq!(statuses(&summary), ["unchanged"]);
});

dbtest!(enrol_values_must_be_allowed, |env| {
    let mut env = env;
    env.add_users(&["u1"]).await;
    env.add_cohort("C1", "Classe 1").await;
    env.add_cohort("C2", "Classe 2").await;
    env.add_members("C2", &["u1"]).await;
    let (course, _) = env.add_course("MATHS", "M-1").await;
    let summary = env
        .run(
            "cohortscourses.csv",
            b"course;cohort;enrol\nMATHS;C1;manual\nMATHS;C1;Cohort\n",
        )
        .await;
    assert_failures(&summary, &[(2, "manual")]);
    assert_eq!(methods(&env, course).await.len(), 1);

    env.reconfigure("[bindings]\nenrol_methods = [\"cohort\", \"self\"]\n");
    let summary = env
        .run(
            "cohortscourses.csv",
            b"course;cohort;enrol\nMATHS;C2;self\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0, "{}", text(&summary));
    let cohort = env
        .count("SELECT id FROM {cohort} WHERE idnumber = 'C2'")
        .await;
    assert_eq!(
        env.rows(
            "SELECT enrol, status, sortorder, roleid, customint1 FROM {enrol} WHERE enrol = 'self'"
        )
        .await,
        [row(&[&"self", &0, &1, &5, &cohort])]
    );
    assert!(
        env.enrolments("MATHS").await.is_empty(),
        "only cohort bindings are followed"
    );
});

dbtest!(a_cohort_file_enrols_new_members_of_a_bound_cohort, |env| {
    env.add_users(&["u1", "u2", "u3"]).await;
    env.add_cohort("C1", "Classe 1").await;
    env.add_members("C1", &["u1"]).await;
    let (course, context) = env.add_course("MATHS", "M-1").await;
    env.run(
        "cohortscourses.csv",
        b"course;cohort;makegroup\nMATHS;C1;1\n",
    )
    .await;
    let id: i64 = methods(&env, course).await[0][0].parse().unwrap();
    let group = env
        .count("SELECT id FROM {groups} WHERE name = 'Classe 1'")
        .await;
    let before = now();
    let summary = env
        .run(
            "cohorts.csv",
            b"cmd;cidnumber;userid\nadd;C1;u2\nadd;C1;u3\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0);
    let (u2, u3) = (env.user_id("u2").await, env.user_id("u3").await);
    let ue = env
        .rows(&format!(
            "SELECT userid, status, timestart, timeend, modifierid, timecreated, timemodified \
             FROM {{user_enrolments}} WHERE enrolid = {id} AND userid IN ({u2}, {u3}) ORDER BY userid"
        ))
        .await;
    let time: i64 = ue[0][5].parse().unwrap();
    assert!(time >= before);
    assert_eq!(
        ue,
        [
            row(&[&u2, &0, &0, &0, &2, &time, &time]),
            row(&[&u3, &0, &0, &0, &2, &time, &time])
        ]
    );
    assert_eq!(
        env.rows(&format!(
            "SELECT userid, roleid, contextid, component, itemid, timemodified FROM {{role_assignments}} \
             WHERE userid IN ({u2}, {u3}) ORDER BY userid"
        ))
        .await,
        [
            row(&[&u2, &5, &context, &"enrol_cohort", &id, &time]),
            row(&[&u3, &5, &context, &"enrol_cohort", &id, &time])
        ]
    );
    assert_eq!(
        env.rows(&format!(
            "SELECT userid, groupid, component, itemid, timeadded FROM {{groups_members}} \
             WHERE userid IN ({u2}, {u3}) ORDER BY userid"
        ))
        .await,
        [
            row(&[&u2, &group, &"enrol_cohort", &id, &time]),
            row(&[&u3, &group, &"enrol_cohort", &id, &time])
        ]
    );
    let totals = summary.totals.unwrap();
    assert_eq!(
        (
            totals.counts.cohorts.members_added,
            totals.enrolments_created,
            totals.roles_assigned,
            totals.group_members_added
        ),
        (2, 2, 2, 2)
    );
    let maths = course_enrolments(&summary, "MATHS");
    assert_eq!(
        (&maths["enrolments_created"], &maths["group_members_added"]),
        (&2.into(), &2.into())
    );
});

dbtest!(
    in_moodle_mode_nothing_is_enrolled_and_all_is_counted,
    |env| {
        let mut env = env;
        env.reconfigure("[enrolments]\nmode = \"moodle\"\n");
        env.add_users(&["u1", "u2"]).await;
        env.add_cohort("C1", "Classe 1").await;
        env.add_members("C1", &["u1"]).await;
        let (course, _) = env.add_course("MATHS", "M-1").await;
        let summary = env
            .run(
                "cohortscourses.csv",
                b"course;cohort;makegroup\nMATHS;C1;1\n",
            )
            .await;
        assert_eq!(summary.exit_code(), 0);
        assert_eq!(methods(&env, course).await.len(), 1);
        assert_eq!(json(&summary)["enrolments"]["mode"], "moodle");
        assert_eq!(
            course_enrolments(&summary, "MATHS")["pending_enrolments"],
            1
        );
        let summary = env.run("cohorts.csv", b"cidnumber;userid\nC1;u2\n").await;
        assert_eq!(summary.exit_code(), 0);
        assert_eq!(env.members("C1").await, ["u1", "u2"]);
        assert_eq!(
            course_enrolments(&summary, "MATHS")["pending_enrolments"],
            2
        );
        for table in ["user_enrolments", "role_assignments", "groups_members"] {
            assert_eq!(
                env.count(&format!("SELECT COUNT(*) FROM {{{table}}}"))
                    .await,
                0,
                "{table}"
            );
        }
        let totals = summary.totals.unwrap();
        assert_eq!((totals.enrolments_created, totals.roles_assigned), (0, 0));
    }
);

dbtest!(a_suspended_enrolment_of_a_member_is_reactivated, |env| {
    env.add_users(&["u1", "u2", "u3"]).await;
    let (u1, u2) = (env.user_id("u1").await, env.user_id("u2").await);
    let cohort = env.add_cohort("C1", "Classe 1").await;
    env.add_members("C1", &["u1"]).await;
    let (course, _) = env.add_course("MATHS", "M-1").await;
    let id = env.add_instance(course, cohort, 5, 0, 0).await;
    env.add_enrolment(id, "u1", 1).await;
    // u3 is no longer a member: their suspension stays.
    env.add_enrolment(id, "u3", 1).await;
    env.execute(&format!(
        "UPDATE {{user_enrolments}} SET modifierid = 7 WHERE userid = {u1}"
    ))
    .await;
    // An older dirty flag for u1: updated, not doubled.
    env.execute(&format!(
        "INSERT INTO {{cache_flags}} (flagtype, name, timemodified, value, expiry) \
         VALUES ('accesslib/dirtyusers', '{u1}', 50, '1', 60)"
    ))
    .await;
    let flag = env.count("SELECT id FROM {cache_flags}").await;
    let summary = env
        .run("cohorts.csv", b"cmd;cidnumber;userid\nadd;C1;u2\n")
        .await;
    assert_eq!(summary.exit_code(), 0);
    let rows = env
        .rows(&format!(
            "SELECT userid, status, modifierid, timecreated, timemodified FROM {{user_enrolments}} \
             WHERE enrolid = {id} ORDER BY userid"
        ))
        .await;
    let time: i64 = rows[0][4].parse().unwrap();
    assert_eq!(
        rows,
        [
            row(&[&u1, &0, &2, &100, &time]),
            row(&[&u2, &0, &2, &time, &time]),
            row(&[&env.user_id("u3").await, &1, &2, &100, &100]),
        ]
    );
    assert_eq!(
        env.course_roles("MATHS").await,
        [
            row(&[&"u1", &"student", &"enrol_cohort", &id]),
            row(&[&"u2", &"student", &"enrol_cohort", &id])
        ]
    );
    assert_eq!(
        env.rows(
            "SELECT id, flagtype, name, value, expiry, timemodified FROM {cache_flags} ORDER BY id"
        )
        .await,
        [
            row(&[
                &flag,
                &"accesslib/dirtyusers",
                &u1,
                &1,
                &(time + 28_800),
                &time
            ]),
            row(&[
                &(flag + 1),
                &"accesslib/dirtyusers",
                &u2,
                &1,
                &(time + 28_800),
                &time
            ]),
        ]
    );
    let totals = summary.totals.unwrap();
    assert_eq!(
        (
            totals.enrolments_created,
            totals.enrolments_reactivated,
            totals.roles_assigned
        ),
        (1, 1, 2)
    );
});

dbtest!(
    nobody_is_enrolled_when_deleted_or_through_a_disabled_binding,
    |env| {
        env.add_users(&["u1", "gone", "u3", "u4"]).await;
        env.execute("UPDATE {user} SET deleted = 1 WHERE username = 'gone'")
            .await;
        env.add_cohort("C1", "Classe 1").await;
        env.add_members("C1", &["u1", "gone"]).await;
        let c2 = env.add_cohort("C2", "Classe 2").await;
        env.add_members("C2", &["u3"]).await;
        let (course, _) = env.add_course("MATHS", "M-1").await;
        let group = env.add_group(course, "G").await;
        let disabled = env.add_instance(course, c2, 5, 1, group).await;
        let summary = env
            .run(
                "cohortscourses.csv",
                b"course;cohort;makegroup\nMATHS;C1;G\n",
            )
            .await;
        assert_eq!(summary.exit_code(), 0);
        assert_eq!(env.enrolments("MATHS").await, [["u1", "cohort", "0"]]);
        assert_eq!(env.course_roles("MATHS").await.len(), 1);
        assert_eq!(env.group_members("MATHS").await.len(), 1);
        let summary = env.run("cohorts.csv", b"cidnumber;userid\nC2;u4\n").await;
        assert_eq!(summary.exit_code(), 0);
        assert_eq!(env.members("C2").await, ["u3", "u4"]);
        assert_eq!(
            env.count(&format!(
                "SELECT COUNT(*) FROM {{user_enrolments}} WHERE enrolid = {disabled}"
            ))
            .await,
            0
        );
        assert_eq!(env.enrolments("MATHS").await.len(), 1);
        assert_eq!(env.group_members("MATHS").await.len(), 1);
    }
);

dbtest!(
    nobody_is_enrolled_when_the_site_has_cohort_sync_off,
    |env| {
        env.add_users(&["u1"]).await;
        env.add_cohort("C1", "Classe 1").await;
        env.add_members("C1", &["u1"]).await;
        let (course, _) = env.add_course("MATHS", "M-1").await;
        env.execute(
        "UPDATE {config} SET value = 'manual,guest,self,cohortx' WHERE name = 'enrol_plugins_enabled'",
    )
    .await;
        let summary = env
            .run(
                "cohortscourses.csv",
                b"course;cohort;makegroup\nMATHS;C1;1\n",
            )
            .await;
        assert_eq!(summary.exit_code(), 0);
        assert_eq!(methods(&env, course).await.len(), 1, "the binding is made");
        for table in [
            "user_enrolments",
            "role_assignments",
            "groups_members",
            "cache_flags",
        ] {
            assert_eq!(
                env.count(&format!("SELECT COUNT(*) FROM {{{table}}}"))
                    .await,
                0,
                "{table}"
            );
        }
        let report = json(&summary);
        assert_eq!(report["enrolments"]["plugin_enabled"], false);
        assert!(
            text(&summary).contains("The site has cohort sync disabled"),
            "{}",
            text(&summary)
        );
    }
);

dbtest!(members_who_leave_are_left_to_moodle_with_a_warning, |env| {
    let mut env = env;
    env.reconfigure("[enrolments]\nremovals = \"moodle\"\n");
    env.add_users(&["u1", "u2"]).await;
    env.add_cohort("C1", "Classe 1").await;
    env.add_members("C1", &["u1", "u2"]).await;
    env.add_course("MATHS", "M-1").await;
    env.run("cohortscourses.csv", b"course;cohort\nMATHS;C1\n")
        .await;
    let summary = env
        .run("cohorts.csv", b"cmd;cidnumber;userid\ndel;C1;u2\n")
        .await;
    assert_eq!(summary.exit_code(), 0);
    assert_eq!(env.members("C1").await, ["u1"]);
    assert_eq!(
        env.enrolments("MATHS").await,
        [["u1", "cohort", "0"], ["u2", "cohort", "0"]],
        "the enrolment stays until Moodle's task"
    );
    assert_eq!(env.course_roles("MATHS").await.len(), 2);
    let maths = course_enrolments(&summary, "MATHS");
    assert_eq!(
        (
            &maths["pending_unenrolments"],
            &maths["pending_role_removals"]
        ),
        (&1.into(), &0.into())
    );
    assert_eq!(json(&summary)["totals"]["pending_unenrolments"], 1);
    assert_eq!(json(&summary)["enrolments"]["unenrol_action"], "unenrol");
    let report = text(&summary);
    assert!(report.contains("WARNING"), "{report}");
    assert!(report.contains("no longer in the bound cohort"), "{report}");

    env.execute(
        "UPDATE {config_plugins} SET value = '2' WHERE plugin = 'enrol_cohort' AND name = 'unenrolaction'",
    )
    .await;
    env.reconfigure("[enrolments]\nremovals = \"moodle\"\n");
    let summary = env
        .run("cohorts.csv", b"cmd;cidnumber;userid\ndel;C1;u1\n")
        .await;
    assert_eq!(summary.exit_code(), 0);
    assert_eq!(env.enrolments("MATHS").await.len(), 2);
    assert_eq!(
        course_enrolments(&summary, "MATHS")["pending_unenrolments"],
        2
    );
    let report = text(&summary);
    assert!(!report.contains("WARNING"), "{report}");
    assert!(report.contains("suspend 2 "), "{report}");
    assert_eq!(json(&summary)["enrolments"]["unenrol_action"], "suspend");
});

dbtest!(
    a_dry_run_changes_nothing_and_says_what_a_run_would_do,
    |env| {
        env.add_users(&["u1", "u2", "u3"]).await;
        let c1 = env.add_cohort("C1", "Classe 1").await;
        env.add_cohort("C2", "Classe 2").await;
        env.add_members("C1", &["u1", "u2"]).await;
        env.add_members("C2", &["u3"]).await;
        let (maths, _) = env.add_course("MATHS", "M-1").await;
        env.add_course("PHYS", "P-1").await;
        let disabled = env.add_instance(maths, c1, 4, 1, 0).await;
        env.add_enrolment(disabled, "u1", 1).await;
        env.run("cohortscourses.csv", b"course;cohort\nPHYS;C2\n")
            .await;
        let file = "cmd;course;cohort;role;makegroup\n\
                add;MATHS;C1;student;1\n\
                add;MATHS;C1;teacher;\n\
                fulldel;PHYS;C2;student;\n\
                add;MATHS;C2;student;Classe 1\n\
                add;NOPE;C2;student;\n"
            .as_bytes();
        let before = dump(&env).await;
        let simulation = env.dry_run("cohortscourses.csv", file).await;
        assert_eq!(simulation.exit_code(), 1);
        assert_eq!(dump(&env).await, before, "a simulation writes nothing");
        let simulated = json(&simulation);
        assert_eq!(simulated["simulation"], true);
        let totals = &simulated["totals"];
        for (key, value) in [
            ("bindings_created", 2),
            ("bindings_enabled", 1),
            ("bindings_deleted", 1),
            ("groups_created", 1),
            ("enrolments_created", 4),
            ("enrolments_reactivated", 1),
            ("roles_assigned", 5),
            ("group_members_added", 3),
        ] {
            assert_eq!(totals[key], value, "{key}: {totals}");
        }

        // A cohort file's enrolments are simulated too.
        let cohorts = b"cidnumber;userid\nC2;u1\n";
        let simulation_of_cohorts = env.dry_run("cohorts.csv", cohorts).await;
        assert_eq!(dump(&env).await, before);
        assert_eq!(
            json(&simulation_of_cohorts)["totals"]["enrolments_created"],
            1
        );

        let real = env.run("cohortscourses.csv", file).await;
        assert_ne!(dump(&env).await, before);
        assert_eq!(json(&real)["totals"], simulated["totals"]);
    }
);

dbtest!(binding_files_are_told_by_their_name_or_kind, |env| {
    env.add_users(&["u1"]).await;
    env.add_cohort("C1", "Classe 1").await;
    env.add_cohort("C2", "Classe 2").await;
    env.add_members("C1", &["u1"]).await;
    let (course, _) = env.add_course("MATHS", "M-1").await;

    // By name, case-insensitively, before the cohort pattern that also matches it.
    let summary = env
        .run("CohortsCourses_2026.CSV", b"course;cohort\nMATHS;C1\n")
        .await;
    assert_eq!(summary.exit_code(), 0);
    assert_eq!(json(&summary)["kind"], "bindings");
    assert_eq!(methods(&env, course).await.len(), 1);

    // By --kind, whatever the name.
    env.drop_file("x.csv", b"course;cohort;role\nMATHS;C2;teacher\nNOPE;C2;\n");
    let output = env.cli(&["run", "--kind", "bindings", "spool/x.csv"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("reports/cohortscourses_x_tryback_"),
        "the tryback is routed as a binding file: {stdout}"
    );
    assert_eq!(methods(&env, course).await.len(), 2);

    // Neither: a usage error, nothing read.
    let path = env.drop_file("y.csv", b"course;cohort\nMATHS;C2\n");
    let output = env.cli(&["run", "spool/y.csv"]);
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot tell what kind"), "{stderr}");
    assert!(path.exists());

    // The header of the other kind: refused as a whole.
    let before = dump(&env).await;
    let members = env.memberships().await;
    let summary = env
        .run(
            "cohortscourses_bad.csv",
            b"cmd;cidnumber;userid\nadd;C2;u1\n",
        )
        .await;
    assert_eq!(summary.status, RunStatus::Rejected);
    assert_eq!(summary.exit_code(), 2);
    let error = summary.error.unwrap();
    assert!(error.contains("this is a cohorts file"), "{error}");
    let summary = env
        .run("cohorts_bad.csv", b"course;cohort;role\nMATHS;C2;student\n")
        .await;
    assert_eq!(summary.status, RunStatus::Rejected);
    let error = summary.error.unwrap();
    assert!(error.contains("this is a bindings file"), "{error}");
    assert_eq!(dump(&env).await, before);
    assert_eq!(env.memberships().await, members);
});

dbtest!(moodle_cohort_sync_finds_nothing_left_to_add, |env| {
    env.add_users(&["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "gone"])
        .await;
    env.execute("UPDATE {user} SET deleted = 1 WHERE username = 'gone'")
        .await;
    env.add_cohort("C1", "Classe 1").await;
    let c2 = env.add_cohort("C2", "Classe 2").await;
    let c3 = env.add_cohort("C3", "Classe 3").await;
    env.add_members("C1", &["u1", "u2", "u3", "gone"]).await;
    env.add_members("C2", &["u3", "u4", "u5"]).await;
    env.add_members("C3", &["u6"]).await;
    let (a, _) = env.add_course("A", "A").await;
    let (b, _) = env.add_course("B", "B").await;
    let (c, _) = env.add_course("C", "C").await;
    env.add_group(a, "GA").await;
    let gb = env.add_group(b, "GB").await;
    // B: an older binding of C2, with a suspended enrolment (u4) and one without its role (u5).
    let old = env.add_instance(b, c2, 4, 0, gb).await;
    env.add_enrolment(old, "u4", 1).await;
    env.add_enrolment(old, "u5", 0).await;
    // A: u1 enrolled by hand.
    let manual = env.add_method("manual", a, None, 5, 0, 0).await;
    env.add_enrolment(manual, "u1", 0).await;
    // C: a disabled binding of C3.
    env.add_instance(c, c3, 5, 1, 0).await;

    let summary = env
        .run(
            "cohortscourses.csv",
            "course;cohort;role;makegroup\n\
             A;C1;student;GA\n\
             A;C2;teacher;1\n\
             B;C1;student;0\n\
             C;C2;editingteacher;1\n\
             C;C3;student;\n"
                .as_bytes(),
        )
        .await;
    assert_eq!(summary.exit_code(), 0, "{}", text(&summary));
    let summary = env
        .run(
            "cohorts.csv",
            b"cmd;cidnumber;userid\nadd;C1;u7\ndel;C1;u2\nadd;C3;u8\nadd;C2;u9\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0, "{}", text(&summary));
    assert!(env.enrolments("A").await.len() > 3);

    // Step 2: members without an enrolment, or with a suspended one, in an enabled method.
    let step2 = env
        .rows(
            "SELECT cm.userid, e.id FROM {cohort_members} cm \
             JOIN {enrol} e ON e.customint1 = cm.cohortid AND e.enrol = 'cohort' AND e.status = 0 \
             JOIN {user} u ON u.id = cm.userid AND u.deleted = 0 \
             LEFT JOIN {user_enrolments} ue ON ue.enrolid = e.id AND ue.userid = cm.userid \
             WHERE ue.id IS NULL OR ue.status = 1",
        )
        .await;
    assert!(step2.is_empty(), "step 2: {step2:?}");
    // Step 4: active enrolments of enabled methods without the method's role.
    let step4 = env
        .rows(
            "SELECT ue.userid, e.id FROM {user_enrolments} ue \
             JOIN {enrol} e ON e.id = ue.enrolid AND e.enrol = 'cohort' AND e.status = 0 \
             JOIN {role} r ON r.id = e.roleid \
             JOIN {context} ctx ON ctx.contextlevel = 50 AND ctx.instanceid = e.courseid \
             JOIN {user} u ON u.id = ue.userid AND u.deleted = 0 \
             LEFT JOIN {role_assignments} ra ON ra.contextid = ctx.id AND ra.userid = ue.userid \
             AND ra.itemid = e.id AND ra.component = 'enrol_cohort' AND ra.roleid = e.roleid \
             WHERE ue.status = 0 AND ra.id IS NULL",
        )
        .await;
    assert!(step4.is_empty(), "step 4: {step4:?}");
    // Step 6: memberships given in another group than the method's, and enrolments missing
    // from the method's group.
    let misplaced = env
        .rows(
            "SELECT gm.userid, gm.groupid, e.id FROM {groups_members} gm \
             JOIN {enrol} e ON e.id = gm.itemid AND e.enrol = 'cohort' \
             WHERE gm.component = 'enrol_cohort' AND gm.groupid <> e.customint2",
        )
        .await;
    assert!(misplaced.is_empty(), "step 6: {misplaced:?}");
    let ungrouped = env
        .rows(
            "SELECT ue.userid, e.id FROM {user_enrolments} ue \
             JOIN {enrol} e ON e.id = ue.enrolid AND e.enrol = 'cohort' \
             JOIN {user} u ON u.id = ue.userid AND u.deleted = 0 \
             JOIN {groups} g ON g.id = e.customint2 AND g.courseid = e.courseid \
             LEFT JOIN {groups_members} gm ON gm.groupid = g.id AND gm.userid = ue.userid \
             WHERE gm.id IS NULL",
        )
        .await;
    assert!(ungrouped.is_empty(), "step 6: {ungrouped:?}");

    // What is left to Moodle: u2's enrolment in A and B (suspended at once), and nothing for
    // the deleted account.
    assert_eq!(
        env.count("SELECT COUNT(*) FROM {user_enrolments} ue JOIN {user} u ON u.id = ue.userid WHERE u.username = 'gone'")
            .await,
        0
    );
    assert_eq!(json(&summary)["totals"]["pending_unenrolments"], 2);
    assert_eq!(
        env.enrolments("B").await,
        [
            ["u1", "cohort", "0"],
            ["u2", "cohort", "1"],
            ["u3", "cohort", "0"],
            ["u3", "cohort", "0"],
            ["u4", "cohort", "0"],
            ["u5", "cohort", "0"],
            ["u7", "cohort", "0"],
            ["u9", "cohort", "0"],
        ]
    );
});

dbtest!(failed_lines_go_to_the_tryback_under_the_header, |env| {
    env.add_users(&["u1"]).await;
    env.add_cohort("C1", "Classe 1").await;
    env.add_members("C1", &["u1"]).await;
    env.add_course("MATHS", "M-1").await;
    let file = "cmd;course;cohort;role\r\nadd;MATHS;C1;student\r\nadd;NOPE;C1;student\r\nrestore;MATHS;C1;teacher\r\nadd;MATHS;C1;*\r\n"
        .as_bytes();
    let summary = env.run("cohortscourses_2026.csv", file).await;
    assert_eq!(summary.exit_code(), 1);
    let tryback = summary.tryback.clone().unwrap();
    let name = tryback.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("cohortscourses_2026_tryback_") && name.ends_with(".csv"),
        "{name}"
    );
    let bytes = std::fs::read(&tryback).unwrap();
    assert_eq!(
        bytes,
        "cmd;course;cohort;role\r\nadd;NOPE;C1;student\r\nrestore;MATHS;C1;teacher\r\nadd;MATHS;C1;*\r\n"
            .as_bytes()
    );
    let report = json(&summary);
    let error = &report["lines"][1]["error"];
    assert_eq!(
        (&error["column"], &error["value"]),
        (&"course".into(), &"NOPE".into())
    );

    // Fixed, the tryback dropped again applies as a binding file.
    env.add_course("NOPE", "N-1").await;
    let fixed = String::from_utf8(bytes)
        .unwrap()
        .replace("restore;MATHS;C1;teacher\r\n", "")
        .replace("add;MATHS;C1;*\r\n", "");
    let summary = env.run(&name, fixed.as_bytes()).await;
    assert_eq!(summary.exit_code(), 0, "{}", text(&summary));
    assert_eq!(env.enrolments("NOPE").await, [["u1", "cohort", "0"]]);
});

dbtest!(a_line_sees_what_earlier_lines_of_its_file_did, |env| {
    env.add_users(&["u1"]).await;
    let (c1, c2, c3) = (
        env.add_cohort("C1", "Classe 1").await,
        env.add_cohort("C2", "Classe 2").await,
        env.add_cohort("C3", "Classe 3").await,
    );
    env.add_members("C1", &["u1"]).await;
    env.add_members("C2", &["u1"]).await;
    let (course, _) = env.add_course("MATHS", "M-1").await;
    env.add_method("manual", course, None, 5, 0, 0).await;
    let summary = env
        .run(
            "cohortscourses.csv",
            "cmd;course;cohort;role;makegroup\n\
             add;MATHS;C1;student;1\n\
             add;MATHS;C1;student;1\n\
             add;MATHS;C1;teacher;1\n\
             del;MATHS;C1;teacher;\n\
             add;MATHS;C2;student;\n\
             fulldel;MATHS;C2;student;\n\
             add;MATHS;C3;student;\n"
                .as_bytes(),
        )
        .await;
    assert_eq!(summary.exit_code(), 0, "{}", text(&summary));
    assert_eq!(
        statuses(&summary),
        [
            "changed",
            "unchanged",
            "changed",
            "changed",
            "changed",
            "changed",
            "changed"
        ]
    );
    let totals = summary.totals.unwrap();
    assert_eq!(
        (
            totals.counts.bindings.bindings_created,
            totals.counts.bindings.bindings_disabled,
            totals.counts.bindings.bindings_deleted,
            totals.counts.bindings.groups_created
        ),
        (4, 1, 1, 1)
    );
    let group = env
        .count("SELECT id FROM {groups} WHERE name = 'Classe 1'")
        .await;
    assert_eq!(env.count("SELECT COUNT(*) FROM {groups}").await, 1);
    assert_eq!(
        env.rows(&format!(
            "SELECT sortorder, status, roleid, customint1, customint2 FROM {{enrol}} \
             WHERE courseid = {course} AND enrol = 'cohort' ORDER BY id"
        ))
        .await,
        [
            row(&[&1, &0, &5, &c1, &group]),
            row(&[&2, &1, &4, &c1, &group]),
            row(&[&3, &0, &5, &c3, &0])
        ]
    );
    assert_eq!(
        env.count(&format!(
            "SELECT COUNT(*) FROM {{enrol}} WHERE customint1 = {c2}"
        ))
        .await,
        0
    );
    // C3's binding comes after the course's last remaining method, as Moodle's
    // `add_instance` would place it; only the enabled bindings enrol.
    assert_eq!(env.enrolments("MATHS").await, [["u1", "cohort", "0"]]);
    assert_eq!(
        env.course_roles("MATHS")
            .await
            .iter()
            .map(|row| row[1].clone())
            .collect::<Vec<_>>(),
        ["student"]
    );
    assert_eq!(env.group_members("MATHS").await.len(), 1);
});

dbtest!(
    fulldel_keeps_course_roles_while_another_binding_enrols_the_user,
    |env| {
        env.add_users(&["u1"]).await;
        let u1 = env.user_id("u1").await;
        env.add_cohort("C1", "Classe 1").await;
        env.add_members("C1", &["u1"]).await;
        let (course, context) = env.add_course("MATHS", "M-1").await;
        env.run(
            "cohortscourses.csv",
            b"course;cohort;role\nMATHS;C1;student\nMATHS;C1;teacher\n",
        )
        .await;
        env.execute(&format!(
            "INSERT INTO {{role_assignments}} (roleid, contextid, userid, timemodified, modifierid, component, itemid, sortorder) \
             VALUES (3, {context}, {u1}, 100, 2, '', 0, 0)"
        ))
        .await;
        let student: i64 = methods(&env, course).await[0][0].parse().unwrap();
        let summary = env
            .run(
                "cohortscourses.csv",
                b"cmd;course;cohort;role\nfulldel;MATHS;C1;teacher\n",
            )
            .await;
        assert_eq!(summary.exit_code(), 0);
        assert_eq!(
            env.course_roles("MATHS").await,
            [
                row(&[&"u1", &"editingteacher", &"", &0]),
                row(&[&"u1", &"student", &"enrol_cohort", &student])
            ]
        );
        // Both at once: the last enrolment goes, and every course role with it.
        env.run(
            "cohortscourses.csv",
            b"course;cohort;role\nMATHS;C1;teacher\n",
        )
        .await;
        let summary = env
            .run(
                "cohortscourses.csv",
                b"cmd;course;cohort;role\nfulldel;MATHS;C1;*\n",
            )
            .await;
        assert_eq!(summary.totals.unwrap().counts.bindings.bindings_deleted, 2);
        assert!(env.enrolments("MATHS").await.is_empty());
        assert!(env.course_roles("MATHS").await.is_empty());
    }
);

/// One course bound to cohort C1 (u1, u2) with a group of its own, under the site's unenrol
/// action `action`; then u2 leaves C1. Returns the summary of the cohort file.
async fn member_leaves_under(env: &TestEnv, action: i64) -> RunSummary {
    env.execute(&format!(
        "UPDATE {{config_plugins}} SET value = '{action}' WHERE plugin = 'enrol_cohort' AND name = 'unenrolaction'"
    ))
    .await;
    env.add_users(&["u1", "u2"]).await;
    env.add_cohort("C1", "Classe 1").await;
    env.add_members("C1", &["u1", "u2"]).await;
    env.add_course("MATHS", "M-1").await;
    let summary = env
        .run(
            "cohortscourses.csv",
            b"course;cohort;role;makegroup\nMATHS;C1;student;1\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0, "{}", text(&summary));
    assert_eq!(env.course_roles("MATHS").await.len(), 2);
    assert_eq!(env.group_members("MATHS").await.len(), 2);
    let summary = env
        .run("cohorts.csv", b"cmd;cidnumber;userid\ndel;C1;u2\n")
        .await;
    assert_eq!(summary.exit_code(), 0, "{}", text(&summary));
    summary
}

/// The users holding a role in a course, by username.
async fn role_holders(env: &TestEnv, course: &str) -> Vec<String> {
    env.course_roles(course)
        .await
        .into_iter()
        .map(|row| row[0].clone())
        .collect()
}

dbtest!(
    a_member_who_leaves_loses_access_at_once_under_unenrol,
    |env| {
        let summary = member_leaves_under(&env, 0).await;
        // Suspended now, its role gone; the unenrolment (grades, group memberships) stays
        // Moodle's task's, which finds u2 outside the cohort and unenrols them.
        assert_eq!(
            env.enrolments("MATHS").await,
            [["u1", "cohort", "0"], ["u2", "cohort", "1"]]
        );
        assert_eq!(role_holders(&env, "MATHS").await, ["u1"]);
        assert_eq!(env.group_members("MATHS").await.len(), 2);
        let maths = course_enrolments(&summary, "MATHS");
        assert_eq!(
            (
                &maths["enrolments_suspended"],
                &maths["roles_removed"],
                &maths["pending_unenrolments"]
            ),
            (&1.into(), &1.into(), &1.into())
        );
        let report = text(&summary);
        assert!(
            report.contains("1 enrolment of users no longer in the bound cohort suspended"),
            "{report}"
        );
        assert!(
        report.contains("remove 1 enrolment of users no longer in the bound cohort (suspended: no access meanwhile)"),
        "{report}"
    );
        assert!(report.contains("WARNING"), "{report}");
        // Suspension and role removal mark the user's access dirty for logged-in sessions.
        let u2 = env.user_id("u2").await;
        assert_eq!(
        env.count(&format!(
            "SELECT COUNT(*) FROM {{cache_flags}} WHERE flagtype = 'accesslib/dirtyusers' AND name = '{u2}'"
        ))
        .await,
        1
    );
    }
);

dbtest!(a_member_who_leaves_keeps_everything_under_keep, |env| {
    let summary = member_leaves_under(&env, 1).await;
    assert_eq!(
        env.enrolments("MATHS").await,
        [["u1", "cohort", "0"], ["u2", "cohort", "0"]]
    );
    assert_eq!(role_holders(&env, "MATHS").await, ["u1", "u2"]);
    assert_eq!(env.group_members("MATHS").await.len(), 2);
    let maths = course_enrolments(&summary, "MATHS");
    assert_eq!(
        (&maths["enrolments_suspended"], &maths["roles_removed"]),
        (&0.into(), &0.into())
    );
});

dbtest!(
    a_member_who_leaves_is_suspended_with_roles_under_suspend,
    |env| {
        let summary = member_leaves_under(&env, 2).await;
        assert_eq!(
            env.enrolments("MATHS").await,
            [["u1", "cohort", "0"], ["u2", "cohort", "1"]]
        );
        assert_eq!(role_holders(&env, "MATHS").await, ["u1", "u2"]);
        assert_eq!(env.group_members("MATHS").await.len(), 2);
        let maths = course_enrolments(&summary, "MATHS");
        assert_eq!(
            (
                &maths["enrolments_suspended"],
                &maths["roles_removed"],
                &maths["pending_unenrolments"]
            ),
            (&1.into(), &0.into(), &0.into())
        );
        assert!(!text(&summary).contains("WARNING"));
    }
);

dbtest!(
    a_member_who_leaves_is_suspended_without_roles_under_suspend_and_remove_roles,
    |env| {
        let summary = member_leaves_under(&env, 3).await;
        assert_eq!(
            env.enrolments("MATHS").await,
            [["u1", "cohort", "0"], ["u2", "cohort", "1"]]
        );
        assert_eq!(role_holders(&env, "MATHS").await, ["u1"]);
        assert_eq!(env.group_members("MATHS").await.len(), 2);
        let maths = course_enrolments(&summary, "MATHS");
        assert_eq!(
            (
                &maths["enrolments_suspended"],
                &maths["roles_removed"],
                &maths["pending_unenrolments"],
                &maths["pending_role_removals"]
            ),
            (&1.into(), &1.into(), &0.into(), &0.into())
        );
    }
);

dbtest!(a_deleted_bound_cohort_takes_access_away_at_once, |env| {
    env.add_users(&["u1", "u2"]).await;
    env.add_cohort("C1", "Classe 1").await;
    env.add_members("C1", &["u1", "u2"]).await;
    let (course, _) = env.add_course("MATHS", "M-1").await;
    env.run("cohortscourses.csv", b"course;cohort\nMATHS;C1\n")
        .await;
    let summary = env
        .run("cohorts.csv", b"cmd;cidnumber;userid\ndel;C1;\n")
        .await;
    assert_eq!(summary.exit_code(), 0, "{}", text(&summary));
    assert_eq!(
        methods(&env, course).await[0][1],
        "1",
        "the binding is disabled"
    );
    assert_eq!(
        env.enrolments("MATHS").await,
        [["u1", "cohort", "1"], ["u2", "cohort", "1"]]
    );
    assert!(env.course_roles("MATHS").await.is_empty());
    let maths = course_enrolments(&summary, "MATHS");
    assert_eq!(
        (
            &maths["enrolments_suspended"],
            &maths["roles_removed"],
            &maths["pending_unenrolments"]
        ),
        (&2.into(), &2.into(), &2.into())
    );
});

dbtest!(removals_left_to_moodle_change_nothing, |env| {
    let mut env = env;
    env.reconfigure("[enrolments]\nremovals = \"moodle\"\n");
    let summary = member_leaves_under(&env, 3).await;
    assert_eq!(
        env.enrolments("MATHS").await,
        [["u1", "cohort", "0"], ["u2", "cohort", "0"]]
    );
    assert_eq!(role_holders(&env, "MATHS").await, ["u1", "u2"]);
    let maths = course_enrolments(&summary, "MATHS");
    assert_eq!(
        (
            &maths["enrolments_suspended"],
            &maths["pending_unenrolments"],
            &maths["pending_role_removals"]
        ),
        (&0.into(), &1.into(), &1.into())
    );
    assert_eq!(json(&summary)["enrolments"]["removals"], "moodle");
});

dbtest!(
    dates_without_an_offset_are_read_in_the_site_time_zone,
    |env| {
        env.add_cohort("C1", "Classe 1").await;
        env.add_cohort("C2", "Classe 2").await;
        let (course, _) = env.add_course("MATHS", "M-1").await;
        // The site's zone, as a real site stores it: midnight of British Summer Time (UTC+1),
        // then of Greenwich Mean Time, whatever the server's zone.
        env.set_config("timezone", "Europe/London").await;
        env.set_config("forcetimezone", "99").await;
        let summary = env
            .run(
                "cohortscourses.csv",
                b"course;cohort;role;enrolstart;enrolend\nMATHS;C1;student;2026-07-01;15/01/2027\n",
            )
            .await;
        assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
        let utc = |y, m, d, h| Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().timestamp();
        let dates = |methods: Vec<Vec<String>>| -> Vec<Vec<String>> {
            methods
                .into_iter()
                .map(|method| method[5..].to_vec())
                .collect()
        };
        assert_eq!(
            dates(methods(&env, course).await),
            [row(&[&utc(2026, 6, 30, 23), &utc(2027, 1, 15, 0)])]
        );
        // The report shows them as the file gave them.
        assert!(
            text(&summary)
                .contains("enrolment from 2026-07-01 00:00, enrolment until 2027-01-15 00:00"),
            "{}",
            text(&summary)
        );

        // forcetimezone, when set, wins over the site's zone.
        env.set_config("forcetimezone", "Europe/Paris").await;
        let summary = env
        .run(
            "cohortscourses.csv",
            b"course;cohort;role;enrolstart;enrolend\nMATHS;C2;student;2026-07-01;2027-01-15T08:00:00Z\n",
        )
        .await;
        assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
        assert_eq!(
            dates(methods(&env, course).await),
            [
                row(&[&utc(2026, 6, 30, 23), &utc(2027, 1, 15, 0)]),
                row(&[&utc(2026, 6, 30, 22), &utc(2027, 1, 15, 8)]),
            ]
        );
    }
);

dbtest!(deleting_a_bound_cohort_marks_its_courses_dirty, |env| {
    env.add_users(&["u1"]).await;
    env.add_cohort("C1", "Classe 1").await;
    env.add_members("C1", &["u1"]).await;
    let (_, context) = env.add_course("MATHS", "M-1").await;
    env.add_course("OTHER", "O-1").await;
    let summary = env
        .run("cohortscourses.csv", b"course;cohort\nMATHS;C1\n")
        .await;
    assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
    env.execute("DELETE FROM {cache_flags}").await;
    let before = now();
    let summary = env
        .run("cohorts.csv", b"cmd;cidnumber;userid\ndel;C1;\n")
        .await;
    assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
    // The method is disabled, as `update_status()` would; the course's users reload their
    // access (Moodle's observer, deleting the method, marks the same context).
    let path = env
        .rows(&format!(
            "SELECT path FROM {{context}} WHERE id = {context}"
        ))
        .await
        .remove(0)
        .remove(0);
    // And u1, whose enrolment is suspended at once, reloads theirs.
    let flags = flags(&env).await;
    assert_eq!(flags.len(), 2, "{flags:?}");
    let u1 = env.user_id("u1").await.to_string();
    assert_eq!(
        (flags[1][0].as_str(), flags[1][1].as_str()),
        ("accesslib/dirtyusers", u1.as_str())
    );
    let time: i64 = flags[0][4].parse().unwrap();
    assert!(time >= before);
    assert_eq!(
        flags[0],
        row(&[
            &"accesslib/dirtycontexts",
            &path,
            &1,
            &(time + 28_800),
            &time
        ])
    );
});
