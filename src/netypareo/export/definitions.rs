//! NetYpareo's reference tables (statuses, years, formations, periods), kept between exports
//! as the definition cache; what a registration refers to in them; and the periods an export
//! covers.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::netypareo::{
    settings::Instance,
    wire::{Formation, Period, Registration, Status, Year},
};

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

/// A registration's status: its own record, or the cache's of its code.
pub(super) fn status_of<'a>(
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

/// A registration's year: its own record, or the cache's of its code.
pub(super) fn year_of<'a>(
    registration: &'a Registration,
    definitions: &'a Definitions,
) -> Option<&'a Year> {
    registration.annee.as_ref().or_else(|| {
        let code = registration.code_annee.as_deref()?;
        definitions
            .years
            .iter()
            .find(|year| year.code_annee.as_deref() == Some(code))
    })
}

/// A registration's formation: its own record, or the cache's of its code.
pub(super) fn formation_of<'a>(
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
