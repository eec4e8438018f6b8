//! Where the settings object is kept: the plugin's JSON file read and
//! written directly (headless), or memory (tests).

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use serde_json::Value;

use super::{KEY, STORE_FILE};

/// Where the settings object is kept.
pub trait SettingsBackend: Send + Sync + 'static {
    fn load(&self) -> Result<Option<Value>, String>;
    fn save(&self, settings: &Value) -> Result<(), String>;
}

/// The plugin's file read and written directly (headless mode has no Tauri).
#[derive(Debug)]
pub struct JsonFile(pub PathBuf);

impl JsonFile {
    /// `$XDG_DATA_HOME/com.alora.tray/settings.json`, where the plugin keeps
    /// it; `None` with no home (never a shared temp folder instead).
    pub fn default_path() -> Option<PathBuf> {
        Some(crate::places::data_dir()?.join(STORE_FILE))
    }
}

impl SettingsBackend for JsonFile {
    fn load(&self) -> Result<Option<Value>, String> {
        match std::fs::read(&self.0) {
            Ok(bytes) => {
                let all: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
                Ok(all.get(KEY).cloned())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }
    fn save(&self, settings: &Value) -> Result<(), String> {
        // Keep any other keys the plugin stored in the same file.
        let mut all = std::fs::read(&self.0)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .filter(Value::is_object)
            .unwrap_or_else(|| Value::Object(Default::default()));
        all[KEY] = settings.clone();
        if let Some(dir) = self.0.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        let text = serde_json::to_vec_pretty(&all).map_err(|e| e.to_string())?;
        // Written beside and renamed over: a full disk or a crash halfway
        // leaves the settings as they were, never a truncated file.
        let tmp = self.0.with_extension("json.tmp");
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, &self.0))
            .map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                e.to_string()
            })
    }
}

/// Nothing kept beyond the process (tests).
#[derive(Debug, Default)]
pub struct MemoryBackend(pub Mutex<Option<Value>>);

impl SettingsBackend for MemoryBackend {
    fn load(&self) -> Result<Option<Value>, String> {
        Ok(self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone())
    }
    fn save(&self, settings: &Value) -> Result<(), String> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(settings.clone());
        Ok(())
    }
}
