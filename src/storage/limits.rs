//! Rate-limit counters: attempts per bucket in fixed windows (the current one and the one
//! before), in the database so that every replica counts against the same numbers.

use sqlx::Row;

use super::Db;

/// A bucket's attempts in the current window and in the window just before it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hits {
    pub current: i64,
    pub previous: i64,
}

/// Windows are `length` seconds long; `start` is the current one's.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: i64,
    pub length: i64,
}

impl Db {
    /// The attempts counted for each of the two buckets: one read, no write.
    pub async fn rate_hits(
        &self,
        buckets: [&str; 2],
        window: Window,
    ) -> Result<[Hits; 2], sqlx::Error> {
        let rows = sqlx::query(
            "SELECT bucket, window_start, hits, prev_hits FROM rate_limits \
             WHERE bucket IN ($1, $2)",
        )
        .bind(buckets[0])
        .bind(buckets[1])
        .fetch_all(&self.pool)
        .await?;
        let mut hits = [Hits::default(); 2];
        for row in rows {
            let bucket: String = row.try_get("bucket")?;
            let start: i64 = row.try_get("window_start")?;
            let stored = Hits {
                current: row.try_get("hits")?,
                previous: row.try_get("prev_hits")?,
            };
            let seen = if start == window.start {
                stored
            } else if start == window.start - window.length {
                Hits {
                    current: 0,
                    previous: stored.current,
                }
            } else {
                Hits::default()
            };
            for (i, name) in buckets.iter().enumerate() {
                if bucket == *name {
                    hits[i] = seen;
                }
            }
        }
        Ok(hits)
    }

    /// Counts one attempt in `bucket`'s current window (moving the counts along when a new
    /// window has begun) and returns its counts, this attempt included. One statement, so
    /// concurrent attempts on any replica are each counted exactly once.
    pub async fn count_rate_hit(&self, bucket: &str, window: Window) -> Result<Hits, sqlx::Error> {
        let row = sqlx::query(
            "INSERT INTO rate_limits (bucket, window_start, hits, prev_hits) VALUES ($1, $2, 1, 0) \
             ON CONFLICT (bucket) DO UPDATE SET \
                prev_hits = CASE WHEN rate_limits.window_start = excluded.window_start \
                                 THEN rate_limits.prev_hits \
                                 WHEN rate_limits.window_start = excluded.window_start - $3 \
                                 THEN rate_limits.hits ELSE 0 END, \
                hits = CASE WHEN rate_limits.window_start = excluded.window_start \
                            THEN rate_limits.hits + 1 ELSE 1 END, \
                window_start = excluded.window_start \
             RETURNING hits, prev_hits",
        )
        .bind(bucket)
        .bind(window.start)
        .bind(window.length)
        .fetch_one(&self.pool)
        .await?;
        Ok(Hits {
            current: row.try_get("hits")?,
            previous: row.try_get("prev_hits")?,
        })
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
