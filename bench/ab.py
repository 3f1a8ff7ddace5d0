#!/usr/bin/env python3
"""bench/ab.py: two docserve binaries (or one with two settings), A and B, in
alternated rounds, for figures that stay meaningful on a busy machine.

  bench/ab.py --a BIN [--b BIN] [options] SCENARIO...

Both servers serve the same temp docroot (a 1 KiB index.html) on 127.0.0.1
with compare.sh's options (--access-log none --max-connections 4096
--timeout 15 --keepalive-requests 100) plus --args.  Each round runs every
scenario once against A and once against B, the order swapped every other
round.  Per run it takes from /proc/PID/stat the server's CPU time
(utime+stime) and page faults (minor+major) before and after, and the
requests the load tool completed.

Scenarios: ka-cN (keep-alive, wrk, N connections), close-cN (wrk with
Connection: close), 304-cN (h2load --h1 with a matching If-None-Match;
wrk cannot time docserve's 304s, see RESULTS.md).

Options:
  --a BIN, --b BIN       the binaries (B defaults to A)
  --a-env K=V, --b-env K=V   environment for one of them (repeatable)
  --args "..."           extra docserve options for both (e.g. "--workers 2")
  --a-args, --b-args     extra options for one of them
  --rounds N             default 5
  --duration S           seconds per wrk run (default 3); h2load gets
                         --requests instead
  --requests N           h2load request count (default 100000)
  --fresh                start both servers anew for every round

Prints, per scenario, the medians of A and B (requests/s, CPU us per request,
page faults per request) and the median and range of the per-round ratios
B/A.  Needs wrk and h2load (nghttp2-client).  Stops what it started."""
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

CLK = os.sysconf('SC_CLK_TCK')


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p


def proc_stat(pid):
    with open('/proc/%d/stat' % pid) as f:
        f = f.read().rsplit(')', 1)[1].split()
    # fields after the name: state(3) ... minflt(10) majflt(12) utime(14) stime(15)
    return int(f[11]) + int(f[12]), int(f[7]) + int(f[9])


class Server:
    def __init__(self, name, binary, env, args, root):
        self.name, self.binary, self.env, self.args, self.root = name, binary, env, args, root
        self.proc = None

    def start(self):
        self.port = free_port()
        env = dict(os.environ)
        env.update(self.env)
        cmd = [self.binary, '--port', str(self.port), '--access-log', 'none', '--max-connections',
               '4096', '--timeout', '15', '--keepalive-requests', '100'] + self.args + [self.root]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(('127.0.0.1', self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        etag = None
        s = socket.create_connection(('127.0.0.1', self.port))
        s.sendall(b'GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
        data = b''
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
        s.close()
        m = re.search(rb'\r\nETag: ("[^"]*")', data)
        self.etag = m.group(1).decode() if m else None

    def stop(self):
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


def run_load(server, scen, duration, requests):
    kind, conns = scen.rsplit('-c', 1)
    conns = int(conns)
    url = 'http://127.0.0.1:%d/index.html' % server.port
    before = proc_stat(server.proc.pid)
    if kind == '304':
        cmd = ['timeout', '120', 'h2load', '--h1', '-t', '2' if conns > 1 else '1', '-c', str(conns),
               '-n', str(requests), '-H', 'If-None-Match: %s' % server.etag, url]
    else:
        cmd = ['timeout', str(duration + 30), 'wrk', '-t', '2' if conns > 1 else '1', '-c', str(conns),
               '-d', '%ds' % duration, url]
        if kind == 'close':
            cmd[-1:-1] = ['-H', 'Connection: close']
    t0 = time.monotonic()
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    wall = time.monotonic() - t0
    after = proc_stat(server.proc.pid)
    if kind == '304':
        m = re.search(r'requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded', out)
        n = int(m.group(1)) if m else 0
        m = re.search(r'finished in ([\d.]+)(m?s)', out)
        secs = float(m.group(1)) / (1000 if m and m.group(2) == 'ms' else 1) if m else wall
    else:
        m = re.search(r'(\d+) requests in ([\d.]+)(m?s)', out)
        n = int(m.group(1)) if m else 0
        secs = float(m.group(2)) / (1000 if m and m.group(3) == 'ms' else 1) if m else wall
    if n == 0:
        return None
    cpu_us = (after[0] - before[0]) * 1e6 / CLK / n
    faults = (after[1] - before[1]) / n
    return n / secs, cpu_us, faults


def main():
    argv = sys.argv[1:]
    opt = {'a-env': [], 'b-env': []}
    scens = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == '--fresh':
            opt['fresh'] = True
        elif a.startswith('--'):
            key = a[2:]
            val = argv[i + 1]
            i += 1
            if key in ('a-env', 'b-env'):
                opt[key].append(val)
            else:
                opt[key] = val
        else:
            scens.append(a)
        i += 1
    if 'a' not in opt or not scens:
        sys.exit(__doc__)
    for tool in ('wrk', 'h2load'):
        if shutil.which(tool) is None:
            sys.exit('%s is missing (apt-get install wrk nghttp2-client)' % tool)
    rounds = int(opt.get('rounds', 5))
    duration = int(opt.get('duration', 3))
    requests = int(opt.get('requests', 100000))
    root = tempfile.mkdtemp(prefix='docserve-ab-')
    with open(os.path.join(root, 'index.html'), 'w') as f:
        f.write(('<!DOCTYPE html><title>ab</title>' + 'x' * 1024)[:1023] + '\n')
    common = opt.get('args', '').split()
    servers = [Server('A', opt['a'], dict(e.split('=', 1) for e in opt['a-env']),
                      common + opt.get('a-args', '').split(), root),
               Server('B', opt.get('b', opt['a']), dict(e.split('=', 1) for e in opt['b-env']),
                      common + opt.get('b-args', '').split(), root)]
    res = {(s, x.name): [] for s in scens for x in servers}
    try:
        if 'fresh' not in opt:
            for x in servers:
                x.start()
        for r in range(rounds):
            order = servers if r % 2 == 0 else servers[::-1]
            if 'fresh' in opt:
                for x in servers:
                    x.start()
            for s in scens:
                for x in order:
                    res[(s, x.name)].append(run_load(x, s, duration, requests))
            if 'fresh' in opt:
                for x in servers:
                    x.stop()
            print('round %d of %d done, load %s' % (r + 1, rounds, open('/proc/loadavg').read().split()[0]),
                  file=sys.stderr, flush=True)
    finally:
        for x in servers:
            x.stop()
        shutil.rmtree(root, ignore_errors=True)

    print('A: %s %s %s' % (opt['a'], ' '.join(opt['a-env']), ' '.join(common + opt.get('a-args', '').split())))
    print('B: %s %s %s' % (opt.get('b', opt['a']), ' '.join(opt['b-env']),
                           ' '.join(common + opt.get('b-args', '').split())))
    print('%d rounds, alternated, %s; load at the end %s' % (
        rounds, 'fresh servers each round' if 'fresh' in opt else 'same servers throughout',
        open('/proc/loadavg').read().split()[0]))
    print('| scenario | A req/s | B req/s | B/A req/s (range) | A CPU us/req | B CPU us/req | B/A CPU (range) | A faults/req | B faults/req |')
    print('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
    med = statistics.median
    for s in scens:
        a = [v for v in res[(s, 'A')]]
        b = [v for v in res[(s, 'B')]]
        pairs = [(x, y) for x, y in zip(a, b) if x and y]
        if not pairs:
            print('| %s | failed |' % s)
            continue
        rt = [y[0] / x[0] for x, y in pairs]
        rc = [y[1] / x[1] for x, y in pairs]
        print('| %s | %.0f | %.0f | %.2f (%.2f-%.2f) | %.1f | %.1f | %.2f (%.2f-%.2f) | %.3f | %.3f |' % (
            s, med([x[0] for x, _ in pairs]), med([y[0] for _, y in pairs]), med(rt), min(rt), max(rt),
            med([x[1] for x, _ in pairs]), med([y[1] for _, y in pairs]), med(rc), min(rc), max(rc),
            med([x[2] for x, _ in pairs]), med([y[2] for _, y in pairs])))


main()
