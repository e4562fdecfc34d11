//! The real binary, a real SIGTERM: requests in flight finish, then the process exits 0.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::engine_tests;
use crate::helpers::{Engine, JWT_SECRET, fresh_database};

engine_tests!(sigterm_lets_requests_in_flight_finish);

async fn sigterm_lets_requests_in_flight_finish(engine: Engine) {
    let url = fresh_database(engine).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data_dir =
        std::env::temp_dir().join(format!("quill-shutdown-{}", uuid::Uuid::new_v4().simple()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_quill"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("DATABASE_URL", &url)
        .env("DATA_DIR", &data_dir)
        .env("JWT_SECRET", JWT_SECRET)
        .env("SHUTDOWN_GRACE_SECS", "20")
        .env("LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("the quill binary starts");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let ready = async {
        for _ in 0..300 {
            if let Ok(r) = client.get(format!("{base}/readyz")).send().await
                && r.status() == StatusCode::OK
            {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    };
    assert!(ready.await, "quill did not become ready");

    // Registrations hash passwords one or two at a time, so these stay in flight for a while.
    let requests = (0..12).map(|i| {
        let client = client.clone();
        let base = base.clone();
        async move {
            client
                .post(format!("{base}/api/users"))
                .json(&json!({"user": {"username": format!("u{i}"), "email": format!("u{i}@example.com"), "password": "password123"}}))
                .send()
                .await
                .map(|r| r.status())
        }
    });
    let pid = child.id().to_string();
    let signal = async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(killed.success());
    };
    let (results, ()) = tokio::join!(join_all(requests), signal);
    for r in &results {
        assert_eq!(r.as_ref().ok(), Some(&StatusCode::CREATED), "{results:?}");
    }

    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "quill did not exit after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status:?}");
    assert!(
        client.get(format!("{base}/healthz")).send().await.is_err(),
        "no new connections after shutdown"
    );
}
