//! The Socket.IO side of the backend: the handshake check, `connected`, catch-up replay,
//! presence, and the client events of the protocol (`register`, `sendMessage`, ...).
//!
//! socketioxide spawns a task per incoming event, so events of one socket could be handled out
//! of order. To keep arrival order, the [`Inbox`] extractor (which runs in order, before the
//! spawn) records each event and hands it to one worker task per socket.

use std::convert::Infallible;
use std::sync::Arc;

use axum::http::header::AUTHORIZATION;
use chrono::{DateTime, Utc};
use serde::ser::{Serialize, SerializeTuple, Serializer};
use serde_json::{json, Value};
use socketioxide::adapter::LocalAdapter;
use socketioxide::extract::{AckSender, Event, SocketRef, State, TryData};
use socketioxide::handler::{ConnectHandler, FromMessageParts};
use socketioxide::operators::BroadcastOperators;
use socketioxide::socket::Socket;
use socketioxide::SocketIo;
use tokio::sync::mpsc;

use crate::auth::{check_handshake, AuthError};
use crate::store::{id_text, Received, Store};

/// What every handler shares (the socketioxide state).
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub store: Arc<Store>,
    pub secret: Arc<[u8]>,
}

/// Per-socket data, put in the socket's extensions by the handshake middleware.
#[derive(Debug, Clone)]
struct Session {
    user_id: String,
    since: Option<DateTime<Utc>>,
    auth: Value,
    inbox: mpsc::UnboundedSender<Incoming>,
}

struct Incoming {
    socket: SocketRef,
    user_id: String,
    event: String,
    payload: Value,
    ack: AckSender,
}

impl std::fmt::Debug for Incoming {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Incoming")
            .field("socket", &self.socket.id)
            .field("event", &self.event)
            .finish_non_exhaustive()
    }
}

/// Messages to this conversation are never acknowledged, so that tests can see a client
/// retry and give up.
pub const SILENT_CONVERSATION: &str = "silent";

pub(crate) fn user_room(user_id: &str) -> String {
    format!("user:{user_id}")
}

fn conv_room(conversation_id: &str) -> String {
    format!("conv:{conversation_id}")
}

/// Installs the `/` namespace on `io`.
pub(crate) fn install(io: &SocketIo) {
    io.ns("/", on_connect.with(authenticate));
}

/// Values that Socket.IO sends as separate event arguments (one, several, or none).
pub(crate) struct Args<'a>(pub &'a [Value]);

impl Serialize for Args<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(self.0.len())?;
        for arg in self.0 {
            tuple.serialize_element(arg)?;
        }
        tuple.end()
    }
}

/// Emits to `user:<user_id>` and keeps the event for catch-up.
pub(crate) async fn emit_to_user(
    to: BroadcastOperators,
    store: &Store,
    user_id: &str,
    event: &str,
    args: &[Value],
) {
    store.log(user_id, event, args);
    if let Err(e) = to.emit(event, &Args(args)).await {
        tracing::debug!(error = %e, event, user_id, "emit to user room failed");
    }
}

/// The handshake middleware: a refusal becomes a CONNECT_ERROR with the error's text.
async fn authenticate(
    s: SocketRef,
    State(ctx): State<Ctx>,
    TryData(auth): TryData<Value>,
) -> Result<(), AuthError> {
    let auth = auth.unwrap_or(Value::Null);
    let header = s
        .req_parts()
        .headers
        .get(AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| h.starts_with("Bearer "));
    let handshake = match check_handshake(&ctx.secret, &auth, header) {
        Ok(h) => h,
        Err(e) => {
            tracing::info!(socket = %s.id, reason = %e, "handshake rejected");
            ctx.store.rejected(&e.to_string());
            return Err(e);
        }
    };
    let (inbox, rx) = mpsc::unbounded_channel();
    tokio::spawn(worker(ctx.clone(), rx));
    s.extensions.insert(Session {
        user_id: handshake.user_id,
        since: handshake.since,
        auth: handshake.auth,
        inbox,
    });
    // Registered here, before the CONNECT packet goes out, so no early event is missed.
    s.on_fallback(async |_: Inbox| {});
    s.on_disconnect(on_disconnect);
    Ok(())
}

/// Runs (spawned by socketioxide) once the CONNECT packet was sent.
async fn on_connect(s: SocketRef, State(ctx): State<Ctx>) {
    let Some(session) = s.extensions.get::<Session>() else {
        return;
    };
    let user = session.user_id.as_str();
    let sid = s.id.to_string();
    s.join(user_room(user));
    if ctx.store.online(user, &sid) {
        let _ = s
            .broadcast()
            .emit("userOnline", &json!({ "userId": user }))
            .await;
    }
    if let Err(e) = s.emit("connected", &json!({ "userId": user, "socketId": sid })) {
        tracing::debug!(error = %e, "cannot emit connected");
    }
    if let Some(since) = session.since {
        for logged in ctx.store.since(user, since) {
            let _ = s.emit(logged.event.as_str(), &Args(&logged.args));
        }
    }
    tracing::info!(socket = %sid, user, "handshake accepted");
    ctx.store.accepted(user, &sid, session.auth.clone());
}

async fn on_disconnect(s: SocketRef, State(ctx): State<Ctx>) {
    let sid = s.id.to_string();
    if let Some(session) = s.extensions.remove::<Session>() {
        if ctx.store.offline(&session.user_id, &sid) {
            let payload = json!({ "userId": session.user_id });
            let _ = s.broadcast().emit("userOffline", &payload).await;
        }
    }
    tracing::debug!(socket = %sid, "disconnected");
    ctx.store.disconnected(&sid);
}

/// Records an incoming event in arrival order and queues it for the socket's worker.
struct Inbox;

impl FromMessageParts<LocalAdapter> for Inbox {
    type Error = Infallible;

    fn from_message_parts(
        s: &Arc<Socket<LocalAdapter>>,
        v: &mut socketioxide::handler::Value,
        ack_id: &Option<i64>,
    ) -> Result<Self, Infallible> {
        let event = Event::from_message_parts(s, v, ack_id).map_or_else(|_| String::new(), |e| e.0);
        let payload = TryData::<Value>::from_message_parts(s, v, ack_id)
            .ok()
            .and_then(|d| d.0.ok())
            .unwrap_or(Value::Null);
        let session = s.extensions.get::<Session>();
        if let Ok(State(ctx)) = State::<Ctx>::from_message_parts(s, v, ack_id) {
            ctx.store.record(Received {
                user_id: session.as_ref().map(|s| s.user_id.clone()),
                socket_id: s.id.to_string(),
                event: event.clone(),
                payload: payload.clone(),
                at: Utc::now(),
            });
        }
        if let Some(session) = session {
            let Ok(ack) = AckSender::from_message_parts(s, v, ack_id);
            let incoming = Incoming {
                socket: SocketRef::from(s.clone()),
                user_id: session.user_id,
                event,
                payload,
                ack,
            };
            let _ = session.inbox.send(incoming);
        }
        Ok(Inbox)
    }
}

/// Handles one socket's events one after the other; ends when the socket is gone.
async fn worker(ctx: Ctx, mut rx: mpsc::UnboundedReceiver<Incoming>) {
    while let Some(incoming) = rx.recv().await {
        handle(&ctx, incoming).await;
    }
}

async fn handle(ctx: &Ctx, m: Incoming) {
    let Incoming {
        socket: s,
        user_id: user,
        event,
        payload,
        ack,
    } = m;
    let conversation = id_text(payload.get("conversationId"));
    match event.as_str() {
        "register" => {
            if let Some(id) = id_text(payload.get("userId")) {
                s.join(user_room(&id));
            }
        }
        "joinConversation" => {
            if let Some(c) = conversation {
                s.join(conv_room(&c));
            }
        }
        // A backend that lost the message: never stored, acknowledged nor broadcast.
        "sendMessage" if conversation.as_deref() == Some(SILENT_CONVERSATION) => {
            tracing::debug!("sendMessage to the silent conversation: no ack");
        }
        "sendMessage" => {
            let (message, is_new) = ctx.store.store_message(Some(&user), &payload);
            if let Err(e) = ack.send(&message) {
                tracing::debug!(error = %e, "cannot ack sendMessage");
            }
            if let (true, Some(c)) = (is_new, conversation) {
                let _ = s.to(conv_room(&c)).emit("newMessage", &message).await;
            }
        }
        "typing" => {
            if let Some(c) = conversation {
                let typing = json!({
                    "userId": id_text(payload.get("userId")).unwrap_or_else(|| user.clone()),
                    "isTyping": payload.get("isTyping").and_then(Value::as_bool).unwrap_or(false),
                    "conversationId": c,
                });
                let _ = s.to(conv_room(&c)).emit("userTyping", &typing).await;
            }
        }
        "updateStatus" => {
            let status = payload.get("status").cloned().unwrap_or(Value::Null);
            let out = json!({ "userId": user, "status": status });
            emit_to_user(
                s.within(user_room(&user)),
                &ctx.store,
                &user,
                "statusUpdated",
                &[out],
            )
            .await;
        }
        "bookingUpdate" => {
            let out = json!({
                "bookingId": payload.get("bookingId").cloned().unwrap_or(Value::Null),
                "status": payload.get("status").cloned().unwrap_or(Value::Null),
                "updatedBy": user,
            });
            emit_to_user(
                s.within(user_room(&user)),
                &ctx.store,
                &user,
                "bookingUpdated",
                &[out],
            )
            .await;
        }
        // markAsRead and unknown events: recorded by the inbox, nothing more.
        _ => tracing::debug!(event, "recorded only"),
    }
}
