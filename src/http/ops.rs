//! Operational endpoints: liveness, readiness and Prometheus metrics.

use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use crate::auth::PasswordHasher;

/// How long readiness waits for the database before calling it unreachable.
const READY_PING_TIMEOUT: Duration = Duration::from_secs(2);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

#[derive(Serialize, ToSchema)]
pub struct HealthBody {
    #[schema(example = "ok")]
    pub status: &'static str,
    /// Why the server is not ready, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Liveness: 200 while the process serves, whatever the database does.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = HealthBody)))]
async fn healthz() -> axum::Json<HealthBody> {
    axum::Json(HealthBody {
        status: "ok",
        reason: None,
    })
}

/// Readiness: 200 when the database answers and the server is not shutting down.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = HealthBody), (status = 503, description = "not ready, with the reason", body = HealthBody)))]
async fn readyz(State(state): State<AppState>) -> (StatusCode, axum::Json<HealthBody>) {
    let unavailable = |reason: String| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(HealthBody {
                status: "unavailable",
                reason: Some(reason),
            }),
        )
    };
    if state.health.is_shutting_down() {
        return unavailable("shutting down".into());
    }
    if !state.health.is_migrated() {
        return unavailable("database not reachable or not migrated yet".into());
    }
    match tokio::time::timeout(READY_PING_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => (
            StatusCode::OK,
            axum::Json(HealthBody {
                status: "ready",
                reason: None,
            }),
        ),
        // The error may name hosts, users and addresses: for the log (and `quill doctor`),
        // not for whoever asks a public endpoint.
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the database ping failed");
            unavailable("database error".into())
        }
        Err(_) => unavailable("database did not answer in time".into()),
    }
}

/// Prometheus metrics: requests by route and status, latency histograms, pool usage, password
/// checks skipped because their client had gone, build info.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let pool = state.db.pool();
    let idle = pool.num_idle() as f64;
    metrics::gauge!("db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("db_pool_connections", "state" => "in_use").set(f64::from(pool.size()) - idle);
    metrics::gauge!("db_pool_max_connections").set(f64::from(pool.options().get_max_connections()));
    metrics::counter!("password_jobs_skipped_total").absolute(PasswordHasher::skipped_jobs());
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}
