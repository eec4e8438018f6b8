//! Where the app keeps its files: its id (the folder name under every XDG
//! base folder, and the desktop entry's name) and the XDG base folders
//! themselves. Settings, data, autostart and the icon cache all start here,
//! so that none of them has to ask another for a path.

use std::path::PathBuf;

/// The folder name under every XDG base folder: the app id.
pub const IDENTIFIER: &str = crate::app_id::APP_ID;

/// An XDG base folder: `$var` when absolute, else `$HOME/<under_home>`;
/// `None` with neither (never a shared temp folder in their place).
pub fn xdg_home(var: &str, under_home: &str) -> Option<PathBuf> {
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    std::env::var_os(var).and_then(absolute).or_else(|| {
        Some(
            std::env::var_os("HOME")
                .and_then(absolute)?
                .join(under_home),
        )
    })
}

/// `$XDG_DATA_HOME/com.alora.tray`: the settings file and the database;
/// `None` when there is no home to put it in.
pub fn data_dir() -> Option<PathBuf> {
    Some(xdg_home("XDG_DATA_HOME", ".local/share")?.join(IDENTIFIER))
}

/// `$XDG_CONFIG_HOME/autostart`, where start at login's entry goes.
pub fn autostart_dir() -> Option<PathBuf> {
    Some(xdg_home("XDG_CONFIG_HOME", ".config")?.join("autostart"))
}

/// `$XDG_CACHE_HOME/com.alora.tray`: what can be made again (tray icons).
pub fn cache_dir() -> Option<PathBuf> {
    Some(xdg_home("XDG_CACHE_HOME", ".cache")?.join(IDENTIFIER))
}
