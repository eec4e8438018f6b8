//! The data on disk through the core: opening a folder, a corrupt file or an
//! unusable folder; history, outbox, joins and the catch-up cursor across a
//! restart; a burst stored in one go before its popups are decided.

use std::time::Duration;

use alora_link::{Incoming, LinkEvent};
use chrono::Utc;
use serde_json::{json, Value};

use super::*;
use crate::app::recording::{core_at, Seen};
use crate::events::UiEvent;
use crate::models::HistoryQuery;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("alora-storage-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The popup tasks run on the runtime: wait (generously) for `n`.
async fn popups(seen: &Seen, n: usize) -> usize {
    for _ in 0..250 {
        if seen.popups.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    seen.popups.lock().unwrap().len()
}

fn notification(id: &str, at: &str) -> Value {
    json!({"id": id, "title": format!("Note {id}"), "message": "m", "createdAt": at})
}

#[test]
fn a_folder_gives_a_file_and_demo_or_memory_give_none() {
    let dir = scratch("ok");
    let opened = open(Location::Dir(dir.join("data")), false, Retention::default()).unwrap();
    assert_eq!(
        opened.file,
        Some(dir.join("data").join(alora_store::FILE_NAME))
    );
    assert!(opened.problems.is_empty());
    let demo = open(Location::Default, true, Retention::default()).unwrap();
    assert_eq!((demo.file, demo.problems.len()), (None, 0));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_corrupt_file_is_moved_aside_and_the_user_told() {
    let dir = scratch("corrupt");
    std::fs::write(dir.join(alora_store::FILE_NAME), vec![0x5a_u8; 8192]).unwrap();
    let opened = open(Location::Dir(dir.clone()), false, Retention::default()).unwrap();
    assert!(opened.file.is_some());
    assert_eq!(opened.problems.len(), 1);
    assert_eq!(opened.problems[0].code, "storage_corrupt");
    assert!(opened.problems[0].message.contains("alora.db.corrupt-"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_folder_is_told_once_and_memory_takes_over() {
    let dir = scratch("file");
    let file = dir.join("not-a-folder");
    std::fs::write(&file, b"").unwrap();
    let (core, seen) = core_at(Location::Dir(file)).await;
    core.tell_startup_problems();
    core.tell_startup_problems();
    let problems: Vec<_> = seen
        .events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            UiEvent::Problem(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].code, "storage_unwritable");
    assert!(problems[0].message.contains("in memory only"));
    let d = core.send_message("c1".into(), "hi".into(), None).await;
    assert_eq!(d.unwrap().outcome, alora_link::Outcome::Queued);
    core.simulate_incoming(
        "newNotification",
        notification("n1", "2026-03-01T10:00:00Z"),
    )
    .unwrap();
    assert_eq!(core.list_history(&HistoryQuery::default()).len(), 1);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_outbox_joins_and_cursor_outlive_a_restart() {
    let dir = scratch("restart");
    let client_id = {
        let (core, seen) = core_at(Location::Dir(dir.clone())).await;
        let n1 = notification("n1", "2026-03-01T10:00:00Z");
        core.simulate_incoming("newNotification", n1).unwrap();
        assert_eq!(popups(&seen, 1).await, 1);
        let d = core.send_message("c1".into(), "hello".into(), None).await;
        core.join_conversation("c9".into()).await.unwrap();
        d.unwrap().client_id.unwrap()
    };
    // A second start on the same folder, as after a crash.
    let (core, seen) = core_at(Location::Dir(dir.clone())).await;
    assert_eq!(core.list_history(&HistoryQuery::default()).len(), 1);
    assert_eq!(core.snapshot().unread, 1);
    let again = notification("n1", "2026-03-01T10:00:00Z");
    core.simulate_incoming("newNotification", again).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        seen.popups.lock().unwrap().len(),
        0,
        "re-delivered: no popup"
    );
    let outbox = core.list_outbox().await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(
        outbox[0].outgoing.payload()["clientId"],
        client_id.as_str(),
        "the same clientId for the re-send"
    );
    assert_eq!(core.snapshot().outbox.pending, 1);
    assert_eq!(core.link().joined_conversations().await.unwrap(), ["c9"]);
    let since = core.link_config().since.map(|t| t.to_rfc3339());
    assert_eq!(since.as_deref(), Some("2026-03-01T10:00:00+00:00"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_is_stored_in_one_go_and_each_id_pops_once() {
    let dir = scratch("burst");
    let (core, seen) = core_at(Location::Dir(dir.clone())).await;
    let decode = |event: &str, payload: Value| {
        let incoming = Incoming::decode(event, &[payload], Utc::now());
        LinkEvent::Incoming(incoming.unwrap().unwrap())
    };
    let burst = vec![
        decode(
            "newNotification",
            notification("b1", "2026-03-01T10:00:01Z"),
        ),
        decode("userTyping", json!({"userId": "u2", "isTyping": true})),
        decode(
            "newNotification",
            notification("b1", "2026-03-01T10:00:01Z"),
        ),
        decode(
            "newNotification",
            notification("b2", "2026-03-01T10:00:02Z"),
        ),
    ];
    crate::pipeline::Pipeline::new(core.clone()).on_link_events(burst);
    let ids: Vec<_> = core
        .list_history(&HistoryQuery::default())
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(ids, ["notification:b2", "notification:b1"]);
    assert_eq!(popups(&seen, 2).await, 2, "b1 once, b2 once");
    let added = seen
        .events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| matches!(e, UiEvent::HistoryAdded(_)))
        .count();
    assert_eq!(added, 2);
    let cursor = core.link_config().since.map(|t| t.to_rfc3339());
    assert_eq!(cursor.as_deref(), Some("2026-03-01T10:00:02+00:00"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_told_once_and_events_still_reach_the_user() {
    let dir = scratch("full");
    let (core, seen) = core_at(Location::Dir(dir.clone())).await;
    let cap = core.inbox().limit_pages(1).unwrap();
    let big = "x".repeat(3000);
    let n = 40;
    for i in 0..n {
        let payload = json!({"id": format!("f{i}"), "title": "Full", "message": big});
        core.simulate_incoming("newNotification", payload).unwrap();
    }
    let kept = core.list_history(&HistoryQuery::default()).len();
    assert!(kept < n, "the cap ({cap} pages) stopped some: {kept}");
    let events = seen.events.lock().unwrap().clone();
    let problems: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            UiEvent::Problem(p) => Some(p.code.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(problems, ["storage_full"], "told once");
    let added = events
        .iter()
        .filter(|e| matches!(e, UiEvent::HistoryAdded(_)))
        .count();
    assert_eq!(added, n, "each shown, stored or not");
    assert!(popups(&seen, 3).await >= 3);
    // Space again: new events are kept again.
    core.inbox().limit_pages(1_000_000).unwrap();
    let after = json!({"id": "after", "title": "Room again", "message": "m"});
    core.simulate_incoming("newNotification", after).unwrap();
    let q = HistoryQuery {
        query: Some("room again".into()),
        ..HistoryQuery::default()
    };
    assert_eq!(core.list_history(&q).len(), 1);
    let _ = std::fs::remove_dir_all(dir);
}

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).unwrap().mode() & 0o777
}

#[test]
fn the_data_folder_is_private_and_its_database_files_too() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = scratch("private");
    // As a umask of 022 (or an older version) left them: open to all.
    let old = scratch.join("old");
    std::fs::create_dir(&old).unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o755)).unwrap();
    let db = old.join(alora_store::FILE_NAME);
    std::fs::write(&db, b"").unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let fresh = scratch.join("fresh");
    for dir in [old, fresh] {
        let opened = open(Location::Dir(dir.clone()), false, Retention::default()).unwrap();
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
        let db = opened.file.clone().unwrap();
        let side = |s: &str| PathBuf::from(format!("{}{s}", db.display()));
        // Its connections are open: the WAL and its index exist.
        assert!(side("-wal").exists() && side("-shm").exists());
        for file in [db.clone(), side("-wal"), side("-shm")] {
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
    }
    let _ = std::fs::remove_dir_all(scratch);
}
