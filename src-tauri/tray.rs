//! The tray: an icon per link state with the unread count drawn on it
//! (badge.rs), a tooltip of what waits (tray_text.rs), and a menu that
//! reaches everything (Linux trays get no clicks): Open Alora; Status with
//! the current one checked; Do not disturb; Quiet until tomorrow; a disabled state line such as
//! "Reconnecting in 4 s"; Reconnect now; Quit.

use std::sync::{Arc, Mutex};

use alora_link::UserStatus;
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Runtime};

use crate::badge::Badges;
use crate::icons::{self, TrayLook};
use crate::tray_text::{state_text, tooltip};
use alora_desktop::app::shell::TrayView;
use alora_desktop::app::state::{lock, Core};

/// The tray. `update` may be called from any thread; what it shows is set
/// on the main thread, where the tray host's calls run.
pub struct Tray<R: Runtime> {
    app: AppHandle<R>,
    /// The latest view not yet shown, and whether a run on the main thread
    /// is queued to show it: a flood of updates queues one run, which shows
    /// the latest.
    pending: Arc<Mutex<Pending>>,
    widgets: Arc<Widgets<R>>,
}

#[derive(Debug)]
struct Pending<T = TrayView> {
    view: Option<T>,
    queued: bool,
}

impl<T> Default for Pending<T> {
    fn default() -> Self {
        Pending {
            view: None,
            queued: false,
        }
    }
}

impl<T> Pending<T> {
    /// Leaves `view` to be shown; whether a run must be queued for it (none is yet).
    fn offer(&mut self, view: T) -> bool {
        self.view = Some(view);
        !std::mem::replace(&mut self.queued, true)
    }

    /// The run has started: what it shows. An offer from now on queues another.
    fn take(&mut self) -> Option<T> {
        self.queued = false;
        self.view.take()
    }
}

/// The tray's items, touched only on the main thread.
struct Widgets<R: Runtime> {
    icon: TrayIcon<R>,
    state_line: MenuItem<R>,
    statuses: [(UserStatus, CheckMenuItem<R>); 3],
    dnd: CheckMenuItem<R>,
    /// What is shown now, so that only changes reach the tray host. Only the
    /// main thread takes it, so it never waits on another thread's lock.
    shown: Mutex<Option<Shown>>,
    /// The icons drawn with their counts, each once (main thread only too).
    badges: Mutex<Badges>,
}

/// What the tray shows now.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    look: TrayLook,
    label: Option<String>,
    text: String,
    tooltip: String,
}

impl<R: Runtime> std::fmt::Debug for Tray<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tray")
            .field("pending", &self.pending)
            .field("shown", &self.widgets.shown)
            .finish_non_exhaustive()
    }
}

fn status_id(s: UserStatus) -> String {
    format!("status:{}", s.as_str())
}

impl<R: Runtime> Tray<R> {
    pub fn create(app: &AppHandle<R>) -> tauri::Result<Self> {
        let open = MenuItem::with_id(app, "open", "Open Alora", true, None::<&str>)?;
        let check = |s: UserStatus, label: &str| {
            CheckMenuItem::with_id(
                app,
                status_id(s),
                label,
                true,
                s == UserStatus::Available,
                None::<&str>,
            )
        };
        let statuses = [
            (
                UserStatus::Available,
                check(UserStatus::Available, "Available")?,
            ),
            (UserStatus::Busy, check(UserStatus::Busy, "Busy")?),
            (UserStatus::Away, check(UserStatus::Away, "Away")?),
        ];
        let status_menu = Submenu::with_id_and_items(
            app,
            "status",
            "Status",
            true,
            &[&statuses[0].1, &statuses[1].1, &statuses[2].1],
        )?;
        let dnd = CheckMenuItem::with_id(app, "dnd", "Do not disturb", true, false, None::<&str>)?;
        let tomorrow = MenuItem::with_id(
            app,
            "dnd-tomorrow",
            "Quiet until tomorrow",
            true,
            None::<&str>,
        )?;
        let state_line = MenuItem::with_id(app, "state", "Starting…", false, None::<&str>)?;
        let reconnect = MenuItem::with_id(app, "reconnect", "Reconnect now", true, None::<&str>)?;
        let sign_in = MenuItem::with_id(app, "sign-in", "Sign in…", true, None::<&str>)?;
        let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
        let sep = || PredefinedMenuItem::separator(app);
        let menu = Menu::with_items(
            app,
            &[
                &open,
                &sep()?,
                &status_menu,
                &dnd,
                &tomorrow,
                &sep()?,
                &state_line,
                &reconnect,
                &sign_in,
                &sep()?,
                &quit,
            ],
        )?;
        let icon = TrayIconBuilder::with_id("alora")
            .icon(Image::from_bytes(icons::tray_png(TrayLook::Offline))?)
            .tooltip("Alora")
            .menu(&menu)
            .show_menu_on_left_click(true)
            .on_menu_event(on_menu_event)
            .build(app)?;
        Ok(Tray {
            app: app.clone(),
            pending: Arc::default(),
            widgets: Arc::new(Widgets {
                icon,
                state_line,
                statuses,
                dnd,
                shown: Mutex::new(None),
                badges: Mutex::default(),
            }),
        })
    }

    /// Shows `view`, from any thread, without waiting: the tray host's
    /// calls post to the main thread and block until it has run them, so a
    /// thread that waited for them while holding a lock the main thread
    /// wants (a command there updating the tray too) froze the app. Here
    /// nothing waits: the view is left for one run on the main thread,
    /// queued unless one is already, which shows the latest view left.
    pub fn update(&self, view: &TrayView) {
        let queue = lock(&self.pending).offer(view.clone());
        if !queue {
            return;
        }
        let (pending, widgets) = (self.pending.clone(), self.widgets.clone());
        // On the main thread already, this runs at once.
        let queued = self.app.run_on_main_thread(move || {
            let view = lock(&pending).take();
            if let Some(view) = view {
                widgets.show(&view);
            }
        });
        if let Err(e) = queued {
            // The event loop has ended: nothing will show anything again.
            lock(&self.pending).queued = false;
            tracing::debug!(error = %e, "the tray was not updated");
        }
    }
}

impl<R: Runtime> Widgets<R> {
    /// Shows `view`: icon, state line, checks. On the main thread only, where
    /// each of these calls runs at once instead of waiting for that thread.
    fn show(&self, view: &TrayView) {
        let now = Shown {
            look: TrayLook::of(&view.state),
            label: crate::badge::label(view.unread),
            text: state_text(view),
            tooltip: tooltip(view),
        };
        let mut shown = lock(&self.shown);
        let old = shown.take();
        let old = old.as_ref();
        if old.map(|o| (o.look, &o.label)) != Some((now.look, &now.label)) {
            let set = lock(&self.badges)
                .icon(now.look, view.unread)
                .and_then(|i| self.icon.set_icon(Some(i)));
            if let Err(e) = set {
                tracing::warn!(error = %e, "cannot change the tray icon");
            }
        }
        if old.map(|o| &o.text) != Some(&now.text) {
            let _ = self.state_line.set_text(&now.text);
        }
        if old.map(|o| &o.tooltip) != Some(&now.tooltip) {
            tracing::debug!(tooltip = %now.tooltip, "tray tooltip");
            let _ = self.icon.set_tooltip(Some(&now.tooltip));
        }
        *shown = Some(now);
        drop(shown);
        // Checks are set every time: the menu toggles a check by itself on click.
        for (status, item) in &self.statuses {
            let _ = item.set_checked(*status == view.status);
        }
        let _ = self.dnd.set_checked(view.dnd);
    }
}

fn on_menu_event<R: Runtime>(app: &AppHandle<R>, event: MenuEvent) {
    let Some(core) = app.try_state::<Core>().map(|c| c.inner().clone()) else {
        return;
    };
    let id = event.id().as_ref().to_owned();
    tracing::info!(item = %id, "tray menu");
    tauri::async_runtime::spawn(async move {
        let result = match id.as_str() {
            "open" => core.shell().open(None),
            "dnd" => {
                let on = !core.dnd_on();
                core.set_dnd(on).await
            }
            "dnd-tomorrow" => core.dnd_until_tomorrow().await.map(|_| ()),
            "reconnect" => core.reconnect_now().await,
            "sign-in" => {
                core.sign_in_browser_later();
                Ok(())
            }
            "quit" => {
                core.shell().quit();
                Ok(())
            }
            other => match other.strip_prefix("status:").map(str::parse::<UserStatus>) {
                Some(Ok(status)) => core.update_status(status).await.map(|_| ()),
                _ => Ok(()),
            },
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "tray action failed");
        }
        // Puts back a check the menu flipped by itself when nothing changed.
        core.refresh_tray();
    });
}

#[cfg(test)]
mod tests {
    use super::Pending;

    #[test]
    fn a_flood_of_updates_queues_one_run_that_shows_the_latest() {
        let mut pending = Pending::default();
        let queued = (0..10_000).filter(|n| pending.offer(*n)).count();
        assert_eq!(queued, 1, "one run on the main thread for the whole flood");
        assert_eq!(pending.take(), Some(9_999));
        assert_eq!(pending.take(), None, "shown once");
        // After the run took its view, the next update queues a run again:
        // none is lost between the two.
        assert!(pending.offer(1));
        assert!(!pending.offer(2));
        assert_eq!(pending.take(), Some(2));
        assert!(pending.offer(3));
    }
}
