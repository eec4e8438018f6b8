#!/bin/sh
# Sums PSS (kB) over a process and all its descendants (WebKit's web and
# network processes included): tests/app/pss.sh <pid>
set -eu
root=$1
pids=$root
queue=$root
while [ -n "$queue" ]; do
  next=""
  for p in $queue; do
    kids=$(cat /proc/$p/task/*/children 2>/dev/null || true)
    next="$next $kids"; pids="$pids $kids"
  done
  queue=$(echo $next)
done
total=0
for p in $pids; do
  kb=$(awk '/^Pss:/ {print $2}' /proc/$p/smaps_rollup 2>/dev/null || echo 0)
  name=$(cat /proc/$p/comm 2>/dev/null || echo "?")
  echo "$p $name ${kb:-0} kB"
  total=$((total + ${kb:-0}))
done
echo "total $total kB ($((total / 1024)) MB)"
