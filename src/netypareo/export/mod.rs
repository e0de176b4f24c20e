//! What NetYpareo's records become: the people and cohorts to export, and the bytes of the
//! command files that carry them. Pure: no IO, the date of the run is given.
//!
//! Files are UTF-8 without a byte order mark, `;`-separated, LF line endings; a value holding
//! `;`, a quote, a line break or surrounding spaces is quoted (RFC 4180).
//!
//! - `definitions`: NetYpareo's reference tables kept between exports, what a registration
//!   refers to in them, and the periods an export covers.
//! - `people`: the people to export and why others are left out; the staff and tutors.
//! - `students`: the students, accounts joined with their learner records.
//! - `cohorts`: the site and group cohorts and their members.
//! - `files`: the bytes of the user and cohort files.

mod cohorts;
mod definitions;
mod files;
mod people;
mod students;

pub use cohorts::{
    GroupKind, SyncedCohort, group_cohort, group_wanted, site_idnumber, site_members, site_wanted,
    sites_to_export,
};
pub use definitions::{Definitions, path_date, window};
pub use files::{PROFILE_FIELDS, site_cohort_file, sync_file, user_file};
pub use people::{Person, Skipped, UserKind, age_class, staff};
pub use students::students;

#[cfg(test)]
mod tests;
