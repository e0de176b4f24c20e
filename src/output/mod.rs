//! What a run leaves behind: the report (text and JSON), the tryback, the archived input.
//! Rendering is pure; writing goes through `atomic`, so no file is ever partial or overwritten.

pub mod atomic;
pub mod naming;
pub mod report;
pub mod summary;
pub mod tryback;
