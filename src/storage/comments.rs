//! Comments and their threads.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::articles::VISIBLE;
use super::changes;
use super::{Db, is_foreign_key_violation};
use crate::domain::now_timestamp;
use crate::domain::views::{Comment, Profile};

/// A comment to write: the Markdown and its rendering.
pub struct CommentText {
    pub body: String,
    pub html: String,
}

pub enum CommentWrite {
    Done(Box<Comment>),
    ArticleNotFound,
    /// The article's author has blocked the commenter.
    Blocked,
    /// The comment answered is not a live comment on the same article.
    ParentNotFound,
}

/// The outcome of a change aimed at one comment.
pub enum CommentChange<T> {
    Done(T),
    ArticleNotFound,
    CommentNotFound,
    NotAuthor,
}

impl CommentChange<()> {
    /// The reason a change may not go ahead, for an outcome of any type; `None` if it may.
    fn refusal<T>(self) -> Option<CommentChange<T>> {
        match self {
            Self::Done(()) => None,
            Self::ArticleNotFound => Some(CommentChange::ArticleNotFound),
            Self::CommentNotFound => Some(CommentChange::CommentNotFound),
            Self::NotAuthor => Some(CommentChange::NotAuthor),
        }
    }
}

/// Comment columns; `$1` is the viewer (NULL when anonymous) for the author's `following` flag.
const COMMENT_COLUMNS: &str = "c.id, c.created_at, c.updated_at, c.body, c.body_html, \
     c.parent_id, c.deleted_at, u.username, u.bio, u.image, \
     CASE WHEN EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = $1 AND f.followee_id = c.author_id) \
          THEN 1 ELSE 0 END AS following";

/// Whether comment `c` is shown to the viewer `$1`: not hidden (its author is suspended), and
/// not by someone the viewer blocked or who blocked the viewer (two lookups, one index each).
const SHOWN: &str = "c.hidden = 0 \
     AND NOT EXISTS (SELECT 1 FROM blocks bl WHERE bl.blocker_id = $1 AND bl.blocked_id = c.author_id) \
     AND NOT EXISTS (SELECT 1 FROM blocks bl WHERE bl.blocked_id = $1 AND bl.blocker_id = c.author_id)";

/// A deleted comment kept for its replies shows neither body nor author.
fn comment(row: &AnyRow) -> Result<Comment, sqlx::Error> {
    let deleted = row.try_get::<Option<String>, _>("deleted_at")?.is_some();
    let author = if deleted {
        None
    } else {
        Some(Profile {
            username: row.try_get("username")?,
            bio: row.try_get("bio")?,
            image: row.try_get("image")?,
            following: row.try_get::<i64, _>("following")? == 1,
        })
    };
    Ok(Comment {
        id: row.try_get("id")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        body: if deleted { None } else { row.try_get("body")? },
        body_html: if deleted {
            None
        } else {
            row.try_get("body_html")?
        },
        parent_id: row.try_get("parent_id")?,
        deleted,
        author,
    })
}

/// A page of a list paged by offset.
pub struct OffsetPage {
    pub limit: i64,
    pub offset: i64,
}

impl Db {
    /// A page of the article's comments, oldest first, so a reply always follows the comment it
    /// answers; `None` when the article does not exist or is someone else's draft.
    pub async fn comments(
        &self,
        slug: &str,
        viewer: Option<i64>,
        page: OffsetPage,
    ) -> Result<Option<Vec<Comment>>, sqlx::Error> {
        // Starting from the article with LEFT JOINs, one query tells "no such article" (no row)
        // from "no comments yet" (one row of NULLs); only a page past the end needs a second.
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} FROM articles a \
             LEFT JOIN comments c ON c.article_id = a.id AND {SHOWN} \
             LEFT JOIN users u ON u.id = c.author_id \
             WHERE a.slug = $2 AND {VISIBLE} ORDER BY c.id LIMIT $3 OFFSET $4"
        );
        let rows = sqlx::query(&sql)
            .bind(viewer)
            .bind(slug)
            .bind(page.limit)
            .bind(page.offset)
            .fetch_all(&self.pool)
            .await?;
        if rows.is_empty() {
            let exists = page.offset > 0 && self.article(slug, viewer).await?.is_some();
            return Ok(exists.then(Vec::new));
        }
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            if row.try_get::<Option<i64>, _>("id")?.is_some() {
                out.push(comment(row)?);
            }
        }
        Ok(Some(out))
    }

    async fn comment_view(&self, id: i64, viewer: i64) -> Result<Comment, sqlx::Error> {
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} FROM comments c JOIN users u ON u.id = c.author_id WHERE c.id = $2"
        );
        let row = sqlx::query(&sql)
            .bind(viewer)
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        comment(&row)
    }

    /// Comments on an article `author` can see, unless its author blocked them; a reply must
    /// answer a live comment on the same article (both checked in the insert itself, so a parent
    /// deleted or a block made meanwhile is caught too).
    pub async fn add_comment(
        &self,
        slug: &str,
        author: i64,
        text: &CommentText,
        parent: Option<i64>,
    ) -> Result<CommentWrite, sqlx::Error> {
        let inserted = sqlx::query(&format!(
            "INSERT INTO comments (article_id, author_id, body, body_html, parent_id, created_at, updated_at) \
             SELECT a.id, $1, $3, $4, $5, $6, $6 FROM articles a WHERE a.slug = $2 AND {VISIBLE} \
             AND ($5 IS NULL OR EXISTS (SELECT 1 FROM comments p \
                  WHERE p.id = $5 AND p.article_id = a.id AND p.deleted_at IS NULL)) \
             AND NOT EXISTS (SELECT 1 FROM blocks bl WHERE bl.blocker_id = a.author_id AND bl.blocked_id = $1) \
             RETURNING id"
        ))
        .bind(author)
        .bind(slug)
        .bind(&text.body)
        .bind(&text.html)
        .bind(parent)
        .bind(now_timestamp())
        .fetch_optional(&self.pool)
        .await;
        let row = match inserted {
            Ok(Some(row)) => row,
            Ok(None) => {
                return Ok(match self.target(slug, author).await? {
                    None => CommentWrite::ArticleNotFound,
                    Some(t) if self.blocks(t.author_id, author).await? => CommentWrite::Blocked,
                    Some(_) if parent.is_some() => CommentWrite::ParentNotFound,
                    Some(_) => CommentWrite::ArticleNotFound,
                });
            }
            Err(e) if parent.is_some() && is_foreign_key_violation(&e) => {
                return Ok(CommentWrite::ParentNotFound);
            }
            Err(e) => return Err(e),
        };
        changes::changed();
        let comment = self.comment_view(row.try_get("id")?, author).await?;
        Ok(CommentWrite::Done(Box::new(comment)))
    }

    /// Whether `user` may change comment `id`: `Done` if so, else why not.
    async fn own_comment(
        &self,
        slug: &str,
        id: i64,
        user: i64,
    ) -> Result<CommentChange<()>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT c.author_id FROM articles a \
             LEFT JOIN comments c ON c.article_id = a.id AND c.id = $3 AND c.deleted_at IS NULL \
             WHERE a.slug = $2 AND {VISIBLE}"
        ))
        .bind(user)
        .bind(slug)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(CommentChange::ArticleNotFound);
        };
        Ok(match row.try_get::<Option<i64>, _>("author_id")? {
            None => CommentChange::CommentNotFound,
            Some(author) if author != user => CommentChange::NotAuthor,
            Some(_) => CommentChange::Done(()),
        })
    }

    /// Replaces the body of one's own comment; `updatedAt` moves.
    pub async fn edit_comment(
        &self,
        slug: &str,
        id: i64,
        user: i64,
        text: &CommentText,
    ) -> Result<CommentChange<Comment>, sqlx::Error> {
        if let Some(refused) = self.own_comment(slug, id, user).await?.refusal() {
            return Ok(refused);
        }
        let updated = sqlx::query(
            "UPDATE comments SET body = $3, body_html = $4, updated_at = $5 \
             WHERE id = $1 AND author_id = $2 AND deleted_at IS NULL",
        )
        .bind(id)
        .bind(user)
        .bind(&text.body)
        .bind(&text.html)
        .bind(now_timestamp())
        .execute(&self.pool)
        .await?;
        if updated.rows_affected() == 0 {
            return Ok(CommentChange::CommentNotFound);
        }
        changes::changed();
        Ok(CommentChange::Done(self.comment_view(id, user).await?))
    }

    /// Deletes one's own comment (see [`remove_comment`]).
    pub async fn delete_comment(
        &self,
        slug: &str,
        id: i64,
        user: i64,
    ) -> Result<CommentChange<()>, sqlx::Error> {
        if let Some(refused) = self.own_comment(slug, id, user).await?.refusal() {
            return Ok(refused);
        }
        let mut tx = self.begin_write().await?;
        remove_comment(&mut tx, id).await?;
        tx.commit().await?;
        changes::changed();
        Ok(CommentChange::Done(()))
    }
}

/// Deletes comment `id`, or leaves it as a tombstone when it has replies, so that the thread
/// holds together; a trigger removes a tombstone once its last reply is gone, up the thread.
pub(super) async fn remove_comment(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: i64,
) -> Result<(), sqlx::Error> {
    let deleted = sqlx::query(
        "DELETE FROM comments WHERE id = $1 \
         AND NOT EXISTS (SELECT 1 FROM comments r WHERE r.parent_id = $1)",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    if deleted.rows_affected() == 0 {
        sqlx::query(
            "UPDATE comments SET deleted_at = $2, body = '', body_html = NULL \
             WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(id)
        .bind(now_timestamp())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
