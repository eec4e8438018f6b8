//! Acknowledgements of the entries in flight: what an ack (or a refusal in
//! one) settles, an ack that comes through a client replaced since, and an
//! ack that does not come in time.

use serde_json::Value;
use tokio::time::Instant;

use crate::actor::Actor;
use crate::delivery::delivery;
use crate::event::{LinkEvent, Outcome};

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

impl Actor {
    /// `stale`: the ack came through a client replaced since (it sent the
    /// entry before a reconnect).
    pub(crate) async fn acked(&mut self, id: u64, args: Vec<Value>, stale: bool) {
        if stale && self.outbox.is_in_flight(id) {
            // Written again on the current client, whose own ack is due: that
            // one settles it, and proves what this connection wrote before
            // it (`later_ack`), which an ack from a replaced client cannot.
            // The server acks the re-send too (de-duplicated by `clientId`).
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
        // Whatever was written before it on this connection arrived.
        if let Some(at) = self.writes.acked(id).filter(|_| !stale) {
            self.later_ack(at).await;
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

    /// An acknowledgement did not come in time. Each overdue entry's
    /// attempt counts; the client is replaced, since a link that lets one
    /// ack go missing is not trusted with the rest of the window, which goes
    /// back to pending and is written again in order on the next client.
    pub(crate) async fn ack_timed_out(&mut self) {
        let overdue = self.writes.overdue(Instant::now());
        if overdue.is_empty() {
            return;
        }
        let (ms, max) = self.config.as_ref().map_or((0, 1), |c| {
            (c.timeouts.ack.as_millis(), c.timeouts.max_send_attempts)
        });
        let reason = format!("no acknowledgement within {ms} ms");
        let mut failed = false;
        for id in overdue {
            if !self.outbox.is_in_flight(id) {
                continue;
            }
            match self.outbox.attempt_failed(id, &reason, max) {
                Ok(e) if e.status == crate::outbox::EntryStatus::Failed => {
                    let outcome = Outcome::Failed {
                        reason: reason.clone(),
                    };
                    self.publish(LinkEvent::Delivery(delivery(&e, outcome)))
                        .await;
                    failed = true;
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "could not record the failed attempt"),
            }
        }
        if failed {
            self.outbox_changed().await;
        }
        self.link_lost(reason).await;
    }
}
