//! The app id is one name: `tauri.conf.json`, the desktop entry the
//! packages install and the icons they list agree with `alora_desktop::app_id`.

use std::path::Path;

use alora_desktop::app_id::{self, APP_ID};
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn config() -> Value {
    let text = std::fs::read_to_string(root().join("tauri.conf.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// `key=value` lines of the desktop entry's main group.
fn entry(key: &str) -> Option<String> {
    let text =
        std::fs::read_to_string(root().join("packaging").join(app_id::desktop_file())).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")).map(str::to_owned))
}

#[test]
fn the_identifier_is_the_app_id() {
    assert_eq!(config()["identifier"], APP_ID);
}

#[test]
fn both_packages_use_the_desktop_entry_named_after_the_app_id() {
    let linux = &config()["bundle"]["linux"];
    let want = format!("packaging/{}", app_id::desktop_file());
    assert_eq!(linux["deb"]["desktopTemplate"], want.as_str());
    assert_eq!(linux["rpm"]["desktopTemplate"], want.as_str());
    assert_eq!(entry("StartupWMClass").as_deref(), Some(APP_ID));
    assert_eq!(entry("Exec").as_deref(), Some("alora-tray"));
    // The bundler installs the PNGs under the binary's name.
    assert_eq!(entry("Icon").as_deref(), Some("alora-tray"));
}

#[test]
fn the_bundle_lists_every_hicolor_size_once() {
    let icons = config()["bundle"]["icon"].as_array().unwrap().clone();
    // The first PNG is also the window's icon (tauri's codegen takes it).
    assert_eq!(icons[0], "icons/128x128.png");
    let mut sizes = Vec::new();
    for icon in &icons {
        let path = root().join(icon.as_str().unwrap());
        let png = std::fs::read(&path).unwrap();
        // The IHDR chunk: width and height, big endian, at bytes 16..24.
        let dim = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
        let named = format!("icons/{0}x{0}.png", dim(16));
        assert_eq!((icon.as_str().unwrap(), dim(20)), (named.as_str(), dim(16)));
        sizes.push(dim(16));
    }
    sizes.sort_unstable();
    assert_eq!(sizes, [16, 24, 32, 48, 64, 128, 256, 512]);
}
