//! `/article/{slug}`: a story, its author, tags and counts, and its threaded comments.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::PagePath;
use super::session::Viewer;
use super::views::{ThreadStep, script_safe, tag_names, thread};
use super::{Chrome, Lang, assets, respond};
use crate::domain::views::{Article, ArticleStatus};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::paging::COMMENTS;
use crate::storage::comments::OffsetPage;

#[derive(Template)]
#[template(path = "article.html")]
struct ArticlePage {
    chrome: Chrome,
    article: Article,
    tags: Vec<String>,
    date: String,
    timestamp: String,
    /// The first image of the story, else the author's picture: what a shared link shows.
    image: Option<String>,
    /// `Article` structured data for search engines, made safe to sit in a `<script>` element.
    json_ld: String,
    comments: Vec<ThreadStep>,
    /// The reader has just reported the story or one of its comments.
    reported: bool,
    script_url: &'static str,
}

#[derive(Deserialize)]
pub struct Shown {
    reported: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    viewer: Option<Viewer>,
    PagePath(slug): PagePath<String>,
    Query(shown): Query<Shown>,
) -> Response {
    let mut page = page(&state, lang, viewer, &slug).await;
    if let Ok(page) = &mut page {
        page.reported = shown.reported.is_some();
    }
    respond(&state, lang, page)
}

async fn page(
    state: &AppState,
    lang: Lang,
    viewer: Option<Viewer>,
    slug: &str,
) -> Result<ArticlePage, ApiError> {
    let viewer_id = viewer.as_ref().map(|v| v.user.id);
    let article = state
        .db
        .article(slug, viewer_id)
        .await?
        .ok_or_else(|| ApiError::not_found("article"))?;
    let page = OffsetPage {
        limit: COMMENTS.max,
        offset: 0,
    };
    let comments = state
        .db
        .comments(slug, viewer_id, page)
        .await?
        .unwrap_or_default();
    let path = format!("/article/{}", article.slug);
    let mut chrome = Chrome::new(state, lang, viewer.as_ref(), &path, article.title.clone());
    chrome.description = article.description.clone();
    chrome.noindex = article.status != ArticleStatus::Published;
    let timestamp = article
        .published_at
        .clone()
        .unwrap_or_else(|| article.created_at.clone());
    let image = article
        .body_html
        .as_deref()
        .and_then(first_image)
        .map(|src| absolute(&state.public_url, &src))
        .or_else(|| article.author.image.clone());
    let json_ld = script_safe(&json!({
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": article.title,
        "description": article.description,
        "datePublished": timestamp,
        "dateModified": article.updated_at,
        "author": {
            "@type": "Person",
            "name": article.author.username,
            "url": format!("{}/profile/{}", state.public_url, article.author.username),
        },
        "image": image,
        "mainEntityOfPage": chrome.canonical,
    }));
    Ok(ArticlePage {
        tags: tag_names(&article),
        date: lang.date(&timestamp),
        timestamp,
        image,
        json_ld,
        comments: thread(comments, lang),
        reported: false,
        script_url: &assets::REACTIONS.url,
        chrome,
        article,
    })
}

/// The `src` of the first `<img>` in sanitized HTML, whose attributes the sanitizer wrote with
/// double quotes and entities.
fn first_image(html: &str) -> Option<String> {
    let start = html.find("<img ")?;
    let tag = &html[start..start + html[start..].find('>')?];
    let src = tag.split(" src=\"").nth(1)?.split('"').next()?;
    Some(src.replace("&amp;", "&"))
}

/// Uploads are linked by absolute URL already; a relative image path is made absolute, as
/// OpenGraph requires.
fn absolute(public_url: &str, src: &str) -> String {
    if src.starts_with('/') && !src.starts_with("//") {
        format!("{public_url}{src}")
    } else {
        src.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_image_is_found_in_sanitized_html() {
        let html = "<p>x</p><p><img src=\"https://e.com/a.png?x=1&amp;y=2\" alt=\"a\"></p>\
                    <img src=\"/uploads/b.png\">";
        assert_eq!(
            first_image(html).as_deref(),
            Some("https://e.com/a.png?x=1&y=2")
        );
        assert_eq!(first_image("<p>no image</p>"), None);
    }

    #[test]
    fn structured_data_cannot_close_its_script_element() {
        let safe = script_safe(&json!({"headline": "</script><script>alert(1)</script>"}));
        assert!(!safe.contains('<') && !safe.contains('>'), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["headline"], "</script><script>alert(1)</script>");
    }
}
