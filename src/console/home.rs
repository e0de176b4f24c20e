//! `GET /`: what an administrator wants to see first, from the same status `moodle-sync
//! status` prints: whether the service runs and since when, the database, what waits in the
//! spool and why, the file in progress, the held and failed files with their reason and the
//! buttons that act on them, NetYpareo's exports, the last runs.

use std::{path::Path, sync::Arc};

use axum::{
    Extension,
    extract::State,
    response::{IntoResponse, Response},
};
use maud::{Markup, html};

use super::{
    Console, Mode,
    auth::Caller,
    lang::Lang,
    page::{self, query_escape, tag},
};
use crate::status::{
    self, StatusReport,
    view::{KeptView, ServiceState},
};

/// `GET /`.
pub(super) async fn page(
    State(console): State<Arc<Console>>,
    Extension(caller): Extension<Caller>,
) -> Response {
    let report = status::gather_on(&console.config, &console.db, 10).await;
    let lang = caller.lang;
    let title = lang.pick("Home", "Accueil");
    let body = html! {
        h1 { "moodle-sync" }
        (service(lang, &console, &report))
        (spool(lang, &report))
        (kept(&console, &caller, &report))
        (netypareo(lang, &report))
        h2 { (lang.pick("Last runs", "Dernières exécutions")) }
        @match &report.last_runs {
            Some(runs) => {
                div.scroll { table {
                    thead { tr { th { "#" } th { (lang.pick("Ended", "Fin")) } th { (lang.pick("File", "Fichier")) } th { (lang.pick("Outcome", "Résultat")) } th.wide { (lang.pick("What it did", "Ce qui a été fait")) } } }
                    tbody { @for run in runs { tr {
                        td { a href={ "/runs/" (run.id) } { (run.id) } }
                        td { (run.finished_at) }
                        td { a href={ "/runs/" (run.id) } { code { (run.name) } } }
                        td { (tag(&run.outcome)) }
                        td.wide { (run.summary) }
                    } } }
                } }
                p { a href="/runs" { (lang.pick("Every run", "Toutes les exécutions")) " →" } }
            },
            None => p.notice.error { (report.last_runs_error.clone().unwrap_or_default()) },
        }
    };
    page::frame(&caller, "/", title, body).into_response()
}

fn service(lang: Lang, console: &Console, report: &StatusReport) -> Markup {
    html! {
        div.grid {
            div.card {
                div.muted { (lang.pick("Service", "Service")) }
                @if report.services.is_empty() {
                    strong.tag.down { (lang.pick("not running", "arrêté")) }
                }
                @for service in &report.services {
                    div {
                        @if service.state == ServiceState::Running {
                            span.tag.success { (lang.pick("running", "en marche")) }
                        } @else {
                            span.tag.failed { (lang.pick("crashed", "arrêté brutalement")) }
                        }
                        " " code { (service.instance) } br;
                        span.muted { (lang.pick("since", "depuis")) " " (service.started_at) }
                        @if let Some(file) = &service.file {
                            br; (lang.pick("applying", "applique")) " " code { (file) }
                        }
                    }
                }
                @if console.mode == Mode::ReadOnly {
                    div.muted { (lang.pick("This console is read-only.", "Cette console est en lecture seule.")) }
                }
            }
            div.card {
                div.muted { (lang.pick("Database", "Base de données")) }
                @if report.database.usable { span.tag.success { (lang.pick("reachable", "joignable")) } } @else { span.tag.down { (lang.pick("unreachable", "injoignable")) } }
                br; code { (report.database.target) }
                @if let Some(error) = &report.database.error { br; span.muted { (error) } }
            }
            div.card {
                div.muted { (lang.pick("Spool", "Dépôt")) }
                code { (report.spool) }
                br; (report.waiting.len()) " " (lang.pick("waiting", "en attente")) ", " (report.uploads.len()) " " (lang.pick("arriving", "en cours d'envoi"))
                @if let Some(error) = &report.spool_error { br; span.muted { (error) } }
            }
        }
    }
}

fn spool(lang: Lang, report: &StatusReport) -> Markup {
    html! {
        h2 { (lang.pick("Waiting in the spool", "En attente dans le dépôt")) }
        @if report.waiting.is_empty() && report.uploads.is_empty() && report.in_progress.is_empty() {
            p.muted { (lang.pick("Nothing waits.", "Rien n'attend.")) }
        } @else {
            div.scroll { table {
                thead { tr { th { (lang.pick("File", "Fichier")) } th { (lang.pick("Why it waits", "Pourquoi il attend")) } th.wide { (lang.pick("Size", "Taille")) } th.wide { (lang.pick("Age", "Âge")) } } }
                tbody {
                    @for claim in &report.in_progress { tr {
                        td { code { (claim.name) } }
                        td { span.tag.ready { (lang.pick("in progress", "en cours")) } " " span.muted { (claim.instance) ", " (claim.claimed_at) } }
                        td.wide {} td.wide {}
                    } }
                    @for file in &report.waiting { tr {
                        td { code { (file.name) } }
                        td { (tag(&serde_json::to_value(file.state).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()))
                            @if let Some(kind) = &file.kind { " " span.muted { (kind) } } }
                        td.wide { (file.size) } td.wide { (file.age_s) " s" }
                    } }
                    @for upload in &report.uploads { tr {
                        td { code { (upload.name) } }
                        td { (tag(&serde_json::to_value(upload.state).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()))
                            @if let Some(writers) = &upload.writers { " " span.muted { (writers) } } }
                        td.wide { (upload.size) } td.wide { (upload.age_s) " s" }
                    } }
                }
            } }
        }
    }
}

fn kept(console: &Console, caller: &Caller, report: &StatusReport) -> Markup {
    let lang = caller.lang;
    html! {
        h2 { (lang.pick("Held files", "Fichiers retenus")) }
        @if report.held.is_empty() { p.muted { (lang.pick("None.", "Aucun.")) } }
        @for file in &report.held { (kept_card(console, caller, file, true)) }
        h2 { (lang.pick("Failed files", "Fichiers en échec")) }
        @if report.failed.is_empty() { p.muted { (lang.pick("None.", "Aucun.")) } }
        @for file in &report.failed { (kept_card(console, caller, file, false)) }
    }
}

fn kept_card(console: &Console, caller: &Caller, file: &KeptView, held: bool) -> Markup {
    let lang = caller.lang;
    let name = Path::new(&file.path)
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let acts = console.mode == Mode::Service && caller.may_act();
    let base = if held { "/held/" } else { "/failed/" };
    let target = |action: &str| format!("{base}{}/{action}", query_escape(&name));
    html! {
        div.card {
            code { (name) }
            @if let Some(run) = file.run { " · " a href={ "/runs/" (run) } { (lang.pick("run", "exécution")) " #" (run) } }
            " " span.muted { (lang.pick("since", "depuis")) " " (file.since) }
            @if let Some(reason) = &file.reason { p { (reason) } }
            @if acts {
                div.actions {
                    @if held {
                        (page::action(caller, &target("approve"), lang.pick("Approve and apply", "Approuver et appliquer"), ""))
                        (page::action(caller, &target("discard"), lang.pick("Discard", "Écarter"), "danger"))
                    } @else {
                        (page::action(caller, &target("retry"), lang.pick("Retry", "Réessayer"), ""))
                    }
                }
            }
        }
    }
}

fn netypareo(lang: Lang, report: &StatusReport) -> Markup {
    html! {
        @if !report.netypareo.is_empty() {
            h2 { "NetYpareo" }
            @for instance in &report.netypareo {
                div.card {
                    strong { (instance.instance) } " " span.muted { (instance.time_zone) }
                    div.scroll { table {
                        thead { tr { th { (lang.pick("Export", "Export")) } th { (lang.pick("Schedule", "Planification")) } th { (lang.pick("Next run", "Prochaine exécution")) } th { (lang.pick("Last run", "Dernière exécution")) } } }
                        tbody { @for export in &instance.exports {
                            @let last = instance.last_pull.as_ref().and_then(|pull| pull.exports.iter().find(|record| record.export == export.export));
                            tr {
                                td { (export.export) }
                                td { code { (export.schedule.clone().unwrap_or_else(|| lang.pick("by hand", "à la main").to_owned())) } }
                                td { (export.next_run.clone().unwrap_or_default()) }
                                td { @if let Some(last) = last { (tag(&last.outcome)) " " span.muted { (last.at) } } }
                            }
                        } }
                    } }
                    @if let Some(error) = &instance.last_pull_error { p.notice.error { (error) } }
                }
            }
        }
    }
}
