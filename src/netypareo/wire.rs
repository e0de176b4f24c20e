//! NetYpareo's JSON, decoded leniently into the few fields moodle-sync uses. Pure: no IO.
//!
//! What the API is known to do (netypareo-api.md §1.3, §5.1), and what this module accepts:
//! - a collection is an object keyed by index or code (`{"0": {…}, "1": {…}}`) or an array;
//!   `{}`, `[]` and `null` are empty collections;
//! - codes are numbers or strings (kept as text);
//! - flags are `0`/`1`, `true`/`false`, `"0"`/`"1"` or `null` (false);
//! - dates are `dd/mm/yyyy`, `dd-mm-yyyy` or `yyyy-mm-dd` (the definition cache's own form);
//!   an empty string or `null` is no date;
//! - `null` may stand for any value; unknown fields (bank details, addresses…) are skipped
//!   without being kept in memory.

use std::{fmt, marker::PhantomData};

use chrono::NaiveDate;
use serde::{
    Deserialize, Deserializer, Serialize,
    de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor},
};

/// A collection in either envelope: the records in the order the body gives them.
#[derive(Debug, Clone, PartialEq)]
pub struct Collection<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Collection<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CollectionVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for CollectionVisitor<T> {
            type Value = Collection<T>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a collection: an array of records or an object of records")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut records = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(record) = seq.next_element()? {
                    records.push(record);
                }
                Ok(Collection(records))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut records = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some((_, record)) = map.next_entry::<IgnoredAny, T>()? {
                    records.push(record);
                }
                Ok(Collection(records))
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Collection(Vec::new()))
            }

            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Collection(Vec::new()))
            }
        }

        deserializer.deserialize_any(CollectionVisitor(PhantomData))
    }
}

/// A JSON scalar as NetYpareo sends it, for the lenient field decoders below.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

/// A code or a text: numbers become their decimal text; `null` and `""` are absent.
pub fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Scalar>::deserialize(deserializer)? {
        None => None,
        Some(Scalar::Text(text)) => {
            let trimmed = text.trim();
            (!trimmed.is_empty()).then(|| trimmed.to_owned())
        }
        Some(Scalar::Int(number)) => Some(number.to_string()),
        Some(Scalar::Float(number)) => Some(number.to_string()),
        Some(Scalar::Bool(flag)) => Some(u8::from(flag).to_string()),
    })
}

/// A flag: `1`, `true`, `"1"`, `"true"`, `"oui"` are true; `0`, `false`, `null`, `""` false.
pub fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    match Option::<Scalar>::deserialize(deserializer)? {
        None => Ok(false),
        Some(Scalar::Bool(flag)) => Ok(flag),
        Some(Scalar::Int(number)) => Ok(number != 0),
        Some(Scalar::Float(number)) => Ok(number != 0.0),
        Some(Scalar::Text(text)) => match text.trim().to_lowercase().as_str() {
            "1" | "true" | "oui" | "o" | "yes" | "y" => Ok(true),
            "0" | "false" | "non" | "n" | "no" | "" => Ok(false),
            other => Err(de::Error::custom(format!(
                "\"{other}\" is not a flag (0 or 1)"
            ))),
        },
    }
}

/// A date in any of the API's forms (see the module's documentation).
pub fn date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<NaiveDate>, D::Error> {
    match text(deserializer)? {
        None => Ok(None),
        Some(value) => parse_date(&value)
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("\"{value}\" is not a date (dd/mm/yyyy)"))),
    }
}

/// `dd/mm/yyyy`, `dd-mm-yyyy` or `yyyy-mm-dd`; a time after the date (`… 00:00:00`) is ignored.
pub fn parse_date(value: &str) -> Option<NaiveDate> {
    let day = value.split([' ', 'T']).next()?;
    ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"]
        .into_iter()
        .find_map(|format| NaiveDate::parse_from_str(day, format).ok())
}

/// A list that may be `null`. Trimmed to its length: serde gives no size hint, so a vector
/// of two registrations would otherwise keep room for four (measured: a third of a learner's
/// memory, `cargo bench --bench netypareo`).
pub fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    let mut list = Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default();
    list.shrink_to_fit();
    Ok(list)
}

/// Serializes a date as `yyyy-mm-dd` (the definition cache's form).
fn iso<S: serde::Serializer>(date: &Option<NaiveDate>, serializer: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(date) => serializer.serialize_str(&date.format("%Y-%m-%d").to_string()),
        None => serializer.serialize_none(),
    }
}

/// A site (`/sites`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Site {
    /// `codeSite`.
    #[serde(deserialize_with = "text")]
    pub code_site: Option<String>,
    /// `nomSite`: the site cohort's name.
    #[serde(deserialize_with = "text")]
    pub nom_site: Option<String>,
    /// `abregeSite`: the site cohort's idnumber, after `SITE_`.
    #[serde(deserialize_with = "text")]
    pub abrege_site: Option<String>,
    /// `etenduSite`: the long name, the cohort's description.
    #[serde(deserialize_with = "text")]
    pub etendu_site: Option<String>,
    /// `plusUtilise`: the site is no longer used.
    #[serde(deserialize_with = "flag")]
    pub plus_utilise: bool,
}

/// A period, a school year (`/periodes`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Period {
    /// `codePeriode`.
    #[serde(deserialize_with = "text")]
    pub code_periode: Option<String>,
    /// `nomPeriode`.
    #[serde(deserialize_with = "text")]
    pub nom_periode: Option<String>,
    /// `dateDeb`.
    #[serde(deserialize_with = "date", serialize_with = "iso")]
    pub date_deb: Option<NaiveDate>,
    /// `dateFin`.
    #[serde(deserialize_with = "date", serialize_with = "iso")]
    pub date_fin: Option<NaiveDate>,
}

impl Period {
    /// Whether `day` falls in the period (both ends included).
    pub fn contains(&self, day: NaiveDate) -> bool {
        matches!((self.date_deb, self.date_fin), (Some(from), Some(to)) if from <= day && day <= to)
    }
}

/// A status (`/statuts`, `inscriptions[].statut`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Status {
    /// `codeStatut`.
    #[serde(deserialize_with = "text")]
    pub code_statut: Option<String>,
    /// `nomStatut`, e.g. "Apprenti".
    #[serde(deserialize_with = "text")]
    pub nom_statut: Option<String>,
    /// `abregeStatut`, e.g. "N01".
    #[serde(deserialize_with = "text")]
    pub abrege_statut: Option<String>,
}

/// A year of a training (`/annees`, `inscriptions[].annee`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Year {
    /// `codeAnnee`.
    #[serde(deserialize_with = "text")]
    pub code_annee: Option<String>,
    /// `nomAnnee`, e.g. "2ème année".
    #[serde(deserialize_with = "text")]
    pub nom_annee: Option<String>,
    /// `abregeAnnee`, e.g. "2A".
    #[serde(deserialize_with = "text")]
    pub abrege_annee: Option<String>,
    /// `numeroAnnee`, e.g. 2.
    #[serde(deserialize_with = "text")]
    pub numero_annee: Option<String>,
}

/// The diploma a training prepares (`formation.diplome`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Diploma {
    /// `abregeDiplome`, e.g. "BTS".
    #[serde(deserialize_with = "text")]
    pub abrege_diplome: Option<String>,
    /// `nomDiplome`.
    #[serde(deserialize_with = "text")]
    pub nom_diplome: Option<String>,
}

/// A training (`/formations`, `inscriptions[].formation`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Formation {
    /// `codeFormation`.
    #[serde(deserialize_with = "text")]
    pub code_formation: Option<String>,
    /// `nomFormation`.
    #[serde(deserialize_with = "text")]
    pub nom_formation: Option<String>,
    /// `abregeFormation`.
    #[serde(deserialize_with = "text")]
    pub abrege_formation: Option<String>,
    /// `diplome`.
    pub diplome: Option<Diploma>,
}

/// A user account (`/utilisateur/apprenants`, `/utilisateur/personnels`, the tutors' list):
/// only activated accounts are listed.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Account {
    /// `typeUtilisateur`, e.g. "APPRENANT".
    #[serde(deserialize_with = "text")]
    pub type_utilisateur: Option<String>,
    /// `codeApprenant` (students).
    #[serde(deserialize_with = "text")]
    pub code_apprenant: Option<String>,
    /// `codePersonnel` (staff).
    #[serde(deserialize_with = "text")]
    pub code_personnel: Option<String>,
    /// `codeInterlocuteur` (company contacts: tutors).
    #[serde(deserialize_with = "text")]
    pub code_interlocuteur: Option<String>,
    /// `codeUtilisateur`, when none of the others is given.
    #[serde(deserialize_with = "text")]
    pub code_utilisateur: Option<String>,
    /// `login`: the NetYpareo login.
    #[serde(deserialize_with = "text")]
    pub login: Option<String>,
    /// `nom`.
    #[serde(deserialize_with = "text")]
    pub nom: Option<String>,
    /// `prenom`.
    #[serde(deserialize_with = "text")]
    pub prenom: Option<String>,
    /// `email`.
    #[serde(deserialize_with = "text")]
    pub email: Option<String>,
    /// `dateNaissance`.
    #[serde(deserialize_with = "date")]
    pub date_naissance: Option<NaiveDate>,
    /// `isFormateur`: staff who teach.
    #[serde(deserialize_with = "flag")]
    pub is_formateur: bool,
    /// `codeEntreprise` (tutors).
    #[serde(deserialize_with = "text")]
    pub code_entreprise: Option<String>,
}

impl Account {
    /// The account's NetYpareo code: the learner's, staff member's, contact's or user's, or
    /// for a company's own account (a tutor), the company's.
    pub fn code(&self) -> Option<&str> {
        self.code_apprenant
            .as_deref()
            .or(self.code_personnel.as_deref())
            .or(self.code_interlocuteur.as_deref())
            .or(self.code_utilisateur.as_deref())
            .or(self.code_entreprise.as_deref())
    }
}

/// A learner's postal address; only its e-mail is used.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Address {
    /// `email`.
    #[serde(deserialize_with = "text")]
    pub email: Option<String>,
}

/// `informationsCourantes`: the learner's current group and registration.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Current {
    /// `codeGroupe`.
    #[serde(deserialize_with = "text")]
    pub code_groupe: Option<String>,
    /// `codeInscription`.
    #[serde(deserialize_with = "text")]
    pub code_inscription: Option<String>,
}

/// A registration (`inscriptions[]`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Registration {
    /// `codeInscription`.
    #[serde(deserialize_with = "text")]
    pub code_inscription: Option<String>,
    /// `isInscriptionEnCours`.
    #[serde(deserialize_with = "flag")]
    pub is_inscription_en_cours: bool,
    /// `isInscriptionFc`: a continuing-education registration.
    #[serde(deserialize_with = "flag")]
    pub is_inscription_fc: bool,
    /// `codePeriode`.
    #[serde(deserialize_with = "text")]
    pub code_periode: Option<String>,
    /// `codeSite`.
    #[serde(deserialize_with = "text")]
    pub code_site: Option<String>,
    /// `site`.
    pub site: Option<Site>,
    /// `codeStatut`.
    #[serde(deserialize_with = "text")]
    pub code_statut: Option<String>,
    /// `statut`.
    pub statut: Option<Status>,
    /// `annee`.
    pub annee: Option<Year>,
    /// `codeAnnee`.
    #[serde(deserialize_with = "text")]
    pub code_annee: Option<String>,
    /// `formation`.
    pub formation: Option<Formation>,
    /// `codeFormation`.
    #[serde(deserialize_with = "text")]
    pub code_formation: Option<String>,
    /// `dateDepart`: the learner left.
    #[serde(deserialize_with = "date")]
    pub date_depart: Option<NaiveDate>,
}

/// A learner (`wrApprenant`: `/formation-longue/apprenants`, `/groupes/{code}/apprenants`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Learner {
    /// `codeApprenant`.
    #[serde(deserialize_with = "text")]
    pub code_apprenant: Option<String>,
    /// `nomApprenant`.
    #[serde(deserialize_with = "text")]
    pub nom_apprenant: Option<String>,
    /// `prenomApprenant`.
    #[serde(deserialize_with = "text")]
    pub prenom_apprenant: Option<String>,
    /// `dateNaissance`.
    #[serde(deserialize_with = "date")]
    pub date_naissance: Option<NaiveDate>,
    /// `adresse`.
    pub adresse: Option<Address>,
    /// `informationsCourantes`.
    pub informations_courantes: Option<Current>,
    /// `inscriptions`.
    #[serde(deserialize_with = "list")]
    pub inscriptions: Vec<Registration>,
}

impl Learner {
    /// The current registration (netypareo-api.md §5.3): the one in progress, or the one
    /// `informationsCourantes` names, provided the learner has not left it.
    pub fn current_registration(&self) -> Option<&Registration> {
        let named = self
            .informations_courantes
            .as_ref()
            .and_then(|current| current.code_inscription.as_deref());
        self.inscriptions
            .iter()
            .filter(|registration| registration.date_depart.is_none())
            .find(|registration| registration.is_inscription_en_cours)
            .or_else(|| {
                self.inscriptions.iter().find(|registration| {
                    registration.date_depart.is_none()
                        && named.is_some()
                        && registration.code_inscription.as_deref() == named
                })
            })
    }

    /// The learner's current group, from `informationsCourantes`.
    pub fn current_group(&self) -> Option<&str> {
        self.informations_courantes
            .as_ref()
            .and_then(|current| current.code_groupe.as_deref())
    }
}

/// A training group (`wrGroupe`: `/formation-longue/groupes`, the FC groups).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Group {
    /// `codeGroupe`.
    #[serde(deserialize_with = "text")]
    pub code_groupe: Option<String>,
    /// `nomGroupe`: the group cohort's name.
    #[serde(deserialize_with = "text")]
    pub nom_groupe: Option<String>,
    /// `abregeGroupe`.
    #[serde(deserialize_with = "text")]
    pub abrege_groupe: Option<String>,
    /// `etenduGroupe`: the cohort's description.
    #[serde(deserialize_with = "text")]
    pub etendu_groupe: Option<String>,
    /// `codePeriode`.
    #[serde(deserialize_with = "text")]
    pub code_periode: Option<String>,
    /// `codeSite`.
    #[serde(deserialize_with = "text")]
    pub code_site: Option<String>,
    /// `dateDebut`.
    #[serde(deserialize_with = "date")]
    pub date_debut: Option<NaiveDate>,
    /// `dateFin`.
    #[serde(deserialize_with = "date")]
    pub date_fin: Option<NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites(json: &str) -> Vec<Site> {
        serde_json::from_str::<Collection<Site>>(json).unwrap().0
    }

    #[test]
    fn both_envelopes_and_empty_collections_decode() {
        let object = r#"{"0": {"codeSite": 1, "nomSite": "Site Un", "abregeSite": "S1", "plusUtilise": 0,
                        "listeRib": [{"iban": "x"}], "adresse": {"ville": "Montpellier"}},
                         "1": {"codeSite": "2", "nomSite": "Site Deux", "abregeSite": "S2", "plusUtilise": true}}"#;
        let array = r#"[{"codeSite": 1, "nomSite": "Site Un", "abregeSite": "S1", "plusUtilise": 0},
                        {"codeSite": "2", "nomSite": "Site Deux", "abregeSite": "S2", "plusUtilise": true}]"#;
        assert_eq!(sites(object), sites(array));
        let decoded = sites(object);
        assert_eq!(decoded[0].code_site.as_deref(), Some("1"));
        assert_eq!(decoded[1].code_site.as_deref(), Some("2"));
        assert!(!decoded[0].plus_utilise && decoded[1].plus_utilise);
        for empty in ["[]", "{}", "null"] {
            assert!(sites(empty).is_empty(), "{empty}");
        }
    }

    #[test]
    fn nulls_flags_and_dates_are_lenient() {
        let learner: Learner = serde_json::from_str(
            r#"{"codeApprenant": 6106273, "nomApprenant": null, "dateNaissance": "23-03-2002",
                "adresse": null, "repLegal": null, "inscriptions": null}"#,
        )
        .unwrap();
        assert_eq!(learner.code_apprenant.as_deref(), Some("6106273"));
        assert_eq!(learner.nom_apprenant, None);
        assert_eq!(learner.date_naissance, NaiveDate::from_ymd_opt(2002, 3, 23));
        assert!(learner.inscriptions.is_empty());
        for (json, expected) in [
            ("1", true),
            ("0", false),
            ("true", true),
            ("\"1\"", true),
            ("null", false),
        ] {
            let registration: Registration =
                serde_json::from_str(&format!(r#"{{"isInscriptionEnCours": {json}}}"#)).unwrap();
            assert_eq!(registration.is_inscription_en_cours, expected, "{json}");
        }
        assert_eq!(
            parse_date("01/09/2026"),
            NaiveDate::from_ymd_opt(2026, 9, 1)
        );
        assert_eq!(
            parse_date("2026-09-01"),
            NaiveDate::from_ymd_opt(2026, 9, 1)
        );
        assert_eq!(
            parse_date("01/09/2026 00:00:00"),
            NaiveDate::from_ymd_opt(2026, 9, 1)
        );
        assert_eq!(parse_date("31/02/2026"), None);
        let bad = serde_json::from_str::<Period>(r#"{"dateDeb": "2026/31/12"}"#).unwrap_err();
        assert!(
            bad.to_string().contains("\"2026/31/12\" is not a date"),
            "{bad}"
        );
    }

    #[test]
    fn the_current_registration_is_the_one_in_progress_and_not_left() {
        let learner: Learner = serde_json::from_str(
            r#"{"informationsCourantes": {"codeInscription": 3, "codeGroupe": 42},
                "inscriptions": [
                  {"codeInscription": 1, "isInscriptionEnCours": 0, "codeSite": 1},
                  {"codeInscription": 2, "isInscriptionEnCours": 1, "codeSite": 2, "dateDepart": "01/10/2026"},
                  {"codeInscription": 3, "isInscriptionEnCours": 0, "codeSite": 3}]}"#,
        )
        .unwrap();
        let current = learner.current_registration().unwrap();
        assert_eq!(current.code_inscription.as_deref(), Some("3"));
        assert_eq!(learner.current_group(), Some("42"));
        let left: Learner = serde_json::from_str(
            r#"{"inscriptions": [{"codeInscription": 2, "isInscriptionEnCours": 1, "dateDepart": "01/10/2026"}]}"#,
        )
        .unwrap();
        assert_eq!(left.current_registration(), None);
    }

    #[test]
    fn an_account_code_comes_from_whichever_code_it_has() {
        let staff: Account =
            serde_json::from_str(r#"{"codePersonnel": 12, "login": "jdupont", "isFormateur": 1}"#)
                .unwrap();
        assert_eq!(staff.code(), Some("12"));
        assert!(staff.is_formateur);
        let tutor: Account =
            serde_json::from_str(r#"{"codeInterlocuteur": "300626", "login": "interlocuteur10"}"#)
                .unwrap();
        assert_eq!(tutor.code(), Some("300626"));
    }
}
