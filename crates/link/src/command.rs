//! What a handle asks of the actor: one command per request, each with the
//! channel its answer comes back on.

use tokio::sync::oneshot;

use crate::config::LinkConfig;
use crate::error::LinkError;
use crate::event::Delivery;
use crate::outbox::OutboxEntry;
use crate::outgoing::Outgoing;

pub(crate) type Reply<T> = oneshot::Sender<Result<T, LinkError>>;

#[derive(Debug)]
pub(crate) enum Command {
    Connect(Box<LinkConfig>, Reply<()>),
    SetToken(Option<String>, Reply<()>),
    Disconnect(Reply<()>),
    ReconnectNow(Reply<()>),
    Send(Outgoing, Reply<Delivery>),
    Retry(u64, Reply<()>),
    Discard(u64, Reply<()>),
    Outbox(Reply<Vec<OutboxEntry>>),
    Joined(Reply<Vec<String>>),
    Shutdown(Reply<()>),
}
