//! What the core keeps of the attention rules for the pipeline and the
//! commands: the reminders on disk (re-alerts, snoozes), the last decisions
//! for Diagnostics, the clock the rules read, and a wake-up for the pipeline
//! when one of them changes from outside it (a snooze, an answer, a setting).

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::app::state::{lock, Core};
use crate::attention::why::{Decision, Decisions, Why};
use crate::attention::{minutes, quiet, utc_now, Clock, SystemClock};
use crate::error::AppResult;
use crate::events::UiEvent;
use crate::models::{PopupKind, Settings, SettingsPatch, Snoozed, Target, View};
use crate::notifications::actions::{PopupAction, Snooze};
use crate::notifications::popups::Popup;
use crate::notifications::reminders::{self, Reminders};

pub(in crate::app) struct Attention {
    reminders: Mutex<Reminders>,
    decisions: Mutex<Decisions>,
    changed: tokio::sync::Notify,
    clock: Arc<dyn Clock>,
}

impl Attention {
    /// Reminders kept in `dir` (beside the history), or in memory.
    pub(in crate::app) fn new(dir: Option<&Path>) -> Self {
        Attention {
            reminders: Mutex::new(Reminders::load(dir.map(|d| d.join(reminders::FILE)))),
            decisions: Mutex::default(),
            changed: tokio::sync::Notify::new(),
            clock: Arc::new(SystemClock::from_env()),
        }
    }
}

impl Core {
    fn attention(&self) -> &Attention {
        &self.inner.attention
    }

    pub fn clock(&self) -> Arc<dyn Clock> {
        self.attention().clock.clone()
    }

    pub fn reminders(&self) -> MutexGuard<'_, Reminders> {
        lock(&self.attention().reminders)
    }

    /// Returns when something the pipeline's timers depend on changed.
    pub async fn attention_changed(&self) {
        self.attention().changed.notified().await;
    }

    fn wake_pipeline(&self) {
        self.attention().changed.notify_one();
    }

    pub fn note_decision(&self, summary: &str, why: Why) {
        let now = utc_now(self.attention().clock.as_ref());
        lock(&self.attention().decisions).note(now, summary, why);
    }

    pub fn decisions(&self) -> Vec<Decision> {
        lock(&self.attention().decisions).list()
    }

    /// Why it is quiet now, if it is (for `settings`, read once a batch).
    pub fn quiet_now(&self, settings: &Settings) -> Option<Why> {
        let inhibited = self.notifier().inhibited().unwrap_or(false);
        quiet::quiet_reason(settings, inhibited, self.attention().clock.now())
    }

    /// The popup goes and comes back in `snooze`'s minutes, also after a
    /// restart. A request's re-alerts wait for it, and it comes back with
    /// its Accept and Decline.
    pub(in crate::app) fn snooze(
        &self,
        target: Target,
        (summary, body): (String, String),
        snooze: Snooze,
        request: bool,
    ) {
        let (kind, actions) = match target.view {
            View::Bookings if request => (
                PopupKind::BookingRequest,
                vec![PopupAction::Accept, PopupAction::Decline],
            ),
            View::Messages => (PopupKind::NewMessage, Vec::new()),
            View::Bookings => (PopupKind::BookingUpdated, Vec::new()),
            _ => (PopupKind::NewNotification, Vec::new()),
        };
        let actions = if actions.is_empty() {
            vec![PopupAction::MarkRead, PopupAction::Snooze(snooze)]
        } else {
            actions
        };
        let popup = Popup {
            kind,
            summary,
            body,
            category: "x-alora.snoozed",
            target,
            actions,
            loudness: crate::attention::loudness::Loudness::QUIET,
        };
        let clock = self.clock();
        let due = utc_now(clock.as_ref()) + minutes(clock.as_ref(), snooze.minutes());
        self.reminders().snooze(&popup, due);
        self.wake_pipeline();
        self.emit(UiEvent::Snoozed(self.snoozed()));
    }

    /// The snoozes still to come back, for the window.
    pub fn snoozed(&self) -> Vec<Snoozed> {
        self.reminders().snoozed()
    }

    /// Whether the item still waits for the user: not answered (from any
    /// device) and still unread in the history.
    pub fn is_waiting(&self, target: &Target) -> bool {
        let answered = target.view == View::Bookings
            && target
                .id
                .as_deref()
                .is_some_and(|id| lock(&self.inner.answered).contains(id));
        !answered && self.inbox().has_unread(target)
    }

    /// The item was answered, opened or read: its re-alerts and snoozes end.
    pub fn handled(&self, target: &Target) {
        let forgot = self.reminders().forget(target);
        if forgot {
            self.wake_pipeline();
            self.emit(UiEvent::Snoozed(self.snoozed()));
        }
    }

    /// Alora's own Do Not Disturb: on, or until a time to come.
    pub fn dnd_on(&self) -> bool {
        quiet::dnd_on(&self.settings(), self.clock().now())
    }

    /// Alora's Do Not Disturb until the next morning (the quiet hours' end).
    pub async fn dnd_until_tomorrow(&self) -> AppResult<Settings> {
        let settings = self.settings();
        let until = quiet::until_tomorrow(&settings.attention.quiet_hours, self.clock().now());
        let patch = SettingsPatch {
            attention: Some(crate::models::AttentionPatch {
                dnd_until: Some(Some(until.to_rfc3339())),
                ..Default::default()
            }),
            ..Default::default()
        };
        self.update_settings(patch).await
    }

    /// After a settings change: quiet time may have ended, re-alerts moved.
    pub(in crate::app) fn attention_settings_changed(&self) {
        self.wake_pipeline();
    }
}
