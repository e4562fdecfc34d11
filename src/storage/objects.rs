//! Where uploaded images live: a directory under `DATA_DIR`, or an S3-compatible bucket. Objects
//! are named by their content's hash, so writing one is idempotent and never needs a lock.

use std::str::FromStr;
use std::sync::Arc;

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{Attribute, Attributes, GetResult, ObjectStore, PutOptions, PutPayload};
use secrecy::ExposeSecret;

use crate::settings::{UploadSettings, UploadStore};

/// What browsers and CDNs may do with an object: its name changes whenever its bytes would.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub struct ImageStore {
    store: Arc<dyn ObjectStore>,
    /// A bucket takes the type and caching headers it will serve with; a directory cannot.
    remote: bool,
}

impl ImageStore {
    pub fn new(settings: &UploadSettings) -> anyhow::Result<Self> {
        Ok(match &settings.store {
            UploadStore::Local(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    anyhow::anyhow!("cannot create the uploads directory {}: {e}", dir.display())
                })?;
                Self {
                    store: Arc::new(LocalFileSystem::new_with_prefix(dir)?),
                    remote: false,
                }
            }
            UploadStore::S3(s3) => {
                let mut builder = AmazonS3Builder::new();
                for (key, value) in &s3.aws {
                    if let Ok(key) = AmazonS3ConfigKey::from_str(&key.to_ascii_lowercase()) {
                        builder = builder.with_config(key, value.expose_secret());
                    }
                }
                builder = builder.with_bucket_name(&s3.bucket);
                if let Some(region) = &s3.region {
                    builder = builder.with_region(region);
                }
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder
                        .with_allow_http(endpoint.starts_with("http://"))
                        .with_endpoint(endpoint);
                }
                let store = builder.build().map_err(|e| {
                    anyhow::anyhow!(
                        "UPLOADS_S3_BUCKET={}: cannot use the bucket: {e}",
                        s3.bucket
                    )
                })?;
                Self {
                    store: Arc::new(store),
                    remote: true,
                }
            }
        })
    }

    /// Stores `bytes` as `name` unless an object of that name (hence those bytes) is there.
    pub async fn put(
        &self,
        name: &str,
        content_type: &'static str,
        bytes: Vec<u8>,
    ) -> Result<(), object_store::Error> {
        let path = Path::from(name);
        match self.store.head(&path).await {
            Ok(_) => return Ok(()),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        let mut attributes = Attributes::new();
        if self.remote {
            attributes.insert(Attribute::ContentType, content_type.into());
            attributes.insert(Attribute::CacheControl, IMMUTABLE.into());
        }
        let options = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        self.store
            .put_opts(&path, PutPayload::from(bytes), options)
            .await
            .map(|_| ())
    }

    /// The object `name`, or `None` when there is none.
    pub async fn get(&self, name: &str) -> Result<Option<GetResult>, object_store::Error> {
        match self.store.get(&Path::from(name)).await {
            Ok(found) => Ok(Some(found)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
