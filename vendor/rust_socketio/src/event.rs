use std::fmt::{Display, Formatter, Result as FmtResult};

/// An `Event` in `socket.io` could either (`Message`, `Error`) or custom.
#[derive(Debug, PartialEq, PartialOrd, Clone, Eq, Hash)]
pub enum Event {
    Message,
    Error,
    Custom(String),
    Connect,
    Close,
}

impl Event {
    pub fn as_str(&self) -> &str {
        match self {
            Event::Message => "message",
            Event::Error => "error",
            Event::Connect => "connect",
            Event::Close => "close",
            Event::Custom(string) => string,
        }
    }
}

impl Event {
    /// The event of an EVENT packet from the server, by its name.
    // Alora: `Event::from` made a server's `error`, `open` and `close` into
    // the library's own events (a lost link, a connect); only `message`,
    // what a server's `send()` emits, keeps its built-in meaning here.
    pub(crate) fn from_server(name: &str) -> Self {
        Event::from_server_owned(name.to_owned())
    }

    /// Alora: the same, keeping the name the packet's JSON gave.
    pub(crate) fn from_server_owned(name: String) -> Self {
        if name == "message" {
            Event::Message
        } else {
            Event::Custom(name)
        }
    }
}

impl From<String> for Event {
    fn from(string: String) -> Self {
        match &string.to_lowercase()[..] {
            "message" => Event::Message,
            "error" => Event::Error,
            "open" => Event::Connect,
            "close" => Event::Close,
            _ => Event::Custom(string),
        }
    }
}

impl From<&str> for Event {
    fn from(string: &str) -> Self {
        Event::from(String::from(string))
    }
}

impl From<Event> for String {
    fn from(event: Event) -> Self {
        match event {
            Event::Message => Self::from("message"),
            Event::Connect => Self::from("open"),
            Event::Close => Self::from("close"),
            Event::Error => Self::from("error"),
            Event::Custom(string) => string,
        }
    }
}

impl Display for Event {
    fn fmt(&self, f: &mut Formatter<'_>) -> FmtResult {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod alora_test {
    use super::Event;

    #[test]
    fn server_events_never_become_library_events() {
        for name in ["error", "close", "open", "connect", "Error", "CLOSE"] {
            assert_eq!(Event::from_server(name), Event::Custom(name.to_owned()));
        }
        assert_eq!(Event::from_server("message"), Event::Message);
        assert_eq!(Event::from_server("foo"), Event::Custom("foo".to_owned()));
    }
}
