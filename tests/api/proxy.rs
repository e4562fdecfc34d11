//! A TCP proxy the tests can cut: "down" refuses new connections and drops open ones, as a
//! database host that vanished would.

use std::sync::Mutex;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

pub struct ChaosProxy {
    port: u16,
    target: String,
    tasks: Mutex<Option<JoinSet<()>>>,
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
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn up(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        let target = self.target.clone();
        let mut tasks = JoinSet::new();
        tasks.spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                connections.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
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
}
