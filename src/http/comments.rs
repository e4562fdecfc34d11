//! Comments on articles, threaded: a comment may answer another on the same article.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::docs::text_schema;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{AuthUser, Json, Path, Query, comment_id, suspended};
use super::paging::{COMMENTS, PageParams};
use crate::domain::article::{COMMENT_MAX, REPLY_DEPTH_MAX, comment_body};
use crate::domain::views::Comment;
use crate::storage::comments::{CommentChange, CommentWrite};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_comments, add_comment))
        .routes(routes!(edit_comment, delete_comment))
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
#[serde(rename_all = "camelCase")]
struct NewComment {
    #[schema(schema_with = comment_body_schema, required = true)]
    body: Option<String>,
    /// The comment this one answers, on the same article.
    parent_id: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct EditCommentBody {
    comment: EditComment,
}

#[derive(Deserialize, ToSchema)]
struct EditComment {
    #[schema(schema_with = comment_body_schema, required = true)]
    body: Option<String>,
}

fn comment_body_schema() -> utoipa::openapi::Object {
    text_schema(
        COMMENT_MAX,
        Some("Markdown, rendered to sanitized `bodyHtml`."),
    )
}

pub fn text(raw: Option<String>) -> Result<String, ApiError> {
    comment_body(raw).map_err(|m| ApiError::invalid("body", m))
}

pub fn change_error<T>(change: CommentChange<T>) -> Result<T, ApiError> {
    match change {
        CommentChange::Done(t) => Ok(t),
        CommentChange::ArticleNotFound => Err(ApiError::not_found("article")),
        CommentChange::CommentNotFound => Err(ApiError::not_found("comment")),
        CommentChange::NotAuthor => Err(ApiError::forbidden("comment")),
        CommentChange::Overgrown(overgrown) => Err(overgrown.into()),
    }
}

/// An article's comments, oldest first (a reply always comes after the comment it answers;
/// `parentId` tells the thread). A deleted comment that has replies stays in place with
/// `deleted: true` and no body or author.
#[utoipa::path(get, path = "/api/articles/{slug}/comments", tag = "comments",
    params(("slug" = String, Path), PageParams), security((), ("Token" = [])),
    responses((status = 200, body = CommentsBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_comments(
    State(state): State<AppState>,
    viewer: Option<AuthUser>,
    Path(slug): Path<String>,
    Query(paging): Query<PageParams>,
) -> ApiResult<axum::Json<CommentsBody>> {
    let page = paging.offset_page(COMMENTS)?;
    let comments = state
        .db
        .comments(&slug, viewer.map(|v| v.id), page)
        .await?
        .ok_or_else(|| ApiError::not_found("article"))?;
    Ok(axum::Json(CommentsBody { comments }))
}

/// Comment on an article, or answer a comment with `parentId`. The Markdown body is rendered
/// to sanitized `bodyHtml` (no images or headings).
#[utoipa::path(post, path = "/api/articles/{slug}/comments", tag = "comments",
    params(("slug" = String, Path)), security(("Token" = [])), request_body = NewCommentBody,
    responses(
        (status = 201, body = CommentBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "the article's author, or the author of the comment answered, blocked the commenter", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "blank body, or `parentId` is not a comment on this article or already as deep as replies nest (the message says how deep)", body = ErrorBody),
    ))]
async fn add_comment(
    State(state): State<AppState>,
    user: AuthUser,
    Path(slug): Path<String>,
    Json(input): Json<NewCommentBody>,
) -> ApiResult<(StatusCode, axum::Json<CommentBody>)> {
    let body = text(input.comment.body)?;
    let comment = comment_written(
        state
            .db
            .add_comment(&slug, user.id, body, input.comment.parent_id)
            .await?,
    )?;
    Ok((StatusCode::CREATED, axum::Json(CommentBody { comment })))
}

/// What a new comment's outcome says to its writer, on every interface.
pub fn comment_written(outcome: CommentWrite) -> ApiResult<Comment> {
    match outcome {
        CommentWrite::Done(comment) => Ok(*comment),
        CommentWrite::ArticleNotFound => Err(ApiError::not_found("article")),
        CommentWrite::Blocked => Err(ApiError::blocked("comment")),
        CommentWrite::Suspended => Err(suspended()),
        CommentWrite::Overgrown(overgrown) => Err(overgrown.into()),
        CommentWrite::ParentNotFound => Err(ApiError::invalid(
            "parentId",
            "must be a comment on this article",
        )),
        CommentWrite::TooDeep => Err(ApiError::invalid(
            "parentId",
            format!("is too deep in its thread: replies nest at most {REPLY_DEPTH_MAX} levels"),
        )),
    }
}

/// Edit one's own comment; `updatedAt` moves.
#[utoipa::path(put, path = "/api/articles/{slug}/comments/{id}", tag = "comments",
    params(("slug" = String, Path), ("id" = i64, Path)), security(("Token" = [])), request_body = EditCommentBody,
    responses(
        (status = 200, body = CommentBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not the comment's author", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
async fn edit_comment(
    State(state): State<AppState>,
    user: AuthUser,
    Path((slug, id)): Path<(String, String)>,
    Json(input): Json<EditCommentBody>,
) -> ApiResult<axum::Json<CommentBody>> {
    let id = comment_id(&id)?;
    let body = text(input.comment.body)?;
    let comment = change_error(state.db.edit_comment(&slug, id, user.id, body).await?)?;
    Ok(axum::Json(CommentBody { comment }))
}

/// Delete one's own comment. One that has replies stays as a placeholder (`deleted: true`) so
/// that the thread holds together.
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
    let id = comment_id(&id)?;
    change_error(state.db.delete_comment(&slug, id, user.id).await?)?;
    Ok(StatusCode::NO_CONTENT)
}
