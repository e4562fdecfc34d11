use reqwest::StatusCode;
use serde_json::json;

use crate::engine_tests;
use crate::helpers::{Engine, spawn_app};

engine_tests!(comment_lifecycle, comment_errors);

async fn comment_lifecycle(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let slug = app.create_article(&author, "Discuss", &[]).await;
    let path = format!("/api/articles/{slug}/comments");
    assert_eq!(app.get(&path, None).await.1, json!({"comments": []}));

    let (status, body) = app
        .post(&path, Some(&reader), json!({"comment": {"body": "First!"}}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["comment"]["body"], "First!");
    assert_eq!(body["comment"]["author"]["username"], "reader");
    let first = body["comment"]["id"].as_i64().unwrap();
    let (_, body) = app
        .post(&path, Some(&author), json!({"comment": {"body": "Thanks"}}))
        .await;
    let second = body["comment"]["id"].as_i64().unwrap();

    app.post("/api/profiles/author/follow", Some(&reader), json!({}))
        .await;
    let (status, body) = app.get(&path, Some(&reader)).await;
    assert_eq!(status, StatusCode::OK);
    let comments = body["comments"].as_array().unwrap();
    assert_eq!(
        comments
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [first, second]
    );
    assert_eq!(comments[1]["author"]["following"], true);
    assert_eq!(comments[0]["author"]["following"], false);

    let (status, body) = app.delete(&format!("{path}/{first}"), Some(&author)).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::FORBIDDEN,
            json!({"errors": {"comment": ["forbidden"]}})
        )
    );
    assert_eq!(
        app.delete(&format!("{path}/{first}"), Some(&reader))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (_, body) = app.get(&path, None).await;
    assert_eq!(body["comments"].as_array().unwrap().len(), 1);
    assert_eq!(body["comments"][0]["body"], "Thanks");

    // Deleting the article takes its comments along.
    app.delete(&format!("/api/articles/{slug}"), Some(&author))
        .await;
    assert_eq!(app.get(&path, None).await.0, StatusCode::NOT_FOUND);
}

async fn comment_errors(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("critic").await;
    let slug = app.create_article(&token, "Target", &[]).await;
    let path = format!("/api/articles/{slug}/comments");
    let (status, body) = app
        .post(&path, Some(&token), json!({"comment": {"body": "  "}}))
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"errors": {"body": ["can't be blank"]}})
        )
    );
    assert_eq!(
        app.post(&path, None, json!({"comment": {"body": "x"}}))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = app
        .post(
            "/api/articles/nope/comments",
            Some(&token),
            json!({"comment": {"body": "x"}}),
        )
        .await;
    assert_eq!(
        (status, body["errors"]["article"][0].as_str()),
        (StatusCode::NOT_FOUND, Some("not found"))
    );
    assert_eq!(
        app.get("/api/articles/nope/comments", None).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, body) = app
        .delete("/api/articles/nope/comments/1", Some(&token))
        .await;
    assert_eq!(
        (status, body["errors"]["article"][0].as_str()),
        (StatusCode::NOT_FOUND, Some("not found"))
    );
    for id in ["99999", "abc", "-1"] {
        let (status, body) = app.delete(&format!("{path}/{id}"), Some(&token)).await;
        assert_eq!(
            (status, body["errors"]["comment"][0].as_str()),
            (StatusCode::NOT_FOUND, Some("not found")),
            "{id}"
        );
    }
}
