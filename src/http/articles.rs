//! Articles, the feed, favorites and tags.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{AuthUser, Json, Path, Query, patch};
use crate::domain::article::{body, description, tag_list, title};
use crate::domain::views::Article;
use crate::domain::{FieldErrors, Validator};
use crate::storage::articles::{ArticleChanges, ArticleFilter, NewArticle, Owned, Page};

const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_articles, create_article))
        .routes(routes!(feed))
        .routes(routes!(get_article, update_article, delete_article))
        .routes(routes!(favorite, unfavorite))
        .routes(routes!(tags))
}

#[derive(Serialize, ToSchema)]
pub struct ArticleBody {
    pub article: Article,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArticlesBody {
    pub articles: Vec<Article>,
    /// How many articles match the filter in all, not just on this page.
    pub articles_count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TagsBody {
    pub tags: Vec<String>,
}

/// Query parameters of the lists; numbers arrive as text so that a bad one gets a clear 422.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only articles with this tag.
    tag: Option<String>,
    /// Only articles by this username.
    author: Option<String>,
    /// Only articles favorited by this username.
    favorited: Option<String>,
    /// Page size, 1 to 100 (larger values are capped at 100); default 20.
    #[param(value_type = Option<i64>, minimum = 1)]
    limit: Option<String>,
    /// How many articles to skip; default 0.
    #[param(value_type = Option<i64>, minimum = 0)]
    offset: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    #[param(value_type = Option<i64>, minimum = 1)]
    limit: Option<String>,
    #[param(value_type = Option<i64>, minimum = 0)]
    offset: Option<String>,
}

fn page(limit: Option<String>, offset: Option<String>) -> Result<Page, FieldErrors> {
    let mut v = Validator::new();
    let limit = v.field(
        "limit",
        match limit.as_deref().map(str::trim) {
            None | Some("") => Ok(DEFAULT_LIMIT),
            Some(raw) => match raw.parse::<i64>() {
                Ok(n) if n >= 1 => Ok(n.min(MAX_LIMIT)),
                _ => Err(format!("must be a whole number from 1 to {MAX_LIMIT}")),
            },
        },
    );
    let offset = v.field(
        "offset",
        match offset.as_deref().map(str::trim) {
            None | Some("") => Ok(0),
            Some(raw) => match raw.parse::<i64>() {
                Ok(n) if n >= 0 => Ok(n),
                _ => Err("must be a whole number, 0 or more".to_string()),
            },
        },
    );
    v.finish(|| {
        Some(Page {
            limit: limit?,
            offset: offset?,
        })
    })
}

/// Empty filter values (`?tag=`) mean "no filter", as frontends send them.
fn filter_value(raw: Option<String>) -> Option<String> {
    raw.filter(|s| !s.trim().is_empty())
}

/// Recent articles, newest first, optionally filtered.
#[utoipa::path(get, path = "/api/articles", tag = "articles", params(ListParams), security((), ("Token" = [])),
    responses((status = 200, body = ArticlesBody), (status = 422, description = "bad limit or offset", body = ErrorBody)))]
async fn list_articles(
    State(state): State<AppState>,
    viewer: Option<AuthUser>,
    Query(params): Query<ListParams>,
) -> ApiResult<axum::Json<ArticlesBody>> {
    let page = page(params.limit, params.offset)?;
    let filter = ArticleFilter {
        tag: filter_value(params.tag),
        author: filter_value(params.author),
        favorited_by: filter_value(params.favorited),
        feed_of: None,
    };
    let (articles, articles_count) = state
        .db
        .list_articles(&filter, viewer.map(|v| v.id), page)
        .await?;
    Ok(axum::Json(ArticlesBody {
        articles,
        articles_count,
    }))
}

/// Articles by the authors the signed-in user follows, newest first.
#[utoipa::path(get, path = "/api/articles/feed", tag = "articles", params(FeedParams), security(("Token" = [])),
    responses((status = 200, body = ArticlesBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn feed(
    State(state): State<AppState>,
    user: AuthUser,
    Query(params): Query<FeedParams>,
) -> ApiResult<axum::Json<ArticlesBody>> {
    let page = page(params.limit, params.offset)?;
    let filter = ArticleFilter {
        feed_of: Some(user.id),
        ..Default::default()
    };
    let (articles, articles_count) = state.db.list_articles(&filter, Some(user.id), page).await?;
    Ok(axum::Json(ArticlesBody {
        articles,
        articles_count,
    }))
}

async fn show(
    state: &AppState,
    slug: &str,
    viewer: Option<i64>,
) -> ApiResult<axum::Json<ArticleBody>> {
    let article = state
        .db
        .article(slug, viewer)
        .await?
        .ok_or_else(|| ApiError::not_found("article"))?;
    Ok(axum::Json(ArticleBody { article }))
}

/// One article, with its body.
#[utoipa::path(get, path = "/api/articles/{slug}", tag = "articles", params(("slug" = String, Path)),
    security((), ("Token" = [])),
    responses((status = 200, body = ArticleBody), (status = 404, body = ErrorBody)))]
async fn get_article(
    State(state): State<AppState>,
    viewer: Option<AuthUser>,
    Path(slug): Path<String>,
) -> ApiResult<axum::Json<ArticleBody>> {
    show(&state, &slug, viewer.map(|v| v.id)).await
}

#[derive(Deserialize, ToSchema)]
pub struct NewArticleBody {
    article: NewArticleInput,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct NewArticleInput {
    title: Option<String>,
    description: Option<String>,
    body: Option<String>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<Vec<String>>)]
    tag_list: Option<Option<Vec<String>>>,
}

/// `null` is not a list: the spec answers 422 rather than guessing "no tags" or "unchanged".
fn tags_field(raw: Option<Option<Vec<String>>>) -> Option<Result<Vec<String>, String>> {
    raw.map(|t| {
        t.ok_or_else(|| "can't be null (send [] for no tags)".to_string())
            .and_then(tag_list)
    })
}

/// Publish an article. Its slug comes from the title and is unique.
#[utoipa::path(post, path = "/api/articles", tag = "articles", security(("Token" = [])), request_body = NewArticleBody,
    responses((status = 201, body = ArticleBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_article(
    State(state): State<AppState>,
    user: AuthUser,
    Json(input): Json<NewArticleBody>,
) -> ApiResult<(StatusCode, axum::Json<ArticleBody>)> {
    let input = input.article;
    let mut v = Validator::new();
    let title = v.field("title", title(input.title));
    let description = v.field("description", description(input.description));
    let body = v.field("body", body(input.body));
    let tags = v.optional("tagList", tags_field(input.tag_list));
    let new = v.finish(|| {
        Some(NewArticle {
            title: title?,
            description: description?,
            body: body?,
            tags: tags.unwrap_or_default(),
        })
    })?;
    let slug = state.db.create_article(user.id, &new).await?;
    let created = show(&state, &slug, Some(user.id)).await?;
    Ok((StatusCode::CREATED, created))
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateArticleBody {
    article: NewArticleInput,
}

/// Change one's own article; absent fields stay, a new title brings a new slug, `tagList: []`
/// removes all tags.
#[utoipa::path(put, path = "/api/articles/{slug}", tag = "articles", params(("slug" = String, Path)),
    security(("Token" = [])), request_body = UpdateArticleBody,
    responses(
        (status = 200, body = ArticleBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not the author", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
async fn update_article(
    State(state): State<AppState>,
    user: AuthUser,
    Path(slug): Path<String>,
    Json(input): Json<UpdateArticleBody>,
) -> ApiResult<axum::Json<ArticleBody>> {
    let input = input.article;
    let mut v = Validator::new();
    let new_title = v.optional("title", input.title.map(|t| title(Some(t))));
    let new_description = v.optional(
        "description",
        input.description.map(|d| description(Some(d))),
    );
    let new_body = v.optional("body", input.body.map(|b| body(Some(b))));
    let tags = v.optional("tagList", tags_field(input.tag_list));
    let changes = v.finish(|| {
        Some(ArticleChanges {
            title: new_title,
            description: new_description,
            body: new_body,
            tags,
        })
    })?;
    match state.db.update_article(&slug, user.id, &changes).await? {
        Owned::Done(new_slug) => show(&state, &new_slug, Some(user.id)).await,
        Owned::NotFound => Err(ApiError::not_found("article")),
        Owned::NotOwner => Err(ApiError::forbidden("article")),
    }
}

/// Delete one's own article with its comments and favorites.
#[utoipa::path(delete, path = "/api/articles/{slug}", tag = "articles", params(("slug" = String, Path)),
    security(("Token" = [])),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
async fn delete_article(
    State(state): State<AppState>,
    user: AuthUser,
    Path(slug): Path<String>,
) -> ApiResult<StatusCode> {
    match state.db.delete_article(&slug, user.id).await? {
        Owned::Done(()) => Ok(StatusCode::NO_CONTENT),
        Owned::NotFound => Err(ApiError::not_found("article")),
        Owned::NotOwner => Err(ApiError::forbidden("article")),
    }
}

/// Favorite an article (idempotent).
#[utoipa::path(post, path = "/api/articles/{slug}/favorite", tag = "favorites", params(("slug" = String, Path)),
    security(("Token" = [])),
    responses((status = 200, body = ArticleBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn favorite(
    State(state): State<AppState>,
    user: AuthUser,
    Path(slug): Path<String>,
) -> ApiResult<axum::Json<ArticleBody>> {
    state.db.favorite(user.id, &slug).await?;
    show(&state, &slug, Some(user.id)).await
}

/// Remove a favorite (idempotent).
#[utoipa::path(delete, path = "/api/articles/{slug}/favorite", tag = "favorites", params(("slug" = String, Path)),
    security(("Token" = [])),
    responses((status = 200, body = ArticleBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unfavorite(
    State(state): State<AppState>,
    user: AuthUser,
    Path(slug): Path<String>,
) -> ApiResult<axum::Json<ArticleBody>> {
    state.db.unfavorite(user.id, &slug).await?;
    show(&state, &slug, Some(user.id)).await
}

/// Tags in use, alphabetical.
#[utoipa::path(get, path = "/api/tags", tag = "tags", responses((status = 200, body = TagsBody)))]
async fn tags(State(state): State<AppState>) -> ApiResult<axum::Json<TagsBody>> {
    Ok(axum::Json(TagsBody {
        tags: state.db.tags().await?,
    }))
}
