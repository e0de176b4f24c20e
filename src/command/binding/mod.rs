//! Cohort-to-course binding files (`cohortscourses*.csv`): cohort sync enrolment methods
//! (Moodle's `enrol_cohort` instances). `line` parses records, `plan` decides their effects
//! against a snapshot of the database and lists the writes (its planner in `planner`, with
//! `groups`, `add` and `removal`), `effect` words and counts what lines did, `settings` reads
//! `[bindings]`, `store` reads the snapshot and makes the writes (a method's deletion in
//! `deletion`), `kind` is what makes binding files a kind.

mod add;
mod effect;
mod groups;
mod kind;
mod line;
mod plan;
mod planner;
mod problem;
mod removal;
mod settings;
mod store;

pub use effect::{Counts, Effect};
pub use kind::Bindings;
pub use line::{
    BindingCmd, BindingLine, BindingSettings, Column, DateValue, GroupChoice, ParsedFile,
    ParsedLine, RoleChoice, column_specs, parse_file,
};
pub use plan::{
    BindingOp, CourseRow, GroupRef, GroupRow, InstanceChanges, InstanceRef, InstanceRow,
    NewInstance, Plan, RoleRow, SITE_COURSE, Snapshot, Wanted, plan,
};
pub use problem::Problem;
pub use settings::BindingsSection;

#[cfg(test)]
mod tests;
