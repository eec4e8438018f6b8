//! Snoozing from the window through the core: the popup goes, the snooze is
//! listed and told to the window, a refused length or a read item says why,
//! and reading the item ends its snooze.

use std::time::Duration;

use chrono::Utc;
use serde_json::json;

use crate::app::recording::{arrived, core, Seen};
use crate::error::AppError;
use crate::events::UiEvent;
use crate::models::{Target, View};

fn told(seen: &Seen) -> Vec<Vec<crate::models::Snoozed>> {
    let events = seen.events.lock().unwrap();
    (events.iter())
        .filter_map(|e| match e {
            UiEvent::Snoozed(list) => Some(list.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_snoozed_in_the_window_goes_and_is_listed_until_read() {
    let (core, seen) = core().await;
    let id = arrived(
        &core,
        "newMessage",
        json!({"id": "m1", "conversationId": "c1", "senderId": "u2", "senderName": "Maya", "content": "hi"}),
    )
    .await;
    let conversation = Target::new(View::Messages, Some("c1".into()));

    let before = Utc::now();
    let list = core.snooze_history(&id, 10).await.unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].target, conversation);
    let away = list[0].until - before;
    assert!(
        away >= chrono::Duration::minutes(10) && away < chrono::Duration::minutes(11),
        "{away}"
    );
    assert_eq!(*seen.withdrawn.lock().unwrap(), vec![conversation.clone()]);
    assert_eq!(told(&seen), vec![list.clone()]);
    assert_eq!(core.snoozed(), list);

    // Only the lengths the popups offer.
    let refused = core.snooze_history(&id, 15).await.unwrap_err();
    assert!(matches!(refused, AppError::InvalidInput(_)), "{refused:?}");
    let unknown = core.snooze_history("nope", 10).await.unwrap_err();
    assert!(matches!(unknown, AppError::InvalidInput(_)), "{unknown:?}");

    // Read in the window: nothing comes back, and the window is told.
    assert_eq!(core.mark_history_read(std::slice::from_ref(&id)), 1);
    assert!(core.snoozed().is_empty());
    assert_eq!(told(&seen).last(), Some(&Vec::new()));
    let read = core.snooze_history(&id, 60).await.unwrap_err();
    assert!(matches!(read, AppError::InvalidInput(_)), "{read:?}");
    tokio::time::sleep(Duration::from_millis(10)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snoozed_booking_request_comes_back_with_accept_and_decline() {
    let (core, _seen) = core().await;
    let id = arrived(
        &core,
        "bookingUpdated",
        json!({"bookingId": "b9", "status": "pending", "title": "New booking request"}),
    )
    .await;
    core.snooze_history(&id, 60).await.unwrap();
    let reminders = core.reminders();
    let back = reminders.snoozed();
    assert_eq!(back.len(), 1);
    drop(reminders);
    let due = Utc::now() + chrono::Duration::minutes(61);
    let fired = core.reminders().take_due(due);
    let keys: Vec<&str> = fired[0].actions.iter().map(String::as_str).collect();
    assert_eq!(keys, ["accept", "decline"], "{fired:?}");
}
