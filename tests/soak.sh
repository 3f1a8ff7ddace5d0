#!/bin/bash
# soak.sh: one docserve under mixed valid and hostile load for a while, then
# checks that nothing crashed, leaked or was served wrong.
#
#   tests/soak.sh [DURATION_SECONDS]        (default 120)
#
# Environment:
#   DOCSERVE_BIN   the binary (default: ./docserve next to tests/)
#   SOAK_WORKERS   concurrent client threads (default 6)
#   SOAK_SEED      random seed (default: time; printed, so a run can be repeated)
#   SOAK_RSS_SLACK_KIB  allowed RSS growth, start-up to end (default 8192)
#
# Load (python3 threads, raw sockets on 127.0.0.1, every read bounded by a
# timeout): GET with the body's sha256 compared to the file's; HEAD; single
# and multipart ranges with every byte compared; conditional requests
# (If-None-Match / If-Modified-Since -> 304, a non-matching ETag -> 200);
# 404s and redirects; malformed raw requests (bad request lines, bad and %00
# escapes, traversal, missing Host, bad Content-Length, a 100 KiB header, a
# 70 KiB target, control bytes, bad versions, an unsupported
# Transfer-Encoding); half requests then close; abrupt disconnects (FIN or
# RST) in the middle of a body.  Valid requests mostly reuse keep-alive
# connections.
#
# Afterwards: the process is alive, its fd count is back to the start-up
# count once the connections are closed, its RSS is within SOAK_RSS_SLACK_KIB
# of start-up (not checked under ASan, whose quarantine holds freed memory),
# a final pass serves every file intact, every access-log line is whole, it
# exits 0 on SIGTERM, and its stderr has no sanitizer report.  Prints the
# requests and errors per kind, RSS/fds/threads before and after.  Exit 0 if
# all of that holds, 1 if not, 2 on a setup problem.
#
# Sanitizer pass (LeakSanitizer reports at exit go to the daemon's stderr,
# which this script captures and fails on):
#   mkdir /tmp/san && cd /tmp/san && git -C /work/main archive HEAD | tar -x \
#     && ./autogen.sh && ./configure --enable-sanitizers && make -j2 docserve
#   DOCSERVE_BIN=/tmp/san/docserve tests/soak.sh 60
# (ASAN_OPTIONS defaults to detect_leaks=1 here; UBSan stops on the first
# error, since configure passes -fno-sanitize-recover=undefined.)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
export SOAK_DURATION="${1:-120}"
export DOCSERVE_BIN="${DOCSERVE_BIN:-$here/docserve}"
if [ ! -x "$DOCSERVE_BIN" ]; then
  echo "soak.sh: no docserve binary at $DOCSERVE_BIN (build it or set DOCSERVE_BIN)" >&2
  exit 2
fi
command -v python3 >/dev/null || { echo "soak.sh: python3 is required" >&2; exit 2; }
exec python3 - <<'PY'
import hashlib, os, random, re, shutil, signal, socket, struct, subprocess, sys, tempfile
import threading, time
from email.utils import formatdate

DURATION = float(os.environ["SOAK_DURATION"])
BIN = os.environ["DOCSERVE_BIN"]
WORKERS = int(os.environ.get("SOAK_WORKERS", "6"))
SEED = int(os.environ.get("SOAK_SEED", str(int(time.time()))))
RSS_SLACK = int(os.environ.get("SOAK_RSS_SLACK_KIB", "8192"))
TIMEOUT = 5  # docserve --timeout

def log(*a):
    print(*a, flush=True)

# ---- the docroot -----------------------------------------------------------

tmp = tempfile.mkdtemp(prefix="docserve-soak-")
root = os.path.join(tmp, "root")
os.makedirs(os.path.join(root, "sub", "deeper"))
rnd = random.Random(SEED)
files = {}  # url path -> bytes

def put(rel, data):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)
    files["/" + rel.replace(" ", "%20")] = data

put("index.html", b"<!DOCTYPE html><title>soak</title>\n")
put("empty.txt", b"")
put("small.txt", b"hello, soak\n")
put("style.css", b"body { color: #333 }\n" * 50)
put("sub/index.html", b"<p>sub</p>\n")
put("sub/deeper/a b.txt", b"space in the name\n" * 10)
put("mid.bin", rnd.randbytes(200 * 1024 + 3))
put("big.bin", rnd.randbytes(3 * 1024 * 1024 + 17))
put("sub/deeper/data.json", b'{"k": [1, 2, 3]}\n' * 1000)
file_list = sorted(files)
sha = {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}

# ---- the daemon ------------------------------------------------------------

access_log = os.path.join(tmp, "access.log")
err_path = os.path.join(tmp, "stderr.txt")
env = dict(os.environ)
env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
err_file = open(err_path, "wb")
proc = subprocess.Popen([BIN, "--port", "0", "--address", "127.0.0.1", "--timeout", str(TIMEOUT),
                         "--access-log", access_log, root],
                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err_file, env=env)
port = None
for _ in range(100):
    with open(err_path, "rb") as f:
        m = re.search(rb"Serving .* at http://127\.0\.0\.1:(\d+)/", f.read())
    if m:
        port = int(m.group(1))
        break
    if proc.poll() is not None:
        break
    time.sleep(0.1)
if port is None:
    log("soak.sh: docserve did not start:")
    log(open(err_path, "rb").read().decode(errors="replace"))
    proc.kill()
    shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(2)

asan = False
try:
    asan = b"libasan" in subprocess.run(["ldd", BIN], capture_output=True).stdout
except OSError:
    pass

def proc_status():
    out = {}
    try:
        with open("/proc/%d/status" % proc.pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                out[k] = v.strip()
        out["fds"] = len(os.listdir("/proc/%d/fd" % proc.pid))
    except OSError:
        return None
    return {"rss": int(out["VmRSS"].split()[0]), "threads": int(out["Threads"]), "fds": out["fds"]}

time.sleep(0.3)
start = proc_status()
log("docserve pid %d at 127.0.0.1:%d, --timeout %d%s; seed %d, %d workers, %.0f s"
    % (proc.pid, port, TIMEOUT, " (ASan build)" if asan else "", SEED, WORKERS, DURATION))
log("start-up: RSS %d KiB, %d fds, %d threads" % (start["rss"], start["fds"], start["threads"]))

# ---- a small HTTP/1.1 client -----------------------------------------------

class Closed(Exception):
    pass

def connect(linger_rst=False):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    if linger_rst:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    return s

class Conn:
    """A keep-alive connection; read_response() returns (status, headers, body)."""
    def __init__(self):
        self.s = connect()
        self.buf = b""
        self.used = 0

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass

    def _fill(self):
        d = self.s.recv(65536)
        if not d:
            raise Closed()
        self.buf += d

    def read_response(self, head):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        raw, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = raw.split(b"\r\n")
        m = re.match(rb"HTTP/1\.1 (\d{3}) ", lines[0] + b" ")
        if not m:
            raise ValueError("bad status line %r" % lines[0][:80])
        status = int(m.group(1))
        hdrs = {}
        for l in lines[1:]:
            k, _, v = l.partition(b":")
            hdrs.setdefault(k.strip().lower().decode(), []).append(v.strip().decode("latin-1"))
        if head or status in (204, 304) or 100 <= status < 200:
            return status, hdrs, b""
        if "content-length" in hdrs:
            n = int(hdrs["content-length"][0])
            while len(self.buf) < n:
                self._fill()
            body, self.buf = self.buf[:n], self.buf[n:]
            return status, hdrs, body
        while True:  # until close
            try:
                self._fill()
            except Closed:
                body, self.buf = self.buf, b""
                return status, hdrs, body

def h1(hdrs, name):
    v = hdrs.get(name.lower())
    return v[0] if v else None

# ---- bookkeeping ----------------------------------------------------------

lock = threading.Lock()
counts = {}
errors = {}
examples = []
wrong_bodies = 0
retries = 0
retry_notes = []

busy = {}  # action -> seconds spent

def count(kind):
    with lock:
        counts[kind] = counts.get(kind, 0) + 1

def error(kind, msg, wrong=False):
    global wrong_bodies
    with lock:
        errors[kind] = errors.get(kind, 0) + 1
        if wrong:
            wrong_bodies += 1
        if len(examples) < 30:
            examples.append("%s: %s" % (kind, msg))

# ---- valid requests --------------------------------------------------------

class Worker:
    def __init__(self, i):
        self.r = random.Random(SEED * 1000 + i)
        self.c = None
        self.validators = {}  # path -> (etag, last-modified)

    def conn(self):
        if self.c is None or self.c.used >= self.r.randint(1, 40):
            if self.c:
                self.c.close()
            self.c = Conn()
        return self.c

    def drop(self):
        if self.c:
            self.c.close()
        self.c = None

    def exchange(self, method, path, extra=(), head=False):
        """Sends one request on the keep-alive connection; retries once on a
        fresh connection if a reused one was closed before any reply."""
        global retries
        req = ("%s %s HTTP/1.1\r\nHost: soak\r\nUser-Agent: soak\r\n%s\r\n"
               % (method, path, "".join(h + "\r\n" for h in extra))).encode()
        for attempt in (0, 1):
            c = self.conn()
            reused = c.used > 0
            try:
                c.s.sendall(req)
                status, hdrs, body = c.read_response(head)
            except (Closed, ConnectionResetError, BrokenPipeError) as e:
                self.drop()
                if reused and attempt == 0 and not c.buf:
                    with lock:
                        retries += 1
                        if len(retry_notes) < 10:
                            retry_notes.append("after %s (idle %.2f s, %d used): %s"
                                               % (c.last, time.monotonic() - c.last_t, c.used,
                                                  type(e).__name__))
                    continue
                raise
            c.used += 1
            c.last = "%s %s %s -> %d" % (method, path, extra, status)
            c.last_t = time.monotonic()
            if (h1(hdrs, "connection") or "").lower() == "close":
                self.drop()
            return status, hdrs, body
        raise Closed()

    def get(self):
        p = self.r.choice(file_list)
        st, h, body = self.exchange("GET", p)
        count("GET")
        if st != 200 or hashlib.sha256(body).hexdigest() != sha[p]:
            error("GET", "%s: status %d, %d bytes of %d" % (p, st, len(body), len(files[p])),
                  wrong=True)
        else:
            self.validators[p] = (h1(h, "etag"), h1(h, "last-modified"))

    def head(self):
        p = self.r.choice(file_list)
        st, h, body = self.exchange("HEAD", p, head=True)
        count("HEAD")
        if st != 200 or h1(h, "content-length") != str(len(files[p])):
            error("HEAD", "%s: status %d, Content-Length %s" % (p, st, h1(h, "content-length")),
                  wrong=True)

    def range_one(self):
        p = self.r.choice(["/big.bin", "/mid.bin", "/style.css", "/sub/deeper/data.json"])
        data = files[p]
        size = len(data)
        kind = self.r.randrange(3)
        if kind == 0:
            a = self.r.randrange(size); b = self.r.randrange(a, size); spec = "%d-%d" % (a, b)
        elif kind == 1:
            a = self.r.randrange(size); b = size - 1; spec = "%d-" % a
        else:
            n = self.r.randint(1, size); a = size - n; b = size - 1; spec = "-%d" % n
        st, h, body = self.exchange("GET", p, ["Range: bytes=" + spec])
        count("range")
        want_cr = "bytes %d-%d/%d" % (a, b, size)
        if st != 206 or h1(h, "content-range") != want_cr or body != data[a:b + 1]:
            error("range", "%s bytes=%s: status %d, Content-Range %s, %d bytes"
                  % (p, spec, st, h1(h, "content-range"), len(body)), wrong=True)

    def range_multi(self):
        p = self.r.choice(["/big.bin", "/mid.bin", "/sub/deeper/data.json"])
        data = files[p]
        size = len(data)
        n = self.r.randint(2, 5)
        cuts = sorted(self.r.sample(range(size), 2 * n))
        spans = []
        for i in range(n):
            a, b = cuts[2 * i], cuts[2 * i + 1]
            if spans and a <= spans[-1][1] + 1:  # keep a gap: no coalescing
                continue
            spans.append((a, b))
        if len(spans) < 2:
            return
        spec = ",".join("%d-%d" % s for s in spans)
        st, h, body = self.exchange("GET", p, ["Range: bytes=" + spec])
        count("multipart")
        ct = h1(h, "content-type") or ""
        m = re.match(r"multipart/byteranges; *boundary=(\S+)", ct)
        if st != 206 or not m:
            error("multipart", "%s %s: status %d, Content-Type %s" % (p, spec, st, ct), wrong=True)
            return
        problem = check_multipart(body, m.group(1).strip('"').encode(), spans, data)
        if problem:
            error("multipart", "%s %s: %s" % (p, spec, problem), wrong=True)

    def conditional(self):
        p = self.r.choice(file_list)
        if p not in self.validators:
            return self.get()
        etag, lm = self.validators[p]
        which = self.r.randrange(3)
        if which == 0:
            st, h, body = self.exchange("GET", p, ["If-None-Match: " + etag])
            ok = st == 304 and body == b""
        elif which == 1:
            st, h, body = self.exchange("GET", p, ["If-Modified-Since: " + lm])
            ok = st == 304 and body == b""
        else:
            st, h, body = self.exchange("GET", p, ['If-None-Match: "nope"'])
            ok = st == 200 and hashlib.sha256(body).hexdigest() == sha[p]
        count("conditional")
        if not ok:
            error("conditional", "%s (%d): status %d, %d bytes" % (p, which, st, len(body)),
                  wrong=True)

    def misc(self):
        p, want = self.r.choice([("/nope.html", 404), ("/sub", 301), ("/sub/", 200),
                                 ("/sub/deeper/", 200), ("/.env", 404)])
        st, h, body = self.exchange("GET", p)
        count("404/301/listing")
        if st != want:
            error("404/301/listing", "%s: status %d, want %d" % (p, st, want), wrong=True)

def check_multipart(body, boundary, spans, data):
    pos = 0
    for (a, b) in spans:
        start = body.find(b"--" + boundary + b"\r\n", pos)
        if start < 0:
            return "part %d-%d missing" % (a, b)
        hend = body.find(b"\r\n\r\n", start)
        if hend < 0:
            return "part headers cut"
        heads = body[start:hend].decode("latin-1")
        m = re.search(r"Content-Range: bytes (\d+)-(\d+)/(\d+)", heads, re.I)
        if not m or (int(m.group(1)), int(m.group(2)), int(m.group(3))) != (a, b, len(data)):
            return "part header %r, want %d-%d" % (heads[-60:], a, b)
        chunk = body[hend + 4: hend + 4 + (b - a + 1)]
        if chunk != data[a:b + 1]:
            return "part %d-%d: wrong bytes" % (a, b)
        pos = hend + 4 + (b - a + 1)
    if body.find(b"--" + boundary + b"--", pos) < 0:
        return "no closing boundary"
    return None

# ---- hostile requests ------------------------------------------------------

BAD = [
    b"GARBAGE\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET / HTTX/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/2.0\r\nHost: x\r\n\r\n",
    b"GET / HTTP/0.9\r\n\r\n",
    b"GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /a%00.html HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /sub%2F..%2F..%2Fetc HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n",
    b"GET /\x01\x7f HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
    b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    b"GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=9-1,,,-\r\n\r\n",
    b"GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=" + b",".join(b"%d-%d" % (i * 10, i * 10 + 1) for i in range(40)) + b"\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: yesterday\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n",
    b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
]

def hostile(w):
    req = w.r.choice(BAD)
    count("malformed")
    s = connect()
    try:
        try:
            s.sendall(req)
        except (BrokenPipeError, ConnectionResetError):
            return  # refused while we were still sending (431/414): fine
        s.settimeout(TIMEOUT + 5)
        got = b""
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                got += d
                if len(got) > 4 * 1024 * 1024:
                    break
                # A complete keep-alive reply: stop waiting for the close.
                if b"\r\n\r\n" in got:
                    hdr = got.split(b"\r\n\r\n", 1)[0]
                    m = re.search(rb"\r\nContent-Length: (\d+)", hdr)
                    if m and len(got) >= len(hdr) + 4 + int(m.group(1)):
                        break
        except (ConnectionResetError, socket.timeout):
            pass
        m = re.match(rb"HTTP/1\.1 (\d{3})", got)
        if m and m.group(1).startswith(b"2") and (b"passwd" in req or b"%00" in req or b"%zz" in req):
            error("malformed", "%r -> %r" % (req[:60], got[:40]), wrong=True)
    finally:
        s.close()

def half_request(w):
    count("half request")
    s = connect()
    full = b"GET /big.bin HTTP/1.1\r\nHost: soak\r\nUser-Agent: soak\r\n\r\n"
    s.sendall(full[:w.r.randint(1, len(full) - 2)])
    if w.r.random() < 0.5:
        time.sleep(w.r.random() * 0.2)
    s.close()

def abrupt(w):
    count("abrupt close")
    rst = w.r.random() < 0.5
    s = connect(linger_rst=rst)
    p = w.r.choice(["/big.bin", "/mid.bin"])
    extra = "Range: bytes=100-\r\n" if w.r.random() < 0.3 else ""
    s.sendall(("GET %s HTTP/1.1\r\nHost: soak\r\n%s\r\n" % (p, extra)).encode())
    want = w.r.randint(1, min(300000, len(files[p]) // 2))  # always stop mid-body
    got = 0
    try:
        while got < want:
            d = s.recv(min(65536, want - got))
            if not d:
                break
            got += len(d)
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()

ACTIONS = [("GET", 30), ("HEAD", 8), ("range", 12), ("multipart", 8), ("conditional", 10),
           ("misc", 5), ("hostile", 12), ("half", 7), ("abrupt", 8)]

def run_worker(i, deadline):
    w = Worker(i)
    names = [a for a, _ in ACTIONS]
    weights = [n for _, n in ACTIONS]
    while time.monotonic() < deadline:
        a = w.r.choices(names, weights)[0]
        t_a = time.monotonic()
        try:
            if a == "GET": w.get()
            elif a == "HEAD": w.head()
            elif a == "range": w.range_one()
            elif a == "multipart": w.range_multi()
            elif a == "conditional": w.conditional()
            elif a == "misc": w.misc()
            elif a == "hostile": hostile(w)
            elif a == "half": half_request(w)
            else: abrupt(w)
        except Exception as e:  # a valid request failed in transport, or a check blew up
            kind = {"hostile": "malformed", "half": "half request", "abrupt": "abrupt close"}.get(a, a)
            error(kind, "%s: %s" % (type(e).__name__, e))
            w.drop()
        with lock:
            busy[a] = busy.get(a, 0.0) + time.monotonic() - t_a
    w.drop()

# ---- run --------------------------------------------------------------------

t0 = time.monotonic()
deadline = t0 + DURATION
threads = [threading.Thread(target=run_worker, args=(i, deadline), daemon=True) for i in range(WORKERS)]
for t in threads:
    t.start()
peak = dict(start)
next_report = t0 + 30
while any(t.is_alive() for t in threads):
    time.sleep(0.5)
    st = proc_status()
    if st is None or proc.poll() is not None:
        break
    for k in ("rss", "fds", "threads"):
        peak[k] = max(peak[k], st[k])
    if time.monotonic() >= next_report:
        next_report += 30
        with lock:
            total = sum(counts.values())
        log("  %3.0f s: %d requests, RSS %d KiB, %d fds, %d threads"
            % (time.monotonic() - t0, total, st["rss"], st["fds"], st["threads"]))
for t in threads:
    t.join(TIMEOUT + 15)
elapsed = time.monotonic() - t0

failures = []
alive = proc.poll() is None
if not alive:
    failures.append("docserve died during the run (status %s)" % proc.returncode)

# Connections are closed on our side; the server's threads see EOF at once,
# half requests and hostile keep-alive leftovers within --timeout.
end = None
if alive:
    settle = time.monotonic() + TIMEOUT + 5
    while time.monotonic() < settle:
        end = proc_status()
        if end and end["fds"] <= start["fds"] and end["threads"] <= start["threads"]:
            break
        time.sleep(0.5)
    # A final pass: every file, intact.
    w = Worker(999)
    for p in file_list:
        try:
            st, h, body = w.exchange("GET", p)
            if st != 200 or hashlib.sha256(body).hexdigest() != sha[p]:
                error("final pass", "%s: status %d, %d bytes" % (p, st, len(body)), wrong=True)
        except Exception as e:
            error("final pass", "%s: %s: %s" % (p, type(e).__name__, e))
    w.drop()
    time.sleep(0.5)
    end = proc_status() or end

total = sum(counts.values())
log("")
log("requests in %.0f s: %d (%.0f/s)" % (elapsed, total, total / max(elapsed, 1)))
action_of = {"404/301/listing": "misc", "malformed": "hostile", "half request": "half",
             "abrupt close": "abrupt"}
for k in ["GET", "HEAD", "range", "multipart", "conditional", "404/301/listing", "malformed",
          "half request", "abrupt close", "final pass"]:
    if k in counts or k in errors:
        a = action_of.get(k, k)
        mean = 1000.0 * busy.get(a, 0.0) / counts[k] if counts.get(k) and a in busy else 0.0
        log("  %-18s %7d requests, %d errors%s" % (k, counts.get(k, 0), errors.get(k, 0),
                                                  ", mean %.1f ms" % mean if mean else ""))
log("  keep-alive retries (reused connection closed before the request was read): %d" % retries)
for n in retry_notes:
    log("    retry " + n)
if examples:
    log("first errors:")
    for e in examples:
        log("  " + e)
if end:
    log("RSS   start-up %6d KiB, peak %6d KiB, end %6d KiB (%+d KiB)"
        % (start["rss"], peak["rss"], end["rss"], end["rss"] - start["rss"]))
    log("fds   start-up %6d,     peak %6d,     end %6d" % (start["fds"], peak["fds"], end["fds"]))
    log("threads start-up %4d,     peak %6d,     end %6d" % (start["threads"], peak["threads"], end["threads"]))
    if end["fds"] != start["fds"]:
        failures.append("fd count %d after the load, %d at start-up" % (end["fds"], start["fds"]))
    if end["threads"] > start["threads"]:
        failures.append("%d threads after the load, %d at start-up" % (end["threads"], start["threads"]))
    if not asan and end["rss"] - start["rss"] > RSS_SLACK:
        failures.append("RSS grew by %d KiB (allowed %d)" % (end["rss"] - start["rss"], RSS_SLACK))
if wrong_bodies:
    failures.append("%d wrong responses" % wrong_bodies)
bad_transport = sum(v for k, v in errors.items() if k not in ("malformed", "half request", "abrupt close"))
if bad_transport - wrong_bodies > 0:
    failures.append("%d valid requests failed" % (bad_transport - wrong_bodies))

# Every access-log line whole (one write per line, never interleaved).
try:
    with open(access_log, "rb") as f:
        lines = f.read().split(b"\n")
    broken = [l for l in lines[:-1] if not l.startswith(b"127.0.0.1 ")]
    log("access log: %d lines, %d malformed" % (len(lines) - 1, len(broken)))
    if broken or lines[-1] != b"":
        failures.append("access log has %d broken lines (first: %r)" % (len(broken), (broken or [lines[-1]])[0][:80]))
except OSError as e:
    failures.append("access log: %s" % e)

if alive:
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(30)
        log("docserve exited %d on SIGTERM" % rc)
        if rc != 0:
            failures.append("exit status %d on SIGTERM" % rc)
    except subprocess.TimeoutExpired:
        failures.append("docserve did not exit within 30 s of SIGTERM")
        proc.kill()
        proc.wait()
err_file.close()
err = open(err_path, "rb").read().decode(errors="replace")
for marker in ("ERROR: LeakSanitizer", "LeakSanitizer has encountered", "ERROR: AddressSanitizer",
               "runtime error:",
               "ThreadSanitizer", "double free", "Segmentation fault"):
    if marker in err:
        failures.append("stderr has \"%s\"" % marker)
other = [l for l in err.splitlines() if l and not l.startswith("Serving ")]
if other:
    distinct = {}
    for l in other:
        distinct[l] = distinct.get(l, 0) + 1
    log("docserve stderr: %d lines; most frequent:" % len(other))
    for l, n in sorted(distinct.items(), key=lambda kv: -kv[1])[:8]:
        log("  %5d x %s" % (n, l[:150]))
    if any(m in err for m in ("Sanitizer", "runtime error:")):
        log("---- sanitizer report ----")
        log(err[err.find("=="):][:6000] if "==" in err else err[:6000])
shutil.rmtree(tmp, ignore_errors=True)
if failures:
    log("soak.sh: FAIL")
    for f in failures:
        log("  - " + f)
    sys.exit(1)
log("soak.sh: PASS")
PY
