//! The one consumer of the link's lossless event stream: each event goes to
//! the UI, incoming ones to history → popup rules → notifier, and the tray
//! follows the state (with a countdown ticking only while reconnecting).

use std::time::Instant;

use alora_link::{Incoming, LinkEvent, LinkEvents, LinkState, UserStatus};
use tokio::time::{sleep_until, Instant as TokioInstant};

use crate::core::{lock, Core};
use crate::events::UiEvent;
use crate::history;
use crate::popups::{Popup, PopupContext};

/// Runs until the link ends its stream.
pub async fn pump(core: Core, mut events: LinkEvents) {
    loop {
        let deadline = next_wake(&core);
        tokio::select! {
            event = events.recv() => match event {
                Some(event) => core.on_link_event(event),
                None => break,
            },
            () = wait(deadline) => core.on_tick(),
        }
    }
    tracing::debug!("the link's event stream ended");
}

async fn wait(deadline: Option<Instant>) {
    match deadline {
        Some(at) => sleep_until(TokioInstant::from_std(at)).await,
        None => std::future::pending().await,
    }
}

/// The next moment something time-driven is due: the countdown's next
/// second while reconnecting, or the end of a popup burst.
fn next_wake(core: &Core) -> Option<Instant> {
    let now = Instant::now();
    let countdown = matches!(core.link().state(), LinkState::Reconnecting { .. })
        .then(|| now + std::time::Duration::from_secs(1));
    let flush = lock(&core.inner.popups).next_flush();
    match (countdown, flush) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

impl Core {
    /// Everything the link says, and what `simulate_incoming` injects.
    pub fn on_link_event(&self, event: LinkEvent) {
        self.emit(UiEvent::from(event.clone()));
        match event {
            LinkEvent::State(state) => {
                tracing::info!(state = ?state, "link state");
                self.record_state(&state);
                self.refresh_tray();
            }
            LinkEvent::Incoming(incoming) => self.on_incoming(&incoming),
            LinkEvent::Malformed(e) => {
                tracing::debug!(event = %e.event, reason = %e.reason, "malformed payload")
            }
            LinkEvent::OutboxChanged(counts) => *lock(&self.inner.outbox) = counts,
            LinkEvent::Delivery(_) => {}
        }
    }

    fn on_incoming(&self, incoming: &Incoming) {
        tracing::debug!(event = incoming.event_name(), "incoming");
        if let Incoming::StatusUpdated(s) = incoming {
            // Our own status, echoed from another session, is ours too.
            if self.own_user_id().is_some_and(|me| me == s.user_id.0) {
                if let Ok(status) = s.status.parse::<UserStatus>() {
                    *lock(&self.inner.status) = status;
                    self.refresh_tray();
                }
            }
        }
        if let Some(item) = history::item_for(incoming) {
            let added = lock(&self.inner.history).add(item.clone());
            if !added {
                // A re-send (catch-up after a reconnect): seen, shown, done.
                return;
            }
            self.emit(UiEvent::HistoryAdded(item));
            self.refresh_tray();
        }
        let settings = self.inner.settings.effective();
        let own = self.own_user_id();
        let focus = lock(&self.inner.focus);
        let focused = focus
            .conversation
            .as_deref()
            .filter(|_| focus.window_focused);
        let ctx = PopupContext {
            prefs: &settings.popups,
            dnd: settings.dnd,
            focused_conversation: focused,
            own_user_id: own.as_deref(),
        };
        let popup = lock(&self.inner.popups).decide(incoming, &ctx, Instant::now());
        drop(focus);
        if let Some(popup) = popup {
            self.show(popup);
        }
    }

    /// Time-driven work: burst summaries and the tray's countdown.
    pub fn on_tick(&self) {
        let summaries = lock(&self.inner.popups).flush(Instant::now());
        let dnd = self.inner.settings.effective().dnd;
        for popup in summaries {
            if !dnd {
                self.show(popup);
            }
        }
        if matches!(self.link().state(), LinkState::Reconnecting { .. }) {
            self.refresh_tray();
        }
    }

    /// Shows a popup without waiting: the notifier's task lives until the
    /// popup is clicked or closed.
    fn show(&self, popup: Popup) {
        let notifier = self.inner.notifier.clone();
        tracing::debug!(summary = %popup.summary, "popup");
        self.spawn(async move {
            if let Err(e) = notifier.show(popup).await {
                tracing::debug!(error = %e, "popup not shown");
            }
        });
    }
}
