//! Full-text search, the one feature whose SQL differs by engine; both dialects live here behind
//! one function. PostgreSQL matches a weighted `tsvector` kept on `article_bodies` by triggers
//! (GIN index, `ts_rank`); SQLite matches the FTS5 table `article_search` (see `sqlite_rank`).
//! Both weigh a title match above a tag or description match above a body match.
//!
//! A search's cost does not follow how common its words are: at most [`SEARCH_CANDIDATES`]
//! matching articles are taken from the index and ranked, so a word that half the site uses
//! costs no more than a rare one. SQLite's index hands its matches out newest first, one at a
//! time, and stops there: a prefix of two to four letters has an index of its own, and a longer
//! word is asked for as itself or one of its first completions (a prefix of five letters or more
//! would be gathered whole first). PostgreSQL's GIN index cannot stop early: it collects every
//! article that has a word before yielding the first (120 ms for a word in 900,000 of a million
//! articles), so it is asked only for words its statistics call rare, and the first articles it
//! yields are checked for the others; a search made only of common words, where nearly any
//! article matches, looks among the newest [`COMMON_WINDOW`] articles instead.

use unicode_normalization::char::decompose_canonical;

use super::{Db, Engine, Sql};
use crate::domain::search::{MAX_COMPLETIONS, Match, SearchQuery, is_word_char};

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

/// A word as SQLite's FTS5 (`unicode61`, `remove_diacritics 2`) keeps it in its index: in lower
/// case, its Latin letters without their diacritics, so that its completions can be looked up in
/// the index's own list of words. Where this differs from FTS5's folding, only completions are
/// missed: the word itself is matched by FTS5, which folds it.
fn fts5_folded(word: &str) -> String {
    let is_diacritic = |c: char| ('\u{300}'..='\u{36f}').contains(&c);
    let mut folded = String::with_capacity(word.len());
    for c in word.chars().flat_map(char::to_lowercase) {
        if is_diacritic(c) {
            continue;
        }
        let mut parts = Vec::with_capacity(3);
        decompose_canonical(c, |d| parts.push(d));
        match parts.split_first() {
            Some((base, marks)) if base.is_ascii() && marks.iter().all(|&m| is_diacritic(m)) => {
                folded.push(*base);
            }
            _ => folded.push(c),
        }
    }
    folded
}

/// How one word of a search reads in the engine's query language, given its completions.
fn query_word(engine: Engine, word: &str, matching: Match, completions: &[String]) -> String {
    let exact = |w: &str| match engine {
        Engine::Sqlite => format!("\"{w}\""),
        Engine::Postgres => w.to_string(),
    };
    match matching {
        Match::Word => exact(word),
        Match::Prefix => match engine {
            Engine::Sqlite => format!("\"{word}\"*"),
            Engine::Postgres => format!("{word}:*"),
        },
        Match::Completions => {
            let or = match engine {
                Engine::Sqlite => " OR ",
                Engine::Postgres => " | ",
            };
            let words = std::iter::once(word)
                .chain(completions.iter().map(String::as_str))
                .map(exact)
                .collect::<Vec<_>>();
            format!("({})", words.join(or))
        }
    }
}

/// `values` separated by spaces, for PostgreSQL's `string_to_array`: the database is reached
/// through sqlx's `Any` driver, which binds no arrays.
fn join(values: &[impl ToString]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

impl Db {
    /// The first completions (longer words that start with it) of each word of `terms` that
    /// matches by its completions, in the index's order of words (by bytes), as many for each as
    /// its share of [`MAX_COMPLETIONS`]; none for the others. SQLite reads them from its FTS5 index's list of words (`fts5vocab`), one
    /// step to the next word each, which costs the same however many articles have a word;
    /// PostgreSQL from `search_words`, which its triggers keep.
    async fn completions(&self, terms: &[(&str, Match)]) -> Result<Vec<Vec<String>>, sqlx::Error> {
        let mut completions = vec![Vec::new(); terms.len()];
        let (positions, words): (Vec<i32>, Vec<String>) = terms
            .iter()
            .enumerate()
            .filter(|(_, (_, matching))| *matching == Match::Completions)
            .map(|(n, (word, _))| {
                let word = match self.engine() {
                    Engine::Sqlite => fts5_folded(word),
                    Engine::Postgres => word.to_string(),
                };
                (n as i32, word)
            })
            // A word of diacritics alone folds to nothing, which every word would complete.
            .filter(|(_, word)| !word.is_empty())
            .unzip();
        if words.is_empty() {
            return Ok(completions);
        }
        let each = (MAX_COMPLETIONS / words.len()).max(1) as i64;
        let found: Vec<(i32, String)> = match self.engine() {
            // `term >= w || char(1)` steps over `w` itself without reading its articles, which
            // `term > w` does one by one; no word holds a control character.
            Engine::Sqlite => {
                sqlx::query_as(
                    "WITH RECURSIVE \
                       w (n, word) AS (SELECT value ->> 0, value ->> 1 FROM json_each($1)), \
                       c (n, word, term, k) AS ( \
                         SELECT n, word, (SELECT term FROM article_search_terms \
                                          WHERE term >= word || char(1) \
                                            AND term < word || char(1114111) LIMIT 1), 1 \
                         FROM w \
                         UNION ALL \
                         SELECT n, word, (SELECT term FROM article_search_terms \
                                          WHERE term >= c.term || char(1) \
                                            AND term < c.word || char(1114111) LIMIT 1), k + 1 \
                         FROM c WHERE term IS NOT NULL AND k < $2) \
                     SELECT n, term FROM c WHERE term IS NOT NULL ORDER BY n, k",
                )
                .bind(
                    serde_json::to_string(&positions.iter().zip(&words).collect::<Vec<_>>())
                        .expect("numbers and strings serialize"),
                )
                .bind(each)
                .fetch_all(&self.pool)
                .await?
            }
            Engine::Postgres => {
                sqlx::query_as(
                    "SELECT CAST(w.n AS INTEGER), c.word \
                     FROM unnest(string_to_array($1, ' '), string_to_array($2, ' ')) AS w (n, word) \
                     CROSS JOIN LATERAL (SELECT word FROM search_words \
                                         WHERE word > lower(w.word) \
                                           AND word < lower(w.word) || chr(1114111) \
                                         ORDER BY word LIMIT $3) c \
                     ORDER BY w.n, c.word",
                )
                .bind(join(&positions))
                .bind(join(&words))
                .bind(each)
                .fetch_all(&self.pool)
                .await?
            }
        };
        for (n, word) in found {
            // PostgreSQL also indexes words with other characters (`open-source`, an address),
            // which would be syntax to its query language; their parts are words of their own.
            if word.chars().all(is_word_char) {
                completions[n as usize].push(word);
            }
        }
        Ok(completions)
    }

    /// Plans `search`. On PostgreSQL it reads how common each word is from the statistics
    /// `ANALYZE` keeps of the search column (its most common lexemes and their shares; a word
    /// that is not among them is rarer than all of them): one small query on a catalog view.
    pub(super) async fn search_plan(
        &self,
        search: &SearchQuery,
    ) -> Result<SearchPlan, sqlx::Error> {
        let terms: Vec<(&str, Match)> = search.terms().collect();
        let completions = self.completions(&terms).await?;
        let words = terms
            .iter()
            .zip(&completions)
            .map(|((word, matching), completions)| {
                query_word(self.engine(), word, *matching, completions)
            });
        match self.engine() {
            Engine::Sqlite => Ok(SearchPlan {
                full: words.collect::<Vec<_>>().join(" AND "),
                probe: None,
            }),
            Engine::Postgres => {
                // Every word the index would be asked for, with the position of its search
                // word: a prefix as it is, a longer word with each of its completions.
                let mut positions = Vec::new();
                let mut lexemes = Vec::new();
                let mut prefixes = Vec::new();
                for (n, ((word, matching), completions)) in
                    terms.iter().zip(&completions).enumerate()
                {
                    for lexeme in
                        std::iter::once(*word).chain(completions.iter().map(String::as_str))
                    {
                        positions.push(n as i32);
                        lexemes.push(lexeme.to_string());
                        prefixes.push(u8::from(*matching == Match::Prefix));
                    }
                }
                let shares: Vec<f64> = sqlx::query_scalar(
                    "SELECT CAST(COALESCE(SUM(m.share), 0) AS DOUBLE PRECISION) \
                     FROM unnest(string_to_array($1, ' '), string_to_array($2, ' '), \
                                 string_to_array($3, ' ')) AS t (n, word, prefix) \
                     LEFT JOIN (SELECT x.lexeme, x.share FROM pg_stats st, \
                                unnest(st.most_common_elems::text::text[], \
                                       st.most_common_elem_freqs) AS x (lexeme, share) \
                                WHERE st.schemaname = current_schema() \
                                  AND st.tablename = 'article_bodies' \
                                  AND st.attname = 'search') m \
                       ON m.lexeme = lower(t.word) \
                          OR (t.prefix = '1' AND starts_with(m.lexeme, lower(t.word))) \
                     GROUP BY t.n ORDER BY CAST(t.n AS INTEGER)",
                )
                .bind(join(&positions))
                .bind(join(&lexemes))
                .bind(join(&prefixes))
                .fetch_all(&self.pool)
                .await?;
                let words: Vec<String> = words.collect();
                let probe: Vec<&str> = terms
                    .iter()
                    .zip(&words)
                    .zip(&shares)
                    .filter(|(((word, matching), _), share)| {
                        **share < COMMON_SHARE
                            && (*matching != Match::Prefix
                                || word.chars().count() >= PROBE_PREFIX_MIN_CHARS)
                    })
                    .map(|((_, query), _)| query.as_str())
                    .collect();
                Ok(SearchPlan {
                    probe: (!probe.is_empty()).then(|| probe.join(" & ")),
                    full: words.join(" & "),
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
