//! Feeds (RSS 2.0 and Atom) and sitemaps, written with an XML writer that escapes every value:
//! no user text is ever formatted into the markup.

use std::borrow::Cow;
use std::io;

use chrono::{DateTime, Utc};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

/// The site the documents describe: every link is absolute, built from `PUBLIC_URL`.
pub struct Site {
    base: url::Url,
    /// `SITE_NAME`: the feeds' title.
    pub name: String,
    /// The host alone, the authority of entry ids (`tag:` URIs, RFC 4151).
    host: String,
}

impl Site {
    /// `public_url` is an absolute http(s) URL (checked when settings load); `name` is
    /// `SITE_NAME`.
    pub fn new(public_url: &str, name: &str) -> Result<Self, url::ParseError> {
        let base = url::Url::parse(public_url)?;
        let name = name.to_string();
        let host = base.host_str().unwrap_or_default().to_string();
        Ok(Self { base, name, host })
    }

    /// The site's address followed by `segments`, each percent-encoded as one path segment.
    pub fn link(&self, segments: &[&str]) -> String {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url.into()
    }

    /// The home page, with its trailing slash.
    pub fn home(&self) -> String {
        self.link(&[""])
    }

    /// An article's page, as Conduit frontends route it.
    pub fn article(&self, slug: &str) -> String {
        self.link(&["article", slug])
    }

    /// An author's profile page, as Conduit frontends route it.
    pub fn profile(&self, username: &str) -> String {
        self.link(&["profile", username])
    }

    /// A permanent id for an article, kept when its title (and so its slug and link) changes:
    /// readers would otherwise show a retitled article again as a new one.
    fn entry_id(&self, entry: &FeedEntry) -> String {
        format!(
            "tag:{},{}:article:{}",
            self.host,
            entry.published_at.format("%Y-%m-%d"),
            entry.id
        )
    }
}

/// A published article as the feeds show it.
pub struct FeedEntry {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    /// The sanitized HTML rendered when the body was written; `None` only for a body stored
    /// before rendering existed and not yet rendered at start-up.
    pub body_html: Option<String>,
    pub tags: Vec<String>,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub author: String,
    /// When the author's profile last changed (a new username changes links and names).
    pub author_updated_at: DateTime<Utc>,
}

impl FeedEntry {
    /// The later of the article's and its author's last change.
    pub fn changed_at(&self) -> DateTime<Utc> {
        self.updated_at.max(self.author_updated_at)
    }
}

/// What distinguishes one feed from another.
pub struct FeedInfo {
    pub title: String,
    /// Where the feed itself is (its `self` link, and the Atom feed's id).
    pub url: String,
    /// The page the feed follows (home, or the author's profile).
    pub page: String,
}

/// One `<url>` of a sitemap.
pub struct SitemapUrl {
    pub loc: String,
    pub lastmod: Option<DateTime<Utc>>,
}

/// The Atom 1.0 document (RFC 4287) of `entries`, newest first.
pub fn atom(site: &Site, info: &FeedInfo, entries: &[FeedEntry]) -> io::Result<Vec<u8>> {
    let mut x = Xml::new()?;
    x.open("feed", &[("xmlns", ATOM_NS)])?;
    x.text("id", &[], &info.url)?;
    x.text("title", &[], &info.title)?;
    // An empty feed has changed at no known time: the epoch keeps its bytes stable.
    let updated = entries.iter().map(FeedEntry::changed_at).max();
    x.text("updated", &[], &rfc3339(updated.unwrap_or_default()))?;
    x.empty(
        "link",
        &[
            ("rel", "self"),
            ("type", "application/atom+xml"),
            ("href", &info.url),
        ],
    )?;
    x.empty(
        "link",
        &[
            ("rel", "alternate"),
            ("type", "text/html"),
            ("href", &info.page),
        ],
    )?;
    x.text("generator", &[], "quill")?;
    for entry in entries {
        let link = site.article(&entry.slug);
        x.open("entry", &[])?;
        x.text("id", &[], &site.entry_id(entry))?;
        x.text("title", &[("type", "text")], &entry.title)?;
        x.empty(
            "link",
            &[("rel", "alternate"), ("type", "text/html"), ("href", &link)],
        )?;
        x.text("published", &[], &rfc3339(entry.published_at))?;
        x.text("updated", &[], &rfc3339(entry.updated_at))?;
        x.open("author", &[])?;
        x.text("name", &[], &entry.author)?;
        x.text("uri", &[], &site.profile(&entry.author))?;
        x.close("author")?;
        for tag in &entry.tags {
            x.empty("category", &[("term", tag)])?;
        }
        x.text("summary", &[("type", "text")], &entry.description)?;
        if let Some(html) = &entry.body_html {
            // Relative links in the body (an image at `/uploads/...`) resolve against the site.
            x.text("content", &[("type", "html"), ("xml:base", &link)], html)?;
        }
        x.close("entry")?;
    }
    x.close("feed")?;
    Ok(x.finish())
}

/// The RSS 2.0 document of `entries`, newest first: the description as `<description>` and the
/// body's HTML as `<content:encoded>`, which readers show as the article.
pub fn rss(site: &Site, info: &FeedInfo, entries: &[FeedEntry]) -> io::Result<Vec<u8>> {
    let mut x = Xml::new()?;
    x.open(
        "rss",
        &[
            ("version", "2.0"),
            ("xmlns:atom", ATOM_NS),
            ("xmlns:content", "http://purl.org/rss/1.0/modules/content/"),
            ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
        ],
    )?;
    x.open("channel", &[])?;
    x.text("title", &[], &info.title)?;
    x.text("link", &[], &info.page)?;
    x.text(
        "description",
        &[],
        &format!("The latest articles on {}", site.name),
    )?;
    x.empty(
        "atom:link",
        &[
            ("href", &info.url),
            ("rel", "self"),
            ("type", "application/rss+xml"),
        ],
    )?;
    x.text("generator", &[], "quill")?;
    if let Some(updated) = entries.iter().map(FeedEntry::changed_at).max() {
        x.text("lastBuildDate", &[], &updated.to_rfc2822())?;
    }
    for entry in entries {
        x.open("item", &[])?;
        x.text("title", &[], &entry.title)?;
        x.text("link", &[], &site.article(&entry.slug))?;
        x.text("guid", &[("isPermaLink", "false")], &site.entry_id(entry))?;
        x.text("pubDate", &[], &entry.published_at.to_rfc2822())?;
        // RSS's own <author> must be an email address, which readers' profiles do not show.
        x.text("dc:creator", &[], &entry.author)?;
        for tag in &entry.tags {
            x.text("category", &[], tag)?;
        }
        x.text("description", &[], &entry.description)?;
        if let Some(html) = &entry.body_html {
            x.text("content:encoded", &[], html)?;
        }
        x.close("item")?;
    }
    x.close("channel")?;
    x.close("rss")?;
    Ok(x.finish())
}

/// A sitemap (sitemaps.org 0.9) of `urls`.
pub fn urlset(urls: impl IntoIterator<Item = SitemapUrl>) -> io::Result<Vec<u8>> {
    let mut x = Xml::new()?;
    x.open("urlset", &[("xmlns", SITEMAP_NS)])?;
    for url in urls {
        x.open("url", &[])?;
        x.text("loc", &[], &url.loc)?;
        if let Some(lastmod) = url.lastmod {
            x.text("lastmod", &[], &rfc3339(lastmod))?;
        }
        x.close("url")?;
    }
    x.close("urlset")?;
    Ok(x.finish())
}

/// A sitemap index pointing at the sitemaps at `locs`.
pub fn sitemap_index(locs: impl IntoIterator<Item = String>) -> io::Result<Vec<u8>> {
    let mut x = Xml::new()?;
    x.open("sitemapindex", &[("xmlns", SITEMAP_NS)])?;
    for loc in locs {
        x.open("sitemap", &[])?;
        x.text("loc", &[], &loc)?;
        x.close("sitemap")?;
    }
    x.close("sitemapindex")?;
    Ok(x.finish())
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Text as XML 1.0 allows it: control characters other than tab and line breaks (and the
/// non-characters U+FFFE, U+FFFF) cannot appear in a document even escaped, and a feed parser
/// rejects the whole feed for one of them, so they are left out.
fn xml_chars(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
    };
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|&c| allowed(c)).collect())
    }
}

/// A document being written; every text and attribute value goes through the writer's escaping.
struct Xml(Writer<Vec<u8>>);

impl Xml {
    fn new() -> io::Result<Self> {
        let mut writer = Writer::new(Vec::new());
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        Ok(Self(writer))
    }

    fn start<'a>(name: &'a str, attributes: &[(&str, &str)]) -> BytesStart<'a> {
        let mut start = BytesStart::new(name);
        for (key, value) in attributes {
            start.push_attribute((*key, xml_chars(value).as_ref()));
        }
        start
    }

    fn open(&mut self, name: &str, attributes: &[(&str, &str)]) -> io::Result<()> {
        self.0
            .write_event(Event::Start(Self::start(name, attributes)))
    }

    fn close(&mut self, name: &str) -> io::Result<()> {
        self.0.write_event(Event::End(BytesEnd::new(name)))
    }

    fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) -> io::Result<()> {
        self.0
            .write_event(Event::Empty(Self::start(name, attributes)))
    }

    /// `<name attributes>text</name>`.
    fn text(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) -> io::Result<()> {
        self.open(name, attributes)?;
        self.0
            .write_event(Event::Text(BytesText::new(&xml_chars(text))))?;
        self.close(name)
    }

    fn finish(self) -> Vec<u8> {
        self.0.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::{Site, xml_chars};

    #[test]
    fn links_are_absolute_and_percent_encoded() {
        let site = Site::new("https://blog.example.com", "Blog").unwrap();
        assert_eq!(site.home(), "https://blog.example.com/");
        assert_eq!(
            site.article("안녕 a/b?"),
            "https://blog.example.com/article/%EC%95%88%EB%85%95%20a%2Fb%3F"
        );
        let under = Site::new("https://example.com/blog", "Blog").unwrap();
        assert_eq!(
            under.profile("jake"),
            "https://example.com/blog/profile/jake"
        );
        assert_eq!(under.name, "Blog");
    }

    #[test]
    fn characters_xml_cannot_hold_are_left_out() {
        assert_eq!(xml_chars("a\u{1}b\u{FFFF}\tc"), "ab\tc");
    }
}
