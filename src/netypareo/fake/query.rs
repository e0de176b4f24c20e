//! The query filters of collections: `codesPeriode` and `codesSite`, as the `fake` module's
//! documentation describes them.

use std::collections::HashSet;

use serde_json::Value;

/// `codesPeriode` and `codesSite` as (record field, accepted values).
pub(super) fn query_filters(query: &str) -> Vec<(&'static str, HashSet<String>)> {
    let mut filters = Vec::new();
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let field = match name {
            "codesPeriode" => "codePeriode",
            "codesSite" => "codeSite",
            _ => continue,
        };
        let value = percent_decode(value);
        let accepted = value
            .split(',')
            .map(|code| code.trim().to_owned())
            .filter(|code| !code.is_empty())
            .collect();
        filters.push((field, accepted));
    }
    filters
}

/// The record filter described in the `fake` module's documentation.
pub(super) fn keep(record: &Value, filters: &[(&'static str, HashSet<String>)]) -> bool {
    let matches = |holder: &Value, field: &str, accepted: &HashSet<String>| {
        holder
            .get(field)
            .and_then(key_text)
            .is_some_and(|code| accepted.contains(&code))
    };
    match record.get("inscriptions") {
        Some(Value::Array(inscriptions)) => {
            filters.is_empty()
                || inscriptions.iter().any(|inscription| {
                    filters
                        .iter()
                        .all(|(field, accepted)| matches(inscription, field, accepted))
                })
        }
        _ => filters.iter().all(|(field, accepted)| {
            record.get(*field).is_none() || matches(record, field, accepted)
        }),
    }
}

/// A code as text: numbers and strings compare alike (`17` and `"17"`).
pub(super) fn key_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(number) => Some(number.to_string()),
        Value::String(text) => Some(text.trim().to_owned()),
        _ => None,
    }
}

/// Decodes `%XX` escapes (and `+` as a space); an invalid escape is kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%')
            .then(|| bytes.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[index], escaped) {
            (_, Some(byte)) => {
                decoded.push(byte);
                index += 3;
            }
            (b'+', None) => {
                decoded.push(b' ');
                index += 1;
            }
            (byte, None) => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}
