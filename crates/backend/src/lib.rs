//! The embedded Alora backend: a real Socket.IO v4 server (socketioxide on axum) that speaks
//! the protocol of `shared/PROTOCOL.md`, for the link's integration tests and the demo mode.
//!
//! ```no_run
//! # async fn demo() -> Result<(), alora_backend::BackendError> {
//! use alora_backend::{Backend, BackendConfig};
//! let backend = Backend::start(BackendConfig::default()).await?;
//! let token = backend.token_for("u1", std::time::Duration::from_secs(3600));
//! println!("{} {} {token}", backend.url(), backend.path());
//! backend.push_to_user("u1", "newNotification", serde_json::json!({"id": "n1"})).await;
//! backend.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod auth;
mod handlers;
mod net;
mod server;
mod signin;
mod store;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

pub use auth::{mint_expired_token, mint_token, verify_token, AuthError, Claims};
pub use handlers::SILENT_CONVERSATION;
pub use server::Backend;
pub use signin::{SignInConfig, DEMO_LOGIN, DEMO_PASSWORD, DESKTOP_CLIENT_ID};
pub use store::{BackendEvent, Handshakes, Received};

/// How to start a [`Backend`].
#[derive(Clone)]
pub struct BackendConfig {
    /// Where to listen; port 0 picks a free port. Default `127.0.0.1:0`.
    pub addr: SocketAddr,
    /// The engine.io path. Default `/socket/notification`.
    pub path: String,
    /// The HS256 key that signs and checks the JWTs. Default: 32 random bytes.
    pub secret: Vec<u8>,
    /// Engine.io ping interval. Default 25 s.
    pub ping_interval: Duration,
    /// Engine.io ping timeout. Default 20 s.
    pub ping_timeout: Duration,
    /// Packets queued per socket before an emit to it is refused (it is
    /// logged, and dropped). Default 1 024, above socketioxide's own 128:
    /// the client awaits up to 512 acks at once (`DEFAULT_ACK_WINDOW`), and
    /// a refused ack would come back to it as a timeout and a re-send.
    pub max_buffer_size: usize,
    /// The sign-in endpoints (PROTOCOL.md "Signing in from the desktop"); `None` serves a
    /// backend without them (a pasted token only). Default: on, with the demo user.
    pub sign_in: Option<SignInConfig>,
}

impl Default for BackendConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            path: DEFAULT_PATH.to_owned(),
            secret: random_secret(),
            ping_interval: Duration::from_secs(25),
            ping_timeout: Duration::from_secs(20),
            max_buffer_size: 1_024,
            sign_in: Some(SignInConfig::default()),
        }
    }
}

impl std::fmt::Debug for BackendConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackendConfig")
            .field("addr", &self.addr)
            .field("path", &self.path)
            .field("secret", &format_args!("<{} bytes>", self.secret.len()))
            .field("ping_interval", &self.ping_interval)
            .field("ping_timeout", &self.ping_timeout)
            .field("max_buffer_size", &self.max_buffer_size)
            .field("sign_in", &self.sign_in)
            .finish()
    }
}

/// The default engine.io path of the Alora backend.
pub const DEFAULT_PATH: &str = "/socket/notification";

/// 32 random bytes, the default HS256 key.
pub fn random_secret() -> Vec<u8> {
    use rand::RngCore;
    let mut key = vec![0_u8; 32];
    rand::rng().fill_bytes(&mut key);
    key
}

/// Why the backend could not start.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The address could not be bound (after retrying for a while if it was in use).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The engine.io path does not start with `/`.
    #[error("the engine.io path must start with '/': {0:?}")]
    BadPath(String),
    /// The HS256 secret is empty.
    #[error("the JWT secret must not be empty")]
    EmptySecret,
}
