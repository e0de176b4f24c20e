//! `[alerts]`, `[alerts.mail]` and `[alerts.command]`, and their validation into
//! [`AlertSettings`].

use std::{path::Path, time::Duration};

use lettre::message::Mailbox;
use serde::Deserialize;

use crate::alert::{AlertSettings, CommandSettings, CredentialNames, MailSettings, MailTls, Topic};
use crate::error::ConfigError;

/// `[alerts]`. Without it, no alerts are sent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsSection {
    /// What is alerted.
    pub events: Vec<Topic>,
    /// How long the database must stay unusable before it is alerted, in seconds.
    pub database_down_after_s: u64,
    /// Alerts by mail.
    pub mail: Option<MailSection>,
    /// Alerts by command.
    pub command: Option<CommandSection>,
}

impl Default for AlertsSection {
    fn default() -> Self {
        AlertsSection {
            events: Topic::ALL.to_vec(),
            database_down_after_s: AlertSettings::DEFAULT_DATABASE_DOWN_AFTER.as_secs(),
            mail: None,
            command: None,
        }
    }
}

/// `[alerts.mail]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSection {
    /// The SMTP server.
    pub host: String,
    /// Its port; default: 587 with STARTTLS, 465 with TLS, 25 without.
    pub port: Option<u16>,
    /// `starttls`, `tls` or `none`.
    pub tls: MailTls,
    /// The sender (`moodle-sync <moodle-sync@example.org>` or an address).
    pub from: String,
    /// The recipients.
    pub to: Vec<String>,
    /// The environment variable holding the user name; empty: no authentication.
    pub username_env: String,
    /// The environment variable holding the password.
    pub password_env: String,
    /// A PEM file of certificate authorities to trust besides the system's (relative to the
    /// configuration file); empty: the system's only.
    pub ca_file: String,
    /// The longest wait for the connection and each answer, in seconds.
    pub timeout_s: Option<u64>,
}

/// `[alerts.command]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommandSection {
    /// The program and its arguments.
    pub argv: Vec<String>,
    /// How long it may run, in seconds.
    pub timeout_s: Option<u64>,
}

/// The default of `timeout_s`, for mail and command.
const DEFAULT_TIMEOUT_S: u64 = 30;

/// Validates `[alerts]`; a relative CA file is taken from `base`.
pub fn alert_settings(section: AlertsSection, base: &Path) -> Result<AlertSettings, ConfigError> {
    if section.events.is_empty() {
        return Err(invalid(
            "[alerts] events",
            "[]".into(),
            "list at least one of rejected, rolled_back, partial, held, database_down (or remove [alerts])",
        ));
    }
    if section.database_down_after_s == 0 {
        return Err(invalid(
            "[alerts] database_down_after_s",
            "0".into(),
            "must be at least 1",
        ));
    }
    if section.mail.is_none() && section.command.is_none() {
        return Err(invalid(
            "[alerts]",
            "no destination".into(),
            "give [alerts.mail], [alerts.command] or both (or remove [alerts])",
        ));
    }
    let mail = section
        .mail
        .map(|mail| mail_settings(mail, base))
        .transpose()?;
    let mut command = section
        .command
        .map(|command| command_settings(command, base))
        .transpose()?;
    // The command never sees the service's secrets: the database URL, the mail credentials.
    if let Some(command) = &mut command {
        command
            .hidden_env
            .push(crate::config::DATABASE_URL_VARIABLE.to_owned());
        if let Some(credentials) = mail.as_ref().and_then(|mail| mail.credentials.as_ref()) {
            command.hidden_env.push(credentials.username.clone());
            command.hidden_env.push(credentials.password.clone());
        }
    }
    let mut topics = Vec::new();
    for topic in section.events {
        if !topics.contains(&topic) {
            topics.push(topic);
        }
    }
    Ok(AlertSettings {
        topics,
        database_down_after: Duration::from_secs(section.database_down_after_s),
        mail,
        command,
    })
}

/// Validates `[alerts.mail]`: the server, the addresses, the names of the variables holding
/// the credentials (never the secrets), TLS whenever a password would cross the network.
fn mail_settings(mail: MailSection, base: &Path) -> Result<MailSettings, ConfigError> {
    let host = mail.host.trim().to_owned();
    if host.is_empty() || host.contains(['/', ' ', ':']) {
        return Err(invalid(
            "[alerts.mail] host",
            mail.host.clone(),
            "give the mail server's name or address, such as \"smtp.example.org\"",
        ));
    }
    let from = mailbox("[alerts.mail] from", &mail.from)?;
    if mail.to.is_empty() {
        return Err(invalid(
            "[alerts.mail] to",
            "[]".into(),
            "list at least one recipient",
        ));
    }
    let to = mail
        .to
        .iter()
        .map(|text| mailbox("[alerts.mail] to", text))
        .collect::<Result<Vec<_>, _>>()?;
    let credentials = credentials(&mail)?;
    let loopback = matches!(host.as_str(), "localhost" | "127.0.0.1" | "::1" | "[::1]");
    if credentials.is_some() && mail.tls == MailTls::None && !loopback {
        return Err(invalid(
            "[alerts.mail] tls",
            "none".into(),
            "the password would cross the network in clear: use \"starttls\" or \"tls\" (\"none\" with credentials is for a relay on this host only)",
        ));
    }
    let ca_file = mail.ca_file.trim();
    Ok(MailSettings {
        port: match mail.port {
            Some(0) => {
                return Err(invalid(
                    "[alerts.mail] port",
                    "0".into(),
                    "a port from 1 to 65535",
                ));
            }
            Some(port) => port,
            None => mail.tls.default_port(),
        },
        host,
        tls: mail.tls,
        from,
        to,
        credentials,
        ca_file: (!ca_file.is_empty()).then(|| base.join(ca_file)),
        timeout: timeout("[alerts.mail] timeout_s", mail.timeout_s)?,
    })
}

/// The names of the variables holding the mail user name and password: both, or neither (no
/// authentication).
fn credentials(mail: &MailSection) -> Result<Option<CredentialNames>, ConfigError> {
    let variable = |key: &'static str, name: &str| {
        let name = name.trim();
        if name.contains(['=', '\0', ' ']) {
            return Err(invalid(
                key,
                "(not shown)".into(),
                "give the name of an environment variable (such as MOODLE_SYNC_SMTP_PASSWORD), never the secret itself",
            ));
        }
        Ok(name.to_owned())
    };
    let username = variable("[alerts.mail] username_env", &mail.username_env)?;
    let password = variable("[alerts.mail] password_env", &mail.password_env)?;
    match (username.is_empty(), password.is_empty()) {
        (true, true) => Ok(None),
        (false, false) => Ok(Some(CredentialNames { username, password })),
        (true, false) => Err(invalid(
            "[alerts.mail] username_env",
            String::new(),
            "password_env is given: name the variable holding the user name too",
        )),
        (false, true) => Err(invalid(
            "[alerts.mail] password_env",
            String::new(),
            "username_env is given: name the variable holding the password too",
        )),
    }
}

/// Validates `[alerts.command]`: a program, found from `base` when named by a relative path.
fn command_settings(command: CommandSection, base: &Path) -> Result<CommandSettings, ConfigError> {
    if command
        .argv
        .first()
        .is_none_or(|program| program.trim().is_empty())
    {
        return Err(invalid(
            "[alerts.command] argv",
            format!("{:?}", command.argv),
            "give the program and its arguments, such as [\"/usr/local/bin/notify\", \"--to\", \"ops\"]",
        ));
    }
    let mut argv = command.argv;
    // A program named by a relative path is found from the configuration file, as
    // every path is; a bare name is looked up in PATH.
    if argv[0].contains('/') && Path::new(&argv[0]).is_relative() {
        argv[0] = base.join(&argv[0]).display().to_string();
    }
    Ok(CommandSettings {
        argv,
        timeout: timeout("[alerts.command] timeout_s", command.timeout_s)?,
        hidden_env: Vec::new(),
    })
}

/// A mail address of `key`, with or without a name.
fn mailbox(key: &'static str, text: &str) -> Result<Mailbox, ConfigError> {
    text.trim().parse::<Mailbox>().map_err(|error| {
        invalid(
            key,
            text.to_owned(),
            &format!(
                "not a mail address ({error}); write \"name@example.org\" or \"Name <name@example.org>\""
            ),
        )
    })
}

/// A timeout of `key`, in seconds: [`DEFAULT_TIMEOUT_S`] when not given, never 0.
fn timeout(key: &'static str, value: Option<u64>) -> Result<Duration, ConfigError> {
    match value.unwrap_or(DEFAULT_TIMEOUT_S) {
        0 => Err(invalid(key, "0".into(), "must be at least 1")),
        seconds => Ok(Duration::from_secs(seconds)),
    }
}

/// The error for a bad `value` of `key`.
fn invalid(key: &'static str, value: String, reason: &str) -> ConfigError {
    ConfigError::Invalid {
        key,
        value,
        reason: reason.into(),
    }
}
