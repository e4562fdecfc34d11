use secrecy::SecretString;

use super::{BLANK, max_chars, required, without_nul};

/// A public handle: shown in URLs (`/profiles/{username}`), so no whitespace or slashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub const MAX: usize = 64;

    pub fn parse(raw: Option<String>) -> Result<Self, String> {
        let s = max_chars(required(raw)?.trim().to_string(), Self::MAX)?;
        // `.` and `..` are path steps, not names: `/profiles/..` would never reach a profile.
        if s == "." || s == ".." {
            return Err("is invalid ('.' and '..' cannot name a profile)".into());
        }
        if s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            Ok(Self(s))
        } else {
            Err("is invalid (use letters, digits, '_', '-' and '.')".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address; compared case-insensitively by the storage layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX: usize = 254;

    pub fn parse(raw: Option<String>) -> Result<Self, String> {
        let s = max_chars(required(raw)?.trim().to_string(), Self::MAX)?;
        let valid = match s.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            }
            None => false,
        };
        if valid {
            Ok(Self(s))
        } else {
            Err("is invalid".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A clear-text password on its way to the hasher; never printed.
#[derive(Debug)]
pub struct Password(SecretString);

impl Password {
    pub const MIN: usize = 8;
    /// Bounds the work one request can ask of the hasher.
    pub const MAX: usize = 256;

    pub fn parse(raw: Option<String>) -> Result<Self, String> {
        let s = match raw {
            Some(s) if !s.is_empty() => s,
            _ => return Err(BLANK.into()),
        };
        let len = s.chars().count();
        if len < Self::MIN {
            Err(format!(
                "is too short (minimum is {} characters)",
                Self::MIN
            ))
        } else if len > Self::MAX {
            Err(format!("is too long (maximum is {} characters)", Self::MAX))
        } else {
            Ok(Self(SecretString::from(s)))
        }
    }

    pub fn secret(&self) -> &SecretString {
        &self.0
    }
}

/// A login attempt's password: only checked for presence and the length no password may pass, so
/// the answer never hints at the other rules.
pub fn login_password(raw: Option<String>) -> Result<SecretString, String> {
    match raw {
        // No password longer than this was ever accepted, so it can only be a waste of hashing.
        Some(s) if s.chars().count() > Password::MAX => Err(format!(
            "is too long (maximum is {} characters)",
            Password::MAX
        )),
        Some(s) if !s.is_empty() => Ok(SecretString::from(s)),
        _ => Err(BLANK.into()),
    }
}

/// A login email: only checked for presence; a malformed one simply matches no account.
pub fn required_text(raw: Option<String>) -> Result<String, String> {
    required(raw)
}

/// `bio` and `image` are nullable; an empty string means "clear it".
pub fn optional_text(raw: Option<String>, max: usize) -> Result<Option<String>, String> {
    match raw {
        Some(s) if !s.trim().is_empty() => max_chars(without_nul(s)?, max).map(Some),
        _ => Ok(None),
    }
}

/// Longest profile image address kept.
pub const IMAGE_MAX: usize = 2_048;

/// A profile `image`: like `optional_text`, and an address a page may load as an image: an
/// `http:` or `https:` URL, or a path of quill's own uploads (`/uploads/...`). Anything else
/// (`javascript:`, `data:`, a bare word) would be rendered by clients as they see fit.
pub fn profile_image(raw: Option<String>) -> Result<Option<String>, String> {
    let Some(image) = optional_text(raw, IMAGE_MAX)? else {
        return Ok(None);
    };
    let lower = image.to_ascii_lowercase();
    let web = ["https://", "http://"]
        .iter()
        .find_map(|scheme| lower.strip_prefix(scheme))
        .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
    let upload = lower
        .strip_prefix("/uploads/")
        .is_some_and(|f| !f.is_empty());
    if (web || upload) && !image.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Ok(Some(image))
    } else {
        Err("must be an http(s) URL or an uploaded image's /uploads/ path".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn usernames() {
        assert_eq!(Username::parse(s(" jake ")).unwrap().as_str(), "jake");
        assert_eq!(
            Username::parse(s("김철수_1.x-y")).unwrap().as_str(),
            "김철수_1.x-y"
        );
        assert_eq!(Username::parse(None).unwrap_err(), "can't be blank");
        assert_eq!(Username::parse(s("  ")).unwrap_err(), "can't be blank");
        assert!(
            Username::parse(s("a/b"))
                .unwrap_err()
                .starts_with("is invalid")
        );
        assert!(Username::parse(s("a b")).is_err());
        for dots in [".", ".."] {
            assert!(
                Username::parse(s(dots))
                    .unwrap_err()
                    .starts_with("is invalid")
            );
        }
        assert!(Username::parse(s("...")).is_ok());
        assert!(
            Username::parse(s(&"x".repeat(65)))
                .unwrap_err()
                .contains("maximum is 64")
        );
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(s("Jake@Example.com")).unwrap().as_str(),
            "Jake@Example.com"
        );
        for bad in ["jake", "@x.com", "jake@", "a@b@c", "a b@c.d", "a@.com"] {
            assert_eq!(Email::parse(s(bad)).unwrap_err(), "is invalid", "{bad}");
        }
        assert_eq!(Email::parse(s("")).unwrap_err(), "can't be blank");
    }

    #[test]
    fn passwords() {
        assert!(Password::parse(s("password")).is_ok());
        assert_eq!(Password::parse(s("")).unwrap_err(), "can't be blank");
        assert!(
            Password::parse(s("short"))
                .unwrap_err()
                .contains("minimum is 8")
        );
        assert!(
            Password::parse(s(&"p".repeat(257)))
                .unwrap_err()
                .contains("maximum is 256")
        );
        assert!(
            !format!("{:?}", Password::parse(s("supersecret")).unwrap()).contains("supersecret")
        );
    }

    #[test]
    fn bio_and_image_clear_on_empty() {
        assert_eq!(optional_text(s(""), 10).unwrap(), None);
        assert_eq!(optional_text(None, 10).unwrap(), None);
        assert_eq!(optional_text(s("hi"), 10).unwrap(), s("hi"));
        assert!(optional_text(s("hello world"), 5).is_err());
    }

    #[test]
    fn images_are_web_addresses_or_uploads() {
        for good in [
            "https://example.com/a.jpg",
            "HTTP://example.com",
            "/uploads/abc.png",
        ] {
            assert_eq!(profile_image(s(good)).unwrap(), s(good), "{good}");
        }
        assert_eq!(profile_image(s("")).unwrap(), None);
        for bad in [
            "javascript:alert(1)",
            "data:image/png;base64,AAAA",
            "JavaScript://example.com/%0aalert(1)",
            "https://",
            "https:///path",
            "//example.com/a.jpg",
            "/uploads/",
            "/etc/passwd",
            "https://example.com/a b.jpg",
            "photo.jpg",
        ] {
            assert!(profile_image(s(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn stored_text_never_holds_nul() {
        let nul = "can't contain NUL characters";
        assert_eq!(optional_text(s("a\0b"), 10).unwrap_err(), nul);
        assert_eq!(Username::parse(s("a\0b")).unwrap_err(), nul);
        assert_eq!(Email::parse(s("a\0@b.c")).unwrap_err(), nul);
        assert_eq!(required_text(s("a\0@b.c")).unwrap_err(), nul);
    }
}
