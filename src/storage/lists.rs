//! Every list of articles: the public list and its filters, search, the feed, drafts and the
//! reading list. One query per page whatever its size (a second only for a page past the end).

use sqlx::Row;

use super::articles::{FROM, VISIBLE, article, columns};
use super::search::{SearchSql, search_sql};
use super::{Db, Sql};
use crate::domain::search::SearchQuery;
use crate::domain::views::Article;

/// Filters of the public list; they combine with AND.
#[derive(Debug, Default, Clone)]
pub struct ArticleFilter {
    pub tag: Option<String>,
    pub author: Option<String>,
    pub favorited_by: Option<String>,
    /// Ranks the matches by relevance instead of by date.
    pub search: Option<SearchQuery>,
}

/// Which list; the viewer of the personal ones is their owner.
#[derive(Debug, Clone)]
pub enum ArticleList {
    /// Published articles, newest first (by relevance when searching).
    Published(ArticleFilter),
    /// Published articles by the authors and with the tags the viewer follows, each once.
    Feed,
    /// The viewer's drafts, last edited first.
    Drafts,
    /// The viewer's reading list, most recently saved first; someone else's article that became
    /// a draft drops out of it.
    Bookmarks,
}

pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

/// A list query's parts: joins beside `articles a JOIN users u`, conditions, order, the values
/// bound after the viewer (`$1`), in order, and a cheaper way to count, where there is one.
struct Parts {
    joins: String,
    sql: Sql,
    binds: Vec<String>,
    order: String,
    total: Option<&'static str>,
}

const NEWEST_PUBLISHED: &str = "a.published_at DESC, a.id DESC";

// The feed's two sources, as macros so that `concat!` can build the statements from them.
macro_rules! followed_author {
    () => {
        "a.author_id IN (SELECT fo.followee_id FROM follows fo WHERE fo.follower_id = $1)"
    };
}
macro_rules! followed_tag {
    () => {
        "a.id IN (SELECT at.article_id FROM article_tags at \
         JOIN tag_follows tf ON tf.tag_id = at.tag_id WHERE tf.user_id = $1)"
    };
}

const FEED: &str = concat!(
    "a.status = 'published' AND a.author_id <> $1 AND (",
    followed_author!(),
    " OR ",
    followed_tag!(),
    ")"
);

/// The feed's total as two counts that each use an index (articles by followed authors, then
/// those with followed tags by anyone else), where one count over the OR scans every published
/// article: half the database time of a feed request.
const FEED_TOTAL: &str = concat!(
    "((SELECT COUNT(*) FROM articles a WHERE a.status = 'published' AND a.author_id <> $1 AND ",
    followed_author!(),
    ") + (SELECT COUNT(*) FROM articles a WHERE a.status = 'published' AND a.author_id <> $1 \
     AND NOT ",
    followed_author!(),
    " AND ",
    followed_tag!(),
    "))"
);

impl Db {
    /// One page of `list` as `viewer` sees it, with the total number of articles in the list.
    /// The total is an uncorrelated subquery, computed once, so the page stays an index scan.
    pub async fn list_articles(
        &self,
        list: &ArticleList,
        viewer: Option<i64>,
        page: Page,
    ) -> Result<(Vec<Article>, i64), sqlx::Error> {
        let parts = self.parts(list);
        let Parts {
            joins,
            mut sql,
            binds,
            order,
            total,
        } = parts;
        let conditions = sql.text.clone();
        let total = match total {
            Some(total) => total.to_string(),
            None => format!("(SELECT COUNT(*) FROM articles a{joins} WHERE {conditions})"),
        };
        sql.text = format!(
            "{columns}, {total} AS total{FROM}{joins} WHERE {conditions} ORDER BY {order}",
            columns = columns(viewer.is_some(), false),
        );
        sql.push(" LIMIT {} OFFSET {}");
        let fetch = |limit: i64, offset: i64| {
            let mut query = sqlx::query(&sql.text).bind(viewer);
            for b in &binds {
                query = query.bind(b.as_str());
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

    fn parts(&self, list: &ArticleList) -> Parts {
        let mut parts = Parts {
            joins: String::new(),
            sql: Sql::new("", 1),
            binds: Vec::new(),
            order: NEWEST_PUBLISHED.to_string(),
            total: None,
        };
        match list {
            ArticleList::Published(filter) => {
                parts.sql.push("a.status = 'published'");
                if let Some(tag) = &filter.tag {
                    parts.sql.push(
                        " AND a.id IN (SELECT at.article_id FROM article_tags at \
                                       JOIN tags t ON t.id = at.tag_id WHERE t.name = {})",
                    );
                    parts.binds.push(tag.clone());
                }
                if let Some(author) = &filter.author {
                    parts
                        .sql
                        .push(" AND a.author_id = (SELECT id FROM users WHERE username = {})");
                    parts.binds.push(author.clone());
                }
                if let Some(fan) = &filter.favorited_by {
                    parts.sql.push(
                        " AND a.id IN (SELECT fv.article_id FROM favorites fv \
                                       JOIN users fu ON fu.id = fv.user_id WHERE fu.username = {})",
                    );
                    parts.binds.push(fan.clone());
                }
                if let Some(search) = &filter.search {
                    let SearchSql { join, rank, query } =
                        search_sql(self.engine(), search, &mut parts.sql);
                    parts.joins.push_str(join);
                    parts.order = format!("{rank}, {NEWEST_PUBLISHED}");
                    parts.binds.push(query);
                }
            }
            ArticleList::Feed => {
                parts.sql.push(FEED);
                parts.total = Some(FEED_TOTAL);
            }
            ArticleList::Drafts => {
                parts.sql.push("a.author_id = $1 AND a.status = 'draft'");
                parts.order = "a.updated_at DESC, a.id DESC".into();
            }
            ArticleList::Bookmarks => {
                parts.joins =
                    " JOIN bookmarks bm ON bm.article_id = a.id AND bm.user_id = $1".into();
                parts.sql.push(VISIBLE);
                parts.order = "bm.created_at DESC, a.id DESC".into();
            }
        }
        parts
    }
}
