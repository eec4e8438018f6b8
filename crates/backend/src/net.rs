//! The listening socket and its connections, with a kill switch and a pause: cutting every TCP
//! connection without a goodbye (as a crashed or restarted server does) is what `disconnect_all`
//! and `abort` need, and freezing them (as SIGSTOP does) is what a dead-link test needs. axum's
//! own `serve` can do neither (it spawns the connections itself), so the streams carry both.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

/// How long `bind` keeps retrying an address that is still in use (a server just stopped).
const BIND_RETRY_FOR: Duration = Duration::from_secs(5);

/// Binds `addr` (with `SO_REUSEADDR`), retrying while the address is in use.
pub(crate) async fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let started = Instant::now();
    loop {
        match bind_once(addr) {
            Err(e)
                if e.kind() == io::ErrorKind::AddrInUse && started.elapsed() < BIND_RETRY_FOR =>
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => return other,
        }
    }
}

fn bind_once(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Cuts and freezes connections. Every accepted connection belongs to the current generation;
/// `cut_all` ends a generation, `kill` ends every generation for good; while paused, reads and
/// writes wait (the peer sees a silent server).
#[derive(Debug, Clone)]
pub(crate) struct KillSwitch {
    root: CancellationToken,
    generation: Arc<Mutex<CancellationToken>>,
    /// While paused: a number for this pause and the token cancelled on resume.
    pause: Arc<Mutex<Option<(u64, CancellationToken)>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl KillSwitch {
    pub fn new() -> Self {
        let root = CancellationToken::new();
        let generation = Arc::new(Mutex::new(root.child_token()));
        Self {
            root,
            generation,
            pause: Arc::default(),
        }
    }

    fn current(&self) -> CancellationToken {
        lock(&self.generation).clone()
    }

    fn paused(&self) -> Option<(u64, CancellationToken)> {
        lock(&self.pause).clone()
    }

    /// Cuts every connection open now; later ones are not affected.
    pub fn cut_all(&self) {
        let old = std::mem::replace(&mut *lock(&self.generation), self.root.child_token());
        old.cancel();
    }

    /// Cuts every connection, now and later.
    pub fn kill(&self) {
        self.root.cancel();
        self.resume();
    }

    /// Freezes every connection (reads and writes wait) until [`KillSwitch::resume`].
    pub fn pause(&self) {
        let mut pause = lock(&self.pause);
        if pause.is_none() {
            static PAUSES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
            let id = PAUSES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            *pause = Some((id, CancellationToken::new()));
        }
    }

    /// Lets frozen connections go on.
    pub fn resume(&self) {
        if let Some((_, token)) = lock(&self.pause).take() {
            token.cancel();
        }
    }

    pub fn is_paused(&self) -> bool {
        lock(&self.pause).is_some()
    }
}

/// A listener whose connections obey a [`KillSwitch`].
#[derive(Debug)]
pub(crate) struct KillableListener {
    inner: TcpListener,
    switch: KillSwitch,
}

impl KillableListener {
    pub fn new(inner: TcpListener, switch: KillSwitch) -> Self {
        Self { inner, switch }
    }
}

impl axum::serve::Listener for KillableListener {
    type Io = KillableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    let token = self.switch.current();
                    let io = KillableStream {
                        io: stream,
                        read: Gate::new(&token),
                        write: Gate::new(&token),
                        switch: self.switch.clone(),
                        token,
                    };
                    return (io, addr);
                }
                Err(e) => {
                    tracing::debug!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// What one direction of a stream waits on: being killed, or the end of a pause. One per
/// direction, as reading and writing may be polled from different tasks.
struct Gate {
    killed: Pin<Box<WaitForCancellationFutureOwned>>,
    resumed: Option<(u64, Pin<Box<WaitForCancellationFutureOwned>>)>,
}

impl Gate {
    fn new(token: &CancellationToken) -> Self {
        Self {
            killed: Box::pin(token.clone().cancelled_owned()),
            resumed: None,
        }
    }

    /// Ready(Err) once killed, Pending while paused, Ready(Ok) when the stream may be used.
    fn poll(&mut self, cx: &mut Context<'_>, switch: &KillSwitch) -> Poll<io::Result<()>> {
        if self.killed.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "connection cut by the server",
            )));
        }
        if let Some((id, token)) = switch.paused() {
            let stale = self.resumed.as_ref().is_none_or(|(seen, _)| *seen != id);
            if stale {
                self.resumed = Some((id, Box::pin(token.cancelled_owned())));
            }
            if let Some((_, resumed)) = self.resumed.as_mut() {
                if resumed.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
            }
        }
        Poll::Ready(Ok(()))
    }
}

/// A TCP stream that fails every read and write once its token is cancelled (so that its
/// owner drops it and the peer sees the connection end with no goodbye packet), and that
/// stalls while its switch is paused.
pub(crate) struct KillableStream {
    io: TcpStream,
    token: CancellationToken,
    switch: KillSwitch,
    read: Gate,
    write: Gate,
}

impl AsyncRead for KillableStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match this.read.poll(cx, &this.switch) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.io).poll_read(cx, buf),
            other => other,
        }
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match this.write.poll(cx, &this.switch) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.io).poll_write(cx, buf),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match this.write.poll(cx, &this.switch) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.io).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.token.is_cancelled() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}
