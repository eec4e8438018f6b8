//! What only one platform has: the calls a port to another OS replaces.
//! The crate stops at `lib.rs`'s `compile_error!` anywhere but Linux.

#[cfg(target_os = "linux")]
pub mod linux;
