//! Moderation: reports, admin-only routes, content removal, suspensions (on every replica),
//! blocks and the audit log.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{
    Engine, TestApp, quill_command, settings, slugs, spawn_app, spawn_app_with_admin, spawn_with,
};

engine_tests!(
    readers_report_articles_and_comments_once_each,
    reports_need_a_reason_and_visible_content,
    admin_routes_refuse_everyone_but_admins,
    admins_page_open_reports_newest_first,
    removed_content_leaves_its_report_resolved_and_readable,
    dismissed_reports_leave_the_content,
    suspension_stops_tokens_and_hides_content_on_every_replica,
    suspension_is_idempotent_and_not_for_oneself,
    admin_actions_are_audited_newest_first,
    the_command_line_grants_and_revokes_admin,
    blocked_users_cannot_follow_comment_or_clap,
    blocking_ends_follows_and_hides_comments_both_ways,
    blocking_is_idempotent_and_not_for_oneself,
);

/// The `field` of every open report, newest first.
async fn open_reports(app: &TestApp, admin: &str, field: &str) -> Vec<Value> {
    let (status, body) = app.get("/api/admin/reports", Some(admin)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[field].clone())
        .collect()
}

fn bodies(list: &Value) -> Vec<String> {
    list["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap().to_string())
        .collect()
}

async fn comment_bodies(app: &TestApp, slug: &str, token: Option<&str>) -> Vec<String> {
    let (status, list) = app
        .get(&format!("/api/articles/{slug}/comments"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    bodies(&list)
}

async fn readers_report_articles_and_comments_once_each(engine: Engine) {
    let (app, admin, _) = spawn_app_with_admin(engine, "admin").await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let slug = app.create_article(&author, "Questionable", &[]).await;
    let id = app.comment(&author, &slug, "buy pills").await;
    let article = format!("/api/articles/{slug}");

    let (status, first) = app.report(&reader, &article, "plagiarism").await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(
        (
            &first["report"]["kind"],
            &first["report"]["slug"],
            &first["report"]["author"],
            &first["report"]["excerpt"],
            &first["report"]["reason"],
            &first["report"]["status"],
        ),
        (
            &json!("article"),
            &json!(slug),
            &json!("author"),
            &json!("Questionable"),
            &json!("plagiarism"),
            &json!("open")
        )
    );
    // Again, with another reason: the open report, unchanged.
    let (status, again) = app.report(&reader, &article, "really").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["report"]["id"], first["report"]["id"]);
    assert_eq!(again["report"]["reason"], "plagiarism");

    let (status, on_comment) = app
        .report(&reader, &format!("{article}/comments/{id}"), "spam")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{on_comment}");
    assert_eq!(on_comment["report"]["commentId"], id);
    assert_eq!(on_comment["report"]["excerpt"], "buy pills");
    assert_eq!(
        open_reports(&app, &admin, "reason").await,
        [json!("spam"), json!("plagiarism")]
    );
}

async fn reports_need_a_reason_and_visible_content(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let slug = app.create_article(&author, "Fine", &[]).await;
    let draft = app
        .create_article_with(&author, json!({"title": "Secret", "status": "draft"}))
        .await["slug"]
        .as_str()
        .unwrap()
        .to_string();
    let article = format!("/api/articles/{slug}");
    for bad in [
        json!({}),
        json!({"reason": "  "}),
        json!({"reason": "x".repeat(1001)}),
    ] {
        let (status, body) = app
            .post(&format!("{article}/report"), Some(&reader), bad.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert!(body["errors"]["reason"].is_array(), "{body}");
    }
    let (status, _) = app
        .report(&reader, &format!("/api/articles/{draft}"), "why")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = app
        .report(&reader, &format!("{article}/comments/999"), "why")
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"errors": {"comment": ["not found"]}})
        )
    );
    let (status, _) = app
        .post(&format!("{article}/report"), None, json!({"reason": "x"}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn admin_routes_refuse_everyone_but_admins(engine: Engine) {
    let (app, _admin, _) = spawn_app_with_admin(engine, "admin").await;
    let user = app.register("user").await;
    let slug = app.create_article(&user, "Mine", &[]).await;
    let routes = [
        ("GET", "/api/admin/reports".to_string()),
        ("GET", "/api/admin/audit".to_string()),
        ("POST", "/api/admin/reports/1/resolve".to_string()),
        ("POST", "/api/admin/reports/1/dismiss".to_string()),
        ("DELETE", format!("/api/admin/articles/{slug}")),
        ("DELETE", "/api/admin/comments/1".to_string()),
        ("POST", "/api/admin/users/admin/suspension".to_string()),
        ("DELETE", "/api/admin/users/admin/suspension".to_string()),
    ];
    for (method, path) in &routes {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let (status, body) = app.call(method.clone(), path, Some(&user), None).await;
        assert_eq!(
            (status, body),
            (
                StatusCode::FORBIDDEN,
                json!({"errors": {"admin": ["only admins may do this"]}})
            ),
            "{method} {path}"
        );
        let (status, _) = app.call(method.clone(), path, None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
    }
    let (status, _) = app.get(&format!("/api/articles/{slug}"), None).await;
    assert_eq!(status, StatusCode::OK, "a refused removal removed nothing");
}

async fn admins_page_open_reports_newest_first(engine: Engine) {
    let (app, admin, _) = spawn_app_with_admin(engine, "admin").await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let mut filed = Vec::new();
    for i in 0..5 {
        let slug = app.create_article(&author, &format!("Post {i}"), &[]).await;
        let (_, body) = app
            .report(&reader, &format!("/api/articles/{slug}"), "off")
            .await;
        filed.push(body["report"]["id"].clone());
    }
    filed.reverse();
    let mut seen = Vec::new();
    let mut path = "/api/admin/reports?limit=2".to_string();
    loop {
        let (status, page) = app.get(&path, Some(&admin)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(
            page["reports"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].clone()),
        );
        match page["nextCursor"].as_str() {
            Some(cursor) => path = format!("/api/admin/reports?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, filed);
    let (status, _) = app
        .get("/api/admin/reports?status=everything", Some(&admin))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn removed_content_leaves_its_report_resolved_and_readable(engine: Engine) {
    let (app, admin, _) = spawn_app_with_admin(engine, "admin").await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let slug = app.create_article(&author, "Spam spam", &[]).await;
    let keep = app.create_article(&author, "Fine", &[]).await;
    let id = app.comment(&author, &keep, "rude words").await;
    app.report(&reader, &format!("/api/articles/{slug}"), "spam")
        .await;
    app.report(
        &reader,
        &format!("/api/articles/{keep}/comments/{id}"),
        "rude",
    )
    .await;

    let (status, _) = app
        .delete(
            &format!("/api/admin/articles/{slug}?reason=spam%20run"),
            Some(&admin),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .delete(&format!("/api/admin/comments/{id}"), Some(&admin))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (status, _) = app.get(&format!("/api/articles/{slug}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(comment_bodies(&app, &keep, None).await.is_empty());
    assert!(open_reports(&app, &admin, "id").await.is_empty());
    let (_, resolved) = app
        .get("/api/admin/reports?status=resolved", Some(&admin))
        .await;
    let fields: Vec<Value> = resolved["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| json!([r["kind"], r["excerpt"], r["removed"], r["closedBy"]]))
        .collect();
    assert_eq!(
        fields,
        [
            json!(["comment", "rude words", true, "admin"]),
            json!(["article", "Spam spam", true, "admin"])
        ]
    );
    let (status, _) = app
        .delete(&format!("/api/admin/articles/{slug}"), Some(&admin))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn dismissed_reports_leave_the_content(engine: Engine) {
    let (app, admin, _) = spawn_app_with_admin(engine, "admin").await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let slug = app.create_article(&author, "Edgy", &[]).await;
    let (_, filed) = app
        .report(&reader, &format!("/api/articles/{slug}"), "I disagree")
        .await;
    let id = filed["report"]["id"].as_i64().unwrap();
    let (status, body) = app
        .post(
            &format!("/api/admin/reports/{id}/dismiss"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (&body["report"]["status"], &body["report"]["closedBy"]),
        (&json!("dismissed"), &json!("admin"))
    );
    let (status, body) = app
        .post(
            &format!("/api/admin/reports/{id}/resolve"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::CONFLICT,
            json!({"errors": {"report": ["is already dismissed"]}})
        )
    );
    let (status, _) = app
        .post("/api/admin/reports/999/resolve", Some(&admin), json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get(&format!("/api/articles/{slug}"), None).await;
    assert_eq!(status, StatusCode::OK);
    // Dismissed, the same reader may report it again.
    let (status, _) = app
        .report(&reader, &format!("/api/articles/{slug}"), "still")
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

async fn suspension_stops_tokens_and_hides_content_on_every_replica(engine: Engine) {
    let (one, admin, url) = spawn_app_with_admin(engine, "admin").await;
    let two = spawn_with(settings(&url, &[])).await;
    two.wait_ready().await;
    let author = one.register("author").await;
    let reader = one.register("reader").await;
    let slug = one.create_article(&author, "Soon hidden", &["hid"]).await;
    let other = one.create_article(&reader, "Stays", &["hid"]).await;
    one.comment(&author, &other, "author's comment").await;
    one.comment(&reader, &other, "reader's comment").await;
    one.post(
        &format!("/api/articles/{slug}/favorite"),
        Some(&reader),
        json!({}),
    )
    .await;
    one.post("/api/profiles/author/follow", Some(&reader), json!({}))
        .await;

    let (status, body) = one
        .post(
            "/api/admin/users/author/suspension?reason=spam",
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["account"]["suspendedAt"].is_string(), "{body}");

    // The other replica refuses the token at once.
    let (status, body) = two.get("/api/user", Some(&author)).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"errors": {"token": ["belongs to a suspended account"]}})
        )
    );
    let (status, _) = two
        .post(
            "/api/articles",
            Some(&author),
            json!({"article": {"title": "t", "description": "d", "body": "b"}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = two
        .post(
            "/api/users/login",
            None,
            json!({"user": {"email": "author@example.com", "password": "password123"}}),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::FORBIDDEN,
            json!({"errors": {"account": ["is suspended"]}})
        )
    );
    let (status, _) = two.get(&format!("/api/articles/{slug}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let hidden = [
        ("/api/articles", None),
        ("/api/articles?tag=hid", None),
        ("/api/articles?author=author", None),
        ("/api/articles?favorited=reader", None),
        ("/api/articles/feed", Some(reader.as_str())),
    ];
    for (list, token) in hidden {
        let (_, body) = two.get(list, token).await;
        assert!(!slugs(&body).contains(&slug), "{list}: {body}");
        assert_eq!(body["articlesCount"], slugs(&body).len(), "{list}: {body}");
    }
    let (_, tags) = two.get("/api/tags", None).await;
    assert_eq!(tags["tags"], json!(["hid"]));
    assert_eq!(
        comment_bodies(&two, &other, None).await,
        ["reader's comment"]
    );
    let (_, article) = two.get(&format!("/api/articles/{other}"), None).await;
    assert_eq!(article["article"]["commentsCount"], 1);

    let (status, body) = two
        .delete("/api/admin/users/author/suspension", Some(&admin))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["account"]["suspendedAt"], Value::Null);
    let (status, _) = one.get("/api/user", Some(&author)).await;
    assert_eq!(status, StatusCode::OK, "the same token works again");
    for (list, token) in hidden {
        let (_, body) = one.get(list, token).await;
        assert!(slugs(&body).contains(&slug), "{list}: {body}");
        assert_eq!(body["articlesCount"], slugs(&body).len(), "{list}: {body}");
    }
    let (_, article) = one
        .get(&format!("/api/articles/{slug}"), Some(&reader))
        .await;
    assert_eq!(
        (
            &article["article"]["favorited"],
            &article["article"]["favoritesCount"]
        ),
        (&json!(true), &json!(1))
    );
    assert_eq!(
        comment_bodies(&one, &other, None).await,
        ["author's comment", "reader's comment"]
    );
    let (_, article) = one.get(&format!("/api/articles/{other}"), None).await;
    assert_eq!(article["article"]["commentsCount"], 2);
}

async fn suspension_is_idempotent_and_not_for_oneself(engine: Engine) {
    let (app, admin, _) = spawn_app_with_admin(engine, "admin").await;
    app.register("user").await;
    let path = "/api/admin/users/user/suspension";
    let (_, first) = app.post(path, Some(&admin), json!({})).await;
    let (status, again) = app.post(path, Some(&admin), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        again["account"]["suspendedAt"],
        first["account"]["suspendedAt"]
    );
    let (status, body) = app
        .post("/api/admin/users/admin/suspension", Some(&admin), json!({}))
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"errors": {"profile": ["can't suspend yourself"]}})
        )
    );
    let (status, _) = app
        .post(
            "/api/admin/users/nobody/suspension",
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, audit) = app.get("/api/admin/audit", Some(&admin)).await;
    let actions: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["action"])
        .collect();
    assert_eq!(
        actions,
        [&json!("user.suspend"), &json!("role.grant")],
        "one entry per change"
    );
}

async fn admin_actions_are_audited_newest_first(engine: Engine) {
    let (app, admin, _) = spawn_app_with_admin(engine, "admin").await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let slug = app.create_article(&author, "Gone soon", &[]).await;
    let (_, filed) = app
        .report(&reader, &format!("/api/articles/{slug}"), "spam")
        .await;
    let id = filed["report"]["id"].as_i64().unwrap();
    app.post(
        &format!("/api/admin/reports/{id}/resolve?reason=handled"),
        Some(&admin),
        json!({}),
    )
    .await;
    app.delete(
        &format!("/api/admin/articles/{slug}?reason=spam"),
        Some(&admin),
    )
    .await;
    app.post(
        "/api/admin/users/author/suspension?reason=repeat%20spammer",
        Some(&admin),
        json!({}),
    )
    .await;
    app.delete("/api/admin/users/author/suspension", Some(&admin))
        .await;

    let (status, audit) = app.get("/api/admin/audit?limit=3", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    let entries: Vec<Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| json!([e["actor"], e["action"], e["target"], e["reason"]]))
        .collect();
    assert_eq!(
        entries,
        [
            json!(["admin", "user.unsuspend", "author", null]),
            json!(["admin", "user.suspend", "author", "repeat spammer"]),
            json!(["admin", "article.remove", slug, "spam"]),
        ]
    );
    let cursor = audit["nextCursor"].as_str().unwrap();
    let (_, rest) = app
        .get(
            &format!("/api/admin/audit?limit=3&cursor={cursor}"),
            Some(&admin),
        )
        .await;
    let entries: Vec<Value> = rest["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| json!([e["actor"], e["action"], e["target"]]))
        .collect();
    assert_eq!(
        entries,
        [
            json!(["admin", "report.resolve", id.to_string()]),
            json!([null, "role.grant", "admin"]),
        ]
    );
    assert!(rest.get("nextCursor").is_none());
}

async fn the_command_line_grants_and_revokes_admin(engine: Engine) {
    let (app, admin, url) = spawn_app_with_admin(engine, "admin").await;
    let helper = app.register("helper").await;
    let (status, _) = app.get("/api/admin/reports", Some(&helper)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let out = quill_command(&["admin", "grant", "helper"], &url);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "helper is now admin\n"
    );
    let (status, _) = app.get("/api/admin/reports", Some(&helper)).await;
    assert_eq!(status, StatusCode::OK, "the same token gains the role");
    let out = quill_command(&["admin", "revoke", "helper"], &url);
    assert!(out.status.success());
    let (status, _) = app.get("/api/admin/reports", Some(&helper)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let out = quill_command(&["admin", "grant", "nobody"], &url);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user named \"nobody\""));
    let out = quill_command(&["admin", "promote", "helper"], &url);
    assert_eq!(out.status.code(), Some(2));

    let (_, audit) = app.get("/api/admin/audit", Some(&admin)).await;
    let entries: Vec<Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| json!([e["actor"], e["action"], e["target"]]))
        .collect();
    assert_eq!(
        entries,
        [
            json!([null, "role.revoke", "helper"]),
            json!([null, "role.grant", "helper"]),
            json!([null, "role.grant", "admin"]),
        ]
    );
}

async fn blocked_users_cannot_follow_comment_or_clap(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let troll = app.register("troll").await;
    let slug = app.create_article(&writer, "Peace", &[]).await;
    let (status, body) = app
        .post("/api/profiles/troll/block", Some(&writer), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["profile"]["blocking"], true);

    let refusal =
        |field: &str| json!({"errors": {field: ["is not allowed: this user has blocked you"]}});
    let (status, body) = app
        .post("/api/profiles/writer/follow", Some(&troll), json!({}))
        .await;
    assert_eq!((status, body), (StatusCode::FORBIDDEN, refusal("profile")));
    let (status, body) = app
        .post(
            &format!("/api/articles/{slug}/comments"),
            Some(&troll),
            json!({"comment": {"body": "hi"}}),
        )
        .await;
    assert_eq!((status, body), (StatusCode::FORBIDDEN, refusal("comment")));
    let (status, body) = app
        .post(
            &format!("/api/articles/{slug}/claps"),
            Some(&troll),
            json!({"claps": 1}),
        )
        .await;
    assert_eq!((status, body), (StatusCode::FORBIDDEN, refusal("claps")));

    // The blocker may still follow; unblocked, the other may again.
    let (status, _) = app
        .post("/api/profiles/troll/follow", Some(&writer), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    app.delete("/api/profiles/troll/block", Some(&writer)).await;
    let (status, _) = app
        .post(
            &format!("/api/articles/{slug}/claps"),
            Some(&troll),
            json!({"claps": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn blocking_ends_follows_and_hides_comments_both_ways(engine: Engine) {
    let app = spawn_app(engine).await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let cat = app.register("cat").await;
    let slug = app.create_article(&cat, "Open thread", &[]).await;
    for (token, body) in [(&ann, "ann says"), (&bob, "bob says"), (&cat, "cat says")] {
        app.comment(token, &slug, body).await;
    }
    app.post("/api/profiles/bob/follow", Some(&ann), json!({}))
        .await;
    app.post("/api/profiles/ann/follow", Some(&bob), json!({}))
        .await;

    app.post("/api/profiles/bob/block", Some(&ann), json!({}))
        .await;
    let (_, profile) = app.get("/api/profiles/bob", Some(&ann)).await;
    assert_eq!(profile["profile"]["following"], false);
    let (_, profile) = app.get("/api/profiles/ann", Some(&bob)).await;
    assert_eq!(profile["profile"]["following"], false);

    assert_eq!(
        comment_bodies(&app, &slug, Some(&ann)).await,
        ["ann says", "cat says"]
    );
    assert_eq!(
        comment_bodies(&app, &slug, Some(&bob)).await,
        ["bob says", "cat says"]
    );
    assert_eq!(
        comment_bodies(&app, &slug, Some(&cat)).await,
        ["ann says", "bob says", "cat says"]
    );
    assert_eq!(comment_bodies(&app, &slug, None).await.len(), 3);
}

async fn blocking_is_idempotent_and_not_for_oneself(engine: Engine) {
    let app = spawn_app(engine).await;
    let ann = app.register("ann").await;
    app.register("bob").await;
    for _ in 0..2 {
        let (status, body) = app
            .post("/api/profiles/bob/block", Some(&ann), json!({}))
            .await;
        assert_eq!(
            (status, &body["profile"]["blocking"]),
            (StatusCode::OK, &json!(true))
        );
    }
    for _ in 0..2 {
        let (status, body) = app.delete("/api/profiles/bob/block", Some(&ann)).await;
        assert_eq!(
            (status, &body["profile"]["blocking"]),
            (StatusCode::OK, &json!(false))
        );
    }
    let (status, body) = app
        .post("/api/profiles/ann/block", Some(&ann), json!({}))
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"errors": {"profile": ["can't block yourself"]}})
        )
    );
    let (status, _) = app
        .post("/api/profiles/nobody/block", Some(&ann), json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.post("/api/profiles/bob/block", None, json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
