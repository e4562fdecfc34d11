//! Popular tags (counted over published articles) and followed tags, which feed the feed.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, spawn_app};

engine_tests!(
    popular_tags_come_most_used_first_ties_alphabetical,
    the_tag_limit_caps_and_bad_limits_are_422,
    tags_only_drafts_or_unlisted_articles_use_are_not_listed,
    deleting_articles_and_accounts_lowers_tag_counts,
    publishing_a_draft_raises_tag_counts,
    retagging_moves_tag_counts,
    following_a_tag_is_idempotent_and_listed,
    following_needs_a_known_tag_and_a_signed_in_user,
    the_feed_adds_followed_tags_each_article_once,
    unfollowing_a_tag_takes_its_articles_out_of_the_feed,
);

/// Writes an article with `tags` and `status` ("published", "draft" or "unlisted").
async fn write(app: &TestApp, token: &str, title: &str, tags: &[&str], status: &str) -> String {
    let (code, body) = app
        .post(
            "/api/articles",
            Some(token),
            json!({"article": {"title": title, "description": "d", "body": "b", "tagList": tags, "status": status}}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{body}");
    assert_eq!(body["article"]["status"], status);
    body["article"]["slug"].as_str().unwrap().to_string()
}

async fn delete_article(app: &TestApp, token: &str, slug: &str) {
    let (status, body) = app
        .delete(&format!("/api/articles/{slug}"), Some(token))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

/// The names of a tags answer, in order.
fn names(body: &Value) -> Vec<String> {
    body["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect()
}

/// `GET /api/tags` with `query`.
async fn popular(app: &TestApp, query: &str) -> Vec<String> {
    let (status, body) = app.get(&format!("/api/tags{query}"), None).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    names(&body)
}

/// Follows (or with `DELETE`, unfollows) `tag`; returns the status and the answer.
async fn follow(app: &TestApp, token: Option<&str>, tag: &str) -> (StatusCode, Value) {
    app.post(&format!("/api/tags/{tag}/follow"), token, json!({}))
        .await
}

async fn unfollow(app: &TestApp, token: Option<&str>, tag: &str) -> (StatusCode, Value) {
    app.delete(&format!("/api/tags/{tag}/follow"), token).await
}

fn tag(name: &str, articles_count: i64, following: bool) -> Value {
    json!({"tag": {"name": name, "articlesCount": articles_count, "following": following}})
}

async fn followed(app: &TestApp, token: &str) -> Vec<String> {
    let (status, body) = app.get("/api/user/tags", Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    names(&body)
}

/// The feed's slugs in order and its `articlesCount`.
async fn feed(app: &TestApp, token: &str, query: &str) -> (Vec<String>, i64) {
    let (status, body) = app
        .get(&format!("/api/articles/feed{query}"), Some(token))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let slugs = body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap().to_string())
        .collect();
    (slugs, body["articlesCount"].as_i64().unwrap())
}

async fn popular_tags_come_most_used_first_ties_alphabetical(engine: Engine) {
    let app = spawn_app(engine).await;
    let ann = app.register("ann").await;
    let ben = app.register("ben").await;
    assert_eq!(popular(&app, "").await, Vec::<String>::new());
    // Neither the order tags first appear in nor their names give the expected order.
    write(&app, &ann, "One", &["zig"], "published").await;
    write(&app, &ann, "Two", &["web", "rust"], "published").await;
    write(&app, &ben, "Three", &["rust"], "published").await;
    write(&app, &ben, "Four", &["alpha"], "published").await;
    write(&app, &ann, "Five", &["rust", "beta"], "published").await;
    write(&app, &ben, "Six", &["web"], "published").await;

    assert_eq!(
        popular(&app, "").await,
        ["rust", "web", "alpha", "beta", "zig"]
    );
    let (status, body) = follow(&app, Some(&ben), "rust").await;
    assert_eq!((status, body), (StatusCode::OK, tag("rust", 3, true)));
}

async fn the_tag_limit_caps_and_bad_limits_are_422(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("limiter").await;
    write(&app, &token, "One", &["a", "b", "c"], "published").await;
    write(&app, &token, "Two", &["a", "b"], "published").await;
    write(&app, &token, "Three", &["a"], "published").await;

    assert_eq!(popular(&app, "?limit=2").await, ["a", "b"]);
    assert_eq!(popular(&app, "?limit=1").await, ["a"]);
    assert_eq!(popular(&app, "?limit=100000").await, ["a", "b", "c"]);
    // An empty limit is no number either (it was read as the default, against the document).
    for bad in ["0", "-1", "x", "1.5", "", " 2"] {
        let (status, body) = app.get(&format!("/api/tags?limit={bad}"), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        let errors = body["errors"].as_object().unwrap();
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["limit"],
            "{bad}: {body}"
        );
    }
}

async fn tags_only_drafts_or_unlisted_articles_use_are_not_listed(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("quiet").await;
    write(&app, &token, "Draft", &["shared", "secret"], "draft").await;
    let unlisted = write(&app, &token, "Unlisted", &["shared", "hidden"], "unlisted").await;
    assert_eq!(popular(&app, "").await, Vec::<String>::new());

    let public = write(&app, &token, "Public", &["shared"], "published").await;
    assert_eq!(popular(&app, "").await, ["shared"]);
    assert_eq!(
        follow(&app, Some(&token), "shared").await,
        (StatusCode::OK, tag("shared", 1, true))
    );

    // Unlisting the published one takes its tags out; publishing the unlisted one adds its own.
    app.update_article(&token, &public, json!({"status": "unlisted"}))
        .await;
    assert_eq!(popular(&app, "").await, Vec::<String>::new());
    app.update_article(&token, &unlisted, json!({"status": "published"}))
        .await;
    assert_eq!(popular(&app, "").await, ["hidden", "shared"]);
}

async fn deleting_articles_and_accounts_lowers_tag_counts(engine: Engine) {
    let app = spawn_app(engine).await;
    let ann = app.register("ann").await;
    let ben = app.register("ben").await;
    let cat = app.register("cat").await;
    let both = write(&app, &ann, "Both", &["rust", "web"], "published").await;
    let solo = write(&app, &ann, "Solo", &["solo"], "published").await;
    write(&app, &ben, "Ben rust", &["rust"], "published").await;
    write(&app, &ben, "Ben go", &["go", "web"], "published").await;
    write(&app, &ben, "Ben go again", &["go"], "published").await;
    write(&app, &cat, "Cat web", &["web"], "published").await;
    assert_eq!(popular(&app, "").await, ["web", "go", "rust", "solo"]);

    delete_article(&app, &ann, &both).await;
    assert_eq!(popular(&app, "").await, ["go", "web", "rust", "solo"]);
    delete_article(&app, &ann, &solo).await;
    assert_eq!(popular(&app, "").await, ["go", "web", "rust"]);

    // Deleting an account takes its articles' tags along.
    let (status, body) = app.delete("/api/user", Some(&ben)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(popular(&app, "").await, ["web"]);
    assert_eq!(
        follow(&app, Some(&cat), "web").await,
        (StatusCode::OK, tag("web", 1, true))
    );
}

async fn publishing_a_draft_raises_tag_counts(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("publisher").await;
    write(&app, &token, "Go", &["go"], "published").await;
    write(&app, &token, "Rust", &["rust"], "published").await;
    let draft = write(&app, &token, "Rust draft", &["rust", "new"], "draft").await;
    assert_eq!(popular(&app, "").await, ["go", "rust"]);

    let published = app.set_status(&token, &draft, "published").await;
    assert_eq!(popular(&app, "").await, ["rust", "go", "new"]);
    assert_eq!(
        follow(&app, Some(&token), "rust").await,
        (StatusCode::OK, tag("rust", 2, true))
    );

    let draft = app.set_status(&token, &published, "draft").await;
    assert_eq!(popular(&app, "").await, ["go", "rust"]);
    app.set_status(&token, &draft, "published").await;
    assert_eq!(popular(&app, "").await, ["rust", "go", "new"]);
}

async fn retagging_moves_tag_counts(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("retagger").await;
    let slug = write(&app, &token, "Moving", &["old", "kept"], "published").await;
    let draft = write(&app, &token, "Still a draft", &["kept"], "draft").await;
    assert_eq!(popular(&app, "").await, ["kept", "old"]);

    app.update_article(&token, &slug, json!({"tagList": ["kept", "new"]}))
        .await;
    assert_eq!(popular(&app, "").await, ["kept", "new"]);
    // A draft's new tags do not count either.
    app.update_article(&token, &draft, json!({"tagList": ["kept", "draft-only"]}))
        .await;
    assert_eq!(popular(&app, "").await, ["kept", "new"]);
    assert_eq!(
        follow(&app, Some(&token), "kept").await,
        (StatusCode::OK, tag("kept", 1, true))
    );
    app.update_article(&token, &slug, json!({"tagList": []}))
        .await;
    assert_eq!(popular(&app, "").await, Vec::<String>::new());
}

async fn following_a_tag_is_idempotent_and_listed(engine: Engine) {
    let app = spawn_app(engine).await;
    let ann = app.register("ann").await;
    let reader = app.register("reader").await;
    write(&app, &ann, "Rust", &["rust"], "published").await;
    write(&app, &ann, "More rust", &["rust", "go"], "published").await;
    write(&app, &ann, "Korean", &["러스트"], "published").await;
    assert_eq!(followed(&app, &reader).await, Vec::<String>::new());

    for _ in 0..2 {
        assert_eq!(
            follow(&app, Some(&reader), "rust").await,
            (StatusCode::OK, tag("rust", 2, true))
        );
    }
    assert_eq!(
        follow(&app, Some(&reader), "러스트").await,
        (StatusCode::OK, tag("러스트", 1, true))
    );
    assert_eq!(
        follow(&app, Some(&reader), "go").await,
        (StatusCode::OK, tag("go", 1, true))
    );
    assert_eq!(followed(&app, &reader).await, ["go", "rust", "러스트"]);

    // Following is per user.
    assert_eq!(followed(&app, &ann).await, Vec::<String>::new());
    assert_eq!(
        unfollow(&app, Some(&ann), "rust").await,
        (StatusCode::OK, tag("rust", 2, false))
    );
    assert_eq!(followed(&app, &reader).await, ["go", "rust", "러스트"]);

    for _ in 0..2 {
        assert_eq!(
            unfollow(&app, Some(&reader), "rust").await,
            (StatusCode::OK, tag("rust", 2, false))
        );
    }
    assert_eq!(followed(&app, &reader).await, ["go", "러스트"]);
}

async fn following_needs_a_known_tag_and_a_signed_in_user(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("follower").await;
    write(&app, &token, "Tagged", &["known"], "published").await;
    let other = app.register("other").await;
    write(&app, &other, "Private", &["secret-project"], "draft").await;

    // A tag only someone's draft uses answers exactly as one nobody ever used.
    let not_found = json!({"errors": {"tag": ["not found"]}});
    for name in ["never-used", "secret-project"] {
        assert_eq!(
            follow(&app, Some(&token), name).await,
            (StatusCode::NOT_FOUND, not_found.clone())
        );
        assert_eq!(
            unfollow(&app, Some(&token), name).await,
            (StatusCode::OK, tag(name, 0, false))
        );
    }
    assert_eq!(followed(&app, &token).await, Vec::<String>::new());

    assert_eq!(
        follow(&app, None, "known").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        unfollow(&app, None, "known").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/user/tags", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        follow(&app, Some("not-a-token"), "known").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(followed(&app, &token).await, Vec::<String>::new());
}

async fn the_feed_adds_followed_tags_each_article_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let reader = app.register("reader").await;
    let x = app.register("x").await;
    let y = app.register("y").await;
    let z = app.register("z").await;
    let x_plain = write(&app, &x, "X plain", &["go"], "published").await;
    let y_rust = write(&app, &y, "Y rust", &["rust", "wasm"], "published").await;
    let x_rust = write(&app, &x, "X rust", &["rust"], "published").await;
    write(&app, &z, "Z python", &["python"], "published").await;
    write(&app, &reader, "Mine", &["rust"], "published").await;
    write(&app, &y, "Y draft", &["rust"], "draft").await;
    write(&app, &y, "Y unlisted", &["rust"], "unlisted").await;

    let (status, _) = app
        .post("/api/profiles/x/follow", Some(&reader), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(follow(&app, Some(&reader), "rust").await.0, StatusCode::OK);
    assert_eq!(follow(&app, Some(&reader), "wasm").await.0, StatusCode::OK);

    let expected = vec![x_rust.clone(), y_rust.clone(), x_plain.clone()];
    assert_eq!(feed(&app, &reader, "").await, (expected.clone(), 3));
    assert_eq!(
        feed(&app, &reader, "?limit=2").await,
        (expected[..2].to_vec(), 3)
    );
    assert_eq!(
        feed(&app, &reader, "?limit=2&offset=2").await,
        (expected[2..].to_vec(), 3)
    );
    assert_eq!(feed(&app, &reader, "?offset=3").await, (vec![], 3));

    // Y's article is there for its tag: the reader does not follow Y.
    let (_, body) = app.get("/api/articles/feed", Some(&reader)).await;
    let following: Vec<Value> = body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["author"]["following"].clone())
        .collect();
    assert_eq!(following, [true, false, true]);

    // Someone who follows nothing still has an empty feed.
    assert_eq!(feed(&app, &z, "").await, (vec![], 0));
}

async fn unfollowing_a_tag_takes_its_articles_out_of_the_feed(engine: Engine) {
    let app = spawn_app(engine).await;
    let reader = app.register("reader").await;
    let x = app.register("x").await;
    let y = app.register("y").await;
    let x_rust = write(&app, &x, "X rust", &["rust"], "published").await;
    let y_rust = write(&app, &y, "Y rust", &["rust", "wasm"], "published").await;
    app.post("/api/profiles/x/follow", Some(&reader), json!({}))
        .await;
    follow(&app, Some(&reader), "rust").await;
    follow(&app, Some(&reader), "wasm").await;
    assert_eq!(
        feed(&app, &reader, "").await,
        (vec![y_rust.clone(), x_rust.clone()], 2)
    );

    // Still followed through its other tag.
    unfollow(&app, Some(&reader), "rust").await;
    assert_eq!(
        feed(&app, &reader, "").await,
        (vec![y_rust.clone(), x_rust.clone()], 2)
    );
    unfollow(&app, Some(&reader), "wasm").await;
    assert_eq!(feed(&app, &reader, "").await, (vec![x_rust.clone()], 1));

    // Following the author is separate from following the tag.
    app.delete("/api/profiles/x/follow", Some(&reader)).await;
    assert_eq!(feed(&app, &reader, "").await, (vec![], 0));
    follow(&app, Some(&reader), "rust").await;
    assert_eq!(feed(&app, &reader, "").await, (vec![y_rust, x_rust], 2));
}
