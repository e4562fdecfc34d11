//! RSS and Atom feeds of the newest published articles (the site's, an author's, a tag's) and
//! the sitemap, with validators for conditional requests: a reader polling an unchanged feed
//! gets 304 without the document being written.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa::openapi::OpenApiBuilder;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Path, Query};
use super::paging::{ARTICLES, limit};
use crate::domain::feeds::{FeedInfo, Site, SitemapUrl, atom, rss, sitemap_index, urlset};
use crate::storage::feeds::{FeedOf, Sitemap, SitemapArticle, SitemapAuthor};

const RSS: &str = "application/rss+xml; charset=utf-8";
const ATOM: &str = "application/atom+xml; charset=utf-8";
const XML: &str = "application/xml; charset=utf-8";
/// Readers and crawlers poll; five minutes of staleness spares the database most of it.
const CACHE_CONTROL: &str = "public, max-age=300";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(site_rss))
        .routes(routes!(site_atom))
        .routes(routes!(sitemap))
        .merge(suffixed("/feeds/authors/{file}", routes!(author_atom)))
        .merge(suffixed("/feeds/tags/{file}", routes!(tag_atom)))
        .merge(suffixed(
            "/sitemaps/articles/{file}",
            routes!(article_sitemap),
        ))
        .merge(suffixed(
            "/sitemaps/authors/{file}",
            routes!(author_sitemap),
        ))
}

/// A route documented under its path with a suffix (`/feeds/authors/{username}.atom`) and
/// routed as `route`, whose parameter holds the whole segment: axum's router cannot match text
/// after a parameter within a segment, so the handler takes the suffix off itself.
fn suffixed(
    route: &str,
    (schemas, paths, method_router): UtoipaMethodRouter<AppState>,
) -> OpenApiRouter<AppState> {
    let mut openapi = OpenApiBuilder::new().paths(paths).build();
    openapi
        .components
        .get_or_insert_with(Default::default)
        .schemas
        .extend(schemas);
    OpenApiRouter::with_openapi(openapi).route(route, method_router)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// How many of the newest articles, 1 to 100 (larger values are capped); default 20.
    #[param(value_type = Option<i64>, minimum = 1)]
    limit: Option<String>,
}

/// The validators a client sends back (RFC 9110); unreadable values are ignored, as the RFC
/// asks, and answered in full.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
pub struct Conditional {
    /// The `ETag` of the copy the client holds (or a list of them, or `*`): 304 if it is current.
    #[param(rename = "If-None-Match")]
    if_none_match: Option<String>,
    /// The `Last-Modified` of the copy the client holds: 304 if nothing changed since. Ignored
    /// when `If-None-Match` is sent.
    #[param(rename = "If-Modified-Since")]
    if_modified_since: Option<String>,
}

impl Conditional {
    fn from_headers(headers: &HeaderMap) -> Self {
        let text = |name| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        Self {
            if_none_match: text(header::IF_NONE_MATCH),
            if_modified_since: text(header::IF_MODIFIED_SINCE),
        }
    }

    /// Whether the client's copy is the `version` about to be served.
    fn is_current(&self, version: &Validators) -> bool {
        if let Some(tags) = &self.if_none_match {
            // Weak comparison: the tags are weak, and a GET may use them.
            let ours = version.etag.trim_start_matches("W/");
            return tags
                .split(',')
                .map(str::trim)
                .any(|tag| tag == "*" || tag.trim_start_matches("W/") == ours);
        }
        match (&self.if_modified_since, version.last_modified) {
            (Some(since), Some(modified)) => DateTime::parse_from_rfc2822(since)
                .is_ok_and(|since| modified.timestamp() <= since.timestamp()),
            _ => false,
        }
    }
}

/// What identifies a version of a document, computed from the rows it is written from (their
/// ids and change times), so that checking costs the page's query and no writing. Weak: equal
/// tags mean the same rows, written by the same release for the same `PUBLIC_URL`.
struct Validators {
    hasher: DefaultHasher,
    etag: String,
    last_modified: Option<DateTime<Utc>>,
}

impl Validators {
    fn new(state: &AppState) -> Self {
        let mut hasher = DefaultHasher::new();
        env!("CARGO_PKG_VERSION").hash(&mut hasher);
        state.public_url.hash(&mut hasher);
        state.site_name.hash(&mut hasher);
        Self {
            hasher,
            etag: String::new(),
            last_modified: None,
        }
    }

    fn add(&mut self, part: impl Hash) {
        part.hash(&mut self.hasher);
    }

    fn changed(&mut self, at: DateTime<Utc>) {
        self.last_modified = self.last_modified.max(Some(at));
    }

    /// 304 when the client holds this version, else the document `write` makes; both with the
    /// validators and caching headers.
    fn respond(
        mut self,
        headers: &HeaderMap,
        content_type: &'static str,
        write: impl FnOnce() -> io::Result<Vec<u8>>,
    ) -> ApiResult<Response> {
        self.etag = format!("W/\"{:016x}\"", self.hasher.finish());
        let mut answer = HeaderMap::new();
        answer.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        );
        if let Ok(etag) = HeaderValue::from_str(&self.etag) {
            answer.insert(header::ETAG, etag);
        }
        if let Some(at) = self.last_modified
            && let Ok(value) =
                HeaderValue::from_str(&at.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        {
            answer.insert(header::LAST_MODIFIED, value);
        }
        if Conditional::from_headers(headers).is_current(&self) {
            return Ok((StatusCode::NOT_MODIFIED, answer).into_response());
        }
        let body = write().map_err(|e| ApiError::internal(e.into()))?;
        answer.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        Ok((answer, body).into_response())
    }
}

fn site(state: &AppState) -> ApiResult<Site> {
    Site::new(&state.public_url, &state.site_name).map_err(|e| ApiError::internal(e.into()))
}

fn feed_limit(params: FeedParams) -> ApiResult<i64> {
    limit(params.limit.as_deref(), ARTICLES).map_err(|m| ApiError::invalid("limit", m))
}

/// The part of the last path segment before `suffix`; a segment without it names no route.
fn without_suffix<'a>(segment: &'a str, suffix: &str) -> ApiResult<&'a str> {
    segment
        .strip_suffix(suffix)
        .ok_or_else(|| ApiError::not_found("route"))
}

/// A feed's format.
#[derive(Clone, Copy)]
enum Format {
    Rss,
    Atom,
}

/// Serves the feed of `of`, found at `path` under the site's address: its newest articles
/// (a 404 for an unknown author or a tag no published article uses).
async fn serve_feed(
    state: &AppState,
    headers: &HeaderMap,
    params: FeedParams,
    of: FeedOf<'_>,
    path: &[&str],
    format: Format,
) -> ApiResult<Response> {
    let limit = feed_limit(params)?;
    let entries = state.db.feed(of, limit).await?;
    if entries.is_empty() {
        match of {
            FeedOf::Author(name) if !state.db.user_exists(name).await? => {
                return Err(ApiError::not_found("profile"));
            }
            // As for following a tag: one that only drafts use is not confirmed to exist.
            FeedOf::Tag(_) => return Err(ApiError::not_found("tag")),
            _ => {}
        }
    }
    let site = site(state)?;
    let (title, page) = match of {
        FeedOf::Site => (site.name.clone(), site.home()),
        FeedOf::Author(name) => (format!("{name} on {}", site.name), site.profile(name)),
        FeedOf::Tag(name) => (format!("{name} on {}", site.name), site.home()),
    };
    let info = FeedInfo {
        title,
        url: site.link(path),
        page,
    };
    let mut version = Validators::new(state);
    for entry in &entries {
        // Every edit of an article or its author's profile moves one of the two times.
        version.add((
            entry.id,
            entry.updated_at,
            entry.author_updated_at,
            entry.body_html.is_some(),
        ));
        version.changed(entry.changed_at());
    }
    match format {
        Format::Rss => version.respond(headers, RSS, || rss(&site, &info, &entries)),
        Format::Atom => version.respond(headers, ATOM, || atom(&site, &info, &entries)),
    }
}

/// The site's newest published articles as RSS 2.0.
#[utoipa::path(get, path = "/feeds/rss.xml", tag = "feeds", params(FeedParams, Conditional),
    responses(
        (status = 200, description = "RSS 2.0, newest first; each item's `content:encoded` is the \
            article's sanitized `bodyHtml`", content_type = "application/rss+xml", body = String),
        (status = 304, description = "the client's copy (`If-None-Match`, `If-Modified-Since`) is current"),
        (status = 422, body = ErrorBody),
    ))]
async fn site_rss(
    State(state): State<AppState>,
    Query(params): Query<FeedParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let path = ["feeds", "rss.xml"];
    serve_feed(&state, &headers, params, FeedOf::Site, &path, Format::Rss).await
}

/// The site's newest published articles as Atom.
#[utoipa::path(get, path = "/feeds/atom.xml", tag = "feeds", params(FeedParams, Conditional),
    responses(
        (status = 200, description = "Atom 1.0, newest first; each entry's `content` is the \
            article's sanitized `bodyHtml`", content_type = "application/atom+xml", body = String),
        (status = 304, description = "the client's copy (`If-None-Match`, `If-Modified-Since`) is current"),
        (status = 422, body = ErrorBody),
    ))]
async fn site_atom(
    State(state): State<AppState>,
    Query(params): Query<FeedParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let path = ["feeds", "atom.xml"];
    serve_feed(&state, &headers, params, FeedOf::Site, &path, Format::Atom).await
}

/// An author's newest published articles as Atom. An author with none yet has an empty feed.
#[utoipa::path(get, path = "/feeds/authors/{username}.atom", tag = "feeds",
    params(("username" = String, Path), FeedParams, Conditional),
    responses(
        (status = 200, description = "Atom 1.0, newest first", content_type = "application/atom+xml",
            body = String),
        (status = 304, description = "the client's copy (`If-None-Match`, `If-Modified-Since`) is current"),
        (status = 404, description = "no such user", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
async fn author_atom(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(params): Query<FeedParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let author = FeedOf::Author(without_suffix(&file, ".atom")?);
    let path = ["feeds", "authors", &file];
    serve_feed(&state, &headers, params, author, &path, Format::Atom).await
}

/// The newest published articles with a tag as Atom.
#[utoipa::path(get, path = "/feeds/tags/{tag}.atom", tag = "feeds",
    params(("tag" = String, Path), FeedParams, Conditional),
    responses(
        (status = 200, description = "Atom 1.0, newest first", content_type = "application/atom+xml",
            body = String),
        (status = 304, description = "the client's copy (`If-None-Match`, `If-Modified-Since`) is current"),
        (status = 404, description = "no published article uses the tag", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
async fn tag_atom(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(params): Query<FeedParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let tag = FeedOf::Tag(without_suffix(&file, ".atom")?);
    let path = ["feeds", "tags", &file];
    serve_feed(&state, &headers, params, tag, &path, Format::Atom).await
}

/// Serves a sitemap of `articles` and `authors`.
fn serve_urls(
    state: &AppState,
    headers: &HeaderMap,
    articles: Vec<SitemapArticle>,
    authors: Vec<SitemapAuthor>,
) -> ApiResult<Response> {
    let site = site(state)?;
    let mut version = Validators::new(state);
    for article in &articles {
        version.add((article.id, article.updated_at));
        version.changed(article.updated_at);
    }
    for author in &authors {
        version.add((author.id, &author.username));
    }
    let urls = articles
        .into_iter()
        .map(|a| SitemapUrl {
            loc: site.article(&a.slug),
            lastmod: Some(a.updated_at),
        })
        .chain(authors.into_iter().map(|a| SitemapUrl {
            loc: site.profile(&a.username),
            lastmod: None,
        }));
    version.respond(headers, XML, || urlset(urls))
}

/// Every published article's page and every author's profile page; past `SITEMAP_URLS_PER_FILE`
/// URLs (50,000 by default, the protocol's limit), a sitemap index of the numbered sitemaps
/// under `/sitemaps/` that hold any.
#[utoipa::path(get, path = "/sitemap.xml", tag = "feeds", params(Conditional),
    responses(
        (status = 200, description = "a sitemap (`urlset`) or, past the limit, a sitemap index",
            content_type = "application/xml", body = String),
        (status = 304, description = "the client's copy (`If-None-Match`, `If-Modified-Since`) is current"),
    ))]
async fn sitemap(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let per_file = state.sitemap_urls_per_file;
    match state.db.sitemap(per_file).await? {
        Sitemap::Whole { articles, authors } => serve_urls(&state, &headers, articles, authors),
        Sitemap::Split {
            article_pages,
            author_pages,
        } => {
            let site = site(&state)?;
            let mut version = Validators::new(&state);
            version.add((per_file, &article_pages, &author_pages));
            let locs = [("articles", article_pages), ("authors", author_pages)]
                .into_iter()
                .flat_map(|(kind, pages)| {
                    pages
                        .into_iter()
                        .map(|page| site.link(&["sitemaps", kind, &format!("{page}.xml")]))
                        .collect::<Vec<_>>()
                });
            version.respond(&headers, XML, || sitemap_index(locs))
        }
    }
}

/// The page number of a sitemap file name (`3.xml`).
fn sitemap_page(file: &str) -> ApiResult<i64> {
    without_suffix(file, ".xml")?
        .parse::<i64>()
        .ok()
        .filter(|page| *page >= 1)
        .ok_or_else(|| ApiError::not_found("sitemap"))
}

/// One sitemap of the index: the published articles whose ids fall in the page's range
/// (`SITEMAP_URLS_PER_FILE` ids per page).
#[utoipa::path(get, path = "/sitemaps/articles/{page}.xml", tag = "feeds",
    params(("page" = i64, Path, minimum = 1), Conditional),
    responses(
        (status = 200, description = "a sitemap (`urlset`)", content_type = "application/xml", body = String),
        (status = 304, description = "the client's copy (`If-None-Match`, `If-Modified-Since`) is current"),
        (status = 404, description = "no published article in the page's range", body = ErrorBody),
    ))]
async fn article_sitemap(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let page = sitemap_page(&file)?;
    let articles = state
        .db
        .sitemap_articles(page, state.sitemap_urls_per_file)
        .await?;
    if articles.is_empty() {
        return Err(ApiError::not_found("sitemap"));
    }
    serve_urls(&state, &headers, articles, Vec::new())
}

/// One sitemap of the index: the authors whose user ids fall in the page's range.
#[utoipa::path(get, path = "/sitemaps/authors/{page}.xml", tag = "feeds",
    params(("page" = i64, Path, minimum = 1), Conditional),
    responses(
        (status = 200, description = "a sitemap (`urlset`)", content_type = "application/xml", body = String),
        (status = 304, description = "the client's copy (`If-None-Match`, `If-Modified-Since`) is current"),
        (status = 404, description = "no author in the page's range", body = ErrorBody),
    ))]
async fn author_sitemap(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let page = sitemap_page(&file)?;
    let authors = state
        .db
        .sitemap_authors(page, state.sitemap_urls_per_file)
        .await?;
    if authors.is_empty() {
        return Err(ApiError::not_found("sitemap"));
    }
    serve_urls(&state, &headers, Vec::new(), authors)
}
