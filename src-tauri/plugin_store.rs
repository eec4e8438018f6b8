//! The settings' store in the GUI app: tauri-plugin-store's file, behind the
//! desktop crate's `SettingsBackend` (headless mode reads the same file).

use std::sync::Arc;

use alora_desktop::settings::{SettingsBackend, KEY};
use serde_json::Value;
use tauri::Runtime;

/// tauri-plugin-store, in the GUI app.
pub struct PluginStore<R: Runtime>(pub Arc<tauri_plugin_store::Store<R>>);

impl<R: Runtime> SettingsBackend for PluginStore<R> {
    fn load(&self) -> Result<Option<Value>, String> {
        Ok(self.0.get(KEY))
    }
    fn save(&self, settings: &Value) -> Result<(), String> {
        self.0.set(KEY, settings.clone());
        self.0.save().map_err(|e| e.to_string())
    }
}

impl<R: Runtime> std::fmt::Debug for PluginStore<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PluginStore")
    }
}
