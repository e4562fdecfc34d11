//! Abuse limits: failed sign-ins per account and per address, sign-ups per address, 429 with
//! `Retry-After`, `X-Forwarded-For` believed only from a trusted proxy, and counts shared by
//! replicas on one database.

use reqwest::StatusCode;
use serde_json::json;

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, fresh_database, settings, spawn_with};

engine_tests!(
    parallel_guesses_get_exactly_the_limit_and_cannot_lock_the_owner_out,
    sign_ins_abandoned_or_made_at_once_by_the_owner_are_no_failures,
    failed_sign_ins_are_limited_per_account,
    failed_sign_ins_are_limited_per_address,
    forwarded_for_counts_only_from_a_trusted_proxy,
    sign_ups_are_limited_per_address,
    replicas_share_the_counts,
);

async fn app_with(url: &str, extra: &[(&str, &str)]) -> TestApp {
    let app = spawn_with(settings(url, extra)).await;
    app.wait_ready().await;
    app
}

async fn sign_in(
    app: &TestApp,
    email: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{}/api/users/login", app.base))
        .json(&json!({"user": {"email": email, "password": password}}));
    if let Some(address) = forwarded_for {
        request = request.header("X-Forwarded-For", address);
    }
    request.send().await.unwrap()
}

/// Asserts a 429 in the Conduit envelope with a `Retry-After` within two windows.
async fn assert_limited(res: reqwest::Response, field: &str, window_secs: u64) {
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // A sliding estimate: attempts of this window still count for part of the next.
    assert!(
        (1..=2 * window_secs).contains(&retry_after),
        "{retry_after}"
    );
    let body: serde_json::Value = res.json().await.unwrap();
    let message = body["errors"][field][0].as_str().unwrap();
    assert!(message.starts_with("too many"), "{body}");
    assert!(
        message.ends_with(&format!("try again in {retry_after} seconds")),
        "{body}"
    );
}

async fn failed_sign_ins_are_limited_per_account(engine: Engine) {
    let url = fresh_database(engine).await;
    let app = app_with(&url, &[("LOGIN_FAILURES_PER_ACCOUNT", "3")]).await;
    app.register("target").await;
    app.register("neighbour").await;
    // Successes are never counted.
    for _ in 0..5 {
        app.login("target").await;
    }
    for _ in 0..3 {
        let res = sign_in(&app, "target@example.com", "wrong-guess", None).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // Also with a different spelling of the address, and also with the right password.
    assert_limited(
        sign_in(&app, " TARGET@example.com", "wrong-guess", None).await,
        "login",
        900,
    )
    .await;
    assert_limited(
        sign_in(&app, "target@example.com", "password123", None).await,
        "login",
        900,
    )
    .await;
    // Other accounts from the same address are not affected.
    app.login("neighbour").await;
}

async fn failed_sign_ins_are_limited_per_address(engine: Engine) {
    let url = fresh_database(engine).await;
    let app = app_with(
        &url,
        &[
            ("LOGIN_FAILURES_PER_ADDRESS", "4"),
            ("RATE_LIMIT_WINDOW_SECS", "60"),
        ],
    )
    .await;
    app.register("someone").await;
    for i in 0..4 {
        // Spraying many accounts; the forwarded header is not believed (no trusted proxy).
        let res = sign_in(
            &app,
            &format!("guess-{i}@example.com"),
            "password123",
            Some(&format!("203.0.113.{i}")),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    assert_limited(
        sign_in(
            &app,
            "someone@example.com",
            "password123",
            Some("198.51.100.1"),
        )
        .await,
        "login",
        60,
    )
    .await;
}

async fn forwarded_for_counts_only_from_a_trusted_proxy(engine: Engine) {
    let url = fresh_database(engine).await;
    let app = app_with(
        &url,
        &[
            ("LOGIN_FAILURES_PER_ADDRESS", "2"),
            ("TRUSTED_PROXIES", "127.0.0.0/8, ::1"),
        ],
    )
    .await;
    app.register("someone").await;
    for _ in 0..2 {
        let res = sign_in(&app, "x@example.com", "wrong-guess", Some("203.0.113.7")).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    assert_limited(
        sign_in(&app, "y@example.com", "wrong-guess", Some("203.0.113.7")).await,
        "login",
        900,
    )
    .await;
    // Another client behind the same proxy is its own address.
    let res = sign_in(
        &app,
        "someone@example.com",
        "password123",
        Some("203.0.113.8"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    // A client cannot escape by prepending addresses: the proxy appends the real one last.
    assert_limited(
        sign_in(
            &app,
            "z@example.com",
            "wrong-guess",
            Some("10.9.9.9, 203.0.113.7"),
        )
        .await,
        "login",
        900,
    )
    .await;
}

async fn sign_ups_are_limited_per_address(engine: Engine) {
    let url = fresh_database(engine).await;
    let app = app_with(&url, &[("SIGNUPS_PER_ADDRESS", "2")]).await;
    app.register("first").await;
    app.register("second").await;
    let res = app
        .client
        .post(format!("{}/api/users", app.base))
        .json(&json!({"user": {"username": "third", "email": "third@example.com", "password": "password123"}}))
        .send()
        .await
        .unwrap();
    assert_limited(res, "registration", 900).await;
}

/// Two replicas on one database: a guesser spreading its attempts over both is still stopped
/// at the limit.
async fn replicas_share_the_counts(engine: Engine) {
    let url = fresh_database(engine).await;
    let limits = [("LOGIN_FAILURES_PER_ACCOUNT", "4")];
    let one = app_with(&url, &limits).await;
    let two = app_with(&url, &limits).await;
    one.register("shared").await;
    for replica in [&one, &two, &one, &two] {
        let res = sign_in(replica, "shared@example.com", "wrong-guess", None).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    for replica in [&one, &two] {
        assert_limited(
            sign_in(replica, "shared@example.com", "wrong-guess", None).await,
            "login",
            900,
        )
        .await;
    }
}

/// Fifty wrong guesses at once against a limit of ten: exactly ten are checked (401), forty
/// refused (429), whatever the race. The owner, signing in from an address that has not failed,
/// still gets in, and the guesser stays shut out even with the right password.
async fn parallel_guesses_get_exactly_the_limit_and_cannot_lock_the_owner_out(engine: Engine) {
    let url = fresh_database(engine).await;
    let app = app_with(
        &url,
        &[
            ("LOGIN_FAILURES_PER_ACCOUNT", "10"),
            ("TRUSTED_PROXIES", "127.0.0.0/8, ::1"),
        ],
    )
    .await;
    app.register("owner").await;
    let guesses = (0..50).map(|i| {
        let app = &app;
        async move {
            sign_in(
                app,
                "owner@example.com",
                &format!("guess-{i}"),
                Some("203.0.113.66"),
            )
            .await
            .status()
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let count = |wanted| statuses.iter().filter(|s| **s == wanted).count();
    assert_eq!(
        (
            count(StatusCode::UNAUTHORIZED),
            count(StatusCode::TOO_MANY_REQUESTS)
        ),
        (10, 40),
        "{statuses:?}"
    );
    let res = sign_in(
        &app,
        "owner@example.com",
        "password123",
        Some("198.51.100.9"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK, "the owner was locked out");
    assert_limited(
        sign_in(
            &app,
            "owner@example.com",
            "password123",
            Some("203.0.113.66"),
        )
        .await,
        "login",
        900,
    )
    .await;
}

/// A sign-in is counted while its password is checked: one whose client hangs up meanwhile is
/// taken back, and the owner's own sign-ins made at once, past the limit's number, wait for each
/// other instead of being refused.
async fn sign_ins_abandoned_or_made_at_once_by_the_owner_are_no_failures(engine: Engine) {
    use tokio::io::AsyncWriteExt;
    let url = fresh_database(engine).await;
    let app = app_with(&url, &[("LOGIN_FAILURES_PER_ACCOUNT", "3")]).await;
    app.register("owner").await;
    let body =
        json!({"user": {"email": "owner@example.com", "password": "password123"}}).to_string();
    let address = app.base.trim_start_matches("http://").to_string();
    for _ in 0..2 {
        let hang_ups = (0..8).map(|_| {
            let (address, body) = (address.clone(), body.clone());
            async move {
                let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
                let request = format!(
                    "POST /api/users/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                socket.write_all(request.as_bytes()).await.unwrap();
                // Gone before the password is checked.
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        });
        futures_util::future::join_all(hang_ups).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let at_once = (0..8).map(|_| sign_in(&app, "owner@example.com", "password123", None));
    let statuses: Vec<StatusCode> = futures_util::future::join_all(at_once)
        .await
        .iter()
        .map(|res| res.status())
        .collect();
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
}
