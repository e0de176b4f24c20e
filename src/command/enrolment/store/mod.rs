//! The database side of enrolment files: `snapshot` reads what a file refers to, `apply`
//! makes a plan's writes as Moodle's enrolment, role and group APIs would.

mod apply;
mod snapshot;
