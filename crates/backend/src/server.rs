//! [`Backend`]: starting, driving, inspecting and stopping one embedded server.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::get;
use serde_json::Value;
use socketioxide::SocketIo;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::auth::{mint_expired_token, mint_token};
use crate::handlers::{self, emit_to_user, user_room, Args, Ctx};
use crate::net::{self, KillSwitch, KillableListener};
use crate::signin::SignIn;
use crate::store::{BackendEvent, Handshakes, Received, Store};
use crate::{BackendConfig, BackendError};

/// How long a graceful stop may take before the server is cut off.
const GRACE: Duration = Duration::from_secs(3);

/// A running embedded backend. Cheap to clone; dropping the last clone aborts the server.
#[derive(Clone)]
pub struct Backend {
    inner: Arc<Inner>,
}

struct Inner {
    io: SocketIo,
    ctx: Ctx,
    local: SocketAddr,
    path: String,
    secret: Vec<u8>,
    sign_in: Option<SignIn>,
    switch: KillSwitch,
    graceful: CancellationToken,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("url", &self.url())
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl Backend {
    /// Binds `cfg.addr` (retrying a few seconds while it is still in use) and starts serving.
    pub async fn start(cfg: BackendConfig) -> Result<Backend, BackendError> {
        if !cfg.path.starts_with('/') {
            return Err(BackendError::BadPath(cfg.path));
        }
        if cfg.secret.is_empty() {
            return Err(BackendError::EmptySecret);
        }
        let addr = cfg.addr;
        let listener = net::bind(addr)
            .await
            .map_err(|source| BackendError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| BackendError::Bind { addr, source })?;
        let ctx = Ctx {
            store: Arc::new(Store::new()),
            secret: Arc::from(cfg.secret.as_slice()),
        };
        let (layer, io) = SocketIo::builder()
            .req_path(cfg.path.clone())
            .ping_interval(cfg.ping_interval)
            .ping_timeout(cfg.ping_timeout)
            .max_buffer_size(cfg.max_buffer_size)
            .with_state(ctx.clone())
            .build_layer();
        handlers::install(&io);
        let sign_in = cfg
            .sign_in
            .map(|c| SignIn::new(c, ctx.secret.clone(), format!("http://{local}")));
        let mut app = axum::Router::new().route("/health", get(|| async { "ok" }));
        if let Some(s) = &sign_in {
            app = app.merge(s.routes());
        }
        let app = app.layer(layer);
        let switch = KillSwitch::new();
        let graceful = CancellationToken::new();
        let serve = axum::serve(KillableListener::new(listener, switch.clone()), app)
            .with_graceful_shutdown(graceful.clone().cancelled_owned());
        let task = tokio::spawn(async move {
            if let Err(e) = serve.await {
                tracing::warn!(error = %e, "server stopped with an error");
            }
        });
        tracing::info!(%local, path = %cfg.path, "alora backend listening");
        Ok(Backend {
            inner: Arc::new(Inner {
                io,
                ctx,
                local,
                path: cfg.path,
                secret: cfg.secret,
                sign_in,
                switch,
                graceful,
                task: Mutex::new(Some(task)),
            }),
        })
    }

    /// `http://127.0.0.1:PORT` (no path).
    pub fn url(&self) -> String {
        format!("http://{}", self.inner.local)
    }

    /// The engine.io path, e.g. `/socket/notification`.
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.inner.local.port()
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.local
    }

    /// The HS256 key (to start another backend that accepts the same tokens).
    pub fn secret(&self) -> &[u8] {
        &self.inner.secret
    }

    /// An HS256 JWT for `user_id` (claims `sub`, `userId`, `iat`, `exp`) valid for `ttl`.
    pub fn token_for(&self, user_id: &str, ttl: Duration) -> String {
        mint_token(&self.inner.secret, user_id, ttl)
    }

    /// A well-signed JWT for `user_id` whose `exp` is an hour in the past.
    pub fn expired_token_for(&self, user_id: &str) -> String {
        mint_expired_token(&self.inner.secret, user_id)
    }

    /// Whether the sign-in endpoints are served.
    pub fn has_sign_in(&self) -> bool {
        self.inner.sign_in.is_some()
    }

    /// Forgets every refresh token handed out, so that the next refresh is refused.
    pub fn revoke_refresh_tokens(&self) {
        if let Some(s) = &self.inner.sign_in {
            s.revoke_refresh_tokens();
        }
    }

    /// Emits `event` to every socket of `user_id` (room `user:<id>`), kept for catch-up.
    pub async fn push_to_user(&self, user_id: &str, event: &str, payload: Value) {
        self.push_raw_to_user(user_id, event, vec![payload]).await;
    }

    /// As [`Backend::push_to_user`], with each of `args` as a separate argument.
    pub async fn push_raw_to_user(&self, user_id: &str, event: &str, args: Vec<Value>) {
        let to = self.inner.io.to(user_room(user_id));
        emit_to_user(to, &self.inner.ctx.store, user_id, event, &args).await;
    }

    /// Emits `event` with one argument to every socket.
    pub async fn push_to_all(&self, event: &str, payload: Value) {
        if let Err(e) = self.inner.io.emit(event, &payload).await {
            tracing::debug!(error = %e, event, "push_to_all failed");
        }
    }

    /// Emits `event` with each of `args` as a separate argument (none, one, or several).
    pub async fn push_raw_to_all(&self, event: &str, args: Vec<Value>) {
        if let Err(e) = self.inner.io.emit(event, &Args(&args)).await {
            tracing::debug!(error = %e, event, "push_raw_to_all failed");
        }
    }

    /// Every event clients emitted, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.inner.ctx.store.received()
    }

    /// The stored messages (de-duplicated by `clientId`), in order.
    pub fn messages(&self) -> Vec<Value> {
        self.inner.ctx.store.messages()
    }

    /// A live feed of handshakes, received events and disconnections from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<BackendEvent> {
        self.inner.ctx.store.subscribe()
    }

    /// Accepted and rejected handshakes since start.
    pub fn handshakes(&self) -> Handshakes {
        self.inner.ctx.store.handshakes()
    }

    /// Sockets connected to the `/` namespace now.
    pub fn connected_sockets(&self) -> usize {
        self.inner.io.sockets().len()
    }

    /// Ends every connection from the server side, as a server restart would: the transports
    /// are closed with no Socket.IO DISCONNECT packet, so clients see a transport close and
    /// reconnect. Returns once those sockets are gone (or after a few seconds).
    pub async fn disconnect_all(&self) {
        let before: Vec<_> = self.inner.io.sockets();
        self.inner.switch.cut_all();
        // Sockets with no open connection (polling between requests) are dropped too.
        for s in &before {
            let _ = s.clone().disconnect();
        }
        let deadline = tokio::time::Instant::now() + GRACE;
        while tokio::time::Instant::now() < deadline {
            let now = self.inner.io.sockets();
            if !before.iter().any(|b| now.iter().any(|n| n.id == b.id)) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Freezes the server as SIGSTOP would: connections stay open but nothing is read or
    /// written (no pongs, no events) until [`Backend::resume`]. New connections hang too.
    pub fn pause(&self) {
        self.inner.switch.pause();
    }

    /// Ends a [`Backend::pause`].
    pub fn resume(&self) {
        self.inner.switch.resume();
    }

    /// Whether the server is paused.
    pub fn is_paused(&self) -> bool {
        self.inner.switch.is_paused()
    }

    /// Graceful stop: closes every socket (engine.io close), stops listening, and waits for the
    /// server task; the port is free when this returns.
    pub async fn shutdown(self) {
        let inner = &self.inner;
        if tokio::time::timeout(GRACE, inner.io.close()).await.is_err() {
            tracing::warn!("closing the sockets took too long");
        }
        inner.graceful.cancel();
        let task = take_task(inner);
        if let Some(mut task) = task {
            if tokio::time::timeout(GRACE, &mut task).await.is_err() {
                inner.switch.kill();
                task.abort();
                let _ = task.await;
            }
        }
        inner.switch.kill();
        tracing::info!(port = inner.local.port(), "alora backend stopped");
    }

    /// Abrupt stop, like SIGKILL: every connection is cut with no goodbye and the listener is
    /// dropped. A new backend may bind the same port right after (its `start` retries).
    pub fn abort(self) {
        self.inner.kill_now();
        let io = self.inner.io.clone();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            // Frees the old sockets; nothing reaches the clients, their connections are cut.
            rt.spawn(async move { io.close().await });
        }
        tracing::info!(port = self.inner.local.port(), "alora backend aborted");
    }
}

fn take_task(inner: &Inner) -> Option<JoinHandle<()>> {
    inner
        .task
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take()
}

impl Inner {
    fn kill_now(&self) {
        self.switch.kill();
        self.graceful.cancel();
        if let Some(task) = take_task(self) {
            task.abort();
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.kill_now();
    }
}
