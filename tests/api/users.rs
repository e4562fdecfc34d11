use reqwest::StatusCode;
use serde_json::json;

use crate::engine_tests;
use crate::helpers::{Engine, fresh_database, settings, spawn_app, spawn_with};

engine_tests!(
    register_login_and_update_account,
    taken_username_and_email_conflict,
    login_failures_look_the_same,
    logout_revokes_only_that_token,
    password_change_revokes_older_tokens,
    saving_settings_with_the_same_or_no_password_keeps_sessions,
    deleting_an_account_removes_everything_it_owned,
    registration_validation_names_each_field,
    a_new_email_or_password_needs_the_current_password,
);

async fn register_login_and_update_account(engine: Engine) {
    let app = spawn_app(engine).await;
    let (status, body) = app
        .post("/api/users", None, json!({"user": {"username": "jake", "email": "Jake@Example.com", "password": "password123"}}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["user"]["username"], "jake");
    assert_eq!(body["user"]["bio"], json!(null));
    assert!(body["user"].get("password").is_none() && !body.to_string().contains("password123"));

    // Emails match case-insensitively at login.
    let (status, body) = app
        .post(
            "/api/users/login",
            None,
            json!({"user": {"email": "jake@example.COM", "password": "password123"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let token = body["user"]["token"].as_str().unwrap().to_string();

    // `Bearer` is accepted as well as `Token`.
    let res = app
        .client
        .get(format!("{}/api/user", app.base))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    let (status, body) = app
        .put(
            "/api/user",
            Some(&token),
            json!({"user": {"bio": "I work at statefarm", "image": "https://img/x.png"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["bio"], "I work at statefarm");
    let (_, body) = app.get("/api/user", Some(&token)).await;
    assert_eq!(body["user"]["image"], "https://img/x.png");

    // An image is an address a page may load: web URLs and quill's own uploads only.
    for bad in [
        "javascript:alert(1)",
        "data:image/png;base64,iVBORw0KGgo=",
        "//evil.example/x.png",
    ] {
        let (status, body) = app
            .put("/api/user", Some(&token), json!({"user": {"image": bad}}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert!(body["errors"]["image"][0].is_string(), "{body}");
    }
    let (status, body) = app
        .put(
            "/api/user",
            Some(&token),
            json!({"user": {"image": "/uploads/abc.png"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["image"], "/uploads/abc.png");

    // "" and null both clear a nullable field; absent fields stay.
    let (_, body) = app
        .put(
            "/api/user",
            Some(&token),
            json!({"user": {"bio": "", "image": null}}),
        )
        .await;
    assert_eq!(
        (body["user"]["bio"].clone(), body["user"]["image"].clone()),
        (json!(null), json!(null))
    );
    assert_eq!(body["user"]["username"], "jake");

    // Required fields cannot be cleared.
    for field in ["email", "username", "password"] {
        let (status, body) = app
            .put("/api/user", Some(&token), json!({"user": {field: null}}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert_eq!(body["errors"][field][0], "can't be blank");
    }

    let (status, body) = app
        .put(
            "/api/user",
            Some(&token),
            json!({"user": {"username": "jacob", "email": "jacob@example.com"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            body["user"]["username"].as_str(),
            body["user"]["email"].as_str()
        ),
        (Some("jacob"), Some("jacob@example.com"))
    );
    let (status, _) = app.get("/api/profiles/jacob", None).await;
    assert_eq!(status, StatusCode::OK);
}

async fn taken_username_and_email_conflict(engine: Engine) {
    let app = spawn_app(engine).await;
    app.register("alice").await;
    let bob = app.register("bob").await;
    let (status, body) = app
        .post("/api/users", None, json!({"user": {"username": "alice", "email": "ALICE@example.com", "password": "password123"}}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["errors"]["username"][0], "has already been taken");
    assert_eq!(body["errors"]["email"][0], "has already been taken");

    let (status, body) = app
        .put(
            "/api/user",
            Some(&bob),
            json!({"user": {"email": "Alice@Example.com"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["errors"]["email"][0], "has already been taken");
    // Keeping one's own values is not a conflict.
    let (status, _) = app
        .put(
            "/api/user",
            Some(&bob),
            json!({"user": {"username": "bob", "email": "bob@example.com"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn login_failures_look_the_same(engine: Engine) {
    let app = spawn_app(engine).await;
    app.register("carol").await;
    let wrong_password = app
        .post(
            "/api/users/login",
            None,
            json!({"user": {"email": "carol@example.com", "password": "not-the-password"}}),
        )
        .await;
    let unknown_email = app
        .post(
            "/api/users/login",
            None,
            json!({"user": {"email": "nobody@example.com", "password": "password123"}}),
        )
        .await;
    assert_eq!(wrong_password.0, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password, unknown_email);
    assert_eq!(
        wrong_password.1,
        json!({"errors": {"credentials": ["invalid"]}})
    );
}

async fn logout_revokes_only_that_token(engine: Engine) {
    let app = spawn_app(engine).await;
    let first = app.register("dave").await;
    let second = app.login("dave").await;

    let (status, _) = app
        .call(
            reqwest::Method::POST,
            "/api/users/logout",
            Some(&first),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app.get("/api/user", Some(&first)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["errors"]["token"][0], "has been revoked");
    let (status, _) = app.get("/api/user", Some(&second)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .call(reqwest::Method::POST, "/api/users/logout", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn password_change_revokes_older_tokens(engine: Engine) {
    let app = spawn_app(engine).await;
    let old = app.register("erin").await;
    let other_device = app.login("erin").await;

    let (status, body) = app
        .put(
            "/api/user",
            Some(&old),
            json!({"user": {"password": "a new password"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let fresh = body["user"]["token"].as_str().unwrap().to_string();

    for stale in [&old, &other_device] {
        assert_eq!(
            app.get("/api/user", Some(stale)).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(app.get("/api/user", Some(&fresh)).await.0, StatusCode::OK);
    let (status, _) = app
        .post(
            "/api/users/login",
            None,
            json!({"user": {"email": "erin@example.com", "password": "password123"}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .post(
            "/api/users/login",
            None,
            json!({"user": {"email": "erin@example.com", "password": "a new password"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn deleting_an_account_removes_everything_it_owned(engine: Engine) {
    let app = spawn_app(engine).await;
    let leaving = app.register("frank").await;
    let staying = app.register("grace").await;
    let franks = app
        .create_article(&leaving, "Frank's article", &["solo"])
        .await;
    let graces = app.create_article(&staying, "Grace's article", &[]).await;
    app.post(
        &format!("/api/articles/{graces}/favorite"),
        Some(&leaving),
        json!({}),
    )
    .await;
    app.post(
        &format!("/api/articles/{graces}/comments"),
        Some(&leaving),
        json!({"comment": {"body": "hi"}}),
    )
    .await;
    app.post("/api/profiles/grace/follow", Some(&leaving), json!({}))
        .await;

    let (status, _) = app.delete("/api/user", Some(&leaving)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    assert_eq!(
        app.get("/api/user", Some(&leaving)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/profiles/frank", None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/api/articles/{franks}"), None).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, body) = app.get(&format!("/api/articles/{graces}"), None).await;
    assert_eq!(body["article"]["favoritesCount"], 0);
    let (_, body) = app
        .get(&format!("/api/articles/{graces}/comments"), None)
        .await;
    assert_eq!(body["comments"], json!([]));
    let (_, body) = app.get("/api/tags", None).await;
    assert_eq!(body["tags"], json!([]));
    // The email is free again.
    app.register("frank").await;
}

async fn registration_validation_names_each_field(engine: Engine) {
    let app = spawn_app(engine).await;
    let (status, body) = app.post("/api/users", None, json!({"user": {}})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["username", "email", "password"] {
        assert_eq!(body["errors"][field][0], "can't be blank", "{body}");
    }
    let (status, body) = app
        .post(
            "/api/users",
            None,
            json!({"user": {"username": "a b", "email": "not-an-email", "password": "short"}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["errors"]["username"][0]
            .as_str()
            .unwrap()
            .starts_with("is invalid")
    );
    assert_eq!(body["errors"]["email"][0], "is invalid");
    // Path steps cannot name a profile: `/api/profiles/..` would never reach it.
    for dots in [".", ".."] {
        let (status, body) = app
            .post(
                "/api/users",
                None,
                json!({"user": {"username": dots, "email": "dots@example.com", "password": "password123"}}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body["errors"]["username"][0]
                .as_str()
                .unwrap()
                .starts_with("is invalid")
        );
    }
    assert!(
        body["errors"]["password"][0]
            .as_str()
            .unwrap()
            .contains("minimum is 8")
    );
    let (status, body) = app
        .post(
            "/api/users/login",
            None,
            json!({"user": {"email": "", "password": ""}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"]["email"][0], "can't be blank");
    assert_eq!(body["errors"]["password"][0], "can't be blank");
}

/// The Angular Conduit frontend sends the password with every settings save: saving a bio with
/// the current password must not sign the user out anywhere.
async fn saving_settings_with_the_same_or_no_password_keeps_sessions(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("henry").await;
    let other_device = app.login("henry").await;
    for bio in ["still me", "still me, again"] {
        let (status, body) = app
            .put(
                "/api/user",
                Some(&token),
                json!({"user": {"bio": bio, "password": "password123"}}),
            )
            .await;
        assert_eq!(
            (status, &body["user"]["bio"]),
            (StatusCode::OK, &json!(bio))
        );
        for device in [&token, &other_device] {
            assert_eq!(app.get("/api/user", Some(device)).await.0, StatusCode::OK);
        }
    }
    app.login("henry").await;
}

/// A token alone cannot take an account over: past the first minutes after signing in, a new
/// email or password needs the current password (a client that just signed up, as the Conduit
/// suites do, may still set them up with the token).
async fn a_new_email_or_password_needs_the_current_password(engine: Engine) {
    let url = fresh_database(engine).await;
    let app = spawn_with(settings(&url, &[])).await;
    app.wait_ready().await;
    let token = app.register("owner").await;
    let (status, body) = app
        .put(
            "/api/user",
            Some(&token),
            json!({"user": {"email": "fresh@example.com"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "a fresh session: {body}");

    // The session signed in ten minutes ago, as a token stolen later would be.
    let db = quill::storage::Db::connect_lazy(&settings(&url, &[]).database).unwrap();
    sqlx::query("UPDATE sessions SET created_at = created_at - 600000")
        .execute(db.pool())
        .await
        .unwrap();
    db.close().await;
    for change in [
        json!({"email": "thief@example.com"}),
        json!({"password": "thief-password"}),
        json!({"email": "thief@example.com", "bio": "mine now"}),
    ] {
        let (status, body) = app
            .put("/api/user", Some(&token), json!({"user": change}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{change}: {body}");
        assert!(
            body["errors"]["currentPassword"][0]
                .as_str()
                .unwrap()
                .starts_with("is needed"),
            "{body}"
        );
    }
    let (status, body) = app
        .put(
            "/api/user",
            Some(&token),
            json!({"user": {"email": "thief@example.com", "currentPassword": "wrong-password"}}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["errors"]["currentPassword"][0], "is wrong");
    // What stays the same, and everything else, needs nothing more.
    let (status, body) = app
        .put(
            "/api/user",
            Some(&token),
            json!({"user": {"email": "FRESH@example.com", "password": "password123", "bio": "still me"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Emails match case-insensitively: another spelling is the same address.
    assert_eq!(body["user"]["email"], "FRESH@example.com");

    let (status, body) = app
        .put(
            "/api/user",
            Some(&token),
            json!({"user": {"email": "moved@example.com", "password": "new-password",
                            "currentPassword": "password123"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["email"], "moved@example.com");
    let (status, _) = app
        .post(
            "/api/users/login",
            None,
            json!({"user": {"email": "moved@example.com", "password": "new-password"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}
