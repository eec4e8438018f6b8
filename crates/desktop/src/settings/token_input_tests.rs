//! A token for one run: from a file only its owner can read, or one line
//! of stdin; a looser file, someone else's, or nothing at all is refused.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use super::*;

fn token_file(name: &str, mode: u32, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("alora-token-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("token");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

fn cleanup(path: &std::path::Path) {
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn a_private_file_gives_its_first_line() {
    for mode in [0o600, 0o400] {
        let path = token_file("ok", mode, "eyJ.a.b\n");
        assert_eq!(read_token_file(&path).unwrap(), "eyJ.a.b", "mode {mode:o}");
        cleanup(&path);
    }
}

#[test]
fn a_file_others_can_reach_is_refused_with_the_fix() {
    for mode in [0o644, 0o640, 0o604, 0o620] {
        let path = token_file("open", mode, "eyJ.a.b\n");
        let e = read_token_file(&path).unwrap_err().to_string();
        assert!(e.contains("chmod 600"), "mode {mode:o}: {e}");
        assert!(!e.contains("eyJ"), "the token is not repeated: {e}");
        cleanup(&path);
    }
}

#[test]
fn a_file_of_another_user_or_nothing_is_refused() {
    let path = token_file("empty", 0o600, " \n");
    let e = read_token_file(&path).unwrap_err().to_string();
    assert!(e.contains("no token"), "{e}");
    cleanup(&path);
    let e = read_token_file(std::path::Path::new("/nonexistent/alora-token"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("--token-file /nonexistent/alora-token"), "{e}");
    if crate::platform::linux::current_uid() != 0 {
        eprintln!("SKIPPED: only root can give a file to another user");
        return;
    }
    let path = token_file("theirs", 0o600, "eyJ.a.b\n");
    std::os::unix::fs::chown(&path, Some(65534), None).unwrap();
    let e = read_token_file(&path).unwrap_err().to_string();
    assert!(e.contains("owned by uid 65534"), "{e}");
    cleanup(&path);
}

#[test]
fn stdin_gives_one_line() {
    assert_eq!(
        read_token_line(&b"eyJ.a.b\r\nnext line\n"[..]).unwrap(),
        "eyJ.a.b"
    );
    assert_eq!(
        read_token_line(&b"eyJ.no.newline"[..]).unwrap(),
        "eyJ.no.newline"
    );
    let e = read_token_line(&b""[..]).unwrap_err().to_string();
    assert!(e.contains("--token-stdin") && e.contains("no token"), "{e}");
    let long = vec![b'x'; 70 * 1024];
    assert!(read_token_line(&long[..]).is_err());
}

#[test]
fn alora_token_is_read_once_and_no_child_inherits_it() {
    // Rust's own env calls are serialised; no other test sets this one.
    std::env::set_var(crate::settings::TOKEN_ENV, " eyJ.from.env \n");
    assert_eq!(
        crate::settings::take_env_token().as_deref(),
        Some("eyJ.from.env")
    );
    assert_eq!(std::env::var_os(crate::settings::TOKEN_ENV), None);
    let child = std::process::Command::new("env").output().unwrap();
    let seen = String::from_utf8_lossy(&child.stdout);
    assert!(!seen.contains("ALORA_TOKEN"), "{seen}");
    assert_eq!(crate::settings::take_env_token(), None);
}
