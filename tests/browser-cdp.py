#!/usr/bin/env python3
"""browser-cdp.py: drive headless Chromium over the DevTools protocol
(Python standard library only: a minimal WebSocket client) to check the
listing's filter box and the portal's search box, and take screenshots.

    browser-cdp.py CHROMIUM PROFILE_DIR OUTDIR LISTING_URL FILTER MARKDOWN_URL
    browser-cdp.py search CHROMIUM PROFILE_DIR OUTDIR HOME_URL SHOT QUERY HREF...

The second form, for each QUERY HREF pair: loads HOME_URL (the portal's
home page), types QUERY into its search box and presses Enter, as a reader
does; the form's answer must be the search page for QUERY (its own box
holding the words) with a hit linking to HREF, and following that link
must load a page (2xx).  The first answer's screenshots are OUTDIR/SHOT
(light) and SHOT with "-dark" before ".png" (dark).

Checks of the first form, each printed as "PASS: ..." or "FAIL: ...":
  - the listing has the filter box (an <input type=search> made by
    /.docserve/filter.js) and a count of all rows;
  - "/" focuses the box; typing FILTER narrows the rows in place (no
    navigation) to those whose name holds it, and the count says so;
  - the rendered Markdown page has an <article class="md"> and no script.
Screenshots (PNG, 1280x900) in OUTDIR: filter-light.png, filter-dark.png
(the listing, filtered), markdown-light.png, markdown-dark.png.
Exit status 0 when every check passed, 1 otherwise, 2 on a setup problem.
Everything is bounded: Chromium is killed at the end or after 90 s."""
import base64
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.parse
import urllib.request

DEADLINE = time.monotonic() + 90


class WebSocket:
    """Just enough RFC 6455 for the DevTools protocol: text frames."""

    def __init__(self, url):
        assert url.startswith("ws://")
        hostport, path = url[5:].split("/", 1)
        host, port = hostport.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            ("GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, hostport, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise OSError("handshake: connection closed")
            head += chunk
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise OSError("handshake refused: %r" % head[:80])

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise OSError("connection closed")
            buf += chunk
        return buf

    def send(self, text):
        data = text.encode()
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            header = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(header + mask + masked)

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._recv_exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._recv_exact(8))[0]
            payload = self._recv_exact(n)
            opcode = b0 & 0x0F
            if opcode in (0x1, 0x0):
                message += payload
                if b0 & 0x80:
                    return message.decode()
            elif opcode == 0x8:
                raise OSError("closed by the browser")
            # ping/pong and others: ignored


class Page:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            if time.monotonic() > DEADLINE:
                raise TimeoutError("DevTools call %s timed out" % method)
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True)
        return r.get("result", {}).get("value")

    def goto(self, url, ready_expr="true"):
        self.call("Page.navigate", url=url)
        for _ in range(200):
            if self.eval("document.readyState === 'complete' && location.href === %s && (%s)"
                         % (json.dumps(url), ready_expr)):
                return True
            time.sleep(0.05)
        return False

    def shot(self, path, dark):
        self.call("Emulation.setEmulatedMedia", features=[
            {"name": "prefers-color-scheme", "value": "dark" if dark else "light"}])
        time.sleep(0.2)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))


def on_term(signum, frame):
    raise SystemExit(1)  # runs the finally below: Chromium is stopped too


def listing_checks(page, result, outdir, listing, word, markdown):
    """The filter box of LISTING and the rendered MARKDOWN page."""
    ok = page.goto(listing, "document.querySelector('input[type=search]') !== null")
    entries = page.eval("""Array.from(document.querySelectorAll('main > table > tbody > tr'))
        .filter(r => r.cells[0].textContent !== '../').length""") or 0
    count0 = page.eval("(document.querySelector('p.filter span') || {}).textContent") or ""
    result(ok and entries > 0 and count0 == "%d entries" % entries,
           "listing %s: filter box made by the script, count \"%s\"" % (listing, count0))

    page.call("Input.dispatchKeyEvent", type="keyDown", key="/", code="Slash", text="/",
              windowsVirtualKeyCode=191)
    page.call("Input.dispatchKeyEvent", type="keyUp", key="/", code="Slash", windowsVirtualKeyCode=191)
    focused = page.eval("document.activeElement && document.activeElement.type === 'search'")
    value = page.eval("document.activeElement.value")
    result(bool(focused) and value == "", "\"/\" focuses the box (and is not typed into it)")

    href_before = page.eval("location.href")
    page.call("Input.insertText", text=word)
    time.sleep(0.2)
    rows = page.eval("""Array.from(document.querySelectorAll('main > table > tbody > tr')).map(r =>
        [r.cells[0].textContent, !r.hidden])""") or []
    shown = [n for n, visible in rows if visible]
    wrong = [n for n, visible in rows
             if n != "../" and visible != (word.lower() in n.lower())]
    count = page.eval("document.querySelector('p.filter span').textContent") or ""
    want_count = "%d of %d shown" % (len([n for n in shown if n != "../"]),
                                    len([n for n, _ in rows if n != "../"]))
    result(not wrong and 0 < len(shown) < len(rows) and count == want_count
           and page.eval("location.href") == href_before,
           "typing \"%s\" narrows %d rows to %d in place, count \"%s\"%s"
           % (word, len(rows), len(shown), count, (" wrong: %s" % wrong[:5]) if wrong else ""))
    page.shot(os.path.join(outdir, "filter-light.png"), dark=False)
    page.shot(os.path.join(outdir, "filter-dark.png"), dark=True)

    ok = page.goto(markdown, "document.querySelector('article.md') !== null")
    scripts = page.eval("document.scripts.length")
    heading = page.eval("(document.querySelector('article.md h1, article.md h2') || {}).textContent")
    result(ok and scripts == 0, "rendered %s: article.md, first heading \"%s\", %s scripts"
           % (markdown, heading, scripts))
    page.shot(os.path.join(outdir, "markdown-light.png"), dark=False)
    page.shot(os.path.join(outdir, "markdown-dark.png"), dark=True)


def search_checks(page, result, outdir, home, shot, pairs):
    """The portal's search box: each (query, href) of PAIRS typed in on HOME."""
    for n, (query, href) in enumerate(pairs):
        ok = page.goto(home, "document.querySelector('form.search input[name=q]') !== null")
        if not ok:
            result(False, "%s: no search box on the home page" % home)
            continue
        page.eval("document.querySelector('form.search input[name=q]').focus()")
        page.call("Input.insertText", text=query)
        page.call("Input.dispatchKeyEvent", type="keyDown", key="Enter", code="Enter", text="\r",
                  windowsVirtualKeyCode=13)
        page.call("Input.dispatchKeyEvent", type="keyUp", key="Enter", code="Enter",
                  windowsVirtualKeyCode=13)
        found = None
        for _ in range(200):
            if page.eval("document.readyState === 'complete' && location.pathname === '/search'"):
                found = page.eval("""(() => {
                    const a = Array.from(document.querySelectorAll('ol.hits li > a'))
                        .find(a => a.getAttribute('href') === %s);
                    return a ? a.textContent : null; })()""" % json.dumps(href))
                if found is not None:
                    break
            time.sleep(0.05)
        box = page.eval("(document.querySelector('main input[name=q]') || {}).value")
        hits = page.eval("document.querySelectorAll('ol.hits li').length")
        result(found is not None and box == query,
               "home page box: \"%s\" + Enter -> %s, %s hits, one linking to %s (\"%s\")"
               % (query, page.eval("location.pathname + location.search"), hits, href, found))
        if n == 0:
            page.shot(os.path.join(outdir, shot), dark=False)
            page.shot(os.path.join(outdir, shot.replace(".png", "-dark.png")), dark=True)
        if found is None:
            continue
        page.eval("""Array.from(document.querySelectorAll('ol.hits li > a'))
            .find(a => a.getAttribute('href') === %s).click()""" % json.dumps(href))
        target = urllib.parse.urljoin(home, href)
        arrived = False
        for _ in range(200):
            if page.eval("document.readyState === 'complete' && location.href === %s"
                         % json.dumps(target)):
                arrived = True
                break
            time.sleep(0.05)
        status = page.eval("""(performance.getEntriesByType('navigation')[0] || {}).responseStatus""")
        title = page.eval("document.title")
        result(arrived and status is not None and 200 <= status < 300,
               "following the hit loads %s: status %s, title \"%s\"" % (href, status, title))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "search":
        chromium, profile, outdir, home, shot = sys.argv[2:7]
        rest = sys.argv[7:]
        if len(rest) < 2 or len(rest) % 2:
            print("browser-cdp: search: QUERY HREF pairs expected", file=sys.stderr)
            return 2
        pairs = list(zip(rest[0::2], rest[1::2]))
        checks = lambda page, result: search_checks(page, result, outdir, home, shot, pairs)
    else:
        chromium, profile, outdir, listing, word, markdown = sys.argv[1:7]
        checks = lambda page, result: listing_checks(page, result, outdir, listing, word, markdown)
    signal.signal(signal.SIGTERM, on_term)
    proc = subprocess.Popen(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--hide-scrollbars", "--window-size=1280,900",
         "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    failed = 0

    def result(ok, what):
        nonlocal failed
        print(("PASS: " if ok else "FAIL: ") + what)
        failed += 0 if ok else 1

    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        for _ in range(300):
            if os.path.exists(port_file) and open(port_file).read().count("\n") >= 1:
                break
            time.sleep(0.1)
        else:
            print("browser-cdp: setup: Chromium wrote no DevToolsActivePort", file=sys.stderr)
            return 2
        port = int(open(port_file).read().split()[0])
        targets = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=10))
        page_ws = next(t["webSocketDebuggerUrl"] for t in targets if t.get("type") == "page")
        page = Page(WebSocket(page_ws))
        page.call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1,
                  mobile=False)

        checks(page, result)
    except (OSError, RuntimeError, TimeoutError, StopIteration, ValueError) as e:
        print("FAIL: DevTools session: %s" % e)
        failed += 1
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
