//! Rate-limit counters: attempts per bucket in fixed windows, in the database so that every
//! replica counts against the same numbers.

use sqlx::Row;

use super::Db;

impl Db {
    /// Attempts already counted in the window starting at `window_start`, for each of the two
    /// buckets: one read, no write.
    pub async fn rate_hits(
        &self,
        buckets: [&str; 2],
        window_start: i64,
    ) -> Result<[i64; 2], sqlx::Error> {
        let rows = sqlx::query(
            "SELECT bucket, hits FROM rate_limits \
             WHERE window_start = $1 AND bucket IN ($2, $3)",
        )
        .bind(window_start)
        .bind(buckets[0])
        .bind(buckets[1])
        .fetch_all(&self.pool)
        .await?;
        let mut hits = [0; 2];
        for row in rows {
            let bucket: String = row.try_get("bucket")?;
            for (i, name) in buckets.iter().enumerate() {
                if bucket == *name {
                    hits[i] = row.try_get("hits")?;
                }
            }
        }
        Ok(hits)
    }

    /// Counts one attempt in `bucket`'s window starting at `window_start` (a new window starts
    /// over) and returns the attempts in it so far, this one included. One statement, so
    /// concurrent attempts on any replica are each counted exactly once.
    pub async fn count_rate_hit(
        &self,
        bucket: &str,
        window_start: i64,
    ) -> Result<i64, sqlx::Error> {
        sqlx::query(
            "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (bucket) DO UPDATE SET \
                hits = CASE WHEN rate_limits.window_start = excluded.window_start \
                            THEN rate_limits.hits + 1 ELSE 1 END, \
                window_start = excluded.window_start \
             RETURNING hits",
        )
        .bind(bucket)
        .bind(window_start)
        .fetch_one(&self.pool)
        .await?
        .try_get("hits")
    }

    /// Deletes the counters of windows that started before `cutoff`, in small batches.
    pub async fn purge_rate_limits(&self, cutoff: i64) -> Result<u64, sqlx::Error> {
        self.purge_in_batches(
            "DELETE FROM rate_limits WHERE bucket IN \
             (SELECT bucket FROM rate_limits WHERE window_start < $1 LIMIT $2)",
            cutoff,
        )
        .await
    }
}
