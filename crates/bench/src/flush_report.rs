//! The flush benchmark's runs, turned into its goal keys: ours and the
//! Node client's, on loopback and at a 50 ms round trip, each the median of
//! its runs with min and max beside it, and the server's checks (no
//! message twice, order kept) of every run.

use serde_json::{json, Value};

use crate::delay_proxy::DelayProxy;
use crate::flush::{self, Flushed, MESSAGES, ONE_WAY};
use crate::report::Report;
use crate::server;
use crate::stats::median;
use crate::Ctx;

const RUNS: usize = 5;

/// min / median / max of some milliseconds.
pub fn spread(values: &[f64]) -> Value {
    let fold = |f: fn(f64, f64) -> f64| values.iter().copied().reduce(f);
    json!({
        "min_ms": fold(f64::min),
        "median_ms": median(values),
        "max_ms": fold(f64::max),
        "runs_ms": values,
    })
}

/// Whether a run's server view is clean: every message stored once, read
/// once, in the order queued.
pub fn clean(f: &Flushed) -> bool {
    f.duplicates == 0 && f.in_order && f.stored == MESSAGES
}

pub async fn run(ctx: &Ctx, report: &mut Report) -> anyhow::Result<()> {
    let backend = server::start(Some(flush::backend_config())).await?;
    let proxy = DelayProxy::start(backend.local_addr(), ONE_WAY).await?;
    let mut details = serde_json::Map::new();
    for (label, url) in [("loopback", backend.url()), ("rtt50", proxy.url())] {
        let (mut ours, mut node, mut runs) = (Vec::new(), Vec::new(), Vec::new());
        let mut dirty = 0;
        for run in 0..RUNS {
            let o = flush::ours(&backend, &url, &format!("flush-{label}-{run}"), None).await?;
            let n = flush::node(
                &ctx.node_client,
                &backend,
                &url,
                &format!("flush-node-{label}-{run}"),
            )
            .await;
            dirty += usize::from(!clean(&o));
            ours.push(o.ms);
            let n = match n {
                Ok(n) => {
                    node.push(n.ms);
                    n.json()
                }
                Err(e) => json!({ "error": format!("{e:#}") }),
            };
            runs.push(json!({ "alora": o.json(), "node": n }));
        }
        let key = format!("flush_1000_ms_{label}");
        if dirty > 0 {
            report.set(&key, None);
            report.note(
                &key,
                format!(
                    "{dirty} of {RUNS} runs had a duplicate, a gap or a reordering at the server"
                ),
            );
        } else {
            report.set(&key, median(&ours));
        }
        report.node(&format!("node_flush_1000_ms_{label}"), median(&node));
        details.insert(
            label.to_owned(),
            json!({ "alora": spread(&ours), "node": spread(&node), "runs": runs }),
        );
    }
    details.insert(
        "method".into(),
        json!(format!(
            "{MESSAGES} sendMessage queued in alora_link::Link before connect, then connect; \
             CONNECT (LinkState::Connected) → last ack; Node: emitWithAck ×{MESSAGES} from its connect; \
             rtt50 through a loopback proxy holding each chunk {} ms each way; the server's \
             sendMessage reads checked for duplicates and order per run",
            ONE_WAY.as_millis()
        )),
    );
    report.detail("flush", Value::Object(details));
    drop(proxy);
    backend.shutdown().await;
    Ok(())
}
