use reqwest::StatusCode;
use serde_json::json;

use crate::engine_tests;
use crate::helpers::{Engine, spawn_app};

engine_tests!(follow_and_unfollow, profile_errors);

async fn follow_and_unfollow(engine: Engine) {
    let app = spawn_app(engine).await;
    let fan = app.register("fan").await;
    let other = app.register("other").await;
    app.register("star").await;

    let (status, body) = app.get("/api/profiles/star", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"profile": {"username": "star", "bio": null, "image": null, "following": false}})
    );

    for _ in 0..2 {
        let (status, body) = app
            .post("/api/profiles/star/follow", Some(&fan), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["profile"]["following"], true);
    }
    assert_eq!(
        app.get("/api/profiles/star", Some(&fan)).await.1["profile"]["following"],
        true
    );
    // Following is per viewer.
    assert_eq!(
        app.get("/api/profiles/star", Some(&other)).await.1["profile"]["following"],
        false
    );
    assert_eq!(
        app.get("/api/profiles/star", None).await.1["profile"]["following"],
        false
    );

    let (status, body) = app.delete("/api/profiles/star/follow", Some(&fan)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["profile"]["following"], false);
    assert_eq!(
        app.get("/api/profiles/star", Some(&fan)).await.1["profile"]["following"],
        false
    );
}

async fn profile_errors(engine: Engine) {
    let app = spawn_app(engine).await;
    let me = app.register("me").await;
    let (status, body) = app.get("/api/profiles/ghost", None).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"errors": {"profile": ["not found"]}})
        )
    );
    assert_eq!(
        app.post("/api/profiles/ghost/follow", Some(&me), json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.delete("/api/profiles/ghost/follow", Some(&me)).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post("/api/profiles/me/follow", None, json!({})).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = app
        .post("/api/profiles/me/follow", Some(&me), json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"]["profile"][0], "can't follow yourself");
}
