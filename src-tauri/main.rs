//! Entry point: hands over to the library so that tests can build the same app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    alora_tray::main()
}
