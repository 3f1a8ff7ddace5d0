/* check_watch.c: which replies get the --watch script (ds_watch_injects)
 * and the file reply turned into the injected page (ds_watch_inject_reply).
 * The watcher and the event stream run against the real daemon in
 * tests/itest_watch.c. */
#include "config.h"

#include "docserve/conf.h"
#include "docserve/watch.h"
#include "scratch.h"

#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct
{
  gboolean watch;
  const char *method;
  const char *range;
  const char *query;
  const char *type;
  gboolean identity;
  guint64 size;
  gboolean expect;
} InjectRow;

#define HTML "text/html; charset=utf-8"

static const InjectRow inject_rows[] = {
  { TRUE, "GET", NULL, NULL, HTML, TRUE, 100, TRUE },
  { TRUE, "GET", NULL, NULL, "text/html", TRUE, 0, TRUE },
  { TRUE, "GET", NULL, NULL, "TEXT/HTML;charset=utf-8", TRUE, 100, TRUE },
  { FALSE, "GET", NULL, NULL, HTML, TRUE, 100, FALSE }, /* no --watch */
  { TRUE, "HEAD", NULL, NULL, HTML, TRUE, 100, FALSE },
  { TRUE, "OPTIONS", NULL, NULL, HTML, TRUE, 100, FALSE },
  { TRUE, "GET", "bytes=0-1", NULL, HTML, TRUE, 100, FALSE },
  /* A Range the file cannot satisfy still means the client wants bytes. */
  { TRUE, "GET", "bytes=x", NULL, HTML, TRUE, 100, FALSE },
  { TRUE, "GET", NULL, "raw", HTML, TRUE, 100, FALSE },
  { TRUE, "GET", NULL, "raw=1", HTML, TRUE, 100, FALSE },
  { TRUE, "GET", NULL, "a=b&raw", HTML, TRUE, 100, FALSE },
  { TRUE, "GET", NULL, "a=b&raw=&c", HTML, TRUE, 100, FALSE },
  /* Other parameters that merely contain "raw". */
  { TRUE, "GET", NULL, "rawx=1", HTML, TRUE, 100, TRUE },
  { TRUE, "GET", NULL, "draw=1", HTML, TRUE, 100, TRUE },
  { TRUE, "GET", NULL, "x=raw", HTML, TRUE, 100, TRUE },
  { TRUE, "GET", NULL, "", HTML, TRUE, 100, TRUE },
  { TRUE, "GET", NULL, NULL, "text/htmlx", TRUE, 100, FALSE },
  { TRUE, "GET", NULL, NULL, "application/xhtml+xml", TRUE, 100, FALSE },
  { TRUE, "GET", NULL, NULL, "text/plain; charset=utf-8", TRUE, 100, FALSE },
  { TRUE, "GET", NULL, NULL, NULL, TRUE, 100, FALSE },
  { TRUE, "GET", NULL, NULL, HTML, FALSE, 100, FALSE }, /* a .gz/.br variant */
  { TRUE, "GET", NULL, NULL, HTML, TRUE, DS_WATCH_INJECT_MAX, TRUE },
  { TRUE, "GET", NULL, NULL, HTML, TRUE, DS_WATCH_INJECT_MAX + 1, FALSE },
};

START_TEST (test_injects)
{
  const InjectRow *row = &inject_rows[_i];
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  DsSite site = { 0 };
  DsRequest req = { .method = row->method, .range = row->range, .query = row->query };

  conf->watch = row->watch;
  site.conf = conf;
  gboolean got = ds_watch_injects (&site, &req, row->type, row->identity, row->size);
  ck_assert_msg (got == row->expect, "row %d (%s, range %s, query %s, type %s): %d", _i,
                 row->method, row->range, row->query, row->type, got);
}
END_TEST

static void
file_reply (const char *text, gssize len, DsReply *reply)
{
  g_autofree char *path = scratch_write (scratch_dir, "page.html", text, len);
  ds_reply_init (reply);
  reply->status = 200;
  reply->body = DS_BODY_FILE;
  reply->fd = open (path, O_RDONLY | O_CLOEXEC);
  ck_assert_int_ge (reply->fd, 0);
  reply->length = len >= 0 ? (guint64) len : strlen (text);
}

START_TEST (test_inject_reply)
{
  DsReply reply;
  guint fds = scratch_count_fds ();

  file_reply ("<body>x</body>", -1, &reply);
  ck_assert (ds_watch_inject_reply (&reply));
  ck_assert_int_eq (reply.body, DS_BODY_BUFFER);
  ck_assert_int_eq (reply.fd, -1);
  ck_assert_str_eq (reply.buf, "<body>x" DS_WATCH_SNIPPET "</body>");
  ck_assert_uint_eq (reply.buf_len, strlen ("<body>x" DS_WATCH_SNIPPET "</body>"));
  ds_reply_clear (&reply);
  ck_assert_uint_eq (scratch_count_fds (), fds);

  /* An empty page: just the script. */
  file_reply ("", 0, &reply);
  ck_assert (ds_watch_inject_reply (&reply));
  ck_assert_str_eq (reply.buf, DS_WATCH_SNIPPET);
  ds_reply_clear (&reply);

  /* UTF-16: left as it is (the fd stays for the file path). */
  file_reply ("\xff\xfe<\0b\0", 6, &reply);
  ck_assert (!ds_watch_inject_reply (&reply));
  ck_assert_int_eq (reply.body, DS_BODY_FILE);
  ck_assert_int_ge (reply.fd, 0);
  ds_reply_clear (&reply);

  /* The file shrank since its size was taken: left to the file path. */
  file_reply ("<body></body>", -1, &reply);
  reply.length += 10;
  ck_assert (!ds_watch_inject_reply (&reply));
  ck_assert_int_eq (reply.body, DS_BODY_FILE);
  ds_reply_clear (&reply);
  ck_assert_uint_eq (scratch_count_fds (), fds);
}
END_TEST

static Suite *
watch_suite (void)
{
  Suite *s = suite_create ("watch");
  TCase *tc = tcase_create ("injects");

  tcase_add_loop_test (tc, test_injects, 0, G_N_ELEMENTS (inject_rows));
  suite_add_tcase (s, tc);
  tc = tcase_create ("inject_reply");
  tcase_add_checked_fixture (tc, scratch_setup, scratch_teardown);
  tcase_add_test (tc, test_inject_reply);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (watch_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
