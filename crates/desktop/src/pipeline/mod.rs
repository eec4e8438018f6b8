//! The one consumer of the link's lossless event stream: incoming events are
//! stored in the history first (a burst in one transaction), then each event
//! goes to the UI, incoming ones to the popup rules → notifier, and the tray
//! follows the state (with a countdown ticking only while reconnecting).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use alora_link::{Incoming, LinkEvent, LinkEvents, LinkState, UserStatus};
use tokio::time::{sleep_until, Instant as TokioInstant};

use crate::app::core::{lock, Core};
use crate::data::history;
use crate::events::UiEvent;
use crate::models::{HistoryItem, Problem};
use crate::notifications::popups::{Popup, PopupContext};

/// At most this many events are stored in one transaction. A batch is only
/// what has already arrived: nothing waits for more, so a lone event is
/// stored and popped up at once.
const BATCH: usize = 256;

/// In a flood, a transaction at most this often. A commit costs about
/// 60 µs however few events it holds (the WAL's frames, the cursor's row),
/// so a pipeline that keeps pace with a few events per batch pays that for
/// each few: the store's `ingest` example stores an event in 5.5 µs in
/// 32-event transactions, 4.1 in 128-event ones. Only an event that comes
/// within this time of the last batch waits, so a lone one is stored and
/// popped up at once, and a flood's events wait at most this long.
const COALESCE: Duration = Duration::from_millis(2);

/// Runs `pump` on a thread of its own, until the link ends its stream.
/// The link's tasks and the pump then work on two cores at once: as tasks of
/// one runtime, each event's wake-up ran the pump right after the link on
/// the same worker (tokio's LIFO slot), so a flood used about one core in
/// all while the other waited. The history's writes, the slowest step,
/// are synchronous anyway. Popups still go out on the core's runtime.
pub fn start(core: Core, events: LinkEvents) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    std::thread::Builder::new()
        .name("pipeline".into())
        .spawn(move || runtime.block_on(pump(core, events)))?;
    Ok(())
}

/// Runs until the link ends its stream.
pub async fn pump(core: Core, mut events: LinkEvents) {
    let mut last_batch: Option<Instant> = None;
    loop {
        let deadline = next_wake(&core);
        tokio::select! {
            event = events.recv() => match event {
                Some(first) => {
                    let mut batch = vec![first];
                    take_waiting(&mut events, &mut batch);
                    if batch.len() < BATCH && hold_for_more(last_batch) {
                        take_waiting(&mut events, &mut batch);
                    }
                    core.on_link_events(batch);
                    last_batch = Some(Instant::now());
                }
                None => break,
            },
            () = wait(deadline) => core.on_tick(),
        }
    }
    tracing::debug!("the link's event stream ended");
}

/// What the popup rules read, the same for a whole batch.
#[derive(Debug)]
struct Env {
    settings: crate::models::Settings,
    own: Option<String>,
}

/// What storing an event's history item came to.
#[derive(Debug)]
enum Kept {
    /// Not an event the history keeps (typing, status, connected...).
    Not,
    New(HistoryItem),
    /// Stored already: a re-delivery (catch-up, a server's re-send).
    Again,
    /// Could not be stored; shown anyway, better than losing it twice.
    Unstored(HistoryItem),
}

/// Adds to `batch` what has already arrived, up to `BATCH`.
fn take_waiting(events: &mut LinkEvents, batch: &mut Vec<LinkEvent>) {
    while batch.len() < BATCH {
        match events.try_recv() {
            Ok(event) => batch.push(event),
            Err(_) => break,
        }
    }
}

/// Waits out the rest of `COALESCE` after the last batch; whether any was
/// left. It blocks this thread's own runtime, which only the pump uses, for
/// at most that: tokio's timers have a millisecond's grain and would round
/// it up.
fn hold_for_more(last_batch: Option<Instant>) -> bool {
    let left = last_batch.and_then(|at| (at + COALESCE).checked_duration_since(Instant::now()));
    if let Some(left) = left {
        std::thread::sleep(left);
    }
    left.is_some()
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
        self.on_link_events(vec![event]);
    }

    /// A run of events in arrival order: their history items stored first,
    /// in one transaction, before any popup is decided.
    pub fn on_link_events(&self, events: Vec<LinkEvent>) {
        let kept = self.store_incoming(&events);
        // Once per batch, not per event: a flood is thousands of events a second.
        let env = Env {
            settings: self.inner.settings.effective(),
            own: self.own_user_id(),
        };
        let ui = self.shell().listening();
        let mut added = false;
        for (event, kept) in events.into_iter().zip(kept) {
            if ui {
                self.emit(UiEvent::from(event.clone()));
            }
            match event {
                LinkEvent::State(state) => {
                    tracing::info!(state = ?state, "link state");
                    self.record_state(&state);
                    self.refresh_tray();
                }
                LinkEvent::Incoming(incoming) => added |= self.on_incoming(&incoming, kept, &env),
                LinkEvent::Malformed(e) => {
                    tracing::debug!(event = %e.event, reason = %e.reason, "malformed payload")
                }
                LinkEvent::OutboxChanged(counts) => *lock(&self.inner.outbox) = counts,
                LinkEvent::Delivery(_) => {}
            }
        }
        if added {
            self.refresh_tray();
        }
    }

    /// Stores the history items of the incoming events and moves the
    /// catch-up cursor past them, in one transaction.
    fn store_incoming(&self, events: &[LinkEvent]) -> Vec<Kept> {
        let incoming = || {
            events.iter().map(|e| match e {
                LinkEvent::Incoming(i) => Some(i),
                _ => None,
            })
        };
        // The items are moved, not copied: which event has one is noted aside.
        let mut kept_for = Vec::with_capacity(events.len());
        let mut to_store = Vec::with_capacity(events.len());
        for item in incoming().map(|i| i.and_then(history::item_for)) {
            kept_for.push(item.is_some());
            to_store.extend(item);
        }
        if to_store.is_empty() {
            return kept_for.into_iter().map(|_| Kept::Not).collect();
        }
        let newest = incoming()
            .filter_map(|i| i.and_then(history::stamp_of))
            .max();
        let stored = lock(&self.inner.history).add_many_advancing(&to_store, newest);
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
                        Some(item) => Kept::Unstored(item),
                        None => Kept::Not,
                    })
                    .collect();
            }
        };
        // `fresh` has one flag per stored item, in order.
        let mut items = to_store.into_iter().zip(fresh);
        kept_for
            .into_iter()
            .map(|has| match has.then(|| items.next()).flatten() {
                Some((item, true)) => Kept::New(item),
                Some((_, false)) => Kept::Again,
                None => Kept::Not,
            })
            .collect()
    }

    /// Says so once when history writes start failing (disk full, file
    /// damaged); the events are still shown and popped up.
    fn history_failed(&self, e: &alora_store::StoreError) {
        tracing::error!(error = %e, code = e.code(), "incoming events could not be stored");
        if !self.inner.history_failing.swap(true, Ordering::Relaxed) {
            self.problem(Problem::new(
                e.code(),
                format!("{e}. New notifications are shown but not kept in the history."),
            ));
        }
    }

    fn history_recovered(&self) {
        if self.inner.history_failing.swap(false, Ordering::Relaxed) {
            tracing::info!("the history is stored again");
        }
    }

    /// Returns whether a new item was added to the history.
    fn on_incoming(&self, incoming: &Incoming, kept: Kept, env: &Env) -> bool {
        tracing::trace!(event = incoming.event_name(), "incoming");
        if let Incoming::StatusUpdated(s) = incoming {
            // Our own status, echoed from another session, is ours too.
            if env.own.as_deref() == Some(s.user_id.0.as_str()) {
                if let Ok(status) = s.status.parse::<UserStatus>() {
                    *lock(&self.inner.status) = status;
                    self.refresh_tray();
                }
            }
        }
        let added = match kept {
            // A re-send (catch-up after a reconnect): stored, shown, done.
            Kept::Again => return false,
            Kept::New(item) | Kept::Unstored(item) => {
                self.emit(UiEvent::HistoryAdded(item));
                true
            }
            Kept::Not => false,
        };
        let focus = lock(&self.inner.focus);
        let focused = focus
            .conversation
            .as_deref()
            .filter(|_| focus.window_focused);
        let ctx = PopupContext {
            prefs: &env.settings.popups,
            dnd: env.settings.dnd,
            focused_conversation: focused,
            own_user_id: env.own.as_deref(),
        };
        let popup = lock(&self.inner.popups).decide(incoming, &ctx, Instant::now());
        drop(focus);
        if let Some(popup) = popup {
            self.show(popup);
        }
        added
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_batch_close_behind_the_last_one_waits() {
        assert!(!hold_for_more(None), "the first batch waits for nothing");
        let long_ago = Instant::now().checked_sub(Duration::from_secs(3600));
        assert!(!hold_for_more(long_ago), "a lone event is not held");
        let t0 = Instant::now();
        let held = hold_for_more(Some(t0));
        // Held or not (if this thread was descheduled past the window
        // itself), the batch cannot go before the window has passed.
        assert!(t0.elapsed() >= COALESCE, "returned inside the window");
        if held {
            assert!(t0.elapsed() >= COALESCE, "held for the rest of the window");
        }
    }
}
