//! Notifications: each kind, never for one's own action, aggregation of favorites and claps
//! (also under concurrency), reading, paging, and notifications going with what they are about.

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, spawn_app};

engine_tests!(
    a_new_follower_is_notified,
    following_again_after_unfollowing_notifies_once,
    a_comment_notifies_the_article_s_author,
    a_reply_notifies_the_replied_to_and_the_article_s_author,
    own_actions_notify_nobody,
    favorites_are_one_notification_per_article_counting_people,
    a_reader_clapping_many_times_counts_once,
    concurrent_claps_and_favorites_from_many_readers_count_exactly,
    publishing_notifies_followers_once,
    an_article_taken_back_to_draft_hides_its_notifications,
    read_all_or_up_to_an_id,
    someone_new_makes_a_read_aggregate_unread,
    notifications_page_newest_first,
    bad_paging_and_read_bodies_are_refused,
    deleting_a_comment_removes_its_notifications,
    deleting_an_article_removes_its_notifications,
    deleting_an_account_removes_the_notifications_it_caused,
    two_users_notifications_never_mix,
    notifications_need_a_token,
);

const INBOX: &str = "/api/notifications";
const READ: &str = "/api/notifications/read";

/// The whole answer of `GET /api/notifications` for `token`.
async fn inbox(app: &TestApp, token: &str) -> Value {
    let (status, body) = app.get(INBOX, Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Each notification as `[kind, actor, actorsCount, article slug, comment id]`, newest first.
async fn summary(app: &TestApp, token: &str) -> Vec<Value> {
    let body = inbox(app, token).await;
    body["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            json!([
                n["kind"],
                n["actor"]["username"],
                n["actorsCount"],
                n["article"]["slug"],
                n["comment"]["id"],
            ])
        })
        .collect()
}

async fn unread_count(app: &TestApp, token: &str) -> Value {
    inbox(app, token).await["unreadCount"].clone()
}

async fn follow(app: &TestApp, token: &str, username: &str) {
    let (status, body) = app
        .post(
            &format!("/api/profiles/{username}/follow"),
            Some(token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn favorite(app: &TestApp, token: &str, slug: &str) {
    let (status, body) = app
        .post(
            &format!("/api/articles/{slug}/favorite"),
            Some(token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn clap(app: &TestApp, token: &str, slug: &str, claps: i64) {
    let (status, body) = app
        .post(
            &format!("/api/articles/{slug}/claps"),
            Some(token),
            json!({ "claps": claps }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Posts a comment (a reply when `parent` is set) and returns its id.
async fn comment(app: &TestApp, token: &str, slug: &str, body: &str, parent: Option<i64>) -> i64 {
    let (status, answer) = app
        .post(
            &format!("/api/articles/{slug}/comments"),
            Some(token),
            json!({"comment": {"body": body, "parentId": parent}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer["comment"]["id"].as_i64().unwrap()
}

/// Marks read with `body` (none: all) and returns the answer.
async fn mark_read(app: &TestApp, token: &str, body: Option<Value>) -> Value {
    let (status, answer) = app
        .call(reqwest::Method::POST, READ, Some(token), body)
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer
}

fn ids(body: &Value) -> Vec<i64> {
    body["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_i64().unwrap())
        .collect()
}

async fn a_new_follower_is_notified(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let fan = app.register("fan").await;
    follow(&app, &fan, "writer").await;

    let body = inbox(&app, &writer).await;
    let n = &body["notifications"][0];
    assert_eq!(
        (&n["kind"], &n["actor"]["username"], &n["actorsCount"]),
        (&json!("follow"), &json!("fan"), &json!(1))
    );
    assert_eq!(n["read"], false);
    assert_eq!(n["actor"]["following"], false);
    assert!(
        n.get("article").is_none() && n.get("comment").is_none(),
        "{n}"
    );
    assert_eq!(body["unreadCount"], 1);
    assert!(body.get("nextCursor").is_none());

    // `following` is the recipient's: following back shows on the notification.
    follow(&app, &writer, "fan").await;
    let body = inbox(&app, &writer).await;
    assert_eq!(body["notifications"][0]["actor"]["following"], true);
}

async fn following_again_after_unfollowing_notifies_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let fan = app.register("fan").await;
    follow(&app, &fan, "writer").await;
    follow(&app, &fan, "writer").await;
    let (status, _) = app.delete("/api/profiles/writer/follow", Some(&fan)).await;
    assert_eq!(status, StatusCode::OK);
    // Unfollowing leaves the notification; following again adds none.
    assert_eq!(summary(&app, &writer).await.len(), 1);
    follow(&app, &fan, "writer").await;
    assert_eq!(
        summary(&app, &writer).await,
        [json!(["follow", "fan", 1, null, null])]
    );
}

async fn a_comment_notifies_the_article_s_author(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let reader = app.register("reader").await;
    let slug = app.create_article(&writer, "Worth discussing", &[]).await;
    let id = comment(&app, &reader, &slug, "I *disagree*", None).await;

    let body = inbox(&app, &writer).await;
    let n = &body["notifications"][0];
    assert_eq!(n["kind"], "comment");
    assert_eq!(n["actor"]["username"], "reader");
    assert_eq!(
        n["article"],
        json!({"slug": slug, "title": "Worth discussing"})
    );
    assert_eq!(n["comment"], json!({"id": id, "body": "I *disagree*"}));
    assert_eq!(summary(&app, &reader).await, Vec::<Value>::new());
}

async fn a_reply_notifies_the_replied_to_and_the_article_s_author(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let slug = app.create_article(&writer, "Thread", &[]).await;
    let first = comment(&app, &ann, &slug, "First", None).await;
    let reply = comment(&app, &bob, &slug, "Reply to ann", Some(first)).await;
    assert_eq!(
        summary(&app, &ann).await,
        [json!(["reply", "bob", 1, slug, reply])]
    );
    assert_eq!(
        summary(&app, &writer).await,
        [
            json!(["comment", "bob", 1, slug, reply]),
            json!(["comment", "ann", 1, slug, first])
        ]
    );

    // The author answered on their own comment hears of it once, as a reply.
    let own = comment(&app, &writer, &slug, "Author here", None).await;
    let answer = comment(&app, &ann, &slug, "Hello author", Some(own)).await;
    assert_eq!(
        summary(&app, &writer).await[0],
        json!(["reply", "ann", 1, slug, answer])
    );
    assert_eq!(summary(&app, &writer).await.len(), 3);
}

async fn own_actions_notify_nobody(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let slug = app.create_article(&writer, "Mine", &[]).await;
    favorite(&app, &writer, &slug).await;
    let first = comment(&app, &writer, &slug, "Note to self", None).await;
    comment(&app, &writer, &slug, "Another", Some(first)).await;
    let (status, _) = app
        .post("/api/profiles/writer/follow", Some(&writer), json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let body = inbox(&app, &writer).await;
    assert_eq!(body["notifications"], json!([]));
    assert_eq!(body["unreadCount"], 0);
}

async fn favorites_are_one_notification_per_article_counting_people(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let cat = app.register("cat").await;
    let first = app.create_article(&writer, "First", &[]).await;
    let second = app.create_article(&writer, "Second", &[]).await;
    for token in [&ann, &bob, &cat] {
        favorite(&app, token, &first).await;
    }
    // Taking a favorite back and giving it again is still one person.
    let (status, _) = app
        .delete(&format!("/api/articles/{first}/favorite"), Some(&bob))
        .await;
    assert_eq!(status, StatusCode::OK);
    favorite(&app, &bob, &first).await;
    favorite(&app, &ann, &second).await;

    assert_eq!(
        summary(&app, &writer).await,
        [
            json!(["favorite", "ann", 1, second, null]),
            json!(["favorite", "cat", 3, first, null]),
        ]
    );
    let body = inbox(&app, &writer).await;
    let aggregate = &body["notifications"][1];
    assert!(aggregate["updatedAt"].as_str() >= aggregate["createdAt"].as_str());
    assert_eq!(body["unreadCount"], 2);
}

async fn a_reader_clapping_many_times_counts_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let slug = app.create_article(&writer, "Applause", &[]).await;
    for _ in 0..5 {
        clap(&app, &ann, &slug, 3).await;
    }
    clap(&app, &bob, &slug, 1).await;
    clap(&app, &ann, &slug, 1).await;
    assert_eq!(
        summary(&app, &writer).await,
        [json!(["clap", "bob", 2, slug, null])]
    );
}

/// Twenty readers clap and favorite the same article all at once: one notification of each
/// kind, counting exactly twenty people.
async fn concurrent_claps_and_favorites_from_many_readers_count_exactly(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let slug = app.create_article(&writer, "Viral", &[]).await;
    let readers = join_all((0..20).map(|i| app.register_owned(format!("reader{i}")))).await;
    let clap_path = format!("/api/articles/{slug}/claps");
    let favorite_path = format!("/api/articles/{slug}/favorite");
    let claps = readers
        .iter()
        .map(|t| app.post(&clap_path, Some(t), json!({"claps": 2})));
    let favorites = readers
        .iter()
        .map(|t| app.post(&favorite_path, Some(t), json!({})));
    let (clapped, favorited) = tokio::join!(join_all(claps), join_all(favorites));
    for (status, body) in clapped.into_iter().chain(favorited) {
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let mut counts: Vec<(Value, Value)> = summary(&app, &writer)
        .await
        .into_iter()
        .map(|n| (n[0].clone(), n[2].clone()))
        .collect();
    counts.sort_by_key(|(kind, _)| kind.to_string());
    assert_eq!(
        counts,
        [(json!("clap"), json!(20)), (json!("favorite"), json!(20))]
    );
}

async fn publishing_notifies_followers_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let stranger = app.register("stranger").await;
    follow(&app, &ann, "writer").await;
    follow(&app, &bob, "writer").await;

    let published = app.create_article(&writer, "Out now", &[]).await;
    let draft = app
        .create_article_with(&writer, json!({"title": "Later", "status": "draft"}))
        .await;
    let draft = draft["slug"].as_str().unwrap().to_string();
    app.create_article_with(
        &writer,
        json!({"title": "Secret link", "status": "unlisted"}),
    )
    .await;
    assert_eq!(
        summary(&app, &ann).await,
        [json!(["article", "writer", 1, published, null])]
    );

    // Published later: now; taken back and published again: not a second time.
    let mut slug = draft;
    for status in ["published", "draft", "published"] {
        slug = app.set_status(&writer, &slug, status).await;
    }
    let draft = slug;
    for token in [&ann, &bob] {
        assert_eq!(
            summary(&app, token).await,
            [
                json!(["article", "writer", 1, draft, null]),
                json!(["article", "writer", 1, published, null])
            ]
        );
    }
    assert_eq!(summary(&app, &stranger).await, Vec::<Value>::new());
    // The writer has only the two follows.
    assert_eq!(summary(&app, &writer).await.len(), 2);
}

async fn an_article_taken_back_to_draft_hides_its_notifications(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let fan = app.register("fan").await;
    follow(&app, &fan, "writer").await;
    let slug = app.create_article(&writer, "Second thoughts", &[]).await;
    favorite(&app, &fan, &slug).await;
    assert_eq!(unread_count(&app, &fan).await, 1);

    let draft = app.set_status(&writer, &slug, "draft").await;
    let body = inbox(&app, &fan).await;
    assert_eq!(
        (&body["notifications"], &body["unreadCount"]),
        (&json!([]), &json!(0))
    );
    // The author still sees what happened to their own draft.
    assert_eq!(
        summary(&app, &writer).await[0],
        json!(["favorite", "fan", 1, draft, null])
    );

    let slug = app.set_status(&writer, &draft, "published").await;
    assert_eq!(
        summary(&app, &fan).await,
        [json!(["article", "writer", 1, slug, null])]
    );
}

async fn read_all_or_up_to_an_id(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    for name in ["ann", "bob", "cat"] {
        let token = app.register(name).await;
        follow(&app, &token, "writer").await;
    }
    let body = inbox(&app, &writer).await;
    let [newest, middle, oldest] = ids(&body)[..] else {
        panic!("{body}")
    };
    assert!(newest > middle && middle > oldest);
    assert_eq!(body["unreadCount"], 3);

    let answer = mark_read(&app, &writer, Some(json!({"upTo": middle}))).await;
    assert_eq!(answer, json!({"unreadCount": 1}));
    let body = inbox(&app, &writer).await;
    let read: Vec<&Value> = body["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["read"])
        .collect();
    assert_eq!(read, [&json!(false), &json!(true), &json!(true)]);
    assert_eq!(body["unreadCount"], 1);

    // No body, an empty one or `null`: everything.
    assert_eq!(
        mark_read(&app, &writer, None).await,
        json!({"unreadCount": 0})
    );
    let dan = app.register("dan").await;
    follow(&app, &dan, "writer").await;
    assert_eq!(unread_count(&app, &writer).await, 1);
    assert_eq!(
        mark_read(&app, &writer, Some(json!({}))).await,
        json!({"unreadCount": 0})
    );
    let eve = app.register("eve").await;
    follow(&app, &eve, "writer").await;
    assert_eq!(
        mark_read(&app, &writer, Some(Value::Null)).await,
        json!({"unreadCount": 0})
    );
}

async fn someone_new_makes_a_read_aggregate_unread(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let slug = app.create_article(&writer, "Claps", &[]).await;
    clap(&app, &ann, &slug, 5).await;
    mark_read(&app, &writer, None).await;
    // More claps from the same reader are no news.
    clap(&app, &ann, &slug, 5).await;
    assert_eq!(unread_count(&app, &writer).await, 0);

    clap(&app, &bob, &slug, 5).await;
    let body = inbox(&app, &writer).await;
    assert_eq!(body["unreadCount"], 1);
    let n = &body["notifications"][0];
    assert_eq!(
        (&n["read"], &n["actorsCount"], &n["actor"]["username"]),
        (&json!(false), &json!(2), &json!("bob"))
    );
}

async fn notifications_page_newest_first(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    for i in 0..5 {
        let token = app.register_owned(format!("fan{i}")).await;
        follow(&app, &token, "writer").await;
    }
    let all = ids(&inbox(&app, &writer).await);
    assert_eq!(all.len(), 5);
    assert!(all.windows(2).all(|w| w[0] > w[1]), "{all:?}");

    let mut seen = Vec::new();
    let mut path = format!("{INBOX}?limit=2");
    let mut pages = 0;
    loop {
        let (status, body) = app.get(&path, Some(&writer)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["unreadCount"], 5);
        seen.extend(ids(&body));
        pages += 1;
        match body["nextCursor"].as_str() {
            Some(cursor) => path = format!("{INBOX}?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!((seen, pages), (all.clone(), 3));

    let (_, body) = app
        .get(&format!("{INBOX}?limit=2&offset=3"), Some(&writer))
        .await;
    assert_eq!(ids(&body), all[3..]);
    // A page past the end still says how many are unread.
    let (_, body) = app.get(&format!("{INBOX}?offset=9"), Some(&writer)).await;
    assert_eq!(
        (&body["notifications"], &body["unreadCount"]),
        (&json!([]), &json!(5))
    );
}

async fn bad_paging_and_read_bodies_are_refused(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("cursor=garbage", "cursor"),
    ] {
        let (status, body) = app.get(&format!("{INBOX}?{query}"), Some(&writer)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert!(body["errors"][field].is_array(), "{query}: {body}");
    }
    let (status, body) = app
        .post(READ, Some(&writer), json!({"upTo": "newest"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["errors"]["upTo"].is_array(), "{body}");
    let res = app
        .client
        .post(format!("{}{READ}", app.base))
        .header("Authorization", format!("Token {writer}"))
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

async fn deleting_a_comment_removes_its_notifications(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let slug = app.create_article(&writer, "Talk", &[]).await;
    let lone = comment(&app, &ann, &slug, "Alone", None).await;
    let parent = comment(&app, &ann, &slug, "Has a reply", None).await;
    let reply = comment(&app, &bob, &slug, "Answer", Some(parent)).await;
    assert_eq!(summary(&app, &writer).await.len(), 3);

    // Removed outright, and kept as a placeholder for its reply: gone from notifications alike.
    for id in [lone, parent] {
        let (status, _) = app
            .delete(&format!("/api/articles/{slug}/comments/{id}"), Some(&ann))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    assert_eq!(
        summary(&app, &writer).await,
        [json!(["comment", "bob", 1, slug, reply])]
    );
    assert_eq!(
        summary(&app, &ann).await,
        [json!(["reply", "bob", 1, slug, reply])]
    );
}

async fn deleting_an_article_removes_its_notifications(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let fan = app.register("fan").await;
    follow(&app, &fan, "writer").await;
    let kept = app.create_article(&writer, "Kept", &[]).await;
    let doomed = app.create_article(&writer, "Doomed", &[]).await;
    favorite(&app, &fan, &doomed).await;
    clap(&app, &fan, &doomed, 3).await;
    comment(&app, &fan, &doomed, "Nice", None).await;
    assert_eq!(summary(&app, &writer).await.len(), 4);

    let (status, _) = app
        .delete(&format!("/api/articles/{doomed}"), Some(&writer))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        summary(&app, &writer).await,
        [json!(["follow", "fan", 1, null, null])]
    );
    assert_eq!(
        summary(&app, &fan).await,
        [json!(["article", "writer", 1, kept, null])]
    );
    assert_eq!(unread_count(&app, &fan).await, 1);
}

async fn deleting_an_account_removes_the_notifications_it_caused(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let slug = app.create_article(&writer, "Liked", &[]).await;
    follow(&app, &ann, "writer").await;
    favorite(&app, &bob, &slug).await;
    favorite(&app, &ann, &slug).await;
    comment(&app, &ann, &slug, "From ann", None).await;
    follow(&app, &writer, "bob").await;

    let (status, _) = app.delete("/api/user", Some(&ann)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // The aggregate loses ann and falls back to the latest who remains.
    assert_eq!(
        summary(&app, &writer).await,
        [json!(["favorite", "bob", 1, slug, null])]
    );
    let (status, _) = app.delete("/api/user", Some(&bob)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(summary(&app, &writer).await, Vec::<Value>::new());
    // A recipient's own notifications go with their account.
    let (status, _) = app.delete("/api/user", Some(&writer)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

async fn two_users_notifications_never_mix(engine: Engine) {
    let app = spawn_app(engine).await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let reader = app.register("reader").await;
    let anns = app.create_article(&ann, "By ann", &[]).await;
    let bobs = app.create_article(&bob, "By bob", &[]).await;
    favorite(&app, &reader, &anns).await;
    clap(&app, &reader, &bobs, 4).await;
    follow(&app, &reader, "bob").await;

    assert_eq!(
        summary(&app, &ann).await,
        [json!(["favorite", "reader", 1, anns, null])]
    );
    assert_eq!(
        summary(&app, &bob).await,
        [
            json!(["follow", "reader", 1, null, null]),
            json!(["clap", "reader", 1, bobs, null])
        ]
    );
    // Reading everything, or up to an id of someone else's, touches only one's own.
    let bobs_newest = ids(&inbox(&app, &bob).await)[0];
    mark_read(&app, &ann, Some(json!({"upTo": bobs_newest}))).await;
    mark_read(&app, &ann, None).await;
    assert_eq!(unread_count(&app, &bob).await, 2);
    assert_eq!(summary(&app, &reader).await, Vec::<Value>::new());
}

async fn notifications_need_a_token(engine: Engine) {
    let app = spawn_app(engine).await;
    let (status, body) = app.get(INBOX, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _) = app.post(READ, None, json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
