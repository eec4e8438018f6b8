//! What a popup offers besides opening its item: the buttons per kind of
//! event (Accept/Decline on a booking request, Reply/Mark read on a message,
//! Mark read/Snooze on the rest), their freedesktop action keys and labels,
//! and what the user did with one (`Acted`, handed to the core).

use std::time::Duration;

use alora_link::Incoming;
use chrono::{DateTime, Local, Utc};

use crate::models::Target;

/// One button of a popup. The body click is freedesktop's `default` action
/// and always opens the popup's target; it is not one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PopupAction {
    Accept,
    Decline,
    /// `inline-reply` where the server has it (the text comes back in
    /// `NotificationReplied`), else a button that opens the conversation.
    Reply,
    MarkRead,
    Snooze(Snooze),
    /// On the offline alarm.
    Reconnect,
    /// On "Sign in again": sign in through the browser.
    SignIn,
    /// On a booking answer that could not be queued: the same answer again.
    Retry(Answer),
}

/// A booking request's answer, for Retry to repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Answer {
    Accept,
    Decline,
}

impl Answer {
    /// The `bookingUpdate` status it sends (PROTOCOL.md).
    pub fn status(self) -> &'static str {
        match self {
            Answer::Accept => "confirmed",
            Answer::Decline => "declined",
        }
    }

    /// What the confirmation says was done.
    pub fn done(self) -> &'static str {
        match self {
            Answer::Accept => "Accepted",
            Answer::Decline => "Declined",
        }
    }

    /// What the failure says was not done.
    pub fn undone(self) -> &'static str {
        match self {
            Answer::Accept => "Not accepted",
            Answer::Decline => "Not declined",
        }
    }
}

/// How long a snoozed popup stays away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Snooze {
    TenMinutes,
    OneHour,
}

impl Snooze {
    pub fn duration(self) -> Duration {
        Duration::from_secs(u64::from(self.minutes()) * 60)
    }

    /// The snooze of `minutes`, if it is one the app offers.
    pub fn from_minutes(minutes: u32) -> Option<Snooze> {
        [Snooze::TenMinutes, Snooze::OneHour]
            .into_iter()
            .find(|s| s.minutes() == minutes)
    }

    pub fn minutes(self) -> u32 {
        match self {
            Snooze::TenMinutes => 10,
            Snooze::OneHour => 60,
        }
    }
}

impl PopupAction {
    /// Every action, for reading a key back.
    pub const ALL: [PopupAction; 10] = [
        PopupAction::Accept,
        PopupAction::Decline,
        PopupAction::Reply,
        PopupAction::MarkRead,
        PopupAction::Snooze(Snooze::TenMinutes),
        PopupAction::Snooze(Snooze::OneHour),
        PopupAction::Reconnect,
        PopupAction::SignIn,
        PopupAction::Retry(Answer::Accept),
        PopupAction::Retry(Answer::Decline),
    ];

    /// The freedesktop action key. `inline-reply` is the key the spec's
    /// servers (KDE Plasma, SwayNC) turn into a text field.
    pub fn key(self) -> &'static str {
        match self {
            PopupAction::Accept => "accept",
            PopupAction::Decline => "decline",
            PopupAction::Reply => "inline-reply",
            PopupAction::MarkRead => "mark-read",
            PopupAction::Snooze(Snooze::TenMinutes) => "snooze-10m",
            PopupAction::Snooze(Snooze::OneHour) => "snooze-1h",
            PopupAction::Reconnect => "reconnect",
            PopupAction::SignIn => "sign-in",
            PopupAction::Retry(Answer::Accept) => "retry-accept",
            PopupAction::Retry(Answer::Decline) => "retry-decline",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PopupAction::Accept => "Accept",
            PopupAction::Decline => "Decline",
            PopupAction::Reply => "Reply",
            PopupAction::MarkRead => "Mark read",
            PopupAction::Snooze(Snooze::TenMinutes) => "Snooze 10 min",
            PopupAction::Snooze(Snooze::OneHour) => "Snooze 1 hour",
            PopupAction::Reconnect => "Reconnect now",
            PopupAction::SignIn => "Sign in",
            PopupAction::Retry(_) => "Retry",
        }
    }

    /// The action of a key; `reply` is what a server without `inline-reply`
    /// sends back for the same button.
    pub fn from_key(key: &str) -> Option<PopupAction> {
        if key == "reply" {
            return Some(PopupAction::Reply);
        }
        PopupAction::ALL.into_iter().find(|a| a.key() == key)
    }

    /// The key the button goes out with: without `inline-reply`, Reply is a
    /// plain button (`reply`) that opens the conversation.
    pub fn key_for(self, inline_reply: bool) -> &'static str {
        match self {
            PopupAction::Reply if !inline_reply => "reply",
            other => other.key(),
        }
    }
}

/// The buttons of the popup for `incoming`.
pub fn actions_for(incoming: &Incoming) -> Vec<PopupAction> {
    let snooze = || {
        vec![
            PopupAction::MarkRead,
            PopupAction::Snooze(Snooze::TenMinutes),
            PopupAction::Snooze(Snooze::OneHour),
        ]
    };
    if incoming.booking_request().is_some() {
        return vec![PopupAction::Accept, PopupAction::Decline];
    }
    match incoming {
        Incoming::NewMessage(_) => vec![PopupAction::Reply, PopupAction::MarkRead],
        Incoming::NewNotification(_) | Incoming::BookingUpdated(_) => snooze(),
        _ => Vec::new(),
    }
}

/// What the user did with a popup this process showed, for the core to carry
/// out: the popup's target and words, the action, and a reply's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acted {
    pub target: Target,
    pub summary: String,
    pub body: String,
    pub action: PopupAction,
    pub text: Option<String>,
}

/// "Friday 10:00", in the user's time zone: how a confirmation names a
/// booking's start.
pub fn when(starts_at: DateTime<Utc>) -> String {
    starts_at
        .with_timezone(&Local)
        .format("%A %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(event: &str, payload: serde_json::Value) -> Incoming {
        Incoming::decode(event, &[payload], Utc::now())
            .unwrap()
            .unwrap()
    }

    #[test]
    fn each_kind_has_its_buttons() {
        let request = ev(
            "bookingUpdated",
            json!({"bookingId": "b1", "status": "pending"}),
        );
        assert_eq!(
            actions_for(&request),
            [PopupAction::Accept, PopupAction::Decline]
        );
        let changed = ev(
            "bookingUpdated",
            json!({"bookingId": "b1", "status": "confirmed"}),
        );
        assert_eq!(actions_for(&changed)[0], PopupAction::MarkRead);
        assert_eq!(actions_for(&changed).len(), 3);
        let message = ev(
            "newMessage",
            json!({"id": 1, "conversationId": "c1", "senderId": "u2", "content": "hi"}),
        );
        assert_eq!(
            actions_for(&message),
            [PopupAction::Reply, PopupAction::MarkRead]
        );
        let presence = ev("userOnline", json!({"userId": "u2"}));
        assert!(actions_for(&presence).is_empty());
    }

    #[test]
    fn keys_read_back() {
        for action in PopupAction::ALL {
            assert_eq!(PopupAction::from_key(action.key()), Some(action));
            assert_eq!(
                PopupAction::from_key(action.key_for(false)),
                Some(action),
                "{action:?} without inline-reply"
            );
        }
        assert_eq!(PopupAction::Reply.key_for(true), "inline-reply");
        assert_eq!(PopupAction::from_key("default"), None);
        assert_eq!(PopupAction::from_key("rm -rf"), None);
    }
}
