//! The window's Accept for a booking request, through the core while the
//! link is down: queued, and the request stops waiting at once (its popup
//! goes, its re-alert is forgotten, it is read); a plain booking's status
//! change leaves popups and history alone.

use serde_json::json;

use crate::app::recording::{arrived, core};
use crate::models::{HistoryQuery, Target, View};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_windows_accept_ends_the_requests_waiting_before_any_echo() {
    let (core, seen) = core().await;
    arrived(
        &core,
        "bookingUpdated",
        json!({"bookingId": "b9", "status": "pending", "title": "New booking request"}),
    )
    .await;
    let request = Target::new(View::Bookings, Some("b9".into()));
    assert!(core.reminders().is_waiting(&request), "a re-alert is due");

    let queued = core.update_booking("b9".into(), "confirmed".into()).await;
    assert!(queued.is_ok(), "{queued:?}");
    assert!(!core.reminders().is_waiting(&request));
    assert!(!core.is_waiting(&request));
    assert_eq!(*seen.withdrawn.lock().unwrap(), vec![request.clone()]);
    let unread = HistoryQuery {
        unread_only: true,
        ..HistoryQuery::default()
    };
    assert!(core.list_history(&unread).is_empty());

    // Completing a booking that is no request: nothing to withdraw.
    arrived(
        &core,
        "bookingUpdated",
        json!({"bookingId": "b10", "status": "confirmed", "title": "Booking confirmed"}),
    )
    .await;
    core.update_booking("b10".into(), "completed".into())
        .await
        .unwrap();
    assert_eq!(seen.withdrawn.lock().unwrap().len(), 1);
    assert_eq!(core.list_history(&unread).len(), 1);
}
