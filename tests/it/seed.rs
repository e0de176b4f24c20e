//! The example files of the cohort file documentation (seed 004, kept byte for byte in
//! `tests/data/seed004/`), each run on the demonstration data, which holds the users
//! (`user1`…`user120`, idnumber = username) and cohorts the examples name. Each gives the outcome
//! its text describes; the one malformed example (more values than columns) fails line by
//! line into a tryback.

use crate::{
    dbtest,
    support::{TestEnv, fixture},
};

async fn demo(env: &TestEnv) {
    moodle_sync::db::add_demo_data(&env.db, 1_800_000_000)
        .await
        .unwrap()
        .expect("fresh database");
}

async fn run(env: &TestEnv, example: &str) -> moodle_sync::output::summary::RunSummary {
    env.run(
        &format!("cohorts_{example}"),
        &fixture(&format!("seed004/{example}")),
    )
    .await
}

fn column(rows: Vec<Vec<String>>, index: usize) -> Vec<String> {
    rows.into_iter().map(|row| row[index].clone()).collect()
}

dbtest!(example_1_creates_empty_cohorts, |env| {
    demo(&env).await;
    let before = env.memberships().await;
    assert_eq!(run(&env, "1-empty-cohorts.csv").await.exit_code(), 0);
    let rows = env.rows("SELECT idnumber, name, description FROM {cohort} WHERE idnumber LIKE 'COH00%' ORDER BY idnumber").await;
    assert_eq!(
        rows,
        [
            ["COH001", "Cohorte 1", "Première cohorte"],
            ["COH002", "Cohorte 2", "Deuxième cohorte"],
            ["COH003", "Cohorte 3", "Troisième cohorte"],
            ["COH004", "Cohorte 4", "Quatrième cohorte"],
        ]
    );
    assert_eq!(env.memberships().await, before);
});

dbtest!(
    example_2_creates_a_populated_cohort_despite_the_spaces,
    |env| {
        // Q1 of the reference: the spaces after the separators made it ignore three columns.
        demo(&env).await;
        assert_eq!(run(&env, "2-populated-cohort.csv").await.exit_code(), 0);
        assert_eq!(
            env.rows("SELECT name, description FROM {cohort} WHERE idnumber = 'COHO01'")
                .await,
            [["Cohorte 1", "Première cohorte"]]
        );
        assert_eq!(
            env.members("COHO01").await,
            ["user1", "user2", "user3", "user4", "user5"]
        );
    }
);

dbtest!(
    example_3_has_more_values_than_columns_and_goes_to_the_tryback,
    |env| {
        demo(&env).await;
        run(&env, "1-empty-cohorts.csv").await;
        let summary = run(&env, "3-populate-existing.csv").await;
        assert_eq!(summary.exit_code(), 1);
        let totals = summary.totals.unwrap();
        assert_eq!((totals.lines, totals.failed), (5, 5));
        let report = std::fs::read_to_string(&summary.report).unwrap();
        assert!(
            report.contains("3 values for 2 columns: extra value \"user1\" has no column"),
            "{report}"
        );
        assert!(
            report.contains("3 values for 2 columns: extra value \"user2\" has no column"),
            "{report}"
        );
        // Every line failed: the tryback is the whole file.
        assert_eq!(
            std::fs::read(summary.tryback.unwrap()).unwrap(),
            fixture("seed004/3-populate-existing.csv")
        );
        assert!(env.members("COH001").await.is_empty());
    }
);

dbtest!(example_4_deletes_cohorts, |env| {
    demo(&env).await;
    assert_eq!(run(&env, "4-delete-cohorts.csv").await.exit_code(), 0);
    let left = env.cohort_idnumbers().await;
    for gone in ["C0H2", "C0H4", "C0H12"] {
        assert!(!left.contains(&gone.to_owned()), "{gone} still there");
    }
    assert!(left.contains(&"C0H1".to_owned()));
    assert!(
        env.memberships()
            .await
            .iter()
            .all(|(cohort, _)| cohort != "C0H2")
    );
});

dbtest!(
    example_5_removes_targeted_members_with_the_idnumber_header,
    |env| {
        // Q3 of the reference: `idnumber` was not the key column, so it looked up NULL.
        demo(&env).await;
        assert_eq!(run(&env, "5-remove-members.csv").await.exit_code(), 0);
        assert!(env.members("C0H1").await.is_empty());
        assert!(env.members("C0H2").await.is_empty());
        assert!(
            env.cohort_idnumbers().await.contains(&"C0H2".to_owned()),
            "the cohorts stay"
        );
    }
);

dbtest!(example_6_empties_cohorts, |env| {
    demo(&env).await;
    run(&env, "1-empty-cohorts.csv").await;
    env.add_members("COH001", &["user1", "user2"]).await;
    env.add_members("COH002", &["user3"]).await;
    let summary = run(&env, "6-free-cohorts.csv").await;
    assert_eq!(summary.exit_code(), 0);
    let totals = summary.totals.unwrap();
    assert_eq!(
        (
            totals.counts.cohorts.cohorts_emptied,
            totals.counts.cohorts.members_removed,
            totals.unchanged
        ),
        (2, 3, 2)
    );
    let rows = env
        .rows("SELECT idnumber FROM {cohort} WHERE idnumber LIKE 'COH00%' ORDER BY idnumber")
        .await;
    assert_eq!(column(rows, 0), ["COH001", "COH002", "COH003", "COH004"]);
    assert!(
        env.memberships()
            .await
            .iter()
            .all(|(cohort, _)| !cohort.starts_with("COH00"))
    );
});

dbtest!(example_7_removes_members_and_deletes_a_cohort, |env| {
    demo(&env).await;
    assert_eq!(env.members("COH1").await, ["user45", "user46", "user47"]);
    assert_eq!(run(&env, "7-combined-deletion.csv").await.exit_code(), 0);
    assert_eq!(env.members("COH1").await, ["user47"]);
    assert!(!env.cohort_idnumbers().await.contains(&"COH32".to_owned()));
});

dbtest!(
    example_8_combined_operations_and_the_update_that_follows_it,
    |env| {
        demo(&env).await;
        assert_eq!(run(&env, "8-combined-operations.csv").await.exit_code(), 0);
        assert_eq!(
            env.rows("SELECT name, description FROM {cohort} WHERE idnumber = 'COH54'")
                .await,
            [["Classe 2.3", "Classe 2ème 3"]]
        );
        assert_eq!(env.members("COH54").await, ["user1", "user100", "user101"]);
        assert_eq!(env.members("COH55").await, ["user51"]);
        assert!(!env.cohort_idnumbers().await.contains(&"COH56".to_owned()));

        // The line the document leaves after the example ("Creation cohorte"): with the header
        // above, it renames the cohort and changes its description (Q8 of the reference).
        let summary = run(&env, "9-update-after-combined.csv").await;
        assert_eq!(summary.exit_code(), 0);
        assert_eq!(summary.totals.unwrap().counts.cohorts.cohorts_updated, 1);
        assert_eq!(
            env.rows("SELECT name, description FROM {cohort} WHERE idnumber = 'COH54'")
                .await,
            [["Classe 2.4", "Classe 2ème 4"]]
        );
        assert_eq!(env.members("COH54").await, ["user1", "user100", "user101"]);
    }
);
