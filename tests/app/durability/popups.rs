//! A popup's answers through the worst of it, with the real binary and the
//! recording notification server: Accept and a typed reply given while the
//! server is down, then SIGKILL before either was acknowledged, arrive once
//! after the restart; an Accept the disk cannot take (another process holds
//! the database) replaces the popup with the failure and a Retry that
//! sends it once.

use std::time::Duration;

use alora_backend::{Backend, BackendConfig};
use serde_json::{json, Value};

use super::{args, free_addr, Run, Sandbox, PATIENCE};
use crate::headless::{accepted, HOUR};
use crate::recorder::{recorder, Recorded, Recorder};
use crate::support::{eventually, sandbox, TokenFile};

fn received(backend: &Backend, event: &str, field: &str, value: &str) -> Vec<Value> {
    let all = backend.received().into_iter();
    all.filter(|r| r.event == event && r.payload[field] == value)
        .map(|r| r.payload)
        .collect()
}

async fn shown(rec: &Recorder, run: &Run, what: impl Fn(&Recorded) -> bool) -> Recorded {
    let found = eventually(PATIENCE, || rec.all().into_iter().find(|r| what(r))).await;
    found.unwrap_or_else(|| panic!("no such popup: {:?}\nlog:\n{}", rec.all(), run.stderr()))
}

async fn invoke(rec: &'static Recorder, id: u32, key: &'static str) {
    tokio::task::spawn_blocking(move || rec.invoke(id, key))
        .await
        .unwrap();
}

fn backend_at(addr: std::net::SocketAddr, secret: &[u8]) -> BackendConfig {
    BackendConfig {
        addr,
        secret: secret.to_vec(),
        ..BackendConfig::default()
    }
}

/// One test's sandbox, and a server's address, secret and a token for `u1`
/// on it, so that the server can be started again at the same place.
struct Place {
    dir: Sandbox,
    addr: std::net::SocketAddr,
    secret: Vec<u8>,
    token: TokenFile,
    url: String,
}

impl Place {
    fn new(name: &str) -> Place {
        let (addr, secret) = (free_addr(), alora_backend::random_secret());
        let token = TokenFile::new(&alora_backend::mint_token(&secret, "u1", HOUR));
        Place {
            dir: Sandbox(sandbox(name)),
            addr,
            secret,
            token,
            url: format!("http://{addr}"),
        }
    }

    async fn backend(&self) -> Backend {
        Backend::start(backend_at(self.addr, &self.secret))
            .await
            .unwrap()
    }

    fn args(&self) -> [&str; 6] {
        args(&self.url, &self.token)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_from_popups_while_offline_survive_sigkill_and_arrive_once() {
    let Some(rec) = recorder() else { return };
    let place = Place::new("popup-offline");
    let backend = place.backend().await;
    let run = Run::start_on_bus(&place.dir.0, "run1", &place.args()).await;
    assert!(accepted(&backend, 1).await, "log:\n{}", run.stderr());

    let booking = "b-offline-6d0";
    let request = json!({"bookingId": booking, "status": "pending", "title": "Request pop-off-6d0", "clientName": "Ana Lopez"});
    backend.push_to_user("u1", "bookingUpdated", request).await;
    let message = json!({"id": "m-off-1", "conversationId": "c-off-6d0", "senderId": "u2", "senderName": "Maya Chen", "content": "Coming? pop-off-msg"});
    backend.push_to_user("u1", "newMessage", message).await;
    let request = shown(rec, &run, |r| {
        r.summary.contains("pop-off-6d0") || r.body.contains("pop-off-6d0")
    })
    .await;
    let message = shown(rec, &run, |r| r.body.contains("pop-off-msg")).await;
    backend.shutdown().await;

    // Both answered from their popups with nothing to send them to.
    invoke(rec, request.id, "accept").await;
    shown(rec, &run, |r| {
        r.replaces == request.id && r.summary.starts_with("Accepted")
    })
    .await;
    let reply_id = message.id;
    tokio::task::spawn_blocking(move || rec.reply(reply_id, "On my way pop-off-reply"))
        .await
        .unwrap();
    // The reply is stored before the popup goes: withdrawn means queued.
    let withdrawn = eventually(PATIENCE, || {
        rec.closed().contains(&message.id).then_some(())
    })
    .await;
    assert!(
        withdrawn.is_some(),
        "the reply was not taken; log:\n{}",
        run.stderr()
    );
    run.kill9();

    let backend = place.backend().await;
    let run = Run::start(&place.dir.0, "run2", &place.args()).await;
    run.cli(&["reconnect"]); // skips the backoff wait; not needed for the outcome
    let arrived = eventually(PATIENCE, || {
        let answers = received(&backend, "bookingUpdate", "bookingId", booking);
        (!answers.is_empty() && !backend.messages().is_empty()).then_some(answers)
    })
    .await
    .unwrap_or_else(|| panic!("not delivered after the restart; log:\n{}", run.stderr()));
    assert_eq!(arrived[0]["status"], "confirmed");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        received(&backend, "bookingUpdate", "bookingId", booking).len(),
        1,
        "answered twice"
    );
    let stored = backend.messages();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0]["content"], "On my way pop-off-reply");
    assert!(stored[0]["clientId"]
        .as_str()
        .is_some_and(|c| !c.is_empty()));
    backend.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_the_disk_refuses_says_so_and_retry_sends_it_once() {
    let Some(rec) = recorder() else { return };
    let place = Place::new("popup-refused");
    let backend = place.backend().await;
    let run = Run::start_on_bus(&place.dir.0, "run1", &place.args()).await;
    assert!(accepted(&backend, 1).await, "log:\n{}", run.stderr());

    let booking = "b-refused-0c9";
    let request = json!({"bookingId": booking, "status": "pending", "title": "Request pop-ref-0c9", "clientName": "Ana Lopez"});
    backend.push_to_user("u1", "bookingUpdated", request).await;
    let request = shown(rec, &run, |r| {
        r.summary.contains("pop-ref-0c9") || r.body.contains("pop-ref-0c9")
    })
    .await;

    // Another process holds the database (as root in CI, permissions would
    // not stop the app; a lock does): the answer cannot be queued.
    let db = place.dir.0.join("data/com.alora.tray/alora.db");
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    invoke(rec, request.id, "accept").await;
    let failed = shown(rec, &run, |r| {
        r.replaces == request.id && r.summary.starts_with("Not accepted")
    })
    .await;
    assert!(failed.body.contains("Retry"), "{failed:?}");
    assert_eq!(failed.actions, ["default", "Open", "retry-accept", "Retry"]);
    assert!(received(&backend, "bookingUpdate", "bookingId", booking).is_empty());

    holder.execute_batch("COMMIT").unwrap();
    drop(holder);
    invoke(rec, failed.id, "retry-accept").await;
    let done = shown(rec, &run, |r| {
        r.replaces == failed.id && r.summary.starts_with("Accepted")
    })
    .await;
    assert_eq!(done.summary, format!("Accepted · {}", request.body));
    let answers = eventually(PATIENCE, || {
        let got = received(&backend, "bookingUpdate", "bookingId", booking);
        (!got.is_empty()).then_some(got)
    })
    .await
    .unwrap_or_else(|| panic!("no bookingUpdate after Retry; log:\n{}", run.stderr()));
    assert_eq!(answers[0]["status"], "confirmed");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        received(&backend, "bookingUpdate", "bookingId", booking).len(),
        1
    );
    backend.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snoozed_popup_comes_back_when_its_time_comes_also_after_sigkill() {
    let Some(rec) = recorder() else { return };
    let place = Place::new("popup-snooze");
    let backend = place.backend().await;
    // One of the app's minutes is 400 ms here: "Snooze 10 min" is 4 s.
    let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").unwrap_or_default();
    let on_bus = |c: &mut std::process::Command| {
        c.env("DBUS_SESSION_BUS_ADDRESS", &bus)
            .env("ALORA_MINUTE_MS", "400");
    };
    let run = Run::start_with(&place.dir.0, "run1", &place.args(), on_bus).await;
    assert!(accepted(&backend, 1).await, "log:\n{}", run.stderr());

    let tag = "pop-snz-5e2";
    let note = json!({"id": "n-snz-5e2", "title": format!("Invoice {tag}"), "message": "March, Lea Novak"});
    backend.push_to_user("u1", "newNotification", note).await;
    let first = shown(rec, &run, |r| r.summary.contains(tag)).await;
    assert!(
        first.actions.contains(&"snooze-10m".to_owned()),
        "{first:?}"
    );
    let snoozed_at = std::time::Instant::now();
    invoke(rec, first.id, "snooze-10m").await;
    // Withdrawn means stored: killed at once, it still comes back.
    let gone = eventually(PATIENCE, || rec.closed().contains(&first.id).then_some(())).await;
    assert!(gone.is_some(), "not withdrawn; log:\n{}", run.stderr());
    run.kill9();

    let run = Run::start_with(&place.dir.0, "run2", &place.args(), on_bus).await;
    let back = eventually(PATIENCE, || {
        let all = rec.tagged(tag);
        (all.len() >= 2).then(|| all[1].clone())
    })
    .await
    .unwrap_or_else(|| {
        panic!(
            "the snooze never ended: {:?}\nlog:\n{}",
            rec.tagged(tag),
            run.stderr()
        )
    });
    // Never before its time (a lower bound: a busy machine only delays it).
    assert!(
        snoozed_at.elapsed() >= Duration::from_millis(3_900),
        "back after {:?}",
        snoozed_at.elapsed()
    );
    assert_eq!((&back.summary, &back.body), (&first.summary, &first.body));
    assert!(back.actions.contains(&"mark-read".to_owned()), "{back:?}");
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(rec.tagged(tag).len(), 2, "once: {:?}", rec.tagged(tag));
    backend.shutdown().await;
}
