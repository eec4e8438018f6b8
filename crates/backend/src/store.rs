//! The backend's memory: what clients sent, the stored messages (de-duplicated by `clientId`),
//! the catch-up log of what was emitted to user rooms, presence, and handshake counts.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use tokio::sync::broadcast;

/// How many emitted events the catch-up log keeps.
pub(crate) const LOG_CAPACITY: usize = 10_000;

/// One event a client emitted, as the backend received it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Received {
    /// The user of the socket (from its token), if known.
    pub user_id: Option<String>,
    /// The Socket.IO socket id.
    pub socket_id: String,
    /// The event name.
    pub event: String,
    /// The first argument (`null` when there was none).
    pub payload: Value,
    /// When it arrived.
    pub at: DateTime<Utc>,
}

/// The live feed of what happens on the backend.
#[derive(Debug, Clone)]
pub enum BackendEvent {
    /// A handshake was accepted (sent after `connected` was emitted).
    Accepted {
        /// The user of the token.
        user_id: String,
        /// The socket id.
        socket_id: String,
        /// `{"token", "since", "header": bool}`.
        auth: Value,
    },
    /// A handshake was refused; `reason` is the CONNECT_ERROR message.
    Rejected {
        /// `unauthorized`, `invalid token` or `jwt expired`.
        reason: String,
    },
    /// A client emitted an event.
    Received(Received),
    /// A socket went away.
    Disconnected {
        /// The socket id.
        socket_id: String,
    },
}

/// Handshake counts since the backend started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Handshakes {
    /// Handshakes whose token was good.
    pub accepted: usize,
    /// Handshakes refused for their token.
    pub rejected: usize,
}

/// An event emitted to a user room, kept for catch-up.
#[derive(Debug, Clone)]
pub(crate) struct Logged {
    pub user_id: String,
    pub event: String,
    pub args: Vec<Value>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Default)]
struct Messages {
    list: Vec<Value>,
    by_client_id: HashMap<String, usize>,
}

/// Shared by the handlers and the [`crate::Backend`] handle.
#[derive(Debug)]
pub(crate) struct Store {
    received: Mutex<Vec<Received>>,
    messages: Mutex<Messages>,
    log: Mutex<VecDeque<Logged>>,
    presence: Mutex<HashMap<String, HashSet<String>>>,
    accepted: AtomicUsize,
    rejected: AtomicUsize,
    tx: broadcast::Sender<BackendEvent>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Text of an id that may be a string or a number.
pub(crate) fn id_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Store {
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(4096);
        Self {
            received: Mutex::default(),
            messages: Mutex::default(),
            log: Mutex::default(),
            presence: Mutex::default(),
            accepted: AtomicUsize::new(0),
            rejected: AtomicUsize::new(0),
            tx,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<BackendEvent> {
        self.tx.subscribe()
    }

    fn publish(&self, event: BackendEvent) {
        // No subscriber is fine.
        let _ = self.tx.send(event);
    }

    pub fn record(&self, received: Received) {
        lock(&self.received).push(received.clone());
        self.publish(BackendEvent::Received(received));
    }

    pub fn received(&self) -> Vec<Received> {
        lock(&self.received).clone()
    }

    pub fn accepted(&self, user_id: &str, socket_id: &str, auth: Value) {
        self.accepted.fetch_add(1, Ordering::SeqCst);
        self.publish(BackendEvent::Accepted {
            user_id: user_id.to_owned(),
            socket_id: socket_id.to_owned(),
            auth,
        });
    }

    pub fn rejected(&self, reason: &str) {
        self.rejected.fetch_add(1, Ordering::SeqCst);
        self.publish(BackendEvent::Rejected {
            reason: reason.to_owned(),
        });
    }

    pub fn disconnected(&self, socket_id: &str) {
        self.publish(BackendEvent::Disconnected {
            socket_id: socket_id.to_owned(),
        });
    }

    pub fn handshakes(&self) -> Handshakes {
        Handshakes {
            accepted: self.accepted.load(Ordering::SeqCst),
            rejected: self.rejected.load(Ordering::SeqCst),
        }
    }

    /// Stores a message unless its `clientId` was seen; returns it and whether it is new.
    pub fn store_message(&self, sender: Option<&str>, payload: &Value) -> (Value, bool) {
        let mut messages = lock(&self.messages);
        let client_id = id_text(payload.get("clientId"));
        if let Some(index) = client_id
            .as_ref()
            .and_then(|c| messages.by_client_id.get(c))
        {
            if let Some(stored) = messages.list.get(*index) {
                return (stored.clone(), false);
            }
        }
        let index = messages.list.len();
        let stored = json!({
            "id": format!("m{}", index + 1),
            "clientId": client_id,
            "conversationId": payload.get("conversationId").cloned().unwrap_or(Value::Null),
            "senderId": sender,
            "content": payload.get("content").cloned().unwrap_or(Value::Null),
            "createdAt": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        });
        messages.list.push(stored.clone());
        if let Some(c) = client_id {
            messages.by_client_id.insert(c, index);
        }
        (stored, true)
    }

    pub fn messages(&self) -> Vec<Value> {
        lock(&self.messages).list.clone()
    }

    /// Keeps an event emitted to `user:<user_id>` for catch-up.
    pub fn log(&self, user_id: &str, event: &str, args: &[Value]) {
        let mut log = lock(&self.log);
        if log.len() >= LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(Logged {
            user_id: user_id.to_owned(),
            event: event.to_owned(),
            args: args.to_vec(),
            at: Utc::now(),
        });
    }

    /// What was emitted to `user_id` strictly after `since`, oldest first.
    pub fn since(&self, user_id: &str, since: DateTime<Utc>) -> Vec<Logged> {
        lock(&self.log)
            .iter()
            .filter(|l| l.user_id == user_id && l.at > since)
            .cloned()
            .collect()
    }

    /// Adds a socket of a user; true when it is the user's first.
    pub fn online(&self, user_id: &str, socket_id: &str) -> bool {
        let mut presence = lock(&self.presence);
        let sockets = presence.entry(user_id.to_owned()).or_default();
        sockets.insert(socket_id.to_owned());
        sockets.len() == 1
    }

    /// Removes a socket of a user; true when it was the user's last.
    pub fn offline(&self, user_id: &str, socket_id: &str) -> bool {
        let mut presence = lock(&self.presence);
        let Some(sockets) = presence.get_mut(user_id) else {
            return false;
        };
        let was_there = sockets.remove(socket_id);
        if sockets.is_empty() {
            presence.remove(user_id);
            return was_there;
        }
        false
    }
}
