//! How an article view is read: the columns every view selects, the tables they come from, and
//! the row's decoding. The single article and every list read it the same way.

use serde_json::value::RawValue;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::domain::article::ArticleStatus;
use crate::domain::views::{Article, Profile};

/// The columns every article view needs, from `articles a JOIN users u` (and `article_bodies b`
/// with the body). `$1` is the viewer's id, or NULL for an anonymous viewer, for whom the
/// per-viewer state is a constant and no subquery runs.
///
/// The viewer's four answers travel packed in one integer, `viewer` (see [`ViewerState`]): each
/// column costs a conversion per row in sqlx's `Any` driver, and lists carry 20 rows or more.
pub(super) fn columns(viewer: bool, with_body: bool) -> String {
    let per_viewer = if viewer {
        "CASE WHEN EXISTS (SELECT 1 FROM favorites f WHERE f.article_id = a.id AND f.user_id = $1) \
              THEN 1 ELSE 0 END \
         + CASE WHEN EXISTS (SELECT 1 FROM follows fo WHERE fo.follower_id = $1 AND fo.followee_id = a.author_id) \
              THEN 2 ELSE 0 END \
         + CASE WHEN EXISTS (SELECT 1 FROM bookmarks bk WHERE bk.user_id = $1 AND bk.article_id = a.id) \
              THEN 4 ELSE 0 END \
         + 8 * COALESCE((SELECT cl.claps FROM claps cl WHERE cl.user_id = $1 AND cl.article_id = a.id), 0) \
         AS viewer"
    } else {
        "0 AS viewer"
    };
    let body = if with_body {
        "b.body, b.body_html"
    } else {
        "NULL AS body, NULL AS body_html"
    };
    format!(
        "SELECT a.slug, a.title, a.description, {body}, a.tag_list, a.status, a.published_at, \
                a.favorites_count, a.claps_count, a.comments_count, a.reading_time_minutes, \
                a.created_at, a.updated_at, u.username, u.bio, u.image, {per_viewer}"
    )
}

/// What the `viewer` column packs: bit 0 favorited, bit 1 following the author, bit 2
/// bookmarked, and the viewer's claps from bit 3 up.
struct ViewerState(i64);

impl ViewerState {
    fn favorited(&self) -> bool {
        self.0 & 1 != 0
    }

    fn following(&self) -> bool {
        self.0 & 2 != 0
    }

    fn bookmarked(&self) -> bool {
        self.0 & 4 != 0
    }

    fn claps(&self) -> i64 {
        self.0 >> 3
    }
}

pub(super) const FROM: &str = " FROM articles a JOIN users u ON u.id = a.author_id";

pub(super) fn article(row: &AnyRow) -> Result<Article, sqlx::Error> {
    let tag_list: String = row.try_get("tag_list")?;
    let status: String = row.try_get("status")?;
    let viewer = ViewerState(row.try_get("viewer")?);
    Ok(Article {
        slug: row.try_get("slug")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        body: row.try_get("body")?,
        body_html: row.try_get("body_html")?,
        tag_list: RawValue::from_string(tag_list).map_err(|e| sqlx::Error::Decode(e.into()))?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        published_at: row.try_get("published_at")?,
        status: ArticleStatus::parse(&status).map_err(|e| sqlx::Error::Decode(e.into()))?,
        favorited: viewer.favorited(),
        favorites_count: row.try_get("favorites_count")?,
        claps_count: row.try_get("claps_count")?,
        viewer_claps: viewer.claps(),
        bookmarked: viewer.bookmarked(),
        comments_count: row.try_get("comments_count")?,
        reading_time_minutes: row.try_get("reading_time_minutes")?,
        author: Profile {
            username: row.try_get("username")?,
            bio: row.try_get("bio")?,
            image: row.try_get("image")?,
            following: viewer.following(),
        },
    })
}
