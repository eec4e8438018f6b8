//! The flush benchmark alone, without a display or a session bus: ours and
//! the Node client's drain of 1 000 queued `sendMessage`, on loopback and
//! at a 50 ms round trip, the same code as `make bench`'s `flush`:
//!
//! `cargo run --release -p alora-bench --example flush [-- RUNS [bench/node-client/client.js|- [WINDOW]]]`
//!
//! Without the Node script (its `node_modules` installed; `-` for none),
//! ours only; WINDOW sets the link's `ack_window` (default: the link's).

// The figures on stdout are this program's output.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;

#[allow(dead_code)]
#[path = "../src/server.rs"]
mod server;

#[path = "../src/delay_proxy.rs"]
mod delay_proxy;

#[allow(dead_code)]
#[path = "../src/flush.rs"]
mod flush;

#[allow(dead_code)]
#[path = "../src/node.rs"]
mod node;

#[path = "../src/stats.rs"]
#[allow(dead_code)]
mod stats;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    server::init_tracing();
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let script = args.next().filter(|a| a != "-").map(PathBuf::from);
    let window: Option<usize> = args.next().and_then(|a| a.parse().ok());
    let backend = server::start(Some(flush::backend_config())).await?;
    let proxy = delay_proxy::DelayProxy::start(backend.local_addr(), flush::ONE_WAY).await?;
    for (label, url) in [("loopback", backend.url()), ("rtt50", proxy.url())] {
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for run in 0..runs {
            let o = flush::ours(&backend, &url, &format!("x-{label}-{run}"), window).await?;
            println!(
                "{label} run {run}: alora {:.1} ms, duplicates {}, in order {}, stored {}",
                o.ms, o.duplicates, o.in_order, o.stored
            );
            ours.push(o.ms);
            if let Some(script) = &script {
                let n =
                    flush::node(script, &backend, &url, &format!("x-node-{label}-{run}")).await?;
                println!(
                    "{label} run {run}: node  {:.1} ms, duplicates {}, in order {}, stored {}",
                    n.ms, n.duplicates, n.in_order, n.stored
                );
                theirs.push(n.ms);
            }
        }
        let show = |v: &[f64]| {
            let min = v.iter().copied().reduce(f64::min).unwrap_or(f64::NAN);
            let max = v.iter().copied().reduce(f64::max).unwrap_or(f64::NAN);
            let med = stats::median(v).unwrap_or(f64::NAN);
            format!("min {min:.1} / median {med:.1} / max {max:.1} ms")
        };
        println!("flush_1000_ms_{label}: {}", show(&ours));
        if script.is_some() {
            println!("node_flush_1000_ms_{label}: {}", show(&theirs));
        }
    }
    drop(proxy);
    backend.shutdown().await;
    Ok(())
}
