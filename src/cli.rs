//! The command line (`quill [COMMAND]`), and the commands besides `serve`, `seed`, `export` and
//! `import`: `migrate`, `config`, `doctor`, `healthcheck` and `admin`.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use clap::error::{ContextKind, ContextValue};
use clap::{CommandFactory, Parser, Subcommand};
use secrecy::ExposeSecret;
use sqlx::{Connection, Row};

use crate::seed::SeedSize;
use crate::settings::Settings;
use crate::storage::moderation::Actor;
use crate::storage::{Db, Engine};

const SETTINGS_HELP: &str = "\
Settings come from environment variables (and ./.env), the same for every command: QUILL_ENV,
HOST, PORT, DATA_DIR, DATABASE_URL, JWT_SECRET, PUBLIC_URL and more. `quill config` prints the
effective ones; docs/configuration.md explains each.";

/// What the commands that open the database read.
const DATABASE_HELP: &str = "\
Environment: DATABASE_URL (sqlite:... or postgres://...), else DB_HOST, DB_PORT, DB_NAME,
DB_USERNAME, DB_PASSWORD (or DB_PASSWORD_FILE) and DB_SSLMODE, else SQLite in DATA_DIR.";

// `quill [COMMAND]`: serving when no command is given, so a container's default command is the
// server.
#[derive(Debug, Parser)]
#[command(name = "quill", version, about, after_help = SETTINGS_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// The process's arguments; exits after `--help` or `--version` (code 0) and on misuse
    /// (code 2, the usage on stderr). Clap leaves the usage out when a value is missing or bad:
    /// it is added, for the command the value was meant for.
    pub fn parse_or_exit() -> Self {
        let mut error = match Self::try_parse() {
            Ok(cli) => return cli,
            Err(e) => e,
        };
        if error.use_stderr() && error.get(ContextKind::Usage).is_none() {
            let mut named = Self::command();
            named.build();
            for arg in std::env::args_os().skip(1) {
                match named.find_subcommand(&arg) {
                    Some(sub) => named = sub.clone(),
                    None => break,
                }
            }
            error.insert(
                ContextKind::Usage,
                ContextValue::StyledStr(named.render_usage()),
            );
        }
        error.exit()
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API and the website (the default)
    #[command(after_help = "\
Environment: HOST and PORT (where to listen), DATABASE_URL (see `quill migrate --help`),
QUILL_ENV=production (requires JWT_SECRET, at least 32 bytes), PUBLIC_URL (where readers reach
the site), LOG_LEVEL, LOG_FORMAT; `quill config` lists every setting.")]
    Serve,
    /// Apply pending database migrations and exit
    #[command(after_help = DATABASE_HELP)]
    Migrate,
    /// Print the effective settings, secrets redacted
    #[command(after_help = SETTINGS_HELP)]
    Config,
    /// Diagnose the database connection step by step
    #[command(after_help = DATABASE_HELP)]
    Doctor,
    /// Exit 0 if the local server is alive (for container health checks)
    #[command(after_help = "\
Asks GET /healthz of the server at HOST (127.0.0.1 when it listens on all addresses) and PORT.
Exit code 1 when it is not alive, also for bad settings: Docker reserves 2.")]
    Healthcheck,
    /// Fill an empty database with demo data, in bulk
    ///
    /// Users who follow each other, Markdown articles with tags, claps, comments and bookmarks,
    /// written in bulk rather than through the API. Every user signs in as
    /// <username>@example.com with the password password123. The same sizes give the same site.
    #[command(after_help = DATABASE_HELP, args_override_self = true)]
    Seed(SeedSize),
    /// Write the whole site to FILE (JSON Lines), to move it to another database
    #[command(after_help = DATABASE_HELP)]
    Export {
        /// Where to write; readable by its owner only, as it holds password hashes
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Load a file written by `quill export` into an empty database
    #[command(after_help = DATABASE_HELP)]
    Import {
        /// A file written by `quill export`
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Grant or revoke the admin role (written to the audit log)
    #[command(after_help = DATABASE_HELP)]
    Admin {
        #[command(subcommand)]
        change: RoleChange,
    },
    /// Print the version
    Version,
}

#[derive(Debug, Subcommand)]
pub enum RoleChange {
    /// Make a user an admin (this is how the first admin is made)
    Grant {
        /// The account's username
        username: String,
    },
    /// Make an admin a plain user again
    Revoke {
        /// The account's username
        username: String,
    },
}

/// `quill migrate`.
pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let db = Db::connect_lazy(&settings.database)?;
    db.migrate()
        .await
        .map_err(|e| anyhow::anyhow!("migration failed: {e} (run `quill doctor` to diagnose)"))?;
    let latest = db.latest_migration();
    println!("database is migrated (latest migration {latest})");
    db.close().await;
    Ok(())
}

/// `quill admin`: the way to make the first admin, audited like the API's admin actions.
pub async fn admin(settings: &Settings, change: RoleChange) -> anyhow::Result<()> {
    let db = Db::connect_lazy(&settings.database)?;
    db.migrate()
        .await
        .map_err(|e| anyhow::anyhow!("migration failed: {e} (run `quill doctor` to diagnose)"))?;
    let (grant, username) = match change {
        RoleChange::Grant { username } => (true, username),
        RoleChange::Revoke { username } => (false, username),
    };
    let account = db.set_role(Actor::CommandLine, &username, grant).await?;
    // Running servers' cached answers may show the old role's view.
    if let Err(e) = db.announce_change("quill admin").await {
        eprintln!("warning: could not tell running servers of the change: {e}");
    }
    db.close().await;
    let account = account.ok_or_else(|| anyhow::anyhow!("there is no user named {username:?}"))?;
    println!("{} is now {}", account.username, account.role);
    Ok(())
}

/// `quill config`.
pub fn print_config(settings: &Settings) {
    for line in settings.redacted_lines() {
        println!("{line}");
    }
}

/// `quill healthcheck`: asks the local server's `/healthz`, with no HTTP client in the image.
/// Liveness, not readiness: a container health check that failed during a database outage
/// would make the orchestrator kill every replica in a loop, while restarting cannot bring the
/// database back. The load balancer keeps using `/readyz` to route traffic.
pub fn healthcheck(settings: &Settings) -> bool {
    let host = match settings.host.as_str() {
        "0.0.0.0" | "::" | "[::]" => "127.0.0.1",
        other => other,
    };
    let probe = || -> std::io::Result<bool> {
        let addr = (host, settings.port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| std::io::Error::other("no address"))?;
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(3))?;
        stream.set_read_timeout(Some(Duration::from_secs(3)))?;
        stream.write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
        let mut head = [0u8; 16];
        let n = stream.read(&mut head)?;
        Ok(head[..n].starts_with(b"HTTP/1.1 200") || head[..n].starts_with(b"HTTP/1.0 200"))
    };
    probe().unwrap_or(false)
}

/// One step of `quill doctor`: what was checked, and on failure the usual fix.
struct Step {
    name: &'static str,
    outcome: Result<String, (String, &'static str)>,
}

/// `quill doctor`: name resolution, TCP, TLS and authentication, database, migrations; stops at
/// the first failing step and names the usual fix. Returns whether every step passed.
pub async fn doctor(settings: &Settings) -> bool {
    println!(
        "quill doctor: {}",
        crate::settings::redact_url(settings.database.url.expose_secret())
    );
    let steps = if settings.is_sqlite() {
        sqlite_steps(settings).await
    } else {
        postgres_steps(settings).await
    };
    let mut ok = true;
    for step in steps {
        match step.outcome {
            Ok(detail) => println!("  ok    {}: {detail}", step.name),
            Err((problem, fix)) => {
                println!("  FAIL  {}: {problem}\n        fix: {fix}", step.name);
                ok = false;
                break;
            }
        }
    }
    ok
}

async fn sqlite_steps(settings: &Settings) -> Vec<Step> {
    let mut steps = Vec::new();
    let db = match Db::connect_lazy(&settings.database) {
        Ok(db) => db,
        Err(e) => {
            steps.push(Step {
                name: "data directory",
                outcome: Err((
                    e.to_string(),
                    "make DATA_DIR writable by quill's user, or set DATA_DIR",
                )),
            });
            return steps;
        }
    };
    steps.push(Step {
        name: "data directory",
        outcome: Ok(settings.data_dir.display().to_string()),
    });
    steps.push(Step {
        name: "open database",
        outcome: db.ping().await.map(|()| "SQLite answers".into()).map_err(|e| {
            (e.to_string(), "check the path in DATABASE_URL and that the file and its directory are writable")
        }),
    });
    steps.push(migration_step(&db).await);
    db.close().await;
    steps
}

async fn postgres_steps(settings: &Settings) -> Vec<Step> {
    let mut steps = Vec::new();
    let url = settings.database.url.expose_secret();
    let parsed = match url::Url::parse(url) {
        Ok(u) => u,
        Err(e) => {
            steps.push(Step {
                name: "parse URL",
                outcome: Err((
                    e.to_string(),
                    "fix DATABASE_URL (postgres://user:password@host:5432/db)",
                )),
            });
            return steps;
        }
    };
    let host = parsed.host_str().unwrap_or("localhost").to_string();
    let port = parsed.port().unwrap_or(5432);

    const DNS_FIX: &str = "check DB_HOST for typos; for RDS use the instance endpoint, and enable DNS resolution in the VPC";
    let addr = match tokio::net::lookup_host((host.as_str(), port))
        .await
        .map(|mut a| a.next())
    {
        Ok(Some(addr)) => addr,
        Ok(None) => {
            steps.push(Step {
                name: "resolve host",
                outcome: Err((format!("{host} has no address"), DNS_FIX)),
            });
            return steps;
        }
        Err(e) => {
            steps.push(Step {
                name: "resolve host",
                outcome: Err((format!("cannot resolve {host}: {e}"), DNS_FIX)),
            });
            return steps;
        }
    };
    steps.push(Step {
        name: "resolve host",
        outcome: Ok(format!("{host} -> {}", addr.ip())),
    });

    let tcp =
        tokio::time::timeout(Duration::from_secs(5), tokio::net::TcpStream::connect(addr)).await;
    let tcp_outcome = match tcp {
        Ok(Ok(_)) => Ok(format!("connected to {}", addr)),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => Err((
            format!("connection refused by {}", addr),
            "nothing listens there: is PostgreSQL running, and on this port (DB_PORT)?",
        )),
        Ok(Err(e)) => Err((e.to_string(), "check the network route to the database")),
        Err(_) => Err((
            format!("no answer from {} within 5s", addr),
            "a firewall drops the traffic: on AWS, allow inbound TCP 5432 in the RDS security group \
             from the app's security group, and check that both are in the same VPC",
        )),
    };
    let tcp_ok = tcp_outcome.is_ok();
    steps.push(Step {
        name: "TCP connect",
        outcome: tcp_outcome,
    });
    if !tcp_ok {
        return steps;
    }

    sqlx::any::install_default_drivers();
    let connected =
        tokio::time::timeout(Duration::from_secs(10), sqlx::AnyConnection::connect(url)).await;
    let (step_outcome, conn) = match connected {
        Err(_) => (
            Err((
                "no PostgreSQL handshake within 10s".to_string(),
                "is this port really PostgreSQL?",
            )),
            None,
        ),
        Ok(Ok(conn)) => (
            Ok("TLS (as DB_SSLMODE asks) and password accepted".to_string()),
            Some(conn),
        ),
        Ok(Err(e)) => (Err(classify_connect_error(&e)), None),
    };
    steps.push(Step {
        name: "connect (TLS, password, database)",
        outcome: step_outcome,
    });
    let Some(conn) = conn else { return steps };
    let _ = conn.close().await;

    match Db::connect_lazy(&settings.database) {
        Ok(db) => {
            steps.push(migration_step(&db).await);
            db.close().await;
        }
        Err(e) => steps.push(Step {
            name: "migrations",
            outcome: Err((e.to_string(), "fix DATABASE_URL")),
        }),
    }
    steps
}

fn classify_connect_error(e: &sqlx::Error) -> (String, &'static str) {
    let fix = match e {
        sqlx::Error::Tls(_) => {
            "TLS failed: on RDS use DB_SSLMODE=verify-full with PGSSLROOTCERT naming the RDS CA bundle \
             (the image's default); DB_SSLMODE=disable for a local server without TLS"
        }
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("28P01") => "wrong password: check DB_PASSWORD (or the secret it comes from)",
            Some("28000") => {
                "the server refuses this user or connection: check DB_USERNAME, and on RDS with \
                 rds.force_ssl=1 set DB_SSLMODE=verify-full"
            }
            Some("3D000") => {
                "the database does not exist: create it (CREATE DATABASE ...) or fix DB_NAME"
            }
            Some("53300") => "too many connections: lower DB_POOL_SIZE or raise max_connections",
            _ => "see the server's message above",
        },
        _ if e.to_string().to_lowercase().contains("ssl")
            || e.to_string().to_lowercase().contains("tls") =>
        {
            "TLS failed: on RDS use DB_SSLMODE=verify-full with PGSSLROOTCERT naming the RDS CA bundle \
             (the image's default); DB_SSLMODE=disable for a local server without TLS"
        }
        _ => "see the message above",
    };
    (e.to_string(), fix)
}

async fn migration_step(db: &Db) -> Step {
    let latest = db.latest_migration();
    let applied = sqlx::query("SELECT MAX(version) AS v FROM _sqlx_migrations WHERE success")
        .fetch_one(db.pool())
        .await
        .and_then(|row| row.try_get::<Option<i64>, _>("v"));
    let engine = if db.engine() == Engine::Sqlite {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    let outcome = match applied {
        Ok(Some(v)) if v >= latest => Ok(format!(
            "{engine} schema at {v} (this build needs {latest})"
        )),
        Ok(v) => Err((
            format!("schema at {} but this build needs {latest}", v.unwrap_or(0)),
            "run `quill migrate` (quill also migrates when it starts)",
        )),
        Err(_) => Err((
            "no migrations applied yet".to_string(),
            "run `quill migrate` (quill also migrates when it starts)",
        )),
    };
    Step {
        name: "migrations",
        outcome,
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::{Cli, Command};

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn seed_sizes_take_digit_separators_and_the_last_repeat() {
        let cli = Cli::try_parse_from(["quill", "seed", "--users", "1_000", "--users", "30"]);
        let Ok(Cli {
            command: Some(Command::Seed(size)),
        }) = cli
        else {
            panic!("{cli:?}");
        };
        assert_eq!((size.users, size.articles), (30, 2_000));
        let cli = Cli::try_parse_from(["quill", "seed", "--articles", "1_000_000"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Seed(s)) if s.articles == 1_000_000));
    }
}
