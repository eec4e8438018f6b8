//! The token in logs: a run at `RUST_LOG=trace` (what a user asked to debug
//! a connection would set) against a real server, with a known token and a
//! message, must not write the token or the message's words anywhere in its
//! log, on standard error or in its log file. The websocket and HTTP crates
//! log whole upgrade requests, `Authorization` header included, at trace.

use std::time::Duration;

use alora_backend::{Backend, BackendConfig};
use serde_json::json;

use crate::headless::{accepted, args, HOUR};
use crate::recorder::recorder;
use crate::support::{eventually, Instance, TokenFile};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trace_level_run_never_logs_the_token() {
    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let token = backend.token_for("u1", HOUR);
    let token_file = TokenFile::new(&token);
    let app = Instance::headless_with("trace", &args(&backend, &token_file), |c| {
        // Everything at trace, and the upgrade's own target named as well:
        // the cap must hold whatever RUST_LOG says.
        c.env("RUST_LOG", "trace,tungstenite::handshake::client=trace");
    });
    assert!(
        accepted(&backend, 1).await,
        "no handshake:\n{}",
        app.stderr()
    );
    // Some traffic both ways after the upgrade, and a message whose words
    // are the user's business only.
    backend
        .push_to_user(
            "u1",
            "newNotification",
            json!({"id": "t1", "title": "traced"}),
        )
        .await;
    let words = "meet me behind the old mill 7f3k";
    backend
        .push_to_user(
            "u1",
            "newMessage",
            json!({"id": 71, "conversationId": "c7", "senderId": "u2", "senderName": "Maya", "content": words}),
        )
        .await;
    if let Some(rec) = recorder() {
        // It went the whole way: the popup shows it.
        let shown = rec.wait_tagged(words, 1, Duration::from_secs(10));
        assert_eq!(
            shown.len(),
            1,
            "no popup for the message:\n{}",
            app.stderr()
        );
    }
    let out = app.cli(&["status", "busy"]);
    assert!(out.status.success(), "{out:?}");
    let got = eventually(Duration::from_secs(10), || {
        backend
            .received()
            .into_iter()
            .find(|r| r.event == "updateStatus")
    })
    .await;
    assert!(got.is_some(), "{}", app.stderr());
    let stderr = app.stderr();
    let file = app.log_files();
    for (name, log) in [("standard error", &stderr), ("the log file", &file)] {
        // The run did log at trace (else the checks below prove nothing).
        assert!(log.contains("TRACE"), "no trace lines in {name}:\n{log}");
        assert!(log.contains("running headless"), "{name}:\n{log}");
        // The JWT's signature is its secret part; a header or body printed in
        // any form would carry it whole.
        let signature = token.rsplit('.').next().unwrap();
        for secret in [signature, words] {
            let leaks: Vec<&str> = log.lines().filter(|l| l.contains(secret)).collect();
            assert!(
                leaks.is_empty(),
                "{secret:?} is in {} lines of {name}, the first:\n{}",
                leaks.len(),
                leaks.first().map_or("", |l| &l[..l.len().min(400)])
            );
        }
    }
    backend.shutdown().await;
}
