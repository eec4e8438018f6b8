//! Start at login, the freedesktop way: a desktop entry in
//! `$XDG_CONFIG_HOME/autostart` that starts the app `--minimized`. Written
//! directly rather than through a plugin: one small file, nothing loaded.

use std::path::PathBuf;

/// `None` with no home: a shared temp folder is no stand-in.
fn dir() -> Option<PathBuf> {
    Some(crate::data::storage::xdg_home("XDG_CONFIG_HOME", ".config")?.join("autostart"))
}

/// Adds or removes the entry.
pub fn set(on: bool) -> Result<(), String> {
    let dir = dir().ok_or("there is no home folder (neither HOME nor XDG_CONFIG_HOME is set)")?;
    let path = dir.join(crate::app_id::desktop_file());
    if !on {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.to_string()),
            _ => Ok(()),
        };
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let entry = format!(
        "[Desktop Entry]\nType=Application\nName=Alora\nComment=Alora in the system tray\nExec=\"{}\" --minimized\nX-GNOME-Autostart-enabled=true\n",
        exe.display()
    );
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(path, entry).map_err(|e| e.to_string())
}
