//! Claps: a reader applauds an article up to 50 times in all.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::articles::{ArticleBody, show};
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{AuthUser, Json, Path};
use crate::domain::article::{CLAPS_MAX, claps};
use crate::storage::claps::Clapping;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(clap, unclap))
}

#[derive(Deserialize, ToSchema)]
pub struct ClapsBody {
    /// How many claps to add, 1 to 50.
    #[schema(value_type = i64, minimum = 1, maximum = 50, example = 10)]
    claps: Option<i64>,
}

/// Clap for an article: adds `claps` to the reader's own, at most 50 per reader per article in
/// all. A request that would pass 50 adds nothing and says how many are left.
#[utoipa::path(post, path = "/api/articles/{slug}/claps", tag = "claps", params(("slug" = String, Path)),
    security(("Token" = [])), request_body = ClapsBody,
    responses(
        (status = 200, body = ArticleBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "one's own article, or its author blocked the reader", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "not 1 to 50, or past the reader's 50", body = ErrorBody),
    ))]
async fn clap(
    State(state): State<AppState>,
    user: AuthUser,
    Path(slug): Path<String>,
    Json(input): Json<ClapsBody>,
) -> ApiResult<axum::Json<ArticleBody>> {
    let n = claps(input.claps).map_err(|m| ApiError::invalid("claps", m))?;
    clapped(state.db.clap(user.id, &slug, n).await?)?;
    show(&state, &slug, Some(user.id)).await
}

/// What a clap's outcome says to the reader, on every interface.
pub fn clapped(outcome: Clapping) -> ApiResult<()> {
    match outcome {
        Clapping::Done => Ok(()),
        Clapping::NotFound => Err(ApiError::not_found("article")),
        Clapping::OwnArticle => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "claps",
            "authors cannot clap for their own articles",
        )),
        Clapping::Blocked => Err(ApiError::blocked("claps")),
        Clapping::OverLimit { left } => Err(ApiError::invalid(
            "claps",
            format!("would pass {CLAPS_MAX} claps for this article: {left} left"),
        )),
    }
}

/// Take back all of the reader's claps for an article.
#[utoipa::path(delete, path = "/api/articles/{slug}/claps", tag = "claps", params(("slug" = String, Path)),
    security(("Token" = [])),
    responses((status = 200, body = ArticleBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unclap(
    State(state): State<AppState>,
    user: AuthUser,
    Path(slug): Path<String>,
) -> ApiResult<axum::Json<ArticleBody>> {
    if !state.db.unclap(user.id, &slug).await? {
        return Err(ApiError::not_found("article"));
    }
    show(&state, &slug, Some(user.id)).await
}
