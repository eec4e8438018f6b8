//! The app's state, shared by the Tauri shell, the headless mode, the CLI
//! forwarding and the commands: the link handle (its outbox on disk), settings,
//! token, history (on disk), notifier, and the `Shell`. What only the
//! pipeline uses (popup rules, the history-failing flag) is the pipeline's.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use alora_link::{LinkConfig, LinkHandle, TokenClaims, UserStatus};
use chrono::{SecondsFormat, Utc};

use crate::app::acting::Answered;
use crate::app::attention::Attention;
use crate::app::demo::Demo;
use crate::app::input::{Injector, Input};
use crate::app::shell::{Focus, NoShell, Shell, TrayView};
use crate::data::inbox::Inbox;
use crate::data::storage::{self, Location};
use crate::error::AppResult;
use crate::events::UiEvent;
use crate::models::{Problem, StateChange};
use crate::notifications::notifier::Notifier;
use crate::platform::linux::launcher::{Badge, LauncherEntry};
use crate::platform::linux::wakeups::Wakeups;
use crate::settings::secrets::{Secrets, TokenVault};
use crate::settings::{Overrides, SettingsBackend, SettingsStore};
use crate::signin::{Opener, Renewal};

/// How many link state changes diagnostics keep.
const STATE_HISTORY: usize = 50;

/// The backends a `Core` is built over (settings store, keyring, notifier)
/// and the run's overrides; the GUI, headless mode and tests each choose
/// their own.
pub struct Backends {
    pub settings: Box<dyn SettingsBackend>,
    /// `None`: no keyring at all (memory only).
    pub vault: Option<Arc<dyn TokenVault>>,
    pub notifier: Arc<dyn Notifier>,
    /// Shows the sign-in page in the user's browser.
    pub opener: Arc<dyn Opener>,
    pub overrides: Overrides,
}

impl std::fmt::Debug for Backends {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backends")
            .field("overrides", &self.overrides)
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
pub struct Core {
    pub(in crate::app) inner: Arc<Inner>,
}

/// Only `app/` sees these: everyone else goes through `Core`'s methods.
pub(in crate::app) struct Inner {
    pub(in crate::app) link: LinkHandle,
    pub(in crate::app) settings: SettingsStore,
    pub(in crate::app) secrets: Secrets,
    pub(in crate::app) notifier: Arc<dyn Notifier>,
    pub(in crate::app) opener: Arc<dyn Opener>,
    /// Renews the signed-in tokens; replaced at each sign-in, dropped at sign out.
    pub(in crate::app) renewal: Mutex<Option<Renewal>>,
    /// The one "Sign in again" told per sign-in.
    pub(in crate::app) told_sign_in_again: std::sync::atomic::AtomicBool,
    pub(in crate::app) shell: RwLock<Arc<dyn Shell>>,
    pub(in crate::app) inbox: Mutex<Inbox>,
    /// Storage problems found at start, for the first window that asks.
    pub(in crate::app) startup_problems: Mutex<Vec<Problem>>,
    pub(in crate::app) status: Mutex<UserStatus>,
    pub(in crate::app) focus: Mutex<Focus>,
    pub(in crate::app) states: Mutex<VecDeque<StateChange>>,
    pub(in crate::app) demo: Mutex<Option<Demo>>,
    pub(in crate::app) demo_mode: bool,
    /// Bookings answered lately, from any device.
    pub(in crate::app) answered: Mutex<Answered>,
    /// Reminders, decisions, the rules' clock.
    pub(in crate::app) attention: Attention,
    /// The way into the pipeline's input, for `simulate_incoming`.
    pub(in crate::app) injector: Injector,
    /// The runtime the core was started on: sync callers (commands, tray,
    /// D-Bus callbacks) spawn their async work here.
    pub(in crate::app) runtime: tokio::runtime::Handle,
    /// Resume and network-up on the system bus reconnect the link at once;
    /// held here so that it stops with the core.
    pub(in crate::app) _wakeups: Wakeups,
    /// The dock's badge (the unread count, urgent while a booking request
    /// waits), shown with the tray.
    pub(in crate::app) launcher: LauncherEntry,
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
    pub async fn start(backends: Backends) -> AppResult<(Core, Input)> {
        Core::start_with(backends, Location::Default).await
    }

    /// Builds the core over the data at `location`, starts the demo backend
    /// when the run is a demo, and starts connecting. Must run inside a
    /// tokio runtime. The input goes to `pipeline::start` (or `pump`).
    pub async fn start_with(backends: Backends, location: Location) -> AppResult<(Core, Input)> {
        let token_override = backends.overrides.token.clone();
        let (settings, problem) = SettingsStore::load(backends.settings, backends.overrides);
        if let Some(p) = &problem {
            tracing::warn!(problem = %p, "using default settings");
        }
        let (secrets, keyring_problem) = Secrets::open(backends.vault, token_override).await;
        let demo_mode =
            settings.overrides().demo || settings.effective().server_url.trim().is_empty();
        let started = storage::start(location, demo_mode)?;
        let attention = Attention::new(started.dir.as_deref());
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
        let wakeups = Wakeups::start(link.clone());
        let launcher = LauncherEntry::start(&crate::app_id::desktop_file());
        let core = Core {
            inner: Arc::new(Inner {
                link,
                settings,
                secrets,
                notifier: backends.notifier,
                opener: backends.opener,
                renewal: Mutex::new(None),
                told_sign_in_again: std::sync::atomic::AtomicBool::new(false),
                shell: RwLock::new(Arc::new(NoShell)),
                inbox: Mutex::new(history),
                startup_problems: Mutex::new(problems),
                status: Mutex::new(UserStatus::Available),
                focus: Mutex::new(Focus::default()),
                states: Mutex::new(VecDeque::new()),
                demo: Mutex::new(None),
                demo_mode,
                answered: Mutex::new(Answered::default()),
                attention,
                injector,
                runtime: tokio::runtime::Handle::current(),
                _wakeups: wakeups,
                launcher,
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
        if !demo_mode {
            core.start_renewal();
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
        config.since = lock(&self.inner.inbox).last_event_at();
        config
    }

    /// The CA file of the settings (or `--ca-cert`), read for the link and sign-in; one
    /// that cannot be read is a problem the UI shows, and no root is added.
    pub(crate) fn trusted_ca(&self, path: Option<&str>) -> Vec<Vec<u8>> {
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
        self.own_user_id_in(&self.inner.settings.effective())
    }

    /// `own_user_id` with the settings the caller already read.
    pub fn own_user_id_in(&self, settings: &crate::models::Settings) -> Option<String> {
        if let Some(demo) = self.demo() {
            return Some(demo.user_id().to_owned());
        }
        settings
            .user_id
            .clone()
            .or_else(|| TokenClaims::read(&self.inner.secrets.token()?).user_id)
    }

    pub fn tray_view(&self) -> TrayView {
        // One read of the counts: the drawn number is the kinds' sum.
        let waiting = lock(&self.inner.inbox).waiting();
        TrayView {
            state: self.inner.link.state(),
            unread: waiting.total(),
            waiting,
            status: self.status(),
            dnd: self.dnd_on(),
            demo: self.inner.demo_mode,
        }
    }

    // A guard taken inside a struct literal lives to the end of the whole
    // expression: two of them there, in two orders in two places, deadlocked
    // the pipeline against `get_snapshot`. Each of these releases its own.
    pub(crate) fn unread(&self) -> usize {
        lock(&self.inner.inbox).unread()
    }

    pub(crate) fn status(&self) -> UserStatus {
        *lock(&self.inner.status)
    }

    pub fn refresh_tray(&self) {
        let view = self.tray_view();
        self.inner.launcher.show(Badge {
            count: u64::try_from(view.unread).unwrap_or(u64::MAX),
            urgent: view.waiting.booking_requests > 0,
        });
        self.shell().refresh(&view);
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
        lock(&self.inner.focus).window_focused = focused;
    }

    /// The window is gone: nothing is open in it any more.
    pub fn window_closed(&self) {
        *lock(&self.inner.focus) = Focus::default();
    }

    /// The conversation open in the window, while the window has focus.
    pub fn focused_conversation(&self) -> Option<String> {
        lock(&self.inner.focus).focused().map(str::to_owned)
    }

    /// The inbox; its lock is held while the guard lives, so take no
    /// other lock of the core's meanwhile.
    pub fn inbox(&self) -> MutexGuard<'_, Inbox> {
        lock(&self.inner.inbox)
    }

    pub fn notifier(&self) -> Arc<dyn Notifier> {
        self.inner.notifier.clone()
    }

    /// Our own status, as the server last told it (another session's change
    /// echoed); the tray follows.
    pub(crate) fn status_echoed(&self, status: UserStatus) {
        *lock(&self.inner.status) = status;
        self.refresh_tray();
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
