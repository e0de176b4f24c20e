//! `GET /search?q=…`: what happened to a user, a cohort, a course: every run and line that
//! named it, newest first. The reports' JSON is read once into an index in memory (the
//! identifiers of each line: user names and numbers, cohort and course keys, group names…);
//! each search first reads the runs recorded since the last one, so a request never scans
//! the reports again. A restart reads them all again, at the first search.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
};

use axum::{
    Extension,
    extract::{Query, State},
    response::{IntoResponse, Response},
};
use maud::html;
use serde::Deserialize;
use serde_json::Value;

use super::{
    Console,
    auth::Caller,
    files::read_kept,
    page::{self, tag},
};

/// The most hits a search shows.
const MAX_HITS: usize = 500;

/// Runs read from the ledger at a time while indexing.
const BATCH: u32 = 200;

/// A line that named a term.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Hit {
    /// The run (ordered first, newest last).
    pub(super) run: i64,
    /// The line in its file.
    pub(super) line: u64,
    /// Its status.
    pub(super) status: String,
    /// What it did or why it failed, shortened.
    pub(super) message: String,
}

/// The index: each term (lowercase) and the lines that named it; the runs indexed so far.
#[derive(Debug, Default)]
pub(super) struct SearchIndex {
    /// The last run read.
    pub(super) last_run: i64,
    /// The lines by term.
    pub(super) terms: BTreeMap<String, BTreeSet<Hit>>,
    /// Each run's file name, by run.
    pub(super) names: BTreeMap<i64, String>,
}

/// The keys of a line or an effect whose values name something worth finding.
const KEYS: [&str; 16] = [
    "user",
    "cohort",
    "course",
    "idnumber",
    "username",
    "email",
    "shortname",
    "fullname",
    "name",
    "group",
    "role",
    "uid",
    "cid",
    "groups",
    "category",
    "firstname",
];

impl SearchIndex {
    /// Adds a run's report.
    pub(super) fn add(&mut self, run: i64, json: &[u8]) {
        self.last_run = self.last_run.max(run);
        let Ok(report) = serde_json::from_slice::<Value>(json) else {
            return;
        };
        if let Some(name) = report["input"]["name"].as_str() {
            self.names.insert(run, name.to_owned());
        }
        for line in report["lines"].as_array().into_iter().flatten() {
            let mut terms = BTreeSet::new();
            collect(line, &mut terms, 0);
            let message: String = line["message"]
                .as_str()
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect();
            let hit = Hit {
                run,
                line: line["line"].as_u64().unwrap_or(0),
                status: line["status"].as_str().unwrap_or_default().to_owned(),
                message,
            };
            for term in terms {
                self.terms.entry(term).or_default().insert(hit.clone());
            }
        }
    }

    /// The lines naming `query`: its exact term first, else every term that contains it;
    /// newest run first.
    pub(super) fn find(&self, query: &str) -> Vec<Hit> {
        let query = query.trim().to_lowercase();
        if query.is_empty() {
            return Vec::new();
        }
        let mut hits: BTreeSet<&Hit> = BTreeSet::new();
        match self.terms.get(&query) {
            Some(exact) => hits.extend(exact),
            None => {
                for (term, found) in &self.terms {
                    if term.contains(&query) {
                        hits.extend(found);
                    }
                    if hits.len() > MAX_HITS * 4 {
                        break;
                    }
                }
            }
        }
        let mut hits: Vec<Hit> = hits.into_iter().cloned().collect();
        hits.sort_by(|a, b| b.run.cmp(&a.run).then(a.line.cmp(&b.line)));
        hits.truncate(MAX_HITS);
        hits
    }
}

/// The values of `KEYS` anywhere in a line, lowercase.
fn collect(value: &Value, terms: &mut BTreeSet<String>, depth: usize) {
    if depth > 4 {
        return;
    }
    let Value::Object(map) = value else {
        if let Value::Array(items) = value {
            for item in items {
                collect(item, terms, depth + 1);
            }
        }
        return;
    };
    for (key, value) in map {
        match value {
            Value::String(text) if KEYS.contains(&key.as_str()) => {
                let text = text.trim().to_lowercase();
                if !text.is_empty() {
                    terms.insert(text);
                }
            }
            Value::Object(_) | Value::Array(_) if key != "error" => {
                collect(value, terms, depth + 1);
            }
            _ => {}
        }
    }
}

/// Reads the runs recorded since the index's last one.
async fn refresh(console: &Console, index: &mut SearchIndex) -> Result<(), String> {
    loop {
        let runs = console
            .db
            .runs_after(index.last_run, BATCH)
            .await
            .map_err(|error| error.to_string())?;
        if runs.is_empty() {
            return Ok(());
        }
        let config = console.config.clone();
        let reports = tokio::task::spawn_blocking(move || {
            runs.into_iter()
                .map(|run| {
                    let json = run
                        .report_json
                        .filter(|path| !path.is_empty())
                        .and_then(|path| read_kept(&config, &path).ok());
                    (run.id, json)
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|error| error.to_string())?;
        for (run, json) in reports {
            match json {
                Some(json) => index.add(run, &json),
                None => index.last_run = index.last_run.max(run),
            }
        }
    }
}

/// `?q=`.
#[derive(Debug, Deserialize)]
pub(super) struct Search {
    q: Option<String>,
}

/// `GET /search`.
pub(super) async fn page(
    State(console): State<Arc<Console>>,
    Extension(caller): Extension<Caller>,
    Query(search): Query<Search>,
) -> Response {
    let lang = caller.lang;
    let query = search.q.unwrap_or_default();
    let (hits, names, error) = {
        let mut index = console.index.lock().await;
        let error = refresh(&console, &mut index).await.err();
        let hits = index.find(&query);
        let names: BTreeMap<i64, String> = hits
            .iter()
            .filter_map(|hit| Some((hit.run, index.names.get(&hit.run)?.clone())))
            .collect();
        (hits, names, error)
    };
    let title = lang.pick("Search", "Recherche");
    let body = html! {
        h1 { (title) }
        form.filters method="get" action="/search" {
            label { (lang.pick("A user, cohort, course or group", "Un utilisateur, une cohorte, un cours, un groupe"))
                input type="search" name="q" value=(query) autofocus;
            }
            button type="submit" { (lang.pick("Search", "Chercher")) }
        }
        @if let Some(error) = &error { p.notice.error { (error) } }
        @if !query.trim().is_empty() {
            p.muted { (hits.len()) " " (lang.pick("lines", "lignes")) }
            div.scroll { table {
                thead { tr { th { (lang.pick("Run", "Exécution")) } th { (lang.pick("File", "Fichier")) } th { (lang.pick("Line", "Ligne")) } th { (lang.pick("Outcome", "Résultat")) } th { (lang.pick("What happened", "Ce qui s'est passé")) } } }
                tbody { @for hit in &hits { tr {
                    td { a href={ "/runs/" (hit.run) } { "#" (hit.run) } }
                    td { code { (names.get(&hit.run).cloned().unwrap_or_default()) } }
                    td { (hit.line) }
                    td { (tag(&hit.status)) }
                    td { (hit.message) }
                } } }
            } }
        }
    };
    page::frame(&caller, "/search", title, body).into_response()
}
