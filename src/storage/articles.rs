//! One article: its view, and the writes aimed at it (create, update, delete, favorite).

use sqlx::Row;

use super::article_rows::{FROM, article, columns};
use super::changes;
use super::notifications::notify_followers;
use super::visibility::{AUTHOR_ALLOWS, LISTED, VISIBLE};
use super::{Db, Sql, is_unique_violation, retry_deadlocks};
use crate::domain::article::{ArticleStatus, SlugKind, slug_candidate, slug_derives_from, slugify};
use crate::domain::markdown::{Overgrown, RenderedArticle, render_article, render_blocking};
use crate::domain::now_timestamp;
use crate::domain::views::Article;

/// A new article: its fields parsed, its Markdown body not yet rendered.
pub struct NewArticle {
    pub title: String,
    pub description: String,
    pub body: String,
    pub tags: Vec<String>,
    pub status: ArticleStatus,
}

#[derive(Default)]
pub struct ArticleChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub body: Option<String>,
    pub tags: Option<Vec<String>>,
    pub status: Option<ArticleStatus>,
}

/// The outcome of a write aimed at one article.
pub enum Owned<T> {
    Done(T),
    NotFound,
    NotOwner,
}

/// The outcome of writing a new article.
pub enum ArticleWrite {
    /// Under this slug.
    Created(String),
    /// The author was suspended after the request authenticated; nothing was written.
    Suspended,
    /// The body's HTML would outgrow its Markdown; nothing was written.
    Overgrown(Overgrown),
}

/// The outcome of changing an article.
pub enum ArticleEdit {
    /// Now under this slug.
    Done(String),
    NotFound,
    NotOwner,
    /// The new body's HTML would outgrow its Markdown; nothing was written.
    Overgrown(Overgrown),
}

/// The outcome of a reader's reaction to an article (a favorite).
pub enum Reaction {
    Done,
    /// No such article, or one the reader may not see.
    NotFound,
    /// The article's author has blocked the reader.
    Blocked,
}

/// How many times a create or an edit tries another slug after a collision before giving up.
const SLUG_ATTEMPTS: u32 = 8;

/// Runs `write` with attempts 0, 1, ... while it fails because another article holds the slug
/// it tried (also one a concurrent request took first): the one path every slug is allocated
/// through. A failed attempt's transaction is rolled back as it is dropped.
async fn with_free_slug<T, F>(mut write: impl FnMut(u32) -> F) -> Result<T, sqlx::Error>
where
    F: Future<Output = Result<T, sqlx::Error>>,
{
    let mut attempt = 0;
    loop {
        match write(attempt).await {
            Err(e) if is_unique_violation(&e) && attempt + 1 < SLUG_ATTEMPTS => attempt += 1,
            outcome => return outcome,
        }
    }
}

/// An article a reader acts on (claps, bookmarks, comments): its id and author, if the article
/// exists and the reader may see it.
pub(super) struct Target {
    pub id: i64,
    pub author_id: i64,
}

impl Db {
    /// The article under `slug` as `viewer` sees it; `None` if there is none or it is someone
    /// else's draft (whose existence is not revealed).
    pub async fn article(
        &self,
        slug: &str,
        viewer: Option<i64>,
    ) -> Result<Option<Article>, sqlx::Error> {
        let mut sql = Sql::new(
            &format!(
                "{}{FROM} JOIN article_bodies b ON b.article_id = a.id WHERE {VISIBLE}",
                columns(viewer.is_some(), true)
            ),
            1,
        );
        sql.push(" AND a.slug = {}");
        let row = sqlx::query(&sql.text)
            .bind(viewer)
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(article).transpose()
    }

    /// The article `viewer` may see under `slug`, for writes that hang off it.
    pub(super) async fn target(
        &self,
        slug: &str,
        viewer: i64,
    ) -> Result<Option<Target>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT a.id, a.author_id FROM articles a WHERE a.slug = $2 AND {VISIBLE}"
        ))
        .bind(viewer)
        .bind(slug)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Target {
                id: r.try_get("id")?,
                author_id: r.try_get("author_id")?,
            })
        })
        .transpose()
    }

    /// The article's id for a write by `user`: not found for a missing article or someone
    /// else's draft, not owner for someone else's visible article.
    async fn owned_article(&self, slug: &str, user: i64) -> Result<Owned<i64>, sqlx::Error> {
        Ok(match self.target(slug, user).await? {
            None => Owned::NotFound,
            Some(t) if t.author_id != user => Owned::NotOwner,
            Some(t) => Owned::Done(t.id),
        })
    }

    /// Why `user` may not react to the article under `slug` (favorite, clap, comment on it),
    /// asked when the write that checked the same in its own statement wrote nothing; `Done`
    /// when nothing stands in the way (the write had nothing to do).
    pub(super) async fn refusal(&self, slug: &str, user: i64) -> Result<Reaction, sqlx::Error> {
        Ok(match self.target(slug, user).await? {
            None => Reaction::NotFound,
            Some(t) if self.blocks(t.author_id, user).await? => Reaction::Blocked,
            Some(_) => Reaction::Done,
        })
    }

    /// Creates the article under a slug derived from its title (see [`SlugKind`]), suffixed
    /// when another article holds the plain one (also when a concurrent request takes it
    /// first), unless its author has been suspended meanwhile. The body is rendered now, once.
    pub async fn create_article(
        &self,
        author: i64,
        mut new: NewArticle,
    ) -> Result<ArticleWrite, sqlx::Error> {
        let (body, rendered) = render_blocking(new.body, render_article).await;
        new.body = body;
        let rendered = match rendered {
            Ok(rendered) => rendered,
            Err(overgrown) => return Ok(ArticleWrite::Overgrown(overgrown)),
        };
        let base = slugify(&new.title);
        let kind = SlugKind::of(new.status);
        let tag_list =
            serde_json::to_string(&new.tags).map_err(|e| sqlx::Error::Encode(e.into()))?;
        with_free_slug(|attempt| {
            let slug = slug_candidate(&base, kind, attempt);
            self.insert_article(author, &new, &rendered, &tag_list, slug)
        })
        .await
    }

    async fn insert_article(
        &self,
        author: i64,
        new: &NewArticle,
        rendered: &RenderedArticle,
        tag_list: &str,
        slug: String,
    ) -> Result<ArticleWrite, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        if !self.may_publish(&mut tx, author).await? {
            return Ok(ArticleWrite::Suspended);
        }
        let row = sqlx::query(
            "INSERT INTO articles (slug, author_id, title, description, tag_list, status, \
                                   reading_time_minutes, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(&slug)
        .bind(author)
        .bind(&new.title)
        .bind(&new.description)
        .bind(tag_list)
        .bind(new.status.as_str())
        .bind(rendered.reading_time_minutes)
        .bind(now_timestamp())
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        sqlx::query("INSERT INTO article_bodies (article_id, body, body_html) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(&new.body)
            .bind(&rendered.html)
            .execute(&mut *tx)
            .await?;
        super::tags::link_tags(&mut tx, id, &new.tags).await?;
        if new.status == ArticleStatus::Published {
            notify_followers(&mut tx, id).await?;
        }
        tx.commit().await?;
        changes::changed();
        Ok(ArticleWrite::Created(slug))
    }

    /// Applies `changes` if `user` wrote the article. The slug follows the title and the status
    /// (see [`SlugKind`]): a new title, publishing and unpublishing bring a new one; other
    /// edits keep it. The status changes in the same statement as everything else, so a
    /// published article turned back into a draft leaves every list, tag count and search at
    /// once. A new body is rendered first, once.
    pub async fn update_article(
        &self,
        slug: &str,
        user: i64,
        mut changes: ArticleChanges,
    ) -> Result<ArticleEdit, sqlx::Error> {
        let rendered = match changes.body.take() {
            Some(body) => match render_blocking(body, render_article).await {
                (body, Ok(rendered)) => {
                    changes.body = Some(body);
                    Some(rendered)
                }
                (_, Err(overgrown)) => return Ok(ArticleEdit::Overgrown(overgrown)),
            },
            None => None,
        };
        let row = sqlx::query(&format!(
            "SELECT a.id, a.author_id, a.title, a.status FROM articles a \
             WHERE a.slug = $2 AND {VISIBLE}"
        ))
        .bind(user)
        .bind(slug)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(ArticleEdit::NotFound);
        };
        if row.try_get::<i64, _>("author_id")? != user {
            return Ok(ArticleEdit::NotOwner);
        }
        let status = match changes.status {
            Some(status) => status,
            None => ArticleStatus::parse(&row.try_get::<String, _>("status")?)
                .map_err(|e| sqlx::Error::Decode(e.into()))?,
        };
        let kind = SlugKind::of(status);
        let title: String = row.try_get("title")?;
        let base = slugify(changes.title.as_deref().unwrap_or(&title));
        let id: i64 = row.try_get("id")?;
        with_free_slug(|attempt| {
            // The current slug stays while it is what the title and status would make.
            let new_slug = (attempt > 0 || !slug_derives_from(slug, &base, kind))
                .then(|| slug_candidate(&base, kind, attempt));
            let (changes, rendered) = (&changes, rendered.as_ref());
            async move {
                retry_deadlocks(|| {
                    self.apply_changes(id, user, slug, new_slug.as_deref(), changes, rendered)
                })
                .await
            }
        })
        .await
    }

    /// Writes `changes` to article `id` while it is still `user`'s under `slug`: a concurrent
    /// edit that moved the slug (publishing, unpublishing, a new title) has it answer not found,
    /// as the slug asked for names nothing any more.
    async fn apply_changes(
        &self,
        id: i64,
        user: i64,
        slug: &str,
        new_slug: Option<&str>,
        changes: &ArticleChanges,
        rendered: Option<&RenderedArticle>,
    ) -> Result<ArticleEdit, sqlx::Error> {
        let tag_list = changes
            .tags
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| sqlx::Error::Encode(e.into()))?;
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE articles SET \
                slug = COALESCE($2, slug), title = COALESCE($3, title), \
                description = COALESCE($4, description), \
                tag_list = COALESCE($5, tag_list), updated_at = $6, \
                status = COALESCE($8, status), \
                reading_time_minutes = COALESCE($9, reading_time_minutes) \
             WHERE id = $1 AND author_id = $7 AND slug = $10 RETURNING slug",
        )
        .bind(id)
        .bind(new_slug)
        .bind(changes.title.as_deref())
        .bind(changes.description.as_deref())
        .bind(tag_list)
        .bind(now_timestamp())
        .bind(user)
        .bind(changes.status.map(ArticleStatus::as_str))
        .bind(rendered.map(|r| r.reading_time_minutes))
        .bind(slug)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = updated else {
            return Ok(ArticleEdit::NotFound);
        };
        if let (Some(body), Some(rendered)) = (&changes.body, rendered) {
            sqlx::query(
                "UPDATE article_bodies SET body = $2, body_html = $3 WHERE article_id = $1",
            )
            .bind(id)
            .bind(body)
            .bind(&rendered.html)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(tags) = &changes.tags {
            sqlx::query("DELETE FROM article_tags WHERE article_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            super::tags::link_tags(&mut tx, id, tags).await?;
        }
        if changes.status == Some(ArticleStatus::Published) {
            notify_followers(&mut tx, id).await?;
        }
        tx.commit().await?;
        changes::changed();
        Ok(ArticleEdit::Done(row.try_get("slug")?))
    }

    pub async fn delete_article(&self, slug: &str, user: i64) -> Result<Owned<()>, sqlx::Error> {
        let id = match self.owned_article(slug, user).await? {
            Owned::Done(id) => id,
            Owned::NotFound => return Ok(Owned::NotFound),
            Owned::NotOwner => return Ok(Owned::NotOwner),
        };
        let deleted = retry_deadlocks(|| {
            sqlx::query("DELETE FROM articles WHERE id = $1 AND author_id = $2")
                .bind(id)
                .bind(user)
                .execute(&self.pool)
        })
        .await?;
        changes::changed_rows(deleted.rows_affected());
        Ok(Owned::Done(()))
    }

    /// Idempotent; the count is kept by a trigger in the same statement, so concurrent
    /// favorites of one article all count. Someone else's draft is not there to favorite, and
    /// an author who blocked the reader is not favorited by them (checked in the same statement).
    pub async fn favorite(&self, user: i64, slug: &str) -> Result<Reaction, sqlx::Error> {
        let statement = format!(
            "INSERT INTO favorites (user_id, article_id, published) \
             SELECT $1, a.id, CASE WHEN {LISTED} THEN 1 ELSE 0 END FROM articles a \
             WHERE a.slug = $2 AND {VISIBLE} AND {AUTHOR_ALLOWS} \
             ON CONFLICT (user_id, article_id) DO NOTHING"
        );
        let statement = &statement;
        let added = retry_deadlocks(|| {
            sqlx::query(statement)
                .bind(user)
                .bind(slug)
                .execute(&self.pool)
        })
        .await?;
        if added.rows_affected() > 0 {
            changes::changed();
            return Ok(Reaction::Done);
        }
        self.refusal(slug, user).await
    }

    pub async fn unfavorite(&self, user: i64, slug: &str) -> Result<(), sqlx::Error> {
        self.unmark("favorites", user, slug).await
    }

    /// Removes `user`'s row from a per-reader `table` (favorites, bookmarks) for the article.
    pub(super) async fn unmark(
        &self,
        table: &'static str,
        user: i64,
        slug: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE user_id = $1 \
             AND article_id IN (SELECT id FROM articles WHERE slug = $2)"
        ))
        .bind(user)
        .bind(slug)
        .execute(&self.pool)
        .await
        .map(|done| changes::changed_rows(done.rows_affected()))
    }
}
