//! The UI's commands, listed once (docs/IPC.md, "What is generated").
//!
//! `app_commands!(then)` hands the table to the macro `then`, which takes
//! what it needs: `commands::handler()` the names for `generate_handler!`,
//! build.rs (which `include!`s this file) the names for the `allow-<command>`
//! permissions, and the contract generator (`contract/`) the names, the
//! argument names and types and the return types for ui/src/contract/.
//! The generator's tests also check every entry against the function in
//! `commands.rs` (its types by compiling a call to it, its argument names by
//! reading its source), so the table cannot drift from the commands.
//!
//! Each entry: `async` or `sync` as the command is, then its signature
//! without the `State` argument, as written in `commands.rs`.

macro_rules! app_commands {
    ($then:ident) => {
        $then! {
            async get_snapshot() -> AppResult<AppSnapshot>;
            async connect() -> AppResult<()>;
            async disconnect() -> AppResult<()>;
            async reconnect_now() -> AppResult<()>;
            sync leave_demo() -> AppResult<()>;
            async sign_in(token: String) -> AppResult<()>;
            async sign_in_browser() -> AppResult<()>;
            async sign_out() -> AppResult<()>;
            sync get_settings() -> Settings;
            async update_settings(patch: SettingsPatch) -> AppResult<Settings>;
            async set_dnd(on: bool) -> AppResult<()>;
            async dnd_until_tomorrow() -> AppResult<Settings>;
            async send_typing(is_typing: bool, conversation_id: Option<String>) -> AppResult<Delivery>;
            async update_status(status: UserStatus) -> AppResult<Delivery>;
            async send_booking_update(booking_id: String, status: String) -> AppResult<Delivery>;
            async send_message(conversation_id: String, content: String, client_id: Option<String>) -> AppResult<Delivery>;
            async join_conversation(conversation_id: String) -> AppResult<Delivery>;
            async mark_as_read(conversation_id: String, message_ids: Option<Vec<String>>) -> AppResult<Delivery>;
            async emit(event: String, payload: Value) -> AppResult<Delivery>;
            async simulate_incoming(event: String, payload: Value) -> AppResult<()>;
            async list_history(query: Option<String>, event: Option<String>, unread_only: Option<bool>, limit: Option<usize>) -> AppResult<Vec<HistoryItem>>;
            async mark_history_read(ids: Vec<String>) -> AppResult<usize>;
            async snooze_history(id: String, minutes: u32) -> AppResult<Vec<Snoozed>>;
            sync list_snoozed() -> Vec<Snoozed>;
            async list_outbox() -> AppResult<Vec<OutboxEntry>>;
            async retry_outbox(entry_id: u64) -> AppResult<()>;
            async discard_outbox(entry_id: u64) -> AppResult<()>;
            sync get_diagnostics() -> Diagnostics;
            sync open_log_folder() -> AppResult<()>;
            sync copy_diagnostics() -> AppResult<String>;
            sync set_focus(conversation_id: Option<String>) -> ();
        }
    };
}
