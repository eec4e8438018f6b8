//! Start at login, the freedesktop way: `$XDG_CONFIG_HOME/autostart/
//! com.alora.tray.desktop`, which starts the app `--minimized`. Written
//! directly rather than through a plugin: one small file, nothing loaded.
//! The entry names a program that will still be there at the next login:
//! `/usr/bin/alora-tray` when that is this program, else this program,
//! never one on a temporary mount (`/tmp`, an AppImage's).

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

/// What the packages install.
pub const INSTALLED: &str = "/usr/bin/alora-tray";
/// Where versions before the one app id wrote it.
const OLD_FILE: &str = "alora-tray.desktop";

/// `None` with no home: a shared temp folder is no stand-in.
fn dir() -> Option<PathBuf> {
    crate::places::autostart_dir()
}

fn path() -> Result<PathBuf, String> {
    let dir = dir().ok_or("there is no home folder (neither HOME nor XDG_CONFIG_HOME is set)")?;
    Ok(dir.join(crate::app_id::desktop_file()))
}

/// Whether the entry is there (the truth the setting follows).
pub fn is_on() -> bool {
    path().is_ok_and(|p| p.is_file())
}

/// Adds or removes the entry; `Ok` only when the file is as asked.
pub fn set(on: bool) -> Result<(), String> {
    set_at(&path()?, on, this_program)
}

/// At start: an entry there is made to name this program as `set` would
/// (it moved, an older version wrote it); its old name is taken over.
/// Returns whether start at login is on.
pub fn recheck() -> Result<bool, String> {
    recheck_at(&path()?, this_program)
}

/// This program, where a login can find it (`program_for`).
fn this_program() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    program_for(&exe, Path::new(INSTALLED), &mountinfo, appimage())
}

fn set_at(
    path: &Path,
    on: bool,
    program: impl FnOnce() -> Result<PathBuf, String>,
) -> Result<(), String> {
    let old = path.with_file_name(OLD_FILE);
    if !on {
        let _ = std::fs::remove_file(old);
        return match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.to_string()),
            _ => Ok(()),
        };
    }
    write_atomically(path, &entry(&program()?)?)?;
    let _ = std::fs::remove_file(old);
    Ok(())
}

fn recheck_at(
    path: &Path,
    program: impl FnOnce() -> Result<PathBuf, String>,
) -> Result<bool, String> {
    let old = path.with_file_name(OLD_FILE);
    if !path.is_file() && !old.is_file() {
        return Ok(false);
    }
    // Run from a temporary place (a test build, an AppImage): the entry may
    // name the installed program, and is left as it is.
    let Ok(program) = program() else {
        return Ok(path.is_file());
    };
    let wanted = entry(&program)?;
    if std::fs::read_to_string(path).ok().as_deref() != Some(wanted.as_str()) {
        write_atomically(path, &wanted)?;
    }
    let _ = std::fs::remove_file(old);
    Ok(true)
}

fn appimage() -> Option<OsString> {
    std::env::var_os("APPIMAGE")
}

/// The program the entry starts: the installed path when `exe` is that
/// file, else `exe`, refused when it would not outlive this session.
pub fn program_for(
    exe: &Path,
    installed: &Path,
    mountinfo: &str,
    appimage: Option<OsString>,
) -> Result<PathBuf, String> {
    if let Some(image) = appimage {
        return Err(format!(
            "this is an AppImage ({}), mounted only while it runs: install the .deb or .rpm to start at login",
            Path::new(&image).display()
        ));
    }
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same(exe, installed) {
        return Ok(installed.to_path_buf());
    }
    if let Some(fs) = temporary_mount(mountinfo, exe) {
        return Err(format!(
            "{} is on a temporary file system ({fs}) that is gone at the next login: install Alora to start at login",
            exe.display()
        ));
    }
    for temp in [
        Path::new("/tmp"),
        Path::new("/var/tmp"),
        &std::env::temp_dir(),
    ] {
        if exe.starts_with(temp) {
            return Err(format!(
                "{} is in a temporary folder: install Alora to start at login",
                exe.display()
            ));
        }
    }
    Ok(exe.to_path_buf())
}

/// The file system type of the mount `path` is on, when that is one that
/// does not outlive the session: tmpfs, ramfs, a FUSE mount (AppImage).
pub fn temporary_mount(mountinfo: &str, path: &Path) -> Option<String> {
    // Fields: id parent major:minor root mount-point options... - fstype source super.
    let mount = mountinfo
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(' ');
            let point = fields.nth(4)?;
            let fstype = line.split(" - ").nth(1)?.split(' ').next()?;
            Some((unescape_mount(point), fstype))
        })
        .filter(|(point, _)| path.starts_with(point))
        .max_by_key(|(point, _)| point.as_os_str().len())?;
    let fstype = mount.1;
    (fstype == "tmpfs" || fstype == "ramfs" || fstype.starts_with("fuse"))
        .then(|| fstype.to_owned())
}

/// mountinfo writes a space, tab, newline or backslash as `\` and three octal digits.
fn unescape_mount(point: &str) -> PathBuf {
    let mut out = Vec::with_capacity(point.len());
    let bytes = point.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes.get(i + 1..i + 4).and_then(|d| {
            let s = std::str::from_utf8(d).ok()?;
            u8::from_str_radix(s, 8).ok()
        });
        match (bytes[i], octal) {
            (b'\\', Some(b)) => {
                out.push(b);
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    PathBuf::from(OsString::from_vec(out))
}

/// The autostart entry for `program`.
pub fn entry(program: &Path) -> Result<String, String> {
    Ok(format!(
        "[Desktop Entry]\nType=Application\nName=Alora\nComment=Alora in the system tray\n\
         Exec={} --minimized\nIcon=alora-tray\nTerminal=false\nX-GNOME-Autostart-enabled=true\n",
        exec_arg(program)?
    ))
}

/// One argument of an `Exec` key, as the desktop-entry spec has it: quoted
/// when it holds a reserved character, `"`, `` ` ``, `$` and `\` escaped
/// with a backslash inside the quotes, `%` doubled (a field code otherwise);
/// then the string escape of every value, which doubles each backslash.
pub fn exec_arg(program: &Path) -> Result<String, String> {
    let text = program
        .to_str()
        .ok_or_else(|| format!("{} is not UTF-8", program.display()))?;
    if text.contains(['\n', '\r']) || text.is_empty() {
        return Err(format!("{text:?} cannot be written in a desktop entry"));
    }
    const RESERVED: &[char] = &[
        ' ', '\t', '"', '\'', '\\', '>', '<', '~', '|', '&', ';', '$', '*', '?', '#', '(', ')', '`',
    ];
    let mut arg = String::with_capacity(text.len() + 2);
    if text.contains(RESERVED) {
        arg.push('"');
        for c in text.chars() {
            if matches!(c, '"' | '`' | '$' | '\\') {
                arg.push('\\');
            }
            arg.push(c);
        }
        arg.push('"');
    } else {
        arg.push_str(text);
    }
    Ok(arg.replace('%', "%%").replace('\\', "\\\\"))
}

/// Written whole or not at all: a crash halfway leaves the entry before.
fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    let dir = path.parent().ok_or("the autostart file has no folder")?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let tmp = path.with_extension("desktop.tmp");
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("cannot write {}: {e}", path.display()));
    }
    Ok(())
}

#[cfg(test)]
#[path = "autostart_tests.rs"]
mod tests;
