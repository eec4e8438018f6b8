//! What shows the app to the user, as the core sees it: the `Shell` port
//! (tray and window in the GUI, logs headless), what the tray shows (and
//! what waits, in words), a shell that shows nothing, and what the window
//! has in focus.

use alora_link::UserStatus;
use alora_store::Unread;

use crate::error::AppResult;
use crate::events::UiEvent;
use crate::models::Target;

/// What shows the app to the user: tray + window in the GUI, nothing (logs)
/// headless. Called from any thread.
pub trait Shell: Send + Sync + 'static {
    fn emit(&self, event: &UiEvent);
    /// Whether anything would receive `emit` now: when not, the pipeline
    /// skips making the UI's copy of each event.
    fn listening(&self) -> bool {
        true
    }
    /// Tray icon and menu, after any change of what `TrayView` holds.
    fn refresh(&self, view: &TrayView);
    /// Opens (creating it if needed) the window, at `target` when given.
    fn open(&self, target: Option<Target>) -> AppResult<()>;
    fn quit(&self);
    /// Ends this instance and starts a new one out of the demo (after the
    /// user saved a server). Only the GUI can: it has a window to come back to.
    fn relaunch(&self) -> AppResult<()> {
        Err(crate::error::AppError::Unavailable(
            "only the tray app can restart itself".into(),
        ))
    }
    /// Puts `text` on the desktop's clipboard ("Copy diagnostics").
    fn copy_text(&self, _text: &str) -> AppResult<()> {
        Err(crate::error::AppError::Unavailable(
            "only the tray app has a clipboard".into(),
        ))
    }
}

/// What the tray shows.
#[derive(Debug, Clone, PartialEq)]
pub struct TrayView {
    pub state: alora_link::LinkState,
    /// `waiting.total()`: the drawn count.
    pub unread: usize,
    /// What is unread, by kind: the tooltip's words and the launcher's
    /// "urgent" (a booking request waits).
    pub waiting: Unread,
    pub status: UserStatus,
    pub dnd: bool,
    pub demo: bool,
}

/// "2 booking requests, 3 messages, 1 notification": what waits, by kind,
/// those with none left out; `None` when nothing waits.
pub fn waiting_words(waiting: &Unread) -> Option<String> {
    let kinds = [
        (
            waiting.booking_requests,
            "booking request",
            "booking requests",
        ),
        (waiting.messages, "message", "messages"),
        (waiting.notifications, "notification", "notifications"),
    ];
    let words: Vec<String> = kinds
        .iter()
        .filter(|(n, ..)| *n > 0)
        .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many }))
        .collect();
    (!words.is_empty()).then(|| words.join(", "))
}

/// A shell that shows nothing: before the real one is ready, and in tests.
#[derive(Debug, Default)]
pub struct NoShell;

impl Shell for NoShell {
    fn emit(&self, _: &UiEvent) {}
    fn listening(&self) -> bool {
        false
    }
    fn refresh(&self, _: &TrayView) {}
    fn open(&self, _: Option<Target>) -> AppResult<()> {
        Err(crate::error::AppError::Unavailable(
            "there is no window in this mode".into(),
        ))
    }
    fn quit(&self) {}
}

/// What the window shows and whether it has the focus (from its events).
#[derive(Debug, Default)]
pub(crate) struct Focus {
    pub window_focused: bool,
    pub conversation: Option<String>,
}

impl Focus {
    /// The conversation the user is looking at: open, in a focused window.
    pub fn focused(&self) -> Option<&str> {
        self.conversation.as_deref().filter(|_| self.window_focused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_waits_is_said_by_kind_in_the_singular_or_plural() {
        let w = |booking_requests, messages, notifications| Unread {
            booking_requests,
            messages,
            notifications,
        };
        assert_eq!(
            waiting_words(&w(2, 3, 1)).as_deref(),
            Some("2 booking requests, 3 messages, 1 notification")
        );
        assert_eq!(
            waiting_words(&w(1, 0, 12)).as_deref(),
            Some("1 booking request, 12 notifications")
        );
        assert_eq!(waiting_words(&w(0, 1, 0)).as_deref(), Some("1 message"));
        assert_eq!(waiting_words(&Unread::default()), None);
    }
}
