//! What an authorised `GET` gets: the fixture of its path, filtered by the query, or one of
//! the two computed endpoints the `fake` module's documentation describes.

use std::{collections::HashSet, io, path::PathBuf};

use chrono::NaiveDate;
use hyper::StatusCode;
use serde_json::Value;

use super::{
    answer::{Answer, envelope, json_answer, json_error},
    query::{keep, key_text, query_filters},
    server::FakeOptions,
};

/// The real API's message for a malformed path date (netypareo-api.md §1.3).
pub(super) const DATE_MESSAGE: &str = "Les dates doivent être au format JJ-MM-AAAA";

/// The fixture behind an authorised `GET` of `path` (under the API root).
pub(super) async fn serve(options: &FakeOptions, path: &str, query: &str) -> Answer {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let unsafe_segment = segments.iter().any(|segment| {
        segment.is_empty() || *segment == "." || *segment == ".." || segment.contains('\\')
    });
    if unsafe_segment {
        return json_error(
            StatusCode::NOT_FOUND,
            &format!("ressource inconnue : {path}"),
        );
    }
    let filters = query_filters(query);
    let records = match segments[..] {
        [
            "formation-courte",
            start,
            end,
            kind @ ("groupes" | "apprenants"),
        ] => match short_course(options, start, end, kind).await {
            Ok(records) => records,
            Err(answer) => return answer,
        },
        ["groupes", code, "apprenants"] if !fixture_path(options, path).exists() => {
            return group_learners(options, code).await;
        }
        _ => match fixture(options, path).await {
            Ok(records) => records,
            Err(answer) => return answer,
        },
    };

    let kept: Vec<Value> = records
        .into_iter()
        .filter(|record| keep(record, &filters))
        .collect();
    json_answer(envelope(&kept, options.array_envelope))
}

/// `formation-courte/{start}/{end}/{kind}`: the groups of `formation-courte/groupes.json`
/// whose dates meet the window, or (`apprenants`) the learners of
/// `formation-courte/apprenants.json` in one of them; `Err`, the error to answer.
async fn short_course(
    options: &FakeOptions,
    start: &str,
    end: &str,
    kind: &str,
) -> Result<Vec<Value>, Answer> {
    let window = match (path_date(start), path_date(end)) {
        (Some(start), Some(end)) if start <= end => (start, end),
        _ => return Err(json_error(StatusCode::BAD_REQUEST, DATE_MESSAGE)),
    };
    let groups = read_collection(options, "formation-courte/groupes").await?;
    let overlapping: Vec<Value> = groups
        .into_iter()
        .filter(|group| {
            let starts = group.get("dateDebut").and_then(body_date);
            let ends = group.get("dateFin").and_then(body_date);
            // A group without dates is kept: the fake can't tell it is out of the window.
            starts.is_none_or(|starts| starts <= window.1)
                && ends.is_none_or(|ends| ends >= window.0)
        })
        .collect();
    if kind == "groupes" {
        return Ok(overlapping);
    }
    let codes: HashSet<String> = overlapping
        .iter()
        .filter_map(|group| group.get("codeGroupe").and_then(key_text))
        .collect();
    let learners = read_collection(options, "formation-courte/apprenants").await?;
    Ok(learners
        .into_iter()
        .filter(|learner| current_group(learner).is_some_and(|code| codes.contains(&code)))
        .collect())
}

/// `groupes/{code}/apprenants`, without a fixture of its own: the learners of both
/// `apprenants.json` whose current group is `code`, unfiltered; 404 for a group in neither
/// `groupes.json`.
async fn group_learners(options: &FakeOptions, code: &str) -> Answer {
    let mut known = false;
    for file in ["formation-longue/groupes", "formation-courte/groupes"] {
        match read_optional(options, file).await {
            Ok(groups) => {
                known |= groups.iter().any(|group| {
                    group.get("codeGroupe").and_then(key_text).as_deref() == Some(code)
                });
            }
            Err(answer) => return answer,
        }
    }
    if !known {
        return json_error(StatusCode::NOT_FOUND, &format!("groupe inconnu : {code}"));
    }
    let mut members = Vec::new();
    for file in ["formation-longue/apprenants", "formation-courte/apprenants"] {
        match read_optional(options, file).await {
            Ok(learners) => members.extend(
                learners
                    .into_iter()
                    .filter(|learner| current_group(learner).as_deref() == Some(code)),
            ),
            Err(answer) => return answer,
        }
    }
    // No period filter on this endpoint, like the real one.
    json_answer(envelope(&members, options.array_envelope))
}

/// The records of the fixture of `path`; `Err`, the answer to give as it is: an error, or a
/// fixture that is not a collection, served whole.
async fn fixture(options: &FakeOptions, path: &str) -> Result<Vec<Value>, Answer> {
    let file = fixture_path(options, path);
    let bytes = match tokio::fs::read(&file).await {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Err(json_error(
                StatusCode::NOT_FOUND,
                &format!("ressource inconnue : {path}"),
            ));
        }
        Err(error) => {
            return Err(json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("fixture {}: {error}", file.display()),
            ));
        }
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Array(records)) => Ok(records),
        Ok(single) => Err(json_answer(single.to_string())),
        Err(error) => Err(json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("fixture {}: {error}", file.display()),
        )),
    }
}

/// `<data>/<path>.json`.
fn fixture_path(options: &FakeOptions, path: &str) -> PathBuf {
    options
        .data
        .join(format!("{}.json", path.trim_matches('/')))
}

/// A fixture that must exist and hold an array.
async fn read_collection(options: &FakeOptions, name: &str) -> Result<Vec<Value>, Answer> {
    let file = fixture_path(options, name);
    let bytes = tokio::fs::read(&file).await.map_err(|error| {
        let status = match error.kind() {
            io::ErrorKind::NotFound => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        json_error(status, &format!("fixture {}: {error}", file.display()))
    })?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Array(records)) => Ok(records),
        Ok(_) => Err(json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("fixture {}: not a JSON array", file.display()),
        )),
        Err(error) => Err(json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("fixture {}: {error}", file.display()),
        )),
    }
}

/// Like `read_collection`, an absent file being an empty collection.
async fn read_optional(options: &FakeOptions, name: &str) -> Result<Vec<Value>, Answer> {
    match read_collection(options, name).await {
        Err(answer) if answer.status == StatusCode::NOT_FOUND => Ok(Vec::new()),
        other => other,
    }
}

/// `informationsCourantes.codeGroupe` as text.
fn current_group(learner: &Value) -> Option<String> {
    learner
        .get("informationsCourantes")?
        .get("codeGroupe")
        .and_then(key_text)
}

/// A path date, exactly `dd-mm-yyyy`.
fn path_date(text: &str) -> Option<NaiveDate> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(index, byte)| match index {
            2 | 5 => byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(text, "%d-%m-%Y").ok()
}

/// A body date: `dd/mm/yyyy`, or `dd-mm-yyyy` as some endpoints write it.
fn body_date(value: &Value) -> Option<NaiveDate> {
    let text = value.as_str()?.trim();
    NaiveDate::parse_from_str(text, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d-%m-%Y"))
        .ok()
}
