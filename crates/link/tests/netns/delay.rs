//! A TCP relay on 127.0.0.1 that holds every chunk for a fixed time each
//! way, in order: the latency of `tc netem delay` where the kernel has no
//! `sch_netem`. Dropping it ends every relayed connection.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

#[derive(Debug)]
pub struct DelayRelay {
    pub port: u16,
    task: JoinHandle<()>,
}

impl Drop for DelayRelay {
    fn drop(&mut self) {
        // The accept task owns the connections' JoinSet: they end with it.
        self.task.abort();
    }
}

impl DelayRelay {
    pub async fn start(upstream: SocketAddr, delay: Duration) -> DelayRelay {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                let _ = (client.set_nodelay(true), server.set_nodelay(true));
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                connections.spawn(pipe(cr, sw, delay));
                connections.spawn(pipe(sr, cw, delay));
            }
        });
        DelayRelay { port, task }
    }
}

/// Reads as fast as data comes, writes each chunk `delay` after it was read.
async fn pipe(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, delay: Duration) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let reader = async move {
        let mut buf = vec![0; 16 * 1024];
        loop {
            let n = from.read(&mut buf).await.unwrap_or(0);
            // An empty chunk is the end of the stream, delayed like the rest.
            if tx
                .send((Instant::now() + delay, buf[..n].to_vec()))
                .is_err()
                || n == 0
            {
                break;
            }
        }
    };
    let writer = async move {
        while let Some((at, chunk)) = rx.recv().await {
            tokio::time::sleep_until(at).await;
            if chunk.is_empty() || to.write_all(&chunk).await.is_err() {
                break;
            }
        }
        let _ = to.shutdown().await;
    };
    tokio::join!(reader, writer);
}
