//! Generates the Tauri context (config, icons, the page in dist/).
fn main() {
    tauri_build::build();
}
