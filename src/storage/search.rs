//! Full-text search, the one feature whose SQL differs by engine; both dialects live here behind
//! one function. PostgreSQL matches a weighted `tsvector` kept on `article_bodies` by triggers
//! (GIN index, `ts_rank`); SQLite matches the FTS5 table `article_search` (see `sqlite_rank`).
//! Both weigh a title match above a tag or description match above a body match.
//!
//! A search's cost does not follow how common its words are: at most [`SEARCH_CANDIDATES`]
//! matching articles are taken from the index and ranked, so a word that half the site uses
//! costs no more than a rare one. SQLite's index hands its matches out newest first, one at a
//! time, and stops there (but gathers a prefix of five letters or more whole, its prefix indexes
//! stopping at four). PostgreSQL's GIN index cannot stop early: it collects every article that
//! has a word before yielding the first (120 ms for a word in 900,000 of a million articles), so
//! it is asked only for words its statistics call rare, and the first articles it yields are
//! checked for the others; a search made only of common words, where nearly any article matches,
//! looks among the newest [`COMMON_WINDOW`] articles instead.

use super::{Db, Engine, Sql};
use crate::domain::search::SearchQuery;

/// Matches ranked per search, at most; `articlesCount` of a search counts up to this many.
pub const SEARCH_CANDIDATES: i64 = 200;
/// A search of common words only looks among this many newest articles (PostgreSQL).
pub const COMMON_WINDOW: i64 = 1_000;
/// A word in at least this share of articles is common: too costly to look up in the GIN index
/// (PostgreSQL), where its list of articles would be read whole.
const COMMON_SHARE: f64 = 0.02;
/// A prefix this short stands for too many words to look up in the GIN index, however rare each.
const PROBE_PREFIX_MIN_CHARS: usize = 3;

/// How a list searches: the join that brings the matches as `c` (`c.id`, and `c.rank`, higher
/// first), the same join without ranking (for counting), and the values to bind, in order, to the
/// parameters it took.
pub(super) struct SearchSql {
    pub ranked: String,
    pub unranked: String,
    pub binds: Vec<String>,
}

/// SQLite's ranking: each match in the title weighs 10, in the tags or description 4 (a body
/// match ranks by date alone), counted as the marks `highlight()` puts in those short columns.
/// bm25, which also weighs a word by how rare it is, counts every article that has each word to
/// know it, so it cost as much as the index holds (6 ms of a 7 ms search for three common words
/// at 100,000 articles).
fn sqlite_rank() -> String {
    let marks = |columns: &[u8]| {
        let text = columns
            .iter()
            .map(|c| format!("highlight(article_search, {c}, char(1), '')"))
            .collect::<Vec<_>>()
            .join(" || ");
        format!("(length({text}) - length(replace({text}, char(1), '')))")
    };
    format!(", 10 * {} + 4 * {} AS rank", marks(&[0]), marks(&[1, 2]))
}

/// The words of a search as the engine's query language has them; on PostgreSQL also the rare
/// words that the index is asked for (`None` when every word is common).
pub(super) struct SearchPlan {
    full: String,
    probe: Option<String>,
}

impl Db {
    /// Plans `search`. On PostgreSQL it reads how common each word is from the statistics
    /// `ANALYZE` keeps of the search column (its most common lexemes and their shares; a word
    /// that is not among them is rarer than all of them): one small query on a catalog view.
    pub(super) async fn search_plan(
        &self,
        search: &SearchQuery,
    ) -> Result<SearchPlan, sqlx::Error> {
        match self.engine() {
            Engine::Sqlite => Ok(SearchPlan {
                full: search
                    .terms()
                    .map(|(t, prefix)| format!("\"{t}\"{}", if prefix { "*" } else { "" }))
                    .collect::<Vec<_>>()
                    .join(" "),
                probe: None,
            }),
            Engine::Postgres => {
                let tsquery =
                    |(t, prefix): (&str, bool)| format!("{t}{}", if prefix { ":*" } else { "" });
                let terms: Vec<(&str, bool)> = search.terms().collect();
                let words = terms.iter().map(|(t, _)| *t).collect::<Vec<_>>().join(" ");
                let prefixes = terms
                    .iter()
                    .map(|(_, p)| if *p { "1" } else { "0" })
                    .collect::<Vec<_>>()
                    .join(" ");
                let shares: Vec<f64> = sqlx::query_scalar(
                    "SELECT CAST(COALESCE(SUM(m.share), 0) AS DOUBLE PRECISION) \
                     FROM unnest(string_to_array($1, ' '), string_to_array($2, ' ')) \
                          WITH ORDINALITY AS t (word, prefix, n) \
                     LEFT JOIN (SELECT x.lexeme, x.share FROM pg_stats st, \
                                unnest(st.most_common_elems::text::text[], \
                                       st.most_common_elem_freqs) AS x (lexeme, share) \
                                WHERE st.schemaname = current_schema() \
                                  AND st.tablename = 'article_bodies' \
                                  AND st.attname = 'search') m \
                       ON m.lexeme = lower(t.word) \
                          OR (t.prefix = '1' AND starts_with(m.lexeme, lower(t.word))) \
                     GROUP BY t.n ORDER BY t.n",
                )
                .bind(words)
                .bind(prefixes)
                .fetch_all(&self.pool)
                .await?;
                let probe: Vec<String> = terms
                    .iter()
                    .zip(&shares)
                    .filter(|((t, prefix), share)| {
                        **share < COMMON_SHARE
                            && (!prefix || t.chars().count() >= PROBE_PREFIX_MIN_CHARS)
                    })
                    .map(|(term, _)| tsquery(*term))
                    .collect();
                Ok(SearchPlan {
                    full: terms
                        .into_iter()
                        .map(tsquery)
                        .collect::<Vec<_>>()
                        .join(" & "),
                    probe: (!probe.is_empty()).then(|| probe.join(" & ")),
                })
            }
        }
    }
}

/// The SQL of `plan`, taking its parameters from `sql`. Each word matches as a prefix or as a
/// whole word (see [`SearchQuery::terms`]) and all must match; the words hold only letters and
/// digits, so the expressions built from them are always valid syntax for the engine.
pub(super) fn search_sql(engine: Engine, plan: &SearchPlan, sql: &mut Sql) -> SearchSql {
    let full = sql.param();
    let mut binds = vec![plan.full.clone()];
    let probe = plan.probe.as_ref().map(|probe| {
        binds.push(probe.clone());
        sql.param()
    });
    let candidates = |ranked: bool| -> String {
        match engine {
            Engine::Sqlite => format!(
                "SELECT rowid AS id{rank} FROM article_search WHERE article_search MATCH ${full} \
                 ORDER BY rowid DESC LIMIT {SEARCH_CANDIDATES}",
                rank = if ranked { sqlite_rank() } else { String::new() },
            ),
            Engine::Postgres => {
                let rank = if ranked {
                    format!(", ts_rank(s.search, to_tsquery('simple', ${full})) AS rank")
                } else {
                    String::new()
                };
                // `ts_match_vq` is `@@` that no index can serve: the words the index was not
                // asked for are checked on the articles it found.
                let matches = format!("ts_match_vq(s.search, to_tsquery('simple', ${full}))");
                match probe {
                    Some(probe) => format!(
                        "SELECT s.article_id AS id{rank} FROM article_bodies s \
                         WHERE s.search @@ to_tsquery('simple', ${probe}) AND {matches} \
                         LIMIT {SEARCH_CANDIDATES}"
                    ),
                    None => format!(
                        "SELECT s.article_id AS id{rank} FROM (SELECT article_id, search \
                         FROM article_bodies ORDER BY article_id DESC LIMIT {COMMON_WINDOW}) s \
                         WHERE {matches} LIMIT {SEARCH_CANDIDATES}"
                    ),
                }
            }
        }
    };
    let join = |ranked| format!(" JOIN ({}) c ON c.id = a.id", candidates(ranked));
    SearchSql {
        ranked: join(true),
        unranked: join(false),
        binds,
    }
}
