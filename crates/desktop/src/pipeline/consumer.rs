//! The pipeline's own state, on its own thread: the popup rules and whether
//! history writes are failing (nobody else reads either), and what it does
//! with each batch of events: store, show, decide the popups.

use std::time::Instant;

use alora_link::{Incoming, LinkEvent, LinkState, UserStatus};

use crate::app::state::Core;
use crate::attention::why::Why;
use crate::data::inbox;
use crate::events::UiEvent;
use crate::models::{HistoryItem, Problem, Target, View};
use crate::notifications::popups::{Decided, PopupContext, PopupRules};

use super::attending::Attending;

/// The one consumer of the app's incoming events; `pump` owns it.
#[derive(Debug)]
pub struct Pipeline {
    pub(super) core: Core,
    pub(super) rules: PopupRules,
    /// Set while history writes fail, so that the user is told once.
    history_failing: bool,
    pub(super) attending: Attending,
}

/// What the popup rules read, the same for a whole batch.
#[derive(Debug)]
struct BatchContext {
    settings: crate::models::Settings,
    own: Option<String>,
    quiet: Option<Why>,
}

/// What became of an event in the history.
#[derive(Debug)]
enum Stored {
    /// An event the history does not keep (typing, status, connected...).
    NotHistory,
    New(HistoryItem),
    /// Stored already: a re-delivery (catch-up, a server's re-send).
    Again,
    /// Could not be stored; shown anyway, better than losing it twice.
    Failed(HistoryItem),
}

impl Pipeline {
    pub fn new(core: Core) -> Pipeline {
        Pipeline {
            core,
            rules: PopupRules::default(),
            history_failing: false,
            attending: Attending::default(),
        }
    }

    /// The next moment something time-driven is due: the countdown's next
    /// second while reconnecting, the end of a popup burst, a reminder, the
    /// offline alarm, the next look at quiet time.
    pub fn next_wake(&self) -> Option<Instant> {
        let now = Instant::now();
        let countdown = matches!(self.core.link().state(), LinkState::Reconnecting { .. })
            .then(|| now + std::time::Duration::from_secs(1));
        let flush = self.rules.next_flush();
        [countdown, flush, self.next_attention()]
            .into_iter()
            .flatten()
            .min()
    }

    /// A run of events in arrival order: their history items stored first,
    /// in one transaction, before any popup is decided.
    pub fn on_link_events(&mut self, events: Vec<LinkEvent>) {
        let kept = self.store_incoming(&events);
        // Once per batch, not per event: a flood is thousands of events a second.
        let settings = self.core.settings();
        let env = BatchContext {
            quiet: self.quiet(&settings),
            settings,
            own: self.core.own_user_id(),
        };
        let ui = self.core.shell().listening();
        let mut added = false;
        for (event, kept) in events.into_iter().zip(kept) {
            if ui {
                self.core.emit(UiEvent::from(event.clone()));
            }
            match event {
                LinkEvent::State(state) => {
                    tracing::info!(state = ?state, "link state");
                    self.core.record_state(&state);
                    self.link_state(&state);
                    self.core.refresh_tray();
                }
                LinkEvent::Incoming(incoming) => added |= self.on_incoming(&incoming, kept, &env),
                LinkEvent::Malformed(e) => {
                    tracing::debug!(event = %e.event, reason = %e.reason, "malformed payload")
                }
                // The link keeps the counts itself (`LinkHandle::outbox_counts`).
                LinkEvent::OutboxChanged(_) => {}
                LinkEvent::Delivery(_) => {}
            }
        }
        if added {
            self.core.refresh_tray();
        }
    }

    /// Stores the history items of the incoming events and moves the
    /// catch-up cursor past them, in one transaction.
    fn store_incoming(&mut self, events: &[LinkEvent]) -> Vec<Stored> {
        let incoming = || {
            events.iter().map(|e| match e {
                LinkEvent::Incoming(i) => Some(i),
                _ => None,
            })
        };
        // The items are moved, not copied: which event has one is noted aside.
        let mut kept_for = Vec::with_capacity(events.len());
        let mut to_store = Vec::with_capacity(events.len());
        for item in incoming().map(|i| i.and_then(inbox::item_for)) {
            kept_for.push(item.is_some());
            to_store.extend(item);
        }
        if to_store.is_empty() {
            return kept_for.into_iter().map(|_| Stored::NotHistory).collect();
        }
        let newest = incoming().filter_map(|i| i.and_then(inbox::stamp_of)).max();
        let stored = self.core.inbox().add_many_advancing(&to_store, newest);
        let fresh = match stored {
            Ok(fresh) => {
                self.history_recovered();
                fresh
            }
            Err(e) => {
                self.history_failed(&e);
                let mut items = to_store.into_iter();
                return kept_for
                    .into_iter()
                    .map(|has| match has.then(|| items.next()).flatten() {
                        Some(item) => Stored::Failed(item),
                        None => Stored::NotHistory,
                    })
                    .collect();
            }
        };
        // `fresh` has one flag per stored item, in order.
        let mut items = to_store.into_iter().zip(fresh);
        kept_for
            .into_iter()
            .map(|has| match has.then(|| items.next()).flatten() {
                Some((item, true)) => Stored::New(item),
                Some((_, false)) => Stored::Again,
                None => Stored::NotHistory,
            })
            .collect()
    }

    /// Says so once when history writes start failing (disk full, file
    /// damaged); the events are still shown and popped up.
    fn history_failed(&mut self, e: &alora_store::StoreError) {
        tracing::error!(error = %e, code = e.code(), "incoming events could not be stored");
        if !std::mem::replace(&mut self.history_failing, true) {
            self.core.problem(Problem::new(
                e.code(),
                format!("{e}. New notifications are shown but not kept in the history."),
            ));
        }
    }

    fn history_recovered(&mut self) {
        if std::mem::replace(&mut self.history_failing, false) {
            tracing::info!("the history is stored again");
        }
    }

    /// Returns whether a new item was added to the history.
    fn on_incoming(&mut self, incoming: &Incoming, kept: Stored, env: &BatchContext) -> bool {
        tracing::trace!(event = incoming.event_name(), "incoming");
        if let Incoming::StatusUpdated(s) = incoming {
            // Our own status, echoed from another session, is ours too.
            if env.own.as_deref() == Some(s.user_id.0.as_str()) {
                if let Ok(status) = s.status.parse::<UserStatus>() {
                    self.core.status_echoed(status);
                }
            }
        }
        let answered_elsewhere = self.read_state(incoming);
        let added = match kept {
            // A re-send (catch-up after a reconnect): stored, shown, done.
            Stored::Again => return false,
            Stored::New(item) | Stored::Failed(item) => {
                self.core.emit(UiEvent::HistoryAdded(item));
                true
            }
            Stored::NotHistory => false,
        };
        let focused = self.core.focused_conversation();
        let ctx = PopupContext {
            prefs: &env.settings.popups,
            sounds: &env.settings.attention.sounds,
            quiet: env.quiet,
            bypass: env.settings.attention.urgent_bypass,
            focused_conversation: focused.as_deref(),
            own_user_id: env.own.as_deref(),
        };
        let shown = match self.rules.decide(incoming, &ctx, Instant::now()) {
            Some(Decided::Shown(popup, why)) => {
                self.remind_later(&popup, &env.settings);
                self.show(popup, why);
                true
            }
            Some(Decided::Held(popup, why)) => {
                // A request held by quiet time still comes back, once it ends.
                if why != Why::Duplicate && why != Why::KindOff {
                    self.remind_later(&popup, &env.settings);
                }
                self.held(&popup, why);
                false
            }
            None => false,
        };
        // Answered on another device, without a popup of its own (our
        // echo): the request's popup goes. Answered from here, the
        // confirmation that replaced it stays.
        if let (false, true, Some(booking)) =
            (shown, answered_elsewhere, incoming.booking_answered())
        {
            let target = Target::new(View::Bookings, Some(booking.to_owned()));
            self.core.read_elsewhere(vec![target]);
        }
        added
    }

    /// What the server says of answers and reads on the user's other
    /// devices (PROTOCOL.md, "Booking requests, answers and read state").
    /// True for a booking's answer this process did not give.
    fn read_state(&self, incoming: &Incoming) -> bool {
        match incoming {
            Incoming::ConversationRead(r) => {
                let target = Target::new(View::Messages, Some(r.conversation_id.0.clone()));
                self.core.read_elsewhere(vec![target]);
            }
            Incoming::NotificationRead(r) => {
                let ids: Vec<String> = r
                    .ids
                    .iter()
                    .map(|id| format!("notification:{id}"))
                    .collect();
                // An empty list would mark everything read.
                if ids.is_empty() {
                    return false;
                }
                let mut targets = self.core.inbox().targets_of(&ids);
                targets.extend(
                    r.ids
                        .iter()
                        .map(|id| Target::new(View::Notifications, Some(id.0.clone()))),
                );
                self.core.inbox().mark_read(&ids);
                self.core.read_elsewhere(targets);
            }
            _ => {
                if let Some(booking) = incoming.booking_answered() {
                    let target = Target::new(View::Bookings, Some(booking.to_owned()));
                    self.core.handled(&target);
                    return self.core.booking_answered(booking);
                }
            }
        }
        false
    }

    /// Time-driven work: burst summaries, the attention rules, and the
    /// tray's countdown.
    pub fn on_tick(&mut self) {
        let settings = self.core.settings();
        self.attend(&settings);
        self.core.reminders().flush();
        if matches!(self.core.link().state(), LinkState::Reconnecting { .. }) {
            self.core.refresh_tray();
        }
    }
}
