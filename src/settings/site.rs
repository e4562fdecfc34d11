//! What readers see of the site: its name, its address, and how its sitemap is cut.

use super::{ConfigError, Source};

/// The sitemaps protocol's limit of URLs per file.
const SITEMAP_URLS_MAX: u32 = 50_000;

/// What the pages and feeds call the site.
#[derive(Debug, Clone)]
pub struct SiteSettings {
    /// `SITE_NAME`: the brand in every page's header and title, and the feeds' title.
    pub name: String,
    /// `SITE_DESCRIPTION`: one line, the home page's description for search engines.
    pub description: String,
}

impl SiteSettings {
    pub(super) fn load(src: &Source) -> Result<Self, ConfigError> {
        Ok(Self {
            name: one_line(src, "SITE_NAME", "quill")?,
            description: one_line(
                src,
                "SITE_DESCRIPTION",
                "Stories and ideas, written and read on quill.",
            )?,
        })
    }

    pub(super) fn redacted_lines(&self) -> Vec<String> {
        vec![
            format!("SITE_NAME={}", self.name),
            format!("SITE_DESCRIPTION={}", self.description),
        ]
    }
}

/// A short line of text: a name or a description, shown in pages and feeds.
fn one_line(src: &Source, name: &str, default: &str) -> Result<String, ConfigError> {
    let value = src.get(name).unwrap_or_else(|| default.to_string());
    let value = value.trim();
    if value.is_empty() || value.chars().count() > 200 || value.chars().any(char::is_control) {
        return Err(ConfigError::new(format!(
            "{name} must be one line of 1 to 200 characters"
        )));
    }
    Ok(value.to_string())
}

/// `PUBLIC_URL`: an absolute http(s) URL with no query or fragment; by default the local
/// server, which is right for a developer and wrong behind any load balancer.
pub(super) fn public_url(src: &Source, port: u16) -> Result<url::Url, ConfigError> {
    let raw = src
        .get("PUBLIC_URL")
        .unwrap_or_else(|| format!("http://localhost:{port}"));
    let invalid = || {
        ConfigError::new(format!(
            "PUBLIC_URL={raw} is not valid: expected the site's absolute http(s) address, \
             e.g. https://blog.example.com"
        ))
    };
    let url = url::Url::parse(raw.trim_end_matches('/')).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host().is_none()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(invalid());
    }
    Ok(url)
}

/// `SITEMAP_URLS_PER_FILE`: past it `/sitemap.xml` is an index of files.
pub(super) fn sitemap_urls_per_file(src: &Source) -> Result<u32, ConfigError> {
    match src.parse(
        "SITEMAP_URLS_PER_FILE",
        SITEMAP_URLS_MAX,
        "a number of URLs",
    )? {
        n @ 1..=SITEMAP_URLS_MAX => Ok(n),
        _ => Err(ConfigError::new(format!(
            "SITEMAP_URLS_PER_FILE must be from 1 to {SITEMAP_URLS_MAX} (the sitemaps protocol's \
             limit)"
        ))),
    }
}
