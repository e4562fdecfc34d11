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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    terms: Vec<String>,
}

impl SearchQuery {
    /// `None` for a query without words (blank, or only punctuation): it matches nothing.
    pub fn parse(raw: &str) -> Option<Self> {
        let terms: Vec<String> = raw
            .split(|c: char| !(c.is_alphanumeric() || is_combining_mark(c)))
            .filter(|w| !w.is_empty())
            .take(MAX_TERMS)
            // Case is left to the engine, which folds the query as it folded the indexed text:
            // lower-casing here could disagree with it (Rust turns `İ` into `i` plus a combining
            // dot, PostgreSQL into a plain `i`, so `İstanbul` could not find itself).
            .map(|w| w.chars().take(MAX_TERM_CHARS).collect())
            .collect();
        (!terms.is_empty()).then_some(Self { terms })
    }

    /// The words as typed, each with whether it matches as a prefix: an article matches when it
    /// has, whatever the case, each word of one character and a word starting with each longer
    /// one, so `러스트` finds `러스트로` (Korean attaches particles to words), `Rust` finds
    /// `rustacean`, and `a` finds only `a`.
    pub fn terms(&self) -> impl Iterator<Item = (&str, bool)> {
        self.terms
            .iter()
            .map(|t| (t.as_str(), t.chars().count() >= PREFIX_MIN_CHARS))
    }
}

#[cfg(test)]
mod tests {
    use super::SearchQuery;

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
    fn only_words_of_two_characters_or_more_are_prefixes() {
        let query = SearchQuery::parse("a 만드 t été").unwrap();
        let prefixes: Vec<bool> = query.terms().map(|(_, prefix)| prefix).collect();
        assert_eq!(prefixes, [false, true, false, true]);
    }

    #[test]
    fn long_queries_are_bounded() {
        assert_eq!(terms(&"word ".repeat(400)).len(), 5);
        assert_eq!(terms(&"x".repeat(2000))[0].chars().count(), 64);
    }
}
