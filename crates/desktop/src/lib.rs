//! Alora Tray's desktop app without its shell: the state a run shares, the
//! pipeline from the link to the history and the popups, the notifications,
//! the data on disk, the single instance and its socket, settings and
//! secrets, and what only Linux has (`platform`). No Tauri here: the
//! shell (`src-tauri/`) and headless mode both run on this.

// Only Linux is built and tested. A port provides, in `platform/<os>/`:
// notifications (notify-rust, or WinRT / UserNotifications), the single
// instance and its socket (a named pipe), start at login (the Run key / a
// LaunchAgent), the data folders (`dirs`), the footprint and rendering
// set-up, and the allocator's options set before the first allocation
// (`.init_array`, in `src-tauri/main.rs`, is ELF only).
#[cfg(not(target_os = "linux"))]
compile_error!(
    "alora-desktop is Linux only: a port provides platform/<os>/ (notifications, single \
     instance, start at login, data folders, footprint, rendering, allocator options)"
);

pub mod app;
pub mod app_id;
pub mod attention;
pub mod data;
pub mod error;
pub mod events;
pub mod headless;
pub mod incoming;
pub mod instance;
pub mod logs;
pub mod models;
pub mod notifications;
pub mod pipeline;
pub mod places;
pub mod platform;
pub mod settings;
pub mod signin;
