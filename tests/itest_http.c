/* itest_http.c: serving files over HTTP/1.1 (types, paths, redirects,
 * conditionals, methods, framing, keep-alive, limits) and the command line,
 * with the real docserve binary on 127.0.0.1, port 0.
 *
 * Each TCase starts its own daemon as a child process (unchecked fixture, so
 * it is shared by the forked tests of that case) with a temp docroot made
 * here, reads the bound port from the start-up line, and stops it with
 * SIGTERM by PID, asserting exit status 0.  Normal requests go through
 * libcurl; malformed ones through raw sockets.  Every socket read has a
 * deadline, so nothing here can hang. */
#include "config.h"

#include "itest.h"

#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char big_sha[65];
#define BIG_SIZE (3 * 1024 * 1024 + 17)

/* ---- the docroot ------------------------------------------------------- */

static void
make_docroot (void)
{
  GError *error = NULL;

  itest_put_file ("index.html", "<!DOCTYPE html><title>home</title>\n", -1);
  itest_put_file ("style.css", "body { color: red }\n", -1);
  itest_put_file ("app.js", "console.log(1);\n", -1);
  itest_put_file ("data.bin.unknownext", "\x01\x02\x03", -1);
  itest_put_file ("sub/index.html", "sub index\n", -1);
  itest_put_file ("sub/page.txt", "page\n", -1);
  itest_put_file ("evil.com/x.txt", "x\n", -1);
  itest_put_file ("noindex/a.txt", "a\n", -1);
  itest_put_file (".git/config", "[core]\n", -1);
  itest_put_file (".env", "SECRET=1\n", -1);
  itest_put_file (".well-known/security.txt", "Contact: mailto:x@example.org\n", -1);
  itest_put_file ("a b.txt", "space\n", -1);
  itest_put_file ("caf\xc3\xa9.txt", "utf8\n", -1);
  itest_put_file ("x&y<z>.txt", "amp\n", -1);
  itest_put_file ("secret.txt", "nope\n", -1);

  /* A 3 MiB file of pseudo-random bytes, bigger than one sendfile chunk. */
  g_autofree char *big = g_malloc (BIG_SIZE);
  guint32 x = 2463534242u;
  for (gsize i = 0; i < BIG_SIZE; i++)
    {
      x ^= x << 13, x ^= x >> 17, x ^= x << 5;
      big[i] = (char) (x & 0xff);
    }
  g_autofree char *bp = g_build_filename (itest_docroot, "big.bin", NULL);
  g_file_set_contents (bp, big, BIG_SIZE, &error);
  g_assert_no_error (error);
  g_autofree char *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *) big, BIG_SIZE);
  g_strlcpy (big_sha, sum, sizeof big_sha);

  g_autofree char *outside = g_build_filename (itest_workdir, "outside.txt", NULL);
  g_file_set_contents (outside, "outside the root\n", -1, NULL);
  g_autofree char *l1 = g_build_filename (itest_docroot, "link-in.html", NULL);
  g_autofree char *l2 = g_build_filename (itest_docroot, "link-out.txt", NULL);
  g_autofree char *fifo = g_build_filename (itest_docroot, "pipe", NULL);
  g_autofree char *unread = g_build_filename (itest_docroot, "secret.txt", NULL);
  if (symlink ("index.html", l1) != 0 || symlink (outside, l2) != 0 || mkfifo (fifo, 0644) != 0)
    g_error ("cannot make the links and the FIFO: %s", g_strerror (errno));
  chmod (unread, 0000);
}

static ItestResp *
get (const char *path)
{
  return itest_request (&itest_daemon, NULL, path, NULL);
}

static GString *
raw_str (const char *req)
{
  return itest_raw (itest_daemon.port, req, strlen (req), 5000, NULL);
}

/* ---- files --------------------------------------------------------------- */

START_TEST (test_get_file)
{
  g_autoptr (ItestResp) r = get ("/index.html");
  ck_assert_int_eq (r->status, 200);
  ITEST_ASSERT_BODY (r, "<!DOCTYPE html><title>home</title>\n");
  ITEST_ASSERT_HDR (r, "Content-Type", "text/html; charset=utf-8");
  ITEST_ASSERT_HDR (r, "Content-Length", "35");
  ITEST_ASSERT_HDR (r, "Server", "docserve/" PACKAGE_VERSION);
  ITEST_ASSERT_HDR (r, "X-Content-Type-Options", "nosniff");
  g_autofree char *etag = itest_hdr (r, "ETag");
  ck_assert_msg (etag != NULL && g_regex_match_simple ("^\"[0-9a-f]+-[0-9a-f]+\"$", etag, 0, 0),
                 "ETag %s", etag);
  g_autofree char *lm = itest_hdr (r, "Last-Modified");
  g_autofree char *date = itest_hdr (r, "Date");
  const char *re = "^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} [A-Z][a-z]{2} [0-9]{4} "
                   "[0-9]{2}:[0-9]{2}:[0-9]{2} GMT$";
  ck_assert_msg (lm != NULL && g_regex_match_simple (re, lm, 0, 0), "Last-Modified %s", lm);
  ck_assert_msg (date != NULL && g_regex_match_simple (re, date, 0, 0), "Date %s", date);
}
END_TEST

START_TEST (test_head_is_get_without_body)
{
  const char *req = "HEAD /style.css HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  g_autoptr (GString) s = raw_str (req);
  ck_assert_int_eq (itest_status_of (s), 200);
  ck_assert_msg (strstr (s->str, "Content-Length: 20\r\n") != NULL, "%s", s->str);
  ck_assert_msg (strstr (s->str, "Content-Type: text/css; charset=utf-8\r\n") != NULL, "%s", s->str);
  /* Nothing after the header block. */
  const char *end = strstr (s->str, "\r\n\r\n");
  ck_assert_ptr_nonnull (end);
  ck_assert_msg (end + 4 == s->str + s->len, "HEAD sent a body: %s", end + 4);

  g_autoptr (ItestResp) g = get ("/style.css");
  g_autoptr (ItestResp) h = itest_request (&itest_daemon, "HEAD", "/style.css", NULL);
  const char *same[] = { "Content-Type", "Content-Length", "ETag", "Last-Modified", "Server", NULL };
  for (int i = 0; same[i] != NULL; i++)
    {
      g_autofree char *a = itest_hdr (g, same[i]);
      g_autofree char *b = itest_hdr (h, same[i]);
      ck_assert_msg (a != NULL && g_strcmp0 (a, b) == 0, "%s: GET %s, HEAD %s", same[i], a, b);
    }
}
END_TEST

START_TEST (test_big_file_exact)
{
  g_autoptr (ItestResp) r = get ("/big.bin");
  ck_assert_int_eq (r->status, 200);
  ck_assert_uint_eq (r->body->len, BIG_SIZE);
  g_autofree char *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, r->body->data, r->body->len);
  ck_assert_str_eq (sum, big_sha);
  ITEST_ASSERT_HDR (r, "Content-Type", "application/octet-stream");
}
END_TEST

static const struct
{
  const char *path;
  const char *type;
} type_rows[] = {
  { "/style.css", "text/css; charset=utf-8" },
  { "/app.js", "text/javascript; charset=utf-8" },
  { "/a%20b.txt", "text/plain; charset=utf-8" },
  { "/data.bin.unknownext", "application/octet-stream" },
};

START_TEST (test_content_types)
{
  g_autoptr (ItestResp) r = get (type_rows[_i].path);
  ck_assert_msg (r->status == 200, "%s: %ld", type_rows[_i].path, r->status);
  ITEST_ASSERT_HDR (r, "Content-Type", type_rows[_i].type);
}
END_TEST

/* ---- paths --------------------------------------------------------------- */

static const struct
{
  const char *target;
  int status;
  const char *body; /* exact body for 200, or NULL */
} path_rows[] = {
  { "/", 200, "<!DOCTYPE html><title>home</title>\n" },
  { "/sub/", 200, "sub index\n" },
  { "/sub/page.txt", 200, "page\n" },
  { "/a%20b.txt", 200, "space\n" },
  { "/caf%C3%A9.txt", 200, "utf8\n" },
  { "/x%26y%3Cz%3E.txt", 200, "amp\n" },
  { "/x&y%3Cz%3E.txt", 200, "amp\n" }, /* '&' may be sent raw */
  { "/missing.html", 404, NULL },
  { "/index.html/", 404, NULL },         /* a file is not a directory */
  { "/.git/config", 404, NULL },         /* dotfiles denied by default */
  { "/.env", 404, NULL },
  { "/sub/../.env", 404, NULL },
  { "/.well-known/security.txt", 200, "Contact: mailto:x@example.org\n" },
  { "/link-in.html", 200, "<!DOCTYPE html><title>home</title>\n" }, /* symlink inside */
  { "/link-out.txt", 404, NULL },        /* symlink leaving the root */
  { "/pipe", 403, NULL },                /* a FIFO is never opened for reading */
  { "/../../../../etc/passwd", 400, NULL },
  { "/%2e%2e/%2e%2e/etc/passwd", 400, NULL },
  { "/sub/%2e%2e/%2e%2e/etc/passwd", 400, NULL },
  { "/..%2fetc%2fpasswd", 400, NULL },   /* encoded slash */
  { "/..%5cetc", 400, NULL },            /* encoded backslash */
  { "/%c0%ae%c0%ae/etc/passwd", 400, NULL }, /* overlong UTF-8 dots */
  { "/index.html%00.txt", 400, NULL },
  { "/%zz", 400, NULL },
  { "/a%", 400, NULL },
  { "/sub/./page.txt", 200, "page\n" },
  { "/sub//page.txt", 200, "page\n" },
  { "/sub/x/../page.txt", 200, "page\n" },
};

START_TEST (test_paths)
{
  /* Sent raw so that no client normalises the target first. */
  g_autofree char *req
      = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                         path_rows[_i].target);
  g_autoptr (GString) s = raw_str (req);
  ck_assert_msg (itest_status_of (s) == path_rows[_i].status, "%s: got %d, want %d\n%s",
                 path_rows[_i].target, itest_status_of (s), path_rows[_i].status, s->str);
  const char *body = strstr (s->str, "\r\n\r\n");
  ck_assert_ptr_nonnull (body);
  if (path_rows[_i].body != NULL)
    ck_assert_msg (strcmp (body + 4, path_rows[_i].body) == 0, "%s: body %s",
                   path_rows[_i].target, body + 4);
  else
    {
      /* Error pages are HTML and never echo the path or the system. */
      ck_assert_msg (strstr (s->str, "Content-Type: text/html; charset=utf-8\r\n") != NULL,
                     "%s: %s", path_rows[_i].target, s->str);
      ck_assert_msg (strstr (body, "etc") == NULL && strstr (body, "docserve-it") == NULL,
                     "%s: page leaks the path: %s", path_rows[_i].target, body);
      g_autofree char *code = g_strdup_printf ("<h1>%d ", path_rows[_i].status);
      ck_assert_msg (strstr (body, code) != NULL, "%s: page without %s", path_rows[_i].target,
                     code);
    }
}
END_TEST

START_TEST (test_unreadable_403)
{
  if (geteuid () == 0)
    return; /* root reads everything: nothing to test */
  g_autoptr (ItestResp) r = get ("/secret.txt");
  ck_assert_int_eq (r->status, 403);
}
END_TEST

static const struct
{
  const char *target;
  const char *location;
} redirect_rows[] = {
  { "/sub", "/sub/" },
  { "/sub?x=1&y=%20", "/sub/?x=1&y=%20" },   /* query kept as sent */
  { "//evil.com", "/evil.com/" },            /* never a protocol-relative Location */
  { "/evil.com/..//evil.com", "/evil.com/" },
  { "http://elsewhere/sub", "/sub/" },       /* absolute-form target */
};

START_TEST (test_redirects)
{
  g_autofree char *req = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                                          redirect_rows[_i].target);
  g_autoptr (GString) s = raw_str (req);
  g_autofree char *want = g_strdup_printf ("\r\nLocation: %s\r\n", redirect_rows[_i].location);
  ck_assert_msg (itest_status_of (s) == 301, "%s: %s", redirect_rows[_i].target, s->str);
  ck_assert_msg (strstr (s->str, want) != NULL, "%s: want Location %s\n%s",
                 redirect_rows[_i].target, redirect_rows[_i].location, s->str);
}
END_TEST

/* ---- conditional requests ----------------------------------------------- */

START_TEST (test_conditional)
{
  g_autoptr (ItestResp) first = get ("/sub/page.txt");
  g_autofree char *etag = itest_hdr (first, "ETag");
  g_autofree char *lm = itest_hdr (first, "Last-Modified");
  g_autofree char *inm = g_strdup_printf ("If-None-Match: %s", etag);
  g_autofree char *inm_weak = g_strdup_printf ("If-None-Match: \"zzz\", W/%s", etag);
  g_autofree char *ims = g_strdup_printf ("If-Modified-Since: %s", lm);
  g_autofree char *im_ok = g_strdup_printf ("If-Match: %s", etag);
  struct
  {
    const char *h1, *h2;
    long status;
  } rows[] = {
    { inm, NULL, 304 },
    { inm_weak, NULL, 304 },               /* weak comparison for If-None-Match */
    { "If-None-Match: *", NULL, 304 },
    { "If-None-Match: \"other\"", NULL, 200 },
    { ims, NULL, 304 },
    { "If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT", NULL, 200 },
    { "If-Modified-Since: yesterday", NULL, 200 },       /* malformed: ignored */
    { "If-None-Match: \"other\"", ims, 200 },            /* INM wins over IMS */
    { "If-Match: \"other\"", NULL, 412 },
    { im_ok, NULL, 200 },
    { "If-Unmodified-Since: Sat, 01 Jan 2000 00:00:00 GMT", NULL, 412 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const char *hs[] = { rows[i].h1, rows[i].h2, NULL };
      g_autoptr (ItestResp) r = itest_request (&itest_daemon, NULL, "/sub/page.txt", hs);
      ck_assert_msg (r->status == rows[i].status, "%s / %s: got %ld want %ld", rows[i].h1,
                     rows[i].h2, r->status, rows[i].status);
      if (r->status == 304)
        {
          ck_assert_uint_eq (r->body->len, 0);
          ITEST_ASSERT_HDR (r, "ETag", etag);
          ITEST_ASSERT_HDR (r, "Last-Modified", lm);
        }
    }
}
END_TEST

/* ---- methods and framing ------------------------------------------------- */

static const struct
{
  const char *request;
  int status;
  const char *must_contain;
} method_rows[] = {
  { "OPTIONS * HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 204, "Allow: GET, HEAD, OPTIONS\r\n" },
  { "OPTIONS /index.html HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 204, "Allow: GET, HEAD, OPTIONS\r\n" },
  { "POST /index.html HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc", 405, "Allow: GET, HEAD, OPTIONS\r\n" },
  { "PUT /x HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", 405, "Allow: GET, HEAD, OPTIONS\r\n" },
  { "DELETE /index.html HTTP/1.1\r\nHost: t\r\n\r\n", 405, "Allow: GET, HEAD, OPTIONS\r\n" },
  { "PATCH /index.html HTTP/1.1\r\nHost: t\r\n\r\n", 405, "Allow: GET, HEAD, OPTIONS\r\n" },
  { "BREW /index.html HTTP/1.1\r\nHost: t\r\n\r\n", 501, "Connection: close\r\n" },
  { "get /index.html HTTP/1.1\r\nHost: t\r\n\r\n", 501, "Connection: close\r\n" }, /* methods are case-sensitive */
  { "GET /index.html HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "Connection: close\r\n" },
  { "GET /index.html HTTP/1.1\r\n\r\n", 400, "Connection: close\r\n" },           /* no Host */
  { "GET /index.html HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "Connection: close\r\n" },
  { "GET /index.html HTTP/1.0\r\n\r\n", 200, "Connection: close\r\n" },           /* 1.0 needs no Host */
  { "GET http://t/index.html HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 200, "title>home" },
  { "GET /index.html HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello", 200, "title>home" },
  { "GET /index.html HTTP/1.1\r\nHost: t\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 200, "title>home" },
};

START_TEST (test_methods)
{
  gboolean eof = FALSE;
  const char *req = method_rows[_i].request;
  g_autoptr (GString) s = itest_raw (itest_daemon.port, req, strlen (req), 5000, &eof);
  ck_assert_msg (itest_status_of (s) == method_rows[_i].status, "%s\ngot: %s", req, s->str);
  ck_assert_msg (strstr (s->str, method_rows[_i].must_contain) != NULL, "%s\nwant %s in: %s", req,
                 method_rows[_i].must_contain, s->str);
  ck_assert_msg (eof, "connection not closed after: %s", req);
}
END_TEST

START_TEST (test_pipelined_and_body_discarded)
{
  /* A GET with a body, then two more requests, all on one connection: the
   * body is read and dropped, and every request is answered in order. */
  const char *req = "GET /sub/page.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nBODY"
                    "GET /style.css HTTP/1.1\r\nHost: t\r\n\r\n"
                    "GET /missing HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  gboolean eof = FALSE;
  g_autoptr (GString) s = itest_raw (itest_daemon.port, req, strlen (req), 5000, &eof);
  ck_assert_int_eq (itest_count (s->str, "HTTP/1.1 "), 3);
  const char *a = strstr (s->str, "HTTP/1.1 200");
  const char *b = a ? strstr (a + 1, "HTTP/1.1 200") : NULL;
  const char *c = b ? strstr (b + 1, "HTTP/1.1 404") : NULL;
  ck_assert_msg (a && b && c, "order: %s", s->str);
  ck_assert_msg (strstr (s->str, "page\n") && strstr (s->str, "color: red"), "%s", s->str);
  ck_assert (eof);
}
END_TEST

START_TEST (test_malformed_survives)
{
  const char *bad[] = {
    "GARBAGE\r\n\r\n",
    "GET / HTTX/1.1\r\n\r\n",
    "GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n",
    "GET /\x01\x02 HTTP/1.1\r\nHost: t\r\n\r\n",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      gboolean eof = FALSE;
      g_autoptr (GString) s = itest_raw (itest_daemon.port, bad[i], strlen (bad[i]), 5000, &eof);
      ck_assert_msg (eof, "no close after %s", bad[i]);
      int st = itest_status_of (s);
      ck_assert_msg (st == -1 || (st >= 400 && st < 500), "%s -> %s", bad[i], s->str);
    }
  /* A huge header block: 431 from libmicrohttpd, then close. */
  g_autoptr (GString) big = g_string_new ("GET / HTTP/1.1\r\nHost: t\r\nX-Big: ");
  for (int i = 0; i < 100000; i++)
    g_string_append_c (big, 'a');
  g_string_append (big, "\r\n\r\n");
  int fd = itest_connect_port (itest_daemon.port);
  (void) send (fd, big->str, big->len, MSG_NOSIGNAL);
  g_autoptr (GString) s = itest_read_all (fd, 5000, NULL);
  close (fd);
  ck_assert_msg (itest_status_of (s) == 431 || itest_status_of (s) == -1, "%s", s->str);
  /* Still serving. */
  g_autoptr (ItestResp) r = get ("/index.html");
  ck_assert_int_eq (r->status, 200);
}
END_TEST

START_TEST (test_keepalive_header)
{
  const char *req = "GET /sub/page.txt HTTP/1.1\r\nHost: t\r\n\r\n";
  int fd = itest_connect_port (itest_daemon.port);
  ck_assert_int_eq (send (fd, req, strlen (req), MSG_NOSIGNAL), (ssize_t) strlen (req));
  g_autoptr (GString) s = itest_read_all (fd, 1000, NULL);
  close (fd);
  ck_assert_msg (strstr (s->str, "\r\nKeep-Alive: timeout=15, max=99\r\n") != NULL, "%s", s->str);
  ck_assert_msg (strstr (s->str, "Connection: close") == NULL, "%s", s->str);
}
END_TEST

START_TEST (test_access_log_line)
{
  const char *hs[] = { "Referer: http://ref.example/a\"b", NULL };
  g_autoptr (ItestResp) r = itest_request (&itest_daemon, NULL, "/sub/page.txt?q=1", hs);
  ck_assert_int_eq (r->status, 200);
  /* The line is written when the request completes, just after the reply. */
  g_autofree char *log = NULL;
  for (int i = 0; i < 200; i++)
    {
      g_clear_pointer (&log, g_free);
      g_file_get_contents (itest_daemon.log_path, &log, NULL, NULL);
      if (log != NULL && strstr (log, "/sub/page.txt?q=1") != NULL)
        break;
      g_usleep (10000);
    }
  ck_assert_ptr_nonnull (log);
  const char *re = "^127\\.0\\.0\\.1 - - \\[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} "
                   "[+-][0-9]{4}\\] \"GET /sub/page\\.txt\\?q=1 HTTP/1\\.1\" 200 5 "
                   "\"http://ref\\.example/a\\\\\"b\" \"docserve-test\"$";
  g_auto (GStrv) lines = g_strsplit (log, "\n", -1);
  gboolean found = FALSE;
  for (char **l = lines; *l != NULL; l++)
    found |= g_regex_match_simple (re, *l, 0, 0);
  ck_assert_msg (found, "no matching line in:\n%s", log);
}
END_TEST

/* ---- daemons with other options ----------------------------------------- */

START_TEST (test_keepalive_limit)
{
  ItestDaemon d;
  const char *args[] = { "--keepalive-requests", "3", NULL };
  itest_daemon_start (&d, args);
  const char *one = "GET /sub/page.txt HTTP/1.1\r\nHost: t\r\n\r\n";
  g_autoptr (GString) req = g_string_new (NULL);
  for (int i = 0; i < 4; i++)
    g_string_append (req, one);
  gboolean eof = FALSE;
  g_autoptr (GString) s = itest_raw (d.port, req->str, req->len, 5000, &eof);
  ck_assert_int_eq (itest_daemon_stop (&d), 0);
  ck_assert_msg (itest_count (s->str, "HTTP/1.1 200") == 3, "%s", s->str);
  ck_assert_msg (itest_count (s->str, "Connection: close") == 1, "%s", s->str);
  ck_assert_msg (strstr (s->str, "Keep-Alive: timeout=15, max=1\r\n") != NULL, "%s", s->str);
  ck_assert (eof);
}
END_TEST

START_TEST (test_timeout_408)
{
  ItestDaemon d;
  const char *args[] = { "--timeout", "1", NULL };
  itest_daemon_start (&d, args);

  /* Half a request: 408, then close. */
  const char *half = "GET /index.html HTTP/1.1\r\nHost: t\r\n";
  gint64 t0 = g_get_monotonic_time ();
  gboolean eof = FALSE;
  g_autoptr (GString) s = itest_raw (d.port, half, strlen (half), 8000, &eof);
  gint64 waited_ms = (g_get_monotonic_time () - t0) / 1000;
  ck_assert_msg (itest_status_of (s) == 408, "%s", s->str);
  ck_assert_msg (strstr (s->str, "Connection: close\r\n") != NULL, "%s", s->str);
  ck_assert (eof);
  ck_assert_msg (waited_ms >= 900 && waited_ms < 4000, "408 after %" G_GINT64_FORMAT " ms", waited_ms);

  /* A connection that sends nothing is closed silently (as nginx does). */
  int fd = itest_connect_port (d.port);
  g_autoptr (GString) idle = itest_read_all (fd, 8000, &eof);
  close (fd);
  ck_assert_msg (idle->len == 0 && eof, "idle got: %s", idle->str);

  g_autofree char *log = NULL;
  g_usleep (100000);
  g_file_get_contents (d.log_path, &log, NULL, NULL);
  ck_assert_int_eq (itest_daemon_stop (&d), 0);
  /* The request line was never handed to the handler: logged as "-", as
   * Apache logs its own 408s. */
  ck_assert_msg (log != NULL && strstr (log, "\"-\" 408 ") != NULL,
                 "408 not logged: %s", log);
}
END_TEST

START_TEST (test_dotfiles_allow_symlinks_none)
{
  ItestDaemon d;
  const char *args[] = { "--dotfiles=allow", "--symlinks=none", NULL };
  itest_daemon_start (&d, args);
  g_autoptr (ItestResp) a = itest_request (&d, NULL, "/.env", NULL);
  g_autoptr (ItestResp) b = itest_request (&d, NULL, "/link-in.html", NULL);
  g_autoptr (ItestResp) c = itest_request (&d, NULL, "/index.html", NULL);
  ck_assert_int_eq (itest_daemon_stop (&d), 0);
  ck_assert_int_eq (a->status, 200);
  ITEST_ASSERT_BODY (a, "SECRET=1\n");
  ck_assert_int_eq (b->status, 404);
  ck_assert_int_eq (c->status, 200);
}
END_TEST

START_TEST (test_symlinks_follow_and_index)
{
  ItestDaemon d;
  const char *args[] = { "--symlinks=follow", "--index=page.txt", "--no-listing", NULL };
  itest_daemon_start (&d, args);
  g_autoptr (ItestResp) a = itest_request (&d, NULL, "/link-out.txt", NULL);
  g_autoptr (ItestResp) b = itest_request (&d, NULL, "/sub/", NULL);
  g_autoptr (ItestResp) c = itest_request (&d, NULL, "/", NULL);
  ck_assert_int_eq (itest_daemon_stop (&d), 0);
  ck_assert_int_eq (a->status, 200);
  ITEST_ASSERT_BODY (a, "outside the root\n");
  ck_assert_int_eq (b->status, 200);
  ITEST_ASSERT_BODY (b, "page\n");
  ck_assert_int_eq (c->status, 403); /* no page.txt at the root, listings off */
}
END_TEST

START_TEST (test_connection_limits)
{
  /* Per-IP limit 2: a third connection from 127.0.0.1 is closed at once
   * (libmicrohttpd cannot send 503 there), and serving recovers as soon as
   * one of the first two goes away. */
  ItestDaemon d;
  const char *args[] = { "--max-connections-per-ip", "2", NULL };
  itest_daemon_start (&d, args);
  int a = itest_connect_port (d.port);
  int b = itest_connect_port (d.port);
  g_usleep (100000); /* let the daemon accept both */
  int c = itest_connect_port (d.port);
  gboolean eof = FALSE;
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (GString) refused = itest_read_all (c, 3000, &eof);
  gint64 ms = (g_get_monotonic_time () - t0) / 1000;
  close (c);
  ck_assert_msg (eof && refused->len == 0 && ms < 2000, "third connection: eof %d, %zu bytes, %" G_GINT64_FORMAT " ms",
                 eof, refused->len, ms);
  close (a);
  long status = 0;
  for (int i = 0; i < 100 && status != 200; i++)
    {
      g_usleep (20000);
      CURL *curl = curl_easy_init ();
      g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%d/index.html", d.port);
      curl_easy_setopt (curl, CURLOPT_URL, url);
      curl_easy_setopt (curl, CURLOPT_NOBODY, 1L);
      curl_easy_setopt (curl, CURLOPT_TIMEOUT, 5L);
      if (curl_easy_perform (curl) == CURLE_OK)
        curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
      curl_easy_cleanup (curl);
    }
  close (b);
  ck_assert_int_eq (itest_daemon_stop (&d), 0);
  ck_assert_int_eq (status, 200);
}
END_TEST

START_TEST (test_uri_too_long)
{
  g_autoptr (GString) req = g_string_new ("GET /");
  for (int i = 0; i < 70000; i++)
    g_string_append_c (req, 'a');
  g_string_append (req, " HTTP/1.1\r\nHost: t\r\n\r\n");
  gboolean eof = FALSE;
  g_autoptr (GString) s = itest_raw (itest_daemon.port, req->str, req->len, 5000, &eof);
  ck_assert_msg (itest_status_of (s) == 414, "%.200s", s->str);
  ck_assert (eof);
}
END_TEST

static int
count_fds (GPid pid)
{
  g_autofree char *dir = g_strdup_printf ("/proc/%d/fd", (int) pid);
  GDir *d = g_dir_open (dir, 0, NULL);
  int n = 0;
  if (d == NULL)
    return -1;
  while (g_dir_read_name (d) != NULL)
    n++;
  g_dir_close (d);
  return n;
}

START_TEST (test_fd_exhaustion_503)
{
  /* Leave the daemon exactly one free descriptor: accept() takes it, the
   * file open fails with EMFILE, and the client gets 503 and a close.
   * With the limit restored, the same request is served again. */
  ItestDaemon d;
  itest_daemon_start (&d, NULL);
  struct rlimit old, low;
  ck_assert_int_eq (prlimit (d.pid, RLIMIT_NOFILE, NULL, &old), 0);
  int open_fds = count_fds (d.pid);
  ck_assert_int_gt (open_fds, 0);
  low.rlim_cur = (rlim_t) open_fds + 1;
  low.rlim_max = old.rlim_max;
  ck_assert_int_eq (prlimit (d.pid, RLIMIT_NOFILE, &low, NULL), 0);
  gboolean eof = FALSE;
  const char *req = "GET /sub/page.txt HTTP/1.1\r\nHost: t\r\n\r\n";
  g_autoptr (GString) s = itest_raw (d.port, req, strlen (req), 5000, &eof);
  ck_assert_int_eq (prlimit (d.pid, RLIMIT_NOFILE, &old, NULL), 0);
  g_autoptr (ItestResp) r = itest_request (&d, NULL, "/sub/page.txt", NULL);
  ck_assert_int_eq (itest_daemon_stop (&d), 0);
  ck_assert_msg (itest_status_of (s) == 503, "%s", s->str);
  ck_assert_msg (strstr (s->str, "Connection: close\r\n") != NULL, "%s", s->str);
  ck_assert (eof);
  ck_assert_int_eq (r->status, 200);
}
END_TEST

/* ---- command line -------------------------------------------------------- */

static const struct
{
  const char *args[4];
  int exit_code;
  const char *stderr_has;
} cli_rows[] = {
  { { "--port", "80a", NULL }, 2, "docserve: --port: \"80a\" is not a number\nTry 'docserve --help'" },
  { { "--port", "65536", NULL }, 2, "--port: \"65536\" is out of range" },
  { { "--timeout", "0", NULL }, 2, "--timeout" },
  { { "--bogus", NULL }, 2, "--bogus" },
  { { "--dotfiles", "maybe", NULL }, 2, "--dotfiles: \"maybe\" is not one of deny|allow" },
  { { "--address", "localhost", NULL }, 2, "--address" },
  { { "a", "b", NULL }, 2, "only one directory" },
  { { "/nonexistent-docserve-dir", NULL }, 1, "/nonexistent-docserve-dir: No such file or directory" },
  { { "/etc/hostname", NULL }, 1, "/etc/hostname: Not a directory" },
};

START_TEST (test_cli_errors)
{
  g_autofree char *out = NULL, *err = NULL;
  int code = itest_run_cli (cli_rows[_i].args, &out, &err);
  ck_assert_msg (code == cli_rows[_i].exit_code, "%s: exit %d, want %d (%s)", cli_rows[_i].args[0],
                 code, cli_rows[_i].exit_code, err);
  ck_assert_msg (strstr (err, cli_rows[_i].stderr_has) != NULL, "%s: stderr %s",
                 cli_rows[_i].args[0], err);
  /* One clear line (plus the "Try" hint for usage errors). */
  ck_assert_msg (itest_count (err, "\n") == (code == 2 ? 2 : 1), "stderr: %s", err);
}
END_TEST

START_TEST (test_cli_help_version)
{
  const char *help[] = { "--help", NULL };
  const char *version[] = { "--version", NULL };
  g_autofree char *out = NULL, *err = NULL, *vout = NULL, *verr = NULL;
  ck_assert_int_eq (itest_run_cli (help, &out, &err), 0);
  ck_assert_msg (strstr (out, "docserve [OPTION") != NULL && strstr (out, "--port") != NULL, "%s", out);
  ck_assert_int_eq (itest_run_cli (version, &vout, &verr), 0);
  ck_assert_msg (g_str_has_prefix (vout, "docserve " PACKAGE_VERSION "\n"), "%s", vout);
}
END_TEST

START_TEST (test_cli_busy_port)
{
  /* Occupy a port, then ask for it explicitly: exit 1, clear message. */
  int busy = 0;
  int fd = itest_listen_any (&busy);
  g_autofree char *port = g_strdup_printf ("%d", busy);
  const char *args[] = { "--port", port, itest_docroot, NULL };
  g_autofree char *out = NULL, *err = NULL;
  int code = itest_run_cli (args, &out, &err);
  close (fd);
  ck_assert_msg (code == 1, "exit %d: %s", code, err);
  ck_assert_msg (strstr (err, "Address already in use") != NULL && strstr (err, port) != NULL, "%s", err);
}
END_TEST

START_TEST (test_cli_port_search)
{
  /* Without --port, a busy 8080 moves docserve to the next free port. */
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  int one = 1;
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons (8080) };
  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  gboolean ours = bind (fd, (struct sockaddr *) &sin, sizeof sin) == 0 && listen (fd, 1) == 0;
  /* If something else holds 8080 already, the search must skip it all the same. */
  const char *argv[] = { itest_docserve_bin (), "--access-log", "none", itest_docroot, NULL };
  GPid pid;
  int err_fd;
  g_autoptr (GError) error = NULL;
  ck_assert (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                       NULL, &pid, NULL, NULL, &err_fd, &error));
  g_autoptr (GString) text = g_string_new (NULL);
  int port = itest_read_start_line (err_fd, text, 10000);
  kill (pid, SIGTERM);
  int st = itest_wait_child (pid, 10000);
  close (err_fd);
  close (fd);
  ck_assert_msg (port > 8080 && port <= 8099, "port %d (we held 8080: %d): %s", port, ours, text->str);
  ck_assert_msg (strstr (text->str, "Serving ") != NULL
                     && strstr (text->str, " at http://127.0.0.1:") != NULL,
                 "%s", text->str);
  ck_assert (st != -1 && WIFEXITED (st) && WEXITSTATUS (st) == 0);
}
END_TEST

START_TEST (test_sigterm_drains_download)
{
  /* SIGTERM while a client is reading a large file slowly: the transfer
   * still completes, then docserve exits 0. */
  ItestDaemon d;
  itest_daemon_start (&d, NULL);
  /* An idle keep-alive connection, which must not hold up the stop. */
  const char *one = "GET /sub/page.txt HTTP/1.1\r\nHost: t\r\n\r\n";
  int idle = itest_connect_port (d.port);
  ck_assert_int_eq (send (idle, one, strlen (one), MSG_NOSIGNAL), (ssize_t) strlen (one));
  g_autoptr (GString) first = itest_read_all (idle, 500, NULL);
  ck_assert_int_eq (itest_status_of (first), 200);

  const char *req = "GET /big.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  int fd = itest_connect_port_rcvbuf (d.port, 4096);
  ck_assert_int_eq (send (fd, req, strlen (req), MSG_NOSIGNAL), (ssize_t) strlen (req));
  char buf[4096];
  ssize_t got = recv (fd, buf, sizeof buf, 0);
  ck_assert_int_gt (got, 0);
  gint64 t0 = g_get_monotonic_time ();
  kill (d.pid, SIGTERM);
  g_autoptr (GString) rest = itest_read_all (fd, 20000, NULL);
  close (fd);
  gsize total = (gsize) got + rest->len;
  int st = itest_wait_child (d.pid, 15000);
  gint64 stop_ms = (g_get_monotonic_time () - t0) / 1000;
  gboolean idle_eof = FALSE;
  g_autoptr (GString) idle_rest = itest_read_all (idle, 1000, &idle_eof);
  close (idle);
  ck_assert_msg (idle_eof && idle_rest->len == 0, "idle connection got %s", idle_rest->str);
  /* Well below --shutdown-timeout (10 s): the idle connection was closed. */
  ck_assert_msg (stop_ms < 5000, "stop took %" G_GINT64_FORMAT " ms", stop_ms);
  g_spawn_close_pid (d.pid);
  d.pid = 0;
  itest_daemon_stop (&d);
  ck_assert_msg (st != -1 && WIFEXITED (st) && WEXITSTATUS (st) == 0, "status %d", st);
  ck_assert_msg (total > BIG_SIZE, "got %" G_GSIZE_FORMAT " bytes of %d + headers", total, BIG_SIZE);
}
END_TEST

/* ---- suite --------------------------------------------------------------- */

/* The requests of the "main" cases, asked of one shared daemon. */
static void
add_main_tests (TCase *tc)
{
  tcase_add_test (tc, test_get_file);
  tcase_add_test (tc, test_head_is_get_without_body);
  tcase_add_test (tc, test_big_file_exact);
  tcase_add_loop_test (tc, test_content_types, 0, G_N_ELEMENTS (type_rows));
  tcase_add_loop_test (tc, test_paths, 0, G_N_ELEMENTS (path_rows));
  tcase_add_test (tc, test_unreadable_403);
  tcase_add_loop_test (tc, test_redirects, 0, G_N_ELEMENTS (redirect_rows));
  tcase_add_test (tc, test_conditional);
  tcase_add_loop_test (tc, test_methods, 0, G_N_ELEMENTS (method_rows));
  tcase_add_test (tc, test_pipelined_and_body_discarded);
  tcase_add_test (tc, test_malformed_survives);
  tcase_add_test (tc, test_keepalive_header);
  tcase_add_test (tc, test_access_log_line);
  tcase_add_test (tc, test_uri_too_long);
}

static Suite *
http_suite (void)
{
  Suite *s = suite_create ("http");
  TCase *tc = tcase_create ("main");
  tcase_add_unchecked_fixture (tc, itest_setup_threads, itest_teardown);
  tcase_set_timeout (tc, 60);
  add_main_tests (tc);
  suite_add_tcase (s, tc);

  /* The same requests against --workers 2 (an epoll pool instead of a
   * thread per connection): every answer must be the same. */
  tc = tcase_create ("main-workers");
  tcase_add_unchecked_fixture (tc, itest_setup_workers, itest_teardown);
  tcase_set_timeout (tc, 60);
  add_main_tests (tc);
  suite_add_tcase (s, tc);

  TCase *own = tcase_create ("own-daemon");
  tcase_set_timeout (own, 60);
  tcase_add_test (own, test_keepalive_limit);
  tcase_add_test (own, test_timeout_408);
  tcase_add_test (own, test_dotfiles_allow_symlinks_none);
  tcase_add_test (own, test_symlinks_follow_and_index);
  tcase_add_test (own, test_sigterm_drains_download);
  tcase_add_test (own, test_connection_limits);
  tcase_add_test (own, test_fd_exhaustion_503);
  suite_add_tcase (s, own);

  TCase *cli = tcase_create ("cli");
  tcase_set_timeout (cli, 60);
  tcase_add_loop_test (cli, test_cli_errors, 0, G_N_ELEMENTS (cli_rows));
  tcase_add_test (cli, test_cli_help_version);
  tcase_add_test (cli, test_cli_busy_port);
  tcase_add_test (cli, test_cli_port_search);
  suite_add_tcase (s, cli);
  return s;
}

/* secret.txt back to readable, so that the docroot can be removed. */
static void
cleanup (void)
{
  g_autofree char *unread = g_build_filename (itest_docroot, "secret.txt", NULL);
  chmod (unread, 0644);
}

const ItestSuite itest_suite = { .populate = make_docroot, .build = http_suite, .cleanup = cleanup };
