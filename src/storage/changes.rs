//! The change feed behind read caching: a generation number that moves whenever the site may have
//! changed. A write moves it in its own process before its answer leaves; on PostgreSQL every
//! other replica hears of it through `LISTEN/NOTIFY` on [`CHANNEL`]. A cached answer is good only
//! for the generation it was made in.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::{Notify, watch};

use super::{Db, Engine};

/// The PostgreSQL notification channel every replica listens on; the payload names the sender.
pub const CHANNEL: &str = "quill_changes";

/// What a process knows of the site's changes.
pub struct Changes {
    generation: AtomicU64,
    /// Whether changes elsewhere reach this process: on SQLite always (see [`watch_file`]), on
    /// PostgreSQL while the listening connection is up. While it is down nothing may be served
    /// from a cache.
    hearing: AtomicBool,
    /// On PostgreSQL: writes to announce, and how many of them have been announced.
    requested: AtomicU64,
    announced: watch::Sender<u64>,
    wake: Notify,
    /// This process's name in notifications, so it does not count its own writes twice.
    replica: String,
    engine: Engine,
}

impl Changes {
    pub fn new(engine: Engine) -> Arc<Self> {
        Arc::new(Self {
            generation: AtomicU64::new(0),
            hearing: AtomicBool::new(engine == Engine::Sqlite),
            requested: AtomicU64::new(0),
            announced: watch::Sender::new(0),
            wake: Notify::new(),
            replica: uuid::Uuid::new_v4().simple().to_string(),
            engine,
        })
    }

    /// The current generation, or `None` while changes elsewhere could go unheard.
    pub fn current(&self) -> Option<u64> {
        self.hearing
            .load(Ordering::Acquire)
            .then(|| self.generation.load(Ordering::Acquire))
    }

    /// Everything cached so far is stale.
    pub fn moved(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Records that this process wrote: its own caches drop what they hold at once, and on
    /// PostgreSQL the write is announced to every replica before this returns (or `wait` runs
    /// out). Concurrent writes share one announcement.
    pub async fn wrote(&self, wait: Duration) {
        self.moved();
        if self.engine != Engine::Postgres {
            return;
        }
        let ticket = self.requested.fetch_add(1, Ordering::AcqRel) + 1;
        self.wake.notify_one();
        let mut announced = self.announced.subscribe();
        let _ = tokio::time::timeout(wait, announced.wait_for(|done| *done >= ticket)).await;
    }
}

impl Db {
    /// SQLite's count of commits made to the file by connections other than the asking one.
    async fn data_version(&self) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("PRAGMA data_version")
            .fetch_one(&self.probe)
            .await
    }

    /// Tells every replica that the site changed (PostgreSQL; a no-op on SQLite), for writes made
    /// outside a server, such as `quill admin`.
    pub async fn announce_change(&self, sender: &str) -> Result<(), sqlx::Error> {
        if self.engine() == Engine::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(sender)
                .execute(self.pool())
                .await?;
        }
        Ok(())
    }
}

/// Announces this replica's writes, one notification for all the writes made while the previous
/// one was on its way. A failed announcement is logged and not retried: the other replicas'
/// caches then catch up when their entries expire (`READ_CACHE_TTL_SECS`).
pub async fn announce(db: Db, changes: Arc<Changes>) {
    loop {
        changes.wake.notified().await;
        let upto = changes.requested.load(Ordering::Acquire);
        if let Err(e) = db.announce_change(&changes.replica).await {
            tracing::warn!(error = %e, "could not announce a write to the other replicas");
        }
        changes.announced.send_replace(upto);
    }
}

/// How often a SQLite server looks for commits made by other processes.
pub const FILE_POLL: Duration = Duration::from_millis(100);

/// On SQLite: sees commits made to the file by other processes (a second server during a
/// restart, `quill import`) and by this one's own pool, which the readiness connection asked
/// here counts as others too.
pub async fn watch_file(db: Db, changes: Arc<Changes>) {
    let mut seen = None;
    loop {
        tokio::time::sleep(FILE_POLL).await;
        if let Ok(version) = db.data_version().await {
            if seen.is_some_and(|seen| seen != version) {
                changes.moved();
            }
            seen = Some(version);
        }
    }
}

/// How long the listener waits before reconnecting, at most.
const RECONNECT_MAX: Duration = Duration::from_secs(10);

/// Hears the other replicas' writes. While the listening connection is down this process serves
/// nothing from its caches, and what they held is dropped when it is back, since writes made
/// meanwhile went unheard.
pub async fn listen(url: String, changes: Arc<Changes>) {
    let mut delay = Duration::from_millis(250);
    loop {
        match subscribe(&url).await {
            Ok(mut listener) => {
                changes.moved();
                changes.hearing.store(true, Ordering::Release);
                delay = Duration::from_millis(250);
                // `Ok(None)` is a lost connection: reconnecting here, not inside the listener,
                // is what lets this replica know its caches missed writes meanwhile.
                while let Ok(Some(note)) = listener.try_recv().await {
                    if note.payload() != changes.replica {
                        changes.moved();
                    }
                }
                changes.hearing.store(false, Ordering::Release);
                tracing::warn!(
                    "lost the connection that hears other replicas' writes: caching paused"
                );
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64,
                    "cannot listen for other replicas' writes: caching paused");
            }
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(RECONNECT_MAX);
    }
}

async fn subscribe(url: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}
