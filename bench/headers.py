#!/usr/bin/env python3
"""bench/headers.py: where a server's request-header limits are, and what
happens at them.

Sends one GET per head size to a server on 127.0.0.1 (a new connection each)
and prints, per head shape and way of sending, the runs of outcomes over the
sizes: the status of a complete answer, "closed" for a close without any
answer, "NNN-short" for an answer cut before its Content-Length.

  bench/headers.py PORT [FIRST LAST STEP] [options]
    FIRST LAST STEP   head sizes in bytes (default 15360 33792 100); the size
                      is the whole head, request line to the blank line
    --shapes=LIST     one (one long X-Big line), many (100-byte lines),
                      cookie (one Cookie header of 40-byte cookies), browser
                      (a Chrome-like request, 760 bytes, plus such a Cookie);
                      default one,many,cookie
    --pieces=LIST     0 (all at once) or a piece size, sent 2 ms apart;
                      default 0,1024,4096
    --pipelined       a small second request follows in the same send
    --tls             HTTPS (certificate not checked)
    --path=PATH       the target (default /index.html, which must exist)

Exits 1 if any head got no complete answer.  Loopback only; one connection at
a time, each with a 5 s timeout."""
import socket
import ssl
import sys
import time

BROWSER = ('Connection: keep-alive\r\n'
           'sec-ch-ua: "Chromium";v="131", "Not_A Brand";v="24", "Google Chrome";v="131"\r\n'
           'sec-ch-ua-mobile: ?0\r\nsec-ch-ua-platform: "Linux"\r\nUpgrade-Insecure-Requests: 1\r\n'
           'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) '
           'Chrome/131.0.0.0 Safari/537.36\r\n'
           'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,'
           'image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7\r\n'
           'Sec-Fetch-Site: same-origin\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-User: ?1\r\n'
           'Sec-Fetch-Dest: document\r\nReferer: https://docs.example.org/manual/index.html\r\n'
           'Accept-Encoding: gzip, deflate, br, zstd\r\nAccept-Language: en-GB,en-US;q=0.9,en;q=0.8\r\n'
           'If-None-Match: "no-such-tag"\r\n')
SECOND = b'GET /index.html HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'


def cookie_line(room):
    """A Cookie header line of exactly room bytes, 40-byte cookies."""
    n = room - len('Cookie: ') - 2
    body = ''
    i = 0
    while len(body) < n:
        body += ('; ' if body else '') + 'c%04d=%s' % (i, 'v' * 32)
        i += 1
    body = body[:n]
    if body.endswith(';') or body.endswith(' '):
        body = body[:-2] + 'vv'
    return 'Cookie: ' + body + '\r\n'


def make_head(size, shape, path):
    start = 'GET %s HTTP/1.1\r\nHost: t\r\n' % path
    room = size - len(start) - 2
    if shape == 'one':
        lines = 'X-Big: ' + 'a' * (room - 9) + '\r\n'
    elif shape == 'many':
        lines = ''
        i = 0
        while room > 0:
            ln = 100 if room >= 120 else room
            pre = 'X-H%04d: ' % i
            lines += pre + 'b' * (ln - len(pre) - 2) + '\r\n'
            room -= ln
            i += 1
    elif shape == 'cookie':
        lines = cookie_line(room)
    elif shape == 'browser':
        lines = BROWSER + cookie_line(room - len(BROWSER))
    else:
        sys.exit('unknown shape ' + shape)
    head = start + lines + '\r\n'
    assert len(head) == size, (shape, size, len(head))
    return head.encode()


def answer(sock):
    """Reads one answer: its status, 'closed', 'NNN-short' or 'timeout'."""
    buf = b''
    try:
        while True:
            if b'\r\n\r\n' in buf:
                head, _, body = buf.partition(b'\r\n\r\n')
                cl = [l for l in head.split(b'\r\n') if l.lower().startswith(b'content-length:')]
                if cl and len(body) >= int(cl[0].split(b':')[1]):
                    return buf[9:12].decode()
            b = sock.recv(65536)
            if not b:
                break
            buf += b
    except socket.timeout:
        return 'timeout'
    except OSError:
        pass
    if not buf:
        return 'closed'
    return buf[9:12].decode() + '-short' if buf.startswith(b'HTTP/1.1 ') else 'garbage'


def one(port, head, piece, tls):
    s = socket.create_connection(('127.0.0.1', port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s)
    s.settimeout(5)
    try:
        for i in range(0, len(head), piece or len(head)):
            s.sendall(head[i:i + (piece or len(head))])
            if piece:
                time.sleep(0.002)
    except OSError:
        pass
    try:
        return answer(s)
    finally:
        s.close()


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    opts = dict(a[2:].partition('=')[::2] for a in sys.argv[1:] if a.startswith('--'))
    if not args:
        sys.exit(__doc__)
    port = int(args[0])
    first, last, step = (int(x) for x in args[1:4]) if len(args) >= 4 else (15360, 33792, 100)
    shapes = opts.get('shapes', 'one,many,cookie').split(',')
    pieces = [int(x) for x in opts.get('pieces', '0,1024,4096').split(',')]
    path = opts.get('path', '/index.html')
    bad = 0
    for shape in shapes:
        for piece in pieces:
            runs = []
            for size in range(first, last + 1, step):
                head = make_head(size, shape, path)
                if 'pipelined' in opts:
                    head += SECOND
                out = one(port, head, piece, 'tls' in opts)
                bad += out in ('closed', 'timeout', 'garbage') or out.endswith('-short')
                if runs and runs[-1][0] == out:
                    runs[-1][2] = size
                else:
                    runs.append([out, size, size])
            print('%-7s %-9s %s' % (shape, 'at once' if piece == 0 else '%d B' % piece,
                                    ', '.join('%s %d-%d' % tuple(r) if r[1] != r[2] else '%s %d' % (r[0], r[1])
                                              for r in runs)), flush=True)
    print('heads without a complete answer: %d' % bad)
    sys.exit(1 if bad else 0)


main()
