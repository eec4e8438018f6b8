//! The connection's life inside the actor: attempts, the open sequence
//! (register, re-join, flush), losing the link, backoff and auth rejection.

use chrono::Utc;
use serde_json::{json, Value};
use tokio::time::Instant;

use crate::actor::{Actor, Phase};
use crate::config::{BackoffPolicy, DEFAULT_EXPIRY_LEEWAY};
use crate::handle::LinkEvent;
use crate::protocol::Incoming;
use crate::socket::{self, Signal, Tagged};
use crate::state::{AuthReason, LinkCounters, LinkState};

/// Phrases of a CONNECT_ERROR's `message` that mean the token, not the
/// network, is at fault (README, "For backend authors"). Matched as whole
/// words of the message, case and punctuation aside, with camelCase split
/// (`InvalidSignature` is "invalid signature"). Anything else is retried
/// with backoff; a rejection too is retried, slowly
/// (`BackoffPolicy::after_rejection`).
const AUTH_PHRASES: &[&str] = &[
    "unauthorized",
    "unauthorised",
    "unauthenticated",
    "not authorized",
    "not authorised",
    "not authenticated",
    "forbidden",
    "authentication error",
    "authentication failed",
    "authentication required",
    "invalid credentials",
    "invalid token",
    "token invalid",
    "invalid jwt",
    "jwt malformed",
    "jwt expired",
    "token expired",
    "expired token",
    "invalid signature",
    "expired signature",
    "jwt must be provided",
    "missing token",
    "no token",
];

/// How rust_socketio's error event starts for a CONNECT_ERROR packet; its
/// other error events are the transport's (a server's own `error` event is an
/// application event, `vendor/rust_socketio/VENDORED.md`).
const CONNECT_ERROR_PREFIX: &str = "Received an ConnectError frame:";

/// The server's message out of rust_socketio's error text, e.g.
/// `Received an ConnectError frame: {"message":"jwt expired"}`: its
/// `message` field, or the string it is; `None` when it has neither.
pub(crate) fn connect_error_reason(text: &str) -> Option<String> {
    match serde_json::from_str::<Value>(connect_error_data(text)) {
        Ok(Value::Object(map)) => match map.get("message") {
            Some(Value::String(m)) => Some(m.clone()),
            _ => None,
        },
        Ok(Value::String(s)) => Some(s),
        Ok(_) => None,
        // Not JSON at all: a bare text is the message.
        Err(_) => Some(connect_error_data(text).trim_matches('"').to_owned()),
    }
}

fn connect_error_data(text: &str) -> &str {
    text.split_once(CONNECT_ERROR_PREFIX)
        .map_or(text, |(_, rest)| rest)
        .trim()
}

/// What the user is shown of a CONNECT_ERROR: its message, or all of it.
pub(crate) fn connect_error_message(text: &str) -> String {
    connect_error_reason(text).unwrap_or_else(|| connect_error_data(text).to_owned())
}

/// The user's words for the library's error event on a live link, e.g.
/// `EngineIO Error: The server did not send a PING packet in time`.
pub(crate) fn lost_reason(text: &str) -> String {
    match text.trim().strip_prefix("EngineIO Error") {
        Some(rest) => match rest.trim_start_matches(':').trim() {
            "" => "the connection was lost (no answer from the server)".to_owned(),
            cause => format!("the connection was lost: {cause}"),
        },
        None => text.to_owned(),
    }
}

/// Whether a CONNECT_ERROR says the token is at fault: only its message is
/// read (a status code elsewhere in it proves nothing).
pub(crate) fn connect_error_is_auth(text: &str) -> bool {
    connect_error_reason(text).is_some_and(|m| is_auth_rejection(&m))
}

/// Whether a message contains one of `AUTH_PHRASES` as whole words.
pub(crate) fn is_auth_rejection(message: &str) -> bool {
    let words = format!(" {} ", words_of(message));
    AUTH_PHRASES
        .iter()
        .any(|phrase| words.contains(&format!(" {phrase} ")))
}

/// The message's words, lowercase, one space apart: `TokenExpiredError:
/// jwt-expired` is "token expired error jwt expired".
fn words_of(message: &str) -> String {
    let mut out = String::with_capacity(message.len() + 8);
    let mut prev: Option<char> = None;
    for c in message.chars() {
        if c.is_alphanumeric() {
            if c.is_uppercase() && prev.is_some_and(char::is_lowercase) {
                out.push(' ');
            }
            out.extend(c.to_lowercase());
        } else if !out.ends_with(' ') && !out.is_empty() {
            out.push(' ');
        }
        prev = Some(c);
    }
    out.trim_end().to_owned()
}

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
        self.ack_deadline = None;
        if let Err(e) = self.outbox.requeue_in_flight() {
            tracing::error!(error = %e, "could not requeue the message in flight");
        }
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
            Signal::Built(Err(e)) => self.attempt_failed(e).await,
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
            Signal::Error(text) => self.link_lost(lost_reason(&text)).await,
            Signal::Closed => {
                self.link_lost("the server closed the connection".into())
                    .await
            }
            Signal::Event { name, args } => self.incoming(&name, args).await,
            Signal::Binary { name } => {
                LinkCounters::bump(&self.counters.malformed);
                tracing::warn!(event = %name, "ignored a binary payload");
            }
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
        for (event, payload) in greeting {
            if let Err(e) = client.client.emit(event, payload).await {
                self.phase = Phase::Connected {
                    client,
                    since: Instant::now(),
                };
                return self
                    .link_lost(format!("could not send {event}: {}", socket::describe(&e)))
                    .await;
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
                LinkCounters::bump(&self.counters.unknown_events);
                tracing::debug!(event = %name, "ignored an unknown event");
            }
            Err(e) => {
                LinkCounters::bump(&self.counters.malformed);
                tracing::warn!(error = %e, "dropped a malformed payload");
                self.publish(LinkEvent::Malformed(e)).await;
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_servers_message_out_of_the_library_error() {
        let node = r#"Received an ConnectError frame: {"message":"jwt expired"}"#;
        assert_eq!(connect_error_message(node), "jwt expired");
        let plain = r#"Received an ConnectError frame: "unauthorized""#;
        assert_eq!(connect_error_message(plain), "unauthorized");
        let odd = "Received an ConnectError frame: {\"data\":1}";
        assert_eq!(connect_error_message(odd), "{\"data\":1}");
    }

    #[test]
    fn says_why_the_link_was_lost() {
        assert_eq!(
            lost_reason("EngineIO Error"),
            "the connection was lost (no answer from the server)"
        );
        assert_eq!(
            lost_reason("EngineIO Error: The server did not send a PING packet in time"),
            "the connection was lost: The server did not send a PING packet in time"
        );
        assert_eq!(lost_reason("Invalid packet id: 9"), "Invalid packet id: 9");
    }

    #[test]
    fn tells_auth_rejections_from_other_refusals() {
        for m in [
            "unauthorized",
            "invalid token",
            "jwt expired",
            "Forbidden",
            "Authentication error",
        ] {
            assert!(is_auth_rejection(m), "{m}");
        }
        for m in ["Invalid namespace", "server full", "rate limited"] {
            assert!(!is_auth_rejection(m), "{m}");
        }
    }

    #[test]
    fn auth_phrases_match_whole_words_of_the_message() {
        for m in [
            // jsonwebtoken (Node) and its Rust namesake's kinds.
            "invalid signature",
            "InvalidSignature",
            "jwt malformed",
            "TokenExpiredError",
            "ExpiredSignature",
            "invalid_token",
            "401 Unauthorized",
            "UNAUTHORIZED",
            "Token expired",
            "Authentication failed",
            "not authorized",
        ] {
            assert!(is_auth_rejection(m), "{m}");
        }
        for m in [
            "Authentication service temporarily unavailable",
            "Error 4011: server overloaded",
            "too many tokens in the bucket, slow down",
            "authorization server unreachable",
            "session store expired, try again",
        ] {
            assert!(!is_auth_rejection(m), "{m}");
        }
    }

    #[test]
    fn only_the_message_of_a_connect_error_is_read_for_auth() {
        let p = CONNECT_ERROR_PREFIX;
        let auth = |text: &str| connect_error_is_auth(&format!("{p} {text}"));
        assert!(auth(
            r#"{"message":"invalid signature","data":{"code":401}}"#
        ));
        assert!(auth(r#""unauthorized""#));
        // No message: whatever else the object says, it is retried.
        assert!(!auth(r#"{"data":{"status":401}}"#));
        assert!(!auth(r#"{"code":"unauthorized"}"#));
        assert!(!auth(r#"{"message":"Server busy","data":{"status":401}}"#));
    }
}
