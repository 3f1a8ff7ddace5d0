#!/usr/bin/env bash
# bench/search.sh: full-text search (--search) on this machine's
# documentation: the time to build the index from nothing and to start
# again with an unchanged tree, the index's size against the text in it,
# query latency over 50 fixed queries, and static-file throughput against
# nginx while the indexer runs and when it is idle.  Not run by CI.
#
# Usage: bench/search.sh [TREE...]   (default: portal)
#   TREE is a directory (DIR mode: docserve --search TREE) or the word
#   "portal": docserve --system-docs, which indexes /usr/share/doc, every
#   man page of the default --man-path and the info manuals, and answers at
#   /search (the issue's "/usr/share/doc plus its man pages").
# Environment:
#   DOCSERVE        the binary (default ./docserve, else <repo>/docserve)
#   BENCH_DURATION  seconds per wrk run (default 5)
#   BENCH_BOUND     seconds allowed for one index build (default 900)
#   TMPDIR          where the index files and nginx's files go
#
# Method, per TREE: docserve --search --search-index FILE TREE (or
# docserve --system-docs --search-index FILE) on a free port of 127.0.0.1
# with a fresh FILE; the JSON endpoint is polled every
# 0.2 s until it reports "indexing":false (the first complete scan), and
# the time from the start of the process is the build time (and the CPU
# time docserve used by then, which depends less on the machine's load:
# the indexer runs at idle priority).  Then
# docserve is stopped and started again on the same FILE: the same
# measure is the restart time (a complete, current index: every file
# checked against its row).  Index size: the database file after a
# checkpoint; text: the bytes of the bodies and titles in it (sqlite3).
# Queries: the 50 of QUERIES below, each sent 3 times in a row through
# curl to the JSON endpoint (page 1); latency is curl's time_total, on
# loopback, over all 150 samples (median, p95, max); sql_med and sql_p95
# are the same queries' ranking SQL alone (sql_latency below).
# Throughput: the first TREE's files (portal: /usr/share/doc, at /doc/)
# served by docserve and by nginx (2
# workers, sendfile, no access log); wrk (2 threads, 10 connections) gets
# BENCH_DURATION seconds on a 4-16 KiB file of TREE, for each server, first
# while a fresh docserve is building its index (started just before), then
# again once it is idle.  The ratio docserve-while-indexing /
# docserve-idle is the figure the issue asks about (target >= 0.8).
#
# Needs curl, python3, sqlite3, wrk and nginx (installed with apt-get when
# missing).  Every server started here is stopped on exit; only their PIDs
# are signalled.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/common.sh
. "$SCRIPT_DIR/common.sh"
find_docserve search.sh

DURATION=${BENCH_DURATION:-5}
BOUND=${BENCH_BOUND:-900}
if [ $# -gt 0 ]; then TREES=("$@"); else TREES=(portal); fi

need_pkgs=()
command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
command -v nginx >/dev/null 2>&1 || need_pkgs+=(nginx-light)
command -v sqlite3 >/dev/null 2>&1 || need_pkgs+=(sqlite3)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
command -v python3 >/dev/null 2>&1 || need_pkgs+=(python3)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "# search.sh: installing ${need_pkgs[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >&2
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/docserve-search-bench.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT

# Fifty things a reader looks for in local documentation.
QUERIES=(
  "ssl certificate" "rsync exclude" "locale" "systemd timer" "ssh key" "grep regex"
  "tar extract" "cron" "sudoers" "iptables" "bash completion" "python3" "utf-8"
  "license gpl" "changelog" "security fix" "zlib" "libc" "memory leak" "ipv6"
  "dns resolver" "timezone" "password hash" "compression" "signal handler" "thread"
  "socket" "perl module" "debian policy" "configuration file" "environment variable"
  "man page" "symbolic link" "permission denied" "file system" "kernel module"
  "unicode" "xml parser" "json" "http proxy" "gnutls" "openssl" "sqlite"
  "backup" "mount" "printf format" "regular expression" "upgrade" "bug report" "copyright"
)

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_ds TREE INDEX: starts docserve; sets DS_PID, DS_URL, DS_T0 (ns) and
# SEARCH (the search endpoint's path).
start_ds() {
  local port mode
  port=$(free_port)
  if [ "$1" = portal ]; then
    mode=(--system-docs)
    SEARCH=/search
  else
    mode=(--search "$1")
    SEARCH=/.docserve/search
  fi
  DS_T0=$(date +%s%N)
  "$DS_BIN" "${mode[@]}" --search-index "$2" --port "$port" --access-log none \
    --max-connections 4096 2>>"$T/ds.stderr" &
  DS_PID=$!
  PIDS+=("$DS_PID")
  DS_URL="http://127.0.0.1:$port"
  for _ in $(seq 100); do
    curl -s -o /dev/null --max-time 1 "$DS_URL/" && return 0
    sleep 0.1
  done
  echo "search.sh: docserve did not start" >&2
  cat "$T/ds.stderr" >&2
  exit 1
}

stop_ds() {
  kill "$DS_PID"
  wait "$DS_PID" 2>/dev/null || true
}

# cpu_s PID: user+system CPU seconds the process has used.
cpu_s() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f\n", ($14 + $15) / hz }' "/proc/$1/stat"
}

# wait_indexed: "SECONDS CPU_SECONDS" from DS_T0 to "indexing":false: the
# wall-clock time, and the CPU time docserve used (the indexer runs at idle
# priority, so the first depends on what else the machine does; the second
# much less).
wait_indexed() {
  local deadline=$(($(date +%s) + BOUND))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if curl -s --max-time 5 "$DS_URL$SEARCH?format=json" | grep -q '"indexing":false'; then
      echo "$(awk -v a="$(date +%s%N)" -v b="$DS_T0" 'BEGIN { printf "%.1f", (a - b) / 1e9 }') $(cpu_s "$DS_PID")"
      return 0
    fi
    sleep 0.2
  done
  echo "search.sh: no complete index within ${BOUND}s" >&2
  exit 1
}

# div A B DECIMALS
div() { awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { printf "%.*f\n", d, a / b }'; }

urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote_plus(sys.argv[1]))' "$1"; }

# latency: prints "median p95 max" in ms over the QUERIES, 3 times each.
latency() {
  : >"$T/lat"
  for q in "${QUERIES[@]}"; do
    local e
    e=$(urlencode "$q")
    for _ in 1 2 3; do
      curl -s -o /dev/null --max-time 10 -w '%{time_total}\n' \
        "$DS_URL$SEARCH?q=$e&format=json" >>"$T/lat"
    done
  done
  python3 - "$T/lat" <<'EOF'
import sys
v = sorted(float(x) * 1000 for x in open(sys.argv[1]) if x.strip())
med = v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2
p95 = v[min(len(v) - 1, int(round(0.95 * len(v) + 0.5)) - 1)]
print("%.1f %.1f %.1f %d" % (med, p95, v[-1], len(v)))
EOF
}

# sql_latency INDEX: "median p95" in ms of the SQL one search runs (search.c:
# the match count, the document count, the ranked page of 10), for the same
# QUERIES 3 times each, in one python3 process on the same SQLite library:
# the part of the latency that is SQLite's ranking, without HTTP, without
# waiting for a CPU, and without the passages (ds_snippet(), ftssnippet.c,
# exists only inside docserve).
sql_latency() {
  python3 - "$1" "${QUERIES[@]}" <<'EOF'
import sqlite3, sys, time
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
def fts(q):
    return " ".join('"%s"' % w.replace('"', '""') for w in q.split())
v = []
for q in sys.argv[2:]:
    for _ in range(3):
        t = time.perf_counter()
        db.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (fts(q),)).fetchall()
        db.execute("SELECT count(*) FROM docs WHERE indexed = 1").fetchall()
        db.execute("SELECT d.path, r.url, r.title, r.kind, d.size, d.mtime FROM"
                   " (SELECT rowid AS id, url, title, kind, rank AS rk"
                   "  FROM fts WHERE fts MATCH ?1 ORDER BY rank LIMIT 10 OFFSET 0) AS r"
                   " JOIN docs d ON d.id = r.id ORDER BY r.rk", (fts(q),)).fetchall()
        v.append((time.perf_counter() - t) * 1000)
v.sort()
print("%.1f %.1f" % (v[len(v) // 2], v[min(len(v) - 1, int(round(0.95 * len(v) + 0.5)) - 1)]))
EOF
}

printf '# docserve search benchmark, %s, %s, %s CPUs, commit %s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" \
  "$(uname -r)" "$(nproc)" "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "# load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-16s %7s %6s %8s %8s %8s %8s %8s %7s %8s %8s %8s %8s %8s\n' tree files docs build_s build_cpu \
  restart_s rest_cpu index_MB text_MB q_med_ms q_p95_ms q_max_ms sql_med sql_p95

for tree in "${TREES[@]}"; do
  idx="$T/$(basename "$tree").sqlite"
  if [ "$tree" = portal ]; then
    files=$(find /usr/share/doc /usr/local/share/man /usr/share/man /usr/share/info \
      \( -type f -o -type l \) 2>/dev/null | wc -l)
  else
    files=$(find "$tree" -type f 2>/dev/null | wc -l)
  fi
  start_ds "$tree" "$idx"
  read -r build build_cpu < <(wait_indexed)
  stop_ds
  start_ds "$tree" "$idx"
  read -r restart restart_cpu < <(wait_indexed)
  read -r med p95 max n < <(latency)
  docs=$(curl -s "$DS_URL$SEARCH?format=json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])')
  stop_ds
  sqlite3 "$idx" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
  index_mb=$(div "$(stat -c %s "$idx")" 1048576 1)
  text_mb=$(sqlite3 "$idx" "SELECT printf('%.1f', (sum(length(CAST(body AS BLOB))) + sum(length(CAST(title AS BLOB)))) / 1048576.0) FROM fts;")
  read -r sql_med sql_p95 < <(sql_latency "$idx")
  printf '%-16s %7s %6s %8s %8s %8s %8s %8s %7s %8s %8s %8s %8s %8s\n' "$tree" "$files" "$docs" "$build" \
    "$build_cpu" "$restart" "$restart_cpu" "$index_mb" "$text_mb" "$med" "$p95" "$max" \
    "$sql_med" "$sql_p95"
  echo "# load average after $tree: $(cut -d' ' -f1-3 /proc/loadavg)"
done

# ---- static throughput while indexing and idle ----------------------------
tree=${TREES[0]}
prefix=""
[ "$tree" = portal ] && { tree=/usr/share/doc; prefix=/doc; }
file=$(find "$tree" -type f -size +4k -size -16k ! -name '*.gz' 2>/dev/null | sort | head -n 1)
# /usr/share/man holds only .gz files: take one of those, served as it is.
[ -n "$file" ] || file=$(find "$tree" -type f -size +4k -size -16k 2>/dev/null | sort | head -n 1)
[ -n "$file" ] || { echo "search.sh: no 4-16 KiB file under $tree" >&2; exit 1; }
rel=${file#"$tree"}
nport=$(free_port)
mkdir -p "$T/nginx"
user_line=""
[ "$(id -u)" = 0 ] && user_line="user root root;"
cat >"$T/nginx/nginx.conf" <<EOF
$user_line
worker_processes 2;
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
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
  server { listen 127.0.0.1:$nport; root $tree; }
}
EOF
nginx -p "$T/nginx" -e "$T/nginx/error.log" -c "$T/nginx/nginx.conf" 2>"$T/nginx/stderr" &
PIDS+=($!)
sleep 0.5
curl -sf -o /dev/null --max-time 5 "http://127.0.0.1:$nport$rel" \
  || { cat "$T/nginx/stderr" >&2; echo "search.sh: nginx does not serve $rel" >&2; exit 1; }

rps() {
  timeout $((DURATION + 30)) wrk -t 2 -c 10 -d "${DURATION}s" "$1" 2>/dev/null \
    | awk '/^Requests\/sec:/ {print int($2)}'
}

rm -f "$T/tp.sqlite"*
start_ds "${TREES[0]}" "$T/tp.sqlite"
ds_busy=$(rps "$DS_URL$prefix$rel")
still=$(curl -s "$DS_URL$SEARCH?format=json" | grep -c '"indexing":true' || true)
ngx_busy=$(rps "http://127.0.0.1:$nport$rel")
wait_indexed >/dev/null
ds_idle=$(rps "$DS_URL$prefix$rel")
ngx_idle=$(rps "http://127.0.0.1:$nport$rel")
stop_ds
echo
echo "# static file $rel ($(stat -c %s "$file") B), wrk -t2 -c10 -d${DURATION}s, req/s"
printf '%-22s %10s %10s %8s\n' "" docserve nginx ds/ngx
printf '%-22s %10s %10s %8s\n' "indexer running" "$ds_busy" "$ngx_busy" \
  "$(div "$ds_busy" "$ngx_busy" 2)"
printf '%-22s %10s %10s %8s\n' "indexer idle" "$ds_idle" "$ngx_idle" \
  "$(div "$ds_idle" "$ngx_idle" 2)"
echo "docserve while indexing / idle: $(div "$ds_busy" "$ds_idle" 2)" \
  "$([ "$still" = 1 ] && echo "(indexer still running after the docserve run)" || echo "(WARNING: the index was done before the run ended)")"
