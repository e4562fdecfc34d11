//! Comments on articles.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{AuthUser, Json, Path};
use crate::domain::article::comment_body;
use crate::domain::views::Comment;
use crate::storage::comments::CommentDeletion;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_comments, add_comment))
        .routes(routes!(delete_comment))
}

#[derive(Serialize, ToSchema)]
pub struct CommentBody {
    pub comment: Comment,
}

#[derive(Serialize, ToSchema)]
pub struct CommentsBody {
    pub comments: Vec<Comment>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewCommentBody {
    comment: NewComment,
}

#[derive(Deserialize, ToSchema)]
struct NewComment {
    body: Option<String>,
}

/// An article's comments, oldest first.
#[utoipa::path(get, path = "/api/articles/{slug}/comments", tag = "comments",
    params(("slug" = String, Path)), security((), ("Token" = [])),
    responses((status = 200, body = CommentsBody), (status = 404, body = ErrorBody)))]
async fn list_comments(
    State(state): State<AppState>,
    viewer: Option<AuthUser>,
    Path(slug): Path<String>,
) -> ApiResult<axum::Json<CommentsBody>> {
    let comments = state
        .db
        .comments(&slug, viewer.map(|v| v.id))
        .await?
        .ok_or_else(|| ApiError::not_found("article"))?;
    Ok(axum::Json(CommentsBody { comments }))
}

/// Comment on an article.
#[utoipa::path(post, path = "/api/articles/{slug}/comments", tag = "comments",
    params(("slug" = String, Path)), security(("Token" = [])), request_body = NewCommentBody,
    responses(
        (status = 201, body = CommentBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
async fn add_comment(
    State(state): State<AppState>,
    user: AuthUser,
    Path(slug): Path<String>,
    Json(input): Json<NewCommentBody>,
) -> ApiResult<(StatusCode, axum::Json<CommentBody>)> {
    let body = comment_body(input.comment.body).map_err(|m| ApiError::invalid("body", m))?;
    let comment = state
        .db
        .add_comment(&slug, user.id, &body)
        .await?
        .ok_or_else(|| ApiError::not_found("article"))?;
    Ok((StatusCode::CREATED, axum::Json(CommentBody { comment })))
}

/// Delete one's own comment.
#[utoipa::path(delete, path = "/api/articles/{slug}/comments/{id}", tag = "comments",
    params(("slug" = String, Path), ("id" = i64, Path)), security(("Token" = [])),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not the comment's author", body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
async fn delete_comment(
    State(state): State<AppState>,
    user: AuthUser,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    // A non-numeric id names no comment: 404 like any other unknown id.
    let id: i64 = id.parse().map_err(|_| ApiError::not_found("comment"))?;
    match state.db.delete_comment(&slug, id, user.id).await? {
        CommentDeletion::Deleted => Ok(StatusCode::NO_CONTENT),
        CommentDeletion::ArticleNotFound => Err(ApiError::not_found("article")),
        CommentDeletion::CommentNotFound => Err(ApiError::not_found("comment")),
        CommentDeletion::NotAuthor => Err(ApiError::forbidden("comment")),
    }
}
