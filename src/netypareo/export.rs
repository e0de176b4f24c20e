//! What NetYpareo's records become: the people and cohorts to export, and the bytes of the
//! command files that carry them. Pure: no IO, the date of the run is given.
//!
//! Files are UTF-8 without a byte order mark, `;`-separated, LF line endings; a value holding
//! `;`, a quote, a line break or surrounding spaces is quoted (RFC 4180).

use std::collections::{BTreeMap, HashSet};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{
    settings::{CursusSource, IdSource, Instance},
    wire::{Account, Formation, Group, Learner, Period, Registration, Site, Status, Year},
};
use crate::command::refs::UserIdentifier;

/// The six profile fields the Moodle plugin fills (seed 000's mapping), in column order.
pub const PROFILE_FIELDS: [&str; 6] = [
    "netypareo_usertype",
    "netypareo_ouverage",
    "netypareo_status",
    "netypareo_cursus",
    "netypareo_program",
    "netypareo_program_step",
];

/// The age of majority, for `netypareo_ouverage`.
const MAJORITY: u32 = 18;

/// The definition cache: NetYpareo's reference tables, kept between exports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Definitions {
    /// `/statuts`.
    pub statuses: Vec<Status>,
    /// `/annees`.
    pub years: Vec<Year>,
    /// `/formations`.
    pub formations: Vec<Formation>,
    /// `/periodes`.
    pub periods: Vec<Period>,
}

impl Definitions {
    /// How many records the cache holds (the console's "Reading N records").
    pub fn len(&self) -> usize {
        self.statuses.len() + self.years.len() + self.formations.len() + self.periods.len()
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The periods to export: the configured codes, or those in progress on `today`.
    pub fn periods_for<'a>(&'a self, instance: &Instance, today: NaiveDate) -> Vec<&'a Period> {
        self.periods
            .iter()
            .filter(|period| {
                if instance.periods.is_empty() {
                    period.contains(today)
                } else {
                    period
                        .code_periode
                        .as_ref()
                        .is_some_and(|code| instance.periods.contains(code))
                }
            })
            .collect()
    }
}

/// The kinds of accounts, one user file each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserKind {
    /// Learners with an activated account and a current registration.
    Student,
    /// Staff who teach.
    Teacher,
    /// Company tutors.
    Tutor,
}

impl UserKind {
    /// Every kind, in export order.
    pub const ALL: [UserKind; 3] = [UserKind::Student, UserKind::Teacher, UserKind::Tutor];

    /// The name in file names, console lines and `netypareo_usertype`.
    pub fn name(self) -> &'static str {
        match self {
            UserKind::Student => "student",
            UserKind::Teacher => "teacher",
            UserKind::Tutor => "tutor",
        }
    }
}

/// A person to export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The NetYpareo login.
    pub login: String,
    /// The NetYpareo code.
    pub code: String,
    /// The Moodle username.
    pub username: String,
    /// The Moodle idnumber.
    pub idnumber: String,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: String,
    /// E-mail.
    pub email: String,
    /// Birth date.
    pub birth: Option<NaiveDate>,
    /// The six profile values after `netypareo_usertype` (status, cursus, program, step) and
    /// the site of the current registration (students).
    pub status: String,
    /// `netypareo_cursus`.
    pub cursus: String,
    /// `netypareo_program`.
    pub program: String,
    /// `netypareo_program_step`.
    pub program_step: String,
    /// The current registration's site code (students).
    pub site: Option<String>,
}

impl Person {
    /// The value naming this person in a cohort file's `userid` column.
    pub fn member_key(&self, identifier: UserIdentifier) -> &str {
        match identifier {
            UserIdentifier::Username => &self.username,
            UserIdentifier::Email => &self.email,
            UserIdentifier::Idnumber | UserIdentifier::Id => &self.idnumber,
        }
    }
}

/// Why an account or learner was left out, for the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Who (login or code, or "?").
    pub who: String,
    /// Why.
    pub why: String,
}

/// Whether a site passes the instance's `sites` filter (code or abbreviation, any case).
pub fn site_wanted(instance: &Instance, code: Option<&str>, abbreviation: Option<&str>) -> bool {
    instance.sites.is_empty()
        || instance.sites.iter().any(|wanted| {
            [code, abbreviation]
                .into_iter()
                .flatten()
                .any(|value| value.eq_ignore_ascii_case(wanted))
        })
}

/// The site cohort's idnumber: `SITE_<abregeSite>`, after the instance's prefix.
pub fn site_idnumber(instance: &Instance, site: &Site) -> Option<String> {
    let abbreviation = site.abrege_site.as_deref()?;
    Some(format!("{}SITE_{abbreviation}", instance.prefix()))
}

/// The sites to export: in use and wanted, with an abbreviation and a name.
pub fn sites_to_export<'a>(instance: &Instance, sites: &'a [Site]) -> Vec<&'a Site> {
    sites
        .iter()
        .filter(|site| !site.plus_utilise)
        .filter(|site| site.abrege_site.is_some() && site.nom_site.is_some())
        .filter(|site| {
            site_wanted(
                instance,
                site.code_site.as_deref(),
                site.abrege_site.as_deref(),
            )
        })
        .collect()
}

/// The sites' cohort file: one `add` line per site, no members.
pub fn site_cohort_file(instance: &Instance, sites: &[&Site]) -> Vec<u8> {
    let mut out = Csv::new(&["cmd", "cidnumber", "cname", "cdescription"]);
    for site in sites {
        let Some(idnumber) = site_idnumber(instance, site) else {
            continue;
        };
        out.row(&[
            "add",
            &idnumber,
            site.nom_site.as_deref().unwrap_or_default(),
            site.etendu_site.as_deref().unwrap_or_default(),
        ]);
    }
    out.finish()
}

/// The students to export: accounts joined with learners on `codeApprenant` (the first record
/// of a learner listed twice), keeping those with a current registration in an exported
/// period, at a wanted site, of a wanted status.
pub fn students<'a>(
    instance: &Instance,
    accounts: &[Account],
    learners: &'a [Learner],
    definitions: &Definitions,
    periods: &[&Period],
) -> (Vec<Person>, Vec<Skipped>) {
    let period_codes: HashSet<&str> = periods
        .iter()
        .filter_map(|period| period.code_periode.as_deref())
        .collect();
    let current = |learner: &'a Learner| {
        learner.current_registration().filter(|registration| {
            period_codes.is_empty()
                || registration
                    .code_periode
                    .as_deref()
                    .is_none_or(|period| period_codes.contains(period))
        })
    };
    // A learner listed twice (a diploma learner also on a short course) is taken from the
    // first record with a current registration: the diploma one when both have one.
    let mut by_code: BTreeMap<&str, &Learner> = BTreeMap::new();
    for learner in learners {
        if let Some(code) = learner.code_apprenant.as_deref() {
            let kept = by_code.entry(code).or_insert(learner);
            if current(kept).is_none() && current(learner).is_some() {
                *kept = learner;
            }
        }
    }
    let mut people = Vec::new();
    let mut skipped = Vec::new();
    let mut seen = HashSet::new();
    for account in accounts {
        let who = account
            .login
            .clone()
            .or_else(|| account.code().map(str::to_owned))
            .unwrap_or_else(|| "?".into());
        let Some(code) = account.code() else {
            skipped.push(Skipped {
                who,
                why: "no codeApprenant".into(),
            });
            continue;
        };
        let Some(learner) = by_code.get(code) else {
            skipped.push(Skipped {
                who,
                why: "no registration in the exported periods".into(),
            });
            continue;
        };
        let Some(registration) = current(learner) else {
            skipped.push(Skipped {
                who,
                why: "no current registration (none in progress, or the learner left)".into(),
            });
            continue;
        };
        let site = registration
            .code_site
            .clone()
            .or_else(|| registration.site.as_ref()?.code_site.clone());
        let site_abbreviation = registration
            .site
            .as_ref()
            .and_then(|site| site.abrege_site.as_deref());
        if !site_wanted(instance, site.as_deref(), site_abbreviation) {
            skipped.push(Skipped {
                who,
                why: format!("site {} not exported", site.as_deref().unwrap_or("?")),
            });
            continue;
        }
        let status = status_of(registration, definitions);
        if !status_wanted(instance, registration, status) {
            skipped.push(Skipped {
                who,
                why: format!(
                    "status {} not exported",
                    status
                        .and_then(|status| status.nom_statut.as_deref())
                        .or(registration.code_statut.as_deref())
                        .unwrap_or("?")
                ),
            });
            continue;
        }
        let Some(mut person) = person(instance, account, &mut skipped) else {
            continue;
        };
        if !seen.insert(person.idnumber.clone()) {
            skipped.push(Skipped {
                who,
                why: "listed twice".into(),
            });
            continue;
        }
        if person.firstname.is_empty() {
            person.firstname = learner.prenom_apprenant.clone().unwrap_or_default();
        }
        if person.lastname.is_empty() {
            person.lastname = learner.nom_apprenant.clone().unwrap_or_default();
        }
        if person.email.is_empty() {
            person.email = learner
                .adresse
                .as_ref()
                .and_then(|address| address.email.clone())
                .unwrap_or_default();
        }
        person.birth = person.birth.or(learner.date_naissance);
        name_company_accounts(&mut person);
        person.status = status
            .and_then(|status| status.nom_statut.clone())
            .unwrap_or_default();
        let year = year_of(registration, definitions);
        let formation = formation_of(registration, definitions);
        person.cursus = cursus(instance.cursus, formation, year);
        person.program = formation
            .and_then(|formation| formation.nom_formation.clone())
            .unwrap_or_default();
        person.program_step = year
            .and_then(|year| year.nom_annee.clone())
            .unwrap_or_default();
        person.site = site;
        people.push(person);
    }
    (people, skipped)
}

/// The staff or tutors to export (teachers: only accounts with `isFormateur`).
pub fn staff(
    instance: &Instance,
    kind: UserKind,
    accounts: &[Account],
) -> (Vec<Person>, Vec<Skipped>) {
    let mut people = Vec::new();
    let mut skipped = Vec::new();
    let mut seen = HashSet::new();
    for account in accounts {
        if kind == UserKind::Teacher && !account.is_formateur {
            continue;
        }
        let Some(mut person) = person(instance, account, &mut skipped) else {
            continue;
        };
        name_company_accounts(&mut person);
        if seen.insert(person.idnumber.clone()) {
            people.push(person);
        }
    }
    (people, skipped)
}

fn person(instance: &Instance, account: &Account, skipped: &mut Vec<Skipped>) -> Option<Person> {
    let login = account.login.clone().unwrap_or_default();
    let code = account.code().unwrap_or_default().to_owned();
    if login.is_empty() || code.is_empty() {
        skipped.push(Skipped {
            who: if login.is_empty() {
                code.clone()
            } else {
                login.clone()
            },
            why: if login.is_empty() {
                "no login"
            } else {
                "no code"
            }
            .into(),
        });
        return None;
    }
    let pick = |source| match source {
        IdSource::Login => login.clone(),
        IdSource::Code => code.clone(),
    };
    Some(Person {
        username: pick(instance.username),
        idnumber: pick(instance.idnumber),
        firstname: account.prenom.clone().unwrap_or_default(),
        lastname: account.nom.clone().unwrap_or_default(),
        email: account.email.clone().unwrap_or_default(),
        birth: account.date_naissance,
        login,
        code,
        status: String::new(),
        cursus: String::new(),
        program: String::new(),
        program_step: String::new(),
        site: None,
    })
}

/// A company's own account (a tutor) has a name but no first name, which Moodle requires:
/// the name serves as both.
fn name_company_accounts(person: &mut Person) {
    if person.firstname.is_empty() {
        person.firstname = person.lastname.clone();
    }
}

fn status_of<'a>(
    registration: &'a Registration,
    definitions: &'a Definitions,
) -> Option<&'a Status> {
    registration.statut.as_ref().or_else(|| {
        let code = registration.code_statut.as_deref()?;
        definitions
            .statuses
            .iter()
            .find(|status| status.code_statut.as_deref() == Some(code))
    })
}

fn status_wanted(
    instance: &Instance,
    registration: &Registration,
    status: Option<&Status>,
) -> bool {
    if instance.student_statuses.is_empty() {
        return true;
    }
    let values = [
        registration.code_statut.as_deref(),
        status.and_then(|status| status.code_statut.as_deref()),
        status.and_then(|status| status.abrege_statut.as_deref()),
        status.and_then(|status| status.nom_statut.as_deref()),
    ];
    instance.student_statuses.iter().any(|wanted| {
        values
            .iter()
            .flatten()
            .any(|value| value.to_lowercase() == wanted.to_lowercase())
    })
}

fn year_of<'a>(registration: &'a Registration, definitions: &'a Definitions) -> Option<&'a Year> {
    registration.annee.as_ref().or_else(|| {
        let code = registration.code_annee.as_deref()?;
        definitions
            .years
            .iter()
            .find(|year| year.code_annee.as_deref() == Some(code))
    })
}

fn formation_of<'a>(
    registration: &'a Registration,
    definitions: &'a Definitions,
) -> Option<&'a Formation> {
    registration.formation.as_ref().or_else(|| {
        let code = registration.code_formation.as_deref()?;
        definitions
            .formations
            .iter()
            .find(|formation| formation.code_formation.as_deref() == Some(code))
    })
}

fn cursus(source: CursusSource, formation: Option<&Formation>, year: Option<&Year>) -> String {
    match source {
        CursusSource::DiplomaYear => {
            let diploma = formation
                .and_then(|formation| formation.diplome.as_ref())
                .and_then(|diploma| diploma.abrege_diplome.as_deref());
            match diploma {
                Some(diploma) => format!(
                    "{diploma}{}",
                    year.and_then(|year| year.numero_annee.as_deref())
                        .unwrap_or_default()
                ),
                None => String::new(),
            }
        }
        CursusSource::Year => year
            .and_then(|year| year.abrege_annee.clone())
            .unwrap_or_default(),
        CursusSource::Training => formation
            .and_then(|formation| formation.abrege_formation.clone())
            .unwrap_or_default(),
    }
}

/// `major` or `minor` on `today`, from the birth date; empty without one.
pub fn age_class(birth: Option<NaiveDate>, today: NaiveDate) -> &'static str {
    let Some(birth) = birth else {
        return "";
    };
    match today.years_since(birth) {
        Some(age) if age >= MAJORITY => "major",
        Some(_) => "minor",
        None => "",
    }
}

/// The user file of `kind`: identity columns, `auth` when the instance sets one, and the six
/// `profile_field_netypareo_*` columns.
pub fn user_file(
    instance: &Instance,
    kind: UserKind,
    people: &[Person],
    today: NaiveDate,
) -> Vec<u8> {
    let mut header = vec!["username", "idnumber", "firstname", "lastname", "email"];
    if instance.auth.is_some() {
        header.push("auth");
    }
    let profile: Vec<String> = PROFILE_FIELDS
        .iter()
        .map(|field| format!("profile_field_{field}"))
        .collect();
    header.extend(profile.iter().map(String::as_str));
    let mut out = Csv::new(&header);
    let usertype = format!("{}_{}", instance.index, kind.name());
    for person in people {
        let mut row: Vec<&str> = vec![
            &person.username,
            &person.idnumber,
            &person.firstname,
            &person.lastname,
            &person.email,
        ];
        if let Some(auth) = &instance.auth {
            row.push(auth);
        }
        row.extend([
            usertype.as_str(),
            age_class(person.birth, today),
            &person.status,
            &person.cursus,
            &person.program,
            &person.program_step,
        ]);
        out.row(&row);
    }
    out.finish()
}

/// A cohort and the people it holds, for a `sync` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedCohort {
    /// The idnumber.
    pub idnumber: String,
    /// The name.
    pub name: String,
    /// The description.
    pub description: String,
    /// Member keys (see [`Person::member_key`]), sorted, without duplicates.
    pub members: Vec<String>,
}

/// A cohort file of `sync` lines: for each cohort, a line without member that creates or
/// renames it (whatever becomes of its members' lines), then one line per member, so that the
/// cohort holds exactly them afterwards (the first line alone: no members).
pub fn sync_file(cohorts: &[SyncedCohort]) -> Vec<u8> {
    let mut out = Csv::new(&["cmd", "cidnumber", "cname", "cdescription", "userid"]);
    for cohort in cohorts {
        out.row(&[
            "sync",
            &cohort.idnumber,
            &cohort.name,
            &cohort.description,
            "",
        ]);
        for member in &cohort.members {
            out.row(&["sync", &cohort.idnumber, "", "", member]);
        }
    }
    out.finish()
}

/// The site cohorts with their students as members.
pub fn site_members(
    instance: &Instance,
    sites: &[&Site],
    students: &[Person],
    identifier: UserIdentifier,
) -> Vec<SyncedCohort> {
    sites
        .iter()
        .filter_map(|site| {
            let idnumber = site_idnumber(instance, site)?;
            let members = students
                .iter()
                .filter(|student| student.site.is_some() && student.site == site.code_site)
                .map(|student| student.member_key(identifier).to_owned());
            Some(SyncedCohort {
                idnumber,
                name: site.nom_site.clone().unwrap_or_default(),
                description: site.etendu_site.clone().unwrap_or_default(),
                members: sorted(members),
            })
        })
        .collect()
}

/// Diploma groups or continuing-education groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    /// Formation longue: `GROUP_<codeGroupe>`.
    Diploma,
    /// Formation courte: `FCGROUP_<codeGroupe>`.
    Continuing,
}

impl GroupKind {
    /// The idnumber's kind part.
    pub fn tag(self) -> &'static str {
        match self {
            GroupKind::Diploma => "GROUP",
            GroupKind::Continuing => "FCGROUP",
        }
    }
}

/// A group's cohort: `<prefix><GROUP|FCGROUP>_<codeGroupe>`, named after the group, with the
/// `members` (learners of the group who are exported students).
pub fn group_cohort(
    instance: &Instance,
    kind: GroupKind,
    group: &Group,
    learners: &[Learner],
    students: &BTreeMap<&str, &Person>,
    identifier: UserIdentifier,
) -> Option<SyncedCohort> {
    let code = group.code_groupe.as_deref()?;
    let members = learners
        .iter()
        .filter_map(|learner| students.get(learner.code_apprenant.as_deref()?))
        .map(|student| student.member_key(identifier).to_owned());
    Some(SyncedCohort {
        idnumber: format!("{}{}_{code}", instance.prefix(), kind.tag()),
        name: group
            .nom_groupe
            .clone()
            .or_else(|| group.abrege_groupe.clone())
            .unwrap_or_else(|| code.to_owned()),
        description: group.etendu_groupe.clone().unwrap_or_default(),
        members: sorted(members),
    })
}

/// Whether a group belongs to the export: its period is exported (or, for continuing
/// education, its dates meet the window) and its site is wanted. A group names its site by
/// code only: `sites` (NetYpareo's, or none when the filter holds codes only) gives the
/// abbreviation a `sites` filter may name it by.
pub fn group_wanted(
    instance: &Instance,
    group: &Group,
    periods: &[&Period],
    sites: &[Site],
) -> bool {
    let in_period =
        periods
            .iter()
            .any(|period| match (&group.code_periode, &period.code_periode) {
                (Some(group), Some(period)) => group == period,
                _ => match (
                    group.date_debut,
                    group.date_fin,
                    period.date_deb,
                    period.date_fin,
                ) {
                    (Some(start), Some(end), Some(from), Some(to)) => start <= to && from <= end,
                    _ => true,
                },
            });
    let abbreviation = sites
        .iter()
        .find(|site| site.code_site.is_some() && site.code_site == group.code_site)
        .and_then(|site| site.abrege_site.as_deref());
    in_period && site_wanted(instance, group.code_site.as_deref(), abbreviation)
}

/// The window continuing-education endpoints are asked about: the first and last day of the
/// exported periods.
pub fn window(periods: &[&Period]) -> Option<(NaiveDate, NaiveDate)> {
    let from = periods.iter().filter_map(|period| period.date_deb).min()?;
    let to = periods.iter().filter_map(|period| period.date_fin).max()?;
    Some((from, to))
}

/// A date as path segments want it: `dd-mm-yyyy`.
pub fn path_date(date: NaiveDate) -> String {
    format!("{:02}-{:02}-{}", date.day(), date.month(), date.year())
}

fn sorted(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut values: Vec<String> = values.filter(|value| !value.is_empty()).collect();
    values.sort();
    values.dedup();
    values
}

/// A `;`-separated UTF-8 file being written.
struct Csv {
    bytes: Vec<u8>,
}

impl Csv {
    fn new(header: &[&str]) -> Csv {
        let mut csv = Csv { bytes: Vec::new() };
        csv.row(header);
        csv
    }

    fn row(&mut self, values: &[&str]) {
        for (position, value) in values.iter().enumerate() {
            if position > 0 {
                self.bytes.push(b';');
            }
            let quoted = value.contains([';', '"', '\n', '\r'])
                || value.starts_with([' ', '\t', '#'])
                || value.ends_with([' ', '\t']);
            if quoted {
                self.bytes.push(b'"');
                self.bytes
                    .extend_from_slice(value.replace('"', "\"\"").as_bytes());
                self.bytes.push(b'"');
            } else {
                self.bytes.extend_from_slice(value.as_bytes());
            }
        }
        self.bytes.push(b'\n');
    }

    fn finish(self) -> Vec<u8> {
        self.bytes
    }
}

#[cfg(test)]
mod tests;
