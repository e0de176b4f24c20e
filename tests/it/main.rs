//! moodle-sync's integration tests, in one binary. Each database test runs on SQLite,
//! PostgreSQL and MariaDB (see `support`).

mod support;

mod binding;
mod cli;
mod cohort;
mod crash;
mod input;
mod manage;
mod netypareo;
mod run;
mod seed;
mod status;
mod user;
mod watch;
