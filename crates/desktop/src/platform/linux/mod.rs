//! Linux only: handing memory back (`footprint`), WebKitGTK's rendering
//! environment, the allocator's set-up, XDG autostart, and the
//! freedesktop notification client over D-Bus, and the system bus's
//! wake-ups (resume, network up) that reconnect the link at once.

pub mod allocator;
pub mod autostart;
pub mod footprint;
pub mod freedesktop;
pub mod rendering;
pub mod wakeups;
