//! The one error type of the HTTP layer and its one mapping to responses: every failure answers
//! the Conduit envelope `{"errors": {"<field>": ["<message>"]}}`.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::HasherError;
use crate::domain::FieldErrors;
use crate::domain::markdown::Overgrown;
use crate::storage::uploads::UploadError;
use crate::storage::users::Taken;
use crate::storage::{CREDENTIALS_REFUSED, is_credentials_error};

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    errors: FieldErrors,
    /// The cause of a 5xx, logged but never shown to the client.
    cause: Option<anyhow::Error>,
    /// Seconds for `Retry-After` on a 429 (a 503 always says 1).
    retry_after: Option<u64>,
    /// The database did not answer.
    away: bool,
}

/// Marks an answer given because the database did not answer, so that the guard can have the
/// outage confirmed (and later requests answered at once) without knowing about errors.
#[derive(Clone, Copy)]
pub struct DatabaseAway;

/// The error envelope, as documented in the OpenAPI document.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    #[schema(example = json!({"title": ["can't be blank"]}))]
    pub errors: FieldErrors,
}

impl ApiError {
    pub fn new(status: StatusCode, field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(field.to_string(), vec![message.into()]);
        Self {
            status,
            errors,
            cause: None,
            retry_after: None,
            away: false,
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Each field with each of its messages (`("email", "has already been taken")`), for an
    /// interface that words them for its readers rather than answering JSON.
    pub fn field_errors(&self) -> impl Iterator<Item = (&str, &str)> {
        self.errors.iter().flat_map(|(field, messages)| {
            messages
                .iter()
                .map(move |message| (field.as_str(), message.as_str()))
        })
    }

    pub fn validation(errors: FieldErrors) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            cause: None,
            retry_after: None,
            away: false,
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, field, message)
    }

    pub fn not_found(resource: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, resource, "not found")
    }

    pub fn forbidden(resource: &str) -> Self {
        Self::new(StatusCode::FORBIDDEN, resource, "forbidden")
    }

    /// 403 for what a user the author blocked may not do (follow, comment, reply, favorite, clap).
    pub fn blocked(field: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            field,
            "is not allowed: this user has blocked you",
        )
    }

    pub fn unauthorized(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, field, message)
    }

    pub fn taken(taken: &Taken) -> Self {
        let mut errors = FieldErrors::new();
        for (field, is_taken) in [("username", taken.username), ("email", taken.email)] {
            if is_taken {
                errors.insert(field.into(), vec!["has already been taken".into()]);
            }
        }
        Self {
            status: StatusCode::CONFLICT,
            errors,
            cause: None,
            retry_after: None,
            away: false,
        }
    }

    /// 429: `what` happened too often; `retry_after` seconds until it is allowed again.
    pub fn rate_limited(field: &str, what: &str, retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            field,
            format!("{what}; try again in {retry_after} seconds"),
        );
        e.retry_after = Some(retry_after);
        e
    }

    pub fn database_away() -> Self {
        let mut e = Self::unavailable("is unavailable; try again shortly");
        e.away = true;
        e
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "database", message)
    }

    pub fn internal(cause: anyhow::Error) -> Self {
        let mut e = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server",
            "internal error",
        );
        e.cause = Some(cause);
        e
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            // Protocol: a connection that broke mid-handshake or mid-message (seen while
            // PostgreSQL restarts behind a proxy: "unexpected response from SSLRequest").
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed => {
                tracing::warn!(error = %e, "database unavailable");
                Self::database_away()
            }
            sqlx::Error::Database(db) => match db.code().as_deref().unwrap_or_default() {
                // PostgreSQL going away: connection exceptions (08), shutdown and "cannot
                // connect now" (57P0x), too many connections, or a database not (yet) there.
                code if code.starts_with("08")
                    || code.starts_with("57P")
                    || code == "53300"
                    || code == "3D000" =>
                {
                    tracing::warn!(error = %e, "database unavailable");
                    Self::database_away()
                }
                // Wrong user or password, e.g. after a credentials rotation on RDS.
                _ if is_credentials_error(&e) => {
                    tracing::error!(error = %e, "{CREDENTIALS_REFUSED}");
                    Self::database_away()
                }
                // Serialization failures and deadlocks (PostgreSQL), busy or locked (SQLite):
                // nothing was written, and the same request is likely to pass if sent again.
                "40001" | "40P01" | "5" | "6" | "261" | "262" | "517" | "773" => {
                    tracing::warn!(error = %e, "write conflict with a concurrent request");
                    Self::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "request",
                        "conflicted with a concurrent one; try again",
                    )
                }
                // A row this request relied on vanished under a concurrent delete.
                _ if db.is_foreign_key_violation() => Self::new(
                    StatusCode::CONFLICT,
                    "request",
                    "conflicts with a concurrent change; try again",
                ),
                _ => Self::internal(e.into()),
            },
            _ => Self::internal(e.into()),
        }
    }
}

impl From<UploadError> for ApiError {
    fn from(e: UploadError) -> Self {
        match e {
            UploadError::Database(e) => e.into(),
            UploadError::Other(e) => Self::internal(e),
        }
    }
}

impl From<HasherError> for ApiError {
    fn from(e: HasherError) -> Self {
        match e {
            HasherError::Busy => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "password",
                "checks are busy; try again shortly",
            ),
            HasherError::Failed(e) => Self::internal(e),
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        Self::internal(e)
    }
}

impl From<Overgrown> for ApiError {
    fn from(e: Overgrown) -> Self {
        Self::invalid("body", e.to_string())
    }
}

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        Self::validation(errors)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => {
                // Name the offending field, e.g. `article.tagList[0]` -> `tagList`.
                let mut source = std::error::Error::source(&e);
                let path_error = std::iter::from_fn(|| {
                    let current = source?;
                    source = current.source();
                    Some(current)
                })
                .find_map(|s| s.downcast_ref::<serde_path_to_error::Error<serde_json::Error>>());
                match path_error {
                    Some(err) => {
                        let path = err.path().to_string();
                        let field = path
                            .rsplit('.')
                            .next()
                            .map(|s| s.split('[').next().unwrap_or(s))
                            .filter(|s| !s.is_empty() && *s != "?")
                            .unwrap_or("body");
                        Self::invalid(field, err.inner().to_string())
                    }
                    None => Self::invalid("body", e.body_text()),
                }
            }
            JsonRejection::JsonSyntaxError(e) => Self::new(
                StatusCode::BAD_REQUEST,
                "body",
                format!(
                    "is not valid JSON: {}",
                    std::error::Error::source(&e).map_or_else(|| e.body_text(), |s| s.to_string())
                ),
            ),
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "body",
                "must be JSON: send Content-Type: application/json",
            ),
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Self::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body",
                    "is too large (the limit is 1 MiB)",
                )
            }
            other => Self::new(other.status(), "body", other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "query", rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "path", rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Some(cause) = &self.cause {
            tracing::error!(error = ?cause, status = self.status.as_u16(), "request failed");
        }
        let mut response = (
            self.status,
            axum::Json(ErrorBody {
                errors: self.errors,
            }),
        )
            .into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        } else if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if self.away {
            response.extensions_mut().insert(DatabaseAway);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Token"));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
