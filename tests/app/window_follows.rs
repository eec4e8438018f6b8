//! The real GUI app (webview through `tauri-driver` + `WebKitWebDriver`)
//! while its popups' buttons are pressed over D-Bus, as the notification
//! server does when a user clicks: with the server gone (no echo to lean
//! on), the open window shows the popup's Accept as the booking's pending
//! answer and its typed reply in the conversation; a message popup's body
//! opens that conversation with the composer focused.

use std::time::Duration;

use alora_backend::{Backend, BackendConfig};
use serde_json::{json, Value};

use crate::headless::{accepted, args, HOUR};
use crate::recorder::{recorder, Recorded, Recorder};
use crate::support::{eventually, skip, TokenFile, DISPLAY};
use crate::webdriver::{available, GuiApp};

/// Polls the page until `CHECK` (an expression) is truthy; answers
/// `{ok: value}`, or `{error, text}` with the page's text after 20 s (the driver gives up on a script at 30).
/// `BEFORE` runs once first (a click).
const POLL: &str = r#"
const done = arguments[arguments.length - 1];
(async () => {
  const tab = (name) => [...document.querySelectorAll('[role=tab]')].find((t) => t.textContent.includes(name));
  BEFORE;
  const until = Date.now() + 20000;
  while (Date.now() < until) {
    const value = CHECK;
    if (value) return done({ ok: value });
    await new Promise((r) => setTimeout(r, 100));
  }
  done({ error: "not seen", text: document.body.innerText.slice(0, 3000) });
})().catch((e) => done({ error: String(e) }));
"#;

fn poll(app: &GuiApp, before: &str, check: &str) -> Value {
    let script = POLL.replace("BEFORE", before).replace("CHECK", check);
    let got = app.execute_async(&script, Duration::from_secs(40));
    let got = got.unwrap_or_else(|e| panic!("script failed: {e}\n{}", app.log()));
    if got.get("ok").is_none() {
        let log = app.log();
        let tail = &log[log.len().saturating_sub(4000)..];
        panic!("{check}: {got}\nlog:\n{tail}");
    }
    got["ok"].clone()
}

async fn popup(rec: &Recorder, tag: &str) -> Recorded {
    let found = eventually(Duration::from_secs(20), || {
        rec.tagged(tag).into_iter().next()
    })
    .await;
    found.unwrap_or_else(|| panic!("no popup for {tag}: {:?}", rec.all()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_open_window_shows_what_a_popups_buttons_did() {
    if let Err(why) = available() {
        skip(&why);
        return;
    }
    let Some(rec) = recorder() else { return };
    let _display = DISPLAY.lock().await;
    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let token = TokenFile::new(&backend.token_for("u1", HOUR));
    let app = GuiApp::start("window-follows", &args(&backend, &token));
    assert!(accepted(&backend, 1).await, "no handshake:\n{}", app.log());

    let booking = "b-win-4a1";
    let request = json!({"bookingId": booking, "status": "pending", "title": "Request pop-win-req", "clientName": "Ana Lopez"});
    backend.push_to_user("u1", "bookingUpdated", request).await;
    for (id, conversation, tag) in [
        ("m-w1", "c-win-1", "pop-win-m1"),
        ("m-w2", "c-win-2", "pop-win-m2"),
    ] {
        let m = json!({"id": id, "conversationId": conversation, "senderId": "u2", "senderName": "Maya Chen", "content": format!("Hello {tag}")});
        backend.push_to_user("u1", "newMessage", m).await;
    }
    let request = popup(rec, "pop-win-req").await;
    let first = popup(rec, "pop-win-m1").await;
    let second = popup(rec, "pop-win-m2").await;
    backend.shutdown().await;

    let (r, f) = (request.id, first.id);
    tokio::task::spawn_blocking(move || {
        rec.invoke(r, "accept");
        rec.reply(f, "On my way pop-win-reply");
    })
    .await
    .unwrap();
    let pending = poll(
        &app,
        r#"tab("Bookings").click()"#,
        &format!(
            r#"document.querySelector('[data-item-id="{booking}"] [data-testid=booking-pending]')?.textContent"#
        ),
    );
    assert!(
        pending.as_str().is_some_and(|p| p.contains("Confirmed")),
        "{pending}"
    );

    // The second message's body: its conversation, ready to type.
    let s = second.id;
    tokio::task::spawn_blocking(move || rec.invoke(s, "default"))
        .await
        .unwrap();
    let focused = poll(
        &app,
        "",
        r#"document.querySelector('[data-conversation-id="c-win-2"]') && document.activeElement?.getAttribute("placeholder")"#,
    );
    assert_eq!(focused, "Write a message");

    // The reply, in its own conversation, waiting for the server.
    let reply = poll(
        &app,
        r#"document.querySelector('[aria-label="Back to conversations"]')?.click();
  await new Promise((r) => setTimeout(r, 200));
  [...document.querySelectorAll('[data-testid=conversation]')].find((c) => c.textContent.includes("pop-win-reply"))?.click()"#,
        r#"[...document.querySelectorAll('[data-testid=message].own')].map((m) => m.textContent).find((t) => t.includes("pop-win-reply"))"#,
    );
    assert!(
        reply.as_str().is_some_and(|t| t.contains("Pending")),
        "{reply}"
    );
}
