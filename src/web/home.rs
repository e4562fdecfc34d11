//! `/`: the newest published stories and the popular tags.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;

use super::session::Viewer;
use super::views::{Story, StoryPage};
use super::{Chrome, Lang, respond};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::paging::PageParams;
use crate::storage::lists::ArticleFilter;

const POPULAR_TAGS: i64 = 20;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    stories: Vec<Story>,
    tags: Vec<String>,
    /// The link to the next page, from the list's cursor.
    older: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    viewer: Option<Viewer>,
    Query(paging): Query<PageParams>,
) -> Response {
    respond(&state, lang, page(&state, lang, viewer, paging).await)
}

async fn page(
    state: &AppState,
    lang: Lang,
    viewer: Option<Viewer>,
    paging: PageParams,
) -> Result<HomePage, ApiError> {
    let list = StoryPage::load(state, lang, ArticleFilter::default(), paging, "/?").await?;
    Ok(HomePage {
        chrome: Chrome::new(
            state,
            lang,
            viewer.as_ref(),
            "/",
            state.site_name.to_string(),
        ),
        stories: list.stories,
        tags: state.db.popular_tags(POPULAR_TAGS).await?,
        older: list.older,
    })
}
