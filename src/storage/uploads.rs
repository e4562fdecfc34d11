//! Uploads: an image checked, re-encoded, stored under its content hash and recorded against
//! its uploader's quota, as one operation that every interface calls.

use object_store::GetResult;
use sqlx::Row;
use tokio::sync::Semaphore;

use super::Db;
use super::objects::ImageStore;
use crate::domain::images::{self, Refusal};
use crate::domain::now_timestamp;
use crate::settings::UploadSettings;

/// The upload feature's state: limits, the store, and the permits for image work.
pub struct Uploads {
    max_bytes: u64,
    max_pixels: u64,
    quota: Option<u64>,
    public_url: String,
    store: ImageStore,
    /// Decoding holds a whole image in memory and a core busy: at most one per core at a time,
    /// so a burst of uploads queues instead of exhausting memory.
    jobs: Semaphore,
}

/// The outcome of an upload.
pub enum Uploading {
    /// Stored and recorded now: the bytes count against the uploader's quota.
    Stored { url: String },
    /// The uploader had stored this image already: nothing changed.
    AlreadyThere { url: String },
    /// Larger than `UPLOAD_MAX_BYTES`.
    TooLarge { max: u64 },
    /// Not an image quill takes.
    Refused(Refusal),
    /// The image would take the uploader past their quota: nothing was recorded.
    OverQuota { quota: i64, used: i64 },
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// The store, or the image work's task, failed.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl Uploads {
    pub fn new(settings: &UploadSettings) -> anyhow::Result<Self> {
        Ok(Self {
            max_bytes: settings.max_bytes,
            max_pixels: settings.max_pixels,
            quota: settings.quota_bytes,
            public_url: settings.public_url.clone(),
            store: ImageStore::new(settings)?,
            jobs: Semaphore::new(std::thread::available_parallelism().map_or(1, |n| n.get())),
        })
    }

    /// The largest file accepted (`UPLOAD_MAX_BYTES`): an interface stops reading past it, so
    /// that a large body never sits in memory whole.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// `uploader` uploads `file`: its type is read from its bytes, it is decoded within the pixel
    /// limit and re-encoded (which strips metadata), stored under its hash and recorded against
    /// the uploader's quota. The same image again answers the same URL and counts once.
    pub async fn upload(
        &self,
        db: &Db,
        uploader: i64,
        file: Vec<u8>,
    ) -> Result<Uploading, UploadError> {
        if file.len() as u64 > self.max_bytes {
            return Ok(Uploading::TooLarge {
                max: self.max_bytes,
            });
        }
        let processed = {
            let _permit = self.jobs.acquire().await.map_err(anyhow::Error::from)?;
            let max_pixels = self.max_pixels;
            match tokio::task::spawn_blocking(move || images::process(&file, max_pixels))
                .await
                .map_err(anyhow::Error::from)?
            {
                Ok(processed) => processed,
                Err(refusal) => return Ok(Uploading::Refused(refusal)),
            }
        };
        let name = format!("{}.{}", processed.hash, processed.format.ext());
        let url = format!("{}/{name}", self.public_url);
        if db.has_upload(uploader, &processed.hash).await? {
            return Ok(Uploading::AlreadyThere { url });
        }
        let size = processed.bytes.len() as i64;
        let quota = self
            .quota
            .map_or(i64::MAX, |q| i64::try_from(q).unwrap_or(i64::MAX));
        // Checked before storing too, so that a user at their quota cannot fill the store.
        let used = db.upload_usage(uploader).await?;
        if used.saturating_add(size) > quota {
            return Ok(Uploading::OverQuota { quota, used });
        }
        // Stored before it is recorded: a recorded upload always has its object. An object whose
        // recording then fails (the quota passed by a concurrent upload) stays, unreferenced.
        self.store
            .put(&name, processed.format.content_type(), processed.bytes)
            .await
            .map_err(|e| anyhow::Error::new(e).context("while storing an upload"))?;
        let ext = processed.format.ext();
        Ok(
            match db
                .record_upload(uploader, &processed.hash, ext, size, quota)
                .await?
            {
                Recording::Added => Uploading::Stored { url },
                Recording::AlreadyThere => Uploading::AlreadyThere { url },
                Recording::OverQuota { used } => Uploading::OverQuota { quota, used },
            },
        )
    }

    /// The stored image named `name` (`<hash>.<ext>`), or `None` when there is none.
    pub async fn image(&self, name: &str) -> anyhow::Result<Option<GetResult>> {
        self.store
            .get(name)
            .await
            .map_err(|e| anyhow::Error::new(e).context("while reading an upload"))
    }
}

enum Recording {
    /// A new row: the bytes now count against the user's quota.
    Added,
    /// The user had uploaded this image before: nothing changed.
    AlreadyThere,
    /// The upload would pass the quota: nothing was written.
    OverQuota { used: i64 },
}

impl Db {
    /// Whether `user` has already uploaded the image named `hash`.
    async fn has_upload(&self, user: i64, hash: &str) -> Result<bool, sqlx::Error> {
        Ok(
            sqlx::query("SELECT 1 FROM uploads WHERE user_id = $1 AND hash = $2")
                .bind(user)
                .bind(hash)
                .fetch_optional(&self.pool)
                .await?
                .is_some(),
        )
    }

    /// The bytes `user`'s uploads hold in all.
    async fn upload_usage(&self, user: i64) -> Result<i64, sqlx::Error> {
        sqlx::query("SELECT bytes FROM upload_usage WHERE user_id = $1")
            .bind(user)
            .fetch_optional(&self.pool)
            .await?
            .map_or(Ok(0), |r| r.try_get("bytes"))
    }

    /// Records that `user` uploaded `size` bytes named `hash`, unless that would take their
    /// uploads past `quota` bytes. One transaction: the row, then the usage by a conditional
    /// upsert whose row lock queues the user's concurrent uploads, so together they cannot pass
    /// the quota; a second upload of the same image waits for the first on the row's key.
    async fn record_upload(
        &self,
        user: i64,
        hash: &str,
        ext: &str,
        size: i64,
        quota: i64,
    ) -> Result<Recording, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        let added = sqlx::query(
            "INSERT INTO uploads (user_id, hash, ext, size, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (user_id, hash) DO NOTHING RETURNING hash",
        )
        .bind(user)
        .bind(hash)
        .bind(ext)
        .bind(size)
        .bind(now_timestamp())
        .fetch_optional(&mut *tx)
        .await?;
        if added.is_none() {
            return Ok(Recording::AlreadyThere);
        }
        let counted = sqlx::query(
            "INSERT INTO upload_usage (user_id, bytes) SELECT $1, $2 WHERE $2 <= $3 \
             ON CONFLICT (user_id) DO UPDATE SET bytes = upload_usage.bytes + excluded.bytes \
             WHERE upload_usage.bytes + excluded.bytes <= $3 RETURNING bytes",
        )
        .bind(user)
        .bind(size)
        .bind(quota)
        .fetch_optional(&mut *tx)
        .await?;
        if counted.is_none() {
            tx.rollback().await?;
            return Ok(Recording::OverQuota {
                used: self.upload_usage(user).await?,
            });
        }
        tx.commit().await?;
        Ok(Recording::Added)
    }
}
