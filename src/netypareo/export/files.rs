//! The bytes of the command files an export writes: the sites' cohort file, a user file per
//! kind of account, and cohort files of `sync` lines.

use chrono::NaiveDate;

use super::{
    cohorts::{SyncedCohort, site_idnumber},
    people::{Person, UserKind, age_class},
};
use crate::netypareo::{settings::Instance, wire::Site};

/// The six profile fields the Moodle plugin fills (seed 000's mapping), in column order.
pub const PROFILE_FIELDS: [&str; 6] = [
    "netypareo_usertype",
    "netypareo_ouverage",
    "netypareo_status",
    "netypareo_cursus",
    "netypareo_program",
    "netypareo_program_step",
];

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
