//! The link's observable state and counters, as the UI and tray show them.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Why the link waits for a new token instead of reconnecting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum AuthReason {
    /// No token was given.
    Missing,
    /// The token's `exp` has passed (checked before sending it, and while
    /// connected).
    Expired,
    /// The server rejected the handshake; final for this token.
    Rejected { message: String },
}

/// The link's state machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum LinkState {
    /// Not started, or disconnected on request.
    Idle,
    #[serde(rename_all = "camelCase")]
    Connecting {
        attempt: u32,
    },
    #[serde(rename_all = "camelCase")]
    Connected {
        since: DateTime<Utc>,
    },
    /// Waiting `next_in_ms` before attempt number `attempt`.
    #[serde(rename_all = "camelCase")]
    Reconnecting {
        attempt: u32,
        next_in_ms: u64,
        retry_at: DateTime<Utc>,
        reason: String,
    },
    AuthRequired {
        reason: AuthReason,
    },
    /// The actor has ended; the handle only returns `Stopped` now.
    Stopped,
}

impl LinkState {
    pub fn is_connected(&self) -> bool {
        matches!(self, LinkState::Connected { .. })
    }
}

/// Counters for diagnostics. Shared between the actor and every handle.
#[derive(Debug, Default)]
pub struct LinkCounters {
    pub events_in: AtomicU64,
    pub malformed: AtomicU64,
    pub unknown_events: AtomicU64,
    pub binary_payloads: AtomicU64,
    pub undecodable: AtomicU64,
    pub oversized: AtomicU64,
    pub connects: AtomicU64,
    pub attempts: AtomicU64,
    pub auth_rejections: AtomicU64,
    pub events_out: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct LinkStats {
    pub events_in: u64,
    /// Known events whose payload did not fit (wrong types, missing fields).
    pub malformed: u64,
    /// Events the protocol does not know.
    pub unknown_events: u64,
    /// Binary events (the protocol has none).
    pub binary_payloads: u64,
    /// Packets that did not decode: not UTF-8, JSON that does not parse or
    /// nests too deep, an event without a name.
    pub undecodable: u64,
    /// Messages past the transport's size limit (each cost the connection).
    pub oversized: u64,
    pub connects: u64,
    pub attempts: u64,
    pub auth_rejections: u64,
    pub events_out: u64,
}

impl LinkCounters {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> LinkStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        LinkStats {
            events_in: get(&self.events_in),
            malformed: get(&self.malformed),
            unknown_events: get(&self.unknown_events),
            binary_payloads: get(&self.binary_payloads),
            undecodable: get(&self.undecodable),
            oversized: get(&self.oversized),
            connects: get(&self.connects),
            attempts: get(&self.attempts),
            auth_rejections: get(&self.auth_rejections),
            events_out: get(&self.events_out),
        }
    }
}
