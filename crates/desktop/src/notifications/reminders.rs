//! What comes back by itself: a booking request nobody answered (shown
//! again every N minutes, up to `REALERTS` times) and a snoozed popup. Kept
//! in a small JSON file beside the history, so that both survive a restart;
//! a file that cannot be written is logged and the schedule kept in memory.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::attention::loudness::Loudness;
use crate::attention::why::Why;
use crate::models::{PopupKind, Snoozed, Target};
use crate::notifications::actions::PopupAction;
use crate::notifications::popups::Popup;

/// Re-alerts of one booking request; then it stays in the tray's count and
/// the inbox.
pub const REALERTS: u8 = 3;
/// The schedule's file, in the data folder.
pub const FILE: &str = "reminders.json";
/// The schedule's changes are written at most this often (a snooze at once).
pub const SAVE_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reminder {
    pub target: Target,
    pub kind: PopupKind,
    pub summary: String,
    pub body: String,
    /// Its buttons' keys.
    pub actions: Vec<String>,
    pub due: DateTime<Utc>,
    /// Re-alerts shown so far; `None` for a snooze.
    pub realerts: Option<u8>,
}

impl Reminder {
    fn of(popup: &Popup, due: DateTime<Utc>, realerts: Option<u8>) -> Self {
        Reminder {
            target: popup.target.clone(),
            kind: popup.kind,
            summary: popup.summary.clone(),
            body: popup.body.clone(),
            actions: popup.actions.iter().map(|a| a.key().to_owned()).collect(),
            due,
            realerts,
        }
    }

    /// The popup it brings back.
    pub fn popup(&self, loudness: Loudness) -> Popup {
        Popup {
            kind: self.kind,
            summary: self.summary.clone(),
            body: self.body.clone(),
            category: match self.kind {
                PopupKind::BookingRequest => "x-alora.booking-request",
                _ => "x-alora.snoozed",
            },
            target: self.target.clone(),
            actions: self
                .actions
                .iter()
                .filter_map(|k| PopupAction::from_key(k))
                .collect(),
            loudness,
        }
    }
}

#[derive(Debug, Default)]
pub struct Reminders {
    list: Vec<Reminder>,
    /// The targets in `list`: a flood of requests asks for each whether it
    /// is scheduled already, which a scan of the list made quadratic.
    targets: HashSet<Target>,
    file: Option<PathBuf>,
    /// Changed since the file was last written.
    dirty: bool,
    saved_at: Option<Instant>,
    /// Writes of the file, for the tests.
    saves: u64,
}

impl Drop for Reminders {
    fn drop(&mut self) {
        self.flush();
    }
}

impl Reminders {
    /// What `file` holds; an unreadable file is logged and started over.
    pub fn load(file: Option<PathBuf>) -> Self {
        let list: Vec<Reminder> = file
            .as_ref()
            .and_then(|f| match std::fs::read(f) {
                Ok(bytes) => serde_json::from_slice(&bytes)
                    .map_err(|e| tracing::warn!(error = %e, "the reminders file is unreadable"))
                    .ok(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => {
                    tracing::warn!(error = %e, "the reminders file cannot be read");
                    None
                }
            })
            .unwrap_or_default();
        Reminders {
            targets: list.iter().map(|r| r.target.clone()).collect(),
            list,
            file,
            ..Reminders::default()
        }
    }

    /// A booking request was shown: it comes back at `due` unless answered.
    /// One shown again (a re-delivery) keeps its schedule.
    pub fn realert_later(&mut self, popup: &Popup, due: DateTime<Utc>) {
        if !self.targets.insert(popup.target.clone()) {
            return;
        }
        self.list.push(Reminder::of(popup, due, Some(0)));
        self.changed();
    }

    /// Snoozed until `due`: in place of any re-alert of the same item, which
    /// starts over when it is back.
    pub fn snooze(&mut self, popup: &Popup, due: DateTime<Utc>) {
        if !self.targets.insert(popup.target.clone()) {
            self.list.retain(|r| r.target != popup.target);
        }
        self.list.push(Reminder::of(popup, due, None));
        self.dirty = true;
        self.flush();
    }

    /// Answered, opened or read: nothing about it comes back.
    pub fn forget(&mut self, target: &Target) -> bool {
        if !self.targets.remove(target) {
            return false;
        }
        self.list.retain(|r| &r.target != target);
        self.changed();
        true
    }

    /// The reminders due by `now`, taken out; `put_back` what is to come again.
    pub fn take_due(&mut self, now: DateTime<Utc>) -> Vec<Reminder> {
        let (due, later): (Vec<_>, Vec<_>) = self.list.drain(..).partition(|r| r.due <= now);
        self.list = later;
        if !due.is_empty() {
            for r in &due {
                self.targets.remove(&r.target);
            }
            self.changed();
        }
        due
    }

    pub fn put_back(&mut self, reminder: Reminder) {
        if !self.targets.insert(reminder.target.clone()) {
            self.list.retain(|r| r.target != reminder.target);
        }
        self.list.push(reminder);
        self.changed();
    }

    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.list.iter().map(|r| r.due).min()
    }

    /// The snoozes still to come back, soonest first.
    pub fn snoozed(&self) -> Vec<Snoozed> {
        let mut list: Vec<Snoozed> = (self.list.iter())
            .filter(|r| r.realerts.is_none())
            .map(|r| Snoozed {
                target: r.target.clone(),
                until: r.due,
            })
            .collect();
        list.sort_by_key(|s| s.until);
        list
    }

    pub fn is_waiting(&self, target: &Target) -> bool {
        self.targets.contains(target)
    }

    /// Written at most once every [`SAVE_EVERY`]: a flood of booking
    /// requests adds thousands of reminders, and writing the whole file for
    /// each made the flood's cost grow with its square.
    fn changed(&mut self) {
        self.dirty = true;
        if self.saved_at.is_none_or(|t| t.elapsed() >= SAVE_EVERY) {
            self.flush();
        }
    }

    /// Writes what changed since the last write, if anything did.
    pub fn flush(&mut self) {
        if std::mem::take(&mut self.dirty) {
            self.save();
            self.saved_at = Some(Instant::now());
            self.saves += 1;
        }
    }

    /// When a change held back by the throttle is to be written.
    pub fn pending_save(&self) -> Option<Instant> {
        let last = self.saved_at?;
        self.dirty.then(|| last + SAVE_EVERY)
    }

    #[cfg(test)]
    pub fn saves(&self) -> u64 {
        self.saves
    }

    fn save(&self) {
        let Some(file) = &self.file else { return };
        let written = serde_json::to_vec(&self.list)
            .map_err(std::io::Error::other)
            .and_then(|bytes| {
                let tmp = file.with_extension("json.tmp");
                std::fs::write(&tmp, bytes)?;
                std::fs::rename(&tmp, file)
            });
        if let Err(e) = written {
            tracing::warn!(error = %e, "reminders not saved: they last until the app quits");
        }
    }
}

/// What is true when a reminder comes due.
#[derive(Debug, Clone, Copy)]
pub struct Due {
    pub now: DateTime<Utc>,
    /// The re-alerts' interval.
    pub every: chrono::Duration,
    pub realert_on: bool,
    /// Why it is quiet, if it is.
    pub quiet: Option<Why>,
    pub bypass: bool,
}

/// What a reminder that came due does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fired {
    /// Shown again, and why (`Realert`, `Snoozed`, `Bypass`).
    Show(Popup, Why),
    /// Held by quiet time, to come again later (not counted as a re-alert).
    Held(Why),
    /// Answered, opened or read meanwhile, or the last re-alert was shown.
    Done,
}

/// The rule for a reminder come due: `open` is whether its item still
/// waits (not answered, opened nor read anywhere). Returns what to do and
/// the reminder to put back, if any.
pub fn fire(mut r: Reminder, open: bool, d: &Due, loud: Loudness) -> (Fired, Option<Reminder>) {
    if !open || (r.realerts.is_some() && !d.realert_on) {
        return (Fired::Done, None);
    }
    let urgent = r.kind == PopupKind::BookingRequest;
    if let Some(why) = d.quiet.filter(|_| !(urgent && d.bypass)) {
        r.due = d.now + d.every;
        return (Fired::Held(why), Some(r));
    }
    let why = match (d.quiet, r.realerts) {
        (Some(_), _) => Why::Bypass,
        (None, Some(_)) => Why::Realert,
        (None, None) => Why::Snoozed,
    };
    let popup = r.popup(loud);
    let next = match r.realerts {
        Some(n) if n + 1 >= REALERTS => None,
        Some(n) => Some(n + 1),
        // Back from a snooze, a request is re-alerted from the start.
        None if urgent && d.realert_on => Some(0),
        None => None,
    };
    let again = next.map(|n| Reminder {
        due: d.now + d.every,
        realerts: Some(n),
        ..r
    });
    (Fired::Show(popup, why), again)
}

#[cfg(test)]
#[path = "reminders_tests.rs"]
mod tests;
