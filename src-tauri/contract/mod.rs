//! The UI contract's generator (tests only): the TypeScript of
//! ui/src/contract/ made from the Rust types (ts-rs), the command table
//! (`command_table.rs`) and the event table below, and the capability's
//! `allow-<command>` list from the same table. `make contract` writes the
//! files; the test `contract_is_up_to_date` (in `make test`) fails while the
//! checked-in files differ from what the Rust says.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use alora_link::{
    Delivery, Incoming, LinkState, OutboxCounts, OutboxEntry, PayloadError, UserStatus,
};
use serde_json::Value;
use ts_rs::TS;

mod types;
use types::{camel, Types};

use alora_desktop::error::AppResult;
use alora_desktop::events::{self, UiEvent};
use alora_desktop::models::{
    AppSnapshot, Diagnostics, HistoryItem, PopupKind, Problem, Settings, SettingsPatch, Snoozed,
    View,
};

/// The command to run when the checked-in files are stale.
const REGENERATE: &str = "make contract";
/// Set (to anything) to write the files instead of comparing them.
const WRITE_ENV: &str = "ALORA_WRITE_CONTRACT";

/// What a command's promise resolves to: the `Ok` of an `AppResult` (its
/// error is the `{code, message}` that api.ts turns into an `ApiError`), or
/// what a command that cannot fail returns.
trait Returns {
    type Ok: TS + 'static;
}
impl<T: TS + 'static> Returns for AppResult<T> {
    type Ok = T;
}
impl Returns for Settings {
    type Ok = Settings;
}
impl Returns for Diagnostics {
    type Ok = Diagnostics;
}
impl Returns for () {
    type Ok = ();
}
impl Returns for Vec<Snoozed> {
    type Ok = Vec<Snoozed>;
}

/// The app → UI events, each once: its `UiEvent` variant (the `match` below
/// fails to compile when a variant is missing or its payload type differs),
/// its name (events.rs) and its key in the UI's `EVENTS`.
macro_rules! ui_events {
    ($then:ident) => {
        $then! {
            State(LinkState) = LINK_STATE as linkState;
            Incoming(Incoming) = LINK_EVENT as linkEvent;
            Malformed(PayloadError) = LINK_MALFORMED as linkMalformed;
            OutboxChanged(OutboxCounts) = OUTBOX_CHANGED as outboxChanged;
            Delivery(Delivery) = OUTBOX_DELIVERY as outboxDelivery;
            HistoryAdded(HistoryItem) = HISTORY_ADDED as historyAdded;
            SettingsChanged(Settings) = SETTINGS_CHANGED as settingsChanged;
            Navigate(alora_desktop::models::Target) = APP_NAVIGATE as navigate;
            Problem(Problem) = APP_PROBLEM as problem;
            SentFromPopup(alora_desktop::models::SentFromPopup) = APP_SENT_FROM_POPUP as sentFromPopup;
            Snoozed(Vec<alora_desktop::models::Snoozed>) = APP_SNOOZED as snoozed;
        }
    };
}

struct Command {
    name: &'static str,
    /// (camelCase name, TypeScript type, may be left out)
    args: Vec<(String, String, bool)>,
    returns: String,
}

struct Event {
    name: &'static str,
    key: &'static str,
    payload: String,
}

macro_rules! describe_commands {
    ($($kind:tt $name:ident ($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        fn commands(types: &mut Types) -> Vec<Command> {
            vec![$(Command {
                name: stringify!($name),
                args: vec![$((
                    camel(stringify!($arg)),
                    types.name_of::<$ty>(),
                    <$ty as TS>::IS_OPTION,
                )),*],
                returns: types.name_of::<<$ret as Returns>::Ok>(),
            }),*]
        }

        /// Each command's argument names as the table has them.
        fn table_arguments() -> Vec<(&'static str, Vec<&'static str>)> {
            vec![$((stringify!($name), vec![$(stringify!($arg)),*])),*]
        }
    };
}
app_commands!(describe_commands);

/// One function per entry that calls the real command with the table's
/// argument types and takes its result as the table's return type: it does
/// not compile while an entry and its command differ. Never run.
#[allow(dead_code, clippy::too_many_arguments)]
mod signatures {
    use super::*;
    use crate::commands;
    use alora_desktop::app::state::Core;
    use tauri::State;

    macro_rules! check_one {
        (async $name:ident ($($arg:ident: $ty:ty),*) -> $ret:ty) => {
            pub async fn $name(core: State<'_, Core>, $($arg: $ty),*) {
                let _: $ret = commands::$name(core, $($arg),*).await;
            }
        };
        (sync $name:ident ($($arg:ident: $ty:ty),*) -> $ret:ty) => {
            pub fn $name(core: State<'_, Core>, $($arg: $ty),*) {
                let _: $ret = commands::$name(core, $($arg),*);
            }
        };
    }
    macro_rules! check_all {
        ($($kind:tt $name:ident ($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
            $(check_one!($kind $name ($($arg: $ty),*) -> $ret);)*
        };
    }
    app_commands!(check_all);
}

macro_rules! describe_events {
    ($($variant:ident($ty:ty) = $konst:ident as $key:ident;)*) => {
        fn events(types: &mut Types) -> Vec<Event> {
            vec![$(Event {
                name: events::$konst,
                key: stringify!($key),
                payload: types.name_of::<$ty>(),
            }),*]
        }

        /// The event a `UiEvent` goes out as, by the table: exhaustive, and
        /// typed, so a variant missing here or carrying another type fails
        /// to compile; the test compares it with `UiEvent::name`.
        fn table_name(event: &UiEvent) -> &'static str {
            match event {
                $(UiEvent::$variant(payload) => {
                    let _: &$ty = payload;
                    events::$konst
                }),*
            }
        }
    };
}
ui_events!(describe_events);

/// The generated files, by their path in the repository, as the Rust says they are.
fn render() -> Vec<(&'static str, String)> {
    let mut types = Types::new();
    let commands = commands(&mut types);
    let events = events(&mut types);
    // Named by the UI but reached by no command or event.
    types.name_of::<PopupKind>();
    types.name_of::<View>();

    let header = "// GENERATED by src-tauri/contract/ from the Rust types: do not edit.\n\
                  // Regenerate with `make contract` (docs/IPC.md, \"What is generated\").\n";

    let mut t = String::from(header);
    for decl in types.decls.values() {
        t.push('\n');
        t.push_str(decl.trim_end());
        t.push('\n');
    }

    let mut c = String::new();
    c.push_str(
        "\n/** Every command: its arguments (camelCase, as `invoke` takes them) and what it resolves to. */\n\
         export type Commands = {\n",
    );
    for cmd in &commands {
        let args: Vec<String> = cmd
            .args
            .iter()
            .map(|(name, ty, optional)| {
                let q = if *optional { "?" } else { "" };
                format!("{name}{q}: {ty}")
            })
            .collect();
        let args = if args.is_empty() {
            "{}".to_owned()
        } else {
            format!("{{ {} }}", args.join("; "))
        };
        c.push_str(&format!(
            "  {}: {{ args: {args}; returns: {} }};\n",
            cmd.name, cmd.returns
        ));
    }
    c.push_str("};\n\nexport type CommandName = keyof Commands;\n\n");
    c.push_str("export const COMMAND_NAMES: readonly CommandName[] = [\n");
    for cmd in &commands {
        c.push_str(&format!("  \"{}\",\n", cmd.name));
    }
    c.push_str("];\n\n/** The app → UI events, by the UI's key. */\nexport const EVENTS = {\n");
    for e in &events {
        c.push_str(&format!("  {}: \"{}\",\n", e.key, e.name));
    }
    c.push_str(
        "} as const;\n\n/** Each event's payload, by its name. */\nexport type EventPayloads = {\n",
    );
    for e in &events {
        c.push_str(&format!("  \"{}\": {};\n", e.name, e.payload));
    }
    c.push_str("};\n");
    c.push_str(&every(
        "Every popup preference, in the settings' order.",
        "POPUP_KINDS: readonly PopupKind[]",
        &PopupKind::ALL,
    ));
    c.push_str(&every(
        "Every presence status, in the order the picker lists them.",
        "USER_STATUSES: readonly UserStatus[]",
        &UserStatus::ALL,
    ));

    // Import what the body names, nothing more (the UI's tsconfig has noUnusedLocals).
    let words: HashSet<&str> = c
        .split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
        .collect();
    let used: Vec<&str> = types
        .decls
        .keys()
        .map(String::as_str)
        .filter(|name| words.contains(name))
        .collect();
    let ipc = format!(
        "{header}\nimport type {{ {} }} from \"./types\";\n{c}",
        used.join(", ")
    );

    vec![
        ("ui/src/contract/types.ts", t),
        ("ui/src/contract/ipc.ts", ipc),
        (CAPABILITY, capability(&commands)),
    ]
}

/// The main window's capability, whose other permissions and fields stay
/// as written there.
const CAPABILITY: &str = "src-tauri/capabilities/main.json";

/// A TypeScript constant listing every value of a Rust enum, as serde names it.
fn every<T: serde::Serialize>(doc: &str, declaration: &str, values: &[T]) -> String {
    let names: Vec<String> = values
        .iter()
        .map(|v| serde_json::to_string(v).unwrap_or_default())
        .collect();
    format!(
        "\n/** {doc} */\nexport const {declaration} = [{}];\n",
        names.join(", ")
    )
}

/// The capability with one `allow-<command>` per command of the table (the
/// permissions build.rs makes), in the table's order, after the others.
fn capability(commands: &[Command]) -> String {
    let path = root().join(CAPABILITY);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut json: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut permissions: Vec<Value> = json["permissions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| !p.as_str().is_some_and(|p| p.starts_with("allow-")))
        .cloned()
        .collect();
    permissions.extend(
        commands
            .iter()
            .map(|c| Value::from(format!("allow-{}", c.name.replace('_', "-")))),
    );
    json["permissions"] = Value::from(permissions);
    let mut out = serde_json::to_string_pretty(&json).unwrap_or_default();
    out.push('\n');
    out
}

/// The repository's root (the app package's manifest is there).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

#[cfg(test)]
mod tests;
