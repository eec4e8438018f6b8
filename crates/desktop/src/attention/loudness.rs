//! How loud a popup is, by kind: the freedesktop urgency, the sound from
//! the sound theme (or `suppress-sound`), whether it stays until answered
//! and whether the server may drop it from its history.

use crate::attention::prefs::SoundPrefs;
use crate::models::PopupKind;

/// freedesktop's `urgency` hint (a byte: 0, 1, 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Urgency {
    Low = 0,
    Normal = 1,
    Critical = 2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Loudness {
    pub urgency: Urgency,
    /// A `sound-name` of the freedesktop sound theme; `None` sends
    /// `suppress-sound`, so that the server plays none of its own either.
    pub sound: Option<&'static str>,
    /// On screen until the user answers (`expire_timeout` 0), where the
    /// server honours it.
    pub persistent: bool,
    /// Not kept in the server's history (`transient`).
    pub transient: bool,
}

impl Loudness {
    /// A plain popup: normal, silent, the server's timeout.
    pub const QUIET: Loudness = Loudness {
        urgency: Urgency::Normal,
        sound: None,
        persistent: false,
        transient: false,
    };

    /// Things that need the user now (a booking request, the offline alarm).
    pub const ALARM: Loudness = Loudness {
        urgency: Urgency::Critical,
        sound: Some("bell"),
        persistent: true,
        transient: false,
    };

    /// `expire_timeout`: 0 stays, -1 is the server's default.
    pub fn expire_timeout(&self) -> i32 {
        if self.persistent {
            0
        } else {
            -1
        }
    }
}

/// The sound a kind plays when its sound is on.
fn sound_of(kind: PopupKind) -> &'static str {
    match kind {
        PopupKind::BookingRequest => "bell",
        PopupKind::NewMessage => "message-new-instant",
        PopupKind::NewNotification | PopupKind::BookingUpdated => "message",
        PopupKind::UserOnline | PopupKind::UserOffline => "service-login",
    }
}

/// The loudness of a kind's popups, with the user's sound choice.
pub fn loudness(kind: PopupKind, sounds: &SoundPrefs) -> Loudness {
    let sound = sounds.allows(kind).then(|| sound_of(kind));
    match kind {
        PopupKind::BookingRequest => Loudness {
            sound,
            ..Loudness::ALARM
        },
        PopupKind::NewMessage | PopupKind::NewNotification | PopupKind::BookingUpdated => {
            Loudness {
                sound,
                ..Loudness::QUIET
            }
        }
        PopupKind::UserOnline | PopupKind::UserOffline => Loudness {
            urgency: Urgency::Low,
            sound,
            persistent: false,
            transient: true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_as_shipped() {
        let s = SoundPrefs::default();
        let request = loudness(PopupKind::BookingRequest, &s);
        assert_eq!(request.urgency, Urgency::Critical);
        assert!(request.persistent && request.sound.is_some() && !request.transient);
        assert_eq!(request.expire_timeout(), 0);
        let message = loudness(PopupKind::NewMessage, &s);
        assert_eq!(
            (message.urgency, message.sound),
            (Urgency::Normal, Some("message-new-instant"))
        );
        assert_eq!(message.expire_timeout(), -1);
        let change = loudness(PopupKind::BookingUpdated, &s);
        assert_eq!((change.urgency, change.sound), (Urgency::Normal, None));
        let online = loudness(PopupKind::UserOnline, &s);
        assert_eq!(online.urgency, Urgency::Low);
        assert!(online.transient && online.sound.is_none());
    }

    #[test]
    fn sound_off_for_a_kind_is_silence() {
        let s = SoundPrefs {
            booking_request: false,
            ..SoundPrefs::default()
        };
        let request = loudness(PopupKind::BookingRequest, &s);
        assert_eq!(request.sound, None);
        assert_eq!(
            request.urgency,
            Urgency::Critical,
            "still urgent, only silent"
        );
    }
}
