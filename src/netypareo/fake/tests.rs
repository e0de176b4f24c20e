//! The fake through a tiny raw HTTP/1.1 client: tokens, envelopes, failures, denials, filters,
//! the computed endpoints, and the dataset of tests/data/netypareo as its README describes it.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    time::Duration,
};

use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use super::{fixtures::DATE_MESSAGE, query::key_text, *};

const TOKEN: &str = "jeton-de-test";

fn dataset() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/netypareo")
}

async fn fake() -> FakeServer {
    FakeServer::start(FakeOptions::new(dataset(), TOKEN))
        .await
        .unwrap()
}

/// What came back: status, content type, body.
struct Got {
    status: u16,
    content_type: String,
    body: String,
}

impl Got {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|error| panic!("{error}: {}", self.body))
    }

    /// The records of a collection, whatever the envelope, checking the object's keys.
    fn records(&self) -> Vec<Value> {
        assert_eq!(self.status, 200, "{}", self.body);
        match self.json() {
            Value::Array(records) => records,
            Value::Object(map) => {
                let keys: Vec<String> = map.keys().cloned().collect();
                let mut expected: Vec<String> = (0..map.len()).map(|n| n.to_string()).collect();
                expected.sort();
                assert_eq!(keys, expected);
                (0..map.len())
                    .map(|n| map[&n.to_string()].clone())
                    .collect()
            }
            other => panic!("not a collection: {other}"),
        }
    }

    /// One field of every record, as text.
    fn codes(&self, field: &str) -> Vec<String> {
        self.records()
            .iter()
            .map(|record| key_text(&record[field]).unwrap())
            .collect()
    }
}

/// `GET {API root}{path}` with raw headers lines, on a fresh connection.
async fn request(server: &FakeServer, method: &str, path: &str, headers: &[&str]) -> Got {
    let mut stream = TcpStream::connect(server.address()).await.unwrap();
    let mut head = format!(
        "{method} {API_ROOT_PATH}{path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
    );
    for line in headers {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let content_type = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    Got {
        status,
        content_type,
        body: body.to_owned(),
    }
}

async fn get(server: &FakeServer, path: &str) -> Got {
    request(server, "GET", path, &[&format!("X-Auth-Token: {TOKEN}")]).await
}

#[tokio::test]
async fn the_token_is_required_and_its_header_name_is_case_insensitive() {
    let server = fake().await;
    let missing = request(&server, "GET", "/sites", &[]).await;
    assert_eq!(missing.status, 401);
    assert_eq!(missing.content_type, "application/json; charset=utf-8");
    assert_eq!(missing.json()["code"], 401);
    let wrong = request(&server, "GET", "/sites", &["X-Auth-Token: autre-jeton"]).await;
    assert_eq!(wrong.status, 401);
    let odd_case = request(
        &server,
        "GET",
        "/sites",
        &[&format!("x-AUTH-token: {TOKEN}")],
    )
    .await;
    assert_eq!(odd_case.status, 200);
    assert_eq!(odd_case.codes("codeSite"), ["1", "2"]);

    let log = server.requests();
    let seen: Vec<(&str, bool, u16)> = log
        .iter()
        .map(|request| (request.path.as_str(), request.token_ok, request.status))
        .collect();
    assert_eq!(
        seen,
        [
            ("/sites", false, 401),
            ("/sites", false, 401),
            ("/sites", true, 200)
        ]
    );
}

#[tokio::test]
async fn collections_come_as_an_object_or_as_an_array() {
    let server = fake().await;
    let object = get(&server, "/utilisateur/apprenants").await;
    assert_eq!(object.content_type, "application/json; charset=utf-8");
    assert!(object.body.starts_with(r#"{"0":{"#));
    // In order, "10" after "9": written by hand, not sorted as text.
    let positions: Vec<usize> = (0..17)
        .map(|n| object.body.find(&format!("\"{n}\":{{")).unwrap())
        .collect();
    assert!(positions.is_sorted(), "{positions:?}");

    server.update(|options| options.array_envelope = true);
    let array = get(&server, "/utilisateur/apprenants").await;
    assert!(array.body.starts_with("[{"));
    assert_eq!(array.records(), object.records());
    // An empty collection: `[]` or `{}`.
    assert_eq!(
        get(&server, "/formation-longue/groupes?codesPeriode=99")
            .await
            .body,
        "[]"
    );
    server.update(|options| options.array_envelope = false);
    assert_eq!(
        get(&server, "/formation-longue/groupes?codesPeriode=99")
            .await
            .body,
        "{}"
    );
}

#[tokio::test]
async fn failures_answer_html_the_given_number_of_times() {
    let server = fake().await;
    server.update(|options| {
        options.failures.push(Failure {
            status: 502,
            path: "/utilisateur/apprenants".into(),
            times: 2,
        });
        options.failures.push(Failure {
            status: 504,
            path: "formation-courte/*/*/groupes".into(),
            times: 1,
        });
    });
    for _ in 0..2 {
        let failed = get(&server, "/utilisateur/apprenants").await;
        assert_eq!(failed.status, 502);
        assert_eq!(failed.content_type, "text/html");
        assert!(
            failed.body.contains("<title>502 Bad Gateway</title>"),
            "{}",
            failed.body
        );
    }
    assert_eq!(get(&server, "/utilisateur/apprenants").await.status, 200);
    assert_eq!(server.options().failures[0].times, 0);
    // Gateway failures come before the token check.
    let no_token = request(
        &server,
        "GET",
        "/formation-courte/01-11-2026/30-11-2026/groupes",
        &[],
    )
    .await;
    assert_eq!(no_token.status, 504);
    assert!(no_token.body.contains("504 Gateway Timeout"));
    assert_eq!(
        get(&server, "/formation-courte/01-11-2026/30-11-2026/groupes")
            .await
            .status,
        200
    );
    // Other endpoints never failed.
    assert_eq!(get(&server, "/sites").await.status, 200);
}

#[tokio::test]
async fn denied_paths_answer_their_status_to_a_good_token() {
    let server = fake().await;
    server.update(|options| {
        options.denied.push((403, "/utilisateur/tuteurs".into()));
        options
            .denied
            .push((401, "/index.php/r/v1/groupes/*/apprenants".into()));
    });
    let denied = get(&server, "/utilisateur/tuteurs").await;
    assert_eq!(denied.status, 403);
    assert_eq!(denied.json()["code"], 403);
    assert_eq!(get(&server, "/groupes/2101/apprenants").await.status, 401);
    assert_eq!(get(&server, "/utilisateur/personnels").await.status, 200);
    // Without the token, it is the token that is refused.
    assert_eq!(
        request(&server, "GET", "/utilisateur/tuteurs", &[])
            .await
            .status,
        401
    );
    server.update(|options| options.denied.clear());
    assert_eq!(
        get(&server, "/utilisateur/tuteurs").await.codes("login"),
        ["entreprise42", "interlocuteur10"]
    );
}

#[tokio::test]
async fn period_and_site_filters_keep_matching_inscriptions() {
    let server = fake().await;
    let all = get(&server, "/formation-longue/apprenants").await;
    assert_eq!(all.records().len(), 16);
    let current = get(&server, "/formation-longue/apprenants?codesPeriode=17").await;
    assert_eq!(current.records().len(), 14);
    let past = get(&server, "/formation-longue/apprenants?codesPeriode=16").await;
    assert_eq!(
        past.codes("codeApprenant"),
        ["6120021", "6120022", "6110031", "6110032"]
    );
    // One inscription must match both: nobody was at Nîmes in 2026-2027.
    let none = get(
        &server,
        "/formation-longue/apprenants?codesPeriode=17&codesSite=2",
    )
    .await;
    assert_eq!(none.records().len(), 0);
    let both = get(
        &server,
        "/formation-longue/apprenants?codesPeriode=16%2C17&codesSite=1,2",
    )
    .await;
    assert_eq!(both.records().len(), 16);
    // Groups filter on their own fields; unknown parameters are ignored.
    let groups = get(
        &server,
        "/formation-longue/groupes?codesPeriode=17&codesSite=1&foo=bar",
    )
    .await;
    assert_eq!(groups.codes("codeGroupe"), ["2101", "2102"]);
    assert_eq!(
        get(&server, "/sites?codesSite=2").await.codes("codeSite"),
        ["2"]
    );
    // A list without the filtered field is not filtered.
    assert_eq!(
        get(&server, "/utilisateur/apprenants?codesSite=2")
            .await
            .records()
            .len(),
        17
    );
    let logged = server.requests().pop().unwrap();
    assert_eq!(
        (logged.path.as_str(), logged.query.as_str()),
        ("/utilisateur/apprenants", "codesSite=2")
    );
}

#[tokio::test]
async fn short_courses_are_served_by_window() {
    let server = fake().await;
    let november = get(&server, "/formation-courte/01-11-2026/30-11-2026/groupes").await;
    assert_eq!(november.codes("codeGroupe"), ["3001"]);
    assert_eq!(november.records()[0]["isFormationLongue"], 0);
    let learners = get(
        &server,
        "/formation-courte/01-11-2026/30-11-2026/apprenants",
    )
    .await;
    assert_eq!(learners.codes("codeApprenant"), ["6130041", "6130042"]);
    // Overlap on the edges counts; the whole year has both groups.
    assert_eq!(
        get(&server, "/formation-courte/27-11-2026/27-11-2026/groupes")
            .await
            .codes("codeGroupe"),
        ["3001"]
    );
    assert_eq!(
        get(&server, "/formation-courte/28-11-2026/31-12-2026/groupes")
            .await
            .records()
            .len(),
        0
    );
    assert_eq!(
        get(
            &server,
            "/formation-courte/01-01-2026/31-12-2026/apprenants"
        )
        .await
        .codes("codeApprenant"),
        ["6130041", "6130042", "6130043"]
    );
    for bad in ["2026-11-01", "1-11-2026", "31-02-2026", "xx-11-2026"] {
        let refused = get(
            &server,
            &format!("/formation-courte/{bad}/30-11-2026/groupes"),
        )
        .await;
        assert_eq!(refused.status, 400, "{bad}");
        assert_eq!(refused.json()["message"], DATE_MESSAGE);
    }
    // Slashes make another path altogether.
    assert_eq!(
        get(&server, "/formation-courte/01/11/2026/30/11/2026/groupes")
            .await
            .status,
        404
    );
    assert_eq!(
        get(&server, "/formation-courte/30-11-2026/01-11-2026/groupes")
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn group_members_are_derived_from_the_current_group() {
    let server = fake().await;
    let sio = get(&server, "/groupes/2101/apprenants?codesPeriode=16").await;
    assert_eq!(
        sio.codes("codeApprenant"),
        [
            "6106273", "6116669", "6120011", "6120012", "6120013", "6120014", "6120019"
        ]
    );
    let mco = get(&server, "/groupes/2102/apprenants").await;
    assert_eq!(mco.records().len(), 7);
    assert_eq!(
        get(&server, "/groupes/1901/apprenants")
            .await
            .codes("codeApprenant"),
        ["6110031", "6110032"]
    );
    assert_eq!(
        get(&server, "/groupes/3001/apprenants")
            .await
            .records()
            .len(),
        2
    );
    assert_eq!(get(&server, "/groupes/4242/apprenants").await.status, 404);
}

#[tokio::test]
async fn unknown_paths_methods_and_fixture_edits() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(
        folder.path().join("sites.json"),
        r#"[{"codeSite": 1, "nomSite": "Béziers"}]"#,
    )
    .unwrap();
    let server = FakeServer::start(FakeOptions::new(folder.path(), TOKEN))
        .await
        .unwrap();
    assert_eq!(
        get(&server, "/sites").await.records()[0]["nomSite"],
        "Béziers"
    );
    std::fs::write(
        folder.path().join("sites.json"),
        r#"[{"codeSite": 1, "nomSite": "Béziers"}, {"codeSite": 2, "nomSite": "Sète"}]"#,
    )
    .unwrap();
    assert_eq!(get(&server, "/sites").await.codes("codeSite"), ["1", "2"]);
    // A fixture that is not an array is served as it is.
    std::fs::write(
        folder.path().join("annees.json"),
        r#"{"7": {"codeAnnee": 7}}"#,
    )
    .unwrap();
    assert_eq!(
        get(&server, "/annees").await.body,
        r#"{"7":{"codeAnnee":7}}"#
    );
    std::fs::write(folder.path().join("statuts.json"), "[{").unwrap();
    assert_eq!(get(&server, "/statuts").await.status, 500);

    assert_eq!(get(&server, "/periodes").await.status, 404);
    assert_eq!(get(&server, "/../sites").await.status, 404);
    assert_eq!(get(&server, "/groupes/1/apprenants").await.status, 404);
    let post = request(
        &server,
        "POST",
        "/sites",
        &[&format!("X-Auth-Token: {TOKEN}")],
    )
    .await;
    assert_eq!(post.status, 405);
    let mut stream = TcpStream::connect(server.address()).await.unwrap();
    stream
        .write_all(b"GET /sites HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    assert!(raw.starts_with("HTTP/1.1 404"), "{raw}");
    assert_eq!(server.requests().last().unwrap().path, "/sites");
    assert_eq!(
        server.url(),
        format!("http://{}/index.php/r/v1", server.address())
    );
    assert_eq!(server.base_url(), format!("http://{}/", server.address()));

    let missing = FakeServer::start(FakeOptions::new(folder.path().join("absent"), TOKEN)).await;
    assert!(missing.is_err());
}

#[tokio::test]
async fn latency_shows_in_max_in_flight_and_shutdown_stops_listening() {
    let server = fake().await;
    server.update(|options| options.latency = Duration::from_millis(200));
    let started = std::time::Instant::now();
    let (first, second, third) = tokio::join!(
        get(&server, "/sites"),
        get(&server, "/periodes"),
        get(&server, "/statuts")
    );
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!((first.status, second.status, third.status), (200, 200, 200));
    assert_eq!(server.max_in_flight(), 3);
    let address = server.address();
    server.shutdown().await;
    assert!(TcpStream::connect(address).await.is_err());
}

/// What tests/data/netypareo/README.md says about the dataset.
#[tokio::test]
async fn the_dataset_is_as_its_readme_says() {
    let server = fake().await;
    let sites = get(&server, "/sites").await.records();
    assert_eq!(sites.len(), 2);
    assert_eq!(sites[1]["plusUtilise"], 1);
    let periods = get(&server, "/periodes").await;
    assert_eq!(periods.codes("codePeriode"), ["16", "17", "18"]);
    assert_eq!(periods.records()[1]["dateDeb"], "01/09/2026");
    assert_eq!(
        get(&server, "/statuts").await.codes("abregeStatut"),
        ["N01", "N02", "N05"]
    );

    let accounts = get(&server, "/utilisateur/apprenants").await.records();
    assert_eq!(accounts.len(), 17);
    assert!(
        accounts
            .iter()
            .all(|account| account["typeUtilisateur"] == "APPRENANT")
    );
    let account_codes: BTreeSet<String> = accounts
        .iter()
        .map(|account| key_text(&account["codeApprenant"]).unwrap())
        .collect();

    // Current, not left: isInscriptionEnCours 1 (or true) and no dateDepart, in period 17.
    let learners = get(&server, "/formation-longue/apprenants").await.records();
    let mut current = BTreeSet::new();
    let mut left = BTreeSet::new();
    for learner in &learners {
        let code = key_text(&learner["codeApprenant"]).unwrap();
        for inscription in learner["inscriptions"].as_array().unwrap() {
            let running = matches!(&inscription["isInscriptionEnCours"], Value::Bool(true))
                || inscription["isInscriptionEnCours"] == 1;
            if running && inscription["codePeriode"] == 17 {
                if inscription["dateDepart"].is_null() {
                    current.insert(code.clone());
                } else {
                    left.insert(code.clone());
                }
            }
        }
    }
    assert_eq!(current.len(), 13);
    assert_eq!(left, BTreeSet::from(["6120027".to_owned()]));
    let without_account: Vec<&String> = current.difference(&account_codes).collect();
    assert_eq!(without_account, ["6120019"]);
    for group in ["2101", "2102"] {
        let members = get(&server, &format!("/groupes/{group}/apprenants"))
            .await
            .records();
        assert!(members.len() >= 6, "{group}");
    }
    let staff = get(&server, "/utilisateur/personnels").await.records();
    let teachers: Vec<String> = staff
        .iter()
        .filter(|person| person["isFormateur"] == 1 || person["isFormateur"] == true)
        .map(|person| person["login"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(teachers, ["c.moreau", "p.leroy", "s.andre", "f.garcia"]);
    let tutors = get(&server, "/utilisateur/tuteurs").await;
    assert_eq!(tutors.codes("login"), ["entreprise42", "interlocuteur10"]);
}
