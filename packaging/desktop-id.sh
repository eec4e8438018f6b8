#!/usr/bin/env bash
# The Tauri bundler names the desktop entry after productName
# (alora-tray.desktop), and productName also names the packages
# (alora-tray_*.deb, Package: alora-tray). The app id is com.alora.tray
# (crates/desktop/src/app_id.rs): the popups' desktop-entry hint and GNOME's
# window matching look for com.alora.tray.desktop. So the bundler's .deb and
# .rpm are repacked here with the entry under that name; nothing else in
# them changes (same files, modes, control fields, dependencies).
# Usage: packaging/desktop-id.sh target/release/bundle
set -euo pipefail
bundle=$1
from=usr/share/applications/alora-tray.desktop
to=usr/share/applications/com.alora.tray.desktop

for deb in "$bundle"/deb/*.deb; do
  work=$(mktemp -d)
  dpkg-deb -R "$deb" "$work/root"
  mv "$work/root/$from" "$work/root/$to"
  (cd "$work/root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
    xargs -0 md5sum >DEBIAN/md5sums)
  dpkg-deb --root-owner-group -Zgzip -b "$work/root" "$deb" >/dev/null
  rm -rf "$work"
  echo "desktop-id: $deb has /$to"
done

for rpm in "$bundle"/rpm/*.rpm; do
  work=$(mktemp -d)
  mkdir -p "$work/root" "$work/top"
  rpm2archive - <"$rpm" | tar -xz -C "$work/root"
  mv "$work/root/$from" "$work/root/$to"
  q() { rpm -qp --qf "$1" "$rpm"; }
  {
    echo "Name: $(q '%{NAME}')"
    echo "Version: $(q '%{VERSION}')"
    echo "Release: $(q '%{RELEASE}')"
    echo "Summary: $(q '%{SUMMARY}')"
    echo "License: $(q '%{LICENSE}')"
    echo "URL: $(q '%{URL}')"
    # The bundler's dependencies, as they are; none derived again here.
    echo "AutoReqProv: no"
    rpm -qp --requires "$rpm" | grep -v '^rpmlib(' | sed 's/^/Requires: /'
    echo "%description"
    q '%{DESCRIPTION}'
    echo
    echo "%install"
    echo "cp -a $work/root/. %{buildroot}/"
    echo "%files"
    (cd "$work/root" && find . -type f -printf '/%P\n' | sort)
  } >"$work/spec"
  rpmbuild -bb --quiet --define "_topdir $work/top" --define "debug_package %{nil}" \
    --define "__strip /bin/true" --define "_build_id_links none" \
    --define "__brp_mangle_shebangs /bin/true" "$work/spec"
  cp "$work"/top/RPMS/*/*.rpm "$rpm"
  rm -rf "$work"
  echo "desktop-id: $rpm has /$to"
done
