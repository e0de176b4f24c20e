//! `[console]`, `[[console.users]]`, `[[console.tokens]]` and `[console.proxy]`: where the web
//! console listens and who may use it, checked into [`ConsoleSettings`]. Without `[console]`,
//! `watch` serves no console.

use std::net::{IpAddr, SocketAddr};

use serde::Deserialize;

use crate::error::ConfigError;

/// The console's default address: this host only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8470";

/// `[console]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleSection {
    /// `address:port` to listen on.
    pub listen: String,
    /// People who log in with the form (or send `Authorization: Basic`).
    pub users: Vec<UserSection>,
    /// Tokens sent as `Authorization: Bearer` (monitoring, scripts).
    pub tokens: Vec<TokenSection>,
    /// A reverse proxy that authenticates people and names them in a header.
    pub proxy: Option<ProxySection>,
    /// Mark the session cookie `Secure` (the console is reached over HTTPS, through a proxy).
    pub secure_cookies: bool,
    /// How long a login lasts without use, in minutes.
    pub session_minutes: u64,
    /// The largest file the "Drop a file" page takes, in mebibytes.
    pub max_upload_mib: u64,
}

impl Default for ConsoleSection {
    fn default() -> Self {
        ConsoleSection {
            listen: DEFAULT_LISTEN.to_owned(),
            users: Vec::new(),
            tokens: Vec::new(),
            proxy: None,
            secure_cookies: false,
            session_minutes: 8 * 60,
            max_upload_mib: 64,
        }
    }
}

/// `[[console.users]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSection {
    /// The login name.
    pub name: String,
    /// `viewer` or `operator`.
    pub role: Role,
    /// The password's hash: SHA-512 crypt (`$6$…`, `moodle-sync console --hash-password`) or
    /// bcrypt (`$2y$…`).
    pub password_hash: String,
}

/// `[[console.tokens]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenSection {
    /// Who uses it, as the ledger names them.
    pub name: String,
    /// `viewer` or `operator`.
    pub role: Role,
    /// The SHA-256 of the token, in hex (`moodle-sync console --new-token`).
    pub token_sha256: String,
}

/// `[console.proxy]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxySection {
    /// The header the proxy names the person in (`X-Remote-User`).
    pub user_header: String,
    /// The addresses the proxy connects from; the header of any other peer is ignored.
    #[serde(default = "loopback")]
    pub trusted: Vec<IpAddr>,
    /// The people (as the header names them) who may act; every other person may only view.
    #[serde(default)]
    pub operators: Vec<String>,
}

fn loopback() -> Vec<IpAddr> {
    vec![
        IpAddr::from([127, 0, 0, 1]),
        IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]),
    ]
}

/// What a person may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// See every page and download every file.
    Viewer,
    /// Also approve, discard, retry and drop files.
    Operator,
}

impl Role {
    /// The role's name, as the configuration writes it.
    pub fn name(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
        }
    }
}

/// `[console]`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSettings {
    /// Where it listens.
    pub listen: SocketAddr,
    /// People with a password.
    pub users: Vec<ConsoleUser>,
    /// Bearer tokens.
    pub tokens: Vec<ConsoleToken>,
    /// The trusted proxy, if any.
    pub proxy: Option<ProxySettings>,
    /// Whether the session cookie is `Secure`.
    pub secure_cookies: bool,
    /// How long a login lasts without use, in seconds.
    pub session_s: u64,
    /// The largest upload, in bytes.
    pub max_upload: usize,
}

/// A person with a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleUser {
    /// The login name.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// Their password's hash.
    pub password_hash: String,
}

/// A bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleToken {
    /// Who uses it.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// The SHA-256 of the token, lowercase hex.
    pub sha256: String,
}

/// The trusted proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxySettings {
    /// Its header, lowercase.
    pub user_header: String,
    /// The addresses it connects from.
    pub trusted: Vec<IpAddr>,
    /// Who may act.
    pub operators: Vec<String>,
}

/// Checks `[console]`.
pub(super) fn console_settings(section: ConsoleSection) -> Result<ConsoleSettings, ConfigError> {
    let invalid = |key: &'static str, value: &str, reason: String| ConfigError::Invalid {
        key,
        value: value.to_owned(),
        reason,
    };
    let listen: SocketAddr = section.listen.parse().map_err(|_| {
        invalid(
            "[console] listen",
            &section.listen,
            format!("not an address and port (such as \"{DEFAULT_LISTEN}\")"),
        )
    })?;
    if section.users.is_empty() && section.tokens.is_empty() && section.proxy.is_none() {
        return Err(invalid(
            "[console] users",
            "",
            "the console serves nobody unauthenticated: add a [[console.users]] with a password hash, a [[console.tokens]] or a [console.proxy]".to_owned(),
        ));
    }
    let mut users = Vec::new();
    for user in section.users {
        let known = user.password_hash.starts_with("$6$") || user.password_hash.starts_with("$2");
        if user.name.trim().is_empty() || !known {
            return Err(invalid(
                "[[console.users]] password_hash",
                &user.name,
                format!(
                    "user \"{}\" needs a name and a SHA-512 crypt ($6$…) or bcrypt ($2y$…) password_hash: `moodle-sync console --hash-password` makes one",
                    user.name
                ),
            ));
        }
        users.push(ConsoleUser {
            name: user.name,
            role: user.role,
            password_hash: user.password_hash,
        });
    }
    let mut tokens = Vec::new();
    for token in section.tokens {
        let hex = token.token_sha256.to_ascii_lowercase();
        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(invalid(
                "[[console.tokens]] token_sha256",
                &token.name,
                format!(
                    "token \"{}\": token_sha256 must be 64 hex digits: `moodle-sync console --new-token` makes it",
                    token.name
                ),
            ));
        }
        tokens.push(ConsoleToken {
            name: token.name,
            role: token.role,
            sha256: hex,
        });
    }
    let proxy = match section.proxy {
        Some(proxy) if proxy.user_header.trim().is_empty() => {
            return Err(invalid(
                "[console.proxy] user_header",
                &proxy.user_header,
                "name the header the proxy sets, such as \"X-Remote-User\"".to_owned(),
            ));
        }
        Some(proxy) => Some(ProxySettings {
            user_header: proxy.user_header.trim().to_ascii_lowercase(),
            trusted: proxy.trusted,
            operators: proxy.operators,
        }),
        None => None,
    };
    if section.session_minutes == 0 {
        return Err(invalid(
            "[console] session_minutes",
            "0",
            "a login must last at least a minute".to_owned(),
        ));
    }
    Ok(ConsoleSettings {
        listen,
        users,
        tokens,
        proxy,
        secure_cookies: section.secure_cookies,
        session_s: section.session_minutes.saturating_mul(60),
        max_upload: usize::try_from(section.max_upload_mib.saturating_mul(1024 * 1024))
            .unwrap_or(usize::MAX),
    })
}
