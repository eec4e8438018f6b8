//! Demo mode's backend and script through the real link: the first event
//! comes within seconds, and a message the user sends gets a reply.

use std::time::{Duration, Instant};

use alora_desktop::app::demo::Demo;
use alora_link::{Incoming, Link, LinkConfig, LinkEvent, LinkEvents, Outgoing, SendMessage};

async fn next_incoming(
    events: &mut LinkEvents,
    within: Duration,
    want: impl Fn(&Incoming) -> bool,
) -> Option<Incoming> {
    let until = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(until, events.recv()).await {
            Ok(Some(LinkEvent::Incoming(i))) if want(&i) => return Some(i),
            Ok(Some(_)) => {}
            _ => return None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_day_starts_within_seconds_and_answers_messages() {
    let demo = Demo::start().await.unwrap();
    let (link, mut events) = Link::spawn();
    let mut config = LinkConfig::new(demo.url(), demo.token());
    config.socket_path = demo.path();
    let started = Instant::now();
    link.connect(config).await.unwrap();

    let first = next_incoming(&mut events, Duration::from_secs(10), |i| {
        matches!(i, Incoming::NewNotification(_))
    })
    .await;
    assert!(first.is_some(), "no first event");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "first event after {:?}",
        started.elapsed()
    );

    let message = SendMessage {
        client_id: String::new(),
        conversation_id: "c-maya".into(),
        content: "Friday 10:00 works!".into(),
    };
    link.send(Outgoing::SendMessage(message)).await.unwrap();
    let reply = next_incoming(&mut events, Duration::from_secs(15), |i| {
        matches!(i, Incoming::NewMessage(m) if m.id.0.starts_with("demo-reply") && m.conversation_id.0 == "c-maya")
    })
    .await;
    let Some(Incoming::NewMessage(m)) = reply else {
        panic!("no reply")
    };
    assert_eq!(m.sender_name.as_deref(), Some("Maya Chen"));
    link.shutdown().await.unwrap();
    demo.stop().await;
}
