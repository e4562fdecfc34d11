//! The binary's commands besides `serve`, run as a user would run them.

use std::process::Output;

use crate::engine_tests;
use crate::helpers::{
    Engine, JWT_SECRET, fresh_database, postgres_server, quill, settings, spawn_with,
};

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A loopback port nothing listens on (until a test starts a server there).
fn free_port() -> String {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string()
}

engine_tests!(migrate_then_doctor_passes, seed_fills_an_empty_site_only);

/// What `quill --help` lists: every command, each with a line saying what it does.
const COMMANDS: [&str; 11] = [
    "serve",
    "migrate",
    "config",
    "doctor",
    "healthcheck",
    "seed",
    "export",
    "import",
    "admin",
    "version",
    "help",
];

#[test]
fn help_lists_every_command_with_what_it_does() {
    for args in [&["--help"][..], &["-h"], &["help"]] {
        let out = quill(args, &[]);
        assert!(out.status.success(), "{args:?}: {out:?}");
        let text = stdout(&out);
        assert!(text.contains("Usage: quill [COMMAND]"), "{text}");
        for command in COMMANDS {
            let line = text
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("{command} ")))
                .unwrap_or_else(|| panic!("{args:?} does not list {command}: {text}"));
            assert!(line.split_whitespace().count() > 2, "{line}");
        }
        assert!(
            text.contains("DATABASE_URL") && text.contains("quill config"),
            "{text}"
        );
    }
}

#[test]
fn a_command_s_help_documents_its_flags_and_environment() {
    for (args, needles) in [
        (
            &["seed", "--help"][..],
            &[
                "Usage: quill seed [OPTIONS]",
                "--users <N>",
                "--articles <N>",
                "[default: 200]",
                "password123",
                "DATABASE_URL",
            ][..],
        ),
        (
            &["export", "--help"],
            &["Usage: quill export <FILE>", "DATABASE_URL"],
        ),
        (&["import", "--help"], &["Usage: quill import <FILE>"]),
        (&["admin", "--help"], &["grant ", "revoke "]),
        (
            &["admin", "grant", "--help"],
            &["Usage: quill admin grant <USERNAME>"],
        ),
        (
            &["help", "admin", "revoke"],
            &["Usage: quill admin revoke <USERNAME>"],
        ),
        (&["healthcheck", "--help"], &["HOST", "PORT", "/healthz"]),
        (&["serve", "--help"], &["PORT", "JWT_SECRET", "QUILL_ENV"]),
        (&["doctor", "--help"], &["DB_HOST", "DB_SSLMODE"]),
        (&["migrate", "--help"], &["DATABASE_URL"]),
        (&["config", "--help"], &["secrets redacted"]),
    ] {
        let out = quill(args, &[]);
        assert!(out.status.success(), "{args:?}: {out:?}");
        let text = stdout(&out);
        for needle in needles {
            assert!(text.contains(needle), "{args:?} lacks {needle:?}: {text}");
        }
    }
}

/// Misuse is answered before any setting is read, with usage on stderr and exit code 2.
#[test]
fn misuse_exits_2_with_usage_on_stderr() {
    for args in [
        &["bogus"][..],
        &["--bogus"],
        &["migrate", "extra"],
        &["seed", "--bogus"],
        &["seed", "--users"],
        &["export"],
        &["import", "a.jsonl", "b.jsonl"],
        &["admin"],
        &["admin", "promote", "ada"],
        &["admin", "grant"],
    ] {
        let out = quill(args, &[("QUILL_ENV", "not-an-environment")]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("Usage: quill"), "{args:?}: {err}");
        assert!(!err.contains("configuration error"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    let out = quill(&["seed", "--users", "0"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 1"));
}

#[test]
fn version_prints_the_package_version() {
    for args in [&["--version"][..], &["-V"], &["version"]] {
        let out = quill(args, &[]);
        assert!(out.status.success(), "{args:?}");
        assert_eq!(
            stdout(&out),
            format!("quill {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}

/// `quill serve` and `quill` alone both serve (the default command), here on SQLite in DATA_DIR.
#[test]
fn serve_is_the_default_command() {
    for args in [&["serve"][..], &[]] {
        let port = free_port();
        let data_dir =
            std::env::temp_dir().join(format!("quill-serve-{}", uuid::Uuid::new_v4().simple()));
        let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_quill"))
            .args(args)
            .env_clear()
            .env("HOST", "127.0.0.1")
            .env("PORT", &port)
            .env("DATA_DIR", &data_dir)
            .env("LOG_LEVEL", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the quill binary starts");
        let alive = (0..300).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(100));
            quill(&["healthcheck"], &[("HOST", "127.0.0.1"), ("PORT", &port)])
                .status
                .success()
        });
        let _ = server.kill();
        let _ = server.wait();
        let _ = std::fs::remove_dir_all(&data_dir);
        assert!(alive, "quill {args:?} did not serve within 30 s");
    }
}

/// `quill seed` writes a site whose kept totals match its lists, whose users can sign in, and
/// refuses to write into a database that has users.
async fn seed_fills_an_empty_site_only(engine: Engine) {
    let url = fresh_database(engine).await;
    let env = [("DATABASE_URL", url.as_str())];
    let seeded = quill(&["seed", "--users", "40", "--articles", "300"], &env);
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let app = spawn_with(settings(&url, &[])).await;
    app.wait_ready().await;
    // 300 articles, every 50th a draft and every 50th (offset by one) unlisted.
    let (_, body) = app.get("/api/articles?limit=100", None).await;
    assert_eq!(body["articlesCount"], 288);
    let (_, tags) = app.get("/api/tags", None).await;
    let popular = tags["tags"][0].as_str().unwrap().to_string();
    let (_, by_tag) = app
        .get(&format!("/api/articles?tag={popular}&limit=100"), None)
        .await;
    let mut walked = by_tag["articles"].as_array().unwrap().len();
    let mut cursor = by_tag["nextCursor"].as_str().map(String::from);
    while let Some(c) = cursor {
        let (_, page) = app
            .get(
                &format!("/api/articles?tag={popular}&limit=100&cursor={c}"),
                None,
            )
            .await;
        walked += page["articles"].as_array().unwrap().len();
        cursor = page["nextCursor"].as_str().map(String::from);
    }
    assert_eq!(by_tag["articlesCount"], walked as i64);
    assert!(
        walked > 20,
        "the most popular tag is on {walked} articles only"
    );
    let (status, body) = app
        .post(
            "/api/users/login",
            None,
            serde_json::json!({"user": {"email": "ben2@example.com", "password": "password123"}}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    // New writes continue after the seeded ids.
    let token = body["user"]["token"].as_str().unwrap();
    app.create_article(token, "After the seed", &[]).await;
    app.register("newcomer").await;

    let again = quill(&["seed"], &env);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already has 41 users"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let bad = quill(&["seed", "--articles", "none"], &env);
    assert_eq!(bad.status.code(), Some(2));
}

async fn migrate_then_doctor_passes(engine: Engine) {
    let url = fresh_database(engine).await;
    let env = [("DATABASE_URL", url.as_str())];
    let doctor = quill(&["doctor"], &env);
    assert!(!doctor.status.success(), "unmigrated: {}", stdout(&doctor));
    assert!(
        stdout(&doctor).contains("FAIL  migrations"),
        "{}",
        stdout(&doctor)
    );

    let migrate = quill(&["migrate"], &env);
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
    let doctor = quill(&["doctor"], &env);
    assert!(doctor.status.success(), "{}", stdout(&doctor));
    assert!(
        stdout(&doctor).contains("ok    migrations"),
        "{}",
        stdout(&doctor)
    );
}

#[test]
fn doctor_names_the_failing_step_and_its_fix() {
    // Port 1 on loopback: nothing listens, so the TCP step fails with "refused".
    let out = quill(
        &["doctor"],
        &[(
            "DATABASE_URL",
            "postgres://app:hunter2hunter2@127.0.0.1:1/quill",
        )],
    );
    let text = stdout(&out);
    assert!(!out.status.success());
    assert!(text.contains("ok    resolve host"), "{text}");
    assert!(
        text.contains("FAIL  TCP connect: connection refused"),
        "{text}"
    );
    assert!(text.contains("fix: nothing listens there"), "{text}");
    assert!(
        !text.contains("hunter2hunter2"),
        "the password is never printed: {text}"
    );

    let out = quill(
        &["doctor"],
        &[
            ("DB_HOST", "no-such-host.invalid"),
            ("DB_NAME", "q"),
            ("DB_USERNAME", "u"),
        ],
    );
    assert!(
        stdout(&out).contains("FAIL  resolve host"),
        "{}",
        stdout(&out)
    );

    if let Some(server) = postgres_server() {
        let out = quill(
            &["doctor"],
            &[("DATABASE_URL", &format!("{server}/quill_no_such_database"))],
        );
        let text = stdout(&out);
        assert!(
            text.contains("FAIL  connect") && text.contains("the database does not exist"),
            "{text}"
        );
    }
}

#[test]
fn config_prints_settings_with_secrets_redacted() {
    let out = quill(
        &["config"],
        &[
            ("JWT_SECRET", JWT_SECRET),
            (
                "DATABASE_URL",
                "postgres://app:hunter2hunter2@db:5432/quill",
            ),
            ("PORT", "9999"),
        ],
    );
    let text = stdout(&out);
    assert!(out.status.success());
    assert!(
        text.contains("PORT=9999") && text.contains("JWT_SECRET=[redacted]"),
        "{text}"
    );
    assert!(
        text.contains("DATABASE_URL=postgres://app:***@db:5432/quill"),
        "{text}"
    );
    assert!(!text.contains(JWT_SECRET) && !text.contains("hunter2hunter2"));
}

#[test]
fn production_refuses_to_start_without_a_jwt_secret() {
    let out = quill(&["serve"], &[("QUILL_ENV", "production")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(err.trim().lines().count(), 1, "one clear line: {err}");
    assert!(
        err.contains("JWT_SECRET") && err.contains("QUILL_ENV=production"),
        "{err}"
    );
    let out = quill(
        &["serve"],
        &[("QUILL_ENV", "production"), ("JWT_SECRET", "too-short")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("too short"));
}

/// The container health check is liveness: a server whose database is unreachable is unready
/// (the load balancer stops routing to it) but healthy (the orchestrator does not kill it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthcheck_is_liveness_not_readiness() {
    let app = spawn_with(settings("postgres://postgres@127.0.0.1:1/unreachable", &[])).await;
    let port = app.base.rsplit(':').next().unwrap().to_string();
    let (status, _) = app.get("/readyz", None).await;
    assert_eq!(status, reqwest::StatusCode::SERVICE_UNAVAILABLE);
    let alive = tokio::task::spawn_blocking(move || {
        quill(&["healthcheck"], &[("HOST", "127.0.0.1"), ("PORT", &port)])
    })
    .await
    .unwrap();
    assert!(alive.status.success(), "{alive:?}");

    let closed = free_port();
    let gone = quill(
        &["healthcheck"],
        &[("HOST", "127.0.0.1"), ("PORT", &closed)],
    );
    assert!(!gone.status.success());
}
