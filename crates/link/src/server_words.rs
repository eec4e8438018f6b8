//! Reading words: a CONNECT_ERROR's message and whether it rejects the
//! token, the reason the library gives for a lost link, and a refused
//! certificate in the user's words.

use serde_json::Value;

/// Phrases of a CONNECT_ERROR's `message` that mean the token, not the
/// network, is at fault (README, "For backend authors"). Matched as whole
/// words of the message, case and punctuation aside, with camelCase split
/// (`InvalidSignature` is "invalid signature"). Anything else is retried
/// with backoff; a rejection too is retried, slowly
/// (`BackoffPolicy::after_rejection`).
const AUTH_PHRASES: &[&str] = &[
    "unauthorized",
    "unauthorised",
    "unauthenticated",
    "not authorized",
    "not authorised",
    "not authenticated",
    "forbidden",
    "authentication error",
    "authentication failed",
    "authentication required",
    "invalid credentials",
    "invalid token",
    "token invalid",
    "invalid jwt",
    "jwt malformed",
    "jwt expired",
    "token expired",
    "expired token",
    "invalid signature",
    "expired signature",
    "jwt must be provided",
    "missing token",
    "no token",
];

/// How rust_socketio's error event starts for a CONNECT_ERROR packet; its
/// other error events are the transport's (a server's own `error` event is an
/// application event, `vendor/rust_socketio/VENDORED.md`).
pub(crate) const CONNECT_ERROR_PREFIX: &str = "Received an ConnectError frame:";

/// The server's message out of rust_socketio's error text, e.g.
/// `Received an ConnectError frame: {"message":"jwt expired"}`: its
/// `message` field, or the string it is; `None` when it has neither.
pub(crate) fn connect_error_reason(text: &str) -> Option<String> {
    match serde_json::from_str::<Value>(connect_error_data(text)) {
        Ok(Value::Object(map)) => match map.get("message") {
            Some(Value::String(m)) => Some(m.clone()),
            _ => None,
        },
        Ok(Value::String(s)) => Some(s),
        Ok(_) => None,
        // Not JSON at all: a bare text is the message.
        Err(_) => Some(connect_error_data(text).trim_matches('"').to_owned()),
    }
}

fn connect_error_data(text: &str) -> &str {
    text.split_once(CONNECT_ERROR_PREFIX)
        .map_or(text, |(_, rest)| rest)
        .trim()
}

/// What the user is shown of a CONNECT_ERROR: its message, or all of it.
pub(crate) fn connect_error_message(text: &str) -> String {
    connect_error_reason(text).unwrap_or_else(|| connect_error_data(text).to_owned())
}

/// The user's words for the library's error event on a live link, e.g.
/// `EngineIO Error: The server did not send a PING packet in time`.
pub(crate) fn lost_reason(text: &str) -> String {
    match text.trim().strip_prefix("EngineIO Error") {
        Some(rest) => match rest.trim_start_matches(':').trim() {
            "" => "the connection was lost (no answer from the server)".to_owned(),
            cause => format!("the connection was lost: {cause}"),
        },
        None => text.to_owned(),
    }
}

/// The user's words for a certificate the link refused (OpenSSL's verify
/// result, as native-tls reports it, is at the end in parentheses); `None`
/// for any other failure. Verification is never turned off: the way out is
/// the server's CA, trusted in Settings or with `--ca-cert FILE`.
pub(crate) fn certificate_problem(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    if !lower.contains("certificate") {
        return None;
    }
    let verdict = if lower.contains("hostname mismatch") || lower.contains("ip address mismatch") {
        "certificate not valid for this server's name"
    } else if lower.contains("certificate has expired") {
        "certificate expired"
    } else if lower.contains("certificate is not yet valid") {
        "certificate not yet valid"
    } else if lower.contains("certificate verify failed")
        || lower.contains("self-signed")
        || lower.contains("self signed")
        || lower.contains("unable to get local issuer")
    {
        "certificate not trusted"
    } else {
        return None;
    };
    let detail = text
        .rfind('(')
        .and_then(|at| text[at + 1..].split(')').next())
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let hint = match verdict {
        "certificate not trusted" => {
            ": no CA this machine or the app trusts signed it (add the server's CA in Settings or with --ca-cert FILE)"
        }
        _ => "",
    };
    Some(match detail {
        Some(detail) => format!("{verdict} ({detail}){hint}"),
        None => format!("{verdict}{hint}"),
    })
}

/// Whether the library's error is a message past the transport's size limit
/// (tungstenite's `Space limit exceeded: Message too long: N > M`).
pub(crate) fn oversized(text: &str) -> bool {
    text.contains("Message too long") || text.contains("Space limit exceeded")
}

/// Whether a CONNECT_ERROR says the token is at fault: only its message is
/// read (a status code elsewhere in it proves nothing).
pub(crate) fn connect_error_is_auth(text: &str) -> bool {
    connect_error_reason(text).is_some_and(|m| is_auth_rejection(&m))
}

/// Whether a message contains one of `AUTH_PHRASES` as whole words.
pub(crate) fn is_auth_rejection(message: &str) -> bool {
    let words = format!(" {} ", words_of(message));
    AUTH_PHRASES
        .iter()
        .any(|phrase| words.contains(&format!(" {phrase} ")))
}

/// The message's words, lowercase, one space apart: `TokenExpiredError:
/// jwt-expired` is "token expired error jwt expired".
fn words_of(message: &str) -> String {
    let mut out = String::with_capacity(message.len() + 8);
    let mut prev: Option<char> = None;
    for c in message.chars() {
        if c.is_alphanumeric() {
            if c.is_uppercase() && prev.is_some_and(char::is_lowercase) {
                out.push(' ');
            }
            out.extend(c.to_lowercase());
        } else if !out.ends_with(' ') && !out.is_empty() {
            out.push(' ');
        }
        prev = Some(c);
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
#[path = "server_words_tests.rs"]
mod tests;
