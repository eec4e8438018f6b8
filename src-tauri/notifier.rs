//! Desktop notifications: notify-rust behind the small `Notifier` trait.
//! Texts are escaped for freedesktop body markup and cut cleanly; "Open" is
//! the default action; a missing notification server is reported once and
//! the app carries on without popups.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use notify_rust::{Hint, Notification, NotificationResponse, Timeout};

use crate::models::{NotifierStatus, Problem, Target};
use crate::popups::Popup;

pub const APP_NAME: &str = "Alora";
pub const SUMMARY_MAX_CHARS: usize = 80;
pub const BODY_MAX_CHARS: usize = 240;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

#[derive(Debug, Clone, thiserror::Error)]
#[error("the notification could not be shown: {0}")]
pub struct NotifyError(pub String);

/// Shows popups. The desktop one talks D-Bus; tests use a recording one.
pub trait Notifier: Send + Sync + 'static {
    fn show(&self, popup: Popup) -> BoxFuture<'_, Result<(), NotifyError>>;
    fn status(&self) -> NotifierStatus;
}

/// What the notifier calls back into: "Open" clicked, a problem to report.
pub struct NotifierHooks {
    pub open: Box<dyn Fn(Target) + Send + Sync>,
    pub problem: Box<dyn Fn(Problem) + Send + Sync>,
}

impl std::fmt::Debug for NotifierHooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NotifierHooks")
    }
}

/// freedesktop body markup is a small HTML subset: these three are enough to
/// make any text literal.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters, cut on a character boundary (at the last space
/// when there is one near) and ended with "…".
pub fn truncate(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut chars = text.chars();
    let cut: String = chars.by_ref().take(max.saturating_sub(1)).collect();
    let at_word_end = chars.next().is_none_or(char::is_whitespace);
    let keep = match cut.rfind(char::is_whitespace) {
        Some(i) if !at_word_end && i >= cut.len() * 3 / 4 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", keep.trim_end())
}

/// The notification as sent: summary is plain text (servers do not parse
/// markup there), the body is escaped markup.
pub fn render(popup: &Popup) -> (String, String) {
    let summary = truncate(&popup.summary, SUMMARY_MAX_CHARS);
    let body = escape_markup(&truncate(&popup.body, BODY_MAX_CHARS));
    (summary, body)
}

#[derive(Debug)]
pub struct DesktopNotifier {
    icon: String,
    available: AtomicBool,
    reported: AtomicBool,
    hooks: OnceLock<NotifierHooks>,
}

impl DesktopNotifier {
    /// `icon` is an absolute path to a PNG or an icon name.
    pub fn new(icon: impl Into<String>) -> Arc<Self> {
        Arc::new(DesktopNotifier {
            icon: icon.into(),
            available: AtomicBool::new(true),
            reported: AtomicBool::new(false),
            hooks: OnceLock::new(),
        })
    }

    pub fn set_hooks(&self, hooks: NotifierHooks) {
        if self.hooks.set(hooks).is_err() {
            tracing::debug!("notifier hooks were set already");
        }
    }

    /// Asks the server who it is; marks the notifier unavailable (and reports
    /// it) when nobody answers.
    pub async fn probe(&self) -> NotifierStatus {
        match server_name().await {
            Ok(name) => {
                tracing::info!(server = %name, "notification server found");
                self.available.store(true, Ordering::Relaxed);
            }
            Err(e) => self.unavailable(&e),
        }
        self.status()
    }

    pub fn status(&self) -> NotifierStatus {
        if self.available.load(Ordering::Relaxed) {
            NotifierStatus::Available
        } else {
            NotifierStatus::Unavailable
        }
    }

    fn unavailable(&self, why: &str) {
        self.available.store(false, Ordering::Relaxed);
        // Once per run: a missing server would otherwise log every event.
        if !self.reported.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                error = why,
                "no desktop notification server: popups are off, history still works"
            );
            if let Some(h) = self.hooks.get() {
                (h.problem)(Problem::new(
                    "notifier_unavailable",
                    format!("No notification server answers ({why}); notifications stay in the history."),
                ));
            }
        }
    }

    async fn show_now(&self, popup: Popup) -> Result<(), NotifyError> {
        let (summary, body) = render(&popup);
        let mut n = Notification::new();
        n.appname(APP_NAME)
            .summary(&summary)
            .body(&body)
            .icon(&self.icon)
            .hint(Hint::Category(popup.category.to_owned()))
            .hint(Hint::DesktopEntry("alora-tray".to_owned()))
            .action("default", "Open")
            .timeout(Timeout::Default);
        let shown = tokio::time::timeout(std::time::Duration::from_secs(5), n.show_async()).await;
        let handle = match shown.unwrap_or_else(|_| Err(timed_out())) {
            Ok(h) => h,
            Err(e) => {
                self.unavailable(&e.to_string());
                return Err(NotifyError(e.to_string()));
            }
        };
        if !self.available.swap(true, Ordering::Relaxed) {
            tracing::info!("the notification server is back");
        }
        let Some(hooks) = self.hooks.get() else {
            return Ok(());
        };
        let target = popup.target;
        // Waits on its own D-Bus connection until the popup is clicked or closed.
        let open = &hooks.open;
        let wait = handle.wait_for_action_async(move |response: &NotificationResponse| {
            if matches!(response, NotificationResponse::Default)
                || matches!(response, NotificationResponse::Action(a) if a == "default")
            {
                open(target);
            }
        });
        wait.await;
        Ok(())
    }
}

fn timed_out() -> notify_rust::error::Error {
    notify_rust::error::Error::from("the notification server did not answer in 5 s")
}

/// `GetServerInformation` on the session bus, bounded in time so that a
/// wedged bus cannot stall the start.
async fn server_name() -> Result<String, String> {
    let call = async {
        let bus = zbus::Connection::session()
            .await
            .map_err(|e| e.to_string())?;
        let reply = bus
            .call_method(
                Some("org.freedesktop.Notifications"),
                "/org/freedesktop/Notifications",
                Some("org.freedesktop.Notifications"),
                "GetServerInformation",
                &(),
            )
            .await
            .map_err(|e| e.to_string())?;
        let (name, _vendor, _version, _spec): (String, String, String, String) =
            reply.body().deserialize().map_err(|e| e.to_string())?;
        Ok(name)
    };
    tokio::time::timeout(std::time::Duration::from_secs(3), call)
        .await
        .unwrap_or_else(|_| Err("the session bus did not answer in 3 s".to_owned()))
}

impl Notifier for Arc<DesktopNotifier> {
    fn show(&self, popup: Popup) -> BoxFuture<'_, Result<(), NotifyError>> {
        Box::pin(self.show_now(popup))
    }

    fn status(&self) -> NotifierStatus {
        DesktopNotifier::status(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape_markup("<b>a & b</b>"),
            "&lt;b&gt;a &amp; b&lt;/b&gt;"
        );
        assert_eq!(escape_markup("plain ✓"), "plain ✓");
    }

    #[test]
    fn truncates_on_char_boundaries() {
        assert_eq!(truncate("short", 10), "short");
        let long = "é".repeat(300);
        let cut = truncate(&long, 240);
        assert_eq!(cut.chars().count(), 240);
        assert!(cut.ends_with('…'));
        let words = "the quick brown fox jumps over the lazy dog";
        assert_eq!(truncate(words, 20), "the quick brown fox…");
        // Escaping happens after the cut, so an entity is never split.
        let (_, body) = render(&Popup {
            kind: crate::models::PopupKind::NewMessage,
            summary: "s".into(),
            body: format!("{}&&&&", "a".repeat(BODY_MAX_CHARS - 3)),
            category: "im.received",
            target: Target::new(crate::models::View::Messages, None),
        });
        assert!(body.ends_with("&amp;&amp;…"), "{body}");
    }
}
