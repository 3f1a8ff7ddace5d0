#!/bin/bash
# bench/markdown.sh: what rendering Markdown costs (issue #20).
#
#   bench/markdown.sh [SECONDS]     # wrk time per run, default 5
#
# Serves this machine's /usr/share/doc read-only with docserve on 127.0.0.1
# (a free port, --access-log none) and measures, with wrk (1 thread,
# 4 connections, keep-alive):
#   - requests/s for each Markdown file below as the raw file (Accept: */*,
#     what curl sends) and as the rendered page (a browser's Accept);
#   - the time of one rendered request and one raw request (curl's
#     time_total, the median of 21);
#   - the size of the HTML root listing and of the filter script element
#     every HTML listing now carries.
# Needs wrk and curl (apt-get install wrk curl).  Stops only the docserve
# it started.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/common.sh
. "$SCRIPT_DIR/common.sh"
find_docserve markdown.sh
secs=${1:-5}
docs=/usr/share/doc
files=(git/README.md libcgi-pm-perl/README.md.gz nodejs/changelogs/CHANGELOG_V12.md)
browser='Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

command -v wrk >/dev/null || { echo "markdown.sh: wrk is missing (apt-get install wrk)" >&2; exit 1; }
tmp=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

"$DS_BIN" --port 0 --access-log none "$docs" 2>"$tmp/err" &
pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's|^Serving .* at http://127\.0\.0\.1:\([0-9]*\)/$|\1|p' "$tmp/err")
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { cat "$tmp/err" >&2; exit 1; }
base="http://127.0.0.1:$port"

rps() { # URL ACCEPT
  wrk -t1 -c4 -d"${secs}s" -H "$2" "$1" | awk '/^Requests\/sec/ {printf "%.0f", $2}'
}
median_ms() { # URL ACCEPT
  for _ in $(seq 21); do curl -s -o /dev/null -H "$2" -w '%{time_total}\n' "$1"; done \
    | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[11] * 1000}'
}

echo "# docserve $("$DS_BIN" --version | head -n1), $(nproc) cores, wrk -t1 -c4 -d${secs}s"
printf '%-44s %9s %9s %10s %10s %9s %9s\n' file raw_B page_B raw_req/s page_req/s raw_ms page_ms
for f in "${files[@]}"; do
  [ -f "$docs/$f" ] || { echo "(no $docs/$f)"; continue; }
  url="$base/$f"
  raw_b=$(curl -s -H 'Accept: */*' "$url" | wc -c)
  page_b=$(curl -s -H "$browser" "$url" | wc -c)
  printf '%-44s %9s %9s %10s %10s %9s %9s\n' "$f" "$raw_b" "$page_b" \
    "$(rps "$url" 'Accept: */*')" "$(rps "$url" "$browser")" \
    "$(median_ms "$url" 'Accept: */*')" "$(median_ms "$url" "$browser")"
done

listing=$(curl -s -H "$browser" "$base/" | wc -c)
tag='<script src="/.docserve/filter.js" defer></script>'
rows=$(curl -s -H "$browser" "$base/" | grep -c '^<tr><td>' || true)
js=$(curl -s "$base/.docserve/filter.js" | wc -c)
echo "root listing of $docs: $listing bytes, $rows rows; the filter script element: $((${#tag} + 1)) bytes" \
  "(+$(awk -v a=$((${#tag} + 1)) -v b="$listing" 'BEGIN {printf "%.3f", 100 * a / (b - a)}') %);" \
  "/.docserve/filter.js: $js bytes, fetched once (ETag, 304 after)"
