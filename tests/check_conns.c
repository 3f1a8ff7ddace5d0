/* check_conns.c: the connection registry (peer addresses, counts), the
 * drain, the watchdog's cuts, the raw status replies, the pool arithmetic,
 * the request record's log line and the rate limit on libmicrohttpd's
 * messages.  Connections are socket pairs: the registry gets one end, the
 * test reads what reached the other. */
#include "config.h"

#include "docserve/conns.h"

#include "docserve/common.h"
#include "docserve/status.h"

#include "scratch.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEADLINE_US ((gint64) 10 * G_USEC_PER_SEC)

/* ---- raw status replies ------------------------------------------------ */

static const struct
{
  guint status;
  const char *status_line;
} raw_rows[] = {
  { 408, "HTTP/1.1 408 Request Timeout\r\n" },
  { 431, "HTTP/1.1 431 Request Header Fields Too Large\r\n" },
  { 500, "HTTP/1.1 500 Internal Server Error\r\n" },
};

START_TEST (test_raw_status)
{
  g_autofree char *msg = ds_conns_raw_status (raw_rows[_i].status, 784111777);
  gsize page_len = 0;
  g_autofree char *page = ds_status_page (raw_rows[_i].status, &page_len);
  g_autofree char *want = g_strdup_printf (
      "%sDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nConnection: close\r\n"
      "Content-Type: text/html; charset=utf-8\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n"
      "X-Content-Type-Options: nosniff\r\n\r\n",
      raw_rows[_i].status_line, page_len);

  ck_assert_msg (g_str_has_prefix (msg, want), "%u: header block\n%s\nwant\n%s",
                 raw_rows[_i].status, msg, want);
  ck_assert_msg (strcmp (msg + strlen (want), page) == 0, "%u: body is not the status page",
                 raw_rows[_i].status);
  ck_assert_uint_eq (strlen (msg + strlen (want)), page_len);
}
END_TEST

/* ---- registry: peer addresses and counts -------------------------------- */

static const struct
{
  int family; /* 0: no address */
  const char *ip;
  guint port;
  const char *want_addr;
} peer_rows[] = {
  { AF_INET, "127.0.0.1", 8080, "127.0.0.1" },
  { AF_INET6, "::1", 443, "::1" },
  /* IPv4-mapped: logged as the IPv4 address */
  { AF_INET6, "::ffff:192.0.2.1", 1, "192.0.2.1" },
  { AF_INET6, "2001:db8::5", 65535, "2001:db8::5" },
  /* libmicrohttpd gave no address */
  { 0, NULL, 0, "-" },
};

START_TEST (test_peer)
{
  DsConns *conns = ds_conns_new (DEADLINE_US, TRUE);
  struct sockaddr_in in4 = { 0 };
  struct sockaddr_in6 in6 = { 0 };
  const struct sockaddr *sa = NULL;

  if (peer_rows[_i].family == AF_INET)
    {
      in4.sin_family = AF_INET;
      in4.sin_port = htons ((guint16) peer_rows[_i].port);
      ck_assert (inet_pton (AF_INET, peer_rows[_i].ip, &in4.sin_addr) == 1);
      sa = (const struct sockaddr *) &in4;
    }
  else if (peer_rows[_i].family == AF_INET6)
    {
      in6.sin6_family = AF_INET6;
      in6.sin6_port = htons ((guint16) peer_rows[_i].port);
      ck_assert (inet_pton (AF_INET6, peer_rows[_i].ip, &in6.sin6_addr) == 1);
      sa = (const struct sockaddr *) &in6;
    }

  ck_assert_uint_eq (ds_conns_count (conns), 0);
  DsConn *conn = ds_conns_add (conns, sa, 7);
  ck_assert_msg (strcmp (conn->addr, peer_rows[_i].want_addr) == 0, "%s: addr %s, want %s",
                 peer_rows[_i].ip != NULL ? peer_rows[_i].ip : "(none)", conn->addr,
                 peer_rows[_i].want_addr);
  ck_assert_uint_eq (conn->port, peer_rows[_i].port);
  ck_assert_int_eq (conn->fd, 7);
  ck_assert_int_eq (conn->body_fd, -1);
  ck_assert (!conn->busy && !conn->replied && !conn->cut);
  ck_assert_uint_eq (ds_conns_count (conns), 1);
  ds_conns_remove (conns, conn);
  ck_assert_uint_eq (ds_conns_count (conns), 0);
  ds_conns_free (conns);
}
END_TEST

/* ---- socket pairs -------------------------------------------------------- */

typedef struct
{
  int ours;   /* what the registry gets */
  int client; /* what the test reads, non-blocking */
} Pair;

static Pair
pair_new (void)
{
  int fds[2];

  ck_assert_msg (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0, "socketpair: %s",
                 g_strerror (errno));
  ck_assert (fcntl (fds[1], F_SETFL, O_NONBLOCK) == 0);
  return (Pair){ fds[0], fds[1] };
}

/* What the client end received up to EOF (NULL: no EOF, the connection is
 * still open).  Closes both ends.  Caller frees. */
static char *
pair_finish (Pair *p)
{
  GString *got = g_string_new (NULL);
  char buf[4096];
  gboolean eof = FALSE;

  for (;;)
    {
      ssize_t n = recv (p->client, buf, sizeof buf, 0);
      if (n > 0)
        {
          g_string_append_len (got, buf, n);
          continue;
        }
      ck_assert_msg (n == 0 || errno == EAGAIN, "recv: %s", g_strerror (errno));
      eof = n == 0;
      break;
    }
  close (p->ours);
  close (p->client);
  if (!eof)
    {
      g_string_free (got, TRUE);
      return NULL;
    }
  return g_string_free (got, FALSE);
}

/* ---- drain --------------------------------------------------------------- */

/* An idle connection is shut down at once, a busy one finishes its reply. */
START_TEST (test_drain)
{
  DsConns *conns = ds_conns_new (DEADLINE_US, TRUE);
  Pair idle = pair_new (), busy = pair_new ();
  DsConn *idle_conn = ds_conns_add (conns, NULL, idle.ours);
  DsConn *busy_conn = ds_conns_add (conns, NULL, busy.ours);

  ds_conns_set_busy (conns, busy_conn, TRUE);
  ck_assert (!ds_conns_draining (conns));
  ds_conns_start_drain (conns);
  ck_assert (ds_conns_draining (conns));
  ds_conns_shutdown_idle (conns);

  g_autofree char *idle_got = pair_finish (&idle);
  g_autofree char *busy_got = pair_finish (&busy);
  ck_assert_msg (idle_got != NULL && idle_got[0] == '\0', "idle: not closed, or bytes sent");
  ck_assert_msg (busy_got == NULL, "busy: closed");
  ds_conns_remove (conns, idle_conn);
  ds_conns_remove (conns, busy_conn);
  ds_conns_free (conns);
}
END_TEST

/* ---- the watchdog -------------------------------------------------------- */

typedef enum
{
  W_IDLE,     /* connected, no request line */
  W_BUSY,     /* a request line arrived, no reply */
  W_REPLIED,  /* a reply without a file body is queued */
  W_BODY,     /* a reply with a 10-byte file body is being sent */
  W_COMPLETED /* a request completed: a new phase starts */
} WatchState;

static const struct
{
  const char *what;
  WatchState state;
  guint64 body_end;  /* W_BODY */
  gint64 elapsed_us; /* since the phase started */
  gboolean raw_408;
  gboolean want_cut;
  const char *want_sent; /* before the EOF, when cut */
} watch_rows[] = {
  { "idle within the deadline", W_IDLE, 0, DEADLINE_US - G_USEC_PER_SEC, TRUE, FALSE, NULL },
  /* no request line: no 408, just the close */
  { "idle past the deadline", W_IDLE, 0, DEADLINE_US + 1, TRUE, TRUE, "" },
  { "busy within the deadline", W_BUSY, 0, DEADLINE_US, TRUE, FALSE, NULL },
  { "busy past the deadline", W_BUSY, 0, DEADLINE_US + 1, TRUE, TRUE, "HTTP/1.1 408 " },
  /* TLS: a raw write would corrupt the stream */
  { "busy past the deadline, TLS", W_BUSY, 0, DEADLINE_US + 1, FALSE, TRUE, "" },
  /* the reply is under way: the request deadline no longer applies */
  { "replied past the deadline", W_REPLIED, 0, 3 * DEADLINE_US, TRUE, FALSE, NULL },
  { "body intact, past the deadline", W_BODY, 10, 3 * DEADLINE_US, TRUE, FALSE, NULL },
  /* the file is 10 bytes, the span being sent ends at 11 */
  { "body shrank", W_BODY, 11, 0, TRUE, TRUE, "" },
  { "completed, within the deadline", W_COMPLETED, 0, DEADLINE_US - G_USEC_PER_SEC, TRUE, FALSE,
    NULL },
};

START_TEST (test_watchdog)
{
  DsConns *conns = ds_conns_new (DEADLINE_US, watch_rows[_i].raw_408);
  Pair p = pair_new ();
  DsConn *conn = ds_conns_add (conns, NULL, p.ours);
  g_autofree char *dir = scratch_dir_new ("docserve-conns");
  g_autofree char *file = scratch_write (dir, "body", "0123456789", -1);
  int body_fd = open (file, O_RDONLY | O_CLOEXEC);

  ck_assert (body_fd >= 0);
  if (watch_rows[_i].state != W_IDLE)
    ds_conns_set_busy (conns, conn, TRUE);
  if (watch_rows[_i].state == W_REPLIED || watch_rows[_i].state == W_COMPLETED)
    ds_conns_set_replied (conns, conn, -1, 0);
  if (watch_rows[_i].state == W_BODY)
    ds_conns_set_replied (conns, conn, body_fd, watch_rows[_i].body_end);
  if (watch_rows[_i].state == W_COMPLETED)
    ds_conns_set_busy (conns, conn, FALSE);

  guint cut = ds_conns_check (conns, conn->phase_start_us + watch_rows[_i].elapsed_us);
  ck_assert_msg (cut == (watch_rows[_i].want_cut ? 1u : 0u), "%s: %u cut", watch_rows[_i].what,
                 cut);
  ck_assert_msg (conn->cut == watch_rows[_i].want_cut, "%s: cut flag", watch_rows[_i].what);
  /* A connection is cut once. */
  if (watch_rows[_i].want_cut)
    ck_assert_uint_eq (ds_conns_check (conns, conn->phase_start_us + 4 * DEADLINE_US), 0);

  ds_conns_remove (conns, conn);
  g_autofree char *got = pair_finish (&p);
  if (!watch_rows[_i].want_cut)
    ck_assert_msg (got == NULL, "%s: closed", watch_rows[_i].what);
  else
    ck_assert_msg (got != NULL && g_str_has_prefix (got, watch_rows[_i].want_sent)
                       && (watch_rows[_i].want_sent[0] != '\0' || got[0] == '\0'),
                   "%s: sent \"%s\", want \"%s\" then EOF", watch_rows[_i].what,
                   got != NULL ? got : "(no EOF)", watch_rows[_i].want_sent);
  if (got != NULL && got[0] != '\0')
    ck_assert_msg (strstr (got + 1, "HTTP/1.1 ") == NULL, "%s: two replies: %s",
                   watch_rows[_i].what, got);
  close (body_fd);
  scratch_remove (dir);
  ds_conns_free (conns);
}
END_TEST

/* The watchdog thread starts and stops, also when stopped twice. */
START_TEST (test_watchdog_thread)
{
  DsConns *conns = ds_conns_new (DEADLINE_US, TRUE);

  ds_conns_start_watchdog (conns);
  ds_conns_stop_watchdog (conns);
  ds_conns_stop_watchdog (conns);
  ds_conns_start_watchdog (conns);
  ds_conns_free (conns); /* stops it */
}
END_TEST

/* ---- the pool ------------------------------------------------------------ */

static const struct
{
  gsize head_size;
  gint records;
  gssize cookie_len;
  gsize reply_bytes;
  gboolean want;
} fit_rows[] = {
  { 0, 0, -1, 1000, TRUE },
  /* 32768 - 31504 = 1264 left, 1000 + 256 kept for pipelined bytes fit */
  { 31504, 0, -1, 1000, TRUE },
  { 31504, 0, -1, 1008, TRUE },
  { 31504, 0, -1, 1009, FALSE },
  /* the head is rounded up to 16 bytes */
  { 31489, 0, -1, 1008, TRUE },
  { 31505, 0, -1, 1000, FALSE },
  /* every record costs 64 */
  { 31504, 1, -1, 1000, FALSE },
  { 31440, 1, -1, 1008, TRUE },
  /* the Cookie copy takes its length + 1, rounded: 16 for 15, 32 for 16 */
  { 1008, 0, 15, 32768 - 1008 - 16 - 256, TRUE },
  { 1008, 0, 16, 32768 - 1008 - 16 - 256, FALSE },
  { 1008, 0, -1, 32768 - 1008 - 256, TRUE },
  /* a head larger than the pool leaves nothing */
  { 40000, 0, -1, 1, FALSE },
};

START_TEST (test_reply_fits)
{
  gboolean got = ds_conns_reply_fits (fit_rows[_i].head_size, fit_rows[_i].records,
                                      fit_rows[_i].cookie_len, fit_rows[_i].reply_bytes);
  ck_assert_msg (got == fit_rows[_i].want,
                 "head %" G_GSIZE_FORMAT ", %d records, cookie %" G_GSSIZE_FORMAT
                 ", reply %" G_GSIZE_FORMAT ": %s",
                 fit_rows[_i].head_size, fit_rows[_i].records, fit_rows[_i].cookie_len,
                 fit_rows[_i].reply_bytes, got ? "fits" : "does not fit");
}
END_TEST

/* ---- the request record and its log line --------------------------------- */

/* _i: 0 the body went out, 1 the transfer was cut short (logged as 0). */
START_TEST (test_request_log)
{
  g_autofree char *dir = scratch_dir_new ("docserve-conns");
  g_autofree char *path = g_build_filename (dir, "access.log", NULL);
  GError *error = NULL;
  DsAccessLog *log = ds_accesslog_open (path, DS_LOG_JSON, &error);
  ck_assert_msg (log != NULL, "%s", error != NULL ? error->message : "");

  DsConns *conns = ds_conns_new (DEADLINE_US, TRUE);
  struct sockaddr_in in4 = { .sin_family = AF_INET, .sin_port = htons (51234) };
  ck_assert (inet_pton (AF_INET, "192.0.2.1", &in4.sin_addr) == 1);
  DsConn *conn = ds_conns_add (conns, (const struct sockaddr *) &in4, -1);
  DsConnRequest *r = ds_conns_request_new ("/a?b=%22");
  ck_assert_str_eq (r->target, "/a?b=%22");
  r->method = g_strdup ("GET");
  r->version = g_strdup ("HTTP/1.1");
  r->user_agent = g_strdup ("curl/7.88.1");
  r->body_bytes = 5;
  ds_conns_request_log (log, conn, r, 200, _i == 0, r->start_us + 2500);
  ds_conns_request_log (log, NULL, r, 408, TRUE, r->start_us);
  ds_accesslog_free (log);

  g_autofree char *text = NULL;
  ck_assert (g_file_get_contents (path, &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  ck_assert_uint_eq (g_strv_length (lines), 3);
  g_autofree char *want = g_strdup_printf (
      "\"remote_addr\":\"192.0.2.1\",\"remote_port\":51234,\"method\":\"GET\","
      "\"target\":\"/a?b=%%22\",\"protocol\":\"HTTP/1.1\",\"status\":200,\"bytes\":%d,"
      "\"duration_us\":2500,\"referer\":null,\"user_agent\":\"curl/7.88.1\","
      "\"encoding\":\"identity\"}",
      _i == 0 ? 5 : 0);
  ck_assert_msg (g_str_has_suffix (lines[0], want), "line\n%s\nwant the end\n%s", lines[0], want);
  ck_assert_msg (strstr (lines[1], "\"remote_addr\":\"-\",\"remote_port\":0,") != NULL
                     && strstr (lines[1], "\"status\":408,\"bytes\":5,\"duration_us\":0,") != NULL,
                 "line without a connection: %s", lines[1]);
  ck_assert_str_eq (lines[2], "");

  ds_conns_request_free (r);
  ds_conns_request_free (NULL);
  ds_conns_remove (conns, conn);
  ds_conns_free (conns);
  scratch_remove (dir);
}
END_TEST

/* ---- a queued reply noted in the request record -------------------------- */

typedef struct
{
  guint status;
  const char *method;
  DsBodyKind body;
  guint64 want_bytes; /* the record's body_bytes (buf_len 7, length 11) */
} NoteRow;

static const NoteRow note_rows[] = {
  { 200, "GET", DS_BODY_BUFFER, 7 },     { 200, "GET", DS_BODY_FILE, 11 },
  { 206, "GET", DS_BODY_MULTIPART, 11 }, { 200, "GET", DS_BODY_NONE, 0 },
  { 200, "HEAD", DS_BODY_FILE, 0 },      { 304, "GET", DS_BODY_FILE, 0 },
  { 204, "OPTIONS", DS_BODY_BUFFER, 0 },
};

START_TEST (test_note_reply)
{
  const NoteRow *row = &note_rows[_i];
  DsConns *conns = ds_conns_new (DEADLINE_US, TRUE);
  DsConn *conn = ds_conns_add (conns, NULL, -1);
  DsConnRequest *r = ds_conns_request_new ("/x");
  DsReply reply;

  ds_reply_init (&reply);
  reply.status = row->status;
  reply.body = row->body;
  reply.buf_len = 7;
  reply.length = 11;
  reply.encoding = "gzip";
  r->method = g_strdup (row->method);
  ds_conns_note_reply (conns, conn, r, &reply, -1);
  ck_assert (r->replied);
  ck_assert_uint_eq (r->status, row->status);
  ck_assert_msg (r->body_bytes == row->want_bytes, "row %d: %" G_GUINT64_FORMAT " bytes", _i,
                 (guint64) r->body_bytes);
  ck_assert_str_eq (r->encoding, "gzip");
  ds_conns_request_free (r);
  ds_conns_remove (conns, conn);
  ds_conns_free (conns);
}
END_TEST

/* ---- rate limit of libmicrohttpd's messages ------------------------------ */

/* 25 messages in one minute: 20 printed; the next minute starts with the
 * count of the 5 dropped. */
START_TEST (test_report)
{
  g_autofree char *dir = scratch_dir_new ("docserve-conns");
  g_autofree char *path = g_build_filename (dir, "stderr", NULL);
  int out = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int saved = dup (STDERR_FILENO);
  const gint64 t0 = 1000 * G_USEC_PER_SEC;
  DsConns *conns = ds_conns_new (DEADLINE_US, TRUE);

  ck_assert (out >= 0 && saved >= 0);
  fflush (stderr);
  ck_assert (dup2 (out, STDERR_FILENO) == STDERR_FILENO);
  for (guint i = 0; i < 25; i++)
    {
      g_autofree char *msg = g_strdup_printf ("message %u\n", i);
      ds_conns_report (conns, msg, t0 + i * G_USEC_PER_SEC);
    }
  ds_conns_report (conns, "later", t0 + 61 * G_USEC_PER_SEC);
  fflush (stderr);
  ck_assert (dup2 (saved, STDERR_FILENO) == STDERR_FILENO);
  close (saved);
  close (out);
  ds_conns_free (conns);

  GString *want = g_string_new (NULL);
  for (guint i = 0; i < DS_CONNS_REPORT_BURST; i++)
    g_string_append_printf (want, "docserve: libmicrohttpd: message %u\n", i);
  g_string_append (want, "docserve: libmicrohttpd: 5 more messages dropped in the last minute\n"
                         "docserve: libmicrohttpd: later\n");
  g_autofree char *got = NULL;
  ck_assert (g_file_get_contents (path, &got, NULL, NULL));
  ck_assert_str_eq (got, want->str);
  g_string_free (want, TRUE);
  scratch_remove (dir);
}
END_TEST

static Suite *
conns_suite (void)
{
  Suite *s = suite_create ("conns");
  TCase *tc = tcase_create ("registry");

  tcase_add_loop_test (tc, test_peer, 0, G_N_ELEMENTS (peer_rows));
  tcase_add_test (tc, test_drain);
  tcase_add_loop_test (tc, test_watchdog, 0, G_N_ELEMENTS (watch_rows));
  tcase_add_test (tc, test_watchdog_thread);
  suite_add_tcase (s, tc);

  tc = tcase_create ("replies");
  tcase_add_loop_test (tc, test_raw_status, 0, G_N_ELEMENTS (raw_rows));
  tcase_add_loop_test (tc, test_reply_fits, 0, G_N_ELEMENTS (fit_rows));
  tcase_add_loop_test (tc, test_request_log, 0, 2);
  tcase_add_loop_test (tc, test_note_reply, 0, G_N_ELEMENTS (note_rows));
  tcase_add_test (tc, test_report);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (conns_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
