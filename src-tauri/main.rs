//! Entry point: hands over to the library so that tests can build the same app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// mimalloc for the Rust side, set up by `alora_desktop::platform::linux::allocator`, which
/// says why.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The options must be set before the first allocation, which Rust's
/// runtime makes before `main`: the arena it reserves keeps the commit
/// policy it was made with. Constructors in `.init_array` run before that.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
#[used]
#[link_section = ".init_array"]
static CONFIGURE_ALLOCATOR: extern "C" fn() = configure_allocator;

#[cfg(target_os = "linux")]
extern "C" fn configure_allocator() {
    alora_desktop::platform::linux::allocator::configure();
}

fn main() -> std::process::ExitCode {
    alora_tray::main()
}
