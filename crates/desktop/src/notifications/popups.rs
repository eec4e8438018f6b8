//! Which incoming event becomes a desktop popup, and how loud: per-kind
//! preferences, quiet time (with the urgent bypass), de-duplication by id,
//! the focused conversation, and the burst budget (`bursts`: a burst of a
//! kind becomes one summary, a booking request is never in another kind's).
//! Pure logic; the notifier shows what this decides, and every decision
//! says why.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Instant;

use alora_link::Incoming;

use crate::attention::loudness::{loudness, Loudness};
use crate::attention::why::Why;
use crate::incoming::describe;
use crate::models::{PopupKind, PopupPrefs, SoundPrefs, Target, View};
use crate::notifications::actions::{actions_for, PopupAction};
use crate::notifications::bursts::Bursts;
/// How many popup keys are remembered for de-duplication.
const SEEN_CAPACITY: usize = 2_000;

/// One desktop notification, before escaping (the notifier escapes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Popup {
    pub kind: PopupKind,
    pub summary: String,
    pub body: String,
    /// freedesktop category hint.
    pub category: &'static str,
    /// Where "Open" leads; also what the popup is about: a later popup
    /// with the same target replaces it in place, and reading that item
    /// withdraws it.
    pub target: Target,
    /// Its buttons (sent where the server shows actions).
    pub actions: Vec<PopupAction>,
    pub loudness: Loudness,
}

/// What the rules need to know about the app at the moment of the event.
#[derive(Debug, Clone, Copy)]
pub struct PopupContext<'a> {
    pub prefs: &'a PopupPrefs,
    pub sounds: &'a SoundPrefs,
    /// Why it is quiet now, if it is.
    pub quiet: Option<Why>,
    /// Booking requests come through quiet time.
    pub bypass: bool,
    /// The conversation open in the window, only while the window is focused.
    pub focused_conversation: Option<&'a str>,
    /// Our own user id: our own messages echoed back do not pop up.
    pub own_user_id: Option<&'a str>,
}

/// What the rules made of an event that has a popup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    Shown(Popup, Why),
    Held(Popup, Why),
}

#[derive(Debug, Default)]
pub struct PopupRules {
    seen: HashSet<String>,
    seen_order: VecDeque<String>,
    /// Also the budget of re-alerts and snoozes coming back.
    pub bursts: Bursts,
}

fn kind_of(incoming: &Incoming) -> Option<PopupKind> {
    if incoming.booking_request().is_some() {
        return Some(PopupKind::BookingRequest);
    }
    Some(match incoming {
        Incoming::NewNotification(_) => PopupKind::NewNotification,
        Incoming::BookingUpdated(_) => PopupKind::BookingUpdated,
        Incoming::NewMessage(_) => PopupKind::NewMessage,
        Incoming::UserOnline(_) => PopupKind::UserOnline,
        Incoming::UserOffline(_) => PopupKind::UserOffline,
        // Never: typing, our own status echo, the connect acknowledgement.
        Incoming::UserTyping(_)
        | Incoming::StatusUpdated(_)
        | Incoming::Connected(_)
        | Incoming::ConversationRead(_)
        | Incoming::NotificationRead(_) => return None,
    })
}

/// The de-duplication key: the protocol id where the event has one.
fn key_of(incoming: &Incoming) -> Option<String> {
    match incoming {
        Incoming::NewNotification(n) => Some(format!("n:{}", n.id)),
        Incoming::NewMessage(m) => Some(format!("m:{}", m.id)),
        Incoming::BookingUpdated(b) => Some(format!("b:{}:{}", b.booking_id, b.status)),
        _ => None,
    }
}

/// The popup for an event, in the words `incoming::describe` gives it.
pub fn popup_for(incoming: &Incoming, sounds: &SoundPrefs) -> Option<Popup> {
    let kind = kind_of(incoming)?;
    let d = describe(incoming)?;
    Some(Popup {
        kind,
        summary: d.headline,
        body: d.body,
        category: d.category,
        target: d.target,
        actions: actions_for(incoming),
        loudness: loudness(kind, sounds),
    })
}

/// "2 booking requests" and where they are.
fn words(kind: PopupKind, count: usize) -> (String, View) {
    let (one, many, view) = match kind {
        PopupKind::BookingRequest => ("booking request", "booking requests", View::Bookings),
        PopupKind::NewNotification => {
            ("new notification", "new notifications", View::Notifications)
        }
        PopupKind::BookingUpdated => ("booking update", "booking updates", View::Bookings),
        PopupKind::NewMessage => ("new message", "new messages", View::Messages),
        PopupKind::UserOnline => ("person came online", "people came online", View::People),
        PopupKind::UserOffline => ("person went offline", "people went offline", View::People),
    };
    let what = if count == 1 { one } else { many };
    (format!("{count} {what}"), view)
}

/// One popup for a burst's `count` held back.
pub fn summary_for(kind: PopupKind, count: usize) -> Popup {
    let (summary, view) = words(kind, count);
    Popup {
        kind,
        summary,
        body: "Open Alora to see them all.".to_owned(),
        category: "x-alora.summary",
        target: Target::new(view, None),
        actions: Vec::new(),
        loudness: Loudness::QUIET,
    }
}

/// The one popup when quiet time ends: what came meanwhile, by kind.
pub fn while_quiet(held: &HashMap<PopupKind, usize>) -> Option<Popup> {
    let kinds: Vec<PopupKind> = PopupKind::ALL
        .into_iter()
        .filter(|k| held.get(k).is_some_and(|n| *n > 0))
        .collect();
    let first = *kinds.first()?;
    let parts: Vec<String> = kinds.iter().map(|k| words(*k, held[k]).0).collect();
    Some(Popup {
        kind: first,
        summary: "While you were away".to_owned(),
        body: parts.join(", "),
        category: "x-alora.summary",
        target: Target::new(words(first, 1).1, None),
        actions: Vec::new(),
        loudness: Loudness::QUIET,
    })
}

impl PopupRules {
    /// The popup for this event and why it is shown, or why it is not
    /// (`None`: the event has no popup at all). Every event passes here,
    /// shown or not, so that de-duplication and bursts see the whole stream.
    pub fn decide(
        &mut self,
        incoming: &Incoming,
        ctx: &PopupContext<'_>,
        now: Instant,
    ) -> Option<Decided> {
        let popup = popup_for(incoming, ctx.sounds)?;
        Some(self.decide_popup(incoming, popup, ctx, now))
    }

    fn decide_popup(
        &mut self,
        incoming: &Incoming,
        popup: Popup,
        ctx: &PopupContext<'_>,
        now: Instant,
    ) -> Decided {
        if let Some(key) = key_of(incoming) {
            if !self.remember(key) {
                return Decided::Held(popup, Why::Duplicate);
            }
        }
        if !ctx.prefs.allows(popup.kind) {
            return Decided::Held(popup, Why::KindOff);
        }
        let mine = |id: &str| ctx.own_user_id.is_some_and(|u| u == id);
        match incoming {
            Incoming::NewMessage(m) => {
                let open = ctx
                    .focused_conversation
                    .is_some_and(|c| c == m.conversation_id.0);
                if open {
                    return Decided::Held(popup, Why::Focused);
                }
                if mine(&m.sender_id.0) {
                    return Decided::Held(popup, Why::OwnEcho);
                }
            }
            // Our own change, echoed back: we know.
            Incoming::BookingUpdated(b) if b.updated_by.as_ref().is_some_and(|u| mine(&u.0)) => {
                return Decided::Held(popup, Why::OwnEcho)
            }
            _ => {}
        }
        let urgent = popup.kind == PopupKind::BookingRequest;
        let through = match ctx.quiet {
            Some(quiet) if !(urgent && ctx.bypass) => return Decided::Held(popup, quiet),
            Some(_) => Why::Bypass,
            None => Why::Shown,
        };
        match self.bursts.admit(popup.kind, &popup.target, now) {
            Why::Shown => Decided::Shown(popup, through),
            Why::Coalesced => Decided::Held(popup, Why::Coalesced),
            why => Decided::Shown(popup, why),
        }
    }

    /// The bursts whose window has ended with popups held back: how many
    /// of each kind, for their summaries.
    pub fn flush(&mut self, now: Instant) -> Vec<(PopupKind, usize)> {
        self.bursts.flush(now)
    }

    /// When `flush` next has something to do.
    pub fn next_flush(&self) -> Option<Instant> {
        self.bursts.next_flush()
    }

    /// False when the key was seen already.
    fn remember(&mut self, key: String) -> bool {
        if !self.seen.insert(key.clone()) {
            return false;
        }
        self.seen_order.push_back(key);
        if self.seen_order.len() > SEEN_CAPACITY {
            if let Some(old) = self.seen_order.pop_front() {
                self.seen.remove(&old);
            }
        }
        true
    }
}

#[cfg(test)]
#[path = "popups_tests.rs"]
mod tests;
