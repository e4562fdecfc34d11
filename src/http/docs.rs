//! The OpenAPI document (generated from the handlers' annotations) and the interactive docs page.

use axum::Router;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{
    Content, Ref, RefOr, Response, ResponseBuilder, Type, schema::ObjectBuilder,
};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "quill",
        description = "The RealWorld (Conduit) API: users, profiles, articles, comments, favorites and tags; \
                       and beyond it, drafts, rendered Markdown, reading time, claps, bookmarks, threaded \
                       comments, full-text search, followed tags, notifications and image uploads, as additive fields and endpoints. \
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
        (name = "moderation", description = "Reports and blocks"),
        (name = "admin", description = "Admins only: reports, removals, suspensions, the audit log"),
        (name = "feeds", description = "RSS, Atom and sitemaps, with absolute links from `PUBLIC_URL`"),
        (name = "notifications", description = "What happened to the user's account, articles and comments"),
        (name = "uploads", description = "Images for avatars and articles"),
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

/// Answers that come from the layers around the handlers rather than from the handlers themselves:
/// the JSON, query and path extractors, the token check, the database and deadline guard. Every
/// guarded operation (the API, feeds and sitemaps) gets the ones it can give, as references to
/// one shared response each, so that the document lists every status a client can see without
/// each handler repeating them.
/// Run on the document assembled from every route (a modifier of [`ApiDoc`] would run before the
/// routes are merged in).
pub struct CommonResponses;

/// Shared responses: (status, component name, description).
const MALFORMED: (&str, &str, &str) = (
    "400",
    "Malformed",
    "The request cannot be read: its body is not valid JSON, or its query string or path is \
     malformed (a repeated parameter, invalid percent-encoding, NUL in the path).",
);
const UNAUTHORIZED: (&str, &str, &str) = (
    "401",
    "Unauthorized",
    "The `Authorization` header is missing (where a token is required) or malformed, or its token \
     is invalid, expired or revoked, or its account is suspended. On routes open to anonymous visitors, only a header that is \
     sent and bad answers this.",
);
const CONFLICT: (&str, &str, &str) = (
    "409",
    "Conflict",
    "A row this request relied on was deleted by a concurrent request (an article, a comment, \
     an account); trying again gives the current answer.",
);
const TOO_LARGE: (&str, &str, &str) = ("413", "TooLarge", "The request body is larger than 1 MiB.");
const NOT_JSON: (&str, &str, &str) = (
    "415",
    "NotJson",
    "The request body is not sent as `Content-Type: application/json`.",
);
const INVALID: (&str, &str, &str) = (
    "422",
    "Invalid",
    "The JSON does not have the expected shape (a field of the wrong type), or a field's value is \
     invalid; `errors` names the field.",
);
const UNAVAILABLE: (&str, &str, &str) = (
    "503",
    "Unavailable",
    "Try again shortly (see `Retry-After`): the database is unreachable or still being migrated, \
     the request ran past the server's deadline, or password checks are busy.",
);

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (status, name, description) in [
            MALFORMED,
            UNAUTHORIZED,
            CONFLICT,
            TOO_LARGE,
            NOT_JSON,
            INVALID,
            UNAVAILABLE,
        ] {
            let mut response = error_response(description);
            if status == "503" {
                response.headers.insert(
                    "Retry-After".into(),
                    HeaderBuilder::new()
                        .schema(ObjectBuilder::new().schema_type(Type::Integer))
                        .description(Some("Seconds to wait before trying again"))
                        .build(),
                );
            }
            components.responses.insert(name.into(), response.into());
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !super::middleware::guarded(path) {
                continue;
            }
            let operations = [
                (false, &mut item.get),
                (true, &mut item.put),
                (true, &mut item.post),
                (true, &mut item.delete),
                (true, &mut item.patch),
            ];
            for (writes, operation) in operations {
                let Some(operation) = operation else {
                    continue;
                };
                let has_body = operation.request_body.is_some();
                let has_params = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let has_security = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                let common = [
                    (MALFORMED, has_body || has_params),
                    (UNAUTHORIZED, has_security),
                    (CONFLICT, writes),
                    (TOO_LARGE, has_body),
                    (NOT_JSON, has_body),
                    (INVALID, has_body),
                    (UNAVAILABLE, true),
                ];
                for ((status, name, _), applies) in common {
                    if applies {
                        share(operation, status, name);
                    }
                }
            }
        }
    }
}

/// Text that must hold more than whitespace (and no NUL), up to `max` characters. For fields
/// documented with `schema_with`, which leaves out their doc comment: `description` replaces it.
pub fn text_schema(max: usize, description: Option<&str>) -> utoipa::openapi::Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(max))
        // Not blank, and no NUL anywhere (no stored text may hold one).
        .pattern(Some(r"^[^\x00]*[^\s\x00][^\x00]*$"))
        .description(description)
        .build()
}

/// An error envelope answer.
fn error_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name("ErrorBody"))),
        )
        .build()
}

/// Points `status` of `operation` at the shared response `name`, unless the handler documents
/// that status itself with a description of its own.
fn share(operation: &mut Operation, status: &str, name: &str) {
    let responses = &mut operation.responses.responses;
    let own = matches!(responses.get(status), Some(RefOr::T(r)) if !r.description.is_empty());
    if !own {
        responses.insert(status.into(), Ref::from_response_name(name).into());
    }
}

/// `/api/openapi.json` and the Swagger UI at `/docs`, its assets compiled into the binary.
pub fn router(openapi: utoipa::openapi::OpenApi) -> Router<AppState> {
    Router::new().merge(SwaggerUi::new("/docs").url("/api/openapi.json", openapi))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    /// The document as served: every route registered, then [`super::CommonResponses`].
    fn document() -> Value {
        serde_json::to_value(crate::http::routes().1).unwrap()
    }

    fn statuses(doc: &Value, method: &str, path: &str) -> Vec<String> {
        let responses = doc["paths"][path][method]["responses"].as_object();
        responses.unwrap().keys().cloned().collect()
    }

    #[test]
    fn answers_from_the_layers_around_handlers_are_documented() {
        let doc = document();
        for code in ["400", "401", "409", "413", "415", "422", "503"] {
            assert!(
                statuses(&doc, "post", "/api/articles").contains(&code.to_string()),
                "POST /api/articles lacks {code}"
            );
        }
        // An anonymous route that reads a token when one is sent, without a body or parameters.
        assert_eq!(
            statuses(&doc, "get", "/api/articles/{slug}"),
            ["200", "400", "401", "404", "503"]
        );
        assert_eq!(statuses(&doc, "get", "/healthz"), ["200"]);
        for name in [
            "Malformed",
            "Unauthorized",
            "Conflict",
            "TooLarge",
            "NotJson",
            "Invalid",
        ] {
            let response = &doc["components"]["responses"][name];
            assert_eq!(
                response["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{name}"
            );
        }
        assert!(
            doc["components"]["responses"]["Unavailable"]["headers"]["Retry-After"].is_object()
        );
    }

    #[test]
    fn request_bodies_say_what_the_server_requires() {
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        let article = &schemas["NewArticleInput"];
        assert_eq!(article["required"], json!(["title", "description", "body"]));
        assert_eq!(article["properties"]["title"]["maxLength"], 200);
        assert_eq!(article["properties"]["tagList"]["maxItems"], 20);
        assert_eq!(article["properties"]["tagList"]["items"]["maxLength"], 64);
        // An update may leave out any field.
        assert!(schemas["ArticleUpdate"].get("required").is_none());
        assert_eq!(schemas["NewComment"]["required"], json!(["body"]));
        assert_eq!(
            schemas["ClapsBody"]["properties"]["claps"]["type"],
            "integer"
        );
    }

    #[test]
    fn a_handler_s_own_description_of_a_status_is_kept() {
        let doc = document();
        let taken = &doc["paths"]["/api/users"]["post"]["responses"]["409"];
        assert_eq!(taken["description"], "username or email already taken");
        let shared = &doc["paths"]["/api/articles/{slug}"]["put"]["responses"]["401"];
        assert_eq!(shared["$ref"], "#/components/responses/Unauthorized");
    }
}
