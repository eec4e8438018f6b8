#!/bin/sh
# Renders the PNGs from the SVG sources in src/ (needs rsvg-convert: apt-get install librsvg2-bin).
set -eu
cd "$(dirname "$0")"
rsvg-convert -w 512 -h 512 src/app.svg -o icon.png
rsvg-convert -w 128 -h 128 src/app.svg -o 128x128.png
rsvg-convert -w 32 -h 32 src/app.svg -o 32x32.png
for f in src/tray-*.svg; do
  rsvg-convert -w 64 -h 64 "$f" -o "$(basename "$f" .svg).png"
done
