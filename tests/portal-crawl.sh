#!/bin/bash
# portal-crawl.sh: run docserve --system-docs on this machine and follow
# every link of its home page and of /doc/, the way a reader would.
#
#   tests/portal-crawl.sh [--max-urls N] [--time-limit SECS] [--bin PATH]
#
#   --max-urls N   stop after N requests (default 6000)
#   --time-limit S stop crawling after S seconds (default 120, at most 600)
#   --bin PATH     the docserve binary (default $DOCSERVE_BIN, else ./docserve)
#
# docserve serves this machine's /usr/share/doc, /usr/share/doc-base and the
# default link targets on 127.0.0.1, port 0.  The crawler (python3,
# http.client over one keep-alive connection, every read bounded) fetches:
#   - /, and every link on it: each catalogue link must answer 200 (links to
#     /man/, /info/ and /search are checked only when that part answers
#     here: GET /man/ etc. is not 404), and each catalogue HTML page's own
#     links, scripts, styles and images (same origin) must answer 200;
#   - /doc/, and every entry of that listing.
# A link that is not 200 is broken; one under /doc/ counts against
# docserve only when the file it names exists on disk (os.path.exists,
# symlinks followed): a dangling link shipped by a package is reported, not
# failed.  A broken link to a generated page (/info/, /man/) always counts.
# Prints: documents in /usr/share/doc-base, documents shown on the home page,
# requests, broken links (docserve's and the packages'), time; and a last
# line "N passed, N failed".  Exit 0 on success or skip, 1 on a failure,
# 2 on a setup problem.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bin="${DOCSERVE_BIN:-$here/docserve}"
max_urls=6000
time_limit=120

while [ $# -gt 0 ]; do
  case "$1" in
    --max-urls) max_urls="$2"; shift 2 ;;
    --max-urls=*) max_urls="${1#*=}"; shift ;;
    --time-limit) time_limit="$2"; shift 2 ;;
    --time-limit=*) time_limit="${1#*=}"; shift ;;
    --bin) bin="$2"; shift 2 ;;
    --bin=*) bin="${1#*=}"; shift ;;
    *) echo "usage: $0 [--max-urls N] [--time-limit SECS] [--bin PATH]" >&2; exit 2 ;;
  esac
done
case "$max_urls$time_limit" in *[!0-9]*) echo "portal-crawl: numbers only" >&2; exit 2 ;; esac
[ "$time_limit" -le 600 ] || time_limit=600
[ -x "$bin" ] || { echo "portal-crawl: no docserve at $bin" >&2; exit 2; }
if [ ! -d /usr/share/doc ]; then
  echo "portal-crawl: SKIP: no /usr/share/doc here"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi

tmp=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# timeout: the server cannot outlive the crawl by much.
# The search index (on with --system-docs) goes to the temp dir, not the
# user's cache.
timeout $((time_limit + 60)) "$bin" --system-docs --port 0 --address 127.0.0.1 \
  --access-log none --search-index "$tmp/search.sqlite" 2> "$tmp/stderr" &
pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/^Serving .* at http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$tmp/stderr")
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/stderr" >&2; echo "portal-crawl: docserve exited" >&2; exit 2; }
  sleep 0.1
done
[ -n "$port" ] || { cat "$tmp/stderr" >&2; echo "portal-crawl: docserve did not start" >&2; exit 2; }

status=0
python3 - "$port" "$max_urls" "$time_limit" <<'PY' || status=$?
import http.client, os, re, sys, time
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, unquote

port, max_urls, limit = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
start = time.monotonic()
conn = None
requests = 0

def get(path):
    global conn, requests
    requests += 1
    for attempt in (0, 1):
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
            r = conn.getresponse()
            body = r.read()
            if r.getheader("Connection", "").lower() == "close":
                conn.close(); conn = None
            return r.status, r.getheader("Content-Type", ""), body
        except (http.client.HTTPException, OSError):
            if conn is not None:
                conn.close()
            conn = None
            if attempt:
                raise

class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("href", "src"):
            if a.get(k) and tag in ("a", "link", "script", "img"):
                self.links.append(a[k])

def links_of(body, base):
    p = Links()
    p.feed(body.decode("utf-8", "replace"))
    out = []
    for l in p.links:
        u = urljoin(base, l)
        s = urlsplit(u)
        if s.scheme in ("", "http") and s.netloc in ("", "127.0.0.1:%d" % port):
            path = s.path + ("?" + s.query if s.query else "")
            if s.path.startswith("/"):
                out.append(path)
    return out

def on_disk(path):
    # Generated pages (/info/..., /man/..., /.docserve/...) are docserve's
    # own: a broken one is always docserve's fault.
    if not path.startswith("/doc/"):
        return True
    rel = unquote(urlsplit(path).path[len("/doc/"):])
    return os.path.exists(os.path.join("/usr/share/doc", rel))

seen = set()
broken_ours, broken_pkg, passed, failed = [], [], 0, 0
def check(path, found_in):
    global passed
    if path in seen or requests >= max_urls or time.monotonic() - start > limit:
        return None
    seen.add(path)
    st, ctype, body = get(path)
    if st == 200:
        return ctype, body
    (broken_ours if on_disk(path) else broken_pkg).append((path, st, found_in))
    return None

st, ctype, home = get("/")
if st != 200:
    print("portal-crawl: FAIL: GET / gave %d" % st)
    print("0 passed, 1 failed"); sys.exit(1)
html = home.decode("utf-8")
m = re.search(r"Registered manuals \((\d+)\)", html)
shown = int(m.group(1)) if m else -1
installed = len([n for n in os.listdir("/usr/share/doc-base") if not n.startswith(".")]) \
    if os.path.isdir("/usr/share/doc-base") else 0
parts = {}
for part in ("/man/", "/info/", "/search"):
    parts[part] = get(part)[0] != 404
manuals = []
for link in links_of(home, "/"):
    if link.startswith("/.docserve/"):
        check(link, "/"); continue
    part = next((p for p in parts if link.startswith(p)), None)
    if part is not None and not parts[part]:
        continue  # that part is another feature, not mounted in this build
    r = check(link, "/")
    if r and link.startswith("/doc/") and r[0].startswith("text/html"):
        manuals.append((link, r[1]))
for link, body in manuals:
    for sub in links_of(body, link):
        if sub.split("#")[0] and sub.startswith("/doc/"):
            check(sub.split("#")[0], link)

st, ctype, listing = get("/doc/")
for link in links_of(listing, "/doc/"):
    if link.startswith("/doc/") and "?" not in link:
        check(link, "/doc/")

elapsed = time.monotonic() - start
print("doc-base documents installed: %d, shown on the home page: %d" % (installed, shown))
print("parts answering here: %s" % (", ".join(p for p in parts if parts[p]) or "none"))
print("catalogue manuals (HTML) crawled: %d" % len(manuals))
print("requests: %d in %.1f s" % (requests, elapsed))
for path, st, where in broken_pkg[:20]:
    print("note: dangling in the package (no such file): %s -> %d (in %s)" % (path, st, where))
print("broken links to files that exist: %d; links to missing files: %d"
      % (len(broken_ours), len(broken_pkg)))
for path, st, where in broken_ours:
    print("FAIL: %s -> %d (found in %s)" % (path, st, where))
ok = not broken_ours and shown >= 0 and len(seen) > 1
if requests >= max_urls or elapsed > limit:
    print("note: stopped at the limit (%d requests, %.0f s)" % (requests, elapsed))
print("%d passed, %d failed" % ((1, 0) if ok else (0, 1)))
sys.exit(0 if ok else 1)
PY
kill -0 "$pid" 2>/dev/null || { echo "portal-crawl: FAIL: docserve died"; exit 1; }
exit "$status"
