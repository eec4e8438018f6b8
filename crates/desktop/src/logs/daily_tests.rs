//! The log file on a clock of the test's own: a file a day, the cap, the
//! days kept, the permissions.

use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Mutex};

use super::*;

struct Dir(PathBuf);

impl Dir {
    fn new() -> Dir {
        let dir = std::env::temp_dir().join(format!("alora-logs-{}", uuid::Uuid::new_v4()));
        Dir(dir.join("logs"))
    }
    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }
    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.0.join(name)).unwrap()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        if let Some(parent) = self.0.parent() {
            let _ = std::fs::remove_dir_all(parent);
        }
    }
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

/// A writer whose date the test moves.
fn writer(dir: &Dir, limits: Limits) -> (DailyFile, Arc<Mutex<NaiveDate>>) {
    let date = Arc::new(Mutex::new(day(10)));
    let clock = date.clone();
    let log = DailyFile::open(&dir.0, limits, Box::new(move || *clock.lock().unwrap())).unwrap();
    (log, date)
}

const ROOMY: Limits = Limits {
    cap: 1 << 20,
    keep_days: 7,
};

#[test]
fn writes_to_the_file_of_the_day_private_to_the_user() {
    let dir = Dir::new();
    let (mut log, date) = writer(&dir, ROOMY);
    log.write_all(b"one\n").unwrap();
    *date.lock().unwrap() = day(11);
    log.write_all(b"two\n").unwrap();
    log.write_all(b"three\n").unwrap();
    assert_eq!(
        dir.names(),
        ["alora-tray.2026-03-10.log", "alora-tray.2026-03-11.log"]
    );
    assert_eq!(dir.read("alora-tray.2026-03-10.log"), "one\n");
    assert_eq!(dir.read("alora-tray.2026-03-11.log"), "two\nthree\n");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir.0), 0o700);
    assert_eq!(mode(&dir.0.join("alora-tray.2026-03-11.log")), 0o600);
}

#[test]
fn a_full_file_is_set_aside_and_the_newest_lines_kept() {
    let dir = Dir::new();
    let limits = Limits {
        cap: 10,
        keep_days: 7,
    };
    let (mut log, _date) = writer(&dir, limits);
    for line in ["aaaa\n", "bbbb\n", "cccc\n", "dddd\n", "eeee\n"] {
        log.write_all(line.as_bytes()).unwrap();
    }
    // Two files of at most the cap each, whatever was written.
    assert_eq!(
        dir.names(),
        ["alora-tray.2026-03-10.log", "alora-tray.2026-03-10.log.1"]
    );
    assert_eq!(dir.read("alora-tray.2026-03-10.log.1"), "cccc\ndddd\n");
    assert_eq!(dir.read("alora-tray.2026-03-10.log"), "eeee\n");
    // A single line over the cap is cut to it.
    log.write_all(b"0123456789abcdef\n").unwrap();
    assert_eq!(dir.read("alora-tray.2026-03-10.log"), "0123456789");
}

#[test]
fn days_beyond_those_kept_are_deleted_and_other_files_left() {
    let dir = Dir::new();
    let limits = Limits {
        cap: 1 << 20,
        keep_days: 2,
    };
    let (mut log, date) = writer(&dir, limits);
    log.write_all(b"tenth\n").unwrap();
    std::fs::write(dir.0.join("alora-tray.2026-03-09.log.1"), "old").unwrap();
    std::fs::write(dir.0.join("notes.txt"), "mine").unwrap();
    *date.lock().unwrap() = day(11);
    log.write_all(b"eleventh\n").unwrap();
    assert_eq!(
        dir.names(),
        [
            "alora-tray.2026-03-10.log",
            "alora-tray.2026-03-11.log",
            "notes.txt"
        ]
    );
    *date.lock().unwrap() = day(13);
    log.write_all(b"thirteenth\n").unwrap();
    assert_eq!(dir.names(), ["alora-tray.2026-03-13.log", "notes.txt"]);
}

#[test]
fn a_restart_appends_to_the_day_and_counts_what_is_there() {
    let dir = Dir::new();
    let limits = Limits {
        cap: 12,
        keep_days: 7,
    };
    let (mut log, _) = writer(&dir, limits);
    log.write_all(b"first\n").unwrap();
    drop(log);
    let (mut log, _) = writer(&dir, limits);
    log.write_all(b"again\n").unwrap();
    assert_eq!(dir.read("alora-tray.2026-03-10.log"), "first\nagain\n");
    log.write_all(b"more\n").unwrap();
    assert_eq!(dir.read("alora-tray.2026-03-10.log.1"), "first\nagain\n");
}
