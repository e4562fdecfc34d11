//! The change feed behind read caching: a generation number that moves whenever the site
//! changed. Only a write that changed what readers see moves it: each storage operation says so
//! ([`changed`]) once it has, and a request in which one did moves it in its own process before
//! its answer leaves ([`recording`]). Other processes hear of it through `LISTEN/NOTIFY` on
//! [`CHANNEL`] (PostgreSQL) or the `site_changes` counter in the file (SQLite). A refused
//! request, one to an unknown route, or a write that changed nothing moves nothing, so no
//! stranger can empty the caches. A cached answer is good only for the generation it was made
//! in.

use std::cell::Cell;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::{Notify, watch};

use super::{Db, Engine};

/// The PostgreSQL notification channel every replica listens on; the payload names the sender.
pub const CHANNEL: &str = "quill_changes";

tokio::task_local! {
    /// Whether the request running under [`recording`] changed what readers see.
    static CHANGED: Cell<bool>;
}

/// Runs `work` (a request), and tells whether a storage operation in it changed what readers
/// see.
pub async fn recording<F: Future>(work: F) -> (F::Output, bool) {
    CHANGED
        .scope(Cell::new(false), async {
            let output = work.await;
            (output, CHANGED.with(Cell::get))
        })
        .await
}

/// Said by a storage operation once its write changed what readers see (committed, rows
/// touched); a no-op outside [`recording`].
pub(super) fn changed() {
    let _ = CHANGED.try_with(|c| c.set(true));
}

/// [`changed`] when a statement touched rows: a write that matched nothing changed nothing.
pub(super) fn changed_rows(rows: u64) {
    if rows > 0 {
        changed();
    }
}

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

    /// Records that this process changed the site: its own caches drop what they hold at once,
    /// and the change is announced to the other processes, on PostgreSQL before this returns
    /// (or `wait` runs out). Concurrent writes share one announcement.
    pub async fn wrote(&self, wait: Duration) {
        self.moved();
        let ticket = self.requested.fetch_add(1, Ordering::AcqRel) + 1;
        self.wake.notify_one();
        // On SQLite other processes look every `FILE_POLL` anyway: not worth a wait.
        if self.engine != Engine::Postgres {
            return;
        }
        let mut announced = self.announced.subscribe();
        let _ = tokio::time::timeout(wait, announced.wait_for(|done| *done >= ticket)).await;
    }
}

impl Db {
    /// SQLite's count of the changes announced in the file.
    async fn site_changes(&self) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT generation FROM site_changes")
            .fetch_one(&self.probe)
            .await
    }

    /// Tells every other process that the site changed; also for writes made outside a server,
    /// such as `quill admin`.
    pub async fn announce_change(&self, sender: &str) -> Result<(), sqlx::Error> {
        match self.engine() {
            Engine::Postgres => sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(sender)
                .execute(self.pool())
                .await
                .map(|_| ()),
            Engine::Sqlite => sqlx::query("UPDATE site_changes SET generation = generation + 1")
                .execute(self.pool())
                .await
                .map(|_| ()),
        }
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

/// On SQLite: sees the changes other processes announced in the file (a second server during
/// a restart, `quill import`, `quill admin`), and this one's own once more. Not every commit
/// (`PRAGMA data_version`): a failed sign-in's counter is one, and must not empty the caches.
pub async fn watch_file(db: Db, changes: Arc<Changes>) {
    let mut seen = None;
    loop {
        tokio::time::sleep(FILE_POLL).await;
        if let Ok(version) = db.site_changes().await {
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
