//! `[alerts]`, validated: which events are sent, after how long an unreachable database is
//! alerted, and where alerts go (mail over SMTP, a command, or both).

use std::{path::PathBuf, time::Duration};

use lettre::message::Mailbox;
use serde::Deserialize;

/// What an administrator can be alerted about, as `[alerts] events` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// A file refused as a whole (unreadable, bad encoding, no header, unknown column…).
    Rejected,
    /// A file the database refused: everything rolled back.
    RolledBack,
    /// A file applied with failed lines (the tryback holds them).
    Partial,
    /// A file held for approval (a sync removing too many members).
    Held,
    /// The database unreachable for longer than `database_down_after_s`, and its return.
    DatabaseDown,
}

impl Topic {
    /// Every topic, in the order the documentation lists them.
    pub const ALL: [Topic; 5] = [
        Topic::Rejected,
        Topic::RolledBack,
        Topic::Partial,
        Topic::Held,
        Topic::DatabaseDown,
    ];

    /// The configuration name.
    pub fn name(self) -> &'static str {
        match self {
            Topic::Rejected => "rejected",
            Topic::RolledBack => "rolled_back",
            Topic::Partial => "partial",
            Topic::Held => "held",
            Topic::DatabaseDown => "database_down",
        }
    }
}

/// `[alerts]`, validated. Present only when the configuration has an `[alerts]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertSettings {
    /// The topics alerted; never empty.
    pub topics: Vec<Topic>,
    /// How long the database must stay unusable before it is alerted.
    pub database_down_after: Duration,
    /// Mail, if configured.
    pub mail: Option<MailSettings>,
    /// A command, if configured.
    pub command: Option<CommandSettings>,
}

impl AlertSettings {
    /// The default of `[alerts] database_down_after_s`.
    pub const DEFAULT_DATABASE_DOWN_AFTER: Duration = Duration::from_secs(300);

    /// Whether `topic` is alerted.
    pub fn wants(&self, topic: Topic) -> bool {
        self.topics.contains(&topic)
    }
}

/// How the connection to the mail server is secured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTls {
    /// A plain connection upgraded by STARTTLS before anything is sent; a server that does
    /// not offer it is refused (default port 587).
    #[default]
    Starttls,
    /// TLS from the first byte, "SMTPS" (default port 465).
    Tls,
    /// No encryption (default port 25): only for a relay on the same host or network.
    None,
}

impl MailTls {
    /// The port used when `[alerts.mail] port` is not given.
    pub fn default_port(self) -> u16 {
        match self {
            MailTls::Starttls => 587,
            MailTls::Tls => 465,
            MailTls::None => 25,
        }
    }
}

/// `[alerts.mail]`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// The SMTP server's name (also the name its certificate must carry).
    pub host: String,
    /// Its port.
    pub port: u16,
    /// How the connection is secured.
    pub tls: MailTls,
    /// The sender.
    pub from: Mailbox,
    /// The recipients; never empty.
    pub to: Vec<Mailbox>,
    /// The environment variables holding the user name and the password, when the server
    /// asks for authentication. The file names the variables, never the secret.
    pub credentials: Option<CredentialNames>,
    /// A PEM file of certificate authorities trusted besides the system's (a private CA).
    pub ca_file: Option<PathBuf>,
    /// The longest wait for the connection and for each answer of the server.
    pub timeout: Duration,
}

/// Which environment variables hold the mail server's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialNames {
    /// The variable holding the user name.
    pub username: String,
    /// The variable holding the password.
    pub password: String,
}

/// `[alerts.command]`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSettings {
    /// The program and its arguments; never empty. The event is given on standard input.
    pub argv: Vec<String>,
    /// How long it may run before it is killed.
    pub timeout: Duration,
    /// Environment variables the command is not given (the database URL, the mail
    /// credentials).
    pub hidden_env: Vec<String>,
}
