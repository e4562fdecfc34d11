//! Extractors: JSON and query strings that fail in our envelope, and the signed-in user.

use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::{Deserialize, Deserializer};

use super::AppState;
use super::error::ApiError;
use crate::auth::TokenError;

/// `axum::Json` whose rejections (bad JSON, wrong types, wrong content type, too large)
/// answer our error envelope.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

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
/// when the header is missing, the token is bad or expired, logged out, or older than the
/// user's last password change.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i64,
    /// The token itself, for logout.
    pub jti: String,
    pub expires_at: i64,
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(header) = parts.headers.get(AUTHORIZATION) else {
            return Err(ApiError::unauthorized("token", "is missing"));
        };
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| {
                scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer")
            })
            .map(|(_, token)| token.trim())
            .ok_or_else(|| {
                ApiError::unauthorized("token", "is invalid: use `Authorization: Token <jwt>`")
            })?;
        let (user_id, claims) = state.keys.verify(token).map_err(|e| match e {
            TokenError::Expired => ApiError::unauthorized("token", "has expired"),
            TokenError::Invalid => ApiError::unauthorized("token", "is invalid"),
        })?;
        match state.db.token_state(user_id, &claims.jti).await? {
            Some(s) if !s.revoked && s.token_epoch == claims.epoch => Ok(Self {
                id: user_id,
                jti: claims.jti,
                expires_at: claims.exp,
            }),
            Some(_) => Err(ApiError::unauthorized("token", "has been revoked")),
            None => Err(ApiError::unauthorized("token", "is invalid")),
        }
    }
}

/// For routes that anonymous visitors may use: no header means `None`, but a header that is
/// present must hold a valid token.
impl OptionalFromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, ApiError> {
        if parts.headers.contains_key(AUTHORIZATION) {
            <Self as FromRequestParts<AppState>>::from_request_parts(parts, state)
                .await
                .map(Some)
        } else {
            Ok(None)
        }
    }
}

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);
