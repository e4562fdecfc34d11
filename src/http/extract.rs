//! Extractors: JSON and query strings that fail in our envelope, and the signed-in user.

use axum::extract::{
    FromRequest, FromRequestParts, OptionalFromRequest, OptionalFromRequestParts, Request,
};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::{Deserialize, Deserializer};

use super::AppState;
use super::error::ApiError;
use super::middleware::AuthHint;
use crate::auth::{SessionRef, TokenError};
use crate::storage::users::Caller;

/// `axum::Json` whose rejections (bad JSON, wrong types, wrong content type, too large)
/// answer our error envelope.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

/// An optional body: `None` when the request has no `Content-Type`; a body that is sent must be
/// valid JSON of the expected shape.
impl<T, S> OptionalFromRequest<S> for Json<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, ApiError> {
        let body = <axum::Json<T> as OptionalFromRequest<S>>::from_request(req, state).await?;
        Ok(body.map(|axum::Json(value)| Self(value)))
    }
}

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// A field that may be absent (leave as is), `null`, or a value: `Some(None)` is an explicit null.
pub fn patch<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The signed-in user, from `Authorization: Token <jwt>` (or `Bearer <jwt>`). Rejects with 401
/// when the header is missing, the token is bad or expired, its session has ended, it is older
/// than the user's last password change, or the account is suspended.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i64,
    /// The token's session, kept by every token re-issued from this one.
    pub session: SessionRef,
    /// The token epoch the token was signed under.
    pub epoch: i64,
    /// Whether the user holds the admin role, as of this request.
    pub admin: bool,
}

impl AuthUser {
    /// Who asks, for writes that must re-check in the same statement that the token holds.
    pub fn caller(&self) -> Caller<'_> {
        Caller {
            user_id: self.id,
            session_id: &self.session.id,
            epoch: self.epoch,
        }
    }
}

/// Why a suspended account's token is refused.
const SUSPENDED: &str = "belongs to a suspended account";

/// The answer to a write whose author was suspended after the request authenticated: the one a
/// request made after the suspension gets.
pub fn suspended() -> ApiError {
    ApiError::unauthorized("token", SUSPENDED)
}

/// A comment id from the path: a non-numeric one names no comment, so it is a 404 like any
/// other unknown id.
pub fn comment_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("comment"))
}

/// Why a request is not signed in.
enum Refusal {
    /// The token is missing or does not hold; the reason completes "token ...".
    Token(&'static str),
    /// Checking the token failed (e.g. the database is away).
    Failed(ApiError),
}

impl AuthUser {
    async fn authenticate(parts: &Parts, state: &AppState) -> Result<Self, Refusal> {
        // Already checked by the read cache, which needs to know who asks.
        if let Some(user) = parts.extensions.get::<Self>() {
            return Ok(user.clone());
        }
        let Some(header) = parts.headers.get(AUTHORIZATION) else {
            return Err(Refusal::Token("is missing"));
        };
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| {
                scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer")
            })
            .map(|(_, token)| token.trim())
            .ok_or(Refusal::Token(
                "is invalid: use `Authorization: Token <jwt>`",
            ))?;
        let (user_id, claims) = state.keys.verify(token).map_err(|e| match e {
            TokenError::Expired => Refusal::Token("has expired"),
            TokenError::Invalid => Refusal::Token("is invalid"),
        })?;
        match state.db.session_user(user_id, &claims.sid).await {
            Ok(Some(user)) if user.epoch != claims.epoch => Err(Refusal::Token("has been revoked")),
            Ok(Some(user)) if user.suspended => Err(Refusal::Token(SUSPENDED)),
            Ok(Some(user)) => Ok(Self {
                id: user_id,
                session: SessionRef {
                    id: claims.sid,
                    expires_at: claims.exp,
                },
                epoch: user.epoch,
                admin: user.admin,
            }),
            Ok(None) => Err(Refusal::Token("has been revoked")),
            Err(e) => Err(Refusal::Failed(e.into())),
        }
    }

    /// The signed-in user, if the request's token holds; the extractors below then take it from
    /// the request instead of checking the token again.
    pub(super) async fn verify(parts: &Parts, state: &AppState) -> Option<Self> {
        Self::authenticate(parts, state).await.ok()
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Self::authenticate(parts, state)
            .await
            .map_err(|refusal| match refusal {
                Refusal::Token(reason) => ApiError::unauthorized("token", reason),
                Refusal::Failed(e) => e,
            })
    }
}

/// For routes that anonymous visitors may use: no header means `None`, and so does a token that
/// does not hold (expired, revoked, malformed), so a stale token in a browser never breaks a
/// public page; the answer then carries a `WWW-Authenticate` hint (see
/// [`super::middleware::auth_hint`]) so the client knows to sign in again.
impl OptionalFromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, ApiError> {
        if !parts.headers.contains_key(AUTHORIZATION) {
            return Ok(None);
        }
        match Self::authenticate(parts, state).await {
            Ok(user) => Ok(Some(user)),
            Err(Refusal::Token(reason)) => {
                if let Some(hint) = parts.extensions.get::<AuthHint>() {
                    hint.set(reason);
                }
                Ok(None)
            }
            Err(Refusal::Failed(e)) => Err(e),
        }
    }
}

/// A signed-in admin: 401 as for [`AuthUser`], 403 for a signed-in user without the role.
pub struct AdminUser(pub AuthUser);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user =
            <AuthUser as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
        if !user.admin {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "admin",
                "only admins may do this",
            ));
        }
        Ok(Self(user))
    }
}

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);
