//! How to reach a backend: URL, engine.io path, token, transport, timeouts,
//! backoff and TLS roots, and the checks that turn a wrong URL into a clear
//! error before any connection is tried.

use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

use crate::error::LinkError;

/// The engine.io transport. Websocket is the default: polling through
/// rust_socketio drops server messages of 8 KB and more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transport {
    #[default]
    Websocket,
    Polling,
}

/// Exponential backoff with full jitter between `floor` and a ceiling that
/// doubles per attempt up to `cap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffPolicy {
    pub floor: Duration,
    pub cap: Duration,
    /// A connection that lasted this long resets the backoff; a shorter one
    /// does not, so that a server that accepts and drops at once is not
    /// hammered.
    pub stable_after: Duration,
    /// After the server rejected the token, how often the link still tries it
    /// again, quietly (the state stays `AuthRequired`): the rejection is read
    /// from the server's words, and a wrong reading must not leave the tray
    /// offline for good.
    pub after_rejection: Duration,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        BackoffPolicy {
            floor: Duration::from_millis(500),
            cap: Duration::from_secs(30),
            stable_after: Duration::from_secs(10),
            after_rejection: Duration::from_secs(300),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// From starting an attempt to the server's Socket.IO CONNECT.
    pub connect: Duration,
    /// How long a `sendMessage` waits for the server's acknowledgement.
    pub ack: Duration,
    /// How many unacknowledged attempts before a message is marked failed.
    pub max_send_attempts: u32,
    /// How long one write to the socket may wait for room in the send
    /// buffer. Past it the link counts as lost: a link that takes nothing
    /// for this long is black-holed, and waiting would hold every command.
    pub write: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            ack: Duration::from_secs(10),
            max_send_attempts: 3,
            write: Duration::from_secs(5),
        }
    }
}

/// Everything needed to connect. Cheap to clone.
#[derive(Clone)]
pub struct LinkConfig {
    /// e.g. `http://localhost:6001`; `https://` means TLS.
    pub server_url: String,
    /// The engine.io path, e.g. `/socket/notification`.
    pub socket_path: String,
    pub token: Option<String>,
    /// Sent in `register`; when `None`, read from the token's claims.
    pub user_id: Option<String>,
    pub transport: Transport,
    pub timeouts: Timeouts,
    pub backoff: BackoffPolicy,
    /// Extra trusted root certificates (PEM), on top of the system's.
    pub extra_root_certs: Vec<Vec<u8>>,
    /// The time of the last event the client stored, for catch-up.
    pub since: Option<DateTime<Utc>>,
    /// How long past its `exp` (by this machine's clock) a token is still
    /// sent, and a live link kept: a clock a few minutes fast must not hold
    /// back a valid token; the server decides. Default: 5 minutes.
    pub expiry_leeway: Duration,
    /// How many `sendMessage` acknowledgements may be awaited at once. They
    /// go out in queue order on one socket, so the server still reads them
    /// in order; more in flight means fewer round trips to drain a queue.
    /// 0 is taken as 1. Default: [`DEFAULT_ACK_WINDOW`].
    pub ack_window: usize,
}

/// The default `LinkConfig::expiry_leeway`.
pub const DEFAULT_EXPIRY_LEEWAY: Duration = Duration::from_secs(300);

/// The acknowledgements awaited at once by default: a queue of a thousand
/// messages drains in two round trips (`make bench`'s `flush`: at a 50 ms
/// round trip 64 took ~860 ms, 512 ~130 ms, the Node client ~120 ms); a lost
/// link sends at most this many again (the server de-duplicates by
/// `clientId`). A server that sheds acks past a per-socket buffer
/// (socketioxide's `max_buffer_size`, 128 packets by default) needs a
/// window below its buffer: acks it drops come back as timeouts.
pub const DEFAULT_ACK_WINDOW: usize = 512;

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            server_url: String::new(),
            socket_path: String::new(),
            token: None,
            user_id: None,
            transport: Transport::default(),
            timeouts: Timeouts::default(),
            backoff: BackoffPolicy::default(),
            extra_root_certs: Vec::new(),
            since: None,
            expiry_leeway: DEFAULT_EXPIRY_LEEWAY,
            ack_window: DEFAULT_ACK_WINDOW,
        }
    }
}

impl std::fmt::Debug for LinkConfig {
    // Hand-written so that the token never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkConfig")
            .field("server_url", &self.server_url)
            .field("socket_path", &self.socket_path)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("user_id", &self.user_id)
            .field("transport", &self.transport)
            .field("timeouts", &self.timeouts)
            .field("backoff", &self.backoff)
            .field("since", &self.since)
            .field("expiry_leeway", &self.expiry_leeway)
            .field("ack_window", &self.ack_window)
            .finish()
    }
}

pub const DEFAULT_SOCKET_PATH: &str = "/socket/notification";

impl LinkConfig {
    pub fn new(server_url: impl Into<String>, token: impl Into<String>) -> Self {
        LinkConfig {
            server_url: server_url.into(),
            socket_path: DEFAULT_SOCKET_PATH.to_owned(),
            token: Some(token.into()),
            ..LinkConfig::default()
        }
    }

    /// The address rust_socketio connects to: the server URL with the
    /// engine.io path and its trailing slash, which Node and Python servers
    /// need.
    pub fn endpoint(&self) -> Result<Url, LinkError> {
        let bad = |reason: &str| LinkError::InvalidUrl {
            url: self.server_url.clone(),
            reason: reason.to_owned(),
        };
        let trimmed = self.server_url.trim();
        if trimmed.is_empty() {
            return Err(bad("it is empty"));
        }
        let mut url = Url::parse(trimmed).map_err(|e| bad(&e.to_string()))?;
        let scheme = match url.scheme() {
            "http" | "ws" => "http",
            "https" | "wss" => "https",
            other => return Err(bad(&format!("the scheme {other:?} is not http or https"))),
        };
        if url.set_scheme(scheme).is_err() || url.host_str().is_none_or(str::is_empty) {
            return Err(bad("it has no host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("credentials belong in the token, not the URL"));
        }
        let path = self.socket_path.trim().trim_matches('/');
        let path = if path.is_empty() { "socket.io" } else { path };
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base}/{path}/"));
        url.set_query(None);
        url.set_fragment(None);
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(url: &str, path: &str) -> Result<String, LinkError> {
        let cfg = LinkConfig {
            server_url: url.into(),
            socket_path: path.into(),
            ..LinkConfig::default()
        };
        cfg.endpoint().map(|u| u.to_string())
    }

    #[test]
    fn builds_the_engine_io_endpoint_with_its_trailing_slash() {
        let want = "http://localhost:6001/socket/notification/";
        assert_eq!(
            endpoint("http://localhost:6001", "/socket/notification").unwrap(),
            want
        );
        assert_eq!(
            endpoint("http://localhost:6001/", "socket/notification/").unwrap(),
            want
        );
        assert_eq!(
            endpoint(" ws://localhost:6001 ", "/socket/notification").unwrap(),
            want
        );
        assert_eq!(
            endpoint("wss://api.example.com/v1/", "").unwrap(),
            "https://api.example.com/v1/socket.io/"
        );
    }

    #[test]
    fn refuses_urls_that_cannot_work() {
        for bad in [
            "",
            "localhost:6001",
            "ftp://x",
            "http://",
            "http://u:p@host",
            "not a url",
        ] {
            let err = endpoint(bad, "/p").unwrap_err();
            assert_eq!(err.code(), "invalid_url", "{bad:?} gave {err}");
        }
    }

    #[test]
    fn debug_never_shows_the_token() {
        let cfg = LinkConfig::new("http://h", "secret-token-value");
        assert!(!format!("{cfg:?}").contains("secret-token-value"));
    }
}
