//! A token for one run: from a private file (`--token-file`) or one line of
//! standard input (`--token-stdin`), never from argv, which every user can
//! read in `/proc/<pid>/cmdline`.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::error::{AppError, AppResult};

/// The longest token read from a file or stdin (a JWT is far shorter).
const MAX_TOKEN: u64 = 64 * 1024;

/// `--token-file PATH`: a file of the user's own that group and others
/// cannot read or write (0600, 0400); anything looser is refused, since
/// others may have read the token already.
pub fn read_token_file(path: &Path) -> AppResult<String> {
    let bad =
        |why: String| AppError::InvalidInput(format!("--token-file {}: {why}", path.display()));
    let file = File::open(path).map_err(|e| bad(e.to_string()))?;
    // The opened file's own metadata (fstat), not the path's once more.
    let meta = file.metadata().map_err(|e| bad(e.to_string()))?;
    if !meta.is_file() {
        return Err(bad("not a regular file".into()));
    }
    let uid = crate::platform::linux::current_uid();
    if meta.uid() != uid {
        return Err(bad(format!(
            "owned by uid {}, not by you (uid {uid})",
            meta.uid()
        )));
    }
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(bad(format!(
            "group or others can reach it (mode {mode:o}); make it private: chmod 600 {}",
            path.display()
        )));
    }
    first_line(file, "the file").map_err(bad)
}

/// `--token-stdin`: the first line of standard input.
pub fn read_token_line(input: impl Read) -> AppResult<String> {
    first_line(input, "standard input")
        .map_err(|why| AppError::InvalidInput(format!("--token-stdin: {why}")))
}

fn first_line(input: impl Read, what: &str) -> Result<String, String> {
    let mut line = String::new();
    BufReader::new(input.take(MAX_TOKEN + 1))
        .read_line(&mut line)
        .map_err(|e| format!("cannot read {what}: {e}"))?;
    if u64::try_from(line.len()).unwrap_or(u64::MAX) > MAX_TOKEN {
        return Err(format!(
            "more than {MAX_TOKEN} bytes before a newline in {what}"
        ));
    }
    let token = line.trim();
    if token.is_empty() {
        return Err(format!("no token in {what}"));
    }
    Ok(token.to_owned())
}

#[cfg(test)]
#[path = "token_input_tests.rs"]
mod tests;
