//! Building and running the server: bind, serve, prepare the database in the background, and
//! shut down gracefully.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use secrecy::{ExposeSecret, SecretString};
use tokio::net::TcpListener;

use crate::auth::token::development_secret;
use crate::auth::{PasswordHasher, TokenKeys};
use crate::http::cache::ReadCache;
use crate::http::{self, AppState, Health};
use crate::settings::{Settings, TransportLimits};
use crate::storage::changes::{self, Changes};
use crate::storage::uploads::Uploads;
use crate::storage::{CREDENTIALS_REFUSED, Db, Engine, is_credentials_error};
use crate::web;

pub struct Application {
    listener: TcpListener,
    /// Where the change feed listens (PostgreSQL).
    database_url: SecretString,
    state: AppState,
    router: axum::Router,
    grace: Duration,
    transport: TransportLimits,
}

impl Application {
    /// Binds the port and builds the app. Does not touch the database: it may still be down.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let secret: SecretString = match &settings.jwt.secret {
            Some(s) => s.clone(),
            None => development_secret(&settings.data_dir)?,
        };
        let db = Db::connect_lazy(&settings.database)?;
        let changes = Changes::new(db.engine());
        let state = AppState {
            cache: Arc::new(ReadCache::new(&settings.read_cache, changes)),
            db,
            keys: Arc::new(TokenKeys::new(&secret)),
            session_lifetime: settings.jwt.session_lifetime,
            limits: Arc::new(settings.limits.clone()),
            public_url: settings.public_url.as_str().trim_end_matches('/').into(),
            sitemap_urls_per_file: settings.sitemap_urls_per_file.into(),
            uploads: Arc::new(Uploads::new(&settings.uploads)?),
            hasher: PasswordHasher::new(),
            health: Arc::new(Health::default()),
            metrics: crate::telemetry::metrics(),
            request_timeout: settings.request_timeout,
            site_name: settings.site.name.as_str().into(),
            site_description: settings.site.description.as_str().into(),
        };
        let addr = format!("{}:{}", settings.host, settings.port);
        let listener = TcpListener::bind(&addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e} (set HOST and PORT)"))?;
        let router = http::app(
            state.clone(),
            settings,
            web::router(state.clone()).with_state(state.clone()),
        );
        Ok(Self {
            listener,
            database_url: settings.database.url.clone(),
            state,
            router,
            grace: settings.shutdown_grace,
            transport: settings.transport.clone(),
        })
    }

    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_default()
    }

    /// Serves until `shutdown` resolves, then: readiness turns 503, no new connection is
    /// accepted, requests in flight get up to the grace period, and the pool closes.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Self {
            listener,
            database_url,
            state,
            router,
            grace,
            transport,
        } = self;
        tracing::info!(address = %listener.local_addr()?, engine = ?state.db.engine(), "quill listening");
        let preparing = tokio::spawn(prepare_database(
            state.db.clone(),
            state.health.clone(),
            state.cache.changes.clone(),
        ));
        let upkeep = tokio::spawn(metrics_upkeep(state.metrics.clone()));
        let changes = state.cache.changes.clone();
        let following = vec![
            tokio::spawn(changes::announce(state.db.clone(), changes.clone())),
            match state.db.engine() {
                Engine::Postgres => tokio::spawn(changes::listen(
                    database_url.expose_secret().to_string(),
                    changes,
                )),
                Engine::Sqlite => tokio::spawn(changes::watch_file(state.db.clone(), changes)),
            },
        ];
        let watching = tokio::spawn(watch_database(state.db.clone(), state.health.clone()));
        let purging = tokio::spawn(purge_expired(
            state.db.clone(),
            state.health.clone(),
            state.limits.window,
        ));

        let (stopping_tx, mut stopping_rx) = tokio::sync::watch::channel(false);
        let health = state.health.clone();
        let signal = async move {
            shutdown.await;
            health.begin_shutdown();
            tracing::info!(
                grace_secs = grace.as_secs(),
                "shutting down: finishing requests in flight"
            );
            let _ = stopping_tx.send(true);
        };
        let server = crate::transport::serve(
            listener,
            router,
            transport,
            state.limits.trusted_proxies.clone(),
            signal,
        );
        let deadline = async move {
            let _ = stopping_rx.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(grace).await;
        };
        tokio::select! {
            () = server => {},
            () = deadline => tracing::warn!("grace period over: dropping the requests still in flight"),
        }
        preparing.abort();
        purging.abort();
        upkeep.abort();
        for task in following {
            task.abort();
        }
        watching.abort();
        if tokio::time::timeout(Duration::from_secs(5), state.db.close())
            .await
            .is_err()
        {
            tracing::warn!("database pool did not close within 5s");
        }
        tracing::info!("quill stopped");
        Ok(())
    }
}

/// Migrates the database, retrying with backoff while it is unreachable, then marks the app ready.
async fn prepare_database(db: Db, health: Arc<Health>, changes: Arc<Changes>) {
    let mut delay = Duration::from_millis(250);
    for attempt in 1u32.. {
        match db.migrate().await {
            Ok(()) => {
                health.set_migrated();
                tracing::info!(attempt, "database ready and migrated");
                if render_pending(&db).await {
                    // Answers cached meanwhile, here and on other replicas, lack the HTML.
                    changes.moved();
                    if let Err(e) = db.announce_change("rendering").await {
                        tracing::warn!(error = %e, "could not tell other replicas of the rendering");
                    }
                }
                return;
            }
            Err(e) => {
                tracing::warn!(
                    attempt,
                    retry_in_ms = delay.as_millis() as u64,
                    error = %e,
                    "database not ready; retrying (run `quill doctor` to diagnose)"
                );
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(30));
            }
        }
    }
}

/// How long the watcher waits for the database to answer a ping, and between pings.
const WATCH_PING_TIMEOUT: Duration = Duration::from_secs(1);
const WATCH_PING_EVERY: Duration = Duration::from_millis(250);

/// Confirms suspected outages and sees them end. When a request saw the database fail, pings it
/// on the readiness connection: no answer marks it away (API requests then get 503 at once),
/// and pings go on until it answers again, which ends the outage for every request at once.
async fn watch_database(db: Db, health: Arc<Health>) {
    loop {
        health.database_suspected().await;
        // Refused credentials (a rotated password) are said once per outage, however it began.
        let mut credentials_said = false;
        loop {
            match tokio::time::timeout(WATCH_PING_TIMEOUT, db.ping()).await {
                Ok(Ok(())) => {
                    if health.set_database_away(false) {
                        tracing::info!("database answers again: serving API requests");
                    }
                    break;
                }
                Ok(Err(e)) => {
                    if health.set_database_away(true) {
                        tracing::warn!(error = %e, "database unreachable: answering 503 at once until it is back");
                    }
                    if is_credentials_error(&e) && !credentials_said {
                        credentials_said = true;
                        tracing::error!(error = %e, "{CREDENTIALS_REFUSED}");
                    }
                }
                Err(_) => {
                    if health.set_database_away(true) {
                        tracing::warn!(
                            "database does not answer: answering 503 at once until it does"
                        );
                    }
                }
            }
            tokio::time::sleep(WATCH_PING_EVERY).await;
        }
    }
}

/// How often the metrics recorder folds recorded latencies into its histograms.
const METRICS_UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The recorder keeps every latency sample until it is folded into the histogram, which
/// otherwise happens only when `/metrics` is scraped: unscraped, memory grew by about 20 bytes a
/// request (60 MiB over a 3-million-request benchmark).
async fn metrics_upkeep(metrics: PrometheusHandle) {
    let mut every = tokio::time::interval(METRICS_UPKEEP_EVERY);
    loop {
        every.tick().await;
        metrics.run_upkeep();
    }
}

/// How often expired sessions and finished rate-limit windows are deleted.
const PURGE_EVERY: Duration = Duration::from_secs(300);

/// Deletes expired sessions and the counters of finished rate-limit windows, in batches, every
/// few minutes: requests never do it, and the tables stay the size of what is live. Every
/// replica runs this; the deletes are idempotent.
async fn purge_expired(db: Db, health: Arc<Health>, window: Duration) {
    let mut every = tokio::time::interval(PURGE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if !health.is_migrated() {
            continue;
        }
        // The previous window still counts (see storage::limits); the one before it does not.
        let cutoff = chrono::Utc::now().timestamp() - 2 * window.as_secs() as i64;
        match tokio::try_join!(db.purge_expired_sessions(), db.purge_rate_limits(cutoff)) {
            Ok((0, 0)) => {}
            Ok((sessions, counters)) => {
                tracing::info!(
                    sessions,
                    counters,
                    "purged expired sessions and rate limits"
                )
            }
            Err(e) => tracing::warn!(error = %e, "purging expired sessions failed; retrying later"),
        }
    }
}

/// Renders the Markdown of articles and comments stored before rendering existed. Readers see
/// `bodyHtml: null` on those until this finishes; a failure is retried at the next start.
/// Whether anything was rendered.
async fn render_pending(db: &Db) -> bool {
    match db.render_pending().await {
        Ok((0, 0)) => false,
        Ok((articles, comments)) => {
            tracing::info!(articles, comments, "rendered stored Markdown");
            true
        }
        Err(e) => {
            tracing::warn!(error = %e, "rendering stored Markdown failed; retried at next start");
            false
        }
    }
}

/// Resolves on SIGTERM (orchestrators) or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
