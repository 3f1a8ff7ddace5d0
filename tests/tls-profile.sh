#!/bin/bash
# tls-profile.sh: docserve's TLS profile as a client sees it.  One docserve
# serves HTTPS on 127.0.0.1 with a throwaway certificate; testssl (Debian
# package testssl.sh), curl and openssl s_client then check that it offers
# Mozilla's "intermediate" profile and nothing weaker.
#
#   tests/tls-profile.sh [--bin PATH] [--priorities STRING] [--time-limit SECS]
#                        [--no-install] [--keep]
#
#   --bin PATH          the docserve binary (default $DOCSERVE_BIN, else
#                       ./docserve next to tests/)
#   --priorities STRING start docserve with --tls-priorities STRING instead of
#                       its default (also $TLS_PROFILE_PRIORITIES); for
#                       instance the old default 'NORMAL:-VERS-TLS1.0:-VERS-TLS1.1'
#                       to see the checks fail
#   --time-limit SECS   bound for the testssl run (default 600)
#   --no-install        do not apt-get what is missing (then exit 2)
#   --keep              keep the temp dir (certificate, testssl's JSON and
#                       screen output, docserve's stderr)
#
# The certificate is RSA 2048, self-signed for 127.0.0.1 (certtool, as
# tests/check_tls.c, else openssl): static-RSA and DHE-RSA suites exist only
# for RSA certificates, so only with one can a check see them offered.
# Checks:
#   1. testssl -p -e -U (protocols, each of its 370 cipher suites,
#      vulnerabilities; -s, the cipher categories, would add a fifth to the
#      time and see nothing -e does not; --nodns none, as DNS look-ups on a
#      machine without a resolver cost minutes), read from its --jsonfile:
#      a. SSLv2, SSLv3, TLS 1.0 and TLS 1.1 not offered; TLS 1.2 and 1.3
#         offered;
#      b. no finding says "vulnerable" (other than "not vulnerable") or has
#         a severity above INFO (testssl rates LUCKY13 with CBC suites, weak
#         groups and the like LOW to CRITICAL; WARN and FATAL mean it could
#         not test);
#      c. every suite offered is in the profile: TLS 1.3 with AES-GCM or
#         ChaCha20-Poly1305, or TLS 1.2 ECDHE/DHE with AES-GCM or
#         ChaCha20-Poly1305 (each other suite is named: CBC, no forward
#         secrecy, or otherwise outside the profile), and DHE uses >= 2048
#         bits;
#   2. curl with its defaults (and --cacert) gets 200 and the page;
#   3. curl --tlsv1.0 --tls-max 1.1 cannot connect (SSL error 35).  It runs
#      with --ciphers DEFAULT@SECLEVEL=0: at Debian's default security level
#      OpenSSL 3 refuses TLS 1.1 itself, and the check would pass whatever
#      the server offers;
#   4. curl --ciphers AES256-SHA --tls-max 1.2 (static RSA, CBC) cannot
#      connect (SSL error 35);
#   5. openssl s_client -tls1_2 offering only SHA-1 signatures (-sigalgs
#      RSA+SHA1) gets no handshake, while RSA+SHA256 does;
#   6. docserve is still up afterwards and exits 0 on SIGTERM.
# Prints one line per check, a last line "N passed, N failed"; exit 0 if
# every check passed, 1 if one failed, 2 on a setup problem.  Only
# processes this script starts are stopped, by PID.  Needs bash, curl,
# openssl, python3, testssl; testssl.sh (and any of the others missing) is
# installed with apt-get (after apt-get update) when running as root.
set -u

here=$(cd "$(dirname "$0")/.." && pwd)
bin="${DOCSERVE_BIN:-$here/docserve}"
priorities="${TLS_PROFILE_PRIORITIES:-}"
time_limit=600
install=1
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift ;;
    --bin=*) bin="${1#*=}" ;;
    --priorities) priorities="$2"; shift ;;
    --priorities=*) priorities="${1#*=}" ;;
    --time-limit) time_limit="$2"; shift ;;
    --time-limit=*) time_limit="${1#*=}" ;;
    --no-install) install=0 ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//; /^set -u/d'; exit 0 ;;
    *) echo "tls-profile.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$time_limit" in ''|*[!0-9]*) echo "tls-profile.sh: --time-limit: not a number: $time_limit" >&2; exit 2 ;; esac
if [ ! -x "$bin" ]; then
  echo "tls-profile.sh: no docserve binary at $bin (build it, or pass --bin)" >&2
  exit 2
fi

# ---- tools -------------------------------------------------------------
need=()
command -v testssl >/dev/null || need+=(testssl.sh)
command -v curl >/dev/null || need+=(curl)
command -v openssl >/dev/null || need+=(openssl)
command -v python3 >/dev/null || need+=(python3)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$install" = 1 ] && [ "$(id -u)" = 0 ]; then
    echo "tls-profile.sh: installing ${need[*]} (apt-get)"
    timeout 300 apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  for t in testssl curl openssl python3; do
    command -v "$t" >/dev/null || {
      echo "tls-profile.sh: $t is missing (apt-get install ${need[*]})" >&2; exit 2; }
  done
fi

# ---- temp dir, certificate, cleanup ------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/docserve-tls-profile-XXXXXX")
daemon_pid=""
cleanup() {
  if [ -n "$daemon_pid" ]; then
    kill -TERM "$daemon_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$daemon_pid" 2>/dev/null
    wait "$daemon_pid" 2>/dev/null
  fi
  if [ "$keep" = 1 ]; then echo "tls-profile.sh: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkdir "$tmp/root"
printf '<!DOCTYPE html><title>tls profile</title>\n' >"$tmp/root/index.html"
cert="$tmp/cert.pem"
key="$tmp/key.pem"
if command -v certtool >/dev/null; then
  printf '%s\n' 'cn = "127.0.0.1"' 'ip_address = "127.0.0.1"' 'dns_name = "localhost"' \
    'expiration_days = 2' 'tls_www_server' 'signing_key' 'encryption_key' >"$tmp/cert.tmpl"
  certtool --generate-privkey --key-type rsa --bits 2048 --outfile "$key" >/dev/null 2>&1 \
    && certtool --generate-self-signed --load-privkey "$key" --template "$tmp/cert.tmpl" \
         --outfile "$cert" >/dev/null 2>&1
else
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$key" -out "$cert" >/dev/null 2>&1
fi
if [ ! -s "$cert" ] || [ ! -s "$key" ]; then
  echo "tls-profile.sh: could not make a test certificate" >&2
  exit 2
fi

# ---- docserve ----------------------------------------------------------
args=(--address 127.0.0.1 --port 0 --access-log none --tls-cert "$cert" --tls-key "$key")
[ -n "$priorities" ] && args+=(--tls-priorities "$priorities")
"$bin" "${args[@]}" "$tmp/root" 2>"$tmp/daemon.err" &
daemon_pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's|^Serving .* at https://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/daemon.err")
  [ -n "$port" ] && break
  kill -0 "$daemon_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "tls-profile.sh: docserve did not start:" >&2
  cat "$tmp/daemon.err" >&2
  exit 2
fi
url="https://127.0.0.1:$port/"
echo "docserve (pid $daemon_pid) at $url, RSA 2048 certificate, priorities:" \
  "${priorities:-the default}"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

# ---- 1. testssl --------------------------------------------------------
echo "testssl $(dpkg-query -W -f '${Version}' testssl.sh 2>/dev/null || echo '(version unknown)')" \
  "-p -e -U (at most $time_limit s) ..."
t0=$(date +%s)
timeout "$time_limit" testssl --quiet --color 0 --warnings batch --nodns none \
  --connect-timeout 10 --openssl-timeout 10 -p -e -U \
  --jsonfile "$tmp/testssl.json" "127.0.0.1:$port" >"$tmp/testssl.txt" 2>&1
rc=$?
t1=$(date +%s)
echo "testssl took $((t1 - t0)) s (exit status $rc)"
# Prints "check-name<TAB>PASS|FAIL<TAB>detail" lines.
python3 - "$tmp/testssl.json" >"$tmp/verdicts" <<'EOF'
import json, re, sys

try:
    findings = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    print("testssl completed\tFAIL\tno JSON result (%s)" % e)
    sys.exit(0)
by_id = {f.get("id"): f for f in findings}
if "scanTime" not in by_id:
    print("testssl completed\tFAIL\tthe JSON result has no scanTime: the scan was cut short")
    sys.exit(0)

def verdict(name, problems, ok_detail):
    if problems:
        print("%s\tFAIL\t%s" % (name, "; ".join(problems)))
    else:
        print("%s\tPASS\t%s" % (name, ok_detail))

# a. protocols
problems = []
for pid, label in (("SSLv2", "SSLv2"), ("SSLv3", "SSLv3"), ("TLS1", "TLS 1.0"), ("TLS1_1", "TLS 1.1")):
    f = by_id.get(pid)
    if f is None:
        problems.append("%s: not tested" % label)
    elif not f["finding"].startswith("not offered"):
        problems.append("%s: %s" % (label, f["finding"]))
for pid, label in (("TLS1_2", "TLS 1.2"), ("TLS1_3", "TLS 1.3")):
    f = by_id.get(pid)
    if f is None or not f["finding"].startswith("offered"):
        problems.append("%s: %s" % (label, f["finding"] if f else "not tested"))
verdict("testssl protocols: TLS 1.2 and 1.3 only", problems,
        "SSLv2, SSLv3, TLS 1.0, TLS 1.1 not offered; TLS 1.2, TLS 1.3 offered")

# b. vulnerabilities and anything rated above INFO
problems = []
for f in findings:
    text = f.get("finding", "")
    vulnerable = re.search(r"(?<!not )vulnerable", text, re.IGNORECASE)
    if vulnerable or f.get("severity") not in ("OK", "INFO"):
        problems.append("%s [%s]: %s" % (f.get("id"), f.get("severity"), text))
vulns = [f["id"] for f in findings if "vulnerable" in f.get("finding", "").lower()]
verdict("testssl findings: nothing vulnerable, nothing rated above INFO", problems,
        "%d findings, all OK or INFO; %d vulnerability checks say not vulnerable"
        % (len(findings), len(vulns)))

# c. the suites offered (testssl -e: "xHEX  OPENSSL-NAME  KX [BITS]  ENC  BITS  IANA-NAME")
profile = re.compile(r"^TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256"
                     r"|(ECDHE|DHE)_(RSA|ECDSA)_WITH_(AES_128_GCM_SHA256|AES_256_GCM_SHA384"
                     r"|CHACHA20_POLY1305_SHA256))$")
problems = []
offered = []
for f in findings:
    if not f.get("id", "").startswith("cipher_x"):
        continue
    tok = f["finding"].split()
    if len(tok) < 6:
        problems.append("cannot read %r" % f["finding"])
        continue
    iana, kx = tok[-1], tok[2:-3]
    offered.append(iana)
    why = []
    if not profile.match(iana):
        if "_CBC_" in iana:
            why.append("CBC")
        if iana.startswith("TLS_RSA_") or kx == ["RSA"]:
            why.append("no forward secrecy (static RSA)")
        if not why:
            why.append("not in the profile")
    if kx and kx[0] == "DH" and (len(kx) < 2 or not kx[1].isdigit() or int(kx[1]) < 2048):
        why.append("DH group of %s bits" % (kx[1] if len(kx) > 1 else "?"))
    if why:
        problems.append("%s (%s)" % (iana, ", ".join(why)))
if not offered:
    problems.append("testssl listed no suite at all")
verdict("testssl suites: ECDHE/DHE with AES-GCM or ChaCha20-Poly1305 only", problems,
        "%d suites: %s" % (len(offered), " ".join(offered)))
EOF
while IFS=$'\t' read -r name status detail; do
  if [ "$status" = PASS ]; then pass "$name ($detail)"; else fail "$name: $detail"; fi
done <"$tmp/verdicts"
if [ "$failed" -gt 0 ]; then
  echo "testssl's screen output:"
  sed 's/^/   | /' "$tmp/testssl.txt"
fi

# ---- 2-4. curl ---------------------------------------------------------
# curl_check NAME WANT CURL-ARGS...: WANT is "200" (must fetch the page) or
# "35" (must fail in the TLS handshake, curl's exit status 35).
curl_check() {
  local name="$1" want="$2"
  shift 2
  local out rc
  out=$(curl --noproxy '*' -sS --max-time 10 -o "$tmp/body" -w '%{http_code}' "$@" "$url" 2>"$tmp/curl.err")
  rc=$?
  if [ "$want" = 200 ]; then
    if [ "$rc" = 0 ] && [ "$out" = 200 ] && cmp -s "$tmp/body" "$tmp/root/index.html"; then
      pass "$name (200, the page)"
    else
      fail "$name: exit $rc, status $out: $(tr '\n' ' ' <"$tmp/curl.err")"
    fi
  elif [ "$rc" = 35 ]; then
    pass "$name (refused in the handshake: exit 35)"
  else
    fail "$name: wanted a handshake failure (exit 35), got exit $rc, status $out $(tr '\n' ' ' <"$tmp/curl.err")"
  fi
}
curl_check "curl with its defaults connects" 200 --cacert "$cert"
curl_check "curl --tls-max 1.1 cannot connect" 35 --cacert "$cert" \
  --tlsv1.0 --tls-max 1.1 --ciphers 'DEFAULT@SECLEVEL=0'
curl_check "curl --ciphers AES256-SHA --tls-max 1.2 cannot connect" 35 --cacert "$cert" \
  --ciphers AES256-SHA --tls-max 1.2

# ---- 5. SHA-1 signatures -----------------------------------------------
# s_client_cipher SIGALGS: the cipher openssl agreed on ("(NONE)": no handshake).
s_client_cipher() {
  timeout 10 openssl s_client -connect "127.0.0.1:$port" -tls1_2 -cipher 'DEFAULT@SECLEVEL=0' \
    -sigalgs "$1" </dev/null 2>/dev/null | sed -n 's/^New, [^,]*, Cipher is //p' | head -1
}
sha1=$(s_client_cipher RSA+SHA1)
sha256=$(s_client_cipher RSA+SHA256)
if [ "$sha1" = "(NONE)" ] && [ -n "$sha256" ] && [ "$sha256" != "(NONE)" ]; then
  pass "TLS 1.2 with SHA-1 signatures only is refused (RSA+SHA256: $sha256)"
else
  fail "SHA-1 signatures: RSA+SHA1 gave '${sha1:-no answer}', RSA+SHA256 gave '${sha256:-no answer}' (want (NONE) and a cipher)"
fi

# ---- 6. docserve survived ----------------------------------------------
if ! kill -0 "$daemon_pid" 2>/dev/null; then
  wait "$daemon_pid"
  fail "docserve died during the checks (exit $?)"
  daemon_pid=""
else
  kill -TERM "$daemon_pid"
  st=""
  for _ in $(seq 100); do
    if ! kill -0 "$daemon_pid" 2>/dev/null; then wait "$daemon_pid"; st=$?; break; fi
    sleep 0.1
  done
  if [ "$st" = 0 ]; then
    pass "docserve was up to the end and exited 0 on SIGTERM"
    daemon_pid=""
  else
    fail "docserve did not exit 0 within 10 s of SIGTERM (${st:-still running})"
  fi
fi
msgs=$(grep -vc '^Serving ' "$tmp/daemon.err")
if [ "$msgs" -gt 0 ]; then
  echo "docserve stderr: $msgs lines (from testssl's probes); distinct, with counts:"
  grep -v '^Serving ' "$tmp/daemon.err" | sed 's/[0-9][0-9]* more messages/N more messages/' \
    | sort | uniq -c | sort -rn | head -5 | sed 's/^/   | /'
fi

if [ "$failed" = 0 ]; then echo "tls-profile.sh: PASS"; else echo "tls-profile.sh: FAIL"; fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
