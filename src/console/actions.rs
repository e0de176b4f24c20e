//! An operator's decisions, taken through the same functions as the command line:
//! `manage::approve` (a held file applied), `manage::discard` (a held file ended unapplied),
//! `manage::retry` (a failed file or a run's tryback put back into the spool). Each needs the
//! operator role and a console served by `watch`; the ledger records who acted.

use std::{path::PathBuf, sync::Arc};

use axum::{
    Extension,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use maud::html;

use super::{Console, Mode, auth::Caller, page};
use crate::{manage, status::shown};

/// Refuses an action to a viewer, or on a read-only console.
fn may_act(console: &Console, caller: &Caller) -> Result<(), Response> {
    let lang = caller.lang;
    if console.mode == Mode::ReadOnly {
        return Err(page::error(
            caller,
            StatusCode::FORBIDDEN,
            lang.pick(
                "This console is read-only (moodle-sync console): act from the console `watch` serves, or from the command line.",
                "Cette console est en lecture seule (moodle-sync console) : agissez depuis la console que sert `watch`, ou en ligne de commande.",
            ),
        ));
    }
    if !caller.may_act() {
        return Err(page::error(
            caller,
            StatusCode::FORBIDDEN,
            lang.pick(
                "Only an operator may do that.",
                "Seul un opérateur peut faire cela.",
            ),
        ));
    }
    Ok(())
}

/// A file's name as a URL gives it, if it is a plain name (no folder, no `..`, not hidden).
pub(super) fn plain_name(name: &str) -> Option<&str> {
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
        && name.chars().all(|c| !c.is_control());
    plain.then_some(name)
}

/// The file `name` in `folder`, if it is a plain name of a file there.
fn kept_file(caller: &Caller, folder: &std::path::Path, name: &str) -> Result<PathBuf, Response> {
    let lang = caller.lang;
    let Some(name) = plain_name(name) else {
        return Err(page::error(
            caller,
            StatusCode::BAD_REQUEST,
            lang.pick("Not a file name.", "Ce n'est pas un nom de fichier."),
        ));
    };
    let path = folder.join(name);
    if !path.is_file() {
        return Err(page::error(
            caller,
            StatusCode::NOT_FOUND,
            &format!(
                "{name}: {}",
                lang.pick(
                    "no such file (already taken care of?)",
                    "fichier introuvable (déjà traité ?)"
                )
            ),
        ));
    }
    Ok(path)
}

/// The page that says what an action did.
fn done(caller: &Caller, title: &str, lines: &[String], run: Option<i64>) -> Response {
    let lang = caller.lang;
    page::frame(
        caller,
        "/",
        title,
        html! {
            h1 { (title) }
            @for line in lines { p { (line) } }
            div.actions {
                @if let Some(run) = run { a.button href={ "/runs/" (run) } { (lang.pick("See its run", "Voir son exécution")) " #" (run) } }
                a.button.secondary href="/" { (lang.pick("Back to the home page", "Retour à l'accueil")) }
            }
        },
    )
    .into_response()
}

/// `POST /held/{name}/approve`.
pub(super) async fn approve(
    State(console): State<Arc<Console>>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> Response {
    if let Err(refused) = may_act(&console, &caller) {
        return refused;
    }
    let path = match kept_file(&caller, &console.config.paths.held, &name) {
        Ok(path) => path,
        Err(refused) => return refused,
    };
    let by = caller.identity.who();
    let lang = caller.lang;
    match manage::approve(&console.config, &console.db, &path, None, false, &by).await {
        Ok(summary) => {
            let mut lines = vec![format!(
                "{name}: {} ({})",
                summary.status.name(),
                summary.summary.clone().unwrap_or_default()
            )];
            if let Some(error) = &summary.error {
                lines.push(error.clone());
            }
            lines.push(format!("{} {by}", lang.pick("Approved by", "Approuvé par")));
            done(
                &caller,
                lang.pick("Approved", "Approuvé"),
                &lines,
                summary.run,
            )
        }
        Err(error) => page::error(&caller, StatusCode::CONFLICT, &error.to_string()),
    }
}

/// `POST /held/{name}/discard`.
pub(super) async fn discard(
    State(console): State<Arc<Console>>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> Response {
    if let Err(refused) = may_act(&console, &caller) {
        return refused;
    }
    let path = match kept_file(&caller, &console.config.paths.held, &name) {
        Ok(path) => path,
        Err(refused) => return refused,
    };
    let by = caller.identity.who();
    let lang = caller.lang;
    match manage::discard(&console.config, &console.db, &path, &by).await {
        Ok(discarded) => done(
            &caller,
            lang.pick("Discarded", "Écarté"),
            &[
                format!(
                    "{name}: {} {}",
                    lang.pick(
                        "discarded, never applied, by",
                        "écarté, jamais appliqué, par"
                    ),
                    discarded.by
                ),
                format!(
                    "{} {}",
                    lang.pick("Kept in", "Conservé dans"),
                    shown(&discarded.to)
                ),
            ],
            Some(discarded.record),
        ),
        Err(error) => page::error(&caller, StatusCode::CONFLICT, &error.to_string()),
    }
}

/// `POST /failed/{name}/retry`.
pub(super) async fn retry_failed(
    State(console): State<Arc<Console>>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> Response {
    if let Err(refused) = may_act(&console, &caller) {
        return refused;
    }
    let path = match kept_file(&caller, &console.config.paths.failed, &name) {
        Ok(path) => path,
        Err(refused) => return refused,
    };
    retry(&console, &caller, &path).await
}

/// `POST /runs/{id}/retry`: the run's tryback put back into the spool.
pub(super) async fn retry_tryback(
    State(console): State<Arc<Console>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<i64>,
) -> Response {
    if let Err(refused) = may_act(&console, &caller) {
        return refused;
    }
    let tryback = match console.db.run_detail(id).await {
        Ok(Some(detail)) => detail.run.tryback,
        Ok(None) => None,
        Err(error) => {
            return page::error(&caller, StatusCode::SERVICE_UNAVAILABLE, &error.to_string());
        }
    };
    let Some(tryback) = tryback.filter(|path| std::path::Path::new(path).is_file()) else {
        return page::error(
            &caller,
            StatusCode::NOT_FOUND,
            caller.lang.pick(
                "This run has no tryback left to put back.",
                "Cette exécution n'a plus de tryback à remettre.",
            ),
        );
    };
    retry(&console, &caller, std::path::Path::new(&tryback)).await
}

async fn retry(console: &Console, caller: &Caller, path: &std::path::Path) -> Response {
    let by = caller.identity.who();
    let lang = caller.lang;
    match manage::retry(&console.config, &console.db, path, &by).await {
        Ok(retried) => {
            let mut lines = vec![format!(
                "{} {} {}",
                shown(&retried.from),
                lang.pick(
                    "is back in the spool as",
                    "est de retour dans le dépôt sous le nom"
                ),
                shown(&retried.to)
            )];
            if let Some(problem) = &retried.left_behind {
                lines.push(problem.clone());
            }
            done(
                caller,
                lang.pick("Put back into the spool", "Remis dans le dépôt"),
                &lines,
                retried.of_run,
            )
        }
        Err(error) => page::error(caller, StatusCode::CONFLICT, &error.to_string()),
    }
}
