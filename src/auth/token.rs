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
///
/// The secret is written whole under a temporary name and linked into place only if no other
/// process got there first, then read back: the file never exists half-written, and two
/// processes starting at once on the same data directory end up signing with the same secret.
pub fn development_secret(data_dir: &Path) -> anyhow::Result<SecretString> {
    let path = data_dir.join("jwt-secret");
    if let Some(existing) = read_secret(&path) {
        return Ok(existing);
    }
    create_private_dir(data_dir)
        .map_err(|e| anyhow::anyhow!("cannot create DATA_DIR {}: {e}", data_dir.display()))?;
    use rand::RngCore;
    let mut bytes = [0u8; 48];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let cannot_write = |e: std::io::Error| {
        anyhow::anyhow!(
            "cannot write {}: {e} (set JWT_SECRET instead)",
            path.display()
        )
    };
    let staged = data_dir.join(format!(".jwt-secret-{}", uuid::Uuid::new_v4().simple()));
    write_private(&staged, &secret).map_err(cannot_write)?;
    let linked = std::fs::hard_link(&staged, &path);
    let _ = std::fs::remove_file(&staged);
    match linked {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(cannot_write(e)),
    }
    read_secret(&path).ok_or_else(|| anyhow::anyhow!("cannot read back {}", path.display()))
}

/// The secret in `path`, if there is a usable one.
fn read_secret(path: &Path) -> Option<SecretString> {
    let existing = std::fs::read_to_string(path).ok()?;
    let existing = existing.trim();
    (existing.len() >= crate::settings::MIN_JWT_SECRET_BYTES)
        .then(|| SecretString::from(existing.to_string()))
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(content.as_bytes())?;
    file.sync_all()
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

    #[cfg(unix)]
    #[test]
    fn processes_starting_at_once_agree_on_a_private_development_secret() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir()
            .join(format!("quill-jwt-{}", uuid::Uuid::new_v4()))
            .join("data");
        let dir_for = |_| {
            let dir = dir.clone();
            std::thread::spawn(move || {
                development_secret(&dir)
                    .unwrap()
                    .expose_secret()
                    .to_string()
            })
        };
        let secrets: Vec<String> = (0..8)
            .map(dir_for)
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        assert!(secrets.iter().all(|s| s == &secrets[0]), "{secrets:?}");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.join("jwt-secret")), 0o600);
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no staged file left"
        );
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
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
