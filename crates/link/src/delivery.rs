//! Getting outgoing work to the server inside the actor: the offline policy
//! of each event, the in-order flush, and acknowledgements with their
//! timeout. At most one acknowledgement is awaited at a time: rust_socketio
//! draws ack ids at random and panics when two pending ones collide. Events
//! without an acknowledgement are kept until proven carried (`proof.rs`).

use std::time::Duration;

use rust_socketio::asynchronous::Client;
use serde_json::Value;
use tokio::time::Instant;

use crate::actor::{Actor, Phase};
use crate::error::LinkError;
use crate::event::{Delivery, LinkEvent, Outcome};
use crate::outbox::{EntryStatus, OutboxEntry};
use crate::outgoing::{OfflinePolicy, Outgoing};
use crate::socket;
use crate::state::LinkCounters;

fn client_id(outgoing: &Outgoing) -> Option<String> {
    match outgoing {
        Outgoing::SendMessage(m) => Some(m.client_id.clone()),
        _ => None,
    }
}

pub(crate) fn delivery(entry: &OutboxEntry, outcome: Outcome) -> Delivery {
    Delivery {
        entry_id: Some(entry.id),
        event: entry.outgoing.event_name().to_owned(),
        client_id: client_id(&entry.outgoing),
        outcome,
    }
}

/// An ack payload that says no: `{"ok": false, ...}`, or an `error` that is
/// not `null` where `ok` is absent (`{"ok": true, "error": null}` is a yes).
/// The reason: its `error`, else its `message`, when not `null`.
fn refusal(ack: &Value) -> Option<String> {
    let Value::Object(map) = ack else {
        return None;
    };
    let present = |key: &str| map.get(key).filter(|v| !v.is_null());
    let refused = match map.get("ok") {
        Some(Value::Bool(ok)) => !ok,
        _ => present("error").is_some(),
    };
    refused.then(|| {
        present("error").or_else(|| present("message")).map_or_else(
            || "refused by the server".to_owned(),
            |e| e.as_str().map_or_else(|| e.to_string(), str::to_owned),
        )
    })
}

#[cfg(test)]
#[path = "refusal_tests.rs"]
mod refusal_tests;

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
                        self.writes.awaiting_ack();
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
                    self.writes.unacked(entry.id, pings);
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
            if let Some(at) = self.writes.acked().filter(|_| !stale) {
                self.later_ack(at).await;
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
