#!/usr/bin/env bash
# bench/watch.sh: what --watch costs.
#
# Usage: bench/watch.sh [--idle-seconds N] [--tree DIR]
#   --idle-seconds N  how long the idle CPU is sampled (default 60)
#   --tree DIR        the tree watched for the idle figures (default
#                     /usr/share/doc)
# Environment:
#   DOCSERVE          the binary (default <repo>/docserve)
#   BENCH_DURATION    seconds per wrk run (default 5)
#   BENCH_REPS        rounds of the throughput comparison (default 3)
#
# 1. Idle: docserve --watch DIR, started and left alone: the time until it
#    prints its start line (the initial walk adds one inotify watch per
#    directory), the inotify watches it holds (/proc/PID/fdinfo), its RSS,
#    and the CPU time (utime + stime from /proc/PID/stat) it uses over the
#    idle period, with no event stream open and then with one open (the
#    heartbeat every --timeout/2 s); and docserve without --watch for
#    comparison.
# 2. Throughput without streams: wrk (2 threads, 32 connections) for a CSS
#    file and an HTML page against docserve without and with --watch,
#    alternated (the order reversed every other round), BENCH_REPS rounds;
#    the median requests/s per case.  With
#    --watch the HTML page is read into memory and gets the script injected
#    (a different body, so a different cost); the CSS file is served as
#    without it.  Also docserve's CPU time per request (utime + stime over
#    the run / requests), steadier than requests/s on a busy machine.
# Everything runs on 127.0.0.1; the servers started here are stopped on exit.
# The write-to-reload latency in a browser is tests/watch-browser.sh's.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bin="${DOCSERVE:-$here/docserve}"
idle=60
tree=/usr/share/doc
dur="${BENCH_DURATION:-5}"
reps="${BENCH_REPS:-3}"
while [ $# -gt 0 ]; do
  case "$1" in
    --idle-seconds) idle="$2"; shift 2 ;;
    --tree) tree="$2"; shift 2 ;;
    *) echo "usage: $0 [--idle-seconds N] [--tree DIR]" >&2; exit 2 ;;
  esac
done
[ -x "$bin" ] || { echo "no docserve at $bin" >&2; exit 2; }
if ! command -v wrk >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/docserve-bench-watch.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# start NAME ARGS...: starts docserve, sets $pid and $port.
start() {
  local name="$1"; shift
  "$bin" --port 0 --access-log none "$@" 2>"$tmp/$name.err" &
  pid=$!
  pids+=("$pid")
  port=
  for _ in $(seq 1200); do
    port=$(sed -n 's|^Serving .* at http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/$name.err")
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  echo "docserve did not start: $(cat "$tmp/$name.err")" >&2
  exit 1
}
stop() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

echo "== idle: docserve $tree (no --watch), for comparison"
start base "$tree"
sleep 2
c0=$(cpu_ticks "$pid")
sleep "$idle"
c1=$(cpu_ticks "$pid")
echo "without --watch: CPU $(( (c1 - c0) * 1000 / hz )) ms over ${idle} s;" \
  "RSS $(awk '/VmRSS/ { print $2 }' "/proc/$pid/status") KiB"
stop "$pid"

echo "== idle: docserve --watch $tree"
t0=$(date +%s%3N)
start idle --watch "$tree"
t1=$(date +%s%3N)
fd=
for f in /proc/"$pid"/fd/*; do
  if [ "$(readlink "$f")" = "anon_inode:inotify" ]; then fd=$(basename "$f"); break; fi
done
watches=$(grep -c '^inotify wd:' "/proc/$pid/fdinfo/$fd")
dirs=$(find "$tree" -type d 2>/dev/null | wc -l)
echo "start-up (walk + watches): $((t1 - t0)) ms; inotify watches: $watches (one of them on" \
  "the tree's parent); directories under $tree: $dirs"
echo "max_user_watches: $(cat /proc/sys/fs/inotify/max_user_watches)"
sleep 2
c0=$(cpu_ticks "$pid")
sleep "$idle"
c1=$(cpu_ticks "$pid")
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")
echo "no stream: CPU $(( (c1 - c0) * 1000 / hz )) ms over ${idle} s; RSS ${rss} KiB"
curl --noproxy 127.0.0.1 -sN -m $((idle + 5)) "http://127.0.0.1:$port/.docserve/events" \
  >"$tmp/events" &
curl_pid=$!
pids+=("$curl_pid")
sleep 1
c0=$(cpu_ticks "$pid")
sleep "$idle"
c1=$(cpu_ticks "$pid")
echo "one open stream: CPU $(( (c1 - c0) * 1000 / hz )) ms over ${idle} s;" \
  "keep-alive comments received: $(grep -c '^: keep-alive' "$tmp/events" || true)"
stop "$pid"

echo "== throughput without streams (wrk -t2 -c32 -d${dur}s, median of $reps)"
root="$tmp/root"
mkdir "$root"
head -c 4000 /dev/zero | tr '\0' 'x' >"$tmp/fill"
{ echo '<!DOCTYPE html><html><head><title>p</title></head><body><p>'; cat "$tmp/fill"
  echo '</p></body></html>'; } >"$root/page.html"
{ echo 'body {'; cat "$tmp/fill"; echo '}'; } >"$root/style.css"
: >"$tmp/results"
for r in $(seq "$reps"); do
  order="plain watch"
  [ $((r % 2)) -eq 0 ] && order="watch plain"
  for mode in $order; do
    if [ "$mode" = watch ]; then start "$mode$r" --watch "$root"; else start "$mode$r" "$root"; fi
    for f in style.css page.html; do
      c0=$(cpu_ticks "$pid")
      timeout $((dur + 30)) wrk -t2 -c32 -d"${dur}s" "http://127.0.0.1:$port/$f" >"$tmp/wrk"
      c1=$(cpu_ticks "$pid")
      rps=$(awk '/Requests\/sec/ { print $2 }' "$tmp/wrk")
      n=$(awk '/requests in/ { print $1 }' "$tmp/wrk")
      echo "$mode $f $rps $(( (c1 - c0) * 1000000 / hz )) $n" >>"$tmp/results"
    done
    stop "$pid"
  done
done
python3 - "$tmp/results" <<'EOF'
import statistics, sys
runs, cpu = {}, {}
for line in open(sys.argv[1]):
    mode, f, rps, cpu_us, n = line.split()
    runs.setdefault((f, mode), []).append(float(rps))
    cpu.setdefault((f, mode), []).append(int(cpu_us) / int(n))
for f in ("style.css", "page.html"):
    p = statistics.median(runs[(f, "plain")])
    w = statistics.median(runs[(f, "watch")])
    cp = statistics.median(cpu[(f, "plain")])
    cw = statistics.median(cpu[(f, "watch")])
    print(f"{f:10} without --watch {p:7.0f} req/s {cp:5.1f} us CPU/req   with --watch {w:7.0f} req/s "
          f"{cw:5.1f} us CPU/req   ratio {w / p:.3f}   (req/s runs: {runs[(f, 'plain')]} / "
          f"{runs[(f, 'watch')]})")
EOF
