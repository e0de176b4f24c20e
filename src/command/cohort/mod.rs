//! Cohort command files (`cohorts*.csv`): cohorts and their members. `line` parses records,
//! `plan` decides their effects against a snapshot of the database and lists the writes (its
//! planner in `planner`, the commands in `add`, `removal` and `sync`), `effect` words and
//! counts what lines did, `settings` reads `[cohorts]`, `store` reads the snapshot and makes
//! the writes, `kind` is what makes cohort files a kind.

mod add;
mod effect;
mod kind;
mod line;
mod plan;
mod planner;
mod problem;
mod removal;
mod settings;
mod store;
mod sync;

pub use effect::{Counts, Effect};
pub use kind::Cohorts;
pub use line::{
    CohortCmd, CohortLine, CohortSettings, Column, ParsedFile, ParsedLine, column_specs, parse_file,
};
pub use plan::{
    CategoryRow, CohortChanges, CohortOp, CohortRef, CohortRow, NewCohort, Plan, Snapshot, UserRow,
    Wanted, plan,
};
pub use problem::Problem;
pub use settings::CohortsSection;

#[cfg(test)]
mod tests;
