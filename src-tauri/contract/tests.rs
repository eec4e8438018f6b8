use super::*;

use alora_link::Outcome;
use chrono::Utc;
use serde_json::json;

use alora_desktop::models::{SentFromPopup, Snoozed, Target};

/// The checked-in ui/src/contract/ and capability are what the Rust says
/// today. With `ALORA_WRITE_CONTRACT` set it writes them instead (`make contract`).
#[test]
fn contract_is_up_to_date() {
    let root = root();
    let files = render();
    if std::env::var_os(WRITE_ENV).is_some() {
        for (path, text) in &files {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        return;
    }
    // The fresh files go to a place of their own, for a `diff -u` by hand.
    let fresh = std::env::temp_dir().join(format!("alora-contract-{}", std::process::id()));
    std::fs::create_dir_all(&fresh).unwrap();
    let mut stale = Vec::new();
    for (path, text) in &files {
        let name = Path::new(path).file_name().unwrap();
        std::fs::write(fresh.join(name), text).unwrap();
        let kept = std::fs::read_to_string(root.join(path)).unwrap_or_default();
        if kept != *text {
            let line = kept
                .lines()
                .zip(text.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(kept.lines().count().min(text.lines().count()));
            stale.push(format!(
                "{path} (first difference at line {}; fresh copy: {})",
                line + 1,
                fresh.join(name).display()
            ));
        }
    }
    if stale.is_empty() {
        let _ = std::fs::remove_dir_all(&fresh);
    }
    assert!(
        stale.is_empty(),
        "the UI contract is stale: {}.\nRun `{REGENERATE}` and commit what it changed.",
        stale.join(", ")
    );
}

/// The table's argument names are the commands' own (the compiler checks
/// their types, in `signatures`; the names it cannot, so they are read here).
#[test]
fn the_table_names_each_commands_arguments() {
    let source = include_str!("../commands.rs");
    let mut from_source: Vec<(String, Vec<String>)> = source
        .split("#[tauri::command")
        .skip(1)
        .filter_map(|rest| {
            let after_fn = rest.split("fn ").nth(1)?;
            let (name, params) = after_fn.split_once('(')?;
            let params = params.split_once(')')?.0;
            let names = params
                .split(',')
                .filter_map(|p| p.split_once(':'))
                .map(|(n, _)| n.trim().to_owned())
                .skip(1) // the `State`
                .collect();
            Some((name.trim().to_owned(), names))
        })
        .collect();
    from_source.sort();
    let mut from_table: Vec<(String, Vec<String>)> = table_arguments()
        .into_iter()
        .map(|(n, a)| (n.to_owned(), a.into_iter().map(str::to_owned).collect()))
        .collect();
    from_table.sort();
    assert!(from_source.len() > 20, "{from_source:?}");
    let names = |v: &[(String, Vec<String>)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&from_table),
        names(&from_source),
        "command_table.rs vs the #[tauri::command]s of commands.rs"
    );
    for ((name, table), (_, source)) in from_table.iter().zip(&from_source) {
        assert_eq!(
            table, source,
            "{name}: its arguments in command_table.rs vs commands.rs"
        );
    }
    // The generator writes camelCase argument names, Tauri's default: a
    // command that renamed them otherwise would be described wrongly.
    for attribute in source.split("#[tauri::command").skip(1) {
        let attribute = attribute.split(']').next().unwrap_or_default();
        assert!(
            attribute.is_empty() || attribute == r#"(rename_all = "camelCase")"#,
            "#[tauri::command{attribute}]"
        );
    }
}

#[test]
fn every_event_goes_out_under_the_tables_name() {
    let incoming = Incoming::decode("userOnline", &[json!({"userId": 1})], Utc::now())
        .unwrap()
        .unwrap();
    let item = HistoryItem {
        id: "a".into(),
        event: "newNotification".into(),
        title: "t".into(),
        body: "b".into(),
        created_at: "2026-01-01T00:00:00.000Z".into(),
        read: false,
        link: None,
        target: Target::new(View::Notifications, None),
        kind: Default::default(),
    };
    let all = [
        UiEvent::State(LinkState::Idle),
        UiEvent::Incoming(incoming),
        UiEvent::Malformed(PayloadError::new("newMessage", "no id")),
        UiEvent::OutboxChanged(OutboxCounts::default()),
        UiEvent::Delivery(Delivery {
            entry_id: None,
            event: "typing".into(),
            client_id: None,
            outcome: Outcome::Sent,
        }),
        UiEvent::HistoryAdded(item),
        UiEvent::SettingsChanged(Settings::default()),
        UiEvent::Navigate(Target::new(View::Bookings, None)),
        UiEvent::Problem(Problem::new("keyring", "none")),
        UiEvent::SentFromPopup(SentFromPopup::BookingAnswer {
            booking_id: "b1".into(),
            status: "confirmed".into(),
            delivery: None,
            error: Some("the database is busy".into()),
        }),
        UiEvent::Snoozed(vec![Snoozed {
            target: Target::new(View::Messages, Some("c1".into())),
            until: Utc::now(),
        }]),
    ];
    let mut types = Types::new();
    assert_eq!(events(&mut types).len(), all.len());
    for event in &all {
        assert_eq!(table_name(event), event.name(), "{event:?}");
    }
}

/// The generated files say what the UI relies on (spot checks of the
/// generator itself; the whole text is checked by `contract_is_up_to_date`).
#[test]
fn the_generated_types_have_the_wire_shapes() {
    let files = render();
    let types = &files[0].1;
    let ipc = &files[1].1;
    assert!(
        types.contains(r#"export type View = "notifications" | "bookings" | "messages" | "people" | "settings";"#),
        "{types}"
    );
    assert!(types.contains("entryId: number | null"), "{types}");
    assert!(
        ipc.contains("send_typing: { args: { isTyping: boolean; conversationId?: string | null }; returns: Delivery };"),
        "{ipc}"
    );
    assert!(ipc.contains(r#"linkState: "link://state","#), "{ipc}");
    assert!(ipc.contains(r#""app://problem": Problem;"#), "{ipc}");
}
