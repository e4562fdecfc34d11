//! Full-text search, the one feature whose SQL differs by engine; both dialects live here behind
//! one function. PostgreSQL matches a weighted `tsvector` kept on `article_bodies` by triggers
//! (GIN index, `ts_rank`); SQLite matches the FTS5 table `article_search` (bm25). Both weigh a
//! title match above a tag or description match above a body match.

use super::{Engine, Sql};
use crate::domain::search::SearchQuery;

/// How a list searches: a join beside `articles a`, the ranking to order by (best first), and
/// the match expression to bind to the parameter the condition took.
pub(super) struct SearchSql {
    pub join: &'static str,
    pub rank: String,
    pub query: String,
}

/// Appends the match condition to `sql` and returns what else the list needs. Each word matches
/// as a prefix and all must match; the words hold only letters and digits, so the expression
/// built from them is always valid syntax for the engine.
pub(super) fn search_sql(engine: Engine, search: &SearchQuery, sql: &mut Sql) -> SearchSql {
    let terms = search.terms();
    match engine {
        Engine::Postgres => {
            sql.push(" AND s.search @@ to_tsquery('simple', {})");
            SearchSql {
                join: " JOIN article_bodies s ON s.article_id = a.id",
                rank: format!(
                    "ts_rank(s.search, to_tsquery('simple', ${})) DESC",
                    sql.params()
                ),
                query: terms
                    .iter()
                    .map(|t| format!("{t}:*"))
                    .collect::<Vec<_>>()
                    .join(" & "),
            }
        }
        Engine::Sqlite => {
            sql.push(" AND article_search MATCH {}");
            SearchSql {
                join: " JOIN article_search ON article_search.rowid = a.id",
                // Column weights in the table's order: title, tags, description, body.
                rank: "bm25(article_search, 10.0, 4.0, 4.0, 1.0)".into(),
                query: terms
                    .iter()
                    .map(|t| format!("\"{t}\"*"))
                    .collect::<Vec<_>>()
                    .join(" "),
            }
        }
    }
}
