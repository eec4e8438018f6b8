//! The pipeline's time-driven attention: summaries of bursts, what came
//! while it was quiet (one popup when quiet ends), reminders come due
//! (re-alerts, snoozes), the offline alarm and "Sign in again"; and the one
//! place popups go out, each with its reason noted for Diagnostics.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use alora_link::LinkState;
use chrono::{DateTime, Utc};

use crate::app::state::Core;
use crate::attention::loudness::{loudness, Loudness};
use crate::attention::offline::{Alarm, OfflineAlarm};
use crate::attention::why::Why;
use crate::attention::{minutes, utc_now};
use crate::models::{PopupKind, Settings, Target, View};
use crate::notifications::actions::PopupAction;
use crate::notifications::popups::{summary_for, while_quiet, Popup};
use crate::notifications::reminders::{fire, Due, Fired};

use super::Pipeline;

/// While quiet, how often the pipeline looks whether it still is (the
/// desktop's Do Not Disturb and the schedule change by themselves).
const QUIET_POLL: Duration = Duration::from_secs(1);

/// What the pipeline keeps for the attention rules.
#[derive(Debug, Default)]
pub(super) struct Attending {
    alarm: OfflineAlarm,
    /// Held back by quiet time, by kind, for the summary when it ends.
    held: HashMap<PopupKind, usize>,
    quiet: Option<Why>,
    /// "Sign in again" waits for quiet time to end.
    sign_in_due: bool,
}

/// The alarm popups' one item: "Sign in again" replaces "offline" in place.
fn alarm_target() -> Target {
    Target::new(View::Settings, Some("alora:link".into()))
}

fn alarm(summary: &str, body: &str, action: PopupAction) -> Popup {
    Popup {
        kind: PopupKind::NewNotification,
        summary: summary.to_owned(),
        body: body.to_owned(),
        category: "network.disconnected",
        target: alarm_target(),
        actions: vec![action],
        loudness: Loudness::ALARM,
    }
}

/// One popup for a burst's `count` held back. Booking requests' is as loud
/// as a request, and stays until dismissed: each of them still waits.
fn burst_summary(kind: PopupKind, count: usize, settings: &Settings) -> Popup {
    let mut popup = summary_for(kind, count);
    if kind == PopupKind::BookingRequest {
        popup.loudness = loudness(kind, &settings.attention.sounds);
    }
    popup
}

impl Pipeline {
    /// Shows a popup without waiting, its reason noted.
    pub(super) fn show(&self, popup: Popup, why: Why) {
        self.shown(&popup, why);
        Pipeline::send(&self.core, popup);
    }

    /// A popup sent: its reason noted for Diagnostics.
    pub(super) fn shown(&self, popup: &Popup, why: Why) {
        self.core.note_decision(&popup.summary, why);
        tracing::debug!(summary = %popup.summary, ?why, "popup");
    }

    /// The one way a popup goes out, without waiting: the notifier's task
    /// lives until the popup is clicked or closed.
    pub(super) fn send(core: &Core, popup: Popup) {
        let notifier = core.notifier();
        core.spawn(async move {
            if let Err(e) = notifier.show(popup).await {
                tracing::debug!(error = %e, "popup not shown");
            }
        });
    }

    /// A popup held back: noted, and counted for the summary if by quiet time.
    pub(super) fn held(&mut self, popup: &Popup, why: Why) {
        self.core.note_decision(&popup.summary, why);
        if matches!(
            why,
            Why::DoNotDisturb | Why::DoNotDisturbUntil | Why::QuietHours | Why::DesktopDoNotDisturb
        ) {
            *self.attending.held.entry(popup.kind).or_default() += 1;
        }
    }

    /// Quiet now, for a batch: also the start of quiet time.
    pub(super) fn quiet(&mut self, settings: &Settings) -> Option<Why> {
        let quiet = self.core.quiet_now(settings);
        if quiet.is_some() {
            self.attending.quiet = quiet;
        }
        quiet
    }

    /// The offline alarm follows the link.
    pub(super) fn link_state(&mut self, state: &LinkState) {
        let now = utc_now(self.core.clock().as_ref());
        match self.attending.alarm.on_state(state, now) {
            Some(Alarm::RaiseSignIn) => {
                self.attending.sign_in_due = true;
                self.raise_sign_in();
            }
            Some(Alarm::Withdraw) => {
                self.attending.sign_in_due = false;
                self.core.withdraw_popups(vec![alarm_target()]);
            }
            _ => {}
        }
    }

    fn raise_sign_in(&mut self) {
        if self.attending.sign_in_due && self.attending.quiet.is_none() {
            self.attending.sign_in_due = false;
            let body = "The server no longer takes this sign-in: new bookings cannot reach you.";
            self.show(
                alarm("Sign in again", body, PopupAction::SignIn),
                Why::Alarm,
            );
        }
    }

    /// Time-driven attention work, after the burst summaries.
    pub(super) fn attend(&mut self, settings: &Settings) {
        let quiet = self.core.quiet_now(settings);
        for (kind, count) in self.rules.flush(Instant::now()) {
            let urgent = kind == PopupKind::BookingRequest;
            match quiet {
                Some(_) if !(urgent && settings.attention.urgent_bypass) => {
                    *self.attending.held.entry(kind).or_default() += count
                }
                _ => self.show(burst_summary(kind, count, settings), Why::Summary),
            }
        }
        let was_quiet = std::mem::replace(&mut self.attending.quiet, quiet);
        if was_quiet.is_some() && quiet.is_none() {
            if let Some(summary) = while_quiet(&self.attending.held) {
                self.show(summary, Why::Summary);
            }
            self.attending.held.clear();
            self.raise_sign_in();
        }
        self.reminders_due(settings, quiet);
        let clock = self.core.clock();
        let grace = minutes(clock.as_ref(), settings.attention.offline_grace_minutes);
        let now = utc_now(clock.as_ref());
        if settings.attention.offline_alarm
            && self.attending.alarm.on_tick(now, grace, quiet.is_some())
                == Some(Alarm::RaiseOffline)
        {
            let body = "You may miss bookings. Alora keeps trying to reconnect.";
            self.show(
                alarm("Alora is offline", body, PopupAction::Reconnect),
                Why::Alarm,
            );
        }
    }

    fn reminders_due(&mut self, settings: &Settings, quiet: Option<Why>) {
        let clock = self.core.clock();
        let a = &settings.attention;
        let d = Due {
            now: utc_now(clock.as_ref()),
            every: minutes(clock.as_ref(), a.realert_minutes),
            realert_on: a.realert,
            quiet,
            bypass: a.urgent_bypass,
        };
        let due = self.core.reminders().take_due(d.now);
        for reminder in due {
            let open = self.core.is_waiting(&reminder.target);
            let loud = loudness(reminder.kind, &a.sounds);
            let summary = reminder.summary.clone();
            let (fired, again) = fire(reminder, open, &d, loud);
            match fired {
                // Re-alerts come due together after a flood: they share
                // the burst budget of new requests.
                Fired::Show(popup, why) => {
                    match self
                        .rules
                        .bursts
                        .admit(popup.kind, &popup.target, Instant::now())
                    {
                        Why::Coalesced => self.core.note_decision(&summary, Why::Coalesced),
                        _ => self.show(popup, why),
                    }
                }
                Fired::Held(why) => self.core.note_decision(&summary, why),
                Fired::Done => {}
            }
            if let Some(again) = again {
                self.core.reminders().put_back(again);
            }
        }
    }

    /// A booking request shown or held: it comes back until answered.
    pub(super) fn remind_later(&self, popup: &Popup, settings: &Settings) {
        if popup.kind != PopupKind::BookingRequest || !settings.attention.realert {
            return;
        }
        let clock = self.core.clock();
        let due =
            utc_now(clock.as_ref()) + minutes(clock.as_ref(), settings.attention.realert_minutes);
        self.core.reminders().realert_later(popup, due);
    }

    /// The next moment attention work is due, if any.
    pub(super) fn next_attention(&self) -> Option<Instant> {
        let settings = self.core.settings();
        let clock = self.core.clock();
        let now = utc_now(clock.as_ref());
        let at = |due: DateTime<Utc>| Instant::now() + (due - now).to_std().unwrap_or_default();
        let quiet = self.attending.quiet.is_some();
        let grace = minutes(clock.as_ref(), settings.attention.offline_grace_minutes);
        let alarm = (settings.attention.offline_alarm && !quiet)
            .then(|| self.attending.alarm.due(grace))
            .flatten()
            .map(at);
        let reminder = self.core.reminders().next_due().map(at);
        let save = self.core.reminders().pending_save();
        let poll = quiet.then(|| Instant::now() + QUIET_POLL);
        [alarm, reminder, poll, save].into_iter().flatten().min()
    }
}
