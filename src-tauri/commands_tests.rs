//! Command tests on Tauri's mock runtime: the real commands, core and link
//! (not connected: no token), a recording notifier, settings, history and
//! outbox in memory (`storage_tests.rs` has them on disk).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

use alora_desktop::app::shell::{Shell, TrayView};
use alora_desktop::app::state::{Backends, Core};
use alora_desktop::error::AppResult;
use alora_desktop::events::UiEvent;
use alora_desktop::models::{NotifierStatus, Target};
use alora_desktop::notifications::notifier::{BoxFuture, Notifier, NotifyError};
use alora_desktop::notifications::popups::Popup;
use alora_desktop::settings::{MemoryBackend, Overrides};

#[derive(Default)]
struct Recorder(Mutex<Vec<Popup>>);

impl Notifier for Recorder {
    fn show(&self, popup: Popup) -> BoxFuture<'_, Result<(), NotifyError>> {
        self.0.lock().unwrap().push(popup);
        Box::pin(async { Ok(()) })
    }
    fn status(&self) -> NotifierStatus {
        NotifierStatus::Available
    }
}

struct Fixture {
    _app: tauri::App<tauri::test::MockRuntime>,
    window: WebviewWindow<tauri::test::MockRuntime>,
    popups: Arc<Recorder>,
}

/// A server that is never reached: with no token the link waits for one.
fn fixture() -> Fixture {
    fixture_with(Overrides {
        server_url: Some("http://127.0.0.1:9".into()),
        ..Overrides::default()
    })
}

fn fixture_with(overrides: Overrides) -> Fixture {
    fixture_stored(overrides, None)
}

/// With `stored` as the settings saved by an earlier run.
fn fixture_stored(overrides: Overrides, stored: Option<Value>) -> Fixture {
    let popups = Arc::new(Recorder::default());
    let parts = Backends {
        settings: Box::new(MemoryBackend(Mutex::new(stored))),
        vault: None,
        opener: Arc::new(alora_desktop::signin::XdgOpen),
        notifier: popups.clone(),
        overrides,
    };
    let started = Core::start_with(parts, alora_desktop::data::storage::Location::Memory);
    let (core, events) = tauri::async_runtime::block_on(started).unwrap();
    tauri::async_runtime::spawn(alora_desktop::pipeline::pump(core.clone(), events));
    let app = crate::builder(mock_builder())
        .build(mock_context(noop_assets()))
        .unwrap();
    app.manage(core);
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    Fixture {
        _app: app,
        window,
        popups,
    }
}

fn invoke(f: &Fixture, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(&f.window, request).map(|b| b.deserialize::<Value>().unwrap())
}

#[test]
fn get_snapshot_describes_the_app() {
    let f = fixture();
    let snap = invoke(&f, "get_snapshot", json!({})).unwrap();
    assert_eq!(snap["demo"], false);
    assert_eq!(snap["status"], "available");
    assert_eq!(snap["signedIn"], false);
    assert_eq!(snap["keyring"], "memoryOnly");
    assert_eq!(snap["notifier"], "available");
    assert_eq!(snap["unread"], 0);
    assert_eq!(snap["outbox"], json!({"pending": 0, "failed": 0}));
    assert!(snap["link"]["kind"].is_string(), "{snap}");
    assert!(snap["stats"]["eventsIn"].is_u64());
    assert_eq!(snap["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn update_settings_patches_and_returns_settings() {
    let f = fixture();
    let s = invoke(
        &f,
        "update_settings",
        json!({"patch": {"dnd": true, "popups": {"userOnline": true}}}),
    )
    .unwrap();
    assert_eq!(s["dnd"], true);
    assert_eq!(s["popups"]["userOnline"], true);
    assert_eq!(s["popups"]["newMessage"], true);
    assert_eq!(s["serverUrl"], "http://127.0.0.1:9");
    assert_eq!(invoke(&f, "get_settings", json!({})).unwrap(), s);
    let err = invoke(
        &f,
        "update_settings",
        json!({"patch": {"serverUrl": "ftp://nope"}}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_url");
    assert!(err["message"].as_str().unwrap().contains("ftp://nope"));
}

#[test]
fn emit_refuses_events_outside_the_protocol() {
    let f = fixture();
    let err = invoke(
        &f,
        "emit",
        json!({"event": "register", "payload": {"userId": "u1"}}),
    )
    .unwrap_err();
    assert_eq!(
        err,
        json!({"code": "unknown_event", "message": "unknown event \"register\""})
    );
    let err = invoke(
        &f,
        "emit",
        json!({"event": "bookingUpdate", "payload": {"bookingId": 5}}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    // A good one is queued while the link is down.
    let ok = invoke(
        &f,
        "emit",
        json!({"event": "bookingUpdate", "payload": {"bookingId": "b1", "status": "confirmed"}}),
    )
    .unwrap();
    assert_eq!(ok["event"], "bookingUpdate");
    assert_eq!(ok["outcome"]["kind"], "queued");
    let outbox = invoke(&f, "list_outbox", json!({})).unwrap();
    assert_eq!(outbox.as_array().unwrap().len(), 1);
}

#[test]
fn simulated_events_reach_history_and_popups() {
    let f = fixture();
    let n = json!({"id": "n1", "title": "Hi <b>", "message": "there"});
    invoke(
        &f,
        "simulate_incoming",
        json!({"event": "newNotification", "payload": n}),
    )
    .unwrap();
    invoke(
        &f,
        "simulate_incoming",
        json!({"event": "userTyping", "payload": {"userId": "u2", "isTyping": true}}),
    )
    .unwrap();
    let err = invoke(
        &f,
        "simulate_incoming",
        json!({"event": "nope", "payload": {}}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "unknown_event");
    let items = invoke(&f, "list_history", json!({"query": "hi"})).unwrap();
    assert_eq!(items.as_array().unwrap().len(), 1);
    assert_eq!(
        items[0]["target"],
        json!({"view": "notifications", "id": "n1"})
    );
    assert_eq!(invoke(&f, "get_snapshot", json!({})).unwrap()["unread"], 1);
    assert_eq!(
        invoke(&f, "mark_history_read", json!({"ids": []})).unwrap(),
        1
    );
    // The popup task runs on the async runtime: give it a moment.
    for _ in 0..50 {
        if !f.popups.0.lock().unwrap().is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let shown = f.popups.0.lock().unwrap().clone();
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!(shown[0].summary, "Hi <b>");
}

#[test]
fn simulate_incoming_is_for_the_demo_and_development_builds() {
    let real = fixture();
    let forged = |id: &str| json!({"id": id, "title": format!("Forged {id}"), "message": "m"});
    let stored = |f: &Fixture, id: &str| {
        let items = invoke(f, "list_history", json!({"query": format!("Forged {id}")})).unwrap();
        items.as_array().unwrap().len()
    };
    // The command, under this build's rule.
    let args = json!({"event": "newNotification", "payload": forged("f0")});
    let got = invoke(&real, "simulate_incoming", args);
    assert_eq!(got.is_ok(), cfg!(debug_assertions), "{got:?}");
    assert_eq!(stored(&real, "f0"), usize::from(cfg!(debug_assertions)));
    // A release build's rule: refused outside the demo, and nothing stored...
    let core = real.window.state::<Core>();
    let err = super::simulate(&core, "newNotification", forged("f1"), false).unwrap_err();
    assert_eq!(err.code(), "unavailable", "{err}");
    assert_eq!(stored(&real, "f1"), 0);
    // ...and the demo's own use of it still works.
    let demo = fixture_with(Overrides::default());
    let core = demo.window.state::<Core>();
    assert!(core.is_demo());
    super::simulate(&core, "newNotification", forged("f2"), false).unwrap();
    assert_eq!(stored(&demo, "f2"), 1);
}

#[test]
fn saving_a_server_on_another_host_forgets_the_token() {
    let saved = json!({"serverUrl": "http://127.0.0.1:9", "socketPath": "/socket/notification",
        "userId": null, "popups": {}, "dnd": false, "startAtLogin": false});
    let f = fixture_stored(Overrides::default(), Some(saved));
    let signed_in = |f: &Fixture| invoke(f, "get_snapshot", json!({})).unwrap()["signedIn"].clone();
    assert_eq!(
        invoke(&f, "get_snapshot", json!({})).unwrap()["demo"],
        false
    );
    invoke(&f, "sign_in", json!({"token": "header.claims.signature"})).unwrap();
    assert_eq!(signed_in(&f), true);
    // The same host, another port and path: the same server's token.
    // (Loopback addresses only: the link does try to connect.)
    let same = json!({"patch": {"serverUrl": "http://127.0.0.1:10/api"}});
    invoke(&f, "update_settings", same).unwrap();
    assert_eq!(signed_in(&f), true);
    // Another host must not get it.
    let other = json!({"patch": {"serverUrl": "http://127.0.0.2:9"}});
    invoke(&f, "update_settings", other).unwrap();
    assert_eq!(signed_in(&f), false);
}

#[test]
fn status_and_focus_commands() {
    let f = fixture();
    let d = invoke(&f, "update_status", json!({"status": "busy"})).unwrap();
    assert_eq!(d["event"], "updateStatus");
    assert_eq!(
        invoke(&f, "get_snapshot", json!({})).unwrap()["status"],
        "busy"
    );
    assert!(invoke(&f, "update_status", json!({"status": "sleepy"})).is_err());
    invoke(&f, "set_focus", json!({"conversationId": "c1"})).unwrap();
    invoke(&f, "set_focus", json!({"conversationId": null})).unwrap();
    let diag = invoke(&f, "get_diagnostics", json!({})).unwrap();
    assert_eq!(diag["keyring"], "memoryOnly");
    assert!(diag["stateHistory"].is_array());
}

/// A shell that only counts the restarts asked of it.
#[derive(Default)]
struct Relaunches(AtomicUsize);

impl Shell for Relaunches {
    fn emit(&self, _: &UiEvent) {}
    fn refresh(&self, _: &TrayView) {}
    fn open(&self, _: Option<Target>) -> AppResult<()> {
        Ok(())
    }
    fn quit(&self) {}
    fn relaunch(&self) -> AppResult<()> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[test]
fn leave_demo_restarts_once_a_server_is_saved() {
    // No server configured: the demo, on its embedded backend.
    let f = fixture_with(Overrides::default());
    assert_eq!(invoke(&f, "get_snapshot", json!({})).unwrap()["demo"], true);
    let relaunches = Arc::new(Relaunches::default());
    f.window.state::<Core>().set_shell(relaunches.clone());
    let err = invoke(&f, "leave_demo", json!({})).unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    assert!(
        err["message"].as_str().unwrap().contains("server URL"),
        "{err}"
    );
    assert_eq!(relaunches.0.load(Ordering::SeqCst), 0);

    let patch = json!({"patch": {"serverUrl": "http://127.0.0.1:9"}});
    invoke(&f, "update_settings", patch).unwrap();
    // This run stays the demo until the restart.
    assert_eq!(invoke(&f, "get_snapshot", json!({})).unwrap()["demo"], true);
    invoke(&f, "leave_demo", json!({})).unwrap();
    assert_eq!(relaunches.0.load(Ordering::SeqCst), 1);
}

#[test]
fn leave_demo_refuses_a_demo_that_was_asked_for_or_none() {
    let forced = fixture_with(Overrides {
        demo: true,
        server_url: Some("http://127.0.0.1:9".into()),
        ..Overrides::default()
    });
    let err = invoke(&forced, "leave_demo", json!({})).unwrap_err();
    assert!(err["message"].as_str().unwrap().contains("--demo"), "{err}");
    let real = fixture();
    let err = invoke(&real, "leave_demo", json!({})).unwrap_err();
    assert_eq!(
        err,
        json!({"code": "invalid_input", "message": "this is not the demo"})
    );
}

/// `commands.rs` defines them; `handler()` registers and build.rs permits
/// the ones of the table in `command_table.rs`; the capability grants each:
/// so a command missing from one fails here, not in the window at run time.
#[test]
fn every_command_is_registered_permitted_and_granted() {
    let source = include_str!("commands.rs");
    // `#[tauri::command]` and `#[tauri::command(rename_all = ...)]` alike.
    let mut defined: Vec<&str> = source
        .split("#[tauri::command")
        .skip(1)
        .filter_map(|rest| rest.split("fn ").nth(1)?.split('(').next())
        .map(str::trim)
        .collect();
    defined.sort_unstable();
    macro_rules! names {
        ($($kind:tt $name:ident ($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
            vec![$(stringify!($name)),*]
        };
    }
    let table: Vec<&str> = app_commands!(names);
    assert!(
        source.contains("app_commands!(registered)"),
        "handler() registers the table's commands"
    );
    let mut registered = table.clone();
    registered.sort_unstable();
    let build = include_str!("build.rs");
    assert!(
        build.contains("const COMMANDS: &[&str] = app_commands!(names);"),
        "build.rs permits the table's commands"
    );
    let mut permitted = table;
    permitted.sort_unstable();
    let capability: Value = serde_json::from_str(include_str!("capabilities/main.json")).unwrap();
    let mut granted: Vec<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();
    granted.sort_unstable();
    assert!(defined.len() > 20, "{defined:?}");
    assert_eq!(registered, defined, "handler() vs #[tauri::command]s");
    assert_eq!(
        permitted, defined,
        "build.rs COMMANDS vs #[tauri::command]s"
    );
    assert_eq!(
        granted, defined,
        "capabilities/main.json vs #[tauri::command]s"
    );
}
