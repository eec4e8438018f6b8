#!/usr/bin/env bash
# `make bench`: builds what the benchmarks need (the release app and the
# bench, the Node client's packages, the bare Tauri reference app, the
# gotify-tray venv), then runs crates/bench inside a private Xvfb + session
# bus + unlocked keyring, as a desktop session has them. Prints the table;
# writes target/bench/results.json. Extra arguments go to alora-bench
# (e.g. `bench/run.sh --only ingest,latency`).
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}
OUT=target/bench
mkdir -p "$OUT"
start=$(date +%s)

# Debian packages beyond .ci/setup's: the venv module, and the two xcb
# libraries that PyQt6's xcb platform plugin needs (for gotify-tray).
extra=(python3-venv libxcb-icccm4 libxcb-keysyms1 x11-utils)
missing=()
for p in "${extra[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bench: installing ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Node client, from its lockfile (only when the lockfile changed).
client=bench/node-client
if [ ! -f "$client/node_modules/.alora-lock" ] || ! cmp -s "$client/package-lock.json" "$client/node_modules/.alora-lock"; then
  (cd "$client" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$client/package-lock.json" "$client/node_modules/.alora-lock"
fi

echo "bench: building the release app and the bench"
$CARGO build --release -p alora-tray -p alora-bench

echo "bench: building the bare Tauri reference app (its own workspace and target dir)"
bare_args=()
if CARGO_TARGET_DIR="$PWD/$OUT/tauri-bare" $CARGO build --release --locked \
  --manifest-path bench/tauri-bare/Cargo.toml; then
  bare_args=(--bare "$OUT/tauri-bare/release/tauri-bare")
else
  echo "bench: the bare Tauri app did not build; its references will be null"
fi

echo "bench: gotify-tray in a venv"
venv=$OUT/gotify-venv
gotify_args=()
if { [ -x "$venv/bin/gotify-tray" ] || {
  python3 -m venv "$venv" &&
    "$venv/bin/pip" install --disable-pip-version-check -q gotify-tray==0.5.3
}; } >"$OUT/gotify-install.log" 2>&1; then
  gotify_args=(--gotify "$venv/bin/gotify-tray")
else
  gotify_args=(--gotify-unavailable "pip install gotify-tray failed: $(tail -n 1 "$OUT/gotify-install.log")")
fi

# A fresh build leaves gigabytes of dirty pages, written back during the
# first benchmarks; with 3 GB dirty, 2 of 5 ingest pairs stalled for 200-450
# ms with both cores half idle (the app is the client that writes to disk).
echo "bench: writing the build out to disk first (sync)"
sync
echo "bench: running (several minutes; nothing else should load this machine meanwhile)"
xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
  tests/app/with-keyring.sh target/release/alora-bench \
  --app target/release/alora-tray \
  --node-client "$client/client.js" \
  --close-window tests/app/close-window.py \
  --fake-gotify bench/gotify/fake_gotify.py \
  --work "$OUT/work" --out "$OUT/results.json" \
  "${bare_args[@]}" "${gotify_args[@]}" "$@"
echo "bench: done in $(($(date +%s) - start)) s"
