//! Cohort commands and options, asserted on the database rows.

use crate::{
    dbtest,
    support::{TestEnv, failures},
};

dbtest!(add_creates_cohorts_as_moodle_does, |env| {
    env.add_users(&["u1", "u2"]).await;
    let summary = env
        .run("cohorts.csv", "cmd;cidnumber;cname;cdescription;userid\nadd;COH54;Classe 2.3;Classe 2ème 3;u1\nadd;COH54;;;u2\n".as_bytes())
        .await;
    assert_eq!(summary.exit_code(), 0);
    // idnumber, name, description, descriptionformat (FORMAT_HTML), visible, component,
    // contextid (system), theme: as cohort_add_cohort() stores them.
    assert_eq!(
        env.cohorts().await,
        [[
            "COH54",
            "Classe 2.3",
            "Classe 2ème 3",
            "1",
            "1",
            "",
            "1",
            ""
        ]]
    );
    assert_eq!(env.members("COH54").await, ["u1", "u2"]);
    let (created, modified) = env.cohort_times("COH54").await;
    assert!(created > 1_700_000_000 && created == modified);
    assert_eq!(
        env.count("SELECT MIN(timeadded) FROM {cohort_members}")
            .await,
        created
    );
});

dbtest!(
    add_without_a_name_uses_the_key_and_an_empty_file_of_cohorts_creates_them,
    |env| {
        let summary = env
            .run("cohorts.csv", b"cidnumber;cname\nCOH1;\nCOH2;Deux\n")
            .await;
        assert_eq!(summary.exit_code(), 0);
        let names: Vec<(String, String)> = env
            .cohorts()
            .await
            .into_iter()
            .map(|row| (row[0].clone(), row[1].clone()))
            .collect();
        assert_eq!(
            names,
            [
                ("COH1".into(), "COH1".into()),
                ("COH2".into(), "Deux".into())
            ]
        );
        assert!(env.memberships().await.is_empty());
    }
);

dbtest!(
    updates_change_only_given_values_and_bump_timemodified_only_then,
    |env| {
        env.add_cohort("C1", "Première").await;
        env.add_users(&["u1"]).await;
        let summary = env
            .run(
                "cohorts.csv",
                "cidnumber;cname;userid\nC1;Première;u1\n".as_bytes(),
            )
            .await;
        assert_eq!(summary.exit_code(), 0);
        assert_eq!(
            env.cohort_times("C1").await,
            (100, 100),
            "a membership line must not touch the cohort"
        );
        let summary = env
            .run(
                "cohorts.csv",
                "cidnumber;cname;cdescription;visible;component\nC1;Renommée;Texte;0;local_sync\n"
                    .as_bytes(),
            )
            .await;
        assert_eq!(summary.totals.unwrap().counts.cohorts.cohorts_updated, 1);
        assert_eq!(
            env.cohorts().await,
            [["C1", "Renommée", "Texte", "1", "0", "local_sync", "1", ""]]
        );
        let (created, modified) = env.cohort_times("C1").await;
        assert_eq!(created, 100);
        assert!(modified > 1_700_000_000);
    }
);

dbtest!(
    del_removes_a_member_and_never_deletes_on_an_unknown_user,
    |env| {
        env.add_users(&["u1", "u2", "u3"]).await;
        env.add_cohort("C1", "One").await;
        env.add_members("C1", &["u1", "u2"]).await;
        let summary = env
            .run(
                "cohorts.csv",
                b"cmd;cidnumber;userid\ndel;C1;u1\ndel;C1;u3\ndel;C1;ghost\n",
            )
            .await;
        assert_eq!(summary.exit_code(), 1);
        assert_eq!(env.members("C1").await, ["u2"]);
        assert_eq!(env.cohort_idnumbers().await, ["C1"]);
        let failures = failures(&summary);
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].0, 4);
        assert!(
            failures[0].1.contains("unknown user \"ghost\""),
            "{failures:?}"
        );
        let report = std::fs::read_to_string(&summary.report).unwrap();
        assert!(
            report.contains(
                "u3 (First u3 Last) not a member of cohort \"One\" [C1]: nothing to remove"
            ),
            "{report}"
        );
    }
);

dbtest!(
    del_without_user_deletes_the_cohort_and_disables_its_bindings,
    |env| {
        env.add_users(&["u1", "u2"]).await;
        let cohort = env.add_cohort("C1", "One").await;
        env.add_cohort("C2", "Two").await;
        env.add_members("C1", &["u1", "u2"]).await;
        env.add_members("C2", &["u1"]).await;
        env.execute(&format!(
        "INSERT INTO {{enrol}} (enrol, status, courseid, roleid, customint1, timecreated, timemodified) \
         VALUES ('cohort', 0, 1, 5, {cohort}, 1, 1)"
    ))
    .await;
        let summary = env
            .run("cohorts.csv", b"cmd;cidnumber;userid\ndel;C1;\n")
            .await;
        assert_eq!(summary.exit_code(), 0);
        assert_eq!(env.cohort_idnumbers().await, ["C2"]);
        assert_eq!(
            env.memberships().await,
            [("C2".to_owned(), "u1".to_owned())]
        );
        assert_eq!(env.rows("SELECT status FROM {enrol}").await, [["1"]]);
        let report = std::fs::read_to_string(&summary.report).unwrap();
        assert!(report.contains("deleted cohort \"One\" [C1] and 2 memberships; disabled 1 cohort-sync enrolment method"), "{report}");
    }
);

dbtest!(free_empties_and_keeps_the_cohort, |env| {
    env.add_users(&["u1", "u2"]).await;
    env.add_cohort("C1", "One").await;
    env.add_members("C1", &["u1", "u2"]).await;
    let summary = env
        .run("cohorts.csv", b"cmd;cidnumber\nfree;C1\nfree;C1\n")
        .await;
    assert_eq!(summary.exit_code(), 0);
    assert_eq!(env.cohort_idnumbers().await, ["C1"]);
    assert!(env.members("C1").await.is_empty());
    let totals = summary.totals.unwrap();
    assert_eq!(
        (
            totals.changed,
            totals.unchanged,
            totals.counts.cohorts.members_removed
        ),
        (1, 1, 2)
    );
});

dbtest!(unknown_cohorts_fail_del_and_free, |env| {
    env.add_users(&["u1"]).await;
    env.add_cohort("COH2", "Two").await;
    let summary = env
        .run(
            "cohorts.csv",
            b"cmd;cidnumber;userid\ndel;C0H2;\nfree;C0H2;\ndel;C0H2;u1\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 1);
    assert_eq!(failures(&summary).len(), 3);
    assert_eq!(env.cohort_idnumbers().await, ["COH2"]);
});

dbtest!(empty_or_missing_keys_never_match_anything, |env| {
    // A cohort with an empty idnumber and one with none: the reference would delete them.
    env.execute("INSERT INTO {cohort} (contextid, name, idnumber, descriptionformat, timecreated, timemodified) VALUES (1, 'Empty', '', 1, 1, 1)").await;
    env.execute("INSERT INTO {cohort} (contextid, name, idnumber, descriptionformat, timecreated, timemodified) VALUES (1, 'Null', NULL, 1, 1, 1)").await;
    let summary = env
        .run("cohorts.csv", b"cmd;cidnumber;userid\ndel;;\nfree; ;\n")
        .await;
    assert_eq!(summary.exit_code(), 1);
    assert_eq!(failures(&summary).len(), 2);
    let summary = env
        .run("cohorts.csv", b"cmd;idnumbr;userid\ndel;C1;\n")
        .await;
    assert_eq!(summary.exit_code(), 2, "an unknown column rejects the file");
    let summary = env.run("cohorts.csv", b"cmd;cname\ndel;Null\n").await;
    assert_eq!(summary.exit_code(), 1, "no key column: every line fails");
    assert_eq!(env.count("SELECT COUNT(*) FROM {cohort}").await, 2);
});

dbtest!(delete_empty_deletes_what_the_file_emptied, |env| {
    let env = TestEnv::with_config(env.backend, "[cohorts]\ndelete_empty = true\n")
        .await
        .unwrap();
    env.add_users(&["u1", "u2"]).await;
    env.add_cohort("C1", "One").await;
    env.add_cohort("C2", "Two").await;
    env.add_cohort("EMPTY", "Was empty").await;
    env.add_members("C1", &["u1"]).await;
    env.add_members("C2", &["u1", "u2"]).await;
    let summary = env
        .run(
            "cohorts.csv",
            b"cmd;cidnumber;userid\ndel;C1;u1\ndel;C2;u1\nadd;NEW;\nadd;EMPTY;\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 0);
    assert_eq!(env.cohort_idnumbers().await, ["C2", "EMPTY", "NEW"]);
    let report = std::fs::read_to_string(&summary.report).unwrap();
    assert!(
        report.contains(
            "After the last line ([cohorts] delete_empty)\n- deleted cohort \"One\" [C1]"
        ),
        "{report}"
    );
    assert_eq!(summary.totals.unwrap().counts.cohorts.cohorts_deleted, 1);
});

dbtest!(create_missing_off_refuses_new_cohorts, |env| {
    let env = TestEnv::with_config(env.backend, "[cohorts]\ncreate_missing = false\n")
        .await
        .unwrap();
    env.add_users(&["u1"]).await;
    env.add_cohort("C1", "One").await;
    let summary = env
        .run("cohorts.csv", b"cidnumber;userid\nC1;u1\nC9;u1\n")
        .await;
    assert_eq!(summary.exit_code(), 1);
    assert_eq!(env.cohort_idnumbers().await, ["C1"]);
    assert_eq!(env.members("C1").await, ["u1"]);
    assert!(failures(&summary)[0].1.contains("create_missing is off"));
});

dbtest!(users_are_matched_by_each_identifier, |env| {
    let id = env
        .add_user("jdupont", "E1001", "Jean.Dupont@Example.com")
        .await;
    env.add_cohort("C1", "One").await;
    for (identifier, value) in [
        ("id", id.to_string()),
        ("idnumber", "E1001".into()),
        ("username", "JDupont".into()),
        ("email", "jean.dupont@example.COM".into()),
    ] {
        let env = TestEnv::with_config(
            env.backend,
            &format!("[cohorts]\nuser_identifier = \"{identifier}\"\n"),
        )
        .await
        .unwrap();
        let id = env
            .add_user("jdupont", "E1001", "Jean.Dupont@Example.com")
            .await;
        env.add_cohort("C1", "One").await;
        let summary = env
            .run(
                "cohorts.csv",
                format!("cidnumber;userid\nC1;{value}\n").as_bytes(),
            )
            .await;
        assert_eq!(summary.exit_code(), 0, "{identifier}");
        assert_eq!(env.members("C1").await, ["jdupont"], "{identifier}");
        assert_eq!(env.count("SELECT userid FROM {cohort_members}").await, id);
    }
    // The idnumber is matched exactly, even where the database's collation ignores case.
    let summary = env
        .run("cohorts.csv", b"cidnumber;userid\nC1;e1001\n")
        .await;
    assert_eq!(summary.exit_code(), 1);
    let env = TestEnv::with_config(env.backend, "[cohorts]\nuser_identifier = \"id\"\n")
        .await
        .unwrap();
    env.add_cohort("C1", "One").await;
    let summary = env.run("cohorts.csv", b"cidnumber;userid\nC1;abc\n").await;
    assert!(failures(&summary)[0].1.contains("\"abc\" is not a number"));
});

dbtest!(many_users_are_matched_by_key_lists_or_in_one_pass, |env| {
    // Up to 2000 keys, users are read by key lists of 500; beyond, in one pass over the user
    // table. The same rules must hold either way (case-insensitive email, deleted accounts
    // excluded).
    for count in [600, 2100] {
        let env = TestEnv::with_config(env.backend, "[cohorts]\nuser_identifier = \"email\"\n")
            .await
            .unwrap();
        env.add_bulk_users(count).await;
        env.execute(&format!(
            "UPDATE {{user}} SET deleted = 1 WHERE username = 'bulk{count}'"
        ))
        .await;
        let mut file = String::from("cidnumber;userid\n");
        for n in 1..=count {
            file.push_str(&format!("BIG;bulk{n}@example.COM\n"));
        }
        let summary = env.run("cohorts.csv", file.as_bytes()).await;
        assert_eq!(summary.exit_code(), 1);
        let totals = summary.totals.unwrap();
        assert_eq!(
            (totals.counts.cohorts.members_added, totals.failed),
            (count - 1, 1),
            "{count}"
        );
        assert_eq!(failures(&summary)[0].0, count as u64 + 1);
        assert_eq!(env.members("BIG").await.len(), count - 1);
    }
});

dbtest!(
    emails_with_accents_match_without_regard_to_case_on_every_backend,
    |env| {
        let env = TestEnv::with_config(env.backend, "[cohorts]\nuser_identifier = \"email\"\n")
            .await
            .unwrap();
        env.add_user("ebérard", "E7", "Élise.Bérard@Example.fr")
            .await;
        let summary = env
            .run(
                "cohorts.csv",
                "cidnumber;userid\nC1;élise.bérard@example.FR\n".as_bytes(),
            )
            .await;
        assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
        assert_eq!(env.members("C1").await, ["ebérard"]);
    }
);

dbtest!(deleted_users_and_other_hosts_never_match, |env| {
    env.add_cohort("C1", "One").await;
    env.add_user("gone", "G1", "gone@example.com").await;
    env.execute("UPDATE {user} SET deleted = 1 WHERE username = 'gone'")
        .await;
    env.add_user("remote", "R1", "remote@example.com").await;
    env.execute("UPDATE {user} SET mnethostid = 3 WHERE username = 'remote'")
        .await;
    let summary = env
        .run("cohorts.csv", b"cidnumber;userid\nC1;G1\nC1;R1\n")
        .await;
    assert_eq!(summary.exit_code(), 1);
    assert_eq!(failures(&summary).len(), 2);
    assert!(env.memberships().await.is_empty());
});

dbtest!(ambiguous_users_and_cohorts_fail_their_line, |env| {
    let env_email = TestEnv::with_config(env.backend, "[cohorts]\nuser_identifier = \"email\"\n")
        .await
        .unwrap();
    env_email.add_user("a", "A", "shared@example.com").await;
    env_email.add_user("b", "B", "shared@example.com").await;
    env_email.add_cohort("C1", "One").await;
    let summary = env_email
        .run("cohorts.csv", b"cidnumber;userid\nC1;shared@example.com\n")
        .await;
    assert!(
        failures(&summary)[0]
            .1
            .contains("ambiguous user \"shared@example.com\": 2 accounts match by email")
    );
    assert!(env_email.memberships().await.is_empty());

    let env_name = TestEnv::with_config(env.backend, "[cohorts]\ncohort_identifier = \"name\"\n")
        .await
        .unwrap();
    env_name.add_users(&["u1"]).await;
    env_name.add_cohort("X1", "Twins").await;
    env_name.add_cohort("X2", "Twins").await;
    let summary = env_name
        .run("cohorts.csv", b"cname;userid\nTwins;u1\n")
        .await;
    assert!(
        failures(&summary)[0]
            .1
            .contains("ambiguous cohort \"Twins\": 2 cohorts match by name")
    );
    assert!(env_name.memberships().await.is_empty());
});

dbtest!(cohorts_are_matched_by_name_or_id, |env| {
    let by_name = TestEnv::with_config(env.backend, "[cohorts]\ncohort_identifier = \"name\"\n")
        .await
        .unwrap();
    by_name.add_users(&["u1"]).await;
    let summary = by_name
        .run(
            "cohorts.csv",
            "cname;cidnumber;userid\nClasse A;CA;u1\nClasse A;CA2;\n".as_bytes(),
        )
        .await;
    assert_eq!(summary.exit_code(), 0);
    assert_eq!(
        by_name.cohort_idnumbers().await,
        ["CA2"],
        "keyed by name, the idnumber can change"
    );
    assert_eq!(by_name.members("CA2").await, ["u1"]);

    let by_id = TestEnv::with_config(env.backend, "[cohorts]\ncohort_identifier = \"id\"\n")
        .await
        .unwrap();
    by_id.add_users(&["u1"]).await;
    let id = by_id.add_cohort("C1", "One").await;
    let summary = by_id
        .run(
            "cohorts.csv",
            format!("cid;cname;cidnumber;userid\n{id};Uno;C1-bis;u1\n99999;New;;\n").as_bytes(),
        )
        .await;
    assert_eq!(summary.exit_code(), 1);
    assert_eq!(by_id.cohorts().await[0][..2], ["C1-bis", "Uno"]);
    assert_eq!(by_id.members("C1-bis").await, ["u1"]);
    assert!(
        failures(&summary)[0]
            .1
            .contains("cannot be created with a chosen id")
    );
});

dbtest!(
    cohorts_live_in_the_category_given_and_can_go_back_to_system,
    |env| {
        let (_, app_context) = env.add_category("APP", "Apprentissage").await;
        let (fc_id, fc_context) = env.add_category("FC", "Formation continue").await;
        let summary = env
            .run(
                "cohorts.csv",
                format!("cidnumber;ccatcontext;ccatcontextidnumber\nA;;APP\nB;{fc_id};\nC;;NOPE\n")
                    .as_bytes(),
            )
            .await;
        assert_eq!(summary.exit_code(), 1);
        let contexts: Vec<(String, String)> = env
            .cohorts()
            .await
            .into_iter()
            .map(|row| (row[0].clone(), row[6].clone()))
            .collect();
        assert_eq!(
            contexts,
            [
                ("A".into(), app_context.to_string()),
                ("B".into(), fc_context.to_string())
            ]
        );
        let summary = env
            .run("cohorts.csv", b"cidnumber;ccatcontext\nA;0\nB;system\n")
            .await;
        assert_eq!(summary.totals.unwrap().counts.cohorts.cohorts_updated, 2);
        assert!(env.cohorts().await.iter().all(|row| row[6] == "1"));
    }
);

dbtest!(a_custom_table_prefix_is_used_throughout, |env| {
    let env = TestEnv::with_prefix(env.backend, "", "m2_").await.unwrap();
    env.add_users(&["u1"]).await;
    let summary = env.run("cohorts.csv", b"cidnumber;userid\nC1;u1\n").await;
    assert_eq!(summary.exit_code(), 0);
    assert_eq!(env.count("SELECT COUNT(*) FROM m2_cohort_members").await, 1);
});

/// A cohort file listing `users` as the whole membership of cohort `cohort`.
fn sync_file(cohort: &str, users: &[&str]) -> Vec<u8> {
    let mut csv = String::from("cmd;cidnumber;cname;userid\n");
    if users.is_empty() {
        csv.push_str(&format!("sync;{cohort};;\n"));
    }
    for user in users {
        csv.push_str(&format!("sync;{cohort};;{user}\n"));
    }
    csv.into_bytes()
}

/// A membership row: `[id, timeadded]`, by username.
async fn membership_row(env: &TestEnv, cohort: &str, username: &str) -> Vec<String> {
    env.rows(&format!(
        "SELECT m.id, m.timeadded FROM {{cohort_members}} m JOIN {{cohort}} c ON c.id = m.cohortid \
         JOIN {{user}} u ON u.id = m.userid WHERE c.idnumber = '{cohort}' AND u.username = '{username}'"
    ))
    .await
    .into_iter()
    .next()
    .unwrap_or_default()
}

dbtest!(
    sync_adds_the_missing_removes_the_unlisted_and_leaves_the_others_untouched,
    |env| {
        env.add_users(&["u1", "u2", "u3", "u4", "u5", "u6", "u7"])
            .await;
        let cohort = env.add_cohort("C1", "Classe").await;
        env.add_members("C1", &["u1", "u2", "u3", "u4", "u5", "u6"])
            .await;
        let (course, _) = env.add_course("MATHS", "M-1").await;
        let instance = env.add_instance(course, cohort, 5, 0, 0).await;
        for username in ["u1", "u2", "u3", "u4", "u5", "u6"] {
            env.add_enrolment(instance, username, 0).await;
        }
        let enrolment = |username: &'static str| {
            let env = &env;
            async move {
                env.rows(&format!(
                    "SELECT ue.id, ue.timecreated, ue.timemodified, ue.status FROM {{user_enrolments}} ue \
                     JOIN {{user}} u ON u.id = ue.userid WHERE ue.enrolid = {instance} AND u.username = '{username}'"
                ))
                .await
            }
        };
        let u1_membership = membership_row(&env, "C1", "u1").await;
        let u1_enrolment = enrolment("u1").await;

        // u6 is not listed (1 of 6 members, 16.7 %: within the default 20 %), u7 is new.
        let summary = env
            .run(
                "cohorts.csv",
                &sync_file("C1", &["u1", "u2", "u3", "u4", "u5", "u7"]),
            )
            .await;
        assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
        assert_eq!(
            env.members("C1").await,
            ["u1", "u2", "u3", "u4", "u5", "u7"]
        );
        // No churn: the unchanged member's row is the same row, added long ago.
        assert_eq!(membership_row(&env, "C1", "u1").await, u1_membership);
        assert_eq!(u1_membership[1], "100");
        let added: i64 = membership_row(&env, "C1", "u7").await[1].parse().unwrap();
        assert!(added > 1_700_000_000);
        assert_eq!(enrolment("u1").await, u1_enrolment);
        // u6 left the bound cohort: their enrolment is left to Moodle's cohort sync task, as
        // for a `del` (counted as pending); u7 is enrolled with the file.
        assert_eq!(enrolment("u6").await.len(), 1);
        assert_eq!(enrolment("u7").await.len(), 1);
        let totals = summary.totals.unwrap();
        assert_eq!(
            (
                totals.counts.cohorts.members_added,
                totals.counts.cohorts.members_removed,
                totals.counts.cohorts.members_unchanged,
                totals.pending_unenrolments,
                totals.enrolments_created
            ),
            (1, 1, 5, 1, 1)
        );
        let report = std::fs::read_to_string(&summary.report).unwrap();
        assert!(
            report.contains(
                "After the last line (sync: the members the sync lines do not list)\n\
                 - removed u6 (First u6 Last) from cohort \"Classe\" [C1]: not listed by its sync lines"
            ),
            "{report}"
        );
        assert!(
            report.contains(
                "- cohort \"Classe\" [C1]: 6 members before; 1 added, 5 unchanged, 1 removed (16.7 %)"
            ),
            "{report}"
        );
        assert!(
            report.contains("members   1 added, 1 removed, 5 unchanged (already members)"),
            "{report}"
        );
        // The same list again changes nothing at all.
        let summary = env
            .run(
                "cohorts.csv",
                &sync_file("C1", &["u1", "u2", "u3", "u4", "u5", "u7"]),
            )
            .await;
        let totals = summary.totals.unwrap();
        assert_eq!((totals.changed, totals.unchanged), (0, 6));
        assert_eq!(membership_row(&env, "C1", "u1").await, u1_membership);
    }
);

dbtest!(
    a_sync_removing_too_many_members_is_held_until_approved,
    |env| {
        env.add_users(&["u1", "u2", "u3"]).await;
        env.execute("UPDATE {user} SET idnumber = 'E-2' WHERE username = 'u2'")
            .await;
        env.add_cohort("C1", "Classe").await;
        env.add_members("C1", &["u1", "u2", "u3"]).await;
        let before = env.memberships().await;
        // An empty group: "no members". 3 of 3 is 100 % > 20 %.
        let bytes = sync_file("C1", &[]);
        let summary = env.run("cohorts_group.csv", &bytes).await;
        assert_eq!(summary.exit_code(), 7, "{:?}", summary.error);
        assert_eq!(
            summary.error.as_deref(),
            Some("sync of cohort \"Classe\" [C1] would remove 3 of 3 members (100.0 %) > 20 %")
        );
        // Nothing written; the file moved, byte for byte, from where it was to the held area.
        assert_eq!(env.memberships().await, before);
        assert!(env.files(&env.config.paths.spool).is_empty());
        let held = summary.held.clone().unwrap();
        assert!(held.starts_with(&env.config.paths.held), "{held:?}");
        assert_eq!(std::fs::read(&held).unwrap(), bytes);
        assert!(summary.archive.is_none() && summary.tryback.is_none());
        // A held file's figures say what applying it would do.
        assert_eq!(
            summary.summary.as_deref(),
            Some("1 line: 1 unchanged; would remove 3 members")
        );
        let report = std::fs::read_to_string(&summary.report).unwrap();
        for expected in [
            "Result      held: nothing applied until approved",
            "Reason      sync of cohort \"Classe\" [C1] would remove 3 of 3 members (100.0 %) > 20 %",
            "\nHeld\nsync of cohort \"Classe\" [C1] would remove 3 of 3 members (100.0 %) > 20 %:\n\
             - u1 (First u1 Last)\n- u2 [E-2] (First u2 Last)\n- u3 (First u3 Last)\n",
            &format!("moodle-sync approve {}", held.display()),
            "would remove u2 [E-2] (First u2 Last) from cohort \"Classe\" [C1]",
        ] {
            assert!(report.contains(expected), "{expected}\n{report}");
        }
        let outcome = env
            .rows("SELECT outcome, kept, error FROM {moodlesync_ledger}")
            .await;
        assert_eq!(outcome[0][0], "held");
        assert_eq!(outcome[0][1], held.display().to_string());
        // `status` lists it, with why.
        let status = env.cli(&["status"]);
        let shown = String::from_utf8_lossy(&status.stdout);
        assert!(shown.contains("held        1 file(s)"), "{shown}");
        assert!(
            shown.contains("would remove 3 of 3 members (100.0 %) > 20 %"),
            "{shown}"
        );

        // Approved: applied as `run` would, the held file archived.
        let approved = env.cli(&["approve", &held.display().to_string()]);
        assert_eq!(
            approved.status.code(),
            Some(0),
            "{}{}",
            String::from_utf8_lossy(&approved.stdout),
            String::from_utf8_lossy(&approved.stderr)
        );
        // The removals are what the file did: the console counts them.
        let printed = String::from_utf8_lossy(&approved.stdout);
        assert!(
            printed.starts_with("20"),
            "the held file's stamped name first: {printed}"
        );
        assert!(
            printed.contains("_cohorts_group.csv: 1 line: 1 unchanged; 3 members removed\n"),
            "{printed}"
        );
        assert!(env.members("C1").await.is_empty());
        assert_eq!(env.cohort_idnumbers().await, ["C1"]);
        assert!(env.files(&env.config.paths.held).is_empty());
        let archived = env.files(&env.config.paths.archive);
        assert_eq!(archived.len(), 1);
        assert!(archived[0].ends_with("_cohorts_group.csv"), "{archived:?}");
        assert_eq!(
            std::fs::read(env.config.paths.archive.join(&archived[0])).unwrap(),
            bytes
        );
        let runs = env
            .rows("SELECT name, outcome, report, summary FROM {moodlesync_ledger} ORDER BY id")
            .await;
        assert_eq!(runs[1][..2], ["cohorts_group.csv", "success"]);
        // The ledger keeps both summaries, for `status`.
        assert_eq!(runs[0][3], "1 line: 1 unchanged; would remove 3 members");
        assert_eq!(runs[1][3], "1 line: 1 unchanged; 3 members removed");
        // Who approved it is a row of its own, naming the run that applied the file.
        assert_eq!(runs[2][..2], ["cohorts_group.csv", "approved"]);
        assert!(runs[2][3].starts_with("approved by "), "{}", runs[2][3]);
        assert!(
            runs[2][3].ends_with(": applied as run #2"),
            "{}",
            runs[2][3]
        );
        let status = env.cli(&["status"]);
        let shown = String::from_utf8_lossy(&status.stdout);
        assert!(
            shown.contains("success (1 line: 1 unchanged; 3 members removed)"),
            "{shown}"
        );
        let report = std::fs::read_to_string(&runs[1][2]).unwrap();
        assert!(
            report.contains("Approved    applied with moodle-sync approve"),
            "{report}"
        );
        assert!(
            report.contains(
                "more than [cohorts] max_sync_removal_percent = 20 %, applied as approved"
            ),
            "{report}"
        );

        // `approve` of a file that is not there is a usage error.
        let missing = env.cli(&["approve", "held/nothing.csv"]);
        assert_eq!(missing.status.code(), Some(3));
        assert!(
            String::from_utf8_lossy(&missing.stderr).contains("no such file"),
            "{}",
            String::from_utf8_lossy(&missing.stderr)
        );
    }
);

dbtest!(
    the_removal_limit_lets_one_in_six_through_and_can_be_raised,
    |env| {
        let six = ["u1", "u2", "u3", "u4", "u5", "u6"];
        env.add_users(&six).await;
        env.add_cohort("C1", "Classe").await;
        env.add_members("C1", &six).await;
        // 2 of 6 (33.3 %) is held by default.
        let summary = env.run("cohorts.csv", &sync_file("C1", &six[2..])).await;
        assert_eq!(summary.exit_code(), 7);
        assert_eq!(env.members("C1").await, six);
        // 1 of 6 (16.7 %) applies.
        let summary = env.run("cohorts.csv", &sync_file("C1", &six[1..])).await;
        assert_eq!(summary.exit_code(), 0);
        assert_eq!(env.members("C1").await, six[1..]);

        let mut env = env;
        env.reconfigure("[cohorts]\nmax_sync_removal_percent = 50\n");
        env.add_members("C1", &["u1"]).await;
        let summary = env.run("cohorts.csv", &sync_file("C1", &six[2..])).await;
        assert_eq!(summary.exit_code(), 0, "{:?}", summary.error);
        assert_eq!(env.members("C1").await, six[2..]);
    }
);

dbtest!(
    a_sync_line_with_an_unknown_user_fails_into_the_tryback_and_removes_nobody,
    |env| {
        env.add_users(&["u1", "u2"]).await;
        env.add_cohort("C1", "Classe").await;
        env.add_members("C1", &["u1", "u2"]).await;
        let summary = env
            .run(
                "cohorts.csv",
                b"cmd;cidnumber;userid\nsync;C1;u1\nsync;C1;u2\nsync;C1;ghost\n",
            )
            .await;
        assert_eq!(summary.exit_code(), 1);
        assert_eq!(env.members("C1").await, ["u1", "u2"]);
        let failures = failures(&summary);
        assert_eq!(failures.len(), 1);
        assert!(
            failures[0].1.contains("unknown user \"ghost\""),
            "{failures:?}"
        );
        let tryback = std::fs::read(summary.tryback.unwrap()).unwrap();
        assert_eq!(tryback, b"cmd;cidnumber;userid\nsync;C1;ghost\n");
        assert_eq!(summary.totals.unwrap().counts.cohorts.members_removed, 0);

        // A member named by a line that fails for another reason is kept too.
        let summary = env
            .run(
                "cohorts.csv",
                b"cmd;cidnumber;ccatcontext;userid\nsync;C1;;u1\nsync;C1;999;u2\n",
            )
            .await;
        assert_eq!(summary.exit_code(), 1);
        assert_eq!(env.members("C1").await, ["u1", "u2"]);
        let report = std::fs::read_to_string(&summary.report).unwrap();
        assert!(
            report
                .contains("1 kept although not listed, because a failed sync line names them: u2"),
            "{report}"
        );
    }
);

dbtest!(sync_and_add_or_del_of_one_cohort_do_not_mix, |env| {
    env.add_users(&["u1", "u2"]).await;
    env.add_cohort("C1", "Classe").await;
    env.add_members("C1", &["u1"]).await;
    let summary = env
        .run(
            "cohorts.csv",
            b"cmd;cidnumber;userid\nsync;C1;u1\nadd;C1;u2\nadd;C2;u2\nsync;C2;u1\n",
        )
        .await;
    assert_eq!(summary.exit_code(), 1);
    let failures = failures(&summary);
    assert_eq!(
        failures.iter().map(|failure| failure.0).collect::<Vec<_>>(),
        [3, 5]
    );
    assert!(
        failures[0]
            .1
            .contains("cohort \"C1\" is synced by this file")
    );
    assert!(
        failures[1]
            .1
            .contains("cohort \"C2\" is changed by earlier add, del or free lines")
    );
    assert_eq!(env.members("C1").await, ["u1"]);
    assert_eq!(env.members("C2").await, ["u2"]);
});

dbtest!(
    a_dry_run_says_the_file_would_be_held_and_moves_nothing,
    |env| {
        env.add_users(&["u1", "u2"]).await;
        env.add_cohort("C1", "Classe").await;
        env.add_members("C1", &["u1", "u2"]).await;
        let bytes = sync_file("C1", &["u1"]);
        let summary = env.dry_run("cohorts.csv", &bytes).await;
        assert_eq!(summary.exit_code(), 7);
        assert!(summary.held.is_none());
        assert_eq!(env.files(&env.config.paths.spool), ["cohorts.csv"]);
        assert!(env.files(&env.config.paths.held).is_empty());
        assert_eq!(env.members("C1").await, ["u1", "u2"]);
        let report = std::fs::read_to_string(&summary.report).unwrap();
        for expected in [
            "SIMULATION (--dry-run)",
            "Result      would be held",
            "would remove 1 of 2 members (50.0 %) > 20 %:\n- u2 (First u2 Last)\n",
            "A real run would apply nothing and move the input to the held folder",
        ] {
            assert!(report.contains(expected), "{expected}\n{report}");
        }
    }
);
