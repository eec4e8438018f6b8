//! Generates the Tauri context and one `allow-<command>` permission per app
//! command (the capability in capabilities/main.json grants exactly these).

/// Keep in step with `commands::handler()`.
const COMMANDS: &[&str] = &[
    "get_snapshot",
    "connect",
    "disconnect",
    "reconnect_now",
    "leave_demo",
    "sign_in",
    "sign_out",
    "get_settings",
    "update_settings",
    "set_dnd",
    "send_typing",
    "update_status",
    "send_booking_update",
    "send_message",
    "join_conversation",
    "mark_as_read",
    "emit",
    "simulate_incoming",
    "list_history",
    "mark_history_read",
    "list_outbox",
    "retry_outbox",
    "discard_outbox",
    "get_diagnostics",
    "set_focus",
];

fn main() {
    let attrs = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attrs) {
        panic!("tauri build failed: {error:#}");
    }
}
