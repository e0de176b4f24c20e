//! The students to export: NetYpareo's accounts joined with their learner records, kept when
//! their current registration is in an exported period, at a wanted site, of a wanted status.

use std::collections::{BTreeMap, HashSet};

use super::{
    cohorts::site_wanted,
    definitions::{Definitions, formation_of, status_of, year_of},
    people::{Person, Skipped, name_company_accounts, person},
};
use crate::netypareo::{
    settings::{CursusSource, Instance},
    wire::{Account, Formation, Learner, Period, Registration, Status, Year},
};

/// The students to export: accounts joined with learners on `codeApprenant` (the first record
/// of a learner listed twice), keeping those with a current registration in an exported
/// period, at a wanted site, of a wanted status.
pub fn students(
    instance: &Instance,
    accounts: &[Account],
    learners: &[Learner],
    definitions: &Definitions,
    periods: &[&Period],
) -> (Vec<Person>, Vec<Skipped>) {
    let period_codes: HashSet<&str> = periods
        .iter()
        .filter_map(|period| period.code_periode.as_deref())
        .collect();
    let by_code = learners_by_code(learners, &period_codes);
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
        let Some(registration) = current_registration(learner, &period_codes) else {
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
        complete_student(
            &mut person,
            instance,
            learner,
            registration,
            status,
            definitions,
        );
        person.site = site;
        people.push(person);
    }
    (people, skipped)
}

/// A learner's current registration, if it is in one of the exported periods (any, when
/// `period_codes` is empty).
fn current_registration<'a>(
    learner: &'a Learner,
    period_codes: &HashSet<&str>,
) -> Option<&'a Registration> {
    learner.current_registration().filter(|registration| {
        period_codes.is_empty()
            || registration
                .code_periode
                .as_deref()
                .is_none_or(|period| period_codes.contains(period))
    })
}

/// The learners by `codeApprenant`. A learner listed twice (a diploma learner also on a short
/// course) is taken from the first record with a current registration: the diploma one when
/// both have one.
fn learners_by_code<'a>(
    learners: &'a [Learner],
    period_codes: &HashSet<&str>,
) -> BTreeMap<&'a str, &'a Learner> {
    let mut by_code: BTreeMap<&str, &Learner> = BTreeMap::new();
    for learner in learners {
        if let Some(code) = learner.code_apprenant.as_deref() {
            let kept = by_code.entry(code).or_insert(learner);
            if current_registration(kept, period_codes).is_none()
                && current_registration(learner, period_codes).is_some()
            {
                *kept = learner;
            }
        }
    }
    by_code
}

/// Completes a student's account with their learner record (the names and e-mail the account
/// lacks, the birth date) and their current registration (status, cursus, program, step).
fn complete_student(
    person: &mut Person,
    instance: &Instance,
    learner: &Learner,
    registration: &Registration,
    status: Option<&Status>,
    definitions: &Definitions,
) {
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
    name_company_accounts(person);
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
