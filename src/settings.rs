//! Typed settings, read once at start-up from the environment (12-factor).
//!
//! Precedence for every variable: `<NAME>_FILE` (for secrets), then the process environment, then a
//! `.env` file in the working directory, then the default. Secrets are held as [`SecretString`] so
//! `Debug` output and logs cannot print them.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

mod uploads;
pub use uploads::{S3Settings, UploadSettings, UploadStore};

/// The minimum JWT secret length accepted in production: HS256 wants at least 256 bits of key.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    Any,
    List(Vec<String>),
}

/// A day: no request, connection wait or drain needs longer.
const MAX_TIMEOUT_SECS: u64 = 86_400;
/// The sitemaps protocol's limit of URLs per file.
const SITEMAP_URLS_MAX: u32 = 50_000;
/// The most `READ_CACHE_MIB` may say: quill is meant to run in a small container.
const READ_CACHE_MAX_MIB: u64 = 4096;
/// Ten years: longer token lifetimes are a mistake, and hours past this overflow the clock.
const MAX_TTL_HOURS: u64 = 87_600;

#[derive(Debug, Clone)]
pub struct Settings {
    pub environment: Environment,
    pub host: String,
    pub port: u16,
    pub data_dir: PathBuf,
    pub database: DatabaseSettings,
    pub jwt: JwtSettings,
    pub cors_origins: CorsOrigins,
    pub log_format: LogFormat,
    pub log_level: String,
    pub shutdown_grace: Duration,
    pub request_timeout: Duration,
    /// `Strict-Transport-Security` max-age, when quill is served over TLS (behind a TLS load
    /// balancer); `None` sends no HSTS header, which would be wrong over plain HTTP.
    pub hsts_max_age: Option<Duration>,
    /// Where readers reach the site (`PUBLIC_URL`): absolute links in
    /// feeds, sitemaps and upload URLs are built from it, never from a request's `Host` header,
    /// which a client chooses.
    pub public_url: url::Url,
    /// URLs per sitemap file (`SITEMAP_URLS_PER_FILE`); past it `/sitemap.xml` is an index.
    pub sitemap_urls_per_file: u32,
    pub limits: AbuseLimits,
    pub transport: TransportLimits,
    pub uploads: UploadSettings,
    pub read_cache: ReadCacheSettings,
    pub site: SiteSettings,
}

/// What the pages and feeds call the site.
#[derive(Debug, Clone)]
pub struct SiteSettings {
    /// `SITE_NAME`: the brand in every page's header and title, and the feeds' title.
    pub name: String,
    /// `SITE_DESCRIPTION`: one line, the home page's description for search engines.
    pub description: String,
}

/// The per-replica read cache (see `http::cache`).
#[derive(Debug, Clone)]
pub struct ReadCacheSettings {
    /// Bytes of answers kept at most (`READ_CACHE_MIB`); `0` turns caching off.
    pub bytes: u64,
    /// The longest an answer is kept (`READ_CACHE_TTL_SECS`): the bound for changes quill is not
    /// told of, such as SQL run by hand.
    pub ttl: Duration,
}

/// How many sign-in failures and sign-ups one account or client address gets per window;
/// `0` turns a limit off.
#[derive(Debug, Clone)]
pub struct AbuseLimits {
    pub window: Duration,
    pub login_failures_per_account: u32,
    pub login_failures_per_address: u32,
    pub signups_per_address: u32,
    /// Peers whose `X-Forwarded-For` names the client (the load balancer); anyone else's is
    /// ignored, so clients cannot pick the address they are limited by.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// What one client connection may hold.
#[derive(Debug, Clone)]
pub struct TransportLimits {
    /// From a request's first byte to the end of its headers.
    pub header_read_timeout: Duration,
    /// How long an idle keep-alive connection stays open between requests.
    pub keep_alive_timeout: Duration,
    pub max_connections: usize,
    /// Per client address (peer, not `X-Forwarded-For`); trusted proxies are exempt. `0`: no cap.
    pub max_connections_per_address: usize,
}

#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// Full connection URL; it can carry a password, hence secret.
    pub url: SecretString,
    pub pool_size: u32,
    /// How long a request waits for a database connection before answering 503.
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// `None` in development means "generate one and keep it in the data directory".
    pub secret: Option<SecretString>,
    /// How long a sign-in lasts: every token of a session stops working this long after the
    /// sign-in, however often it is re-issued.
    pub session_lifetime: Duration,
}

/// A configuration mistake, worded as one line that names the variable and the fix.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct ConfigError(String);

impl ConfigError {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// Where variables come from: the process environment layered over an optional `.env` file.
pub struct Source {
    vars: HashMap<String, String>,
}

impl Source {
    /// The real process environment over `./.env` (if present).
    pub fn from_process() -> Result<Self, ConfigError> {
        Ok(Self::layered(
            read_dot_env(Path::new(".env"))?,
            std::env::vars(),
        ))
    }

    /// Variables of `env` override those of `dot_env`.
    pub fn layered(
        dot_env: impl IntoIterator<Item = (String, String)>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Self {
        Self::from_pairs(dot_env.into_iter().chain(env))
    }

    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// A plain variable; empty counts as unset, so `FOO=` in a `.env` file falls back to the default.
    fn get(&self, name: &str) -> Option<String> {
        self.vars.get(name).filter(|v| !v.is_empty()).cloned()
    }

    /// A secret: `<NAME>_FILE` (a path to a file holding it) wins over `<NAME>`.
    fn secret(&self, name: &str) -> Result<Option<SecretString>, ConfigError> {
        let file_var = format!("{name}_FILE");
        if let Some(path) = self.get(&file_var) {
            let content = std::fs::read_to_string(&path).map_err(|e| {
                ConfigError::new(format!("{file_var}={path} could not be read: {e}"))
            })?;
            let value = content.trim_end_matches(['\r', '\n']).to_string();
            if value.is_empty() {
                return Err(ConfigError::new(format!("{file_var}={path} is empty")));
            }
            return Ok(Some(SecretString::from(value)));
        }
        Ok(self.get(name).map(SecretString::from))
    }

    /// A timeout in whole seconds, from 1 to [`MAX_TIMEOUT_SECS`]: zero would fail every
    /// request at once, and a deadline past the clock's range would panic where it is added.
    fn timeout(&self, name: &str, default: u64) -> Result<Duration, ConfigError> {
        match self.parse(name, default, "whole seconds")? {
            secs @ 1..=MAX_TIMEOUT_SECS => Ok(Duration::from_secs(secs)),
            _ => Err(ConfigError::new(format!(
                "{name} must be from 1 to {MAX_TIMEOUT_SECS} seconds"
            ))),
        }
    }

    fn parse<T: std::str::FromStr>(
        &self,
        name: &str,
        default: T,
        hint: &str,
    ) -> Result<T, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw.trim().parse().map_err(|_| {
                ConfigError::new(format!("{name}={raw} is not valid: expected {hint}"))
            }),
        }
    }
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::load(&Source::from_process()?)
    }

    pub fn load(src: &Source) -> Result<Self, ConfigError> {
        let environment = match src.get("QUILL_ENV").as_deref().map(str::to_ascii_lowercase) {
            None => Environment::Development,
            Some(v) if v == "development" || v == "dev" => Environment::Development,
            Some(v) if v == "production" || v == "prod" => Environment::Production,
            Some(v) => {
                return Err(ConfigError::new(format!(
                    "QUILL_ENV={v} is not valid: expected development or production"
                )));
            }
        };
        let production = environment == Environment::Production;

        let port = src.parse("PORT", 8080, "a TCP port, 0 to 65535")?;
        let data_dir = PathBuf::from(src.get("DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database = DatabaseSettings {
            url: database_url(src, &data_dir)?,
            pool_size: src.parse("DB_POOL_SIZE", 10, "a number of connections, 1 to 1000")?,
            timeout: src.timeout("DB_TIMEOUT_SECS", 5)?,
        };
        if database.pool_size == 0 || database.pool_size > 1000 {
            return Err(ConfigError::new("DB_POOL_SIZE must be between 1 and 1000"));
        }

        let secret = src.secret("JWT_SECRET")?;
        match &secret {
            None if production => {
                return Err(ConfigError::new(format!(
                    "JWT_SECRET (or JWT_SECRET_FILE) is required when QUILL_ENV=production: \
                     set at least {MIN_JWT_SECRET_BYTES} random bytes, e.g. `openssl rand -base64 48`"
                )));
            }
            Some(s) if production && s.expose_secret().len() < MIN_JWT_SECRET_BYTES => {
                return Err(ConfigError::new(format!(
                    "JWT_SECRET is too short ({} bytes): QUILL_ENV=production needs at least \
                     {MIN_JWT_SECRET_BYTES}, e.g. `openssl rand -base64 48`",
                    s.expose_secret().len()
                )));
            }
            _ => {}
        }
        let jwt = JwtSettings {
            secret,
            session_lifetime: match src.parse::<u64>("JWT_TTL_HOURS", 168, "whole hours")? {
                hours @ 1..=MAX_TTL_HOURS => Duration::from_secs(3600 * hours),
                _ => {
                    return Err(ConfigError::new(format!(
                        "JWT_TTL_HOURS must be from 1 to {MAX_TTL_HOURS} (ten years)"
                    )));
                }
            },
        };

        let cors_origins = match src.get("CORS_ORIGINS") {
            None if production => CorsOrigins::List(Vec::new()),
            None => CorsOrigins::Any,
            Some(v) if v.trim() == "*" => CorsOrigins::Any,
            Some(v) => CorsOrigins::List(parse_origins(&v)?),
        };

        let log_format = match src
            .get("LOG_FORMAT")
            .as_deref()
            .map(str::to_ascii_lowercase)
        {
            None if production => LogFormat::Json,
            None => LogFormat::Pretty,
            Some(v) if v == "json" => LogFormat::Json,
            Some(v) if v == "pretty" || v == "text" => LogFormat::Pretty,
            Some(v) => {
                return Err(ConfigError::new(format!(
                    "LOG_FORMAT={v} is not valid: expected json or pretty"
                )));
            }
        };

        let public_url = public_url(src, port)?;
        Ok(Self {
            site: SiteSettings {
                name: one_line(src, "SITE_NAME", "quill")?,
                description: one_line(
                    src,
                    "SITE_DESCRIPTION",
                    "Stories and ideas, written and read on quill.",
                )?,
            },
            uploads: uploads::load(src, &data_dir, &public_url)?,
            read_cache: ReadCacheSettings {
                bytes: match src.parse("READ_CACHE_MIB", 8, "a number of MiB, 0 for no cache")? {
                    mib @ 0..=READ_CACHE_MAX_MIB => mib * 1024 * 1024,
                    _ => {
                        return Err(ConfigError::new(format!(
                            "READ_CACHE_MIB must be from 0 (no cache) to {READ_CACHE_MAX_MIB}"
                        )));
                    }
                },
                ttl: src.timeout("READ_CACHE_TTL_SECS", 5)?,
            },
            environment,
            host: src.get("HOST").unwrap_or_else(|| "0.0.0.0".into()),
            port,
            data_dir,
            database,
            jwt,
            cors_origins,
            log_format,
            log_level: src.get("LOG_LEVEL").unwrap_or_else(|| "info".into()),
            shutdown_grace: Duration::from_secs(src.parse(
                "SHUTDOWN_GRACE_SECS",
                20,
                "whole seconds",
            )?),
            request_timeout: src.timeout("REQUEST_TIMEOUT_SECS", 30)?,
            hsts_max_age: match src.parse("HSTS_MAX_AGE_SECS", 0, "whole seconds, 0 for none")? {
                0 => None,
                secs => Some(Duration::from_secs(secs)),
            },
            public_url,
            sitemap_urls_per_file: match src.parse(
                "SITEMAP_URLS_PER_FILE",
                SITEMAP_URLS_MAX,
                "a number of URLs",
            )? {
                n @ 1..=SITEMAP_URLS_MAX => n,
                _ => {
                    return Err(ConfigError::new(format!(
                        "SITEMAP_URLS_PER_FILE must be from 1 to {SITEMAP_URLS_MAX} (the \
                         sitemaps protocol's limit)"
                    )));
                }
            },
            limits: AbuseLimits {
                window: src.timeout("RATE_LIMIT_WINDOW_SECS", 900)?,
                login_failures_per_account: src.parse(
                    "LOGIN_FAILURES_PER_ACCOUNT",
                    10,
                    "a number of failed sign-ins, 0 for no limit",
                )?,
                login_failures_per_address: src.parse(
                    "LOGIN_FAILURES_PER_ADDRESS",
                    100,
                    "a number of failed sign-ins, 0 for no limit",
                )?,
                signups_per_address: src.parse(
                    "SIGNUPS_PER_ADDRESS",
                    100,
                    "a number of sign-ups, 0 for no limit",
                )?,
                trusted_proxies: trusted_proxies(src)?,
            },
            transport: TransportLimits {
                header_read_timeout: src.timeout("HEADER_READ_TIMEOUT_SECS", 10)?,
                keep_alive_timeout: src.timeout("KEEP_ALIVE_TIMEOUT_SECS", 75)?,
                max_connections: match src.parse("MAX_CONNECTIONS", 10_000, "a number")? {
                    0 => {
                        return Err(ConfigError::new(
                            "MAX_CONNECTIONS must be at least 1 (keep it below `ulimit -n`)",
                        ));
                    }
                    n => n,
                },
                max_connections_per_address: src.parse(
                    "MAX_CONNECTIONS_PER_ADDRESS",
                    256,
                    "a number, 0 for no cap",
                )?,
            },
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database.url.expose_secret().starts_with("sqlite:")
    }

    /// The effective settings as `NAME=value` lines, secrets redacted: what `quill config` prints.
    pub fn redacted_lines(&self) -> Vec<String> {
        let env = match self.environment {
            Environment::Development => "development",
            Environment::Production => "production",
        };
        let cors = match &self.cors_origins {
            CorsOrigins::Any => "*".to_string(),
            CorsOrigins::List(l) if l.is_empty() => "(none: cross-origin requests refused)".into(),
            CorsOrigins::List(l) => l.join(","),
        };
        let jwt = match &self.jwt.secret {
            Some(_) => "[redacted]".to_string(),
            None => format!(
                "(generated, kept in {})",
                self.data_dir.join("jwt-secret").display()
            ),
        };
        vec![
            format!("QUILL_ENV={env}"),
            format!("HOST={}", self.host),
            format!("PORT={}", self.port),
            format!("DATA_DIR={}", self.data_dir.display()),
            format!(
                "DATABASE_URL={}",
                redact_url(self.database.url.expose_secret())
            ),
            format!("DB_POOL_SIZE={}", self.database.pool_size),
            format!("DB_TIMEOUT_SECS={}", self.database.timeout.as_secs()),
            format!("JWT_SECRET={jwt}"),
            format!(
                "JWT_TTL_HOURS={}",
                self.jwt.session_lifetime.as_secs() / 3600
            ),
            format!("CORS_ORIGINS={cors}"),
            format!(
                "LOG_FORMAT={}",
                if self.log_format == LogFormat::Json {
                    "json"
                } else {
                    "pretty"
                }
            ),
            format!("LOG_LEVEL={}", self.log_level),
            format!("SHUTDOWN_GRACE_SECS={}", self.shutdown_grace.as_secs()),
            format!("REQUEST_TIMEOUT_SECS={}", self.request_timeout.as_secs()),
            format!(
                "HSTS_MAX_AGE_SECS={}",
                self.hsts_max_age.map_or(0, |d| d.as_secs())
            ),
            format!(
                "PUBLIC_URL={}",
                self.public_url.as_str().trim_end_matches('/')
            ),
            format!("SITEMAP_URLS_PER_FILE={}", self.sitemap_urls_per_file),
            format!("SITE_NAME={}", self.site.name),
            format!("SITE_DESCRIPTION={}", self.site.description),
            format!("READ_CACHE_MIB={}", self.read_cache.bytes / (1024 * 1024)),
            format!("READ_CACHE_TTL_SECS={}", self.read_cache.ttl.as_secs()),
            format!("RATE_LIMIT_WINDOW_SECS={}", self.limits.window.as_secs()),
            format!(
                "LOGIN_FAILURES_PER_ACCOUNT={}",
                self.limits.login_failures_per_account
            ),
            format!(
                "LOGIN_FAILURES_PER_ADDRESS={}",
                self.limits.login_failures_per_address
            ),
            format!("SIGNUPS_PER_ADDRESS={}", self.limits.signups_per_address),
            format!(
                "TRUSTED_PROXIES={}",
                self.limits
                    .trusted_proxies
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            format!(
                "HEADER_READ_TIMEOUT_SECS={}",
                self.transport.header_read_timeout.as_secs()
            ),
            format!(
                "KEEP_ALIVE_TIMEOUT_SECS={}",
                self.transport.keep_alive_timeout.as_secs()
            ),
            format!("MAX_CONNECTIONS={}", self.transport.max_connections),
            format!(
                "MAX_CONNECTIONS_PER_ADDRESS={}",
                self.transport.max_connections_per_address
            ),
        ]
        .into_iter()
        .chain(self.uploads.redacted_lines())
        .collect()
    }
}

/// The variables of a `.env` file (none if there is no such file). A line that does not parse
/// is named by its variable only: the line itself may hold a secret.
fn read_dot_env(path: &Path) -> Result<Vec<(String, String)>, ConfigError> {
    let unreadable = |e: dotenvy::Error| {
        let detail = match e {
            dotenvy::Error::LineParse(line, at) => {
                let name = line
                    .trim_start()
                    .trim_start_matches("export ")
                    .split('=')
                    .next()
                    .unwrap_or_default()
                    .trim();
                if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    format!("the line of {name} does not parse at character {at}")
                } else {
                    format!("a line does not parse at character {at}")
                }
            }
            other => other.to_string(),
        };
        ConfigError::new(format!(
            "{} could not be read: {detail} (quote values with spaces or quotes in them)",
            path.display()
        ))
    };
    match dotenvy::from_path_iter(path) {
        Ok(iter) => iter.map(|item| item.map_err(unreadable)).collect(),
        Err(e) if e.not_found() => Ok(Vec::new()),
        Err(e) => Err(unreadable(e)),
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
fn public_url(src: &Source, port: u16) -> Result<url::Url, ConfigError> {
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

/// `TRUSTED_PROXIES`: comma-separated addresses or CIDR ranges (`10.0.0.0/8`, `127.0.0.1`).
fn trusted_proxies(src: &Source) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    let Some(raw) = src.get("TRUSTED_PROXIES") else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<ipnet::IpNet>()
                .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    ConfigError::new(format!(
                        "TRUSTED_PROXIES entry {p:?} is not an IP address or CIDR range \
                         (e.g. 10.0.0.0/8)"
                    ))
                })
        })
        .collect()
}

/// `DATABASE_URL`, else a PostgreSQL URL from the `DB_*` parts RDS hands out, else SQLite in `data_dir`.
fn database_url(src: &Source, data_dir: &Path) -> Result<SecretString, ConfigError> {
    if let Some(url) = src.secret("DATABASE_URL")? {
        let u = url.expose_secret();
        if !(u.starts_with("sqlite:")
            || u.starts_with("postgres://")
            || u.starts_with("postgresql://"))
        {
            return Err(ConfigError::new(
                "DATABASE_URL must start with sqlite:, postgres:// or postgresql://",
            ));
        }
        return Ok(url);
    }
    let Some(host) = src.get("DB_HOST") else {
        let path = data_dir.join("quill.db");
        return Ok(SecretString::from(format!(
            "sqlite://{}?mode=rwc",
            path.display()
        )));
    };
    let missing = |name: &str| {
        ConfigError::new(format!(
            "{name} is required when DB_HOST is set (or set DATABASE_URL instead)"
        ))
    };
    let name = src.get("DB_NAME").ok_or_else(|| missing("DB_NAME"))?;
    let user = src
        .get("DB_USERNAME")
        .ok_or_else(|| missing("DB_USERNAME"))?;
    let password = src.secret("DB_PASSWORD")?;
    let port: u16 = src.parse("DB_PORT", 5432, "a TCP port")?;
    let sslmode = src.get("DB_SSLMODE").unwrap_or_else(|| "prefer".into());
    const MODES: [&str; 6] = [
        "disable",
        "allow",
        "prefer",
        "require",
        "verify-ca",
        "verify-full",
    ];
    if !MODES.contains(&sslmode.as_str()) {
        return Err(ConfigError::new(format!(
            "DB_SSLMODE={sslmode} is not valid: expected one of {}",
            MODES.join(", ")
        )));
    }
    let mut url = url::Url::parse("postgres://localhost")
        .map_err(|e| ConfigError::new(format!("internal URL error: {e}")))?;
    let invalid_host = || ConfigError::new(format!("DB_HOST={host} is not a valid host name"));
    url.set_host(Some(&host)).map_err(|_| invalid_host())?;
    url.set_port(Some(port)).map_err(|_| invalid_host())?;
    url.set_username(&user).map_err(|_| invalid_host())?;
    if let Some(p) = &password {
        url.set_password(Some(p.expose_secret()))
            .map_err(|_| invalid_host())?;
    }
    url.set_path(&name);
    url.query_pairs_mut().append_pair("sslmode", &sslmode);
    Ok(SecretString::from(url.to_string()))
}

fn parse_origins(raw: &str) -> Result<Vec<String>, ConfigError> {
    raw.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|o| {
            let ok = (o.starts_with("http://") || o.starts_with("https://"))
                && !o.trim_end_matches('/').ends_with(':')
                && axum::http::HeaderValue::from_str(o).is_ok();
            if ok {
                Ok(o.trim_end_matches('/').to_string())
            } else {
                Err(ConfigError::new(format!(
                    "CORS_ORIGINS entry {o:?} is not an origin: expected e.g. https://app.example.com, or *"
                )))
            }
        })
        .collect()
}

/// Replaces the password of a URL with `***`; used wherever a database URL is shown.
pub fn redact_url(raw: &str) -> String {
    // libpq also takes passwords as query parameters.
    let secret =
        |key: &str| key.eq_ignore_ascii_case("password") || key.eq_ignore_ascii_case("sslpassword");
    match url::Url::parse(raw) {
        // `scheme:rest` without `//` parses too, with any password left in the path.
        Ok(mut u) if !u.cannot_be_a_base() => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            if u.query_pairs().any(|(k, _)| secret(&k)) {
                let pairs: Vec<(String, String)> = u
                    .query_pairs()
                    .map(|(k, v)| {
                        let v = if secret(&k) {
                            "***".into()
                        } else {
                            v.into_owned()
                        };
                        (k.into_owned(), v)
                    })
                    .collect();
                u.query_pairs_mut().clear().extend_pairs(pairs);
            }
            u.to_string()
        }
        // Anything after the scheme of a URL that does not parse may hold a password.
        _ => match raw.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://[unparseable URL hidden]"),
            None => "[unparseable URL hidden]".into(),
        },
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Environment::Development => "development",
            Environment::Production => "production",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::load(&Source::from_pairs(pairs.iter().copied()))
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef-long-enough";

    #[test]
    fn a_dot_env_line_that_does_not_parse_is_named_without_its_value() {
        let dir = std::env::temp_dir().join(format!("quill-env-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".env");
        for (content, named) in [
            (
                "PORT=8080\nJWT_SECRET=\"s3cr3t-value-never-shown\n",
                "JWT_SECRET",
            ),
            (
                "export DB_PASSWORD='s3cr3t-value-never-shown\n",
                "DB_PASSWORD",
            ),
            ("s3cr3t-value-never-shown'\n", "a line"),
        ] {
            std::fs::write(&path, content).unwrap();
            let err = read_dot_env(&path).unwrap_err().to_string();
            assert!(!err.contains("s3cr3t"), "{err}");
            assert!(err.contains(named), "{err}");
        }
        std::fs::write(&path, "PORT=8081\n").unwrap();
        assert_eq!(
            read_dot_env(&path).unwrap(),
            vec![("PORT".to_string(), "8081".to_string())]
        );
        assert!(read_dot_env(&dir.join("missing")).unwrap().is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn abuse_and_transport_limits_parse_with_clear_errors() {
        let s = load(&[("TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1,::1")]).unwrap();
        assert_eq!(s.limits.trusted_proxies.len(), 3);
        assert!(
            s.limits.trusted_proxies[1].contains(&"192.0.2.1".parse::<std::net::IpAddr>().unwrap())
        );
        let err = load(&[("TRUSTED_PROXIES", "10.0.0.0/8,lb.internal")]).unwrap_err();
        assert!(
            err.to_string()
                .contains("\"lb.internal\" is not an IP address"),
            "{err}"
        );
        for name in [
            "RATE_LIMIT_WINDOW_SECS",
            "HEADER_READ_TIMEOUT_SECS",
            "KEEP_ALIVE_TIMEOUT_SECS",
            "MAX_CONNECTIONS",
        ] {
            let err = load(&[(name, "0")]).unwrap_err();
            assert!(err.to_string().starts_with(name), "{err}");
        }
        let err = load(&[("SIGNUPS_PER_ADDRESS", "-1")]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("SIGNUPS_PER_ADDRESS=-1 is not valid"),
            "{err}"
        );
    }

    #[test]
    fn the_read_cache_has_a_size_and_a_lifetime() {
        let s = load(&[]).unwrap();
        assert_eq!(
            (s.read_cache.bytes, s.read_cache.ttl),
            (8 * 1024 * 1024, Duration::from_secs(5))
        );
        let s = load(&[("READ_CACHE_MIB", "0"), ("READ_CACHE_TTL_SECS", "60")]).unwrap();
        assert_eq!(
            (s.read_cache.bytes, s.read_cache.ttl),
            (0, Duration::from_secs(60))
        );
        for (name, bad) in [
            ("READ_CACHE_MIB", "4097"),
            ("READ_CACHE_MIB", "-1"),
            ("READ_CACHE_TTL_SECS", "0"),
        ] {
            let err = load(&[(name, bad)]).unwrap_err();
            assert!(err.to_string().starts_with(name), "{err}");
        }
    }

    #[test]
    fn sitemap_files_hold_at_most_the_protocol_s_50000_urls() {
        assert_eq!(load(&[]).unwrap().sitemap_urls_per_file, 50_000);
        assert_eq!(
            load(&[("SITEMAP_URLS_PER_FILE", "3")])
                .unwrap()
                .sitemap_urls_per_file,
            3
        );
        for bad in ["0", "50001", "many"] {
            let err = load(&[("SITEMAP_URLS_PER_FILE", bad)]).unwrap_err();
            assert!(
                err.to_string().starts_with("SITEMAP_URLS_PER_FILE"),
                "{err}"
            );
        }
    }

    #[test]
    fn public_url_defaults_to_the_local_server_and_must_be_absolute() {
        let s = load(&[("PORT", "9000")]).unwrap();
        assert_eq!(s.public_url.as_str(), "http://localhost:9000/");
        let s = load(&[("PUBLIC_URL", "https://blog.example.com/")]).unwrap();
        assert_eq!(s.public_url.as_str(), "https://blog.example.com/");
        for bad in [
            "blog.example.com",
            "ftp://example.com",
            "https://x.com/?a=1",
        ] {
            let err = load(&[("PUBLIC_URL", bad)]).unwrap_err();
            assert!(err.to_string().starts_with("PUBLIC_URL="), "{err}");
        }
    }

    #[test]
    fn defaults_serve_sqlite_in_data_dir_on_port_8080() {
        let s = load(&[]).unwrap();
        assert_eq!(s.environment, Environment::Development);
        assert_eq!((s.host.as_str(), s.port), ("0.0.0.0", 8080));
        assert_eq!(
            s.database.url.expose_secret(),
            "sqlite://./data/quill.db?mode=rwc"
        );
        assert_eq!(s.cors_origins, CorsOrigins::Any);
        assert_eq!(s.log_format, LogFormat::Pretty);
        assert!(s.jwt.secret.is_none());
        assert_eq!(s.shutdown_grace, Duration::from_secs(20));
    }

    #[test]
    fn production_requires_a_long_jwt_secret() {
        let err = load(&[("QUILL_ENV", "production")]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("JWT_SECRET (or JWT_SECRET_FILE) is required"),
            "{err}"
        );
        let err = load(&[("QUILL_ENV", "production"), ("JWT_SECRET", "short")]).unwrap_err();
        assert!(err.to_string().contains("too short (5 bytes)"), "{err}");
        let s = load(&[("QUILL_ENV", "production"), ("JWT_SECRET", SECRET)]).unwrap();
        assert_eq!(s.log_format, LogFormat::Json);
        assert_eq!(s.cors_origins, CorsOrigins::List(vec![]));
    }

    #[test]
    fn secret_file_wins_over_plain_variable() {
        let dir = std::env::temp_dir().join(format!("quill-settings-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("jwt");
        std::fs::write(&file, format!("{SECRET}-from-file\n")).unwrap();
        let s = load(&[
            ("JWT_SECRET", SECRET),
            ("JWT_SECRET_FILE", file.to_str().unwrap()),
        ])
        .unwrap();
        assert_eq!(
            s.jwt.secret.unwrap().expose_secret(),
            format!("{SECRET}-from-file")
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn unreadable_secret_file_names_the_variable() {
        let err = load(&[("JWT_SECRET_FILE", "/nonexistent/quill-secret")]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("JWT_SECRET_FILE=/nonexistent/quill-secret could not be read")
        );
    }

    #[test]
    fn process_environment_wins_over_dot_env() {
        let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
        let src = Source::layered(
            [pair("PORT", "1111"), pair("HOST", "127.0.0.9")],
            [pair("PORT", "2222")],
        );
        let s = Settings::load(&src).unwrap();
        assert_eq!((s.host.as_str(), s.port), ("127.0.0.9", 2222));
    }

    #[test]
    fn rds_parts_build_an_escaped_postgres_url() {
        let s = load(&[
            ("DB_HOST", "quill.abc.eu-west-1.rds.amazonaws.com"),
            ("DB_NAME", "quill"),
            ("DB_USERNAME", "app"),
            ("DB_PASSWORD", "p@ss/word"),
            ("DB_SSLMODE", "require"),
        ])
        .unwrap();
        assert_eq!(
            s.database.url.expose_secret(),
            "postgres://app:p%40ss%2Fword@quill.abc.eu-west-1.rds.amazonaws.com:5432/quill?sslmode=require"
        );
        assert!(!s.redacted_lines().join("\n").contains("p%40ss"));
    }

    #[test]
    fn database_url_wins_over_parts() {
        let s = load(&[("DATABASE_URL", "postgres://a@b/c"), ("DB_HOST", "x")]).unwrap();
        assert_eq!(s.database.url.expose_secret(), "postgres://a@b/c");
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        for (pairs, needle) in [
            (vec![("PORT", "eighty")], "PORT=eighty is not valid"),
            (vec![("QUILL_ENV", "staging")], "QUILL_ENV=staging"),
            (vec![("LOG_FORMAT", "xml")], "LOG_FORMAT=xml"),
            (
                vec![("HSTS_MAX_AGE_SECS", "a year")],
                "HSTS_MAX_AGE_SECS=a year",
            ),
            (vec![("DB_POOL_SIZE", "0")], "DB_POOL_SIZE"),
            (
                vec![("DB_HOST", "h"), ("DB_USERNAME", "u")],
                "DB_NAME is required",
            ),
            (
                vec![("DB_HOST", "h"), ("DB_NAME", "n")],
                "DB_USERNAME is required",
            ),
            (
                vec![
                    ("DB_HOST", "h"),
                    ("DB_NAME", "n"),
                    ("DB_USERNAME", "u"),
                    ("DB_SSLMODE", "on"),
                ],
                "DB_SSLMODE=on",
            ),
            (
                vec![("DATABASE_URL", "mysql://x")],
                "DATABASE_URL must start",
            ),
            (vec![("CORS_ORIGINS", "example.com")], "CORS_ORIGINS entry"),
            (vec![("JWT_TTL_HOURS", "0")], "JWT_TTL_HOURS"),
            (
                vec![("JWT_TTL_HOURS", "5124095576030431")],
                "JWT_TTL_HOURS must be from 1",
            ),
            (
                vec![("DB_TIMEOUT_SECS", "0")],
                "DB_TIMEOUT_SECS must be from 1",
            ),
            (vec![("REQUEST_TIMEOUT_SECS", "0")], "REQUEST_TIMEOUT_SECS"),
            (
                vec![("REQUEST_TIMEOUT_SECS", "18446744073709551615")],
                "REQUEST_TIMEOUT_SECS must be from 1",
            ),
        ] {
            let err = load(&pairs).unwrap_err().to_string();
            assert!(err.contains(needle), "{pairs:?}: {err}");
            assert!(!err.contains('\n'));
        }
    }

    #[test]
    fn secrets_never_show_in_debug_or_config_output() {
        let s = load(&[
            ("JWT_SECRET", SECRET),
            (
                "DATABASE_URL",
                "postgres://app:hunter2hunter2@db:5432/quill",
            ),
        ])
        .unwrap();
        let debug = format!("{s:?}");
        let lines = s.redacted_lines().join("\n");
        for out in [debug, lines] {
            assert!(
                !out.contains(SECRET) && !out.contains("hunter2hunter2"),
                "{out}"
            );
        }
    }

    #[test]
    fn diagnostics_hide_passwords_in_every_url_shape() {
        for (url, shown) in [
            (
                "postgres://app:hunter2@db:5432/quill?sslmode=require",
                "postgres://app:***@db:5432/quill?sslmode=require",
            ),
            (
                "postgres://app@db/quill?password=hunter2&sslmode=disable",
                "postgres://app@db/quill?password=***&sslmode=disable",
            ),
            (
                "postgres://app:hunter2@db:port/quill",
                "postgres://[unparseable URL hidden]",
            ),
            ("app:hunter2@db", "[unparseable URL hidden]"),
            (
                "sqlite://data/quill.db?mode=rwc",
                "sqlite://data/quill.db?mode=rwc",
            ),
        ] {
            let redacted = redact_url(url);
            assert_eq!(redacted, shown);
            assert!(!redacted.contains("hunter2"));
        }
    }

    #[test]
    fn cors_origins_list_is_parsed() {
        let s = load(&[(
            "CORS_ORIGINS",
            "https://a.example.com/, http://localhost:3000",
        )])
        .unwrap();
        assert_eq!(
            s.cors_origins,
            CorsOrigins::List(vec![
                "https://a.example.com".into(),
                "http://localhost:3000".into()
            ])
        );
    }
}
