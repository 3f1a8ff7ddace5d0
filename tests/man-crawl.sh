#!/bin/bash
# man-crawl.sh: serve this machine's manual pages and info manuals with
# docserve --system-docs and crawl /man/ and /info/, following every link
# of every page found there, the way a reader clicking through would.
#
#   tests/man-crawl.sh [--max-urls N] [--time-limit SECS] [--bin PATH]
#                         [--man-path DIRS] [--info-path DIRS]
#
#   --max-urls N    stop after N requests (default 4000)
#   --time-limit S  stop crawling after S seconds (default 90, at most 3600)
#   --bin PATH      the docserve binary (default $DOCSERVE_BIN, else ./docserve)
#   --man-path, --info-path  passed to docserve (default: its defaults)
#
# The crawler (python3, http.client over one keep-alive connection to
# 127.0.0.1, every read bounded by a timeout) starts at /man/ and /info/
# and takes URLs from the two trees in turn, so that a bounded crawl covers
# both.  Every link to /man/... or /info/... in a page of either tree is
# requested (redirects followed, at most 3); checks:
#   - every such link answers 200 in the end (a broken one is printed with
#     the page it was found on); 500 and 503 (a page that cannot be
#     rendered) are counted apart and also fail;
#   - every page is valid UTF-8 HTML and carries a Content-Security-Policy;
#   - the server is still alive at the end.
# Prints the figures and a last line "N passed, N failed".  Exit 0 on
# success or skip (no man and no info directory), 1 on a failure, 2 on a
# setup problem.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bin="${DOCSERVE_BIN:-$here/docserve}"
max_urls=4000
time_limit=90
extra=()

while [ $# -gt 0 ]; do
  case "$1" in
    --max-urls) max_urls=$2; shift 2 ;;
    --time-limit) time_limit=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --man-path) extra+=("--man-path=$2"); shift 2 ;;
    --info-path) extra+=("--info-path=$2"); shift 2 ;;
    *) echo "usage: $0 [--max-urls N] [--time-limit SECS] [--bin PATH] [--man-path DIRS] [--info-path DIRS]" >&2; exit 2 ;;
  esac
done
case "$max_urls$time_limit" in *[!0-9]*) echo "man-crawl: numbers expected" >&2; exit 2 ;; esac
[ "$time_limit" -le 3600 ] || time_limit=3600
[ -x "$bin" ] || { echo "man-crawl: $bin: no docserve binary" >&2; exit 2; }
command -v python3 >/dev/null || { echo "man-crawl: python3 missing" >&2; exit 2; }
if [ ${#extra[@]} -eq 0 ] && [ ! -d /usr/share/man ] && [ ! -d /usr/share/info ]; then
  echo "man-crawl: no /usr/share/man nor /usr/share/info: skipped"
  echo "0 passed, 0 failed"
  exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/docserve-man-crawl.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
mkdir "$tmp/doc"

"$bin" --system-docs --doc-dir="$tmp/doc" --search-index="$tmp/search.sqlite" "${extra[@]}" \
  --address=127.0.0.1 --port=0 \
  --access-log=none 2>"$tmp/err" &
pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/err" | head -1)
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/err" >&2; exit 2; }
  sleep 0.1
done
[ -n "$port" ] || { echo "man-crawl: docserve did not start" >&2; cat "$tmp/err" >&2; exit 2; }

status=0
python3 - "$port" "$max_urls" "$time_limit" <<'EOF' || status=$?
import html, http.client, re, sys, time
from urllib.parse import urljoin, urlsplit

port, max_urls, limit = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
start = time.monotonic()
conn = None

def fetch(path):
    global conn
    for attempt in range(2):
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path)
            r = conn.getresponse()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
        except (http.client.HTTPException, OSError):
            conn = None
            if attempt == 1:
                raise

queues = {"/man/": ["/man/"], "/info/": ["/info/"]}
seen = {"/man/", "/info/"}
found_on = {}
pages = broken = failed_render = bad_pages = requests = 0
bytes_total = 0
statuses = {}
href_re = re.compile(r'href="([^"]*)"')

def tree_of(path):
    return "/man/" if path.startswith("/man/") else "/info/"

stopped = False
while any(queues.values()):
    if requests >= max_urls or time.monotonic() - start > limit:
        stopped = True
        break
    for tree in ("/man/", "/info/"):
        if not queues[tree]:
            continue
        url = queues[tree].pop(0)
        path, hops, status, headers, body = url, 0, 0, {}, b""
        while True:
            status, headers, body = fetch(path)
            requests += 1
            if status in (301, 302) and hops < 3:
                path = urlsplit(urljoin(path, headers.get("location", ""))).path
                hops += 1
                continue
            break
        statuses[status] = statuses.get(status, 0) + 1
        bytes_total += len(body)
        if status != 200:
            if status in (500, 503):
                failed_render += 1
            else:
                broken += 1
            print("BROKEN %d %s (linked from %s)" % (status, url, found_on.get(url, "-")))
            continue
        pages += 1
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            bad_pages += 1
            print("NOT UTF-8 %s" % url)
            continue
        if "content-security-policy" not in headers or "text/html" not in headers.get("content-type", ""):
            bad_pages += 1
            print("NO CSP OR NOT HTML %s" % url)
        for href in href_re.findall(text):
            href = html.unescape(href).split("#", 1)[0]
            if not href.startswith("/man/") and not href.startswith("/info/"):
                continue
            target = href.split("?", 1)[0] if "?k=" not in href else href
            if target in seen:
                continue
            seen.add(target)
            found_on[target] = url
            queues[tree_of(target)].append(target)

elapsed = time.monotonic() - start
fetch("/man/")  # still alive
left = sum(len(q) for q in queues.values())
print("man-crawl: %d requests, %d pages, %.1f MB, %.1f s, statuses %s, %d URLs left%s"
      % (requests, pages, bytes_total / 1e6, elapsed, dict(sorted(statuses.items())), left,
         " (stopped at the bound)" if stopped else ""))
print("man-crawl: %d broken links, %d pages that could not be rendered, %d bad pages"
      % (broken, failed_render, bad_pages))
ok = broken == 0 and failed_render == 0 and bad_pages == 0
print("%d passed, %d failed" % (1 if ok else 0, 0 if ok else 1))
sys.exit(0 if ok else 1)
EOF
kill -0 "$pid" 2>/dev/null || { echo "man-crawl: docserve died" >&2; status=1; }
if grep -v "^Serving" "$tmp/err" | grep -q .; then
  echo "man-crawl: docserve's messages:"; grep -v "^Serving" "$tmp/err" | head -20
fi
exit "$status"
