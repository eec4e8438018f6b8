//! Linux only: handing memory back (`footprint`), WebKitGTK's rendering
//! environment, the allocator's set-up, XDG autostart, and the
//! freedesktop notification client over D-Bus.

pub mod allocator;
pub mod autostart;
pub mod footprint;
pub mod freedesktop;
pub mod rendering;
