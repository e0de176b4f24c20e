//! Alerts: telling an administrator, without watching logs, that a file was rejected, rolled
//! back, partly failed or held, or that the database stays unreachable (and then that it
//! answers again), by mail over SMTP and/or by running a command with the event as JSON on
//! its standard input. Delivery never blocks nor stops the service.
//!
//! - [`settings`]: `[alerts]`, validated.
//! - [`event`]: the event, built from a run or an outage, and its mail and JSON forms. Pure.
//! - [`outage`]: when an unusable database is alerted. Pure.
//! - [`mail`]: the SMTP sender.
//! - [`command`]: the command runner.
//! - [`dispatch`]: the service's handle ([`Alerts`]) and the delivery task ([`deliver`]).

pub mod command;
pub mod dispatch;
pub mod event;
pub mod mail;
pub mod outage;
pub mod settings;

#[cfg(test)]
mod tests;

pub use dispatch::{Alerts, Destinations, Inbox, Stopping, deliver};
pub use event::{Event, EventKind};
pub use settings::{AlertSettings, CommandSettings, CredentialNames, MailSettings, MailTls, Topic};

/// An alert that could not be delivered (logged, never fatal).
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    /// The mail could not be built.
    #[error("cannot build the mail: {0}")]
    Message(String),
    /// The mail server could not be reached or did not take the mail.
    #[error("mail server {server}: {source}")]
    Smtp {
        /// `host:port`.
        server: String,
        /// What went wrong.
        #[source]
        source: lettre::transport::smtp::Error,
    },
    /// The command could not be started.
    #[error("cannot start {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The command could not be waited for.
    #[error("cannot wait for {program}: {source}")]
    Wait {
        /// The program.
        program: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The command outlived its timeout and was killed.
    #[error("{program} did not finish within {timeout_s} s and was killed")]
    Timeout {
        /// The program.
        program: String,
        /// `[alerts.command] timeout_s`.
        timeout_s: u64,
    },
    /// The command exited with a failure.
    #[error("{program} exited with {status}{stderr}")]
    Failed {
        /// The program.
        program: String,
        /// Its exit status.
        status: String,
        /// `: ` and the start of what it wrote on standard error, or nothing.
        stderr: String,
    },
}
