//! The one name Alora Tray goes by on the desktop: the desktop entry's file
//! name, the popups' `desktop-entry` hint, the autostart file, the GTK
//! program name (X11's `WM_CLASS`, Wayland's app id), the data and state
//! folders and the keyring's service. `tauri.conf.json`'s `identifier` and
//! `packaging/com.alora.tray.desktop` carry it too; a test holds them to it.

/// Reverse DNS, as the desktop-entry spec asks of a desktop file id.
pub const APP_ID: &str = "com.alora.tray";

/// The desktop entry's file name: GNOME ties a window (by `StartupWMClass`)
/// and a popup (by its `desktop-entry` hint) to the launcher of this name.
pub fn desktop_file() -> String {
    format!("{APP_ID}.desktop")
}
