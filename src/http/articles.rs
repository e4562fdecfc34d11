//! Articles: the lists (public, search, feed, drafts), one article, writing, and favorites.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::docs::text_schema;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{AuthUser, Json, Path, Query, patch, suspended};
use super::paging::{ARTICLES, PageParams, cursor};
use crate::domain::Validator;
use crate::domain::article::{
    ArticleStatus, BODY_MAX, DESCRIPTION_MAX, TAG_MAX, TAGS_MAX, TITLE_MAX, body, description,
    tag_list, title,
};
use crate::domain::search::SearchQuery;
use crate::domain::views::Article;
use crate::storage::articles::{
    ArticleChanges, ArticleEdit, ArticleWrite, NewArticle, Owned, Reaction,
};
use crate::storage::lists::{ArticleFilter, ArticleList};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_articles, create_article))
        .routes(routes!(feed))
        .routes(routes!(drafts))
        .routes(routes!(get_article, update_article, delete_article))
        .routes(routes!(favorite, unfavorite))
}

#[derive(Serialize, ToSchema)]
pub struct ArticleBody {
    pub article: Article,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArticlesBody {
    pub articles: Vec<Article>,
    /// How many articles the list holds in all, not just on this page. Exact at any size for
    /// all published articles and with a single `tag`, `author` or `favorited` filter; for
    /// combined filters, drafts and bookmarks it counts up to 10000, and 10000 then means
    /// "10000 or more"; for the feed likewise up to 1000, for a search up to 200 (the matches it
    /// ranks).
    pub articles_count: i64,
    /// Pass as `cursor` to get the next page; absent on the last page (and for search past
    /// offset 10000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Filters of the public list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only articles with this tag.
    tag: Option<String>,
    /// Only articles by this username.
    author: Option<String>,
    /// Only articles favorited by this username.
    favorited: Option<String>,
    /// Full-text search over title, tags, description and body, ranked by relevance (a title
    /// match first). Every word must match, as a word or the start of one; any text is accepted.
    q: Option<String>,
}

/// Empty filter values (`?tag=`) mean "no filter", as frontends send them.
fn filter_value(raw: Option<String>) -> Option<String> {
    raw.filter(|s| !s.trim().is_empty())
}

/// A page of `list` for `viewer`.
pub(super) async fn list(
    state: &AppState,
    list: ArticleList,
    viewer: Option<i64>,
    paging: PageParams,
) -> ApiResult<axum::Json<ArticlesBody>> {
    let page = paging.page(ARTICLES)?;
    let found = state.db.list_articles(&list, viewer, page).await?;
    Ok(axum::Json(ArticlesBody {
        articles: found.articles,
        articles_count: found.total,
        next_cursor: found.next.as_ref().and_then(cursor),
    }))
}

/// Published articles, newest published first, optionally filtered or searched. Drafts and
/// unlisted articles never appear.
#[utoipa::path(get, path = "/api/articles", tag = "articles", params(ListParams, PageParams),
    security((), ("Token" = [])),
    responses((status = 200, body = ArticlesBody), (status = 422, description = "bad limit, offset or cursor", body = ErrorBody)))]
async fn list_articles(
    State(state): State<AppState>,
    viewer: Option<AuthUser>,
    Query(params): Query<ListParams>,
    Query(paging): Query<PageParams>,
) -> ApiResult<axum::Json<ArticlesBody>> {
    let search = filter_value(params.q);
    let filter = ArticleFilter {
        tag: filter_value(params.tag),
        author: filter_value(params.author),
        favorited_by: filter_value(params.favorited),
        search: search.as_deref().and_then(SearchQuery::parse),
    };
    // A query without a single word matches nothing; it is not an absent query. Nor does a name
    // with NUL in it: no tag or username holds one, and PostgreSQL could not even compare it.
    let names = [&filter.tag, &filter.author, &filter.favorited_by];
    if (search.is_some() && filter.search.is_none())
        || names
            .iter()
            .any(|n| n.as_ref().is_some_and(|n| n.contains('\0')))
    {
        paging.page(ARTICLES)?;
        return Ok(axum::Json(ArticlesBody {
            articles: Vec::new(),
            articles_count: 0,
            next_cursor: None,
        }));
    }
    list(
        &state,
        ArticleList::Published(filter),
        viewer.map(|v| v.id),
        paging,
    )
    .await
}

/// Published articles by the authors and with the tags the signed-in user follows, each once,
/// newest published first.
#[utoipa::path(get, path = "/api/articles/feed", tag = "articles", params(PageParams), security(("Token" = [])),
    responses((status = 200, body = ArticlesBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn feed(
    State(state): State<AppState>,
    user: AuthUser,
    Query(paging): Query<PageParams>,
) -> ApiResult<axum::Json<ArticlesBody>> {
    list(&state, ArticleList::Feed, Some(user.id), paging).await
}

/// The signed-in user's drafts, last edited first.
#[utoipa::path(get, path = "/api/user/drafts", tag = "articles", params(PageParams), security(("Token" = [])),
    responses((status = 200, body = ArticlesBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn drafts(
    State(state): State<AppState>,
    user: AuthUser,
    Query(paging): Query<PageParams>,
) -> ApiResult<axum::Json<ArticlesBody>> {
    list(&state, ArticleList::Drafts, Some(user.id), paging).await
}

/// The article as `viewer` sees it, or 404 (also for someone else's draft).
pub(super) async fn show(
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
pub struct NewArticleInput {
    #[schema(schema_with = title_schema, required = true)]
    pub title: Option<String>,
    #[schema(schema_with = description_schema, required = true)]
    pub description: Option<String>,
    #[schema(schema_with = body_schema, required = true)]
    pub body: Option<String>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(schema_with = tag_list_schema)]
    pub tag_list: Option<Option<Vec<String>>>,
    /// `draft` (only the author sees it), `unlisted` (anyone with the link, in no list) or
    /// `published`. A new article without it is published.
    #[schema(value_type = Option<ArticleStatus>)]
    pub status: Option<String>,
}

/// Changes to an article: the same fields, where any left out stays as it is. `null` is refused
/// (422): none of them can be cleared, and reading it as "unchanged" would hide a client's bug.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArticleUpdate {
    #[serde(default, deserialize_with = "patch")]
    #[schema(schema_with = title_schema)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(schema_with = description_schema)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(schema_with = body_schema)]
    pub body: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(schema_with = tag_list_schema)]
    pub tag_list: Option<Option<Vec<String>>>,
    /// `draft`, `unlisted` or `published`: publishes, unlists or withdraws the article at once.
    #[schema(value_type = Option<ArticleStatus>)]
    pub status: Option<String>,
}

fn title_schema() -> utoipa::openapi::Object {
    text_schema(TITLE_MAX, None)
}

fn description_schema() -> utoipa::openapi::Object {
    text_schema(DESCRIPTION_MAX, None)
}

fn body_schema() -> utoipa::openapi::Object {
    text_schema(
        BODY_MAX,
        Some("Markdown, rendered to sanitized `bodyHtml` when written."),
    )
}

fn tag_list_schema() -> utoipa::openapi::Array {
    utoipa::openapi::ArrayBuilder::new()
        .items(text_schema(TAG_MAX, None))
        .max_items(Some(TAGS_MAX))
        .description(Some(
            "All the article's tags, answered sorted and without repeats; `[]` for none \
             (`null` is refused).",
        ))
        .build()
}

fn status_field(raw: Option<String>) -> Option<Result<ArticleStatus, String>> {
    raw.map(|s| ArticleStatus::parse(&s))
}

/// `null` is not a list: the spec answers 422 rather than guessing "no tags" or "unchanged".
fn tags_field(raw: Option<Option<Vec<String>>>) -> Option<Result<Vec<String>, String>> {
    raw.map(|t| {
        t.ok_or_else(|| "can't be null (send [] for no tags)".to_string())
            .and_then(tag_list)
    })
}

/// Write an article: published unless `status` says otherwise. Its slug comes from the title
/// and is unique; a draft's or an unlisted article's also carries a random part, so that its
/// link cannot be guessed. The Markdown body is rendered to sanitized `bodyHtml` now, once.
#[utoipa::path(post, path = "/api/articles", tag = "articles", security(("Token" = [])), request_body = NewArticleBody,
    responses((status = 201, body = ArticleBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_article(
    State(state): State<AppState>,
    user: AuthUser,
    Json(input): Json<NewArticleBody>,
) -> ApiResult<(StatusCode, axum::Json<ArticleBody>)> {
    let slug = write_article(&state, &user, input.article).await?;
    let created = show(&state, &slug, Some(user.id)).await?;
    Ok((StatusCode::CREATED, created))
}

/// Writing an article as every interface does: the fields checked, then the article stored
/// (its body rendered once) under a new slug, answered.
pub async fn write_article(
    state: &AppState,
    user: &AuthUser,
    input: NewArticleInput,
) -> ApiResult<String> {
    let mut v = Validator::new();
    let title = v.field("title", title(input.title));
    let description = v.field("description", description(input.description));
    let body = v.field("body", body(input.body));
    let tags = v.optional("tagList", tags_field(input.tag_list));
    let status = v.optional("status", status_field(input.status));
    let (title, description, body) = v.finish(|| Some((title?, description?, body?)))?;
    let new = NewArticle {
        title,
        description,
        body,
        tags: tags.unwrap_or_default(),
        status: status.unwrap_or(ArticleStatus::Published),
    };
    match state.db.create_article(user.id, new).await? {
        ArticleWrite::Created(slug) => Ok(slug),
        ArticleWrite::Suspended => Err(suspended()),
        ArticleWrite::Overgrown(overgrown) => Err(overgrown.into()),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateArticleBody {
    article: ArticleUpdate,
}

/// Change one's own article; absent fields stay, `tagList: []` removes all tags, and a new
/// `status` publishes, unlists or withdraws it at once. A new title brings a new slug, and so
/// does publishing (a readable one) or unpublishing (one with a random part, so that the
/// published address no longer opens it): use the slug in the answer.
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
    let new_slug = change_article(&state, &user, &slug, input.article).await?;
    show(&state, &new_slug, Some(user.id)).await
}

/// Changing an article as every interface does: the fields given checked, then the author's
/// article changed; answers its slug, new when the title or status moved it.
pub async fn change_article(
    state: &AppState,
    user: &AuthUser,
    slug: &str,
    input: ArticleUpdate,
) -> ApiResult<String> {
    let mut v = Validator::new();
    let new_title = v.optional("title", input.title.map(title));
    let new_description = v.optional("description", input.description.map(description));
    let body = v.optional("body", input.body.map(body));
    let tags = v.optional("tagList", tags_field(input.tag_list));
    let status = v.optional("status", status_field(input.status));
    v.finish(|| Some(()))?;
    let changes = ArticleChanges {
        title: new_title,
        description: new_description,
        body,
        tags,
        status,
    };
    match state.db.update_article(slug, user.id, changes).await? {
        ArticleEdit::Done(new_slug) => Ok(new_slug),
        ArticleEdit::NotFound => Err(ApiError::not_found("article")),
        ArticleEdit::NotOwner => Err(ApiError::forbidden("article")),
        ArticleEdit::Overgrown(overgrown) => Err(overgrown.into()),
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
    owned(state.db.delete_article(&slug, user.id).await?)?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a change to one's own article says, on every interface: none of that name, or not
/// theirs.
pub fn owned<T>(outcome: Owned<T>) -> ApiResult<T> {
    match outcome {
        Owned::Done(done) => Ok(done),
        Owned::NotFound => Err(ApiError::not_found("article")),
        Owned::NotOwner => Err(ApiError::forbidden("article")),
    }
}

/// Favorite an article (idempotent).
#[utoipa::path(post, path = "/api/articles/{slug}/favorite", tag = "favorites", params(("slug" = String, Path)),
    security(("Token" = [])),
    responses(
        (status = 200, body = ArticleBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "the article's author blocked the reader", body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
async fn favorite(
    State(state): State<AppState>,
    user: AuthUser,
    Path(slug): Path<String>,
) -> ApiResult<axum::Json<ArticleBody>> {
    favorited(state.db.favorite(user.id, &slug).await?)?;
    show(&state, &slug, Some(user.id)).await
}

/// What a favorite's outcome says to the reader, on every interface.
pub fn favorited(outcome: Reaction) -> ApiResult<()> {
    match outcome {
        Reaction::Done => Ok(()),
        Reaction::NotFound => Err(ApiError::not_found("article")),
        Reaction::Blocked => Err(ApiError::blocked("favorite")),
    }
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
