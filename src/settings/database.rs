//! Database settings: where the data lives and how many connections quill holds.

use std::path::Path;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::{ConfigError, Source, redact_url};

#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// Full connection URL; it can carry a password, hence secret.
    pub url: SecretString,
    pub pool_size: u32,
    /// How long a request waits for a database connection before answering 503.
    pub timeout: Duration,
}

impl DatabaseSettings {
    pub(super) fn load(src: &Source, data_dir: &Path) -> Result<Self, ConfigError> {
        let database = Self {
            url: database_url(src, data_dir)?,
            pool_size: src.parse("DB_POOL_SIZE", 10, "a number of connections, 1 to 1000")?,
            timeout: src.timeout("DB_TIMEOUT_SECS", 5)?,
        };
        if database.pool_size == 0 || database.pool_size > 1000 {
            return Err(ConfigError::new("DB_POOL_SIZE must be between 1 and 1000"));
        }
        Ok(database)
    }

    pub(super) fn redacted_lines(&self) -> Vec<String> {
        vec![
            format!("DATABASE_URL={}", redact_url(self.url.expose_secret())),
            format!("DB_POOL_SIZE={}", self.pool_size),
            format!("DB_TIMEOUT_SECS={}", self.timeout.as_secs()),
        ]
    }
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
