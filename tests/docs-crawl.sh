#!/bin/bash
# docs-crawl.sh: serve a documentation tree with docserve and crawl every
# link of every directory listing with a real HTTP client, the way a person
# browsing /usr/share/doc would.
#
#   tests/docs-crawl.sh [--max-urls N] [--time-limit SECS] [--bin PATH] [DOCROOT]
#
#   DOCROOT        tree to serve (default /usr/share/doc; when it does not
#                  exist the script prints a skip line and exits 0)
#   --max-urls N   stop after N requests (default 20000)
#   --time-limit S stop crawling after S seconds (default 300, at most 600)
#   --bin PATH     the docserve binary (default $DOCSERVE_BIN, else ./docserve
#                  next to tests/)
#   --sort-sample N  also fetch the ?sort=... column links of the first N
#                  listings (default 50; they are listings too)
#
# The crawler (python3, http.client over one keep-alive connection to
# 127.0.0.1, sequential, every read bounded by a timeout) starts at /,
# GETs every URL with "Accept-Encoding: gzip", and follows only the links of
# docserve listings (an HTML page that is not a listing, e.g. a package's
# own index.html, is fetched but its links are not followed), never above
# the root.  Checks:
#   - every link found in a listing answers 200 (a broken link is printed
#     with its URL, status and the listing it was found in); a broken link
#     whose target cannot be read on disk either (a dangling symlink) is
#     reported as the tree's fault, not docserve's, and does not fail;
#   - every listing is valid UTF-8 and says "charset=utf-8";
#   - the first 50 changelog.Debian.gz files come back as text/plain with
#     Content-Encoding: gzip, and their body gunzips to text;
#   - the server is still alive at the end.
# Prints the figures (pages, listings, bytes, broken links, time) and a last
# line "N passed, N failed".  Exit 0 on success or skip, 1 on a failure,
# 2 on a setup problem.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bin="${DOCSERVE_BIN:-$here/docserve}"
root=/usr/share/doc
max_urls=20000
time_limit=300
sort_sample=50

while [ $# -gt 0 ]; do
  case "$1" in
    --max-urls) max_urls="$2"; shift 2 ;;
    --max-urls=*) max_urls="${1#*=}"; shift ;;
    --time-limit) time_limit="$2"; shift 2 ;;
    --time-limit=*) time_limit="${1#*=}"; shift ;;
    --bin) bin="$2"; shift 2 ;;
    --bin=*) bin="${1#*=}"; shift ;;
    --sort-sample) sort_sample="$2"; shift 2 ;;
    --sort-sample=*) sort_sample="${1#*=}"; shift ;;
    -h|--help) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "docs-crawl.sh: unknown option $1" >&2; exit 2 ;;
    *) root="$1"; shift ;;
  esac
done

for v in "$max_urls" "$time_limit" "$sort_sample"; do
  case "$v" in ''|*[!0-9]*) echo "docs-crawl.sh: not a number: $v" >&2; exit 2 ;; esac
done
[ "$time_limit" -le 600 ] || time_limit=600

if [ ! -d "$root" ]; then
  echo "docs-crawl: SKIP: $root does not exist"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
if [ ! -x "$bin" ]; then
  echo "docs-crawl.sh: no docserve binary at $bin (build it or set DOCSERVE_BIN)" >&2
  exit 2
fi
command -v python3 >/dev/null || { echo "docs-crawl.sh: python3 is required" >&2; exit 2; }

tmp=$(mktemp -d)
pid=""
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$bin" --port 0 --address 127.0.0.1 --access-log none "$root" 2>"$tmp/stderr" &
pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's|^Serving .* at http://127\.0\.0\.1:\([0-9][0-9]*\)/$|\1|p' "$tmp/stderr" | head -1)
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "docs-crawl.sh: docserve did not start:" >&2
  cat "$tmp/stderr" >&2
  echo "0 passed, 1 failed"
  exit 2
fi
echo "docs-crawl: serving $root at http://127.0.0.1:$port/ (max $max_urls URLs, $time_limit s)"

rc=0
CRAWL_PORT="$port" CRAWL_ROOT="$root" CRAWL_MAX_URLS="$max_urls" \
CRAWL_TIME_LIMIT="$time_limit" CRAWL_SORT_SAMPLE="$sort_sample" CRAWL_PID="$pid" \
  timeout -k 10 $((time_limit + 60)) python3 - <<'PY' || rc=$?
import gzip, html.parser, http.client, os, sys, time, zlib
from urllib.parse import urljoin, urlsplit, unquote, unquote_to_bytes

PORT = int(os.environ["CRAWL_PORT"])
ROOT = os.environ["CRAWL_ROOT"]
MAX_URLS = int(os.environ["CRAWL_MAX_URLS"])
TIME_LIMIT = float(os.environ["CRAWL_TIME_LIMIT"])
SORT_SAMPLE = int(os.environ["CRAWL_SORT_SAMPLE"])
SERVER_PID = int(os.environ["CRAWL_PID"])
CHANGELOG_SAMPLE = 50
ORIGIN = "http://127.0.0.1:%d" % PORT
HEADERS = {"Accept-Encoding": "gzip", "User-Agent": "docserve-docs-crawl/1",
           "Accept": "text/html,*/*;q=0.8"}


class Links(html.parser.HTMLParser):
    """All hrefs of a page (hrefs, all followed), and those outside any <nav>
    (entry_hrefs): in a listing, a <nav> holds the breadcrumbs, links to the
    ancestors, not entries.  Links inside the README shown under a listing
    (<section class="readme">) are the package's text, not docserve's: they
    are neither entries nor followed."""
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs = []
        self.entry_hrefs = []
        self.in_nav = 0
        self.in_readme = 0

    def handle_starttag(self, tag, attrs):
        if tag == "nav":
            self.in_nav += 1
        if tag == "section" and ("class", "readme") in attrs:
            self.in_readme += 1
        if tag == "a" and not self.in_readme:
            for k, v in attrs:
                if k == "href" and v is not None:
                    self.hrefs.append(v)
                    if not self.in_nav:
                        self.entry_hrefs.append(v)

    def handle_endtag(self, tag):
        if tag == "nav" and self.in_nav:
            self.in_nav -= 1
        if tag == "section" and self.in_readme:
            self.in_readme -= 1


class Client:
    def __init__(self):
        self.conn = None

    def get(self, path):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            try:
                self.conn.request("GET", path, headers=HEADERS)
                r = self.conn.getresponse()
                body = r.read()
                hdrs = {k.lower(): v for k, v in r.getheaders()}
                if r.getheader("connection", "").lower() == "close" or r.will_close:
                    self.conn.close()
                    self.conn = None
                return r.status, hdrs, body
            except (http.client.HTTPException, OSError) as e:
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    return None, {"error": "%s: %s" % (type(e).__name__, e)}, b""


def disk_readable(path):
    """Whether the file or directory a URL path names can be read on disk."""
    rel = unquote(urlsplit(path).path).lstrip("/")
    p = os.path.join(ROOT, rel)
    try:
        if os.path.isdir(p):
            os.listdir(p)
        else:
            with open(p, "rb"):
                pass
        return True
    except OSError:
        return False


REAL_ROOT = os.path.realpath(ROOT).encode()


def disk_entries(path):
    """The names a listing of URL path should show: the regular files and
    directories on disk, less dotfiles, dangling symlinks and symlinks leading
    outside the root (docserve's defaults --dotfiles=deny --symlinks=inside),
    and less names docserve never lists because no URL can name them
    (invalid UTF-8, control bytes, backslash; see src/dirlist.c)."""
    d = os.path.join(ROOT.encode(), unquote_to_bytes(urlsplit(path).path).lstrip(b"/"))
    names = set()
    for n in os.listdir(d):
        if n.startswith(b"."):
            continue
        try:
            n.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if b"\\" in n or any(c < 0x20 or c == 0x7F for c in n):
            continue
        p = os.path.join(d, n)
        if not (os.path.isfile(p) or os.path.isdir(p)):
            continue
        if os.path.islink(p):
            real = os.path.realpath(p)
            if not os.path.exists(p) or not (real == REAL_ROOT or real.startswith(REAL_ROOT + b"/")):
                continue
        names.add(n)
    return names


def is_listing(path, hdrs, body):
    return (hdrs.get("content-type", "").startswith("text/html")
            and urlsplit(path).path.endswith("/")
            and b"<h1>Index of " in body and b"<footer>docserve</footer>" in body)


start = time.monotonic()
client = Client()
queue = [("/", None)]          # (path, listing it was found in)
seen = {"/"}
head = 0
n_pages = n_listings = n_bytes = 0
n_changelog_checked = n_sort = 0
broken_server = []             # (url, status, referrer)
broken_tree = []
bad_utf8 = []
bad_changelog = []
bad_entries = []               # (listing, missing, extra)
status_count = {}
truncated = None
slowest = (0.0, "")

while head < len(queue):
    if head >= MAX_URLS:
        truncated = "max URLs (%d) reached" % MAX_URLS
        break
    if time.monotonic() - start > TIME_LIMIT:
        truncated = "time limit (%d s) reached" % TIME_LIMIT
        break
    path, ref = queue[head]
    head += 1
    t0 = time.monotonic()
    status, hdrs, body = client.get(path)
    dt = time.monotonic() - t0
    if dt > slowest[0]:
        slowest = (dt, path)
    status_count[status] = status_count.get(status, 0) + 1
    if status != 200:
        shown = status if status is not None else hdrs.get("error")
        if ref is not None and not disk_readable(path):
            broken_tree.append((path, shown, ref))
        else:
            broken_server.append((path, shown, ref))
        continue
    n_pages += 1
    n_bytes += len(body)

    name = unquote(urlsplit(path).path.rstrip("/").rsplit("/", 1)[-1])
    if name == "changelog.Debian.gz" and n_changelog_checked < CHANGELOG_SAMPLE:
        n_changelog_checked += 1
        ctype = hdrs.get("content-type", "")
        cenc = hdrs.get("content-encoding", "")
        problem = None
        if not ctype.startswith("text/plain"):
            problem = "Content-Type %r" % ctype
        elif cenc != "gzip":
            problem = "Content-Encoding %r" % cenc
        else:
            try:
                text = gzip.decompress(body)
                text.decode("utf-8")
            except (OSError, EOFError, zlib.error) as e:
                problem = "body does not gunzip: %s" % e
            except UnicodeDecodeError as e:
                # Old changelogs can be Latin-1; still text, not a failure.
                pass
        if problem:
            bad_changelog.append((path, problem))

    if not is_listing(path, hdrs, body):
        continue
    n_listings += 1
    ctype = hdrs.get("content-type", "")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        bad_utf8.append((path, str(e)))
        text = body.decode("utf-8", "replace")
    if "charset=utf-8" not in ctype.lower().replace(" ", ""):
        bad_utf8.append((path, "Content-Type %r" % ctype))
    if "?" in path:
        continue                # a sorted view: same entries, not followed
    parser = Links()
    parser.feed(text)
    parser.close()
    shown = set()
    for href in parser.entry_hrefs:
        if "?" in href or "#" in href or href in ("../", "./") or "/" in href.rstrip("/"):
            continue
        shown.add(unquote_to_bytes(href).rstrip(b"/"))
    try:
        want = disk_entries(path)
        if want != shown:
            bad_entries.append((path, sorted(want - shown), sorted(shown - want)))
    except OSError as e:
        bad_entries.append((path, ["cannot list on disk: %s" % e], []))
    for href in parser.hrefs:
        url = urljoin(ORIGIN + path, href)
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.netloc != "127.0.0.1:%d" % PORT:
            continue
        target = parts.path + ("?" + parts.query if parts.query else "")
        if parts.query:
            if n_listings > SORT_SAMPLE:
                continue
            n_sort += 1
        if target in seen:
            continue
        seen.add(target)
        queue.append((target, path))

elapsed = time.monotonic() - start
try:
    os.kill(SERVER_PID, 0)
    alive = True
except OSError:
    alive = False

print("docs-crawl: %d requests in %.1f s (%.0f/s), slowest %.3f s (%s)"
      % (head, elapsed, head / elapsed if elapsed else 0, slowest[0], slowest[1]))
print("docs-crawl: pages 200: %d, listing pages: %d (%d sorted views), bytes: %d (%.1f MiB)"
      % (n_pages, n_listings, n_sort, n_bytes, n_bytes / 1048576))
print("docs-crawl: statuses: %s" % ", ".join("%s x%d" % (k, v) for k, v in sorted(status_count.items(), key=lambda kv: str(kv[0]))))
print("docs-crawl: changelog.Debian.gz checked: %d, wrong: %d" % (n_changelog_checked, len(bad_changelog)))
print("docs-crawl: broken links: %d caused by docserve, %d by the tree (unreadable on disk)"
      % (len(broken_server), len(broken_tree)))
if truncated:
    print("docs-crawl: NOTE: crawl stopped early: %s; %d URLs left in the queue" % (truncated, len(queue) - head))

passed = failed = 0

def check(ok, what, details=()):
    global passed, failed
    if ok:
        passed += 1
        print("PASS: " + what)
    else:
        failed += 1
        print("FAIL: " + what)
        for d in list(details)[:30]:
            print("  " + d)
        if len(details) > 30:
            print("  ... and %d more" % (len(details) - 30))

for u, s, r in broken_tree:
    print("  (tree) %s -> %s, linked from %s" % (u, s, r))
check(not broken_server, "no broken links caused by docserve",
      ["%s -> %s, linked from %s" % (u, s, r) for u, s, r in broken_server])
check(n_listings > 0, "the root is listed (%d listings)" % n_listings)
check(not bad_utf8, "every listing is valid UTF-8 with charset=utf-8",
      ["%s: %s" % x for x in bad_utf8])
check(not bad_entries, "every listing shows exactly the readable entries on disk",
      ["%s: missing %r, extra %r" % x for x in bad_entries])
check(not bad_changelog,
      "changelog.Debian.gz served as text/plain + Content-Encoding: gzip (%d sampled)" % n_changelog_checked,
      ["%s: %s" % x for x in bad_changelog])
check(alive, "docserve still running after the crawl")
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  echo "docs-crawl: FAIL: the crawler overran its time bound"
  echo "0 passed, 1 failed"
fi
if ! kill -0 "$pid" 2>/dev/null; then
  echo "docs-crawl: docserve exited during the crawl; its stderr:" >&2
  cat "$tmp/stderr" >&2
  [ "$rc" -ne 0 ] || rc=1
fi
exit "$rc"
