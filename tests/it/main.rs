//! moodle-sync's integration tests, in one binary. Each database test runs on SQLite,
//! PostgreSQL and MariaDB (see `support`).

mod support;

mod alert;
mod binding;
mod browser;
mod cache;
mod cli;
mod cohort;
mod console;
mod crash;
mod enrolment;
mod first_run;
mod input;
mod intake;
mod layers;
mod log;
mod manage;
mod netypareo;
mod report;
mod retention;
mod run;
mod scenario;
mod schema;
mod seed;
mod status;
mod user;
mod watch;
