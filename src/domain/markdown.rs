//! Markdown bodies turned into HTML that any client may insert into a page as it is.
//!
//! Bodies are rendered when they are written rather than when they are read, so the cost of
//! parsing and sanitizing is paid once per edit instead of once per view. The Markdown renderer
//! passes raw HTML through (authors may write `<em>`), so its output is untrusted until ammonia,
//! working from an allow-list, has removed everything that could run script, load active content,
//! restyle the page or submit a form.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};
use pulldown_cmark::{Alignment, Event, Options, Parser, Tag, TagEnd, html};

use super::html_growth;

/// An article body rendered once, when the article is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedArticle {
    pub html: String,
    pub reading_time_minutes: i64,
}

/// The most a body's HTML may weigh: this many times its Markdown, plus [`GROWTH_SLACK`].
pub const GROWTH_MAX: usize = 8;
/// Room for short bodies whose markup outweighs their text (a one-line table, a nested quote).
const GROWTH_SLACK: usize = 16 * 1024;

/// A body whose HTML would outgrow [`GROWTH_MAX`] times its length: raw HTML tags opened and
/// never closed, which the HTML parser copies into every block that follows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("renders to more than {GROWTH_MAX} times its length; close the HTML tags it opens")]
pub struct Overgrown;

pub fn render_article(markdown: &str) -> Result<RenderedArticle, Overgrown> {
    let (html, tally) = render(markdown, Kind::Article)?;
    Ok(RenderedArticle {
        html,
        reading_time_minutes: tally.minutes(),
    })
}

/// A comment body: the same Markdown, a smaller allowed set (no images, no headings).
pub fn render_comment(markdown: &str) -> Result<String, Overgrown> {
    Ok(render(markdown, Kind::Comment)?.0)
}

/// Renders on tokio's blocking pool: the longest bodies take tens of milliseconds, which no
/// request on the async workers should spend waiting behind. Hands the Markdown back with what
/// `render` made of it.
pub async fn render_blocking<T: Send + 'static>(
    markdown: String,
    render: fn(&str) -> T,
) -> (String, T) {
    let task = tokio::task::spawn_blocking(move || {
        let out = render(&markdown);
        (markdown, out)
    });
    match task.await {
        Ok(rendered) => rendered,
        Err(failed) => std::panic::resume_unwind(failed.into_panic()),
    }
}

/// A body shown as the text it is, for one stored before rendering was bounded that no longer
/// renders: its reader sees the source rather than nothing.
pub fn as_text(markdown: &str) -> String {
    let mut html = String::with_capacity(markdown.len() + 16);
    html::push_html(
        &mut html,
        [
            Event::Start(Tag::Paragraph),
            Event::Text(markdown.into()),
            Event::End(TagEnd::Paragraph),
        ]
        .into_iter(),
    );
    html
}

/// Prefixed to every `id` the sanitizer keeps, so a body cannot take over the ids the page itself
/// relies on, nor clobber `window`/`document` properties through named elements.
const ID_PREFIX: &str = "user-content-";

/// Common estimates for adult silent reading: words for scripts that separate words with spaces,
/// characters for Chinese, Japanese and Korean, where a character carries about half a word.
const WORDS_PER_MINUTE: f64 = 265.0;
const CJK_CHARS_PER_MINUTE: f64 = 500.0;
const SECONDS_PER_IMAGE: f64 = 12.0;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Article,
    Comment,
}

impl Kind {
    /// Comments leave tables unparsed: their sanitizer drops table tags, which would glue the
    /// cells' text together, while unparsed the pipes at least keep the columns readable.
    fn options(self) -> Options {
        let shared =
            Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS | Options::ENABLE_FOOTNOTES;
        match self {
            Kind::Article => shared | Options::ENABLE_TABLES,
            Kind::Comment => shared,
        }
    }

    fn sanitizer(self) -> &'static Builder<'static> {
        static ARTICLE: LazyLock<Builder<'static>> = LazyLock::new(|| sanitizer(Kind::Article));
        static COMMENT: LazyLock<Builder<'static>> = LazyLock::new(|| sanitizer(Kind::Comment));
        match self {
            Kind::Article => &ARTICLE,
            Kind::Comment => &COMMENT,
        }
    }
}

/// One parse feeds both the HTML writer and the reading-time tally. The parse and the HTML it
/// writes are linear in the Markdown; the sanitizer's tree may not be, so its growth is measured
/// before the sanitizer builds it.
fn render(markdown: &str, kind: Kind) -> Result<(String, ReadingTally), Overgrown> {
    let mut tally = ReadingTally::default();
    let mut tables = TableCells::default();
    let events = Parser::new_ext(markdown, kind.options()).filter_map(|event| {
        tally.observe(&event);
        match event {
            // A form control in a body is exactly what the sanitizer exists to remove, so the
            // check box becomes a glyph: the item keeps its state, and no `<input>` is allowed.
            Event::TaskListMarker(done) => Some(Event::Text(if done { "☑ " } else { "☐ " }.into())),
            // Comments are short replies: headings there would shout, and images are left out
            // of them, so a heading is shown as a paragraph and an image as its alt text.
            Event::Start(Tag::Heading { .. }) if kind == Kind::Comment => {
                Some(Event::Start(Tag::Paragraph))
            }
            Event::End(TagEnd::Heading(_)) if kind == Kind::Comment => {
                Some(Event::End(TagEnd::Paragraph))
            }
            Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image)
                if kind == Kind::Comment =>
            {
                None
            }
            event => Some(tables.align(event)),
        }
    });
    let mut unsanitized = String::with_capacity(markdown.len() + markdown.len() / 2);
    html::push_html(&mut unsanitized, events);
    let budget = markdown
        .len()
        .saturating_mul(GROWTH_MAX)
        .saturating_add(GROWTH_SLACK);
    if unsanitized.len() > budget || !html_growth::within(&unsanitized, budget) {
        return Err(Overgrown);
    }
    // The sanitizer adds `rel` to links and a prefix to ids, so its output is measured too.
    let html = kind.sanitizer().clean(&unsanitized).to_string();
    if html.len() > budget {
        return Err(Overgrown);
    }
    Ok((html, tally))
}

/// pulldown-cmark aligns table cells with a `style` attribute, and allowing `style` would let
/// raw HTML restyle the page; the cell is opened here instead, with the `align` attribute.
#[derive(Default)]
struct TableCells {
    alignments: Vec<Alignment>,
    in_head: bool,
    column: usize,
}

impl TableCells {
    fn align<'a>(&mut self, event: Event<'a>) -> Event<'a> {
        match &event {
            Event::Start(Tag::Table(alignments)) => self.alignments.clone_from(alignments),
            Event::Start(Tag::TableHead) => (self.in_head, self.column) = (true, 0),
            Event::End(TagEnd::TableHead) => self.in_head = false,
            Event::Start(Tag::TableRow) => self.column = 0,
            // The writer still closes the cell itself, as `</th>` in the head and `</td>` after.
            Event::Start(Tag::TableCell) => {
                let cell = if self.in_head { "th" } else { "td" };
                let align = match self.alignments.get(self.column) {
                    Some(Alignment::Left) => " align=\"left\"",
                    Some(Alignment::Center) => " align=\"center\"",
                    Some(Alignment::Right) => " align=\"right\"",
                    Some(Alignment::None) | None => "",
                };
                self.column += 1;
                return Event::InlineHtml(format!("<{cell}{align}>").into());
            }
            _ => {}
        }
        event
    }
}

/// What the reader will read, counted from the rendered events so that URLs, markup and alt text
/// (an image is read as a picture, not as its description) do not lengthen the estimate.
#[derive(Default)]
struct ReadingTally {
    words: u64,
    cjk_chars: u64,
    images: u64,
    image_depth: u32,
    /// Text events split words wherever inline markup or an escape sits, as in `un*real*`.
    in_word: bool,
}

impl ReadingTally {
    fn observe(&mut self, event: &Event) {
        match event {
            Event::Start(Tag::Image { .. }) => {
                self.images += 1;
                self.image_depth += 1;
                self.in_word = false;
            }
            Event::End(TagEnd::Image) => self.image_depth = self.image_depth.saturating_sub(1),
            Event::Text(text) | Event::Code(text) if self.image_depth == 0 => self.read(text),
            Event::Start(
                Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Link { .. }
                | Tag::Subscript
                | Tag::Superscript,
            )
            | Event::End(
                TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Link
                | TagEnd::Subscript
                | TagEnd::Superscript,
            ) => {}
            _ => self.in_word = false,
        }
    }

    fn read(&mut self, text: &str) {
        for c in text.chars() {
            if is_cjk(c) {
                self.cjk_chars += 1;
                self.in_word = false;
            } else if c.is_whitespace() || is_cjk_punctuation(c) {
                self.in_word = false;
            } else if !self.in_word {
                self.words += 1;
                self.in_word = true;
            }
        }
    }

    /// Rounded to the nearest minute, and never 0: a listing saying "0 min read" reads as broken.
    fn minutes(&self) -> i64 {
        let minutes = self.words as f64 / WORDS_PER_MINUTE
            + self.cjk_chars as f64 / CJK_CHARS_PER_MINUTE
            + self.images as f64 * SECONDS_PER_IMAGE / 60.0;
        (minutes.round() as i64).max(1)
    }
}

/// Han, kana and Hangul: scripts read a character at a time, even where (as in Korean) spaces
/// separate words, because those words are short syllable blocks, not runs of letters.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{11FF}' // Hangul Jamo
        | '\u{2E80}'..='\u{2FDF}' // CJK and Kangxi radicals
        | '\u{3040}'..='\u{30FF}' // Hiragana, Katakana
        | '\u{3100}'..='\u{31FF}' // Bopomofo, Hangul compatibility Jamo, Kanbun, Katakana ext.
        | '\u{3400}'..='\u{4DBF}' // CJK Extension A
        | '\u{4E00}'..='\u{9FFF}' // CJK Unified Ideographs
        | '\u{A960}'..='\u{A97F}' // Hangul Jamo Extended-A
        | '\u{AC00}'..='\u{D7FF}' // Hangul syllables, Hangul Jamo Extended-B
        | '\u{F900}'..='\u{FAFF}' // CJK compatibility ideographs
        | '\u{FF66}'..='\u{FFDC}' // halfwidth Katakana and Hangul
        | '\u{20000}'..='\u{3134F}' // CJK Extensions B to G
    )
}

/// `。`, `、` and the like end a run of text but are not read as anything themselves.
fn is_cjk_punctuation(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303F}')
}

/// One allow-list per kind of body, built once: a builder is a set of hash sets, and rebuilding it
/// per call would cost more than many of the bodies it cleans.
fn sanitizer(kind: Kind) -> Builder<'static> {
    let mut tags: HashSet<_> = "a abbr b blockquote br code del div em hr i ins kbd li mark ol p \
        pre s span strong sub sup u ul"
        .split_whitespace()
        .collect();
    // No `cite` anywhere: ammonia checks the scheme of `href` and `src` but not of `cite`.
    let mut tag_attributes = HashMap::from([
        ("a", HashSet::from(["href", "title"])),
        // Footnote definitions are linked to by id; ids get ID_PREFIX, and links follow them.
        ("div", HashSet::from(["id"])),
        ("ol", HashSet::from(["start"])),
    ]);
    if kind == Kind::Article {
        tags.extend("h1 h2 h3 h4 h5 h6 img table tbody td th thead tr".split_whitespace());
        tag_attributes.extend([
            ("img", HashSet::from(["alt", "src", "title"])),
            ("td", HashSet::from(["align"])),
            ("th", HashSet::from(["align"])),
        ]);
    }
    let mut builder = Builder::empty();
    builder
        .tags(tags)
        // Elements whose content is code, a document or a widget rather than prose: dropped
        // whole, where other disallowed elements give way to their text.
        .clean_content_tags(
            "iframe math noembed noframes noscript object script select style svg template \
            textarea title xmp"
                .split_whitespace()
                .collect(),
        )
        .tag_attributes(tag_attributes)
        .generic_attributes(HashSet::new())
        .allowed_classes(HashMap::from([
            ("div", HashSet::from(["footnote-definition"])),
            (
                "sup",
                HashSet::from(["footnote-definition-label", "footnote-reference"]),
            ),
        ]))
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(UrlRelative::PassThrough)
        // Bodies are written by anyone who signs up: their links earn no ranking from the site,
        // and the opened page gets no handle on this one.
        .link_rel(Some("nofollow noopener"))
        .id_prefix(Some(ID_PREFIX))
        .attribute_filter(filter_attribute);
    builder
}

/// Runs after the allow-list, on the attributes it kept.
fn filter_attribute<'u>(element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    match (element, attribute) {
        // Every kept id now starts with ID_PREFIX: in-page links, footnotes' among them, must
        // follow it or they would point nowhere.
        ("a", "href") => match value.strip_prefix('#') {
            Some(fragment) if !fragment.starts_with(ID_PREFIX) => {
                Some(format!("#{ID_PREFIX}{fragment}").into())
            }
            _ => Some(value.into()),
        },
        // `mailto:` is a fine link but nothing an image can be loaded from.
        ("img", "src") => match url::Url::parse(value) {
            Ok(url) if !matches!(url.scheme(), "http" | "https") => None,
            _ => Some(value.into()),
        },
        _ => Some(value.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::article::BODY_MAX;

    fn article(markdown: &str) -> RenderedArticle {
        render_article(markdown).expect("within the growth bound")
    }

    fn comment(markdown: &str) -> String {
        render_comment(markdown).expect("within the growth bound")
    }

    /// Classic vectors from the OWASP XSS Filter Evasion Cheat Sheet and its usual companions,
    /// plus ones that only Markdown can produce (links, images, autolinks, references).
    const XSS_VECTORS: &[&str] = &[
        "<script>alert(1)</script>",
        "<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>",
        "<IMG SRC=\"javascript:alert('XSS');\">",
        "<IMG SRC=javascript:alert('XSS')>",
        "<IMG SRC=JaVaScRiPt:alert('XSS')>",
        "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;\
        &#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
        "<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105\
        &#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040\
        &#0000039&#0000088&#0000083&#0000083&#0000039&#0000041>",
        "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72\
        &#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
        "<IMG SRC=\"jav\tascript:alert('XSS');\">",
        "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
        "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
        "<IMG SRC=\"jav&#x0D;ascript:alert('XSS');\">",
        "<a href=\"jav&#x00;ascript:alert(1)\">x</a>",
        "<IMG SRC=\"jav\0ascript:alert('XSS');\">",
        "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
        "<a href=\"java\nscript:alert(1)\">x</a>",
        "<a href=\"&#106;avascript:alert(1)\">x</a>",
        "<a href=javas&#99;ript:alert(1)>x</a>",
        "<a href=\"javascript&colon;alert(1)\">x</a>",
        "<a href=\"vbscript:msgbox(1)\">x</a>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\">",
        "<IMG SRC=# onmouseover=\"alert('xxs')\">",
        "<IMG SRC=/ onerror=\"alert(String.fromCharCode(88,83,83))\"></img>",
        "<img src=x onerror=alert(1)>",
        "<img src=x:alert(alt) onerror=eval(src) alt=0>",
        "<BODY ONLOAD=alert('XSS')>",
        "<svg/onload=alert(1)>",
        "<svg><script>alert(1)</script></svg>",
        "<iframe src=\"javascript:alert(1)\"></iframe>",
        "<IFRAME SRC=\"http://xss.rocks/scriptlet.html\"></IFRAME>",
        "<STYLE>@import'http://xss.rocks/xss.css';</STYLE>",
        "<LINK REL=\"stylesheet\" HREF=\"javascript:alert('XSS');\">",
        "<META HTTP-EQUIV=\"refresh\" \
        CONTENT=\"0;url=data:text/html;base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K\">",
        "<BASE HREF=\"javascript:alert('XSS');//\">",
        "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
        "<TABLE><TD BACKGROUND=\"javascript:alert('XSS')\">",
        "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
        "<DIV STYLE=\"width: expression(alert('XSS'));\">",
        "<XSS STYLE=\"behavior: url(xss.htc);\">",
        "<OBJECT TYPE=\"text/x-scriptlet\" DATA=\"http://xss.rocks/scriptlet.html\"></OBJECT>",
        "<object data=\"javascript:alert(1)\"></object>",
        "<EMBED SRC=\"data:image/svg+xml;base64,\
        PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIG9ubG9hZD0iYWxlcnQoMSkiLz4=\" \
        type=\"image/svg+xml\">",
        "<form action=javascript:alert(1)><input type=submit></form>",
        "<INPUT TYPE=\"IMAGE\" SRC=\"javascript:alert('XSS');\">",
        "<button formaction=javascript:alert(1)>x</button>",
        "<textarea autofocus onfocus=alert(1)>x</textarea>",
        "<select autofocus onfocus=alert(1)></select>",
        "<BGSOUND SRC=\"javascript:alert('XSS');\">",
        "<video><source onerror=\"alert(1)\"></video>",
        "<details open ontoggle=alert(1)>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<!--<img src=\"--><img src=x onerror=alert(1)//\">",
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x]( javascript:alert(1) )",
        "[x](<javascript:alert(1)>)",
        "[x](javascript&#58;alert(1))",
        "[x](&#x6A;avascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](javascript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
        "[x][evil]\n\n[evil]: javascript:alert(1)",
        "![x][evil]\n\n[evil]: JavaScript:alert(1) \"title\"",
        "[<img src=x onerror=alert(1)>](https://example.com)",
        "<a href=\"javascript:alert(1)\">[x](https://example.com)</a>",
        "Claim[^1]\n\n[^1]: <script>alert(1)</script>",
        "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    ];

    /// Elements no body may contain, whatever its kind.
    const FORBIDDEN: &str = "script iframe frame frameset style form input button textarea \
        select option object embed applet svg math meta link base noscript template body html \
        head title xmp bgsound";
    const FORBIDDEN_IN_COMMENTS: &str = "img h1 h2 h3 h4 h5 h6 table td th";
    /// Attributes a browser may load or navigate to.
    const URL_ATTRIBUTES: &str = "href src action formaction background cite data poster \
        srcset xlink:href lowsrc dynsrc longdesc ping codebase";

    fn listed(list: &str, name: &str) -> bool {
        list.split_whitespace().any(|listed| listed == name)
    }

    struct ScannedTag {
        name: String,
        attributes: Vec<(String, String)>,
    }

    /// Every tag in `html`, start or end. Serialized text has `<` escaped as `&lt;`, so any `<`
    /// outside an attribute value opens markup a browser would act on.
    fn scan_tags(html: &str) -> Vec<ScannedTag> {
        let mut tags = Vec::new();
        let mut rest = html;
        while let Some(open) = rest.find('<') {
            let (tag, after) = scan_tag(&rest[open + 1..]);
            tags.push(tag);
            rest = after;
        }
        tags
    }

    fn scan_tag(s: &str) -> (ScannedTag, &str) {
        let s = s.strip_prefix('/').unwrap_or(s);
        let end = s
            .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
            .unwrap_or(s.len());
        let name = s[..end].to_ascii_lowercase();
        let mut rest = &s[end..];
        let mut attributes = Vec::new();
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
            if rest.is_empty() {
                break;
            }
            if let Some(after) = rest.strip_prefix('>') {
                rest = after;
                break;
            }
            let end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, '=' | '>' | '/'))
                .unwrap_or(rest.len());
            let attribute = rest[..end].to_ascii_lowercase();
            rest = rest[end..].trim_start();
            let mut value = String::new();
            if let Some(after) = rest.strip_prefix('=') {
                let after = after.trim_start();
                let (raw, remainder) = match after.chars().next() {
                    Some(quote @ ('"' | '\'')) => {
                        let body = &after[1..];
                        let close = body.find(quote).unwrap_or(body.len());
                        (&body[..close], body.get(close + 1..).unwrap_or(""))
                    }
                    _ => {
                        let close = after
                            .find(|c: char| c.is_whitespace() || c == '>')
                            .unwrap_or(after.len());
                        after.split_at(close)
                    }
                };
                value = decode_entities(raw);
                rest = remainder;
            }
            attributes.push((attribute, value));
        }
        (ScannedTag { name, attributes }, rest)
    }

    /// Numeric references with or without `;`, as browsers read them, and the named ones that
    /// spell out a URL's syntax.
    fn decode_entities(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(amp) = rest.find('&') {
            out.push_str(&rest[..amp]);
            rest = &rest[amp + 1..];
            if let Some(number) = rest.strip_prefix('#') {
                let (radix, digits) = match number.strip_prefix(['x', 'X']) {
                    Some(hex) => (16, hex),
                    None => (10, number),
                };
                let len = digits
                    .find(|c: char| !c.is_digit(radix))
                    .unwrap_or(digits.len());
                if len > 0 {
                    let code = u32::from_str_radix(&digits[..len], radix).unwrap_or(0xFFFD);
                    out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                    rest = &digits[len..];
                    rest = rest.strip_prefix(';').unwrap_or(rest);
                    continue;
                }
            }
            let named = [
                ("amp;", '&'),
                ("lt;", '<'),
                ("gt;", '>'),
                ("quot;", '"'),
                ("apos;", '\''),
                ("nbsp;", '\u{A0}'),
                ("tab;", '\t'),
                ("newline;", '\n'),
                ("colon;", ':'),
            ];
            match named.iter().find(|(name, _)| {
                rest.get(..name.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(name))
            }) {
                Some((name, c)) => {
                    out.push(*c);
                    rest = &rest[name.len()..];
                }
                None => out.push('&'),
            }
        }
        out.push_str(rest);
        out
    }

    /// Whitespace and controls are dropped first because browsers skip them inside a scheme.
    fn is_safe_url(value: &str) -> bool {
        let url: String = value
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect::<String>()
            .to_lowercase();
        if url.starts_with('#') || url.starts_with('/') {
            return true;
        }
        let Some((scheme, _)) = url.split_once(':') else {
            return true;
        };
        let mut chars = scheme.chars();
        let is_scheme = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        !is_scheme || matches!(scheme, "http" | "https" | "mailto")
    }

    /// The first thing in `html` that a browser could run, load or style, if any.
    fn violation(html: &str, also_forbidden: &str) -> Option<String> {
        for tag in scan_tags(html) {
            if tag.name.starts_with('!') || tag.name.starts_with('?') {
                return Some(format!("markup declaration <{}>", tag.name));
            }
            if listed(FORBIDDEN, &tag.name) || listed(also_forbidden, &tag.name) {
                return Some(format!("forbidden element <{}>", tag.name));
            }
            for (attribute, value) in &tag.attributes {
                if attribute.starts_with("on") || attribute == "style" {
                    return Some(format!("attribute {attribute} on <{}>", tag.name));
                }
                if listed(URL_ATTRIBUTES, attribute) && !is_safe_url(value) {
                    return Some(format!("{attribute}={value:?} on <{}>", tag.name));
                }
            }
        }
        None
    }

    fn unsanitized(markdown: &str) -> String {
        let mut html = String::new();
        html::push_html(
            &mut html,
            Parser::new_ext(markdown, Kind::Article.options()),
        );
        html
    }

    /// Without this, a checker that never finds anything would pass the sanitizer test.
    #[test]
    fn the_checker_flags_every_vector_when_nothing_sanitizes_it() {
        assert!(XSS_VECTORS.len() >= 30);
        // Some vectors are HTML that Markdown itself would show as text (an unquoted attribute
        // value may not hold `'`), so a vector counts as caught as HTML pasted into a page, or
        // as the Markdown renderer's unsanitized output.
        let missed: Vec<_> = XSS_VECTORS
            .iter()
            .filter(|vector| {
                violation(vector, "").is_none() && violation(&unsanitized(vector), "").is_none()
            })
            .collect();
        assert!(missed.is_empty(), "the checker missed {missed:#?}");
        assert!(violation("<p><a href=\"https://example.com\">x</a></p>", "").is_none());
        assert!(violation("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", "").is_none());
    }

    #[test]
    fn no_vector_survives_either_sanitizer() {
        for vector in XSS_VECTORS {
            let article = article(vector).html;
            if let Some(found) = violation(&article, "") {
                panic!("article kept {found} from {vector:?}: {article:?}");
            }
            let comment = comment(vector);
            if let Some(found) = violation(&comment, FORBIDDEN_IN_COMMENTS) {
                panic!("comment kept {found} from {vector:?}: {comment:?}");
            }
        }
    }

    #[test]
    fn tables_keep_their_alignment_without_style() {
        let html = article("| left | right |\n|:--|--:|\n| 1 | 2 |").html;
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<th align=\"left\">left</th>"), "{html}");
        assert!(html.contains("<td align=\"right\">2</td>"), "{html}");
        assert!(!html.contains("style"), "{html}");
    }

    #[test]
    fn strikethrough_renders() {
        assert_eq!(article("~~gone~~").html, "<p><del>gone</del></p>\n");
    }

    #[test]
    fn task_lists_keep_their_state_without_form_controls() {
        let html = article("- [x] done\n- [ ] todo").html;
        assert!(html.contains("☑ done"), "{html}");
        assert!(html.contains("☐ todo"), "{html}");
        assert!(!html.contains("<input"), "{html}");
    }

    #[test]
    fn footnote_links_reach_their_prefixed_definitions() {
        let html = article("Claim[^source].\n\n[^source]: Where it is from.").html;
        assert!(
            html.contains("<sup class=\"footnote-reference\"><a href=\"#user-content-source\""),
            "{html}"
        );
        assert!(
            html.contains("<div class=\"footnote-definition\" id=\"user-content-source\">"),
            "{html}"
        );
        assert!(html.contains("Where it is from."), "{html}");
    }

    #[test]
    fn links_get_nofollow_noopener() {
        let html = article("[quill](https://example.com/a?b=c)").html;
        assert_eq!(
            html,
            "<p><a href=\"https://example.com/a?b=c\" rel=\"nofollow noopener\">quill</a></p>\n"
        );
        let html = comment("[home](/articles/x) and <mailto:a@example.com>");
        assert!(html.contains("href=\"/articles/x\""), "{html}");
        assert!(html.contains("href=\"mailto:a@example.com\""), "{html}");
    }

    #[test]
    fn images_are_kept_in_articles_only() {
        let markdown = "![a cat](https://example.com/cat.png \"Cat\")";
        let article = article(markdown).html;
        assert!(
            article
                .contains("<img src=\"https://example.com/cat.png\" alt=\"a cat\" title=\"Cat\">"),
            "{article}"
        );
        assert_eq!(comment(markdown), "<p>a cat</p>\n");
        assert!(!comment("<img src=\"https://example.com/cat.png\">").contains("<img"));
    }

    #[test]
    fn images_load_only_from_the_web() {
        let html = article("<img src=\"mailto:a@example.com\" alt=\"x\">").html;
        assert!(!html.contains("src"), "{html}");
        let html = article("![x](/uploads/x.png)").html;
        assert!(html.contains("src=\"/uploads/x.png\""), "{html}");
    }

    #[test]
    fn headings_are_kept_in_articles_only() {
        assert_eq!(article("# Title").html, "<h1>Title</h1>\n");
        assert_eq!(comment("# Title"), "<p>Title</p>\n");
        assert_eq!(comment("<h2>Title</h2>"), "Title");
    }

    #[test]
    fn harmless_inline_html_survives() {
        assert_eq!(
            comment("Some <em>inline</em> <b onclick=\"x()\">HTML</b>"),
            "<p>Some <em>inline</em> <b>HTML</b></p>\n"
        );
    }

    fn words(n: usize) -> String {
        "word ".repeat(n)
    }

    #[test]
    fn reading_time_counts_words_characters_and_images() {
        assert_eq!(article(&words(265)).reading_time_minutes, 1);
        assert_eq!(article(&words(2650)).reading_time_minutes, 10);
        // 500 five-syllable words: 2,500 Hangul characters.
        let korean = "안녕하세요 ".repeat(500);
        assert_eq!(article(&korean).reading_time_minutes, 5);
        // Two minutes of words plus five images at 12 seconds: one more minute.
        let images = "\n\n![x](https://example.com/x.png)".repeat(5);
        assert_eq!(article(&(words(530) + &images)).reading_time_minutes, 3);
        assert_eq!(article(&images.repeat(2)).reading_time_minutes, 2);
    }

    #[test]
    fn reading_time_is_at_least_a_minute() {
        assert_eq!(article("").reading_time_minutes, 1);
        assert_eq!(article("Hi.").reading_time_minutes, 1);
    }

    #[test]
    fn only_what_the_reader_sees_is_counted() {
        let (_, tally) = render(
            "un*real* [link](https://example.com/a/long/path) `code`\n\n\
             ![long alt text here](https://example.com/x.png) 日本語。한국어",
            Kind::Article,
        )
        .unwrap();
        assert_eq!((tally.words, tally.cjk_chars, tally.images), (3, 6, 1));
    }

    #[test]
    fn unclosed_formatting_reopened_by_every_block_is_refused() {
        let lines = |n: usize| {
            (0..n)
                .map(|i| format!("<b x={i}><p>\n"))
                .collect::<String>()
        };
        let article = lines(1_300);
        assert!(article.len() > 16_000);
        assert_eq!(render_article(&article), Err(Overgrown));
        let comment = lines(700);
        assert!(comment.len() < 10_000);
        assert_eq!(render_comment(&comment), Err(Overgrown));
        let attributes: String = (0..3_000)
            .map(|i| format!("<em title=\"{i:0>100}\"><p>x\n"))
            .collect();
        assert_eq!(render_article(&attributes), Err(Overgrown));
    }

    #[test]
    fn the_longest_ordinary_bodies_render() {
        let prose = "A paragraph with *emphasis*, a [link](https://example.com) and `code`.\n\n\
            | a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n\n> quoted <b>bold</b>\n\n";
        let body = prose.repeat(BODY_MAX / prose.len());
        assert!(article(&body).html.len() > body.len());
        let korean = "한국어로 쓴 긴 글입니다. ".repeat(BODY_MAX / 14);
        assert!(article(&korean).html.len() > korean.len());
    }

    /// Sanitizing properties for any body, checked with the same [`violation`] scanner as the
    /// known vectors: proptest's default 256 cases each.
    mod properties {
        use proptest::prelude::*;

        use super::{
            FORBIDDEN_IN_COMMENTS, GROWTH_MAX, GROWTH_SLACK, XSS_VECTORS, render_article,
            render_comment, violation,
        };

        /// Pieces of HTML, Markdown and URL syntax that attacks are made of, and plain text.
        const PIECES: &[&str] = &[
            "<",
            ">",
            "</",
            "/>",
            "=",
            "\"",
            "'",
            "`",
            " ",
            "\n",
            "\n\n",
            "\t",
            "\0",
            "&",
            "#",
            ";",
            "&#",
            "&#x",
            "&colon;",
            "&lt;",
            "%3C",
            "<!--",
            "-->",
            "<![CDATA[",
            "]]>",
            "<?",
            "<!",
            "script",
            "SCRIPT",
            "style",
            "iframe",
            "img",
            "svg",
            "math",
            "a",
            "p",
            "div",
            "table",
            "td",
            "form",
            "input",
            "object",
            "embed",
            "base",
            "meta",
            "link",
            "template",
            "noscript",
            "title",
            "textarea",
            "select",
            "option",
            "xmp",
            "frame",
            "href",
            "src",
            "action",
            "formaction",
            "srcset",
            "data",
            "background",
            "cite",
            "poster",
            "xlink:href",
            "onerror",
            "onload",
            "OnClick",
            "on",
            "style=",
            "id=",
            "class=",
            "javascript:",
            "JaVaScRiPt:",
            "java\tscript:",
            "vbscript:",
            "data:text/html,",
            "data:image/svg+xml;base64,",
            "mailto:",
            "http://",
            "https://x.io/",
            "//x.io",
            "/",
            "alert(1)",
            "[",
            "]",
            "(",
            ")",
            "![",
            "](",
            "[^1]",
            "[^1]: ",
            "[x]: ",
            "*",
            "_",
            "~~",
            "|",
            "|---|",
            "- [x] ",
            "> ",
            "# ",
            "```",
            "    ",
            "\\",
            "word",
            "안녕",
            "\u{202e}",
        ];

        /// A body: a run of pieces, one of the known vectors spliced into other text, or any text.
        fn bodies() -> impl Strategy<Value = String> {
            prop_oneof![
                4 => prop::collection::vec(prop::sample::select(PIECES), 0..60)
                    .prop_map(|pieces| pieces.concat()),
                2 => (prop::sample::select(XSS_VECTORS), "\\PC{0,20}", "\\PC{0,20}")
                    .prop_map(|(vector, before, after)| format!("{before}{vector}{after}")),
                1 => any::<String>(),
            ]
        }

        proptest! {
            #[test]
            fn no_body_renders_to_anything_a_browser_would_run_or_load(body in bodies()) {
                let article = render_article(&body)
                    .map_err(|e| TestCaseError::fail(format!("{body:?} {e}")))?;
                prop_assert!(article.reading_time_minutes >= 1);
                if let Some(found) = violation(&article.html, "") {
                    return Err(TestCaseError::fail(format!(
                        "article kept {found} from {body:?}: {:?}", article.html
                    )));
                }
                let comment = render_comment(&body)
                    .map_err(|e| TestCaseError::fail(format!("{body:?} {e}")))?;
                if let Some(found) = violation(&comment, FORBIDDEN_IN_COMMENTS) {
                    return Err(TestCaseError::fail(format!(
                        "comment kept {found} from {body:?}: {comment:?}"
                    )));
                }
            }

            #[test]
            fn rendering_is_deterministic(body in bodies()) {
                prop_assert_eq!(render_article(&body), render_article(&body));
                prop_assert_eq!(render_comment(&body), render_comment(&body));
            }

            #[test]
            fn any_nesting_renders_within_the_bound_or_is_refused(body in nestings()) {
                let bound = body.len() * GROWTH_MAX + GROWTH_SLACK;
                if let Ok(article) = render_article(&body) {
                    prop_assert!(article.html.len() <= bound, "{} > {bound}", article.html.len());
                }
                if let Ok(comment) = render_comment(&body) {
                    prop_assert!(comment.len() <= bound, "{} > {bound}", comment.len());
                }
            }

            #[test]
            fn closed_markup_is_never_refused(body in closed_markup()) {
                prop_assert!(render_article(&body).is_ok(), "{body:?}");
                prop_assert!(render_comment(&body).is_ok(), "{body:?}");
            }
        }

        /// Tags that the HTML parser reopens in every block while they stay open, with the
        /// attributes it copies each time, and tags that start blocks.
        const FORMATTING: &[&str] = &["a", "b", "code", "em", "i", "s", "strong", "u", "font"];
        const BLOCKS: &[&str] = &["p", "div", "blockquote", "li", "table", "td", "h2", "pre"];
        const MARKDOWN: &[&str] = &[
            "\n", "\n\n", "> ", "- ", "1. ", "*x* ", "`c` ", "| a |\n", "text ",
        ];

        /// Long runs of opened, closed and block tags mixed with Markdown, unbalanced at random.
        fn nestings() -> impl Strategy<Value = String> {
            let piece = prop_oneof![
                (prop::sample::select(FORMATTING), 0..1000u32, 0..3usize).prop_map(
                    |(tag, n, len)| format!(
                        "<{tag} title=\"{}\">",
                        n.to_string().repeat(len * 20 + 1)
                    )
                ),
                prop::sample::select(FORMATTING).prop_map(|tag| format!("</{tag}>")),
                prop::sample::select(BLOCKS).prop_map(|tag| format!("<{tag}>")),
                prop::sample::select(BLOCKS).prop_map(|tag| format!("</{tag}>")),
                prop::sample::select(MARKDOWN).prop_map(str::to_string),
            ];
            prop::collection::vec(piece, 200..2000).prop_map(|pieces| pieces.concat())
        }

        /// Every tag closed where it was opened, nested at random, with Markdown as the text.
        fn closed_markup() -> impl Strategy<Value = String> {
            let leaf = prop::sample::select(MARKDOWN).prop_map(str::to_string);
            leaf.prop_recursive(6, 400, 8, |inner| {
                (
                    prop::sample::select([FORMATTING, BLOCKS].concat()),
                    prop::collection::vec(inner, 1..8),
                )
                    .prop_map(|(tag, children)| {
                        format!("<{tag} title=\"t\">{}</{tag}>", children.concat())
                    })
            })
        }
    }
}
