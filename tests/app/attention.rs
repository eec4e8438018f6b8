//! The attention rules in the real `alora-tray --headless` against the
//! embedded backend and the recording notification server: the hints per
//! kind, re-alerts of an unanswered booking request (a settings' minute is
//! shortened with `ALORA_MINUTE_MS`, never the wall clock), the desktop's Do
//! Not Disturb with one summary after it, quiet hours with the urgent
//! bypass, and the offline alarm. Tests that change what the notification
//! server tells everyone, or that must tell their alarm from another app's,
//! use a recorder on a bus of their own.

use std::time::Duration;

use alora_backend::{Backend, BackendConfig};
use serde_json::json;

use crate::headless::{accepted, args, HOUR};
use crate::recorder::{private, recorder, Recorded, Recorder};
use crate::support::{eventually, Instance, TokenFile};

/// Waits for `n` popups tagged `tag`; all of them.
async fn popups(rec: &Recorder, tag: &str, n: usize, app: &Instance) -> Vec<Recorded> {
    let got = eventually(Duration::from_secs(15), || {
        let found = rec.tagged(tag);
        (found.len() >= n).then_some(found)
    })
    .await;
    got.unwrap_or_else(|| {
        panic!(
            "not {n} popups for {tag}: {:?}\nlog:\n{}",
            rec.tagged(tag),
            app.stderr()
        )
    })
}

/// A data folder holding the settings file the app reads at start
/// (`attention` only), for `XDG_DATA_HOME`.
fn settings(name: &str, attention: serde_json::Value) -> std::path::PathBuf {
    let data = crate::support::sandbox(name).join("data");
    let file = data.join("com.alora.tray/settings.json");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(
        &file,
        json!({"settings": {"attention": attention}}).to_string(),
    )
    .unwrap();
    data
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_kind_has_its_urgency_sound_and_timeout_and_presence_stays_quiet() {
    let Some(rec) = recorder() else { return };
    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let token = TokenFile::new(&backend.token_for("u1", HOUR));
    let app = Instance::headless("attention-kinds", &args(&backend, &token));
    assert!(accepted(&backend, 1).await, "{}", app.stderr());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let tag = "kinds-5c1";
    backend
        .push_to_user(
            "u1",
            "userOnline",
            json!({"userId": "u7", "name": format!("Online {tag}")}),
        )
        .await;
    backend.push_to_user("u1", "bookingUpdated", json!({"bookingId": format!("rq-{tag}"), "status": "pending", "title": format!("Request {tag}")})).await;
    backend.push_to_user("u1", "newMessage", json!({"id": format!("m-{tag}"), "conversationId": "c-kinds", "senderId": "u2", "senderName": format!("Ana {tag}"), "content": "hi"})).await;
    backend.push_to_user("u1", "bookingUpdated", json!({"bookingId": format!("ch-{tag}"), "status": "confirmed", "title": format!("Change {tag}")})).await;
    let got = popups(rec, tag, 3, &app).await;
    let by = |prefix: &str| {
        got.iter()
            .find(|r| r.summary.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} popup: {got:?}"))
    };
    let request = by("Request");
    assert_eq!(
        (request.urgency, request.expire_timeout),
        (Some(2), 0),
        "{request:?}"
    );
    assert_eq!(request.sound.as_deref(), Some("bell"));
    assert_eq!(request.category.as_deref(), Some("x-alora.booking-request"));
    let message = by("Ana");
    assert_eq!((message.urgency, message.expire_timeout), (Some(1), -1));
    assert_eq!(message.sound.as_deref(), Some("message-new-instant"));
    assert_eq!(message.category.as_deref(), Some("im.received"));
    let change = by("Change");
    assert_eq!((change.urgency, change.expire_timeout), (Some(1), -1));
    assert!(
        change.suppress_sound && change.sound.is_none(),
        "{change:?}"
    );
    // Only presence is transient (kept out of the server's history).
    assert!(!(request.transient || message.transient || change.transient));
    // The presence event came first, and the pipeline keeps the order.
    assert!(got.iter().all(|r| !r.summary.contains("Online")), "{got:?}");
    backend.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_request_comes_back_in_place_three_times_and_an_answer_ends_it() {
    let Some(rec) = recorder() else { return };
    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let token = TokenFile::new(&backend.token_for("u1", HOUR));
    // Re-alerts every 5 of these minutes: 0.5 s.
    let app = Instance::headless_with("attention-realert", &args(&backend, &token), |c| {
        c.env("ALORA_MINUTE_MS", "100");
    });
    assert!(accepted(&backend, 1).await, "{}", app.stderr());
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Only requests are titled "Request …": the echo of an answer is a
    // booking change, which replaces the request's popup in place.
    let push = |id: &str, status: &str| {
        let mut payload = json!({"bookingId": id, "status": status});
        if status == "pending" {
            payload["title"] = json!(format!("Request {id}"));
        }
        backend.push_to_user("u1", "bookingUpdated", payload)
    };
    // Left alone: shown, then again three times in place, then no more.
    push("rq-left-8a2", "pending").await;
    let left = popups(rec, "rq-left-8a2", 4, &app).await;
    let first = left[0].id;
    assert!(
        left[1..]
            .iter()
            .all(|r| r.replaces == first && r.urgency == Some(2)),
        "{left:?}"
    );
    // Answered with the popup's Accept after the first re-alert.
    push("rq-accept-8a2", "pending").await;
    let shown = popups(rec, "rq-accept-8a2", 2, &app).await;
    let rec2 = rec;
    let id = shown[0].id;
    tokio::task::spawn_blocking(move || rec2.invoke(id, "accept"))
        .await
        .unwrap();
    // Answered on another device (the server's echo) before any re-alert.
    push("rq-elsewhere-8a2", "pending").await;
    popups(rec, "rq-elsewhere-8a2", 1, &app).await;
    push("rq-elsewhere-8a2", "confirmed").await;
    // Ten intervals later: nothing more of any of them.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let count = |tag: &str| {
        rec.tagged(tag)
            .iter()
            .filter(|r| r.summary == format!("Request {tag}"))
            .count()
    };
    assert_eq!(count("rq-left-8a2"), 4, "{:?}", rec.tagged("rq-left-8a2"));
    let accepted_count = count("rq-accept-8a2");
    assert!(
        accepted_count <= 3,
        "re-alerted after the Accept: {:?}",
        rec.tagged("rq-accept-8a2")
    );
    let after = rec.tagged("rq-accept-8a2");
    let accepted_at = after
        .iter()
        .position(|r| r.summary.starts_with("Accepted"))
        .unwrap_or_else(|| panic!("{after:?}"));
    assert!(
        after[accepted_at..]
            .iter()
            .all(|r| !r.summary.starts_with("Request")),
        "{after:?}"
    );
    assert_eq!(
        count("rq-elsewhere-8a2"),
        1,
        "{:?}",
        rec.tagged("rq-elsewhere-8a2")
    );
    backend.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desktops_do_not_disturb_holds_popups_and_one_summary_follows() {
    let Some((rec, bus)) = private() else { return };
    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let token = TokenFile::new(&backend.token_for("u1", HOUR));
    let address = bus.address.clone();
    let app = Instance::headless_with("attention-inhibited", &args(&backend, &token), |c| {
        c.env("DBUS_SESSION_BUS_ADDRESS", &address);
    });
    assert!(accepted(&backend, 1).await, "{}", app.stderr());
    let rec = std::sync::Arc::new(rec);
    let r = rec.clone();
    tokio::task::spawn_blocking(move || r.set_inhibited(true))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    for i in 0..2 {
        backend
            .push_to_user(
                "u1",
                "newNotification",
                json!({"id": format!("dnd-n{i}"), "title": format!("Held {i}"), "message": "m"}),
            )
            .await;
    }
    backend.push_to_user("u1", "newMessage", json!({"id": "dnd-m1", "conversationId": "c-dnd", "senderId": "u2", "content": "while away"})).await;
    backend
        .push_to_user(
            "u1",
            "bookingUpdated",
            json!({"bookingId": "dnd-b1", "status": "pending"}),
        )
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        rec.all().is_empty(),
        "shown while inhibited: {:?}",
        rec.all()
    );
    let r = rec.clone();
    tokio::task::spawn_blocking(move || r.set_inhibited(false))
        .await
        .unwrap();
    let summary = eventually(Duration::from_secs(10), || rec.all().into_iter().next()).await;
    let summary = summary.unwrap_or_else(|| panic!("no summary\n{}", app.stderr()));
    assert_eq!(summary.summary, "While you were away");
    assert_eq!(
        summary.body,
        "1 booking request, 2 new notifications, 1 new message"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        rec.all().len(),
        1,
        "one summary, not a burst: {:?}",
        rec.all()
    );
    backend.shutdown().await;
    drop(bus);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_hours_hold_messages_and_let_requests_through_with_the_bypass() {
    let Some(rec) = recorder() else { return };
    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let token = TokenFile::new(&backend.token_for("u1", HOUR));
    // Quiet from an hour ago to an hour from now, local: across midnight
    // when run near it (the rules' own tests cover midnight exactly).
    let now = chrono::Local::now();
    let hhmm = |t: chrono::DateTime<chrono::Local>| t.format("%H:%M").to_string();
    let quiet = json!({"enabled": true, "from": hhmm(now - chrono::Duration::hours(1)), "to": hhmm(now + chrono::Duration::hours(1))});
    let data = settings(
        "attention-quiet-data",
        json!({"quietHours": quiet, "urgentBypass": true}),
    );
    let app = Instance::headless_with("attention-quiet", &args(&backend, &token), |c| {
        c.env("XDG_DATA_HOME", &data);
    });
    assert!(accepted(&backend, 1).await, "{}", app.stderr());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let tag = "quiet-3e9";
    backend.push_to_user("u1", "newMessage", json!({"id": format!("m-{tag}"), "conversationId": "c-quiet", "senderId": "u2", "senderName": format!("Quiet {tag}"), "content": "later"})).await;
    backend.push_to_user("u1", "bookingUpdated", json!({"bookingId": format!("b-{tag}"), "status": "pending", "title": format!("Request {tag}")})).await;
    let got = popups(rec, tag, 1, &app).await;
    assert_eq!(got[0].summary, format!("Request {tag}"));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        rec.tagged(tag).len(),
        1,
        "the message waits: {:?}",
        rec.tagged(tag)
    );
    backend.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_offline_alarm_waits_out_its_grace_and_goes_when_the_link_is_back() {
    let Some((rec, bus)) = private() else { return };
    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let (addr, secret) = (backend.local_addr(), backend.secret().to_vec());
    let token = TokenFile::new(&backend.token_for("u1", HOUR));
    let address = bus.address.clone();
    // The grace is 2 of these minutes: 12 s. The link's backoff is not
    // scaled with the minute and grows while no connection stays up for
    // its 10 s, so the flaps are few enough that its ceiling (4 s at the
    // fourth retry) stays well inside the grace.
    let app = Instance::headless_with("attention-offline", &args(&backend, &token), |c| {
        c.env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("ALORA_MINUTE_MS", "6000");
    });
    assert!(accepted(&backend, 1).await, "{}", app.stderr());
    let restart = || {
        Backend::start(BackendConfig {
            addr,
            secret: secret.clone(),
            ..BackendConfig::default()
        })
    };
    // Three brief restarts of the server: each inside the grace.
    backend.abort();
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let again = restart().await.unwrap();
        assert!(accepted(&again, 1).await, "no reconnect\n{}", app.stderr());
        again.abort();
    }
    // Down past the grace: one alarm, with Reconnect now.
    let alarm = eventually(Duration::from_secs(30), || rec.all().into_iter().next()).await;
    let alarm = alarm.unwrap_or_else(|| panic!("no alarm\n{}", app.stderr()));
    assert_eq!(alarm.summary, "Alora is offline");
    assert!(alarm.actions.contains(&"reconnect".to_owned()), "{alarm:?}");
    assert_eq!(alarm.urgency, Some(2));
    assert!(
        rec.closed().is_empty(),
        "a brief restart raised and withdrew an alarm: {:?}\n{}",
        rec.all(),
        app.stderr()
    );
    // The server is back; Reconnect now skips what is left of the backoff
    // (by now up to 16 s), and the alarm goes with the link's return.
    let back = restart().await.unwrap();
    let rec = std::sync::Arc::new(rec);
    let (clicker, id) = (rec.clone(), alarm.id);
    tokio::task::spawn_blocking(move || clicker.invoke(id, "reconnect"))
        .await
        .unwrap();
    assert!(accepted(&back, 1).await, "{}", app.stderr());
    let closed = eventually(Duration::from_secs(10), || {
        rec.closed().contains(&alarm.id).then_some(())
    })
    .await;
    assert!(
        closed.is_some(),
        "the alarm stayed: {:?}\n{}",
        rec.closed(),
        app.stderr()
    );
    assert_eq!(rec.all().len(), 1, "one alarm: {:?}", rec.all());
    back.shutdown().await;
    drop(bus);
}
