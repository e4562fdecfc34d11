//! What a block, hidden content and a suspension forbid and hide, each actor against each rule
//! (see `storage/visibility.rs`), and the addresses of unpublished articles: nothing a stranger
//! is answered tells that they exist.

use std::time::Duration;

use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, slugs, spawn_app, spawn_app_with_admin};

engine_tests!(
    a_blocked_user_cannot_reach_the_blocker_who_hears_nothing_of_them,
    a_block_hides_comments_both_ways,
    hidden_comments_show_their_text_nowhere,
    a_suspension_landing_mid_request_leaves_nothing_public,
    writes_racing_a_suspension_leave_nothing_public,
    unpublished_articles_have_unguessable_slugs,
    strangers_learn_nothing_of_unpublished_articles,
);

async fn comment(
    app: &TestApp,
    token: &str,
    slug: &str,
    body: &str,
    parent: Option<i64>,
) -> (StatusCode, Value) {
    app.post(
        &format!("/api/articles/{slug}/comments"),
        Some(token),
        json!({"comment": {"body": body, "parentId": parent}}),
    )
    .await
}

async fn comment_id(
    app: &TestApp,
    token: &str,
    slug: &str,
    body: &str,
    parent: Option<i64>,
) -> i64 {
    let (status, answer) = comment(app, token, slug, body, parent).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer["comment"]["id"].as_i64().unwrap()
}

async fn report_comment(app: &TestApp, token: &str, slug: &str, id: i64) -> (StatusCode, Value) {
    app.post(
        &format!("/api/articles/{slug}/comments/{id}/report"),
        Some(token),
        json!({"reason": "rude"}),
    )
    .await
}

async fn comment_bodies(app: &TestApp, slug: &str, token: Option<&str>) -> Vec<Value> {
    let (status, list) = app
        .get(&format!("/api/articles/{slug}/comments"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].clone())
        .collect()
}

/// `token`'s notifications as `[kind, actor, actorsCount, comment body]`, newest first, and
/// the unread count.
async fn notifications(app: &TestApp, token: &str) -> (Vec<Value>, Value) {
    let (status, body) = app.get("/api/notifications", Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let list = body["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            json!([
                n["kind"],
                n["actor"]["username"],
                n["actorsCount"],
                n["comment"]["body"]
            ])
        })
        .collect();
    (list, body["unreadCount"].clone())
}

fn blocked(field: &str) -> (StatusCode, Value) {
    (
        StatusCode::FORBIDDEN,
        json!({"errors": {field: ["is not allowed: this user has blocked you"]}}),
    )
}

fn not_found(what: &str) -> (StatusCode, Value) {
    (
        StatusCode::NOT_FOUND,
        json!({"errors": {what: ["not found"]}}),
    )
}

async fn a_blocked_user_cannot_reach_the_blocker_who_hears_nothing_of_them(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let troll = app.register("troll").await;
    let fan = app.register("fan").await;
    let host = app.register("host").await;
    let story = app.create_article(&writer, "Peace", &[]).await;
    let elsewhere = app.create_article(&host, "Elsewhere", &[]).await;
    let said = comment_id(&app, &writer, &elsewhere, "writer says", None).await;
    let story_path = format!("/api/articles/{story}");

    // Before the block the troll follows, favorites (after a fan), claps, comments and
    // replies, and the writer hears of each.
    app.post(&format!("{story_path}/favorite"), Some(&fan), json!({}))
        .await;
    let before = [
        app.post("/api/profiles/writer/follow", Some(&troll), json!({}))
            .await,
        app.post(&format!("{story_path}/favorite"), Some(&troll), json!({}))
            .await,
        app.post(
            &format!("{story_path}/claps"),
            Some(&troll),
            json!({"claps": 3}),
        )
        .await,
        comment(&app, &troll, &story, "troll was here", None).await,
        comment(&app, &troll, &elsewhere, "troll replies", Some(said)).await,
    ];
    for (status, body) in &before {
        assert!(status.is_success(), "{body}");
    }
    assert_eq!(
        notifications(&app, &writer).await.0,
        [
            json!(["reply", "troll", 1, "troll replies"]),
            json!(["comment", "troll", 1, "troll was here"]),
            json!(["clap", "troll", 1, null]),
            json!(["follow", "troll", 1, null]),
            json!(["favorite", "troll", 2, null]),
        ]
    );

    let (status, _) = app
        .post("/api/profiles/troll/block", Some(&writer), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    // What the troll did is out of the writer's sight; the favorite shows its other actor (the
    // count, like the article's own favorite count, still has both).
    let heard = (vec![json!(["favorite", "fan", 2, null])], json!(1));
    assert_eq!(notifications(&app, &writer).await, heard);

    // Every way of reaching the writer is refused, and changes nothing.
    let refused = [
        (
            "follow",
            app.post("/api/profiles/writer/follow", Some(&troll), json!({}))
                .await,
            "profile",
        ),
        (
            "comment",
            comment(&app, &troll, &story, "again", None).await,
            "comment",
        ),
        (
            "reply",
            comment(&app, &troll, &elsewhere, "again", Some(said)).await,
            "comment",
        ),
        (
            "favorite",
            app.post(&format!("{story_path}/favorite"), Some(&troll), json!({}))
                .await,
            "favorite",
        ),
        (
            "clap",
            app.post(
                &format!("{story_path}/claps"),
                Some(&troll),
                json!({"claps": 1}),
            )
            .await,
            "claps",
        ),
    ];
    for (what, answer, field) in refused {
        assert_eq!(answer, blocked(field), "{what}");
    }
    // Saving and reporting the writer's public article stay open, and tell the writer nothing.
    let (status, _) = app
        .post(&format!("{story_path}/bookmark"), Some(&troll), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .post(
            &format!("{story_path}/report"),
            Some(&troll),
            json!({"reason": "spam"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    assert_eq!(notifications(&app, &writer).await, heard);
    let (_, article) = app.get(&story_path, Some(&writer)).await;
    assert_eq!(
        (
            &article["article"]["favoritesCount"],
            &article["article"]["clapsCount"]
        ),
        (&json!(2), &json!(3))
    );
    assert_eq!(
        comment_bodies(&app, &story, None).await,
        [json!("troll was here")]
    );
    assert_eq!(
        comment_bodies(&app, &elsewhere, None).await,
        [json!("writer says"), json!("troll replies")]
    );
    let (_, profile) = app.get("/api/profiles/writer", Some(&troll)).await;
    assert_eq!(profile["profile"]["following"], false);
}

async fn a_block_hides_comments_both_ways(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let troll = app.register("troll").await;
    let host = app.register("host").await;
    let thread = app.create_article(&host, "Thread", &[]).await;
    let trolls = app.create_article(&troll, "Troll's own", &[]).await;
    let by_writer = comment_id(&app, &writer, &thread, "writer says", None).await;
    let by_troll = comment_id(&app, &troll, &thread, "troll says", None).await;
    app.post("/api/profiles/troll/block", Some(&writer), json!({}))
        .await;

    // The blocker may still comment on the other's article, but the other neither sees it nor
    // is told of it.
    comment_id(&app, &writer, &trolls, "writer visits", None).await;
    assert_eq!(
        comment_bodies(&app, &trolls, Some(&troll)).await,
        [] as [Value; 0]
    );
    assert_eq!(notifications(&app, &troll).await, (vec![], json!(0)));
    assert_eq!(
        comment_bodies(&app, &trolls, None).await,
        [json!("writer visits")]
    );
    // Neither answers, nor reports (and so reads), a comment they are not shown.
    assert_eq!(
        comment(&app, &writer, &thread, "to you", Some(by_troll)).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"errors": {"parentId": ["must be a comment on this article"]}})
        )
    );
    assert_eq!(
        comment(&app, &troll, &thread, "to you", Some(by_writer)).await,
        blocked("comment")
    );
    assert_eq!(
        report_comment(&app, &troll, &thread, by_writer).await,
        not_found("comment")
    );
    assert_eq!(
        report_comment(&app, &writer, &thread, by_troll).await,
        not_found("comment")
    );
    let (status, _) = report_comment(&app, &host, &thread, by_troll).await;
    assert_eq!(status, StatusCode::CREATED);
}

async fn hidden_comments_show_their_text_nowhere(engine: Engine) {
    let (app, admin, _) = spawn_app_with_admin(engine, "admin").await;
    let owner = app.register("owner").await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let other = app.register("other").await;
    let story = app.create_article(&owner, "Open thread", &[]).await;
    let id = comment_id(&app, &author, &story, "soon hidden", None).await;
    let reply = comment_id(&app, &reader, &story, "a reply", Some(id)).await;
    let (status, filed) = report_comment(&app, &reader, &story, id).await;
    assert_eq!(
        (status, &filed["report"]["excerpt"]),
        (StatusCode::CREATED, &json!("soon hidden"))
    );
    assert_eq!(notifications(&app, &owner).await.0.len(), 2);

    // A moderator hides it: its author is suspended.
    let (status, _) = app
        .post(
            "/api/admin/users/author/suspension",
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Reported again, by the reader whose report is open or by anyone else: not found.
    for token in [&reader, &other] {
        assert_eq!(
            report_comment(&app, token, &story, id).await,
            not_found("comment")
        );
    }
    // Out of notifications, lists and threads; the reply stays where it was, and nobody
    // answers the hidden comment any more.
    assert_eq!(
        notifications(&app, &owner).await,
        (vec![json!(["comment", "reader", 1, "a reply"])], json!(1))
    );
    for token in [None, Some(owner.as_str()), Some(reader.as_str())] {
        let (_, list) = app
            .get(&format!("/api/articles/{story}/comments"), token)
            .await;
        assert!(!list.to_string().contains("soon hidden"), "{list}");
        assert_eq!(
            list["comments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| json!([c["id"], c["parentId"], c["body"]]))
                .collect::<Vec<_>>(),
            [json!([reply, id, "a reply"])]
        );
    }
    assert_eq!(
        comment(&app, &other, &story, "still there?", Some(id)).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"errors": {"parentId": ["must be a comment on this article"]}})
        )
    );
}

/// A request whose headers are sent and whose body waits: the server authenticates it on its
/// headers, then waits for the body.
struct HalfSent {
    stream: TcpStream,
    body: Vec<u8>,
}

impl HalfSent {
    async fn start(app: &TestApp, path: &str, token: &str, body: &Value) -> Self {
        let address = app.base.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).await.unwrap();
        let body = body.to_string().into_bytes();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Token {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        Self { stream, body }
    }

    async fn finish(mut self) -> (StatusCode, Value) {
        self.stream.write_all(&self.body).await.unwrap();
        let mut raw = Vec::new();
        self.stream.read_to_end(&mut raw).await.unwrap();
        let text = String::from_utf8_lossy(&raw);
        let status = text
            .get(9..12)
            .and_then(|code| code.parse().ok())
            .and_then(|code| StatusCode::from_u16(code).ok())
            .unwrap_or_else(|| panic!("not an HTTP answer: {text}"));
        let body = text.split_once("\r\n\r\n").map_or("", |(_, body)| body);
        let json = serde_json::from_str(body).unwrap_or_else(|_| panic!("{text}"));
        (status, json)
    }
}

fn suspended() -> (StatusCode, Value) {
    (
        StatusCode::UNAUTHORIZED,
        json!({"errors": {"token": ["belongs to a suspended account"]}}),
    )
}

async fn a_suspension_landing_mid_request_leaves_nothing_public(engine: Engine) {
    let (app, admin, _) = spawn_app_with_admin(engine, "admin").await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let story = app.create_article(&reader, "Open", &[]).await;
    let article = json!({"article": {"title": "Slipped through", "description": "d", "body": "b"}});
    let writing = HalfSent::start(&app, "/api/articles", &author, &article).await;
    let commenting = HalfSent::start(
        &app,
        &format!("/api/articles/{story}/comments"),
        &author,
        &json!({"comment": {"body": "slipped through"}}),
    )
    .await;
    // Both are authenticated by now, and wait for their bodies.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, body) = app
        .post(
            "/api/admin/users/author/suspension",
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    assert_eq!(writing.finish().await, suspended());
    assert_eq!(commenting.finish().await, suspended());
    // Refused, not hidden: reinstated, the author has written nothing.
    app.delete("/api/admin/users/author/suspension", Some(&admin))
        .await;
    let (_, list) = app.get("/api/articles?author=author", None).await;
    assert_eq!(list["articlesCount"], 0, "{list}");
    let (status, _) = app.get("/api/articles/slipped-through", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(comment_bodies(&app, &story, None).await, [] as [Value; 0]);
}

async fn writes_racing_a_suspension_leave_nothing_public(engine: Engine) {
    let (app, admin, _) = spawn_app_with_admin(engine, "admin").await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let story = app.create_article(&reader, "Open", &[]).await;
    // Many writes, all authenticated, whose bodies arrive one after another from when the
    // suspension starts: some are written before it, some wait for it, some come after it.
    let mut writes = Vec::new();
    for i in 0..40 {
        writes.push(if i % 2 == 0 {
            let article =
                json!({"article": {"title": format!("Race {i}"), "description": "d", "body": "b"}});
            HalfSent::start(&app, "/api/articles", &author, &article).await
        } else {
            let comment = json!({"comment": {"body": format!("race {i}")}});
            let path = format!("/api/articles/{story}/comments");
            HalfSent::start(&app, &path, &author, &comment).await
        });
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let bodies = writes.into_iter().enumerate().map(|(i, write)| async move {
        tokio::time::sleep(Duration::from_millis(10 * i as u64)).await;
        write.finish().await
    });
    let suspension = app.post(
        "/api/admin/users/author/suspension",
        Some(&admin),
        json!({}),
    );
    let (answers, (status, body)) = tokio::join!(join_all(bodies), suspension);
    assert_eq!(status, StatusCode::OK, "{body}");

    // Each write was refused, or written before the suspension and hidden by it (an article
    // hidden before its answer could show it answers 404).
    let mut written = Vec::new();
    for answer in answers {
        match answer.0 {
            StatusCode::CREATED => written.push(answer.1),
            StatusCode::NOT_FOUND => assert_eq!(answer, not_found("article")),
            _ => assert_eq!(answer, suspended()),
        }
    }
    for token in [None, Some(reader.as_str())] {
        for article in written.iter().filter_map(|w| w["article"]["slug"].as_str()) {
            let (status, _) = app.get(&format!("/api/articles/{article}"), token).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{article}");
        }
        let (_, list) = app.get("/api/articles", token).await;
        assert_eq!(
            (slugs(&list), &list["articlesCount"]),
            (vec![story.clone()], &json!(1))
        );
        assert_eq!(comment_bodies(&app, &story, token).await, [] as [Value; 0]);
        let (_, article) = app.get(&format!("/api/articles/{story}"), token).await;
        assert_eq!(article["article"]["commentsCount"], 0);
    }
}

/// Whether `slug` is `base` with an unguessable part: 20 characters of `[0-9a-z]`.
fn unguessable(slug: &str, base: &str) -> bool {
    slug.strip_prefix(base)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|secret| {
            secret.len() == 20
                && secret
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// What an anonymous reader of `slug` is answered.
async fn opens(app: &TestApp, slug: String) -> StatusCode {
    app.get(&format!("/api/articles/{slug}"), None).await.0
}

async fn unpublished_articles_have_unguessable_slugs(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let draft = app
        .create_article_with(&author, json!({"title": "Field notes", "status": "draft"}))
        .await["slug"]
        .as_str()
        .unwrap()
        .to_string();
    let unlisted = app
        .create_article_with(
            &author,
            json!({"title": "Field notes", "status": "unlisted"}),
        )
        .await["slug"]
        .as_str()
        .unwrap()
        .to_string();
    for slug in [&draft, &unlisted] {
        assert!(unguessable(slug, "field-notes"), "{slug}");
    }
    assert_ne!(draft, unlisted);
    // Its title does not open it; its link does.
    let open = |slug: String| opens(&app, slug);
    assert_eq!(open("field-notes".into()).await, StatusCode::NOT_FOUND);
    assert_eq!(open(unlisted.clone()).await, StatusCode::OK);

    // Edits that keep the title and keep it unpublished keep its link.
    for change in [
        json!({"body": "more"}),
        json!({"title": "Field notes"}),
        json!({"title": "Field  Notes!"}),
        json!({"status": "draft"}),
        json!({"status": "unlisted"}),
    ] {
        let article = app.update_article(&author, &unlisted, change.clone()).await;
        assert_eq!(article["slug"], json!(unlisted), "{change}");
    }

    // Published, it takes the readable slug, and its unguessable link opens nothing any more.
    let published = app.set_status(&author, &unlisted, "published").await;
    assert_eq!(published, "field-notes");
    assert_eq!(open(unlisted.clone()).await, StatusCode::NOT_FOUND);
    // Unlisted again, it gets a new unguessable link: neither address it had opens it.
    let again = app.set_status(&author, &published, "unlisted").await;
    assert!(
        unguessable(&again, "field-notes") && again != unlisted,
        "{again}"
    );
    assert_eq!(open(published).await, StatusCode::NOT_FOUND);
    assert_eq!(open(unlisted).await, StatusCode::NOT_FOUND);
    assert_eq!(open(again.clone()).await, StatusCode::OK);
    // A new title, a new unguessable link.
    let retitled = app
        .update_article(&author, &again, json!({"title": "Other notes"}))
        .await;
    assert!(
        unguessable(retitled["slug"].as_str().unwrap(), "other-notes"),
        "{retitled}"
    );
}

async fn strangers_learn_nothing_of_unpublished_articles(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let stranger = app.register("stranger").await;
    let draft = app
        .create_article_with(&author, json!({"title": "Same title", "status": "draft"}))
        .await["slug"]
        .as_str()
        .unwrap()
        .to_string();
    app.create_article_with(
        &author,
        json!({"title": "Same title", "status": "unlisted"}),
    )
    .await;
    // A stranger's article of the same title gets the plain slug: no unpublished one holds it.
    assert_eq!(
        app.create_article(&stranger, "Same title", &[]).await,
        "same-title"
    );

    // Whatever a stranger does with a draft's slug is answered as for a slug of the same shape
    // that names nothing.
    let nothing = format!("same-title-{}", "0".repeat(20));
    let attempts = [
        (Method::GET, "", None),
        (
            Method::PUT,
            "",
            Some(json!({"article": {"title": "Mine now"}})),
        ),
        (Method::DELETE, "", None),
        (Method::POST, "/favorite", Some(json!({}))),
        (Method::DELETE, "/favorite", None),
        (Method::POST, "/bookmark", Some(json!({}))),
        (Method::DELETE, "/bookmark", None),
        (Method::POST, "/claps", Some(json!({"claps": 1}))),
        (Method::DELETE, "/claps", None),
        (Method::GET, "/comments", None),
        (
            Method::POST,
            "/comments",
            Some(json!({"comment": {"body": "hi"}})),
        ),
        (Method::POST, "/report", Some(json!({"reason": "why"}))),
    ];
    for (method, route, body) in attempts {
        for token in [Some(stranger.as_str()), None] {
            let on_draft = app
                .call(
                    method.clone(),
                    &format!("/api/articles/{draft}{route}"),
                    token,
                    body.clone(),
                )
                .await;
            let on_nothing = app
                .call(
                    method.clone(),
                    &format!("/api/articles/{nothing}{route}"),
                    token,
                    body.clone(),
                )
                .await;
            assert_eq!(on_draft, on_nothing, "{method} {route}");
            assert!(
                on_draft.0.is_client_error(),
                "{method} {route}: {on_draft:?}"
            );
        }
    }
    let (_, body) = app
        .get(&format!("/api/articles/{draft}"), Some(&author))
        .await;
    assert_eq!(
        (
            &body["article"]["title"],
            &body["article"]["favoritesCount"],
            &body["article"]["commentsCount"]
        ),
        (&json!("Same title"), &json!(0), &json!(0))
    );
}
