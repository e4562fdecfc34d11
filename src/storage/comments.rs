use sqlx::Row;
use sqlx::any::AnyRow;

use super::Db;
use crate::domain::now_timestamp;
use crate::domain::views::{Comment, Profile};

pub enum CommentDeletion {
    Deleted,
    ArticleNotFound,
    CommentNotFound,
    NotAuthor,
}

/// Comment columns; `$1` is the viewer (NULL when anonymous) for the author's `following` flag.
const COMMENT_COLUMNS: &str = "c.id, c.created_at, c.updated_at, c.body, u.username, u.bio, u.image, \
     CASE WHEN EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = $1 AND f.followee_id = c.author_id) \
          THEN 1 ELSE 0 END AS following";

fn comment(row: &AnyRow) -> Result<Comment, sqlx::Error> {
    Ok(Comment {
        id: row.try_get("id")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        body: row.try_get("body")?,
        author: Profile {
            username: row.try_get("username")?,
            bio: row.try_get("bio")?,
            image: row.try_get("image")?,
            following: row.try_get::<i64, _>("following")? == 1,
        },
    })
}

impl Db {
    /// The article's comments, oldest first; `None` when the article does not exist.
    pub async fn comments(
        &self,
        slug: &str,
        viewer: Option<i64>,
    ) -> Result<Option<Vec<Comment>>, sqlx::Error> {
        // Starting from the article with LEFT JOINs, one query tells "no such article" (no row)
        // from "no comments yet" (one row of NULLs).
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} FROM articles a \
             LEFT JOIN comments c ON c.article_id = a.id \
             LEFT JOIN users u ON u.id = c.author_id \
             WHERE a.slug = $2 ORDER BY c.id"
        );
        let rows = sqlx::query(&sql)
            .bind(viewer)
            .bind(slug)
            .fetch_all(&self.pool)
            .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            if row.try_get::<Option<i64>, _>("id")?.is_some() {
                out.push(comment(row)?);
            }
        }
        Ok(Some(out))
    }

    /// `None` when the article does not exist.
    pub async fn add_comment(
        &self,
        slug: &str,
        author: i64,
        body: &str,
    ) -> Result<Option<Comment>, sqlx::Error> {
        let inserted = sqlx::query(
            "INSERT INTO comments (article_id, author_id, body, created_at, updated_at) \
             SELECT id, $1, $2, $3, $3 FROM articles WHERE slug = $4 RETURNING id",
        )
        .bind(author)
        .bind(body)
        .bind(now_timestamp())
        .bind(slug)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = inserted else { return Ok(None) };
        let id: i64 = row.try_get("id")?;
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} FROM comments c JOIN users u ON u.id = c.author_id WHERE c.id = $2"
        );
        let row = sqlx::query(&sql)
            .bind(author)
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        comment(&row).map(Some)
    }

    pub async fn delete_comment(
        &self,
        slug: &str,
        id: i64,
        user: i64,
    ) -> Result<CommentDeletion, sqlx::Error> {
        let row = sqlx::query(
            "SELECT c.author_id FROM articles a \
             LEFT JOIN comments c ON c.article_id = a.id AND c.id = $2 WHERE a.slug = $1",
        )
        .bind(slug)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(CommentDeletion::ArticleNotFound);
        };
        match row.try_get::<Option<i64>, _>("author_id")? {
            None => Ok(CommentDeletion::CommentNotFound),
            Some(author) if author != user => Ok(CommentDeletion::NotAuthor),
            Some(_) => {
                sqlx::query("DELETE FROM comments WHERE id = $1 AND author_id = $2")
                    .bind(id)
                    .bind(user)
                    .execute(&self.pool)
                    .await?;
                Ok(CommentDeletion::Deleted)
            }
        }
    }
}
