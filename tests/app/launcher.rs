//! The launcher's badge from the real `alora-tray --headless` binary on a
//! real session bus: its `com.canonical.Unity.LauncherEntry.Update`
//! signals (told from other instances' by the sender's pid) count what was
//! pushed, once each, urgent while a booking request waits, and drop the
//! request and urgent once another device read or answered it.

use std::collections::HashMap;
use std::time::Duration;

use alora_backend::{Backend, BackendConfig};
use futures_util::StreamExt;
use serde_json::json;
use zbus::message::Type;
use zbus::zvariant::{OwnedValue, Value};
use zbus::{MatchRule, MessageStream};

use crate::headless::{accepted, args, HOUR};
use crate::support::{skip, Instance, TokenFile};

/// (count, count-visible, urgent) of the instance's next `Update`s, until
/// one satisfies `done`.
async fn until(
    bus: &zbus::Connection,
    stream: &mut MessageStream,
    pid: u32,
    done: impl Fn((i64, bool, bool)) -> bool,
) -> Option<(i64, bool, bool)> {
    let dbus = zbus::fdo::DBusProxy::new(bus).await.unwrap();
    let wait = async {
        while let Some(Ok(msg)) = stream.next().await {
            let Some(sender) = msg.header().sender().map(|s| s.to_string()) else {
                continue;
            };
            let name = zbus::names::BusName::try_from(sender.as_str()).unwrap();
            let from = dbus.get_connection_unix_process_id(name).await.ok();
            if from != Some(pid) {
                continue;
            }
            let (uri, props): (String, HashMap<String, OwnedValue>) =
                msg.body().deserialize().unwrap();
            assert_eq!(uri, "application://com.alora.tray.desktop");
            let get = |k: &str| Value::from(props[k].try_clone().unwrap());
            let seen = (
                i64::try_from(get("count")).unwrap(),
                bool::try_from(get("count-visible")).unwrap(),
                bool::try_from(get("urgent")).unwrap(),
            );
            if done(seen) {
                return Some(seen);
            }
        }
        None
    };
    tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .ok()
        .flatten()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_badges_its_launcher_with_what_waits() {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        return skip("no session bus");
    }
    let bus = zbus::Connection::session().await.unwrap();
    let rule = MatchRule::builder()
        .msg_type(Type::Signal)
        .interface("com.canonical.Unity.LauncherEntry")
        .unwrap()
        .member("Update")
        .unwrap()
        .build();
    let mut stream = MessageStream::for_match_rule(rule, &bus, None)
        .await
        .unwrap();
    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let token = TokenFile::new(&backend.token_for("u1", HOUR));
    let app = Instance::headless("launcher", &args(&backend, &token));
    assert!(accepted(&backend, 1).await, "log:\n{}", app.stderr());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = app.child.id();

    let request = json!({"id": "n1", "type": "booking", "bookingId": "b1", "title": "Request"});
    backend
        .push_to_user("u1", "newNotification", request.clone())
        .await;
    backend.push_to_user("u1", "newNotification", request).await;
    let message = json!({"id": 1, "conversationId": "c1", "senderId": "u2", "content": "hi"});
    backend.push_to_user("u1", "newMessage", message).await;
    let both = until(&bus, &mut stream, pid, |s| s.0 >= 2).await;
    assert_eq!(both, Some((2, true, true)), "log:\n{}", app.stderr());

    // Read on another device: the request no longer waits.
    backend
        .push_to_user("u1", "notificationRead", json!({"ids": ["n1"]}))
        .await;
    let read = until(&bus, &mut stream, pid, |_| true).await;
    assert_eq!(read, Some((1, true, false)), "log:\n{}", app.stderr());

    // A request answered on another device stops waiting; the answer is news.
    let at = |status: &str| json!({"bookingId": "b2", "status": status, "updatedAt": "2026-03-01T10:00:00Z"});
    backend
        .push_to_user("u1", "bookingUpdated", at("pending"))
        .await;
    let waits = until(&bus, &mut stream, pid, |_| true).await;
    assert_eq!(waits, Some((2, true, true)), "log:\n{}", app.stderr());
    backend
        .push_to_user("u1", "bookingUpdated", at("confirmed"))
        .await;
    let answered = until(&bus, &mut stream, pid, |s| !s.2).await;
    assert_eq!(
        answered,
        Some((2, true, false)),
        "the request read, the answer unread"
    );
}
