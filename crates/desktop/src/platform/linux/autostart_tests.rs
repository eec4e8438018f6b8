//! The autostart entry: `Exec` quoted per the desktop-entry spec, the
//! program it names, and the file and the answer never disagreeing.

use super::*;

#[test]
fn a_plain_path_is_written_as_it_is() {
    assert_eq!(
        exec_arg(Path::new("/usr/bin/alora-tray")).unwrap(),
        "/usr/bin/alora-tray"
    );
}

#[test]
fn reserved_characters_are_quoted_and_escaped_twice() {
    // A space: quoted.
    assert_eq!(
        exec_arg(Path::new("/home/a b/alora-tray")).unwrap(),
        r#""/home/a b/alora-tray""#
    );
    // `"`, `$` and `` ` `` get the quoting's backslash, which the string
    // escape then doubles; a backslash becomes four.
    assert_eq!(
        exec_arg(Path::new(r#"/opt/"q"$x`y\z/alora-tray"#)).unwrap(),
        r#""/opt/\\"q\\"\\$x\\`y\\\\z/alora-tray""#
    );
    // `%` would be a field code.
    assert_eq!(
        exec_arg(Path::new("/opt/100%/alora-tray")).unwrap(),
        "/opt/100%%/alora-tray"
    );
    assert!(exec_arg(Path::new("/opt/a\nb")).is_err());
}

#[test]
fn the_entry_starts_the_program_minimized() {
    let text = entry(Path::new("/home/a b/alora-tray")).unwrap();
    assert!(
        text.lines()
            .any(|l| l == r#"Exec="/home/a b/alora-tray" --minimized"#),
        "{text}"
    );
    assert!(text.starts_with("[Desktop Entry]\nType=Application\n"));
}

const MOUNTS: &str = "\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
30 22 0:26 / /tmp rw,nosuid shared:5 - tmpfs tmpfs rw
31 22 0:27 / /home/a\\040b/apps rw shared:6 - tmpfs tmpfs rw
40 30 0:50 / /tmp/.mount_AloraX ro,nosuid shared:9 - fuse.Alora.AppImage Alora.AppImage ro
";

#[test]
fn temporary_mounts_are_found_by_the_longest_mount_point() {
    let on = |p: &str| temporary_mount(MOUNTS, Path::new(p));
    assert_eq!(on("/usr/bin/alora-tray"), None);
    assert_eq!(on("/tmp/x/alora-tray").as_deref(), Some("tmpfs"));
    assert_eq!(
        on("/tmp/.mount_AloraX/usr/bin/alora-tray").as_deref(),
        Some("fuse.Alora.AppImage")
    );
    // mountinfo's octal escape for the space.
    assert_eq!(on("/home/a b/apps/alora-tray").as_deref(), Some("tmpfs"));
    assert_eq!(on("/home/a b/alora-tray"), None);
}

#[test]
fn the_program_is_the_installed_one_or_a_lasting_path_never_a_temporary_one() {
    let dir = Scratch::new();
    let installed = dir.0.join("usr-bin-alora-tray");
    std::fs::write(&installed, "").unwrap();
    let link = dir.0.join("via-link");
    std::os::unix::fs::symlink(&installed, &link).unwrap();
    let ok = |exe: &Path, appimage: Option<&str>| {
        program_for(exe, &installed, "", appimage.map(OsString::from))
    };
    // The same file by another path: the installed path is written.
    assert_eq!(ok(&link, None).unwrap(), installed);
    assert_eq!(
        ok(Path::new("/home/u/.cargo/bin/alora-tray"), None).unwrap(),
        Path::new("/home/u/.cargo/bin/alora-tray")
    );
    let refused = ok(Path::new("/tmp/build/alora-tray"), None).unwrap_err();
    assert!(refused.contains("temporary"), "{refused}");
    let refused = ok(Path::new("/home/u/x"), Some("/home/u/Alora.AppImage")).unwrap_err();
    assert!(refused.contains("AppImage"), "{refused}");
    let on_tmpfs = program_for(
        Path::new("/home/a b/apps/alora-tray"),
        &installed,
        MOUNTS,
        None,
    );
    assert!(on_tmpfs.unwrap_err().contains("tmpfs"));
}

/// A folder of the test's own (not under /tmp's rules: nothing is run from it).
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        let dir = std::env::temp_dir().join(format!("alora-autostart-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn lasting() -> Result<PathBuf, String> {
    Ok(PathBuf::from("/opt/alora/alora-tray"))
}

#[test]
fn set_writes_the_file_or_reports_why_not_and_leaves_none() {
    let dir = Scratch::new();
    let path = dir.0.join("autostart").join(crate::app_id::desktop_file());
    set_at(&path, true, lasting).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("Exec=/opt/alora/alora-tray --minimized"),
        "{text}"
    );
    set_at(&path, false, lasting).unwrap();
    assert!(!path.exists());
    // A program that would not outlive the session: an error, and no file.
    let err = set_at(&path, true, || Err("in a temporary folder".into())).unwrap_err();
    assert!(err.contains("temporary"));
    assert!(!path.exists());
    // A folder that cannot be made: an error.
    let blocked = dir.0.join("file");
    std::fs::write(&blocked, "").unwrap();
    assert!(set_at(&blocked.join("autostart/x.desktop"), true, lasting).is_err());
    // Off when already off is no error.
    set_at(&path, false, lasting).unwrap();
}

#[test]
fn recheck_follows_the_file_rewrites_a_stale_one_and_takes_over_the_old_name() {
    let dir = Scratch::new();
    let autostart = dir.0.join("autostart");
    std::fs::create_dir_all(&autostart).unwrap();
    let path = autostart.join(crate::app_id::desktop_file());
    let old = autostart.join(OLD_FILE);
    assert!(!recheck_at(&path, lasting).unwrap());
    // Written by an older version, under the old name and another program.
    std::fs::write(
        &old,
        "[Desktop Entry]\nExec=\"/old/alora-tray\" --minimized\n",
    )
    .unwrap();
    assert!(recheck_at(&path, lasting).unwrap());
    assert!(!old.exists());
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        entry(Path::new("/opt/alora/alora-tray")).unwrap()
    );
    // From a temporary place the file is left as it is, and still on.
    std::fs::write(
        &path,
        "[Desktop Entry]\nExec=/usr/bin/alora-tray --minimized\n",
    )
    .unwrap();
    assert!(recheck_at(&path, || Err("temporary".into())).unwrap());
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .contains("Exec=/usr/bin/alora-tray"));
    // Removed by the user (GNOME Tweaks): off.
    std::fs::remove_file(&path).unwrap();
    assert!(!recheck_at(&path, lasting).unwrap());
}
