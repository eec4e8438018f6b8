//! Unit tests of settings: env overrides, patches, storage.

use std::sync::Arc;

use super::*;
use serde_json::{json, Value};

fn env(pairs: &[(&str, &str)]) -> Overrides {
    let map: std::collections::HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Overrides::from_env_with(|k| map.get(k).cloned())
}

#[test]
fn reads_the_env_overrides() {
    let o = env(&[
        ("ALORA_SOCKET_SERVER_URL", " http://h:6001 "),
        ("ALORA_SOCKET_PATH", "/socket/x"),
        ("ALORA_TOKEN", "tok"),
        ("ALORA_USE_MOCK_SOCKET", "TRUE"),
    ]);
    assert_eq!(o.server_url.as_deref(), Some("http://h:6001"));
    assert_eq!(o.socket_path.as_deref(), Some("/socket/x"));
    assert_eq!(o.token.as_deref(), Some("tok"));
    assert!(o.demo);
    assert!(!env(&[("ALORA_USE_MOCK_SOCKET", "false")]).demo);
    assert_eq!(env(&[("ALORA_TOKEN", "  ")]).token, None);
    // The command line wins.
    let cli = Overrides {
        server_url: Some("http://cli".into()),
        ..Overrides::default()
    };
    let both = o.with(cli);
    assert_eq!(both.server_url.as_deref(), Some("http://cli"));
    assert_eq!(both.token.as_deref(), Some("tok"));
}

#[test]
fn overrides_apply_but_are_never_stored() {
    let backend = Arc::new(MemoryBackend::default());
    struct Shared(Arc<MemoryBackend>);
    impl SettingsBackend for Shared {
        fn load(&self) -> Result<Option<Value>, String> {
            self.0.load()
        }
        fn save(&self, v: &Value) -> Result<(), String> {
            self.0.save(v)
        }
    }
    let o = env(&[("ALORA_SOCKET_SERVER_URL", "http://env:1")]);
    let (store, problem) = SettingsStore::load(Box::new(Shared(backend.clone())), o);
    assert!(problem.is_none());
    assert_eq!(store.effective().server_url, "http://env:1");
    let patch: SettingsPatch =
        serde_json::from_value(json!({"dnd": true, "popups": {"userOnline": true}})).unwrap();
    let s = store.update(patch).unwrap();
    assert!(s.dnd && s.popups.user_online && s.popups.new_message);
    assert_eq!(s.server_url, "http://env:1");
    let saved = backend.load().unwrap().unwrap();
    assert_eq!(saved["serverUrl"], "");
    assert_eq!(saved["dnd"], true);
}

#[test]
fn patches_validate_and_clear() {
    let (store, _) = SettingsStore::load(Box::new(MemoryBackend::default()), Overrides::default());
    let bad: SettingsPatch = serde_json::from_value(json!({"serverUrl": "ftp://x"})).unwrap();
    assert_eq!(store.update(bad).unwrap_err().code(), "invalid_url");
    let set: SettingsPatch =
        serde_json::from_value(json!({"userId": "u1", "serverUrl": "http://h:1"})).unwrap();
    assert_eq!(store.update(set).unwrap().user_id.as_deref(), Some("u1"));
    let keep: SettingsPatch = serde_json::from_value(json!({})).unwrap();
    assert_eq!(store.update(keep).unwrap().user_id.as_deref(), Some("u1"));
    let clear: SettingsPatch = serde_json::from_value(json!({"userId": null})).unwrap();
    assert_eq!(store.update(clear).unwrap().user_id, None);
    assert!(serde_json::from_value::<SettingsPatch>(json!({"bogus": 1})).is_err());
}

#[test]
fn a_broken_file_falls_back_to_defaults() {
    let dir = std::env::temp_dir().join(format!("alora-settings-{}", uuid::Uuid::new_v4()));
    let file = JsonFile(dir.join(STORE_FILE));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(&file.0, b"{not json").unwrap();
    let (store, problem) =
        SettingsStore::load(Box::new(JsonFile(file.0.clone())), Overrides::default());
    assert!(problem.is_some());
    assert_eq!(store.effective(), Settings::default());
    std::fs::write(&file.0, br#"{"other": 1}"#).unwrap();
    file.save(&json!({"dnd": true})).unwrap();
    let all: Value = serde_json::from_slice(&std::fs::read(&file.0).unwrap()).unwrap();
    assert_eq!(all, json!({"other": 1, "settings": {"dnd": true}}));
    // A save that cannot be written whole (here its temporary file cannot
    // be made) leaves the file as it was, never half written.
    std::fs::create_dir(dir.join("settings.json.tmp")).unwrap();
    assert!(file.save(&json!({"dnd": false})).is_err());
    let kept: Value = serde_json::from_slice(&std::fs::read(&file.0).unwrap()).unwrap();
    assert_eq!(kept, all);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn another_host_is_a_move_a_port_or_path_is_not() {
    assert_eq!(
        server_host("https://API.example.com:8443/x").as_deref(),
        Some("api.example.com")
    );
    assert_eq!(server_host(""), None);
    assert!(moves_host("https://a.example.com", "https://b.example.com"));
    assert!(moves_host(
        "http://127.0.0.1:6001",
        "http://evil.example:6001"
    ));
    assert!(!moves_host(
        "https://a.example.com",
        "https://A.example.com:444/socket"
    ));
    assert!(!moves_host("http://a.example.com", "https://a.example.com"));
    // No server before (the demo) or after: no token was given for a host.
    assert!(!moves_host("", "https://a.example.com"));
    assert!(!moves_host("https://a.example.com", ""));
}

#[test]
fn a_ca_certificate_is_a_setting_and_the_command_line_wins() {
    let (store, _) = SettingsStore::load(Box::new(MemoryBackend::default()), Overrides::default());
    assert_eq!(store.effective().ca_cert, None);
    let set: SettingsPatch =
        serde_json::from_value(json!({"caCert": " /etc/corp-ca.pem "})).unwrap();
    assert_eq!(
        store.update(set).unwrap().ca_cert.as_deref(),
        Some("/etc/corp-ca.pem")
    );
    let clear: SettingsPatch = serde_json::from_value(json!({"caCert": null})).unwrap();
    assert_eq!(store.update(clear).unwrap().ca_cert, None);
    let cli = Overrides {
        ca_cert: Some("/tmp/run-ca.pem".into()),
        ..Overrides::default()
    };
    let (store, _) = SettingsStore::load(
        Box::new(MemoryBackend::default()),
        Overrides::default().with(cli),
    );
    assert_eq!(
        store.effective().ca_cert.as_deref(),
        Some("/tmp/run-ca.pem")
    );
}

#[test]
fn a_kind_patch_changes_only_the_kinds_it_names_for_popups_and_sounds() {
    use crate::models::{AttentionPatch, PopupPrefsPatch};
    let (store, _) = SettingsStore::load(Box::new(MemoryBackend::default()), Overrides::default());
    let before = store.effective();
    let only = PopupPrefsPatch {
        user_online: Some(true),
        ..Default::default()
    };
    let after = store
        .update(SettingsPatch {
            popups: Some(only),
            attention: Some(AttentionPatch {
                sounds: Some(PopupPrefsPatch {
                    booking_request: Some(false),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        })
        .unwrap();
    assert!(after.popups.user_online && !before.popups.user_online);
    assert_eq!(
        crate::models::PopupPrefs {
            user_online: false,
            ..after.popups
        },
        before.popups
    );
    assert!(!after.attention.sounds.booking_request);
    assert_eq!(
        crate::models::SoundPrefs {
            booking_request: true,
            ..after.attention.sounds
        },
        before.attention.sounds
    );
    let refused = store.update(SettingsPatch {
        attention: Some(AttentionPatch {
            realert_minutes: Some(1),
            ..Default::default()
        }),
        ..Default::default()
    });
    assert!(refused.is_err(), "1 minute is outside 2-30");
    assert_eq!(store.effective().attention.realert_minutes, 5);
}

#[test]
fn the_sign_in_timeout_is_a_setting_within_bounds_and_old_files_get_the_default() {
    let (store, _) = SettingsStore::load(Box::new(MemoryBackend::default()), Overrides::default());
    assert_eq!(store.effective().sign_in_timeout_secs, 300);
    let set: SettingsPatch = serde_json::from_value(json!({"signInTimeoutSecs": 900})).unwrap();
    assert_eq!(store.update(set).unwrap().sign_in_timeout_secs, 900);
    for bad in [0, 29, 3601] {
        let patch: SettingsPatch =
            serde_json::from_value(json!({"signInTimeoutSecs": bad})).unwrap();
        assert!(store.update(patch).is_err(), "{bad} s was taken");
    }
    assert_eq!(store.effective().sign_in_timeout_secs, 900);
    // A settings file from before the setting existed.
    let old = MemoryBackend::default();
    old.save(&json!({"serverUrl": "https://a.example.com"}))
        .unwrap();
    let (store, problem) = SettingsStore::load(Box::new(old), Overrides::default());
    assert_eq!(problem, None);
    assert_eq!(store.effective().sign_in_timeout_secs, 300);
}
