#!/bin/bash
# slowloris.sh: docserve under slow-client attacks (slowhttptest) while a
# normal client measures what real users get.
#
#   tests/slowloris.sh [--quick] [--bin PATH] [--connections N] [--duration SECS]
#                      [--timeout SECS] [--max-connections N] [--per-ip N] [--no-install]
#
# One docserve (--timeout 15 --max-connections 4096 by default; --per-ip N
# adds --max-connections-per-ip N) on 127.0.0.1, a fresh docroot.  Three phases, each with its own probe:
#   H  slow headers (Slowloris): slowhttptest -H, N connections (1000), follow-up
#      header bytes every 10 s, 200 new connections/s, for --duration (60 s;
#      --quick: 15 s);
#   B  slow body (R-U-Dead-Yet) with GET (docserve reads and drops a GET body;
#      a POST would be refused with 405 at once, which proves nothing);
#   X  slow read: tiny advertised windows, reading a 1 MiB file a few bytes at
#      a time.
#   B and X run with N/2 connections for a third of --duration, at least 8 s
#   and (without --quick) at least 2 x --timeout + 5 s, so that the request
#   deadline can be seen cutting slow bodies.
# The probe is curl bound to 127.0.0.2 (--interface), one request every
# 100 ms, each started on time whatever the previous one does, each bounded
# by 5 s.  A request succeeds if it gets 200 within 1 s.  Per phase: success
# rate, p50/p99/max latency, the attack's connection counts (from
# slowhttptest's CSV), and the daemon's RSS and thread count (sampled every
# second).  Exit status: 0 if every phase reached 99 % and docserve exited 0
# on SIGTERM, 1 otherwise, 2 on a setup problem.
#
# Everything runs on loopback; slowhttptest is installed with apt-get if it
# is missing (root only; --no-install refuses).  Only the processes this
# script starts are killed, by PID.  Needs: bash, curl, awk, slowhttptest.
set -u

quick=0
bin="${DOCSERVE_BIN:-}"
conns=1000
duration=""
timeout=15
maxconn=4096
perip=0
install=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --bin) bin="$2"; shift ;;
    --connections) conns="$2"; shift ;;
    --duration) duration="$2"; shift ;;
    --timeout) timeout="$2"; shift ;;
    --max-connections) maxconn="$2"; shift ;;
    --per-ip) perip="$2"; shift ;;
    --no-install) install=0 ;;
    -h|--help) sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//; /^set -u/d'; exit 0 ;;
    *) echo "slowloris.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$duration" ]; then
  if [ "$quick" = 1 ]; then duration=15; else duration=60; fi
fi
# B and X: long enough to see the request deadline (2 x --timeout) cut slow
# bodies, except with --quick.
side=$(( duration / 3 )); [ "$side" -lt 8 ] && side=8
if [ "$quick" = 0 ] && [ "$side" -lt $(( 2 * timeout + 5 )) ]; then side=$(( 2 * timeout + 5 )); fi
side_conns=$(( conns / 2 ))

here=$(cd "$(dirname "$0")/.." && pwd)
[ -n "$bin" ] || bin="$here/docserve"
if [ ! -x "$bin" ]; then
  echo "slowloris.sh: no docserve binary at $bin (build it, or pass --bin)" >&2
  exit 2
fi
for tool in curl awk; do
  command -v "$tool" >/dev/null || { echo "slowloris.sh: $tool is required" >&2; exit 2; }
done
if ! command -v slowhttptest >/dev/null; then
  if [ "$install" = 1 ] && [ "$(id -u)" = 0 ]; then
    echo "slowloris.sh: installing slowhttptest (apt-get)"
    DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -q slowhttptest >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -q slowhttptest >/dev/null; }
  fi
  command -v slowhttptest >/dev/null || {
    echo "slowloris.sh: slowhttptest is missing (apt-get install slowhttptest)" >&2; exit 2; }
fi

# Room for the attack's sockets (and the daemon's, which it raises itself).
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ]; then ulimit -n 65536; else ulimit -n "$hard"; fi
if [ "$(ulimit -n)" -le $(( conns + 64 )) ]; then
  echo "slowloris.sh: open file limit $(ulimit -n) is too low for $conns connections" >&2
  exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/docserve-slowloris-XXXXXX")
pids=()
daemon_pid=""
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  if [ -n "$daemon_pid" ]; then kill -KILL "$daemon_pid" 2>/dev/null; fi
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkdir -p "$tmp/root"
printf '<!DOCTYPE html><title>probe</title>\n' >"$tmp/root/index.html"
head -c 1048576 /dev/urandom >"$tmp/root/big.bin"

"$bin" --port 0 --address 127.0.0.1 --timeout "$timeout" --max-connections "$maxconn" \
  --max-connections-per-ip "$perip" --access-log none "$tmp/root" 2>"$tmp/daemon.err" &
daemon_pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's|^Serving .* at http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/daemon.err")
  [ -n "$port" ] && break
  kill -0 "$daemon_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "slowloris.sh: docserve did not start:" >&2
  cat "$tmp/daemon.err" >&2
  exit 2
fi
url="http://127.0.0.1:$port"
if ! curl --noproxy '*' -s -o /dev/null --interface 127.0.0.2 -m 5 "$url/"; then
  echo "slowloris.sh: cannot reach $url from 127.0.0.2" >&2
  exit 2
fi

proc_field() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$daemon_pid/status" 2>/dev/null; }

echo "docserve $("$bin" --version | head -1 | cut -d' ' -f2) (pid $daemon_pid) at $url:" \
  "--timeout $timeout --max-connections $maxconn --max-connections-per-ip $perip"
echo "start: RSS $(proc_field VmRSS) KiB, $(proc_field Threads) threads," \
  "$(ls /proc/$daemon_pid/fd | wc -l) fds"

# probe OUT STOPFILE: one curl every 100 ms from 127.0.0.2 until STOPFILE exists.
probe() {
  local out="$1" stop="$2" next now gap
  next=${EPOCHREALTIME/./}
  while [ ! -e "$stop" ]; do
    curl --noproxy '*' --interface 127.0.0.2 -s -o /dev/null -m 5 \
      -w '%{http_code} %{time_total}\n' "$url/index.html" >>"$out" 2>/dev/null &
    # On the 100 ms grid, whatever fork and exec cost.
    next=$(( next + 100000 ))
    now=${EPOCHREALTIME/./}
    gap=$(( next - now ))
    if [ "$gap" -gt 0 ]; then sleep "0.$(printf '%06d' "$gap")"; else next=$now; fi
  done
  wait
}

# sampler OUT STOPFILE: "rss_kib threads" of the daemon every second.
sampler() {
  local out="$1" stop="$2"
  while [ ! -e "$stop" ] && kill -0 "$daemon_pid" 2>/dev/null; do
    echo "$(proc_field VmRSS) $(proc_field Threads)" >>"$out"
    sleep 1
  done
}

failed=0

# phase NAME DESCRIPTION SLOWHTTPTEST-ARGS...
phase() {
  local name="$1" what="$2"
  shift 2
  local dir="$tmp/$name"
  mkdir -p "$dir"
  : >"$dir/probe"
  probe "$dir/probe" "$dir/stop" &
  local probe_pid=$!
  sampler "$dir/samples" "$dir/stop" &
  local sampler_pid=$!
  pids+=("$probe_pid" "$sampler_pid")

  timeout $(( ${LEN:-60} + 30 )) slowhttptest "$@" -u "$url${TARGET:-/}" -p 3 -g -o "$dir/attack" \
    >"$dir/attack.out" 2>&1 &
  local attack_pid=$!
  pids+=("$attack_pid")
  wait "$attack_pid"
  local attack_rc=$?
  touch "$dir/stop"
  wait "$probe_pid" "$sampler_pid"

  echo
  echo "== $name: $what"
  if [ "$attack_rc" != 0 ]; then
    echo "   slowhttptest exited $attack_rc:"; tail -5 "$dir/attack.out" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g; s/^/   | /'
  fi
  local why
  why=$(sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$dir/attack.out" | sed -n 's/^Exit status: *//p' | tail -1)
  [ -n "$why" ] && echo "   slowhttptest stopped: $why"
  if [ -s "$dir/attack.csv" ]; then
    # Seconds,Closed,Pending,Connected,Service Available
    awk -F, 'NR > 1 { if ($4 > max) { max = $4; at = $1 } last = $0 }
             END { split(last, f, ","); printf "   attack: peak %d connections open (second %d); at the end (second %d): %d open, %d closed by the server side, %d pending\n", max, at, f[1], f[4], f[2], f[3] }' \
      "$dir/attack.csv"
  fi
  local verdict
  verdict=$(awk '
    { n++; t = $2 + 0; ok = ($1 == "200" && t < 1.0); if (ok) good++; else bad++
      lat[n] = t; if (t > max) max = t }
    END {
      if (n == 0) { print "none"; exit }
      # sort latencies (insertion sort: a few thousand values at most)
      for (i = 2; i <= n; i++) { v = lat[i]; j = i - 1; while (j > 0 && lat[j] > v) { lat[j + 1] = lat[j]; j-- } lat[j + 1] = v }
      p50 = lat[int((n - 1) * 0.50) + 1]; p99 = lat[int((n - 1) * 0.99) + 1]
      rate = 100.0 * good / n
      printf "%.2f %d %d %.1f %.1f %.1f\n", rate, n, bad, p50 * 1000, p99 * 1000, max * 1000
    }' "$dir/probe")
  if [ "$verdict" = none ]; then
    echo "   probe: no requests made"
    failed=1
    return
  fi
  read -r rate n bad p50 p99 max <<<"$verdict"
  local codes
  codes=$(awk '{ c[$1]++ } END { for (k in c) { printf "%s%s x%d", sep, k, c[k]; sep = ", " } }' "$dir/probe")
  echo "   probe (127.0.0.2, every 100 ms): $n requests, success (200 within 1 s) $rate %," \
    "$bad failed; latency p50 $p50 ms, p99 $p99 ms, max $max ms; statuses: $codes"
  if [ -s "$dir/samples" ]; then
    awk '{ if ($1 > rss) rss = $1; if ($2 > th) th = $2 } END { printf "   daemon: peak RSS %d KiB, peak %d threads\n", rss, th }' "$dir/samples"
  fi
  if ! kill -0 "$daemon_pid" 2>/dev/null; then
    echo "   docserve DIED"
    failed=1
  fi
  if awk -v r="$rate" 'BEGIN { exit !(r < 99.0) }'; then
    echo "   FAIL: success rate $rate % < 99 %"
    failed=1
  fi
  # Let the attack's connections drain before the next phase.
  sleep 2
}

LEN=$duration phase H "slow headers (Slowloris): $conns connections, a header byte every 10 s, ${duration} s" \
  -H -c "$conns" -i 10 -r 200 -l "$duration"
LEN=$side phase B "slow body (GET, Content-Length 100000): $side_conns connections, ${side} s" \
  -B -t GET -s 100000 -c "$side_conns" -i 5 -r 200 -l "$side"
LEN=$side TARGET=/big.bin phase X "slow read (window 64-256 B, 32 B every 2 s) of 1 MiB: $side_conns connections, ${side} s" \
  -X -c "$side_conns" -r 200 -w 64 -y 256 -n 2 -z 32 -k 2 -l "$side"

echo
echo "end: RSS $(proc_field VmRSS) KiB, $(proc_field Threads) threads, $(ls /proc/$daemon_pid/fd 2>/dev/null | wc -l) fds"
kill -TERM "$daemon_pid" 2>/dev/null
st=""
for _ in $(seq 300); do
  if ! kill -0 "$daemon_pid" 2>/dev/null; then
    wait "$daemon_pid"; st=$?; break
  fi
  sleep 0.1
done
daemon_pid_done="$daemon_pid"
if [ -z "$st" ]; then
  echo "docserve did not exit within 30 s of SIGTERM"
  failed=1
else
  daemon_pid=""
  echo "docserve (pid $daemon_pid_done) exited $st on SIGTERM"
  [ "$st" = 0 ] || failed=1
fi
if grep -v '^Serving ' "$tmp/daemon.err" | grep -q .; then
  echo "docserve stderr ($(grep -vc '^Serving ' "$tmp/daemon.err") lines; distinct, with counts):"
  grep -v '^Serving ' "$tmp/daemon.err" | sort | uniq -c | sort -rn | head -10 | sed 's/^/   | /'
fi
if [ "$failed" = 0 ]; then echo "slowloris.sh: PASS"; else echo "slowloris.sh: FAIL"; fi
exit "$failed"
