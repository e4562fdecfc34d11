//! `spawn_app()`: the real server on a random port with a fresh database of its own.

use std::future::Future;
use std::time::Duration;

use quill::settings::{Settings, Source};
use quill::startup::Application;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub const JWT_SECRET: &str = "integration-test-secret-0123456789abcdef";

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
}

/// The PostgreSQL server the tests use (each test creates its own database on it), or `None`
/// to skip PostgreSQL runs locally. CI must set it.
pub fn postgres_server() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url.trim_end_matches('/').to_string()),
        _ if std::env::var_os("CI").is_some() => panic!("TEST_DATABASE_URL must be set in CI"),
        _ => None,
    }
}

/// A fresh, empty database URL for `engine`.
pub async fn fresh_database(engine: Engine) -> String {
    let name = format!("quill_test_{}", uuid::Uuid::new_v4().simple());
    match engine {
        Engine::Sqlite => {
            let dir = std::env::temp_dir().join(&name);
            std::fs::create_dir_all(&dir).unwrap();
            let url = format!("sqlite://{}?mode=rwc", dir.join("quill.db").display());
            remember(&url);
            url
        }
        Engine::Postgres => {
            let server = postgres_server().expect("PostgreSQL runs need TEST_DATABASE_URL");
            create_postgres_database(&server, &name).await;
            format!("{server}/{name}")
        }
    }
}

/// Notes a database the running test made, for [`dropping_its_databases`].
fn remember(url: &str) {
    let _ = CREATED.try_with(|created| created.lock().unwrap().push(url.to_string()));
}

type Created = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

tokio::task_local! {
    /// The databases the running test made, dropped when it ends.
    static CREATED: Created;
}

/// Runs `test`, then drops the databases it made, whether it passed or failed: left, a few runs
/// of the suite filled the disk with thousands of them.
pub async fn dropping_its_databases(test: impl Future<Output = ()> + Send + 'static) {
    let created = Created::default();
    let ran = tokio::spawn(CREATED.scope(created.clone(), test)).await;
    let urls = std::mem::take(&mut *created.lock().unwrap());
    for url in urls {
        drop_database(&url).await;
    }
    if let Err(failed) = ran {
        std::panic::resume_unwind(failed.into_panic());
    }
}

async fn drop_database(url: &str) {
    if let Some(file) = url.strip_prefix("sqlite://") {
        let file = std::path::Path::new(file.split('?').next().unwrap_or(file));
        if let Some(dir) = file.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
        return;
    }
    use sqlx::Connection;
    let Some((server, name)) = url.rsplit_once('/') else {
        return;
    };
    // The test's servers may still hold connections: FORCE ends them.
    if let Ok(mut conn) = sqlx::PgConnection::connect(&format!("{server}/postgres")).await {
        let drop = format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#);
        let _ = sqlx::Executor::execute(&mut conn, drop.as_str()).await;
    }
}

pub async fn create_postgres_database(server: &str, name: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&format!("{server}/postgres"))
        .await
        .expect("cannot connect to TEST_DATABASE_URL");
    sqlx::Executor::execute(&mut conn, format!(r#"CREATE DATABASE "{name}""#).as_str())
        .await
        .unwrap();
    remember(&format!("{server}/{name}"));
}

/// Runs the quill binary with only `env` (and a data directory of its own) set, as a user would.
pub fn quill(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let data_dir =
        std::env::temp_dir().join(format!("quill-cmd-{}", uuid::Uuid::new_v4().simple()));
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_quill"));
    cmd.args(args)
        .env_clear()
        .env("DATA_DIR", &data_dir)
        .current_dir(std::env::temp_dir());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the quill binary runs")
}

/// Settings as the tests want them, with `extra` variables on top.
pub fn settings(database_url: &str, extra: &[(&str, &str)]) -> Settings {
    let data_dir =
        std::env::temp_dir().join(format!("quill-data-{}", uuid::Uuid::new_v4().simple()));
    let mut vars = vec![
        ("HOST".to_string(), "127.0.0.1".to_string()),
        ("PORT".to_string(), "0".to_string()),
        ("DATABASE_URL".to_string(), database_url.to_string()),
        ("JWT_SECRET".to_string(), JWT_SECRET.to_string()),
        ("DATA_DIR".to_string(), data_dir.display().to_string()),
        ("DB_TIMEOUT_SECS".to_string(), "2".to_string()),
        // Tests sign many users up from one address; the limit has tests of its own.
        ("SIGNUPS_PER_ADDRESS".to_string(), "0".to_string()),
    ];
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Settings::load(&Source::from_pairs(vars)).expect("test settings are valid")
}

pub async fn spawn_app(engine: Engine) -> TestApp {
    let url = fresh_database(engine).await;
    let app = spawn_with(settings(&url, &[])).await;
    app.wait_ready().await;
    app
}

/// Starts the server without waiting for its database.
pub async fn spawn_with(settings: Settings) -> TestApp {
    // The server's warnings and errors (a 500's cause) show in a failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("warn")
        .try_init();
    let application = Application::build(&settings).await.expect("app builds");
    let base = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped(std::future::pending()));
    TestApp {
        base,
        client: reqwest::Client::new(),
    }
}

impl TestApp {
    pub async fn wait_ready(&self) {
        for _ in 0..200 {
            if let Ok(r) = self
                .client
                .get(format!("{}/readyz", self.base))
                .send()
                .await
                && r.status() == StatusCode::OK
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the app did not become ready");
    }

    /// Sends `body` (if any) as JSON with `token` (if any) and returns the status and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.header("Authorization", format!("Token {t}"));
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status();
        let text = res.text().await.unwrap();
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, json)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, token, None).await
    }

    /// Registers `name` (email `name@example.com`, password `password123`); returns the token.
    pub async fn register(&self, name: &str) -> String {
        let (status, body) = self
            .post(
                "/api/users",
                None,
                json!({"user": {"username": name, "email": format!("{name}@example.com"), "password": "password123"}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["user"]["token"].as_str().unwrap().to_string()
    }

    /// Logs `name` in (as registered by [`register`](Self::register)); returns a fresh token.
    pub async fn login(&self, name: &str) -> String {
        let (status, body) = self
            .post(
                "/api/users/login",
                None,
                json!({"user": {"email": format!("{name}@example.com"), "password": "password123"}}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["user"]["token"].as_str().unwrap().to_string()
    }

    /// [`register`](Self::register) for futures that must own their name.
    pub async fn register_owned(&self, name: String) -> String {
        self.register(&name).await
    }

    /// Creates an article; returns its slug.
    pub async fn create_article(&self, token: &str, title: &str, tags: &[&str]) -> String {
        let (status, body) = self
            .post(
                "/api/articles",
                Some(token),
                json!({"article": {"title": title, "description": "about it", "body": "the text", "tagList": tags}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["article"]["slug"].as_str().unwrap().to_string()
    }
}

impl TestApp {
    /// Creates an article from `fields` on top of a valid title, description and body; returns
    /// the article as answered.
    pub async fn create_article_with(&self, token: &str, fields: Value) -> Value {
        let mut article =
            json!({"title": "A title", "description": "about it", "body": "the text"});
        for (k, v) in fields.as_object().expect("fields are an object") {
            article[k] = v.clone();
        }
        let (status, body) = self
            .post("/api/articles", Some(token), json!({ "article": article }))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["article"].clone()
    }

    /// A top-level comment on `slug`; returns its id.
    pub async fn comment(&self, token: &str, slug: &str, body: &str) -> i64 {
        let (status, answer) = self
            .post(
                &format!("/api/articles/{slug}/comments"),
                Some(token),
                json!({"comment": {"body": body}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        answer["comment"]["id"].as_i64().unwrap()
    }

    /// Reports the article or comment at the API address `path`, for `reason`.
    pub async fn report(&self, token: &str, path: &str, reason: &str) -> (StatusCode, Value) {
        self.post(
            &format!("{path}/report"),
            Some(token),
            json!({"reason": reason}),
        )
        .await
    }

    /// Applies `changes` to one's own article; returns the article as answered.
    pub async fn update_article(&self, token: &str, slug: &str, changes: Value) -> Value {
        let (status, body) = self
            .put(
                &format!("/api/articles/{slug}"),
                Some(token),
                json!({ "article": changes }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["article"].clone()
    }

    /// Moves one's own article to `status`; returns its slug then (publishing and unpublishing
    /// give it a new one).
    pub async fn set_status(&self, token: &str, slug: &str, status: &str) -> String {
        let article = self
            .update_article(token, slug, json!({ "status": status }))
            .await;
        article["slug"].as_str().unwrap().to_string()
    }

    /// The slugs of a list answer, in order.
    pub async fn slugs(&self, path: &str, token: Option<&str>) -> Vec<String> {
        let (status, body) = self.get(path, token).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        slugs(&body)
    }
}

impl TestApp {
    /// The Prometheus text of `/metrics`.
    pub async fn metrics(&self) -> String {
        let res = self
            .client
            .get(format!("{}/metrics", self.base))
            .send()
            .await;
        res.unwrap().text().await.unwrap()
    }

    /// `fields` of each article of `GET /api/articles` as `token` sees them, one array per
    /// article, in order: for per-viewer checks.
    pub async fn list_fields(&self, token: Option<&str>, fields: &[&str]) -> Vec<Value> {
        let (status, body) = self.get("/api/articles", token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["articles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| fields.iter().map(|f| a[*f].clone()).collect())
            .collect()
    }
}

/// The slugs of a list answer's `articles`, in order.
pub fn slugs(body: &Value) -> Vec<String> {
    body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap().to_string())
        .collect()
}

/// The real `quill` binary serving a fresh database on a free port, for what only a process of
/// its own shows (signals, exit codes, its memory). Killed when dropped.
pub struct ServerProcess {
    pub child: std::process::Child,
    pub app: TestApp,
    /// Where the process's stdout and stderr (its logs) go.
    log_path: std::path::PathBuf,
}

impl ServerProcess {
    pub async fn start(engine: Engine, extra: &[(&str, &str)]) -> Self {
        Self::start_on(&fresh_database(engine).await, extra).await
    }

    /// The binary on the database at `url`.
    pub async fn start_on(url: &str, extra: &[(&str, &str)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let data_dir =
            std::env::temp_dir().join(format!("quill-process-{}", uuid::Uuid::new_v4().simple()));
        let log_path = std::env::temp_dir().join(format!(
            "quill-process-{}.log",
            uuid::Uuid::new_v4().simple()
        ));
        let log = std::fs::File::create(&log_path).unwrap();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_quill"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("DATABASE_URL", url)
            .env("DATA_DIR", &data_dir)
            .env("JWT_SECRET", JWT_SECRET)
            .env("LOG_LEVEL", "warn")
            .envs(extra.iter().copied())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("the quill binary starts");
        let server = Self {
            child,
            app: TestApp {
                base: format!("http://127.0.0.1:{port}"),
                client: reqwest::Client::new(),
            },
            log_path,
        };
        server.app.wait_ready().await;
        server
    }

    /// Everything the process has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap()
    }

    /// The process's resident memory, in MiB.
    pub fn rss_mib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace()
            .nth(1)
            .unwrap()
            .parse::<u64>()
            .unwrap()
            / 1024
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log_path);
    }
}

/// Runs an async test body once per engine: `engine_tests!(name, other, ...)` makes
/// `name::sqlite` and `name::postgres` from `async fn name(engine: Engine)`.
#[macro_export]
macro_rules! engine_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                use $crate::helpers::{postgres_server, Engine};

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    $crate::helpers::dropping_its_databases(super::$name(Engine::Sqlite)).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if postgres_server().is_none() {
                        eprintln!("TEST_DATABASE_URL is not set: PostgreSQL run skipped");
                        return;
                    }
                    $crate::helpers::dropping_its_databases(super::$name(Engine::Postgres))
                        .await;
                }
            }
        )*
    };
}

/// A fresh app whose user `name` is an admin, made as an operator would: `quill admin grant`
/// against the app's database. Returns the app, the admin's token and the database URL.
pub async fn spawn_app_with_admin(engine: Engine, name: &str) -> (TestApp, String, String) {
    let url = fresh_database(engine).await;
    let app = spawn_with(settings(&url, &[])).await;
    app.wait_ready().await;
    let token = app.register(name).await;
    let out = quill_command(&["admin", "grant", name], &url);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (app, token, url)
}

/// Runs the quill binary with `args` against the database at `url`.
pub fn quill_command(args: &[&str], url: &str) -> std::process::Output {
    quill(args, &[("DATABASE_URL", url)])
}
