//! The GUI shell: the main window, created on Open and destroyed on close so
//! that no webview (and no WebKit process) lives while it is closed, plus the
//! tray and the UI events.

use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager, Runtime, WebviewUrl, WebviewWindowBuilder, WindowEvent};

use crate::tray::Tray;
use alora_desktop::app::shell::{Shell, TrayView};
use alora_desktop::app::state::Core;
use alora_desktop::error::{AppError, AppResult};
use alora_desktop::events::UiEvent;
use alora_desktop::models::Target;

pub const MAIN: &str = "main";

pub struct TauriShell<R: Runtime> {
    pub app: AppHandle<R>,
    pub tray: Option<Tray<R>>,
}

impl<R: Runtime> std::fmt::Debug for TauriShell<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TauriShell")
            .field("tray", &self.tray)
            .finish_non_exhaustive()
    }
}

impl<R: Runtime> Shell for TauriShell<R> {
    fn emit(&self, event: &UiEvent) {
        // Nobody listens while the window is closed: skip the work.
        if !self.listening() {
            return;
        }
        if let Err(e) = self.app.emit(event.name(), event.payload()) {
            tracing::debug!(error = %e, event = event.name(), "emit failed");
        }
    }

    fn listening(&self) -> bool {
        self.app.get_webview_window(MAIN).is_some()
    }

    fn refresh(&self, view: &TrayView) {
        if let Some(tray) = &self.tray {
            tray.update(view);
        }
    }

    fn open(&self, target: Option<Target>) -> AppResult<()> {
        open(&self.app, target)
            .map_err(|e| AppError::Unavailable(format!("the window could not open: {e}")))
    }

    fn quit(&self) {
        self.end(false);
    }

    fn copy_text(&self, text: &str) -> AppResult<()> {
        let text = text.to_owned();
        self.app
            .run_on_main_thread(move || {
                // Not under the tests' mock runtime, which starts no GTK.
                if gtk::is_initialized() {
                    let clipboard = gtk::Clipboard::get(&gtk::gdk::SELECTION_CLIPBOARD);
                    clipboard.set_text(&text);
                    // Kept by a clipboard manager, if one runs, after we quit.
                    clipboard.store();
                }
            })
            .map_err(|e| AppError::Unavailable(format!("cannot reach the clipboard: {e}")))
    }

    fn relaunch(&self) -> AppResult<()> {
        std::env::current_exe()
            .map_err(|e| AppError::Unavailable(format!("cannot find the app's binary: {e}")))?;
        self.end(true);
        Ok(())
    }
}

impl<R: Runtime> TauriShell<R> {
    /// Quits cleanly; with `again`, a new instance starts once this one has
    /// let go of its socket, so that it becomes the instance and not a
    /// second launch forwarding "open" to this one.
    fn end(&self, again: bool) {
        let app = self.app.clone();
        tauri::async_runtime::spawn(async move {
            let core = app.try_state::<Core>().map(|c| c.inner().clone());
            // This run's own token (file, stdin or env), for the new run.
            let token = core.as_ref().and_then(Core::run_token);
            if let Some(core) = core {
                core.shutdown().await;
            }
            alora_desktop::instance::release();
            if again {
                relaunch_now(token);
            }
            app.exit(0);
        });
    }
}

/// The same binary and arguments (none forces the demo: `leave_demo` checks),
/// less `--minimized` (the user asked for this from the open window) and
/// less any way a token came in. A token this run had for itself goes to
/// the new process on its stdin (`--token-stdin`): never on its argv, which
/// every user can read, nor in its environment.
fn relaunch_now(token: Option<String>) {
    let args =
        alora_desktop::instance::cli::relaunch_args(std::env::args_os().skip(1), token.is_some());
    let started = std::env::current_exe().and_then(|exe| {
        let mut command = std::process::Command::new(exe);
        command.args(args);
        if token.is_some() {
            command.stdin(std::process::Stdio::piped());
        }
        let mut child = command.spawn()?;
        if let (Some(token), Some(mut stdin)) = (token, child.stdin.take()) {
            // One line, far less than a pipe holds: this does not wait for
            // the new process to read it.
            std::io::Write::write_all(&mut stdin, format!("{token}\n").as_bytes())?;
        }
        Ok(child)
    });
    match started {
        Ok(child) => tracing::info!(pid = child.id(), "relaunched out of the demo"),
        Err(e) => tracing::error!(error = %e, "the app could not start again"),
    }
}

/// Long enough for the page to have rendered and loaded its first data.
const RELEASE_AFTER_SHOWN: Duration = Duration::from_secs(3);

/// A window reopened within this time finds WebKit as it left it.
const RELEASE_AFTER_CLOSE: Duration = Duration::from_secs(10);

/// Once the window has been closed a while: WebKit's network process ends
/// and the pages the window used go back (see `footprint`). The check for a
/// window and the stop run together on the main thread, where windows are
/// made, so a window opened meanwhile keeps its network process.
async fn release_after_close<R: Runtime>(app: AppHandle<R>) {
    tokio::time::sleep(RELEASE_AFTER_CLOSE).await;
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let on_main = app.clone();
    let asked = app.run_on_main_thread(move || {
        let stopped = if on_main.webview_windows().is_empty() {
            Some(alora_desktop::platform::linux::footprint::stop_webkit_network_process())
        } else {
            None
        };
        let _ = done_tx.send(stopped);
    });
    if asked.is_err() {
        return;
    }
    if let Ok(Some(stopped)) = done_rx.await {
        tracing::info!(stopped, "no window left: WebKit's network process stopped");
        alora_desktop::platform::linux::footprint::release_now("window closed").await;
    }
}

/// Shows the window (creating it), and leads it to `target`.
pub fn open<R: Runtime>(app: &AppHandle<R>, target: Option<Target>) -> tauri::Result<()> {
    if let Some(window) = app.get_webview_window(MAIN) {
        window.unminimize()?;
        window.show()?;
        window.set_focus()?;
        if let Some(t) = target {
            let navigate = UiEvent::Navigate(t);
            window.emit(navigate.name(), navigate.payload())?;
        }
        return Ok(());
    }
    let pending = target;
    // The page learns where to go from `app://navigate`, once it has loaded.
    let window = WebviewWindowBuilder::new(app, MAIN, WebviewUrl::App("index.html".into()))
        .title("Alora")
        .inner_size(420.0, 640.0)
        .min_inner_size(400.0, 480.0)
        .on_page_load(move |webview, payload| {
            if payload.event() != tauri::webview::PageLoadEvent::Finished {
                return;
            }
            // Making the window and the page's first render touched code
            // here that showing it does not use again (see `footprint`).
            tauri::async_runtime::spawn(alora_desktop::platform::linux::footprint::release_after(
                RELEASE_AFTER_SHOWN,
                "window shown",
            ));
            if let Some(t) = pending.clone() {
                let w = webview.clone();
                let navigate = UiEvent::Navigate(t);
                tauri::async_runtime::spawn(async move {
                    // Once at load and once when React has surely subscribed.
                    for delay in [0, 800] {
                        tokio::time::sleep(Duration::from_millis(delay)).await;
                        let _ = w.emit(navigate.name(), navigate.payload());
                    }
                });
            }
        })
        .build()?;
    let handle = window.clone();
    let app = app.clone();
    window.on_window_event(move |event| {
        let core = app.try_state::<Core>().map(|c| c.inner().clone());
        match event {
            WindowEvent::CloseRequested { api, .. } => {
                // Destroy rather than hide: a hidden webview keeps WebKit's
                // processes (over 150 MB) alive all day.
                api.prevent_close();
                if let Err(e) = handle.destroy() {
                    tracing::warn!(error = %e, "cannot destroy the window");
                }
            }
            WindowEvent::Focused(focused) => {
                if let Some(core) = &core {
                    core.set_window_focused(*focused);
                }
            }
            WindowEvent::Destroyed => {
                if let Some(core) = &core {
                    core.window_closed();
                }
                tauri::async_runtime::spawn(release_after_close(app.clone()));
            }
            _ => {}
        }
    });
    window.set_focus()?;
    Ok(())
}
