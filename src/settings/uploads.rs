//! Upload settings: limits, quota, and where images are stored and served from.

use std::path::Path;

use secrecy::SecretString;

use super::{ConfigError, Source};

#[derive(Debug, Clone)]
pub struct UploadSettings {
    /// The largest file accepted, in bytes.
    pub max_bytes: u64,
    /// The most pixels an image may have (all frames of an animated GIF together).
    pub max_pixels: u64,
    /// The bytes one user's uploads may hold in all; `None`: no quota.
    pub quota_bytes: Option<u64>,
    pub store: UploadStore,
    /// Upload URLs are this plus `/<hash>.<ext>`; no trailing slash.
    pub public_url: String,
}

#[derive(Debug, Clone)]
pub enum UploadStore {
    /// A directory (`DATA_DIR/uploads`), served by quill itself at `/uploads/`.
    Local(std::path::PathBuf),
    S3(S3Settings),
}

#[derive(Debug, Clone)]
pub struct S3Settings {
    pub bucket: String,
    pub region: Option<String>,
    pub endpoint: Option<String>,
    /// The `AWS_*` variables (credentials, region, container and web-identity credentials), as
    /// AWS SDKs read them; secret, since some are.
    pub aws: Vec<(String, SecretString)>,
}

const MIB: u64 = 1024 * 1024;

pub(super) fn load(
    src: &Source,
    data_dir: &Path,
    public_url: &url::Url,
) -> Result<UploadSettings, ConfigError> {
    let positive = |name: &str, default: u64, hint: &str| match src.parse(name, default, hint)? {
        0 => Err(ConfigError::new(format!("{name} must be at least 1"))),
        n => Ok(n),
    };
    let max_bytes = positive("UPLOAD_MAX_BYTES", 5 * MIB, "a number of bytes")?;
    let max_pixels = positive("UPLOAD_MAX_PIXELS", 25_000_000, "a number of pixels")?;
    let quota_bytes = match src.parse("UPLOAD_QUOTA_BYTES", 100 * MIB, "bytes, 0 for no quota")? {
        0 => None,
        n => Some(n),
    };
    let store = match src.get("UPLOADS_S3_BUCKET") {
        None => UploadStore::Local(data_dir.join("uploads")),
        Some(bucket) => UploadStore::S3(S3Settings {
            bucket,
            region: src
                .get("UPLOADS_S3_REGION")
                .or_else(|| src.get("AWS_REGION"))
                .or_else(|| src.get("AWS_DEFAULT_REGION")),
            endpoint: match src.get("UPLOADS_S3_ENDPOINT") {
                Some(e) => Some(absolute("UPLOADS_S3_ENDPOINT", &e)?.to_string()),
                None => None,
            },
            aws: src
                .vars
                .iter()
                .filter(|(k, v)| k.starts_with("AWS_") && !v.is_empty())
                .map(|(k, v)| (k.clone(), SecretString::from(v.clone())))
                .collect(),
        }),
    };
    let public_url = match (src.get("UPLOADS_PUBLIC_URL"), &store) {
        (Some(raw), _) => absolute("UPLOADS_PUBLIC_URL", &raw)?.to_string(),
        (None, UploadStore::Local(_)) => {
            format!("{}/uploads", public_url.as_str().trim_end_matches('/'))
        }
        (None, UploadStore::S3(s3)) => match &s3.endpoint {
            Some(endpoint) => format!("{endpoint}/{}", s3.bucket),
            None => format!(
                "https://{}.s3.{}.amazonaws.com",
                s3.bucket,
                s3.region.as_deref().unwrap_or("us-east-1")
            ),
        },
    };
    Ok(UploadSettings {
        max_bytes,
        max_pixels,
        quota_bytes,
        store,
        public_url,
    })
}

/// An absolute http(s) URL, without its trailing slash.
fn absolute(name: &str, raw: &str) -> Result<String, ConfigError> {
    match url::Url::parse(raw) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
            Ok(raw.trim_end_matches('/').to_string())
        }
        _ => Err(ConfigError::new(format!(
            "{name}={raw} is not valid: expected an absolute http(s) URL"
        ))),
    }
}

impl UploadSettings {
    /// `NAME=value` lines for `quill config`, the `AWS_*` values redacted.
    pub fn redacted_lines(&self) -> Vec<String> {
        let mut lines = vec![
            format!("UPLOAD_MAX_BYTES={}", self.max_bytes),
            format!("UPLOAD_MAX_PIXELS={}", self.max_pixels),
            format!("UPLOAD_QUOTA_BYTES={}", self.quota_bytes.unwrap_or(0)),
            format!("UPLOADS_PUBLIC_URL={}", self.public_url),
        ];
        match &self.store {
            UploadStore::Local(dir) => lines.push(format!(
                "UPLOADS_S3_BUCKET=(none: stored in {})",
                dir.display()
            )),
            UploadStore::S3(s3) => {
                lines.push(format!("UPLOADS_S3_BUCKET={}", s3.bucket));
                lines.push(format!(
                    "UPLOADS_S3_REGION={}",
                    s3.region.as_deref().unwrap_or("(default)")
                ));
                lines.push(format!(
                    "UPLOADS_S3_ENDPOINT={}",
                    s3.endpoint.as_deref().unwrap_or("(AWS)")
                ));
                lines.extend(s3.aws.iter().map(|(k, _)| format!("{k}=[redacted]")));
            }
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Settings, Source};
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<UploadSettings, ConfigError> {
        Settings::load(&Source::from_pairs(pairs.iter().copied())).map(|s| s.uploads)
    }

    #[test]
    fn uploads_default_to_the_data_directory_under_public_url() {
        let s = load(&[
            ("PUBLIC_URL", "https://blog.example.com/"),
            ("DATA_DIR", "/srv/quill"),
        ])
        .unwrap();
        assert_eq!((s.max_bytes, s.max_pixels), (5 * MIB, 25_000_000));
        assert_eq!(s.quota_bytes, Some(100 * MIB));
        assert!(
            matches!(&s.store, UploadStore::Local(dir) if dir == Path::new("/srv/quill/uploads"))
        );
        assert_eq!(s.public_url, "https://blog.example.com/uploads");
        assert_eq!(
            load(&[("UPLOAD_QUOTA_BYTES", "0")]).unwrap().quota_bytes,
            None
        );
    }

    #[test]
    fn a_bucket_gets_its_own_public_url_and_keeps_credentials_secret() {
        let s = load(&[
            ("UPLOADS_S3_BUCKET", "media"),
            ("AWS_REGION", "eu-west-1"),
            ("AWS_SECRET_ACCESS_KEY", "s3cr3t-key-never-shown"),
        ])
        .unwrap();
        assert_eq!(s.public_url, "https://media.s3.eu-west-1.amazonaws.com");
        assert!(!format!("{s:?}").contains("s3cr3t"));
        assert!(!s.redacted_lines().join("\n").contains("s3cr3t"));
        let s = load(&[
            ("UPLOADS_S3_BUCKET", "media"),
            ("UPLOADS_S3_ENDPOINT", "http://127.0.0.1:9000/"),
        ])
        .unwrap();
        assert_eq!(s.public_url, "http://127.0.0.1:9000/media");
        let s = load(&[("UPLOADS_PUBLIC_URL", "https://cdn.example.com/img/")]).unwrap();
        assert_eq!(s.public_url, "https://cdn.example.com/img");
    }

    #[test]
    fn bad_upload_settings_name_their_variable() {
        for (name, value) in [
            ("UPLOAD_MAX_BYTES", "0"),
            ("UPLOAD_MAX_PIXELS", "lots"),
            ("UPLOAD_QUOTA_BYTES", "-1"),
            ("UPLOADS_PUBLIC_URL", "cdn.example.com"),
        ] {
            let err = load(&[(name, value)]).unwrap_err().to_string();
            assert!(err.starts_with(name), "{err}");
        }
        let err = load(&[
            ("UPLOADS_S3_BUCKET", "b"),
            ("UPLOADS_S3_ENDPOINT", "minio:9000"),
        ])
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("UPLOADS_S3_ENDPOINT"), "{err}");
    }
}
