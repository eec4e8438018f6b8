use chrono::Duration;

use super::*;
use crate::attention::fake::FakeClock;
use crate::attention::utc_now;
use crate::models::View;

fn request(id: &str) -> Popup {
    Popup {
        kind: PopupKind::BookingRequest,
        summary: format!("Request {id}"),
        body: "Massage, Ana".into(),
        category: "x-alora.booking-request",
        target: Target::new(View::Bookings, Some(id.into())),
        actions: vec![PopupAction::Accept, PopupAction::Decline],
        loudness: Loudness::ALARM,
    }
}

fn due(now: DateTime<Utc>) -> Due {
    Due {
        now,
        every: Duration::minutes(5),
        realert_on: true,
        quiet: None,
        bypass: false,
    }
}

/// Runs what is due at `now` as the pipeline does; the popups shown.
fn tick(r: &mut Reminders, d: &Due, open: bool) -> Vec<(Popup, Why)> {
    let mut shown = Vec::new();
    for reminder in r.take_due(d.now) {
        let (fired, again) = fire(reminder, open, d, Loudness::ALARM);
        if let Fired::Show(p, why) = fired {
            shown.push((p, why));
        }
        if let Some(again) = again {
            r.put_back(again);
        }
    }
    shown
}

#[test]
fn an_unanswered_request_comes_back_three_times_then_stays_quiet() {
    let clock = FakeClock::at(10, 0);
    let mut r = Reminders::default();
    let t0 = utc_now(&clock);
    r.realert_later(&request("b1"), t0 + Duration::minutes(5));
    r.realert_later(&request("b1"), t0 + Duration::minutes(1));
    assert_eq!(
        r.next_due(),
        Some(t0 + Duration::minutes(5)),
        "a re-delivery keeps the schedule"
    );
    assert!(tick(&mut r, &due(t0 + Duration::minutes(4)), true).is_empty());
    let mut whys = Vec::new();
    for step in 1..=6 {
        let shown = tick(&mut r, &due(t0 + Duration::minutes(5 * step)), true);
        whys.extend(shown.into_iter().map(|(p, why)| {
            assert_eq!(p.actions, [PopupAction::Accept, PopupAction::Decline]);
            assert_eq!(p.target, request("b1").target);
            why
        }));
    }
    assert_eq!(whys, [Why::Realert; 3]);
    assert_eq!(r.next_due(), None);
}

#[test]
fn an_answer_ends_it_and_quiet_time_holds_it_uncounted() {
    let t0 = utc_now(&FakeClock::at(10, 0));
    let mut r = Reminders::default();
    r.realert_later(&request("b1"), t0);
    r.realert_later(&request("b2"), t0);
    assert!(r.forget(&request("b2").target));
    let quiet = Due {
        quiet: Some(Why::QuietHours),
        ..due(t0)
    };
    assert!(tick(&mut r, &quiet, true).is_empty(), "held");
    for minutes in [5, 10] {
        let later = Due {
            quiet: Some(Why::DoNotDisturb),
            ..due(t0 + Duration::minutes(minutes))
        };
        assert!(tick(&mut r, &later, true).is_empty());
    }
    // Quiet ended: all three re-alerts are still to come.
    let mut shown = 0;
    for step in 3..9 {
        shown += tick(&mut r, &due(t0 + Duration::minutes(5 * step)), true).len();
    }
    assert_eq!(shown, 3);
    r.realert_later(&request("b3"), t0);
    let read = tick(&mut r, &due(t0 + Duration::hours(1)), false);
    assert!(
        read.is_empty() && r.next_due().is_none(),
        "read meanwhile: done"
    );
}

#[test]
fn the_bypass_lets_requests_through_quiet_time() {
    let t0 = utc_now(&FakeClock::at(23, 0));
    let mut r = Reminders::default();
    r.realert_later(&request("b1"), t0);
    let d = Due {
        quiet: Some(Why::QuietHours),
        bypass: true,
        ..due(t0)
    };
    let shown = tick(&mut r, &d, true);
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].1, Why::Bypass);
    // A snoozed message is no booking request: the bypass is not for it.
    let mut message = request("c1");
    message.kind = PopupKind::NewMessage;
    message.target = Target::new(View::Messages, Some("c1".into()));
    r.snooze(&message, t0);
    let held = tick(
        &mut r,
        &Due {
            now: t0 + Duration::minutes(5),
            ..d
        },
        true,
    );
    assert!(
        held.iter()
            .all(|(p, _)| p.kind == PopupKind::BookingRequest),
        "{held:?}"
    );
}

#[test]
fn a_snooze_takes_the_place_of_the_re_alert_which_starts_over_after() {
    let t0 = utc_now(&FakeClock::at(10, 0));
    let mut r = Reminders::default();
    r.realert_later(&request("b1"), t0 + Duration::minutes(5));
    r.snooze(&request("b1"), t0 + Duration::minutes(60));
    assert!(
        tick(&mut r, &due(t0 + Duration::minutes(30)), true).is_empty(),
        "snoozed"
    );
    let back = tick(&mut r, &due(t0 + Duration::minutes(60)), true);
    assert_eq!(
        back.iter().map(|(_, w)| *w).collect::<Vec<_>>(),
        [Why::Snoozed]
    );
    let mut whys = Vec::new();
    for step in 1..=5 {
        whys.extend(
            tick(&mut r, &due(t0 + Duration::minutes(60 + 5 * step)), true)
                .into_iter()
                .map(|(_, w)| w),
        );
    }
    assert_eq!(whys, [Why::Realert; 3]);
    // Re-alerts off in Settings: a request's reminder is dropped.
    r.realert_later(&request("b9"), t0);
    let off = Due {
        realert_on: false,
        ..due(t0 + Duration::hours(9))
    };
    assert!(tick(&mut r, &off, true).is_empty() && r.next_due().is_none());
}

#[test]
fn the_schedule_survives_a_restart_and_a_bad_file() {
    let dir = std::env::temp_dir().join(format!("alora-reminders-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(FILE);
    let t0 = utc_now(&FakeClock::at(10, 0));
    let mut r = Reminders::load(Some(file.clone()));
    r.realert_later(&request("b1"), t0 + Duration::minutes(5));
    drop(r);
    let mut again = Reminders::load(Some(file.clone()));
    assert!(again.is_waiting(&request("b1").target));
    assert_eq!(
        tick(&mut again, &due(t0 + Duration::minutes(5)), true).len(),
        1
    );
    drop(again);
    let after = Reminders::load(Some(file.clone()));
    assert_eq!(after.list[0].realerts, Some(1), "the count is kept too");
    std::fs::write(&file, b"{not json").unwrap();
    assert!(
        Reminders::load(Some(file)).next_due().is_none(),
        "started over"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_flood_of_requests_writes_the_file_a_few_times_not_once_each() {
    let dir = std::env::temp_dir().join(format!("alora-reminders-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(FILE);
    let t0 = utc_now(&FakeClock::at(10, 0));
    let mut r = Reminders::load(Some(file.clone()));
    for i in 0..10_000 {
        r.realert_later(&request(&format!("b{i}")), t0 + Duration::minutes(5));
    }
    assert!(r.saves() <= 3, "{} writes", r.saves());
    assert!(r.pending_save().is_some(), "the rest is still to write");
    // A snooze is written at once, with all that waited.
    r.snooze(&request("b-snoozed"), t0 + Duration::minutes(10));
    assert!(r.pending_save().is_none());
    let again = Reminders::load(Some(file.clone()));
    assert_eq!(again.list.len(), 10_001);
    // Dropped (the app quits), what changed since is written too.
    r.forget(&request("b-snoozed").target);
    drop(r);
    assert_eq!(Reminders::load(Some(file)).list.len(), 10_000);
    std::fs::remove_dir_all(dir).unwrap();
}
