//! What the link tells its listeners: the events it publishes, and what
//! became of each outgoing event. Shared by the actor, which publishes them,
//! and the handle, which hands them out.

use serde::Serialize;
use serde_json::Value;

use crate::error::PayloadError;
use crate::outbox::OutboxCounts;
use crate::protocol::Incoming;
use crate::state::LinkState;

/// What became of one outgoing event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Outcome {
    /// Stored in the outbox, waiting for the link.
    Queued,
    /// Written to a connected link, and nothing more known or awaited: an
    /// event that is not queued (`typing`).
    Sent,
    /// Written to a connected link, not yet proven carried: a queued event
    /// without an acknowledgement stays in the outbox until
    /// [`Outcome::Delivered`], and is written again if the link is lost.
    Written,
    /// Proven carried to the server (how: see [`Proof`]), and removed.
    Delivered { proof: Proof },
    /// Acknowledged by the server, with what it answered.
    Acked { ack: Value },
    /// Given up on; the entry stays in the outbox for a retry.
    Failed { reason: String },
    /// A later `updateStatus` took its place.
    Superseded,
    /// Not sent: a typing indicator while offline.
    Dropped,
    /// A conversation join, kept and re-sent after every reconnect.
    Remembered,
}

/// How the link knows a written event without an ack reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Proof {
    /// An acknowledgement of an entry written after it on the same
    /// connection (the server handles a socket's packets in order).
    LaterAck,
    /// The server's heartbeat: a ping it sent only after our pong, which
    /// travelled behind the write on the same connection.
    ServerPing,
}

/// The answer to `send`, and the payload of `LinkEvent::Delivery`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub entry_id: Option<u64>,
    pub event: String,
    pub client_id: Option<String>,
    pub outcome: Outcome,
}

/// Everything the link tells its listeners.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "camelCase")]
pub enum LinkEvent {
    State(LinkState),
    Incoming(Incoming),
    Malformed(PayloadError),
    Delivery(Delivery),
    OutboxChanged(OutboxCounts),
}
