/* itest_smuggling.c: malformed request heads on raw sockets against the real
 * daemon, in thread-per-connection and --workers mode.  Each row sends a
 * request with a second, valid request pipelined behind it and asserts what
 * nginx 1.22 answers: one 400 with Connection: close, the connection
 * closed, and the pipelined request never answered (RFC 9112 §2.2, §3.2,
 * §5.1-5.2, §6.1; RFC 9110 §5.5). */
#include "config.h"

#include "itest.h"

#include <check.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>


#define SECOND "GET /second.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

typedef struct
{
  const char *name;
  const char *req; /* the first request; SECOND follows it */
  gsize len;       /* sizeof - 1: rows hold NUL bytes */
  int status;      /* expected status of the one answer */
  gboolean closes; /* Connection: close and EOF after the first answer */
} SmuggleRow;

#define ROW(name, req, status) { name, req, sizeof req - 1, status, TRUE }

static const SmuggleRow rows[] = {
  ROW ("Content-Length and Transfer-Encoding",
       "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       400),
  ROW ("folded header", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  foo\r\n\r\n", 400),
  ROW ("folded header, tab", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\tfoo bar\r\n\r\n", 400),
  ROW ("space in a name", "GET / HTTP/1.1\r\nHost: x\r\nX A: 1\r\n\r\n", 400),
  ROW ("control byte in a name", "GET / HTTP/1.1\r\nHost: x\r\nX\001A: 1\r\n\r\n", 400),
  ROW ("empty name", "GET / HTTP/1.1\r\nHost: x\r\n: 1\r\n\r\n", 400),
  ROW ("space before the colon", "GET / HTTP/1.1\r\nHost: x\r\nHost : y\r\n\r\n", 400),
  ROW ("NUL in a value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", 400),
  ROW ("bare CR in a value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400),
  ROW ("NUL in the target", "GET /data.jpeg\0.txt HTTP/1.1\r\nHost: x\r\n\r\n", 400),
  ROW ("two equal Content-Length",
       "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n", 400),
  ROW ("two different Content-Length",
       "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\nhello", 400),
  ROW ("two Transfer-Encoding",
       "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       400),
  ROW ("Transfer-Encoding in HTTP/1.0",
       "GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
  ROW ("invalid Host", "GET / HTTP/1.1\r\nHost: x y\r\n\r\n", 400),
  ROW ("empty Host", "GET / HTTP/1.1\r\nHost: \r\n\r\n", 400),
  ROW ("whitespace before the first field", "GET / HTTP/1.1\r\n Host: x\r\nHost: x\r\n\r\n", 400),
  /* Valid (RFC 9110 §5.5: OWS around the value); libmicrohttpd would read
   * the body until a close, so it is answered at once and closed. */
  ROW ("chunked with trailing space",
       "GET /index.html HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked \r\n\r\n0\r\n\r\n", 200),
  /* A form feed is not OWS: another coding, refused at once (it was taken
   * for chunked, and libmicrohttpd then read the body until the timeout). */
  ROW ("chunked with a trailing form feed",
       "GET /index.html HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\f\r\n\r\n0\r\n\r\n", 501),
};

/* Control rows: well-formed heads, so both requests are answered; they show
 * the rows above fail for the reason they name. */
static const SmuggleRow control_rows[] = {
  { "plain", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 0, 200, FALSE },
  { "bare LF line ends", "GET / HTTP/1.1\nHost: x\nX-B:   spaced  \n\n", 0, 200, FALSE },
  { "chunked body", "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    0, 200, FALSE },
  { "Host with IPv6 and port", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\nX-E:\r\n\r\n", 0, 200, FALSE },
  { "query and cookies", "GET /?a=1&b=%20 HTTP/1.1\r\nHost: x:80\r\nCookie: a=b; c=d\r\n\r\n", 0, 200,
    FALSE },
};

static void
check_row (const SmuggleRow *r, int answers_wanted)
{
  gsize len = r->len != 0 ? r->len : strlen (r->req);
  g_autoptr (GByteArray) req = g_byte_array_new ();
  gboolean eof = FALSE;

  g_byte_array_append (req, (const guint8 *) r->req, (guint) len);
  g_byte_array_append (req, (const guint8 *) SECOND, strlen (SECOND));
  g_autoptr (GString) got = itest_raw (itest_daemon.port, (const char *) req->data, req->len, 5000, &eof);
  g_autofree char *shown = g_strescape (got->str, NULL);

  ck_assert_msg (itest_status_of (got) == r->status, "%s: status %d, want %d: %s", r->name,
                 itest_status_of (got), r->status, shown);
  ck_assert_msg (itest_count (got->str, "HTTP/1.1 ") == answers_wanted, "%s: %d answers, want %d: %s",
                 r->name, itest_count (got->str, "HTTP/1.1 "), answers_wanted, shown);
  ck_assert_msg (eof, "%s: the connection stayed open", r->name);
  if (r->closes)
    {
      char *head_end = strstr (got->str, "\r\n\r\n");
      ck_assert_msg (head_end != NULL, "%s: no complete header block: %s", r->name, shown);
      *head_end = '\0';
      ck_assert_msg (strstr (got->str, "\r\nConnection: close") != NULL,
                     "%s: no Connection: close: %s", r->name, shown);
    }
}

START_TEST (test_malformed)
{
  check_row (&rows[_i], 1);
}
END_TEST

START_TEST (test_control)
{
  check_row (&control_rows[_i], 2);
}
END_TEST

/* The access log records the refusal, with the target as sent. */
START_TEST (test_logged)
{
  static const char req[] = "GET /logged-%d.txt HTTP/1.1\r\nHost: x\r\nX A: 1\r\n\r\n";
  g_autofree char *one = g_strdup_printf (req, (int) getpid ());
  g_autofree char *needle = g_strdup_printf ("\"GET /logged-%d.txt HTTP/1.1\" 400 ", (int) getpid ());
  gboolean eof = FALSE;
  g_autoptr (GString) got = itest_raw (itest_daemon.port, one, strlen (one), 5000, &eof);

  ck_assert_int_eq (itest_status_of (got), 400);
  g_autofree char *log = itest_wait_for_text (itest_daemon.log_path, needle);
  ck_assert_msg (log != NULL, "no log line with %s", needle);
}
END_TEST

static void
make_docroot (void)
{
  itest_put_file ("index.html", "<!DOCTYPE html><title>home</title>\n", -1);
  itest_put_file ("second.txt", "second\n", -1);
  itest_put_file ("data.jpeg", "jpeg", -1);
  itest_put_file ("data.jpeg.txt", "txt", -1);
}

static TCase *
mode_case (const char *name, void (*setup) (void))
{
  TCase *tc = tcase_create (name);
  tcase_add_unchecked_fixture (tc, setup, itest_teardown);
  tcase_set_timeout (tc, 60);
  tcase_add_loop_test (tc, test_malformed, 0, G_N_ELEMENTS (rows));
  tcase_add_loop_test (tc, test_control, 0, G_N_ELEMENTS (control_rows));
  tcase_add_test (tc, test_logged);
  return tc;
}

static Suite *
smuggling_suite (void)
{
  Suite *s = suite_create ("smuggling");
  suite_add_tcase (s, mode_case ("threads", itest_setup_threads));
  suite_add_tcase (s, mode_case ("workers", itest_setup_workers));
  return s;
}

const ItestSuite itest_suite = { .populate = make_docroot, .build = smuggling_suite };
