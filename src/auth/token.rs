use std::path::Path;
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// What a token says. `jti` names this one token (for logout), `epoch` the user's token epoch
/// at signing time (a password change bumps it, revoking every older token at once).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id; a string, as JWT's `sub` must be.
    pub sub: String,
    pub jti: String,
    pub epoch: i64,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("has expired")]
    Expired,
    #[error("is invalid")]
    Invalid,
}

/// HS256 signing and verification keys, made once from the secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl TokenKeys {
    pub fn new(secret: &SecretString, ttl: Duration) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
            ttl,
        }
    }

    pub fn issue(&self, user_id: i64, epoch: i64) -> String {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            jti: uuid::Uuid::new_v4().simple().to_string(),
            epoch,
            iat: now,
            exp: now + self.ttl.as_secs() as i64,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing with an in-memory key cannot fail")
    }

    /// The token's user id and claims, if the signature and expiry hold.
    pub fn verify(&self, token: &str) -> Result<(i64, Claims), TokenError> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?;
        let user_id = claims.sub.parse().map_err(|_| TokenError::Invalid)?;
        Ok((user_id, claims))
    }
}

/// The development secret: read from `data_dir/jwt-secret`, or generated there on first start,
/// so tokens survive restarts without anyone choosing a secret.
pub fn development_secret(data_dir: &Path) -> anyhow::Result<SecretString> {
    let path = data_dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_string();
        if existing.len() >= crate::settings::MIN_JWT_SECRET_BYTES {
            return Ok(SecretString::from(existing));
        }
    }
    std::fs::create_dir_all(data_dir)
        .map_err(|e| anyhow::anyhow!("cannot create DATA_DIR {}: {e}", data_dir.display()))?;
    use rand::RngCore;
    let mut bytes = [0u8; 48];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(&path, &secret).map_err(|e| {
        anyhow::anyhow!(
            "cannot write {}: {e} (set JWT_SECRET instead)",
            path.display()
        )
    })?;
    Ok(SecretString::from(secret))
}

#[cfg(unix)]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(content.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str, ttl: u64) -> TokenKeys {
        TokenKeys::new(
            &SecretString::from(secret.to_string()),
            Duration::from_secs(ttl),
        )
    }

    #[test]
    fn issued_tokens_verify_and_carry_their_claims() {
        let k = keys("a-test-secret-that-is-long-enough-000", 3600);
        let (id, claims) = k.verify(&k.issue(42, 3)).unwrap();
        assert_eq!((id, claims.epoch), (42, 3));
        assert_ne!(claims.jti, k.verify(&k.issue(42, 3)).unwrap().1.jti);
    }

    #[test]
    fn foreign_tampered_and_expired_tokens_are_rejected() {
        let k = keys("a-test-secret-that-is-long-enough-000", 3600);
        let other = keys("another-secret-that-is-long-enough-11", 3600);
        assert_eq!(
            k.verify(&other.issue(1, 0)).unwrap_err(),
            TokenError::Invalid
        );
        assert_eq!(k.verify("not.a.jwt").unwrap_err(), TokenError::Invalid);
        let mut token = k.issue(1, 0);
        token.push('x');
        assert_eq!(k.verify(&token).unwrap_err(), TokenError::Invalid);
        let claims = Claims {
            sub: "1".into(),
            jti: "j".into(),
            epoch: 0,
            iat: 0,
            exp: 1,
        };
        let old = jsonwebtoken::encode(&Header::default(), &claims, &k.encoding).unwrap();
        assert_eq!(k.verify(&old).unwrap_err(), TokenError::Expired);
    }

    #[test]
    fn development_secret_is_generated_once_and_kept() {
        let dir = std::env::temp_dir().join(format!("quill-jwt-{}", uuid::Uuid::new_v4()));
        let first = development_secret(&dir).unwrap();
        let second = development_secret(&dir).unwrap();
        assert_eq!(first.expose_secret(), second.expose_secret());
        assert_eq!(first.expose_secret().len(), 96);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
