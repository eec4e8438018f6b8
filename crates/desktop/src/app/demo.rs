//! Demo mode: the embedded backend on 127.0.0.1 (ephemeral port, generated
//! token) playing a believable day at a small studio: a first event within
//! seconds, a booking request, client messages, someone coming online, a
//! cancellation, and replies to what the user sends.

use std::sync::Arc;
use std::time::Duration;

use alora_backend::{Backend, BackendConfig, BackendEvent};
use serde_json::{json, Value};
use tokio::task::JoinHandle;

use crate::error::{AppError, AppResult};

pub const DEMO_USER: &str = "demo-user";

#[derive(Clone)]
pub struct Demo {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Backend,
    token: String,
    /// The day's script and the replies: they end with the last handle.
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl std::fmt::Debug for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demo")
            .field("url", &self.inner.backend.url())
            .finish_non_exhaustive()
    }
}

/// A person of the demo day.
struct Person {
    id: &'static str,
    name: &'static str,
    conversation: &'static str,
}

const MAYA: Person = Person {
    id: "u-maya",
    name: "Maya Chen",
    conversation: "c-maya",
};
const JONAS: Person = Person {
    id: "u-jonas",
    name: "Jonas Weber",
    conversation: "c-jonas",
};
const SUPPORT: Person = Person {
    id: "u-support",
    name: "Alora Support",
    conversation: "c-support",
};

impl Demo {
    pub async fn start() -> AppResult<Demo> {
        let backend = Backend::start(BackendConfig::default())
            .await
            .map_err(|e| AppError::Demo(e.to_string()))?;
        let token = backend.token_for(DEMO_USER, Duration::from_secs(7 * 24 * 3600));
        tracing::info!(url = %backend.url(), "demo backend started");
        let tasks = vec![
            tokio::spawn(script(backend.clone())),
            tokio::spawn(replies(backend.clone())),
        ];
        Ok(Demo {
            inner: Arc::new(Inner {
                backend,
                token,
                tasks,
            }),
        })
    }

    pub fn url(&self) -> String {
        self.inner.backend.url()
    }
    pub fn path(&self) -> String {
        self.inner.backend.path().to_owned()
    }
    pub fn token(&self) -> String {
        self.inner.token.clone()
    }
    pub fn user_id(&self) -> &'static str {
        DEMO_USER
    }
    pub fn backend(&self) -> &Backend {
        &self.inner.backend
    }

    pub async fn stop(self) {
        for task in &self.inner.tasks {
            task.abort();
        }
        self.inner.backend.clone().shutdown().await;
    }
}

async fn push(backend: &Backend, event: &str, payload: Value) {
    backend.push_to_user(DEMO_USER, event, payload).await;
}

fn message(id: &str, from: &Person, content: &str) -> Value {
    json!({"id": id, "conversationId": from.conversation, "senderId": from.id, "senderName": from.name, "content": content})
}

/// The day: scripted first, then something every minute or two.
async fn script(backend: Backend) {
    // Start once the user is there, so the first event is seen within seconds.
    let mut feed = backend.subscribe();
    let connected = async {
        while let Ok(e) = feed.recv().await {
            if matches!(e, BackendEvent::Accepted { .. }) {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(30), connected).await;
    let steps: Vec<(u64, &str, Value)> = vec![
        (
            2,
            "newNotification",
            json!({"id": "demo-welcome", "type": "system", "title": "Welcome to the Alora demo",
            "message": "A demo backend runs on this computer. Events arrive as on a busy day; try replying to a message."}),
        ),
        (
            5,
            "newNotification",
            json!({"id": "demo-b-1042", "type": "booking", "title": "New booking request",
            "message": "Maya Chen asked for a 60-min deep tissue massage on Friday at 10:00.", "link": "/bookings/b-1042"}),
        ),
        (
            8,
            "newMessage",
            message(
                "demo-m-1",
                &MAYA,
                "Hi! Is Friday 10:00 still free? 11:30 would work for me too.",
            ),
        ),
        (
            6,
            "userOnline",
            json!({"userId": JONAS.id, "name": JONAS.name}),
        ),
        (
            9,
            "bookingUpdated",
            json!({"bookingId": "b-0997", "status": "cancelled", "title": "Booking cancelled",
            "message": "Jonas Weber cancelled Thursday 16:00 (haircut). The slot is free again.", "updatedBy": JONAS.id}),
        ),
        (
            12,
            "newNotification",
            json!({"id": "demo-pay-0981", "type": "payment", "title": "Payment received",
            "message": "€85.00 from Maya Chen for booking b-0981."}),
        ),
        (
            15,
            "newMessage",
            message(
                "demo-m-2",
                &JONAS,
                "Sorry for cancelling. Could we move it to next week, same time?",
            ),
        ),
        (
            20,
            "bookingUpdated",
            json!({"bookingId": "b-1050", "status": "rescheduled", "title": "Booking rescheduled",
            "message": "Lea Novak moved her manicure from Monday 09:00 to Tuesday 14:30."}),
        ),
        (
            25,
            "bookingUpdated",
            json!({"bookingId": "b-1061", "status": "pending", "title": "New booking request",
            "clientName": JONAS.name, "service": "Haircut", "startsAt": next_day_at(10)}),
        ),
        // The same request answered on the user's phone: its popup goes.
        (
            20,
            "bookingUpdated",
            json!({"bookingId": "b-1061", "status": "confirmed", "title": "Accepted on another device",
            "message": "You accepted Jonas Weber's haircut on your phone.", "updatedBy": DEMO_USER}),
        ),
    ];
    for (delay, event, payload) in steps {
        tokio::time::sleep(Duration::from_secs(delay)).await;
        push(&backend, event, payload).await;
    }
    let pool = [
        "Reminder: 3 appointments tomorrow",
        "New review: ★★★★★ from Maya Chen",
        "Weekly summary is ready",
    ];
    for n in 0_u64.. {
        tokio::time::sleep(Duration::from_secs(60 + (n % 3) * 30)).await;
        let title = pool
            .get((n % pool.len() as u64) as usize)
            .copied()
            .unwrap_or("Update");
        let payload = json!({"id": format!("demo-later-{n}"), "type": "system", "title": title, "message": "Open Alora for the details."});
        push(&backend, "newNotification", payload).await;
    }
}

/// Tomorrow at `hour`:00 UTC, as RFC 3339: a start time the popup can name.
fn next_day_at(hour: u32) -> String {
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Days::new(1);
    let start = tomorrow
        .and_hms_opt(hour, 0, 0)
        .unwrap_or_default()
        .and_utc();
    start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Answers what the user sends: a typing indicator, then a reply.
async fn replies(backend: Backend) {
    let mut feed = backend.subscribe();
    let mut count = 0_u32;
    loop {
        let event = match feed.recv().await {
            Ok(e) => e,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(_) => break,
        };
        let BackendEvent::Received(r) = event else {
            continue;
        };
        count += 1;
        let conversation = r
            .payload
            .get("conversationId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        match r.event.as_str() {
            "sendMessage" => {
                let who = [MAYA, JONAS]
                    .into_iter()
                    .find(|p| p.conversation == conversation)
                    .unwrap_or(SUPPORT);
                let b = backend.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    let typing =
                        json!({"userId": who.id, "isTyping": true, "conversationId": conversation});
                    push(&b, "userTyping", typing).await;
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    let replies = [
                        "Perfect, thank you! See you then.",
                        "Great, that works for me.",
                        "Thanks for the quick answer!",
                    ];
                    let reply = replies
                        .get(count as usize % replies.len())
                        .copied()
                        .unwrap_or("Thanks!");
                    let mut m = message(&format!("demo-reply-{count}"), &who, reply);
                    m["conversationId"] = json!(conversation);
                    push(&b, "newMessage", m).await;
                });
            }
            "bookingUpdate" => {
                let booking = r
                    .payload
                    .get("bookingId")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_owned();
                let status = r
                    .payload
                    .get("status")
                    .and_then(Value::as_str)
                    .unwrap_or("updated")
                    .to_owned();
                let b = backend.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    let note = json!({"id": format!("demo-notified-{count}"), "type": "booking", "title": "Client notified",
                        "message": format!("We told the client that booking {booking} is {status}.")});
                    push(&b, "newNotification", note).await;
                });
            }
            _ => {}
        }
    }
}
