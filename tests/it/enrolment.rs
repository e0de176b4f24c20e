//! Enrolment files (`enrols*.csv`): course enrolments, their roles and groups, asserted on the
//! rows they leave; bad lines reported with their column and value while the rest applies.
//! The rows Moodle's own API writes for the same commands are checked by the enrolment
//! scenario (`scenario.rs`).

use moodle_sync::{outcome::RunStatus, output::summary::RunSummary};
use serde_json::Value;

use crate::{
    dbtest,
    support::{TestEnv, failures},
};

/// The JSON report of a run.
fn json(summary: &RunSummary) -> Value {
    serde_json::from_slice(&std::fs::read(&summary.report_json).unwrap()).unwrap()
}

/// The text report of a run.
fn text(summary: &RunSummary) -> String {
    std::fs::read_to_string(&summary.report).unwrap()
}

/// A course `MATHS` with a manual method giving the student role (5), users `u1`…`u3`.
async fn maths(env: &TestEnv) -> (i64, i64) {
    env.add_users(&["u1", "u2", "u3"]).await;
    let (course, _) = env.add_course("MATHS", "M-1").await;
    let manual = env.add_method("manual", course, None, 5, 0, 0).await;
    (course, manual)
}

dbtest!(
    bad_lines_name_their_column_and_value_and_the_rest_applies,
    |env| {
        let (maths, _) = maths(&env).await;
        env.add_course("BARE", "B-1").await;
        let (closed, _) = env.add_course("CLOSED", "C-1").await;
        env.add_method("manual", closed, None, 5, 1, 0).await;
        env.add_group(maths, "Groupe A").await;
        let file = "cmd;rolename;uid;cid;starttime;endtime;enrol;gcmd;g1\n\
                add;student;u1;MATHS;2026-09-01;2027-07-01;;gadd;Groupe A\n\
                add;student;nobody;MATHS;;;;;\n\
                add;student;u2;NOPE;;;;;\n\
                add;wizard;u2;MATHS;;;;;\n\
                add;guest;u2;MATHS;;;;;\n\
                add;student;u2;MATHS;2026-13-45;;;;\n\
                add;student;u2;MATHS;2027-01-01;2026-01-01;;;\n\
                add;student;u2;BARE;;;;;\n\
                add;student;u2;CLOSED;;;;;\n\
                add;student;u2;MATHS;;;cohort;;\n\
                add;student;u3;MATHS;;;;gadd;Groupe Z\n\
                fly;student;u3;MATHS;;;;;\n";
        let summary = env.run("enrols_bad.csv", file.as_bytes()).await;
        assert_eq!(summary.status, RunStatus::Partial, "{}", text(&summary));
        assert_eq!(summary.exit_code(), 1);

        let report = json(&summary);
        let errors: Vec<(u64, String, String)> = report["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|line| line["status"] == "failed")
            .map(|line| {
                (
                    line["line"].as_u64().unwrap(),
                    line["error"]["column"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    line["error"]["value"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
            })
            .collect();
        let expected: Vec<(u64, String, String)> = [
            (3, "uid", "nobody"),
            (4, "cid", "NOPE"),
            (5, "rolename", "wizard"),
            (6, "rolename", "guest"),
            (7, "starttime", "2026-13-45"),
            (8, "endtime", "2026-01-01"),
            (9, "enrol", "manual"),
            (10, "enrol", "manual"),
            (11, "enrol", "cohort"),
            (12, "g1", "Groupe Z"),
            (13, "cmd", "fly"),
        ]
        .into_iter()
        .map(|(line, column, value)| (line, column.to_owned(), value.to_owned()))
        .collect();
        assert_eq!(errors, expected);
        let messages = failures(&summary);
        for (line, wanted) in [
            (3, "unknown user \"nobody\" (matched by idnumber"),
            (4, "course \"NOPE\" not found (matched by shortname)"),
            (5, "role \"wizard\" not found"),
            (6, "role \"guest\" cannot be assigned in a course"),
            (7, "\"2026-13-45\" is not a date"),
            (
                8,
                "endtime \"2026-01-01\" is before starttime \"2027-01-01\"",
            ),
            (9, "course BARE has no enrolment method \"manual\""),
            (
                10,
                "course CLOSED has no enabled enrolment method \"manual\"",
            ),
            (11, "never changed by an enrolment file"),
            (12, "course MATHS has no group named \"Groupe Z\""),
            (13, "unknown command \"fly\""),
        ] {
            let message = &messages.iter().find(|(at, _)| *at == line).unwrap().1;
            assert!(message.contains(wanted), "line {line}: {message}");
        }

        // The good line applied, and nothing of the failed ones: u3's enrolment (line 12) is not
        // made when its group fails.
        assert_eq!(env.enrolments("MATHS").await, [["u1", "manual", "0"]]);
        assert_eq!(
            env.course_roles("MATHS").await,
            [["u1", "student", "", "0"]]
        );
        assert_eq!(
            env.group_members("MATHS").await,
            [["Groupe A", "u1", "", "0"]]
        );
        assert!(env.enrolments("CLOSED").await.is_empty());

        // The tryback holds the header and exactly the failed lines.
        let tryback = std::fs::read_to_string(summary.tryback.clone().unwrap()).unwrap();
        let mut lines = file.lines();
        let header = lines.next().unwrap();
        let failed: Vec<&str> = lines.skip(1).collect();
        assert_eq!(tryback, format!("{header}\n{}\n", failed.join("\n")));
    }
);

dbtest!(
    a_learner_is_moved_between_groups_and_a_teacher_shifted,
    |env| {
        let (maths, _) = maths(&env).await;
        let cohort = env.add_cohort("C1", "Classe 1").await;
        let bound = env.add_instance(maths, cohort, 5, 0, 0).await;
        let group_a = env.add_group(maths, "Groupe A").await;
        // u2 is also enrolled by cohort sync, with its role and a membership of Groupe A.
        env.add_enrolment(bound, "u2", 0).await;
        let u2 = env.user_id("u2").await;
        let context = env
            .count(&format!(
                "SELECT id FROM {{context}} WHERE contextlevel = 50 AND instanceid = {maths}"
            ))
            .await;
        env.execute(&format!(
        "INSERT INTO {{role_assignments}} (roleid, contextid, userid, timemodified, modifierid, component, itemid, sortorder) \
         VALUES (5, {context}, {u2}, 100, 2, 'enrol_cohort', {bound}, 0)"
    ))
    .await;
        env.execute(&format!(
            "INSERT INTO {{groups_members}} (groupid, userid, timeadded, component, itemid) \
         VALUES ({group_a}, {u2}, 100, 'enrol_cohort', {bound})"
        ))
        .await;

        let first = "cmd;rolename;uid;cid;gcmd;g1;g2\n\
                 add;student;u1;MATHS;gaddcreate;Groupe A;Groupe B\n\
                 add;student;u2;MATHS;gadd;Groupe B;\n\
                 add;editingteacher;u3;MATHS;;;\n";
        let summary = env.run("enrols_1.csv", first.as_bytes()).await;
        assert_eq!(summary.status, RunStatus::Success, "{}", text(&summary));
        assert_eq!(
            env.group_members("MATHS").await,
            [
                ["Groupe A", "u1", "", "0"],
                ["Groupe A", "u2", "enrol_cohort", &bound.to_string()],
                ["Groupe B", "u1", "", "0"],
                ["Groupe B", "u2", "", "0"],
            ]
        );
        let totals = &json(&summary)["totals"];
        assert_eq!(
            (
                &totals["course_enrolments_added"],
                &totals["course_groups_created"],
                &totals["course_group_members_added"]
            ),
            (&3.into(), &1.into(), &3.into())
        );

        // u1 moves to Groupe B only; u2's cohort membership stays, said so; u3 becomes a
        // non-editing teacher; u1 is suspended, then u2's manual enrolment goes (not their last:
        // cohort sync keeps them in, with its role and group).
        let second = "cmd;rolename;uid;cid;gcmd;g1\n\
                  add;student;u1;MATHS;greplace;Groupe B\n\
                  add;student;u2;MATHS;greplace;Groupe B\n\
                  shift;teacher;u3;MATHS;;\n\
                  suspend;student;u1;MATHS;;\n\
                  del;student;u2;MATHS;;\n";
        let summary = env.run("enrols_2.csv", second.as_bytes()).await;
        assert_eq!(summary.status, RunStatus::Success, "{}", text(&summary));
        assert!(
        text(&summary).contains("stays in group \"Groupe A\" of course MATHS: the membership was given by enrol_cohort"),
        "{}",
        text(&summary)
    );
        assert_eq!(
            env.enrolments("MATHS").await,
            [
                ["u1", "manual", "1"],
                ["u2", "cohort", "0"],
                ["u3", "manual", "0"],
            ]
        );
        assert_eq!(
            env.course_roles("MATHS").await,
            [
                ["u1", "student", "", "0"],
                ["u2", "student", "", "0"],
                ["u2", "student", "enrol_cohort", &bound.to_string()],
                ["u3", "teacher", "", "0"],
            ]
        );
        assert_eq!(
            env.group_members("MATHS").await,
            [
                ["Groupe A", "u2", "enrol_cohort", &bound.to_string()],
                ["Groupe B", "u1", "", "0"],
                ["Groupe B", "u2", "", "0"],
            ]
        );
        // Every user whose access changed must reload it.
        let dirty = env
        .rows("SELECT name FROM {cache_flags} WHERE flagtype = 'accesslib/dirtyusers' ORDER BY name")
        .await;
        for user in ["u1", "u2", "u3"] {
            let id = env.user_id(user).await.to_string();
            assert!(dirty.iter().any(|row| row[0] == id), "{user}: {dirty:?}");
        }
    }
);

dbtest!(
    a_last_unenrolment_takes_every_role_and_group_of_the_course,
    |env| {
        let (maths, _) = maths(&env).await;
        env.add_group(maths, "Groupe A").await;
        let file = "cmd;rolename;uid;cid;gcmd;g1\n\
                add;student;u1;MATHS;gadd;Groupe A\n\
                add;teacher;u1;MATHS;;\n";
        let summary = env.run("enrols_1.csv", file.as_bytes()).await;
        assert_eq!(summary.status, RunStatus::Success, "{}", text(&summary));
        // A role in an activity of the course, which a last unenrolment takes too.
        let context = env
        .count("SELECT id FROM {context} WHERE contextlevel = 50 AND instanceid = (SELECT id FROM {course} WHERE shortname = 'MATHS')")
        .await;
        let module = env.add_context(70, 900, &format!("/1/3/{context}")).await;
        let u1 = env.user_id("u1").await;
        env.execute(&format!(
        "INSERT INTO {{role_assignments}} (roleid, contextid, userid, timemodified, modifierid, component, itemid, sortorder) \
         VALUES (4, {module}, {u1}, 100, 2, '', 0, 0)"
    ))
    .await;

        let summary = env
            .run(
                "enrols_2.csv",
                b"cmd;rolename;uid;cid\ndel;student;u1;MATHS\n",
            )
            .await;
        assert_eq!(summary.status, RunStatus::Success, "{}", text(&summary));
        assert!(env.enrolments("MATHS").await.is_empty());
        assert!(env.course_roles("MATHS").await.is_empty());
        assert!(env.group_members("MATHS").await.is_empty());
        assert_eq!(
            env.count(&format!(
                "SELECT COUNT(*) FROM {{role_assignments}} WHERE userid = {u1}"
            ))
            .await,
            0
        );
        let totals = &json(&summary)["totals"];
        assert_eq!(
            (
                &totals["course_enrolments_removed"],
                &totals["course_roles_unassigned"],
                &totals["course_group_members_removed"]
            ),
            (&1.into(), &2.into(), &1.into())
        );

        // Dropped again: nothing to do, the line unchanged.
        let summary = env
            .run(
                "enrols_3.csv",
                b"cmd;rolename;uid;cid\ndel;student;u1;MATHS\n",
            )
            .await;
        assert_eq!(summary.status, RunStatus::Success);
        assert_eq!(json(&summary)["totals"]["unchanged"], 1);
    }
);
