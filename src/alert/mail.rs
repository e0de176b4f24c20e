//! Alerts by mail: one plain-text mail per event to `[alerts.mail] to`, over SMTP with
//! STARTTLS (or TLS, or nothing for a local relay), authenticated with credentials read from
//! the environment. Built once when the service starts, so that a missing variable or an
//! unreadable CA file stops `watch` at once rather than the first alert.

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
    transport::smtp::{
        authentication::Credentials,
        client::{Certificate, Tls, TlsParameters},
        extension::ClientId,
    },
};

use super::{
    AlertError,
    event::Event,
    settings::{MailSettings, MailTls},
};
use crate::{error::ConfigError, host};

/// A mail sender, ready to send.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
    /// `host:port`, for messages.
    server: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the credentials: never shown.
        formatter
            .debug_struct("Mailer")
            .field("server", &self.server)
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// Reads the credentials from the environment and the CA file, and prepares the
    /// transport. An error names the setting to fix.
    pub fn new(settings: &MailSettings) -> Result<Mailer, ConfigError> {
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(settings.port)
            .timeout(Some(settings.timeout))
            .hello_name(ClientId::Domain(host::name()));
        if settings.tls != MailTls::None {
            let mut parameters = TlsParameters::builder(settings.host.clone());
            if let Some(path) = &settings.ca_file {
                let invalid = |reason: String| ConfigError::Invalid {
                    key: "[alerts.mail] ca_file",
                    value: path.display().to_string(),
                    reason,
                };
                let pem = std::fs::read(path)
                    .map_err(|error| invalid(format!("cannot read it: {error}")))?;
                let certificate = Certificate::from_pem(&pem)
                    .map_err(|error| invalid(format!("not a PEM certificate: {error}")))?;
                parameters = parameters.add_root_certificate(certificate);
            }
            let parameters = parameters
                .build_rustls()
                .map_err(|error| ConfigError::Invalid {
                    key: "[alerts.mail] host",
                    value: settings.host.clone(),
                    reason: format!("cannot prepare TLS for it: {error}"),
                })?;
            builder = builder.tls(match settings.tls {
                MailTls::Tls => Tls::Wrapper(parameters),
                _ => Tls::Required(parameters),
            });
        }
        if let Some(names) = &settings.credentials {
            let read = |key: &'static str, name: &str, what: &str| {
                std::env::var(name)
                    .ok()
                    .filter(|value| !value.is_empty())
                    .ok_or_else(|| ConfigError::Invalid {
                        key,
                        value: name.to_owned(),
                        reason: format!(
                            "this environment variable is not set for the service; it must hold the mail server's {what}"
                        ),
                    })
            };
            let username = read("[alerts.mail] username_env", &names.username, "user name")?;
            let password = read("[alerts.mail] password_env", &names.password, "password")?;
            builder = builder.credentials(Credentials::new(username, password));
        }
        Ok(Mailer {
            transport: builder.build(),
            from: settings.from.clone(),
            to: settings.to.clone(),
            server: format!("{}:{}", settings.host, settings.port),
        })
    }

    /// Who receives the mail, for the log.
    pub fn recipients(&self) -> String {
        self.to
            .iter()
            .map(|mailbox| mailbox.email.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Sends the event's mail.
    pub async fn send(&self, event: &Event) -> Result<(), AlertError> {
        let mut message = Message::builder()
            .from(self.from.clone())
            .subject(event.subject())
            .header(ContentType::TEXT_PLAIN);
        for recipient in &self.to {
            message = message.to(recipient.clone());
        }
        let message = message
            .body(event.body())
            .map_err(|error| AlertError::Message(error.to_string()))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|source| AlertError::Smtp {
                server: self.server.clone(),
                source,
            })
    }
}
