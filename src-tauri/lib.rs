//! Alora Tray: the command line decides the mode (forward a subcommand to the
//! running instance, run headless, or run the Tauri tray app); `app()` builds
//! the Tauri app: plugins, state, setup, and the run loop that keeps it alive
//! with no window.

pub mod badge;
// The command table (before `commands`, which expands it).
#[macro_use]
mod command_table;
pub mod commands;
#[cfg(test)]
mod contract;
pub mod icons;
#[cfg(test)]
mod packaging_tests;
pub mod plugin_store;
pub mod tray;
pub mod tray_text;
pub mod window;

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use tauri::{Manager, RunEvent, Runtime};
use tauri_plugin_store::StoreExt;

use alora_desktop::data::storage;
use alora_desktop::headless;
use alora_desktop::instance::cli::{Cli, Forward};
use alora_desktop::instance::{self, socket};
use alora_desktop::platform::linux::{fd_limit, footprint, rendering};
use alora_desktop::settings::{self, token_input, Overrides};
use alora_desktop::{error, logs, pipeline};

use crate::plugin_store::PluginStore;

/// The plugins and commands every build of the app has (the real one and
/// the tests' mock runtime).
pub fn builder<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_store::Builder::default().build())
        .invoke_handler(commands::handler())
}

/// The process entry: parse, forward or become the instance, then run.
pub fn main() -> ExitCode {
    // First, while this is the only thread: the processes this one starts
    // (WebKit's, a relaunch) must not inherit the token.
    let env_token = settings::take_env_token();
    let cli = Cli::parse();
    init_tracing();
    if let Some(command) = &cli.command {
        return forward(command.to_forward(), std::time::Duration::ZERO);
    }
    let token = match run_token(&cli, env_token) {
        Ok(token) => token,
        Err(e) => {
            eprintln!("alora-tray: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Data and settings go in the home, or nowhere: never a shared temp folder.
    if alora_desktop::places::data_dir().is_none() {
        eprintln!("alora-tray: no folder for the settings and data: set HOME or XDG_DATA_HOME");
        return ExitCode::FAILURE;
    }
    let listener = match instance::claim() {
        Ok(Some(listener)) => listener,
        Ok(None) if cli.minimized => {
            eprintln!("Alora Tray is already running.");
            return ExitCode::SUCCESS;
        }
        // A plain second launch opens the first one's window, once that
        // one (which may be starting this very moment) listens.
        Ok(None) => return forward(Ok(Forward::Open), STARTING_PATIENCE),
        Err(e) => {
            eprintln!("alora-tray: cannot become the running instance: {e}");
            return ExitCode::FAILURE;
        }
    };
    storage::prepare_data_dir();
    let mut overrides = Overrides::from_env().with(cli.overrides());
    overrides.token = token;
    if cli.headless {
        return headless::run(overrides, listener, icons::notification_icon());
    }
    run(cli.minimized, overrides, listener)
}

/// How long a second launch waits for the instance to answer.
const STARTING_PATIENCE: std::time::Duration = std::time::Duration::from_secs(15);

/// This run's own token: `--token-file`, `--token-stdin`, else the one
/// from the environment.
fn run_token(cli: &Cli, env_token: Option<String>) -> Result<Option<String>, error::AppError> {
    if let Some(path) = &cli.token_file {
        return token_input::read_token_file(path).map(Some);
    }
    if cli.token_stdin {
        return token_input::read_token_line(std::io::stdin().lock()).map(Some);
    }
    Ok(env_token)
}

fn forward(request: Result<Forward, error::AppError>, patience: std::time::Duration) -> ExitCode {
    match request.and_then(|r| socket::forward_within(&r, patience)) {
        Ok(serde_json::Value::Null) => ExitCode::SUCCESS,
        Ok(answer) => {
            // The answer (a delivery) is the command's output, for scripts.
            use std::io::Write;
            let _ = writeln!(std::io::stdout(), "{answer}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("alora-tray: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Crates that log whole requests at trace level: tungstenite the websocket
/// upgrade with its `Authorization: Bearer` header, the HTTP and engine.io
/// ones their requests and URLs. Capped at debug whatever `RUST_LOG` says,
/// so that no log, however verbose, holds the token.
const TOKEN_LOGGING: &[&str] = &[
    "tungstenite",
    "tokio_tungstenite",
    "rust_engineio",
    "rust_socketio",
    "hyper",
    "hyper_util",
    "reqwest",
    "h2",
];

/// Whether an event or span may reach the log at all (see `TOKEN_LOGGING`).
fn never_the_token(meta: &tracing::Metadata<'_>) -> bool {
    let target = meta.target();
    let capped = TOKEN_LOGGING.iter().any(|c| {
        target
            .strip_prefix(c)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    });
    !capped || *meta.level() <= tracing::Level::DEBUG
}

/// The log goes to its file (`alora_desktop::logs`) and to standard error
/// when that is a terminal, a pipe or a file, not the journal; to standard
/// error alone when the file cannot be opened.
fn init_tracing() {
    use std::io::IsTerminal;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tao=warn,wry=warn"));
    let (file, file_error) = match logs::open_file() {
        Ok(file) => (Some(file), None),
        Err(e) => (None, Some(e)),
    };
    let file = file.map(|f| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::sync::Mutex::new(f))
            .with_ansi(false)
    });
    let stderr = (file.is_none() || logs::to_stderr_too()).then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
    });
    // A second filter after RUST_LOG's, not a directive in it: a more
    // specific directive there (`tungstenite::handshake=trace`) would win.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::filter::filter_fn(never_the_token))
        .with(stderr)
        .with(file)
        .try_init();
    if let Some(e) = file_error {
        tracing::warn!(error = %e, "no log file: logging to standard error only");
    }
}

/// Long enough for the connection and the first catch-up to be done.
const RELEASE_AFTER_START: std::time::Duration = std::time::Duration::from_secs(20);

/// The tray app on the real runtime.
pub fn run(
    minimized: bool,
    overrides: Overrides,
    listener: std::os::unix::net::UnixListener,
) -> ExitCode {
    rendering::prefer_lean();
    match fd_limit::raise() {
        Some((before, after)) => tracing::debug!(before, after, "open-file limit"),
        None => tracing::warn!("the open-file limit could not be read or raised"),
    }
    // Before GTK starts. Not Tauri's `enableGTKAppId`: that registers the
    // id on the session bus, and a second instance there (the tests run
    // several side by side) would hand itself over to the first and exit.
    gtk::glib::set_prgname(Some(alora_desktop::app_id::APP_ID));
    let listener = std::sync::Mutex::new(Some(listener));
    let app = builder(tauri::Builder::default())
        .setup(move |app| {
            let store = app.store(settings::STORE_FILE)?;
            let handle = app.handle().clone();
            let settings = Box::new(PluginStore(store));
            let started = tauri::async_runtime::block_on(headless::desktop_core(
                overrides.clone(),
                settings,
                icons::notification_icon(),
            ));
            let (core, events, notifier) = started?;
            app.manage(core.clone());
            let tray = tray::Tray::create(&handle)?;
            core.set_shell(Arc::new(window::TauriShell {
                app: handle.clone(),
                tray: Some(tray),
            }));
            pipeline::start(core.clone(), events)?;
            if let Some(l) = listener.lock().ok().and_then(|mut l| l.take()) {
                app.manage(core.answer_forwarded(l));
            }
            tauri::async_runtime::spawn(async move { notifier.probe().await });
            // Start-up code and data are not needed again until the next start.
            tauri::async_runtime::spawn(footprint::release_after(RELEASE_AFTER_START, "started"));
            if !minimized {
                window::open(&handle, None)?;
            }
            Ok(())
        })
        .build(tauri::generate_context!("tauri.conf.json"));
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = %e, "the app could not start");
            instance::release();
            return ExitCode::FAILURE;
        }
    };
    app.run(|_app, event| {
        // The last window closing must not end the app: it lives in the tray.
        // `app.exit(0)` (Quit) carries a code and goes through.
        if let RunEvent::ExitRequested {
            api, code: None, ..
        } = event
        {
            api.prevent_exit();
        }
    });
    instance::release();
    ExitCode::SUCCESS
}
