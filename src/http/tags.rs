//! Tags: the popular list and followed tags.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{AuthUser, Path, Query};
use super::paging::{PageSize, limit};
use crate::domain::views::Tag;

const TAGS: PageSize = PageSize {
    default: 50,
    max: 500,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(tags))
        .routes(routes!(follow_tag, unfollow_tag))
        .routes(routes!(followed_tags))
}

#[derive(Serialize, ToSchema)]
pub struct TagsBody {
    pub tags: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TagBody {
    pub tag: Tag,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TagsParams {
    /// How many tags, 1 to 500 (larger values are capped); default 50.
    #[param(value_type = Option<i64>, minimum = 1)]
    limit: Option<String>,
}

/// The tags most published articles use, most used first (ties alphabetical). A tag that only
/// drafts or unlisted articles use is not listed.
#[utoipa::path(get, path = "/api/tags", tag = "tags", params(TagsParams),
    responses((status = 200, body = TagsBody), (status = 422, body = ErrorBody)))]
async fn tags(
    State(state): State<AppState>,
    Query(params): Query<TagsParams>,
) -> ApiResult<axum::Json<TagsBody>> {
    let limit = limit(params.limit.as_deref(), TAGS).map_err(|m| ApiError::invalid("limit", m))?;
    Ok(axum::Json(TagsBody {
        tags: state.db.popular_tags(limit).await?,
    }))
}

/// Follow a tag (idempotent): its published articles join the feed.
#[utoipa::path(post, path = "/api/tags/{tag}/follow", tag = "tags", params(("tag" = String, Path)),
    security(("Token" = [])),
    responses((status = 200, body = TagBody), (status = 401, body = ErrorBody),
        (status = 404, description = "no published article uses the tag", body = ErrorBody)))]
async fn follow_tag(
    State(state): State<AppState>,
    user: AuthUser,
    Path(tag): Path<String>,
) -> ApiResult<axum::Json<TagBody>> {
    let tag = state
        .db
        .follow_tag(user.id, &tag)
        .await?
        .ok_or_else(|| ApiError::not_found("tag"))?;
    Ok(axum::Json(TagBody { tag }))
}

/// Stop following a tag (idempotent: a tag one does not follow, or that no published article
/// uses, answers `following: false` as well).
#[utoipa::path(delete, path = "/api/tags/{tag}/follow", tag = "tags", params(("tag" = String, Path)),
    security(("Token" = [])),
    responses((status = 200, body = TagBody), (status = 401, body = ErrorBody)))]
async fn unfollow_tag(
    State(state): State<AppState>,
    user: AuthUser,
    Path(name): Path<String>,
) -> ApiResult<axum::Json<TagBody>> {
    Ok(axum::Json(TagBody {
        tag: state.db.unfollow_tag(user.id, &name).await?,
    }))
}

/// The tags the signed-in user follows, alphabetical.
#[utoipa::path(get, path = "/api/user/tags", tag = "tags", security(("Token" = [])),
    responses((status = 200, body = TagsBody), (status = 401, body = ErrorBody)))]
async fn followed_tags(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<axum::Json<TagsBody>> {
    Ok(axum::Json(TagsBody {
        tags: state.db.followed_tags(user.id).await?,
    }))
}
