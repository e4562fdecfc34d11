//! The resources the API shows, in the spec's JSON shapes; storage fills them in one query each.

use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

pub use super::article::ArticleStatus;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub email: String,
    pub token: String,
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Profile {
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
    pub following: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Article {
    pub slug: String,
    pub title: String,
    pub description: String,
    /// The Markdown source. Absent in lists, present for a single article.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The body rendered to sanitized HTML when the article was written. Absent in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_html: Option<String>,
    /// Stored as a JSON array and passed through without re-encoding.
    #[schema(value_type = Vec<String>)]
    pub tag_list: Box<RawValue>,
    #[schema(example = "2026-11-25T04:06:24.123Z")]
    pub created_at: String,
    pub updated_at: String,
    /// When the article was first published; `null` while it never was. Lists are ordered by it.
    pub published_at: Option<String>,
    pub status: ArticleStatus,
    pub favorited: bool,
    pub favorites_count: i64,
    /// Claps from all readers.
    pub claps_count: i64,
    /// This viewer's claps, 0 to 50 (0 when anonymous).
    pub viewer_claps: i64,
    /// Whether this viewer saved the article to their reading list.
    pub bookmarked: bool,
    /// Comments a reader can read (deleted ones kept as thread placeholders are not counted).
    pub comments_count: i64,
    /// Estimated minutes to read the body, at least 1.
    pub reading_time_minutes: i64,
    pub author: Profile,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: i64,
    pub created_at: String,
    pub updated_at: String,
    /// The Markdown source; `null` for a deleted comment kept because it has replies.
    pub body: Option<String>,
    /// The body rendered to sanitized HTML (no images or headings); `null` when deleted.
    pub body_html: Option<String>,
    /// The comment this one answers, on the same article; `null` for a top-level comment.
    pub parent_id: Option<i64>,
    /// True for a deleted comment kept in place so that its replies keep their thread.
    pub deleted: bool,
    /// `null` when deleted.
    pub author: Option<Profile>,
}

/// What a notification tells its recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum NotificationKind {
    /// `actor` started following the recipient.
    Follow,
    /// `actor` commented on the recipient's article.
    Comment,
    /// `actor` answered the recipient's comment.
    Reply,
    /// `actor`, whom the recipient follows, published an article.
    Article,
    /// `actorsCount` people favorited the recipient's article that day; `actor` the latest.
    Favorite,
    /// `actorsCount` people clapped for the recipient's article that day; `actor` the latest.
    Clap,
}

impl NotificationKind {
    /// The stored form, the same word as in the API.
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "follow" => Self::Follow,
            "comment" => Self::Comment,
            "reply" => Self::Reply,
            "article" => Self::Article,
            "favorite" => Self::Favorite,
            "clap" => Self::Clap,
            _ => return None,
        })
    }
}

/// One notification of the signed-in user.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// Grows with every new notification; `POST /api/notifications/read` takes it as `upTo`.
    pub id: i64,
    pub kind: NotificationKind,
    /// When it happened; for favorites and claps, when the first person of the day acted.
    #[schema(example = "2026-11-25T04:06:24.123Z")]
    pub created_at: String,
    /// When the latest person acted (later than `createdAt` only for favorites and claps).
    pub updated_at: String,
    /// False again when someone new joins a favorite or clap notification.
    pub read: bool,
    /// Who acted (the latest of them for favorites and claps); `following` says whether the
    /// recipient follows them.
    pub actor: Profile,
    /// How many distinct people acted: 1 except for favorites and claps.
    pub actors_count: i64,
    /// The article it is about; absent for `follow`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article: Option<NotifiedArticle>,
    /// The new comment, for `comment` and `reply`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<NotifiedComment>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotifiedArticle {
    pub slug: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotifiedComment {
    pub id: i64,
    /// The Markdown source, as it reads now.
    pub body: String,
}

/// A tag with how many published articles use it and whether the viewer follows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Tag {
    pub name: String,
    pub articles_count: i64,
    pub following: bool,
}
