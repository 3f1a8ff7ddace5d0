#!/bin/bash
# browser-check.sh: look at docserve's pages with a real browser (headless
# Chromium) and check that they load whole.
#
#   tests/browser-check.sh [OUTDIR]
#
#   OUTDIR   where the screenshots go (default: a new temp dir, printed and
#            kept so they can be looked at)
#
# Environment:
#   BROWSER_CHECK_FAVICON=strict  also fail when Chromium's automatic
#                    /favicon.ico request gets 404 (by default only noted)
#   DOCSERVE_BIN     the binary (default: ./docserve next to tests/)
#   CHROMIUM         the browser (default: chromium; installed with
#                    "apt-get install -y chromium" when missing and root)
#   BROWSER_TIMEOUT  seconds allowed for each Chromium run (default 60)
#
# It serves a temp tree: the project's htdocs/ (index.html, style.css,
# logo.svg) at the root, plus doc/ with a gzipped changelog.Debian.gz, a
# README, a file whose name has spaces and UTF-8, a name with '&', '#' and
# '%', and a subdirectory.  docserve runs on 127.0.0.1, port 0, with
# --access-log FILE.  Then, each Chromium run with its own new profile:
#   - screenshots of / (index.png), /doc/ (listing.png) and
#     /doc/changelog.Debian.gz (changelog.png), each a non-blank PNG;
#   - every request Chromium made while loading /, /doc/ and the changelog got
#     2xx or 304 in the access log (but see BROWSER_CHECK_FAVICON), and / did
#     load its stylesheet and its logo;
#   - --dump-dom of /: the heading "docserve is running";
#   - --dump-dom of /doc/: a link for every entry, whose text is the file name
#     and whose href resolves to it; following two of those hrefs (the
#     space/UTF-8 one and the '&#%' one) shows the file's text;
#   - --dump-dom of /doc/changelog.Debian.gz: rendered as text (a <pre> with a
#     line of the changelog), not offered as a download;
#   - over the DevTools protocol (tests/browser-cdp.py): the listing /doc/ has
#     the filter box made by /.docserve/filter.js with a count of its rows,
#     "/" focuses it, typing narrows the rows in place and updates the count;
#     /doc/README.md.gz is rendered (an <article class="md">, no script);
#     light and dark screenshots of both (filter-*.png, markdown-*.png).
#   - with --search: a screenshot of the results for words of the gzipped
#     changelog (search.png), whose DOM links the changelog and marks the
#     match, and a search box in the listing.
# Then the documentation portal: docserve --system-docs on this machine
# (its /usr/share/doc, doc-base and link targets), with its own access log:
#   - a screenshot of its home page (portal.png), every request 2xx/304;
#   - the first Sphinx manual of the catalogue built by a Sphinx that
#     matches Debian 12's libjs-sphinxdoc (a link from the home page to an
#     HTML page next to search.html, searchindex.js, _static/searchtools.js
#     and _static/sphinx_highlight.js; older builds such as
#     python-blinker-doc's break with the newer searchtools.js in any
#     browser), e.g. the one of python-chardet-doc, which .ci/run installs
#     (Read the Docs theme, fonts linked from other packages): a
#     screenshot (sphinx.png)
#     with every request 2xx/304, its scripts (linked into
#     /usr/share/javascript) included; and its search page run with a
#     query: the search index is loaded and results are shown.
#   Without a Sphinx manual in the catalogue this part is a SKIP line.
#   Once its search index is complete (at most 240 s): "list directory
#   contents" (ls(1)'s description) finds /man/1/ls as JSON, and typed into
#   the home page's box (tests/browser-cdp.py search; portal-search-man.png
#   and -dark.png).
# Last, a portal of known documents (--doc-dir, --man-path, --info-path of a
# temp tree): a word of a gzipped changelog, of a manual page's NAME line
# and of an HTML manual's body each found as JSON and by typing it into the
# home page's search box and pressing Enter; each hit is followed and loads
# (portal-search.png, portal-search-dark.png), and every request was
# 2xx/304.
# Prints one PASS/FAIL line per check and a last line "N passed, N failed".
# Exit 0 when all pass, 1 when one fails, 2 on a setup problem.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bin="${DOCSERVE_BIN:-$here/docserve}"
chromium="${CHROMIUM:-chromium}"
btimeout="${BROWSER_TIMEOUT:-60}"
outdir="${1:-}"

setup_fail() {
  echo "browser-check: setup: $*" >&2
  echo "0 passed, 1 failed"
  exit 2
}

[ -x "$bin" ] || setup_fail "no docserve binary at $bin (build it or set DOCSERVE_BIN)"
[ -f "$here/htdocs/index.html" ] || setup_fail "no htdocs/index.html in $here"
command -v python3 >/dev/null || setup_fail "python3 is required"

if ! command -v "$chromium" >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "browser-check: SKIP: $chromium is not installed and we are not root to install it"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
  fi
  echo "browser-check: installing chromium (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  timeout 900 apt-get update -qq >/dev/null || true
  timeout 1800 apt-get install -y -qq chromium >/dev/null \
    || setup_fail "apt-get install -y chromium failed"
  chromium=chromium
  command -v "$chromium" >/dev/null || setup_fail "chromium still missing after apt-get"
fi

tmp=$(mktemp -d)
if [ -z "$outdir" ]; then
  outdir=$(mktemp -d -t docserve-screens.XXXXXX)
fi
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
pid=""
portal_pid=""
fixture_pid=""
stop() {
  local p="$1"
  if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  fi
}
cleanup() {
  stop "$pid"
  stop "$portal_pid"
  stop "$fixture_pid"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The tree.
site="$tmp/site"
mkdir -p "$site/doc/examples"
cp "$here"/htdocs/* "$site/"
cat > "$tmp/changelog" <<'EOF'
docserve-demo (1.0-1) unstable; urgency=medium

  * Initial release of the browser-check demo package.
  * Unicode in a changelog: Zoë, naïve, 日本語.

 -- Jane Doe <jane@example.org>  Sun, 01 Mar 2026 12:00:00 +0000
EOF
gzip -9 -n -c "$tmp/changelog" > "$site/doc/changelog.Debian.gz"
printf 'README of the demo package.\n' > "$site/doc/README"
printf 'Notes with spaces and UTF-8 in the name: sentinel-one.\n' > "$site/doc/release notes – ü ✓.txt"
printf 'An ampersand, hash and percent name: sentinel-two.\n' > "$site/doc/a&b #1 100%.txt"
printf 'echo example\n' > "$site/doc/examples/run.sh"
cat > "$tmp/readme.md" <<'EOF'
# Demo package

A *rendered* README, gzip-compressed as Debian ships them, with **bold**,
`code`, ~~struck~~ text and a [relative link](README) and
[one that must not run](javascript:alert(1)).

## Install

```sh
sudo apt-get install docserve-demo
docserve /usr/share/doc
```

| option | default | meaning |
|--------|---------|---------|
| `--port` | 8080 | where to listen |
| `--timeout` | 15 | idle seconds |

- [x] tables, task lists, strikethrough
- [ ] raw <b>HTML</b> is shown as text

> A quotation, in the shell's muted colour.
EOF
gzip -9 -n -c "$tmp/readme.md" > "$site/doc/README.md.gz"
names=(changelog.Debian.gz README README.md.gz "release notes – ü ✓.txt" "a&b #1 100%.txt" "examples/")

# start_docserve ERRFILE ARGS...: docserve on 127.0.0.1, port 0, with ARGS;
# sets started_pid, and started_port once it says where it serves (empty if
# it did not within 10 s).
start_docserve() {
  local err="$1"; shift
  "$bin" --port 0 --address 127.0.0.1 "$@" 2>"$err" &
  started_pid=$!
  started_port=""
  for _ in $(seq 100); do
    started_port=$(sed -n 's|^Serving .* at http://127\.0\.0\.1:\([0-9][0-9]*\)/$|\1|p' "$err" | head -1)
    [ -n "$started_port" ] && break
    kill -0 "$started_pid" 2>/dev/null || break
    sleep 0.1
  done
}

start_docserve "$tmp/stderr" --access-log "$tmp/access.log" \
  --search --search-index "$tmp/search.sqlite" "$site"
pid=$started_pid
port=$started_port
[ -n "$port" ] || { cat "$tmp/stderr" >&2; setup_fail "docserve did not start"; }
base="http://127.0.0.1:$port"
echo "browser-check: serving $site at $base/; screenshots in $outdir"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

run=0
# chromium_run OUTFILE ARGS... : one headless Chromium run with a new profile,
# bounded by $btimeout; stdout to OUTFILE, stderr to $tmp/chromium.N.err.
chromium_run() {
  local out="$1"; shift
  run=$((run + 1))
  local profile="$tmp/profile.$run"
  mkdir "$profile"
  local rc=0
  timeout -k 5 "$btimeout" "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update --disable-sync \
    --disable-extensions --user-data-dir="$profile" "$@" \
    >"$out" 2>"$tmp/chromium.$run.err" </dev/null || rc=$?
  rm -rf "$profile"
  if [ "$rc" -ne 0 ]; then
    echo "  chromium exited $rc (124 = timed out after $btimeout s); its last stderr lines:"
    grep -v 'dbus\|DBus' "$tmp/chromium.$run.err" | tail -5 | sed 's/^/    /'
  fi
  return "$rc"
}

access_log="$tmp/access.log"   # the log check_requests reads
log_lines() { if [ -f "$access_log" ]; then wc -l < "$access_log"; else echo 0; fi; }

# check_requests WHAT FROM_LINE PATH... : the access-log lines after
# FROM_LINE all have a 2xx/304 status, and each PATH was requested.
check_requests() {
  local what="$1" from="$2"; shift 2
  sleep 0.3   # the log line is written when the reply is done
  local lines bad favicon missing=""
  lines=$(tail -n +"$((from + 1))" "$access_log" || true)
  bad=$(printf '%s\n' "$lines" | awk 'NF && !($9 ~ /^2[0-9][0-9]$/ || $9 == "304")')
  # Chromium asks for /favicon.ico on its own for a page that names no icon;
  # a 404 there is noted, and fails only with BROWSER_CHECK_FAVICON=strict.
  favicon=$(printf '%s\n' "$bad" | grep -F '"GET /favicon.ico HTTP/1.1" 404 ' || true)
  if [ -n "$favicon" ] && [ "${BROWSER_CHECK_FAVICON:-}" != strict ]; then
    bad=$(printf '%s\n' "$bad" | grep -vF '"GET /favicon.ico HTTP/1.1" 404 ' || true)
    lines=$(printf '%s\n' "$lines" | grep -vF '"GET /favicon.ico HTTP/1.1" 404 ' || true)
    echo "  NOTE: $what: Chromium's own request for /favicon.ico got 404 (the page names no icon)"
  fi
  for p in "$@"; do
    printf '%s\n' "$lines" | grep -qF "\"GET $p HTTP/1.1\"" || missing="$missing $p"
  done
  local n
  n=$(printf '%s\n' "$lines" | grep -c . || true)
  if [ -z "$bad" ] && [ -z "$missing" ]; then
    pass "$what: all $n requests Chromium made got 2xx/304 ($(printf '%s\n' "$lines" | awk 'NF{printf "%s %s, ", $7, $9}' | sed 's/, $//'))"
  else
    fail "$what: failed or missing sub-resources"
    [ -z "$bad" ] || printf '%s\n' "$bad" | sed 's/^/  bad: /'
    [ -z "$missing" ] || echo "  never requested:$missing"
  fi
}

# png_ok FILE: a PNG of a page that is not blank (decoded scanlines differ).
png_ok() {
  python3 - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    print("  not a PNG"); sys.exit(1)
pos, idat, w, h = 8, b"", 0, 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h = struct.unpack(">II", body[:8])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
# Filtered bytes other than 0 mean the picture changes somewhere; a blank page
# (one colour) filters to almost all zeros.
nonzero = sum(1 for b in raw[::7] if b) / max(1, len(raw[::7]))
print("  %s: %dx%d, %d bytes, %.1f%% non-flat" % (sys.argv[1], w, h, len(data), nonzero * 100))
sys.exit(0 if w >= 400 and h >= 300 and nonzero > 0.005 else 1)
PY
}

shot() {
  local name="$1" url="$2"
  rm -f "$outdir/$name"
  if chromium_run "$tmp/shot.out" --hide-scrollbars --window-size=1280,900 \
       --screenshot="$outdir/$name" "$url" && [ -s "$outdir/$name" ] && png_ok "$outdir/$name"; then
    pass "screenshot of $url -> $outdir/$name"
  else
    fail "screenshot of $url -> $outdir/$name"
  fi
}

# search_json WHAT BASE QUERY URL: BASE/search's JSON answer for QUERY has a
# result at URL.
search_json() {
  local what="$1" b="$2" q="$3" url="$4"
  if curl -s --max-time 10 -G --data-urlencode "q=$q" "$b/search?format=json" \
      | python3 -c 'import json, sys
d = json.load(sys.stdin)
sys.exit(0 if any(r["url"] == sys.argv[1] for r in d["results"]) else 1)' "$url"; then
    pass "JSON search of $what for \"$q\" has $url"
  else
    fail "JSON search of $what for \"$q\" lacks $url"
  fi
}

# (a) Screenshots, and the requests each page load made.
from=$(log_lines)
shot index.png "$base/"
check_requests "index page /" "$from" / /style.css /logo.svg

from=$(log_lines)
shot listing.png "$base/doc/"
check_requests "listing /doc/" "$from" /doc/

from=$(log_lines)
shot changelog.png "$base/doc/changelog.Debian.gz"
check_requests "changelog page" "$from" /doc/changelog.Debian.gz

# (b) The DOM.
if chromium_run "$tmp/index.dom" --dump-dom "$base/" && grep -q '<h1>docserve is running</h1>' "$tmp/index.dom"; then
  pass "dump-dom /: heading \"docserve is running\""
else
  fail "dump-dom /: no heading \"docserve is running\""
fi

if chromium_run "$tmp/listing.dom" --dump-dom "$base/doc/"; then
  if python3 - "$tmp/listing.dom" "$base/doc/" "${names[@]}" > "$tmp/links" <<'PY'
import html.parser, sys
from urllib.parse import urljoin, unquote

dom, page, names = sys.argv[1], sys.argv[2], sys.argv[3:]

class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.href, self.text = [], None, ""
    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.href, self.text = dict(attrs).get("href"), ""
    def handle_data(self, d):
        if self.href is not None:
            self.text += d
    def handle_endtag(self, tag):
        if tag == "a" and self.href is not None:
            self.links.append((self.text.strip(), self.href))
            self.href = None

p = P()
p.feed(open(dom, encoding="utf-8").read())
by_text = dict(p.links)
ok = True
for n in names:
    href = by_text.get(n)
    if href is None:
        print("MISSING %s" % n, file=sys.stderr); ok = False; continue
    url = urljoin(page, href)
    if unquote(url) != page + n:
        print("BADHREF %s -> %s" % (n, url), file=sys.stderr); ok = False; continue
    print(url)
sys.exit(0 if ok else 1)
PY
  then
    pass "dump-dom /doc/: a link for each of: ${names[*]}"
  else
    fail "dump-dom /doc/: entries missing or with a wrong href"
  fi
else
  fail "dump-dom /doc/: chromium failed"
fi

# Follow the awkward names' hrefs in the browser.
for pair in "release notes – ü ✓.txt:sentinel-one" "a&b #1 100%.txt:sentinel-two"; do
  name="${pair%:*}" want="${pair##*:}"
  url=$(grep -F "$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$name")" "$tmp/links" | head -1 || true)
  [ -n "$url" ] || url="$base/doc/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$name")"
  from=$(log_lines)
  if chromium_run "$tmp/file.dom" --dump-dom "$url" && grep -qF "$want" "$tmp/file.dom"; then
    pass "following the link to \"$name\" shows its text"
  else
    fail "following the link to \"$name\" ($url) does not show its text"
  fi
done

if chromium_run "$tmp/changelog.dom" --dump-dom "$base/doc/changelog.Debian.gz" \
   && grep -q '<pre' "$tmp/changelog.dom" \
   && grep -qF 'Initial release of the browser-check demo package.' "$tmp/changelog.dom" \
   && grep -qF 'Zoë, naïve, 日本語' "$tmp/changelog.dom"; then
  pass "dump-dom changelog.Debian.gz: rendered as text, UTF-8 intact"
else
  fail "dump-dom changelog.Debian.gz: not rendered as text"
  head -c 600 "$tmp/changelog.dom" 2>/dev/null | sed 's/^/  /' || true
fi

# cdp_run ARGS...: tests/browser-cdp.py with Chromium, a new profile and
# OUTDIR before ARGS (its first form) or after "search" (its second); its
# PASS/FAIL lines are counted here.
cdp_run() {
  local mode=()
  if [ "$1" = search ]; then mode=(search); shift; fi
  run=$((run + 1))
  mkdir "$tmp/profile.$run"
  local rc=0
  timeout -k 10 180 python3 "$here/tests/browser-cdp.py" "${mode[@]}" "$chromium" \
    "$tmp/profile.$run" "$outdir" "$@" > "$tmp/cdp.out" 2>&1 || rc=$?
  rm -rf "$tmp/profile.$run"
  cat "$tmp/cdp.out"
  passed=$((passed + $(grep -c '^PASS: ' "$tmp/cdp.out" || true)))
  failed=$((failed + $(grep -c '^FAIL: ' "$tmp/cdp.out" || true)))
  if [ "$rc" -ne 0 ] && ! grep -q '^FAIL: ' "$tmp/cdp.out"; then
    fail "browser-cdp.py exited $rc"
  fi
}

# (c) The filter box and rendered Markdown, driven over the DevTools protocol.
cdp_run "$base/doc/" "notes" "$base/doc/README.md.gz"
for png in filter-light.png filter-dark.png markdown-light.png markdown-dark.png; do
  if [ -s "$outdir/$png" ] && png_ok "$outdir/$png"; then
    pass "screenshot $outdir/$png"
  else
    fail "screenshot $outdir/$png"
  fi
done
# Search: wait (bounded) for the first index, then the results page
# for words of the gzipped changelog, its hit linked and marked.
for _ in $(seq 150); do
  python3 -c 'import sys, urllib.request; sys.exit(0 if b"\"indexing\":false" in urllib.request.urlopen(sys.argv[1], timeout=5).read() else 1)' \
    "$base/.docserve/search?format=json" 2>/dev/null && break
  sleep 0.2
done
from=$(log_lines)
shot search.png "$base/.docserve/search?q=initial+release"
check_requests "search page" "$from" "/.docserve/search?q=initial+release"
if chromium_run "$tmp/search.dom" --dump-dom "$base/.docserve/search?q=initial+release" \
   && grep -qF '<a href="/doc/changelog.Debian.gz">changelog.Debian.gz</a>' "$tmp/search.dom" \
   && grep -qF '<mark>Initial</mark>' "$tmp/search.dom"; then
  pass "dump-dom search: the changelog found, the match marked"
else
  fail "dump-dom search: no marked hit for the changelog"
  grep -o '<main>.*' "$tmp/search.dom" 2>/dev/null | head -c 600 | sed 's/^/  /' || true
fi
if grep -qF 'role="search"' "$tmp/listing.dom" 2>/dev/null; then
  pass "dump-dom /doc/: the listing has a search box"
else
  fail "dump-dom /doc/: no search box in the listing"
fi

if kill -0 "$pid" 2>/dev/null; then
  pass "docserve still running"
else
  fail "docserve exited; its stderr:"
  sed 's/^/  /' "$tmp/stderr"
fi

# (d) The documentation portal on this machine.
access_log="$tmp/portal.log"
start_docserve "$tmp/portal.err" --system-docs --access-log "$access_log" \
  --search-index "$tmp/portal-search.sqlite"
portal_pid=$started_pid
pport=$started_port
if [ -z "$pport" ]; then
  fail "docserve --system-docs did not start"; sed 's/^/  /' "$tmp/portal.err"
else
  pbase="http://127.0.0.1:$pport"
  from=$(log_lines)
  shot portal.png "$pbase/"
  check_requests "portal home page /" "$from" /
  # The first catalogue link to an HTML page of a Sphinx manual.
  manual=$(python3 - "$pbase" <<'PY'
import os, re, sys, urllib.parse, urllib.request
base = sys.argv[1]
html = urllib.request.urlopen(base + "/", timeout=10).read().decode()
for href in re.findall(r'<dt><a href="(/doc/[^"]+\.html)"', html):
    d = os.path.dirname(urllib.parse.unquote(href[len("/doc/"):]))
    full = os.path.join("/usr/share/doc", d)
    if all(os.path.exists(os.path.join(full, f))
           for f in ("_static/searchtools.js", "_static/sphinx_highlight.js", "search.html",
                     "searchindex.js")):
        print(href)
        break
PY
  )
  if [ -z "$manual" ]; then
    echo "SKIP: no Sphinx manual in this machine's doc-base catalogue (apt-get install python-chardet-doc)"
  else
    dir="${manual%/*}"
    from=$(log_lines)
    shot sphinx.png "$pbase$manual"
    check_requests "Sphinx manual $manual" "$from" "$manual" "$dir/_static/doctools.js"
    from=$(log_lines)
    if chromium_run "$tmp/search.dom" --virtual-time-budget=10000 --dump-dom \
         "$pbase$dir/search.html?q=detect" \
       && grep -q 'Search finished, found [1-9][0-9]* page' "$tmp/search.dom" \
       && grep -q '<ul class="search"><li>' "$tmp/search.dom"; then
      pass "Sphinx search in $dir/search.html?q=detect shows results"
    else
      fail "Sphinx search in $dir/search.html?q=detect shows no results"
    fi
    check_requests "Sphinx search page" "$from" "$dir/search.html?q=detect" "$dir/searchindex.js" \
      "$dir/_static/searchtools.js"
  fi
  # Its search, once the index of this machine's documentation is complete
  # (bounded): ls(1)'s NAME line, "list directory contents".
  indexed=""
  for _ in $(seq 1200); do
    if curl -s --max-time 5 "$pbase/search?format=json" | grep -q '"indexing":false'; then
      indexed=1
      break
    fi
    kill -0 "$portal_pid" 2>/dev/null || break
    sleep 0.2
  done
  if [ -z "$indexed" ]; then
    fail "the portal's index of this machine was not complete within 240 s"
  elif [ ! -e /usr/share/man/man1/ls.1.gz ]; then
    echo "SKIP: no ls(1) on this machine"
  else
    search_json "this machine's portal" "$pbase" "list directory contents" /man/1/ls
    cdp_run search "$pbase/" portal-search-man.png "list directory contents" /man/1/ls
  fi
  if kill -0 "$portal_pid" 2>/dev/null; then
    pass "docserve --system-docs still running"
  else
    fail "docserve --system-docs exited"
  fi
fi

# (e) The portal's search box on a portal of known documents: a word of a
# gzipped changelog, of a manual page's description (its NAME line) and of
# an HTML manual's body, each typed into the home page's box; each answer
# also as JSON.
fx="$tmp/fixture"
mkdir -p "$fx/doc/quoll/html" "$fx/man/man1" "$fx/info" "$fx/doc-base"
printf 'quoll (2.0-1) unstable; urgency=low\n\n  * Fix the quolltastic regression.\n\n -- Jane Doe <jane@example.org>  Sun, 01 Mar 2026 12:00:00 +0000\n' \
  | gzip -9 -n > "$fx/doc/quoll/changelog.Debian.gz"
cat > "$fx/doc/quoll/html/index.html" <<'EOF'
<!DOCTYPE html><html><head><title>Quoll Guide</title></head>
<body><h1>Quoll Guide</h1><p>Quolls are numbatesque hunters of the night.</p></body></html>
EOF
printf '.TH WOMBATCTL 1\n.SH NAME\nwombatctl \\- herd the potoroine wombats\n.SH DESCRIPTION\n.B wombatctl\nkeeps wombats.\n' \
  | gzip -9 -n > "$fx/man/man1/wombatctl.1.gz"
start_docserve "$tmp/fixture.err" --system-docs --access-log "$tmp/fixture.log" \
  --doc-dir "$fx/doc" --man-path "$fx/man" --info-path "$fx/info" --doc-base-dir "$fx/doc-base" \
  --search-index "$tmp/fixture.sqlite"
fixture_pid=$started_pid
if [ -z "$started_port" ]; then
  fail "docserve --system-docs on the fixture did not start"; sed 's/^/  /' "$tmp/fixture.err"
else
  fbase="http://127.0.0.1:$started_port"
  for _ in $(seq 150); do
    curl -s --max-time 5 "$fbase/search?format=json" | grep -q '"indexing":false' && break
    sleep 0.1
  done
  search_json "the fixture portal" "$fbase" quolltastic /doc/quoll/changelog.Debian.gz
  search_json "the fixture portal" "$fbase" "potoroine wombats" /man/1/wombatctl
  search_json "the fixture portal" "$fbase" numbatesque /doc/quoll/html/index.html
  access_log="$tmp/fixture.log"
  from=$(log_lines)
  cdp_run search "$fbase/" portal-search.png quolltastic /doc/quoll/changelog.Debian.gz \
    "potoroine wombats" /man/1/wombatctl numbatesque /doc/quoll/html/index.html
  check_requests "the portal's search and its hits" "$from" / "/search?q=quolltastic" \
    /doc/quoll/changelog.Debian.gz /man/1/wombatctl /doc/quoll/html/index.html
  if kill -0 "$fixture_pid" 2>/dev/null; then
    pass "docserve --system-docs on the fixture still running"
  else
    fail "docserve --system-docs on the fixture exited"
  fi
fi

echo "browser-check: screenshots: $outdir/index.png $outdir/listing.png $outdir/changelog.png" \
  "$outdir/filter-light.png $outdir/filter-dark.png $outdir/markdown-light.png $outdir/markdown-dark.png" \
  "$outdir/search.png $outdir/portal.png $outdir/sphinx.png $outdir/portal-search-man.png" \
  "$outdir/portal-search-man-dark.png $outdir/portal-search.png $outdir/portal-search-dark.png"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
