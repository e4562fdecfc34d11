//! Bookmarks: a reader's reading list (listed by `lists`).

use super::Db;
use super::changes;
use super::visibility::VISIBLE;
use crate::domain::now_timestamp;

impl Db {
    /// Idempotent: saving again keeps the first save's place in the list. Someone else's draft
    /// is not there to save; a block does not stop it (a reading list tells nobody anything).
    pub async fn bookmark(&self, user: i64, slug: &str) -> Result<(), sqlx::Error> {
        sqlx::query(&format!(
            "INSERT INTO bookmarks (user_id, article_id, created_at) \
             SELECT $1, a.id, $3 FROM articles a WHERE a.slug = $2 AND {VISIBLE} \
             ON CONFLICT (user_id, article_id) DO NOTHING"
        ))
        .bind(user)
        .bind(slug)
        .bind(now_timestamp())
        .execute(&self.pool)
        .await
        .map(|done| changes::changed_rows(done.rows_affected()))
    }

    pub async fn unbookmark(&self, user: i64, slug: &str) -> Result<(), sqlx::Error> {
        self.unmark("bookmarks", user, slug).await
    }
}
