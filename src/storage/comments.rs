//! Comments and their threads.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::articles::Reaction;
use super::bulk::ROWS_PER_STATEMENT;
use super::changes;
use super::visibility::{AUTHOR_ALLOWS, COMMENT_SHOWN, VISIBLE, blocks};
use super::{Db, is_foreign_key_violation};
use crate::domain::article::REPLY_DEPTH_MAX;
use crate::domain::markdown::{Overgrown, render_blocking, render_comment};
use crate::domain::now_timestamp;
use crate::domain::views::{Comment, Profile};

pub enum CommentWrite {
    Done(Box<Comment>),
    ArticleNotFound,
    /// The article's author, or the author of the comment answered, has blocked the commenter.
    Blocked,
    /// The comment answered is not a live comment on the same article that the commenter sees.
    ParentNotFound,
    /// The commenter was suspended after the request authenticated; nothing was written.
    Suspended,
    /// The body's HTML would outgrow its Markdown; nothing was written.
    Overgrown(Overgrown),
    /// The comment answered is already [`REPLY_DEPTH_MAX`] levels deep.
    TooDeep,
}

/// The outcome of a change aimed at one comment.
pub enum CommentChange<T> {
    Done(T),
    ArticleNotFound,
    CommentNotFound,
    NotAuthor,
    /// An edit's new body would render to HTML outgrowing its Markdown; nothing was written.
    Overgrown(Overgrown),
}

impl CommentChange<()> {
    /// The reason a change may not go ahead, for an outcome of any type; `None` if it may.
    fn refusal<T>(self) -> Option<CommentChange<T>> {
        match self {
            Self::Done(()) => None,
            Self::ArticleNotFound => Some(CommentChange::ArticleNotFound),
            Self::CommentNotFound => Some(CommentChange::CommentNotFound),
            Self::NotAuthor => Some(CommentChange::NotAuthor),
            Self::Overgrown(overgrown) => Some(CommentChange::Overgrown(overgrown)),
        }
    }
}

/// Comment columns; `$1` is the viewer (NULL when anonymous) for the author's `following` flag.
const COMMENT_COLUMNS: &str = "c.id, c.created_at, c.updated_at, c.body, c.body_html, \
     c.parent_id, c.deleted_at, u.username, u.bio, u.image, \
     CASE WHEN EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = $1 AND f.followee_id = c.author_id) \
          THEN 1 ELSE 0 END AS following";

/// Whether comment `$param` may be answered: it is fewer than [`REPLY_DEPTH_MAX`] levels deep.
/// The walk up its thread stops one level past the limit, so it costs at most that many lookups
/// however deep a thread written before the limit goes.
fn answerable(param: usize) -> String {
    format!(
        "NOT EXISTS (WITH RECURSIVE up (id, level) AS (SELECT CAST(${param} AS BIGINT), 0 \
         UNION ALL SELECT p.parent_id, up.level + 1 FROM comments p JOIN up ON p.id = up.id \
         WHERE p.parent_id IS NOT NULL AND up.level < {REPLY_DEPTH_MAX}) \
         SELECT 1 FROM up WHERE up.level >= {REPLY_DEPTH_MAX})"
    )
}

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
             LEFT JOIN comments c ON c.article_id = a.id AND {COMMENT_SHOWN} \
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
    /// answer a live comment on the same article that the commenter sees, whose author has not
    /// blocked them, at most [`REPLY_DEPTH_MAX`] levels deep. All of it is checked in the insert
    /// itself, so a parent deleted or a block made meanwhile is caught too, in the transaction
    /// that checks the commenter's standing. The body is rendered first, once.
    pub async fn add_comment(
        &self,
        slug: &str,
        author: i64,
        body: String,
        parent: Option<i64>,
    ) -> Result<CommentWrite, sqlx::Error> {
        let (body, html) = match render_blocking(body, render_comment).await {
            (body, Ok(html)) => (body, html),
            (_, Err(overgrown)) => return Ok(CommentWrite::Overgrown(overgrown)),
        };
        let mut tx = self.begin_write().await?;
        if !self.may_publish(&mut tx, author).await? {
            return Ok(CommentWrite::Suspended);
        }
        let inserted = sqlx::query(&format!(
            "INSERT INTO comments (article_id, author_id, body, body_html, parent_id, created_at, updated_at) \
             SELECT a.id, $1, $3, $4, $5, $6, $6 FROM articles a \
             WHERE a.slug = $2 AND {VISIBLE} AND {AUTHOR_ALLOWS} \
             AND ($5 IS NULL OR (EXISTS (SELECT 1 FROM comments c \
                  WHERE c.id = $5 AND c.article_id = a.id AND c.deleted_at IS NULL AND {COMMENT_SHOWN}) \
                  AND {answerable})) \
             RETURNING id",
            answerable = answerable(5)
        ))
        .bind(author)
        .bind(slug)
        .bind(&body)
        .bind(&html)
        .bind(parent)
        .bind(now_timestamp())
        .fetch_optional(&mut *tx)
        .await;
        let id: i64 = match inserted {
            Ok(Some(row)) => row.try_get("id")?,
            Ok(None) => {
                tx.rollback().await?;
                return self.comment_refusal(slug, author, parent).await;
            }
            Err(e) if parent.is_some() && is_foreign_key_violation(&e) => {
                return Ok(CommentWrite::ParentNotFound);
            }
            Err(e) => return Err(e),
        };
        tx.commit().await?;
        changes::changed();
        let comment = self.comment_view(id, author).await?;
        Ok(CommentWrite::Done(Box::new(comment)))
    }

    /// Why a comment by `author` was not written.
    async fn comment_refusal(
        &self,
        slug: &str,
        author: i64,
        parent: Option<i64>,
    ) -> Result<CommentWrite, sqlx::Error> {
        match self.refusal(slug, author).await? {
            Reaction::NotFound => return Ok(CommentWrite::ArticleNotFound),
            Reaction::Blocked => return Ok(CommentWrite::Blocked),
            Reaction::Done => {}
        }
        let Some(parent) = parent else {
            return Ok(CommentWrite::ArticleNotFound);
        };
        let blocked_by_parent = sqlx::query(&format!(
            "SELECT 1 AS blocked FROM comments c \
             WHERE c.id = $2 AND c.hidden = 0 AND {}",
            blocks("c.author_id", "$1")
        ))
        .bind(author)
        .bind(parent)
        .fetch_optional(&self.pool)
        .await?;
        Ok(if blocked_by_parent.is_some() {
            CommentWrite::Blocked
        } else if !self.answerable(parent).await? {
            CommentWrite::TooDeep
        } else {
            CommentWrite::ParentNotFound
        })
    }

    async fn answerable(&self, id: i64) -> Result<bool, sqlx::Error> {
        let fits: Option<i64> = sqlx::query_scalar(&format!("SELECT 1 WHERE {}", answerable(1)))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(fits.is_some())
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

    /// Replaces the body of one's own comment, rendered first; `updatedAt` moves.
    pub async fn edit_comment(
        &self,
        slug: &str,
        id: i64,
        user: i64,
        body: String,
    ) -> Result<CommentChange<Comment>, sqlx::Error> {
        let (body, html) = match render_blocking(body, render_comment).await {
            (body, Ok(html)) => (body, html),
            (_, Err(overgrown)) => return Ok(CommentChange::Overgrown(overgrown)),
        };
        if let Some(refused) = self.own_comment(slug, id, user).await?.refusal() {
            return Ok(refused);
        }
        let updated = sqlx::query(
            "UPDATE comments SET body = $3, body_html = $4, updated_at = $5 \
             WHERE id = $1 AND author_id = $2 AND deleted_at IS NULL",
        )
        .bind(id)
        .bind(user)
        .bind(&body)
        .bind(&html)
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
/// holds together; a tombstone goes once its last reply is gone, up the thread.
pub(super) async fn remove_comment(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: i64,
) -> Result<(), sqlx::Error> {
    let deleted: Option<Option<i64>> = sqlx::query_scalar(
        "DELETE FROM comments WHERE id = $1 \
         AND NOT EXISTS (SELECT 1 FROM comments r WHERE r.parent_id = $1) RETURNING parent_id",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    match deleted {
        Some(parent) => sweep_tombstones(tx, parent.into_iter().collect()).await,
        None => {
            sqlx::query(
                "UPDATE comments SET deleted_at = $2, body = '', body_html = NULL \
                 WHERE id = $1 AND deleted_at IS NULL",
            )
            .bind(id)
            .bind(now_timestamp())
            .execute(&mut **tx)
            .await?;
            Ok(())
        }
    }
}

/// Removes the tombstones among `ids` that have no replies left, then the tombstones above them
/// that this emptied, and so on up their threads: one statement per level, in a loop, so a
/// thread of any depth (those written before [`REPLY_DEPTH_MAX`] may be thousands of levels
/// deep) goes without recursion, in SQL (a trigger that deletes fires itself) or here.
pub(super) async fn sweep_tombstones(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    mut ids: Vec<i64>,
) -> Result<(), sqlx::Error> {
    while !ids.is_empty() {
        let mut parents = Vec::new();
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let list = (1..=chunk.len())
                .map(|n| format!("${n}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "DELETE FROM comments WHERE id IN ({list}) AND deleted_at IS NOT NULL \
                 AND NOT EXISTS (SELECT 1 FROM comments r WHERE r.parent_id = comments.id) \
                 RETURNING parent_id"
            );
            let mut query = sqlx::query_scalar::<_, Option<i64>>(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            parents.extend(query.fetch_all(&mut **tx).await?.into_iter().flatten());
        }
        parents.sort_unstable();
        parents.dedup();
        ids = parents;
    }
    Ok(())
}
