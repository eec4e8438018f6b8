//! Diagnostics beside the goal figures, to tell where time goes: what one
//! `Notify` costs on this session bus, from the bench to the recorder, when
//! each call opens a new bus connection first (what notify-rust does for
//! every popup) and when calls share one connection. The link core's own
//! ingest rate is in `crate::link_only`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::recorder::{wait_for, Recorder};
use crate::report::Report;
use crate::stats::{median, ms, percentile};

const CALLS: usize = 100;
const PATH: &str = "/org/freedesktop/Notifications";
const IFACE: &str = "org.freedesktop.Notifications";

async fn notify(conn: &zbus::Connection, summary: &str) -> zbus::Result<()> {
    let hints: HashMap<&str, zbus::zvariant::Value<'_>> = HashMap::new();
    let actions: Vec<&str> = vec!["default", "Open"];
    let args = (
        "alora-bench",
        0_u32,
        "",
        summary,
        "",
        actions,
        hints,
        -1_i32,
    );
    conn.call_method(Some(IFACE), PATH, Some(IFACE), "Notify", &args)
        .await
        .map(|_| ())
}

/// Call start → arrival at the recorder (ms), `CALLS` times.
async fn series(recorder: &Recorder, fresh: bool) -> anyhow::Result<Vec<f64>> {
    let shared = zbus::Connection::session().await?;
    let mut took = Vec::with_capacity(CALLS);
    for n in 0..CALLS {
        let tag = format!("[dbus:{fresh}:{n}]");
        let mut rx = recorder.subscribe();
        let t0 = Instant::now();
        if fresh {
            let conn = zbus::Connection::session().await?;
            notify(&conn, &tag).await?;
        } else {
            notify(&shared, &tag).await?;
        }
        if let Some(p) = wait_for(&mut rx, &tag, Duration::from_secs(2)).await {
            took.push(ms(p.at.duration_since(t0)));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(took)
}

/// Both series, as table rows and details.
pub async fn dbus_notify_cost(recorder: &Recorder, report: &mut Report) {
    let mut details = serde_json::Map::new();
    for (fresh, key, label) in [
        (
            true,
            "new_connection_per_notify",
            "D-Bus Notify ms p50, new connection per call",
        ),
        (
            false,
            "one_shared_connection",
            "D-Bus Notify ms p50, one shared connection",
        ),
    ] {
        let value = match series(recorder, fresh).await {
            Ok(took) => {
                report.line(label, median(&took), None);
                json!({"p50_ms": median(&took), "p99_ms": percentile(&took, 99.0), "calls": took.len()})
            }
            Err(e) => json!(format!("{e:#}")),
        };
        details.insert(key.to_owned(), value);
    }
    details.insert(
        "method".into(),
        json!(
            "from the bench to the recorder on the same session bus: call start → Notify arriving"
        ),
    );
    report.detail("dbus_notify_cost", Value::Object(details));
}
