//! moodle-sync applies CSV command files to a Moodle database: cohorts and their members, with
//! a report of every line, a tryback file of the failed lines and an archive of every input.
//!
//! # Layout
//!
//! - [`input`]: bytes → header and positioned records (encodings, delimiters, quoting). Pure.
//! - [`command`]: what the lines of each kind of file mean; parsing and planning. Pure.
//! - [`db`]: the Moodle database; the only module with SQL and the only one that knows the
//!   backends apart.
//! - [`cache`]: Moodle's application caches, refreshed after each commit as Moodle's own
//!   functions would (the file and Redis stores).
//! - [`output`]: reports, trybacks and archives, written atomically and never overwritten.
//! - [`pipeline`]: one file's journey from start to end, phase by phase, in one database
//!   transaction.
//! - [`manage`]: a person's decisions on kept files: `retry` a failed one, `discard` a held one.
//! - [`netypareo`]: pulls NetYpareo's data over HTTP and writes command files into the spool.
//! - [`alert`]: tells an administrator by mail or command when a file needs attention or the
//!   database stays unreachable.
//! - [`app`], [`cli`], [`config`], [`telemetry`]: the program around it.
//! - [`error`], [`outcome`]: the error tiers of a file and what a file did, shared by all.
//! - [`exit`]: every exit code, and the errors that stop a command.
//!
//! ARCHITECTURE.md describes the data flow and the invariants.

#![warn(missing_docs)]

pub mod alert;
pub mod app;
pub mod cache;
pub mod cli;
pub mod command;
pub mod config;
pub mod db;
pub mod error;
pub mod exit;
pub mod host;
pub mod input;
pub mod manage;
pub mod netypareo;
pub mod outcome;
pub mod output;
pub mod pipeline;
pub mod service;
pub mod spool;
pub mod telemetry;
