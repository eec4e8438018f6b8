//! [`EmbeddedServer`]: the `alora-backend` crate in this process, behind [`TestServer`].

use std::time::Duration;

use alora_backend::{Backend, BackendConfig, Received};
use serde_json::Value;

use super::{poll_received, ReceivedEvent, TestServer};

/// The embedded backend; restarts keep its port and secret, and what it recorded adds up.
#[derive(Debug)]
pub struct EmbeddedServer {
    /// The running backend (`None` between `kill` and `start_again`).
    backend: Option<Backend>,
    /// How to start it again: the first start's address and secret.
    config: BackendConfig,
    /// What earlier runs received.
    earlier: Vec<ReceivedEvent>,
    /// Handshakes (accepted, rejected) of earlier runs.
    earlier_handshakes: (usize, usize),
}

fn convert(r: Received) -> ReceivedEvent {
    ReceivedEvent {
        user_id: r.user_id,
        event: r.event,
        payload: r.payload,
    }
}

async fn boot(config: BackendConfig) -> Backend {
    match Backend::start(config.clone()).await {
        Ok(b) => b,
        Err(e) => panic!("cannot start the embedded backend on {}: {e}", config.addr),
    }
}

impl EmbeddedServer {
    /// Starts a backend with `config`.
    pub async fn start(mut config: BackendConfig) -> EmbeddedServer {
        let backend = boot(config.clone()).await;
        config.addr = backend.local_addr();
        config.secret = backend.secret().to_vec();
        EmbeddedServer {
            backend: Some(backend),
            config,
            earlier: Vec::new(),
            earlier_handshakes: (0, 0),
        }
    }

    /// The running backend, for what only it can do. Panics while killed.
    pub fn backend(&self) -> &Backend {
        match &self.backend {
            Some(b) => b,
            None => panic!("the embedded backend is down (killed)"),
        }
    }

    /// Takes the running backend out, keeping what it recorded.
    fn take(&mut self) -> Option<Backend> {
        let backend = self.backend.take()?;
        self.earlier
            .extend(backend.received().into_iter().map(convert));
        let h = backend.handshakes();
        self.earlier_handshakes.0 += h.accepted;
        self.earlier_handshakes.1 += h.rejected;
        Some(backend)
    }

    fn all_received(earlier: &[ReceivedEvent], backend: Option<&Backend>) -> Vec<ReceivedEvent> {
        let mut all = earlier.to_vec();
        if let Some(b) = backend {
            all.extend(b.received().into_iter().map(convert));
        }
        all
    }
}

impl TestServer for EmbeddedServer {
    fn name(&self) -> &'static str {
        "embedded"
    }

    fn url(&self) -> String {
        format!("http://{}", self.config.addr)
    }

    fn path(&self) -> String {
        self.config.path.clone()
    }

    fn port(&self) -> u16 {
        self.config.addr.port()
    }

    fn token_with_ttl(&mut self, user: &str, ttl: Duration) -> String {
        alora_backend::mint_token(&self.config.secret, user, ttl)
    }

    fn expired_token_for(&mut self, user: &str) -> String {
        alora_backend::mint_expired_token(&self.config.secret, user)
    }

    async fn push(&mut self, to_user: Option<&str>, event: &str, args: Vec<Value>) {
        let backend = self.backend();
        match to_user {
            Some(user) => backend.push_raw_to_user(user, event, args).await,
            None => backend.push_raw_to_all(event, args).await,
        }
    }

    fn received(&mut self) -> Vec<ReceivedEvent> {
        Self::all_received(&self.earlier, self.backend.as_ref())
    }

    async fn wait_received_from(
        &mut self,
        from: usize,
        pred: impl Fn(&ReceivedEvent) -> bool + Send,
        timeout: Duration,
    ) -> anyhow::Result<ReceivedEvent> {
        let earlier = self.earlier.clone();
        let backend = self.backend.clone();
        let all = move || Self::all_received(&earlier, backend.as_ref());
        poll_received(all, from, pred, timeout, "embedded").await
    }

    fn handshakes(&mut self) -> (usize, usize) {
        let (a, r) = self.earlier_handshakes;
        let now = self
            .backend
            .as_ref()
            .map(Backend::handshakes)
            .unwrap_or_default();
        (a + now.accepted, r + now.rejected)
    }

    fn connected_sockets(&mut self) -> usize {
        self.backend.as_ref().map_or(0, Backend::connected_sockets)
    }

    async fn messages(&mut self) -> Vec<Value> {
        self.backend
            .as_ref()
            .map(Backend::messages)
            .unwrap_or_default()
    }

    async fn disconnect_all(&mut self) {
        self.backend().disconnect_all().await;
    }

    async fn restart_graceful(&mut self) {
        if let Some(backend) = self.take() {
            backend.shutdown().await;
        }
        self.backend = Some(boot(self.config.clone()).await);
    }

    async fn kill(&mut self) {
        if let Some(backend) = self.take() {
            backend.abort();
        }
    }

    async fn start_again(&mut self) {
        if self.backend.is_none() {
            self.backend = Some(boot(self.config.clone()).await);
        }
    }

    fn supports_pause(&self) -> bool {
        true
    }

    async fn pause(&mut self) {
        self.backend().pause();
    }

    async fn resume(&mut self) {
        self.backend().resume();
    }
}
