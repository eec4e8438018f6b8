//! The app's state, shared by the Tauri shell, the headless mode, the CLI
//! forwarding and the commands: the link handle (its outbox on disk), settings,
//! token, history (on disk), notifier, and the `Shell`. What only the
//! pipeline uses (popup rules, the history-failing flag) is the pipeline's.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use alora_link::{LinkConfig, LinkHandle, TokenClaims, UserStatus};
use chrono::{SecondsFormat, Utc};

use crate::app::demo::Demo;
use crate::data::history::History;
use crate::data::storage::{self, Location};
use crate::error::AppResult;
use crate::events::UiEvent;
use crate::models::{Problem, StateChange, Target};
use crate::notifications::notifier::Notifier;
use crate::pipeline::{Injector, Input};
use crate::settings::secrets::{Secrets, TokenVault};
use crate::settings::{Overrides, SettingsBackend, SettingsStore};

/// How many link state changes diagnostics keep.
const STATE_HISTORY: usize = 50;

/// What shows the app to the user: tray + window in the GUI, nothing (logs)
/// headless. Called from any thread.
pub trait Shell: Send + Sync + 'static {
    fn emit(&self, event: &UiEvent);
    /// Whether anything would receive `emit` now: when not, the pipeline
    /// skips making the UI's copy of each event.
    fn listening(&self) -> bool {
        true
    }
    /// Tray icon and menu, after any change of what `TrayView` holds.
    fn refresh(&self, view: &TrayView);
    /// Opens (creating it if needed) the window, at `target` when given.
    fn open(&self, target: Option<Target>) -> AppResult<()>;
    fn quit(&self);
    /// Ends this instance and starts a new one out of the demo (after the
    /// user saved a server). Only the GUI can: it has a window to come back to.
    fn relaunch(&self) -> AppResult<()> {
        Err(crate::error::AppError::Unavailable(
            "only the tray app can restart itself".into(),
        ))
    }
}

/// What the tray shows.
#[derive(Debug, Clone, PartialEq)]
pub struct TrayView {
    pub state: alora_link::LinkState,
    pub unread: usize,
    pub status: UserStatus,
    pub dnd: bool,
    pub demo: bool,
}

/// A shell that shows nothing: before the real one is ready, and in tests.
#[derive(Debug, Default)]
pub struct NoShell;

impl Shell for NoShell {
    fn emit(&self, _: &UiEvent) {}
    fn listening(&self) -> bool {
        false
    }
    fn refresh(&self, _: &TrayView) {}
    fn open(&self, _: Option<Target>) -> AppResult<()> {
        Err(crate::error::AppError::Unavailable(
            "there is no window in this mode".into(),
        ))
    }
    fn quit(&self) {}
}

/// The backends a `Core` is built over (settings store, keyring, notifier)
/// and the run's overrides; the GUI, headless mode and tests each choose
/// their own.
pub struct Backends {
    pub settings: Box<dyn SettingsBackend>,
    /// `None`: no keyring at all (memory only).
    pub vault: Option<Arc<dyn TokenVault>>,
    pub notifier: Arc<dyn Notifier>,
    pub overrides: Overrides,
}

impl std::fmt::Debug for Backends {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backends")
            .field("overrides", &self.overrides)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
pub(crate) struct Focus {
    pub window_focused: bool,
    pub conversation: Option<String>,
}

#[derive(Clone)]
pub struct Core {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub link: LinkHandle,
    pub settings: SettingsStore,
    pub secrets: Secrets,
    pub notifier: Arc<dyn Notifier>,
    pub shell: RwLock<Arc<dyn Shell>>,
    pub history: Mutex<History>,
    /// Storage problems found at start, for the first window that asks.
    pub startup_problems: Mutex<Vec<Problem>>,
    pub status: Mutex<UserStatus>,
    pub focus: Mutex<Focus>,
    pub states: Mutex<VecDeque<StateChange>>,
    pub demo: Mutex<Option<Demo>>,
    pub demo_mode: bool,
    /// The way into the pipeline's input, for `simulate_incoming`.
    pub injector: Injector,
    /// The runtime the core was started on: sync callers (commands, tray,
    /// D-Bus callbacks) spawn their async work here.
    pub runtime: tokio::runtime::Handle,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("demo", &self.inner.demo_mode)
            .finish_non_exhaustive()
    }
}

/// A lock whose poisoning (a panic while it was held) is not passed on:
/// the data behind every lock here stays usable.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Core {
    /// `start_with` the data folder (memory for a demo).
    pub async fn start(parts: Backends) -> AppResult<(Core, Input)> {
        Core::start_with(parts, Location::Default).await
    }

    /// Builds the core over the data at `location`, starts the demo backend
    /// when the run is a demo, and starts connecting. Must run inside a
    /// tokio runtime. The input goes to `pipeline::start` (or `pump`).
    pub async fn start_with(parts: Backends, location: Location) -> AppResult<(Core, Input)> {
        let token_override = parts.overrides.token.clone();
        let (settings, problem) = SettingsStore::load(parts.settings, parts.overrides);
        if let Some(p) = &problem {
            tracing::warn!(problem = %p, "using default settings");
        }
        let (secrets, keyring_problem) = Secrets::open(parts.vault, token_override).await;
        let demo_mode =
            settings.overrides().demo || settings.effective().server_url.trim().is_empty();
        let started = storage::start(location, demo_mode)?;
        let (link, events, history) = (started.link, started.events, started.history);
        let (input, injector) = Input::new(events);
        // Told to the first window that asks (the UI toasts them).
        let settings_problem =
            problem.map(|p| Problem::new("settings", format!("{p}; using the defaults")));
        let mut problems: Vec<Problem> = settings_problem
            .into_iter()
            .chain(keyring_problem)
            .collect();
        problems.extend(started.problems);
        let outbox = link.outbox_counts();
        let dnd = settings.effective().dnd;
        let core = Core {
            inner: Arc::new(Inner {
                link,
                settings,
                secrets,
                notifier: parts.notifier,
                shell: RwLock::new(Arc::new(NoShell)),
                history: Mutex::new(history),
                startup_problems: Mutex::new(problems),
                status: Mutex::new(UserStatus::Available),
                focus: Mutex::new(Focus::default()),
                states: Mutex::new(VecDeque::new()),
                demo: Mutex::new(None),
                demo_mode,
                injector,
                runtime: tokio::runtime::Handle::current(),
            }),
        };
        let keyring = core.inner.secrets.mode();
        tracing::info!(demo = demo_mode, dnd, ?keyring, ?outbox, "starting");
        if demo_mode {
            let demo = Demo::start().await?;
            *lock(&core.inner.demo) = Some(demo);
        }
        if let Err(e) = core.connect().await {
            tracing::warn!(error = %e, "not connecting yet");
        }
        Ok((core, input))
    }

    /// Tells the UI, once, what went wrong with the data at start (logged
    /// then already): a window that asks for the snapshot is listening.
    pub fn tell_startup_problems(&self) {
        let problems = std::mem::take(&mut *lock(&self.inner.startup_problems));
        for p in problems {
            self.emit(UiEvent::Problem(p));
        }
    }

    /// Replaces the shell (once the tray exists) and shows the current state.
    pub fn set_shell(&self, shell: Arc<dyn Shell>) {
        *self
            .inner
            .shell
            .write()
            .unwrap_or_else(PoisonError::into_inner) = shell;
        self.refresh_tray();
    }

    pub fn shell(&self) -> Arc<dyn Shell> {
        self.inner
            .shell
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn link(&self) -> &LinkHandle {
        &self.inner.link
    }

    /// This run's own token (file, stdin or env), for a relaunch.
    pub fn run_token(&self) -> Option<String> {
        self.inner.settings.overrides().token.clone()
    }

    pub fn is_demo(&self) -> bool {
        self.inner.demo_mode
    }

    /// The demo's backend, when this run is a demo.
    pub fn demo(&self) -> Option<Demo> {
        lock(&self.inner.demo).clone()
    }

    pub fn spawn<F: std::future::Future<Output = ()> + Send + 'static>(&self, future: F) {
        self.inner.runtime.spawn(future);
    }

    pub fn emit(&self, event: UiEvent) {
        self.shell().emit(&event);
    }

    pub fn problem(&self, problem: Problem) {
        tracing::warn!(code = %problem.code, message = %problem.message, "problem");
        self.emit(UiEvent::Problem(problem));
    }

    /// The config for the current settings and token (or the demo backend).
    pub(crate) fn link_config(&self) -> LinkConfig {
        let settings = self.inner.settings.effective();
        let mut config = match self.demo() {
            Some(demo) => {
                // The demo's token names its user; a stored user id is for the real server.
                let mut config = LinkConfig::new(demo.url(), demo.token());
                config.socket_path = demo.path();
                config
            }
            None => {
                let mut config = LinkConfig::new(settings.server_url, "");
                config.token = self.inner.secrets.token();
                config.socket_path = settings.socket_path;
                config.user_id = settings.user_id;
                config.extra_root_certs = self.trusted_ca(settings.ca_cert.as_deref());
                config
            }
        };
        // Catch-up: what the server sent after the newest event stored.
        config.since = lock(&self.inner.history).last_event_at();
        config
    }

    /// The CA file of the settings (or `--ca-cert`), read for the link; one
    /// that cannot be read is a problem the UI shows, and no root is added.
    fn trusted_ca(&self, path: Option<&str>) -> Vec<Vec<u8>> {
        let Some(path) = path else {
            return Vec::new();
        };
        match std::fs::read(path) {
            Ok(pem) => vec![pem],
            Err(e) => {
                self.problem(Problem::new(
                    "ca_cert",
                    format!("the CA certificate {path} cannot be read: {e}"),
                ));
                Vec::new()
            }
        }
    }

    /// Our user id: from settings, else the token's claims.
    pub fn own_user_id(&self) -> Option<String> {
        if let Some(demo) = self.demo() {
            return Some(demo.user_id().to_owned());
        }
        let settings = self.inner.settings.effective();
        settings
            .user_id
            .or_else(|| TokenClaims::read(&self.inner.secrets.token()?).user_id)
    }

    pub fn tray_view(&self) -> TrayView {
        TrayView {
            state: self.inner.link.state(),
            unread: self.unread(),
            status: self.status(),
            dnd: self.inner.settings.effective().dnd,
            demo: self.inner.demo_mode,
        }
    }

    // A guard taken inside a struct literal lives to the end of the whole
    // expression: two of them there, in two orders in two places, deadlocked
    // the pipeline against `get_snapshot`. Each of these releases its own.
    pub(crate) fn unread(&self) -> usize {
        lock(&self.inner.history).unread()
    }

    pub(crate) fn status(&self) -> UserStatus {
        *lock(&self.inner.status)
    }

    pub fn refresh_tray(&self) {
        self.shell().refresh(&self.tray_view());
    }

    pub(crate) fn record_state(&self, state: &alora_link::LinkState) {
        let mut states = lock(&self.inner.states);
        states.push_back(StateChange {
            at: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            state: state.clone(),
        });
        while states.len() > STATE_HISTORY {
            states.pop_front();
        }
    }

    /// Tells the window focus (from the window's events).
    pub fn set_window_focused(&self, focused: bool) {
        let mut focus = lock(&self.inner.focus);
        focus.window_focused = focused;
    }

    /// The window is gone: nothing is open in it any more.
    pub fn window_closed(&self) {
        *lock(&self.inner.focus) = Focus::default();
    }

    /// Disconnects cleanly and stops the demo backend.
    pub async fn shutdown(&self) {
        let _ = self.inner.link.shutdown().await;
        let demo = lock(&self.inner.demo).take();
        if let Some(demo) = demo {
            demo.stop().await;
        }
    }
}
