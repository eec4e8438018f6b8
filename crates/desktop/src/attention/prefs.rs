//! The attention settings (`Settings.attention`): sound per kind, re-alerts,
//! quiet hours, the urgent bypass, "Do not disturb until", the offline
//! alarm; their partial form, and how a patch is checked and applied.

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::models::{PopupKind, PopupPrefsPatch};

/// Sound on or off per kind; off sends `suppress-sound`, so the server's
/// own default sound does not play either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct SoundPrefs {
    pub booking_request: bool,
    pub new_notification: bool,
    pub booking_updated: bool,
    pub new_message: bool,
    pub user_online: bool,
    pub user_offline: bool,
}

impl Default for SoundPrefs {
    fn default() -> Self {
        SoundPrefs {
            booking_request: true,
            new_notification: false,
            booking_updated: false,
            new_message: true,
            user_online: false,
            user_offline: false,
        }
    }
}

impl SoundPrefs {
    pub fn allows(&self, kind: PopupKind) -> bool {
        match kind {
            PopupKind::BookingRequest => self.booking_request,
            PopupKind::NewNotification => self.new_notification,
            PopupKind::BookingUpdated => self.booking_updated,
            PopupKind::NewMessage => self.new_message,
            PopupKind::UserOnline => self.user_online,
            PopupKind::UserOffline => self.user_offline,
        }
    }
}

/// A daily quiet time, local, `"HH:MM"`; `from` after `to` runs across
/// midnight (19:00-08:00).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct QuietHours {
    pub enabled: bool,
    pub from: String,
    pub to: String,
}

impl Default for QuietHours {
    fn default() -> Self {
        QuietHours {
            enabled: false,
            from: "19:00".to_owned(),
            to: "08:00".to_owned(),
        }
    }
}

/// `"HH:MM"` as a time of day.
pub fn time_of_day(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").ok()
}

pub const REALERT_MINUTES: std::ops::RangeInclusive<u32> = 2..=30;
pub const GRACE_MINUTES: std::ops::RangeInclusive<u32> = 1..=60;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct AttentionPrefs {
    pub sounds: SoundPrefs,
    /// An unanswered booking request is shown again, up to 3 times.
    pub realert: bool,
    /// Minutes between re-alerts, 2 to 30.
    pub realert_minutes: u32,
    pub quiet_hours: QuietHours,
    /// Booking requests come through Do Not Disturb and quiet hours.
    pub urgent_bypass: bool,
    /// Alora's own Do Not Disturb until then (RFC 3339), "until tomorrow".
    pub dnd_until: Option<String>,
    /// "Alora is offline" after the link has been down this long.
    pub offline_alarm: bool,
    pub offline_grace_minutes: u32,
}

impl Default for AttentionPrefs {
    fn default() -> Self {
        AttentionPrefs {
            sounds: SoundPrefs::default(),
            realert: true,
            realert_minutes: 5,
            quiet_hours: QuietHours::default(),
            urgent_bypass: false,
            dnd_until: None,
            offline_alarm: true,
            offline_grace_minutes: 2,
        }
    }
}

/// `Partial<AttentionPrefs>`; `dndUntil: null` ends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttentionPatch {
    pub sounds: Option<PopupPrefsPatch>,
    pub realert: Option<bool>,
    pub realert_minutes: Option<u32>,
    pub quiet_hours: Option<QuietHours>,
    pub urgent_bypass: Option<bool>,
    #[serde(default, deserialize_with = "crate::models::some_even_if_null")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub dnd_until: Option<Option<String>>,
    pub offline_alarm: Option<bool>,
    pub offline_grace_minutes: Option<u32>,
}

impl AttentionPatch {
    /// Refuses what the rules could not read, before anything is stored.
    pub fn check(&self) -> AppResult<()> {
        let bad = |what: String| Err(AppError::InvalidInput(what));
        if let Some(m) = self
            .realert_minutes
            .filter(|m| !REALERT_MINUTES.contains(m))
        {
            return bad(format!("re-alerts are 2 to 30 minutes apart, not {m}"));
        }
        if let Some(m) = self
            .offline_grace_minutes
            .filter(|m| !GRACE_MINUTES.contains(m))
        {
            return bad(format!("the offline alarm waits 1 to 60 minutes, not {m}"));
        }
        if let Some(q) = &self.quiet_hours {
            for t in [&q.from, &q.to] {
                if time_of_day(t).is_none() {
                    return bad(format!("quiet hours are given as HH:MM, not {t:?}"));
                }
            }
        }
        if let Some(Some(until)) = &self.dnd_until {
            if chrono::DateTime::parse_from_rfc3339(until).is_err() {
                return bad(format!("\"do not disturb until\" is not a time: {until:?}"));
            }
        }
        Ok(())
    }

    pub fn apply(self, a: &mut AttentionPrefs) {
        if let Some(p) = self.sounds {
            let f = &mut a.sounds;
            p.apply_to([
                &mut f.booking_request,
                &mut f.new_notification,
                &mut f.booking_updated,
                &mut f.new_message,
                &mut f.user_online,
                &mut f.user_offline,
            ]);
        }
        let set = |slot: &mut bool, v: Option<bool>| *slot = v.unwrap_or(*slot);
        set(&mut a.realert, self.realert);
        set(&mut a.urgent_bypass, self.urgent_bypass);
        set(&mut a.offline_alarm, self.offline_alarm);
        if let Some(m) = self.realert_minutes {
            a.realert_minutes = m;
        }
        if let Some(m) = self.offline_grace_minutes {
            a.offline_grace_minutes = m;
        }
        if let Some(q) = self.quiet_hours {
            a.quiet_hours = q;
        }
        if let Some(u) = self.dnd_until {
            a.dnd_until = u.filter(|u| !u.trim().is_empty());
        }
    }
}
