//! Claps: each reader gives an article up to [`CLAPS_MAX`] in all; the article's total is kept
//! by a trigger in the same statement.

use sqlx::Row;

use super::Db;
use super::changes;
use super::visibility::{AUTHOR_ALLOWS, VISIBLE};
use crate::domain::article::CLAPS_MAX;

pub enum Clapping {
    Done,
    /// No such article, or someone else's draft.
    NotFound,
    /// Authors do not clap for themselves.
    OwnArticle,
    /// The article's author has blocked the reader.
    Blocked,
    /// The request would take the reader past the limit; nothing was added.
    OverLimit {
        left: i64,
    },
}

impl Db {
    /// Adds `claps` for `user`, all or nothing: one upsert whose condition sees the reader's
    /// current total under the row lock, so concurrent requests can neither pass the limit nor
    /// lose a clap, and that checks in the same statement that the article is there for the
    /// reader, not theirs, and that its author has not blocked them.
    pub async fn clap(&self, user: i64, slug: &str, claps: i64) -> Result<Clapping, sqlx::Error> {
        let added = sqlx::query(&format!(
            "INSERT INTO claps (user_id, article_id, claps) \
             SELECT $1, a.id, $3 FROM articles a \
             WHERE a.slug = $2 AND {VISIBLE} AND a.author_id <> $1 AND {AUTHOR_ALLOWS} \
             ON CONFLICT (user_id, article_id) DO UPDATE SET claps = claps.claps + excluded.claps \
             WHERE claps.claps + excluded.claps <= {CLAPS_MAX} RETURNING claps"
        ))
        .bind(user)
        .bind(slug)
        .bind(claps)
        .fetch_optional(&self.pool)
        .await?;
        if added.is_some() {
            changes::changed();
            return Ok(Clapping::Done);
        }
        let Some(target) = self.target(slug, user).await? else {
            return Ok(Clapping::NotFound);
        };
        if target.author_id == user {
            return Ok(Clapping::OwnArticle);
        }
        if self.blocks(target.author_id, user).await? {
            return Ok(Clapping::Blocked);
        }
        let given: i64 =
            sqlx::query("SELECT claps FROM claps WHERE user_id = $1 AND article_id = $2")
                .bind(user)
                .bind(target.id)
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.try_get("claps"))
                .transpose()?
                .unwrap_or_default();
        Ok(Clapping::OverLimit {
            left: CLAPS_MAX - given,
        })
    }

    /// Takes back all of `user`'s claps for the article; `false` if the article is not there.
    pub async fn unclap(&self, user: i64, slug: &str) -> Result<bool, sqlx::Error> {
        let Some(target) = self.target(slug, user).await? else {
            return Ok(false);
        };
        let taken = sqlx::query("DELETE FROM claps WHERE user_id = $1 AND article_id = $2")
            .bind(user)
            .bind(target.id)
            .execute(&self.pool)
            .await?;
        changes::changed_rows(taken.rows_affected());
        Ok(true)
    }
}
