use serde::Serialize;
use utoipa::ToSchema;

use super::{max_chars, required, without_nul};

/// Limits that keep one article within what a page can show and an index can hold.
pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 1000;
pub const BODY_MAX: usize = 100_000;
pub const COMMENT_MAX: usize = 10_000;
pub const TAG_MAX: usize = 64;
pub const TAGS_MAX: usize = 20;
/// Replies nest at most this many levels under a top-level comment (which is level 0): deeper
/// threads are unreadable on any screen, and every walk up a thread stays this short.
pub const REPLY_DEPTH_MAX: usize = 50;
/// Slugs are cut at a word boundary near this length, before the uniqueness suffix.
const SLUG_BASE_MAX: usize = 80;

pub fn title(raw: Option<String>) -> Result<String, String> {
    max_chars(required(raw)?.trim().to_string(), TITLE_MAX)
}

pub fn description(raw: Option<String>) -> Result<String, String> {
    max_chars(required(raw)?, DESCRIPTION_MAX)
}

pub fn body(raw: Option<String>) -> Result<String, String> {
    max_chars(required(raw)?, BODY_MAX)
}

pub fn comment_body(raw: Option<String>) -> Result<String, String> {
    max_chars(required(raw)?, COMMENT_MAX)
}

/// Who may see an article: only its author (`draft`), anyone with the link (`unlisted`), or
/// everyone, in lists, feeds and search too (`published`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ArticleStatus {
    Draft,
    Published,
    Unlisted,
}

impl ArticleStatus {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "draft" => Ok(Self::Draft),
            "published" => Ok(Self::Published),
            "unlisted" => Ok(Self::Unlisted),
            _ => Err("must be one of draft, published, unlisted".into()),
        }
    }

    /// The stored form, the same word as in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Unlisted => "unlisted",
        }
    }
}

/// Most claps one reader may give one article, in one request or in all.
pub const CLAPS_MAX: i64 = 50;

/// A number of claps for one request: 1 to [`CLAPS_MAX`].
pub fn claps(raw: Option<i64>) -> Result<i64, String> {
    match raw {
        Some(n) if (1..=CLAPS_MAX).contains(&n) => Ok(n),
        Some(_) => Err(format!("must be a whole number from 1 to {CLAPS_MAX}")),
        None => Err(super::BLANK.to_string()),
    }
}

/// Tags in alphabetical order (the order the Conduit suites expect), without repeats or
/// surrounding whitespace.
pub fn tag_list(raw: Vec<String>) -> Result<Vec<String>, String> {
    let mut tags: Vec<String> = Vec::with_capacity(raw.len());
    for tag in raw {
        let tag = without_nul(tag)?;
        let tag = tag.trim();
        if tag.is_empty() {
            return Err("can't contain blank tags".into());
        }
        if tag.chars().count() > TAG_MAX {
            return Err(format!(
                "has a tag that is too long (maximum is {TAG_MAX} characters)"
            ));
        }
        tags.push(tag.to_string());
    }
    tags.sort_unstable();
    tags.dedup();
    if tags.len() > TAGS_MAX {
        return Err(format!("is too long (maximum is {TAGS_MAX} tags)"));
    }
    Ok(tags)
}

/// A readable URL segment from a title. Letters of every script are kept (lower-cased), so a
/// Korean title stays Korean; anything else becomes a single `-`. A title with no letters or
/// digits at all (only emoji, say) gets `article`, and the caller's suffix makes it unique.
pub fn slugify(title: &str) -> String {
    let mut slug = String::with_capacity(title.len());
    for c in title.chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let mut slug = slug.trim_end_matches('-').to_string();
    if slug.chars().count() > SLUG_BASE_MAX {
        let cut: String = slug.chars().take(SLUG_BASE_MAX).collect();
        slug = match cut.rfind('-') {
            Some(i) if i > SLUG_BASE_MAX / 2 => cut[..i].to_string(),
            _ => cut,
        };
    }
    if slug.is_empty() {
        "article".into()
    } else {
        slug
    }
}

/// Slugs that name a fixed route under `/api/articles/`: an article there could not be opened.
const RESERVED_SLUGS: &[&str] = &["feed"];

/// The suffix that tells apart published articles of the same title: short, it only has to
/// differ from the others.
const SUFFIX_LEN: usize = 6;

/// The unguessable part of an unpublished article's slug: 20 characters of `[0-9a-z]`, 103 bits
/// from a cryptographically secure generator (the migration that gave existing drafts theirs
/// used 20 hexadecimal digits, 80 bits, of the same form).
const SECRET_LEN: usize = 20;

/// What an article's address may tell. A published article's is readable, made from its title
/// against other published articles' only (those are public anyway). A draft's or an unlisted
/// article's carries a random part, so that its link cannot be guessed from its title and it
/// never takes a readable slug a published article could want: which slug a stranger's article
/// gets tells nothing about what is unpublished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlugKind {
    Readable,
    Unguessable,
}

impl SlugKind {
    pub fn of(status: ArticleStatus) -> Self {
        match status {
            ArticleStatus::Published => Self::Readable,
            ArticleStatus::Draft | ArticleStatus::Unlisted => Self::Unguessable,
        }
    }
}

/// The slug to try after `attempt` collisions: readable, the plain slug first (unless a route
/// owns it), then a short random suffix; unguessable, always a long random part.
pub fn slug_candidate(base: &str, kind: SlugKind, attempt: u32) -> String {
    match kind {
        SlugKind::Readable if attempt == 0 && !RESERVED_SLUGS.contains(&base) => base.to_string(),
        SlugKind::Readable => suffixed(base, SUFFIX_LEN, &mut rand::thread_rng()),
        SlugKind::Unguessable => unguessable_slug(base, &mut rand::thread_rng()),
    }
}

/// An unguessable slug from `rng` (`quill seed` passes its seeded one, so that the same sizes
/// give the same demo site).
pub fn unguessable_slug(base: &str, rng: &mut impl rand::Rng) -> String {
    suffixed(base, SECRET_LEN, rng)
}

fn suffixed(base: &str, len: usize, rng: &mut impl rand::Rng) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let suffix: String = (0..len)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect();
    format!("{base}-{suffix}")
}

/// Whether `slug` is what [`slug_candidate`] makes of `base` for `kind`: an edit that keeps the
/// title's slug base and the article's kind keeps the slug, so shared links survive; publishing
/// or unpublishing changes the kind, hence the slug.
pub fn slug_derives_from(slug: &str, base: &str, kind: SlugKind) -> bool {
    let suffix = slug
        .strip_prefix(base)
        .and_then(|rest| rest.strip_prefix('-'));
    let suffix_of = |len: usize| {
        suffix.is_some_and(|s| {
            s.len() == len
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
    };
    match kind {
        SlugKind::Readable => slug == base || suffix_of(SUFFIX_LEN),
        SlugKind::Unguessable => suffix_of(SECRET_LEN),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_readable_and_unicode_aware() {
        assert_eq!(
            slugify("How to Train Your Dragon"),
            "how-to-train-your-dragon"
        );
        assert_eq!(slugify("  Hello,   World!! "), "hello-world");
        assert_eq!(slugify("안녕하세요 세계"), "안녕하세요-세계");
        assert_eq!(slugify("Ünïcödé Straße"), "ünïcödé-straße");
        assert_eq!(slugify("🚀🔥"), "article");
        assert_eq!(slugify("Rust 🚀 2026"), "rust-2026");
        let long = slugify(&"word ".repeat(40));
        assert!(long.chars().count() <= 80 && !long.ends_with('-'), "{long}");
    }

    const READABLE: SlugKind = SlugKind::Readable;
    const UNGUESSABLE: SlugKind = SlugKind::Unguessable;

    #[test]
    fn route_names_and_edits_keep_links_working() {
        assert_ne!(slug_candidate("feed", READABLE, 0), "feed");
        assert!(slug_derives_from(
            &slug_candidate("feed", READABLE, 0),
            "feed",
            READABLE
        ));
        assert!(slug_derives_from("a-title", "a-title", READABLE));
        let suffixed = slug_candidate("a-title", READABLE, 3);
        assert!(slug_derives_from(&suffixed, "a-title", READABLE));
        assert!(!slug_derives_from("a-title-2", "a-title", READABLE));
        assert!(!slug_derives_from("another-title", "a-title", READABLE));
    }

    #[test]
    fn later_candidates_get_a_suffix() {
        assert_eq!(slug_candidate("a-title", READABLE, 0), "a-title");
        let c = slug_candidate("a-title", READABLE, 1);
        assert!(
            c.starts_with("a-title-") && c.len() == "a-title-".len() + 6,
            "{c}"
        );
        assert_ne!(
            slug_candidate("a-title", READABLE, 1),
            slug_candidate("a-title", READABLE, 1)
        );
    }

    #[test]
    fn unpublished_slugs_carry_a_random_part_and_change_with_the_kind() {
        let secret = slug_candidate("a-title", UNGUESSABLE, 0);
        assert!(
            secret.starts_with("a-title-") && secret.len() == "a-title-".len() + 20,
            "{secret}"
        );
        assert_ne!(secret, slug_candidate("a-title", UNGUESSABLE, 0));
        assert!(slug_derives_from(&secret, "a-title", UNGUESSABLE));
        // Published, it becomes readable; back to unlisted, unguessable again.
        assert!(!slug_derives_from(&secret, "a-title", READABLE));
        assert!(!slug_derives_from("a-title", "a-title", UNGUESSABLE));
        assert!(!slug_derives_from(
            &slug_candidate("a-title", READABLE, 1),
            "a-title",
            UNGUESSABLE
        ));
        // The migration's secrets: 20 hexadecimal digits.
        assert!(slug_derives_from(
            "a-title-0123456789abcdef0123",
            "a-title",
            UNGUESSABLE
        ));
    }

    #[test]
    fn tag_lists_are_sorted_without_repeats() {
        let tags = tag_list(vec!["web".into(), " rust ".into(), "web".into()]).unwrap();
        assert_eq!(tags, ["rust", "web"]);
        assert_eq!(
            tag_list(vec![" ".into()]).unwrap_err(),
            "can't contain blank tags"
        );
        assert!(tag_list((0..21).map(|i| i.to_string()).collect()).is_err());
        assert!(tag_list(vec!["x".repeat(65)]).is_err());
    }

    #[test]
    fn statuses_and_claps_parse() {
        assert_eq!(ArticleStatus::parse("draft"), Ok(ArticleStatus::Draft));
        assert_eq!(
            ArticleStatus::parse("unlisted").unwrap().as_str(),
            "unlisted"
        );
        assert!(ArticleStatus::parse("Published").is_err());
        assert_eq!(claps(Some(50)), Ok(50));
        assert!(claps(Some(0)).is_err() && claps(Some(51)).is_err() && claps(None).is_err());
    }

    /// Slug properties for any title: proptest's default 256 cases each.
    mod properties {
        use proptest::prelude::*;

        use super::super::{
            RESERVED_SLUGS, SLUG_BASE_MAX, SlugKind, slug_candidate, slug_derives_from, slugify,
        };

        /// Titles as people write them (words, spaces, punctuation, emoji, other scripts), and
        /// any text at all.
        fn titles() -> impl Strategy<Value = String> {
            prop_oneof![
                "[ -~]{0,120}",
                "[a-zA-Z0-9ÄÖÜäöüßİıσς안녕세계漢字 .,!?/#%&'-]{0,120}",
                "\\PC{0,200}",
                any::<String>(),
            ]
        }

        proptest! {
            #[test]
            fn a_slug_is_a_short_readable_url_segment(title in titles()) {
                let slug = slugify(&title);
                prop_assert!(!slug.is_empty());
                prop_assert!(slug.chars().count() <= SLUG_BASE_MAX, "{slug}");
                prop_assert!(!slug.starts_with('-') && !slug.ends_with('-'), "{slug}");
                prop_assert!(!slug.contains("--"), "{slug}");
                // Only letters, digits and `-`; in ASCII that is [a-z0-9-]: nothing a URL would
                // read as a separator, a query, a fragment, an escape or a path step. Lower-casing
                // may add a combining mark (`İ` becomes `i` and a dot above), kept with its letter.
                for c in slug.chars() {
                    let combining = unicode_normalization::char::is_combining_mark(c);
                    prop_assert!(c == '-' || c.is_alphanumeric() || combining, "{c:?} in {slug}");
                    prop_assert!(!c.is_whitespace() && !c.is_control(), "{c:?} in {slug}");
                    prop_assert!(!c.is_ascii() || matches!(c, 'a'..='z' | '0'..='9' | '-'));
                }
                // Already lower case (a letter without a lower-case form, like `𝒩`, stays).
                prop_assert_eq!(slug.to_lowercase(), slug);
            }

            #[test]
            fn a_slug_depends_on_the_title_s_words_only(title in titles()) {
                prop_assert_eq!(slugify(&title), slugify(&title));
                prop_assert_eq!(slugify(&format!(" \t¡{title}!? ")), slugify(&title));
            }

            #[test]
            fn a_short_plain_title_s_slug_is_its_words_in_lower_case(
                words in prop::collection::vec("[a-zA-Z0-9]{1,8}", 1..8),
                separators in prop::collection::vec("[ ,.!?/:_()-]{1,3}", 8),
            ) {
                let title: String = words
                    .iter()
                    .zip(&separators)
                    .map(|(word, separator)| format!("{word}{separator}"))
                    .collect();
                let expected = words.join("-").to_lowercase();
                prop_assert_eq!(slugify(&title), expected);
            }

            #[test]
            fn candidates_never_take_a_route_and_keep_deriving_from_their_base(
                title in prop_oneof![titles(), Just("Feed".to_string()), Just("feed!".to_string())],
                attempt in 0u32..5,
                published in any::<bool>(),
            ) {
                let base = slugify(&title);
                let kind = if published { SlugKind::Readable } else { SlugKind::Unguessable };
                let candidate = slug_candidate(&base, kind, attempt);
                prop_assert!(!RESERVED_SLUGS.contains(&candidate.as_str()), "{candidate}");
                prop_assert!(slug_derives_from(&candidate, &base, kind), "{candidate} from {base}");
                let plain = published && attempt == 0 && !RESERVED_SLUGS.contains(&base.as_str());
                prop_assert_eq!(plain, candidate == base);
            }

            #[test]
            fn no_unpublished_slug_is_one_a_published_article_of_its_title_could_take(
                title in titles(),
                attempt in 0u32..5,
            ) {
                let base = slugify(&title);
                let secret = slug_candidate(&base, SlugKind::Unguessable, attempt);
                prop_assert!(!slug_derives_from(&secret, &base, SlugKind::Readable), "{secret}");
            }
        }
    }

    #[test]
    fn required_fields() {
        assert_eq!(title(Some("  ".into())).unwrap_err(), "can't be blank");
        assert_eq!(title(Some(" T ".into())).unwrap(), "T");
        assert_eq!(body(None).unwrap_err(), "can't be blank");
        assert!(description(Some("d".repeat(1001))).is_err());
    }

    #[test]
    fn stored_text_never_holds_nul() {
        let nul = "can't contain NUL characters";
        for parse in [title, description, body, comment_body] {
            assert_eq!(parse(Some("a\0b".into())).unwrap_err(), nul);
        }
        assert_eq!(tag_list(vec!["a\0b".into()]).unwrap_err(), nul);
    }
}
