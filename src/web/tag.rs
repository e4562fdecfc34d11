//! `/tag/{tag}`: the stories with a tag, newest first.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;

use super::PagePath;
use super::session::Viewer;
use super::views::{Story, StoryPage};
use super::{Chrome, Lang, respond};
use crate::domain::views::Tag;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::paging::PageParams;
use crate::storage::lists::ArticleFilter;

#[derive(Template)]
#[template(path = "tag.html")]
struct TagPage {
    chrome: Chrome,
    tag: Tag,
    stories: Vec<Story>,
    older: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    viewer: Option<Viewer>,
    PagePath(name): PagePath<String>,
    Query(paging): Query<PageParams>,
) -> Response {
    respond(
        &state,
        lang,
        page(&state, lang, viewer, &name, paging).await,
    )
}

async fn page(
    state: &AppState,
    lang: Lang,
    viewer: Option<Viewer>,
    name: &str,
    paging: PageParams,
) -> Result<TagPage, ApiError> {
    // A tag that only drafts use is not there, for its drafts' author too.
    let viewer_id = viewer.as_ref().map_or(0, |v| v.user.id);
    let tag = state
        .db
        .tag(name, viewer_id)
        .await?
        .ok_or_else(|| ApiError::not_found("tag"))?;
    let filter = ArticleFilter {
        tag: Some(tag.name.clone()),
        ..ArticleFilter::default()
    };
    let path = format!("/tag/{}", tag.name);
    let list = StoryPage::load(state, lang, filter, paging, &format!("{path}?")).await?;
    let mut chrome = Chrome::new(
        state,
        lang,
        viewer.as_ref(),
        &path,
        format!("#{}", tag.name),
    );
    chrome.description = format!("{} · {}", tag.name, chrome.t.tagged_stories);
    Ok(TagPage {
        chrome,
        stories: list.stories,
        older: list.older,
        tag,
    })
}
