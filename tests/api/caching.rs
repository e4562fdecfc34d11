//! Read caching: answers served from a replica's cache are never wrong in a way a user could
//! notice. A write shows to its writer at once and on another replica within moments; what is
//! one viewer's (`favorited`, `following`) never reaches another; an ended or suspended session
//! is refused at once on every replica, however recently its token was accepted.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::engine_tests;
use crate::helpers::{Engine, ServerProcess, TestApp, spawn_app, spawn_app_with_admin};

engine_tests!(
    cached_reads_show_every_write_to_its_writer_at_once,
    only_writes_that_change_something_empty_the_cache,
    a_second_replica_sees_writes_and_refuses_ended_sessions,
    public_pages_are_kept_per_language_and_encoding_but_never_a_reader_s_own,
);

/// How many answers `app` served from its cache so far.
async fn hits(app: &TestApp) -> u64 {
    app.metrics()
        .await
        .lines()
        .find(|l| l.starts_with("read_cache_requests_total{result=\"hit\"}"))
        .and_then(|l| l.rsplit(' ').next())
        .map_or(0, |n| n.parse().unwrap())
}

/// `(favorited, favoritesCount, author following)` of the article `slug` in `app`'s list as
/// `token` sees it.
async fn listed(app: &TestApp, token: Option<&str>, slug: &str) -> Option<(bool, i64, bool)> {
    let (status, body) = app.get("/api/articles", token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["slug"] == slug)
        .map(|a| {
            (
                a["favorited"].as_bool().unwrap(),
                a["favoritesCount"].as_i64().unwrap(),
                a["author"]["following"].as_bool().unwrap(),
            )
        })
}

/// Asks `check` until it holds, for up to two seconds; how long that took.
async fn within<F, Fut>(what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "the other replica never showed {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    start.elapsed()
}

async fn cached_reads_show_every_write_to_its_writer_at_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let first = app.create_article(&author, "First", &["cache"]).await;

    let before = hits(&app).await;
    for token in [None, Some(reader.as_str()), None, Some(reader.as_str())] {
        assert_eq!(listed(&app, token, &first).await, Some((false, 0, false)));
    }
    assert!(
        hits(&app).await >= before + 2,
        "repeated reads were not cached"
    );

    let (status, _) = app
        .post(
            &format!("/api/articles/{first}/favorite"),
            Some(&reader),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    app.post("/api/profiles/author/follow", Some(&reader), json!({}))
        .await;
    assert_eq!(
        listed(&app, Some(&reader), &first).await,
        Some((true, 1, true))
    );
    assert_eq!(listed(&app, None, &first).await, Some((false, 1, false)));
    assert_eq!(
        listed(&app, Some(&author), &first).await,
        Some((false, 1, false))
    );

    let second = app.create_article(&author, "Second", &["cache"]).await;
    assert!(listed(&app, None, &second).await.is_some());
    app.update_article(&author, &second, json!({"description": "edited"}))
        .await;
    let (_, one) = app.get(&format!("/api/articles/{second}"), None).await;
    assert_eq!(one["article"]["description"], "edited");

    let (status, _) = app.get("/api/articles/feed", Some(&reader)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .post("/api/users/logout", Some(&reader), json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.get("/api/articles/feed", Some(&reader)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a cached feed outlived its session"
    );
    // The public list answers the ended session as anyone, not as the reader it was.
    assert_eq!(
        listed(&app, Some(&reader), &first).await,
        Some((false, 1, false))
    );
}

async fn a_second_replica_sees_writes_and_refuses_ended_sessions(engine: Engine) {
    let (one, admin, url) = spawn_app_with_admin(engine, "admin").await;
    // A process of its own, as a replica is: nothing is shared with `one` but the database.
    let replica = ServerProcess::start_on(&url, &[]).await;
    let two = &replica.app;
    let author = one.register("author").await;
    let reader = one.register("reader").await;
    let other = one.register("other").await;
    let first = one.create_article(&author, "First", &["cache"]).await;

    // Replica two caches each viewer's list and the reader's feed, once it hears the others.
    let before = hits(two).await;
    within("caching", || async {
        listed(two, None, &first).await;
        hits(two).await > before
    })
    .await;
    // A notification of the writes above may still be on its way and empty the cache once more
    // (on SQLite the replica polls every 100 ms): the round is repeated until it holds.
    within("caching every viewer's answer", || async {
        let before = hits(two).await;
        for _ in 0..2 {
            for token in [None, Some(reader.as_str()), Some(other.as_str())] {
                assert_eq!(listed(two, token, &first).await, Some((false, 0, false)));
            }
            let (status, _) = two.get("/api/articles/feed", Some(&reader)).await;
            assert_eq!(status, StatusCode::OK);
        }
        hits(two).await >= before + 4
    })
    .await;

    let second = one.create_article(&author, "Second", &["cache"]).await;
    let took = within("a new article", || async {
        listed(two, None, &second).await.is_some()
    })
    .await;
    eprintln!("replica two listed the new article after {took:?}");

    one.post(
        &format!("/api/articles/{first}/favorite"),
        Some(&reader),
        json!({}),
    )
    .await;
    one.post("/api/profiles/author/follow", Some(&reader), json!({}))
        .await;
    within("the reader's favorite", || async {
        listed(two, Some(&reader), &first).await == Some((true, 1, true))
    })
    .await;
    for (who, token) in [("someone else", Some(other.as_str())), ("anyone", None)] {
        within(&format!("the new count to {who}"), || async {
            let seen = listed(two, token, &first).await.unwrap();
            assert_eq!(
                (seen.0, seen.2),
                (false, false),
                "{who} got the reader's answer"
            );
            seen.1 == 1
        })
        .await;
    }
    within("the followed author in the reader's feed", || async {
        let (_, feed) = two.get("/api/articles/feed", Some(&reader)).await;
        feed["articlesCount"] == 2
    })
    .await;

    // Ending a session on one replica ends it on the other before the answer arrives.
    let (status, _) = one
        .post("/api/users/logout", Some(&reader), json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = two.get("/api/articles/feed", Some(&reader)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        listed(two, Some(&reader), &first).await,
        Some((false, 1, false))
    );

    let (status, _) = two.get("/api/user", Some(&author)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = one
        .post(
            "/api/admin/users/author/suspension?reason=spam",
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = two.get("/api/user", Some(&author)).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"errors": {"token": ["belongs to a suspended account"]}})
        )
    );
    within("the suspended author's articles hidden", || async {
        let (_, body): (StatusCode, Value) = two.get("/api/articles", None).await;
        body["articlesCount"] == 0
    })
    .await;
}

/// Requests that change nothing a reader sees leave cached answers alone: a stranger's POST to
/// an unknown route, writes refused as unauthenticated, forbidden or not found, a failed sign-in
/// (a counter written) and a write that was already so. A real write still shows at once.
async fn only_writes_that_change_something_empty_the_cache(engine: Engine) {
    // A process of its own: the hit count is exact only when no other test's server in this
    // process counts its hits in the same metrics.
    let server = ServerProcess::start(engine, &[]).await;
    let app = &server.app;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let slug = app.create_article(&author, "Kept", &[]).await;
    // On SQLite the server hears its own write once more from the file, within its poll.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(listed(app, None, &slug).await, Some((false, 0, false)));

    let favorite = format!("/api/articles/{slug}/favorite");
    let refused = [
        (
            "POST",
            "/api/no-such-route".to_string(),
            None,
            StatusCode::NOT_FOUND,
        ),
        ("POST", favorite.clone(), None, StatusCode::UNAUTHORIZED),
        (
            "PUT",
            format!("/api/articles/{slug}"),
            Some(reader.as_str()),
            StatusCode::FORBIDDEN,
        ),
        (
            "DELETE",
            format!("/api/articles/{slug}"),
            Some(reader.as_str()),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            "/api/articles/no-such-story/favorite".to_string(),
            Some(reader.as_str()),
            StatusCode::NOT_FOUND,
        ),
        // Never favorited: nothing to take back.
        (
            "DELETE",
            favorite.clone(),
            Some(reader.as_str()),
            StatusCode::OK,
        ),
        (
            "POST",
            "/api/users/login".to_string(),
            None,
            StatusCode::UNAUTHORIZED,
        ),
    ];
    for (method, path, token, expected) in refused {
        let before = hits(app).await;
        let body = json!({
            "article": {"title": "Taken over"},
            "user": {"email": "author@example.com", "password": "wrong-password"},
        });
        let (status, answer) = app
            .call(method.parse().unwrap(), &path, token, Some(body))
            .await;
        assert_eq!(status, expected, "{method} {path}: {answer}");
        // Time for a change to be heard from the file or the notification channel.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(listed(app, None, &slug).await, Some((false, 0, false)));
        assert_eq!(
            hits(app).await,
            before + 1,
            "{method} {path} ({expected}) emptied the cache"
        );
    }

    let (status, _) = app.post(&favorite, Some(&reader), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed(app, None, &slug).await, Some((false, 1, false)));
}

async fn public_pages_are_kept_per_language_and_encoding_but_never_a_reader_s_own(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let slug = app.create_article(&author, "Kept pages", &[]).await;
    let story = format!("/article/{slug}");
    let mut anonymous = Browser::new(&app.base);
    let first = anonymous.get(&story).await;
    assert_eq!(first.status, StatusCode::OK);
    let before = hits(&app).await;
    let again = anonymous.get(&story).await;
    assert!(
        hits(&app).await > before,
        "the second visit was not served from the cache"
    );
    assert_eq!(again.html, first.html);
    assert_eq!(
        again.headers["content-security-policy"],
        first.headers["content-security-policy"]
    );

    let mut korean = Browser::new(&app.base);
    korean.cookies.insert("lang".into(), "ko".into());
    assert!(korean.get(&story).await.html.contains("<html lang=\"ko\">"));
    assert!(
        anonymous
            .get(&story)
            .await
            .html
            .contains("<html lang=\"en\">")
    );

    // Compressed for a client that asks, plain for one that does not, whichever came first.
    let raw = reqwest::Client::new();
    let url = format!("{}{story}", app.base);
    for _ in 0..2 {
        let gzip = raw
            .get(&url)
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(gzip.headers()["content-encoding"], "gzip");
        let plain = raw.get(&url).send().await.unwrap();
        assert!(plain.headers().get("content-encoding").is_none());
        assert!(plain.text().await.unwrap().contains("Kept pages"));
    }

    // A signed-in reader's page holds their form token: never kept, never shown to others.
    let mut reader = Browser::new(&app.base);
    reader.sign_up("reader").await;
    let own = reader.get(&story).await.html;
    assert!(own.contains("name=\"csrf\""));
    let after = anonymous.get(&story).await.html;
    assert!(!after.contains("name=\"csrf\""), "{after}");

    // A write shows at once.
    let token = app.login("reader").await;
    app.post(
        &format!("/api/articles/{slug}/comments"),
        Some(&token),
        json!({"comment": {"body": "Fresh words"}}),
    )
    .await;
    assert!(anonymous.get(&story).await.html.contains("Fresh words"));

    // Pages are counted by their route, served from the cache or not.
    let metrics = app.metrics().await;
    assert!(metrics.contains("route=\"/article/{slug}\""), "{metrics}");
}
