//! What command files mean. Each kind of file has its own module that parses its lines and
//! plans their effects; [`FileKind`] names the kinds.

pub mod cohort;
mod kind;
pub mod refs;

pub use kind::FileKind;
