//! What feeds and sitemaps read: the newest published articles (the public list's own query
//! parts and indexes, with bodies), and published articles and their authors by id range.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::Db;
use super::article_rows::FROM;
use super::lists::{ArticleFilter, ArticleList, PUBLISHED_TOTAL, Parts};
use crate::domain::feeds::FeedEntry;

/// Whose articles a feed follows.
#[derive(Clone, Copy)]
pub enum FeedOf<'a> {
    Site,
    Author(&'a str),
    Tag(&'a str),
}

/// A published article as a sitemap lists it.
pub struct SitemapArticle {
    pub id: i64,
    pub slug: String,
    pub updated_at: DateTime<Utc>,
}

/// An author (someone with a published article) as a sitemap lists them.
pub struct SitemapAuthor {
    pub id: i64,
    pub username: String,
}

/// What `/sitemap.xml` is.
pub enum Sitemap {
    /// Every URL fits in one file.
    Whole {
        articles: Vec<SitemapArticle>,
        authors: Vec<SitemapAuthor>,
    },
    /// An index of the numbered pages that hold anything (see [`Db::sitemap_articles`]).
    Split {
        article_pages: Vec<i64>,
        author_pages: Vec<i64>,
    },
}

/// One probe per id range for the split sitemap: whether the range holds any URL. Ordered by the
/// column they range over so that the database walks its index from the range's start.
const ARTICLE_RANGE_USED: &str = "SELECT 1 AS used FROM articles \
     WHERE id > $1 AND id <= $2 AND status = 'published' AND hidden = 0 ORDER BY id LIMIT 1";
/// Authors are users with a published article: probed through the articles' author index, so
/// that a range of readers who never wrote costs one index lookup, not a scan of the range.
const AUTHOR_RANGE_USED: &str = "SELECT 1 AS used FROM articles \
     WHERE author_id > $1 AND author_id <= $2 AND status = 'published' AND hidden = 0 \
     ORDER BY author_id LIMIT 1";

impl Db {
    /// The newest `limit` published articles of `of`, newest first, with their bodies' HTML:
    /// the public list's query (its filters and the index each walks), one page deep.
    pub async fn feed(&self, of: FeedOf<'_>, limit: i64) -> Result<Vec<FeedEntry>, sqlx::Error> {
        let filter = match of {
            FeedOf::Site => ArticleFilter::default(),
            FeedOf::Author(username) => ArticleFilter {
                author: Some(username.to_string()),
                ..ArticleFilter::default()
            },
            FeedOf::Tag(tag) => ArticleFilter {
                tag: Some(tag.to_string()),
                ..ArticleFilter::default()
            },
        };
        let Parts {
            joins,
            sql,
            binds,
            order,
            ..
        } = self.parts(&ArticleList::Published(filter), None);
        let text = format!(
            "SELECT a.id, a.slug, a.title, a.description, a.tag_list, a.published_at, \
                    a.updated_at, u.username, u.updated_at AS author_updated_at, b.body_html\
             {FROM}{joins} JOIN article_bodies b ON b.article_id = a.id \
             WHERE {conditions} ORDER BY {order} LIMIT ${limit}",
            conditions = sql.text,
            limit = binds.len() + 2,
        );
        // `$1` is the list's viewer: feeds are the same for everyone.
        let mut query = sqlx::query(&text).bind(None::<i64>);
        for b in &binds {
            query = query.bind(b.as_str());
        }
        let rows = query.bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(feed_entry).collect()
    }

    /// Whether `username` names an account.
    pub async fn user_exists(&self, username: &str) -> Result<bool, sqlx::Error> {
        Ok(self.profile(username, None).await?.is_some())
    }

    /// The whole sitemap when its articles and authors fit in `per_file` URLs, read in one
    /// query of at most `per_file + 1` rows; otherwise the pages of the index, decided from
    /// the kept count of published articles where it already says so, and by one probe per id
    /// range.
    pub async fn sitemap(&self, per_file: i64) -> Result<Sitemap, sqlx::Error> {
        let published: i64 = sqlx::query(&format!("SELECT {PUBLISHED_TOTAL} AS total"))
            .fetch_one(&self.pool)
            .await?
            .try_get::<Option<i64>, _>("total")?
            .unwrap_or_default();
        if published <= per_file {
            let rows = sqlx::query(
                "SELECT a.id, a.slug, a.updated_at, u.id AS author_id, u.username \
                 FROM articles a JOIN users u ON u.id = a.author_id \
                 WHERE a.status = 'published' AND a.hidden = 0 ORDER BY a.id LIMIT $1",
            )
            .bind(per_file + 1)
            .fetch_all(&self.pool)
            .await?;
            let mut articles = Vec::with_capacity(rows.len());
            let mut authors = Vec::new();
            for row in &rows {
                articles.push(sitemap_article(row)?);
                authors.push(sitemap_author(row, "author_id")?);
            }
            authors.sort_by_key(|a| a.id);
            authors.dedup_by_key(|a| a.id);
            if (articles.len() + authors.len()) as i64 <= per_file {
                return Ok(Sitemap::Whole { articles, authors });
            }
        }
        Ok(Sitemap::Split {
            article_pages: self
                .used_ranges(
                    "SELECT MAX(id) AS last FROM articles",
                    ARTICLE_RANGE_USED,
                    per_file,
                )
                .await?,
            author_pages: self
                .used_ranges(
                    "SELECT MAX(id) AS last FROM users",
                    AUTHOR_RANGE_USED,
                    per_file,
                )
                .await?,
        })
    }

    /// The published articles of sitemap page `page` (from 1): ids `(page - 1) * per_file + 1`
    /// to `page * per_file`, so that each page is one primary-key range whatever the site's
    /// size, and a page keeps its articles as new ones are published.
    pub async fn sitemap_articles(
        &self,
        page: i64,
        per_file: i64,
    ) -> Result<Vec<SitemapArticle>, sqlx::Error> {
        self.in_range(
            "SELECT id, slug, updated_at FROM articles \
             WHERE id > $1 AND id <= $2 AND status = 'published' AND hidden = 0 ORDER BY id",
            page,
            per_file,
            sitemap_article,
        )
        .await
    }

    /// The authors of sitemap page `page`, by user id range as for articles.
    pub async fn sitemap_authors(
        &self,
        page: i64,
        per_file: i64,
    ) -> Result<Vec<SitemapAuthor>, sqlx::Error> {
        self.in_range(
            "SELECT id, username FROM users \
             WHERE id > $1 AND id <= $2 AND published_count > 0 ORDER BY id",
            page,
            per_file,
            |row| sitemap_author(row, "id"),
        )
        .await
    }

    /// The rows `sql` finds between the bounds of page `page`, bound as `$1` and `$2`.
    async fn in_range<T>(
        &self,
        sql: &str,
        page: i64,
        per_file: i64,
        read: impl Fn(&AnyRow) -> Result<T, sqlx::Error>,
    ) -> Result<Vec<T>, sqlx::Error> {
        let Some((after, upto)) = range(page, per_file) else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(sql)
            .bind(after)
            .bind(upto)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(read).collect()
    }

    /// The page numbers, up to the one holding the highest id (`last`), whose range `used`
    /// finds anything in.
    async fn used_ranges(
        &self,
        last: &str,
        used: &str,
        per_file: i64,
    ) -> Result<Vec<i64>, sqlx::Error> {
        let last: i64 = sqlx::query(last)
            .fetch_one(&self.pool)
            .await?
            .try_get::<Option<i64>, _>("last")?
            .unwrap_or_default();
        let mut pages = Vec::new();
        for page in 1..=(last + per_file - 1) / per_file {
            let Some((after, upto)) = range(page, per_file) else {
                break;
            };
            let hit = sqlx::query(used)
                .bind(after)
                .bind(upto)
                .fetch_optional(&self.pool)
                .await?;
            if hit.is_some() {
                pages.push(page);
            }
        }
        Ok(pages)
    }
}

/// The ids of page `page`: after the first, up to the second; `None` past any id.
fn range(page: i64, per_file: i64) -> Option<(i64, i64)> {
    let upto = page.checked_mul(per_file)?;
    (page >= 1).then_some((upto - per_file, upto))
}

fn sitemap_article(row: &AnyRow) -> Result<SitemapArticle, sqlx::Error> {
    Ok(SitemapArticle {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        updated_at: timestamp(row, "updated_at")?,
    })
}

/// An author from a row holding their id under `id`.
fn sitemap_author(row: &AnyRow, id: &str) -> Result<SitemapAuthor, sqlx::Error> {
    Ok(SitemapAuthor {
        id: row.try_get(id)?,
        username: row.try_get("username")?,
    })
}

fn timestamp(row: &AnyRow, column: &str) -> Result<DateTime<Utc>, sqlx::Error> {
    let text: String = row.try_get(column)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| sqlx::Error::Decode(e.into()))
}

fn feed_entry(row: &AnyRow) -> Result<FeedEntry, sqlx::Error> {
    let tag_list: String = row.try_get("tag_list")?;
    Ok(FeedEntry {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        body_html: row.try_get("body_html")?,
        tags: serde_json::from_str(&tag_list).map_err(|e| sqlx::Error::Decode(e.into()))?,
        published_at: timestamp(row, "published_at")?,
        updated_at: timestamp(row, "updated_at")?,
        author: row.try_get("username")?,
        author_updated_at: timestamp(row, "author_updated_at")?,
    })
}
