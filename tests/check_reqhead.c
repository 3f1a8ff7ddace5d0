/* check_reqhead.c: request-head checks (RFC 9112 §2.2, §3.2, §5, §6.1;
 * RFC 9110 §5.5).  Each row is a raw request head; headsim.h leaves it in
 * a buffer the way libmicrohttpd 0.9.75 does, so the layout walk is tested
 * on the same shapes the integration suite sends to the real server. */
#include "config.h"

#include "docserve/reqhead.h"

#include "headsim.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

typedef struct
{
  const char *raw;
  gsize len; /* 0: strlen (raw); rows with NUL bytes give it */
  DsHeadVerdict want;
} HeadRow;

#define ROW(s, v) { s, 0, v }
#define ROWN(s, v) { s, sizeof s - 1, v }

static const HeadRow head_rows[] = {
  ROW ("GET / HTTP/1.1\r\nHost: x\r\n\r\n", DS_HEAD_OK),
  ROW ("GET / HTTP/1.0\r\n\r\n", DS_HEAD_OK),
  ROW ("GET / HTTP/1.1\nHost: x\n\n", DS_HEAD_OK),              /* bare LF, as nginx */
  ROW ("GET / HTTP/1.1\r\nHost: x\nX-A: 1\r\n\n", DS_HEAD_OK),  /* mixed line ends */
  ROW ("GET /a?b=c HTTP/1.1\r\nHost: x:80\r\nX-E:\r\nX-S:    s  \r\n\r\n", DS_HEAD_OK),
  ROW ("GET / HTTP/1.1\r\nHost: [::1]:8080\r\nCookie: a=b; c=\"d\"\r\n\r\n", DS_HEAD_OK),
  ROW ("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", DS_HEAD_OK),
  ROW ("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: CHUNKED\r\n\r\n", DS_HEAD_OK),
  ROW ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n", DS_HEAD_OK),
  ROW ("GET / HTTP/1.1\r\nHost: x\r\nX-C: a\001b\r\n\r\n", DS_HEAD_OK), /* other CTLs pass, as in nginx */
  /* Well-formed, but the parser would read the body until a close. */
  ROW ("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked \r\n\r\n", DS_HEAD_OK_CLOSE),
  ROW ("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\t\r\n\r\n", DS_HEAD_OK_CLOSE),
  /* The method and codings other than chunked are ds_handler_precheck's. */
  ROW ("BREW / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", DS_HEAD_OK),

  ROW ("GET / HTTP/1.1\r\nHost: x\r\nX A: 1\r\n\r\n", DS_HEAD_BAD_NAME),
  ROW ("GET / HTTP/1.1\r\nHost: x\r\nX\001A: 1\r\n\r\n", DS_HEAD_BAD_NAME),
  ROW ("GET / HTTP/1.1\r\nHost: x\r\n: 1\r\n\r\n", DS_HEAD_BAD_NAME),
  ROW ("GET / HTTP/1.1\r\nHost: x\r\nHost : y\r\n\r\n", DS_HEAD_BAD_NAME),
  ROW ("GET / HTTP/1.1\r\nHost\t: x\r\n\r\n", DS_HEAD_BAD_NAME),
  /* Whitespace before the first field (RFC 9112 §2.2): a name " Host". */
  ROW ("GET / HTTP/1.1\r\n Host: x\r\nHost: x\r\n\r\n", DS_HEAD_BAD_NAME),
  ROW ("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", DS_HEAD_BAD_VALUE),
  /* A NUL ends the parser's C string: the rest of the line is hidden. */
  ROWN ("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", DS_HEAD_BAD_LAYOUT),
  ROWN ("GET / HTTP/1.1\r\nHost: x\0y\r\n\r\n", DS_HEAD_BAD_LAYOUT),
  ROWN ("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0\r\n\r\n", DS_HEAD_BAD_LAYOUT),
  ROWN ("GET /data.jpeg\0.txt HTTP/1.1\r\nHost: x\r\n\r\n", DS_HEAD_BAD_TARGET),
  ROWN ("GET /a?q\0x HTTP/1.1\r\nHost: x\r\n\r\n", DS_HEAD_BAD_TARGET),
  /* obs-fold: the name moves and grows; every variant is refused. */
  ROW ("GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  foo\r\n\r\n", DS_HEAD_BAD_LAYOUT),
  ROW ("GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\tfoo\r\nX-B: 2\r\n\r\n", DS_HEAD_BAD_LAYOUT),
  ROW ("GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  foo bar\r\n\r\n", DS_HEAD_BAD_NAME),
  ROW ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
       DS_HEAD_DUP_LENGTH),
  ROW ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\ncontent-length: 5\r\n\r\n",
       DS_HEAD_DUP_LENGTH),
  ROW ("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
       DS_HEAD_DUP_CODING),
  ROW ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
       DS_HEAD_LENGTH_AND_CODING),
  ROW ("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\n",
       DS_HEAD_LENGTH_AND_CODING),
  ROW ("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", DS_HEAD_CODING_HTTP10),
  ROW ("GET / HTTP/1.1\r\nHost: x y\r\n\r\n", DS_HEAD_BAD_HOST),
  ROW ("GET / HTTP/1.1\r\nHost: \r\n\r\n", DS_HEAD_BAD_HOST),
  ROW ("GET / HTTP/1.1\r\nHost: x/y\r\n\r\n", DS_HEAD_BAD_HOST),
  ROW ("GET / HTTP/1.1\r\nHost: x:y\r\n\r\n", DS_HEAD_BAD_HOST),
  ROW ("GET / HTTP/1.1\r\nHost: x  \r\n\r\n", DS_HEAD_OK), /* trailing OWS is not the value */
};

START_TEST (test_head)
{
  const HeadRow *r = &head_rows[_i];
  gsize len = r->len != 0 ? r->len : strlen (r->raw);
  g_autofree char *shown = g_strescape (r->raw, NULL);
  HeadSim hs;

  ck_assert_msg (headsim_parse (&hs, r->raw, len), "%s: the parser would refuse it itself", shown);
  DsHeadVerdict got = ds_reqhead_check (&hs.head);
  ck_assert_msg (got == r->want, "%s: got %d (%s), want %d (%s)", shown, got,
                 ds_reqhead_verdict_text (got), r->want, ds_reqhead_verdict_text (r->want));
  headsim_clear (&hs);
}
END_TEST

/* A head whose pointers are out of order or outside the block is refused,
 * never read out of bounds. */
START_TEST (test_layout_pointers)
{
  char block[] = "GET\0/\0HTTP/1.1\0\0Host\0x\0\0\0";
  DsHeaderField f = { block + 16, 4, block + 21, 1 };
  DsRequestHead h = { block, sizeof block - 1, block + 4, 1, block + 6, &f, 1 };

  ck_assert (ds_reqhead_layout_ok (&h));
  ck_assert_int_eq (ds_reqhead_check (&h), DS_HEAD_OK);

  static char elsewhere[] = "Host"; /* a name moved out of the block */
  DsHeaderField moved = { elsewhere, 4, block + 21, 1 };
  h.fields = &moved;
  ck_assert (!ds_reqhead_layout_ok (&h));

  DsHeaderField past = { block + 16, 4, block + 21, 50 }; /* value runs past the end */
  h.fields = &past;
  ck_assert (!ds_reqhead_layout_ok (&h));

  h.fields = &f;
  h.block_len = 20; /* the head ends inside the field */
  ck_assert (!ds_reqhead_layout_ok (&h));

  h.block_len = sizeof block - 1;
  h.version = NULL;
  ck_assert (!ds_reqhead_layout_ok (&h));
}
END_TEST

START_TEST (test_verdict_text)
{
  for (int v = DS_HEAD_OK; v <= DS_HEAD_BAD_HOST; v++)
    {
      const char *t = ds_reqhead_verdict_text ((DsHeadVerdict) v);
      ck_assert_msg (t != NULL && *t != '\0' && strcmp (t, "malformed") != 0,
                     "verdict %d has no text", v);
    }
}
END_TEST

static Suite *
reqhead_suite (void)
{
  Suite *s = suite_create ("reqhead");
  TCase *tc = tcase_create ("head");

  tcase_add_loop_test (tc, test_head, 0, G_N_ELEMENTS (head_rows));
  tcase_add_test (tc, test_layout_pointers);
  tcase_add_test (tc, test_verdict_text);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (reqhead_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
