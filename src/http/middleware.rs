//! Middleware: request logs and metrics, the database and deadline guard, panic answers.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use super::AppState;
use super::error::{ApiError, DatabaseAway};

/// JSON answers are never a document to render: nothing may load from them or frame them.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";
/// The API docs page: its own scripts only (Swagger UI has no inline script), its styles (React
/// sets inline style attributes), data: images from its stylesheet, and fetches of the OpenAPI
/// document; never framed, no forms, no `<base>`.
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'none'";

/// Headers every answer carries, errors and the docs page included: no MIME sniffing, no
/// referrer leaking URLs to other sites, no framing (clickjacking), a content security policy,
/// and HSTS when configured (only right when clients reach quill over TLS).
pub async fn security_headers(
    State(hsts): State<Option<HeaderValue>>,
    request: Request,
    next: Next,
) -> Response {
    let docs = request.uri().path().starts_with("/docs");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Pages set a policy of their own.
    if !headers.contains_key(header::REFERRER_POLICY) {
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Pages set a policy of their own.
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(if docs { DOCS_CSP } else { API_CSP }),
        );
    }
    if let Some(hsts) = hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, hsts);
    }
    response
}

/// Filled in by the optional-auth extractor when a request carried a token that does not hold
/// but was answered as an anonymous visitor's.
#[derive(Clone, Default)]
pub struct AuthHint(Arc<OnceLock<&'static str>>);

impl AuthHint {
    pub fn set(&self, reason: &'static str) {
        let _ = self.0.set(reason);
    }
}

/// Tells a client whose token was ignored on a public route why (RFC 6750's `invalid_token`),
/// so it can sign in again instead of silently browsing as nobody.
pub async fn auth_hint(mut request: Request, next: Next) -> Response {
    if !request.headers().contains_key(header::AUTHORIZATION) {
        return next.run(request).await;
    }
    let hint = AuthHint::default();
    request.extensions_mut().insert(hint.clone());
    let mut response = next.run(request).await;
    if let Some(reason) = hint.0.get()
        && let Ok(value) = HeaderValue::from_str(&format!(
            "Token error=\"invalid_token\", error_description=\"token {reason}\""
        ))
    {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

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
    // A page's route is known only once the site (the fallback) has routed it.
    let route = response
        .extensions()
        .get::<MatchedPath>()
        .map_or(route, |p| p.as_str().to_string());
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

/// Whether `path` reads the database: the API, and the feeds and sitemaps beside it.
pub fn guarded(path: &str) -> bool {
    (path.starts_with("/api/") && path != "/api/openapi.json")
        || path.starts_with("/feeds/")
        || path.starts_with("/sitemaps/")
        || path == "/sitemap.xml"
}

/// API routes need a migrated database and must answer within the request timeout; health,
/// metrics and docs always answer. While the database is known to be away, API requests are
/// answered 503 at once instead of each waiting out the pool's timeout, which would pile
/// clients and load balancers up behind a dead database. An answer that suggests an outage (a
/// database error, or a request that ran out of time) has the watcher ping to confirm it.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !guarded(request.uri().path()) {
        return next.run(request).await;
    }
    run_guarded(&state, request, next)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// Runs a request that reads the database under [`guard`]'s rules, or says why it may not run
/// or did not finish; the pages answer that with a page of their own.
pub async fn run_guarded(
    state: &AppState,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    // No slug, username or tag holds NUL (no text field accepts it), and PostgreSQL fails on
    // any comparison with one: a path naming one is malformed, whatever the route.
    if request.uri().path().contains("%00") {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "path",
            "can't contain NUL characters",
        ));
    }
    if !state.health.is_migrated() {
        return Err(ApiError::unavailable(
            "is not ready yet (starting up or unreachable); try again shortly",
        ));
    }
    if state.health.is_database_away() {
        return Err(ApiError::database_away());
    }
    match tokio::time::timeout(state.request_timeout, next.run(request)).await {
        Ok(response) => {
            if response.extensions().get::<DatabaseAway>().is_some() {
                state.health.suspect_database();
            }
            Ok(response)
        }
        Err(_) => {
            state.health.suspect_database();
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "request",
                "timed out; try again shortly",
            ))
        }
    }
}

pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ApiError::internal(anyhow::anyhow!("handler panicked")).into_response()
}
