//! The runs: `GET /runs`, every run of the ledger newest first, a page at a time, filtered by
//! kind, outcome, date and file name; `GET /runs/{id}`, one run as an administrator reads it
//! (its report with the failed lines first, its files, its lineage).

use std::sync::Arc;

use axum::{
    Extension,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{Local, NaiveDate, TimeZone};
use maud::{Markup, html};
use serde::Deserialize;

use super::{
    Console, Mode,
    auth::Caller,
    files::{Which, read_kept},
    lang::Lang,
    page::{self, query_escape, tag, time},
    report::{self, LineView, ReportView},
};
use crate::{
    command::FileKind,
    db::{LedgerRun, RunDetail, RunFilter},
};

/// Runs per page.
const PAGE: u32 = 50;

/// The outcomes a run can have, for the filter.
const OUTCOMES: [&str; 10] = [
    "success",
    "partial",
    "rejected",
    "rolled_back",
    "duplicate",
    "held",
    "retried",
    "discarded",
    "approved",
    "uploaded",
];

/// The list's filters, as the form sends them.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Filters {
    kind: Option<String>,
    outcome: Option<String>,
    from: Option<String>,
    to: Option<String>,
    name: Option<String>,
    page: Option<u64>,
}

impl Filters {
    fn filter(&self) -> RunFilter {
        let some = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .map(str::to_owned)
        };
        let day = |value: &Option<String>, days: i64| {
            let date = NaiveDate::parse_from_str(some(value)?.as_str(), "%Y-%m-%d").ok()?;
            let start = date.checked_add_signed(chrono::Duration::days(days))?;
            Local
                .from_local_datetime(&start.and_hms_opt(0, 0, 0)?)
                .earliest()
                .map(|time| time.timestamp_millis())
        };
        RunFilter {
            kind: some(&self.kind),
            outcome: some(&self.outcome),
            from_ms: day(&self.from, 0),
            until_ms: day(&self.to, 1),
            name: some(&self.name),
        }
    }

    /// The query string of these filters on another page.
    fn query(&self, page: u64) -> String {
        let mut pairs = Vec::new();
        for (key, value) in [
            ("kind", &self.kind),
            ("outcome", &self.outcome),
            ("from", &self.from),
            ("to", &self.to),
            ("name", &self.name),
        ] {
            if let Some(value) = value.as_deref().filter(|value| !value.is_empty()) {
                pairs.push(format!("{key}={}", query_escape(value)));
            }
        }
        pairs.push(format!("page={page}"));
        pairs.join("&")
    }
}

/// `GET /runs`.
pub(super) async fn list(
    State(console): State<Arc<Console>>,
    Extension(caller): Extension<Caller>,
    Query(filters): Query<Filters>,
) -> Response {
    let lang = caller.lang;
    let page_number = filters.page.unwrap_or(1).max(1);
    let offset = (page_number - 1).saturating_mul(u64::from(PAGE));
    let found = console.db.runs_page(&filters.filter(), offset, PAGE).await;
    let title = lang.pick("Runs", "Exécutions");
    let body = html! {
        h1 { (title) }
        (filter_form(lang, &filters))
        @match &found {
            Err(error) => p.notice.error { (error.to_string()) },
            Ok(found) => {
                p.muted { (found.total) " " (lang.pick("runs match", "exécutions correspondent")) }
                (run_table(lang, &found.runs))
                div.pages {
                    @if page_number > 1 {
                        a href={ "/runs?" (filters.query(page_number - 1)) } rel="prev" { "← " (lang.pick("Newer", "Plus récentes")) }
                    }
                    @if offset + u64::from(PAGE) < found.total {
                        a href={ "/runs?" (filters.query(page_number + 1)) } rel="next" { (lang.pick("Older", "Plus anciennes")) " →" }
                    }
                }
            }
        }
    };
    page::frame(&caller, "/runs", title, body).into_response()
}

fn filter_form(lang: Lang, filters: &Filters) -> Markup {
    let selected = |value: &Option<String>, option: &str| value.as_deref() == Some(option);
    html! {
        form.filters method="get" action="/runs" {
            label { (lang.pick("Kind", "Type"))
                select name="kind" {
                    option value="" { (lang.pick("all", "tous")) }
                    @for kind in FileKind::ALL {
                        option value=(kind.name()) selected[selected(&filters.kind, kind.name())] { (kind.name()) }
                    }
                }
            }
            label { (lang.pick("Outcome", "Résultat"))
                select name="outcome" {
                    option value="" { (lang.pick("all", "tous")) }
                    @for outcome in OUTCOMES {
                        option value=(outcome) selected[selected(&filters.outcome, outcome)] { (outcome.replace('_', " ")) }
                    }
                }
            }
            label { (lang.pick("From", "Du")) input type="date" name="from" value=(filters.from.clone().unwrap_or_default()); }
            label { (lang.pick("To", "Au")) input type="date" name="to" value=(filters.to.clone().unwrap_or_default()); }
            label { (lang.pick("File name", "Nom du fichier")) input type="search" name="name" value=(filters.name.clone().unwrap_or_default()); }
            button type="submit" { (lang.pick("Filter", "Filtrer")) }
        }
    }
}

/// Runs as a table, with links to their pages.
pub(super) fn run_table(lang: Lang, runs: &[LedgerRun]) -> Markup {
    html! {
        div.scroll {
            table {
                thead { tr {
                    th { "#" }
                    th { (lang.pick("Ended", "Fin")) }
                    th { (lang.pick("File", "Fichier")) }
                    th.wide { (lang.pick("Kind", "Type")) }
                    th { (lang.pick("Outcome", "Résultat")) }
                    th.wide { (lang.pick("What it did", "Ce qui a été fait")) }
                } }
                tbody {
                    @for run in runs {
                        tr {
                            td { a href={ "/runs/" (run.id) } { (run.id) } }
                            td { (time(run.finished_at)) }
                            td { a href={ "/runs/" (run.id) } { code { (run.name) } } }
                            td.wide { (run.kind) }
                            td { (tag(&run.outcome)) }
                            td.wide { (run.summary.clone().unwrap_or_default()) }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /runs/{id}`.
pub(super) async fn page(
    State(console): State<Arc<Console>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<i64>,
) -> Response {
    let lang = caller.lang;
    let detail = match console.db.run_detail(id).await {
        Ok(Some(detail)) => detail,
        Ok(None) => {
            return page::error(
                &caller,
                StatusCode::NOT_FOUND,
                &format!("{} #{id}", lang.pick("No run", "Aucune exécution")),
            );
        }
        Err(error) => {
            return page::error(&caller, StatusCode::SERVICE_UNAVAILABLE, &error.to_string());
        }
    };
    let mut ancestors = Vec::new();
    let mut parent = detail.run.parent;
    while let Some(id) = parent.take()
        && ancestors.len() < 50
    {
        if let Ok(Some(found)) = console.db.run_detail(id).await {
            parent = found.run.parent;
            ancestors.push(found.run);
        }
    }
    let descendants = console.db.runs_from(id).await.unwrap_or_default();
    let config = console.config.clone();
    let json_path = detail.report_json.clone();
    let report = tokio::task::spawn_blocking(move || {
        json_path
            .and_then(|path| read_kept(&config, &path).ok())
            .and_then(|bytes| report::read(&bytes))
    })
    .await
    .ok()
    .flatten();
    let title = format!("{} #{id}", lang.pick("Run", "Exécution"));
    let body = html! {
        h1 { (title) " · " code { (detail.run.name) } " " (tag(&detail.run.outcome)) }
        (facts(lang, &detail))
        (downloads(lang, &detail))
        (run_actions(&console, &caller, &detail))
        @if let Some(report) = &report {
            (report_view(lang, report))
        } @else {
            p.notice { (lang.pick("Its JSON report cannot be read; the text report may be downloaded above.", "Son rapport JSON est illisible ; le rapport texte se télécharge ci-dessus.")) }
        }
        h2 { (lang.pick("Lineage", "Filiation")) }
        @if ancestors.is_empty() && descendants.is_empty() {
            p.muted { (lang.pick("A file of its own: no tryback, retry or decision relates to it.", "Un fichier isolé : aucun tryback, nouvel essai ni décision ne s'y rattache.")) }
        }
        @if !ancestors.is_empty() {
            p { (lang.pick("Comes from (parent first):", "Vient de (parent d'abord) :")) }
            (run_table(lang, &ancestors))
        }
        @if !descendants.is_empty() {
            p { (lang.pick("Runs and decisions that came of it:", "Exécutions et décisions qui en découlent :")) }
            (run_table(lang, &descendants))
        }
    };
    page::frame(&caller, "/runs", &title, body).into_response()
}

fn facts(lang: Lang, detail: &RunDetail) -> Markup {
    let run = &detail.run;
    html! {
        div.grid {
            div.card {
                div.muted { (lang.pick("Kind", "Type")) } strong { (run.kind) }
            }
            div.card {
                div.muted { (lang.pick("Taken / ended", "Pris / fini")) }
                (time(run.claimed_at)) br; (time(run.finished_at))
            }
            div.card {
                div.muted { (lang.pick("Lines", "Lignes")) }
                (run.lines) " · " (run.changed) " " (lang.pick("changed", "modifiées")) " · " (run.failed) " " (lang.pick("failed", "en échec"))
            }
            div.card {
                div.muted { (lang.pick("By", "Par")) } code { (run.host) }
                @if run.generation > 0 { br; (lang.pick("tryback generation", "génération de tryback")) " " (run.generation) }
            }
        }
        @if let Some(summary) = &run.summary { p { (summary) } }
        @if let Some(error) = &detail.error { p.notice.error { (error) } }
        @if let Some(of) = detail.duplicate_of {
            p { (lang.pick("Same bytes as", "Mêmes octets que")) " " a href={ "/runs/" (of) } { "#" (of) } }
        }
        @if let Some(of) = run.of_run {
            p { (lang.pick("Acts on", "Porte sur")) " " a href={ "/runs/" (of) } { "#" (of) } }
        }
    }
}

fn downloads(lang: Lang, detail: &RunDetail) -> Markup {
    let run = &detail.run;
    let links = [
        (
            Which::Input,
            run.kept.is_some(),
            lang.pick("input", "fichier reçu"),
        ),
        (Which::Tryback, run.tryback.is_some(), "tryback"),
        (
            Which::Report,
            !run.report.is_empty(),
            lang.pick("text report", "rapport texte"),
        ),
        (
            Which::Json,
            detail.report_json.is_some(),
            lang.pick("JSON report", "rapport JSON"),
        ),
    ];
    html! {
        div.actions {
            @for (which, present, label) in links {
                @if present {
                    a.button.secondary href={ "/runs/" (run.id) "/files/" (which.name()) } download { "⬇ " (label) }
                }
            }
        }
    }
}

/// The buttons of a run whose tryback may be put back, for an operator.
fn run_actions(console: &Console, caller: &Caller, detail: &RunDetail) -> Markup {
    let lang = caller.lang;
    let tryback_there = detail
        .run
        .tryback
        .as_deref()
        .is_some_and(|path| std::path::Path::new(path).is_file());
    html! {
        @if console.mode == Mode::Service && caller.may_act() && tryback_there {
            div.actions {
                (page::action(
                    caller,
                    &format!("/runs/{}/retry", detail.run.id),
                    lang.pick("Put its tryback back into the spool", "Remettre son tryback dans le dépôt"),
                    "",
                ))
            }
        }
    }
}

/// A report as an administrator reads it: the failed lines first.
pub(super) fn report_view(lang: Lang, report: &ReportView) -> Markup {
    html! {
        @if report.simulation {
            p.notice { (lang.pick("Simulation: nothing was changed.", "Simulation : rien n'a été modifié.")) }
        }
        @if let Some(error) = &report.error { p.notice.error { (error) } }
        @if let Some(next) = &report.next_step { p.notice { strong { (lang.pick("Next step: ", "Et ensuite : ")) } (next) } }
        @if !report.totals.is_empty() {
            h2 { (lang.pick("Totals", "Totaux")) }
            div.scroll { table { tbody {
                @for (name, count) in &report.totals {
                    tr { td { (name.replace('_', " ")) } td { (count) } }
                }
            } } }
        }
        @for note in &report.notes { p.muted { (note) } }
        h2 { (lang.pick("Failed lines", "Lignes en échec")) " (" (report.failed.len()) ")" }
        @if report.failed.is_empty() {
            p.muted { (lang.pick("None.", "Aucune.")) }
        } @else {
            (lines(lang, &report.failed, true))
        }
        h2 { (lang.pick("Other lines", "Autres lignes")) " (" (report.others.len() + report.others_left_out) ")" }
        (lines(lang, &report.others, false))
        @if report.others_left_out > 0 {
            p.muted { (report.others_left_out) " " (lang.pick("more lines: see the report's download.", "autres lignes : voir le rapport à télécharger.")) }
        }
    }
}

fn lines(lang: Lang, lines: &[LineView], failed: bool) -> Markup {
    html! {
        div.scroll { table id=[failed.then_some("failed-lines")] {
            thead { tr {
                th { (lang.pick("Line", "Ligne")) }
                th { (lang.pick("Command", "Commande")) }
                @if failed {
                    th { (lang.pick("Column", "Colonne")) }
                    th { (lang.pick("Value", "Valeur")) }
                    th { (lang.pick("Reason", "Raison")) }
                } @else {
                    th { (lang.pick("Outcome", "Résultat")) }
                    th { (lang.pick("What it did", "Ce qui a été fait")) }
                }
            } }
            tbody {
                @for line in lines {
                    tr {
                        td { (line.line) }
                        td { code { (line.command) } }
                        @if failed {
                            td { (line.column.clone().unwrap_or_default()) }
                            td { code { (line.value.clone().unwrap_or_default()) } }
                            td { (line.message) }
                        } @else {
                            td { (tag(&line.status)) }
                            td { (line.message) }
                        }
                    }
                }
            }
        } }
    }
}
