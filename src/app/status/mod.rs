//! `moodle-sync status [--runs N] [--json]`: the status `crate::status` gathers, printed as
//! text (`text`, one section after another) or as JSON, so that both always say the same.

mod print;
mod text;

pub use print::print;
