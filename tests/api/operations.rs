//! Health, readiness, metrics, request ids, CORS, API docs, and database outages.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{
    Engine, ServerProcess, TestApp, create_postgres_database, dropping_its_databases,
    fresh_database, postgres_server, settings, spawn_app, spawn_with,
};
use crate::proxy::ChaosProxy;

engine_tests!(
    health_metrics_and_request_ids,
    openapi_documents_every_route,
    cors_preflight_is_answered,
    security_headers_on_every_answer,
    credentials_in_headers_never_reach_the_logs,
);

/// At the most verbose log level, with JSON logs, nothing a client sends as a credential shows
/// up: not a valid token, not a bad one, not a cookie, not a password.
async fn credentials_in_headers_never_reach_the_logs(engine: Engine) {
    let server =
        ServerProcess::start(engine, &[("LOG_LEVEL", "trace"), ("LOG_FORMAT", "json")]).await;
    let app = &server.app;
    let token = app.register("logged").await;
    let secrets = [
        token.clone(),
        "forged.token.value-7f3a".to_string(),
        "cookie-value-9c1e".to_string(),
        "password123".to_string(),
    ];
    for authorization in [
        format!("Token {}", secrets[0]),
        format!("Token {}", secrets[1]),
    ] {
        for path in ["/api/user", "/api/articles", "/api/nowhere"] {
            let res = app
                .client
                .get(format!("{}{path}", app.base))
                .header("Authorization", &authorization)
                .header("Cookie", format!("session={}", secrets[2]))
                .send()
                .await
                .unwrap();
            assert!(res.status().as_u16() < 500);
        }
    }
    app.login("logged").await;
    let log = server.log();
    assert!(
        log.contains("\"route\""),
        "the requests were logged:\n{log}"
    );
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "{secret} appears in the log"
        );
    }
}

async fn health_metrics_and_request_ids(engine: Engine) {
    let app = spawn_app(engine).await;
    assert_eq!(
        app.get("/healthz", None).await,
        (StatusCode::OK, json!({"status": "ok"}))
    );
    assert_eq!(
        app.get("/readyz", None).await,
        (StatusCode::OK, json!({"status": "ready"}))
    );

    let res = app
        .client
        .get(format!("{}/api/tags", app.base))
        .header("X-Request-Id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let res = app
        .client
        .get(format!("{}/api/tags", app.base))
        .send()
        .await
        .unwrap();
    let generated = res.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(generated.len(), 36, "a UUID: {generated}");

    app.get("/api/articles/missing", None).await;
    // An invented method is counted, but under one label: it must not make a series of its own.
    let invented = reqwest::Method::from_bytes(b"FROBNICATE").unwrap();
    app.call(invented, "/api/tags", None, None).await;
    let metrics = app.metrics().await;
    for needle in [
        r#"http_requests_total{method="GET",route="/api/tags",status="200"}"#,
        r#"http_requests_total{method="GET",route="/api/articles/{slug}",status="404"}"#,
        "http_request_duration_seconds_bucket",
        r#"db_pool_connections{state="idle"}"#,
        r#"db_pool_connections{state="in_use"}"#,
        "quill_build_info",
        r#"method="other""#,
    ] {
        assert!(metrics.contains(needle), "missing {needle} in:\n{metrics}");
    }
    assert!(!metrics.contains("FROBNICATE"), "{metrics}");
}

async fn openapi_documents_every_route(engine: Engine) {
    let app = spawn_app(engine).await;
    let (status, doc) = app.get("/api/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut documented: Vec<String> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push(format!("{} {path}", method.to_uppercase()));
            assert!(
                item[method]["responses"]
                    .as_object()
                    .is_some_and(|r| !r.is_empty()),
                "{method} {path}"
            );
        }
    }
    documented.sort();
    let mut served = vec![
        "POST /api/users",
        "POST /api/users/login",
        "POST /api/users/logout",
        "POST /api/user/sessions/revoke-all",
        "GET /api/user",
        "PUT /api/user",
        "DELETE /api/user",
        "GET /api/profiles/{username}",
        "POST /api/profiles/{username}/follow",
        "DELETE /api/profiles/{username}/follow",
        "GET /api/articles",
        "POST /api/articles",
        "GET /api/articles/feed",
        "GET /api/articles/{slug}",
        "PUT /api/articles/{slug}",
        "DELETE /api/articles/{slug}",
        "POST /api/articles/{slug}/favorite",
        "DELETE /api/articles/{slug}/favorite",
        "GET /api/articles/{slug}/comments",
        "POST /api/articles/{slug}/comments",
        "PUT /api/articles/{slug}/comments/{id}",
        "DELETE /api/articles/{slug}/comments/{id}",
        "GET /api/tags",
        "GET /api/user/drafts",
        "POST /api/articles/{slug}/claps",
        "DELETE /api/articles/{slug}/claps",
        "POST /api/articles/{slug}/bookmark",
        "DELETE /api/articles/{slug}/bookmark",
        "GET /api/user/bookmarks",
        "POST /api/tags/{tag}/follow",
        "DELETE /api/tags/{tag}/follow",
        "GET /api/user/tags",
        "POST /api/articles/{slug}/report",
        "POST /api/articles/{slug}/comments/{id}/report",
        "POST /api/profiles/{username}/block",
        "DELETE /api/profiles/{username}/block",
        "GET /api/admin/reports",
        "POST /api/admin/reports/{id}/resolve",
        "POST /api/admin/reports/{id}/dismiss",
        "DELETE /api/admin/articles/{slug}",
        "DELETE /api/admin/comments/{id}",
        "POST /api/admin/users/{username}/suspension",
        "DELETE /api/admin/users/{username}/suspension",
        "GET /api/admin/audit",
        "GET /feeds/rss.xml",
        "GET /feeds/atom.xml",
        "GET /feeds/authors/{username}.atom",
        "GET /feeds/tags/{tag}.atom",
        "GET /sitemap.xml",
        "GET /sitemaps/articles/{page}.xml",
        "GET /sitemaps/authors/{page}.xml",
        "GET /api/notifications",
        "POST /api/notifications/read",
        "POST /api/uploads",
        "GET /uploads/{file}",
        "GET /healthz",
        "GET /readyz",
        "GET /metrics",
    ];
    served.sort();
    assert_eq!(documented, served);
    // Each documented route is really served: a request to it never hits the unknown-route answer.
    for entry in &served {
        let (method, path) = entry.split_once(' ').unwrap();
        let path = path
            .replace("{username}", "x")
            .replace("{slug}", "x")
            .replace("{id}", "1")
            .replace("{file}", "x");
        let res = app
            .client
            .request(method.parse().unwrap(), format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert!(
            body["errors"]["route"].is_null() && body["errors"]["method"].is_null(),
            "{entry}: {body}"
        );
    }
    let res = app
        .client
        .get(format!("{}/docs/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("swagger"));
}

async fn cors_preflight_is_answered(engine: Engine) {
    let app = spawn_app(engine).await;
    let res = app
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/articles", app.base),
        )
        .header("Origin", "http://localhost:4100")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    let methods = res.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        methods.contains("POST") && methods.contains("DELETE"),
        "{methods}"
    );
    let headers = res.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(headers.contains("authorization") && headers.contains("content-type"));
}

/// PostgreSQL unreachable at start, then reachable, then gone while serving, then back: the
/// server lives through all of it. (SQLite is a file in-process: it has no such outage.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outages_are_survived() {
    if postgres_server().is_some() {
        dropping_its_databases(outages_are_survived()).await;
    }
}

async fn outages_are_survived() {
    let Some(server) = postgres_server() else {
        return;
    };
    let name = format!("quill_test_{}", uuid::Uuid::new_v4().simple());
    create_postgres_database(&server, &name).await;
    // The app reaches the same server through the proxy: same URL, the proxy's port.
    let mut url = url::Url::parse(&format!("{server}/{name}")).unwrap();
    let target = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
    let proxy = ChaosProxy::reserve(&target).await;
    url.set_host(Some("127.0.0.1")).unwrap();
    url.set_port(Some(proxy.port())).unwrap();
    let url = url.to_string();
    let app = spawn_with(settings(&url, &[])).await;

    assert_eq!(app.get("/healthz", None).await.0, StatusCode::OK);
    let (status, body) = app.get("/readyz", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body["reason"].is_string());
    let (status, body) = app.get("/api/articles", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body["errors"]["database"][0].is_string(), "{body}");

    proxy.up().await;
    app.wait_ready().await;
    let token = app.register("survivor").await;
    app.create_article(&token, "Still here", &[]).await;

    proxy.down().await;
    let started = Instant::now();
    let (status, body) = app.get("/api/articles", Some(&token)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body["errors"].is_object());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    // The broken connection's error names the database's host and port: logged, not shown.
    let (status, body) = app.get("/readyz", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let reason = body["reason"].as_str().unwrap();
    assert!(
        ["database error", "database did not answer in time"].contains(&reason),
        "{reason}"
    );
    assert_eq!(app.get("/healthz", None).await.0, StatusCode::OK);

    proxy.up().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = app.get("/api/articles", None).await;
        if status == StatusCode::OK {
            assert_eq!(body["articlesCount"], 1);
            break;
        }
        assert!(Instant::now() < deadline, "no recovery: {status} {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn security_headers_on_every_answer(engine: Engine) {
    let app = spawn_app(engine).await;
    let head = |path: &'static str, app: &TestApp| {
        let request = app.client.get(format!("{}{path}", app.base));
        async move { request.send().await.unwrap().headers().clone() }
    };
    for path in ["/api/tags", "/api/no-such-route", "/docs/"] {
        let headers = head(path, &app).await;
        let get = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_string());
        assert_eq!(
            get("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            get("referrer-policy").as_deref(),
            Some("no-referrer"),
            "{path}"
        );
        assert_eq!(get("x-frame-options").as_deref(), Some("DENY"), "{path}");
        let csp = get("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        if path == "/docs/" {
            assert!(csp.contains("script-src 'self';"), "{csp}");
            assert!(!csp.contains("unsafe-eval"), "{csp}");
        } else {
            assert!(csp.starts_with("default-src 'none'"), "{path}: {csp}");
        }
        // Over plain HTTP, HSTS would be wrong: only when configured.
        assert_eq!(get("strict-transport-security"), None, "{path}");
    }

    let url = fresh_database(engine).await;
    let tls = spawn_with(settings(&url, &[("HSTS_MAX_AGE_SECS", "31536000")])).await;
    tls.wait_ready().await;
    let headers = head("/api/tags", &tls).await;
    assert_eq!(
        headers["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
}
