//! The OpenAPI document (generated from the handlers' annotations) and the interactive docs page.

use axum::Router;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "quill",
        description = "The RealWorld (Conduit) API: users, profiles, articles, comments, favorites and tags; \
                       and beyond it, drafts, rendered Markdown, reading time, claps, bookmarks, threaded \
                       comments, full-text search and followed tags, as additive fields and endpoints. \
                       Authenticate with `Authorization: Token <jwt>` (or `Bearer <jwt>`).",
        license(name = "MIT")
    ),
    modifiers(&TokenAuth),
    tags(
        (name = "users", description = "Accounts and sessions"),
        (name = "profiles", description = "Public profiles and follows"),
        (name = "articles", description = "Articles, drafts, search and the feed"),
        (name = "favorites"),
        (name = "claps", description = "Up to 50 claps per reader per article"),
        (name = "bookmarks", description = "The reader's reading list"),
        (name = "comments", description = "Threaded comments"),
        (name = "tags", description = "Popular and followed tags"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

struct TokenAuth;

impl Modify for TokenAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "Token",
                SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                    "Authorization",
                    "`Token <jwt>` or `Bearer <jwt>`, the token from login or registration",
                ))),
            );
    }
}

/// `/api/openapi.json` and the Swagger UI at `/docs`, its assets compiled into the binary.
pub fn router(openapi: utoipa::openapi::OpenApi) -> Router<AppState> {
    Router::new().merge(SwaggerUi::new("/docs").url("/api/openapi.json", openapi))
}
