//! A loopback TCP proxy that holds every chunk of bytes for a fixed time in
//! each direction, in the order read: a round trip of twice that on
//! 127.0.0.1, for the flush benchmark (this kernel has no `tc netem`).

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The proxy's accept loop; every connection through it ends with it.
#[derive(Debug)]
pub struct DelayProxy {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl DelayProxy {
    /// Listens on an ephemeral port of 127.0.0.1, forwarding to `upstream`
    /// with `one_way` added each way.
    pub async fn start(upstream: SocketAddr, one_way: Duration) -> anyhow::Result<DelayProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding the delay proxy")?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let mut links = tokio::task::JoinSet::new();
            while let Ok((client, _)) = listener.accept().await {
                links.spawn(carry(client, upstream, one_way));
            }
        });
        Ok(DelayProxy { addr, task })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for DelayProxy {
    fn drop(&mut self) {
        // Its JoinSet goes with it, and every connection's tasks with that.
        self.task.abort();
    }
}

async fn carry(client: TcpStream, upstream: SocketAddr, one_way: Duration) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    // Small writes are the point (acks, one packet each): no Nagle delay
    // on top of the one asked for.
    let _ = (client.set_nodelay(true), server.set_nodelay(true));
    let (client_r, client_w) = client.into_split();
    let (server_r, server_w) = server.into_split();
    let up = tokio::spawn(delayed(client_r, server_w, one_way));
    delayed(server_r, client_w, one_way).await;
    up.abort();
}

/// Reads `from` as fast as it comes, each chunk stamped with its due time,
/// and writes the chunks to `to` in order once due: the delay does not
/// throttle the stream, it only shifts it.
async fn delayed(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, delay: Duration) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let writer = tokio::spawn(async move {
        while let Some((due, chunk)) = rx.recv().await {
            tokio::time::sleep_until(due).await;
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    });
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if tx
                    .send((Instant::now() + delay, buf[..n].to_vec()))
                    .is_err()
                {
                    break;
                }
            }
        }
    }
    drop(tx);
    let _ = writer.await;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An echo server behind the proxy: what goes through comes back
    /// whole, in order, and not before the delay each way.
    #[tokio::test]
    async fn bytes_come_back_in_order_and_no_sooner_than_the_round_trip() {
        let echo = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let upstream = echo.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = echo.accept().await.unwrap();
            let mut buf = vec![0u8; 4096];
            loop {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => s.write_all(&buf[..n]).await.unwrap(),
                }
            }
        });
        let one_way = Duration::from_millis(20);
        let proxy = DelayProxy::start(upstream, one_way).await.unwrap();
        let mut c = TcpStream::connect(proxy.addr).await.unwrap();
        let sent: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        let t0 = Instant::now();
        for part in sent.chunks(1000) {
            c.write_all(part).await.unwrap();
        }
        let mut got = vec![0u8; sent.len()];
        c.read_exact(&mut got).await.unwrap();
        assert!(t0.elapsed() >= one_way * 2, "came back too soon");
        assert_eq!(got, sent, "bytes lost or reordered");
    }
}
