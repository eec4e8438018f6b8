#!/bin/sh
# Fails when a checked-in PNG is not what render.sh draws from its SVG now
# (an SVG edited without rendering, a PNG edited by hand), or when a PNG
# here has no source. Same bytes, or else the same pixels (ImageMagick's
# `compare`): another librsvg may write the same image differently.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$here/render.sh" "$tmp"
status=0
for png in "$tmp"/*.png; do
  name=$(basename "$png")
  if [ ! -f "$here/$name" ]; then
    echo "icons: $name is not checked in (run icons/render.sh)"; status=1; continue
  fi
  cmp -s "$png" "$here/$name" && continue
  diff=$(compare -metric AE "$png" "$here/$name" null: 2>&1 || true)
  if [ "$diff" != "0" ]; then
    echo "icons: $name differs from its SVG by $diff pixels (run icons/render.sh)"; status=1
  fi
done
for png in "$here"/*.png; do
  [ -f "$tmp/$(basename "$png")" ] || { echo "icons: $(basename "$png") has no source in src/"; status=1; }
done
[ "$status" -eq 0 ] && echo "icons: $(ls "$tmp" | wc -l) PNGs match their SVG sources"
exit "$status"
