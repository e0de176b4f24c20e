//! `GET /metrics` (Prometheus' text format, from `monitor`), `GET /healthz` (the process
//! answers) and `GET /readyz` (the database answers and the spool is writable). Behind the
//! same authentication as the pages: a monitoring system sends a bearer token.

use std::sync::Arc;

use axum::{
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

use super::Console;

/// `GET /healthz`.
pub(super) async fn live() -> Response {
    (StatusCode::OK, "ok\n").into_response()
}

/// `GET /readyz`.
pub(super) async fn ready(State(console): State<Arc<Console>>) -> Response {
    // MONITOR-MERGE
    let database = console.db.ping().await.map_err(|error| error.to_string());
    match database {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(error) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("database: {error}\n"),
        )
            .into_response(),
    }
}

/// `GET /metrics`.
pub(super) async fn metrics(State(_console): State<Arc<Console>>) -> Response {
    // MONITOR-MERGE
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        String::new(),
    )
        .into_response()
}
