//! A batch's way into the history and past the popup rules: its items are
//! stored in one transaction, then what is new is decided and its popups go
//! out, so that a popup on screen is in the history too, also after a crash.
//! Whether history writes fail is owned here.

use std::time::Instant;

use alora_link::{Incoming, LinkEvent};

use crate::app::state::Core;
use crate::attention::why::Why;
use crate::data::inbox;
use crate::models::{HistoryItem, Problem, Settings};
use crate::notifications::popups::{Decided, PopupContext, PopupRules};

use super::Pipeline;

/// What the popup rules read, the same for a whole batch: read once, not
/// per event, since a flood is thousands of events a second.
#[derive(Debug)]
pub(super) struct BatchContext {
    pub(super) settings: Settings,
    pub(super) own: Option<String>,
    pub(super) quiet: Option<Why>,
    focused: Option<String>,
}

impl BatchContext {
    fn popups(&self) -> PopupContext<'_> {
        PopupContext {
            prefs: &self.settings.popups,
            sounds: &self.settings.attention.sounds,
            quiet: self.quiet,
            bypass: self.settings.attention.urgent_bypass,
            focused_conversation: self.focused.as_deref(),
            own_user_id: self.own.as_deref(),
        }
    }
}

/// What became of an event in the history.
#[derive(Debug)]
pub(super) enum Stored {
    /// An event the history does not keep (typing, status, connected...).
    NotHistory,
    New(HistoryItem),
    /// Stored already: a re-delivery (catch-up, a server's re-send).
    Again,
    /// Could not be stored; shown anyway, better than losing it twice.
    Failed(HistoryItem),
}

/// Each event's place in the history and the popup rules' word on it.
pub(super) type Outcome = (Stored, Option<Decided>);

impl Pipeline {
    pub(super) fn batch_context(&mut self) -> BatchContext {
        let settings = self.core.settings();
        BatchContext {
            quiet: self.quiet(&settings),
            own: self.core.own_user_id_in(&settings),
            focused: self.core.focused_conversation(),
            settings,
        }
    }

    /// Stores the batch's history items and moves the catch-up cursor past
    /// them, in one transaction; then decides the popups of what is new and
    /// sends those shown.
    pub(super) fn store_and_decide(
        &mut self,
        events: &[LinkEvent],
        env: &BatchContext,
    ) -> Vec<Outcome> {
        let incoming: Vec<Option<&Incoming>> = events
            .iter()
            .map(|e| match e {
                LinkEvent::Incoming(i) => Some(i),
                _ => None,
            })
            .collect();
        // The items are moved, not copied: which event has one is noted aside.
        let mut kept_for = Vec::with_capacity(events.len());
        let mut to_store = Vec::with_capacity(events.len());
        for item in incoming.iter().map(|i| i.and_then(inbox::item_for)) {
            kept_for.push(item.is_some());
            to_store.extend(item);
        }
        if to_store.is_empty() {
            let decided = decide_all(&mut self.rules, &self.core, &incoming, |_| true, env);
            return kept_for
                .into_iter()
                .map(|_| Stored::NotHistory)
                .zip(decided)
                .collect();
        }
        let newest = incoming
            .iter()
            .filter_map(|i| i.and_then(inbox::stamp_of))
            .max();
        let stored = self.core.inbox().add_many_advancing(&to_store, newest);
        let fresh = match stored {
            Ok(fresh) => {
                self.history_recovered();
                fresh
            }
            Err(e) => {
                self.history_failed(&e);
                let decided = decide_all(&mut self.rules, &self.core, &incoming, |_| true, env);
                let mut items = to_store.into_iter();
                return kept_for
                    .into_iter()
                    .map(|has| match has.then(|| items.next()).flatten() {
                        Some(item) => Stored::Failed(item),
                        None => Stored::NotHistory,
                    })
                    .zip(decided)
                    .collect();
            }
        };
        let sees = fresh_by_event(&kept_for, &fresh);
        let decided = decide_all(&mut self.rules, &self.core, &incoming, |i| sees[i], env);
        // `fresh` has one flag per stored item, in order.
        let mut items = to_store.into_iter().zip(fresh);
        kept_for
            .into_iter()
            .map(|has| match has.then(|| items.next()).flatten() {
                Some((item, true)) => Stored::New(item),
                Some((_, false)) => Stored::Again,
                None => Stored::NotHistory,
            })
            .zip(decided)
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
}

/// For each event, whether the popup rules see it: not when its item was
/// stored already (a re-delivery). `new` has one flag per stored item.
fn fresh_by_event(kept_for: &[bool], new: &[bool]) -> Vec<bool> {
    let mut new = new.iter();
    kept_for
        .iter()
        .map(|&has| !has || new.next().copied().unwrap_or(false))
        .collect()
}

/// The popup rules' word on each incoming event the rules see, in order;
/// the popups shown go out at once.
fn decide_all(
    rules: &mut PopupRules,
    core: &Core,
    incoming: &[Option<&Incoming>],
    sees: impl Fn(usize) -> bool,
    env: &BatchContext,
) -> Vec<Option<Decided>> {
    let ctx = env.popups();
    let now = Instant::now();
    incoming
        .iter()
        .enumerate()
        .map(|(i, event)| {
            let decided = rules.decide((*event).filter(|_| sees(i))?, &ctx, now);
            if let Some(Decided::Shown(popup, _)) = &decided {
                Pipeline::send(core, popup.clone());
            }
            decided
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_re_delivered_item_is_not_seen_and_other_events_are() {
        // typing (no item), new item, stored already, new item
        let kept_for = [false, true, true, true];
        assert_eq!(
            fresh_by_event(&kept_for, &[true, false, true]),
            [true, true, false, true]
        );
        assert_eq!(fresh_by_event(&[false, false], &[]), [true, true]);
    }
}
