//! The lists of stories that are not a tag's or a writer's: `/search`, and the signed-in
//! reader's own `/bookmarks` and `/drafts`, paged by the API's cursors.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::session::Viewer;
use super::views::{Story, StoryPage};
use super::{Chrome, Lang, respond};
use crate::domain::search::SearchQuery;
use crate::http::AppState;
use crate::http::paging::PageParams;
use crate::storage::lists::{ArticleFilter, ArticleList};

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    chrome: Chrome,
    heading: String,
    /// On the search page, what was searched for (the form shows it again).
    query: Option<String>,
    /// What an empty list says; nothing for a search not made yet.
    empty: &'static str,
    stories: Vec<Story>,
    older: Option<String>,
}

#[derive(Deserialize)]
pub struct Searched {
    q: Option<String>,
}

/// `GET /search?q=`: published stories ranked by relevance, Korean included.
pub async fn search(
    State(state): State<AppState>,
    lang: Lang,
    viewer: Option<Viewer>,
    Query(searched): Query<Searched>,
    Query(paging): Query<PageParams>,
) -> Response {
    let t = lang.messages();
    let q = searched.q.unwrap_or_default();
    let here: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", &q)
        .finish();
    let page = async {
        let (stories, older, empty) = match SearchQuery::parse(&q) {
            Some(search) => {
                let filter = ArticleFilter {
                    search: Some(search),
                    ..ArticleFilter::default()
                };
                let here = format!("/search?{here}&");
                let list = StoryPage::load(&state, lang, filter, paging, &here).await?;
                (list.stories, list.older, t.no_results)
            }
            // Nothing to search for yet, or no word in it: the form alone, or "no match".
            None => (
                Vec::new(),
                None,
                if q.trim().is_empty() {
                    ""
                } else {
                    t.no_results
                },
            ),
        };
        let path = format!("/search?{here}");
        let mut chrome = Chrome::new(&state, lang, viewer.as_ref(), &path, t.search.to_string());
        chrome.noindex = true;
        Ok(ListPage {
            chrome,
            heading: t.search.to_string(),
            query: Some(q.clone()),
            empty,
            stories,
            older,
        })
    };
    respond(&state, lang, page.await)
}

/// `GET /bookmarks`: the reader's reading list, most recently saved first.
pub async fn bookmarks(
    State(state): State<AppState>,
    lang: Lang,
    viewer: Viewer,
    Query(paging): Query<PageParams>,
) -> Response {
    own_list(&state, lang, viewer, paging, ArticleList::Bookmarks).await
}

/// `GET /drafts`: the reader's drafts, last edited first.
pub async fn drafts(
    State(state): State<AppState>,
    lang: Lang,
    viewer: Viewer,
    Query(paging): Query<PageParams>,
) -> Response {
    own_list(&state, lang, viewer, paging, ArticleList::Drafts).await
}

async fn own_list(
    state: &AppState,
    lang: Lang,
    viewer: Viewer,
    paging: PageParams,
    list: ArticleList,
) -> Response {
    let t = lang.messages();
    let (path, heading, empty) = match list {
        ArticleList::Drafts => ("/drafts", t.drafts, t.no_drafts),
        _ => ("/bookmarks", t.bookmarks, t.no_bookmarks),
    };
    let page = async {
        let here = format!("{path}?");
        let found =
            StoryPage::load_list(state, lang, list, Some(viewer.user.id), paging, &here).await?;
        let mut chrome = Chrome::new(state, lang, Some(&viewer), path, heading.to_string());
        chrome.noindex = true;
        Ok(ListPage {
            chrome,
            heading: heading.to_string(),
            query: None,
            empty,
            stories: found.stories,
            older: found.older,
        })
    };
    respond(state, lang, page.await)
}
