//! A fake NetYpareo for tests and the README demo: serves fixture JSON over HTTP/1.1 on a
//! loopback port, with the real API's shape (docs: the NetYpareo API reference, §5) and the
//! switches tests need: the array envelope, latency, denied endpoints and 5xx failures.
//!
//! Test support, not production code: it may spawn its own tasks (the accept loop and one task
//! per connection), which stop on [`FakeServer::shutdown`] or when the server is dropped.
//!
//! # What a request gets
//!
//! Requests are answered in this order, after [`FakeOptions::latency`]:
//! 1. A path outside `/index.php/r/v1/` → 404; a method other than `GET` → 405.
//! 2. A [`Failure`] whose path matches and whose `times` is not used up → its 5xx status with
//!    an HTML body, like nginx's "502 Bad Gateway" page (the gateway fails before the
//!    application checks anything).
//! 3. A missing or wrong `X-Auth-Token` (header name in any case) → 401 with a small JSON body.
//! 4. A [`FakeOptions::denied`] path → that status, JSON body ("prestataire" scoping).
//! 5. The fixture, below; a missing fixture → 404.
//!
//! # Fixtures
//!
//! `<data>/<path>.json`, read again on every request so tests can edit them between pulls:
//! `sites.json`, `utilisateur/apprenants.json`, `formation-longue/groupes.json`… A file holding
//! a JSON array is a collection: it is filtered by the query and served as `{"0": rec, "1":
//! rec, …}` (or as the array with [`FakeOptions::array_envelope`]). Any other JSON is served as
//! it is.
//!
//! Two kinds of path are computed rather than read:
//! - `formation-courte/{dd-mm-yyyy}/{dd-mm-yyyy}/groupes` serves the groups of
//!   `formation-courte/groupes.json` whose `dateDebut..dateFin` overlaps the window, and
//!   `.../apprenants` the learners of `formation-courte/apprenants.json` whose
//!   `informationsCourantes.codeGroupe` is one of those groups. Path dates that are not exactly
//!   `dd-mm-yyyy`, or a window that ends before it starts, get 400.
//! - `groupes/{codeGroupe}/apprenants` (when no `groupes/{codeGroupe}/apprenants.json` exists)
//!   serves the learners of `formation-longue/apprenants.json` and `formation-courte/apprenants.json`
//!   whose `informationsCourantes.codeGroupe` is that code, so memberships are not written
//!   twice; an unknown group (in neither `groupes.json`) gets 404. Like the real endpoint it has
//!   no period filter: the query is ignored.
//!
//! # Query filters
//!
//! `codesPeriode=a,b` and `codesSite=a,b` (commas plain or `%2C`) filter collections; other
//! parameters are ignored. A record with an `inscriptions` array (a learner) is kept when one
//! of its inscriptions matches every filter given; any other record is kept when each filtered
//! field it has (`codePeriode`, `codeSite`) is in the list, and records without the field are
//! kept (the real API ignores filters an endpoint does not take).

#[cfg(test)]
mod tests;

use std::{
    collections::HashSet,
    convert::Infallible,
    io,
    net::{Ipv4Addr, SocketAddr},
    path::PathBuf,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use chrono::NaiveDate;
use http_body_util::Full;
use hyper::{
    Method, Response, StatusCode,
    body::{Bytes, Incoming},
    header,
    server::conn::http1,
    service::service_fn,
};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::{net::TcpListener, task::JoinHandle};
use tokio_util::sync::CancellationToken;

/// The API root's path on the fake, as on a cloud instance: `{base_url}index.php/r/v1`.
pub const API_ROOT_PATH: &str = "/index.php/r/v1";

/// How the fake behaves. Change it between pulls with [`FakeServer::update`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeOptions {
    /// The fixture folder.
    pub data: PathBuf,
    /// The one token accepted in `X-Auth-Token`.
    pub token: String,
    /// Serve collections as JSON arrays instead of `{"0": rec, "1": rec, …}`.
    pub array_envelope: bool,
    /// Waited before every answer, whatever it is.
    pub latency: Duration,
    /// `(status, path)`: answer `status` (401 or 403, normally) on that endpoint to a request
    /// with the right token. Paths as in [`Failure::path`].
    pub denied: Vec<(u16, String)>,
    /// Gateway failures; the first one matching a request with `times > 0` answers it.
    pub failures: Vec<Failure>,
}

/// A gateway failure: the next `times` requests to `path` get `status` with an HTML body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// 502, 503 or 504, normally; any status is sent as given.
    pub status: u16,
    /// The endpoint path under the API root, such as `/utilisateur/apprenants` (the leading `/`
    /// and the API root prefix are optional). A `*` segment matches any one segment:
    /// `/formation-courte/*/*/groupes`.
    pub path: String,
    /// How many more requests fail. Counted down by the server: [`FakeServer::options`] shows
    /// what is left.
    pub times: u32,
}

/// One request the fake answered, in arrival order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The path under the API root, such as `/sites`; the whole path when it is outside it.
    pub path: String,
    /// The raw query string, `""` when there is none.
    pub query: String,
    /// Whether it carried the right token.
    pub token_ok: bool,
    /// The status it was answered with.
    pub status: u16,
}

/// A running fake on `127.0.0.1`. Dropping it stops the accept loop and every connection.
pub struct FakeServer {
    address: SocketAddr,
    shared: Arc<Shared>,
    /// Cancelled to stop the accept loop and the connection tasks.
    stop: CancellationToken,
    /// The accept loop; `None` once awaited by `shutdown`.
    accept_loop: Option<JoinHandle<()>>,
}

impl FakeOptions {
    /// Options serving `data` to `token`: object envelope, no latency, nothing denied or failing.
    pub fn new(data: impl Into<PathBuf>, token: impl Into<String>) -> FakeOptions {
        FakeOptions {
            data: data.into(),
            token: token.into(),
            array_envelope: false,
            latency: Duration::ZERO,
            denied: Vec::new(),
            failures: Vec::new(),
        }
    }
}

impl FakeServer {
    /// Starts a fake on a free loopback port.
    pub async fn start(options: FakeOptions) -> io::Result<FakeServer> {
        FakeServer::start_on(options, 0).await
    }

    /// Starts a fake on `127.0.0.1:port` (0: a free port). Fails when `options.data` is not a
    /// folder or the port is taken.
    pub async fn start_on(options: FakeOptions, port: u16) -> io::Result<FakeServer> {
        if !tokio::fs::metadata(&options.data).await?.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a folder", options.data.display()),
            ));
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let address = listener.local_addr()?;
        let shared = Arc::new(Shared {
            options: Mutex::new(options),
            requests: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        });
        let stop = CancellationToken::new();
        let accept_loop = tokio::spawn(accept_loop(listener, shared.clone(), stop.clone()));
        Ok(FakeServer {
            address,
            shared,
            stop,
            accept_loop: Some(accept_loop),
        })
    }

    /// The API root: `http://127.0.0.1:PORT/index.php/r/v1`.
    pub fn url(&self) -> String {
        format!("http://{}{API_ROOT_PATH}", self.address)
    }

    /// The instance's base URL, as configured for a real one: `http://127.0.0.1:PORT/`.
    pub fn base_url(&self) -> String {
        format!("http://{}/", self.address)
    }

    /// The socket address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Every request answered so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.requests).clone()
    }

    /// Forgets the requests answered so far (not `max_in_flight`).
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// The highest number of requests being answered at the same time so far, latency
    /// included: what a concurrency cap test looks at.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    /// The current options, failure counts as counted down.
    pub fn options(&self) -> FakeOptions {
        lock(&self.shared.options).clone()
    }

    /// Replaces the options; requests already waiting out their latency see the new ones.
    pub fn set_options(&self, options: FakeOptions) {
        *lock(&self.shared.options) = options;
    }

    /// Changes the options in place: `server.update(|o| o.array_envelope = true)`.
    pub fn update(&self, change: impl FnOnce(&mut FakeOptions)) {
        change(&mut lock(&self.shared.options));
    }

    /// Stops accepting, closes every connection and waits for the accept loop to end.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        if let Some(accept_loop) = self.accept_loop.take() {
            // The loop ends on cancellation and never panics; a JoinError would only say so.
            let _ = accept_loop.await;
        }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Runs a fake on `127.0.0.1:port` until Ctrl-C, for `moodle-sync netypareo fake-server`;
/// `started` is told where it listens once it does.
pub async fn serve_until_ctrl_c(
    options: FakeOptions,
    port: u16,
    started: impl FnOnce(&FakeServer),
) -> io::Result<()> {
    let server = FakeServer::start_on(options, port).await?;
    started(&server);
    tokio::signal::ctrl_c().await?;
    server.shutdown().await;
    Ok(())
}

/// What the server and its connection tasks share.
struct Shared {
    options: Mutex<FakeOptions>,
    requests: Mutex<Vec<Request>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

/// Counts a request as being answered while alive.
struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    fn enter(shared: &'a Shared) -> InFlight<'a> {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// An answer before it becomes a hyper response.
struct Answer {
    status: StatusCode,
    content_type: &'static str,
    body: String,
}

const JSON: &str = "application/json; charset=utf-8";

/// The real API's message for a malformed path date (netypareo-api.md §1.3).
const DATE_MESSAGE: &str = "Les dates doivent être au format JJ-MM-AAAA";

/// Locks a mutex of the fake. A poisoned lock means a test already panicked while holding it
/// (our own code holds them only for plain assignments), so panicking again is fine.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().expect("a fake NetYpareo lock was poisoned")
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, stop: CancellationToken) {
    loop {
        let stream = tokio::select! {
            _ = stop.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let shared = shared.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let shared = shared.clone();
                async move { Ok::<_, Infallible>(answer(&shared, request).await) }
            });
            let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                // A client hanging up early is not our concern.
                _ = connection => {}
                _ = stop.cancelled() => {}
            }
        });
    }
}

async fn answer(shared: &Shared, request: hyper::Request<Incoming>) -> Response<Full<Bytes>> {
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

/// The fixture behind an authorised `GET` of `path` (under the API root).
async fn serve(options: &FakeOptions, path: &str, query: &str) -> Answer {
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
        ] => {
            let window = match (path_date(start), path_date(end)) {
                (Some(start), Some(end)) if start <= end => (start, end),
                _ => return json_error(StatusCode::BAD_REQUEST, DATE_MESSAGE),
            };
            let groups = match read_collection(options, "formation-courte/groupes").await {
                Ok(groups) => groups,
                Err(answer) => return answer,
            };
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
                overlapping
            } else {
                let codes: HashSet<String> = overlapping
                    .iter()
                    .filter_map(|group| group.get("codeGroupe").and_then(key_text))
                    .collect();
                match read_collection(options, "formation-courte/apprenants").await {
                    Ok(learners) => learners
                        .into_iter()
                        .filter(|learner| {
                            current_group(learner).is_some_and(|code| codes.contains(&code))
                        })
                        .collect(),
                    Err(answer) => return answer,
                }
            }
        }
        ["groupes", code, "apprenants"] if !fixture_path(options, path).exists() => {
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
            return json_answer(envelope(&members, options.array_envelope));
        }
        _ => {
            let file = fixture_path(options, path);
            let bytes = match tokio::fs::read(&file).await {
                Ok(bytes) => bytes,
                Err(error) if error.kind() == io::ErrorKind::NotFound => {
                    return json_error(
                        StatusCode::NOT_FOUND,
                        &format!("ressource inconnue : {path}"),
                    );
                }
                Err(error) => {
                    return json_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        &format!("fixture {}: {error}", file.display()),
                    );
                }
            };
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Array(records)) => records,
                Ok(single) => return json_answer(single.to_string()),
                Err(error) => {
                    return json_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        &format!("fixture {}: {error}", file.display()),
                    );
                }
            }
        }
    };

    let kept: Vec<Value> = records
        .into_iter()
        .filter(|record| keep(record, &filters))
        .collect();
    json_answer(envelope(&kept, options.array_envelope))
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

/// `codesPeriode` and `codesSite` as (record field, accepted values).
fn query_filters(query: &str) -> Vec<(&'static str, HashSet<String>)> {
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

/// The record filter described in the module documentation.
fn keep(record: &Value, filters: &[(&'static str, HashSet<String>)]) -> bool {
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

/// `informationsCourantes.codeGroupe` as text.
fn current_group(learner: &Value) -> Option<String> {
    learner
        .get("informationsCourantes")?
        .get("codeGroupe")
        .and_then(key_text)
}

/// A code as text: numbers and strings compare alike (`17` and `"17"`).
fn key_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(number) => Some(number.to_string()),
        Value::String(text) => Some(text.trim().to_owned()),
        _ => None,
    }
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

/// A collection as the real API writes it: `{"0": rec, "1": rec, …}` in order, or an array.
fn envelope(records: &[Value], array: bool) -> String {
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

fn json_answer(body: String) -> Answer {
    Answer {
        status: StatusCode::OK,
        content_type: JSON,
        body,
    }
}

/// A small JSON error body: `{"code": 401, "message": "…"}`. The real error bodies are unknown
/// (netypareo-api.md §4, item 6); clients should look at the status only.
fn json_error(status: StatusCode, message: &str) -> Answer {
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
