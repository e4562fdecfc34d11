//! Password hashing under floods: a bounded queue answers 503 at once, over-long passwords are
//! refused before hashing, abandoned checks are skipped, and login works again right after.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::engine_tests;
use crate::helpers::{Engine, ServerProcess, TestApp, fresh_database, settings, spawn_with};

engine_tests!(
    login_floods_are_refused_at_once_and_login_recovers,
    abandoned_password_checks_are_skipped,
);

/// The hashing queue itself is under test here, not the failed-login limits in front of it.
const NO_LOGIN_LIMITS: &[(&str, &str)] = &[
    ("LOGIN_FAILURES_PER_ACCOUNT", "0"),
    ("LOGIN_FAILURES_PER_ADDRESS", "0"),
];

fn login_body(password: &str) -> serde_json::Value {
    json!({"user": {"email": "victim@example.com", "password": password}})
}

async fn login_flood_round(app: &TestApp) -> Vec<(StatusCode, serde_json::Value)> {
    let huge = "x".repeat(200_000);
    let short = join_all(
        (0..150).map(|i| app.post("/api/users/login", None, login_body(&format!("guess-{i}")))),
    );
    let long = join_all((0..30).map(|_| app.post("/api/users/login", None, login_body(&huge))));
    let (mut short, long) = tokio::join!(short, long);
    for (status, body) in &long {
        assert_eq!(*status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            body["errors"]["password"][0],
            "is too long (maximum is 256 characters)"
        );
    }
    short.extend(long);
    short
}

/// The real binary, so that its memory is its own and not the test runner's.
async fn login_floods_are_refused_at_once_and_login_recovers(engine: Engine) {
    let server = ServerProcess::start(engine, NO_LOGIN_LIMITS).await;
    let app = &server.app;
    app.register("victim").await;
    let before = server.rss_mib();
    let mut busy = 0;
    for _ in 0..3 {
        for (status, body) in login_flood_round(app).await {
            match status {
                StatusCode::UNAUTHORIZED | StatusCode::UNPROCESSABLE_ENTITY => {}
                StatusCode::SERVICE_UNAVAILABLE => {
                    assert_eq!(
                        body["errors"]["password"][0],
                        "checks are busy; try again shortly"
                    );
                    busy += 1;
                }
                other => panic!("unexpected {other}: {body}"),
            }
        }
    }
    assert!(
        busy > 0,
        "a flood of 150 logins at once must overflow the queue"
    );
    let grown = server.rss_mib().saturating_sub(before);
    assert!(grown < 64, "memory grew by {grown} MiB under the flood");

    // The queue drains within its bound: the real user gets in again within seconds.
    let start = Instant::now();
    loop {
        let (status, body) = app
            .post("/api/users/login", None, login_body("password123"))
            .await;
        if status == StatusCode::OK {
            break;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "login still refused after 5 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn skipped_jobs(app: &TestApp) -> u64 {
    app.metrics()
        .await
        .lines()
        .find_map(|l| l.strip_prefix("password_jobs_skipped_total "))
        .map_or(0, |v| v.trim().parse().unwrap())
}

async fn abandoned_password_checks_are_skipped(engine: Engine) {
    let app = spawn_with(settings(&fresh_database(engine).await, NO_LOGIN_LIMITS)).await;
    app.wait_ready().await;
    app.register("victim").await;
    let before = skipped_jobs(&app).await;
    // Clients that give up after 250 ms: their checks queue behind each other (each takes tens of
    // milliseconds), and the ones not started when their client leaves are never computed.
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(250))
        .build()
        .unwrap();
    let url = format!("{}/api/users/login", app.base);
    // Enough of them that most must queue whatever the machine's speed (48 checks of even 10 ms
    // on one hashing thread take twice the patience), few enough for the queue to hold them all.
    let gone = join_all((0..48).map(|i| {
        impatient
            .post(&url)
            .json(&login_body(&format!("guess-{i}")))
            .send()
    }))
    .await;
    // The first may be answered in time; those queued behind it cannot be.
    let timed_out = gone
        .iter()
        .filter(|r| r.as_ref().is_err_and(|e| e.is_timeout()))
        .count();
    assert!(timed_out >= 8, "only {timed_out} of 48 gave up");
    let start = Instant::now();
    let (status, _) = app
        .post("/api/users/login", None, login_body("password123"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut skipped = skipped_jobs(&app).await;
    while skipped == before && start.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        skipped = skipped_jobs(&app).await;
    }
    assert!(skipped > before, "no abandoned check was skipped");
}
