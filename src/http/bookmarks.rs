//! Bookmarks: the reader's reading list.

use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::articles::{ArticleBody, ArticlesBody, list, show};
use super::error::{ApiResult, ErrorBody};
use super::extract::{AuthUser, Path, Query};
use super::paging::PageParams;
use crate::storage::lists::ArticleList;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(bookmark, unbookmark))
        .routes(routes!(bookmarks))
}

/// Save an article to the reading list (idempotent).
#[utoipa::path(post, path = "/api/articles/{slug}/bookmark", tag = "bookmarks", params(("slug" = String, Path)),
    security(("Token" = [])),
    responses((status = 200, body = ArticleBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn bookmark(
    State(state): State<AppState>,
    user: AuthUser,
    Path(slug): Path<String>,
) -> ApiResult<axum::Json<ArticleBody>> {
    state.db.bookmark(user.id, &slug).await?;
    show(&state, &slug, Some(user.id)).await
}

/// Remove an article from the reading list (idempotent).
#[utoipa::path(delete, path = "/api/articles/{slug}/bookmark", tag = "bookmarks", params(("slug" = String, Path)),
    security(("Token" = [])),
    responses((status = 200, body = ArticleBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unbookmark(
    State(state): State<AppState>,
    user: AuthUser,
    Path(slug): Path<String>,
) -> ApiResult<axum::Json<ArticleBody>> {
    state.db.unbookmark(user.id, &slug).await?;
    show(&state, &slug, Some(user.id)).await
}

/// The signed-in user's reading list, most recently saved first. An article that became
/// someone else's draft drops out of it (and comes back if it is published again).
#[utoipa::path(get, path = "/api/user/bookmarks", tag = "bookmarks", params(PageParams), security(("Token" = [])),
    responses((status = 200, body = ArticlesBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn bookmarks(
    State(state): State<AppState>,
    user: AuthUser,
    Query(paging): Query<PageParams>,
) -> ApiResult<axum::Json<ArticlesBody>> {
    list(&state, ArticleList::Bookmarks, Some(user.id), paging).await
}
