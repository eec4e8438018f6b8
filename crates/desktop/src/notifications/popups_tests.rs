//! Unit tests of the popup rules.

use super::*;
use crate::notifications::bursts::{BURST_LIMIT, BURST_WINDOW, REQUEST_BURST_LIMIT};
use chrono::Utc;
use serde_json::{json, Value};
use std::time::Duration;

fn ev(event: &str, payload: Value) -> Incoming {
    Incoming::decode(event, &[payload], Utc::now())
        .unwrap()
        .unwrap()
}

fn note(id: u32) -> Incoming {
    ev(
        "newNotification",
        json!({"id": id, "title": format!("t{id}"), "message": "m"}),
    )
}

fn msg(id: u32, conv: &str, sender: &str) -> Incoming {
    ev(
        "newMessage",
        json!({"id": id, "conversationId": conv, "senderId": sender, "content": "hello"}),
    )
}

fn ctx(prefs: &PopupPrefs) -> PopupContext<'_> {
    PopupContext {
        prefs,
        sounds: Box::leak(Box::new(SoundPrefs::default())),
        quiet: None,
        bypass: false,
        focused_conversation: None,
        own_user_id: Some("me"),
    }
}

impl PopupRules {
    /// The popup shown, if any.
    fn pick(&mut self, incoming: &Incoming, ctx: &PopupContext<'_>, now: Instant) -> Option<Popup> {
        match self.decide(incoming, ctx, now)? {
            Decided::Shown(p, _) => Some(p),
            Decided::Held(..) => None,
        }
    }
}

fn summaries(rules: &mut PopupRules, now: Instant) -> Vec<Popup> {
    let held = rules.flush(now);
    held.into_iter().map(|(k, n)| summary_for(k, n)).collect()
}

#[test]
fn coalesces_a_burst_into_one_summary() {
    let prefs = PopupPrefs::default();
    let mut rules = PopupRules::default();
    let t0 = Instant::now();
    let shown = (0..15)
        .filter(|i| rules.pick(&note(*i), &ctx(&prefs), t0).is_some())
        .count();
    assert_eq!(shown, BURST_LIMIT);
    // Other types have their own budget.
    assert!(rules.pick(&msg(1, "c1", "u2"), &ctx(&prefs), t0).is_some());
    assert!(rules.flush(t0 + Duration::from_secs(1)).is_empty());
    assert_eq!(rules.next_flush(), Some(t0 + BURST_WINDOW));
    // Held-back events keep the burst open: no popup until the summary.
    assert!(rules
        .pick(
            &note(100),
            &ctx(&prefs),
            t0 + BURST_WINDOW + Duration::from_secs(1)
        )
        .is_none());
    let summaries = summaries(&mut rules, t0 + BURST_WINDOW);
    assert_eq!(summaries.len(), 1);
    assert_eq!(summaries[0].summary, "13 new notifications");
    assert_eq!(summaries[0].target, Target::new(View::Notifications, None));
    // After the window a new burst starts fresh.
    let later = t0 + BURST_WINDOW * 2;
    assert!(rules.pick(&note(200), &ctx(&prefs), later).is_some());
    assert_eq!(rules.next_flush(), None);
}

#[test]
fn dnd_and_preferences_suppress_popups() {
    let prefs = PopupPrefs::default();
    let mut rules = PopupRules::default();
    let now = Instant::now();
    let dnd = PopupContext {
        quiet: Some(Why::DoNotDisturb),
        ..ctx(&prefs)
    };
    assert!(rules.pick(&note(1), &dnd, now).is_none());
    let off = PopupPrefs {
        new_notification: false,
        ..PopupPrefs::default()
    };
    assert!(rules.pick(&note(2), &ctx(&off), now).is_none());
    // Presence is opt-in.
    let online = ev("userOnline", json!({"userId": "u9", "name": "Ana"}));
    assert!(rules.pick(&online, &ctx(&prefs), now).is_none());
    let on = PopupPrefs {
        user_online: true,
        ..PopupPrefs::default()
    };
    let p = rules.pick(&online, &ctx(&on), now).unwrap();
    assert_eq!(
        (p.summary.as_str(), p.category),
        ("Ana is online", "presence.online")
    );
}

#[test]
fn never_for_typing_status_or_connected() {
    let prefs = PopupPrefs::default();
    let mut rules = PopupRules::default();
    let now = Instant::now();
    for e in [
        ev("userTyping", json!({"userId": "u2", "isTyping": true})),
        ev("statusUpdated", json!({"userId": "u2", "status": "busy"})),
        ev("connected", json!({"userId": "me"})),
    ] {
        assert!(rules.pick(&e, &ctx(&prefs), now).is_none(), "{e:?}");
    }
}

#[test]
fn the_same_id_never_pops_twice() {
    let prefs = PopupPrefs::default();
    let mut rules = PopupRules::default();
    let now = Instant::now();
    assert!(rules.pick(&note(7), &ctx(&prefs), now).is_some());
    assert!(rules
        .pick(&note(7), &ctx(&prefs), now + Duration::from_secs(60))
        .is_none());
    // Seen while in DND counts as seen.
    let dnd = PopupContext {
        quiet: Some(Why::DoNotDisturb),
        ..ctx(&prefs)
    };
    assert!(rules.pick(&note(8), &dnd, now).is_none());
    assert!(rules.pick(&note(8), &ctx(&prefs), now).is_none());
    let b = ev(
        "bookingUpdated",
        json!({"bookingId": "b1", "status": "confirmed"}),
    );
    assert!(rules.pick(&b, &ctx(&prefs), now).is_some());
    assert!(rules.pick(&b, &ctx(&prefs), now).is_none());
    let b2 = ev(
        "bookingUpdated",
        json!({"bookingId": "b1", "status": "cancelled"}),
    );
    assert!(rules.pick(&b2, &ctx(&prefs), now).is_some());
}

#[test]
fn no_popup_for_the_focused_conversation_or_our_own_message() {
    let prefs = PopupPrefs::default();
    let mut rules = PopupRules::default();
    let now = Instant::now();
    let focused = PopupContext {
        focused_conversation: Some("c1"),
        ..ctx(&prefs)
    };
    assert!(rules.pick(&msg(1, "c1", "u2"), &focused, now).is_none());
    let p = rules.pick(&msg(2, "c2", "u2"), &focused, now).unwrap();
    assert_eq!(
        (p.summary.as_str(), p.category),
        ("New message", "im.received")
    );
    assert_eq!(p.target, Target::new(View::Messages, Some("c2".into())));
    assert!(rules.pick(&msg(3, "c2", "me"), &ctx(&prefs), now).is_none());
}

#[test]
fn no_popup_for_our_own_booking_change_echoed_back() {
    let prefs = PopupPrefs::default();
    let mut rules = PopupRules::default();
    let now = Instant::now();
    let mine = ev(
        "bookingUpdated",
        json!({"bookingId": "b1", "status": "confirmed", "updatedBy": "me"}),
    );
    assert!(rules.pick(&mine, &ctx(&prefs), now).is_none());
    let theirs = ev(
        "bookingUpdated",
        json!({"bookingId": "b2", "status": "confirmed", "updatedBy": "u2"}),
    );
    assert!(rules.pick(&theirs, &ctx(&prefs), now).is_some());
}

#[test]
fn a_conversations_messages_replace_their_popup_and_cost_no_burst() {
    let prefs = PopupPrefs::default();
    let mut rules = PopupRules::default();
    let t0 = Instant::now();
    // Ten messages of one conversation: each updates its one popup.
    let one = (0..10)
        .filter(|i| rules.pick(&msg(*i, "c1", "u2"), &ctx(&prefs), t0).is_some())
        .count();
    assert_eq!(one, 10);
    // Other conversations still have the rest of the budget, then wait.
    let others = (10..20)
        .filter(|i| {
            let conversation = format!("c{i}");
            rules
                .pick(&msg(*i, &conversation, "u2"), &ctx(&prefs), t0)
                .is_some()
        })
        .count();
    assert_eq!(others, BURST_LIMIT - 1);
    let summaries = summaries(&mut rules, t0 + BURST_WINDOW);
    assert_eq!(
        summaries[0].summary,
        format!("{} new messages", 10 - (BURST_LIMIT - 1))
    );
}

#[test]
fn a_booking_request_offers_accept_and_decline() {
    let prefs = PopupPrefs::default();
    let mut rules = PopupRules::default();
    let request = ev(
        "bookingUpdated",
        json!({"bookingId": "b9", "status": "pending", "clientName": "Ana"}),
    );
    let popup = rules.pick(&request, &ctx(&prefs), Instant::now()).unwrap();
    assert_eq!(
        popup.actions,
        [
            crate::notifications::actions::PopupAction::Accept,
            crate::notifications::actions::PopupAction::Decline
        ]
    );
    assert_eq!(popup.target, Target::new(View::Bookings, Some("b9".into())));
    assert_eq!(popup.body, "Ana");
}

#[test]
fn booking_requests_are_urgent_have_their_own_budget_and_pass_quiet_time_with_the_bypass() {
    let prefs = PopupPrefs::default();
    let mut rules = PopupRules::default();
    let t0 = Instant::now();
    let request = |i: u32| {
        ev(
            "bookingUpdated",
            json!({"bookingId": format!("b{i}"), "status": "pending"}),
        )
    };
    // A burst of notifications does not take from the requests' budget.
    for i in 0..10 {
        rules.decide(&note(100 + i), &ctx(&prefs), t0);
    }
    let shown: Vec<Popup> = (0..12)
        .filter_map(|i| rules.pick(&request(i), &ctx(&prefs), t0))
        .collect();
    assert_eq!(
        shown.len(),
        REQUEST_BURST_LIMIT,
        "each of the first ones alone"
    );
    assert!(shown
        .iter()
        .all(|p| p.kind == PopupKind::BookingRequest && p.loudness == Loudness::ALARM));
    assert_eq!(
        summaries(&mut rules, t0 + BURST_WINDOW)
            .iter()
            .map(|p| p.summary.as_str())
            .collect::<Vec<_>>(),
        [
            &*format!("{} booking requests", 12 - REQUEST_BURST_LIMIT),
            &*format!("{} new notifications", 10 - BURST_LIMIT)
        ],
        "the rest of the flood in a summary of their own"
    );
    let quiet = PopupContext {
        quiet: Some(Why::QuietHours),
        ..ctx(&prefs)
    };
    let held = rules.decide(&request(20), &quiet, t0);
    assert!(
        matches!(held, Some(Decided::Held(_, Why::QuietHours))),
        "{held:?}"
    );
    let bypass = PopupContext {
        bypass: true,
        ..quiet
    };
    let through = rules.decide(&request(21), &bypass, t0);
    assert!(
        matches!(through, Some(Decided::Shown(_, Why::Bypass))),
        "{through:?}"
    );
    let message = rules.decide(&msg(5, "c5", "u2"), &bypass, t0);
    assert!(
        matches!(message, Some(Decided::Held(_, Why::QuietHours))),
        "messages wait: {message:?}"
    );
}

#[test]
fn each_decision_says_why() {
    let prefs = PopupPrefs::default();
    let mut rules = PopupRules::default();
    let now = Instant::now();
    let why = |r: Option<Decided>| match r {
        Some(Decided::Shown(_, w) | Decided::Held(_, w)) => Some(w),
        None => None,
    };
    assert_eq!(
        why(rules.decide(&note(1), &ctx(&prefs), now)),
        Some(Why::Shown)
    );
    assert_eq!(
        why(rules.decide(&note(1), &ctx(&prefs), now)),
        Some(Why::Duplicate)
    );
    assert_eq!(
        why(rules.decide(&msg(1, "c1", "me"), &ctx(&prefs), now)),
        Some(Why::OwnEcho)
    );
    let online = ev("userOnline", json!({"userId": "u9"}));
    assert_eq!(
        why(rules.decide(&online, &ctx(&prefs), now)),
        Some(Why::KindOff)
    );
    let typing = ev("userTyping", json!({"userId": "u2", "isTyping": true}));
    assert_eq!(why(rules.decide(&typing, &ctx(&prefs), now)), None);
}

#[test]
fn the_summary_after_quiet_time_names_each_kind() {
    let held = HashMap::from([
        (PopupKind::NewMessage, 3),
        (PopupKind::BookingRequest, 2),
        (PopupKind::UserOnline, 0),
    ]);
    let p = while_quiet(&held).unwrap();
    assert_eq!(p.body, "2 booking requests, 3 new messages");
    assert_eq!(p.target, Target::new(View::Bookings, None));
    assert!(while_quiet(&HashMap::new()).is_none());
}
