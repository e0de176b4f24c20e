//! The cohort semantics, checked without a database: CSV text → parse → plan against a
//! hand-made snapshot → effects and ops. `support` holds the snapshot and the helpers every
//! topic uses.

mod add;
mod context;
mod parsing;
mod removal;
mod support;
mod sync;
