use serde_json::value::RawValue;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, Sql, is_unique_violation};
use crate::domain::article::{slug_candidate, slugify};
use crate::domain::now_timestamp;
use crate::domain::views::{Article, Profile};

/// Which articles a list shows; the filters combine with AND.
#[derive(Debug, Default, Clone)]
pub struct ArticleFilter {
    pub tag: Option<String>,
    pub author: Option<String>,
    pub favorited_by: Option<String>,
    /// Only articles by authors this user follows (the feed).
    pub feed_of: Option<i64>,
}

pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

pub struct NewArticle {
    pub title: String,
    pub description: String,
    pub body: String,
    pub tags: Vec<String>,
}

#[derive(Default)]
pub struct ArticleChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub body: Option<String>,
    pub tags: Option<Vec<String>>,
}

/// The outcome of a write aimed at one article.
pub enum Owned<T> {
    Done(T),
    NotFound,
    NotOwner,
}

/// How many times a create or retitle retries after a slug collision before giving up.
const SLUG_ATTEMPTS: u32 = 8;

/// The columns every article view needs, from `articles a JOIN users u`. `$1` is the viewer's
/// id, or NULL for an anonymous viewer, for whom both flags are constant 0 and no subquery runs.
fn columns(viewer: bool, with_body: bool) -> String {
    let flags = if viewer {
        "CASE WHEN EXISTS (SELECT 1 FROM favorites f WHERE f.article_id = a.id AND f.user_id = $1) \
              THEN 1 ELSE 0 END AS favorited, \
         CASE WHEN EXISTS (SELECT 1 FROM follows fo WHERE fo.follower_id = $1 AND fo.followee_id = a.author_id) \
              THEN 1 ELSE 0 END AS following"
    } else {
        "0 AS favorited, 0 AS following"
    };
    let body = if with_body {
        "(SELECT b.body FROM article_bodies b WHERE b.article_id = a.id) AS body"
    } else {
        "NULL AS body"
    };
    format!(
        "SELECT a.slug, a.title, a.description, {body}, a.tag_list, a.favorites_count, \
                a.created_at, a.updated_at, u.username, u.bio, u.image, {flags}"
    )
}

const FROM: &str = " FROM articles a JOIN users u ON u.id = a.author_id WHERE 1 = 1";

fn article(row: &AnyRow) -> Result<Article, sqlx::Error> {
    let tag_list: String = row.try_get("tag_list")?;
    Ok(Article {
        slug: row.try_get("slug")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        body: row.try_get("body")?,
        tag_list: RawValue::from_string(tag_list).map_err(|e| sqlx::Error::Decode(e.into()))?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        favorited: row.try_get::<i64, _>("favorited")? == 1,
        favorites_count: row.try_get("favorites_count")?,
        author: Profile {
            username: row.try_get("username")?,
            bio: row.try_get("bio")?,
            image: row.try_get("image")?,
            following: row.try_get::<i64, _>("following")? == 1,
        },
    })
}

/// The filter's conditions on `articles a` (parameters from `$2`, `$1` being the viewer),
/// and the values to bind, in order.
fn filter_sql(filter: &ArticleFilter) -> (Sql, Vec<&str>) {
    let mut sql = Sql::new("", 1);
    let mut binds = Vec::new();
    if let Some(tag) = &filter.tag {
        sql.push(
            " AND a.id IN (SELECT at.article_id FROM article_tags at \
                           JOIN tags t ON t.id = at.tag_id WHERE t.name = {})",
        );
        binds.push(tag.as_str());
    }
    if let Some(author) = &filter.author {
        sql.push(" AND a.author_id = (SELECT id FROM users WHERE username = {})");
        binds.push(author.as_str());
    }
    if let Some(fan) = &filter.favorited_by {
        sql.push(
            " AND a.id IN (SELECT fv.article_id FROM favorites fv \
                           JOIN users fu ON fu.id = fv.user_id WHERE fu.username = {})",
        );
        binds.push(fan.as_str());
    }
    if filter.feed_of.is_some() {
        sql.push(
            " AND a.author_id IN (SELECT fo.followee_id FROM follows fo WHERE fo.follower_id = $1)",
        );
    }
    (sql, binds)
}

impl Db {
    /// One page of articles, newest first, with the total number that match the filter: one
    /// query whatever the page size (a second only for a page past the end). The total is an
    /// uncorrelated subquery, computed once, so the page itself stays a short index scan.
    pub async fn list_articles(
        &self,
        filter: &ArticleFilter,
        viewer: Option<i64>,
        page: Page,
    ) -> Result<(Vec<Article>, i64), sqlx::Error> {
        // The feed's "follows" condition uses $1 too, so the feed's owner is always bound.
        let viewer = viewer.or(filter.feed_of);
        let (mut sql, binds) = filter_sql(filter);
        let conditions = sql.text.clone();
        sql.text = format!(
            "{columns}, (SELECT COUNT(*) FROM articles a WHERE 1 = 1{conditions}) AS total{FROM}{conditions}",
            columns = columns(viewer.is_some(), false),
        );
        sql.push(" ORDER BY a.id DESC LIMIT {} OFFSET {}");
        let fetch = |limit: i64, offset: i64| {
            let mut query = sqlx::query(&sql.text).bind(viewer);
            for b in &binds {
                query = query.bind(*b);
            }
            query.bind(limit).bind(offset).fetch_all(&self.pool)
        };
        let rows = fetch(page.limit, page.offset).await?;
        let total = match rows.first() {
            Some(row) => row.try_get("total")?,
            None if page.offset > 0 => match fetch(1, 0).await?.first() {
                Some(row) => row.try_get("total")?,
                None => 0,
            },
            None => 0,
        };
        let articles = rows.iter().map(article).collect::<Result<_, _>>()?;
        Ok((articles, total))
    }

    pub async fn article(
        &self,
        slug: &str,
        viewer: Option<i64>,
    ) -> Result<Option<Article>, sqlx::Error> {
        let mut sql = Sql::new(&format!("{}{FROM}", columns(viewer.is_some(), true)), 1);
        sql.push(" AND a.slug = {}");
        let row = sqlx::query(&sql.text)
            .bind(viewer)
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(article).transpose()
    }

    /// The article's id and author, for ownership checks.
    async fn article_owner(&self, slug: &str) -> Result<Option<(i64, i64)>, sqlx::Error> {
        let row = sqlx::query("SELECT id, author_id FROM articles WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get("id")?, r.try_get("author_id")?)))
            .transpose()
    }

    /// Creates the article under a slug derived from its title, suffixed when another article
    /// holds the plain one (also when a concurrent request takes it first). Returns the slug.
    pub async fn create_article(
        &self,
        author: i64,
        new: &NewArticle,
    ) -> Result<String, sqlx::Error> {
        let base = slugify(&new.title);
        let tag_list =
            serde_json::to_string(&new.tags).map_err(|e| sqlx::Error::Encode(e.into()))?;
        let mut attempt = 0;
        loop {
            let slug = slug_candidate(&base, attempt);
            let now = now_timestamp();
            let mut tx = self.pool.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO articles (slug, author_id, title, description, tag_list, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
            )
            .bind(&slug)
            .bind(author)
            .bind(&new.title)
            .bind(&new.description)
            .bind(&tag_list)
            .bind(&now)
            .fetch_one(&mut *tx)
            .await;
            match inserted {
                Ok(row) => {
                    let id: i64 = row.try_get("id")?;
                    sqlx::query("INSERT INTO article_bodies (article_id, body) VALUES ($1, $2)")
                        .bind(id)
                        .bind(&new.body)
                        .execute(&mut *tx)
                        .await?;
                    link_tags(&mut tx, id, &new.tags).await?;
                    tx.commit().await?;
                    return Ok(slug);
                }
                Err(e) if is_unique_violation(&e) && attempt + 1 < SLUG_ATTEMPTS => {
                    tx.rollback().await?;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Applies `changes` if `user` wrote the article; a new title brings a new slug.
    pub async fn update_article(
        &self,
        slug: &str,
        user: i64,
        changes: &ArticleChanges,
    ) -> Result<Owned<String>, sqlx::Error> {
        let Some((id, author)) = self.article_owner(slug).await? else {
            return Ok(Owned::NotFound);
        };
        if author != user {
            return Ok(Owned::NotOwner);
        }
        let tag_list = changes
            .tags
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| sqlx::Error::Encode(e.into()))?;
        let base = changes.title.as_deref().map(slugify);
        let mut attempt = 0;
        loop {
            // Keep the current slug when the new title slugifies to the same text.
            let new_slug = match &base {
                Some(b) if attempt == 0 && slug == b => None,
                Some(b) => Some(slug_candidate(b, attempt)),
                None => None,
            };
            let mut tx = self.pool.begin().await?;
            let updated = sqlx::query(
                "UPDATE articles SET \
                    slug = COALESCE($2, slug), title = COALESCE($3, title), \
                    description = COALESCE($4, description), \
                    tag_list = COALESCE($5, tag_list), updated_at = $6 \
                 WHERE id = $1 AND author_id = $7 RETURNING slug",
            )
            .bind(id)
            .bind(new_slug.as_deref())
            .bind(changes.title.as_deref())
            .bind(changes.description.as_deref())
            .bind(tag_list.as_deref())
            .bind(now_timestamp())
            .bind(user)
            .fetch_optional(&mut *tx)
            .await;
            match updated {
                Ok(Some(row)) => {
                    if let Some(body) = &changes.body {
                        sqlx::query("UPDATE article_bodies SET body = $2 WHERE article_id = $1")
                            .bind(id)
                            .bind(body)
                            .execute(&mut *tx)
                            .await?;
                    }
                    if let Some(tags) = &changes.tags {
                        sqlx::query("DELETE FROM article_tags WHERE article_id = $1")
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        link_tags(&mut tx, id, tags).await?;
                    }
                    tx.commit().await?;
                    return Ok(Owned::Done(row.try_get("slug")?));
                }
                Ok(None) => return Ok(Owned::NotFound),
                Err(e) if is_unique_violation(&e) && attempt + 1 < SLUG_ATTEMPTS => {
                    tx.rollback().await?;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    pub async fn delete_article(&self, slug: &str, user: i64) -> Result<Owned<()>, sqlx::Error> {
        let Some((id, author)) = self.article_owner(slug).await? else {
            return Ok(Owned::NotFound);
        };
        if author != user {
            return Ok(Owned::NotOwner);
        }
        sqlx::query("DELETE FROM articles WHERE id = $1 AND author_id = $2")
            .bind(id)
            .bind(user)
            .execute(&self.pool)
            .await?;
        Ok(Owned::Done(()))
    }

    /// Idempotent; the count is kept by a trigger in the same statement, so concurrent
    /// favorites of one article all count.
    pub async fn favorite(&self, user: i64, slug: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO favorites (user_id, article_id) SELECT $1, id FROM articles WHERE slug = $2 \
             ON CONFLICT (user_id, article_id) DO NOTHING",
        )
        .bind(user)
        .bind(slug)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    pub async fn unfavorite(&self, user: i64, slug: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "DELETE FROM favorites WHERE user_id = $1 \
             AND article_id IN (SELECT id FROM articles WHERE slug = $2)",
        )
        .bind(user)
        .bind(slug)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    /// Tags in use, alphabetical: one index probe per tag, whatever the number of articles.
    pub async fn tags(&self) -> Result<Vec<String>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT t.name FROM tags t \
             WHERE EXISTS (SELECT 1 FROM article_tags at WHERE at.tag_id = t.id) ORDER BY t.name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| r.try_get("name")).collect()
    }
}

/// Records the article's tags for filtering: two statements whatever the number of tags.
async fn link_tags(
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
        "INSERT INTO article_tags (article_id, tag_id) SELECT $1, id FROM tags WHERE name IN ({names})"
    );
    let mut link = sqlx::query(&link_sql).bind(article_id);
    for t in tags {
        link = link.bind(t.as_str());
    }
    link.execute(&mut **tx).await?;
    Ok(())
}
