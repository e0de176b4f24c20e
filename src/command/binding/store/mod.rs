//! The binding kind's store: what a binding file reads from Moodle's database (`snapshot`)
//! and the writes of its plan (`apply`, with a method's deletion in `deletion`), as `Tx`
//! methods run in the file's transaction. The only files of the kind that hold SQL.

mod apply;
mod deletion;
mod snapshot;
