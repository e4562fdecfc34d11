//! Public profiles and follows.

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{AuthUser, Path};
use crate::domain::views::Profile;
use crate::storage::profiles::Following;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_profile))
        .routes(routes!(follow, unfollow))
}

#[derive(Serialize, ToSchema)]
pub struct ProfileBody {
    pub profile: Profile,
}

/// A user's public profile; `following` says whether the signed-in viewer follows them.
#[utoipa::path(get, path = "/api/profiles/{username}", tag = "profiles",
    params(("username" = String, Path)), security((), ("Token" = [])),
    responses((status = 200, body = ProfileBody), (status = 404, body = ErrorBody)))]
async fn get_profile(
    State(state): State<AppState>,
    viewer: Option<AuthUser>,
    Path(username): Path<String>,
) -> ApiResult<axum::Json<ProfileBody>> {
    let row = state
        .db
        .profile(&username, viewer.map(|v| v.id))
        .await?
        .ok_or_else(|| ApiError::not_found("profile"))?;
    Ok(axum::Json(ProfileBody {
        profile: row.profile,
    }))
}

/// Follow a user (idempotent).
#[utoipa::path(post, path = "/api/profiles/{username}/follow", tag = "profiles",
    params(("username" = String, Path)), security(("Token" = [])),
    responses(
        (status = 200, body = ProfileBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "the user blocked the follower", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "following oneself", body = ErrorBody),
    ))]
async fn follow(
    State(state): State<AppState>,
    user: AuthUser,
    Path(username): Path<String>,
) -> ApiResult<axum::Json<ProfileBody>> {
    let profile = followed(state.db.follow(user.id, &username).await?)?;
    Ok(axum::Json(ProfileBody { profile }))
}

/// What a follow's outcome says to the follower, on every interface.
pub fn followed(outcome: Following) -> ApiResult<Profile> {
    match outcome {
        Following::Done(profile) => Ok(profile),
        Following::NotFound => Err(ApiError::not_found("profile")),
        Following::Yourself => Err(ApiError::invalid("profile", "can't follow yourself")),
        Following::Blocked => Err(ApiError::blocked("profile")),
    }
}

/// Stop following a user (idempotent).
#[utoipa::path(delete, path = "/api/profiles/{username}/follow", tag = "profiles",
    params(("username" = String, Path)), security(("Token" = [])),
    responses((status = 200, body = ProfileBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unfollow(
    State(state): State<AppState>,
    user: AuthUser,
    Path(username): Path<String>,
) -> ApiResult<axum::Json<ProfileBody>> {
    let profile = state
        .db
        .unfollow(user.id, &username)
        .await?
        .ok_or_else(|| ApiError::not_found("profile"))?;
    Ok(axum::Json(ProfileBody { profile }))
}
