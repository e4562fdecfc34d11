//! Tags: linking them to articles, the popular list (from counts kept by triggers), and
//! followed tags.

use sqlx::Row;

use super::Db;
use super::changes;
use super::visibility::LISTED;
use crate::domain::views::Tag;

impl Db {
    /// The tags most published articles use, most used first (ties alphabetical): an index
    /// walk over counts kept on write, whatever the number of articles.
    pub async fn popular_tags(&self, limit: i64) -> Result<Vec<String>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT name FROM tags WHERE articles_count > 0 \
             ORDER BY articles_count DESC, name LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| r.try_get("name")).collect()
    }

    /// The tag as `viewer` sees it; `None` if no published article uses it and the viewer does
    /// not follow it, so that tags of other people's drafts stay unknown.
    pub async fn tag(&self, name: &str, viewer: i64) -> Result<Option<Tag>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT name, articles_count, following FROM ( \
                 SELECT t.name, t.articles_count, \
                        CASE WHEN EXISTS (SELECT 1 FROM tag_follows tf WHERE tf.tag_id = t.id AND tf.user_id = $1) \
                             THEN 1 ELSE 0 END AS following \
                 FROM tags t WHERE t.name = $2) v \
             WHERE articles_count > 0 OR following = 1",
        )
        .bind(viewer)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Tag {
                name: r.try_get("name")?,
                articles_count: r.try_get("articles_count")?,
                following: r.try_get::<i64, _>("following")? == 1,
            })
        })
        .transpose()
    }

    /// Idempotent; only a tag some published article uses can be followed (nothing else would
    /// reach the feed, and a tag only drafts use must not be confirmed to exist). The tag as
    /// `user` now sees it, or `None` for a tag no published article uses.
    pub async fn follow_tag(&self, user: i64, name: &str) -> Result<Option<Tag>, sqlx::Error> {
        let done = sqlx::query(
            "INSERT INTO tag_follows (user_id, tag_id) \
             SELECT $1, id FROM tags WHERE name = $2 AND articles_count > 0 \
             ON CONFLICT (user_id, tag_id) DO NOTHING",
        )
        .bind(user)
        .bind(name)
        .execute(&self.pool)
        .await?;
        changes::changed_rows(done.rows_affected());
        self.tag(name, user).await
    }

    /// Idempotent: a tag `user` does not follow, or that no published article uses, is answered
    /// unfollowed and unused as well.
    pub async fn unfollow_tag(&self, user: i64, name: &str) -> Result<Tag, sqlx::Error> {
        let done = sqlx::query(
            "DELETE FROM tag_follows WHERE user_id = $1 \
             AND tag_id IN (SELECT id FROM tags WHERE name = $2)",
        )
        .bind(user)
        .bind(name)
        .execute(&self.pool)
        .await?;
        changes::changed_rows(done.rows_affected());
        Ok(self.tag(name, user).await?.unwrap_or_else(|| Tag {
            name: name.to_string(),
            articles_count: 0,
            following: false,
        }))
    }

    /// The tags `user` follows, alphabetical.
    pub async fn followed_tags(&self, user: i64) -> Result<Vec<String>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT t.name FROM tag_follows tf JOIN tags t ON t.id = tf.tag_id \
             WHERE tf.user_id = $1 ORDER BY t.name",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| r.try_get("name")).collect()
    }
}

/// Records the article's tags for filtering and counting: two statements whatever the number of
/// tags. Each link carries the article's published flag, which the tag counts follow; rows are
/// locked in id order so that concurrent writers of the same tags cannot deadlock.
pub(super) async fn link_tags(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    article_id: i64,
    tags: &[String],
) -> Result<(), sqlx::Error> {
    if tags.is_empty() {
        return Ok(());
    }
    let values = (1..=tags.len())
        .map(|i| format!("(${i})"))
        .collect::<Vec<_>>()
        .join(", ");
    let insert_sql =
        format!("INSERT INTO tags (name) VALUES {values} ON CONFLICT (name) DO NOTHING");
    let mut insert = sqlx::query(&insert_sql);
    for t in tags {
        insert = insert.bind(t.as_str());
    }
    insert.execute(&mut **tx).await?;
    let names = (2..2 + tags.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let link_sql = format!(
        "INSERT INTO article_tags (article_id, tag_id, published, published_at) \
         SELECT $1, t.id, CASE WHEN {LISTED} THEN 1 ELSE 0 END, a.published_at \
         FROM tags t JOIN articles a ON a.id = $1 WHERE t.name IN ({names}) ORDER BY t.id"
    );
    let mut link = sqlx::query(&link_sql).bind(article_id);
    for t in tags {
        link = link.bind(t.as_str());
    }
    link.execute(&mut **tx).await?;
    Ok(())
}
