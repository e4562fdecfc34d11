//! Rendering the Markdown stored before rendering existed, or before its growth was bounded (a
//! migration cleared the HTML that outgrew the bound). New and edited bodies are rendered when
//! written, so this finds work once, after such an upgrade. A stored body that no longer renders
//! within the bound is shown as its text.

use sqlx::Row;

use super::Db;
use crate::domain::markdown::{as_text, render_article, render_blocking, render_comment};

/// Where one kind of body lives: `select` takes the batch size as `$1` and yields `id, body`;
/// the updates take the id as `$1` and the value as `$2`.
struct Pending {
    select: &'static str,
    set_html: &'static str,
    set_minutes: Option<&'static str>,
    render: fn(&str) -> (String, i64),
}

const ARTICLES: Pending = Pending {
    select: "SELECT article_id AS id, body FROM article_bodies WHERE body_html IS NULL LIMIT $1",
    set_html: "UPDATE article_bodies SET body_html = $2 WHERE article_id = $1",
    set_minutes: Some("UPDATE articles SET reading_time_minutes = $2 WHERE id = $1"),
    render: |body| match render_article(body) {
        Ok(out) => (out.html, out.reading_time_minutes),
        Err(_) => (as_text(body), 1),
    },
};

const COMMENTS: Pending = Pending {
    select: "SELECT id, body FROM comments WHERE body_html IS NULL AND deleted_at IS NULL LIMIT $1",
    set_html: "UPDATE comments SET body_html = $2 WHERE id = $1",
    set_minutes: None,
    render: |body| (render_comment(body).unwrap_or_else(|_| as_text(body)), 0),
};

/// Rows rendered per transaction: small enough not to hold SQLite's write lock for long.
const BATCH: i64 = 200;

impl Db {
    /// Renders every stored article and comment body that has no HTML yet; returns how many
    /// articles and comments it rendered.
    pub async fn render_pending(&self) -> Result<(u64, u64), sqlx::Error> {
        Ok((self.render(&ARTICLES).await?, self.render(&COMMENTS).await?))
    }

    async fn render(&self, pending: &Pending) -> Result<u64, sqlx::Error> {
        let mut rendered = 0;
        loop {
            let rows = sqlx::query(pending.select)
                .bind(BATCH)
                .fetch_all(&self.pool)
                .await?;
            if rows.is_empty() {
                return Ok(rendered);
            }
            let mut tx = self.begin_write().await?;
            for row in &rows {
                let id: i64 = row.try_get("id")?;
                let (_, (html, minutes)) =
                    render_blocking(row.try_get("body")?, pending.render).await;
                sqlx::query(pending.set_html)
                    .bind(id)
                    .bind(html)
                    .execute(&mut *tx)
                    .await?;
                if let Some(set_minutes) = pending.set_minutes {
                    sqlx::query(set_minutes)
                        .bind(id)
                        .bind(minutes)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await?;
            rendered += rows.len() as u64;
        }
    }
}
