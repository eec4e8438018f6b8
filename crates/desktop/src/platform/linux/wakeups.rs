//! Wake-ups on the system bus: logind's `PrepareForSleep(false)` (the
//! machine has resumed) and NetworkManager's `StateChanged` to connected
//! (70). Either means the link's backoff wait, sized for a server that is
//! down, is now only in the way: the link is told to reconnect at once,
//! which also checks the token's expiry again before it is sent.
//!
//! One task owns the bus connection; [`Wakeups`] owns the task and stops it
//! when dropped. No system bus (a container, a test without one) is logged
//! once and leaves the link to its backoff.

use futures_util::stream::{select, StreamExt};
use zbus::message::Type;
use zbus::{Connection, MatchRule, Message, MessageStream};

use alora_link::LinkHandle;

const LOGIND_MANAGER: &str = "org.freedesktop.login1.Manager";
const NETWORK_MANAGER: &str = "org.freedesktop.NetworkManager";
/// `NM_STATE_CONNECTED_GLOBAL`: full network access.
pub const NM_CONNECTED_GLOBAL: u32 = 70;

/// Why the link was told to reconnect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wakeup {
    Resumed,
    NetworkUp,
}

/// The listener; dropping it stops the task and closes its connection.
#[derive(Debug)]
pub struct Wakeups {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Wakeups {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Wakeups {
    /// Listens on the system bus (`DBUS_SYSTEM_BUS_ADDRESS`, else the
    /// well-known socket) and nudges `link` on each wake-up. Must run
    /// inside a tokio runtime.
    pub fn start(link: LinkHandle) -> Wakeups {
        Wakeups {
            task: tokio::spawn(listen(link)),
        }
    }
}

fn rule(interface: &'static str, member: &'static str) -> zbus::Result<MatchRule<'static>> {
    Ok(MatchRule::builder()
        .msg_type(Type::Signal)
        .interface(interface)?
        .member(member)?
        .build())
}

async fn streams(conn: &Connection) -> zbus::Result<(MessageStream, MessageStream)> {
    let sleep = rule(LOGIND_MANAGER, "PrepareForSleep")?;
    let network = rule(NETWORK_MANAGER, "StateChanged")?;
    Ok((
        MessageStream::for_match_rule(sleep, conn, None).await?,
        MessageStream::for_match_rule(network, conn, None).await?,
    ))
}

/// What a signal means for the link, if anything.
pub fn wakeup_of(msg: &Message) -> Option<Wakeup> {
    let header = msg.header();
    let interface = header.interface()?.as_str();
    let member = header.member()?.as_str();
    match (interface, member) {
        // `true` is the machine going to sleep: nothing to do until it wakes.
        (LOGIND_MANAGER, "PrepareForSleep") => {
            let going: bool = msg.body().deserialize().ok()?;
            (!going).then_some(Wakeup::Resumed)
        }
        (NETWORK_MANAGER, "StateChanged") => {
            let state: u32 = msg.body().deserialize().ok()?;
            (state == NM_CONNECTED_GLOBAL).then_some(Wakeup::NetworkUp)
        }
        _ => None,
    }
}

async fn listen(link: LinkHandle) {
    let conn = match Connection::system().await {
        Ok(conn) => conn,
        Err(e) => {
            tracing::info!(error = %e, "no system bus: reconnects after sleep wait for the backoff");
            return;
        }
    };
    let (sleep, network) = match streams(&conn).await {
        Ok(pair) => pair,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for sleep and network changes");
            return;
        }
    };
    let mut signals = select(sleep, network);
    while let Some(msg) = signals.next().await {
        let Some(wakeup) = msg.ok().as_ref().and_then(wakeup_of) else {
            continue;
        };
        tracing::info!(?wakeup, "reconnecting now");
        if link.reconnect_now().await.is_err() {
            // Not connected yet (no server set) or the link has stopped:
            // nothing to hurry.
            tracing::debug!(?wakeup, "the link had nothing to reconnect");
        }
    }
}
