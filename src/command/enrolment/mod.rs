//! Enrolment files (`enrols*.csv`, tool_sync's enrolment format): a user enrolled in a course
//! by an enrolment method (`manual` by default), given or relieved of a role there, suspended,
//! unenrolled, and put in or taken out of the course's groups. `line` parses records, `plan`
//! decides their effects against a snapshot of the database and lists the writes (its planner
//! in `planner`, the groups in `groups`), `effect` words and counts what lines did, `problem`
//! holds the line errors only these files have, `settings` reads `[enrolments]`, `store`
//! reads the snapshot and makes the writes, `kind` is what makes enrolment files a kind.

mod diff;
mod effect;
mod groups;
mod kind;
mod line;
mod lookup;
mod plan;
mod planner;
mod problem;
mod settings;
mod store;

pub use effect::{Counts, Effect};
pub use kind::Enrolments;
pub use line::{
    DateValue, EnrolCmd, EnrolSettings, EnrolmentLine, GroupCmd, GroupName, Header, ParsedFile,
    ParsedLine, column_specs, parse_file,
};
pub use plan::{
    AssignmentRow, AssignmentWrite, Cleared, EnrolCourse, EnrolmentRow, EnrolmentWrite, GroupRef,
    MemberRow, MemberWrite, MethodRow, NewGroup, Plan, Snapshot, Wanted, Writes, plan,
};
pub use problem::Problem;
pub use settings::EnrolmentsSection;

#[cfg(test)]
mod tests;
