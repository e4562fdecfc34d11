//! Transport limits: slow clients (slow-loris) are cut off and cannot crowd out others, idle
//! keep-alive connections close, and one address cannot hold more than its share of sockets.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, fresh_database, settings, spawn_with};

engine_tests!(
    slow_clients_cannot_crowd_out_others,
    idle_connections_close,
    a_client_sending_a_whole_oversized_body_reads_its_413,
);

async fn app_with(engine: Engine, extra: &[(&str, &str)]) -> TestApp {
    let app = spawn_with(settings(&fresh_database(engine).await, extra)).await;
    app.wait_ready().await;
    app
}

fn address(app: &TestApp) -> std::net::SocketAddr {
    app.base.trim_start_matches("http://").parse().unwrap()
}

/// A connection from another loopback address, as another client would have.
async fn connect_from(source: &str, app: &TestApp) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(format!("{source}:0").parse().unwrap())?;
    socket.connect(address(app)).await
}

/// Whether the server has closed `stream` (EOF or reset) within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(within, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

/// The slowest of `n` ordinary requests, one after another on fresh connections.
async fn slowest_of(app: &TestApp, n: usize) -> Duration {
    let mut slowest = Duration::ZERO;
    for _ in 0..n {
        let client = reqwest::Client::new();
        let start = Instant::now();
        let res = client
            .get(format!("{}/api/tags", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        slowest = slowest.max(start.elapsed());
    }
    slowest
}

async fn slow_clients_cannot_crowd_out_others(engine: Engine) {
    let app = app_with(
        engine,
        &[
            ("HEADER_READ_TIMEOUT_SECS", "2"),
            ("MAX_CONNECTIONS_PER_ADDRESS", "50"),
        ],
    )
    .await;
    let baseline = slowest_of(&app, 10).await;
    // An attacker at 127.0.0.2 opens 800 sockets and trickles a request head into each.
    let mut slow = Vec::new();
    for _ in 0..800 {
        if let Ok(mut stream) = connect_from("127.0.0.2", &app).await {
            let _ = stream.write_all(b"GET /api/tags HTTP/1.1\r\nHost: x").await;
            slow.push(stream);
        }
    }
    let under_attack = slowest_of(&app, 20).await;
    assert!(
        under_attack < baseline * 5 + Duration::from_millis(200),
        "ordinary requests slowed from {baseline:?} to {under_attack:?}"
    );
    // Past its share the attacker's sockets were closed at once, the rest once the head took
    // longer than the header deadline.
    let start = Instant::now();
    let mut still_open = 0;
    for stream in &mut slow {
        if !closed_within(
            stream,
            Duration::from_secs(4).saturating_sub(start.elapsed()),
        )
        .await
        {
            still_open += 1;
        }
    }
    assert_eq!(still_open, 0, "slow sockets outlived the header deadline");
    // Another client at the attacker's address is served again once they are gone.
    let mut stream = connect_from("127.0.0.2", &app).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

async fn idle_connections_close(engine: Engine) {
    let app = app_with(engine, &[("KEEP_ALIVE_TIMEOUT_SECS", "1")]).await;
    let mut silent = connect_from("127.0.0.3", &app).await.unwrap();
    let mut kept_alive = connect_from("127.0.0.3", &app).await.unwrap();
    kept_alive
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 512];
    let n = kept_alive.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    assert!(closed_within(&mut silent, Duration::from_secs(3)).await);
    assert!(closed_within(&mut kept_alive, Duration::from_secs(3)).await);
}

/// A client that sends its whole body at once, without waiting for `100 Continue` (as Python's
/// and many SDKs' clients do), reads the 413: the server reads the rest of the body it refused
/// instead of closing on it, which would reset the connection and lose the answer.
async fn a_client_sending_a_whole_oversized_body_reads_its_413(engine: Engine) {
    let app = app_with(engine, &[]).await;
    for round in 0..3 {
        let body = vec![b' '; 5 * 1024 * 1024];
        let head = format!(
            "POST /api/users HTTP/1.1\r\nHost: quill\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        );
        let (mut reader, mut writer) = TcpStream::connect(address(&app))
            .await
            .unwrap()
            .into_split();
        let sending = tokio::spawn(async move {
            writer.write_all(head.as_bytes()).await?;
            writer.write_all(&body).await?;
            Ok::<_, std::io::Error>(writer)
        });
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(10), async {
            let mut buf = [0u8; 4096];
            while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
                match reader.read(&mut buf).await? {
                    0 => break,
                    n => answer.extend_from_slice(&buf[..n]),
                }
            }
            Ok::<_, std::io::Error>(())
        })
        .await
        .expect("an answer within 10 s");
        assert!(read.is_ok(), "round {round}: {read:?}");
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with("HTTP/1.1 413"),
            "round {round}: {answer}"
        );
        let sent = tokio::time::timeout(Duration::from_secs(10), sending)
            .await
            .expect("the body is read within 10 s")
            .unwrap();
        assert!(
            sent.is_ok(),
            "round {round}: the body was cut off: {sent:?}"
        );
    }
}
