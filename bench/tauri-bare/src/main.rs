//! A bare Tauri 2 tray app: a tray icon, and one small window with `--window`.
//! Stays alive with no window, as a tray app does.
#![allow(clippy::expect_used)]

use tauri::tray::TrayIconBuilder;
use tauri::{RunEvent, WebviewUrl, WebviewWindowBuilder};

fn main() {
    let window = std::env::args().any(|a| a == "--window");
    let app = tauri::Builder::default()
        .setup(move |app| {
            let mut tray = TrayIconBuilder::new().tooltip("tauri-bare");
            if let Some(icon) = app.default_window_icon() {
                tray = tray.icon(icon.clone());
            }
            tray.build(app)?;
            if window {
                WebviewWindowBuilder::new(app, "main", WebviewUrl::App("index.html".into()))
                    .title("Bare")
                    .inner_size(420.0, 640.0)
                    .build()?;
            }
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("the bare app could not start");
    app.run(|_, event| {
        if let RunEvent::ExitRequested { api, code: None, .. } = event {
            api.prevent_exit();
        }
    });
}
