//! Getting outgoing work to the server inside the actor: the offline policy
//! of each event, the in-order flush, and acknowledgements with their
//! timeout. Up to `LinkConfig::ack_window` acknowledgements are awaited at
//! once (the vendored rust_socketio numbers its ack ids in sequence, so two
//! in flight never share one); `acks.rs` settles them. Events without an
//! acknowledgement are kept until proven carried (`proof.rs`).

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

    /// Writes pending entries in queue order while the link is up, up to
    /// the window of acknowledgements in flight; each window is marked in
    /// flight in one store write before it goes out.
    pub(crate) async fn pump(&mut self) {
        self.expire_old().await;
        let limit = self.write_timeout();
        let (window, timeout) = self
            .config
            .as_ref()
            .map_or((1, Duration::ZERO), |c| (c.ack_window, c.timeouts.ack));
        loop {
            if !matches!(self.phase, Phase::Connected { .. }) {
                return;
            }
            let ids = self.outbox.next_window(window);
            if ids.is_empty() {
                return;
            }
            // On their way in memory whatever the store says: the slots are
            // taken from here on, and the loop must not find them pending.
            let disk_was_behind = self.outbox.storage_error().is_some();
            let batch = self.outbox.mark_sent(&ids);
            if self.outbox.storage_error().is_some() != disk_was_behind {
                self.outbox_changed().await;
            }
            let mut written = false;
            for entry in batch {
                let Phase::Connected { client, .. } = &self.phase else {
                    return;
                };
                let (name, payload) = (entry.outgoing.event_name(), entry.outgoing.payload());
                if entry.outgoing.wants_ack() {
                    let sent = tokio::time::timeout(
                        limit,
                        socket::emit_with_ack(
                            &client.client,
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
                    if let Err(e) = sent {
                        return self.link_lost(format!("could not send {name}: {e}")).await;
                    }
                    LinkCounters::bump(&self.counters.events_out);
                    self.writes.awaiting_ack(entry.id, Instant::now() + timeout);
                    continue;
                }
                let pings = client.pings.clone();
                if let Err(e) = write(&client.client, name, payload, limit).await {
                    return self.link_lost(format!("could not send {name}: {e}")).await;
                }
                LinkCounters::bump(&self.counters.events_out);
                let pings = pings.load(std::sync::atomic::Ordering::SeqCst);
                self.writes.unacked(entry.id, pings);
                self.publish(LinkEvent::Delivery(delivery(&entry, Outcome::Written)))
                    .await;
                written = true;
            }
            if written {
                self.outbox_changed().await;
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
}
