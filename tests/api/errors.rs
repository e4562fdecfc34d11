//! Bad input of every kind answers a 4xx in the Conduit envelope, never a 5xx.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{Engine, spawn_app};

engine_tests!(
    malformed_requests_get_enveloped_4xx,
    tokens_are_checked,
    nul_characters_are_refused_on_both_engines
);

fn is_envelope(body: &Value) -> bool {
    body["errors"]
        .as_object()
        .is_some_and(|m| !m.is_empty() && m.values().all(|v| v[0].is_string()))
}

async fn malformed_requests_get_enveloped_4xx(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("fuzzer").await;
    let url = |p: &str| format!("{}{p}", app.base);
    let send = |req: reqwest::RequestBuilder| async move {
        let res = req.send().await.unwrap();
        let status = res.status();
        (status, res.json::<Value>().await.unwrap_or(Value::Null))
    };
    let auth = format!("Token {token}");

    let cases: Vec<(&str, reqwest::RequestBuilder, StatusCode)> = vec![
        ("broken JSON", app.client.post(url("/api/articles")).header("Authorization", &auth).header("Content-Type", "application/json").body("{\"article\": {"), StatusCode::BAD_REQUEST),
        ("not JSON at all", app.client.post(url("/api/users")).header("Content-Type", "application/json").body("hello"), StatusCode::BAD_REQUEST),
        ("no content type", app.client.post(url("/api/users")).body("{}"), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("form content type", app.client.post(url("/api/users/login")).header("Content-Type", "application/x-www-form-urlencoded").body("a=b"), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("wrong type", app.client.post(url("/api/articles")).header("Authorization", &auth).json(&json!({"article": {"title": 42, "description": "d", "body": "b"}})), StatusCode::UNPROCESSABLE_ENTITY),
        ("tags not strings", app.client.post(url("/api/articles")).header("Authorization", &auth).json(&json!({"article": {"title": "t", "description": "d", "body": "b", "tagList": [1]}})), StatusCode::UNPROCESSABLE_ENTITY),
        ("array body", app.client.post(url("/api/users")).json(&json!([1, 2])), StatusCode::UNPROCESSABLE_ENTITY),
        ("missing wrapper", app.client.post(url("/api/users")).json(&json!({"username": "x"})), StatusCode::UNPROCESSABLE_ENTITY),
        ("null wrapper", app.client.put(url("/api/user")).header("Authorization", &auth).json(&json!({"user": null})), StatusCode::UNPROCESSABLE_ENTITY),
        // Its own client: the server answers before reading the body and closes the connection,
        // which a pooled client could otherwise pick for the next case.
        ("2 MiB body", reqwest::Client::new().post(url("/api/articles")).header("Authorization", &auth).json(&json!({"article": {"title": "t", "description": "d", "body": "x".repeat(2 << 20)}})), StatusCode::PAYLOAD_TOO_LARGE),
        ("unknown route", app.client.get(url("/api/nothing/here")), StatusCode::NOT_FOUND),
        ("wrong method", app.client.patch(url("/api/articles")), StatusCode::METHOD_NOT_ALLOWED),
    ];
    for (name, req, expected) in cases {
        let (status, body) = send(req).await;
        assert_eq!(status, expected, "{name}: {body}");
        assert!(is_envelope(&body), "{name}: {body}");
    }

    // The wrong-type answer names the field.
    let (_, body) = app
        .post(
            "/api/articles",
            Some(&token),
            json!({"article": {"title": 42, "description": "d", "body": "b"}}),
        )
        .await;
    assert!(
        body["errors"]["title"][0]
            .as_str()
            .unwrap()
            .contains("invalid type"),
        "{body}"
    );

    // Under the limit, a large article is fine; over the article's own limit it is a 422.
    let (status, _) = app
        .post(
            "/api/articles",
            Some(&token),
            json!({"article": {"title": "Big", "description": "d", "body": "x".repeat(90_000)}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = app
        .post("/api/articles", Some(&token), json!({"article": {"title": "Bigger", "description": "d", "body": "x".repeat(200_000)}}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["errors"]["body"][0]
            .as_str()
            .unwrap()
            .starts_with("is too long")
    );
}

async fn tokens_are_checked(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("holder").await;
    let (status, body) = app.get("/api/user", None).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"errors": {"token": ["is missing"]}})
        )
    );
    for header in [
        "Token",
        "Token not-a-jwt",
        "Basic abc",
        &format!("Token {token}x"),
        &token,
    ] {
        let res = app
            .client
            .get(format!("{}/api/user", app.base))
            .header("Authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{header}");
        assert!(is_envelope(&res.json().await.unwrap()));
    }
    // A token signed with another secret is refused; routes open to anonymous readers answer
    // as for one, with a hint to sign in again.
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"sub": "1", "sid": "x", "epoch": 0, "iat": 0, "exp": 4_000_000_000u64}),
        &jsonwebtoken::EncodingKey::from_secret(b"some-other-secret-some-other-secret"),
    )
    .unwrap();
    assert_eq!(
        app.get("/api/user", Some(&forged)).await.0,
        StatusCode::UNAUTHORIZED
    );
    let res = app
        .client
        .get(format!("{}/api/articles", app.base))
        .header("Authorization", format!("Token {forged}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("token is invalid")
    );
}

/// PostgreSQL cannot store or compare text holding NUL; found by fuzzing (scripts/fuzz.sh), where
/// each of these answered 500 on PostgreSQL only.
async fn nul_characters_are_refused_on_both_engines(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("nul").await;
    let slug = app.create_article(&token, "Plain", &["plain"]).await;
    let nul = json!(["can't contain NUL characters"]);
    let article = |field: &str, value: Value| {
        let mut fields = json!({"title": "t", "description": "d", "body": "b"});
        fields[field] = value;
        json!({ "article": fields })
    };
    let writes = [
        ("/api/articles", article("title", json!("a\0b")), "title"),
        ("/api/articles", article("body", json!("a\0b")), "body"),
        (
            "/api/articles",
            article("tagList", json!(["a\0b"])),
            "tagList",
        ),
        (
            &format!("/api/articles/{slug}/comments") as &str,
            json!({"comment": {"body": "a\0b"}}),
            "body",
        ),
        (
            "/api/users",
            json!({"user": {"username": "a\0b", "email": "e@x.io", "password": "password123"}}),
            "username",
        ),
        (
            "/api/users/login",
            json!({"user": {"email": "nul\0@example.com", "password": "password123"}}),
            "email",
        ),
    ];
    for (path, body, field) in writes {
        let (status, answer) = app.post(path, Some(&token), body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {answer}");
        assert_eq!(answer["errors"][field], nul, "{path}");
    }
    let (status, answer) = app
        .put("/api/user", Some(&token), json!({"user": {"bio": "a\0b"}}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["errors"]["bio"], nul);

    // A path naming something with NUL is malformed; a filter with NUL matches nothing.
    for (method, path) in [
        (reqwest::Method::GET, "/api/articles/a%00b"),
        (reqwest::Method::GET, "/api/profiles/a%00b"),
        (reqwest::Method::POST, "/api/tags/a%00b/follow"),
        (reqwest::Method::DELETE, "/api/tags/a%00b/follow"),
    ] {
        let (status, answer) = app.call(method, path, Some(&token), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {answer}");
        assert!(is_envelope(&answer), "{path}: {answer}");
    }
    for filter in ["tag", "author", "favorited"] {
        let (status, answer) = app
            .get(&format!("/api/articles?{filter}=a%00b"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{filter}: {answer}");
        assert_eq!(answer["articlesCount"], 0, "{filter}");
    }
}
