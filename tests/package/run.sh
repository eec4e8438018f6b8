#!/usr/bin/env bash
# make package-test: the .deb and .rpm that `make package` built, checked as
# a user and a distribution would meet them. Runs as root on the CI machine
# (it installs the .deb), inside xvfb-run (dunst, the notification server,
# needs a display) and a private dbus-run-session (see the Makefile).
#  1. the .deb's file list, control fields and desktop entry
#     (desktop-file-validate);
#  2. `apt-get install ./alora-tray_*.deb`, then the installed
#     /usr/bin/alora-tray: --version, and --headless --demo for a few
#     seconds, whose popups must name the installed desktop entry
#     (desktop-entry hint, read off the bus with dbus-monitor) and whose
#     log lands in its file;
#  3. `apt-get remove`: nothing of the package left in /usr;
#  4. the .rpm's file list and header (rpm -qlp, rpm -qp).
set -euo pipefail
cd "$(dirname "$0")/../.."
app_id=com.alora.tray
bundle=target/release/bundle
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "package-test: FAIL: $*" >&2; exit 1; }
ok() { echo "package-test: ok: $*"; }
one() { # exactly one file matches
  local found=("$@")
  [ "${#found[@]}" -eq 1 ] && [ -f "${found[0]}" ] || fail "want one package, found: ${found[*]}"
  echo "${found[0]}"
}
deb=$(one "$bundle"/deb/alora-tray_*_amd64.deb)
rpm=$(one "$bundle"/rpm/alora-tray-*.x86_64.rpm)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)

# 1. The .deb as built.
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' | grep -v '/$' | sort >"$work/deb-files"
want=(/usr/bin/alora-tray "/usr/share/applications/$app_id.desktop"
  /usr/share/icons/hicolor/scalable/apps/alora-tray.svg /usr/share/doc/alora-tray/copyright)
for s in 16 24 32 48 64 128 256 512; do want+=("/usr/share/icons/hicolor/${s}x${s}/apps/alora-tray.png"); done
for f in "${want[@]}"; do grep -qxF "$f" "$work/deb-files" || fail "$f is not in the .deb"; done
extra=$(printf '%s\n' "${want[@]}" | sort | comm -13 - "$work/deb-files")
[ -z "$extra" ] || fail "the .deb holds more than it should: $extra"
ok ".deb holds ${#want[@]} files: the binary, $app_id.desktop, 8 PNG sizes and the SVG, the copyright"

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = alora-tray ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version), want $version"
for dep in libssl3 libwebkit2gtk-4.1-0 libgtk-3-0 libayatana-appindicator3-1; do
  field Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -qxF "$dep" || fail "Depends lacks $dep: $(field Depends)"
done
field Recommends | grep -q gnome-keyring || fail "Recommends lacks a Secret Service: $(field Recommends)"
field Recommends | grep -q notification-daemon || fail "Recommends lacks a notification daemon: $(field Recommends)"
for f in Maintainer Homepage Description; do [ -n "$(field "$f")" ] || fail "no $f"; done
ok "control: Depends: $(field Depends); Recommends: $(field Recommends)"

mkdir -p "$work/deb"
dpkg-deb -x "$deb" "$work/deb"
desktop-file-validate "$work/deb/usr/share/applications/$app_id.desktop" || fail "desktop-file-validate"
grep -qx "StartupWMClass=$app_id" "$work/deb/usr/share/applications/$app_id.desktop" || fail "StartupWMClass"
ok "desktop-file-validate: $app_id.desktop is valid, StartupWMClass=$app_id"

# 2. Installed.
[ "$(id -u)" -eq 0 ] || fail "run as root: the test installs the .deb"
if dpkg-query -W -f='${Status}' alora-tray 2>/dev/null | grep -q "install ok installed"; then
  fail "alora-tray is installed already: remove it first (apt-get remove alora-tray)"
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "./$deb" >"$work/apt.log" 2>&1 ||
  { cat "$work/apt.log"; fail "apt-get install"; }
ok "apt-get install ./$(basename "$deb")"
removed=0
remove() {
  ((removed)) && return
  removed=1
  DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq alora-tray >"$work/apt.log" 2>&1 ||
    { cat "$work/apt.log"; fail "apt-get remove"; }
}
trap 'remove; cleanup' EXIT

got=$(/usr/bin/alora-tray --version)
[ "$got" = "alora-tray $version" ] || fail "--version says '$got'"
/usr/bin/alora-tray --help | grep -q -- --headless || fail "--help"
ok "/usr/bin/alora-tray --version: $got"

[ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ -n "${DISPLAY:-}" ] ||
  fail "no session bus or display: run under xvfb-run and dbus-run-session (make package-test)"
home=$work/home
mkdir -p "$home"
dbus-monitor --session "type='method_call',interface='org.freedesktop.Notifications',member='Notify'" \
  >"$work/notify.log" 2>&1 &
pids+=($!)
HOME=$home dunst >"$work/dunst.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
  gdbus call --session -d org.freedesktop.DBus -o /org/freedesktop/DBus \
    -m org.freedesktop.DBus.NameHasOwner org.freedesktop.Notifications 2>/dev/null | grep -q true && break
  sleep 0.1
done
env -i PATH=/usr/bin:/bin HOME="$home" DISPLAY="$DISPLAY" DBUS_SESSION_BUS_ADDRESS="$DBUS_SESSION_BUS_ADDRESS" \
  XDG_RUNTIME_DIR="$work" /usr/bin/alora-tray --headless --demo >"$work/app.log" 2>&1 &
app=$!
pids+=("$app")
for _ in $(seq 150); do
  grep -q '"desktop-entry"' "$work/notify.log" && break
  sleep 0.1
done
sleep 1
kill "$app" 2>/dev/null || true
wait "$app" 2>/dev/null || true
popups=$(grep -c 'member=Notify' "$work/notify.log" || true)
[ "$popups" -gt 0 ] || { cat "$work/app.log"; fail "no popup in 15 s"; }
# Each Notify's hints hold `string "desktop-entry"`, then `variant string "<id>"`.
entries=$(grep -c '"desktop-entry"' "$work/notify.log" || true)
[ "$entries" -eq "$popups" ] || fail "$popups popups, $entries with a desktop-entry hint"
hints=$(grep -A1 '"desktop-entry"' "$work/notify.log" | grep 'variant' | sed 's/.*string "\(.*\)"/\1/' | sort -u)
[ "$hints" = "$app_id" ] || fail "the popups' desktop-entry hints: $hints"
ok "installed --headless --demo: $popups popups, each with desktop-entry $app_id"
logs=$home/.local/state/$app_id/logs
grep -q "running headless" "$logs"/alora-tray.*.log || fail "no log file in $logs"
ok "its log is in ~/.local/state/$app_id/logs/: $(ls "$logs")"

# 3. Removed: nothing of it in /usr.
remove
left=()
while read -r f; do [ -e "$f" ] && left+=("$f"); done <"$work/deb-files"
((${#left[@]} == 0)) || fail "left after apt-get remove: ${left[*]}"
[ ! -e /usr/share/doc/alora-tray ] || fail "/usr/share/doc/alora-tray is left"
ok "apt-get remove alora-tray: none of its ${#want[@]} files left in /usr"

# 4. The .rpm.
rpm -qlp "$rpm" 2>/dev/null | sort >"$work/rpm-files"
rwant=("${want[@]/\/usr\/share\/doc\/alora-tray\/copyright/}")
for f in "${rwant[@]}"; do [ -z "$f" ] || grep -qxF "$f" "$work/rpm-files" || fail "$f is not in the .rpm"; done
[ "$(rpm -qp --qf '%{NAME} %{VERSION} %{LICENSE}' "$rpm" 2>/dev/null)" = "alora-tray $version MIT" ] ||
  fail "rpm header: $(rpm -qp --qf '%{NAME} %{VERSION} %{LICENSE}' "$rpm")"
requires=$(rpm -qp --requires "$rpm" 2>/dev/null | grep -v '^rpmlib(' | tr '\n' ' ')
for dep in openssl-libs webkit2gtk4.1 gtk3 libayatana-appindicator-gtk3; do
  [[ " $requires " == *" $dep "* ]] || fail "the .rpm does not require $dep: $requires"
done
ok ".rpm holds $(wc -l <"$work/rpm-files") files, $app_id.desktop among them; Requires: $requires"
echo "package-test: all checks passed"
