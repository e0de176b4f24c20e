//! The cohorts an export writes: one per site, holding its students, and one per training
//! group, holding the group's exported students.

use std::collections::BTreeMap;

use super::people::Person;
use crate::{
    command::refs::UserIdentifier,
    netypareo::{
        settings::Instance,
        wire::{Group, Learner, Period, Site},
    },
};

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

fn sorted(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut values: Vec<String> = values.filter(|value| !value.is_empty()).collect();
    values.sort();
    values.dedup();
    values
}
