//! What command files mean: one folder per kind (`user`, `cohort`, `binding`, `enrolment`), each with its
//! columns and line parser, its planner, its effects, its store and the [`Kind`] it
//! implements; `registry` lists the kinds and is how everything else reaches them; `routing`
//! tells a file's kind by its name; `refs` and `dates` are the values kinds share.

pub mod binding;
pub mod cohort;
pub mod dates;
pub mod enrolment;
pub mod kind;
mod parse;
pub mod parsed;
pub mod refs;
mod registry;
mod routing;
pub mod user;
mod values;

pub use kind::{Applied, Apply, Kind};
pub use parse::parse;
pub use registry::{
    Counts, Effect, FileKind, KindSettings, Outcome, ParsedFile, Prepared, Sections, Totals,
    summary, totals_lines,
};
pub use routing::{Routing, matches};
