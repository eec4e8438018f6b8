#!/bin/bash
# The real GUI binary in demo mode under Xvfb + a private session bus + dunst:
# screenshots, and PSS over the app's processes (WebKit's included) with the
# window never opened, open, and closed again. Prints the figures; leaves the
# screenshots and logs in OUT.
#   tests/app/gui-smoke.sh [BIN] [OUT]      (default: target/release/alora-tray, /tmp/alora-gui)
# Needs: xvfb, dbus (dbus-run-session), dunst, imagemagick (import), python3-xlib.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$(realpath "${1:-target/release/alora-tray}")
OUT=${2:-/tmp/alora-gui}
rm -rf "$OUT" && mkdir -p "$OUT"
for d in $(seq 90 120); do [ -e /tmp/.X11-unix/X$d ] || break; done
Xvfb :$d -screen 0 1280x800x24 -nolisten tcp >"$OUT/xvfb.log" 2>&1 &
XVFB=$!
trap 'kill $XVFB 2>/dev/null || true' EXIT
sleep 1
export DISPLAY=:$d BIN OUT HERE
dbus-run-session -- bash -c '
  set -euo pipefail
  export ALORA_TRAY_SOCKET=$OUT/tray.sock XDG_DATA_HOME=$OUT/data XDG_CACHE_HOME=$OUT/cache XDG_CONFIG_HOME=$OUT/config
  dunst >"$OUT/dunst.log" 2>&1 &
  DUNST=$!
  sleep 1
  "$BIN" --demo --minimized >"$OUT/app.log" 2>&1 &
  APP=$!
  sleep 12
  echo "== PSS, window never opened (demo running, popups shown):"; "$HERE/pss.sh" $APP | tee "$OUT/pss-never-opened.txt"
  import -window root "$OUT/shot-tray-only.png"
  "$BIN" open
  sleep 8
  import -window root "$OUT/shot-window.png"
  echo "== PSS, window open:"; "$HERE/pss.sh" $APP | tee "$OUT/pss-open.txt"
  "$HERE/close-window.py" Alora
  sleep 4
  echo "== PSS, window closed again:"; "$HERE/pss.sh" $APP | tee "$OUT/pss-closed.txt"
  "$BIN" quit
  wait $APP
  echo "app exited with $?"
  kill $DUNST 2>/dev/null || true
'
echo "screenshots and logs in $OUT"
