//! The launcher's badge on a real session bus (run under `dbus-run-session`):
//! a real core and pipeline, connected to the embedded backend, which pushes
//! a booking request, messages and notifications (one of them twice). The
//! test listens for `com.canonical.Unity.LauncherEntry.Update` as a dock
//! does: the count of what is unread, each item once; urgent while the
//! booking request waits; 0 and count-visible false after "mark all read";
//! and a signal only when the badge changes.

// A test fails by panicking: unwrap is how these say "this must hold".
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alora_backend::{Backend, BackendConfig};
use alora_desktop::app::state::{Backends, Core};
use alora_desktop::models::NotifierStatus;
use alora_desktop::notifications::notifier::{BoxFuture, Notifier, NotifyError};
use alora_desktop::notifications::popups::Popup;
use alora_desktop::platform::linux::launcher::{object_path, INTERFACE};
use alora_desktop::settings::{MemoryBackend, Overrides};
use alora_store::Kind;
use futures_util::StreamExt;
use serde_json::json;
use zbus::message::Type;
use zbus::zvariant::{OwnedValue, Value};
use zbus::{MatchRule, MessageStream};

/// Popups are not what this test is about: they go nowhere.
struct Nowhere;

impl Notifier for Nowhere {
    fn show(&self, _: Popup) -> BoxFuture<'_, Result<(), NotifyError>> {
        Box::pin(async { Ok(()) })
    }
    fn status(&self) -> NotifierStatus {
        NotifierStatus::Available
    }
}

/// One `Update` as a dock reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen {
    count: i64,
    visible: bool,
    urgent: bool,
}

fn skip(reason: &str) {
    if std::env::var_os("ALORA_TEST_STRICT").is_some_and(|v| v == "1") {
        panic!("cannot run under ALORA_TEST_STRICT=1: {reason}");
    }
    eprintln!("SKIPPED: {reason}");
}

struct Listener {
    stream: MessageStream,
    uri: String,
    path: String,
    all: Vec<Seen>,
}

impl Listener {
    async fn new(bus: &zbus::Connection) -> Listener {
        let rule = MatchRule::builder()
            .msg_type(Type::Signal)
            .interface(INTERFACE)
            .unwrap()
            .member("Update")
            .unwrap()
            .build();
        let desktop = alora_desktop::app_id::desktop_file();
        Listener {
            stream: MessageStream::for_match_rule(rule, bus, None)
                .await
                .unwrap(),
            uri: format!("application://{desktop}"),
            path: object_path(&desktop),
            all: Vec::new(),
        }
    }

    /// The next `Update`s until one satisfies `done`; generous, for a loaded machine.
    async fn until(&mut self, done: impl Fn(&Seen) -> bool) -> Seen {
        let wait = async {
            while let Some(msg) = self.stream.next().await {
                let msg = msg.unwrap();
                assert_eq!(msg.header().path().unwrap().as_str(), self.path);
                let (uri, props): (String, HashMap<String, OwnedValue>) =
                    msg.body().deserialize().unwrap();
                assert_eq!(uri, self.uri);
                let get = |k: &str| Value::from(props[k].try_clone().unwrap());
                let seen = Seen {
                    count: i64::try_from(get("count")).unwrap(),
                    visible: bool::try_from(get("count-visible")).unwrap(),
                    urgent: bool::try_from(get("urgent")).unwrap(),
                };
                self.all.push(seen);
                if done(&seen) {
                    return seen;
                }
            }
            panic!("the bus closed");
        };
        tokio::time::timeout(Duration::from_secs(30), wait)
            .await
            .unwrap_or_else(|_| panic!("no such Update; seen: {:?}", self.all))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_launcher_badge_counts_what_waits_and_clears_when_all_is_read() {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        return skip("no session bus: run under dbus-run-session");
    }
    let bus = zbus::Connection::session().await.unwrap();
    let mut updates = Listener::new(&bus).await;

    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let parts = Backends {
        settings: Box::new(MemoryBackend(Mutex::new(None))),
        vault: None,
        notifier: Arc::new(Nowhere),
        opener: Arc::new(alora_desktop::signin::XdgOpen),
        overrides: Overrides {
            server_url: Some(backend.url()),
            socket_path: Some(backend.path().to_owned()),
            token: Some(backend.token_for("u1", Duration::from_secs(3600))),
            ..Overrides::default()
        },
    };
    let location = alora_desktop::data::storage::Location::Memory;
    let (core, input) = Core::start_with(parts, location).await.unwrap();
    alora_desktop::pipeline::start(core.clone(), input).unwrap();
    let joined = async {
        while backend.handshakes().accepted == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), joined)
        .await
        .expect("the core connects to the embedded backend");
    // The link registers, then is ready for events (as tests/app does).
    tokio::time::sleep(Duration::from_millis(500)).await;

    let push = |event: &'static str, payload: serde_json::Value| {
        let backend = &backend;
        async move { backend.push_to_user("u1", event, payload).await }
    };
    push(
        "bookingUpdated",
        json!({"bookingId": "b1", "status": "pending", "clientName": "Ana"}),
    )
    .await;
    push(
        "newNotification",
        json!({"id": "n1", "title": "Invoice paid"}),
    )
    .await;
    push(
        "newMessage",
        json!({"id": 1, "conversationId": "c1", "senderId": "u2", "content": "hi"}),
    )
    .await;
    // A re-send: the same item, not counted again.
    push(
        "newNotification",
        json!({"id": "n1", "title": "Invoice paid"}),
    )
    .await;
    push(
        "newMessage",
        json!({"id": 2, "conversationId": "c1", "senderId": "u2", "content": "there?"}),
    )
    .await;

    let all_in = updates.until(|s| s.count == 4).await;
    assert_eq!(
        all_in,
        Seen {
            count: 4,
            visible: true,
            urgent: true
        },
        "a booking request waits"
    );
    assert!(
        updates.all.iter().all(|s| s.count <= 4 && s.urgent),
        "counted once each, urgent from the request on: {:?}",
        updates.all
    );
    let waiting = core.tray_view().waiting;
    assert_eq!(
        (
            waiting.booking_requests,
            waiting.messages,
            waiting.notifications
        ),
        (1, 2, 1)
    );

    // Refreshes that change nothing send nothing: the next Update is the change.
    for _ in 0..50 {
        core.refresh_tray();
    }
    let request: Vec<String> = core
        .list_history(&Default::default())
        .into_iter()
        .filter(|i| i.kind == Kind::BookingRequest)
        .map(|i| i.id)
        .collect();
    assert_eq!(core.mark_history_read(&request), 1);
    let answered = updates.until(|_| true).await;
    assert_eq!(
        answered,
        Seen {
            count: 3,
            visible: true,
            urgent: false
        },
        "no request waits any more"
    );

    assert_eq!(core.mark_history_read(&[]), 3);
    let cleared = updates.until(|_| true).await;
    assert_eq!(
        cleared,
        Seen {
            count: 0,
            visible: false,
            urgent: false
        }
    );
    for _ in 0..50 {
        core.refresh_tray();
    }
    push(
        "newMessage",
        json!({"id": 3, "conversationId": "c1", "senderId": "u2", "content": "hello?"}),
    )
    .await;
    let again = updates.until(|_| true).await;
    assert_eq!(
        again,
        Seen {
            count: 1,
            visible: true,
            urgent: false
        },
        "no Update for the refreshes in between: {:?}",
        updates.all
    );
    assert!(
        updates.all.windows(2).all(|w| w[0] != w[1]),
        "an Update only for a change: {:?}",
        updates.all
    );
    core.shutdown().await;
}
