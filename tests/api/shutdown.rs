//! The real binary, a real SIGTERM: requests in flight finish, then the process exits 0.

use std::process::Command;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::engine_tests;
use crate::helpers::{Engine, ServerProcess};

engine_tests!(sigterm_lets_requests_in_flight_finish);

async fn sigterm_lets_requests_in_flight_finish(engine: Engine) {
    let mut server = ServerProcess::start(engine, &[("SHUTDOWN_GRACE_SECS", "20")]).await;
    let (base, client) = (server.app.base.clone(), server.app.client.clone());

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
    let pid = server.child.id().to_string();
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
        if let Some(status) = server.child.try_wait().unwrap() {
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
