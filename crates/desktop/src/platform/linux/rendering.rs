//! The environment WebKit renders the window in: what a small list UI needs
//! of GL and JavaScriptCore, and no more. Set once, before Tauri starts any
//! thread; a variable the user has set is left as it is.
//!
//! Measured under Xvfb on the bench's 1 000-entry list (`alora-bench --only
//! gui`, `pss_mb_window_open`): 242 MB with compositing and GDK's GL off;
//! 222 MB with GL also kept out of this process (and 60 → 30 MB once the
//! window has closed); 207 MB with the JIT off too. The last two were first
//! taken with an LD_PRELOAD shim making the same call; this code gave 204
//! MB with the UI's formatter change (ui/src/format.ts) as well.

use std::ffi::{c_char, c_int, c_void, CStr};

/// glvnd's list of EGL vendors: pointed at a file that is not there, it
/// loads none.
const EGL_VENDORS: &str = "__EGL_VENDOR_LIBRARY_FILENAMES";
const NO_VENDOR: &str = "/nonexistent/alora-tray-ui-process.json";

/// Sets what the window's rendering needs, for this process and the WebKit
/// processes it starts.
pub fn prefer_lean() {
    // Software GL maps libLLVM (~26 MB PSS) and GPU compositing nearly
    // doubles WebKit's web process (318 → 232 MB with the window open).
    let compositing_off = set_unless_user_did("WEBKIT_DISABLE_COMPOSITING_MODE", "1") == "1";
    set_unless_user_did("GDK_GL", "disable");
    // A list of 50 rows gains nothing from compiled JavaScript, and the
    // JIT's code and profiling data cost the web process about 15 MB.
    set_unless_user_did("JSC_useJIT", "false");
    if compositing_off {
        keep_gl_out_of_this_process();
    }
}

/// The value in force once the user's choice, if any, is respected.
fn set_unless_user_did(key: &str, value: &str) -> String {
    match std::env::var(key) {
        Ok(theirs) => theirs,
        Err(_) => {
            // Edition 2021: safe; called before Tauri starts any thread.
            std::env::set_var(key, value);
            value.to_owned()
        }
    }
}

/// Without compositing, this process draws the page with cairo and needs no
/// GL; yet WebKit opens an EGL display here when it starts the web process
/// (Mesa with libLLVM: ~24 MB PSS, kept after the window closes). glvnd
/// reads its vendor list once per process, at the first EGL call: making
/// that call with an empty list leaves this process without a GL driver,
/// and the web process (which needs one, and aborts without it) starts
/// from the environment as it was. A user's own vendor list is kept.
fn keep_gl_out_of_this_process() {
    if std::env::var_os(EGL_VENDORS).is_some()
        || std::env::var_os("__EGL_VENDOR_LIBRARY_DIRS").is_some()
    {
        return;
    }
    std::env::set_var(EGL_VENDORS, NO_VENDOR);
    let extensions = egl_client_extensions();
    std::env::remove_var(EGL_VENDORS);
    // With no vendor, glvnd's client extensions are its own platforms only.
    tracing::debug!(?extensions, "EGL kept out of the UI process");
}

const EGL_NO_DISPLAY: *mut c_void = std::ptr::null_mut();
const EGL_EXTENSIONS: c_int = 0x3055;

/// Calls `eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS)`, which makes glvnd
/// load its vendors. libEGL is already mapped (WebKit links it); None if it
/// cannot be found.
#[allow(unsafe_code)]
fn egl_client_extensions() -> Option<String> {
    type QueryString = unsafe extern "C" fn(*mut c_void, c_int) -> *const c_char;
    // SAFETY: dlopen/dlsym get NUL-terminated names; the symbol, when
    // found, has eglQueryString's C signature; the handle stays open for
    // the process's life (WebKit holds libEGL anyway).
    unsafe {
        let lib = libc::dlopen(c"libEGL.so.1".as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL);
        if lib.is_null() {
            return None;
        }
        let sym = libc::dlsym(lib, c"eglQueryString".as_ptr());
        if sym.is_null() {
            return None;
        }
        let query: QueryString = std::mem::transmute::<*mut c_void, QueryString>(sym);
        let extensions = query(EGL_NO_DISPLAY, EGL_EXTENSIONS);
        (!extensions.is_null()).then(|| CStr::from_ptr(extensions).to_string_lossy().into_owned())
    }
}
