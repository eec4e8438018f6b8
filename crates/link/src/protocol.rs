//! The wire contract of `shared/PROTOCOL.md`: typed events in and out, and the
//! tolerant decoding of what a real backend sends.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

pub use crate::answers::{ConversationRead, NotificationRead};
use crate::error::PayloadError;

/// How far past its arrival an event's `createdAt` may move the catch-up
/// cursor: a wrong server clock or a bogus stamp (year 9999) must not stop
/// catch-up for good.
pub const CURSOR_SKEW: std::time::Duration = std::time::Duration::from_secs(60);

/// An id that the backend may send as a string or as a number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct Id(pub String);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) if !s.is_empty() => Ok(Id(s)),
            Value::Number(n) => Ok(Id(n.to_string())),
            // The kind only: a reason must not carry what the server sent.
            other => Err(serde::de::Error::custom(format!(
                "expected a string or number id, got {}",
                kind_of(&other)
            ))),
        }
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "an empty string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Id {
    fn from(s: &str) -> Self {
        Id(s.to_owned())
    }
}

/// An optional id: missing, `null` or an empty string is no id (a backend
/// that sends `"updatedBy": ""` still delivers its event).
pub(crate) fn optional_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Id>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(v) => Id::deserialize(v)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

/// A text the backend may send under several names (`message` as `body`):
/// the first of `names` that holds something is kept, the others go, so that
/// both present is no "duplicate field" and a `null` gives way.
fn one_text(payload: &mut Value, names: &[&str]) {
    let Value::Object(map) = payload else {
        return;
    };
    let mut kept = false;
    for name in names {
        match map.get(*name) {
            Some(Value::Null) => {
                map.remove(*name);
            }
            Some(_) if kept => {
                map.remove(*name);
            }
            Some(_) => kept = true,
            None => {}
        }
    }
}

/// A timestamp that may be RFC 3339, epoch milliseconds, or missing; `None`
/// means "use the arrival time", which `Incoming::decode` fills in.
pub(crate) fn lenient_time<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => DateTime::parse_from_rfc3339(&s)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        Some(Value::Number(n)) => n
            .as_i64()
            .and_then(|ms| Utc.timestamp_millis_opt(ms).single()),
        _ => None,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ConnectedAck {
    #[serde(default, deserialize_with = "optional_id")]
    pub user_id: Option<Id>,
    #[serde(default)]
    pub socket_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub id: Id,
    pub title: String,
    #[serde(default, alias = "body")]
    pub message: String,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub link: Option<String>,
    /// A booking notification's booking (else its `link` may name it).
    #[serde(
        default,
        deserialize_with = "optional_id",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub booking_id: Option<Id>,
    /// A booking's start, service and client, shown when the server sends them.
    #[serde(
        default,
        deserialize_with = "lenient_time",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub client_name: Option<String>,
    /// The server's `createdAt` for the catch-up cursor (`cursor_time`).
    #[serde(skip)]
    server_time: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BookingUpdated {
    pub booking_id: Id,
    pub status: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default, alias = "body")]
    pub message: Option<String>,
    #[serde(default, deserialize_with = "optional_id")]
    pub updated_by: Option<Id>,
    /// The server's time of this change, when it sends one (`updatedAt`,
    /// or `createdAt`): it tells a status that comes back from a re-send.
    #[serde(
        default,
        alias = "createdAt",
        deserialize_with = "lenient_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_at: Option<DateTime<Utc>>,
    /// A booking's start, service and client, shown when the server sends them.
    #[serde(
        default,
        deserialize_with = "lenient_time",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub client_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    pub id: Id,
    pub conversation_id: Id,
    pub sender_id: Id,
    #[serde(default)]
    pub sender_name: Option<String>,
    #[serde(alias = "message", alias = "body")]
    pub content: String,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
    /// Present when the server echoes back one of our own messages.
    #[serde(default)]
    pub client_id: Option<String>,
    /// The server's `createdAt` for the catch-up cursor (`cursor_time`).
    #[serde(skip)]
    server_time: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Presence {
    pub user_id: Id,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StatusUpdated {
    pub user_id: Id,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TypingIndicator {
    pub user_id: Id,
    pub is_typing: bool,
    #[serde(default, deserialize_with = "optional_id")]
    pub conversation_id: Option<Id>,
}

/// Every server-to-client event the protocol knows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "event", content = "data", rename_all = "camelCase")]
pub enum Incoming {
    Connected(ConnectedAck),
    NewNotification(Notification),
    BookingUpdated(BookingUpdated),
    NewMessage(ChatMessage),
    UserOnline(Presence),
    UserOffline(Presence),
    StatusUpdated(StatusUpdated),
    UserTyping(TypingIndicator),
    /// A conversation read on another device of the user's.
    ConversationRead(ConversationRead),
    /// Notifications read on another device of the user's.
    NotificationRead(NotificationRead),
}

impl Incoming {
    /// Decodes one Socket.IO event. `Ok(None)` is an event the protocol does
    /// not know (ignored); `Err` is a known event whose payload does not fit.
    ///
    /// `args` are the event's Socket.IO arguments: only the first is the
    /// payload (a server with connection state recovery appends an offset).
    pub fn decode(
        event: &str,
        args: &[Value],
        arrived: DateTime<Utc>,
    ) -> Result<Option<Incoming>, PayloadError> {
        Self::decode_owned(event, args.first().cloned().into_iter().collect(), arrived)
    }

    /// As [`Incoming::decode`], taking the arguments by value: the payload's
    /// strings move into the typed event instead of being copied, which is
    /// what the link does with every event it receives.
    pub fn decode_owned(
        event: &str,
        args: Vec<Value>,
        arrived: DateTime<Utc>,
    ) -> Result<Option<Incoming>, PayloadError> {
        let mut payload = unwrap_payload(args);
        match event {
            "newNotification" => one_text(&mut payload, &["message", "body"]),
            "bookingUpdated" => {
                one_text(&mut payload, &["message", "body"]);
                one_text(&mut payload, &["updatedAt", "createdAt"]);
            }
            "newMessage" => one_text(&mut payload, &["content", "message", "body"]),
            _ => {}
        }
        let fit = |e: serde_json::Error| PayloadError::from_serde(event, &e);
        let decoded = match event {
            "connected" => Incoming::Connected(match payload {
                Value::Null => ConnectedAck {
                    user_id: None,
                    socket_id: None,
                },
                p => from(p).map_err(fit)?,
            }),
            "newNotification" => {
                let mut n: Notification = from(payload).map_err(fit)?;
                n.server_time = clamp_to_arrival(n.created_at, arrived);
                n.created_at.get_or_insert(arrived);
                Incoming::NewNotification(n)
            }
            "bookingUpdated" => Incoming::BookingUpdated(from(payload).map_err(fit)?),
            "newMessage" => {
                let mut m: ChatMessage = from(payload).map_err(fit)?;
                m.server_time = clamp_to_arrival(m.created_at, arrived);
                m.created_at.get_or_insert(arrived);
                Incoming::NewMessage(m)
            }
            "userOnline" => Incoming::UserOnline(from(payload).map_err(fit)?),
            "userOffline" => Incoming::UserOffline(from(payload).map_err(fit)?),
            "statusUpdated" => Incoming::StatusUpdated(from(payload).map_err(fit)?),
            "userTyping" => Incoming::UserTyping(from(payload).map_err(fit)?),
            "conversationRead" => Incoming::ConversationRead(from(payload).map_err(fit)?),
            "notificationRead" => Incoming::NotificationRead(from(payload).map_err(fit)?),
            _ => return Ok(None),
        };
        Ok(Some(decoded))
    }

    /// The time this event moves the catch-up cursor to: the server's own
    /// `createdAt`, no later than the arrival plus [`CURSOR_SKEW`]. `None`
    /// for an event without one (its `created_at` is then the client's
    /// clock, which must not move a cursor the server compares with its own).
    pub fn cursor_time(&self) -> Option<DateTime<Utc>> {
        match self {
            Incoming::NewNotification(n) => n.server_time,
            Incoming::NewMessage(m) => m.server_time,
            _ => None,
        }
    }

    /// The protocol's name of this event.
    pub fn event_name(&self) -> &'static str {
        match self {
            Incoming::Connected(_) => "connected",
            Incoming::NewNotification(_) => "newNotification",
            Incoming::BookingUpdated(_) => "bookingUpdated",
            Incoming::NewMessage(_) => "newMessage",
            Incoming::UserOnline(_) => "userOnline",
            Incoming::UserOffline(_) => "userOffline",
            Incoming::StatusUpdated(_) => "statusUpdated",
            Incoming::UserTyping(_) => "userTyping",
            Incoming::ConversationRead(_) => "conversationRead",
            Incoming::NotificationRead(_) => "notificationRead",
        }
    }
}

/// A server's time, no later than `arrived` plus [`CURSOR_SKEW`].
pub fn clamp_to_arrival(
    server: Option<DateTime<Utc>>,
    arrived: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let skew = chrono::Duration::from_std(CURSOR_SKEW).unwrap_or_default();
    let ceiling = arrived.checked_add_signed(skew).unwrap_or(arrived);
    server.map(|t| t.min(ceiling))
}

fn from<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, serde_json::Error> {
    serde_json::from_value(v)
}

/// The first argument, unwrapped from a one-element array.
fn unwrap_payload(args: Vec<Value>) -> Value {
    let mut payload = args.into_iter().next().unwrap_or(Value::Null);
    while let Value::Array(items) = &mut payload {
        if items.len() != 1 {
            break;
        }
        payload = items.pop().unwrap_or(Value::Null);
    }
    payload
}

#[cfg(test)]
#[path = "protocol_tests.rs"]
mod tests;
