//! What the outbox suites share: the entries they queue and how they open
//! the link's `Outbox` over a store's outbox.

use alora_link::{Outbox, Outgoing, SendMessage, StatusUpdate, UserStatus};
use alora_store::Database;

/// Message `n`, in one of three conversations, with a clientId of its own.
pub fn msg(n: usize) -> Outgoing {
    Outgoing::SendMessage(SendMessage {
        client_id: format!("client-{n}"),
        conversation_id: format!("c{}", n % 3),
        content: format!("message {n}"),
    })
}

pub fn status(s: UserStatus) -> Outgoing {
    Outgoing::UpdateStatus(StatusUpdate { status: s })
}

pub fn open(store: &Database) -> Outbox {
    Outbox::open(Box::new(store.outbox().unwrap())).unwrap()
}
