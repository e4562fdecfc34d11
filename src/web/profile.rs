//! `/profile/{username}`: who they are, and their stories or the stories they favorited.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::PagePath;
use super::session::Viewer;
use super::views::{Story, StoryPage, script_safe};
use super::{Chrome, Lang, respond};
use crate::domain::views::Profile;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::paging::PageParams;
use crate::storage::lists::ArticleFilter;

#[derive(Deserialize)]
pub struct Tab {
    tab: Option<String>,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    chrome: Chrome,
    profile: Profile,
    /// Whether the signed-in viewer blocks them.
    blocking: bool,
    /// Whether the favorites tab is open rather than their own stories.
    favorites: bool,
    stories: Vec<Story>,
    older: Option<String>,
    /// `Person` structured data, made safe to sit in a `<script>` element.
    json_ld: String,
}

pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    viewer: Option<Viewer>,
    PagePath(username): PagePath<String>,
    Query(tab): Query<Tab>,
    Query(paging): Query<PageParams>,
) -> Response {
    let favorites = tab.tab.as_deref() == Some("favorites");
    respond(
        &state,
        lang,
        page(&state, lang, viewer, &username, favorites, paging).await,
    )
}

async fn page(
    state: &AppState,
    lang: Lang,
    viewer: Option<Viewer>,
    username: &str,
    favorites: bool,
    paging: PageParams,
) -> Result<ProfilePage, ApiError> {
    let viewer_id = viewer.as_ref().map(|v| v.user.id);
    let row = state
        .db
        .profile(username, viewer_id)
        .await?
        .ok_or_else(|| ApiError::not_found("profile"))?;
    let blocking = match viewer_id {
        Some(me) => state.db.blocks(me, row.id).await?,
        None => false,
    };
    let profile = row.profile;
    let filter = if favorites {
        ArticleFilter {
            favorited_by: Some(profile.username.clone()),
            ..ArticleFilter::default()
        }
    } else {
        ArticleFilter {
            author: Some(profile.username.clone()),
            ..ArticleFilter::default()
        }
    };
    let path = format!("/profile/{}", profile.username);
    let tab = if favorites { "?tab=favorites&" } else { "?" };
    let list = StoryPage::load(state, lang, filter, paging, &format!("{path}{tab}")).await?;
    let mut chrome = Chrome::new(
        state,
        lang,
        viewer.as_ref(),
        &path,
        profile.username.clone(),
    );
    if let Some(bio) = profile.bio.as_ref().filter(|bio| !bio.trim().is_empty()) {
        chrome.description = bio.clone();
    }
    let json_ld = script_safe(&json!({
        "@context": "https://schema.org",
        "@type": "Person",
        "name": profile.username,
        "description": profile.bio,
        "image": profile.image,
        "url": chrome.canonical,
    }));
    Ok(ProfilePage {
        chrome,
        blocking,
        favorites,
        stories: list.stories,
        older: list.older,
        json_ld,
        profile,
    })
}
