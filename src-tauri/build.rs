//! Generates the Tauri context and one `allow-<command>` permission per app
//! command of `command_table.rs` (the capability in capabilities/main.json
//! grants exactly these).

// The command table, shared with `commands::handler()` and the contract generator.
#[macro_use]
#[path = "command_table.rs"]
mod command_table;

macro_rules! names {
    ($($kind:tt $name:ident ($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        &[$(stringify!($name)),*]
    };
}

const COMMANDS: &[&str] = app_commands!(names);

fn main() {
    let attrs = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attrs) {
        panic!("tauri build failed: {error:#}");
    }
}
