//! What the tray says in words: the menu's state line ("Connected · 4
//! unread") and the icon's tooltip, which says what waits by kind ("Alora —
//! Connected · 2 booking requests, 3 messages, 1 notification"). Some tray
//! hosts (appindicator's) show no tooltip; it is set for those that do.

use alora_desktop::app::shell::{waiting_words, TrayView};
use alora_link::{AuthReason, LinkState};
use chrono::Utc;

/// The link's state in words, "(demo)" after it in a demo.
pub fn link_text(view: &TrayView) -> String {
    let base = match &view.state {
        LinkState::Idle => "Offline".to_owned(),
        LinkState::Connecting { .. } => "Connecting…".to_owned(),
        LinkState::Connected { .. } => "Connected".to_owned(),
        LinkState::Reconnecting { retry_at, .. } => {
            let ms = (*retry_at - Utc::now()).num_milliseconds().max(0);
            format!("Reconnecting in {} s", (ms + 999) / 1000)
        }
        LinkState::AuthRequired {
            reason: AuthReason::Expired,
        } => "Sign-in needed: the token expired".to_owned(),
        LinkState::AuthRequired {
            reason: AuthReason::Rejected { .. },
        } => "Sign-in needed: the token was refused".to_owned(),
        LinkState::AuthRequired {
            reason: AuthReason::Missing,
        } => "Sign-in needed".to_owned(),
        LinkState::Stopped => "Stopped".to_owned(),
    };
    if view.demo {
        format!("{base} (demo)")
    } else {
        base
    }
}

/// The state line of the menu.
pub fn state_text(view: &TrayView) -> String {
    let mut text = link_text(view);
    if view.unread > 0 {
        text.push_str(&format!(" · {} unread", view.unread));
    }
    text
}

/// The tray icon's tooltip.
pub fn tooltip(view: &TrayView) -> String {
    let link = link_text(view);
    match waiting_words(&view.waiting) {
        Some(waiting) => format!("Alora — {link} · {waiting}"),
        None => format!("Alora — {link}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alora_link::UserStatus;
    use alora_store::Unread;

    fn view(state: LinkState, waiting: Unread, demo: bool) -> TrayView {
        TrayView {
            state,
            unread: waiting.total(),
            waiting,
            status: UserStatus::Available,
            dnd: false,
            demo,
        }
    }

    fn connected() -> LinkState {
        LinkState::Connected { since: Utc::now() }
    }

    #[test]
    fn the_tooltip_says_what_waits_by_kind() {
        let waiting = Unread {
            booking_requests: 2,
            messages: 3,
            notifications: 1,
        };
        let v = view(connected(), waiting, false);
        assert_eq!(
            tooltip(&v),
            "Alora — Connected · 2 booking requests, 3 messages, 1 notification"
        );
        assert_eq!(state_text(&v), "Connected · 6 unread");
        let one = Unread {
            messages: 1,
            ..Unread::default()
        };
        assert_eq!(
            tooltip(&view(LinkState::Idle, one, true)),
            "Alora — Offline (demo) · 1 message"
        );
        let nothing = view(connected(), Unread::default(), false);
        assert_eq!(tooltip(&nothing), "Alora — Connected");
        assert_eq!(state_text(&nothing), "Connected");
    }
}
