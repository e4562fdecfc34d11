//! The HTTP layer: routes, extractors, errors and the middleware around them.

pub mod admin;
pub mod articles;
pub mod bookmarks;
pub mod cache;
pub mod claps;
pub mod comments;
pub mod docs;
pub mod error;
pub mod extract;
pub mod feeds;
pub mod limits;
pub mod middleware;
pub mod moderation;
pub mod notifications;
pub mod ops;
pub mod paging;
pub mod profiles;
pub mod tags;
pub mod uploads;
pub mod users;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::routing::any;
use metrics_exporter_prometheus::PrometheusHandle;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::auth::{PasswordHasher, TokenKeys};
use crate::settings::{AbuseLimits, CorsOrigins, Settings};
use crate::storage::Db;
use crate::storage::uploads::Uploads;
use error::ApiError;

/// Request bodies above this answer 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Everything a handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Shared: a clone per request must not copy the keys and their validation rules.
    pub keys: Arc<TokenKeys>,
    pub hasher: PasswordHasher,
    pub health: Arc<Health>,
    pub metrics: PrometheusHandle,
    pub request_timeout: std::time::Duration,
    /// How long a sign-in lasts (`JWT_TTL_HOURS`).
    pub session_lifetime: std::time::Duration,
    pub limits: Arc<AbuseLimits>,
    /// `PUBLIC_URL` without its trailing slash: absolute links are this plus a path.
    pub public_url: Arc<str>,
    /// `SITEMAP_URLS_PER_FILE`.
    pub sitemap_urls_per_file: i64,
    pub uploads: Arc<Uploads>,
    pub cache: Arc<cache::ReadCache>,
    /// `SITE_NAME` and `SITE_DESCRIPTION`: what the pages and feeds call the site.
    pub site_name: Arc<str>,
    pub site_description: Arc<str>,
}

/// What readiness depends on besides a live database, and whether the database is known to be
/// away (see [`middleware::guard`] and `startup::watch_database`).
#[derive(Default)]
pub struct Health {
    migrated: AtomicBool,
    shutting_down: AtomicBool,
    database_away: AtomicBool,
    /// Raised when a request saw signs of a database outage; the watcher then pings to tell.
    suspicion: tokio::sync::Notify,
}

impl Health {
    pub fn set_migrated(&self) {
        self.migrated.store(true, Ordering::Release);
    }

    pub fn is_migrated(&self) -> bool {
        self.migrated.load(Ordering::Acquire)
    }

    pub fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::Release);
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }

    pub fn suspect_database(&self) {
        self.suspicion.notify_one();
    }

    pub async fn database_suspected(&self) {
        self.suspicion.notified().await;
    }

    /// Records whether the database answers; true when that changed.
    pub fn set_database_away(&self, away: bool) -> bool {
        self.database_away.swap(away, Ordering::AcqRel) != away
    }

    pub fn is_database_away(&self) -> bool {
        self.database_away.load(Ordering::Acquire)
    }
}

/// Every documented route, and the OpenAPI document generated from the same registrations.
pub fn routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = OpenApiRouter::with_openapi(docs::ApiDoc::openapi())
        .merge(users::router())
        .merge(profiles::router())
        .merge(articles::router())
        .merge(claps::router())
        .merge(bookmarks::router())
        .merge(comments::router())
        .merge(tags::router())
        .merge(moderation::router())
        .merge(admin::router())
        .merge(feeds::router())
        .merge(notifications::router())
        .merge(uploads::router())
        .merge(ops::router())
        .split_for_parts();
    docs::CommonResponses.modify(&mut openapi);
    (router, openapi)
}

/// The API under `/api/` and the other routes registered here, with `site` (the pages) answering
/// every other address; the middleware wraps both.
pub fn app(state: AppState, settings: &Settings, site: Router) -> Router {
    let (api, openapi) = routes();
    let request_id = HeaderName::from_static("x-request-id");
    api.merge(docs::router(openapi))
        .route("/api/{*rest}", any(api_not_found))
        .route("/feeds/{*rest}", any(api_not_found))
        .fallback_service(site)
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method",
                "is not allowed on this route",
            )
        })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cache::layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::guard,
        ))
        .layer(axum::middleware::from_fn(middleware::auth_hint))
        .layer(axum::middleware::from_fn(middleware::observe))
        .layer(cors(&settings.cors_origins))
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .layer(axum::middleware::from_fn_with_state(
            settings.hsts_max_age.map(|age| {
                HeaderValue::from_str(&format!("max-age={}; includeSubDomains", age.as_secs()))
                    .expect("a number of seconds is a valid header value")
            }),
            middleware::security_headers,
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// Under `/api/` and `/feeds/`, where programs read, an unknown address is answered in the
/// envelope.
async fn api_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "route", "not found")
}

fn cors(origins: &CorsOrigins) -> CorsLayer {
    let allow_origin = match origins {
        CorsOrigins::Any => AllowOrigin::any(),
        CorsOrigins::List(list) => AllowOrigin::list(list.iter().filter_map(|o| o.parse().ok())),
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("x-requested-with"),
        ])
        .expose_headers([
            HeaderName::from_static("x-request-id"),
            header::WWW_AUTHENTICATE,
            header::RETRY_AFTER,
        ])
        .max_age(std::time::Duration::from_secs(86_400))
}
