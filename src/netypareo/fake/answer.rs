//! A request's answer, checked in the order the `fake` module's documentation gives, and the
//! bodies the fake writes: collections in their envelope, small JSON errors.

use http_body_util::Full;
use hyper::{
    Method, Response, StatusCode,
    body::{Bytes, Incoming},
    header,
};
use serde_json::Value;

use super::{
    fixtures::serve,
    server::{API_ROOT_PATH, InFlight, Request, Shared, lock},
};

/// An answer before it becomes a hyper response.
pub(super) struct Answer {
    pub(super) status: StatusCode,
    content_type: &'static str,
    body: String,
}

const JSON: &str = "application/json; charset=utf-8";

/// Answers one request (the order of the checks is in the `fake` module's documentation)
/// and records it.
pub(super) async fn answer(
    shared: &Shared,
    request: hyper::Request<Incoming>,
) -> Response<Full<Bytes>> {
    let _in_flight = InFlight::enter(shared);
    let latency = lock(&shared.options).latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }

    let raw_path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or("").to_owned();
    let api_path = match raw_path.strip_prefix(API_ROOT_PATH) {
        Some(rest) if rest.starts_with('/') => Some(rest.to_owned()),
        _ => None,
    };
    // Taken after the latency, so that an `update` during it applies; failures are counted
    // down under the same lock.
    let (options, failure) = {
        let mut options = lock(&shared.options);
        let failure = match &api_path {
            Some(path) if request.method() == Method::GET => options
                .failures
                .iter_mut()
                .find(|failure| failure.times > 0 && path_matches(&failure.path, path))
                .map(|failure| {
                    failure.times -= 1;
                    failure.status
                }),
            _ => None,
        };
        (options.clone(), failure)
    };
    let token_ok = request
        .headers()
        .get("x-auth-token")
        .is_some_and(|value| value.as_bytes() == options.token.as_bytes());

    let answer = match (&api_path, failure) {
        (None, _) => json_error(
            StatusCode::NOT_FOUND,
            &format!("ressource inconnue : {raw_path}"),
        ),
        (Some(_), _) if request.method() != Method::GET => json_error(
            StatusCode::METHOD_NOT_ALLOWED,
            &format!("méthode {} non autorisée", request.method()),
        ),
        (Some(_), Some(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            let title = format!(
                "{} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("Error")
            );
            Answer {
                status,
                content_type: "text/html",
                body: format!(
                    "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
                ),
            }
        }
        (Some(_), None) if !token_ok => {
            json_error(StatusCode::UNAUTHORIZED, "jeton absent ou invalide")
        }
        (Some(path), None) => {
            let denied = options
                .denied
                .iter()
                .find(|(_, denied_path)| path_matches(denied_path, path));
            match denied {
                Some((status, _)) => json_error(
                    StatusCode::from_u16(*status).unwrap_or(StatusCode::FORBIDDEN),
                    &format!("accès refusé à {path} pour ce prestataire"),
                ),
                None => serve(&options, path, &query).await,
            }
        }
    };

    lock(&shared.requests).push(Request {
        path: api_path.unwrap_or(raw_path),
        query,
        token_ok,
        status: answer.status.as_u16(),
    });
    let mut response = Response::new(Full::new(Bytes::from(answer.body)));
    *response.status_mut() = answer.status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(answer.content_type),
    );
    if answer.status == StatusCode::METHOD_NOT_ALLOWED {
        response
            .headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("GET"));
    }
    response
}

/// A collection as the real API writes it: `{"0": rec, "1": rec, …}` in order, or an array.
pub(super) fn envelope(records: &[Value], array: bool) -> String {
    if array {
        return Value::Array(records.to_vec()).to_string();
    }
    // Written by hand: serde_json's map would sort the keys as text ("10" before "2").
    let mut body = String::from("{");
    for (index, record) in records.iter().enumerate() {
        if index > 0 {
            body.push(',');
        }
        body.push_str(&format!("\"{index}\":{record}"));
    }
    body.push('}');
    body
}

/// A `200 OK` JSON answer.
pub(super) fn json_answer(body: String) -> Answer {
    Answer {
        status: StatusCode::OK,
        content_type: JSON,
        body,
    }
}

/// A small JSON error body: `{"code": 401, "message": "…"}`. The real error bodies are unknown
/// (netypareo-api.md §4, item 6); clients should look at the status only.
pub(super) fn json_error(status: StatusCode, message: &str) -> Answer {
    Answer {
        status,
        content_type: JSON,
        body: serde_json::json!({ "code": status.as_u16(), "message": message }).to_string(),
    }
}

/// Whether a denied or failing `pattern` names `path`; `*` matches one segment.
fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern = pattern.strip_prefix(API_ROOT_PATH).unwrap_or(pattern);
    let pattern: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let path: Vec<&str> = path.trim_matches('/').split('/').collect();
    pattern.len() == path.len()
        && pattern
            .iter()
            .zip(&path)
            .all(|(expected, actual)| *expected == "*" || expected == actual)
}
