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
        assert_eq!(summary.totals.unwrap().cohorts_updated, 1);
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
        (totals.changed, totals.unchanged, totals.members_removed),
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
    assert_eq!(summary.totals.unwrap().cohorts_deleted, 1);
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
            (totals.members_added, totals.failed),
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
        assert_eq!(summary.totals.unwrap().cohorts_updated, 2);
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
