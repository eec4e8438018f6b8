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
        // One flag per stored item, whether it was new; `None` when the
        // batch could not be stored.
        let fresh = if to_store.is_empty() {
            Some(Vec::new())
        } else {
            let newest = incoming
                .iter()
                .filter_map(|i| i.and_then(inbox::stamp_of))
                .max();
            let stored = self.core.inbox().add_many_advancing(&to_store, newest);
            match stored {
                Ok(fresh) => {
                    self.history_recovered();
                    Some(fresh)
                }
                Err(e) => {
                    self.history_failed(&e);
                    None
                }
            }
        };
        let stored = stored_by_event(kept_for, to_store, fresh);
        // A re-delivery is not seen again; an item that could not be stored
        // is decided as new: shown, better than lost twice.
        let seen = |i: usize| !matches!(stored[i], Stored::Again);
        let decided = decide_all(&mut self.rules, &self.core, &incoming, seen, env);
        stored.into_iter().zip(decided).collect()
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

/// What became of each event's item: `kept_for` says which events have
/// one, `items` are those in order, and `fresh` has one flag per item,
/// whether it was new (`None`: the batch could not be stored).
fn stored_by_event(
    kept_for: Vec<bool>,
    items: Vec<HistoryItem>,
    fresh: Option<Vec<bool>>,
) -> Vec<Stored> {
    let mut items = items.into_iter();
    let mut fresh = fresh.map(Vec::into_iter);
    kept_for
        .into_iter()
        .map(|has| {
            let Some(item) = has.then(|| items.next()).flatten() else {
                return Stored::NotHistory;
            };
            match fresh.as_mut().map(|f| f.next().unwrap_or(false)) {
                Some(true) => Stored::New(item),
                Some(false) => Stored::Again,
                None => Stored::Failed(item),
            }
        })
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

    fn item(id: &str) -> HistoryItem {
        HistoryItem {
            id: id.into(),
            event: "newNotification".into(),
            title: id.into(),
            body: String::new(),
            created_at: "2026-01-01T00:00:00.000Z".into(),
            read: false,
            link: None,
            target: crate::models::Target::new(crate::models::View::Notifications, None),
            kind: Default::default(),
        }
    }

    /// Whether the popup rules see each event, and the item's id, if any.
    fn seen(stored: &[Stored]) -> Vec<(bool, Option<&str>)> {
        stored
            .iter()
            .map(|s| match s {
                Stored::NotHistory => (true, None),
                Stored::New(i) => (true, Some(i.id.as_str())),
                Stored::Again => (false, None),
                Stored::Failed(i) => (true, Some(i.id.as_str())),
            })
            .collect()
    }

    #[test]
    fn a_re_delivered_item_is_not_seen_and_other_events_are() {
        // typing (no item), new item, stored already, new item
        let kept_for = vec![false, true, true, true];
        let items = || vec![item("a"), item("b"), item("c")];
        let stored = stored_by_event(kept_for.clone(), items(), Some(vec![true, false, true]));
        assert_eq!(
            seen(&stored).iter().map(|s| s.0).collect::<Vec<_>>(),
            [true, true, false, true]
        );
        assert_eq!(
            seen(&stored),
            [
                (true, None),
                (true, Some("a")),
                (false, None),
                (true, Some("c"))
            ]
        );
        assert!(matches!(stored[1], Stored::New(_)));
        let none = stored_by_event(vec![false, false], Vec::new(), Some(Vec::new()));
        assert_eq!(seen(&none), [(true, None), (true, None)]);
        // Not stored: every item is kept for the UI and seen by the rules.
        let failed = stored_by_event(kept_for, items(), None);
        assert!(failed
            .iter()
            .skip(1)
            .all(|s| matches!(s, Stored::Failed(_))));
        assert_eq!(
            seen(&failed),
            [
                (true, None),
                (true, Some("a")),
                (true, Some("b")),
                (true, Some("c"))
            ]
        );
    }
}
