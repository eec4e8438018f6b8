//! The real GUI app (window, webview, tray) while a flood of events comes in
//! and the UI marks the history read over and over: the pipeline thread
//! updates the tray for each batch (the unread count changes), and the sync
//! command `mark_history_read`, run by the UI, updates it too. The app
//! must keep answering: the UI's calls, a forwarded subcommand, Quit.

use std::time::Duration;

use alora_backend::{Backend, BackendConfig};
use serde_json::json;

use crate::headless::{accepted, args, HOUR};
use crate::webdriver::{available, cli_within, GuiApp};

/// Events pushed, in steps of `STEP` every `PACE`, while the page calls
/// `mark_history_read` back to back for as long (`MARKING_MS`): thousands of
/// tray updates from each side, so that, were one to hold a lock while it
/// waits on the main thread, a command on the main thread would meet it.
const FLOOD: usize = 6000;
const STEP: usize = 25;
const PACE: Duration = Duration::from_millis(40);
const MARKING_MS: u64 = 10_000;

const MARK_LOOP: &str = r#"
const done = arguments[arguments.length - 1];
const invoke = window.__TAURI_INTERNALS__.invoke;
(async () => {
  let calls = 0, marked = 0;
  const until = Date.now() + MARKING_MS;
  while (Date.now() < until) {
    marked += await invoke("mark_history_read", { ids: [] });
    calls++;
  }
  done({ calls, marked });
})().catch((e) => done({ error: String(e) }));
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ui_marking_read_during_a_flood_does_not_freeze_the_app() {
    if let Err(why) = available() {
        crate::support::skip(&why);
        return;
    }
    // The recorder owns the notification server's name before the app's
    // first popup, or the bus would start a notification daemon for it.
    let Some(_rec) = crate::recorder::recorder() else {
        return;
    };
    let _display = crate::support::DISPLAY.lock().await;
    let backend = Backend::start(BackendConfig {
        max_buffer_size: FLOOD * 2,
        ..BackendConfig::default()
    })
    .await
    .unwrap();
    let token = backend.token_for("u1", HOUR);
    let token_file = crate::support::TokenFile::new(&token);
    let app = std::sync::Arc::new(GuiApp::start("freeze", &args(&backend, &token_file)));
    assert!(accepted(&backend, 1).await, "no handshake:\n{}", app.log());
    tokio::time::sleep(Duration::from_millis(500)).await;

    let page = app.clone();
    let marking = std::thread::spawn(move || {
        let script = MARK_LOOP.replace("MARKING_MS", &MARKING_MS.to_string());
        page.execute_async(&script, Duration::from_secs(60))
    });
    for i in 0..FLOOD {
        let n = json!({"id": format!("f{i}"), "title": format!("Flood {i}"), "message": "m"});
        backend.push_to_user("u1", "newNotification", n).await;
        if i % STEP == STEP - 1 {
            tokio::time::sleep(PACE).await;
        }
    }
    let marked = tokio::task::spawn_blocking(move || marking.join().unwrap())
        .await
        .unwrap();
    eprintln!("the page's mark_history_read calls: {marked:?}");

    // A forwarded subcommand goes through the core and the tray (the status check).
    let dir = app.dir.clone();
    let status = tokio::task::spawn_blocking(move || {
        cli_within(&dir, &["status", "busy"], Duration::from_secs(40))
    })
    .await
    .unwrap();
    let answered = status.as_ref().is_some_and(|o| o.status.success());
    assert!(
        answered && marked.is_ok(),
        "the app stopped answering: the UI's calls gave {marked:?}, `status busy` gave {:?}\n{}",
        status.map(|o| String::from_utf8_lossy(&o.stderr).into_owned()),
        tail(&app.log())
    );
    // The calls met the flood (they marked what it brought), or this proved nothing.
    let marked = marked.unwrap_or_default();
    assert!(marked["marked"].as_u64() > Some(0), "{marked}");
    let got = crate::support::eventually(Duration::from_secs(10), || {
        backend
            .received()
            .into_iter()
            .find(|r| r.event == "updateStatus")
    })
    .await;
    assert_eq!(got.map(|r| r.payload), Some(json!({"status": "busy"})));

    let dir = app.dir.clone();
    let quit =
        tokio::task::spawn_blocking(move || cli_within(&dir, &["quit"], Duration::from_secs(40)))
            .await
            .unwrap();
    assert!(
        quit.is_some_and(|o| o.status.success()),
        "{}",
        tail(&app.log())
    );
    let socket = app.socket();
    let gone =
        crate::support::eventually(Duration::from_secs(20), || (!socket.exists()).then_some(()))
            .await;
    assert!(
        gone.is_some(),
        "Quit did not end the app\n{}",
        tail(&app.log())
    );
    backend.shutdown().await;
}

fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}
