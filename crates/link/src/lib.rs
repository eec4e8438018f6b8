//! The Alora link: one Socket.IO connection to an Alora backend, kept alive
//! by an actor that owns it, speaking `shared/PROTOCOL.md`. No Tauri here.
//!
//! ```no_run
//! # async fn demo() -> Result<(), alora_link::LinkError> {
//! use alora_link::{Link, LinkConfig, LinkEvent};
//! let (link, mut events) = Link::spawn();
//! link.connect(LinkConfig::new("http://localhost:6001", "<jwt>")).await?;
//! while let Some(event) = events.recv().await {
//!     if let LinkEvent::Incoming(incoming) = event { /* history, popups */ }
//! }
//! # Ok(()) }
//! ```

mod acks;
mod actor;
mod answers;
mod backoff;
mod command;
mod config;
mod connection;
mod delivery;
mod error;
mod event;
mod handle;
mod outbox;
mod outgoing;
mod proof;
mod protocol;
mod rejected;
mod server_words;
mod socket;
mod state;
mod token;
mod writes;

pub use answers::{booking_in_link, BookingRequest, WAITING};
pub use backoff::Backoff;
pub use config::{
    BackoffPolicy, LinkConfig, Timeouts, Transport, DEFAULT_ACK_WINDOW, DEFAULT_SOCKET_PATH,
};
pub use error::{LinkError, PayloadError};
pub use event::{Delivery, LinkEvent, Outcome, Proof};
pub use handle::{Link, LinkEvents, LinkHandle};
pub use outbox::{EntryStatus, MemoryStore, Outbox, OutboxCounts, OutboxEntry, OutboxStore};
pub use outgoing::{
    BookingUpdate, JoinConversation, MarkAsRead, OfflinePolicy, Outgoing, SendMessage,
    StatusUpdate, Typing, UserStatus, EMITTABLE,
};
pub use protocol::{
    BookingUpdated, ChatMessage, ConnectedAck, ConversationRead, Id, Incoming, Notification,
    NotificationRead, Presence, StatusUpdated, TypingIndicator, CURSOR_SKEW,
};
pub use rejected::LOG_WINDOW;
pub use state::{AuthReason, LinkState, LinkStats};
pub use token::TokenClaims;
