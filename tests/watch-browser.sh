#!/bin/bash
# watch-browser.sh: --watch live reload in a real browser (headless Chromium).
#
#   tests/watch-browser.sh [CHANGES]
#
#   CHANGES  how many page changes to time (default 20)
#
# Environment:
#   DOCSERVE_BIN     the binary (default: ./docserve next to tests/)
#   CHROMIUM         the browser (default: chromium; installed with
#                    "apt-get install -y chromium" when missing and root)
#   WATCH_TIMEOUT    seconds allowed for the whole run (default 120)
#   WATCH_ARGS       more docserve options, e.g. "--workers 2"
#
# docserve --watch serves a temp tree with page.html (a heading with a
# version, a stylesheet, and a script that reports to the server by
# requesting /r/load?... once per load and /r/tick?... every 200 ms with the
# page load's random id, a counter and the heading's computed colour; those
# requests answer 404 and show up in the access log, which is all this
# script reads: it never requests a page itself).  One Chromium opens
# page.html and stays open.  Then:
#   - CHANGES times: page.html is rewritten with the next version; the
#     browser must load the new version by itself (a new /r/load with it),
#     within 2 s; measured (median and p95 printed): the time from the write
#     to Chromium's request for the page (the reload; the access log is in
#     JSON, whose times have milliseconds), whose median must be under half
#     a second (single ones vary with the machine's load), and to the
#     reloaded page's script running;
#   - style.css is rewritten with another colour: the heading must take the
#     new colour in the same page load (same id, the counter going on: no
#     reload), Chromium must have fetched the stylesheet again with
#     reload.js's cache-busting query, and page.html must not have been
#     requested again.
# Prints one PASS/FAIL line per check and "N passed, N failed"; exit 0 when
# all pass, 1 when one fails, 2 on a setup problem.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bin="${DOCSERVE_BIN:-$here/docserve}"
chromium="${CHROMIUM:-chromium}"
changes="${1:-20}"
limit="${WATCH_TIMEOUT:-120}"

setup_fail() {
  echo "watch-browser: setup: $*" >&2
  echo "0 passed, 1 failed"
  exit 2
}

[ -x "$bin" ] || setup_fail "no docserve binary at $bin (build it or set DOCSERVE_BIN)"
command -v python3 >/dev/null || setup_fail "python3 is required"
if ! command -v "$chromium" >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "watch-browser: SKIP: $chromium is not installed and we are not root to install it"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
  fi
  echo "watch-browser: installing chromium (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || setup_fail "apt-get install chromium failed"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/docserve-watch-browser.XXXXXX")
ds_pid=
br_pid=
stop_pid() {
  local pid="$1"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
}
cleanup() {
  stop_pid "$br_pid"
  stop_pid "$ds_pid"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
deadline=$(( $(date +%s) + limit ))

root="$tmp/root"
log="$tmp/access.log"
mkdir "$root"
write_page() {
  cat >"$root/page.html.tmp" <<EOF
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>watch</title>
<link rel="stylesheet" href="style.css"></head>
<body><h1 id="h">$1</h1>
<script>
var id = Math.random().toString(36).slice(2), n = 0;
function report(kind, extra) {
  new Image().src = '/r/' + kind + '?id=' + id + '&n=' + n + '&' + extra + '&t=' + Date.now();
}
report('load', 'v=' + document.getElementById('h').textContent);
setInterval(function () {
  n++;
  report('tick', 'color=' + encodeURIComponent(getComputedStyle(document.getElementById('h')).color));
}, 200);
</script>
</body></html>
EOF
  # Written in place, as most generators do (IN_CLOSE_WRITE).
  cat "$root/page.html.tmp" >"$root/page.html"
  rm -f "$root/page.html.tmp"
}
write_page v0
echo 'h1 { color: rgb(255, 0, 0); }' >"$root/style.css"

# shellcheck disable=SC2086
"$bin" --watch --port 0 --address 127.0.0.1 --access-log "$log" --log-format json \
  ${WATCH_ARGS:-} "$root" 2>"$tmp/err" &
ds_pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's|^Serving .* at http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/err")
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || setup_fail "docserve did not start: $(cat "$tmp/err")"

mkdir "$tmp/profile"
timeout -k 5 "$limit" "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
  --no-first-run --disable-background-networking --disable-component-update --disable-sync \
  --disable-extensions --user-data-dir="$tmp/profile" --remote-debugging-port=0 \
  "http://127.0.0.1:$port/page.html" >/dev/null 2>"$tmp/chromium.err" </dev/null &
br_pid=$!

passed=0
failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
now_ms() { date +%s%3N; }

# wait_log REGEX SECONDS: waits until the access log has a line matching
# REGEX; prints the first such line.
wait_log() {
  local end=$(( $(now_ms) + $2 * 1000 ))
  while [ "$(now_ms)" -lt "$end" ] && [ "$(date +%s)" -lt "$deadline" ]; do
    if grep -m1 -E "$1" "$log" 2>/dev/null; then return 0; fi
    sleep 0.02
  done
  return 1
}
field() { sed -n "s/.*[?&]$1=\([^& \"]*\).*/\1/p" <<<"$2"; }

if ! line=$(wait_log '"target":"/r/load\?[^"]*v=v0' 30); then
  fail "Chromium did not load page.html (its stderr: $(grep -v -i dbus "$tmp/chromium.err" | tail -3))"
  echo "$passed passed, $failed failed"
  exit 1
fi
pass "Chromium loaded page.html with the script injected"

# Page changes: the browser reloads by itself.
: >"$tmp/latencies"
: >"$tmp/writes"
ok=0
for i in $(seq 1 "$changes"); do
  sleep 0.3
  t0=$(now_ms)
  write_page "v$i"
  echo "$t0" >>"$tmp/writes"
  if line=$(wait_log "\"target\":\"/r/load\\?[^\"]*v=v$i&" 2); then
    t=$(field t "$line")
    echo $((t - t0)) >>"$tmp/latencies"
    ok=$((ok + 1))
  fi
done
if [ "$ok" -eq "$changes" ]; then
  pass "the page showed each of $changes changes by itself (within 2 s each)"
else
  fail "the page showed only $ok of $changes changes"
fi
page_gets=$(grep -c '"target":"/page.html"' "$log" || true)
if [ "$page_gets" -eq $((changes + 1)) ]; then
  pass "page.html was requested $page_gets times, all by Chromium (1 + one per change)"
else
  fail "page.html was requested $page_gets times, expected $((changes + 1))"
fi
if [ -s "$tmp/latencies" ]; then
  # The page requests after the first, one per change, against the writes.
  python3 - "$tmp/writes" "$log" "$tmp/latencies" "$tmp/reloads" <<'EOF'
import datetime, json, statistics, sys
writes = [int(x) for x in open(sys.argv[1])]
gets = []
for line in open(sys.argv[2]):
    rec = json.loads(line)
    if rec["target"] == "/page.html":
        gets.append(int(datetime.datetime.fromisoformat(rec["time"]).timestamp() * 1000))
reloads = [g - w for w, g in zip(writes, gets[1:])]
open(sys.argv[4], "w").write("".join(f"{r}\n" for r in reloads))
def show(what, v):
    v = sorted(v)
    p95 = v[min(len(v) - 1, max(0, -(-95 * len(v) // 100) - 1))]
    print(f"write -> {what}: median {statistics.median(v):.0f} ms, p95 {p95} ms, "
          f"min {v[0]} ms, max {v[-1]} ms over {len(v)} changes")
show("Chromium's reload request", reloads)
show("reloaded page's script running", [int(x) for x in open(sys.argv[3])])
EOF
  median=$(python3 -c 'import statistics, sys; print(int(statistics.median(int(x) for x in open(sys.argv[1]))))' "$tmp/reloads")
  if [ "$median" -lt 500 ]; then
    pass "the reload request came within half a second of the write (median $median ms)"
  else
    fail "the reload request came $median ms after the write (median; more than half a second)"
  fi
fi

# The stylesheet: swapped in place, the page's counter goes on.
last=$(grep -E '"target":"/r/load\?' "$log" | tail -n1)
id=$(field id "$last")
sleep 0.5
before=$(grep -E "\"target\":\"/r/tick\\?id=$id&" "$log" | tail -n1)
n_before=$(field n "$before")
loads_before=$(grep -c '"target":"/r/load?' "$log" || true)
echo 'h1 { color: rgb(0, 128, 0); }' >"$root/style.css"
if line=$(wait_log "\"target\":\"/r/tick\\?id=$id&[^\"]*color=rgb\\(0%2C%20128%2C%200\\)" 3); then
  n_after=$(field n "$line")
  if [ "$n_after" -gt "${n_before:-0}" ]; then
    pass "the new stylesheet applied in the same page load (counter $n_before -> $n_after)"
  else
    fail "counter did not go on: $n_before -> $n_after"
  fi
else
  fail "the heading never took the new colour in page load $id"
fi
sleep 0.5
loads_after=$(grep -c '"target":"/r/load?' "$log" || true)
if [ "$loads_after" -eq "$loads_before" ]; then
  pass "no reload for a stylesheet change"
else
  fail "the page reloaded for a stylesheet change ($loads_before -> $loads_after loads)"
fi
if grep -q '"target":"/style.css?docserve-reload=' "$log"; then
  pass "Chromium fetched style.css again with reload.js's cache-busting query"
else
  fail "no cache-busted style.css request"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
