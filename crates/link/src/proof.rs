//! The proof that an event without an acknowledgement reached the server:
//! what settles the current connection's writes (kept in `writes.rs`).
//!
//! What is guaranteed for `bookingUpdate`, `markAsRead` and `updateStatus`
//! (the server gives them no ack): a written one stays in the outbox, as
//! `Written`, stored, until the link proves it reached the server, and only
//! then is it removed with `Outcome::Delivered`. The proof is either
//! - an acknowledgement of an entry written after it on the same
//!   connection (`Proof::LaterAck`): a Socket.IO server handles a socket's
//!   packets in order, so the later ack means the earlier packet arrived; or
//! - the server's third engine.io PING heard after the write completed on
//!   the same connection (`Proof::ServerPing`). An engine.io 4 server
//!   (Node, socketioxide) sends a ping only once it has the pong to the one
//!   before. The library reports a ping after its pong is out, so the first
//!   ping heard after the write may have been answered before the write;
//!   the second was read after the write, and so its pong travels behind
//!   the write on the same TCP stream; the third proves that pong (and the
//!   write before it) arrived.
//!
//! If the link is lost before the proof (a half-open link, a write into a
//! black hole), the entry goes back to pending and is written again, in
//! queue order, on the next connection; after a crash it is loaded as
//! pending and written again too. So each of these arrives at least once,
//! possibly more than once: all three are idempotent (they set a booking's
//! status, a conversation's read mark, the user's presence to a value).
//! "Arrived" means the server read it, not that its handler succeeded:
//! there is no answer to say so.

use crate::actor::Actor;
use crate::delivery::delivery;
use crate::event::{LinkEvent, Outcome, Proof};
use crate::outbox::EntryStatus;
use crate::writes::{Unproven, Writes};

/// Pings heard after a write that prove it carried (module doc).
const PINGS_FOR_PROOF: u64 = 3;

impl Actor {
    /// The ack of the entry written as number `at` on this connection:
    /// everything written before it arrived.
    pub(crate) async fn later_ack(&mut self, at: u64) {
        self.prove(|u| u.write < at, Proof::LaterAck).await;
    }

    /// The server's ping number `seq` on the current connection.
    pub(crate) async fn server_ping(&mut self, seq: u64) {
        self.prove(|u| seq >= u.pings + PINGS_FOR_PROOF, Proof::ServerPing)
            .await;
    }

    /// Removes the written entries `carried` says the link has proven, and
    /// tells the listeners.
    async fn prove(&mut self, carried: impl Fn(&Unproven) -> bool, proof: Proof) {
        let (proven, rest) = std::mem::take(&mut self.writes.unproven)
            .into_iter()
            .partition::<Vec<_>, _>(|u| carried(u));
        self.writes.unproven = rest;
        if proven.is_empty() {
            return;
        }
        for u in proven {
            let Some(entry) = self.outbox.get(u.id).cloned() else {
                continue;
            };
            if entry.status != EntryStatus::Written {
                continue;
            }
            self.outbox.forget(u.id);
            let outcome = Outcome::Delivered { proof };
            self.publish(LinkEvent::Delivery(delivery(&entry, outcome)))
                .await;
        }
        self.outbox_changed().await;
    }

    /// The connection is gone (or replaced): the entry in flight and every
    /// one written but not proven carried go back to pending, to be written
    /// again on the next connection.
    pub(crate) fn link_gone(&mut self) {
        let unproven = !self.writes.unproven.is_empty();
        self.writes = Writes::default();
        let in_flight = self.outbox.in_flight().is_some();
        if let Err(e) = self.outbox.requeue_in_flight() {
            tracing::error!(error = %e, "could not requeue what was on its way");
        }
        self.outbox_dirty |= unproven || in_flight;
    }
}
