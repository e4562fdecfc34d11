//! The admin pages: reports handled, accounts suspended and reinstated, and the audit log, with
//! forms alone, by admins alone.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::engine_tests;
use crate::helpers::{Engine, TestApp, spawn_app_with_admin};

engine_tests!(
    an_admin_handles_reports_and_suspends_from_the_admin_pages,
    everyone_but_admins_finds_no_admin_pages,
    forged_admin_forms_change_nothing,
);

/// An admin signed in on the login page, as `name` (made an admin by the command line).
async fn admin_browser(app: &TestApp, name: &str) -> Browser {
    let mut browser = Browser::new(&app.base);
    let email = format!("{name}@example.com");
    let signed_in = browser
        .submit(
            "/login",
            "/login",
            &[("email", &email), ("password", "password123")],
        )
        .await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.html
    );
    browser
}

/// Reports the article or comment at `path` below `/api/articles/`; returns the report's id.
async fn report(app: &TestApp, token: &str, path: &str, reason: &str) -> i64 {
    let (status, body) = app
        .report(token, &format!("/api/articles/{path}"), reason)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["report"]["id"].as_i64().unwrap()
}

/// The reports in `status` as the API lists them.
async fn reports(app: &TestApp, admin: &str, status: &str) -> Vec<Value> {
    let (code, body) = app
        .get(&format!("/api/admin/reports?status={status}"), Some(admin))
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    body["reports"].as_array().unwrap().clone()
}

fn ids(reports: &[Value]) -> Vec<i64> {
    reports.iter().map(|r| r["id"].as_i64().unwrap()).collect()
}

async fn an_admin_handles_reports_and_suspends_from_the_admin_pages(engine: Engine) {
    let (app, admin_token, _) = spawn_app_with_admin(engine, "boss").await;
    let writer = app.register("writer").await;
    let reader_token = app.register("reader").await;
    let loud = app.create_article(&writer, "Loud story", &[]).await;
    let quiet = app.create_article(&writer, "Quiet story", &[]).await;
    let rude = app.comment(&writer, &quiet, "a rude remark").await;

    // One report filed on the story page, two through the API.
    let mut reader = Browser::new(&app.base);
    let signed_in = reader
        .submit(
            "/login",
            "/login",
            &[("email", "reader@example.com"), ("password", "password123")],
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    let story = format!("/article/{loud}");
    let filed = reader
        .submit(
            &story,
            &format!("{story}/report"),
            &[("reason", "shouting")],
        )
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.html);
    let on_loud = ids(&reports(&app, &admin_token, "open").await)[0];
    let on_quiet = report(&app, &reader_token, &quiet, "off topic").await;
    let on_rude = report(
        &app,
        &reader_token,
        &format!("{quiet}/comments/{rude}"),
        "insulting",
    )
    .await;

    let mut admin = admin_browser(&app, "boss").await;
    let home = admin.get("/").await.html;
    assert!(home.contains("href=\"/admin\""), "{home}");
    let page = admin.get("/admin").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(
        page.html
            .contains("<meta name=\"robots\" content=\"noindex\">")
    );
    assert_eq!(page.html.matches("<h1").count(), 1);
    assert_eq!(page.headers["cache-control"], "no-store");
    for shown in [
        "Loud story",
        "a rude remark",
        "shouting",
        "off topic",
        "insulting",
        "reader",
        "writer",
        &format!("href=\"/article/{quiet}#comment-{rude}\""),
        "href=\"/admin/audit\"",
        ">Resolve<",
        ">Dismiss<",
        ">Remove comment<",
        ">Remove story<",
        ">Suspend writer<",
    ] {
        assert!(page.html.contains(shown), "{shown}: {}", page.html);
    }
    // Newest first, paged as the API pages: the oldest report is on the next page.
    let first = admin.get("/admin?limit=2").await.html;
    assert!(!first.contains("shouting"), "{first}");
    let older = first
        .split("rel=\"next\"")
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .and_then(|link| link.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    assert!(older.starts_with("/admin?cursor="), "{older}");
    assert!(admin.get(&older).await.html.contains("shouting"));

    let resolved = admin
        .submit(
            "/admin",
            &format!("/admin/reports/{on_loud}/resolve"),
            &[("reason", "toned down")],
        )
        .await;
    assert_eq!(resolved.status, StatusCode::SEE_OTHER, "{}", resolved.html);
    assert_eq!(resolved.location(), "/admin");
    let dismissed = admin
        .submit("/admin", &format!("/admin/reports/{on_quiet}/dismiss"), &[])
        .await;
    assert_eq!(
        dismissed.status,
        StatusCode::SEE_OTHER,
        "{}",
        dismissed.html
    );
    let removed = admin
        .submit(
            "/admin",
            &format!("/admin/comments/{rude}/remove"),
            &[("reason", "abuse")],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.html);
    assert_eq!(
        ids(&reports(&app, &admin_token, "resolved").await),
        [on_rude, on_loud]
    );
    assert_eq!(
        ids(&reports(&app, &admin_token, "dismissed").await),
        [on_quiet]
    );
    let (_, comments) = app
        .get(&format!("/api/articles/{quiet}/comments"), None)
        .await;
    assert_eq!(comments["comments"], json!([]));
    assert!(admin.get("/admin").await.html.contains("No open reports."));

    // A closed report cannot be closed again: the refusal is a page that says why.
    let csrf = admin.get("/admin/audit").await.csrf();
    let again = admin
        .post(
            &format!("/admin/reports/{on_loud}/dismiss"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.html.contains("already resolved"), "{}", again.html);

    // Suspending ends the author's tokens at once; reinstating brings them back.
    let account = "/admin/users/writer";
    let found = admin.get("/admin/users?username=+writer").await;
    assert_eq!(found.status, StatusCode::SEE_OTHER);
    assert_eq!(found.location(), account);
    let shown = admin.get(account).await.html;
    assert!(
        shown.contains("Active") && shown.contains(">Suspend writer<"),
        "{shown}"
    );
    let suspended = admin
        .submit(
            account,
            &format!("{account}/suspend"),
            &[("reason", "spam wave")],
        )
        .await;
    assert_eq!(
        suspended.status,
        StatusCode::SEE_OTHER,
        "{}",
        suspended.html
    );
    assert_eq!(suspended.location(), account);
    let (status, _) = app.get("/api/user", Some(&writer)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let shown = admin.get(account).await.html;
    assert!(
        shown.contains("Suspended since") && shown.contains(">Reinstate writer<"),
        "{shown}"
    );
    let reinstated = admin
        .submit(account, &format!("{account}/reinstate"), &[])
        .await;
    assert_eq!(
        reinstated.status,
        StatusCode::SEE_OTHER,
        "{}",
        reinstated.html
    );
    let (status, _) = app.get("/api/user", Some(&writer)).await;
    assert_eq!(status, StatusCode::OK);

    // The audit log, newest first, says who did what, to what, and why.
    let audit = admin.get("/admin/audit").await;
    assert_eq!(audit.status, StatusCode::OK);
    let order: Vec<usize> = [
        "Reinstated an account",
        "Suspended an account",
        "Removed a comment",
        "Dismissed a report",
        "Resolved a report",
        "Granted the admin role",
    ]
    .iter()
    .map(|action| {
        audit
            .html
            .find(action)
            .unwrap_or_else(|| panic!("{action}: {}", audit.html))
    })
    .collect();
    assert!(order.is_sorted(), "{}", audit.html);
    for shown in ["spam wave", "abuse", "toned down", "Command line", "boss"] {
        assert!(audit.html.contains(shown), "{shown}: {}", audit.html);
    }
    assert!(audit.html.contains("href=\"/admin/users/writer\""));

    // In Korean too.
    let korean = admin.get("/lang/ko?next=/admin/audit").await;
    assert_eq!(korean.status, StatusCode::SEE_OTHER);
    let audit = admin.get("/admin/audit").await.html;
    assert!(
        audit.contains("감사 로그") && audit.contains("계정 정지"),
        "{audit}"
    );
}

/// Every admin route, GET and POST, on report `report` about story `slug` and its comment
/// `comment` by `writer`.
fn routes(report: i64, slug: &str, comment: i64) -> Vec<(&'static str, String)> {
    vec![
        ("GET", "/admin".to_string()),
        ("POST", "/admin".to_string()),
        ("GET", format!("/admin/reports/{report}/resolve")),
        ("GET", "/admin/audit".to_string()),
        ("GET", "/admin/users?username=writer".to_string()),
        ("GET", "/admin/users/writer".to_string()),
        ("POST", format!("/admin/reports/{report}/resolve")),
        ("POST", format!("/admin/reports/{report}/dismiss")),
        ("POST", format!("/admin/articles/{slug}/remove")),
        ("POST", format!("/admin/comments/{comment}/remove")),
        ("POST", "/admin/users/writer/suspend".to_string()),
        ("POST", "/admin/users/writer/reinstate".to_string()),
    ]
}

async fn everyone_but_admins_finds_no_admin_pages(engine: Engine) {
    let (app, admin_token, _) = spawn_app_with_admin(engine, "boss").await;
    let writer = app.register("writer").await;
    let slug = app.create_article(&writer, "Loud story", &[]).await;
    let comment = app.comment(&writer, &slug, "hello").await;
    let mut reader = Browser::new(&app.base);
    reader.sign_up("reader").await;
    let csrf = reader.get("/").await.csrf();
    let report = report(&app, &app.login("reader").await, &slug, "loud").await;
    let mut visitor = Browser::new(&app.base);
    let visitor_csrf = visitor.get("/login").await.csrf();

    for (browser, token, who) in [
        (&mut reader, csrf.as_str(), "reader"),
        (&mut visitor, visitor_csrf.as_str(), "visitor"),
    ] {
        assert!(!browser.get("/").await.html.contains("href=\"/admin\""));
        for (method, route) in routes(report, &slug, comment) {
            let answer = match method {
                "GET" => browser.get(&route).await,
                _ => browser.post(&route, &[("csrf", token)]).await,
            };
            assert_eq!(
                answer.status,
                StatusCode::NOT_FOUND,
                "{who}: {method} {route}"
            );
            assert!(answer.html.contains("<h1>"), "{who}: {method} {route}");
        }
    }
    assert_eq!(ids(&reports(&app, &admin_token, "open").await), [report]);
    let (_, comments) = app
        .get(&format!("/api/articles/{slug}/comments"), None)
        .await;
    assert_eq!(comments["comments"].as_array().unwrap().len(), 1);
    let (status, _) = app.get("/api/user", Some(&writer)).await;
    assert_eq!(status, StatusCode::OK);
}

async fn forged_admin_forms_change_nothing(engine: Engine) {
    let (app, admin_token, _) = spawn_app_with_admin(engine, "boss").await;
    let writer = app.register("writer").await;
    let slug = app.create_article(&writer, "Loud story", &[]).await;
    let id = report(&app, &app.register("reader").await, &slug, "loud").await;
    let mut admin = admin_browser(&app, "boss").await;
    let csrf = admin
        .get("/admin")
        .await
        .csrf_of(&format!("/admin/reports/{id}/dismiss"));

    let forged = [
        (
            "http://evil.example",
            format!("/admin/reports/{id}/dismiss"),
            Some(csrf.as_str()),
        ),
        (
            app.base.as_str(),
            format!("/admin/reports/{id}/resolve"),
            None,
        ),
        (
            app.base.as_str(),
            "/admin/users/writer/suspend".to_string(),
            Some("not-the-token"),
        ),
        (
            "http://evil.example",
            format!("/admin/articles/{slug}/remove"),
            Some(csrf.as_str()),
        ),
    ];
    for (origin, action, token) in forged {
        let fields: Vec<(&str, &str)> = token.map(|t| ("csrf", t)).into_iter().collect();
        let answer = admin.post_from(origin, &action, &fields).await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{action}: {}",
            answer.html
        );
    }
    assert_eq!(ids(&reports(&app, &admin_token, "open").await), [id]);
    let (status, _) = app.get("/api/user", Some(&writer)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.get(&format!("/api/articles/{slug}"), None).await;
    assert_eq!(status, StatusCode::OK);
    let audit = admin.get("/admin/audit").await.html;
    assert!(!audit.contains("Dismissed a report"), "{audit}");
}
