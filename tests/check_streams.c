/* check_streams.c: the open event streams (streams.c) with a fake stream:
 * the registry's end-all, the thread-per-connection wait on a socketpair
 * (the waker wakes it, the peer's close reports the client left), and the
 * --workers suspend/resume state machine with fake callbacks. */
#include "config.h"

#include "docserve/streams.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A stream whose pieces the test pushes. */
typedef struct
{
  GMutex lock;
  GString *pending;
  const char *arrives_in_read; /* pushed (and the waker called) by the next empty read */
  gboolean cancelled;
  gboolean freed;
  DsStreamWakeFunc wake;
  gpointer wake_data;
} Fake;

static void
fake_wake (Fake *f)
{
  g_mutex_lock (&f->lock);
  DsStreamWakeFunc wake = f->wake;
  gpointer data = f->wake_data;
  g_mutex_unlock (&f->lock);
  if (wake != NULL)
    wake (data);
}

static gssize
fake_read (gpointer data, char *buf, gsize max)
{
  Fake *f = data;
  g_mutex_lock (&f->lock);
  if (f->cancelled)
    {
      g_mutex_unlock (&f->lock);
      return -1;
    }
  gsize n = MIN (max, f->pending->len);
  memcpy (buf, f->pending->str, n);
  g_string_erase (f->pending, 0, (gssize) n);
  const char *arrives = n == 0 ? f->arrives_in_read : NULL;
  if (arrives != NULL)
    {
      f->arrives_in_read = NULL;
      g_string_append (f->pending, arrives);
    }
  g_mutex_unlock (&f->lock);
  if (arrives != NULL)
    fake_wake (f); /* the piece came just after this read looked */
  return (gssize) n;
}

static void
fake_set_waker (gpointer data, DsStreamWakeFunc wake, gpointer wake_data)
{
  Fake *f = data;
  g_mutex_lock (&f->lock);
  f->wake = wake;
  f->wake_data = wake_data;
  g_mutex_unlock (&f->lock);
}

static void
fake_cancel (gpointer data)
{
  Fake *f = data;
  g_mutex_lock (&f->lock);
  f->cancelled = TRUE;
  g_mutex_unlock (&f->lock);
  fake_wake (f);
}

static void
fake_free (gpointer data)
{
  ((Fake *) data)->freed = TRUE;
}

static const DsStreamFuncs fake_funcs = { fake_read, fake_set_waker, fake_cancel, fake_free };

static void
fake_init (Fake *f, DsStream *stream)
{
  memset (f, 0, sizeof *f);
  g_mutex_init (&f->lock);
  f->pending = g_string_new (NULL);
  stream->funcs = &fake_funcs;
  stream->data = f;
}

static void
fake_clear (Fake *f)
{
  g_string_free (f->pending, TRUE);
  g_mutex_clear (&f->lock);
}

static void
push (Fake *f, const char *text)
{
  g_mutex_lock (&f->lock);
  g_string_append (f->pending, text);
  g_mutex_unlock (&f->lock);
  fake_wake (f);
}

/* The connection of a suspending body. */
typedef struct
{
  guint suspends;
  guint resumes;
} Conn;

static void
conn_suspend (gpointer c)
{
  ((Conn *) c)->suspends++;
}

static void
conn_resume (gpointer c)
{
  ((Conn *) c)->resumes++;
}

static DsStreamBody *
suspending (Fake *f, Conn *c)
{
  DsStream stream;
  fake_init (f, &stream);
  DsStreamBody *b = ds_stream_body_new_suspending (&stream, conn_suspend, conn_resume, c);
  ck_assert_ptr_null (stream.funcs); /* taken */
  return b;
}

START_TEST (test_registry_end_all)
{
  Fake f[3];
  Conn c = { 0 };
  DsStreams *reg = ds_streams_new ();
  DsStreamBody *b0 = suspending (&f[0], &c);
  DsStreamBody *b1 = suspending (&f[1], &c);
  ds_streams_add (reg, b0);
  ds_streams_add (reg, b1);
  ck_assert_uint_eq (ds_streams_count (reg), 2);
  ck_assert (!f[0].cancelled && !f[1].cancelled);

  ds_streams_end_all (reg);
  ck_assert (f[0].cancelled && f[1].cancelled);
  DsStreamBody *b2 = suspending (&f[2], &c);
  ck_assert (!f[2].cancelled);
  ds_streams_add (reg, b2); /* after the end: cancelled at once */
  ck_assert (f[2].cancelled);
  ck_assert_uint_eq (ds_streams_count (reg), 3);

  char buf[16];
  ck_assert_int_eq (ds_stream_body_read (b0, buf, sizeof buf), DS_STREAM_END);
  ds_stream_body_free (b0); /* leaves the registry, frees its stream */
  ck_assert (f[0].freed && !f[1].freed);
  ck_assert_uint_eq (ds_streams_count (reg), 2);
  ds_stream_body_free (b1);
  ds_stream_body_free (b2);
  ck_assert_uint_eq (ds_streams_count (reg), 0);
  ck_assert_uint_eq (c.suspends, 0);
  ds_streams_free (reg);
  for (guint i = 0; i < 3; i++)
    fake_clear (&f[i]);
}
END_TEST

typedef struct
{
  DsStreamBody *body;
  char buf[16];
  gssize n;
} Reader;

static gpointer
read_thread (gpointer data)
{
  Reader *r = data;
  r->n = ds_stream_body_read (r->body, r->buf, sizeof r->buf);
  return NULL;
}

START_TEST (test_waiting_wake_and_client_left)
{
  int sv[2];
  ck_assert_int_eq (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  Fake f;
  DsStream stream;
  fake_init (&f, &stream);
  Reader r = { ds_stream_body_new_waiting (&stream, sv[0]), "", 0 };
  ck_assert_ptr_nonnull (r.body);

  /* Nothing yet: a bounded wait sees neither the waker nor a hang-up. */
  ck_assert_int_eq (ds_stream_body_wait (r.body, 10), DS_STREAM_WAIT_TIMEOUT);
  push (&f, "a");
  ck_assert_int_eq (ds_stream_body_wait (r.body, 1000), DS_STREAM_WAIT_DATA);
  ck_assert_int_eq (ds_stream_body_read (r.body, r.buf, sizeof r.buf), 1);

  /* A reader blocked in read is woken by the piece pushed later. */
  GThread *t = g_thread_new ("reader", read_thread, &r);
  g_usleep (50 * 1000);
  push (&f, "hello");
  g_thread_join (t);
  ck_assert_int_eq (r.n, 5);
  ck_assert (memcmp (r.buf, "hello", 5) == 0);

  /* The client leaves while the reader waits. */
  t = g_thread_new ("reader", read_thread, &r);
  g_usleep (50 * 1000);
  close (sv[1]);
  g_thread_join (t);
  ck_assert_int_eq (r.n, DS_STREAM_CLIENT_LEFT);
  ck_assert_int_eq (ds_stream_body_wait (r.body, 1000), DS_STREAM_WAIT_CLIENT_LEFT);

  ds_stream_body_free (r.body);
  ck_assert (f.freed);
  close (sv[0]);
  fake_clear (&f);
}
END_TEST

START_TEST (test_waiting_cancel_ends)
{
  Fake f;
  DsStream stream;
  fake_init (&f, &stream);
  Reader r = { ds_stream_body_new_waiting (&stream, -1), "", 0 };
  DsStreams *reg = ds_streams_new ();
  ds_streams_add (reg, r.body);

  GThread *t = g_thread_new ("reader", read_thread, &r);
  g_usleep (50 * 1000);
  ds_streams_end_all (reg); /* the drain wakes the waiting reader */
  g_thread_join (t);
  ck_assert_int_eq (r.n, DS_STREAM_END);
  ds_stream_body_free (r.body);
  ds_streams_free (reg);
  fake_clear (&f);
}
END_TEST

START_TEST (test_suspend_resume)
{
  Fake f;
  Conn c = { 0 };
  DsStreamBody *b = suspending (&f, &c);
  char buf[16];

  /* Nothing to send: suspended, once; the waker resumes, once. */
  ck_assert_int_eq (ds_stream_body_read (b, buf, sizeof buf), DS_STREAM_SUSPENDED);
  ck_assert_uint_eq (c.suspends, 1);
  ck_assert_uint_eq (c.resumes, 0);
  push (&f, "ab");
  ck_assert_uint_eq (c.resumes, 1);
  push (&f, "c"); /* not suspended any more: no second resume */
  ck_assert_uint_eq (c.resumes, 1);
  ck_assert_int_eq (ds_stream_body_read (b, buf, sizeof buf), 3);
  ck_assert (memcmp (buf, "abc", 3) == 0);

  /* A piece that arrives between the empty read and the suspension: the
   * kick makes the body read again instead of suspending. */
  f.arrives_in_read = "late";
  ck_assert_int_eq (ds_stream_body_read (b, buf, sizeof buf), 4);
  ck_assert (memcmp (buf, "late", 4) == 0);
  ck_assert_uint_eq (c.suspends, 1);
  ck_assert_uint_eq (c.resumes, 1);

  /* Cancelled while suspended: resumed, and the read ends the stream. */
  ck_assert_int_eq (ds_stream_body_read (b, buf, sizeof buf), DS_STREAM_SUSPENDED);
  ck_assert_uint_eq (c.suspends, 2);
  fake_cancel (&f);
  ck_assert_uint_eq (c.resumes, 2);
  ck_assert_int_eq (ds_stream_body_read (b, buf, sizeof buf), DS_STREAM_END);
  ck_assert_uint_eq (c.suspends, 2);

  ds_stream_body_free (b);
  ck_assert (f.freed);
  fake_clear (&f);
}
END_TEST

static Suite *
streams_suite (void)
{
  Suite *s = suite_create ("streams");
  TCase *tc = tcase_create ("streams");
  tcase_add_test (tc, test_registry_end_all);
  tcase_add_test (tc, test_waiting_wake_and_client_left);
  tcase_add_test (tc, test_waiting_cancel_ends);
  tcase_add_test (tc, test_suspend_resume);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (streams_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
