//! The people an export writes: who they are in Moodle, the staff and tutors among NetYpareo's
//! accounts, and why an account was left out.

use std::collections::HashSet;

use chrono::NaiveDate;

use crate::{
    command::refs::UserIdentifier,
    netypareo::{
        settings::{IdSource, Instance},
        wire::Account,
    },
};

/// The age of majority, for `netypareo_ouverage`.
const MAJORITY: u32 = 18;

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

/// The person an account names, `None` (and why, in `skipped`) without a login or a code.
pub(super) fn person(
    instance: &Instance,
    account: &Account,
    skipped: &mut Vec<Skipped>,
) -> Option<Person> {
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
pub(super) fn name_company_accounts(person: &mut Person) {
    if person.firstname.is_empty() {
        person.firstname = person.lastname.clone();
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
