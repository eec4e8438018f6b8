//! The app's instance socket, spoken as `alora-tray send` speaks it: one
//! connection kept for the whole storm, a JSON request a line, an answer a line.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use serde_json::Value;

use crate::support::Instance;

/// The app's instance socket, as `alora-tray send` uses it.
pub struct Ipc(BufReader<UnixStream>);

impl Ipc {
    pub fn open(app: &Instance) -> Ipc {
        let stream = UnixStream::connect(app.dir.join("tray.sock")).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        Ipc(BufReader::new(stream))
    }

    pub fn ask(&mut self, request: Value) -> Value {
        writeln!(self.0.get_mut(), "{request}").unwrap();
        let mut line = String::new();
        self.0.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("bad answer {line:?}"))
    }
}
