//! A TCP proxy the tests can cut: "down" refuses new connections and drops open ones, as a
//! database host that vanished would; "stall" keeps every connection open but passes no byte
//! on, as a network that black-holes traffic would.

use std::sync::Mutex;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

pub struct ChaosProxy {
    port: u16,
    target: String,
    tasks: Mutex<Option<JoinSet<()>>>,
    stalled: watch::Sender<bool>,
}

impl ChaosProxy {
    /// Picks a free port and starts down.
    pub async fn reserve(target: &str) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Self {
            port,
            target: target.to_string(),
            tasks: Mutex::new(None),
            stalled: watch::Sender::new(false),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn up(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        let target = self.target.clone();
        let stalled = self.stalled.clone();
        let mut tasks = JoinSet::new();
        tasks.spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((inbound, _)) = listener.accept().await {
                let target = target.clone();
                let stalled = stalled.subscribe();
                connections.spawn(async move {
                    if let Ok(outbound) = TcpStream::connect(target).await {
                        let (from_client, to_client) = inbound.into_split();
                        let (from_server, to_server) = outbound.into_split();
                        tokio::join!(
                            pump(from_client, to_server, stalled.clone()),
                            pump(from_server, to_client, stalled),
                        );
                    }
                });
            }
        });
        *self.tasks.lock().unwrap() = Some(tasks);
    }

    /// Aborting the accept task drops the listener and, with its JoinSet, every open connection.
    pub async fn down(&self) {
        let tasks = self.tasks.lock().unwrap().take();
        if let Some(mut tasks) = tasks {
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
        }
    }

    /// Holds every byte in both directions, on open and new connections, until [`Self::resume`].
    pub fn stall(&self) {
        self.stalled.send_replace(true);
    }

    pub fn resume(&self) {
        self.stalled.send_replace(false);
    }
}

/// Copies `from` to `to`, holding what it read while the proxy is stalled.
async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, mut stalled: watch::Receiver<bool>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if stalled.wait_for(|s| !*s).await.is_err() || to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
