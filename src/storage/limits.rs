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

/// Sign-in failures of one account from one address (`pair`), of the account from anywhere
/// (`account`), and from the address to any account (`address`), with their limits (0: none).
pub struct SignInBuckets<'a> {
    pub pair: &'a str,
    pub account: &'a str,
    pub address: &'a str,
    pub per_account: i64,
    pub per_address: i64,
}

/// Whether a sign-in attempt may go on to the password check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInAttempt {
    /// Counted as a failure in advance; [`Db::sign_in_succeeded`] takes it back.
    Counted,
    /// The account's failures have reached their limit, and this address is among those that
    /// failed; nothing was counted. The account's counts, for the wait.
    AccountLimited(Hits),
    /// The address's failures have reached their limit; nothing was counted.
    AddressLimited(Hits),
}

/// The counts of a row as of `window`: moved along if a new window has begun since.
fn shifted(start: i64, stored: Hits, window: Window) -> Hits {
    if start == window.start {
        stored
    } else if start == window.start - window.length {
        Hits {
            current: 0,
            previous: stored.current,
        }
    } else {
        Hits::default()
    }
}

/// Counts one attempt in `bucket` within the caller's transaction, unless its sliding estimate
/// (this window's attempts, plus the share of the previous window's still inside the last
/// window's length, rounded up) has reached `limit` (0: no limit): `None` then, and nothing is
/// counted. The upsert locks the bucket's row, so concurrent attempts, on any replica, each
/// see every attempt counted before them. `remaining` is the seconds left in the window.
async fn count_within(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    bucket: &str,
    window: Window,
    remaining: i64,
    limit: i64,
) -> Result<Option<Hits>, sqlx::Error> {
    const CURRENT: &str = "(CASE WHEN rate_limits.window_start = excluded.window_start \
                            THEN rate_limits.hits ELSE 0 END)";
    const PREVIOUS: &str = "(CASE WHEN rate_limits.window_start = excluded.window_start \
                             THEN rate_limits.prev_hits \
                             WHEN rate_limits.window_start = excluded.window_start - $3 \
                             THEN rate_limits.hits ELSE 0 END)";
    let row = sqlx::query(&format!(
        "INSERT INTO rate_limits (bucket, window_start, hits, prev_hits) VALUES ($1, $2, 1, 0) \
         ON CONFLICT (bucket) DO UPDATE SET \
            prev_hits = {PREVIOUS}, hits = {CURRENT} + 1, window_start = excluded.window_start \
         WHERE $4 = 0 OR {CURRENT} + ({PREVIOUS} * $5 + $3 - 1) / $3 < $4 \
         RETURNING hits, prev_hits"
    ))
    .bind(bucket)
    .bind(window.start)
    .bind(window.length)
    .bind(limit)
    .bind(remaining)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| {
        Ok(Hits {
            current: r.try_get("hits")?,
            previous: r.try_get("prev_hits")?,
        })
    })
    .transpose()
}

impl Db {
    /// Counts a sign-in attempt as a failure before its password is checked, or refuses it,
    /// in one transaction: the count and the check are one step, so however many attempts
    /// race, on however many replicas, exactly as many as the limits allow get through. The
    /// account's limit holds only for addresses that have failed on the account in the
    /// window: a guesser cannot lock the owner out, who signs in from elsewhere.
    pub async fn sign_in_attempt(
        &self,
        buckets: &SignInBuckets<'_>,
        window: Window,
        now: i64,
    ) -> Result<SignInAttempt, sqlx::Error> {
        let remaining = window.start + window.length - now;
        let mut tx = self.begin_write().await?;
        // Rows are locked in one order (pair, address, account), so attempts cannot deadlock.
        let pair = count_within(&mut tx, buckets.pair, window, remaining, 0)
            .await?
            .unwrap_or_default();
        let failed_here = pair.current + pair.previous > 1;
        if count_within(
            &mut tx,
            buckets.address,
            window,
            remaining,
            buckets.per_address,
        )
        .await?
        .is_none()
        {
            tx.rollback().await?;
            return Ok(SignInAttempt::AddressLimited(
                self.hits(buckets.address, window).await?,
            ));
        }
        let account_limit = if failed_here { buckets.per_account } else { 0 };
        if count_within(&mut tx, buckets.account, window, remaining, account_limit)
            .await?
            .is_none()
        {
            tx.rollback().await?;
            return Ok(SignInAttempt::AccountLimited(
                self.hits(buckets.account, window).await?,
            ));
        }
        tx.commit().await?;
        Ok(SignInAttempt::Counted)
    }

    /// Takes back the failure [`Db::sign_in_attempt`] counted: the password was right. An
    /// attempt whose window has ended since stays counted in the previous window's share. The
    /// rows are updated in the order attempts lock them (pair, address, account), so a refund
    /// and an attempt cannot deadlock.
    pub async fn sign_in_succeeded(
        &self,
        buckets: &SignInBuckets<'_>,
        window: Window,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.begin_write().await?;
        for bucket in [buckets.pair, buckets.address, buckets.account] {
            sqlx::query(
                "UPDATE rate_limits SET hits = hits - 1 \
                 WHERE bucket = $1 AND window_start = $2 AND hits > 0",
            )
            .bind(bucket)
            .bind(window.start)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }

    /// One bucket's counts as of `window`.
    async fn hits(&self, bucket: &str, window: Window) -> Result<Hits, sqlx::Error> {
        let row =
            sqlx::query("SELECT window_start, hits, prev_hits FROM rate_limits WHERE bucket = $1")
                .bind(bucket)
                .fetch_optional(&self.pool)
                .await?;
        row.map_or(Ok(Hits::default()), |r| {
            Ok(shifted(
                r.try_get("window_start")?,
                Hits {
                    current: r.try_get("hits")?,
                    previous: r.try_get("prev_hits")?,
                },
                window,
            ))
        })
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
