//! A popup's click is the notification server's `ActionInvoked` signal, and
//! any client of the session bus can emit one on that path and interface:
//! only the server that showed the popup may open it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alora_desktop::models::{PopupKind, Target, View};
use alora_desktop::notifications::notifier::{DesktopNotifier, Notifier, NotifierHooks};
use alora_desktop::notifications::popups::Popup;

use crate::recorder::recorder;

fn popup(tag: &str, conversation: &str) -> Popup {
    Popup {
        kind: PopupKind::NewMessage,
        summary: format!("Click {tag}"),
        body: "m".into(),
        category: "im.received",
        target: Target::new(View::Messages, Some(conversation.into())),
        actions: Vec::new(),
        loudness: alora_desktop::attention::loudness::Loudness::QUIET,
    }
}

#[test]
fn a_click_signal_from_another_bus_client_opens_nothing() {
    let Some(rec) = recorder() else { return };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let opened = Arc::new(Mutex::new(Vec::<Target>::new()));
    let notifier = DesktopNotifier::new("/tmp/alora-test-icon.png");
    let o = opened.clone();
    notifier.set_hooks(NotifierHooks {
        open: Box::new(move |t| o.lock().unwrap().push(t)),
        act: Box::new(|_| {}),
        problem: Box::new(|_| {}),
    });
    let tag = "forged-click-93d";
    rt.block_on(notifier.show(popup(tag, "c-forged"))).unwrap();
    rt.block_on(notifier.show(popup(tag, "c-real"))).unwrap();
    let got = rec.wait_tagged(tag, 2, Duration::from_secs(10));
    assert_eq!(got.len(), 2, "{:?}", rec.all());
    let (forged_id, real_id) = (got[0].id, got[1].id);

    // Another client "clicks" the first popup.
    rt.block_on(async {
        let forger = zbus::Connection::session().await.unwrap();
        forger
            .emit_signal(
                None::<&str>,
                "/org/freedesktop/Notifications",
                "org.freedesktop.Notifications",
                "ActionInvoked",
                &(forged_id, "default"),
            )
            .await
            .unwrap();
        // A round trip after it: the bus has routed the signal, so it
        // reaches the notifier before the server's own click below.
        forger
            .call_method(
                Some("org.freedesktop.DBus"),
                "/org/freedesktop/DBus",
                Some("org.freedesktop.DBus"),
                "GetId",
                &(),
            )
            .await
            .unwrap();
    });
    // The server clicks the second one.
    rec.invoke(real_id, "default");
    let until = Instant::now() + Duration::from_secs(10);
    while !opened
        .lock()
        .unwrap()
        .contains(&Target::new(View::Messages, Some("c-real".into())))
        && Instant::now() < until
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        *opened.lock().unwrap(),
        vec![Target::new(View::Messages, Some("c-real".into()))],
        "only the server's click opens"
    );
    // The server may still click the first one.
    rec.invoke(forged_id, "default");
    let until = Instant::now() + Duration::from_secs(10);
    while opened.lock().unwrap().len() < 2 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        opened.lock().unwrap().last(),
        Some(&Target::new(View::Messages, Some("c-forged".into())))
    );
}
