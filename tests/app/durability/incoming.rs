//! Incoming events through SIGKILL: stored before they pop up, caught up on
//! after a restart (the handshake's `since`), each popped once; and a corrupt
//! or unusable data folder, reported while the app keeps working.

use std::time::Duration;

use alora_backend::{Backend, BackendConfig, BackendEvent};
use serde_json::{json, Value};

use super::{args, Run, Sandbox, PATIENCE};
use crate::headless::HOUR;
use crate::recorder::recorder;
use crate::support::{eventually, sandbox, TokenFile};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incoming_events_survive_sigkill_and_the_restart_catches_up() {
    let Some(rec) = recorder() else { return };
    let dir = Sandbox(sandbox("durable-catchup"));
    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let mut feed = backend.subscribe();
    let token = backend.token_for("u1", HOUR);
    let url = backend.url();
    let run = Run::start_on_bus(&dir.0, "run1", &args(&url, &TokenFile::new(&token))).await;
    let tag = "durable-catchup-7e1";
    let note = |id: &str, at: chrono::DateTime<chrono::Utc>| json!({"id": id, "title": format!("{id} {tag}"), "message": "m", "createdAt": at.to_rfc3339()});
    let first = eventually(PATIENCE, || {
        (backend.handshakes().accepted >= 1).then_some(())
    })
    .await;
    assert!(first.is_some(), "{}", run.stderr());
    tokio::time::sleep(Duration::from_millis(500)).await; // registered
                                                          // Stamped a moment back, so the catch-up replays it too (and it is dropped).
    let n1 = note("n1", chrono::Utc::now() - chrono::Duration::seconds(1));
    backend.push_to_user("u1", "newNotification", n1).await;
    // Popped up, so stored: the history comes before the popup.
    let popped =
        |n: usize| eventually(PATIENCE, move || (rec.tagged(tag).len() >= n).then_some(()));
    assert!(popped(1).await.is_some(), "{}", run.stderr());
    run.kill9();
    for id in ["n2", "n3"] {
        let missed = note(id, chrono::Utc::now());
        backend.push_to_user("u1", "newNotification", missed).await;
    }
    let run = Run::start_on_bus(&dir.0, "run2", &args(&url, &TokenFile::new(&token))).await;
    assert!(
        popped(3).await.is_some(),
        "{:?}\n{}",
        rec.tagged(tag),
        run.stderr()
    );
    let mut since = None;
    while let Ok(event) = feed.try_recv() {
        if let BackendEvent::Accepted { auth, .. } = event {
            since = Some(auth["since"].clone());
        }
    }
    assert!(since.as_ref().is_some_and(Value::is_string), "{since:?}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut summaries: Vec<_> = rec.tagged(tag).into_iter().map(|r| r.summary).collect();
    summaries.sort();
    let want: Vec<_> = ["n1", "n2", "n3"].map(|id| format!("{id} {tag}")).to_vec();
    assert_eq!(
        summaries, want,
        "each popped once, the replayed n1 not again"
    );
    run.kill9();
    let (store, _) = alora_store::Database::open(&dir.0.join("data/com.alora.tray")).unwrap();
    let kept = store.history().unwrap().list(&Default::default()).unwrap();
    let ids: Vec<_> = kept.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        ["notification:n3", "notification:n2", "notification:n1"]
    );
    backend.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_storage_is_reported_and_the_app_keeps_working() {
    let dir = Sandbox(sandbox("durable-bad"));
    let data = dir.0.join("data/com.alora.tray");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("alora.db"), vec![0x5a_u8; 16384]).unwrap();
    let (url, token) = ("http://127.0.0.1:9", "t");
    let run = Run::start(&dir.0, "corrupt", &args(url, &TokenFile::new(token))).await;
    assert!(run.cli(&["status", "busy"]).contains("queued"));
    let log = run.stderr();
    assert!(log.contains("database was damaged"), "{log}");
    let names: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().any(|n| n.starts_with("alora.db.corrupt-")),
        "{names:?}"
    );
    run.kill9();

    let blocker = dir.0.join("not-a-folder");
    std::fs::write(&blocker, b"").unwrap();
    let run = Run::start_with(
        &dir.0,
        "unusable",
        &args(url, &TokenFile::new(token)),
        |c| {
            c.env("XDG_DATA_HOME", &blocker);
        },
    )
    .await;
    let d = run.cli(&[
        "send",
        "sendMessage",
        r#"{"conversationId":"c1","content":"hi"}"#,
    ]);
    assert!(d.contains("queued"), "{d}");
    let log = run.stderr();
    assert!(
        log.contains("in memory only") && log.contains("storage_unwritable"),
        "{log}"
    );
}
