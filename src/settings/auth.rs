//! Sign-in settings: the key tokens are signed with and how long a sign-in lasts.

use std::path::Path;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::{ConfigError, Source};

/// The minimum JWT secret length accepted in production: HS256 wants at least 256 bits of key.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// Ten years: longer token lifetimes are a mistake, and hours past this overflow the clock.
const MAX_TTL_HOURS: u64 = 87_600;

#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// `None` in development means "generate one and keep it in the data directory".
    pub secret: Option<SecretString>,
    /// How long a sign-in lasts: every token of a session stops working this long after the
    /// sign-in, however often it is re-issued.
    pub session_lifetime: Duration,
}

impl JwtSettings {
    pub(super) fn load(src: &Source, production: bool) -> Result<Self, ConfigError> {
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
        let session_lifetime = match src.parse::<u64>("JWT_TTL_HOURS", 168, "whole hours")? {
            hours @ 1..=MAX_TTL_HOURS => Duration::from_secs(3600 * hours),
            _ => {
                return Err(ConfigError::new(format!(
                    "JWT_TTL_HOURS must be from 1 to {MAX_TTL_HOURS} (ten years)"
                )));
            }
        };
        Ok(Self {
            secret,
            session_lifetime,
        })
    }

    /// A generated secret is named by the file it is kept in.
    pub(super) fn redacted_lines(&self, data_dir: &Path) -> Vec<String> {
        let secret = match &self.secret {
            Some(_) => "[redacted]".to_string(),
            None => format!(
                "(generated, kept in {})",
                data_dir.join("jwt-secret").display()
            ),
        };
        vec![
            format!("JWT_SECRET={secret}"),
            format!("JWT_TTL_HOURS={}", self.session_lifetime.as_secs() / 3600),
        ]
    }
}
