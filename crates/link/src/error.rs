//! The link's errors: what a caller can get back, and a stable code for each
//! so that the UI can tell them apart.

use serde::Serialize;

/// An error from the link's handle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("{0}")]
    InvalidInput(String),
    #[error("the server URL {url:?} is not usable: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("no token: sign in first")]
    NoToken,
    #[error("the token has expired: sign in again")]
    TokenExpired,
    #[error("TLS could not be set up: {0}")]
    Tls(String),
    #[error("the outbox could not be written: {0}")]
    Storage(String),
    #[error("no outbox entry with id {0}")]
    UnknownEntry(u64),
    #[error(
        "outbox entry {0} is being sent: it can be discarded once it has failed or waits again"
    )]
    Sending(u64),
    #[error("the link has stopped")]
    Stopped,
}

impl LinkError {
    /// A short machine-readable code, stable across releases.
    pub fn code(&self) -> &'static str {
        match self {
            LinkError::InvalidInput(_) => "invalid_input",
            LinkError::InvalidUrl { .. } => "invalid_url",
            LinkError::NoToken => "no_token",
            LinkError::TokenExpired => "token_expired",
            LinkError::Tls(_) => "tls",
            LinkError::Storage(_) => "storage",
            LinkError::UnknownEntry(_) => "unknown_entry",
            LinkError::Sending(_) => "entry_sending",
            LinkError::Stopped => "stopped",
        }
    }
}

/// A known event whose payload does not fit the protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
#[error("malformed {event:?} payload: {reason}")]
pub struct PayloadError {
    pub event: String,
    pub reason: String,
}

impl PayloadError {
    pub fn new(event: &str, reason: impl Into<String>) -> Self {
        PayloadError {
            event: event.to_owned(),
            reason: reason.into(),
        }
    }
}
