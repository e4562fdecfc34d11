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

mod auth;
mod cache;
mod database;
mod limits;
mod site;
mod uploads;
pub use auth::{JwtSettings, MIN_JWT_SECRET_BYTES};
pub use cache::ReadCacheSettings;
pub use database::DatabaseSettings;
pub use limits::{AbuseLimits, TransportLimits};
pub use site::SiteSettings;
pub use uploads::{S3Settings, UploadSettings, UploadStore};

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

    /// Section by section, in a fixed order: of several bad variables, the same one is named first.
    pub fn load(src: &Source) -> Result<Self, ConfigError> {
        let environment = environment(src)?;
        let production = environment == Environment::Production;
        let port = src.parse("PORT", 8080, "a TCP port, 0 to 65535")?;
        let data_dir = PathBuf::from(src.get("DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database = DatabaseSettings::load(src, &data_dir)?;
        let jwt = JwtSettings::load(src, production)?;
        let cors_origins = cors_origins(src, production)?;
        let log_format = log_format(src, production)?;
        let public_url = site::public_url(src, port)?;
        Ok(Self {
            site: SiteSettings::load(src)?,
            uploads: uploads::load(src, &data_dir, &public_url)?,
            read_cache: ReadCacheSettings::load(src)?,
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
            sitemap_urls_per_file: site::sitemap_urls_per_file(src)?,
            limits: AbuseLimits::load(src)?,
            transport: TransportLimits::load(src)?,
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database.url.expose_secret().starts_with("sqlite:")
    }

    /// The effective settings as `NAME=value` lines, secrets redacted: what `quill config` prints.
    pub fn redacted_lines(&self) -> Vec<String> {
        let cors = match &self.cors_origins {
            CorsOrigins::Any => "*".to_string(),
            CorsOrigins::List(l) if l.is_empty() => "(none: cross-origin requests refused)".into(),
            CorsOrigins::List(l) => l.join(","),
        };
        let log_format = match self.log_format {
            LogFormat::Json => "json",
            LogFormat::Pretty => "pretty",
        };
        let mut lines = vec![
            format!("QUILL_ENV={}", self.environment),
            format!("HOST={}", self.host),
            format!("PORT={}", self.port),
            format!("DATA_DIR={}", self.data_dir.display()),
        ];
        lines.extend(self.database.redacted_lines());
        lines.extend(self.jwt.redacted_lines(&self.data_dir));
        lines.extend([
            format!("CORS_ORIGINS={cors}"),
            format!("LOG_FORMAT={log_format}"),
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
        ]);
        lines.extend(self.site.redacted_lines());
        lines.extend(self.read_cache.redacted_lines());
        lines.extend(self.limits.redacted_lines());
        lines.extend(self.transport.redacted_lines());
        lines.extend(self.uploads.redacted_lines());
        lines
    }
}

/// `QUILL_ENV`: production asks for a real JWT secret and changes the defaults of CORS and logs.
fn environment(src: &Source) -> Result<Environment, ConfigError> {
    match src.get("QUILL_ENV").as_deref().map(str::to_ascii_lowercase) {
        None => Ok(Environment::Development),
        Some(v) if v == "development" || v == "dev" => Ok(Environment::Development),
        Some(v) if v == "production" || v == "prod" => Ok(Environment::Production),
        Some(v) => Err(ConfigError::new(format!(
            "QUILL_ENV={v} is not valid: expected development or production"
        ))),
    }
}

/// `CORS_ORIGINS`: any origin in development unless set; none in production unless set.
fn cors_origins(src: &Source, production: bool) -> Result<CorsOrigins, ConfigError> {
    Ok(match src.get("CORS_ORIGINS") {
        None if production => CorsOrigins::List(Vec::new()),
        None => CorsOrigins::Any,
        Some(v) if v.trim() == "*" => CorsOrigins::Any,
        Some(v) => CorsOrigins::List(parse_origins(&v)?),
    })
}

/// `LOG_FORMAT`: JSON for log collectors in production, readable lines in development.
fn log_format(src: &Source, production: bool) -> Result<LogFormat, ConfigError> {
    match src
        .get("LOG_FORMAT")
        .as_deref()
        .map(str::to_ascii_lowercase)
    {
        None if production => Ok(LogFormat::Json),
        None => Ok(LogFormat::Pretty),
        Some(v) if v == "json" => Ok(LogFormat::Json),
        Some(v) if v == "pretty" || v == "text" => Ok(LogFormat::Pretty),
        Some(v) => Err(ConfigError::new(format!(
            "LOG_FORMAT={v} is not valid: expected json or pretty"
        ))),
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

    /// `quill config` prints the sections in one fixed order, every variable once.
    #[test]
    fn config_lines_go_section_by_section() {
        let lines = load(&[]).unwrap().redacted_lines();
        let names: Vec<&str> = lines.iter().filter_map(|l| l.split('=').next()).collect();
        assert_eq!(
            names,
            [
                "QUILL_ENV",
                "HOST",
                "PORT",
                "DATA_DIR",
                "DATABASE_URL",
                "DB_POOL_SIZE",
                "DB_TIMEOUT_SECS",
                "JWT_SECRET",
                "JWT_TTL_HOURS",
                "CORS_ORIGINS",
                "LOG_FORMAT",
                "LOG_LEVEL",
                "SHUTDOWN_GRACE_SECS",
                "REQUEST_TIMEOUT_SECS",
                "HSTS_MAX_AGE_SECS",
                "PUBLIC_URL",
                "SITEMAP_URLS_PER_FILE",
                "SITE_NAME",
                "SITE_DESCRIPTION",
                "READ_CACHE_MIB",
                "READ_CACHE_TTL_SECS",
                "RATE_LIMIT_WINDOW_SECS",
                "LOGIN_FAILURES_PER_ACCOUNT",
                "LOGIN_FAILURES_PER_ADDRESS",
                "SIGNUPS_PER_ADDRESS",
                "TRUSTED_PROXIES",
                "HEADER_READ_TIMEOUT_SECS",
                "KEEP_ALIVE_TIMEOUT_SECS",
                "MAX_CONNECTIONS",
                "MAX_CONNECTIONS_PER_ADDRESS",
                "UPLOAD_MAX_BYTES",
                "UPLOAD_MAX_PIXELS",
                "UPLOAD_QUOTA_BYTES",
                "UPLOADS_PUBLIC_URL",
                "UPLOADS_S3_BUCKET",
            ]
        );
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
