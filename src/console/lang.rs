//! The pages' language: French or English, from the `lang` cookie the switch sets, else the
//! browser's `Accept-Language`, else English. Each text is written in both, side by side, at
//! the place it is used (`lang.pick("Runs", "Exécutions")`), so that none can be missing.

use axum::{
    extract::{Path, Query},
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lang {
    /// English.
    En,
    /// French.
    Fr,
}

impl Lang {
    /// The language a request asks for.
    pub(super) fn of(headers: &HeaderMap) -> Lang {
        let cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == "lang")
            .and_then(|(_, value)| Lang::from_code(value));
        if let Some(lang) = cookie {
            return lang;
        }
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        Lang::from_accept(accept)
    }

    /// The first of French and English an `Accept-Language` header names (by weight).
    pub(super) fn from_accept(accept: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for item in accept.split(',') {
            let mut parts = item.trim().split(';');
            let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let weight = parts
                .find_map(|part| part.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("fr") => Lang::Fr,
                Some("en") => Lang::En,
                _ => continue,
            };
            if best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, lang));
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }

    fn from_code(code: &str) -> Option<Lang> {
        match code {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Its code, for `<html lang>`.
    pub(super) fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The other one, for the switch.
    pub(super) fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Fr,
            Lang::Fr => Lang::En,
        }
    }

    /// The text in this language.
    pub(super) fn pick<'a>(self, en: &'a str, fr: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Fr => fr,
        }
    }
}

/// `?back=` of the switch.
#[derive(Debug, Deserialize)]
pub(super) struct Back {
    back: Option<String>,
}

/// `GET /lang/{fr|en}?back=/page`: remembers the language in a cookie and goes back.
pub(super) async fn switch(Path(code): Path<String>, Query(back): Query<Back>) -> Response {
    let back = match back.back.as_deref() {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/".to_owned(),
    };
    let mut response = Redirect::to(&back).into_response();
    if let Some(lang) = Lang::from_code(&code) {
        let cookie = format!(
            "lang={}; Path=/; SameSite=Lax; Max-Age=31536000",
            lang.code()
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}
