#!/bin/sh
# Runs a command with an unlocked gnome-keyring (Secret Service, its keyring
# in a fresh temp dir) on the current session bus, e.g.:
#   dbus-run-session -- tests/app/with-keyring.sh cargo test -p alora-tray --test app keyring
set -eu
store=$(mktemp -d)
printf 'alora-test' | XDG_DATA_HOME="$store" gnome-keyring-daemon --unlock --components=secrets >/dev/null
exec "$@"
