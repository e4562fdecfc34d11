//! Threaded comments: replies, tombstones for deleted comments that have replies, editing,
//! paging, and Markdown bodies.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, fresh_database, settings, spawn_app, spawn_with};

engine_tests!(
    replies_thread_under_their_parent_oldest_first,
    a_parent_on_another_article_or_unknown_is_422,
    deleting_a_comment_with_replies_leaves_a_placeholder,
    deleting_the_last_reply_removes_emptied_placeholders_up_the_thread,
    a_comment_without_replies_is_removed_outright,
    authors_edit_their_comments,
    bad_comment_edits_are_refused,
    comments_are_paged,
    bad_comment_paging_is_422,
    comment_bodies_are_rendered_markdown,
    placeholders_go_when_their_last_replier_deletes_the_account,
    articles_with_threads_delete_whole,
    replies_nest_at_most_fifty_levels,
    threads_deeper_than_the_limit_from_before_it_still_go,
);

fn comments_path(slug: &str) -> String {
    format!("/api/articles/{slug}/comments")
}

/// Posts a comment (a reply when `parent` is set) and returns its id.
async fn comment(app: &TestApp, token: &str, slug: &str, body: &str, parent: Option<i64>) -> i64 {
    let (status, answer) = app
        .post(
            &comments_path(slug),
            Some(token),
            json!({"comment": {"body": body, "parentId": parent}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["comment"]["parentId"], json!(parent));
    answer["comment"]["id"].as_i64().unwrap()
}

/// The article's comment list, as anyone sees it.
async fn comments(app: &TestApp, slug: &str) -> Vec<Value> {
    let (status, body) = app.get(&comments_path(slug), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["comments"].as_array().unwrap().clone()
}

fn ids(comments: &[Value]) -> Vec<i64> {
    comments.iter().map(|c| c["id"].as_i64().unwrap()).collect()
}

async fn comments_count(app: &TestApp, slug: &str) -> Value {
    let (status, body) = app.get(&format!("/api/articles/{slug}"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["article"]["commentsCount"].clone()
}

async fn delete_comment(app: &TestApp, token: &str, slug: &str, id: i64) {
    let (status, body) = app
        .delete(&format!("{}/{id}", comments_path(slug)), Some(token))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

async fn replies_thread_under_their_parent_oldest_first(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let slug = app.create_article(&author, "Threads", &[]).await;

    let question = comment(&app, &reader, &slug, "Why?", None).await;
    let answer = comment(&app, &author, &slug, "Because.", Some(question)).await;
    let follow_up = comment(&app, &reader, &slug, "Because why?", Some(answer)).await;
    let aside = comment(&app, &author, &slug, "Another topic", None).await;

    let list = comments(&app, &slug).await;
    assert_eq!(ids(&list), [question, answer, follow_up, aside]);
    let parents: Vec<Value> = list.iter().map(|c| c["parentId"].clone()).collect();
    assert_eq!(
        parents,
        [json!(null), json!(question), json!(answer), json!(null)]
    );
    let bodies: Vec<&str> = list.iter().map(|c| c["body"].as_str().unwrap()).collect();
    assert_eq!(
        bodies,
        ["Why?", "Because.", "Because why?", "Another topic"]
    );
    for c in &list {
        assert_eq!(c["deleted"], false, "{c}");
    }
    assert_eq!(list[2]["author"]["username"], "reader");
    assert_eq!(comments_count(&app, &slug).await, 4);
}

async fn a_parent_on_another_article_or_unknown_is_422(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("talker").await;
    let here = app.create_article(&token, "Here", &[]).await;
    let elsewhere = app.create_article(&token, "Elsewhere", &[]).await;
    let other = comment(&app, &token, &elsewhere, "Over there", None).await;
    let gone = comment(&app, &token, &here, "Soon gone", None).await;
    delete_comment(&app, &token, &here, gone).await;

    for parent in [other, gone, 999_999] {
        let (status, body) = app
            .post(
                &comments_path(&here),
                Some(&token),
                json!({"comment": {"body": "A reply", "parentId": parent}}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{parent}: {body}");
        let errors = body["errors"].as_object().unwrap();
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["parentId"],
            "{parent}: {body}"
        );
        assert!(!errors["parentId"][0].as_str().unwrap().is_empty());
    }
    assert_eq!(comments(&app, &here).await, Vec::<Value>::new());
    assert_eq!(comments_count(&app, &here).await, 0);
    assert_eq!(ids(&comments(&app, &elsewhere).await), [other]);

    // An unknown article is still a 404, parent or not.
    let (status, body) = app
        .post(
            "/api/articles/nowhere/comments",
            Some(&token),
            json!({"comment": {"body": "A reply", "parentId": other}}),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"errors": {"article": ["not found"]}})
        )
    );
}

async fn deleting_a_comment_with_replies_leaves_a_placeholder(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let slug = app.create_article(&author, "Placeholders", &[]).await;
    let first = comment(&app, &reader, &slug, "Regrettable", None).await;
    let reply = comment(&app, &author, &slug, "Indeed", Some(first)).await;
    assert_eq!(comments_count(&app, &slug).await, 2);

    delete_comment(&app, &reader, &slug, first).await;
    let list = comments(&app, &slug).await;
    assert_eq!(ids(&list), [first, reply]);
    let placeholder = &list[0];
    assert_eq!(
        (
            placeholder["deleted"].clone(),
            placeholder["body"].clone(),
            placeholder["bodyHtml"].clone(),
            placeholder["author"].clone(),
            placeholder["parentId"].clone(),
        ),
        (
            json!(true),
            json!(null),
            json!(null),
            json!(null),
            json!(null)
        )
    );
    assert_eq!(
        (
            list[1]["deleted"].clone(),
            list[1]["body"].clone(),
            list[1]["parentId"].clone(),
            list[1]["author"]["username"].clone(),
        ),
        (json!(false), json!("Indeed"), json!(first), json!("author"))
    );
    assert_eq!(comments_count(&app, &slug).await, 1);

    // The placeholder is no comment any more: it can be neither deleted, edited nor answered.
    let path = format!("{}/{first}", comments_path(&slug));
    assert_eq!(
        app.delete(&path, Some(&reader)).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.put(&path, Some(&reader), json!({"comment": {"body": "Back"}}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (status, body) = app
        .post(
            &comments_path(&slug),
            Some(&author),
            json!({"comment": {"body": "Hello?", "parentId": first}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(ids(&comments(&app, &slug).await), [first, reply]);
    assert_eq!(comments_count(&app, &slug).await, 1);
}

async fn deleting_the_last_reply_removes_emptied_placeholders_up_the_thread(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let slug = app.create_article(&author, "Long thread", &[]).await;
    let root = comment(&app, &reader, &slug, "Root", None).await;
    let middle = comment(&app, &author, &slug, "Middle", Some(root)).await;
    let leaf = comment(&app, &reader, &slug, "Leaf", Some(middle)).await;
    let sibling = comment(&app, &author, &slug, "Sibling", Some(root)).await;
    let unrelated = comment(&app, &author, &slug, "Unrelated", None).await;
    assert_eq!(comments_count(&app, &slug).await, 5);

    delete_comment(&app, &reader, &slug, root).await;
    delete_comment(&app, &author, &slug, middle).await;
    let list = comments(&app, &slug).await;
    assert_eq!(ids(&list), [root, middle, leaf, sibling, unrelated]);
    let deleted: Vec<Value> = list.iter().map(|c| c["deleted"].clone()).collect();
    assert_eq!(deleted, [true, true, false, false, false]);
    assert_eq!(comments_count(&app, &slug).await, 3);

    // The leaf was all that kept `middle`; `root` still has `sibling`.
    delete_comment(&app, &reader, &slug, leaf).await;
    let list = comments(&app, &slug).await;
    assert_eq!(ids(&list), [root, sibling, unrelated]);
    assert_eq!(list[0]["deleted"], true);
    assert_eq!(comments_count(&app, &slug).await, 2);

    delete_comment(&app, &author, &slug, sibling).await;
    let list = comments(&app, &slug).await;
    assert_eq!(ids(&list), [unrelated]);
    assert_eq!(list[0]["deleted"], false);
    assert_eq!(comments_count(&app, &slug).await, 1);
}

async fn a_comment_without_replies_is_removed_outright(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let slug = app.create_article(&author, "Short lived", &[]).await;
    let top = comment(&app, &author, &slug, "Top", None).await;
    let reply = comment(&app, &reader, &slug, "Reply", Some(top)).await;
    let lone = comment(&app, &reader, &slug, "Lone", None).await;

    delete_comment(&app, &reader, &slug, reply).await;
    delete_comment(&app, &reader, &slug, lone).await;
    let list = comments(&app, &slug).await;
    assert_eq!(ids(&list), [top]);
    assert_eq!(
        (list[0]["deleted"].clone(), list[0]["body"].clone()),
        (json!(false), json!("Top"))
    );
    assert_eq!(comments_count(&app, &slug).await, 1);

    // The live parent, now without replies, goes outright too.
    delete_comment(&app, &author, &slug, top).await;
    assert_eq!(comments(&app, &slug).await, Vec::<Value>::new());
    assert_eq!(comments_count(&app, &slug).await, 0);
}

async fn authors_edit_their_comments(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let slug = app.create_article(&author, "Editable", &[]).await;
    let top = comment(&app, &author, &slug, "Top", None).await;
    let (status, created) = app
        .post(
            &comments_path(&slug),
            Some(&reader),
            json!({"comment": {"body": "Frist", "parentId": top}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let created = &created["comment"];
    let id = created["id"].as_i64().unwrap();

    tokio::time::sleep(Duration::from_millis(5)).await;
    let (status, body) = app
        .put(
            &format!("{}/{id}", comments_path(&slug)),
            Some(&reader),
            json!({"comment": {"body": "*First*"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let edited = &body["comment"];
    assert_eq!(edited["id"], id);
    assert_eq!(edited["body"], "*First*");
    assert!(
        edited["bodyHtml"]
            .as_str()
            .unwrap()
            .contains("<em>First</em>"),
        "{edited}"
    );
    assert_ne!(edited["bodyHtml"], created["bodyHtml"]);
    assert_eq!(edited["createdAt"], created["createdAt"]);
    assert_ne!(edited["updatedAt"], created["updatedAt"]);
    assert_eq!(edited["parentId"], top);
    assert_eq!(edited["author"]["username"], "reader");

    // Everyone reads the new text, still in its place in the thread.
    let list = comments(&app, &slug).await;
    assert_eq!(ids(&list), [top, id]);
    assert_eq!(
        (
            list[1]["body"].clone(),
            list[1]["bodyHtml"].clone(),
            list[1]["updatedAt"].clone()
        ),
        (
            json!("*First*"),
            edited["bodyHtml"].clone(),
            edited["updatedAt"].clone()
        )
    );
    assert_eq!(comments_count(&app, &slug).await, 2);
}

async fn bad_comment_edits_are_refused(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let slug = app.create_article(&author, "Guarded", &[]).await;
    let id = comment(&app, &reader, &slug, "Mine", None).await;
    let path = format!("{}/{id}", comments_path(&slug));
    let edit = json!({"comment": {"body": "Hijacked"}});

    let (status, body) = app.put(&path, Some(&author), edit.clone()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::FORBIDDEN,
            json!({"errors": {"comment": ["forbidden"]}})
        )
    );
    assert_eq!(
        app.put(&path, None, edit.clone()).await.0,
        StatusCode::UNAUTHORIZED
    );
    for unknown in ["999999", "abc", "1.5"] {
        let (status, body) = app
            .put(
                &format!("{}/{unknown}", comments_path(&slug)),
                Some(&reader),
                edit.clone(),
            )
            .await;
        assert_eq!(
            (status, body),
            (
                StatusCode::NOT_FOUND,
                json!({"errors": {"comment": ["not found"]}})
            ),
            "{unknown}"
        );
    }
    let (status, body) = app
        .put(
            &format!("/api/articles/nowhere/comments/{id}"),
            Some(&reader),
            edit.clone(),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"errors": {"article": ["not found"]}})
        )
    );
    for blank in [json!({"comment": {"body": "  "}}), json!({"comment": {}})] {
        let (status, body) = app.put(&path, Some(&reader), blank.clone()).await;
        assert_eq!(
            (status, body),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"errors": {"body": ["can't be blank"]}})
            ),
            "{blank}"
        );
    }

    let list = comments(&app, &slug).await;
    assert_eq!(list[0]["body"], "Mine");
    assert_eq!(list[0]["createdAt"], list[0]["updatedAt"]);
}

async fn comments_are_paged(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("chatty").await;
    let slug = app.create_article(&token, "Popular", &[]).await;
    let path = comments_path(&slug);
    let mut all = Vec::new();
    for i in 0..101 {
        all.push(comment(&app, &token, &slug, &format!("Comment {i}"), None).await);
    }

    let page = |query: &'static str| {
        let path = format!("{path}{query}");
        let app = &app;
        async move {
            let (status, body) = app.get(&path, None).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            ids(body["comments"].as_array().unwrap())
        }
    };
    assert_eq!(page("?limit=2&offset=1").await, all[1..3]);
    // 100 by default, oldest first.
    assert_eq!(page("").await, all[..100]);
    assert_eq!(page("?offset=100").await, all[100..]);
    assert_eq!(page("?limit=500").await, all);
    assert_eq!(page("?offset=101").await, Vec::<i64>::new());
    assert_eq!(page("?limit=5&offset=1000").await, Vec::<i64>::new());
    assert_eq!(comments_count(&app, &slug).await, 101);

    // An article without comments is an empty page, not a missing article, at any offset.
    let quiet = app.create_article(&token, "Quiet", &[]).await;
    for query in ["", "?offset=3"] {
        let (status, body) = app
            .get(&format!("{}{query}", comments_path(&quiet)), None)
            .await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({"comments": []})),
            "{query}"
        );
    }
    for query in ["", "?offset=3", "?limit=2&offset=1"] {
        let (status, body) = app
            .get(&format!("/api/articles/nowhere/comments{query}"), None)
            .await;
        assert_eq!(
            (status, body),
            (
                StatusCode::NOT_FOUND,
                json!({"errors": {"article": ["not found"]}})
            ),
            "{query}"
        );
    }
}

async fn bad_comment_paging_is_422(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("pager").await;
    let slug = app.create_article(&token, "Paged", &[]).await;
    comment(&app, &token, &slug, "One", None).await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=-3", "limit"),
        ("limit=x", "limit"),
        ("offset=-1", "offset"),
        ("offset=y", "offset"),
    ] {
        let (status, body) = app
            .get(&format!("{}?{query}", comments_path(&slug)), None)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        let errors = body["errors"].as_object().unwrap();
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            [field],
            "{query}: {body}"
        );
    }
}

async fn comment_bodies_are_rendered_markdown(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("formatter").await;
    let slug = app.create_article(&token, "Formatting", &[]).await;
    let markdown = "Some **bold** words <script>alert(1)</script>";
    let (status, body) = app
        .post(
            &comments_path(&slug),
            Some(&token),
            json!({"comment": {"body": markdown}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let created = &body["comment"];
    assert_eq!(created["body"], markdown, "the source is kept as written");
    let html = created["bodyHtml"].as_str().unwrap();
    assert!(html.contains("<strong>bold</strong>"), "{html}");
    assert!(!html.contains("<script"), "{html}");

    let list = comments(&app, &slug).await;
    assert_eq!(list[0]["bodyHtml"], created["bodyHtml"]);
}

/// However a placeholder's last reply goes, the placeholder goes with it, up the thread; other
/// replies of a deleted account's comments stay, moved to the top level.
async fn placeholders_go_when_their_last_replier_deletes_the_account(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let leaving = app.register("leaving").await;
    let staying = app.register("staying").await;
    let slug = app.create_article(&author, "Threads", &[]).await;

    let root = comment(&app, &author, &slug, "Root", None).await;
    let middle = comment(&app, &author, &slug, "Middle", Some(root)).await;
    comment(&app, &leaving, &slug, "Leaf", Some(middle)).await;
    let question = comment(&app, &leaving, &slug, "Question", None).await;
    let answer = comment(&app, &staying, &slug, "Answer", Some(question)).await;
    delete_comment(&app, &author, &slug, root).await;
    delete_comment(&app, &author, &slug, middle).await;
    assert_eq!(comments(&app, &slug).await.len(), 5);

    let (status, _) = app.delete("/api/user", Some(&leaving)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let left = comments(&app, &slug).await;
    assert_eq!(ids(&left), [answer]);
    assert_eq!(left[0]["parentId"], Value::Null);
    assert_eq!(comments_count(&app, &slug).await, 1);
}

async fn articles_with_threads_delete_whole(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let slug = app.create_article(&author, "Busy thread", &[]).await;
    let first = comment(&app, &reader, &slug, "First", None).await;
    let reply = comment(&app, &author, &slug, "Reply", Some(first)).await;
    comment(&app, &reader, &slug, "Reply to reply", Some(reply)).await;
    delete_comment(&app, &reader, &slug, first).await;

    let (status, body) = app
        .delete(&format!("/api/articles/{slug}"), Some(&author))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = app.get(&comments_path(&slug), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn replies_nest_at_most_fifty_levels(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let slug = app.create_article(&author, "Back and forth", &[]).await;
    let mut thread = vec![comment(&app, &author, &slug, "Level 0", None).await];
    for level in 1..=50 {
        let parent = *thread.last().unwrap();
        thread.push(
            comment(
                &app,
                &author,
                &slug,
                &format!("Level {level}"),
                Some(parent),
            )
            .await,
        );
    }
    let (status, body) = app
        .post(
            &comments_path(&slug),
            Some(&author),
            json!({"comment": {"body": "Level 51", "parentId": thread[50]}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let message = body["errors"]["parentId"][0].as_str().unwrap();
    assert!(message.contains("at most 50 levels"), "{message}");
    // Beside the deepest reply there is room; the refused one was not written.
    comment(&app, &author, &slug, "Also level 50", Some(thread[49])).await;
    assert_eq!(comments_count(&app, &slug).await, 52);
}

/// A thread written before replies were limited may be thousands of levels deep (a chain of
/// placeholders above one last reply): it lists, refuses more replies, and goes when its last
/// reply does, by deletion or with its author's account.
async fn threads_deeper_than_the_limit_from_before_it_still_go(engine: Engine) {
    const DEPTH: usize = 1_500;
    let url = fresh_database(engine).await;
    let app = spawn_with(settings(&url, &[])).await;
    app.wait_ready().await;
    let author = app.register("author").await;
    let leaving = app.register("leaving").await;
    let deleted = app.create_article(&author, "Deleted thread", &[]).await;
    let abandoned = app.create_article(&author, "Abandoned thread", &[]).await;
    let db = quill::storage::Db::connect_lazy(&settings(&url, &[]).database).unwrap();
    let deleted_leaf = deep_thread(&db, &deleted, "author", DEPTH).await;
    let abandoned_leaf = deep_thread(&db, &abandoned, "leaving", DEPTH).await;
    db.close().await;

    for (slug, leaf) in [(&deleted, deleted_leaf), (&abandoned, abandoned_leaf)] {
        let (status, body) = app
            .get(
                &format!("{}?limit=100&offset=1400", comments_path(slug)),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["comments"][99]["id"], leaf);
        assert_eq!(comments_count(&app, slug).await, 1);
        let (status, body) = app
            .post(
                &comments_path(slug),
                Some(&author),
                json!({"comment": {"body": "Deeper", "parentId": leaf}}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }

    delete_comment(&app, &author, &deleted, deleted_leaf).await;
    assert_eq!(comments(&app, &deleted).await, Vec::<Value>::new());
    assert_eq!(comments_count(&app, &deleted).await, 0);

    let (status, body) = app.delete("/api/user", Some(&leaving)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(comments(&app, &abandoned).await, Vec::<Value>::new());
    assert_eq!(comments_count(&app, &abandoned).await, 0);
}

/// Writes a thread `depth` comments deep on `slug` straight into the database, as an older
/// release let it grow: placeholders (by `author`) all the way down to one live reply by
/// `leaf_author`, whose id it returns.
async fn deep_thread(db: &quill::storage::Db, slug: &str, leaf_author: &str, depth: usize) -> i64 {
    let mut tx = db.pool().begin().await.unwrap();
    let article: i64 = sqlx::query_scalar("SELECT id FROM articles WHERE slug = $1")
        .bind(slug)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let mut authors = Vec::new();
    for name in ["author", leaf_author] {
        let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(name)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        authors.push(id);
    }
    let mut parent: Option<i64> = None;
    for level in 0..depth {
        let author = authors[usize::from(level + 1 == depth)];
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO comments (article_id, author_id, body, body_html, parent_id, created_at, \
             updated_at) VALUES ($1, $2, 'x', '<p>x</p>', $3, $4, $4) RETURNING id",
        )
        .bind(article)
        .bind(author)
        .bind(parent)
        .bind("2020-01-01T00:00:00.000Z")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        parent = Some(id);
    }
    let leaf = parent.unwrap();
    sqlx::query(
        "UPDATE comments SET deleted_at = '2020-01-02T00:00:00.000Z', body = '', body_html = NULL \
         WHERE article_id = $1 AND id <> $2",
    )
    .bind(article)
    .bind(leaf)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    leaf
}
