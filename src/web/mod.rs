//! The website: pages for readers, rendered on the server from the same operations the JSON API
//! calls. A page handler parses the request, calls storage, and fills a template struct that
//! holds exactly what the page shows; askama checks every template when quill compiles and
//! escapes every value, except the stored `bodyHtml`, which was sanitized when it was written.

mod account;
mod actions;
mod admin;
mod article;
mod assets;
mod editor;
mod forms;
mod home;
mod i18n;
mod lists;
mod notifications;
mod profile;
mod refusals;
mod session;
mod settings;
mod tag;
mod views;

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, MatchedPath, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, map_response};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tower_http::compression::CompressionLayer;

use crate::http::AppState;
use crate::http::error::ApiError;
pub use i18n::Lang;
use i18n::Messages;
use session::Viewer;

/// Pages load only quill's own styles, scripts and fonts; images also from other https hosts,
/// since stories may show pictures from anywhere. Nothing may frame a page, and forms post only
/// back to quill.
const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; \
     img-src 'self' https:; connect-src 'self'; manifest-src 'self'; form-action 'self'; \
     base-uri 'none'; frame-ancestors 'none'";

pub fn router(state: AppState) -> Router<AppState> {
    // What a reader who is not signed in sees the same as every other: kept in the read cache,
    // compressed (the kept copy is the compressed one), outside the guard so that a kept page is
    // served without asking the database.
    let public = Router::new()
        .route("/", get(home::show))
        .route("/article/{slug}", get(article::show))
        .route("/profile/{username}", get(profile::show))
        .route("/tag/{tag}", get(tag::show))
        .route("/search", get(lists::search))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .route_layer(CompressionLayer::new())
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), kept));
    let pages = Router::new()
        .route("/bookmarks", get(lists::bookmarks))
        .route("/drafts", get(lists::drafts))
        .route(
            "/notifications",
            get(notifications::show).layer(map_response(no_store)),
        )
        .route("/notifications/read", post(notifications::mark_read))
        .route(
            "/login",
            get(account::show_sign_in)
                .post(account::sign_in_posted)
                .layer(map_response(no_store)),
        )
        .route(
            "/register",
            get(account::show_sign_up)
                .post(account::sign_up_posted)
                .layer(map_response(no_store)),
        )
        .route("/logout", post(account::sign_out))
        .route("/logout/everywhere", post(account::sign_out_everywhere))
        .route("/article/{slug}/clap", post(actions::clap))
        .route("/article/{slug}/favorite", post(actions::favorite))
        .route("/article/{slug}/unfavorite", post(actions::unfavorite))
        .route("/article/{slug}/bookmark", post(actions::bookmark))
        .route("/article/{slug}/unbookmark", post(actions::unbookmark))
        .route("/article/{slug}/comments", post(actions::comment))
        .route(
            "/article/{slug}/comments/{id}/delete",
            post(actions::delete_comment),
        )
        .route("/article/{slug}/report", post(actions::report_article))
        .route(
            "/article/{slug}/comments/{id}/report",
            post(actions::report_comment),
        )
        .route("/tag/{tag}/follow", post(actions::follow_tag))
        .route("/tag/{tag}/unfollow", post(actions::unfollow_tag))
        .route("/profile/{username}/follow", post(actions::follow))
        .route("/profile/{username}/unfollow", post(actions::unfollow))
        .route("/profile/{username}/block", post(actions::block))
        .route("/profile/{username}/unblock", post(actions::unblock))
        .merge(admin::routes())
        .route(
            "/settings",
            get(settings::show).layer(map_response(no_store)),
        )
        .route(
            "/settings/account",
            post(settings::save_account).layer(map_response(no_store)),
        )
        .route("/settings/delete", post(settings::delete_account))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), guard));
    // These forms take images: they are capped as they are read, at the upload limit.
    let editor = Router::new()
        .route("/settings/profile", post(settings::save_profile))
        .route("/editor", get(editor::new_story).post(editor::save_new))
        .route(
            "/editor/{slug}",
            get(editor::edit_story).post(editor::save_story),
        )
        .route("/editor/{slug}/delete", post(editor::delete_story))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(map_response(no_store))
        .route_layer(axum::middleware::from_fn_with_state(state, guard));
    Router::new()
        .merge(public)
        .merge(pages)
        .merge(editor)
        .route("/assets/{name}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
        .route("/lang/{code}", get(choose_language))
        .route_layer(axum::middleware::from_fn(report_route))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(page_headers))
        .layer(CompressionLayer::new())
}

/// The site is the API's fallback, so the API's request log and metrics never see which page
/// route matched: the answer carries it out to them.
async fn report_route(request: Request, next: Next) -> Response {
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(matched) = matched {
        response.extensions_mut().insert(matched);
    }
    response
}

/// A public page as a reader who is not signed in sees it is kept like the API's answers (see
/// [`crate::http::cache`]), one copy per language and encoding asked for: a story's page then
/// costs about what its JSON does. A signed-in reader's pages carry their form tokens and are
/// always made afresh.
async fn kept(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    if request.method() != axum::http::Method::GET
        || session::cookie(headers, session::SESSION_COOKIE).is_some()
    {
        return next.run(request).await;
    }
    let encoding = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let target = request
        .uri()
        .path_and_query()
        .map_or(request.uri().path(), |target| target.as_str());
    let key = format!("{} {encoding} {target}", Lang::negotiate(headers).code());
    crate::http::cache::kept(&state, (None, key), request, next).await
}

/// Pages read the database: the API's guard (a migrated database that is not known to be away,
/// the request timeout), with its refusals answered as pages.
async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let lang = Lang::negotiate(request.headers());
    match crate::http::middleware::run_guarded(&state, request, next).await {
        Ok(response) => response,
        Err(e) => error_page(&state, lang, e),
    }
}

async fn page_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    // Under `no-referrer` browsers send `Origin: null` with a page's forms, which the forms'
    // check must refuse; `same-origin` names the site to itself and still nothing to others.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // The language comes from these: a shared cache must keep a copy per value.
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Language, Cookie"),
    );
    response
}

/// The parts of a page's address (`/article/{slug}`), whose rejection (bytes that are not
/// UTF-8) is an error page like any other, not the extractor's plain text.
pub struct PagePath<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send> FromRequestParts<AppState> for PagePath<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(PagePath(value)),
            Err(e) => Err(error_page(state, Lang::negotiate(&parts.headers), e.into())),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::negotiate(&parts.headers))
    }
}

/// What every page shows around its content: the site, the language, and how the page is
/// found (title, description, canonical address).
pub struct Chrome {
    pub lang: Lang,
    pub t: &'static Messages,
    pub site_name: String,
    pub title: String,
    pub description: String,
    /// `PUBLIC_URL` and the page's path: the one address search engines should index.
    pub canonical: String,
    pub public_url: String,
    /// Drafts, unlisted stories and error pages are not for search engines.
    pub noindex: bool,
    pub style_url: &'static str,
    pub icon_url: &'static str,
    /// The path, with its query, that the language switch comes back to.
    pub here: String,
    /// The signed-in reader: their name, whether they administer the site, and their token
    /// for the sign-out form.
    pub viewer: Option<ChromeViewer>,
}

pub struct ChromeViewer {
    pub username: String,
    pub admin: bool,
    pub csrf: String,
}

impl Chrome {
    pub fn new(
        state: &AppState,
        lang: Lang,
        viewer: Option<&Viewer>,
        path: &str,
        title: String,
    ) -> Self {
        Chrome {
            lang,
            t: lang.messages(),
            site_name: state.site_name.to_string(),
            title,
            description: state.site_description.to_string(),
            canonical: format!("{}{path}", state.public_url),
            public_url: state.public_url.to_string(),
            noindex: false,
            style_url: &assets::STYLE.url,
            icon_url: &assets::ICON.url,
            here: path.to_string(),
            viewer: viewer.map(|v| ChromeViewer {
                username: v.username.clone(),
                admin: v.user.admin,
                csrf: v.csrf.clone(),
            }),
        }
    }

    /// The other languages, each with the link that switches to it.
    pub fn languages(&self) -> Vec<(&'static str, &'static str, String)> {
        Lang::ALL
            .into_iter()
            .filter(|lang| *lang != self.lang)
            .map(|lang| {
                let name = match lang {
                    Lang::En => "English",
                    Lang::Ko => "한국어",
                };
                let next: String =
                    url::form_urlencoded::byte_serialize(self.here.as_bytes()).collect();
                (
                    lang.code(),
                    name,
                    format!("/lang/{}?next={next}", lang.code()),
                )
            })
            .collect()
    }
}

/// A page's HTML, or the error page for what went wrong, in the reader's language.
fn respond(state: &AppState, lang: Lang, page: Result<impl Template, ApiError>) -> Response {
    match page {
        Ok(page) => render(state, lang, StatusCode::OK, page),
        Err(e) => error_page(state, lang, e),
    }
}

/// `page` with `status` (a form shown again with what to correct is not a 200).
fn render(state: &AppState, lang: Lang, status: StatusCode, page: impl Template) -> Response {
    match page.render() {
        Ok(html) => html_response(status, html),
        Err(e) => error_page(state, lang, ApiError::internal(e.into())),
    }
}

/// Pages that hold their reader's form token, unpublished text or moderation data: no cache,
/// shared or the browser's, keeps them.
async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn html_response(status: StatusCode, html: String) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        html,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    heading: &'static str,
    text: &'static str,
    /// What exactly was refused, for a request the reader can correct.
    details: Vec<String>,
}

/// The API's answer for `error` (its status, `Retry-After`, its log line and the marks the
/// middleware reads), with a page in place of the JSON envelope.
fn error_page(state: &AppState, lang: Lang, error: ApiError) -> Response {
    let details = if error.status().is_client_error() && error.status() != StatusCode::NOT_FOUND {
        refusals::lines(&error, lang)
    } else {
        Vec::new()
    };
    let mut response = error.into_response();
    let status = response.status();
    let t = lang.messages();
    let (heading, text) = match status {
        StatusCode::NOT_FOUND => (t.not_found_title, t.not_found_text),
        StatusCode::SERVICE_UNAVAILABLE => (t.unavailable_title, t.unavailable_text),
        StatusCode::FORBIDDEN => (t.forbidden_title, t.forbidden_text),
        _ => (t.error_title, t.error_text),
    };
    let mut chrome = Chrome::new(state, lang, None, "/", heading.to_string());
    chrome.noindex = true;
    let page = ErrorPage {
        chrome,
        heading,
        text,
        details,
    };
    let html = page.render().unwrap_or_else(|_| heading.to_string());
    *response.body_mut() = Body::from(html);
    let headers = response.headers_mut();
    headers.remove(header::CONTENT_LENGTH);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// Unknown addresses outside the API: a page saying so.
async fn not_found(State(state): State<AppState>, lang: Lang) -> Response {
    error_page(&state, lang, ApiError::not_found("page"))
}

#[derive(Deserialize)]
pub struct ComeBack {
    next: Option<String>,
}

/// `GET /lang/{code}?next=/path`: keeps the reader's choice of language for a year and goes
/// back to the page it was made on (only ever a path on this site).
async fn choose_language(Path(code): Path<String>, Query(next): Query<ComeBack>) -> Response {
    let back = local_path(next.next.as_deref());
    let Some(lang) = Lang::parse(&code) else {
        return Redirect::to(back).into_response();
    };
    let cookie = format!(
        "{}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        i18n::LANG_COOKIE,
        lang.code()
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to(back)).into_response()
}

/// `raw` when it is a path on this site; `/` for anything that could lead elsewhere
/// (`//host`, `/\host`, `https://host`).
pub fn local_path(raw: Option<&str>) -> &str {
    match raw {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.contains(['\r', '\n']) =>
        {
            path
        }
        _ => "/",
    }
}
