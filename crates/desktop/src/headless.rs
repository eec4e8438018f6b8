//! `--headless`: the link, history, popups and the forwarded subcommands on
//! a plain tokio runtime, with no Tauri at all (no display needed); and
//! the parts every desktop run starts from (`desktop_core`), the tray
//! app's too.

use std::os::unix::net::UnixListener;
use std::process::ExitCode;
use std::sync::Arc;

use tokio::sync::Notify;

use crate::app::shell::{Shell, TrayView};
use crate::app::state::{Backends, Core};
use crate::error::{AppError, AppResult};
use crate::events::UiEvent;
use crate::instance;
use crate::models::Target;
use crate::notifications::notifier::{DesktopNotifier, NotifierHooks};
use crate::pipeline;
use crate::settings::secrets::OsKeyring;
use crate::settings::{JsonFile, Overrides};

/// Logs what a window would show; `quit` ends the run.
#[derive(Debug, Default)]
struct HeadlessShell {
    quit: Notify,
}

impl Shell for HeadlessShell {
    fn emit(&self, event: &UiEvent) {
        tracing::trace!(event = event.name(), "ui event (no window)");
    }
    fn listening(&self) -> bool {
        false
    }
    fn refresh(&self, view: &TrayView) {
        tracing::debug!(state = ?view.state, unread = view.unread, "tray (none)");
    }
    fn open(&self, target: Option<Target>) -> AppResult<()> {
        tracing::info!(
            ?target,
            "open asked for, but there is no window in headless mode"
        );
        Err(AppError::Unavailable("headless mode has no window".into()))
    }
    fn quit(&self) {
        // notify_one keeps the permit if nobody waits yet.
        self.quit.notify_one();
    }
}

/// The parts of a desktop run: the store file, the OS keyring and the
/// desktop notifier, with hooks that reach the core once it exists.
pub async fn desktop_core(
    overrides: Overrides,
    settings: Box<dyn crate::settings::SettingsBackend>,
    icon: String,
) -> AppResult<(Core, pipeline::Input, Arc<DesktopNotifier>)> {
    let notifier = DesktopNotifier::new(icon);
    let backends = Backends {
        settings,
        vault: Some(Arc::new(OsKeyring)),
        notifier: Arc::new(notifier.clone()),
        opener: Arc::new(crate::signin::XdgOpen),
        overrides,
    };
    let (core, events) = Core::start(backends).await?;
    core.recheck_autostart();
    let (open_core, act_core, problem_core) = (core.clone(), core.clone(), core.clone());
    notifier.set_hooks(NotifierHooks {
        open: Box::new(move |target| {
            open_core.handled(&target);
            if let Err(e) = open_core.shell().open(Some(target)) {
                tracing::debug!(error = %e, "cannot open the window");
            }
        }),
        act: Box::new(move |acted| act_core.act(acted)),
        problem: Box::new(move |p| problem_core.problem(p)),
    });
    Ok((core, events, notifier))
}

/// `icon`: the notifications' icon (a file path or an icon name).
pub fn run(overrides: Overrides, listener: UnixListener, icon: String) -> ExitCode {
    // Never a shared temp folder as a stand-in for a home.
    let Some(settings_file) = JsonFile::default_path() else {
        eprintln!("alora-tray: no folder for the settings and data: set HOME or XDG_DATA_HOME");
        instance::release();
        return ExitCode::FAILURE;
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the runtime");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async move {
        let store = Box::new(JsonFile(settings_file));
        let (core, events, notifier) = match desktop_core(overrides, store, icon).await {
            Ok(parts) => parts,
            Err(e) => {
                tracing::error!(error = %e, "cannot start");
                return ExitCode::FAILURE;
            }
        };
        let shell = Arc::new(HeadlessShell::default());
        core.set_shell(shell.clone());
        if let Err(e) = pipeline::start(core.clone(), events) {
            tracing::error!(error = %e, "cannot start the event pipeline");
            return ExitCode::FAILURE;
        }
        let _answering = core.answer_forwarded(listener);
        notifier.probe().await;
        tracing::info!("running headless");
        tokio::select! {
            () = shell.quit.notified() => tracing::info!("quit asked for"),
            () = terminated() => tracing::info!("signal received"),
        }
        core.shutdown().await;
        ExitCode::SUCCESS
    });
    instance::release();
    // Popups waiting for a click hold D-Bus connections: do not wait for them.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    code
}

/// SIGINT or SIGTERM.
pub(crate) async fn terminated() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
