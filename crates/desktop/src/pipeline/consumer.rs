//! The pipeline's own state, on its own thread: the popup rules and whether
//! history writes are failing (nobody else reads either), and what it does
//! with each batch of events once stored and decided (`storing`): the UI,
//! the tray, the link's state, read state from other devices, reminders.

use std::time::Instant;

use alora_link::{Incoming, LinkEvent, LinkState, UserStatus};

use crate::app::state::Core;
use crate::attention::why::Why;
use crate::events::UiEvent;
use crate::models::{Target, View};
use crate::notifications::popups::{Decided, PopupRules};

use super::attending::Attending;
use super::storing::{BatchContext, Stored};

/// The one consumer of the app's incoming events; `pump` owns it.
#[derive(Debug)]
pub struct Pipeline {
    pub(super) core: Core,
    pub(super) rules: PopupRules,
    /// Set while history writes fail, so that the user is told once.
    pub(super) history_failing: bool,
    pub(super) attending: Attending,
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

    /// A run of events in arrival order: their history items stored in one
    /// transaction and the popups of what is new sent (`storing`), then each
    /// event to the UI and the rest of its work.
    pub fn on_link_events(&mut self, events: Vec<LinkEvent>) {
        let env = self.batch_context();
        let outcomes = self.store_and_decide(&events, &env);
        let ui = self.core.shell().listening();
        let mut added = false;
        for (event, (kept, decided)) in events.into_iter().zip(outcomes) {
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
                LinkEvent::Incoming(incoming) => {
                    added |= self.on_incoming(&incoming, kept, decided, &env)
                }
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

    /// What follows an incoming event's popup, which is out already: whether
    /// a new item was added to the history.
    fn on_incoming(
        &mut self,
        incoming: &Incoming,
        kept: Stored,
        decided: Option<Decided>,
        env: &BatchContext,
    ) -> bool {
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
        let shown = match decided {
            Some(Decided::Shown(popup, why)) => {
                self.remind_later(&popup, &env.settings);
                self.shown(&popup, why);
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
