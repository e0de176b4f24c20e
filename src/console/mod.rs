//! The web console: the pages an administrator reads in a browser (home, runs, a run's report,
//! search, dropping a file), the actions an operator takes there (approve, discard, retry,
//! upload), and `/metrics`, `/healthz`, `/readyz` for monitoring. Served by `watch` when
//! `[console]` is configured, or alone and read-only by `moodle-sync console`.
//!
//! It owns no second implementation of anything: the home page is `status::gather_on`, the
//! actions are `manage::{approve, discard, retry}`, a dry run is `pipeline::run_file`, the
//! runs are the ledger's (`db::history`), downloads go through `retention::read_kept`.
//!
//! `auth` says who asks (a session from the login form, a bearer token, a trusted proxy's
//! header) and guards every form with a CSRF token; `page` draws the frame every page shares
//! (in `lang`'s language); `home`, `runs`, `search` and `drop` are the pages; `report` turns a
//! JSON report into what a run's page shows (pure); `files` serves a run's files; `actions`
//! carries out an operator's decisions; `health` answers the monitoring endpoints.

// A handler refuses with the page it answers: an axum `Response`, whatever its size.
#![allow(clippy::result_large_err)]

mod actions;
mod auth;
mod drop;
mod files;
mod health;
mod home;
mod lang;
mod page;
mod report;
mod runs;
mod search;
mod state;

#[cfg(test)]
mod tests;

use std::{net::SocketAddr, sync::Arc};

use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderName, HeaderValue, header},
    middleware,
    routing::{get, post},
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::{limit::RequestBodyLimitLayer, set_header::SetResponseHeaderLayer};

pub use auth::token_sha256;
pub use state::{Console, Mode};

/// The console's routes, every one behind `auth::authenticate` but the login form.
pub fn router(console: Arc<Console>) -> Router {
    let max_upload = console.settings.max_upload;
    let guarded = Router::new()
        .route("/", get(home::page))
        .route("/runs", get(runs::list))
        .route("/runs/{id}", get(runs::page))
        .route("/runs/{id}/files/{which}", get(files::download))
        .route("/runs/{id}/retry", post(actions::retry_tryback))
        .route("/search", get(search::page))
        .route("/drop", get(drop::form).post(drop::upload))
        .route("/held/{name}/approve", post(actions::approve))
        .route("/held/{name}/discard", post(actions::discard))
        .route("/failed/{name}/retry", post(actions::retry_failed))
        .route("/logout", post(auth::logout))
        .route("/metrics", get(health::metrics))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route_layer(middleware::from_fn_with_state(
            console.clone(),
            auth::authenticate,
        ));
    Router::new()
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/lang/{code}", get(lang::switch))
        .merge(guarded)
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(max_upload.saturating_add(64 * 1024)))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ))
        .with_state(console)
}

/// Serves the console on `listener` until `cancel` fires.
pub async fn serve(
    console: Arc<Console>,
    listener: TcpListener,
    cancel: CancellationToken,
) -> std::io::Result<()> {
    let app = router(console).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { cancel.cancelled().await })
        .await
}
