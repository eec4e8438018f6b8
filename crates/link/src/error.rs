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

/// The longest `PayloadError::reason` kept: the reason is about the payload's
/// shape and a field name or two, never a copy of it.
const REASON_MAX_CHARS: usize = 160;

impl PayloadError {
    pub fn new(event: &str, reason: impl Into<String>) -> Self {
        PayloadError {
            event: event.to_owned(),
            reason: reason.into(),
        }
    }

    /// From serde's error, without the values it quotes: `invalid type:
    /// string "<the server's text>", expected a boolean` is kept as `invalid
    /// type: string, expected a boolean`, so that a reason can be logged and
    /// shown and still hold nothing the server sent.
    pub fn from_serde(event: &str, err: &serde_json::Error) -> Self {
        PayloadError::new(event, content_free(&err.to_string()))
    }
}

/// serde's message with the unexpected value reduced to its kind. Its other
/// messages name fields and types of our own schema (`missing field
/// `title``), which stay.
pub(crate) fn content_free(message: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let kind = match rest.split([' ', ',']).next().unwrap_or("") {
                "floating" => "floating point",
                "unit" => "unit value",
                "byte" => "byte array",
                other => other,
            };
            // The expectation is the last part and comes from our types.
            let expected = rest.rfind(", expected ").map_or("", |at| &rest[at..]);
            return clip(&format!("{prefix}{kind}{expected}"));
        }
    }
    clip(message)
}

fn clip(text: &str) -> String {
    text.chars().take(REASON_MAX_CHARS).collect()
}
