//! `/`: the newest published stories and the popular tags; for a signed-in reader, also the
//! stories of the writers and tags they follow (`?feed=following`).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::session::Viewer;
use super::views::{Story, StoryPage};
use super::{Chrome, Lang, respond};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::paging::PageParams;
use crate::storage::lists::{ArticleFilter, ArticleList};

const POPULAR_TAGS: i64 = 20;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    stories: Vec<Story>,
    tags: Vec<String>,
    /// The link to the next page, from the list's cursor.
    older: Option<String>,
    /// The signed-in reader's "following" tab is open.
    following: bool,
}

#[derive(Deserialize)]
pub struct Tab {
    feed: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    viewer: Option<Viewer>,
    Query(tab): Query<Tab>,
    Query(paging): Query<PageParams>,
) -> Response {
    let following = viewer.is_some() && tab.feed.as_deref() == Some("following");
    respond(
        &state,
        lang,
        page(&state, lang, viewer, following, paging).await,
    )
}

async fn page(
    state: &AppState,
    lang: Lang,
    viewer: Option<Viewer>,
    following: bool,
    paging: PageParams,
) -> Result<HomePage, ApiError> {
    let list = match &viewer {
        Some(viewer) if following => {
            let id = Some(viewer.user.id);
            StoryPage::load_list(
                state,
                lang,
                ArticleList::Feed,
                id,
                paging,
                "/?feed=following&",
            )
            .await?
        }
        _ => StoryPage::load(state, lang, ArticleFilter::default(), paging, "/?").await?,
    };
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
        following,
    })
}
