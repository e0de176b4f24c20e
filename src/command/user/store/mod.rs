//! The user kind's store: what a user file reads from Moodle's database (`snapshot`) and the
//! writes of its plan (`apply`, with each op's write in `write` and an account's deletion in
//! `deletion`), as `Tx` methods run in the file's transaction. The only files of the kind
//! that hold SQL.

mod apply;
mod deletion;
mod snapshot;
mod write;
