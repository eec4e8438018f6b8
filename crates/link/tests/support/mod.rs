//! Test servers for the link's integration tests: the embedded Rust backend and the Node
//! `socket.io` reference server (`tests/node-server`), behind one trait, [`TestServer`], so
//! that each scenario runs against both.
//!
//! ```ignore
//! mod support;
//! use support::{Kind, NodeOptions, TestServer};
//!
//! async fn scenario(server: &mut impl TestServer) { /* ... */ }
//!
//! #[tokio::test]
//! async fn scenario_embedded() { scenario(&mut support::embedded().await).await }
//! #[tokio::test]
//! async fn scenario_node() { scenario(&mut support::node().await).await }
//! // or: for kind in Kind::ALL { scenario(&mut support::start(kind, NodeOptions::default()).await).await }
//! ```
//!
//! Everything a server records (received events, handshake counts) adds up across restarts of
//! the same test server, so a test can count attempts over a restart.
#![allow(dead_code)]

pub mod embedded;
pub mod node;

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use alora_backend::{Backend, BackendConfig};
use serde_json::Value;

pub use embedded::EmbeddedServer;
pub use node::NodeServer;

/// One event a client emitted, as a test server received it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedEvent {
    /// The user of the socket's token, when known.
    pub user_id: Option<String>,
    /// The event name.
    pub event: String,
    /// Its first argument (`null` when there was none).
    pub payload: Value,
}

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The embedded `alora-backend` (socketioxide), in this process.
    Embedded,
    /// `node tests/node-server/server.js` (socket.io 4), a child process.
    Node,
}

impl Kind {
    /// Both, embedded first.
    pub const ALL: [Kind; 2] = [Kind::Embedded, Kind::Node];

    /// Whether this kind can serve with `options` (the embedded backend has neither
    /// connection-state recovery nor TLS).
    pub fn supports(self, options: &NodeOptions) -> bool {
        match self {
            Kind::Embedded => {
                !options.recovery
                    && options.tls_cert.is_none()
                    && options.host.is_none()
                    && options.netns.is_none()
                    && options.redis.is_none()
            }
            Kind::Node => true,
        }
    }
}

/// Options of the Node server (the embedded one honours the ping times only).
#[derive(Debug, Clone, Default)]
pub struct NodeOptions {
    /// Engine.io ping interval in ms (default 25 000).
    pub ping_interval_ms: Option<u64>,
    /// Engine.io ping timeout in ms (default 20 000).
    pub ping_timeout_ms: Option<u64>,
    /// socket.io `connectionStateRecovery`, which appends an offset argument to broadcasts.
    pub recovery: bool,
    /// Serve https with this PEM certificate (and `tls_key`).
    pub tls_cert: Option<PathBuf>,
    /// The PEM key of `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// Listen on this address instead of 127.0.0.1 (Node only).
    pub host: Option<String>,
    /// Run inside this network namespace (`ip netns exec`; Node only).
    pub netns: Option<String>,
    /// One node of several: rooms, emits and messages shared through the
    /// Redis at this URL (`@socket.io/redis-adapter`; Node only).
    pub redis: Option<String>,
    /// The node's name, stamped on the messages it stores.
    pub name: Option<String>,
    /// The HS256 secret (default: a random one); nodes of one backend share it.
    pub secret: Option<String>,
}

/// What the link's tests need from a server. Futures are `Send`.
pub trait TestServer: Send {
    /// `"embedded"` or `"node"`, for messages.
    fn name(&self) -> &'static str;
    /// `http://127.0.0.1:PORT`, no path; `http` even when the Node server serves TLS (use
    /// `NodeServer::tls_url` for `https://localhost:PORT`).
    fn url(&self) -> String;
    /// The engine.io path, `/socket/notification`.
    fn path(&self) -> String;
    /// The port; it stays the same across restarts.
    fn port(&self) -> u16;
    /// An HS256 token for `user`, valid for an hour.
    fn token_for(&mut self, user: &str) -> String {
        self.token_with_ttl(user, Duration::from_secs(3600))
    }
    /// An HS256 token for `user`, valid for `ttl`.
    fn token_with_ttl(&mut self, user: &str, ttl: Duration) -> String;
    /// A well-signed token for `user` that expired an hour ago.
    fn expired_token_for(&mut self, user: &str) -> String;
    /// Emits `event` with `args` (each a separate Socket.IO argument) to every socket of
    /// `to_user` (room `user:<id>`, kept for catch-up), or to everyone when `None`.
    fn push(
        &mut self,
        to_user: Option<&str>,
        event: &str,
        args: Vec<Value>,
    ) -> impl Future<Output = ()> + Send;
    /// Everything received so far, in arrival order.
    fn received(&mut self) -> Vec<ReceivedEvent>;
    /// The first received event at index `from` or later that matches `pred`, waiting up to
    /// `timeout` for it.
    fn wait_received_from(
        &mut self,
        from: usize,
        pred: impl Fn(&ReceivedEvent) -> bool + Send,
        timeout: Duration,
    ) -> impl Future<Output = anyhow::Result<ReceivedEvent>> + Send;
    /// The first received event (so far or to come within `timeout`) that matches `pred`.
    fn wait_received(
        &mut self,
        pred: impl Fn(&ReceivedEvent) -> bool + Send,
        timeout: Duration,
    ) -> impl Future<Output = anyhow::Result<ReceivedEvent>> + Send {
        self.wait_received_from(0, pred, timeout)
    }
    /// (accepted, rejected) handshakes.
    fn handshakes(&mut self) -> (usize, usize);
    /// Sockets connected now.
    fn connected_sockets(&mut self) -> usize;
    /// The stored chat messages (de-duplicated by `clientId`), in order.
    fn messages(&mut self) -> impl Future<Output = Vec<Value>> + Send;
    /// Closes every client's transport from the server side (no Socket.IO DISCONNECT packet),
    /// as a restart would; the server stays up.
    fn disconnect_all(&mut self) -> impl Future<Output = ()> + Send;
    /// Graceful stop (SIGTERM / `shutdown`), then start again on the same port and secret.
    fn restart_graceful(&mut self) -> impl Future<Output = ()> + Send;
    /// Abrupt stop (SIGKILL / `abort`); the server stays down until [`TestServer::start_again`].
    fn kill(&mut self) -> impl Future<Output = ()> + Send;
    /// Starts again on the same port and secret after [`TestServer::kill`].
    fn start_again(&mut self) -> impl Future<Output = ()> + Send;
    /// Whether [`TestServer::pause`] works (both do: Node with SIGSTOP, the embedded backend by
    /// freezing its connections).
    fn supports_pause(&self) -> bool;
    /// Freezes the server: connections stay open, nothing is answered (no pongs).
    fn pause(&mut self) -> impl Future<Output = ()> + Send;
    /// Ends a pause.
    fn resume(&mut self) -> impl Future<Output = ()> + Send;
}

/// The embedded backend with default options, behind [`TestServer`].
pub async fn embedded() -> EmbeddedServer {
    EmbeddedServer::start(BackendConfig::default()).await
}

/// The embedded backend with this config, behind [`TestServer`].
pub async fn embedded_with(config: BackendConfig) -> EmbeddedServer {
    EmbeddedServer::start(config).await
}

/// The embedded backend itself, for what only it can do (`subscribe`, `push_to_user`, ...).
pub async fn embedded_backend() -> Backend {
    match Backend::start(BackendConfig::default()).await {
        Ok(b) => b,
        Err(e) => panic!("cannot start the embedded backend: {e}"),
    }
}

/// The Node server with default options (panics if `npm ci` was not run).
pub async fn node() -> NodeServer {
    NodeServer::start(NodeOptions::default()).await
}

/// The Node server with `options`.
pub async fn node_with(options: NodeOptions) -> NodeServer {
    NodeServer::start(options).await
}

/// Either server, chosen at run time; panics if `kind` cannot serve with `options`.
pub async fn start(kind: Kind, options: NodeOptions) -> AnyServer {
    assert!(
        kind.supports(&options),
        "{kind:?} cannot serve with {options:?}"
    );
    match kind {
        Kind::Embedded => {
            let mut config = BackendConfig::default();
            if let Some(ms) = options.ping_interval_ms {
                config.ping_interval = Duration::from_millis(ms);
            }
            if let Some(ms) = options.ping_timeout_ms {
                config.ping_timeout = Duration::from_millis(ms);
            }
            AnyServer::Embedded(Box::new(EmbeddedServer::start(config).await))
        }
        Kind::Node => AnyServer::Node(Box::new(NodeServer::start(options).await)),
    }
}

/// A port on 127.0.0.1 where nothing listens (it was free a moment ago).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(9)
}

/// Polls `check` every 20 ms until it holds; panics after `within`.
pub async fn poll_until(within: Duration, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + within;
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "still not so after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A search over `received` from index `from`, polled every 10 ms until `timeout`.
pub(crate) async fn poll_received(
    mut received: impl FnMut() -> Vec<ReceivedEvent> + Send,
    from: usize,
    pred: impl Fn(&ReceivedEvent) -> bool + Send,
    timeout: Duration,
    name: &str,
) -> anyhow::Result<ReceivedEvent> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let all = received();
        if let Some(found) = all.iter().skip(from).find(|r| pred(r)) {
            return Ok(found.clone());
        }
        if tokio::time::Instant::now() >= deadline {
            let tail: Vec<_> = all.iter().rev().take(10).rev().collect();
            anyhow::bail!("{name}: no matching event within {timeout:?}; last received: {tail:#?}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// One of the two servers; implements [`TestServer`] by delegation.
#[derive(Debug)]
pub enum AnyServer {
    /// The embedded backend.
    Embedded(Box<EmbeddedServer>),
    /// The Node server.
    Node(Box<NodeServer>),
}

macro_rules! delegate {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            AnyServer::Embedded($s) => $e,
            AnyServer::Node($s) => $e,
        }
    };
}

impl TestServer for AnyServer {
    fn name(&self) -> &'static str {
        delegate!(self, s => s.name())
    }
    fn url(&self) -> String {
        delegate!(self, s => s.url())
    }
    fn path(&self) -> String {
        delegate!(self, s => s.path())
    }
    fn port(&self) -> u16 {
        delegate!(self, s => s.port())
    }
    fn token_with_ttl(&mut self, user: &str, ttl: Duration) -> String {
        delegate!(self, s => s.token_with_ttl(user, ttl))
    }
    fn expired_token_for(&mut self, user: &str) -> String {
        delegate!(self, s => s.expired_token_for(user))
    }
    async fn push(&mut self, to_user: Option<&str>, event: &str, args: Vec<Value>) {
        delegate!(self, s => s.push(to_user, event, args).await)
    }
    fn received(&mut self) -> Vec<ReceivedEvent> {
        delegate!(self, s => s.received())
    }
    async fn wait_received_from(
        &mut self,
        from: usize,
        pred: impl Fn(&ReceivedEvent) -> bool + Send,
        timeout: Duration,
    ) -> anyhow::Result<ReceivedEvent> {
        delegate!(self, s => s.wait_received_from(from, pred, timeout).await)
    }
    fn handshakes(&mut self) -> (usize, usize) {
        delegate!(self, s => s.handshakes())
    }
    fn connected_sockets(&mut self) -> usize {
        delegate!(self, s => s.connected_sockets())
    }
    async fn messages(&mut self) -> Vec<Value> {
        delegate!(self, s => s.messages().await)
    }
    async fn disconnect_all(&mut self) {
        delegate!(self, s => s.disconnect_all().await)
    }
    async fn restart_graceful(&mut self) {
        delegate!(self, s => s.restart_graceful().await)
    }
    async fn kill(&mut self) {
        delegate!(self, s => s.kill().await)
    }
    async fn start_again(&mut self) {
        delegate!(self, s => s.start_again().await)
    }
    fn supports_pause(&self) -> bool {
        delegate!(self, s => s.supports_pause())
    }
    async fn pause(&mut self) {
        delegate!(self, s => s.pause().await)
    }
    async fn resume(&mut self) {
        delegate!(self, s => s.resume().await)
    }
}
