//! Faults for the outgoing path's tests: an outbox store whose writes fail on
//! demand, and a TCP proxy that can turn the connections through it into a
//! black hole (nothing read, nothing forwarded, what was in transit lost).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use alora_link::{LinkError, OutboxEntry, OutboxStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// An outbox store in memory whose writes can be made to fail, shared so
/// that the test keeps a handle on it after giving it to the link.
#[derive(Clone, Default)]
pub struct FaultyStore {
    rows: Arc<Mutex<BTreeMap<u64, OutboxEntry>>>,
    /// `remove` fails.
    pub fail_remove: Arc<AtomicBool>,
    /// `save` of an entry already stored (a status change) fails; a new
    /// entry is still taken.
    pub fail_update: Arc<AtomicBool>,
    /// Writes refused so far.
    pub refused: Arc<AtomicU64>,
}

impl FaultyStore {
    pub fn rows(&self) -> Vec<OutboxEntry> {
        let rows = self.rows.lock().unwrap_or_else(PoisonError::into_inner);
        rows.values().cloned().collect()
    }

    pub fn heal(&self) {
        self.fail_remove.store(false, Ordering::SeqCst);
        self.fail_update.store(false, Ordering::SeqCst);
    }

    fn refuse(&self) -> Result<(), LinkError> {
        self.refused.fetch_add(1, Ordering::SeqCst);
        Err(LinkError::Storage("disk I/O error (injected)".into()))
    }
}

impl OutboxStore for FaultyStore {
    fn load(&mut self) -> Result<Vec<OutboxEntry>, LinkError> {
        Ok(self.rows())
    }
    fn save(&mut self, entry: &OutboxEntry) -> Result<(), LinkError> {
        let mut rows = self.rows.lock().unwrap_or_else(PoisonError::into_inner);
        if rows.contains_key(&entry.id) && self.fail_update.load(Ordering::SeqCst) {
            drop(rows);
            return self.refuse();
        }
        rows.insert(entry.id, entry.clone());
        Ok(())
    }
    fn remove(&mut self, id: u64) -> Result<(), LinkError> {
        if self.fail_remove.load(Ordering::SeqCst) {
            return self.refuse();
        }
        let mut rows = self.rows.lock().unwrap_or_else(PoisonError::into_inner);
        rows.remove(&id);
        Ok(())
    }
}

/// A TCP proxy on 127.0.0.1 in front of `upstream`. `freeze()` turns every
/// connection open now into a black hole: the proxy stops reading both
/// ways, so the client's writes fill its send buffer and then wait, and
/// bytes already read are dropped; connections made later pass normally.
/// `cut_frozen()` closes the frozen ones (what they held is lost).
pub struct BlackHole {
    addr: SocketAddr,
    frozen_below: watch::Sender<u64>,
    tasks: Arc<Mutex<JoinSet<()>>>,
    conns: Arc<Mutex<Vec<(u64, tokio::task::AbortHandle)>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl BlackHole {
    pub async fn start(upstream: SocketAddr) -> BlackHole {
        let socket = TcpSocket::new_v4().unwrap();
        // A small receive window: a frozen connection fills up soon.
        socket.set_recv_buffer_size(4096).unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(64).unwrap();
        let addr = listener.local_addr().unwrap();
        let (frozen_below, _) = watch::channel(0u64);
        let tasks: Arc<Mutex<JoinSet<()>>> = Arc::default();
        let conns: Arc<Mutex<Vec<(u64, tokio::task::AbortHandle)>>> = Arc::default();
        let (t, f, fb) = (tasks.clone(), conns.clone(), frozen_below.clone());
        let accept = tokio::spawn(async move {
            let mut next = 0u64;
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                let id = next;
                next += 1;
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                let mut set = t.lock().unwrap_or_else(PoisonError::into_inner);
                let a = set.spawn(pipe(id, cr, sw, fb.subscribe()));
                let b = set.spawn(pipe(id, sr, cw, fb.subscribe()));
                let mut fr = f.lock().unwrap_or_else(PoisonError::into_inner);
                fr.push((id, a));
                fr.push((id, b));
            }
        });
        BlackHole {
            addr,
            frozen_below,
            tasks,
            conns,
            accept,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Freezes every connection open now.
    pub fn freeze(&self) {
        let last = self
            .conns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(id, _)| id + 1)
            .max()
            .unwrap_or(0);
        self.frozen_below.send_replace(last);
    }

    /// Closes the frozen connections, dropping what they held.
    pub fn cut_frozen(&self) {
        let below = *self.frozen_below.borrow();
        let mut fr = self.conns.lock().unwrap_or_else(PoisonError::into_inner);
        fr.retain(|(id, handle)| {
            if *id < below {
                handle.abort();
                false
            } else {
                true
            }
        });
    }
}

impl Drop for BlackHole {
    fn drop(&mut self) {
        self.accept.abort();
        self.tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .abort_all();
    }
}

async fn pipe(
    id: u64,
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut frozen_below: watch::Receiver<u64>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        if id < *frozen_below.borrow_and_update() {
            // A black hole: hold both sockets open, read nothing more.
            std::future::pending::<()>().await;
        }
        tokio::select! {
            read = from.read(&mut buf) => {
                let n = match read {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                if id < *frozen_below.borrow() {
                    continue; // lost in transit
                }
                if to.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
            _ = frozen_below.changed() => {}
        }
    }
    let _ = to.shutdown().await;
}
