//! The icon set, compiled in: one tray icon per link state (the unread
//! count is drawn over it at run time, badge.rs), and the app icon the
//! notifications show.

use alora_link::LinkState;

/// The tray's look for a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrayLook {
    Live,
    Connecting,
    Offline,
    Auth,
}

impl TrayLook {
    pub fn of(state: &LinkState) -> TrayLook {
        match state {
            LinkState::Connected { .. } => TrayLook::Live,
            LinkState::Connecting { .. } | LinkState::Reconnecting { .. } => TrayLook::Connecting,
            LinkState::AuthRequired { .. } => TrayLook::Auth,
            LinkState::Idle | LinkState::Stopped => TrayLook::Offline,
        }
    }
}

/// The PNG for a look; the unread count is drawn over it (badge.rs).
pub fn tray_png(look: TrayLook) -> &'static [u8] {
    match look {
        TrayLook::Live => include_bytes!("../icons/tray-live.png"),
        TrayLook::Connecting => include_bytes!("../icons/tray-connecting.png"),
        TrayLook::Offline => include_bytes!("../icons/tray-offline.png"),
        TrayLook::Auth => include_bytes!("../icons/tray-auth.png"),
    }
}

pub const APP_ICON: &[u8] = include_bytes!("../icons/128x128.png");

/// The app icon as a file, for notification servers that take a path:
/// written once into the user's cache dir. Falls back to an icon name.
/// With no home, the name: never a file in a shared temp folder, which
/// another user could have put there first.
pub fn notification_icon() -> String {
    const NAME: &str = "dialog-information";
    let Some(dir) = alora_desktop::places::cache_dir() else {
        return NAME.to_owned();
    };
    let path = dir.join("alora.png");
    let current = std::fs::read(&path).map(|b| b == APP_ICON).unwrap_or(false);
    if !current {
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, APP_ICON));
        if let Err(e) = written {
            tracing::debug!(error = %e, "cannot write the notification icon");
            return NAME.to_owned();
        }
    }
    path.display().to_string()
}
