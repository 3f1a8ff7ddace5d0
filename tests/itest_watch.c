/* itest_watch.c: --watch against the real daemon: the event stream after a
 * write, a directory rename, a new directory and a root swap; one event for
 * a burst; Last-Event-ID; heartbeats; the cap's 503; the drain ending
 * streams; and the script injected into HTML pages (with its own ETag and
 * length, never into HEAD, Range, precompressed or ?raw replies, and
 * nothing without --watch).  The stream tests run with a thread per
 * connection and with --workers 2 (suspended connections). */
#include "config.h"

#include "itest.h"

#include <check.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SNIPPET "<script src=\"/.docserve/reload.js\"></script>"
#define PAGE "<html><head><title>t</title></head><body><p>page</p></body></html>\n"

static const char *const modes[] = { NULL, "--workers=2" };

/* A fresh root for one test, under itest_workdir (the tests change it). */
static char *
fresh_root (void)
{
  static int n;
  char *root = g_strdup_printf ("%s/root-%d", itest_workdir, n++);
  itest_rm_rf (root);
  ck_assert_int_eq (g_mkdir_with_parents (root, 0700), 0);
  return root;
}

static void
put (const char *root, const char *rel, const char *text)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;
  ck_assert_int_eq (g_mkdir_with_parents (dir, 0700), 0);
  ck_assert_msg (g_file_set_contents (path, text, -1, &error), "%s", path);
}

static void
start (ItestDaemon *d, const char *root, const char *mode, const char *more)
{
  const char *const extra[] = { "--watch", more != NULL ? more : "--watch", mode, NULL };
  g_autoptr (GString) err = g_string_new (NULL);
  if (!itest_daemon_start_full (d, root, extra, err))
    ck_abort_msg ("docserve did not start: %s", err->str);
}

/* ---- an event stream read over a raw socket --------------------------- */

typedef struct
{
  int fd;
  GString *raw;   /* bytes received, not yet de-chunked */
  GString *text;  /* the de-chunked body */
  gsize consumed; /* of text: events already returned */
  gboolean head_done;
  gboolean ended; /* last chunk or EOF seen */
  int status;
} Stream;

/* Reads what is there within @ms; FALSE when nothing more came. */
static gboolean
pump (Stream *s, int ms)
{
  char buf[8192];
  struct pollfd p = { s->fd, POLLIN, 0 };

  if (s->ended || poll (&p, 1, ms) <= 0)
    return FALSE;
  ssize_t n = recv (s->fd, buf, sizeof buf, 0);
  if (n <= 0)
    {
      s->ended = TRUE;
      return FALSE;
    }
  g_string_append_len (s->raw, buf, n);
  if (!s->head_done)
    {
      const char *end = strstr (s->raw->str, "\r\n\r\n");
      if (end == NULL)
        return TRUE;
      s->status = itest_status_of (s->raw);
      s->head_done = TRUE;
      g_string_erase (s->raw, 0, (gssize) (end + 4 - s->raw->str));
    }
  /* De-chunk what is complete. */
  for (;;)
    {
      const char *crlf = strstr (s->raw->str, "\r\n");
      if (crlf == NULL)
        break;
      gsize size = (gsize) g_ascii_strtoull (s->raw->str, NULL, 16);
      gsize hdr = (gsize) (crlf + 2 - s->raw->str);
      if (size == 0)
        {
          s->ended = TRUE;
          break;
        }
      if (s->raw->len < hdr + size + 2)
        break;
      g_string_append_len (s->text, s->raw->str + hdr, (gssize) size);
      g_string_erase (s->raw, 0, (gssize) (hdr + size + 2));
    }
  return TRUE;
}

static Stream *
stream_open (int port, const char *extra_header)
{
  Stream *s = g_new0 (Stream, 1);
  g_autofree char *req = g_strdup_printf ("GET /.docserve/events HTTP/1.1\r\nHost: x\r\n"
                                          "Accept: text/event-stream\r\n%s\r\n",
                                          extra_header != NULL ? extra_header : "");
  s->fd = itest_connect_port (port);
  s->raw = g_string_new (NULL);
  s->text = g_string_new (NULL);
  ck_assert_int_eq (send (s->fd, req, strlen (req), MSG_NOSIGNAL), (ssize_t) strlen (req));
  gint64 end = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  while (strstr (s->text->str, "live reload\n\n") == NULL && !s->ended
         && g_get_monotonic_time () < end)
    {
      pump (s, 100);
      if (s->head_done && s->status != 200)
        break;
    }
  if (s->status == 200)
    {
      ck_assert_msg (strstr (s->text->str, "retry: 1000\n") != NULL, "%s", s->text->str);
      s->consumed = (gsize) (strstr (s->text->str, "live reload\n\n") + 13 - s->text->str);
    }
  return s;
}

static void
stream_close (Stream *s)
{
  close (s->fd);
  g_string_free (s->raw, TRUE);
  g_string_free (s->text, TRUE);
  g_free (s);
}

/* The next event (its "data:" line's JSON) within @ms, skipping comments;
 * NULL when none came.  @out_id gets its id. */
static char *
next_event (Stream *s, int ms, guint64 *out_id)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  for (;;)
    {
      const char *from = s->text->str + s->consumed;
      const char *id = strstr (from, "id: ");
      const char *stop = id != NULL ? strstr (id, "\n\n") : NULL;
      if (stop != NULL)
        {
          const char *data = strstr (id, "\ndata: ");
          ck_assert_ptr_nonnull (data);
          if (out_id != NULL)
            *out_id = g_ascii_strtoull (id + 4, NULL, 10);
          char *json = g_strndup (data + 7, (gsize) (stop - data - 7));
          s->consumed = (gsize) (stop + 2 - s->text->str);
          return json;
        }
      int left = (int) ((end - g_get_monotonic_time ()) / 1000);
      if (left <= 0 || s->ended)
        return NULL;
      pump (s, left);
    }
}

static void
assert_has (const char *json, const char *url)
{
  g_autofree char *q = g_strdup_printf ("\"%s\"", url);
  ck_assert_msg (json != NULL && strstr (json, q) != NULL, "%s not in %s", url,
                 json != NULL ? json : "(no event)");
}

/* ---- the stream ------------------------------------------------------- */

START_TEST (test_write)
{
  g_autofree char *root = fresh_root ();
  ItestDaemon d;

  put (root, "index.html", PAGE);
  start (&d, root, modes[_i], NULL);
  Stream *s = stream_open (d.port, NULL);
  ck_assert_int_eq (s->status, 200);

  gint64 t0 = g_get_monotonic_time ();
  put (root, "a.html", "<p>a</p>");
  guint64 id = 0;
  g_autofree char *ev = next_event (s, 3000, &id);
  gint64 ms = (g_get_monotonic_time () - t0) / 1000;
  assert_has (ev, "/a.html");
  ck_assert_msg (strstr (ev, "\"all\":false") != NULL, "%s", ev);
  ck_assert_uint_eq (id, 1);
  /* 150 ms of settling; half a second is the bound for a reload. */
  ck_assert_msg (ms >= 140 && ms < 500, "event after %" G_GINT64_FORMAT " ms", ms);

  /* The index file also changes its directory's URL; a sidecar its file. */
  put (root, "index.html", PAGE "<!-- 2 -->");
  put (root, "a.html.gz", "x");
  g_autofree char *ev2 = next_event (s, 3000, &id);
  assert_has (ev2, "/");
  assert_has (ev2, "/index.html");
  assert_has (ev2, "/a.html");
  assert_has (ev2, "/a.html.gz");
  ck_assert_uint_eq (id, 2);

  /* Dotfiles are not served, so not announced; nothing else changed. */
  put (root, ".secret", "x");
  g_autofree char *none = next_event (s, 500, NULL);
  ck_assert_msg (none == NULL, "%s", none);
  stream_close (s);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

START_TEST (test_directories)
{
  g_autofree char *root = fresh_root ();
  g_autofree char *from = g_build_filename (root, "d", NULL);
  g_autofree char *to = g_build_filename (root, "e", NULL);
  ItestDaemon d;

  put (root, "d/x.html", PAGE);
  start (&d, root, modes[_i], NULL);
  Stream *s = stream_open (d.port, NULL);

  ck_assert_int_eq (g_rename (from, to), 0);
  g_autofree char *ev = next_event (s, 3000, NULL);
  assert_has (ev, "/d/");
  assert_has (ev, "/e/");

  /* The renamed directory is watched under its new name ... */
  put (root, "e/y.html", "y");
  g_autofree char *ev2 = next_event (s, 3000, NULL);
  assert_has (ev2, "/e/y.html");
  ck_assert_msg (strstr (ev2, "/d/") == NULL, "%s", ev2);

  /* ... and so is a directory made later, and one below it. */
  put (root, "n/m/z.html", "z");
  g_autofree char *ev3 = next_event (s, 3000, NULL);
  assert_has (ev3, "/n/");
  put (root, "n/m/z.html", "z2");
  g_autofree char *ev4 = next_event (s, 3000, NULL);
  assert_has (ev4, "/n/m/z.html");
  stream_close (s);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

/* A rebuild that deletes the output directory and makes it again. */
START_TEST (test_root_swap)
{
  g_autofree char *root = fresh_root ();
  ItestDaemon d;

  put (root, "index.html", "old\n");
  put (root, "sub/a.html", "a\n");
  start (&d, root, modes[_i], NULL);
  Stream *s = stream_open (d.port, NULL);

  itest_rm_rf (root);
  ck_assert_int_eq (g_mkdir (root, 0700), 0);
  put (root, "index.html", "new\n");
  gboolean all = FALSE;
  for (int i = 0; i < 4 && !all; i++)
    {
      g_autofree char *ev = next_event (s, 3000, NULL);
      ck_assert_msg (ev != NULL, "no event after the root swap");
      all = strstr (ev, "\"all\":true") != NULL;
    }
  ck_assert (all);
  /* Served from the new directory ... */
  g_autoptr (ItestResp) r = itest_request (&d, "GET", "/index.html", NULL);
  ck_assert_int_eq (r->status, 200);
  ck_assert_msg (r->body->len >= 4 && memcmp (r->body->data, "new\n", 4) == 0, "%.*s",
                 (int) r->body->len, (char *) r->body->data);
  /* ... which is watched. */
  put (root, "later.html", "l");
  g_autofree char *ev = next_event (s, 3000, NULL);
  assert_has (ev, "/later.html");
  stream_close (s);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

/* A build writes many files: one event. */
START_TEST (test_settle)
{
  g_autofree char *root = fresh_root ();
  ItestDaemon d;

  put (root, "build/old.html", "o");
  start (&d, root, modes[_i], NULL);
  Stream *s = stream_open (d.port, NULL);
  for (int i = 0; i < 40; i++)
    {
      g_autofree char *name = g_strdup_printf ("build/p%02d.html", i);
      put (root, name, "p");
      g_usleep (5000);
    }
  g_autofree char *ev = next_event (s, 3000, NULL);
  for (int i = 0; i < 40; i++)
    {
      g_autofree char *url = g_strdup_printf ("/build/p%02d.html", i);
      assert_has (ev, url);
    }
  g_autofree char *more = next_event (s, 600, NULL);
  ck_assert_msg (more == NULL, "a second event: %s", more);
  stream_close (s);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

/* A client that reconnects gets what it missed, at once; a comment line
 * keeps an idle stream open past --timeout. */
START_TEST (test_reconnect_heartbeat)
{
  g_autofree char *root = fresh_root ();
  ItestDaemon d;

  start (&d, root, modes[_i], "--timeout=2");
  Stream *s = stream_open (d.port, NULL);
  put (root, "a.html", "a");
  g_autofree char *e1 = next_event (s, 3000, NULL);
  put (root, "b.html", "b");
  g_autofree char *e2 = next_event (s, 3000, NULL);
  assert_has (e2, "/b.html");

  Stream *again = stream_open (d.port, "Last-Event-ID: 1\r\n");
  guint64 id = 0;
  g_autofree char *missed = next_event (again, 300, &id);
  assert_has (missed, "/b.html");
  ck_assert_uint_eq (id, 2);
  stream_close (again);

  Stream *from0 = stream_open (d.port, "Last-Event-ID: 0\r\n");
  g_autofree char *both = next_event (from0, 300, NULL);
  assert_has (both, "/a.html");
  assert_has (both, "/b.html");
  stream_close (from0);

  /* 3.5 s idle with --timeout=2: still open, with keep-alive comments. */
  gsize before = s->text->len;
  gint64 end = g_get_monotonic_time () + 3500 * 1000;
  while (g_get_monotonic_time () < end && !s->ended)
    pump (s, 100);
  ck_assert_msg (!s->ended, "the stream was closed while idle");
  ck_assert_msg (itest_count (s->text->str + before, ": keep-alive\n\n") >= 2, "%s",
                 s->text->str + before);
  put (root, "c.html", "c");
  g_autofree char *e3 = next_event (s, 3000, NULL);
  assert_has (e3, "/c.html");
  stream_close (s);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

START_TEST (test_cap)
{
  g_autofree char *root = fresh_root ();
  ItestDaemon d;

  start (&d, root, modes[_i], "--watch-max-streams=2");
  Stream *a = stream_open (d.port, NULL);
  Stream *b = stream_open (d.port, NULL);
  ck_assert_int_eq (a->status, 200);
  ck_assert_int_eq (b->status, 200);
  gboolean eof = FALSE;
  const char req[] = "GET /.docserve/events HTTP/1.1\r\nHost: x\r\n\r\n";
  g_autoptr (GString) third = NULL;
  third = itest_raw (d.port, req, strlen (req), 2000, &eof);
  ck_assert_int_eq (itest_status_of (third), 503);
  ck_assert_msg (strstr (third->str, "Retry-After: 5\r\n") != NULL, "%s", third->str);
  ck_assert (eof);
  /* Pages are still served. */
  put (root, "x.html", "x");
  g_autoptr (ItestResp) r = itest_request (&d, "GET", "/x.html", NULL);
  ck_assert_int_eq (r->status, 200);
  /* Both streams still get events. */
  g_autofree char *ea = next_event (a, 3000, NULL);
  g_autofree char *eb = next_event (b, 3000, NULL);
  assert_has (ea, "/x.html");
  assert_has (eb, "/x.html");
  stream_close (a);
  stream_close (b);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

/* Thread per connection: a client that leaves (a page reloaded) frees its
 * stream's place at once, not at the next write (the heartbeat is 15 s
 * away here). */
START_TEST (test_client_leaves)
{
  g_autofree char *root = fresh_root ();
  ItestDaemon d;

  start (&d, root, "--timeout=30", "--watch-max-streams=1");
  Stream *a = stream_open (d.port, NULL);
  ck_assert_int_eq (a->status, 200);
  stream_close (a);
  int status = 0;
  for (int i = 0; i < 20 && status != 200; i++)
    {
      g_usleep (50 * 1000);
      Stream *b = stream_open (d.port, NULL);
      status = b->status;
      stream_close (b);
    }
  ck_assert_int_eq (status, 200);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

/* SIGTERM: the drain ends open streams at once (not after
 * --shutdown-timeout), and docserve exits 0. */
START_TEST (test_drain)
{
  g_autofree char *root = fresh_root ();
  ItestDaemon d;

  start (&d, root, modes[_i], "--shutdown-timeout=10");
  Stream *s = stream_open (d.port, NULL);
  Stream *t = stream_open (d.port, NULL);
  gint64 t0 = g_get_monotonic_time ();
  kill (d.pid, SIGTERM);
  while (!(s->ended && t->ended) && g_get_monotonic_time () - t0 < 5 * G_USEC_PER_SEC)
    {
      pump (s, 50);
      pump (t, 50);
    }
  ck_assert (s->ended && t->ended);
  int status = itest_wait_child (d.pid, 5000);
  gint64 ms = (g_get_monotonic_time () - t0) / 1000;
  ck_assert_msg (status != -1 && WIFEXITED (status) && WEXITSTATUS (status) == 0, "status %d",
                 status);
  ck_assert_msg (ms < 2000, "stopped after %" G_GINT64_FORMAT " ms", ms);
  g_spawn_close_pid (d.pid);
  close (d.stderr_fd);
  g_free (d.log_path);
  stream_close (s);
  stream_close (t);
}
END_TEST

/* ---- injection ------------------------------------------------------------ */

static const char *
body_text (const ItestResp *r)
{
  g_byte_array_append (r->body, (const guint8 *) "", 1);
  return (const char *) r->body->data;
}

START_TEST (test_inject)
{
  g_autofree char *root = fresh_root ();
  ItestDaemon d;

  put (root, "p.html", PAGE);
  put (root, "q.html", PAGE);
  put (root, "q.html.gz", "not really gzip, but a newer sidecar");
  put (root, "t.txt", "text </body>\n");
  start (&d, root, NULL, NULL);

  g_autoptr (ItestResp) r = itest_request (&d, "GET", "/p.html", NULL);
  ck_assert_int_eq (r->status, 200);
  g_autofree char *want = g_strdup (PAGE);
  char *at = strstr (want, "</body>");
  g_autofree char *expect = g_strdup_printf ("%.*s%s%s", (int) (at - want), want, SNIPPET, at);
  g_autofree char *len = g_strdup_printf ("%zu", strlen (expect));
  ck_assert_str_eq (body_text (r), expect);
  ITEST_ASSERT_HDR (r, "Content-Length", len);
  g_autofree char *etag = itest_hdr (r, "ETag");
  ck_assert_msg (etag != NULL && g_str_has_suffix (etag, "-w\""), "%s", etag);

  /* 304 with the injected page's ETag. */
  g_autofree char *inm = g_strdup_printf ("If-None-Match: %s", etag);
  const char *const cond[] = { inm, NULL };
  g_autoptr (ItestResp) nm = itest_request (&d, "GET", "/p.html", cond);
  ck_assert_int_eq (nm->status, 304);
  ITEST_ASSERT_HDR (nm, "ETag", etag);

  /* HEAD, Range, ?raw, the .gz sidecar and a text file: the file as is. */
  g_autofree char *plain_len = g_strdup_printf ("%zu", strlen (PAGE));
  g_autoptr (ItestResp) h = itest_request (&d, "HEAD", "/p.html", NULL);
  ck_assert_int_eq (h->status, 200);
  ITEST_ASSERT_HDR (h, "Content-Length", plain_len);
  g_autofree char *hetag = itest_hdr (h, "ETag");
  ck_assert_msg (!g_str_has_suffix (hetag, "-w\""), "%s", hetag);

  const char *const range[] = { "Range: bytes=0-5", NULL };
  g_autoptr (ItestResp) rg = itest_request (&d, "GET", "/p.html", range);
  ck_assert_int_eq (rg->status, 206);
  ck_assert_str_eq (body_text (rg), "<html>");

  g_autoptr (ItestResp) raw = itest_request (&d, "GET", "/p.html?raw", NULL);
  ck_assert_str_eq (body_text (raw), PAGE);

  const char *const gz[] = { "Accept-Encoding: gzip", NULL };
  g_autoptr (ItestResp) z = itest_request (&d, "GET", "/q.html", gz);
  ITEST_ASSERT_HDR (z, "Content-Encoding", "gzip");
  ck_assert_str_eq (body_text (z), "not really gzip, but a newer sidecar");

  g_autoptr (ItestResp) t = itest_request (&d, "GET", "/t.txt", NULL);
  ck_assert_str_eq (body_text (t), "text </body>\n");

  g_autoptr (ItestResp) js = itest_request (&d, "GET", "/.docserve/reload.js", NULL);
  ck_assert_int_eq (js->status, 200);
  ITEST_ASSERT_HDR (js, "Content-Type", "text/javascript; charset=utf-8");
  ck_assert (strstr (body_text (js), "new EventSource(") != NULL);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

START_TEST (test_without_watch)
{
  g_autofree char *root = fresh_root ();
  const char *const extra[] = { "--dotfiles=allow", NULL };
  ItestDaemon d;

  put (root, "p.html", PAGE);
  g_autoptr (GString) err = g_string_new (NULL);
  ck_assert (itest_daemon_start_full (&d, root, extra, err));
  g_autoptr (ItestResp) r = itest_request (&d, "GET", "/p.html", NULL);
  ck_assert_str_eq (body_text (r), PAGE);
  g_autoptr (ItestResp) ev = itest_request (&d, "GET", "/.docserve/events", NULL);
  ck_assert_int_eq (ev->status, 404);
  g_autoptr (ItestResp) js = itest_request (&d, "GET", "/.docserve/reload.js", NULL);
  ck_assert_int_eq (js->status, 404);
  g_autoptr (ItestResp) js2 = itest_request (&d, "GET", "/.docserve/watch/reload.js", NULL);
  ck_assert_int_eq (js2->status, 404);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

static Suite *
build (void)
{
  Suite *s = suite_create ("watch");
  TCase *tc = tcase_create ("stream");

  tcase_set_timeout (tc, 30);
  tcase_add_loop_test (tc, test_write, 0, G_N_ELEMENTS (modes));
  tcase_add_loop_test (tc, test_directories, 0, G_N_ELEMENTS (modes));
  tcase_add_loop_test (tc, test_root_swap, 0, G_N_ELEMENTS (modes));
  tcase_add_loop_test (tc, test_settle, 0, G_N_ELEMENTS (modes));
  tcase_add_loop_test (tc, test_reconnect_heartbeat, 0, G_N_ELEMENTS (modes));
  tcase_add_loop_test (tc, test_cap, 0, G_N_ELEMENTS (modes));
  tcase_add_loop_test (tc, test_drain, 0, G_N_ELEMENTS (modes));
  tcase_add_test (tc, test_client_leaves);
  suite_add_tcase (s, tc);

  tc = tcase_create ("inject");
  tcase_add_test (tc, test_inject);
  tcase_add_test (tc, test_without_watch);
  suite_add_tcase (s, tc);
  return s;
}

const ItestSuite itest_suite = { .build = build };
