//! Linux only: handing memory back (`footprint`), WebKitGTK's rendering
//! environment, the open-file limit, the allocator's set-up, XDG autostart,
//! and the freedesktop notification client over D-Bus, who this process runs as,
//! the system bus's wake-ups (resume, network up) that reconnect the
//! link at once, and the launcher's badge on the session bus.

pub mod allocator;
pub mod autostart;
pub mod fd_limit;
pub mod footprint;
pub mod freedesktop;
pub mod launcher;
pub mod on_screen;
pub mod rendering;
pub mod wakeups;

/// The real uid of this process.
#[allow(unsafe_code)]
pub fn current_uid() -> u32 {
    // SAFETY: getuid takes nothing, cannot fail and touches no memory of ours.
    unsafe { libc::getuid() }
}
