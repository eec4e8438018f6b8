//! One `Notify` call as it goes out: the buttons the server takes (and
//! their keys where it has no reply field), the hints, the popup replaced.

use std::collections::HashMap;

use zbus::zvariant::Value;

use super::{Capabilities, NotifyCall, DEST, IFACE, INLINE_REPLY, PATH};

/// What the same button is called where the server has no text field.
const PLAIN_REPLY: &str = "reply";

/// The buttons as the server takes them: none without `actions`, and an
/// `inline-reply` one as a plain `reply` button without `inline-reply`.
pub(super) fn buttons<'a>(
    caps: &Capabilities,
    asked: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    if !caps.actions {
        return Vec::new();
    }
    asked
        .iter()
        .map(|&(key, label)| match key {
            INLINE_REPLY if !caps.inline_reply => (PLAIN_REPLY, label),
            _ => (key, label),
        })
        .collect()
}

/// One `Notify` as it goes out: the call, its summary (stacked), the
/// buttons the server takes, and the popup it replaces (0: none).
pub(super) struct Outgoing<'a> {
    pub(super) call: &'a NotifyCall<'a>,
    pub(super) summary: &'a str,
    pub(super) keys: &'a [(&'a str, &'a str)],
    pub(super) replaces: u32,
    /// The server takes actions: the body click (`default`) and buttons.
    pub(super) clickable: bool,
    pub(super) inline_reply: bool,
}

/// The popup's id, and the unique name of the server that answered.
pub(super) async fn send(
    conn: &zbus::Connection,
    out: &Outgoing<'_>,
) -> zbus::Result<(u32, Option<String>)> {
    let call = out.call;
    // The body click is `default`; the others are the buttons.
    let mut actions: Vec<&str> = Vec::with_capacity(2 + out.keys.len() * 2);
    if out.clickable {
        actions.extend(["default", "Open"]);
    }
    for (key, label) in out.keys {
        actions.extend([*key, *label]);
    }
    let mut hints: HashMap<&str, Value<'_>> = HashMap::from([
        ("category", Value::from(call.category)),
        ("desktop-entry", Value::from(call.desktop_entry)),
    ]);
    let loud = call.loudness;
    hints.insert("urgency", Value::U8(loud.urgency as u8));
    match loud.sound {
        Some(name) => hints.insert("sound-name", Value::from(name)),
        None => hints.insert("suppress-sound", Value::Bool(true)),
    };
    if loud.transient {
        hints.insert("transient", Value::Bool(true));
    }
    if out.inline_reply && out.keys.iter().any(|(k, _)| *k == INLINE_REPLY) {
        hints.insert(
            "x-kde-reply-placeholder-text",
            Value::from(call.reply_placeholder),
        );
    }
    // expire_timeout 0 stays until answered; -1 is the server's default.
    let reply = conn
        .call_method(
            Some(DEST),
            PATH,
            Some(IFACE),
            "Notify",
            &(
                call.app_name,
                out.replaces,
                call.icon,
                out.summary,
                call.body,
                &actions[..],
                hints,
                loud.expire_timeout(),
            ),
        )
        .await?;
    let server = reply.header().sender().map(|s| s.as_str().to_owned());
    Ok((reply.body().deserialize()?, server))
}

/// A connection that cannot carry calls any more, as opposed to a server
/// that answered with an error (no notification daemon, say).
pub(super) fn is_broken(e: &zbus::Error) -> bool {
    matches!(e, zbus::Error::InputOutput(_) | zbus::Error::Handshake(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASKED: [(&str, &str); 2] = [(INLINE_REPLY, "Reply"), ("mark-read", "Mark read")];

    #[test]
    fn buttons_follow_what_the_server_can_do() {
        let caps =
            |list: &[&str]| Capabilities::from_list(list.iter().map(|c| c.to_string()).collect());
        assert!(
            buttons(&caps(&["body"]), &ASKED).is_empty(),
            "no actions: no buttons"
        );
        assert_eq!(
            buttons(&caps(&["actions"]), &ASKED),
            [("reply", "Reply"), ("mark-read", "Mark read")]
        );
        assert_eq!(buttons(&caps(&["actions", "inline-reply"]), &ASKED), ASKED);
    }
}
