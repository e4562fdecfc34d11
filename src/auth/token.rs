use std::path::Path;

use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// What a token says. `sid` names the session it belongs to (logout ends the session), `epoch`
/// the user's token epoch at signing time (a password change bumps it, so tokens signed before
/// it stop working even within the caller's own session), and `exp` is the session's expiry:
/// a token re-issued within a session never outlives it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id; a string, as JWT's `sub` must be.
    pub sub: String,
    pub sid: String,
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

type FormMac = Hmac<sha2::Sha256>;

/// HS256 signing and verification keys, made once from the secret, and the key of the tokens
/// that tie a page's forms to the browser it was shown to.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    forms: FormMac,
}

impl TokenKeys {
    pub fn new(secret: &SecretString) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        // A key of its own, so that no form token is ever a valid signature of anything else.
        let forms_key = FormMac::new_from_slice(bytes)
            .expect("HMAC takes keys of any length")
            .chain_update(b"quill form tokens")
            .finalize()
            .into_bytes();
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
            forms: FormMac::new_from_slice(&forms_key).expect("HMAC takes keys of any length"),
        }
    }

    /// The token a form shown to the holder of `binding` (a session id, or the anonymous
    /// visitor's cookie) must send back: a cross-site page can neither read nor compute it.
    pub fn form_token(&self, binding: &str) -> String {
        hex::encode(
            self.forms
                .clone()
                .chain_update(binding.as_bytes())
                .finalize()
                .into_bytes(),
        )
    }

    /// Whether `token` is the form token of `binding`, compared in constant time.
    pub fn form_token_holds(&self, binding: &str, token: &str) -> bool {
        hex::decode(token).is_ok_and(|bytes| {
            self.forms
                .clone()
                .chain_update(binding.as_bytes())
                .verify_slice(&bytes)
                .is_ok()
        })
    }

    /// A token of `session` (expiring with it) for the user at token epoch `epoch`.
    pub fn issue(&self, user_id: i64, session: &SessionRef, epoch: i64) -> String {
        let claims = Claims {
            sub: user_id.to_string(),
            sid: session.id.clone(),
            epoch,
            iat: chrono::Utc::now().timestamp(),
            exp: session.expires_at,
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

/// The session a token belongs to: its id and its absolute expiry (unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRef {
    pub id: String,
    pub expires_at: i64,
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

    fn keys(secret: &str) -> TokenKeys {
        TokenKeys::new(&SecretString::from(secret.to_string()))
    }

    fn session(expires_in: i64) -> SessionRef {
        SessionRef {
            id: "s1".into(),
            expires_at: chrono::Utc::now().timestamp() + expires_in,
        }
    }

    #[test]
    fn issued_tokens_verify_and_carry_their_session() {
        let k = keys("a-test-secret-that-is-long-enough-000");
        let session = session(3600);
        let (id, claims) = k.verify(&k.issue(42, &session, 3)).unwrap();
        assert_eq!((id, claims.epoch), (42, 3));
        assert_eq!((claims.sid, claims.exp), (session.id, session.expires_at));
    }

    #[test]
    fn foreign_tampered_and_expired_tokens_are_rejected() {
        let k = keys("a-test-secret-that-is-long-enough-000");
        let other = keys("another-secret-that-is-long-enough-11");
        assert_eq!(
            k.verify(&other.issue(1, &session(3600), 0)).unwrap_err(),
            TokenError::Invalid
        );
        assert_eq!(k.verify("not.a.jwt").unwrap_err(), TokenError::Invalid);
        let mut token = k.issue(1, &session(3600), 0);
        token.push('x');
        assert_eq!(k.verify(&token).unwrap_err(), TokenError::Invalid);
        assert_eq!(
            k.verify(&k.issue(1, &session(-60), 0)).unwrap_err(),
            TokenError::Expired
        );
    }

    #[test]
    fn form_tokens_hold_for_their_binding_and_secret_only() {
        let k = keys("a-test-secret-that-is-long-enough-000");
        let token = k.form_token("session-1");
        assert!(k.form_token_holds("session-1", &token));
        assert!(!k.form_token_holds("session-2", &token));
        assert!(!k.form_token_holds("session-1", &token[1..]));
        assert!(!k.form_token_holds("session-1", "not hex"));
        let other = keys("another-secret-that-is-long-enough-11");
        assert!(!other.form_token_holds("session-1", &token));
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
