#!/usr/bin/env bash
# Runs the WebDriver suite: the real debug app (target/debug/alora-tray, which
# embeds ui/dist) through tauri-driver + WebKitWebDriver, against the embedded
# backend (target/debug/alora-backend). Needs a display and a session bus:
#
#   xvfb-run -a dbus-run-session -- tests/webdriver/run.sh
#
# Builds only what is missing (normally `make test-webdriver` has built it all)
# and installs nothing. ALORA_TRAY_BIN, ALORA_BACKEND_BIN and TAURI_DRIVER
# override the paths. Screenshots land in tests/webdriver/screenshots/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export ALORA_TRAY_BIN=${ALORA_TRAY_BIN:-$root/target/debug/alora-tray}
export ALORA_BACKEND_BIN=${ALORA_BACKEND_BIN:-$root/target/debug/alora-backend}
if [ -z "${TAURI_DRIVER:-}" ]; then
  TAURI_DRIVER=$(PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin" command -v tauri-driver) ||
    { echo "run.sh: tauri-driver is missing: cargo install --locked tauri-driver" >&2; exit 1; }
fi
export TAURI_DRIVER

command -v WebKitWebDriver >/dev/null ||
  { echo "run.sh: WebKitWebDriver is missing: apt-get install webkit2gtk-driver" >&2; exit 1; }
[ -n "${DISPLAY:-}" ] && [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] ||
  { echo "run.sh: needs a display and a session bus: xvfb-run -a dbus-run-session -- $0" >&2; exit 1; }

if [ ! -f "$root/ui/dist/index.html" ] && [ ! -x "$ALORA_TRAY_BIN" ]; then
  (cd "$root/ui" && npm run build)
fi
if [ ! -x "$ALORA_TRAY_BIN" ] || [ ! -x "$ALORA_BACKEND_BIN" ]; then
  (cd "$root" && cargo build -p alora-tray -p alora-backend --bin alora-tray --bin alora-backend)
fi

cd "$here"
exec node --test --test-concurrency=1 app.test.mjs demo.test.mjs
