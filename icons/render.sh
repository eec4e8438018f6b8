#!/bin/sh
# Draws every PNG from the SVG sources in src/, once, with rsvg-convert
# (librsvg2-bin): the app icon at each size the packages install in
# hicolor (16 to 512; 128 is also the popups' icon and the window's) and
# the tray's states at 64. `render.sh DIR` draws into DIR instead, for
# check.sh; the outputs here are checked in.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
mkdir -p "$out"
for size in 16 24 32 48 64 128 256 512; do
  rsvg-convert -w "$size" -h "$size" "$here/src/app.svg" -o "$out/${size}x${size}.png"
done
for f in "$here"/src/tray-*.svg; do
  rsvg-convert -w 64 -h 64 "$f" -o "$out/$(basename "$f" .svg).png"
done
