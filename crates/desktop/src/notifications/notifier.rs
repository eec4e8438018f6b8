//! Desktop notifications behind the small `Notifier` trait.
//! Texts are cut cleanly, and escaped where the server reads body markup,
//! so that whatever the server of Alora sent shows as text; "Open" is
//! the default action; a missing notification server is reported once and
//! the app carries on without popups.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::models::{NotificationServer, NotifierStatus, PopupKind, Problem, Target};
use crate::notifications::actions::{Acted, PopupAction};
use crate::notifications::popups::Popup;
use crate::platform::linux::freedesktop::{NotificationBus, NotifyCall, Signal};

pub const APP_NAME: &str = "Alora";
pub const SUMMARY_MAX_CHARS: usize = 80;
pub const BODY_MAX_CHARS: usize = 240;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

#[derive(Debug, Clone, thiserror::Error)]
#[error("the notification could not be shown: {0}")]
pub struct NotifyError(pub String);

/// Shows popups. The desktop one talks D-Bus; tests use a recording one.
pub trait Notifier: Send + Sync + 'static {
    /// Shows the popup, in place of the one about the same target if that
    /// is still on screen.
    fn show(&self, popup: Popup) -> BoxFuture<'_, Result<(), NotifyError>>;
    /// Closes the popup about `target`, if one is on screen.
    fn withdraw(&self, target: Target) -> BoxFuture<'_, ()> {
        let _ = target;
        Box::pin(std::future::ready(()))
    }
    fn status(&self) -> NotifierStatus;
    /// The desktop's Do Not Disturb; `None` where the server does not say.
    fn inhibited(&self) -> Option<bool> {
        None
    }
    /// Who shows the popups and what it can do, once it has answered.
    fn server(&self) -> Option<NotificationServer> {
        None
    }
}

/// What the notifier calls back into: a body clicked ("Open"), a button
/// pressed or a reply typed, a problem to report.
pub struct NotifierHooks {
    pub open: Box<dyn Fn(Target) + Send + Sync>,
    pub act: Box<dyn Fn(Acted) + Send + Sync>,
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
/// markup there); the body is escaped when the server reads markup in it
/// (it lists `body-markup`), and plain text otherwise, where an entity would
/// show as `&lt;`.
pub fn render(popup: &Popup, body_markup: bool) -> (String, String) {
    let summary = truncate(&popup.summary, SUMMARY_MAX_CHARS);
    let body = truncate(&popup.body, BODY_MAX_CHARS);
    let body = if body_markup {
        escape_markup(&body)
    } else {
        body
    };
    (summary, body)
}

/// Whether the server reads body markup: not asked yet, or its answer.
const MARKUP_UNKNOWN: u8 = 0;
const MARKUP_YES: u8 = 1;
const MARKUP_NO: u8 = 2;

#[derive(Debug)]
pub struct DesktopNotifier {
    icon: String,
    available: AtomicBool,
    reported: AtomicBool,
    hooks: OnceLock<Arc<NotifierHooks>>,
    bus: Arc<NotificationBus>,
    /// `MARKUP_*`: asked at the probe, or before the first popup.
    markup: AtomicU8,
}

impl DesktopNotifier {
    /// `icon` is an absolute path to a PNG or an icon name.
    pub fn new(icon: impl Into<String>) -> Arc<Self> {
        Arc::new(DesktopNotifier {
            icon: icon.into(),
            available: AtomicBool::new(true),
            reported: AtomicBool::new(false),
            hooks: OnceLock::new(),
            bus: NotificationBus::new(),
            markup: AtomicU8::new(MARKUP_UNKNOWN),
        })
    }

    pub fn set_hooks(&self, hooks: NotifierHooks) {
        let hooks = Arc::new(hooks);
        let for_clicks = hooks.clone();
        if self.hooks.set(hooks).is_err() {
            tracing::debug!("notifier hooks were set already");
            return;
        }
        self.bus.set_on_signal(Arc::new(move |signal| match signal {
            Signal::Open(target) => (for_clicks.open)(target),
            Signal::Action { popup, key, text } => {
                let Some(action) = PopupAction::from_key(&key) else {
                    return;
                };
                (for_clicks.act)(Acted {
                    target: popup.target,
                    summary: popup.summary,
                    body: popup.body,
                    action,
                    text,
                });
            }
        }));
    }

    /// Asks the server who it is; marks the notifier unavailable (and reports
    /// it) when nobody answers. Bounded in time so that a wedged bus cannot
    /// stall the start.
    pub async fn probe(&self) -> NotifierStatus {
        let asked = tokio::time::timeout(Duration::from_secs(3), self.bus.server_name()).await;
        match asked {
            Ok(Ok(name)) => {
                tracing::info!(server = %name, "notification server found");
                self.available.store(true, Ordering::Relaxed);
                self.body_markup().await;
            }
            Ok(Err(e)) => self.unavailable(&e.to_string()),
            Err(_) => self.unavailable("the session bus did not answer in 3 s"),
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

    /// Whether the server lists `body-markup`, asked once. A server that does
    /// not answer is taken to read markup: escaped text then shows `&lt;` at
    /// worst, where unescaped text could be read as markup.
    async fn body_markup(&self) -> bool {
        match self.markup.load(Ordering::Relaxed) {
            MARKUP_YES => return true,
            MARKUP_NO => return false,
            _ => {}
        }
        let asked = tokio::time::timeout(Duration::from_secs(3), self.bus.capability_list()).await;
        match asked {
            Ok(Ok(caps)) => {
                let markup = caps.iter().any(|c| c == "body-markup");
                tracing::debug!(markup, "notification server capabilities read");
                let value = if markup { MARKUP_YES } else { MARKUP_NO };
                self.markup.store(value, Ordering::Relaxed);
                markup
            }
            _ => true,
        }
    }

    /// Returns once the server has the popup; its click comes back through
    /// the hooks' `open`.
    async fn show_now(&self, popup: Popup) -> Result<(), NotifyError> {
        let (summary, body) = render(&popup, self.body_markup().await);
        let buttons: Vec<(&str, &str)> =
            popup.actions.iter().map(|a| (a.key(), a.label())).collect();
        let placeholder = format!("Reply to {}", popup.summary);
        let call = NotifyCall {
            app_name: APP_NAME,
            icon: &self.icon,
            summary: &summary,
            body: &body,
            category: popup.category,
            desktop_entry: crate::app_id::APP_ID,
            actions: &buttons,
            reply_placeholder: &placeholder,
            // A conversation's messages stack in its one popup.
            stack: (popup.kind == PopupKind::NewMessage).then_some("new messages"),
            loudness: popup.loudness,
        };
        let shown =
            tokio::time::timeout(Duration::from_secs(5), self.bus.notify(&call, popup.target))
                .await;
        match shown {
            Ok(Ok(_id)) => {
                if !self.available.swap(true, Ordering::Relaxed) {
                    tracing::info!("the notification server is back");
                }
                Ok(())
            }
            Ok(Err(e)) => {
                self.unavailable(&e.to_string());
                Err(NotifyError(e.to_string()))
            }
            Err(_) => {
                let why = "the notification server did not answer in 5 s";
                self.unavailable(why);
                Err(NotifyError(why.to_owned()))
            }
        }
    }
}

impl Notifier for Arc<DesktopNotifier> {
    fn show(&self, popup: Popup) -> BoxFuture<'_, Result<(), NotifyError>> {
        Box::pin(self.show_now(popup))
    }

    fn withdraw(&self, target: Target) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let closed =
                tokio::time::timeout(Duration::from_secs(5), self.bus.withdraw(&target)).await;
            if let Ok(Err(e)) = closed {
                tracing::debug!(error = %e, "the popup could not be withdrawn");
            }
        })
    }

    fn status(&self) -> NotifierStatus {
        DesktopNotifier::status(self)
    }

    fn inhibited(&self) -> Option<bool> {
        self.bus.inhibited()
    }

    fn server(&self) -> Option<NotificationServer> {
        self.bus.server_info()
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
        let (_, body) = render(
            &Popup {
                kind: crate::models::PopupKind::NewMessage,
                summary: "s".into(),
                body: format!("{}&&&&", "a".repeat(BODY_MAX_CHARS - 3)),
                category: "im.received",
                target: Target::new(crate::models::View::Messages, None),
                actions: Vec::new(),
                loudness: crate::attention::loudness::Loudness::QUIET,
            },
            true,
        );
        assert!(body.ends_with("&amp;&amp;…"), "{body}");
    }

    #[test]
    fn markup_is_escaped_only_where_the_server_reads_it() {
        let popup = Popup {
            kind: crate::models::PopupKind::NewMessage,
            summary: "<b>Ann</b> & co".into(),
            body: "<a href=\"x\">click</a> & <img src=y>".into(),
            category: "im.received",
            target: Target::new(crate::models::View::Messages, None),
            actions: Vec::new(),
            loudness: crate::attention::loudness::Loudness::QUIET,
        };
        let (summary, body) = render(&popup, true);
        // The summary is plain text for every server: never escaped.
        assert_eq!(summary, "<b>Ann</b> & co");
        assert_eq!(
            body,
            "&lt;a href=\"x\"&gt;click&lt;/a&gt; &amp; &lt;img src=y&gt;"
        );
        let (_, plain) = render(&popup, false);
        assert_eq!(plain, "<a href=\"x\">click</a> & <img src=y>");
    }
}
