//! Uploads: which user stored which image, and each user's bytes against their quota.

use sqlx::Row;

use super::Db;

pub enum Recording {
    /// A new row: the bytes now count against the user's quota.
    Added,
    /// The user had uploaded this image before: nothing changed.
    AlreadyThere,
    /// The upload would pass the quota: nothing was written.
    OverQuota { used: i64 },
}

impl Db {
    /// Whether `user` has already uploaded the image named `hash`.
    pub async fn has_upload(&self, user: i64, hash: &str) -> Result<bool, sqlx::Error> {
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
    pub async fn upload_usage(&self, user: i64) -> Result<i64, sqlx::Error> {
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
    pub async fn record_upload(
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
        .bind(crate::domain::now_timestamp())
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
