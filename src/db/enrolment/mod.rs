//! Course enrolments that follow cohorts: what Moodle's `enrol_cohort_sync` task does for
//! additions (its steps 2, 4 and 6), done at once for the enrolment methods a file touched,
//! with the rows Moodle's enrolment, role and group APIs write; what its removals (steps 3 and
//! 5) will do, counted for the report; and the access "dirty" flags that make logged-in users
//! see the change. See docs/moodle-database.md.
//!
//! - [`follow`]: `Tx::follow_enrolments`, the step itself, over the methods in scope
//!   ([`Touched`]).
//! - [`site`]: the site settings it depends on ([`SiteSettings`]).
//! - [`enrol`]: steps 2 and 4 for one method (enrolments, roles).
//! - [`groups`]: step 6 for one method (group memberships).
//! - [`removals`]: access removed at once (steps 3 and 5), and what Moodle's task will remove.
//! - [`flags`]: Moodle's cache flags.
//! - [`rows`]: the reads and writes by id or user the steps and the kinds' stores share.

mod enrol;
mod flags;
mod follow;
mod groups;
mod removals;
mod rows;
mod site;

pub use follow::Touched;
pub use site::SiteSettings;
pub(crate) use site::main_admin;
