#!/usr/bin/env python3
"""bench/ir.py: instructions per request of a docserve binary, counted by
valgrind's callgrind for a fixed request sequence: immune to other load on
the machine, so small changes (an allocation, a lock) show.

  bench/ir.py BIN [--env K=V]... [--args "..."] [--kind 200|304|close] [--n N]

Runs BIN under callgrind twice on a temp docroot (a 1 KiB index.html), once
with N requests and once with 2N (default N=1000), from one client over 10
keep-alive connections of up to 100 requests each (--kind close: a new
connection per request; 304: with the matching If-None-Match), and prints
(Ir(2N) - Ir(N)) / N: the instructions of one request, start-up and exit
taken out, all threads counted.  Also prints the instructions in malloc,
free and friends, and in pthread mutex calls, per request.  Needs valgrind."""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p


def read_answer(s, head_only):
    data = b''
    while b'\r\n\r\n' not in data:
        b = s.recv(65536)
        if not b:
            raise IOError('closed')
        data += b
    head, _, body = data.partition(b'\r\n\r\n')
    m = re.search(rb'\r\nContent-Length: (\d+)', head)
    n = int(m.group(1)) if m and not head_only else 0
    while len(body) < n:
        body += s.recv(65536)
    return head


def drive(port, kind, n):
    req = b'GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n'
    s = socket.create_connection(('127.0.0.1', port))
    s.sendall(b'GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    etag = re.search(rb'\r\nETag: ("[^"]*")', read_answer(s, False)).group(1)
    s.close()
    if kind == '304':
        req = b'GET /index.html HTTP/1.1\r\nHost: x\r\nIf-None-Match: ' + etag + b'\r\n\r\n'
    if kind == 'close':
        req = b'GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
        for _ in range(n):
            s = socket.create_connection(('127.0.0.1', port))
            s.sendall(req)
            read_answer(s, False)
            s.close()
        return
    done = 0
    while done < n:
        socks = [socket.create_connection(('127.0.0.1', port)) for _ in range(10)]
        for _ in range(99):  # the 100th reply closes; stay below it
            for s in socks:
                if done < n:
                    s.sendall(req)
                    read_answer(s, kind == '304')
                    done += 1
        for s in socks:
            s.close()


def measure(binary, env, args, kind, n, root, tmp):
    port = free_port()
    out = os.path.join(tmp, 'cg.%d.out' % n)
    e = dict(os.environ)
    e.update(env)
    p = subprocess.Popen(['valgrind', '--tool=callgrind', '--callgrind-out-file=' + out,
                          '--combine-dumps=yes', binary, '--port', str(port), '--access-log', 'none',
                          '--timeout', '15', '--keepalive-requests', '100'] + args + [root],
                         env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    drive(port, kind, n)
    time.sleep(1)
    p.terminate()
    p.wait(timeout=120)
    total = 0
    fn = {}
    names = {}
    cur = None
    skip = False
    with open(out) as f:
        for line in f:
            if line.startswith(('summary:', 'totals:')):
                total = max(total, int(line.split()[1]))
            elif line.startswith(('fn=', 'cfn=')):
                m = re.match(r'c?fn=(?:\((\d+)\))? ?(.*)', line.strip())
                name = m.group(2) or names.get(m.group(1), '?')
                if m.group(1) and m.group(2):
                    names[m.group(1)] = m.group(2)
                if line.startswith('fn='):
                    cur = name
            elif line.startswith('calls='):
                skip = True  # the next cost line is the call's inclusive cost
            elif line[:1].isdigit() or line[:1] in '+-*':
                if skip:
                    skip = False
                    continue
                parts = line.split()
                if len(parts) >= 2 and cur is not None:
                    fn[cur] = fn.get(cur, 0) + int(parts[1])
    return total, fn


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    binary = args.pop(0)
    env, extra, kind, n = {}, [], '200', 1000
    while args:
        a = args.pop(0)
        if a == '--env':
            k, v = args.pop(0).split('=', 1)
            env[k] = v
        elif a == '--args':
            extra = args.pop(0).split()
        elif a == '--kind':
            kind = args.pop(0)
        elif a == '--n':
            n = int(args.pop(0))
    if shutil.which('valgrind') is None:
        sys.exit('valgrind is missing (apt-get install valgrind)')
    tmp = tempfile.mkdtemp(prefix='docserve-ir-')
    root = os.path.join(tmp, 'root')
    os.mkdir(root)
    with open(os.path.join(root, 'index.html'), 'w') as f:
        f.write(('<!DOCTYPE html><title>ir</title>' + 'x' * 1024)[:1023] + '\n')
    try:
        t1, f1 = measure(binary, env, extra, kind, n, root, tmp)
        t2, f2 = measure(binary, env, extra, kind, 2 * n, root, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    per = (t2 - t1) / n

    def group(pat):
        return sum(f2.get(k, 0) - f1.get(k, 0) for k in set(f1) | set(f2) if re.search(pat, k)) / n

    print('%s %s %s, %s: %.0f instructions per request; malloc/free %.0f, mutex %.0f' % (
        binary, ' '.join('%s=%s' % kv for kv in env.items()), ' '.join(extra), kind, per,
        group(r'^(malloc|free|calloc|realloc|_int_malloc|_int_free|malloc_consolidate|tcache|'
              r'_int_realloc|g_slice|g_malloc|g_free|g_malloc0|magazine|thread_memory|slab)'),
        group(r'pthread_mutex|g_mutex|__lll_lock|futex')))


main()
