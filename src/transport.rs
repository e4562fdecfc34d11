//! Accepting and serving HTTP/1.1 connections with the limits a public server needs: a cap on
//! open connections (overall and per client address), a deadline from a request's first byte to
//! the end of its headers, and an idle keep-alive timeout. Slow clients (slow-loris: many
//! sockets, a byte now and then) are cut off and cannot crowd out everyone else, and the
//! process never runs out of file descriptors. The request body cap and the request deadline
//! are middleware (see `http::middleware`); a body refused before it was read to its end is read
//! here afterwards (within bounds), so that its sender receives the refusal.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::header::EXPECT;
use hyper::body::{Body as _, Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use ipnet::IpNet;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tower::ServiceExt;

use crate::settings::TransportLimits;

/// The most of a request body read after the request was answered without it.
const DRAIN_MAX_BYTES: u64 = 8 * 1024 * 1024;

/// Serves `router` on `listener` until `shutdown` resolves, then stops accepting, lets every
/// connection finish the request it is on, and returns once all are closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: TransportLimits,
    trusted_proxies: Vec<IpNet>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let open = Arc::new(OpenConnections::new(&limits, trusted_proxies));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors or memory: back off instead of spinning; the
                    // connections already open go on being served.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some(slot) = open.admit(peer.ip()) else {
            // Closed at once rather than left in the kernel's queue, where it would wait
            // unanswered and hold the client's socket.
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(serve_connection(
            stream,
            peer,
            router.clone(),
            limits.clone(),
            stop_rx.clone(),
            slot,
        ));
    }
    drop(listener);
    let _ = stop_tx.send(true);
    open.all_closed().await;
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: TransportLimits,
    mut stop: watch::Receiver<bool>,
    _slot: Slot,
) {
    let activity = Arc::new(Activity::new());
    let header_read_timeout = limits.header_read_timeout;
    let service = {
        let activity = activity.clone();
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let busy = activity.begin_request();
            // A client waiting for `100 Continue` has sent no body: reading would ask for it.
            let drain = (!request.headers().contains_key(EXPECT)).then_some(header_read_timeout);
            let mut request = request.map(|body| Body::new(Drained::new(body, drain)));
            request.extensions_mut().insert(ConnectInfo(peer));
            let response = router.clone().oneshot(request);
            async move {
                let response = response.await;
                drop(busy);
                response
            }
        })
    };
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: activity.clone(),
    });
    let mut connection = pin!(
        hyper::server::conn::http1::Builder::new()
            .max_buf_size(64 * 1024)
            .serve_connection(io, service)
    );
    let mut closing = false;
    loop {
        let deadline = activity.deadline(&limits);
        tokio::select! {
            served = connection.as_mut() => {
                if let Err(e) = served {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            changed = stop.changed(), if !closing => {
                if changed.is_err() || *stop.borrow() {
                    closing = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
            () = activity.changed.notified(), if !closing => {}
            () = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)),
                if !closing && deadline.is_some() =>
            {
                match activity.verdict(&limits) {
                    Verdict::Busy => {}
                    Verdict::Idle => {
                        closing = true;
                        connection.as_mut().graceful_shutdown();
                    }
                    Verdict::SlowHeaders => {
                        metrics::counter!("http_connections_cut_total", "reason" => "slow_headers")
                            .increment(1);
                        return;
                    }
                }
            }
        }
    }
}

/// What one connection is doing, as its watchdog sees it: requests in flight (counted by the
/// service), when the last one ended, and when the first byte of the next one arrived (noted by
/// the socket wrapper). Times are milliseconds since `epoch`; 0 means "not yet". `changed`
/// wakes the watchdog whenever its deadline moves.
struct Activity {
    epoch: Instant,
    in_flight: AtomicU64,
    last_done_ms: AtomicU64,
    head_started_ms: AtomicU64,
    changed: Notify,
}

enum Verdict {
    Busy,
    Idle,
    SlowHeaders,
}

impl Activity {
    fn new() -> Self {
        Self {
            epoch: Instant::now(),
            in_flight: AtomicU64::new(0),
            last_done_ms: AtomicU64::new(0),
            head_started_ms: AtomicU64::new(0),
            changed: Notify::new(),
        }
    }

    /// Milliseconds since the connection opened, never 0.
    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64 + 1
    }

    fn begin_request(self: &Arc<Self>) -> Busy {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.head_started_ms.store(0, Ordering::Release);
        self.changed.notify_one();
        Busy(self.clone())
    }

    fn bytes_arrived(&self) {
        if self.in_flight.load(Ordering::Acquire) == 0
            && self.head_started_ms.load(Ordering::Acquire) == 0
        {
            self.head_started_ms.store(self.now_ms(), Ordering::Release);
            self.changed.notify_one();
        }
    }

    /// When the watchdog must act unless something happens first: the header deadline while a
    /// request's head is arriving, else the end of the keep-alive period; none while a request
    /// is being handled (the request deadline covers that).
    fn deadline(&self, limits: &TransportLimits) -> Option<Instant> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        let at = |ms: u64, limit: Duration| self.epoch + Duration::from_millis(ms) + limit;
        Some(match self.head_started_ms.load(Ordering::Acquire) {
            0 => at(
                self.last_done_ms.load(Ordering::Acquire),
                limits.keep_alive_timeout,
            ),
            started => at(started, limits.header_read_timeout),
        })
    }

    fn verdict(&self, limits: &TransportLimits) -> Verdict {
        match self.deadline(limits) {
            Some(deadline) if Instant::now() >= deadline => {
                if self.head_started_ms.load(Ordering::Acquire) == 0 {
                    Verdict::Idle
                } else {
                    Verdict::SlowHeaders
                }
            }
            _ => Verdict::Busy,
        }
    }
}

/// A request in flight; when it ends (answered, or dropped with its connection) the
/// keep-alive period starts over.
struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0
            .last_done_ms
            .store(self.0.now_ms(), Ordering::Release);
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.0.changed.notify_one();
    }
}

/// The socket, noting when bytes of a new request start to arrive.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.bytes_arrived();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// A request body that, when its handler lets go of it before its end (a 413 decided from its
/// length, a 401 or 404 that never looked at it), is read to its end in the background, up to
/// [`DRAIN_MAX_BYTES`] and within `within`. A connection closed with a body still arriving
/// makes the client's kernel see a reset, which discards the answer before the client reads
/// it: clients that send a whole body without waiting for `100 Continue` would see a reset
/// instead of the 413.
struct Drained {
    body: Option<Incoming>,
    /// `None`: not read after its handler let go of it.
    within: Option<Duration>,
}

impl Drained {
    fn new(body: Incoming, within: Option<Duration>) -> Self {
        Self {
            body: Some(body),
            within,
        }
    }
}

impl hyper::body::Body for Drained {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        match self.body.as_mut() {
            Some(body) => Pin::new(body).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.as_ref().is_none_or(Incoming::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.body
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), Incoming::size_hint)
    }
}

impl Drop for Drained {
    fn drop(&mut self) {
        let Some(mut body) = self.body.take() else {
            return;
        };
        // Past the cap the connection is closed as before: nobody sends that much in error.
        if body.is_end_stream() || body.size_hint().lower() > DRAIN_MAX_BYTES {
            return;
        }
        let (Some(within), Ok(runtime)) = (self.within, tokio::runtime::Handle::try_current())
        else {
            return;
        };
        runtime.spawn(async move {
            let mut read = 0u64;
            let _ = tokio::time::timeout(within, async {
                while let Some(Ok(frame)) =
                    std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await
                {
                    read += frame.data_ref().map_or(0, |d| d.len() as u64);
                    if read > DRAIN_MAX_BYTES {
                        return;
                    }
                }
            })
            .await;
        });
    }
}

/// Open connections, overall and per client address.
struct OpenConnections {
    max: usize,
    max_per_address: usize,
    trusted_proxies: Vec<IpNet>,
    counts: Mutex<Counts>,
    closed: Notify,
}

#[derive(Default)]
struct Counts {
    total: usize,
    per_address: HashMap<IpAddr, usize>,
}

/// One admitted connection; frees its place when dropped.
struct Slot {
    open: Arc<OpenConnections>,
    address: IpAddr,
}

impl OpenConnections {
    fn new(limits: &TransportLimits, trusted_proxies: Vec<IpNet>) -> Self {
        Self {
            max: limits.max_connections,
            max_per_address: limits.max_connections_per_address,
            trusted_proxies,
            counts: Mutex::new(Counts::default()),
            closed: Notify::new(),
        }
    }

    fn admit(self: &Arc<Self>, address: IpAddr) -> Option<Slot> {
        let capped =
            self.max_per_address > 0 && !self.trusted_proxies.iter().any(|p| p.contains(&address));
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let refused = if counts.total >= self.max {
            Some("max_connections")
        } else if capped
            && counts.per_address.get(&address).copied().unwrap_or(0) >= self.max_per_address
        {
            Some("max_connections_per_address")
        } else {
            None
        };
        if let Some(reason) = refused {
            metrics::counter!("http_connections_refused_total", "reason" => reason).increment(1);
            return None;
        }
        counts.total += 1;
        *counts.per_address.entry(address).or_default() += 1;
        Some(Slot {
            open: self.clone(),
            address,
        })
    }

    async fn all_closed(&self) {
        loop {
            let notified = self.closed.notified();
            if self.counts.lock().unwrap_or_else(|e| e.into_inner()).total == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.open.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.total -= 1;
        if let Some(n) = counts.per_address.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                counts.per_address.remove(&self.address);
            }
        }
        if counts.total == 0 {
            self.open.closed.notify_waiters();
        }
    }
}
