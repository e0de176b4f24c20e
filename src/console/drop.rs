//! `GET /drop` and `POST /drop`: a command file sent from the browser, either dropped into
//! the spool (under a name that routes, never over another file; it then takes the normal
//! path, and the ledger records who dropped it) or applied as a dry run, whose simulated
//! report is shown at once (nothing changed, nothing recorded).

use std::sync::Arc;

use axum::{
    Extension,
    extract::{Multipart, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::Local;
use maud::html;

use super::{
    Console, Mode,
    actions::plain_name,
    auth::Caller,
    page::{self, query_escape},
    report,
    runs::report_view,
};
use crate::{
    command::FileKind,
    db::{LedgerEntry, UPLOADED},
    output::atomic,
    pipeline::{self, RunOptions},
    status::shown,
};

/// `GET /drop`.
pub(super) async fn form(
    State(console): State<Arc<Console>>,
    Extension(caller): Extension<Caller>,
) -> Response {
    let lang = caller.lang;
    let title = lang.pick("Drop a file", "Déposer un fichier");
    let action = format!(
        "/drop?csrf={}",
        query_escape(caller.csrf.as_deref().unwrap_or_default())
    );
    let acts = console.mode == Mode::Service && caller.may_act();
    let body = html! {
        h1 { (title) }
        p { (lang.pick("The file's name tells its kind: ", "Le nom du fichier dit son type : ")) code { (console.config.routing.describe()) } }
        @if !acts {
            p.notice { (lang.pick("Only an operator, on the console `watch` serves, may drop a file; a dry run is open to an operator too.", "Seul un opérateur, sur la console que sert `watch`, peut déposer un fichier ; la simulation aussi.")) }
        } @else {
            form method="post" action=(action) enctype="multipart/form-data" {
                p { label { (lang.pick("Command file (CSV)", "Fichier de commandes (CSV)")) br; input type="file" name="file" required; } }
                p { label { (lang.pick("Kind (when its name does not tell it)", "Type (si son nom ne le dit pas)")) br;
                    select name="kind" {
                        option value="" { (lang.pick("from its name", "d'après son nom")) }
                        @for kind in FileKind::ALL { option value=(kind.name()) { (kind.name()) } }
                    }
                } }
                p {
                    label { input type="radio" name="mode" value="dry-run" checked; " " (lang.pick("Dry run: show what it would do, change nothing", "Simulation : montrer ce qu'il ferait, sans rien changer")) }
                    br;
                    label { input type="radio" name="mode" value="spool"; " " (lang.pick("Drop it into the spool: the service applies it", "Le déposer dans le dépôt : le service l'applique")) }
                }
                p { button type="submit" { (lang.pick("Send", "Envoyer")) } }
            }
        }
    };
    page::frame(&caller, "/drop", title, body).into_response()
}

/// What the form sent.
struct Upload {
    name: String,
    bytes: Vec<u8>,
    dry_run: bool,
    kind: Option<FileKind>,
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, String> {
    let mut upload = Upload {
        name: String::new(),
        bytes: Vec::new(),
        dry_run: true,
        kind: None,
    };
    while let Some(field) = multipart.next_field().await.map_err(|e| e.to_string())? {
        match field.name().unwrap_or_default() {
            "file" => {
                upload.name = field.file_name().unwrap_or_default().to_owned();
                upload.bytes = field.bytes().await.map_err(|e| e.to_string())?.to_vec();
            }
            "mode" => upload.dry_run = field.text().await.map_err(|e| e.to_string())? != "spool",
            "kind" => {
                let kind = field.text().await.map_err(|e| e.to_string())?;
                if !kind.is_empty() {
                    upload.kind = Some(kind.parse()?);
                }
            }
            _ => {}
        }
    }
    Ok(upload)
}

/// `POST /drop?csrf=…`.
pub(super) async fn upload(
    State(console): State<Arc<Console>>,
    Extension(caller): Extension<Caller>,
    multipart: Multipart,
) -> Response {
    let lang = caller.lang;
    if console.mode == Mode::ReadOnly || !caller.may_act() {
        return page::error(
            &caller,
            StatusCode::FORBIDDEN,
            lang.pick(
                "Only an operator, on the console `watch` serves, may drop a file.",
                "Seul un opérateur, sur la console que sert `watch`, peut déposer un fichier.",
            ),
        );
    }
    let upload = match read_upload(multipart).await {
        Ok(upload) => upload,
        Err(error) => return page::error(&caller, StatusCode::BAD_REQUEST, &error),
    };
    // Browsers send the bare name; some older ones a whole path.
    let sent = upload
        .name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .to_owned();
    let Some(name) = plain_name(&sent) else {
        return page::error(
            &caller,
            StatusCode::BAD_REQUEST,
            &format!(
                "\"{sent}\": {}",
                lang.pick(
                    "not a file name to drop",
                    "ce n'est pas un nom de fichier à déposer"
                )
            ),
        );
    };
    let config = &console.config;
    let kind = upload.kind.or_else(|| config.routing.kind_of(name));
    let Some(kind) = kind else {
        return page::error(
            &caller,
            StatusCode::BAD_REQUEST,
            &format!(
                "{name}: {} ({})",
                lang.pick(
                    "its name tells no kind of command file; rename it or choose its kind",
                    "son nom ne dit pas de quel type de fichier il s'agit ; renommez-le ou choisissez son type"
                ),
                config.routing.describe()
            ),
        );
    };
    if upload.dry_run {
        dry_run(&console, &caller, name, kind, &upload.bytes).await
    } else {
        drop_into_spool(&console, &caller, name, kind, &upload.bytes).await
    }
}

/// The simulated report of the bytes, from a private copy.
async fn dry_run(
    console: &Console,
    caller: &Caller,
    name: &str,
    kind: FileKind,
    bytes: &[u8],
) -> Response {
    let lang = caller.lang;
    let folder = match tempfile::tempdir() {
        Ok(folder) => folder,
        Err(error) => {
            return page::error(
                caller,
                StatusCode::INTERNAL_SERVER_ERROR,
                &error.to_string(),
            );
        }
    };
    let path = folder.path().join(name);
    if let Err(error) = std::fs::write(&path, bytes) {
        return page::error(
            caller,
            StatusCode::INTERNAL_SERVER_ERROR,
            &error.to_string(),
        );
    }
    let options = RunOptions {
        dry_run: true,
        kind: Some(kind),
    };
    let summary = match pipeline::run_file(&console.config, &console.db, &path, options).await {
        Ok(summary) => summary,
        Err(error) => return page::error(caller, StatusCode::BAD_REQUEST, &error.to_string()),
    };
    let view = std::fs::read(&summary.report_json)
        .ok()
        .and_then(|json| report::read(&json));
    let title = lang.pick("Dry run", "Simulation");
    let body = html! {
        h1 { (title) " · " code { (name) } " " (page::tag(summary.status.name())) }
        p.notice { (lang.pick("Nothing was changed. ", "Rien n'a été modifié. ")) (summary.summary.clone().unwrap_or_default()) }
        p.muted { (lang.pick("Reports: ", "Rapports : ")) code { (shown(&summary.report)) } }
        @if let Some(view) = &view { (report_view(lang, view)) }
        p { a.button href="/drop" { (lang.pick("Drop another file", "Déposer un autre fichier")) } }
    };
    page::frame(caller, "/drop", title, body).into_response()
}

/// The bytes dropped into the spool under `name` (or `name-2`…, which still routes), the
/// done marker beside them when one is required, and the drop recorded in the ledger.
async fn drop_into_spool(
    console: &Console,
    caller: &Caller,
    name: &str,
    kind: FileKind,
    bytes: &[u8],
) -> Response {
    let lang = caller.lang;
    let config = &console.config;
    let spool = &config.paths.spool;
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, extension)) => (stem.to_owned(), format!(".{extension}")),
        None => (name.to_owned(), String::new()),
    };
    let namer = move |n: u32| {
        if n == 0 {
            format!("{stem}{extension}")
        } else {
            format!("{stem}-{}{extension}", n + 1)
        }
    };
    let placed = atomic::publish(spool, &namer, 0, bytes);
    let path = match placed {
        Ok(path) => path,
        Err(error) => {
            return page::error(
                caller,
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("{}: {error}", spool.display()),
            );
        }
    };
    if let Some(marker) = &config.watch.done_marker {
        let _ = std::fs::File::create(format!("{}{marker}", path.display()));
    }
    let placed_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let by = caller.identity.who();
    let recorded = record_upload(console, &placed_name, kind, bytes, &by).await;
    tracing::info!(file = %placed_name, by = %by, "File dropped from the console");
    let title = lang.pick("Dropped into the spool", "Déposé dans le dépôt");
    let body = html! {
        h1 { (title) }
        p { code { (placed_name) } " " (lang.pick("waits in the spool; the service applies it shortly.", "attend dans le dépôt ; le service l'applique sous peu.")) }
        @if let Err(error) = &recorded { p.notice.error { (error) } }
        div.actions {
            a.button href="/" { (lang.pick("See it waiting", "Le voir en attente")) }
            a.button.secondary href="/drop" { (lang.pick("Drop another file", "Déposer un autre fichier")) }
        }
    };
    page::frame(caller, "/drop", title, body).into_response()
}

/// The ledger's row of a drop: who dropped which bytes under which name.
async fn record_upload(
    console: &Console,
    name: &str,
    kind: FileKind,
    bytes: &[u8],
    by: &str,
) -> Result<i64, String> {
    use sha2::{Digest, Sha256};
    let instance = crate::host::instance();
    let now_ms = Local::now().timestamp_millis();
    let sha256: String = Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let entry = LedgerEntry {
        claim: format!("upload-{instance}-{now_ms}-{name}"),
        name: name.to_owned(),
        kind: kind.name().to_owned(),
        size: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
        sha256,
        host: instance.clone(),
        claimed_at: now_ms,
        finished_at: now_ms,
        outcome: UPLOADED.to_owned(),
        lines: 0,
        changed: 0,
        failed: 0,
        duplicate_of: None,
        parent: None,
        generation: 0,
        report: String::new(),
        report_json: String::new(),
        kept: None,
        tryback: None,
        error: None,
        summary: Some(format!("dropped into the spool by {by}")),
        of_run: None,
    };
    let db = &console.db;
    db.ensure_ledger().await.map_err(|e| e.to_string())?;
    let mut tx = db
        .begin_locked(&instance)
        .await
        .map_err(|e| e.to_string())?;
    match tx.record_decision(&entry, None).await {
        Ok(id) => tx.commit().await.map(|()| id).map_err(|e| e.to_string()),
        Err(error) => {
            let _ = tx.rollback().await;
            Err(error.to_string())
        }
    }
}
