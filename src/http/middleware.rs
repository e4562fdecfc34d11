//! Middleware: request logs and metrics, the database and deadline guard, panic answers.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use super::AppState;
use super::error::ApiError;

/// The method as a metrics and log label: clients may invent methods, and each new label value
/// would be a new metrics series kept forever.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// One log line and one metrics sample per request, labelled by route template (never by raw
/// path, which would let clients create unbounded label sets). Headers are never logged.
pub async fn observe(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    let span =
        tracing::info_span!("request", method = %method, route = %route, request_id = %request_id);
    let response = next.run(request).instrument(span.clone()).await;
    let latency = start.elapsed();
    let status = response.status().as_u16();
    metrics::counter!(
        "http_requests_total",
        "method" => method,
        "route" => route.clone(),
        "status" => status.to_string()
    )
    .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(latency.as_secs_f64());
    tracing::info!(parent: &span, status, latency_ms = latency.as_secs_f64() * 1000.0, "request");
    response
}

/// API routes need a migrated database and must answer within the request timeout; health,
/// metrics and docs always answer.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/api/") || request.uri().path() == "/api/openapi.json" {
        return next.run(request).await;
    }
    if !state.health.is_migrated() {
        return ApiError::unavailable(
            "is not ready yet (starting up or unreachable); try again shortly",
        )
        .into_response();
    }
    match tokio::time::timeout(state.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "request",
            "timed out; try again shortly",
        )
        .into_response(),
    }
}

pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ApiError::internal(anyhow::anyhow!("handler panicked")).into_response()
}
