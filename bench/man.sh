#!/bin/bash
# bench/man.sh: the figures of the portal's man pages on this machine.
#
#   bench/man.sh [SECONDS]     (wrk duration per run, default 10)
#
# Starts docserve --system-docs on 127.0.0.1 (port 0) with the machine's man
# pages and a scratch --doc-dir, then measures with curl: the first /man/
# (the scan of the man roots), /man/1/ cold and warm, bash(1) cold (one
# render) and cached; then with wrk (2 threads, 16 connections): the
# cached bash(1) page against a static file of the same bytes served from
# /doc/.  Prints one line per figure.  Only the process started here is
# stopped.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/common.sh
. "$SCRIPT_DIR/common.sh"
find_docserve man.sh
secs=${1:-10}
command -v wrk >/dev/null || { echo "man.sh: wrk is not installed" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/docserve-bench-man.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
mkdir "$tmp/doc"
"$DS_BIN" --system-docs --doc-dir="$tmp/doc" --port=0 --access-log=none 2>"$tmp/err" &
pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/err" | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$tmp/err" >&2; exit 1; }
base="http://127.0.0.1:$port"

t() { curl -s -o "${2:-/dev/null}" -w '%{time_total}' "$base$1"; }
echo "renderer: $(command -v mandoc >/dev/null && echo mandoc || echo groff)"
echo "first /man/ (scan of the roots): $(t /man/) s"
echo "/man/1/ cold: $(t /man/1/) s, warm: $(t /man/1/) s"
echo "bash(1) cold: $(t /man/1/bash "$tmp/bash.html") s, cached: $(t /man/1/bash) s ($(stat -c %s "$tmp/bash.html") bytes)"
cp "$tmp/bash.html" "$tmp/doc/bash.html"

rate() { wrk -t2 -c16 -d"${secs}s" "$base$1" | awk '/Requests\/sec/ { print $2 }'; }
man_rate=$(rate /man/1/bash)
static_rate=$(rate /doc/bash.html)
echo "wrk ${secs}s -t2 -c16: cached bash(1) $man_rate req/s, static file of the same bytes $static_rate req/s, ratio $(awk -v a="$man_rate" -v b="$static_rate" 'BEGIN { printf "%.2f", a / b }')"
