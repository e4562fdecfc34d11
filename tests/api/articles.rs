use reqwest::StatusCode;
use serde_json::json;

use crate::engine_tests;
use crate::helpers::{Engine, slugs, spawn_app};

engine_tests!(
    article_lifecycle,
    slugs_follow_titles_in_any_script,
    slugs_never_shadow_routes_and_survive_edits,
    lists_filter_count_and_page,
    per_viewer_flags_are_per_article,
    feed_shows_followed_authors_only,
    tag_list_absent_empty_and_null,
    only_the_author_may_change_an_article,
    favorites_count_and_are_idempotent,
    bad_paging_values_are_422,
);

async fn article_lifecycle(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("writer").await;
    let (status, body) = app
        .post(
            "/api/articles",
            Some(&token),
            json!({"article": {"title": "How to train your dragon", "description": "Ever wonder how?", "body": "Very carefully.", "tagList": ["training", "dragons"]}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let a = &body["article"];
    assert_eq!(a["slug"], "how-to-train-your-dragon");
    assert_eq!(a["tagList"], json!(["dragons", "training"]));
    assert_eq!(
        (a["favorited"].clone(), a["favoritesCount"].clone()),
        (json!(false), json!(0))
    );
    assert_eq!(
        a["author"],
        json!({"username": "writer", "bio": null, "image": null, "following": false})
    );
    assert_eq!(a["createdAt"], a["updatedAt"]);
    assert!(a["createdAt"].as_str().unwrap().ends_with('Z'));

    let (status, body) = app
        .get("/api/articles/how-to-train-your-dragon", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["article"]["body"], "Very carefully.");

    let (status, body) = app
        .put(
            "/api/articles/how-to-train-your-dragon",
            Some(&token),
            json!({"article": {"body": "With patience."}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["article"]["slug"], "how-to-train-your-dragon");
    assert_eq!(body["article"]["body"], "With patience.");
    assert_eq!(body["article"]["title"], "How to train your dragon");
    assert_ne!(body["article"]["updatedAt"], body["article"]["createdAt"]);

    let (status, _) = app
        .delete("/api/articles/how-to-train-your-dragon", Some(&token))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app
        .get("/api/articles/how-to-train-your-dragon", None)
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"errors": {"article": ["not found"]}})
        )
    );
}

async fn slugs_follow_titles_in_any_script(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("polyglot").await;
    let korean = app.create_article(&token, "안녕하세요 세계", &[]).await;
    assert_eq!(korean, "안녕하세요-세계");
    let emoji = app.create_article(&token, "🚀🔥", &[]).await;
    assert!(emoji.starts_with("article"), "{emoji}");
    for slug in [&korean, &emoji] {
        let (status, body) = app.get(&format!("/api/articles/{slug}"), None).await;
        assert_eq!(status, StatusCode::OK, "{slug}");
        assert_eq!(&body["article"]["slug"], slug.as_str());
    }
    // Same title again: a distinct, still readable slug.
    let again = app.create_article(&token, "안녕하세요 세계", &[]).await;
    assert!(
        again.starts_with("안녕하세요-세계-") && again != korean,
        "{again}"
    );

    // A new title gives a new slug; the old one is gone.
    let (status, body) = app
        .put(
            &format!("/api/articles/{korean}"),
            Some(&token),
            json!({"article": {"title": "Hello World"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["article"]["slug"], "hello-world");
    assert_eq!(
        app.get(&format!("/api/articles/{korean}"), None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/articles/hello-world", None).await.0,
        StatusCode::OK
    );
}

async fn lists_filter_count_and_page(engine: Engine) {
    let app = spawn_app(engine).await;
    let ann = app.register("ann").await;
    let ben = app.register("ben").await;
    let a1 = app.create_article(&ann, "Ann one", &["rust", "web"]).await;
    let a2 = app.create_article(&ann, "Ann two", &["rust"]).await;
    let b1 = app.create_article(&ben, "Ben one", &["web"]).await;
    app.post(
        &format!("/api/articles/{a1}/favorite"),
        Some(&ben),
        json!({}),
    )
    .await;

    let (status, body) = app.get("/api/articles", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        slugs(&body),
        [b1.clone(), a2.clone(), a1.clone()],
        "newest first"
    );
    assert_eq!(body["articlesCount"], 3);
    assert!(body["articles"][0].get("body").is_none(), "lists omit body");

    let (_, body) = app.get("/api/articles?tag=rust", None).await;
    assert_eq!(
        (slugs(&body), body["articlesCount"].clone()),
        (vec![a2.clone(), a1.clone()], json!(2))
    );
    let (_, body) = app.get("/api/articles?author=ben", None).await;
    assert_eq!(slugs(&body), [b1.as_str()]);
    let (_, body) = app.get("/api/articles?favorited=ben", None).await;
    assert_eq!(slugs(&body), [a1.as_str()]);
    let (_, body) = app.get("/api/articles?tag=web&author=ann", None).await;
    assert_eq!(slugs(&body), [a1.as_str()]);
    let (_, body) = app.get("/api/articles?tag=nothing", None).await;
    assert_eq!(
        (body["articles"].clone(), body["articlesCount"].clone()),
        (json!([]), json!(0))
    );
    let (_, body) = app.get("/api/articles?author=nobody&tag=", None).await;
    assert_eq!(body["articlesCount"], 0);

    // articlesCount is the total, not the page size, also past the end.
    let (_, body) = app.get("/api/articles?limit=1&offset=1", None).await;
    assert_eq!(
        (slugs(&body), body["articlesCount"].clone()),
        (vec![a2.clone()], json!(3))
    );
    let (_, body) = app.get("/api/articles?limit=2&offset=10", None).await;
    assert_eq!(
        (body["articles"].clone(), body["articlesCount"].clone()),
        (json!([]), json!(3))
    );
    // Over-large limits are capped rather than refused.
    let (status, body) = app.get("/api/articles?limit=100000", None).await;
    assert_eq!(
        (status, body["articles"].as_array().unwrap().len()),
        (StatusCode::OK, 3)
    );

    let (_, body) = app.get("/api/tags", None).await;
    assert_eq!(body["tags"], json!(["rust", "web"]));
}

async fn per_viewer_flags_are_per_article(engine: Engine) {
    let app = spawn_app(engine).await;
    let author1 = app.register("author1").await;
    let author2 = app.register("author2").await;
    let reader = app.register("reader").await;
    let other_reader = app.register("other_reader").await;
    let first = app.create_article(&author1, "First", &[]).await;
    let second = app.create_article(&author2, "Second", &[]).await;
    app.post(
        &format!("/api/articles/{first}/favorite"),
        Some(&reader),
        json!({}),
    )
    .await;
    app.post("/api/profiles/author2/follow", Some(&reader), json!({}))
        .await;

    let (_, body) = app.get("/api/articles", Some(&reader)).await;
    let by_slug = |slug: &str| {
        body["articles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["slug"] == slug)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (
            by_slug(&first)["favorited"].clone(),
            by_slug(&first)["author"]["following"].clone()
        ),
        (json!(true), json!(false))
    );
    assert_eq!(
        (
            by_slug(&second)["favorited"].clone(),
            by_slug(&second)["author"]["following"].clone()
        ),
        (json!(false), json!(true))
    );

    for token in [Some(other_reader.as_str()), None] {
        let (_, body) = app.get("/api/articles", token).await;
        for a in body["articles"].as_array().unwrap() {
            assert_eq!(
                (a["favorited"].clone(), a["author"]["following"].clone()),
                (json!(false), json!(false))
            );
        }
        let (_, body) = app.get(&format!("/api/articles/{first}"), token).await;
        assert_eq!(
            (
                body["article"]["favorited"].clone(),
                body["article"]["favoritesCount"].clone()
            ),
            (json!(false), json!(1))
        );
    }
    let (_, body) = app
        .get(&format!("/api/articles/{first}"), Some(&reader))
        .await;
    assert_eq!(body["article"]["favorited"], true);
}

async fn feed_shows_followed_authors_only(engine: Engine) {
    let app = spawn_app(engine).await;
    let reader = app.register("reader").await;
    let followed = app.register("followed").await;
    let ignored = app.register("ignored").await;
    assert_eq!(
        app.get("/api/articles/feed", Some(&reader)).await.1,
        json!({"articles": [], "articlesCount": 0})
    );
    let f1 = app.create_article(&followed, "F one", &[]).await;
    let f2 = app.create_article(&followed, "F two", &[]).await;
    app.create_article(&ignored, "Ignored", &[]).await;
    app.create_article(&reader, "Mine", &[]).await;
    app.post("/api/profiles/followed/follow", Some(&reader), json!({}))
        .await;

    let (status, body) = app.get("/api/articles/feed", Some(&reader)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (slugs(&body), body["articlesCount"].clone()),
        (vec![f2.clone(), f1.clone()], json!(2))
    );
    assert_eq!(body["articles"][0]["author"]["following"], true);
    assert!(body["articles"][0].get("body").is_none());
    let (_, body) = app
        .get("/api/articles/feed?limit=1&offset=1", Some(&reader))
        .await;
    assert_eq!(
        (slugs(&body), body["articlesCount"].clone()),
        (vec![f1], json!(2))
    );
    let (_, body) = app.get("/api/articles/feed?offset=5", Some(&reader)).await;
    assert_eq!(body["articlesCount"], 2);
    assert_eq!(
        app.get("/api/articles/feed", None).await.0,
        StatusCode::UNAUTHORIZED
    );
}

async fn tag_list_absent_empty_and_null(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("tagger").await;
    let slug = app.create_article(&token, "Tagged", &["b", "a", "a"]).await;
    let path = format!("/api/articles/{slug}");
    assert_eq!(
        app.get(&path, None).await.1["article"]["tagList"],
        json!(["a", "b"])
    );

    let (_, body) = app
        .put(&path, Some(&token), json!({"article": {"body": "new"}}))
        .await;
    assert_eq!(
        body["article"]["tagList"],
        json!(["a", "b"]),
        "absent keeps tags"
    );
    let (status, body) = app
        .put(&path, Some(&token), json!({"article": {"tagList": null}}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["errors"]["tagList"][0].is_string());
    // No field of an article can be cleared: `null` is refused, not read as "unchanged".
    for field in ["title", "description", "body"] {
        let (status, body) = app
            .put(&path, Some(&token), json!({"article": {field: null}}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {body}");
        assert_eq!(body["errors"][field][0], "can't be blank", "{body}");
    }
    let (_, body) = app
        .put(&path, Some(&token), json!({"article": {"tagList": ["c"]}}))
        .await;
    assert_eq!(body["article"]["tagList"], json!(["c"]));
    assert_eq!(
        app.get("/api/articles?tag=a", None).await.1["articlesCount"],
        0
    );
    assert_eq!(
        app.get("/api/articles?tag=c", None).await.1["articlesCount"],
        1
    );
    let (_, body) = app
        .put(&path, Some(&token), json!({"article": {"tagList": []}}))
        .await;
    assert_eq!(body["article"]["tagList"], json!([]));
    assert_eq!(app.get("/api/tags", None).await.1["tags"], json!([]));

    let (status, body) = app
        .post(
            "/api/articles",
            Some(&token),
            json!({"article": {"title": "T", "description": "d", "body": "b", "tagList": null}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = app
        .post("/api/articles", Some(&token), json!({"article": {"title": "T", "description": "d", "body": "b", "tagList": ["ok", " "]}}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"]["tagList"][0], "can't contain blank tags");
}

async fn only_the_author_may_change_an_article(engine: Engine) {
    let app = spawn_app(engine).await;
    let owner = app.register("owner").await;
    let intruder = app.register("intruder").await;
    let slug = app.create_article(&owner, "Mine alone", &[]).await;
    let path = format!("/api/articles/{slug}");
    let (status, body) = app
        .put(
            &path,
            Some(&intruder),
            json!({"article": {"body": "hijacked"}}),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::FORBIDDEN,
            json!({"errors": {"article": ["forbidden"]}})
        )
    );
    assert_eq!(
        app.delete(&path, Some(&intruder)).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.get(&path, None).await.1["article"]["body"], "the text");
    assert_eq!(
        app.put(&path, None, json!({"article": {"body": "x"}}))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.put("/api/articles/nope", Some(&owner), json!({"article": {}}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.delete("/api/articles/nope", Some(&owner)).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, body) = app
        .put(&path, Some(&owner), json!({"article": {"title": " "}}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"]["title"][0], "can't be blank");
}

async fn favorites_count_and_are_idempotent(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let fan1 = app.register("fan1").await;
    let fan2 = app.register("fan2").await;
    let slug = app.create_article(&author, "Lovable", &[]).await;
    let fav = format!("/api/articles/{slug}/favorite");
    for _ in 0..2 {
        let (status, body) = app.post(&fav, Some(&fan1), json!({})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (
                body["article"]["favorited"].clone(),
                body["article"]["favoritesCount"].clone()
            ),
            (json!(true), json!(1))
        );
    }
    let (_, body) = app.post(&fav, Some(&fan2), json!({})).await;
    assert_eq!(body["article"]["favoritesCount"], 2);
    for _ in 0..2 {
        let (status, body) = app.delete(&fav, Some(&fan1)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (
                body["article"]["favorited"].clone(),
                body["article"]["favoritesCount"].clone()
            ),
            (json!(false), json!(1))
        );
    }
    assert_eq!(
        app.post("/api/articles/missing/favorite", Some(&fan1), json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.delete("/api/articles/missing/favorite", Some(&fan1))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post(&fav, None, json!({})).await.0,
        StatusCode::UNAUTHORIZED
    );
}

async fn bad_paging_values_are_422(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("pager").await;
    for query in [
        "limit=0",
        "limit=-1",
        "limit=abc",
        "limit=1.5",
        "offset=-1",
        "offset=x",
        "limit=99999999999999999999",
    ] {
        let (status, body) = app.get(&format!("/api/articles?{query}"), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let field = query.split('=').next().unwrap();
        assert!(body["errors"][field][0].is_string(), "{query}: {body}");
        let (status, _) = app
            .get(&format!("/api/articles/feed?{query}"), Some(&token))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "feed {query}");
    }
}

async fn slugs_never_shadow_routes_and_survive_edits(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("writer").await;
    // "Feed" would be `/api/articles/feed`, the feed's own route: it gets a suffix instead.
    let feed = app.create_article(&token, "Feed", &[]).await;
    assert!(feed.starts_with("feed-"), "{feed}");
    let (status, body) = app.get(&format!("/api/articles/{feed}"), None).await;
    assert_eq!(
        (status, &body["article"]["title"]),
        (StatusCode::OK, &json!("Feed"))
    );

    // A suffixed slug stays put through edits that keep the title and the status, so shared
    // links keep working.
    app.create_article(&token, "Twice told", &[]).await;
    let second = app.create_article(&token, "Twice told", &[]).await;
    assert_ne!(second, "twice-told");
    for change in [
        json!({"body": "edited"}),
        json!({"title": "Twice told"}),
        json!({"title": "Twice  Told!"}),
        json!({"status": "published"}),
    ] {
        let (status, body) = app
            .put(
                &format!("/api/articles/{second}"),
                Some(&token),
                json!({ "article": change }),
            )
            .await;
        assert_eq!(
            (status, &body["article"]["slug"]),
            (StatusCode::OK, &json!(second)),
            "{change}"
        );
    }
    let (_, body) = app
        .put(
            &format!("/api/articles/{second}"),
            Some(&token),
            json!({"article": {"title": "A new story"}}),
        )
        .await;
    assert_eq!(body["article"]["slug"], "a-new-story");
}
