//! The enrolment semantics, checked without a database: CSV text → parse → plan against a
//! hand-made snapshot → effects and writes. `support` holds the snapshot and the helpers every
//! topic uses.

mod add;
mod file;
mod groups;
mod parsing;
mod removal;
mod shift_and_status;
mod support;
