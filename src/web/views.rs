//! What a page shows of the API's resources, in the reader's language.

use super::Lang;
use crate::domain::views::{Article, Comment};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::paging::{ARTICLES, PageParams, cursor};
use crate::storage::lists::{ArticleFilter, ArticleList};

/// A page of stories and the link to the next one.
pub struct StoryPage {
    pub stories: Vec<Story>,
    pub older: Option<String>,
}

impl StoryPage {
    /// The page of `filter`'s published stories that `paging` names, as anyone sees them; the
    /// next page's link is `here` with its query so far (`/?`, `/profile/ada?tab=favorites&`)
    /// and the cursor added.
    pub async fn load(
        state: &AppState,
        lang: Lang,
        filter: ArticleFilter,
        paging: PageParams,
        here: &str,
    ) -> Result<Self, ApiError> {
        Self::load_list(
            state,
            lang,
            ArticleList::Published(filter),
            None,
            paging,
            here,
        )
        .await
    }

    /// The page of `list` as `viewer` sees it (the personal lists are the viewer's own).
    pub async fn load_list(
        state: &AppState,
        lang: Lang,
        list: ArticleList,
        viewer: Option<i64>,
        paging: PageParams,
        here: &str,
    ) -> Result<Self, ApiError> {
        let found = state
            .db
            .list_articles(&list, viewer, paging.page(ARTICLES)?)
            .await?;
        Ok(StoryPage {
            older: found
                .next
                .as_ref()
                .and_then(cursor)
                .map(|c| format!("{here}cursor={c}")),
            stories: found
                .articles
                .into_iter()
                .map(|a| Story::new(a, lang))
                .collect(),
        })
    }
}

/// A story as a list shows it.
pub struct Story {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub author: String,
    pub author_image: Option<String>,
    pub date: String,
    /// The machine-readable date, for `<time datetime>`.
    pub timestamp: String,
    pub reading_minutes: i64,
    pub tags: Vec<String>,
    pub claps: i64,
    pub comments: i64,
}

impl Story {
    pub fn new(article: Article, lang: Lang) -> Self {
        let tags = tag_names(&article);
        let timestamp = article
            .published_at
            .unwrap_or_else(|| article.created_at.clone());
        Story {
            tags,
            slug: article.slug,
            title: article.title,
            description: article.description,
            author: article.author.username,
            author_image: article.author.image,
            date: lang.date(&timestamp),
            timestamp,
            reading_minutes: article.reading_time_minutes,
            claps: article.claps_count,
            comments: article.comments_count,
        }
    }
}

/// The article's tags: stored as a JSON array of strings, passed through as it is by the API.
pub fn tag_names(article: &Article) -> Vec<String> {
    serde_json::from_str(article.tag_list.get()).unwrap_or_default()
}

/// A thread, flattened for a template: a comment opens an element that its replies are written
/// inside, and the element closes after the last of them.
pub enum ThreadStep {
    Open(ShownComment),
    Close,
}

pub struct ShownComment {
    pub id: i64,
    pub author: Option<String>,
    pub author_image: Option<String>,
    pub date: String,
    pub timestamp: String,
    /// Sanitized when the comment was written; `None` when it was deleted.
    pub html: Option<String>,
}

/// `comments` come oldest first, so every reply follows the comment it answers; a reply whose
/// parent is not on the page is shown at the top level.
pub fn thread(comments: Vec<Comment>, lang: Lang) -> Vec<ThreadStep> {
    let mut children: std::collections::HashMap<i64, Vec<usize>> = Default::default();
    let ids: std::collections::HashSet<i64> = comments.iter().map(|c| c.id).collect();
    let mut roots = Vec::new();
    for (index, comment) in comments.iter().enumerate() {
        match comment.parent_id.filter(|parent| ids.contains(parent)) {
            Some(parent) => children.entry(parent).or_default().push(index),
            None => roots.push(index),
        }
    }
    let mut shown: Vec<Option<Comment>> = comments.into_iter().map(Some).collect();
    let mut steps = Vec::with_capacity(shown.len() * 2);
    // Depth-first without recursion: a thread is as deep as its readers made it.
    let mut stack: Vec<(usize, bool)> = roots.into_iter().rev().map(|i| (i, false)).collect();
    while let Some((index, opened)) = stack.pop() {
        if opened {
            steps.push(ThreadStep::Close);
            continue;
        }
        let Some(comment) = shown[index].take() else {
            continue;
        };
        stack.push((index, true));
        if let Some(replies) = children.get(&comment.id) {
            stack.extend(replies.iter().rev().map(|&i| (i, false)));
        }
        steps.push(ThreadStep::Open(ShownComment {
            id: comment.id,
            author_image: comment.author.as_ref().and_then(|a| a.image.clone()),
            author: comment.author.map(|a| a.username),
            date: lang.date(&comment.created_at),
            timestamp: comment.created_at,
            html: comment.body_html,
        }));
    }
    steps
}

/// JSON that cannot end the `<script>` element holding it or open a comment there.
pub fn script_safe(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}
