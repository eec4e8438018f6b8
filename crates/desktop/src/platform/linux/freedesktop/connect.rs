//! Opening the kept connection: its listeners (the clicks and replies, and
//! `PropertiesChanged` for the server's `Inhibited`, KDE's Do Not Disturb,
//! where it has one), what the server can do, and whether it is inhibited.

use std::sync::Arc;

use zbus::zvariant::OwnedValue;

use super::{signals, Bus, Capabilities, NotificationBus, DEST, IFACE, PATH};

const PROPERTIES: &str = "org.freedesktop.DBus.Properties";

impl NotificationBus {
    /// Subscribes before the first `Notify`, so that no click can be
    /// missed, and asks what the server can do.
    pub(super) async fn connect(self: &Arc<Self>) -> zbus::Result<Bus> {
        let conn = zbus::Connection::session().await?;
        let signal = || zbus::MatchRule::builder().msg_type(zbus::message::Type::Signal);
        let clicks = signal().interface(IFACE)?.path(PATH)?.build();
        let changes = signal()
            .interface(PROPERTIES)?
            .member("PropertiesChanged")?
            .path(PATH)?
            .build();
        let clicks = zbus::MessageStream::for_match_rule(clicks, &conn, None).await?;
        let changes = zbus::MessageStream::for_match_rule(changes, &conn, None).await?;
        let listeners = [
            tokio::spawn(signals::listen(clicks, Arc::downgrade(self))),
            tokio::spawn(signals::listen(changes, Arc::downgrade(self))),
        ];
        // Who owns the name now: the only sender whose signals count, also
        // before the first `Notify` has answered.
        let owner = zbus::fdo::DBusProxy::new(&conn)
            .await?
            .get_name_owner(DEST.try_into()?)
            .await;
        if let (Ok(owner), Ok(mut slot)) = (owner, self.server.lock()) {
            *slot = Some(owner.to_string());
        }
        let caps = conn
            .call_method(Some(DEST), PATH, Some(IFACE), "GetCapabilities", &())
            .await
            .and_then(|reply| reply.body().deserialize::<Vec<String>>());
        match caps {
            Ok(list) => {
                tracing::info!(capabilities = ?list, "notification server capabilities");
                if let Ok(mut slot) = self.caps.lock() {
                    *slot = Capabilities::from_list(list);
                }
            }
            // As before capabilities were asked: the body click and buttons.
            Err(e) => {
                tracing::debug!(error = %e, "no capabilities from the notification server");
                if let Ok(mut slot) = self.caps.lock() {
                    *slot = Capabilities::from_list(vec!["actions".into()]);
                }
            }
        }
        self.read_inhibited(&conn).await;
        Ok(Bus { conn, listeners })
    }

    /// Probed, not assumed: most servers have no such property, and then
    /// the app's own quiet rules are all there is.
    async fn read_inhibited(&self, conn: &zbus::Connection) {
        let reply = conn
            .call_method(
                Some(DEST),
                PATH,
                Some(PROPERTIES),
                "Get",
                &(IFACE, "Inhibited"),
            )
            .await
            .and_then(|r| r.body().deserialize::<OwnedValue>());
        match reply.ok().and_then(|v| bool::try_from(v).ok()) {
            Some(on) => self.set_inhibited(on),
            None => tracing::debug!("the notification server has no Inhibited property"),
        }
    }

    /// A `PropertiesChanged` of the server's interface, already checked to
    /// come from the server.
    pub(super) fn properties_changed(&self, msg: &zbus::Message) {
        type Changed = (
            String,
            std::collections::HashMap<String, OwnedValue>,
            Vec<String>,
        );
        let Ok((iface, changed, _)) = msg.body().deserialize::<Changed>() else {
            tracing::debug!("a malformed PropertiesChanged signal was ignored");
            return;
        };
        if iface != IFACE {
            return;
        }
        if let Some(on) = changed.get("Inhibited").and_then(|v| v.try_clone().ok()) {
            if let Ok(on) = bool::try_from(on) {
                self.set_inhibited(on);
            }
        }
    }
}
