//! The HTTP client of one NetYpareo instance: `GET` with `X-Auth-Token`, a cap on requests in
//! flight, retries of 5xx answers, timeouts and broken connections with backoff and jitter,
//! never a retry of 401/403, and bodies decoded as they arrive.
//!
//! A body is never held whole: the response stream is read through a blocking bridge by
//! serde_json, which keeps only the typed records (the fields [`super::wire`] names); the
//! addresses, bank details and other nested objects a learner's registrations carry are
//! skipped as they stream by.

use std::{
    fmt,
    io::{self, BufReader},
    sync::Arc,
    time::Duration,
};

use futures_util::TryStreamExt;
use reqwest::{
    StatusCode, Url,
    header::{ACCEPT, HeaderMap, HeaderValue, USER_AGENT},
};
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use tokio_util::io::{StreamReader, SyncIoBridge};

use super::{
    settings::{HttpSettings, Instance, Token},
    wire::Collection,
};

/// The header carrying the token.
pub const TOKEN_HEADER: &str = "X-Auth-Token";

/// The longest backoff between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// A request that did not give records.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// 401 or 403: the token is wrong, or not allowed to call this endpoint. Never retried.
    #[error(
        "NetYpareo refused the token for GET {endpoint} (HTTP {status}): check the token, and that this endpoint is ticked in the prestataire's profile in Yparéo"
    )]
    Denied {
        /// The endpoint, as `/utilisateur/apprenants`.
        endpoint: String,
        /// 401 or 403.
        status: u16,
    },
    /// Another 4xx answer (404: the path is wrong for this instance).
    #[error("NetYpareo answered GET {endpoint} with HTTP {status}{}", hint(*status))]
    Refused {
        /// The endpoint.
        endpoint: String,
        /// The status.
        status: u16,
    },
    /// A redirect: never followed, since it would carry the token elsewhere.
    #[error(
        "NetYpareo redirected GET {endpoint} (HTTP {status}) to {target}: the token is not sent there; check api_root (a login page, or a moved instance?)"
    )]
    Redirected {
        /// The endpoint.
        endpoint: String,
        /// The status.
        status: u16,
        /// Where to, without its query.
        target: String,
    },
    /// 5xx answers, timeouts or broken connections, on every attempt.
    #[error("GET {endpoint} failed {attempts} times; last: {last}")]
    Unavailable {
        /// The endpoint.
        endpoint: String,
        /// How many attempts were made.
        attempts: u32,
        /// What the last attempt met.
        last: String,
    },
    /// The answer is not the JSON expected.
    #[error("GET {endpoint} answered something moodle-sync cannot read: {message}")]
    Decode {
        /// The endpoint.
        endpoint: String,
        /// serde_json's message, or what the body is instead of JSON.
        message: String,
    },
}

fn hint(status: u16) -> &'static str {
    if status == 404 {
        " (not found: check api_root and the instance's *_path settings)"
    } else {
        ""
    }
}

/// One attempt's failure.
enum Attempt {
    /// Worth another attempt.
    Transient(String),
    /// Final.
    Fatal(FetchError),
}

/// The client of one instance.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    root: Url,
    permits: Arc<Semaphore>,
    settings: HttpSettings,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("root", &self.root.as_str())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client of `instance`, sending `token`.
    pub fn new(instance: &Instance, token: &Token) -> Result<Client, String> {
        let mut headers = HeaderMap::new();
        let mut value = HeaderValue::from_str(token.expose())
            .map_err(|_| "the token holds characters an HTTP header cannot carry".to_owned())?;
        value.set_sensitive(true);
        headers.insert(TOKEN_HEADER, value);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("moodle-sync/", env!("CARGO_PKG_VERSION"))),
        );
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(instance.http.timeout)
            .connect_timeout(instance.http.connect_timeout)
            // A redirect would carry the token to wherever it points (reqwest strips only
            // its own authentication headers): never follow one.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| format!("cannot set up the HTTP client: {error}"))?;
        let root = Url::parse(&instance.api_root)
            .map_err(|error| format!("api_root {}: {error}", instance.api_root))?;
        Ok(Client {
            http,
            root,
            permits: Arc::new(Semaphore::new(instance.http.max_concurrent_requests)),
            settings: instance.http.clone(),
        })
    }

    /// `GET` the collection at `segments` (each one path segment, escaped as needed) with
    /// `query`, decoded into `T`s.
    pub async fn collection<T>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<Vec<T>, FetchError>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let endpoint = format!("/{}", segments.join("/"));
        let mut url = self.root.clone();
        url.path_segments_mut()
            .map_err(|()| FetchError::Decode {
                endpoint: endpoint.clone(),
                message: "api_root cannot hold a path".into(),
            })?
            .pop_if_empty()
            .extend(segments);
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in query {
                pairs.append_pair(name, value);
            }
        }
        let attempts = self.settings.retries.saturating_add(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = {
                let _permit = self.permits.acquire().await.expect("never closed");
                self.attempt::<T>(&url, &endpoint).await
            };
            match outcome {
                Ok(records) => return Ok(records),
                Err(Attempt::Fatal(error)) => return Err(error),
                Err(Attempt::Transient(last)) if attempt >= attempts => {
                    return Err(FetchError::Unavailable {
                        endpoint,
                        attempts,
                        last,
                    });
                }
                Err(Attempt::Transient(last)) => {
                    let wait = backoff(self.settings.retry_base, attempt);
                    tracing::warn!(
                        endpoint = %endpoint,
                        attempt,
                        "GET {endpoint}: {last}; attempt {attempt} of {attempts}, next in {:.1} s",
                        wait.as_secs_f64()
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    async fn attempt<T>(&self, url: &Url, endpoint: &str) -> Result<Vec<T>, Attempt>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let response = self
            .http
            .get(url.clone())
            .send()
            .await
            .map_err(|error| Attempt::Transient(transport(&error, &self.settings)))?;
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(Attempt::Fatal(FetchError::Denied {
                endpoint: endpoint.to_owned(),
                status: status.as_u16(),
            }));
        }
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            let kind = content_kind(&response);
            return Err(Attempt::Transient(format!("HTTP {status}{kind}")));
        }
        if status.is_redirection() {
            let target = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .unwrap_or("?");
            return Err(Attempt::Fatal(FetchError::Redirected {
                endpoint: endpoint.to_owned(),
                status: status.as_u16(),
                target: target.split('?').next().unwrap_or_default().to_owned(),
            }));
        }
        if !status.is_success() {
            return Err(Attempt::Fatal(FetchError::Refused {
                endpoint: endpoint.to_owned(),
                status: status.as_u16(),
            }));
        }
        if let Some(kind) = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .filter(|kind| kind.contains("html"))
        {
            return Err(Attempt::Fatal(FetchError::Decode {
                endpoint: endpoint.to_owned(),
                message: format!("a page of {kind} instead of JSON (a proxy's or login page?)"),
            }));
        }
        let stream = response.bytes_stream().map_err(|error| {
            let kind = if error.is_timeout() {
                io::ErrorKind::TimedOut
            } else {
                io::ErrorKind::Other
            };
            io::Error::new(kind, error)
        });
        let reader = SyncIoBridge::new(StreamReader::new(stream));
        let decoded = tokio::task::spawn_blocking(move || {
            serde_json::from_reader::<_, Collection<T>>(BufReader::with_capacity(64 * 1024, reader))
        })
        .await
        .map_err(|error| Attempt::Transient(format!("the decoding task failed: {error}")))?;
        match decoded {
            Ok(Collection(records)) => Ok(records),
            Err(error) if error.is_io() => {
                Err(Attempt::Transient(body_error(&error, &self.settings)))
            }
            Err(error) => Err(Attempt::Fatal(FetchError::Decode {
                endpoint: endpoint.to_owned(),
                message: error.to_string(),
            })),
        }
    }
}

/// ` (HTML page)` when a 5xx answer is a proxy's page rather than JSON.
fn content_kind(response: &reqwest::Response) -> &'static str {
    match response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    {
        Some(kind) if kind.contains("html") => " (HTML page)",
        _ => "",
    }
}

fn transport(error: &reqwest::Error, settings: &HttpSettings) -> String {
    if error.is_timeout() {
        format!(
            "no answer within {} s (timeout_s)",
            settings.timeout.as_secs()
        )
    } else if error.is_connect() {
        format!("cannot connect: {}", root_cause(error))
    } else {
        root_cause(error)
    }
}

fn body_error(error: &serde_json::Error, settings: &HttpSettings) -> String {
    let text = error.to_string();
    if error.io_error_kind() == Some(io::ErrorKind::TimedOut) {
        format!(
            "the answer did not arrive whole within {} s (timeout_s)",
            settings.timeout.as_secs()
        )
    } else {
        format!("the answer broke off: {text}")
    }
}

/// The innermost error's message (reqwest's outer ones only say "error sending request").
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

/// The wait after the `attempt`-th failure: `base` doubled each time, capped at a minute, and
/// drawn between its half and its whole ("equal jitter"), so that instances retrying together
/// spread out but never retry at once.
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let doubled = base
        .saturating_mul(1 << attempt.saturating_sub(1).min(16))
        .min(MAX_BACKOFF);
    let half = doubled / 2;
    half + doubled.mul_f64(fastrand::f64() * 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let base = Duration::from_secs(2);
        for _ in 0..100 {
            let first = backoff(base, 1);
            assert!(
                first >= Duration::from_secs(1) && first <= base,
                "{first:?}"
            );
            let third = backoff(base, 3);
            assert!(third >= Duration::from_secs(4) && third <= Duration::from_secs(8));
            assert!(backoff(base, 30) <= MAX_BACKOFF);
        }
    }
}
