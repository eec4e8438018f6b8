//! The allocator of the app's Rust side: mimalloc (declared in `main.rs`),
//! set up to hand freed memory back at once, as glibc's trimmed heap did.
//!
//! Why mimalloc: in a flood of events a third of the link's CPU went to
//! glibc's malloc and free. Every event is parsed into JSON values, copied
//! by rust_socketio, typed, and freed on the pipeline's thread, and glibc is
//! slow at memory freed on another thread than the one that took it. With
//! mimalloc the app's CPU per event was 15.7 µs instead of 16.6 (medians of
//! 15 flood pairs each, the bench's ingest alone). The C libraries (GTK,
//! WebKit, SQLite) keep glibc's heap, which `footprint` trims.
//!
//! Why the options: with mimalloc's defaults (memory purged a second after
//! it is freed, arenas committed up front) the bench measured 53.8 MB idle with
//! the window closed and 222.6 MB with it open, against 27.9 and 192.0 with
//! glibc. Purged at once and committed on use: 29.2 and 193.3 MB, with the
//! same ingest rate.

use std::os::raw::c_long;

/// Indices into mimalloc v3's `mi_option_e` (`mimalloc.h`), which the sys
/// crate does not name; the test below checks them against the defaults.
const ARENA_EAGER_COMMIT: i32 = 4;
const PURGE_DELAY: i32 = 15;

/// Called from the binary's constructor (`main.rs`), before any allocation.
pub fn configure() {
    set(ARENA_EAGER_COMMIT, 0);
    set(PURGE_DELAY, 0);
}

#[allow(unsafe_code)]
fn set(option: i32, value: c_long) {
    // SAFETY: mi_option_set only stores the value; any index is checked.
    unsafe { libmimalloc_sys::mi_option_set(option, value) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(unsafe_code)]
    fn get(option: i32) -> c_long {
        // SAFETY: as `set`, a read of the stored value.
        unsafe { libmimalloc_sys::mi_option_get(option) }
    }

    #[test]
    fn the_option_indices_are_the_ones_mimalloc_documents() {
        // v3's options.c: arena_eager_commit 2, purge_delay 1000 ms. Unset
        // in this test process, so each still holds its default.
        assert_eq!(get(ARENA_EAGER_COMMIT), 2, "arena_eager_commit");
        assert_eq!(get(PURGE_DELAY), 1000, "purge_delay");
    }
}
