//! The derivations of netypareo-api.md §5.3 and the bytes of the files, on small records.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::*;
use crate::{
    command::refs::UserIdentifier,
    netypareo::{
        settings::{
            CursusSource, EndpointPaths, HttpSettings, IdSource, Instance, Token, TokenSource,
        },
        wire::{Account, Collection, Group, Learner, Site},
    },
};

fn instance(index: u32) -> Instance {
    Instance {
        name: "Test Ymag".into(),
        slug: "test-ymag".into(),
        index,
        base_url: "https://demo.ymag.fr/netypareo/".into(),
        api_root: "https://demo.ymag.fr/netypareo/index.php/r/v1".into(),
        token: TokenSource::Inline(Token::new("t")),
        periods: Vec::new(),
        sites: Vec::new(),
        student_statuses: Vec::new(),
        username: IdSource::Login,
        idnumber: IdSource::Code,
        cursus: CursusSource::DiplomaYear,
        auth: None,
        paths: EndpointPaths::default(),
        http: HttpSettings::default(),
        schedules: Default::default(),
    }
}

fn decode<T: serde::de::DeserializeOwned>(json: &str) -> Vec<T> {
    serde_json::from_str::<Collection<T>>(json).unwrap().0
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

const ACCOUNTS: &str = r#"{
  "0": {"typeUtilisateur": "APPRENANT", "codeApprenant": 6106273, "login": "apprenant10007",
        "nom": "MARTIN", "prenom": "Léa", "email": "lea@example.org", "dateNaissance": "23/03/2002"},
  "1": {"typeUtilisateur": "APPRENANT", "codeApprenant": 6116669, "login": "apprenant10105",
        "nom": "DUBOIS", "prenom": null, "email": null, "dateNaissance": "01/12/2008"},
  "2": {"typeUtilisateur": "APPRENANT", "codeApprenant": 6120099, "login": "apprenant10199"},
  "3": {"typeUtilisateur": "APPRENANT", "codeApprenant": 6120100, "login": "apprenant10200"}
}"#;

const LEARNERS: &str = r#"[
  {"codeApprenant": 6106273, "informationsCourantes": {"codeGroupe": 2101, "codeInscription": 1},
   "inscriptions": [{"codeInscription": 1, "isInscriptionEnCours": 1, "codePeriode": 16, "codeSite": 1,
     "statut": {"codeStatut": 1, "nomStatut": "Apprenti", "abregeStatut": "N01"},
     "annee": {"nomAnnee": "1ère année", "abregeAnnee": "1A", "numeroAnnee": 1},
     "formation": {"nomFormation": "BTS SIO", "abregeFormation": "SIO", "diplome": {"abregeDiplome": "BTS"}},
     "dateDepart": null}]},
  {"codeApprenant": 6116669, "prenomApprenant": "Théo", "adresse": {"email": "theo@example.org"},
   "inscriptions": [{"codeInscription": 2, "isInscriptionEnCours": true, "codePeriode": 16, "codeSite": 2,
     "codeStatut": 2, "codeAnnee": 7, "codeFormation": 30}]},
  {"codeApprenant": 6120099,
   "inscriptions": [{"codeInscription": 3, "isInscriptionEnCours": 1, "codePeriode": 16, "codeSite": 1,
     "dateDepart": "02/10/2026"}]}
]"#;

fn definitions() -> Definitions {
    Definitions {
        statuses: decode(
            r#"[{"codeStatut": 2, "nomStatut": "Contrat pro", "abregeStatut": "N02"}]"#,
        ),
        years: decode(
            r#"[{"codeAnnee": 7, "nomAnnee": "2ème année", "abregeAnnee": "2A", "numeroAnnee": 2}]"#,
        ),
        formations: decode(
            r#"[{"codeFormation": 30, "nomFormation": "BTS MCO", "abregeFormation": "MCO", "diplome": {"abregeDiplome": "BTS"}}]"#,
        ),
        periods: decode(
            r#"[{"codePeriode": 16, "nomPeriode": "2026-2027", "dateDeb": "01/09/2026", "dateFin": "31/08/2027"},
                {"codePeriode": 15, "nomPeriode": "2025-2026", "dateDeb": "01/09/2025", "dateFin": "31/08/2026"}]"#,
        ),
    }
}

fn export_students(instance: &Instance) -> (Vec<Person>, Vec<Skipped>) {
    let definitions = definitions();
    let periods = definitions.periods_for(instance, day(2026, 11, 21));
    students(
        instance,
        &decode(ACCOUNTS),
        &decode(LEARNERS),
        &definitions,
        &periods,
    )
}

#[test]
fn students_need_an_account_and_a_current_registration() {
    let (people, skipped) = export_students(&instance(0));
    let codes: Vec<&str> = people
        .iter()
        .map(|person| person.idnumber.as_str())
        .collect();
    assert_eq!(codes, ["6106273", "6116669"]);
    let why: Vec<(&str, &str)> = skipped
        .iter()
        .map(|skip| (skip.who.as_str(), skip.why.as_str()))
        .collect();
    assert_eq!(
        why,
        [
            (
                "apprenant10199",
                "no current registration (none in progress, or the learner left)"
            ),
            ("apprenant10200", "no registration in the exported periods"),
        ]
    );
    // The embedded records first, the definition cache for the codes they leave bare.
    let lea = &people[0];
    assert_eq!(
        (
            lea.status.as_str(),
            lea.cursus.as_str(),
            lea.program.as_str(),
            lea.program_step.as_str()
        ),
        ("Apprenti", "BTS1", "BTS SIO", "1ère année")
    );
    let theo = &people[1];
    assert_eq!(
        (
            theo.status.as_str(),
            theo.cursus.as_str(),
            theo.program.as_str(),
            theo.program_step.as_str()
        ),
        ("Contrat pro", "BTS2", "BTS MCO", "2ème année")
    );
    // The learner record fills what the account leaves empty.
    assert_eq!(
        (theo.firstname.as_str(), theo.email.as_str()),
        ("Théo", "theo@example.org")
    );
    assert_eq!(theo.site.as_deref(), Some("2"));
}

#[test]
fn sites_statuses_and_periods_filter_students() {
    let mut by_site = instance(0);
    by_site.sites = vec!["2".into()];
    assert_eq!(export_students(&by_site).0.len(), 1);
    let mut by_status = instance(0);
    by_status.student_statuses = vec!["apprenti".into()];
    let kept = export_students(&by_status).0;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].idnumber, "6106273");
    by_status.student_statuses = vec!["N02".into()];
    assert_eq!(export_students(&by_status).0[0].idnumber, "6116669");
    let mut past = instance(0);
    past.periods = vec!["15".into()];
    assert!(export_students(&past).0.is_empty());
}

#[test]
fn the_user_file_carries_the_six_profile_fields() {
    let mut instance = instance(1);
    instance.auth = Some("cas".into());
    let (people, _) = export_students(&instance);
    let bytes = user_file(&instance, UserKind::Student, &people, day(2026, 11, 21));
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        "username;idnumber;firstname;lastname;email;auth;profile_field_netypareo_usertype;\
profile_field_netypareo_ouverage;profile_field_netypareo_status;profile_field_netypareo_cursus;\
profile_field_netypareo_program;profile_field_netypareo_program_step\n\
apprenant10007;6106273;Léa;MARTIN;lea@example.org;cas;1_student;major;Apprenti;BTS1;BTS SIO;1ère année\n\
apprenant10105;6116669;Théo;DUBOIS;theo@example.org;cas;1_student;minor;Contrat pro;BTS2;BTS MCO;2ème année\n"
    );
}

#[test]
fn majority_comes_on_the_eighteenth_birthday() {
    let birth = Some(day(2008, 11, 21));
    assert_eq!(age_class(birth, day(2026, 11, 20)), "minor");
    assert_eq!(age_class(birth, day(2026, 11, 21)), "major");
    assert_eq!(age_class(None, day(2026, 11, 21)), "");
}

#[test]
fn sync_files_name_each_cohort_once_then_list_every_member() {
    let cohorts = [
        SyncedCohort {
            idnumber: "1_GROUP_2101".into(),
            name: "BTS SIO; 1ère année".into(),
            description: "".into(),
            members: vec!["6106273".into(), "6116669".into()],
        },
        SyncedCohort {
            idnumber: "1_GROUP_2102".into(),
            name: "\"Vide\"".into(),
            description: " espace".into(),
            members: Vec::new(),
        },
    ];
    assert_eq!(
        String::from_utf8(sync_file(&cohorts)).unwrap(),
        "cmd;cidnumber;cname;cdescription;userid\n\
sync;1_GROUP_2101;\"BTS SIO; 1ère année\";;\n\
sync;1_GROUP_2101;;;6106273\n\
sync;1_GROUP_2101;;;6116669\n\
sync;1_GROUP_2102;\"\"\"Vide\"\"\";\" espace\";\n"
    );
}

#[test]
fn group_and_site_cohorts_carry_the_instance_prefix() {
    let (people, _) = export_students(&instance(1));
    let by_code: BTreeMap<&str, &Person> = people
        .iter()
        .map(|person| (person.code.as_str(), person))
        .collect();
    let group: Vec<Group> =
        decode(r#"[{"codeGroupe": 2101, "nomGroupe": "BTS SIO 1", "codePeriode": 16}]"#);
    let members: Vec<Learner> = decode(LEARNERS);
    let cohort = group_cohort(
        &instance(1),
        GroupKind::Continuing,
        &group[0],
        &members,
        &by_code,
        UserIdentifier::Username,
    )
    .unwrap();
    assert_eq!(cohort.idnumber, "1_FCGROUP_2101");
    // Learners who are not exported students (6120099 left) are not members.
    assert_eq!(cohort.members, ["apprenant10007", "apprenant10105"]);
    let sites: Vec<Site> = decode(
        r#"[{"codeSite": 1, "nomSite": "CFPPH", "abregeSite": "CFPPH", "plusUtilise": 0},
            {"codeSite": 3, "nomSite": "Ancien", "abregeSite": "OLD", "plusUtilise": 1}]"#,
    );
    let kept = sites_to_export(&instance(1), &sites);
    assert_eq!(
        String::from_utf8(site_cohort_file(&instance(1), &kept)).unwrap(),
        "cmd;cidnumber;cname;cdescription\nadd;1_SITE_CFPPH;CFPPH;\n"
    );
    let site_cohorts = site_members(&instance(1), &kept, &people, UserIdentifier::Idnumber);
    assert_eq!(site_cohorts[0].members, ["6106273"]);
    assert_eq!(
        site_idnumber(&instance(0), &sites[0]).as_deref(),
        Some("SITE_CFPPH")
    );
}

#[test]
fn a_learner_listed_twice_is_taken_from_the_record_with_a_current_registration() {
    let instance = instance(0);
    let definitions = definitions();
    let periods = definitions.periods_for(&instance, day(2026, 11, 21));
    let accounts: Vec<Account> = decode(ACCOUNTS);
    // The diploma record comes first but was left; the short-course one is current.
    let learners: Vec<Learner> = decode(
        r#"[{"codeApprenant": 6106273, "inscriptions": [{"isInscriptionEnCours": 1, "codePeriode": 16,
              "dateDepart": "01/10/2026", "statut": {"nomStatut": "Apprenti"}}]},
            {"codeApprenant": 6106273, "inscriptions": [{"isInscriptionEnCours": 1, "isInscriptionFc": 1,
              "codePeriode": 16, "statut": {"nomStatut": "Stagiaire FC"}}]},
            {"codeApprenant": 6116669, "inscriptions": [{"isInscriptionEnCours": 1, "codePeriode": 16,
              "statut": {"nomStatut": "Apprenti"}}]},
            {"codeApprenant": 6116669, "inscriptions": [{"isInscriptionEnCours": 1, "isInscriptionFc": 1,
              "codePeriode": 16, "statut": {"nomStatut": "Stagiaire FC"}}]}]"#,
    );
    let (people, _) = students(&instance, &accounts, &learners, &definitions, &periods);
    let statuses: Vec<(&str, &str)> = people
        .iter()
        .map(|person| (person.idnumber.as_str(), person.status.as_str()))
        .collect();
    // Both current: the first (diploma) record wins.
    assert_eq!(
        statuses,
        [("6106273", "Stagiaire FC"), ("6116669", "Apprenti")]
    );
}
