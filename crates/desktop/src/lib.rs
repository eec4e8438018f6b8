//! Alora Tray's desktop app without its shell: the state a run shares, the
//! pipeline from the link to the history and the popups, the notifications,
//! the data on disk, the single instance and its socket, settings and
//! secrets, and what only Linux has (`platform`). No Tauri here: the
//! shell (`src-tauri/`) and headless mode both run on this.

pub mod app;
pub mod data;
pub mod error;
pub mod events;
pub mod incoming;
pub mod instance;
pub mod models;
pub mod notifications;
pub mod pipeline;
pub mod platform;
pub mod settings;
