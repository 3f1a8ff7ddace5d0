#!/usr/bin/env bash
# bench/compare.sh: docserve (thread per connection, and with --workers N)
# against nginx (and optionally lighttpd) in one run, on loopback, with the
# servers alternated so that every ratio comes from runs made side by side on
# the same machine at the same time.
#
# Usage: bench/compare.sh [--quick] [--with-lighttpd] [--keep]
#   --quick          1 round of 2 s per scenario (about 2 minutes; default:
#                    3 rounds of 4 s, about 14 minutes)
#   --with-lighttpd  add lighttpd as a further server (about +33 % time)
#   --keep           keep the temp dir (configs, logs, raw per-run TSV)
# Environment:
#   DOCSERVE         the binary (default ./docserve, else <repo>/docserve)
#   BENCH_DURATION   seconds per wrk/h2load run (default 4, 2 with --quick)
#   BENCH_REPS       repetitions per scenario (default 3, 1 with --quick)
#   BENCH_WORKERS    N for the "dsw" server, docserve --workers N (default 2;
#                    0 leaves that server out)
#   DOCSERVE_COMMIT  what to print as the commit when DOCSERVE is not built
#                    from this checkout (default: this checkout's HEAD)
#   TMPDIR           where the temp dir (docroot with a 100 MiB file) goes
#
# Needs wrk, h2load, nginx, curl and python3; wrk, nghttp2-client (h2load)
# and nginx-light (and lighttpd with --with-lighttpd) are installed with
# apt-get when missing.  Everything runs on 127.0.0.1 with free ports; every
# run is bounded by wrk's -d (h2load: a request count sized for that
# duration) plus a timeout(1) guard; all servers started here are stopped on
# exit.
#
# Servers: ds (docserve, access log off), dsw (the same plus --workers N:
# libmicrohttpd's epoll thread pool instead of a thread per connection), ngx
# (nginx, 2 workers), lig (lighttpd, with --with-lighttpd); the access-log
# scenarios run ds, dslog (docserve with its access log on, one write per
# line), dslogb (the same with --access-log-buffer 64) and ngx.
#
# Method, per scenario: REPS rounds; in each round every server gets one wrk
# run (2 threads, 1 for 1 connection), the order reversed every other round.
# The 304 scenario is timed with h2load --h1 instead, for every server: wrk's
# http-parser waits for a body after a 304 that carries Content-Length, which
# docserve's does (nodejs/http-parser#251).  h2load gets a request count (-n),
# not a duration: with -D, h2load before 1.64 often hangs at the end when the
# server closes keep-alive connections (nghttp2/nghttp2#2250), and all these
# servers close them after 100 requests.  The count is the server's pace in a
# short untimed h2load run times the duration.
# Reported: the median throughput of each server, the median of the per-round
# ratios docserve/nginx and docserve --workers/nginx, the peak RSS during the
# runs (VmHWM, reset through /proc/PID/clear_refs before each run; nginx:
# master + workers summed), and CPU time per request (utime+stime of the
# server's processes from /proc/PID/stat before and after each run, over the
# requests wrk or h2load completed).
# wrk shares the 2 cores with the server under test, so absolute figures are
# lower than on a dedicated client; the ratios are what this script is for.
set -euo pipefail

QUICK=0
WITH_LIGHTTPD=0
KEEP=0
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    --with-lighttpd) WITH_LIGHTTPD=1 ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown argument: $arg (see --help)" >&2; exit 2 ;;
  esac
done

if [ "$QUICK" = 1 ]; then
  DUR=${BENCH_DURATION:-2}
  REPS=${BENCH_REPS:-1}
else
  DUR=${BENCH_DURATION:-4}
  REPS=${BENCH_REPS:-3}
fi
WORKERS=${BENCH_WORKERS:-2}
case "$WORKERS" in
  ''|*[!0-9]*) echo "compare.sh: BENCH_WORKERS=$WORKERS: not a number" >&2; exit 2 ;;
esac
WORKERS=$((10#$WORKERS))

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/common.sh
. "$SCRIPT_DIR/common.sh"
find_docserve compare.sh

log() { echo "# $*" >&2; }

# ---- tools -------------------------------------------------------------
PATH=$PATH:/usr/sbin:/sbin
need_pkgs=()
command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
command -v h2load >/dev/null 2>&1 || need_pkgs+=(nghttp2-client)
command -v nginx >/dev/null 2>&1 || need_pkgs+=(nginx-light)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
command -v python3 >/dev/null 2>&1 || need_pkgs+=(python3)
if [ "$WITH_LIGHTTPD" = 1 ] && ! command -v lighttpd >/dev/null 2>&1; then
  need_pkgs+=(lighttpd)
fi
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  log "installing ${need_pkgs[*]} with apt-get"
  SUDO=()
  [ "$(id -u)" = 0 ] || SUDO=(sudo -n)
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q "${need_pkgs[@]}" >&2 \
    || { DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get update -q >&2 \
         && DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q "${need_pkgs[@]}" >&2; }
fi

# Room for 1,000+ client sockets in wrk and python, and for the servers.
hard=$(ulimit -Hn)
want=16384
if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then want=$hard; fi
ulimit -n "$want" || true
if [ "$(ulimit -n)" -lt 4200 ]; then
  log "warning: open file limit $(ulimit -n) is low for 1,000 connections"
fi

CLK_TCK=$(getconf CLK_TCK)

# ---- temp dir, docroot, cleanup ----------------------------------------
T=$(mktemp -d "${TMPDIR:-/tmp}/dsbench.XXXXXX")
chmod 0755 "$T"
ROOT=$T/root
mkdir -p "$ROOT/dir"
STARTED_PIDS=()

cleanup() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED_PIDS[@]}"; do
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$KEEP" = 1 ]; then
    rm -f "$ROOT/big.bin" "$T/access.log" "$T/access-buffered.log"
    log "kept $T"
  else
    rm -rf "$T"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

python3 - "$ROOT" <<'EOF'
import os, sys
root = sys.argv[1]
body = ("<!doctype html><title>bench</title><p>" + "docserve benchmark page. " * 60)
body = body[:1024 - len("</p>\n")] + "</p>\n"
assert len(body) == 1024
open(os.path.join(root, "index.html"), "w").write(body)
open(os.path.join(root, "small.txt"), "w").write(("0123456789" * 10)[:99] + "\n")
open(os.path.join(root, "medium.bin"), "wb").write(os.urandom(100 * 1024))
with open(os.path.join(root, "big.bin"), "wb") as f:
    chunk = os.urandom(1024 * 1024)
    for _ in range(100):
        f.write(chunk)
for i in range(1000):
    open(os.path.join(root, "dir", "entry-%04d.txt" % i), "w").write("x\n")
EOF
chmod -R a+rX "$ROOT"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_http() { # url: up to 10 s
  for _ in $(seq 100); do
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.1
  done
  return 1
}

# ---- servers -----------------------------------------------------------
declare -A PORT PID
SERVERS=(ds)
[ "$WORKERS" -gt 0 ] && SERVERS+=(dsw)
SERVERS+=(ngx)
[ "$WITH_LIGHTTPD" = 1 ] && SERVERS+=(lig)
declare -A NAME=([ds]=docserve [dsw]="docserve --workers $WORKERS" [dslog]="docserve+log" [dslogb]="docserve+buffered log" [ngx]=nginx [lig]=lighttpd)

start_docserve() { # key, access-log spec, extra option...
  local key=$1 logspec=$2 errf=$T/$1.stderr port=""
  shift 2
  "$DS_BIN" --port 0 --access-log "$logspec" --max-connections 4096 \
    --timeout 15 --keepalive-requests 100 "$@" "$ROOT" 2>"$errf" >/dev/null &
  PID[$key]=$!
  STARTED_PIDS+=("${PID[$key]}")
  for _ in $(seq 100); do
    port=$(sed -n 's|.*Serving .* at http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$errf" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$errf" >&2; echo "compare.sh: docserve did not start" >&2; exit 1; }
  PORT[$key]=$port
}

start_nginx() {
  local port
  port=$(free_port)
  mkdir -p "$T/nginx"
  # As root, workers would switch to nobody, who may not reach a docroot
  # under a private TMPDIR: keep them as the invoking user.
  local user_line=""
  [ "$(id -u)" = 0 ] && user_line="user root root;"
  cat >"$T/nginx/nginx.conf" <<EOF
$user_line
worker_processes 2;
daemon off;
master_process on;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
worker_rlimit_nofile 16384;
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 15;
  keepalive_requests 100;
  client_body_temp_path $T/nginx/body;
  proxy_temp_path $T/nginx/proxy;
  fastcgi_temp_path $T/nginx/fastcgi;
  uwsgi_temp_path $T/nginx/uwsgi;
  scgi_temp_path $T/nginx/scgi;
  server {
    listen 127.0.0.1:$port;
    root $ROOT;
    location /dir/ { autoindex on; }
  }
}
EOF
  nginx -p "$T/nginx" -e "$T/nginx/error.log" -c "$T/nginx/nginx.conf" 2>"$T/nginx/stderr" &
  PID[ngx]=$!
  STARTED_PIDS+=("${PID[ngx]}")
  PORT[ngx]=$port
  wait_http "http://127.0.0.1:$port/index.html" \
    || { cat "$T/nginx/stderr" "$T/nginx/error.log" >&2; echo "compare.sh: nginx did not start" >&2; exit 1; }
}

start_lighttpd() {
  local port
  port=$(free_port)
  mkdir -p "$T/lighttpd"
  cat >"$T/lighttpd/lighttpd.conf" <<EOF
server.document-root = "$ROOT"
server.bind = "127.0.0.1"
server.port = $port
server.pid-file = "$T/lighttpd/pid"
server.errorlog = "$T/lighttpd/error.log"
server.max-fds = 16384
server.max-connections = 4096
server.max-keep-alive-idle = 15
server.max-keep-alive-requests = 100
server.modules += ( "mod_dirlisting" )
index-file.names = ( "index.html" )
mimetype.assign = ( ".html" => "text/html", ".txt" => "text/plain", ".bin" => "application/octet-stream" )
\$HTTP["url"] =~ "^/dir/" { dir-listing.activate = "enable" }
EOF
  lighttpd -D -f "$T/lighttpd/lighttpd.conf" 2>"$T/lighttpd/stderr" &
  PID[lig]=$!
  STARTED_PIDS+=("${PID[lig]}")
  PORT[lig]=$port
  wait_http "http://127.0.0.1:$port/index.html" \
    || { cat "$T/lighttpd/stderr" >&2; echo "compare.sh: lighttpd did not start" >&2; exit 1; }
}

# PIDs whose CPU and memory count for a server: nginx master + workers.
server_pids() {
  local p=${PID[$1]}
  if [ "$1" = ngx ]; then
    echo "$p $(ps -o pid= --ppid "$p" 2>/dev/null | tr -s ' \n' ' ')"
  else
    echo "$p"
  fi
}

cpu_ticks() { # pid...: utime+stime summed (clock ticks)
  local p s=0 t
  for p in "$@"; do
    t=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}') || t=0
    s=$((s + ${t:-0}))
  done
  echo "$s"
}

status_kb() { # field pid...: a /proc/PID/status field (kB) summed
  local f=$1 p s=0 v
  shift
  for p in "$@"; do
    v=$(awk -v f="$f:" '$1 == f {print $2}' "/proc/$p/status" 2>/dev/null) || v=0
    s=$((s + ${v:-0}))
  done
  echo "$s"
}

reset_hwm() { local p; for p in "$@"; do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true; done; }

log "temp dir $T; building the docroot done; starting the servers"
start_docserve ds none
[ "$WORKERS" -gt 0 ] && start_docserve dsw none --workers "$WORKERS"
start_docserve dslog "$T/access.log"
start_docserve dslogb "$T/access-buffered.log" --access-log-buffer 64
start_nginx
[ "$WITH_LIGHTTPD" = 1 ] && start_lighttpd

# Sanity: every server serves the same 1 KiB file and a 304 for its ETag.
declare -A ETAG
for s in "${SERVERS[@]}" dslog dslogb; do
  base="http://127.0.0.1:${PORT[$s]}"
  got=$(curl -s --max-time 5 "$base/index.html" | wc -c)
  [ "$got" = 1024 ] || { echo "compare.sh: ${NAME[$s]}: /index.html gave $got bytes" >&2; exit 1; }
  ETAG[$s]=$(curl -s -D - -o /dev/null --max-time 5 "$base/index.html" \
    | tr -d '\r' | awk 'tolower($1) == "etag:" {sub(/^[^:]*: */, ""); print}')
  [ -n "${ETAG[$s]}" ] || { echo "compare.sh: ${NAME[$s]}: no ETag" >&2; exit 1; }
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "If-None-Match: ${ETAG[$s]}" "$base/index.html")
  [ "$code" = 304 ] || { echo "compare.sh: ${NAME[$s]}: If-None-Match gave $code" >&2; exit 1; }
  code=$(curl -s -o "$T/$s.listing" -w '%{http_code}' --max-time 5 "$base/dir/")
  n=$(grep -o 'entry-[0-9]*\.txt' "$T/$s.listing" | sort -u | wc -l)
  if [ "$code" != 200 ] || [ "$n" != 1000 ]; then
    echo "compare.sh: ${NAME[$s]}: /dir/ gave $code with $n entries" >&2
    exit 1
  fi
done

# ---- wrk ---------------------------------------------------------------
LUA=$T/report.lua
cat >"$LUA" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d %d %d %d\n",
    summary.requests, summary.bytes, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(99)))
end
EOF

RUNS=$T/runs.tsv
: >"$RUNS"
H2SCEN=$T/h2load-scenarios.txt # the scenarios timed with h2load
: >"$H2SCEN"
RSSF=$T/rss.tsv
: >"$RSSF"

# h2load_bench < h2load-output: the BENCH line of report.lua from h2load's
# summary (requests = succeeded; bytes = traffic total; errors: errored
# without timeouts as read errors, other failures as write errors, responses
# other than 304s as status errors, timeouts; p99 0), nothing if incomplete.
h2load_bench() {
  awk '
    /^finished in / {
      d = $3; sub(/,$/, "", d)
      if (d ~ /ms$/) { sub(/ms$/, "", d); us = d * 1000 }
      else if (d ~ /us$/) { sub(/us$/, "", d); us = d + 0 }
      else if (d ~ /s$/) { sub(/s$/, "", d); us = d * 1000000 }
      else next
      fin = 1
    }
    /^requests: / {
      for (i = 2; i < NF; i++) {
        k = $(i + 1); sub(/,$/, "", k)
        if (k == "succeeded") ok = $i; else if (k == "failed") failed = $i
        else if (k == "errored") errored = $i; else if (k == "timeout") tmo = $i
      }
      req = 1
    }
    /^status codes: / {
      for (i = 3; i < NF; i++) {
        k = $(i + 1); sub(/,$/, "", k)
        if (k ~ /^[0-9]xx$/) st[k] = $i
      }
      sc = 1
    }
    /^traffic: / { b = $3; gsub(/[()]/, "", b); traffic = 1 }
    END {
      if (!fin || !req || !sc || !traffic) exit
      nstatus = st["1xx"] + st["2xx"] + st["4xx"] + st["5xx"]
      # succeeded counts 2xx and 3xx: anything but 304s is an error here.
      if (st["3xx"] != ok) {
        diff = ok - st["3xx"]; if (diff < 0) diff = -diff
        if (diff > nstatus) nstatus = diff
        if (nstatus == 0) nstatus = 1
      }
      eread = errored - tmo; if (eread < 0) eread = 0
      # failed = errored + responses with a 4xx/5xx status
      ewrite = failed - errored - st["4xx"] - st["5xx"]; if (ewrite < 0) ewrite = 0
      printf "BENCH %d %d %d 0 %d %d %d %d 0\n", ok, b, us + 0.5, eread, ewrite, nstatus, tmo
    }'
}

# h2load_count URL CONNS H2LOAD-ARGS...: the number of requests for about
# DUR seconds, from an untimed run of 50 requests per connection.
h2load_count() {
  local url=$1 conns=$2 line n=0
  shift 2
  line=$(timeout 60 h2load "$@" -n $((conns * 50)) "$url" 2>&1 | h2load_bench) || true
  if [ -n "$line" ]; then
    n=$(awk -v d="$DUR" '{ if ($4 > 0) printf "%d", $2 * 1000000 / $4 * d }' <<<"$line")
  fi
  [ "${n:-0}" -gt 0 ] || n=$((20000 * DUR))
  [ "$n" -ge $((conns * 10)) ] || n=$((conns * 10))
  echo "$n"
}

# run_one SCENARIO ROUND SERVER PATH CONNS EXTRA-HEADER
# EXTRA-HEADER INM: If-None-Match with the server's ETag, timed with h2load
# --h1 (wrk's http-parser stalls on a 304 with Content-Length).
run_one() {
  local scen=$1 round=$2 srv=$3 path=$4 conns=$5 hdr=$6
  local threads=2 pids t0 t1 hwm out line tool=wrk
  local url="http://127.0.0.1:${PORT[$srv]}$path"
  [ "$conns" -lt 2 ] && threads=1
  local args=(-t"$threads" -c"$conns" -d"${DUR}s" --timeout 5s -s "$LUA")
  case "$hdr" in
    "") ;;
    INM)
      tool=h2load
      args=(--h1 -t "$threads" -c "$conns" -H "If-None-Match: ${ETAG[$srv]}")
      args+=(-n "$(h2load_count "$url" "$conns" "${args[@]}")")
      grep -qxF -- "$scen" "$H2SCEN" || printf '%s\n' "$scen" >>"$H2SCEN"
      ;;
    *) args+=(-H "$hdr") ;;
  esac
  read -r -a pids <<<"$(server_pids "$srv")"
  reset_hwm "${pids[@]}"
  t0=$(cpu_ticks "${pids[@]}")
  out=$(timeout $((DUR + 60)) "$tool" "${args[@]}" "$url" 2>&1) || true
  t1=$(cpu_ticks "${pids[@]}")
  hwm=$(status_kb VmHWM "${pids[@]}")
  if [ "$tool" = h2load ]; then
    line=$(h2load_bench <<<"$out") || true
  else
    line=$(grep '^BENCH ' <<<"$out" | tail -1) || true
  fi
  if [ -z "$line" ]; then
    log "$tool failed for ${NAME[$srv]} $scen: $(tail -3 <<<"$out" | tr '\n' ' ')"
    line="BENCH 0 0 1 0 0 0 0 0 0"
  fi
  # scen round server requests bytes duration_us e_conn e_read e_write e_status e_timeout p99_us cpu_ticks hwm_kb
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$scen" "$round" "$srv" "$(cut -d' ' -f2- <<<"$line" | tr ' ' '\t')" \
    "$((t1 - t0))" "$hwm" >>"$RUNS"
  sleep 0.2 # let closing sockets settle before the next run
}

# scenario SCENARIO-ID PATH CONNS HEADER SERVER...
scenario() {
  local id=$1 path=$2 conns=$3 hdr=$4
  shift 4
  local servers=("$@") r s order
  log "$id"
  for r in $(seq "$REPS"); do
    if [ $((r % 2)) = 1 ]; then order=("${servers[@]}"); else
      order=()
      for ((i = ${#servers[@]} - 1; i >= 0; i--)); do order+=("${servers[i]}"); done
    fi
    for s in "${order[@]}"; do run_one "$id" "$r" "$s" "$path" "$conns" "$hdr"; done
  done
}

# ---- idle keep-alive memory ---------------------------------------------
RSS_PY=$T/idle_rss.py
cat >"$RSS_PY" <<'EOF'
# idle_rss.py PORT N PID...: opens N keep-alive connections, one request each,
# keeps them open, and prints "rss_before_kB rss_after_kB threads_after".
import socket, sys, time

port, n, pids = int(sys.argv[1]), int(sys.argv[2]), [int(p) for p in sys.argv[3:]]

def status(field):
    total = 0
    for p in pids:
        with open("/proc/%d/status" % p) as f:
            for line in f:
                if line.startswith(field + ":"):
                    total += int(line.split()[1])
    return total

def read_response(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise IOError("closed before the headers")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise IOError("closed in the body")
        body += chunk

time.sleep(0.5)
before = status("VmRSS")
socks = []
req = b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(req)
    socks.append(s)
for s in socks:
    read_response(s)
time.sleep(1.0)
after = status("VmRSS")
threads = status("Threads")  # not kB, but summed the same way
print(before, after, threads)
for s in socks:
    s.close()
EOF

idle_rss() { # server
  local srv=$1 pids out
  read -r -a pids <<<"$(server_pids "$srv")"
  out=$(timeout 60 python3 "$RSS_PY" "${PORT[$srv]}" 1000 "${pids[@]}" 2>&1) || {
    log "idle RSS for ${NAME[$srv]} failed: $out"
    out="0 0 0"
  }
  printf '%s\t%s\n' "$srv" "$(tr ' ' '\t' <<<"$out")" >>"$RSSF"
  sleep 2 # the servers drop the closed connections
}

# ---- header ----------------------------------------------------------------
if [ -n "${DOCSERVE_COMMIT:-}" ]; then
  commit="$DOCSERVE_COMMIT (as given in DOCSERVE_COMMIT)"
else
  commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [ -n "$(git -C "$REPO" --no-optional-locks status --porcelain --untracked-files=no -- src include 2>/dev/null)" ]; then
    commit="$commit (with uncommitted changes in src/ or include/)"
  fi
fi
echo "docserve benchmark: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "commit:   $commit"
echo "binary:   $DS_BIN ($(date -u -r "$DS_BIN" '+built %Y-%m-%d %H:%M UTC'))"
echo "versions: $("$DS_BIN" --version | head -3 | tr '\n' ' ' | sed 's/ *$//')"
echo "          $(nginx -v 2>&1); $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2); $(h2load --version 2>&1 | head -1)$([ "$WITH_LIGHTTPD" = 1 ] && echo "; $(lighttpd -v 2>&1 | head -1 | cut -d' ' -f1)")"
echo "machine:  $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), Linux $(uname -r)"
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo "method:   $REPS round(s) x ${DUR} s per server per scenario, order alternated; wrk 2 threads (1 for c=1),"
echo "          h2load --h1 2 threads, -n sized for ${DUR} s, for the 304 row; loopback"
echo

# ---- scenarios ---------------------------------------------------------------
log "warm-up"
for s in "${SERVERS[@]}" dslog dslogb; do
  timeout 30 wrk -t2 -c10 -d1s "http://127.0.0.1:${PORT[$s]}/index.html" >/dev/null 2>&1 || true
done

log "idle keep-alive memory (1,000 connections)"
for s in "${SERVERS[@]}"; do idle_rss "$s"; done

for c in 1 10 100 1000; do scenario "1KiB keep-alive c=$c" /index.html "$c" "" "${SERVERS[@]}"; done
for c in 1 10 100 1000; do scenario "1KiB Connection:close c=$c" /index.html "$c" "Connection: close" "${SERVERS[@]}"; done
scenario "100B keep-alive c=10" /small.txt 10 "" "${SERVERS[@]}"
scenario "100KiB keep-alive c=10" /medium.bin 10 "" "${SERVERS[@]}"
scenario "100MiB c=1 [MiB/s]" /big.bin 1 "" "${SERVERS[@]}"
scenario "100MiB c=10 [MiB/s]" /big.bin 10 "" "${SERVERS[@]}"
scenario "304 If-None-Match c=100" /index.html 100 INM "${SERVERS[@]}"
scenario "listing 1,000 entries c=10" /dir/ 10 "" "${SERVERS[@]}"
# Access log on: docserve without the log, with it (one write per line, and
# --access-log-buffer 64), and nginx, alternated.
scenario "LOG 1KiB keep-alive c=10" /index.html 10 "" ds dslog dslogb ngx
scenario "LOG 1KiB keep-alive c=100" /index.html 100 "" ds dslog dslogb ngx

log_lines=$(( $(wc -l <"$T/access.log" 2>/dev/null || echo 0) + $(wc -l <"$T/access-buffered.log" 2>/dev/null || echo 0) ))

# ---- report ----------------------------------------------------------------
python3 - "$RUNS" "$RSSF" "$CLK_TCK" "$WITH_LIGHTTPD" "$log_lines" "$WORKERS" "$H2SCEN" <<'EOF'
import statistics, sys
from collections import defaultdict

runs_path, rss_path, clk, with_lig, log_lines = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1", int(sys.argv[5])
workers = int(sys.argv[6])
with_dsw = workers > 0
h2load_scens = set(l.rstrip("\n") for l in open(sys.argv[7]))
runs = defaultdict(lambda: defaultdict(dict))  # scen -> round -> server -> rec
order = []
for line in open(runs_path):
    f = line.rstrip("\n").split("\t")
    scen, rnd, srv = f[0], int(f[1]), f[2]
    req, byt, dur, ec, er, ew, es, et, p99, ticks, hwm = map(int, f[3:])
    if scen not in order:
        order.append(scen)
    mib = "[MiB/s]" in scen
    secs = dur / 1e6 if dur else 1
    value = (byt / 1048576 / secs) if mib else (req / secs)
    runs[scen][rnd][srv] = dict(value=value, req=req, mib=byt / 1048576, ticks=ticks, hwm=hwm,
                                errors=ec + er + ew + es + et, p99=p99)

def med(xs):
    return statistics.median(xs) if xs else float("nan")

def fmt_val(v, mib):
    if v != v:
        return "n/m"
    return ("%.0f MiB/s" % v) if mib else ("%.0f r/s" % v)

def cpu_per(scen, srv, mib):
    ticks = sum(r[srv]["ticks"] for r in runs[scen].values() if srv in r)
    units = sum((r[srv]["mib"] if mib else r[srv]["req"]) for r in runs[scen].values() if srv in r)
    if not units:
        return "n/a"
    us = ticks / clk * 1e6 / units
    return ("%.0f" % us) if us >= 100 else ("%.1f" % us)

def series(scen, srv):
    return [r[srv]["value"] for r in runs[scen].values() if srv in r]

def ratio(scen, a, b):
    rs = [r[a]["value"] / r[b]["value"] for r in runs[scen].values() if a in r and b in r and r[b]["value"]]
    return med(rs)

def fmt_ratio(x):
    return "n/m" if x != x else "%.2f" % x

def spread(scen, a, b):
    rs = [r[a]["value"] / r[b]["value"] for r in runs[scen].values() if a in r and b in r and r[b]["value"]]
    return ("%.2f-%.2f" % (min(rs), max(rs))) if len(rs) > 1 else "-"

def errors(scen, srv):
    e = sum(r[srv]["errors"] for r in runs[scen].values() if srv in r)
    n = sum(r[srv]["req"] for r in runs[scen].values() if srv in r)
    return e, n

def peak(scen, srv):
    return max((r[srv]["hwm"] for r in runs[scen].values() if srv in r), default=0) / 1024

names = {"ds": "docserve", "dsw": "docserve --workers %d" % workers, "dslog": "docserve+log",
         "dslogb": "docserve+buffered log", "ngx": "nginx", "lig": "lighttpd"}
dsw_cols = lambda *c: list(c) if with_dsw else []
lig_cols = lambda *c: list(c) if with_lig else []
cols = ["scenario", "docserve"] + dsw_cols("dsw") + ["nginx"] + lig_cols("lighttpd") \
    + ["ds/ngx", "range"] + dsw_cols("dsw/ngx") + lig_cols("ds/lig") \
    + ["ds HWM"] + dsw_cols("dsw HWM") + ["ngx HWM", "ds CPU"] + dsw_cols("dsw CPU") + ["ngx CPU"] + lig_cols("lig CPU") \
    + ["notes"]
rows = []
variants = []  # (scenario, label, docserve key)
for scen in order:
    if scen.startswith("LOG "):
        variants.append((scen, scen, "dslog"))
        variants.append((scen, scen + " buffered", "dslogb"))
    else:
        variants.append((scen, scen, "ds"))
for scen, label, ds in variants:
    mib = "[MiB/s]" in scen
    notes = []
    if ds == "dslog":
        cost = 1 - ratio(scen, "dslog", "ds")
        notes.append("docserve with access log, a write per line; log costs %.1f %% vs log off (%s)" % (cost * 100, fmt_val(med(series(scen, "ds")), False)))
    elif ds == "dslogb":
        cost = 1 - ratio(scen, "dslogb", "ds")
        notes.append("docserve with --access-log-buffer 64; log costs %.1f %% vs log off" % (cost * 100))
    if scen in h2load_scens:
        notes.append("timed with h2load --h1 (wrk cannot parse a 304 with Content-Length)")
    has = lambda srv: bool(series(scen, srv))
    val = lambda srv: fmt_val(med(series(scen, srv)), mib) if has(srv) else "-"
    rat = lambda a, b: fmt_ratio(ratio(scen, a, b)) if has(a) and has(b) else "-"
    hwm = lambda srv: ("%.1f MiB" % peak(scen, srv)) if has(srv) else "-"
    cpu = lambda srv: cpu_per(scen, srv, mib) if has(srv) else "-"
    row = [label, val(ds)] + dsw_cols(val("dsw")) + [val("ngx")] + lig_cols(val("lig")) \
        + [rat(ds, "ngx"), spread(scen, ds, "ngx")] + dsw_cols(rat("dsw", "ngx")) + lig_cols(rat(ds, "lig")) \
        + [hwm(ds)] + dsw_cols(hwm("dsw")) + [hwm("ngx"), cpu(ds)] + dsw_cols(cpu("dsw")) + [cpu("ngx")] + lig_cols(cpu("lig"))
    for srv in ([ds] + dsw_cols("dsw") + ["ngx"] + lig_cols("lig")):
        e, n = errors(scen, srv)
        if e:
            notes.append("%s: %d errors in %d requests" % (names[srv], e, n))
    row.append("; ".join(notes))
    rows.append(row)

print("Throughput: median of the rounds.  ds/ngx: median of the per-round ratios (>1: docserve faster);")
print("range: lowest and highest per-round ds/ngx ratio." + ("  dsw: docserve --workers %d; dsw/ngx: as ds/ngx." % workers if with_dsw else ""))
print("HWM: peak RSS during the runs (nginx: master+workers summed).  CPU: server user+sys CPU in")
print("microseconds per request (per MiB for the [MiB/s] rows), clock tick %d ms." % (1000 // clk))
print()
widths = [max(len(str(r[i])) for r in [cols] + rows) for i in range(len(cols))]
def out(r):
    print("  ".join(str(v).ljust(widths[i]) if i in (0, len(cols) - 1) else str(v).rjust(widths[i]) for i, v in enumerate(r)).rstrip())
out(cols)
out(["-" * w for w in widths])
for r in rows:
    out(r)

print()
print("Idle keep-alive memory: 1,000 connections, one request each, then held open")
rss = [line.split() for line in open(rss_path)]
nw = max([len(names[r[0]]) for r in rss] + [9])
for srv, before, after, threads in rss:
    before, after = int(before), int(after)
    if after == 0:
        print("  %-*s failed" % (nw, names[srv]))
        continue
    print("  %-*s RSS %6.1f MiB -> %6.1f MiB: %5.1f KiB per connection (%s threads)"
          % (nw, names[srv], before / 1024, after / 1024, (after - before) / 1000, threads))
print()
print("access log lines written by docserve+log and docserve+buffered log: %d" % log_lines)
EOF

echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) at end"
exit 0
