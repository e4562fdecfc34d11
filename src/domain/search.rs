//! What a reader searched for. Any text is a valid query: only its words (runs of letters,
//! digits and the combining marks inside them, in any script) count, so neither engine's query
//! syntax can be reached through it, and quotes, operators, unbalanced parentheses or emoji are
//! just separators. Combining marks, such as the Devanagari virama inside `हिन्दी`, belong to
//! their word as both engines index it.

use unicode_normalization::char::is_combining_mark;

/// Words beyond this many are ignored: they seldom narrow a match further, and each one costs
/// an index lookup and a check of every article ranked.
const MAX_TERMS: usize = 5;
/// Longer words are cut; no indexed word is longer than a tag or a title.
const MAX_TERM_CHARS: usize = 64;
/// Shorter words match whole words only: a single letter as a prefix is the start of most words
/// of a language, and looking them all up costs as much as the index holds.
pub const PREFIX_MIN_CHARS: usize = 2;
/// Longer words match themselves and their first [`MAX_COMPLETIONS`] completions rather than every
/// word they start: SQLite's prefix indexes stop at this length, and without one FTS5 reads the
/// articles of every word with that start before yielding one (0.5 s for five common words at a
/// million articles).
pub const PREFIX_MAX_CHARS: usize = 4;
/// Completions searched beside the long words of a search, shared evenly among them (all 20 for
/// one word, 4 each for five), the first of each in the index's own order of words: each is one
/// more step through the index's list of words (about 1 ms at a million articles), and a start of
/// five letters or more seldom has more real words.
pub const MAX_COMPLETIONS: usize = 20;

/// How a word of a search matches the words of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Only the same word.
    Word,
    /// Any word that starts with it.
    Prefix,
    /// The same word, or one of its first completions in the index (see [`MAX_COMPLETIONS`]).
    Completions,
}

/// Whether `c` belongs to a word of a search (any other character separates words).
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    terms: Vec<String>,
}

impl SearchQuery {
    /// `None` for a query without words (blank, or only punctuation): it matches nothing.
    pub fn parse(raw: &str) -> Option<Self> {
        let terms: Vec<String> = raw
            .split(|c: char| !is_word_char(c))
            .filter(|w| !w.is_empty())
            .take(MAX_TERMS)
            // Case is left to the engine, which folds the query as it folded the indexed text:
            // lower-casing here could disagree with it (Rust turns `İ` into `i` plus a combining
            // dot, PostgreSQL into a plain `i`, so `İstanbul` could not find itself).
            .map(|w| w.chars().take(MAX_TERM_CHARS).collect())
            .collect();
        (!terms.is_empty()).then_some(Self { terms })
    }

    /// The words as typed, each with how it matches: an article matches when it has, whatever the
    /// case, each word of one character, a word starting with each word of two to four, and each
    /// longer word or one of its completions, so `러스트` finds `러스트로` (Korean attaches
    /// particles to words), `Rust` finds `rustacean`, `learn` finds `learning`, and `a` finds only
    /// `a`.
    pub fn terms(&self) -> impl Iterator<Item = (&str, Match)> {
        self.terms.iter().map(|t| {
            let chars = t.chars().count();
            let matching = if chars < PREFIX_MIN_CHARS {
                Match::Word
            } else if chars <= PREFIX_MAX_CHARS {
                Match::Prefix
            } else {
                Match::Completions
            };
            (t.as_str(), matching)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{Match, SearchQuery};

    fn terms(raw: &str) -> Vec<String> {
        SearchQuery::parse(raw).map(|q| q.terms).unwrap_or_default()
    }

    #[test]
    fn words_in_any_script_survive_and_syntax_does_not() {
        assert_eq!(terms("Rust AND (web"), ["Rust", "AND", "web"]);
        assert_eq!(terms("\"quoted\" -not* a:b"), ["quoted", "not", "a", "b"]);
        assert_eq!(
            terms("러스트로 만드는 블로그"),
            ["러스트로", "만드는", "블로그"]
        );
        assert_eq!(terms("  "), Vec::<String>::new());
        assert_eq!(terms("*** ()) \"'"), Vec::<String>::new());
        assert_eq!(terms("हिन्दी भाषा"), ["हिन्दी", "भाषा"]);
    }

    #[test]
    fn one_character_is_a_word_up_to_four_a_prefix_and_longer_its_completions() {
        let matches = |raw| {
            let query = SearchQuery::parse(raw).unwrap();
            query.terms().map(|(_, m)| m).collect::<Vec<Match>>()
        };
        assert_eq!(
            [matches("a 만드 t été rust"), matches("learn 러스트로만든")].concat(),
            [
                Match::Word,
                Match::Prefix,
                Match::Word,
                Match::Prefix,
                Match::Prefix,
                Match::Completions,
                Match::Completions,
            ]
        );
    }

    #[test]
    fn long_queries_are_bounded() {
        assert_eq!(terms(&"word ".repeat(400)).len(), 5);
        assert_eq!(terms(&"x".repeat(2000))[0].chars().count(), 64);
    }
}
