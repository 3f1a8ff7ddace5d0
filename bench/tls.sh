#!/usr/bin/env bash
# bench/tls.sh: HTTPS download throughput of a 100 MiB file, docserve against
# nginx in one run, on loopback, with the servers alternated so that every
# ratio comes from runs made side by side on the same machine at the same time.
#
# Usage: bench/tls.sh [--quick] [--keep]
#   --quick   2 rounds (default 5; a normal run takes about 1-2 minutes)
#   --keep    keep the temp dir (cert, nginx.conf, logs, raw per-run TSV)
# Environment:
#   DOCSERVE         the binary (default ./docserve, else <repo>/docserve)
#   DOCSERVE_ARGS    extra docserve options (e.g. "--workers 2")
#   BENCH_REPS       rounds (default 5, 2 with --quick)
#   TMPDIR           where the temp dir (docroot with a 100 MiB file) goes
#
# Needs nginx, curl, python3 and certtool (gnutls-bin) or openssl; nginx-light
# and gnutls-bin are installed with apt-get when missing.  Both servers get
# the same self-signed certificate (ECDSA P-256), listen on free ports of
# 127.0.0.1 and are stopped on exit; curl asks for TLS 1.3 only and every
# transfer is bounded by --max-time.
#
# Method: each round, per server (order reversed every other round):
#   single:  one curl downloads /big.bin (100 MiB); MiB/s from its
#            %{speed_download}
#   4x:      4 curls download /big.bin at once; throughput = 400 MiB over the
#            wall time from the start to the end of the last one
# Reported per scenario: the median MiB/s of each server, the median of the
# per-round ratios docserve/nginx (>1: docserve faster) and the server's CPU
# seconds (utime+stime from /proc/PID/stat before and after; nginx: master
# and its 2 workers summed) per GiB sent.  curl runs on the same 2 cores and
# does the decryption, so absolute figures are lower than on a dedicated
# client; the ratios are what this script is for.
set -euo pipefail

QUICK=0
KEEP=0
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "tls.sh: unknown argument: $arg (see --help)" >&2; exit 2 ;;
  esac
done

if [ "$QUICK" = 1 ]; then REPS=${BENCH_REPS:-2}; else REPS=${BENCH_REPS:-5}; fi
PAR=4
MAXT=120 # seconds, per curl

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/common.sh
. "$SCRIPT_DIR/common.sh"
find_docserve tls.sh
read -r -a DS_EXTRA <<<"${DOCSERVE_ARGS:-}"

log() { echo "# $*" >&2; }

# ---- tools -------------------------------------------------------------
PATH=$PATH:/usr/sbin:/sbin
need_pkgs=()
command -v nginx >/dev/null 2>&1 || need_pkgs+=(nginx-light)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
command -v python3 >/dev/null 2>&1 || need_pkgs+=(python3)
if ! command -v certtool >/dev/null 2>&1 && ! command -v openssl >/dev/null 2>&1; then
  need_pkgs+=(gnutls-bin)
fi
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  log "installing ${need_pkgs[*]} with apt-get"
  SUDO=()
  [ "$(id -u)" = 0 ] || SUDO=(sudo -n)
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q "${need_pkgs[@]}" >&2 \
    || { DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get update -q >&2 \
         && DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q "${need_pkgs[@]}" >&2; }
fi

CLK_TCK=$(getconf CLK_TCK)

# ---- temp dir, docroot, cert, cleanup ----------------------------------
T=$(mktemp -d "${TMPDIR:-/tmp}/dstls.XXXXXX")
chmod 0755 "$T"
ROOT=$T/root
mkdir -p "$ROOT"
STARTED_PIDS=()

# shellcheck disable=SC2317  # called through the EXIT trap
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
    rm -f "$ROOT/big.bin"
    log "kept $T"
  else
    rm -rf "$T"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 100 MiB of random bytes (1 MiB repeated: incompressible, cheap to make).
head -c 1048576 /dev/urandom >"$T/chunk"
for _ in $(seq 100); do cat "$T/chunk"; done >"$ROOT/big.bin"
rm -f "$T/chunk"
echo "<!doctype html><title>tls bench</title>" >"$ROOT/index.html"
chmod -R a+rX "$ROOT"
BIG_BYTES=$(stat -c %s "$ROOT/big.bin")

CERT=$T/cert.pem
KEY=$T/key.pem
if command -v certtool >/dev/null 2>&1; then
  cat >"$T/cert.tmpl" <<'EOF'
cn = "127.0.0.1"
organization = "docserve bench"
ip_address = "127.0.0.1"
dns_name = "localhost"
expiration_days = 2
tls_www_server
signing_key
encryption_key
EOF
  certtool --generate-privkey --key-type ecdsa --curve secp256r1 --outfile "$KEY" >/dev/null 2>&1
  certtool --generate-self-signed --load-privkey "$KEY" --template "$T/cert.tmpl" \
    --outfile "$CERT" >/dev/null 2>&1
  CERT_TOOL="certtool"
else
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$KEY" -out "$CERT" >/dev/null 2>&1
  CERT_TOOL="openssl"
fi
chmod 0644 "$CERT" "$KEY"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

CURL=(curl -k -s --tlsv1.3 --max-time "$MAXT")

wait_https() { # url: up to 10 s
  for _ in $(seq 100); do
    "${CURL[@]}" -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.1
  done
  return 1
}

# ---- servers -----------------------------------------------------------
declare -A PORT PID
declare -A NAME=([ds]=docserve [ngx]=nginx)

start_docserve() {
  local errf=$T/ds.stderr port=""
  "$DS_BIN" --port 0 --access-log none --tls-cert "$CERT" --tls-key "$KEY" \
    "${DS_EXTRA[@]}" "$ROOT" 2>"$errf" >/dev/null &
  PID[ds]=$!
  STARTED_PIDS+=("${PID[ds]}")
  for _ in $(seq 100); do
    port=$(sed -n 's|.*Serving .* at https://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$errf" | head -1)
    [ -n "$port" ] && break
    kill -0 "${PID[ds]}" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$errf" >&2; echo "tls.sh: docserve did not start" >&2; exit 1; }
  PORT[ds]=$port
  wait_https "https://127.0.0.1:$port/index.html" \
    || { cat "$errf" >&2; echo "tls.sh: docserve does not answer HTTPS" >&2; exit 1; }
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
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;  # not used under TLS (no kTLS in Debian's nginx build)
  keepalive_timeout 15;
  client_body_temp_path $T/nginx/body;
  proxy_temp_path $T/nginx/proxy;
  fastcgi_temp_path $T/nginx/fastcgi;
  uwsgi_temp_path $T/nginx/uwsgi;
  scgi_temp_path $T/nginx/scgi;
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate $CERT;
    ssl_certificate_key $KEY;
    ssl_protocols TLSv1.3;
    root $ROOT;
  }
}
EOF
  nginx -p "$T/nginx" -e "$T/nginx/error.log" -c "$T/nginx/nginx.conf" 2>"$T/nginx/stderr" &
  PID[ngx]=$!
  STARTED_PIDS+=("${PID[ngx]}")
  PORT[ngx]=$port
  wait_https "https://127.0.0.1:$port/index.html" \
    || { cat "$T/nginx/stderr" "$T/nginx/error.log" >&2; echo "tls.sh: nginx did not start" >&2; exit 1; }
}

# PIDs whose CPU counts for a server: nginx master + workers.
server_pids() {
  local p=${PID[$1]}
  if [ "$1" = ngx ]; then
    echo "$p $(ps -o pid= --ppid "$p" 2>/dev/null | tr -s ' \n' ' ')"
  else
    echo "$p"
  fi
}

cpu_ticks() { # pid...: utime+stime summed over all threads (clock ticks)
  local p s=0 t
  for p in "$@"; do
    t=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}') || t=0
    s=$((s + ${t:-0}))
  done
  echo "$s"
}

now() { date +%s.%N; }

log "temp dir $T; starting the servers"
start_docserve
start_nginx

# Sanity: both serve the whole file over TLS 1.3, and say which cipher.
declare -A CIPHER
for s in ds ngx; do
  got=$("${CURL[@]}" -o /dev/null -w '%{http_code} %{size_download}' "https://127.0.0.1:${PORT[$s]}/big.bin")
  [ "$got" = "200 $BIG_BYTES" ] || { echo "tls.sh: ${NAME[$s]}: /big.bin gave '$got'" >&2; exit 1; }
  CIPHER[$s]=$(timeout 10 openssl s_client -connect "127.0.0.1:${PORT[$s]}" -tls1_3 </dev/null 2>/dev/null \
    | awk '/^New, /{print $2, $5; exit}' | tr -d ,) || true
  [ -n "${CIPHER[$s]}" ] || CIPHER[$s]="TLSv1.3 (cipher not shown: no openssl)"
done

RUNS=$T/runs.tsv
: >"$RUNS"

# run_one SCENARIO ROUND SERVER NCURL: appends scen round srv mib secs ticks ok
run_one() {
  local scen=$1 round=$2 srv=$3 n=$4 pids t0 t1 c0 c1 i ok=1 cpids=()
  local url="https://127.0.0.1:${PORT[$srv]}/big.bin"
  read -r -a pids <<<"$(server_pids "$srv")"
  c0=$(cpu_ticks "${pids[@]}")
  t0=$(now)
  for i in $(seq "$n"); do
    "${CURL[@]}" -o /dev/null -w '%{size_download} %{speed_download}\n' "$url" >"$T/curl.$i" 2>&1 &
    cpids+=($!)
  done
  for i in "${!cpids[@]}"; do wait "${cpids[$i]}" || ok=0; done
  t1=$(now)
  c1=$(cpu_ticks "${pids[@]}")
  for i in $(seq "$n"); do
    [ "$(cut -d' ' -f1 "$T/curl.$i")" = "$BIG_BYTES" ] || ok=0
  done
  # One curl: its own speed_download (bytes over its total time, handshake
  # included, process start not); several: the wall time of the batch.
  local secs
  if [ "$n" = 1 ]; then
    secs=$(awk -v b="$BIG_BYTES" '{ if ($2 > 0) printf "%.6f", b / $2; else print 1e9 }' "$T/curl.1")
  else
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.6f", b - a}')
  fi
  [ "$ok" = 1 ] || log "${NAME[$srv]} $scen round $round: a transfer failed or was short"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scen" "$round" "$srv" \
    "$(awk -v b="$BIG_BYTES" -v n="$n" 'BEGIN{print b * n / 1048576}')" \
    "$secs" "$((c1 - c0))" "$ok" >>"$RUNS"
  sleep 0.3
}

# ---- header ------------------------------------------------------------
commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$REPO" --no-optional-locks status --porcelain --untracked-files=no -- src include 2>/dev/null)" ]; then
  commit="$commit (with uncommitted changes in src/ or include/)"
fi
gnutls_ver=$(dpkg-query -W -f '${Version}' libgnutls30 2>/dev/null \
  || (certtool --version 2>/dev/null | head -1) || echo unknown)
echo "docserve HTTPS benchmark: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "commit:   $commit"
echo "binary:   $DS_BIN ($(date -u -r "$DS_BIN" '+built %Y-%m-%d %H:%M UTC'))${DS_EXTRA[*]:+ with ${DS_EXTRA[*]}}"
ngx_ssl=$(nginx -V 2>&1 | grep -o 'running with OpenSSL [^ ]*' | sed 's/running with //' | head -1) || true
[ -n "$ngx_ssl" ] || ngx_ssl=$(nginx -V 2>&1 | grep -o 'built with OpenSSL [^ ]*' | sed 's/built with //' | head -1) || true
echo "versions: $("$DS_BIN" --version | sed -n 2p); GnuTLS $gnutls_ver; $(nginx -v 2>&1 | sed 's/^nginx version: //') with ${ngx_ssl:-OpenSSL ?}; client $(curl -V | head -1 | cut -d' ' -f1-2,5)"
echo "TLS:      docserve ${CIPHER[ds]}; nginx ${CIPHER[ngx]}; cert ECDSA P-256 from $CERT_TOOL"
echo "machine:  $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), Linux $(uname -r)"
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo "method:   $REPS rounds, servers alternated; per round and server: 1 curl of 100 MiB, then $PAR curls at once"
echo

# ---- runs --------------------------------------------------------------
log "warm-up"
for s in ds ngx; do "${CURL[@]}" -o /dev/null "https://127.0.0.1:${PORT[$s]}/big.bin" || true; done

for r in $(seq "$REPS"); do
  if [ $((r % 2)) = 1 ]; then order=(ds ngx); else order=(ngx ds); fi
  log "round $r/$REPS"
  for s in "${order[@]}"; do run_one single "$r" "$s" 1; done
  for s in "${order[@]}"; do run_one "x$PAR" "$r" "$s" "$PAR"; done
done

# ---- report ------------------------------------------------------------
python3 - "$RUNS" "$CLK_TCK" "$PAR" <<'EOF'
import statistics, sys
from collections import defaultdict

runs_path, clk, par = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
runs = defaultdict(lambda: defaultdict(dict))
order = []
failed = defaultdict(int)
for line in open(runs_path):
    scen, rnd, srv, mib, secs, ticks, ok = line.rstrip("\n").split("\t")
    if scen not in order:
        order.append(scen)
    if ok != "1":
        failed[(scen, srv)] += 1
        continue
    runs[scen][int(rnd)][srv] = dict(mibs=float(mib) / float(secs), mib=float(mib), ticks=int(ticks))

med = lambda xs: statistics.median(xs) if xs else float("nan")
label = {"single": "100MiB, 1 curl", "x%d" % par: "100MiB, %d curls at once" % par}
cols = ["scenario", "docserve", "nginx", "ds/ngx", "range", "ds CPU s/GiB", "ngx CPU s/GiB", "notes"]
rows = []
for scen in order:
    rs = runs[scen].values()
    ds = [r["ds"]["mibs"] for r in rs if "ds" in r]
    ng = [r["ngx"]["mibs"] for r in rs if "ngx" in r]
    ratios = [r["ds"]["mibs"] / r["ngx"]["mibs"] for r in rs if "ds" in r and "ngx" in r]
    def cpu(srv):
        t = sum(r[srv]["ticks"] for r in rs if srv in r)
        m = sum(r[srv]["mib"] for r in rs if srv in r)
        return "%.2f" % (t / clk / m * 1024) if m else "n/a"
    notes = ["%s: %d failed run(s)" % ({"ds": "docserve", "ngx": "nginx"}[s], n)
             for (sc, s), n in failed.items() if sc == scen]
    rows.append([label.get(scen, scen), "%.0f MiB/s" % med(ds), "%.0f MiB/s" % med(ng),
                 "%.2f" % med(ratios),
                 ("%.2f-%.2f" % (min(ratios), max(ratios))) if len(ratios) > 1 else "-",
                 cpu("ds"), cpu("ngx"), "; ".join(notes)])

print("Throughput: median of the rounds (the %d-curl rows: aggregate).  ds/ngx: median of the" % par)
print("per-round ratios (>1: docserve faster); range: lowest and highest.  CPU: server user+sys")
print("seconds per GiB sent (nginx: master+workers), clock tick %d ms." % (1000 // clk))
print()
widths = [max(len(str(r[i])) for r in [cols] + rows) for i in range(len(cols))]
def out(r):
    print("  ".join(str(v).ljust(widths[i]) if i in (0, len(cols) - 1) else str(v).rjust(widths[i])
                    for i, v in enumerate(r)).rstrip())
out(cols)
out(["-" * w for w in widths])
for r in rows:
    out(r)
EOF

echo
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) at end"
exit 0
