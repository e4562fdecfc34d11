//! Database chaos under a steady mixed load, on a PostgreSQL cluster of the test's own (so that
//! restarting it disturbs no other test): every connection dropped, the network stalled for
//! longer than the request deadline, PostgreSQL restarted with a fast and with a slow (smart)
//! shutdown. Throughout, quill answers 2xx or 503 with `Retry-After` and nothing else; once an
//! outage is known it answers 503 within 100 ms; it recovers within 5 s of the database
//! returning; and every write it acknowledged is there afterwards. A password rotated under a
//! running replica is a 503 and a log line naming the settings to check.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{ServerProcess, TestApp, postgres_server, settings, spawn_with};
use crate::proxy::ChaosProxy;

const REQUEST_TIMEOUT_SECS: u64 = 2;
/// A request may take this long to be refused once quill knows the database is away.
const FAST_FAIL: Duration = Duration::from_millis(100);
const RECOVERY: Duration = Duration::from_secs(5);

/// A PostgreSQL cluster in a temporary directory, on a port of its own.
struct PrivatePostgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl PrivatePostgres {
    /// Anyone may connect as `postgres`.
    fn create() -> Self {
        Self::init(None)
    }

    /// `postgres` must give `password`.
    fn with_password(password: &str) -> Self {
        Self::init(Some(password))
    }

    fn init(password: Option<&str>) -> Self {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's server binaries (Debian: apt install postgresql)")
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .find(|b| b.join("initdb").exists())
            .expect("initdb under /usr/lib/postgresql/*/bin");
        let dir = std::env::temp_dir().join(format!("quill-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let pg = Self { bin, dir, port };
        // PostgreSQL refuses to run as root: hand the directory to its own user.
        if Self::as_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&pg.dir)
                .status()
                .unwrap();
            assert!(status.success());
        }
        let mut args = vec![
            "-D".to_string(),
            pg.data(),
            "-U".into(),
            "postgres".into(),
            "--no-sync".into(),
        ];
        match password {
            None => args.extend(["-A".into(), "trust".into()]),
            Some(password) => {
                let file = pg.dir.join("pwfile");
                std::fs::write(&file, password).unwrap();
                if Self::as_root() {
                    Command::new("chown")
                        .arg("postgres")
                        .arg(&file)
                        .status()
                        .unwrap();
                }
                args.extend([
                    "-A".into(),
                    "scram-sha-256".into(),
                    format!("--pwfile={}", file.display()),
                ]);
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert!(pg.run("initdb", &args));
        pg.start();
        pg
    }

    fn as_root() -> bool {
        Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) -> bool {
        let program = self.bin.join(tool);
        let mut command = if Self::as_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        let out = command.args(args).output().unwrap();
        if !out.status.success() {
            eprintln!(
                "{tool} {args:?}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        out.status.success()
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("log").display().to_string();
        assert!(self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-o",
                &options,
                "-w",
                "start"
            ]
        ));
    }

    /// `fast` ends every session at once; `smart` waits for clients to leave (quill's pool never
    /// does), so after `patience` it is made fast, as an operator would.
    fn stop(&self, mode: &str, patience: Duration) {
        let secs = patience.as_secs().max(1).to_string();
        if !self.run(
            "pg_ctl",
            &["-D", &self.data(), "-m", mode, "-t", &secs, "-w", "stop"],
        ) {
            assert!(self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]));
        }
    }

    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "immediate", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One answered request.
#[derive(Debug)]
struct Outcome {
    started: Instant,
    latency: Duration,
    write: bool,
    /// The status, or the transport error.
    answer: Result<StatusCode, String>,
    retry_after: bool,
    /// The slug of an article whose creation was acknowledged.
    slug: Option<String>,
}

/// Several clients, each alternating an article creation and a list read, until told to stop.
async fn steady_load(app: &TestApp, token: &str, stop: Arc<AtomicBool>) -> Vec<Outcome> {
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let clients = (0..4).map(|client_no| {
        let (base, token, stop, outcomes) = (
            app.base.clone(),
            token.to_string(),
            stop.clone(),
            outcomes.clone(),
        );
        tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()
                .unwrap();
            let mut n = 0u64;
            while !stop.load(Ordering::Acquire) {
                n += 1;
                let write = n.is_multiple_of(2);
                let request = if write {
                    client
                        .post(format!("{base}/api/articles"))
                        .json(&json!({"article": {
                            "title": format!("Chaos {client_no}-{n}"),
                            "description": "d",
                            "body": "b",
                        }}))
                } else {
                    client.get(format!("{base}/api/articles?limit=5"))
                };
                let started = Instant::now();
                let res = request
                    .header("Authorization", format!("Token {token}"))
                    .send()
                    .await;
                let latency = started.elapsed();
                let outcome = match res {
                    Ok(res) => {
                        let status = res.status();
                        let retry_after = res.headers().contains_key("retry-after");
                        let body: serde_json::Value = res.json().await.unwrap_or_default();
                        Outcome {
                            started,
                            latency,
                            write,
                            answer: Ok(status),
                            retry_after,
                            slug: (write && status.is_success())
                                .then(|| body["article"]["slug"].as_str().unwrap().to_string()),
                        }
                    }
                    Err(e) => Outcome {
                        started,
                        latency,
                        write,
                        answer: Err(e.to_string()),
                        retry_after: false,
                        slug: None,
                    },
                };
                outcomes.lock().unwrap().push(outcome);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    });
    for client in futures_util::future::join_all(clients).await {
        client.unwrap();
    }
    std::mem::take(&mut *outcomes.lock().unwrap())
}

/// How long until a read succeeds again.
async fn recovery_time(app: &TestApp) -> Duration {
    let start = Instant::now();
    while app.get("/api/tags", None).await.0 != StatusCode::OK {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no recovery at all"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    start.elapsed()
}

/// An outage, from when quill must know of it to when it ends.
struct Outage {
    name: &'static str,
    known_from: Instant,
    until: Instant,
}

/// The database's password is rotated under a running replica (as RDS rotations do): requests
/// answer 503, the log names the settings to fix, and the replica recovers when it can sign in
/// again, without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_database_password_is_a_503_and_a_clear_log_line() {
    if postgres_server().is_none() {
        return;
    }
    let pg = PrivatePostgres::with_password("first-password");
    let admin =
        |password: &str| format!("postgres://postgres:{password}@{}/postgres", pg.address());
    let server = ServerProcess::start_on(&admin("first-password"), &[]).await;
    let app = &server.app;
    app.register("before").await;
    let rotate = |from: &str, to: &str| {
        let (from, to) = (admin(from), to.to_string());
        async move {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&from).await.unwrap();
            for statement in [
                format!("ALTER USER postgres PASSWORD '{to}'"),
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'"
                    .to_string(),
            ] {
                sqlx::Executor::execute(&mut conn, statement.as_str())
                    .await
                    .unwrap();
            }
        }
    };
    rotate("first-password", "rotated-password").await;
    // Connections in the pool are cut first (503s for those), then new ones are refused: the
    // log must say why within a few seconds, while every answer stays a 2xx or a 503.
    let mut refused = 0;
    let started = std::time::Instant::now();
    while !server
        .log()
        .contains("the database refused quill's credentials: check DB_USERNAME")
    {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no clear log line:\n{}",
            server.log()
        );
        let res = app
            .client
            .get(format!("{}/api/articles", app.base))
            .send()
            .await
            .unwrap();
        let status = res.status();
        assert!(
            status == StatusCode::OK || status == StatusCode::SERVICE_UNAVAILABLE,
            "{status}"
        );
        if status == StatusCode::SERVICE_UNAVAILABLE {
            assert!(res.headers().contains_key("retry-after"));
            let body: serde_json::Value = res.json().await.unwrap();
            assert!(body["errors"]["database"][0].is_string(), "{body}");
            refused += 1;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, _) = app.get("/api/articles", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(refused > 0);
    let log = server.log();
    assert!(!log.contains("first-password") && !log.contains("rotated-password"));
    // Rotated back: the replica recovers by itself.
    rotate("rotated-password", "first-password").await;
    assert!(recovery_time(app).await < RECOVERY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn database_chaos_loses_no_acknowledged_write() {
    if postgres_server().is_none() {
        return;
    }
    let pg = PrivatePostgres::create();
    let proxy = ChaosProxy::reserve(&pg.address()).await;
    proxy.up().await;
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres", proxy.port());
    let app = spawn_with(settings(
        &url,
        &[
            ("REQUEST_TIMEOUT_SECS", &REQUEST_TIMEOUT_SECS.to_string()),
            ("DB_TIMEOUT_SECS", "5"),
        ],
    ))
    .await;
    app.wait_ready().await;
    let token = app.register("chaos").await;

    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (app, token, stop) = (
            TestApp {
                base: app.base.clone(),
                client: app.client.clone(),
            },
            token.clone(),
            stop.clone(),
        );
        tokio::spawn(async move { steady_load(&app, &token, stop).await })
    };
    let mut outages = Vec::new();
    let mut recoveries = Vec::new();
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // (a) Every connection dropped, new ones refused.
    proxy.down().await;
    let began = Instant::now();
    tokio::time::sleep(Duration::from_secs(3)).await;
    outages.push(Outage {
        name: "connections dropped",
        known_from: began + Duration::from_secs(1),
        until: Instant::now(),
    });
    proxy.up().await;
    recoveries.push(("connections dropped", recovery_time(&app).await));
    tokio::time::sleep(Duration::from_secs(1)).await;

    // (b) The network stalls for longer than the request deadline: requests in flight run out
    // of time, and the watcher's ping gets no answer either.
    proxy.stall();
    let began = Instant::now();
    tokio::time::sleep(Duration::from_secs(7)).await;
    outages.push(Outage {
        name: "stalled",
        known_from: began + Duration::from_secs(REQUEST_TIMEOUT_SECS + 2),
        until: Instant::now(),
    });
    proxy.resume();
    recoveries.push(("stalled", recovery_time(&app).await));
    tokio::time::sleep(Duration::from_secs(1)).await;

    // (c) PostgreSQL itself restarted: fast shutdown, then smart (slow) shutdown.
    for mode in ["fast", "smart"] {
        pg.stop(mode, Duration::from_secs(3));
        let stopped = Instant::now();
        tokio::time::sleep(Duration::from_millis(2500)).await;
        outages.push(Outage {
            name: if mode == "fast" {
                "fast shutdown"
            } else {
                "smart shutdown"
            },
            known_from: stopped + Duration::from_secs(1),
            until: Instant::now(),
        });
        pg.start();
        recoveries.push((mode, recovery_time(&app).await));
        tokio::time::sleep(Duration::from_secs(1)).await;
    }

    stop.store(true, Ordering::Release);
    let outcomes = load.await.unwrap();

    let acknowledged: Vec<&String> = outcomes.iter().filter_map(|o| o.slug.as_ref()).collect();
    assert!(
        acknowledged.len() >= 20,
        "too little load got through: {}",
        acknowledged.len()
    );
    for o in &outcomes {
        match &o.answer {
            Ok(status) if status.is_success() => {}
            Ok(StatusCode::SERVICE_UNAVAILABLE) => {
                assert!(o.retry_after, "a 503 without Retry-After: {o:?}")
            }
            other => panic!("neither 2xx nor 503: {other:?} ({o:?})"),
        }
    }
    for outage in &outages {
        let during: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| o.started >= outage.known_from && o.started + o.latency < outage.until)
            .collect();
        assert!(
            during.len() >= 10,
            "{}: only {} requests",
            outage.name,
            during.len()
        );
        for o in during {
            assert_eq!(
                o.answer,
                Ok(StatusCode::SERVICE_UNAVAILABLE),
                "{}: {o:?}",
                outage.name
            );
            assert!(
                o.latency < FAST_FAIL,
                "{}: a 503 took {:?}",
                outage.name,
                o.latency
            );
        }
    }
    for (name, took) in recoveries {
        assert!(took < RECOVERY, "{name}: recovered only after {took:?}");
    }
    let writes = outcomes.iter().filter(|o| o.write).count();
    eprintln!(
        "{} requests, {writes} writes, {} acknowledged",
        outcomes.len(),
        acknowledged.len()
    );
    // Every acknowledged write is there.
    for slug in acknowledged {
        let (status, body) = app.get(&format!("/api/articles/{slug}"), None).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "acknowledged {slug} is missing: {body}"
        );
    }
}
