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
use crate::monitor;

/// `GET /healthz`.
pub(super) async fn live() -> Response {
    (StatusCode::OK, "ok\n").into_response()
}

/// `GET /readyz`: 200 when ready, 503 otherwise; the body says each check's result.
pub(super) async fn ready(State(console): State<Arc<Console>>) -> Response {
    let readiness = monitor::readiness(&console.config, &console.db).await;
    let status = if readiness.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, readiness.body()).into_response()
}

/// `GET /metrics`.
pub(super) async fn metrics(State(console): State<Arc<Console>>) -> Response {
    let text = monitor::metrics_text(
        &console.config,
        &console.db,
        console.local.as_deref(),
        console.started,
    )
    .await;
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, monitor::CONTENT_TYPE)],
        text,
    )
        .into_response()
}
