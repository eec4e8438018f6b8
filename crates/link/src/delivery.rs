//! Getting outgoing work to the server inside the actor: the offline policy
//! of each event, the in-order flush, acknowledgements with their timeout,
//! and the proof that an event without an acknowledgement was carried. At
//! most one acknowledgement is awaited at a time: rust_socketio draws ack
//! ids at random and panics when two pending ones collide.
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

use std::time::Duration;

use rust_socketio::asynchronous::Client;
use serde_json::Value;
use tokio::time::Instant;

use crate::actor::{Actor, Phase};
use crate::error::LinkError;
use crate::handle::{Delivery, LinkEvent, Outcome, Proof};
use crate::outbox::{EntryStatus, OutboxEntry};
use crate::outgoing::{OfflinePolicy, Outgoing};
use crate::socket;
use crate::state::LinkCounters;

/// Pings heard after a write that prove it carried (module doc).
const PINGS_FOR_PROOF: u64 = 3;

/// An entry written without an ack on the current connection, not yet
/// proven carried: where it stands among this connection's writes, and how
/// many server pings had been heard when its write completed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unproven {
    id: u64,
    write: u64,
    pings: u64,
}

/// What the actor knows of the current connection's writes.
#[derive(Debug, Default)]
pub(crate) struct Writes {
    /// Writes of outbox entries on this connection, numbered from 1.
    count: u64,
    /// The write number of the entry in flight (its ack is awaited).
    in_flight: Option<u64>,
    unproven: Vec<Unproven>,
}

fn client_id(outgoing: &Outgoing) -> Option<String> {
    match outgoing {
        Outgoing::SendMessage(m) => Some(m.client_id.clone()),
        _ => None,
    }
}

fn delivery(entry: &OutboxEntry, outcome: Outcome) -> Delivery {
    Delivery {
        entry_id: Some(entry.id),
        event: entry.outgoing.event_name().to_owned(),
        client_id: client_id(&entry.outgoing),
        outcome,
    }
}

/// An ack payload that says no: `{"ok": false, ...}` or `{"error": ...}`.
fn refusal(ack: &Value) -> Option<String> {
    let reason = || {
        ack.get("error").or_else(|| ack.get("message")).map_or_else(
            || "refused by the server".to_owned(),
            |e| e.as_str().map_or_else(|| e.to_string(), str::to_owned),
        )
    };
    match ack {
        Value::Object(map) if map.get("ok") == Some(&Value::Bool(false)) => Some(reason()),
        Value::Object(map) if map.contains_key("error") => Some(reason()),
        _ => None,
    }
}

/// Writes one event, bounded by `limit`: a link that takes nothing (a black
/// hole, its send buffer full) would otherwise hold the actor, and with it
/// every command and timer, until TCP gives up. Any error is a lost link.
pub(crate) async fn write(
    client: &Client,
    name: &str,
    payload: Value,
    limit: Duration,
) -> Result<(), String> {
    match tokio::time::timeout(limit, client.emit(name, payload)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(socket::describe(&e)),
        Err(_) => Err(took_nothing(limit)),
    }
}

fn took_nothing(limit: Duration) -> String {
    format!("the link took nothing within {} ms", limit.as_millis())
}

impl Actor {
    pub(crate) fn write_timeout(&self) -> Duration {
        self.config
            .as_ref()
            .map_or_else(|| crate::Timeouts::default().write, |c| c.timeouts.write)
    }

    pub(crate) async fn send(&mut self, mut outgoing: Outgoing) -> Result<Delivery, LinkError> {
        outgoing.validate()?;
        if let Outgoing::SendMessage(m) = &mut outgoing {
            if m.client_id.trim().is_empty() {
                m.client_id = uuid::Uuid::new_v4().to_string();
            }
        }
        let direct = |outcome| Delivery {
            entry_id: None,
            event: outgoing.event_name().to_owned(),
            client_id: None,
            outcome,
        };
        match outgoing.offline_policy() {
            OfflinePolicy::Drop | OfflinePolicy::Remember => {
                let remember = outgoing.offline_policy() == OfflinePolicy::Remember;
                if let Outgoing::JoinConversation(j) = &outgoing {
                    let id = j.conversation_id.clone();
                    if self.joined.insert(id.clone()) {
                        // Joined for this run either way; only the next run would miss it.
                        if let Err(e) = self.outbox.save_joined(&id) {
                            tracing::error!(error = %e, "the joined conversation was not stored");
                        }
                    }
                }
                let sent = self.emit_now(&outgoing).await;
                Ok(direct(match (remember, sent) {
                    (true, _) => Outcome::Remembered,
                    (false, true) => Outcome::Sent,
                    (false, false) => Outcome::Dropped,
                }))
            }
            OfflinePolicy::Queue | OfflinePolicy::Collapse => {
                let (entry, replaced) = self.outbox.queue(outgoing)?;
                for id in replaced {
                    let old = Delivery {
                        entry_id: Some(id),
                        ..delivery(&entry, Outcome::Superseded)
                    };
                    self.publish(LinkEvent::Delivery(old)).await;
                }
                self.outbox_changed().await;
                self.pump().await;
                let outcome = match self.outbox.get(entry.id).map(|e| e.status) {
                    Some(EntryStatus::Written) => Outcome::Written,
                    Some(_) => Outcome::Queued,
                    None => Outcome::Sent,
                };
                Ok(delivery(&entry, outcome))
            }
        }
    }

    /// Writes an event that is not queued, if the link is up.
    async fn emit_now(&mut self, outgoing: &Outgoing) -> bool {
        let limit = self.write_timeout();
        let Phase::Connected { client, .. } = &self.phase else {
            return false;
        };
        let name = outgoing.event_name();
        match write(&client.client, name, outgoing.payload(), limit).await {
            Ok(()) => {
                LinkCounters::bump(&self.counters.events_out);
                true
            }
            Err(e) => {
                self.link_lost(format!("could not send {name}: {e}")).await;
                false
            }
        }
    }

    /// Writes pending entries in order while the link is up, stopping at one
    /// that waits for its acknowledgement.
    pub(crate) async fn pump(&mut self) {
        self.expire_old().await;
        let limit = self.write_timeout();
        loop {
            let Phase::Connected { client, .. } = &self.phase else {
                return;
            };
            let Some(entry) = self.outbox.next_ready().cloned() else {
                return;
            };
            let (name, payload) = (entry.outgoing.event_name(), entry.outgoing.payload());
            if entry.outgoing.wants_ack() {
                let timeout = self
                    .config
                    .as_ref()
                    .map(|c| c.timeouts.ack)
                    .unwrap_or_default();
                let client = client.client.clone();
                // In flight in memory whatever the store says: the ack slot
                // is taken from here on.
                let disk_was_behind = self.outbox.storage_error().is_some();
                let _ = self.outbox.mark_in_flight(entry.id);
                if self.outbox.storage_error().is_some() != disk_was_behind {
                    self.outbox_changed().await;
                }
                let sent = tokio::time::timeout(
                    limit,
                    socket::emit_with_ack(
                        &client,
                        name,
                        payload,
                        entry.id,
                        timeout,
                        self.generation,
                        &self.signals_tx,
                    ),
                )
                .await
                .unwrap_or_else(|_| Err(took_nothing(limit)));
                match sent {
                    Ok(()) => {
                        LinkCounters::bump(&self.counters.events_out);
                        self.writes.count += 1;
                        self.writes.in_flight = Some(self.writes.count);
                        self.ack_deadline = Some(Instant::now() + timeout);
                    }
                    Err(e) => self.link_lost(format!("could not send {name}: {e}")).await,
                }
                return;
            }
            let pings = client.pings.clone();
            match write(&client.client, name, payload, limit).await {
                Ok(()) => {
                    LinkCounters::bump(&self.counters.events_out);
                    let pings = pings.load(std::sync::atomic::Ordering::SeqCst);
                    self.writes.count += 1;
                    self.writes.unproven.push(Unproven {
                        id: entry.id,
                        write: self.writes.count,
                        pings,
                    });
                    // Written in memory even if the store refuses: the loop
                    // must not find it pending again.
                    let _ = self.outbox.mark_written(entry.id);
                    self.publish(LinkEvent::Delivery(delivery(&entry, Outcome::Written)))
                        .await;
                    self.outbox_changed().await;
                }
                Err(e) => return self.link_lost(format!("could not send {name}: {e}")).await,
            }
        }
    }

    /// Fails pending entries past the age limit, telling the listeners.
    async fn expire_old(&mut self) {
        let expired = match self.outbox.expire(chrono::Utc::now()) {
            Ok(expired) => expired,
            Err(e) => return tracing::error!(error = %e, "could not fail an old entry"),
        };
        if expired.is_empty() {
            return;
        }
        for e in &expired {
            let reason = e.last_error.clone().unwrap_or_default();
            let failed = delivery(e, Outcome::Failed { reason });
            self.publish(LinkEvent::Delivery(failed)).await;
        }
        self.outbox_changed().await;
    }

    /// `stale`: the ack came through a client replaced since (it sent the
    /// entry before a reconnect).
    pub(crate) async fn acked(&mut self, id: u64, args: Vec<Value>, stale: bool) {
        if stale && self.outbox.in_flight().is_some_and(|e| e.id == id) {
            // Re-sent on the current client, whose own ack is pending: taking
            // this one would free the ack slot and let the next message draw
            // an ack id on that client while its first ack is still due (two
            // in flight: rust_socketio may draw the same id, and panic). The
            // server acks the re-send too (de-duplicated by `clientId`).
            tracing::debug!(
                id,
                "stale ack for an entry in flight again: waiting for its own"
            );
            return;
        }
        // The library nests ack arguments one level deeper than they were sent.
        let mut ack = args.into_iter().next().unwrap_or(Value::Null);
        while let Value::Array(items) = &mut ack {
            if items.len() != 1 {
                break;
            }
            ack = items.pop().unwrap_or(Value::Null);
        }
        let Some(entry) = self.outbox.get(id).cloned() else {
            tracing::debug!(id, "ack for an entry no longer queued");
            return;
        };
        if self.outbox.in_flight().is_some_and(|e| e.id == id) {
            self.ack_deadline = None;
            // Whatever was written before it on this connection arrived.
            if let Some(at) = self.writes.in_flight.take().filter(|_| !stale) {
                self.prove(|u| u.write < at, Proof::LaterAck).await;
            }
        }
        let outcome = match refusal(&ack) {
            Some(reason) => match self.outbox.reject(id, &reason) {
                Ok(_) => Outcome::Failed { reason },
                Err(e) => Outcome::Failed {
                    reason: e.to_string(),
                },
            },
            None => {
                self.outbox.forget(id);
                Outcome::Acked { ack }
            }
        };
        self.publish(LinkEvent::Delivery(delivery(&entry, outcome)))
            .await;
        self.outbox_changed().await;
        self.pump().await;
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

    /// No acknowledgement in time. The attempt counts; the client is
    /// replaced, because its stale ack slot could collide with the next one.
    pub(crate) async fn ack_timed_out(&mut self) {
        self.ack_deadline = None;
        let Some(entry) = self.outbox.in_flight().cloned() else {
            return;
        };
        let (ms, max) = self.config.as_ref().map_or((0, 1), |c| {
            (c.timeouts.ack.as_millis(), c.timeouts.max_send_attempts)
        });
        let reason = format!("no acknowledgement within {ms} ms");
        match self.outbox.attempt_failed(entry.id, &reason, max) {
            Ok(e) if e.status == crate::outbox::EntryStatus::Failed => {
                self.publish(LinkEvent::Delivery(delivery(
                    &e,
                    Outcome::Failed {
                        reason: reason.clone(),
                    },
                )))
                .await;
                self.outbox_changed().await;
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "could not record the failed attempt"),
        }
        self.link_lost(reason).await;
    }
}
