//! Every list of articles: the public list and its filters, search, the feed, drafts and the
//! reading list. One query per page, whose cost follows the page size, not the site's size.

use sqlx::Row;

use super::article_rows::{FROM, article, columns};
use super::search::{SearchPlan, SearchSql, search_sql};
use super::visibility::{LISTED, VISIBLE};
use super::{Db, Engine, Sql};
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

/// Totals are counted up to this many; past it `articlesCount` says this number, meaning "at
/// least". Lists whose total is kept by a counter (all published articles, by tag, by author,
/// a reader's favorites) are exact at any size.
pub const COUNT_CAP: i64 = 10_000;

/// The feed's total is counted up to this many (`1000` then means "at least"): it adds up the
/// articles of every followed author and tag, each checked against the others, which costs about
/// 10 µs a row on a cold cache, too much for 10,000 rows on every page.
pub const FEED_COUNT_CAP: i64 = 1_000;
// `FEED_COUNT_CAP` as SQL text, for `concat!`.
macro_rules! feed_count_cap {
    () => {
        "1000"
    };
}

/// Where a page starts: after so many articles, or after a given one (keyset: the sort key and
/// id of the last article of the previous page, which stays put while articles are added).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    Offset(i64),
    After { at: String, id: i64 },
}

pub struct Page {
    pub limit: i64,
    pub from: Position,
}

/// One page, the list's total and where the next page starts, if there is one.
pub struct ListPage {
    pub articles: Vec<Article>,
    pub total: i64,
    pub next: Option<Position>,
}

/// A list query's parts: joins beside `articles a JOIN users u`, conditions, the values bound
/// after the viewer (`$1`), in order, the sort key (newest first, then by id; `None` for search,
/// which ranks by relevance and pages by offset) and how to get the total.
pub(super) struct Parts {
    pub joins: String,
    pub sql: Sql,
    pub binds: Vec<String>,
    key: Option<&'static str>,
    /// The article id as the list's index holds it (the same value as `a.id`, but ordering and
    /// seeking by the index's own column lets the database walk that index).
    id: &'static str,
    pub order: String,
    total: Total,
}

enum Total {
    /// An expression reading a counter kept on write.
    Kept(String),
    /// Count the matches, up to [`COUNT_CAP`].
    Capped,
    /// The feed's: two capped counts that each follow an index.
    Feed,
}

const PUBLISHED_AT: &str = "a.published_at";

/// All published articles, from counters kept on write. The condition lets the shards be read
/// by their index: their rows are updated on every publish, and until vacuum catches up a scan
/// of the whole table reads every dead version too (4,412 pages after seeding).
pub(super) const PUBLISHED_TOTAL: &str =
    "(SELECT CAST(SUM(articles) AS BIGINT) FROM published_counts WHERE shard < 16)";

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
    "a.status = 'published' AND a.hidden = 0 AND a.author_id <> $1 AND (",
    followed_author!(),
    " OR ",
    followed_tag!(),
    ")"
);

// An article of the followed tags' lists counted once, at its followed tag with the lowest id. A
// scalar subquery, which the planner cannot turn into a join: as `NOT EXISTS` it became an anti
// join that hashed every article of the reader's tags (500,000 rows for three popular ones)
// before counting the first.
macro_rules! first_followed_tag {
    () => {
        "tg.tag_id = (SELECT MIN(t2.tag_id) FROM article_tags t2 \
         JOIN tag_follows f2 ON f2.tag_id = t2.tag_id AND f2.user_id = $1 \
         WHERE t2.article_id = tg.article_id)"
    };
}

/// The feed's total as two counts that stop at [`FEED_COUNT_CAP`]: articles by followed
/// authors, then, from the followed tags' own lists, articles by anyone else, each once. (One
/// count over "followed author OR followed tag" scans every published article; matching
/// `a.id IN (the followed tags' articles)` hashes every article of those tags first.)
const FEED_TOTAL: &str = concat!(
    "((SELECT COUNT(*) FROM (SELECT 1 FROM articles a WHERE a.status = 'published' AND a.hidden = 0 \
     AND a.author_id <> $1 AND ",
    followed_author!(),
    " LIMIT ",
    feed_count_cap!(),
    ") by_author) + (SELECT COUNT(*) FROM (SELECT 1 FROM tag_follows tf \
     JOIN article_tags tg ON tg.tag_id = tf.tag_id AND tg.published = 1 \
     JOIN articles a ON a.id = tg.article_id \
     WHERE tf.user_id = $1 AND a.hidden = 0 AND a.author_id <> $1 AND NOT ",
    followed_author!(),
    " AND ",
    first_followed_tag!(),
    " LIMIT ",
    feed_count_cap!(),
    ") by_tag))"
);

/// [`FEED_TOTAL`] on PostgreSQL, each source walked down its own index inside a `LATERAL` that
/// stops at the cap: a generic plan cannot see that the counts stop early, and hash-joined whole
/// tags' lists where walking costs at most the cap.
const FEED_TOTAL_BY_SOURCE: &str = concat!(
    "((SELECT COUNT(*) FROM (SELECT 1 FROM follows fo CROSS JOIN LATERAL (\
       SELECT 1 FROM articles a WHERE a.author_id = fo.followee_id \
       AND a.status = 'published' AND a.hidden = 0 LIMIT ",
    feed_count_cap!(),
    ") x WHERE fo.follower_id = $1 AND fo.followee_id <> $1 LIMIT ",
    feed_count_cap!(),
    ") by_author) + (SELECT COUNT(*) FROM (SELECT 1 FROM tag_follows tf CROSS JOIN LATERAL (\
       SELECT 1 FROM article_tags tg JOIN articles a ON a.id = tg.article_id \
       WHERE tg.tag_id = tf.tag_id AND tg.published = 1 AND a.hidden = 0 AND a.author_id <> $1 \
       AND NOT ",
    followed_author!(),
    " AND ",
    first_followed_tag!(),
    " LIMIT ",
    feed_count_cap!(),
    ") x WHERE tf.user_id = $1 LIMIT ",
    feed_count_cap!(),
    ") by_tag))"
);

/// The feed's candidates on PostgreSQL, joined to `articles a`: the newest `limit` articles
/// (after the position `after`, the numbers of its two parameters) of each followed author and
/// of each followed tag, each walked down its own index and cut at `limit`, merged. A page then
/// costs `limit` rows per source, whatever the site's size: walking the newest articles of the
/// whole site until enough were the reader's (SQLite still does) reads past everything the
/// reader does not follow, and a popular tag's every article when matching by tag.
fn feed_sources(after: Option<(usize, usize)>, limit: &str) -> String {
    let (by_author, by_tag) = match after {
        Some((at, id)) => (
            format!(" AND (s.published_at, s.id) < (${at}, ${id})"),
            format!(" AND (tg.published_at, tg.article_id) < (${at}, ${id})"),
        ),
        None => (String::new(), String::new()),
    };
    format!(
        " JOIN (SELECT c.id FROM (\
             SELECT x.id, x.published_at FROM follows fo CROSS JOIN LATERAL (\
               SELECT s.id, s.published_at FROM articles s \
               WHERE s.author_id = fo.followee_id AND s.status = 'published' AND s.hidden = 0\
               {by_author} ORDER BY s.published_at DESC, s.id DESC LIMIT {limit}) x \
             WHERE fo.follower_id = $1 AND fo.followee_id <> $1 \
             UNION \
             SELECT x.id, x.published_at FROM tag_follows tf CROSS JOIN LATERAL (\
               SELECT tg.article_id AS id, tg.published_at FROM article_tags tg \
               JOIN articles s ON s.id = tg.article_id \
               WHERE tg.tag_id = tf.tag_id AND tg.published = 1 AND s.hidden = 0 \
               AND s.author_id <> $1{by_tag} \
               ORDER BY tg.published_at DESC, tg.article_id DESC LIMIT {limit}) x \
             WHERE tf.user_id = $1) c \
           ORDER BY c.published_at DESC, c.id DESC LIMIT {limit}) feed ON feed.id = a.id"
    )
}

impl Db {
    /// One page of `list` as `viewer` sees it, with the list's total (see [`COUNT_CAP`]) and
    /// where the next page starts. One query per page, whose cost follows the page, not the
    /// table: counters or capped counts for the total, an index walk from the position for
    /// the page (a second query only for a page past the end, for the total).
    pub async fn list_articles(
        &self,
        list: &ArticleList,
        viewer: Option<i64>,
        page: Page,
    ) -> Result<ListPage, sqlx::Error> {
        let search = match list {
            ArticleList::Published(ArticleFilter {
                search: Some(search),
                ..
            }) => Some(self.search_plan(search).await?),
            _ => None,
        };
        let Parts {
            joins,
            sql,
            binds,
            key,
            id,
            order,
            total,
        } = self.parts(list, search.as_ref());
        let conditions = sql.text;
        // The feed's two capped counts may add up past the cap.
        let feed_total = matches!(total, Total::Feed);
        let total = match total {
            Total::Kept(expression) => expression,
            Total::Capped => format!(
                "(SELECT COUNT(*) FROM (SELECT 1 FROM articles a{joins} WHERE {conditions} \
                 LIMIT {COUNT_CAP}) capped)"
            ),
            Total::Feed => match self.engine() {
                Engine::Postgres => FEED_TOTAL_BY_SOURCE.to_string(),
                Engine::Sqlite => FEED_TOTAL.to_string(),
            },
        };
        let head = |joins: &str| {
            format!(
                "{columns}, {key} AS cursor_at, a.id AS cursor_id, {total} AS total{FROM}{joins} \
                 WHERE {conditions}",
                columns = columns(viewer.is_some(), false),
                key = key.unwrap_or("NULL"),
            )
        };
        let after_param = binds.len() + 2;
        let fan_in = matches!(list, ArticleList::Feed) && self.engine() == Engine::Postgres;
        let keyset = key.map(|key| {
            let limit = format!("${}", after_param + 2);
            let joins = match fan_in {
                true => feed_sources(Some((after_param, after_param + 1)), &limit),
                false => joins.clone(),
            };
            format!(
                "{head} AND ({key}, {id}) < (${after_param}, ${}) ORDER BY {order} LIMIT {limit}",
                after_param + 1,
                head = head(&joins),
            )
        });
        let by_offset = {
            let joins = match fan_in {
                true => feed_sources(None, &format!("${after_param} + ${}", after_param + 1)),
                false => joins.clone(),
            };
            format!(
                "{head} ORDER BY {order} LIMIT ${after_param} OFFSET ${}",
                after_param + 1,
                head = head(&joins),
            )
        };
        let fetch = |limit: i64, from: &Position| {
            let (text, position) = match (from, &keyset) {
                (Position::After { at, id }, Some(keyset)) => (keyset, Some((at.clone(), *id))),
                (Position::After { .. }, None) => (&by_offset, None),
                (Position::Offset(_), _) => (&by_offset, None),
            };
            let mut query = sqlx::query(text).bind(viewer);
            for b in &binds {
                query = query.bind(b.as_str());
            }
            query = match (position, from) {
                (Some((at, id)), _) => query.bind(at).bind(id).bind(limit),
                (None, Position::Offset(offset)) => query.bind(limit).bind(*offset),
                (None, Position::After { .. }) => query.bind(limit).bind(0_i64),
            };
            query.fetch_all(&self.pool)
        };
        // One more than the page, to know whether another page follows.
        let mut rows = fetch(page.limit + 1, &page.from).await?;
        let more = rows.len() as i64 > page.limit;
        rows.truncate(page.limit as usize);
        let total = match rows.first() {
            Some(row) => row.try_get("total")?,
            None if page.from != Position::Offset(0) => {
                match fetch(1, &Position::Offset(0)).await?.first() {
                    Some(row) => row.try_get("total")?,
                    None => 0,
                }
            }
            None => 0,
        };
        let next = match (rows.last(), key, &page.from) {
            (Some(last), Some(_), _) if more => Some(Position::After {
                at: last.try_get("cursor_at")?,
                id: last.try_get("cursor_id")?,
            }),
            (Some(_), None, Position::Offset(offset)) if more => {
                Some(Position::Offset(offset + page.limit))
            }
            _ => None,
        };
        let articles = rows.iter().map(article).collect::<Result<_, _>>()?;
        Ok(ListPage {
            articles,
            total: if feed_total {
                total.min(FEED_COUNT_CAP)
            } else {
                total
            },
            next,
        })
    }

    /// The parts of `list`'s query; a search in it goes as `search` plans it.
    pub(super) fn parts(&self, list: &ArticleList, search: Option<&SearchPlan>) -> Parts {
        let mut parts = Parts {
            joins: String::new(),
            sql: Sql::new("", 1),
            binds: Vec::new(),
            key: Some(PUBLISHED_AT),
            id: "a.id",
            order: format!("{PUBLISHED_AT} DESC, a.id DESC"),
            total: Total::Capped,
        };
        match list {
            ArticleList::Published(filter) => {
                parts.sql.push(LISTED);
                let mut kept = None;
                if let Some(tag) = &filter.tag {
                    // The tag's own index, newest first, instead of every article it is on.
                    parts
                        .joins
                        .push_str(" JOIN article_tags tg ON tg.article_id = a.id");
                    parts.sql.push(
                        " AND tg.published = 1 \
                         AND tg.tag_id = (SELECT t.id FROM tags t WHERE t.name = {})",
                    );
                    parts.binds.push(tag.clone());
                    parts.key = Some("tg.published_at");
                    parts.id = "tg.article_id";
                    parts.order = "tg.published_at DESC, tg.article_id DESC".into();
                    kept = Some(format!(
                        "COALESCE((SELECT articles_count FROM tags WHERE name = ${}), 0)",
                        parts.sql.params()
                    ));
                }
                if let Some(author) = &filter.author {
                    parts
                        .sql
                        .push(" AND a.author_id = (SELECT id FROM users WHERE username = {})");
                    parts.binds.push(author.clone());
                    kept = Some(format!(
                        "COALESCE((SELECT published_count FROM users WHERE username = ${}), 0)",
                        parts.sql.params()
                    ));
                }
                if let Some(fan) = &filter.favorited_by {
                    parts.sql.push(
                        " AND a.id IN (SELECT fv.article_id FROM favorites fv \
                                       JOIN users fu ON fu.id = fv.user_id WHERE fu.username = {})",
                    );
                    parts.binds.push(fan.clone());
                    kept = Some(format!(
                        "COALESCE((SELECT favorites_published_count FROM users \
                                   WHERE username = ${}), 0)",
                        parts.sql.params()
                    ));
                }
                let filters = [&filter.tag, &filter.author, &filter.favorited_by]
                    .iter()
                    .filter(|f| f.is_some())
                    .count();
                parts.total = match (filters, kept) {
                    (0, _) => Total::Kept(PUBLISHED_TOTAL.into()),
                    (1, Some(kept)) => Total::Kept(kept),
                    _ => Total::Capped,
                };
                if let Some(search) = search {
                    let SearchSql {
                        ranked,
                        unranked,
                        binds,
                    } = search_sql(self.engine(), search, &mut parts.sql);
                    // The matches are few (see `SEARCH_CANDIDATES`): counted whole, unranked.
                    parts.total = Total::Kept(format!(
                        "(SELECT COUNT(*) FROM articles a{}{unranked} WHERE {})",
                        parts.joins, parts.sql.text
                    ));
                    parts.joins.push_str(&ranked);
                    parts.order = format!("c.rank DESC, {PUBLISHED_AT} DESC, a.id DESC");
                    parts.key = None;
                    parts.binds.extend(binds);
                }
            }
            ArticleList::Feed => {
                // On PostgreSQL the page comes from the feed's sources (see `feed_sources`),
                // which already hold only their published articles by others.
                parts.sql.push(match self.engine() {
                    Engine::Postgres => LISTED,
                    Engine::Sqlite => FEED,
                });
                parts.total = Total::Feed;
            }
            ArticleList::Drafts => {
                parts.sql.push("a.author_id = $1 AND a.status = 'draft'");
                parts.key = Some("a.updated_at");
                parts.order = "a.updated_at DESC, a.id DESC".into();
            }
            ArticleList::Bookmarks => {
                parts.joins =
                    " JOIN bookmarks bm ON bm.article_id = a.id AND bm.user_id = $1".into();
                parts.sql.push(VISIBLE);
                parts.key = Some("bm.created_at");
                parts.order = "bm.created_at DESC, a.id DESC".into();
            }
        }
        parts
    }
}
