//! The UI's commands (docs/IPC.md): each a few lines handing over to the
//! core. Errors reach the UI as `{code, message}` (see `error.rs`).
//!
//! A sync command runs on the main (GTK) thread, in the webview's request
//! handler: every command that reads or writes the database is async and
//! does that work on the blocking pool, so the main thread never waits on
//! SQLite or the history's lock (which the pipeline holds while it commits).

use alora_link::{Delivery, OutboxEntry, UserStatus};
use serde_json::Value;
use tauri::State;

use alora_desktop::app::state::Core;
use alora_desktop::error::{AppError, AppResult};
use alora_desktop::models::{
    AppSnapshot, Diagnostics, HistoryItem, HistoryQuery, Settings, SettingsPatch, Snoozed,
};

type Ctx<'a> = State<'a, Core>;

/// Runs `work` on the blocking pool, off the main thread and the async workers.
async fn blocking<T: Send + 'static>(
    core: &Core,
    work: impl FnOnce(&Core) -> T + Send + 'static,
) -> AppResult<T> {
    let core = core.clone();
    tauri::async_runtime::spawn_blocking(move || work(&core))
        .await
        .map_err(|e| AppError::Unavailable(format!("the command did not finish: {e}")))
}

/// The UI asks for it when it starts, listening already: the moment to
/// tell it what went wrong with the data before it was there.
#[tauri::command]
pub async fn get_snapshot(core: Ctx<'_>) -> AppResult<AppSnapshot> {
    blocking(&core, |core| {
        core.tell_startup_problems();
        core.snapshot()
    })
    .await
}

#[tauri::command]
pub async fn connect(core: Ctx<'_>) -> AppResult<()> {
    core.connect().await
}

#[tauri::command]
pub async fn disconnect(core: Ctx<'_>) -> AppResult<()> {
    core.disconnect().await
}

#[tauri::command]
pub async fn reconnect_now(core: Ctx<'_>) -> AppResult<()> {
    core.reconnect_now().await
}

/// Restarts the app out of the demo, onto the server saved in settings.
#[tauri::command]
pub fn leave_demo(core: Ctx<'_>) -> AppResult<()> {
    core.leave_demo()
}

#[tauri::command]
pub async fn sign_in(core: Ctx<'_>, token: String) -> AppResult<()> {
    core.sign_in(token).await
}

/// Signs in through the browser; resolves once the browser has answered (or timed out).
#[tauri::command]
pub async fn sign_in_browser(core: Ctx<'_>) -> AppResult<()> {
    core.sign_in_browser().await
}

#[tauri::command]
pub async fn sign_out(core: Ctx<'_>) -> AppResult<()> {
    core.sign_out().await
}

#[tauri::command]
pub fn get_settings(core: Ctx<'_>) -> Settings {
    core.settings()
}

#[tauri::command]
pub async fn update_settings(core: Ctx<'_>, patch: SettingsPatch) -> AppResult<Settings> {
    core.update_settings(patch).await
}

#[tauri::command]
pub async fn set_dnd(core: Ctx<'_>, on: bool) -> AppResult<()> {
    core.set_dnd(on).await
}

#[tauri::command]
pub async fn dnd_until_tomorrow(core: Ctx<'_>) -> AppResult<Settings> {
    core.dnd_until_tomorrow().await
}

#[tauri::command(rename_all = "camelCase")]
pub async fn send_typing(
    core: Ctx<'_>,
    is_typing: bool,
    conversation_id: Option<String>,
) -> AppResult<Delivery> {
    core.send_typing(is_typing, conversation_id).await
}

#[tauri::command]
pub async fn update_status(core: Ctx<'_>, status: UserStatus) -> AppResult<Delivery> {
    core.update_status(status).await
}

#[tauri::command(rename_all = "camelCase")]
pub async fn send_booking_update(
    core: Ctx<'_>,
    booking_id: String,
    status: String,
) -> AppResult<Delivery> {
    core.update_booking(booking_id, status).await
}

#[tauri::command(rename_all = "camelCase")]
pub async fn send_message(
    core: Ctx<'_>,
    conversation_id: String,
    content: String,
    client_id: Option<String>,
) -> AppResult<Delivery> {
    core.send_message(conversation_id, content, client_id).await
}

#[tauri::command(rename_all = "camelCase")]
pub async fn join_conversation(core: Ctx<'_>, conversation_id: String) -> AppResult<Delivery> {
    core.join_conversation(conversation_id).await
}

#[tauri::command(rename_all = "camelCase")]
pub async fn mark_as_read(
    core: Ctx<'_>,
    conversation_id: String,
    message_ids: Option<Vec<String>>,
) -> AppResult<Delivery> {
    core.mark_as_read(conversation_id, message_ids).await
}

#[tauri::command]
pub async fn emit(core: Ctx<'_>, event: String, payload: Value) -> AppResult<Delivery> {
    core.emit_event(&event, payload).await
}

/// Development builds may simulate events outside the demo too; a release
/// build only in the demo, so that on a real account only the server puts
/// popups and history items in front of the user.
const SIMULATE_OUTSIDE_DEMO: bool = cfg!(debug_assertions);

#[tauri::command]
pub async fn simulate_incoming(core: Ctx<'_>, event: String, payload: Value) -> AppResult<()> {
    blocking(&core, move |core| {
        simulate(core, &event, payload, SIMULATE_OUTSIDE_DEMO)
    })
    .await?
}

/// `simulate_incoming` under a build's rule: `outside_demo` says whether it
/// may run when this is not the demo.
pub(crate) fn simulate(
    core: &Core,
    event: &str,
    payload: Value,
    outside_demo: bool,
) -> AppResult<()> {
    if !core.is_demo() && !outside_demo {
        return Err(AppError::Unavailable(
            "simulated events are for the demo (and development builds) only".into(),
        ));
    }
    core.simulate_incoming(event, payload)
}

#[tauri::command(rename_all = "camelCase")]
pub async fn list_history(
    core: Ctx<'_>,
    query: Option<String>,
    event: Option<String>,
    unread_only: Option<bool>,
    limit: Option<usize>,
) -> AppResult<Vec<HistoryItem>> {
    let q = HistoryQuery {
        query,
        event,
        unread_only: unread_only.unwrap_or(false),
        limit,
    };
    blocking(&core, move |core| core.list_history(&q)).await
}

#[tauri::command]
pub async fn mark_history_read(core: Ctx<'_>, ids: Vec<String>) -> AppResult<usize> {
    blocking(&core, move |core| core.mark_history_read(&ids)).await
}

#[tauri::command]
pub async fn snooze_history(core: Ctx<'_>, id: String, minutes: u32) -> AppResult<Vec<Snoozed>> {
    core.snooze_history(&id, minutes).await
}

#[tauri::command]
pub fn list_snoozed(core: Ctx<'_>) -> Vec<Snoozed> {
    core.snoozed()
}

#[tauri::command]
pub async fn list_outbox(core: Ctx<'_>) -> AppResult<Vec<OutboxEntry>> {
    core.list_outbox().await
}

#[tauri::command(rename_all = "camelCase")]
pub async fn retry_outbox(core: Ctx<'_>, entry_id: u64) -> AppResult<()> {
    core.retry_outbox(entry_id).await
}

#[tauri::command(rename_all = "camelCase")]
pub async fn discard_outbox(core: Ctx<'_>, entry_id: u64) -> AppResult<()> {
    core.discard_outbox(entry_id).await
}

#[tauri::command]
pub fn get_diagnostics(core: Ctx<'_>) -> Diagnostics {
    core.diagnostics()
}

/// Opens the log folder in the file manager.
#[tauri::command]
pub fn open_log_folder(_core: Ctx<'_>) -> AppResult<()> {
    alora_desktop::logs::open_folder()
}

/// The support report (`Core::diagnostics_report`) on the clipboard, and
/// back to the UI to show.
#[tauri::command]
pub fn copy_diagnostics(core: Ctx<'_>) -> AppResult<String> {
    let report = core.diagnostics_report();
    core.shell().copy_text(&report)?;
    Ok(report)
}

#[tauri::command(rename_all = "camelCase")]
pub fn set_focus(core: Ctx<'_>, conversation_id: Option<String>) {
    core.set_focus(conversation_id);
}

/// Every command of the table in `command_table.rs`, for the builder (build.rs
/// makes their `allow-<command>` permissions from the same table).
pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static
{
    macro_rules! registered {
        ($($kind:tt $name:ident ($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
            tauri::generate_handler![$($name),*]
        };
    }
    app_commands!(registered)
}

#[cfg(test)]
#[path = "commands_tests.rs"]
mod tests;
