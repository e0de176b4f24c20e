//! `console`: the web console served alone and read-only, until SIGTERM or Ctrl-C; with
//! `--hash-password` and `--new-token`, the secrets `[console]` holds made and printed. Also
//! what `watch` uses to serve the console beside the service.

use std::{io::BufRead, sync::Arc};

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{error, info};

use super::{run::connect, watch::stop_signal};
use crate::{
    command::user::PasswordFormat,
    config::{Config, ConsoleSettings},
    console::{self, Console, Mode},
    exit::Fatal,
};

/// `console [--hash-password | --new-token]`.
pub(super) async fn console(
    config: Config,
    hash_password: bool,
    new_token: bool,
) -> Result<(), Fatal> {
    if hash_password {
        return print_password_hash();
    }
    if new_token {
        let mut bytes = [0u8; 24];
        getrandom::fill(&mut bytes).expect("the system's random source");
        let token: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        crate::say!("token          {token}");
        crate::say!("token_sha256 = \"{}\"", console::token_sha256(&token));
        return Ok(());
    }
    let Some(settings) = config.console.clone() else {
        return Err(Fatal::Usage(
            "no [console] in the configuration: add one with a [[console.users]], [[console.tokens]] or [console.proxy] (docs/console.md)".to_owned(),
        ));
    };
    let listener = bind(&settings).await?;
    let db = connect(&config).await?;
    db.ensure_ledger().await?;
    let console = Console::new(Arc::new(config), settings, db.clone(), Mode::ReadOnly);
    let token = CancellationToken::new();
    let signals = tokio::spawn(stop_signal(token.clone()));
    serve(console, listener, token).await;
    signals.abort();
    db.close().await;
    Ok(())
}

/// Reads a password from standard input and prints its SHA-512 crypt hash.
fn print_password_hash() -> Result<(), Fatal> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|source| {
            Fatal::io(
                "cannot read",
                std::path::Path::new("standard input"),
                source,
            )
        })?;
    let password = line.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        return Err(Fatal::Usage(
            "give the password on standard input: echo 'secret' | moodle-sync console --hash-password".to_owned(),
        ));
    }
    let hash = PasswordFormat::Sha512Crypt
        .hash(password)
        .ok_or_else(|| Fatal::Usage("the password cannot be hashed".to_owned()))?;
    crate::say!("password_hash = \"{hash}\"");
    Ok(())
}

/// Takes the console's address.
pub(super) async fn bind(settings: &ConsoleSettings) -> Result<TcpListener, Fatal> {
    TcpListener::bind(settings.listen).await.map_err(|source| {
        Fatal::Usage(format!(
            "the console cannot listen on {} ([console] listen): {source}",
            settings.listen
        ))
    })
}

/// Serves `console` on `listener` until `token` fires; a failure is logged.
pub(super) async fn serve(console: Console, listener: TcpListener, token: CancellationToken) {
    let address = listener
        .local_addr()
        .map(|address| address.to_string())
        .unwrap_or_default();
    let mode = console.mode;
    info!(address = %address, read_only = mode == Mode::ReadOnly, "Console listening on http://{address}/");
    if let Err(problem) = console::serve(Arc::new(console), listener, token).await {
        error!("The console stopped: {problem}");
    }
}
