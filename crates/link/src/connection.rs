//! The connection's life inside the actor: attempts, the open sequence
//! (register, re-join, flush), losing the link, backoff and auth rejection.

use chrono::Utc;
use serde_json::{json, Value};
use tokio::time::Instant;

use crate::actor::{Actor, Phase};
use crate::config::{BackoffPolicy, DEFAULT_EXPIRY_LEEWAY};
use crate::event::LinkEvent;
use crate::protocol::Incoming;
use crate::rejected::Rejection;
use crate::server_words::{
    certificate_problem, connect_error_is_auth, connect_error_message, lost_reason, oversized,
    CONNECT_ERROR_PREFIX,
};
use crate::socket::{self, Signal, Tagged};
use crate::state::{AuthReason, LinkCounters, LinkState};

impl Actor {
    pub(crate) fn drop_client(&mut self) {
        if let Some(client) = match std::mem::replace(&mut self.phase, Phase::Idle) {
            Phase::Opening { client, .. } => client,
            Phase::Connected { client, .. } => Some(client),
            _ => None,
        } {
            socket::close(client);
        }
        // Signals still on their way from that client are now stale.
        self.generation += 1;
        self.link_gone();
    }

    pub(crate) async fn start_attempt(&mut self) {
        // The slow timer of a rejected token (`require_auth`): this attempt
        // is quiet, the state stays `AuthRequired` unless it connects. Any
        // other start (a new token, "reconnect now") comes from `Idle`.
        let quiet = matches!(self.phase, Phase::Waiting { .. }) && self.rejected();
        let Some(mut config) = self.config.clone() else {
            self.phase = Phase::Idle;
            return self.set_state(LinkState::Idle).await;
        };
        let Some(token) = config.token.clone() else {
            return self.require_auth(AuthReason::Missing).await;
        };
        if self.claims.is_expired_at(Utc::now(), config.expiry_leeway) {
            return self.require_auth(AuthReason::Expired).await;
        }
        let attempt = self.backoff.retries();
        if !quiet {
            // Before anything can fail: a failure then is an attempt's, not
            // a quiet retry's (`schedule_retry` reads the state).
            self.set_state(LinkState::Connecting { attempt }).await;
        }
        let endpoint = match config.endpoint() {
            Ok(url) => url,
            Err(e) => return self.attempt_failed(e.to_string()).await,
        };
        self.drop_client();
        config.since = self.last_event_at;
        LinkCounters::bump(&self.counters.attempts);
        tracing::debug!(%endpoint, attempt, quiet, "connecting");
        if let Err(e) = socket::open(
            &config,
            &endpoint,
            &token,
            self.generation,
            &self.signals_tx,
        ) {
            return self.attempt_failed(e.to_string()).await;
        }
        self.phase = Phase::Opening {
            client: None,
            opened: false,
            deadline: Instant::now() + config.timeouts.connect,
        };
    }

    /// How long past `exp` the token is still sent and a live link kept.
    pub(crate) fn expiry_leeway(&self) -> std::time::Duration {
        self.config
            .as_ref()
            .map_or(DEFAULT_EXPIRY_LEEWAY, |c| c.expiry_leeway)
    }

    /// Whether the state is a rejection of the token by the server.
    fn rejected(&self) -> bool {
        matches!(
            *self.state_tx.borrow(),
            LinkState::AuthRequired {
                reason: AuthReason::Rejected { .. }
            }
        )
    }

    /// When the next quiet retry of a rejected token is due.
    fn after_rejection(&self) -> Instant {
        let pace = self
            .config
            .as_ref()
            .map_or(BackoffPolicy::default().after_rejection, |c| {
                c.backoff.after_rejection
            });
        Instant::now() + pace
    }

    pub(crate) async fn signal(&mut self, tagged: Tagged) {
        let Tagged { generation, signal } = tagged;
        // An ack means the server has the message, whichever client carried it.
        if let Signal::Ack { entry, args } = signal {
            let stale = generation != self.generation;
            return self.acked(entry, args, stale).await;
        }
        if generation != self.generation {
            if let Signal::Built(Ok(client)) = signal {
                socket::close(client);
            }
            return;
        }
        match signal {
            Signal::Built(Ok(client)) => match &mut self.phase {
                Phase::Opening {
                    client: slot,
                    opened,
                    ..
                } => {
                    *slot = Some(client);
                    if *opened {
                        self.opened().await;
                    }
                }
                _ => socket::close(client),
            },
            Signal::Built(Err(e)) => {
                let reason = certificate_problem(&e).unwrap_or(e);
                self.attempt_failed(reason).await
            }
            Signal::Opened => self.mark_opened().await,
            Signal::Error(text) if text.starts_with(CONNECT_ERROR_PREFIX) => {
                let message = connect_error_message(&text);
                if connect_error_is_auth(&text) {
                    LinkCounters::bump(&self.counters.auth_rejections);
                    tracing::warn!(%message, "the server rejected the token");
                    self.require_auth(AuthReason::Rejected { message }).await;
                } else {
                    self.attempt_failed(format!("the server refused: {message}"))
                        .await;
                }
            }
            Signal::Error(text) => {
                if oversized(&text) {
                    self.turn_away(Rejection::Oversized, "past the transport's size limit");
                }
                self.link_lost(lost_reason(&text)).await
            }
            Signal::Closed => {
                self.link_lost("the server closed the connection".into())
                    .await
            }
            Signal::Event { name, args } => self.incoming(&name, args).await,
            Signal::Binary => {
                self.turn_away(Rejection::Binary, "the protocol has no binary events");
            }
            Signal::Undecodable(reason) => self.turn_away(Rejection::Undecodable, &reason),
            Signal::ServerPing { seq } => self.server_ping(seq).await,
            Signal::Ack { .. } => {}
        }
    }

    async fn mark_opened(&mut self) {
        if let Phase::Opening { client, opened, .. } = &mut self.phase {
            *opened = true;
            if client.is_some() {
                self.opened().await;
            }
        }
    }

    /// The handshake is done: register, re-join, then flush, in that order.
    async fn opened(&mut self) {
        let Phase::Opening {
            client: Some(client),
            ..
        } = std::mem::replace(&mut self.phase, Phase::Idle)
        else {
            return;
        };
        let user_id = self
            .config
            .as_ref()
            .and_then(|c| c.user_id.clone())
            .or_else(|| self.claims.user_id.clone());
        let mut greeting = Vec::new();
        match user_id {
            Some(id) => greeting.push(("register", json!({ "userId": id }))),
            None => tracing::warn!("no user id in settings or token: not registering"),
        }
        for id in &self.joined {
            greeting.push(("joinConversation", json!({ "conversationId": id })));
        }
        let limit = self.write_timeout();
        for (event, payload) in greeting {
            if let Err(e) = crate::delivery::write(&client.client, event, payload, limit).await {
                self.phase = Phase::Connected {
                    client,
                    since: Instant::now(),
                };
                return self.link_lost(format!("could not send {event}: {e}")).await;
            }
        }
        LinkCounters::bump(&self.counters.connects);
        self.phase = Phase::Connected {
            client,
            since: Instant::now(),
        };
        self.set_state(LinkState::Connected { since: Utc::now() })
            .await;
        self.pump().await;
    }

    pub(crate) async fn incoming(&mut self, name: &str, args: Vec<Value>) {
        let arrived = Utc::now();
        match Incoming::decode_owned(name, args, arrived) {
            Ok(Some(event)) => {
                LinkCounters::bump(&self.counters.events_in);
                // The server's clock only, and never far past the arrival.
                self.last_event_at = self.last_event_at.max(event.cursor_time());
                let is_ack = matches!(event, Incoming::Connected(_));
                self.publish(LinkEvent::Incoming(event)).await;
                if is_ack {
                    self.mark_opened().await;
                }
            }
            Ok(None) => {
                self.turn_away(Rejection::UnknownEvent, "not in the protocol");
            }
            Err(e) => {
                self.turn_away(Rejection::Malformed, &e.to_string());
                self.publish(LinkEvent::Malformed(e)).await;
            }
        }
    }

    /// Counts what was turned away and logs it, at most once per reason per
    /// [`crate::LOG_WINDOW`]. `detail` never holds the payload: the decoders
    /// describe what was wrong, not what was sent (`PayloadError`), and an
    /// unknown event's name is the server's, not ours to print.
    pub(crate) fn turn_away(&mut self, reason: Rejection, detail: &str) {
        let counter = match reason {
            Rejection::UnknownEvent => &self.counters.unknown_events,
            Rejection::Malformed => &self.counters.malformed,
            Rejection::Binary => &self.counters.binary_payloads,
            Rejection::Undecodable => &self.counters.undecodable,
            Rejection::Oversized => &self.counters.oversized,
        };
        LinkCounters::bump(counter);
        if let Some(count) = self.rejection_log.admit(reason, Instant::now()) {
            let reason = reason.as_str();
            tracing::warn!(reason, count, detail, "turned away what the server sent");
        }
    }

    /// A failed attempt: wait, then try again.
    pub(crate) async fn attempt_failed(&mut self, reason: String) {
        tracing::debug!(%reason, "connection attempt failed");
        self.drop_client();
        self.schedule_retry(reason).await;
    }

    /// A live link dropped (transport error, server gone, dead link).
    pub(crate) async fn link_lost(&mut self, reason: String) {
        if let Phase::Connected { since, .. } = &self.phase {
            let stable = self
                .config
                .as_ref()
                .map(|c| c.backoff.stable_after)
                .unwrap_or_default();
            if since.elapsed() >= stable {
                self.backoff.reset();
            }
            tracing::info!(%reason, "link lost");
        }
        self.drop_client();
        self.schedule_retry(reason).await;
    }

    async fn schedule_retry(&mut self, reason: String) {
        if self.rejected() {
            // A quiet retry of a rejected token failed otherwise: the
            // rejection stands, the next try is at the slow pace again.
            tracing::debug!(%reason, "a retry of the rejected token failed");
            self.phase = Phase::Waiting {
                until: self.after_rejection(),
            };
            return;
        }
        let delay = self.backoff.next_delay();
        self.phase = Phase::Waiting {
            until: Instant::now() + delay,
        };
        let retry_at = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
        self.set_state(LinkState::Reconnecting {
            attempt: self.backoff.retries(),
            next_in_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            retry_at,
            reason,
        })
        .await;
    }

    pub(crate) async fn require_auth(&mut self, reason: AuthReason) {
        self.drop_client();
        self.phase = match reason {
            // Read from the server's words, which can be wrong or change:
            // tried again, slowly (`start_attempt` keeps it quiet).
            AuthReason::Rejected { .. } => Phase::Waiting {
                until: self.after_rejection(),
            },
            // No token, or one past its expiry: nothing to try until it changes.
            AuthReason::Missing | AuthReason::Expired => Phase::AuthRequired,
        };
        self.set_state(LinkState::AuthRequired { reason }).await;
    }
}
