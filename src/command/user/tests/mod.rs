//! The user file semantics, checked without a database: CSV text → parse → plan against a
//! hand-made snapshot → effects and ops. `support` holds the snapshot and the helpers every
//! topic uses.

mod creation;
mod parsing;
mod passwords;
mod support;
mod suspension_and_deletion;
mod update;
