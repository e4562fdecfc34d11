//! Sessions: a sign-in lasts a fixed time however often its token is re-issued; logout ends the
//! session, "revoke all" ends every session, and a write by a token that a concurrent password
//! change revoked is refused. A stale token on a public route reads as anonymous, with a hint.

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{Engine, JWT_SECRET, TestApp, spawn_app};

engine_tests!(
    reissued_tokens_keep_the_session_and_its_expiry,
    logout_ends_every_token_of_the_session,
    revoke_all_ends_every_session,
    writes_by_a_token_revoked_meanwhile_are_refused,
    stale_tokens_on_public_routes_read_as_anonymous_with_a_hint,
    signing_in_past_a_hundred_sessions_ends_the_oldest,
);

/// Successful sign-ins are not rate-limited, so the sessions one user holds are capped at 100:
/// the 101st sign-in ends the oldest session.
async fn signing_in_past_a_hundred_sessions_ends_the_oldest(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut tokens = vec![app.register("many").await];
    for _ in 0..102 {
        tokens.push(app.login("many").await);
    }
    for old in &tokens[..3] {
        let (status, body) = app.get("/api/user", Some(old)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    for live in &tokens[3..] {
        assert_eq!(app.get("/api/user", Some(live)).await.0, StatusCode::OK);
    }
}

fn claims(token: &str) -> Value {
    let mut validation = jsonwebtoken::Validation::default();
    validation.set_required_spec_claims(&["exp"]);
    jsonwebtoken::decode::<Value>(
        token,
        &jsonwebtoken::DecodingKey::from_secret(JWT_SECRET.as_bytes()),
        &validation,
    )
    .unwrap()
    .claims
}

async fn refreshed(app: &TestApp, token: &str) -> String {
    let (status, body) = app.get("/api/user", Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["user"]["token"].as_str().unwrap().to_string()
}

async fn reissued_tokens_keep_the_session_and_its_expiry(engine: Engine) {
    let app = spawn_app(engine).await;
    let signed_in = app.register("ann").await;
    let first = claims(&signed_in);
    // 168 hours, the default lifetime, from the sign-in.
    let lifetime = first["exp"].as_i64().unwrap() - first["iat"].as_i64().unwrap();
    assert!((168 * 3600 - 5..=168 * 3600).contains(&lifetime), "{first}");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let mut token = signed_in.clone();
    for _ in 0..3 {
        token = refreshed(&app, &token).await;
        let again = claims(&token);
        assert_eq!(again["sid"], first["sid"]);
        assert_eq!(
            again["exp"], first["exp"],
            "a refresh must not extend the session"
        );
    }
    let (_, body) = app
        .put("/api/user", Some(&token), json!({"user": {"bio": "hi"}}))
        .await;
    let updated = claims(body["user"]["token"].as_str().unwrap());
    assert_eq!(
        (&updated["sid"], &updated["exp"]),
        (&first["sid"], &first["exp"])
    );
    // A new sign-in is a new session.
    assert_ne!(claims(&app.login("ann").await)["sid"], first["sid"]);
}

async fn logout_ends_every_token_of_the_session(engine: Engine) {
    let app = spawn_app(engine).await;
    let original = app.register("bea").await;
    let derived = refreshed(&app, &original).await;
    let other_device = app.login("bea").await;
    let (status, _) = app
        .call(
            reqwest::Method::POST,
            "/api/users/logout",
            Some(&derived),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for token in [&original, &derived] {
        let (status, body) = app.get("/api/user", Some(token)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["errors"]["token"][0], "has been revoked");
    }
    assert_eq!(
        app.get("/api/user", Some(&other_device)).await.0,
        StatusCode::OK
    );
}

async fn revoke_all_ends_every_session(engine: Engine) {
    let app = spawn_app(engine).await;
    let phone = app.register("cat").await;
    let laptop = app.login("cat").await;
    let tablet = refreshed(&app, &app.login("cat").await).await;
    let bystander = app.register("dan").await;
    let (status, _) = app
        .call(
            reqwest::Method::POST,
            "/api/user/sessions/revoke-all",
            Some(&laptop),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for token in [&phone, &laptop, &tablet] {
        assert_eq!(
            app.get("/api/user", Some(token)).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        app.get("/api/user", Some(&bystander)).await.0,
        StatusCode::OK
    );
    // Signing in again works, with a session of its own.
    assert_eq!(
        app.get("/api/user", Some(&app.login("cat").await)).await.0,
        StatusCode::OK
    );
    let (status, _) = app
        .call(
            reqwest::Method::POST,
            "/api/user/sessions/revoke-all",
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// Two devices change the password at once. The request that loses the race authenticated
/// before the winner's change committed; its write must not land after it, or the account
/// would end up with the password of a device that was just signed out.
async fn writes_by_a_token_revoked_meanwhile_are_refused(engine: Engine) {
    let app = spawn_app(engine).await;
    app.register("eve").await;
    let mut current = "password123".to_string();
    for round in 0..6 {
        let devices = join_all((0..2).map(|_| {
            app.post(
                "/api/users/login",
                None,
                json!({"user": {"email": "eve@example.com", "password": current}}),
            )
        }))
        .await;
        let tokens: Vec<String> = devices
            .iter()
            .map(|(status, body)| {
                assert_eq!(*status, StatusCode::OK, "{body}");
                body["user"]["token"].as_str().unwrap().to_string()
            })
            .collect();
        let passwords: Vec<String> = (0..2)
            .map(|d| format!("round-{round}-device-{d}"))
            .collect();
        let answers = join_all(tokens.iter().zip(&passwords).map(|(token, password)| {
            app.put(
                "/api/user",
                Some(token),
                json!({"user": {"password": password}}),
            )
        }))
        .await;
        let winners: Vec<&String> = answers
            .iter()
            .zip(&passwords)
            .filter(|((status, _), _)| *status == StatusCode::OK)
            .map(|(_, password)| password)
            .collect();
        for (status, body) in &answers {
            assert!(
                *status == StatusCode::OK || *status == StatusCode::UNAUTHORIZED,
                "{status}: {body}"
            );
        }
        // The first change signs the other device out, so the other's must be refused: both
        // authenticated before either wrote, but only one may write.
        assert_eq!(winners.len(), 1, "round {round}: {answers:?}");
        let mut working = Vec::new();
        for password in &passwords {
            let (status, _) = app
                .post(
                    "/api/users/login",
                    None,
                    json!({"user": {"email": "eve@example.com", "password": password}}),
                )
                .await;
            if status == StatusCode::OK {
                working.push(password.clone());
            }
        }
        assert_eq!(working.len(), 1, "round {round}: {answers:?}");
        assert_eq!(&working[0], winners[0], "round {round}: {answers:?}");
        let live: Vec<bool> = join_all(tokens.iter().map(|t| app.get("/api/user", Some(t))))
            .await
            .iter()
            .map(|(status, _)| *status == StatusCode::OK)
            .collect();
        assert_eq!(
            live.iter().filter(|l| **l).count(),
            0,
            "tokens from before the last change must be dead"
        );
        current = working.remove(0);
    }
}

async fn stale_tokens_on_public_routes_read_as_anonymous_with_a_hint(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("fay").await;
    let slug = app.create_article(&author, "Public page", &[]).await;
    let stale = app.register("gus").await;
    app.call(
        reqwest::Method::POST,
        "/api/users/logout",
        Some(&stale),
        None,
    )
    .await;
    for path in [
        "/api/articles".to_string(),
        format!("/api/articles/{slug}"),
        format!("/api/articles/{slug}/comments"),
        "/api/profiles/fay".to_string(),
    ] {
        let res = app
            .client
            .get(format!("{}{path}", app.base))
            .header("Authorization", format!("Token {stale}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let hint = res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(hint.contains("invalid_token"), "{hint}");
        assert!(hint.contains("has been revoked"), "{hint}");
    }
    let res = app
        .client
        .get(format!("{}/api/articles", app.base))
        .header("Authorization", format!("Token {author}"))
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("www-authenticate").is_none());
    let res = app
        .client
        .get(format!("{}/api/user", app.base))
        .header("Authorization", format!("Token {stale}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()["www-authenticate"], "Token");
}
