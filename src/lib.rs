//! moodle-sync applies CSV command files to a Moodle database (user accounts, cohorts and their
//! members, cohort-to-course bindings), with a report of every line, a tryback file of the
//! failed lines and an archive of every input.
//!
//! # Layout
//!
//! From the bottom up; each module calls only those above it in this list (see
//! ARCHITECTURE.md, and `tests/it/layers.rs`, which checks it).
//!
//! - [`error`], [`input`], [`outcome`]: the error tiers of a file; bytes → header and
//!   positioned records; what a file did, in words every kind shares. Pure.
//! - [`db`]: the Moodle database: the file's transaction, the only code that knows the backends
//!   apart, the ledger, and the writes every kind shares.
//! - [`command`]: one folder per kind of command file (its parsing, planning, effects,
//!   settings and store) behind one interface, and the registry that lists the kinds.
//! - [`cache`]: Moodle's application caches, refreshed after each commit as Moodle's own
//!   functions would (the file and Redis stores).
//! - [`exit`]: every exit code, and the errors that stop a command.
//! - [`output`]: reports, trybacks and run summaries (rendering is pure), and the one atomic
//!   write that publishes every file.
//! - [`host`], [`spool`]: this process as others see it; the spool's mechanics (what is ready,
//!   who writes it, claiming and settling files).
//! - [`netypareo`]: pulls NetYpareo's data over HTTP and writes command files into the spool.
//! - [`alert`]: tells an administrator by mail or command when a file needs attention or the
//!   database stays unreachable.
//! - [`retention`]: old files of the archive, reports, failed and logs folders rolled into
//!   checked monthly zip bundles, old bundles deleted, kept files read back.
//! - [`config`]: the configuration file, checked.
//! - [`pipeline`]: one file's journey from start to end, phase by phase, in one database
//!   transaction.
//! - [`service`]: the `watch` loop, settling interrupted claims, the heartbeat.
//! - [`status`]: what waits, what runs, what was kept and why, gathered for `status` and the
//!   console.
//! - [`manage`]: a person's decisions on kept files: `retry` a failed one, `discard` a held one.
//! - [`monitor`]: the metrics of `/metrics` in Prometheus' text format, and readiness.
//! - [`console`]: the web console, `/metrics` and the health endpoints.
//! - [`app`], [`cli`], [`telemetry`]: the program around it.

#![warn(missing_docs)]

pub mod alert;
pub mod app;
pub mod cache;
pub mod cli;
pub mod command;
pub mod config;
pub mod console;
pub mod db;
pub mod error;
pub mod exit;
pub mod host;
pub mod input;
pub mod manage;
pub mod monitor;
pub mod netypareo;
pub mod outcome;
pub mod output;
pub mod pipeline;
pub mod retention;
pub mod service;
pub mod spool;
pub mod status;
pub mod telemetry;
