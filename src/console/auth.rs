//! Who asks, and whether they may: every request but the login form's passes through
//! [`authenticate`], which finds the person (a bearer token, a trusted proxy's header, or the
//! session the login form opened), refuses anyone else, and checks the CSRF token of every
//! form sent with a cookie. Sessions live in memory: a restart logs everyone out.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    Form,
    body::{Body, to_bytes},
    extract::{ConnectInfo, Query, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{Console, lang::Lang, page};
use crate::config::Role;

/// The session cookie's name.
pub(super) const COOKIE: &str = "moodle_sync_session";

/// The most sessions kept; past it, the oldest go first.
const MAX_SESSIONS: usize = 10_000;

/// The largest form (not an upload) read to find its CSRF token.
const MAX_FORM: usize = 64 * 1024;

/// How a person proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Via {
    /// The login form.
    Password,
    /// `Authorization: Bearer`.
    Token,
    /// The trusted proxy's header.
    Proxy,
}

/// A person the console knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Identity {
    /// Their name, as the ledger records their actions.
    pub(super) name: String,
    /// What they may do.
    pub(super) role: Role,
    /// How they proved it.
    pub(super) via: Via,
}

impl Identity {
    /// How the ledger names them: `marie (console)`.
    pub(super) fn who(&self) -> String {
        let how = match self.via {
            Via::Password => "console",
            Via::Token => "console token",
            Via::Proxy => "console, by proxy",
        };
        format!("{} ({how} on {})", self.name, crate::host::name())
    }
}

/// Who a request comes from, as the pages need it.
#[derive(Debug, Clone)]
pub(super) struct Caller {
    /// The person.
    pub(super) identity: Identity,
    /// The token every form of theirs carries (none for a bearer token, which no browser
    /// sends by itself).
    pub(super) csrf: Option<String>,
    /// The language of the pages.
    pub(super) lang: Lang,
}

impl Caller {
    /// Whether they may act.
    pub(super) fn may_act(&self) -> bool {
        self.identity.role == Role::Operator
    }
}

/// A session.
#[derive(Debug, Clone)]
struct Session {
    user: Option<Identity>,
    csrf: String,
    expires: Instant,
}

/// The sessions, by their cookie's value.
#[derive(Debug, Default)]
pub(super) struct Sessions(Mutex<HashMap<String, Session>>);

impl Sessions {
    fn get(&self, id: &str, lifetime: Duration) -> Option<Session> {
        let mut sessions = self.0.lock().expect("sessions lock");
        let now = Instant::now();
        match sessions.get_mut(id) {
            Some(session) if session.expires > now => {
                session.expires = now + lifetime;
                Some(session.clone())
            }
            Some(_) => {
                sessions.remove(id);
                None
            }
            None => None,
        }
    }

    fn open(&self, user: Option<Identity>, lifetime: Duration) -> (String, String) {
        let id = random_token();
        let csrf = random_token();
        let mut sessions = self.0.lock().expect("sessions lock");
        let now = Instant::now();
        if sessions.len() >= MAX_SESSIONS {
            sessions.retain(|_, session| session.expires > now);
            if sessions.len() >= MAX_SESSIONS {
                let oldest = sessions
                    .iter()
                    .min_by_key(|(_, session)| session.expires)
                    .map(|(id, _)| id.clone());
                if let Some(oldest) = oldest {
                    sessions.remove(&oldest);
                }
            }
        }
        sessions.insert(
            id.clone(),
            Session {
                user,
                csrf: csrf.clone(),
                expires: now + lifetime,
            },
        );
        (id, csrf)
    }

    fn close(&self, id: &str) {
        self.0.lock().expect("sessions lock").remove(id);
    }
}

/// 32 random bytes, in hex.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the system's random source");
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Compares two secrets in a time that does not depend on where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

/// The session cookie's value, if the request has one.
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// The `Set-Cookie` header of a session (`None`: one that ends it).
fn set_cookie(console: &Console, id: Option<&str>) -> HeaderValue {
    let secure = if console.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let value = match id {
        Some(id) => format!(
            "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            console.settings.session_s
        ),
        None => format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&value).expect("a cookie of hex digits")
}

fn lifetime(console: &Console) -> Duration {
    Duration::from_secs(console.settings.session_s)
}

/// The person a bearer token names, if it is one of `[[console.tokens]]`.
fn token_identity(console: &Console, token: &str) -> Option<Identity> {
    let digest = hex(&Sha256::digest(token.trim().as_bytes()));
    console
        .settings
        .tokens
        .iter()
        .find(|known| same_secret(&known.sha256, &digest))
        .map(|known| Identity {
            name: known.name.clone(),
            role: known.role,
            via: Via::Token,
        })
}

/// The person the trusted proxy names, when the request comes from it.
fn proxy_identity(console: &Console, headers: &HeaderMap, peer: SocketAddr) -> Option<Identity> {
    let proxy = console.settings.proxy.as_ref()?;
    if !proxy.trusted.contains(&peer.ip()) {
        return None;
    }
    let name = headers
        .get(proxy.user_header.as_str())?
        .to_str()
        .ok()?
        .trim();
    if name.is_empty() {
        return None;
    }
    let role = if proxy.operators.iter().any(|operator| operator == name) {
        Role::Operator
    } else {
        Role::Viewer
    };
    Some(Identity {
        name: name.to_owned(),
        role,
        via: Via::Proxy,
    })
}

/// Finds who asks and lets the request through, or refuses it: a page asked for by a
/// browser goes to the login form, anything else is told 401. A form sent with a cookie must
/// carry the session's CSRF token (a hidden `csrf` field, or `?csrf=` for an upload), and
/// come from this site when the browser says where it comes from.
pub(super) async fn authenticate(
    State(console): State<Arc<Console>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers().clone();
    let lang = Lang::of(&headers);
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    if let Some(authorization) = authorization {
        let identity = authorization
            .strip_prefix("Bearer ")
            .and_then(|token| token_identity(&console, token));
        return match identity {
            Some(identity) => {
                let caller = Caller {
                    identity,
                    csrf: None,
                    lang,
                };
                let mut request = request;
                request.extensions_mut().insert(caller);
                next.run(request).await
            }
            None => unauthorized(),
        };
    }
    let session_id = session_cookie(&headers);
    let session = session_id
        .as_deref()
        .and_then(|id| console.sessions.get(id, lifetime(&console)));
    let proxied = proxy_identity(&console, &headers, peer);
    let (identity, csrf, new_cookie) = match (proxied, session) {
        (Some(identity), Some(session)) => (identity, session.csrf, None),
        (Some(identity), None) => {
            // A proxy's person gets a session too, for the CSRF token of their forms.
            let (id, csrf) = console.sessions.open(None, lifetime(&console));
            (identity, csrf, Some(id))
        }
        (
            None,
            Some(Session {
                user: Some(identity),
                csrf,
                ..
            }),
        ) => (identity, csrf, None),
        (None, _) => {
            return if request.method() == Method::GET && wants_html(&headers) {
                let next_page = request
                    .uri()
                    .path_and_query()
                    .map(|path| path.as_str().to_owned())
                    .unwrap_or_else(|| "/".to_owned());
                Redirect::to(&format!("/login?next={}", page::query_escape(&next_page)))
                    .into_response()
            } else {
                unauthorized()
            };
        }
    };
    let request = if request.method() == Method::POST {
        match checked_form(request, &csrf).await {
            Ok(request) => request,
            Err(response) => return response,
        }
    } else {
        request
    };
    let caller = Caller {
        identity,
        csrf: Some(csrf),
        lang,
    };
    let mut request = request;
    request.extensions_mut().insert(caller);
    let mut response = next.run(request).await;
    if let Some(id) = new_cookie {
        response
            .headers_mut()
            .append(header::SET_COOKIE, set_cookie(&console, Some(&id)));
    }
    response
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        "authentication required: log in at /login, or send Authorization: Bearer <token>\n",
    )
        .into_response()
}

/// Whether a browser asks (it accepts HTML).
fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// A form checked for its CSRF token and its origin, handed on with its body intact.
async fn checked_form(request: Request, csrf: &str) -> Result<Request, Response> {
    let forbidden = |why: &str| {
        (
            StatusCode::FORBIDDEN,
            format!("refused: {why}; reload the page and send the form again\n"),
        )
            .into_response()
    };
    let headers = request.headers();
    if headers
        .get("sec-fetch-site")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|site| site == "cross-site")
    {
        return Err(forbidden("the form comes from another site"));
    }
    if let (Some(origin), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) && origin != "null"
        && origin.split_once("://").map(|(_, rest)| rest) != Some(host)
    {
        return Err(forbidden("the form comes from another site"));
    }
    let in_query = request.uri().query().and_then(|query| field(query, "csrf"));
    let urlencoded = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|kind| kind.starts_with("application/x-www-form-urlencoded"));
    let (parts, body) = request.into_parts();
    let (token, body) = if urlencoded {
        let bytes = to_bytes(body, MAX_FORM)
            .await
            .map_err(|_| forbidden("the form is too large"))?;
        let token = field(&String::from_utf8_lossy(&bytes), "csrf");
        (token.or(in_query), Body::from(bytes))
    } else {
        (in_query, body)
    };
    match token {
        Some(token) if same_secret(&token, csrf) => Ok(Request::from_parts(parts, body)),
        _ => Err(forbidden("the form's CSRF token is missing or stale")),
    }
}

/// A field of a URL-encoded form or query.
pub(super) fn field(encoded: &str, name: &str) -> Option<String> {
    serde_urlencoded_pairs(encoded)
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

fn serde_urlencoded_pairs(encoded: &str) -> Vec<(String, String)> {
    encoded
        .split('&')
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            Some((page::query_unescape(key)?, page::query_unescape(value)?))
        })
        .collect()
}

/// `?next=` of the login form.
#[derive(Debug, Deserialize)]
pub(super) struct NextPage {
    next: Option<String>,
}

/// A page to go back to, when it is one of this site's.
fn local(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// `GET /login`: the form, with a session of its own for its CSRF token.
pub(super) async fn login_form(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    Query(next): Query<NextPage>,
) -> Response {
    let lang = Lang::of(&headers);
    let (id, csrf) = console.sessions.open(None, lifetime(&console));
    let body = page::login(lang, &csrf, &local(next.next.as_deref()), None);
    let mut response = body.into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(&console, Some(&id)));
    response
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub(super) struct Login {
    name: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

/// `POST /login`: a new session for a known name and password.
pub(super) async fn login(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    Form(form): Form<Login>,
) -> Response {
    let lang = Lang::of(&headers);
    let previous = session_cookie(&headers);
    let pre_session = previous
        .as_deref()
        .and_then(|id| console.sessions.get(id, lifetime(&console)));
    let Some(pre_session) = pre_session.filter(|session| same_secret(&session.csrf, &form.csrf))
    else {
        return (
            StatusCode::FORBIDDEN,
            "refused: the form's CSRF token is missing or stale; reload the login page\n",
        )
            .into_response();
    };
    let user = console
        .settings
        .users
        .iter()
        .find(|user| user.name == form.name)
        .cloned();
    let password = form.password.clone();
    let verified = tokio::task::spawn_blocking(move || {
        user.filter(|user| crate::command::user::verify(&password, &user.password_hash))
    })
    .await
    .ok()
    .flatten();
    let Some(user) = verified else {
        tracing::warn!(name = %form.name, "Console login refused");
        let body = page::login(
            lang,
            &pre_session.csrf,
            &local(form.next.as_deref()),
            Some(&form.name),
        );
        return (StatusCode::UNAUTHORIZED, body).into_response();
    };
    if let Some(previous) = previous {
        console.sessions.close(&previous);
    }
    let identity = Identity {
        name: user.name.clone(),
        role: user.role,
        via: Via::Password,
    };
    tracing::info!(name = %user.name, role = user.role.name(), "Console login");
    let (id, _) = console.sessions.open(Some(identity), lifetime(&console));
    let mut response = Redirect::to(&local(form.next.as_deref())).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(&console, Some(&id)));
    response
}

/// `POST /logout`: the session ended.
pub(super) async fn logout(State(console): State<Arc<Console>>, headers: HeaderMap) -> Response {
    if let Some(id) = session_cookie(&headers) {
        console.sessions.close(&id);
    }
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(&console, None));
    response
}

/// The SHA-256 of a bearer token, in hex, as `[[console.tokens]] token_sha256` holds it.
pub fn token_sha256(token: &str) -> String {
    hex(&Sha256::digest(token.trim().as_bytes()))
}
