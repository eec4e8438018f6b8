//! The app's own IPC types (docs/IPC.md), camelCase on the wire. Types that
//! come from the link and store crates are used as they are and not
//! repeated here.

use std::collections::VecDeque;

use alora_link::{LinkState, LinkStats, OutboxCounts, UserStatus};
use serde::{Deserialize, Deserializer, Serialize};

pub use crate::attention::prefs::{AttentionPatch, AttentionPrefs, QuietHours, SoundPrefs};
use crate::attention::why::Decision;

/// The event types that may pop up, each with its own preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum PopupKind {
    /// A booking that waits for the provider's answer (PROTOCOL.md).
    BookingRequest,
    NewNotification,
    BookingUpdated,
    NewMessage,
    UserOnline,
    UserOffline,
}

impl PopupKind {
    pub const ALL: [PopupKind; 6] = [
        PopupKind::BookingRequest,
        PopupKind::NewNotification,
        PopupKind::BookingUpdated,
        PopupKind::NewMessage,
        PopupKind::UserOnline,
        PopupKind::UserOffline,
    ];
}

/// `Record<PopupKind, boolean>`; the defaults are PROTOCOL.md's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct PopupPrefs {
    pub booking_request: bool,
    pub new_notification: bool,
    pub booking_updated: bool,
    pub new_message: bool,
    pub user_online: bool,
    pub user_offline: bool,
}

impl Default for PopupPrefs {
    fn default() -> Self {
        PopupPrefs {
            booking_request: true,
            new_notification: true,
            booking_updated: true,
            new_message: true,
            user_online: false,
            user_offline: false,
        }
    }
}

impl PopupPrefs {
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    pub server_url: String,
    pub socket_path: String,
    pub user_id: Option<String>,
    pub popups: PopupPrefs,
    pub dnd: bool,
    pub start_at_login: bool,
    /// A PEM file of a CA to trust besides the system's (a company proxy's,
    /// a private server's). Certificates are always verified; this only adds
    /// a root. `--ca-cert FILE` sets it for one run.
    pub ca_cert: Option<String>,
    /// How long a sign-in through the browser waits for the browser's answer
    /// (`SIGN_IN_TIMEOUT_SECS` bounds it).
    pub sign_in_timeout_secs: u32,
    /// Sounds, re-alerts, quiet hours, the offline alarm.
    pub attention: AttentionPrefs,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            // Empty means "no server configured": the app runs the demo.
            server_url: String::new(),
            socket_path: alora_link::DEFAULT_SOCKET_PATH.to_owned(),
            user_id: None,
            popups: PopupPrefs::default(),
            dnd: false,
            start_at_login: false,
            ca_cert: None,
            sign_in_timeout_secs: crate::signin::DEFAULT_TIMEOUT_SECS,
            attention: AttentionPrefs::default(),
        }
    }
}

/// `Partial<Settings>`; `popups` may be partial too. `userId: null` clears
/// the id, a missing `userId` leaves it alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsPatch {
    pub server_url: Option<String>,
    pub socket_path: Option<String>,
    #[serde(default, deserialize_with = "some_even_if_null")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub user_id: Option<Option<String>>,
    pub popups: Option<PopupPrefsPatch>,
    pub dnd: Option<bool>,
    pub start_at_login: Option<bool>,
    /// `null` (or an empty path) trusts no extra CA again.
    #[serde(default, deserialize_with = "some_even_if_null")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub ca_cert: Option<Option<String>>,
    pub sign_in_timeout_secs: Option<u32>,
    pub attention: Option<AttentionPatch>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PopupPrefsPatch {
    pub booking_request: Option<bool>,
    pub new_notification: Option<bool>,
    pub booking_updated: Option<bool>,
    pub new_message: Option<bool>,
    pub user_online: Option<bool>,
    pub user_offline: Option<bool>,
}

impl PopupPrefsPatch {
    /// Lays the patch over six per-kind flags, in `PopupKind::ALL`'s order
    /// (the popups' and the sounds' alike).
    pub fn apply_to(&self, flags: [&mut bool; 6]) {
        let values = [
            self.booking_request,
            self.new_notification,
            self.booking_updated,
            self.new_message,
            self.user_online,
            self.user_offline,
        ];
        for (slot, value) in flags.into_iter().zip(values) {
            if let Some(value) = value {
                *slot = value;
            }
        }
    }
}

pub(crate) fn some_even_if_null<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

// The history's types are the store's own, field for field the wire shapes
// of docs/IPC.md: one definition, no copying between two.
pub use alora_store::{HistoryItem, HistoryQuery, Target, View};

/// What a popup's button sent, for an open window to show as if its own
/// button had (the booking's pending answer, the reply in the conversation).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SentFromPopup {
    /// Accept or Decline: queued (`delivery`), or refused (`error`).
    #[serde(rename_all = "camelCase")]
    BookingAnswer {
        booking_id: String,
        status: String,
        delivery: Option<alora_link::Delivery>,
        error: Option<String>,
    },
    /// An inline reply, queued.
    #[serde(rename_all = "camelCase")]
    Message {
        conversation_id: String,
        content: String,
        delivery: alora_link::Delivery,
    },
}

/// An item whose popup was snoozed (from the popup or the window), and
/// when it comes back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Snoozed {
    pub target: Target,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub until: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum KeyringMode {
    Os,
    MemoryOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum NotifierStatus {
    Available,
    Unavailable,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AppSnapshot {
    pub link: LinkState,
    pub stats: LinkStats,
    pub outbox: OutboxCounts,
    pub demo: bool,
    pub dnd: bool,
    pub status: UserStatus,
    pub user_id: Option<String>,
    pub signed_in: bool,
    pub keyring: KeyringMode,
    pub notifier: NotifierStatus,
    pub unread: usize,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StateChange {
    pub at: String,
    pub state: LinkState,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Diagnostics {
    #[cfg_attr(feature = "ts", ts(as = "Vec<StateChange>"))]
    pub state_history: VecDeque<StateChange>,
    pub stats: LinkStats,
    pub version: String,
    pub demo: bool,
    pub notifier: NotifierStatus,
    pub keyring: KeyringMode,
    /// The last popups decided: shown or held back, and why.
    pub decisions: Vec<Decision>,
    /// Who shows the popups and what it can do; `None` before the first
    /// answer, or with no notification server.
    pub notification_server: Option<NotificationServer>,
    /// Whether the desktop's Do Not Disturb is on; `None` where the
    /// server does not tell (only KDE's does).
    pub desktop_dnd: Option<bool>,
}

/// `GetServerInformation` and `GetCapabilities`, as the server answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NotificationServer {
    pub name: String,
    pub vendor: String,
    pub version: String,
    pub capabilities: Vec<String>,
}

/// The payload of `app://problem`, and the wire shape of every error
/// (`AppError::body`): `{code, message}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Problem {
    pub code: String,
    pub message: String,
}

impl Problem {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Problem {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}
