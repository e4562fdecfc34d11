//! Storage: the only place that speaks SQL. One code path serves both engines through sqlx's `Any`
//! driver; the queries use the SQL both dialects share (`$n` parameters, `RETURNING`,
//! `ON CONFLICT`, window functions), and the dialects differ only in their migrations and in the
//! per-connection set-up below.

mod article_rows;
pub mod articles;
pub mod bookmarks;
pub mod bulk;
pub mod changes;
pub mod claps;
pub mod comments;
pub mod feeds;
pub mod limits;
pub mod lists;
pub mod moderation;
pub mod notifications;
pub mod objects;
pub mod profiles;
mod rendering;
mod search;
pub mod sessions;
pub mod tags;
pub mod transfer;
pub mod uploads;
pub mod users;
mod visibility;

use std::path::Path;
use std::str::FromStr;

use secrecy::ExposeSecret;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, Migrator};
use std::future::Future;
use std::pin::Pin;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
use sqlx::{AnyPool, Connection, Executor};

use crate::settings::DatabaseSettings;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A handle to the database; cheap to clone (the pools are shared).
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    /// One connection of its own for readiness pings: a pool saturated by requests must not
    /// mark every replica unready at once, which would take the whole site out of its load
    /// balancer exactly when it is busiest.
    probe: AnyPool,
    engine: Engine,
}

impl Db {
    /// Builds the pool without connecting, so the server can start while the database is down.
    pub fn connect_lazy(settings: &DatabaseSettings) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let url = settings.url.expose_secret();
        let engine = if url.starts_with("sqlite:") {
            Engine::Sqlite
        } else {
            Engine::Postgres
        };
        if engine == Engine::Sqlite {
            ensure_sqlite_dir(url)?;
        }
        let options = AnyConnectOptions::from_str(url)
            .map_err(|e| anyhow::anyhow!("DATABASE_URL is not a valid database URL: {e}"))?;
        let pool = pool_options(engine, settings.pool_size, settings.timeout)
            .connect_lazy_with(options.clone());
        let probe = pool_options(engine, 1, settings.timeout).connect_lazy_with(options);
        Ok(Self {
            pool,
            probe,
            engine,
        })
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Applies pending migrations of this engine; on PostgreSQL an advisory lock lets many
    /// replicas start at once.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        let mut migrator = Migrator::new(Embedded(self.migrator())).await?;
        // During a rolling deploy or a rollback, a replica of the older release may start after
        // a newer one has migrated; migrations only add, so it runs fine on the newer schema.
        migrator.set_ignore_missing(true);
        migrator.run(&self.pool).await
    }

    pub fn migrator(&self) -> &'static Migrator {
        match self.engine {
            Engine::Sqlite => &SQLITE_MIGRATIONS,
            Engine::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// The version of the newest migration this build carries.
    pub fn latest_migration(&self) -> i64 {
        self.migrator()
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or_default()
    }

    /// A transaction that will write. On SQLite it takes the write lock at `BEGIN IMMEDIATE`,
    /// where busy_timeout makes it wait its turn: a deferred transaction that reads first (even
    /// preparing a statement reads the schema) cannot upgrade to writing while another
    /// connection writes, and fails at once with "database is locked" instead of waiting.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.engine {
            Engine::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Engine::Postgres => self.pool.begin().await,
        }
    }

    /// Whether the database answers, on the readiness connection (not the request pool).
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        self.probe.execute("SELECT 1").await.map(|_| ())
    }

    pub async fn close(&self) {
        tokio::join!(self.pool.close(), self.probe.close());
    }
}

/// Pool options for `engine`, with the per-connection set-up each engine needs.
fn pool_options(
    engine: Engine,
    max_connections: u32,
    timeout: std::time::Duration,
) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(timeout)
        // A ping per checkout would double the round trips of every request; a broken
        // connection instead fails its one query (answered 503) and is replaced.
        .test_before_acquire(false)
        // A transaction dropped mid-way is rolled back on its way back to the pool (on SQLite by
        // the connection's worker, which the ping waits for). One that is still open was begun by
        // a `begin` that was itself dropped (sqlx's SQLite `begin` is not safe to cancel): kept,
        // the connection would refuse every later `begin` and hold the write lock, so it closes.
        .after_release(|conn, _meta| {
            Box::pin(async move {
                if conn.is_in_transaction() {
                    conn.ping().await?;
                }
                Ok(!conn.is_in_transaction())
            })
        })
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                match engine {
                    // WAL lets readers run beside the single writer; busy_timeout makes
                    // concurrent writers queue instead of failing with SQLITE_BUSY.
                    Engine::Sqlite => conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                    ),
                    // Every statement is prepared once per connection, and its best plan
                    // does not depend on the ids bound to it. PostgreSQL would still plan
                    // the list queries afresh on every run (their generic plan's estimate
                    // looks worse), and planning them costs more than running them: 0.56 ms
                    // against 0.48 ms for the feed, 0.01 ms once the generic plan is kept.
                    // A generic plan cannot see the page size, so at a million articles its
                    // cost estimate passed JIT's threshold, and compiling took 207 ms of a
                    // 238 ms list query: JIT never pays off for queries this short. For the
                    // same reason (a generic plan's LIMIT is a parameter, so it expects
                    // thousands of rows), the tag list planned a parallel worker at a million
                    // articles, whose start-up cost 5 ms of a 7 ms query: 562 req/s by tag
                    // with it, 4,529 without.
                    Engine::Postgres => conn.execute(
                        "SET plan_cache_mode = force_generic_plan; SET jit = off; \
                         SET max_parallel_workers_per_gather = 0",
                    ),
                }
                .await?;
                Ok(())
            })
        })
}

/// The migrations compiled into the binary, as a source for a [`Migrator`] we can configure.
#[derive(Debug)]
struct Embedded(&'static Migrator);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(self) -> BoxFuture<'s, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move { Ok(self.0.iter().cloned().collect()) })
    }
}

fn ensure_sqlite_dir(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(dir) = Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|e| {
            anyhow::anyhow!("cannot create the SQLite directory {}: {e}", dir.display())
        })?;
    }
    Ok(())
}

/// True when `e` is a unique-constraint violation, on either engine.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// How many times a write that PostgreSQL aborted to break a deadlock is run again.
const DEADLOCK_RETRIES: u32 = 3;

/// Runs `write` (one transaction, or one statement) again when PostgreSQL aborted it to break a
/// deadlock. Writes to many articles at once (a suspension, deleting an account) take their
/// articles' counters (the readers' favorite counts, the shards, the tags) article by article,
/// an order single-article writes cannot always share. PostgreSQL then aborts one of the two
/// after `deadlock_timeout`; run again, it finds the other done.
pub(crate) async fn retry_deadlocks<T, F: Future<Output = Result<T, sqlx::Error>>>(
    mut write: impl FnMut() -> F,
) -> Result<T, sqlx::Error> {
    let mut retries = 0;
    loop {
        match write().await {
            Err(e) if is_deadlock(&e) && retries < DEADLOCK_RETRIES => {
                retries += 1;
                tracing::info!(error = %e, retries, "a write lost a deadlock; running it again");
            }
            done => return done,
        }
    }
}

/// PostgreSQL's deadlock_detected (40P01).
fn is_deadlock(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("40P01"))
}

/// What to log when the database refuses quill's user or password, e.g. after a rotation.
pub const CREDENTIALS_REFUSED: &str = "the database refused quill's credentials: check \
     DB_USERNAME and DB_PASSWORD (or DATABASE_URL); `quill doctor` shows the failing step";

/// True when the database refused the user or password (PostgreSQL 28P01, 28000).
pub fn is_credentials_error(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db)
        if matches!(db.code().as_deref(), Some("28P01" | "28000")))
}

/// True when `e` is a foreign-key violation (what it pointed at was deleted meanwhile).
pub(crate) fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_foreign_key_violation())
}

/// SQL text with numbered `$n` parameters, for queries whose filters vary.
pub(crate) struct Sql {
    pub text: String,
    params: usize,
}

impl Sql {
    pub fn new(text: &str, params_used: usize) -> Self {
        Self {
            text: text.to_string(),
            params: params_used,
        }
    }

    /// The number of the last parameter taken, for referring to it again.
    pub fn params(&self) -> usize {
        self.params
    }

    /// Takes the next parameter number, for a value that a fragment built elsewhere refers to.
    pub fn param(&mut self) -> usize {
        self.params += 1;
        self.params
    }

    /// Appends `fragment`, replacing each `{}` with the next parameter number.
    pub fn push(&mut self, fragment: &str) -> &mut Self {
        let mut parts = fragment.split("{}");
        if let Some(first) = parts.next() {
            self.text.push_str(first);
        }
        for part in parts {
            self.params += 1;
            self.text.push('$');
            self.text.push_str(&self.params.to_string());
            self.text.push_str(part);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::Sql;

    #[test]
    fn sql_numbers_parameters_in_order() {
        let mut sql = Sql::new("SELECT 1 WHERE a = $1", 1);
        sql.push(" AND b = {} AND c IN ({}, {})").push(" LIMIT {}");
        assert_eq!(
            sql.text,
            "SELECT 1 WHERE a = $1 AND b = $2 AND c IN ($3, $4) LIMIT $5"
        );
    }
}
