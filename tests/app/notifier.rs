//! The desktop notifier against a real session bus and the recording
//! notification server: what arrives (app name, icon, summary, escaped and
//! cut body, the "Open" default action, category) and the click coming back.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use alora_desktop::models::{NotifierStatus, PopupKind, Target, View};
use alora_desktop::notifications::notifier::{DesktopNotifier, Notifier, NotifierHooks};
use alora_desktop::notifications::popups::Popup;

use crate::recorder::recorder;

#[test]
fn popups_reach_the_server_escaped_with_an_open_action() {
    let Some(rec) = recorder() else { return };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let opened = Arc::new(Mutex::new(Vec::<Target>::new()));
    let problems = Arc::new(Mutex::new(Vec::new()));
    let notifier = DesktopNotifier::new("/tmp/alora-test-icon.png");
    let (o, p) = (opened.clone(), problems.clone());
    notifier.set_hooks(NotifierHooks {
        open: Box::new(move |t| o.lock().unwrap().push(t)),
        act: Box::new(|_| {}),
        problem: Box::new(move |x| p.lock().unwrap().push(x)),
    });
    assert_eq!(rt.block_on(notifier.probe()), NotifierStatus::Available);

    let tag = "notifier-test-7f3";
    let long = format!(
        "{tag} <script>alert('x')</script> & more {}",
        "word ".repeat(100)
    );
    let popup = Popup {
        kind: PopupKind::NewMessage,
        summary: format!("Maya <Chen> {tag}"),
        body: long,
        category: "im.received",
        target: Target::new(View::Messages, Some("c-42".into())),
        actions: Vec::new(),
        loudness: alora_desktop::attention::loudness::Loudness::QUIET,
    };
    let shown = rt.block_on(notifier.show(popup));
    assert!(shown.is_ok(), "{shown:?}");
    let got = rec.wait_tagged(tag, 1, Duration::from_secs(10));
    assert_eq!(got.len(), 1, "{:?}", rec.all());
    let r = &got[0];
    assert_eq!(r.app_name, "Alora");
    assert_eq!(r.icon, "/tmp/alora-test-icon.png");
    // The summary is plain text; only the body is markup.
    assert_eq!(r.summary, format!("Maya <Chen> {tag}"));
    assert!(
        r.body.starts_with(&format!(
            "{tag} &lt;script&gt;alert('x')&lt;/script&gt; &amp; more word"
        )),
        "{}",
        r.body
    );
    assert!(!r.body.contains('<') && !r.body.contains('>'));
    assert!(r.body.ends_with('…'), "{}", r.body);
    assert!(r.body.chars().count() < 300);
    assert_eq!(r.actions, vec!["default".to_owned(), "Open".to_owned()]);
    assert_eq!(r.category.as_deref(), Some("im.received"));

    // The notifier listens before it sends, so the click can come at once.
    // Another key, or a click on a popup that is not ours, opens nothing.
    rec.invoke(r.id, "dismiss-all");
    rec.invoke(r.id.wrapping_add(100_000), "default");
    rec.invoke(r.id, "default");
    let end = std::time::Instant::now() + Duration::from_secs(5);
    while opened.lock().unwrap().is_empty() && std::time::Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20));
    }
    // A second click on the same popup is not a second open.
    rec.invoke(r.id, "default");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        *opened.lock().unwrap(),
        vec![Target::new(View::Messages, Some("c-42".into()))]
    );
    assert!(problems.lock().unwrap().is_empty());
}
