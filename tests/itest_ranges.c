/* itest_ranges.c: byte ranges and preconditions (RFC 9110 §13, §14) against
 * the real daemon: exact bytes, multipart bodies parsed back, 416, If-Range,
 * HEAD, a sparse file larger than 4 GiB, and a resumed download. */
#include "config.h"

#include "itest.h"

#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BIG_SIZE (4 * 1024 * 1024 + 123)
#define SPARSE_SIZE (G_GUINT64_CONSTANT (5) * 1024 * 1024 * 1024 + 7)

static ItestDaemon d;
static guint8 *big;

static void
setup (void)
{
  const char *args[] = { "--max-age", "60", NULL };
  itest_daemon_start (&d, args);
}

static void
teardown (void)
{
  ITEST_ASSERT_STOPPED_OK (&d);
}

static void
make_docroot (void)
{
  GError *error = NULL;

  big = g_malloc (BIG_SIZE);
  guint32 x = 88172645u;
  for (gsize i = 0; i < BIG_SIZE; i++)
    {
      x ^= x << 13, x ^= x >> 17, x ^= x << 5;
      big[i] = (guint8) x;
    }
  g_autofree char *bp = g_build_filename (itest_docroot, "big.bin", NULL);
  g_file_set_contents (bp, (char *) big, BIG_SIZE, &error);
  g_assert_no_error (error);
  /* An hour old, so that its Last-Modified is a strong validator (RFC 9110
   * §8.8.2.2) and If-Range may use it. */
  struct timespec old[2] = { { time (NULL) - 3600, 0 }, { time (NULL) - 3600, 0 } };
  utimensat (AT_FDCWD, bp, old, 0);
  g_autofree char *ep = g_build_filename (itest_docroot, "empty.txt", NULL);
  g_file_set_contents (ep, "", 0, &error);
  g_assert_no_error (error);

  /* A sparse file past 4 GiB, made with ftruncate (nothing written), with
   * a marker near its end. */
  g_autofree char *sp = g_build_filename (itest_docroot, "sparse.img", NULL);
  int fd = open (sp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || ftruncate (fd, (off_t) SPARSE_SIZE) != 0
      || pwrite (fd, "MARK", 4, (off_t) (SPARSE_SIZE - 20)) != 4)
    g_error ("sparse file: %s", g_strerror (errno));
  close (fd);
}

static ItestResp *
get_range (const char *path, const char *range, const char *const *more)
{
  g_autofree char *h = g_strdup_printf ("Range: %s", range);
  const char *hs[8] = { h, NULL };
  for (int i = 0; more != NULL && more[i] != NULL && i < 6; i++)
    hs[i + 1] = more[i], hs[i + 2] = NULL;
  return itest_request (&d, NULL, path, hs);
}

static const struct
{
  const char *range;
  guint64 first, last; /* expected single span */
} single_rows[] = {
  { "bytes=0-0", 0, 0 },
  { "bytes=0-99", 0, 99 },
  { "bytes=2097000-2097999", 2097000, 2097999 },  /* across the 2 MiB sendfile chunk */
  { "bytes=4194000-", 4194000, BIG_SIZE - 1 },
  { "bytes=-100", BIG_SIZE - 100, BIG_SIZE - 1 },
  { "bytes=4194300-99999999999", 4194300, BIG_SIZE - 1 }, /* last-pos past the end: clipped */
  { "bytes=0-1,5000000-6000000", 0, 1 },          /* the unsatisfiable one is dropped */
};

START_TEST (test_single_range)
{
  g_autoptr (ItestResp) r = get_range ("/big.bin", single_rows[_i].range, NULL);
  guint64 first = single_rows[_i].first, last = single_rows[_i].last;
  g_autofree char *cr = g_strdup_printf ("bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT "/%d",
                                         first, last, BIG_SIZE);
  ck_assert_msg (r->status == 206, "%s: %ld", single_rows[_i].range, r->status);
  ITEST_ASSERT_HDR (r, "Content-Range", cr);
  ck_assert_uint_eq (r->body->len, last - first + 1);
  ck_assert_msg (memcmp (r->body->data, big + first, last - first + 1) == 0, "%s: wrong bytes",
                 single_rows[_i].range);
  /* 206 carries the same validators and caching headers as the 200. */
  g_autofree char *etag = itest_hdr (r, "ETag");
  ck_assert_ptr_nonnull (etag);
  ITEST_ASSERT_HDR (r, "Cache-Control", "max-age=60");
  ITEST_ASSERT_HDR (r, "Accept-Ranges", "bytes");
  ITEST_ASSERT_HDR (r, "Content-Type", "application/octet-stream");
}
END_TEST

/* Splits a multipart/byteranges body and checks every part against @big. */
static guint
check_multipart (const ItestResp *r, const char *boundary)
{
  g_autofree char *delim = g_strdup_printf ("\r\n--%s", boundary);
  const char *p = (const char *) r->body->data;
  const char *end = p + r->body->len;
  guint parts = 0;

  for (;;)
    {
      const char *b = g_strstr_len (p, end - p, delim);
      ck_assert_msg (b != NULL, "no delimiter after part %u", parts);
      b += strlen (delim);
      if (end - b >= 2 && b[0] == '-' && b[1] == '-')
        break;
      const char *hend = g_strstr_len (b, end - b, "\r\n\r\n");
      ck_assert_ptr_nonnull (hend);
      g_autofree char *heads = g_strndup (b, hend - b);
      guint64 first = 0, last = 0, size = 0;
      const char *crh = strstr (heads, "Content-Range: bytes ");
      ck_assert_msg (crh != NULL && sscanf (crh, "Content-Range: bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
                                            &first, &last, &size) == 3, "part headers: %s", heads);
      ck_assert_msg (strstr (heads, "Content-Type: application/octet-stream") != NULL, "%s", heads);
      ck_assert_uint_eq (size, BIG_SIZE);
      const char *data = hend + 4;
      ck_assert_msg ((guint64) (end - data) >= last - first + 1, "part %u short", parts);
      ck_assert_msg (memcmp (data, big + first, last - first + 1) == 0, "part %u bytes", parts);
      p = data + (last - first + 1);
      parts++;
    }
  return parts;
}

START_TEST (test_multipart)
{
  g_autoptr (ItestResp) r = get_range ("/big.bin", "bytes=0-9, 100-199,-50", NULL);
  ck_assert_int_eq (r->status, 206);
  g_autofree char *ct = itest_hdr (r, "Content-Type");
  ck_assert_msg (ct != NULL && g_str_has_prefix (ct, "multipart/byteranges; boundary="), "%s", ct);
  g_autofree char *cl = itest_hdr (r, "Content-Length");
  ck_assert_uint_eq (g_ascii_strtoull (cl, NULL, 10), r->body->len);
  ck_assert_uint_eq (check_multipart (r, ct + strlen ("multipart/byteranges; boundary=")), 3);
  g_autofree char *cr = itest_hdr (r, "Content-Range");
  ck_assert_msg (cr == NULL, "Content-Range on a multipart 206: %s", cr);
}
END_TEST

START_TEST (test_range_limits)
{
  /* 16 ranges are served as multipart; 17 get the whole file (200). */
  GString *sixteen = g_string_new ("bytes=");
  for (int i = 0; i < 16; i++)
    g_string_append_printf (sixteen, "%s%d-%d", i ? "," : "", i * 1000, i * 1000 + 9);
  g_autofree char *seventeen = g_strdup_printf ("%s,20000-20009", sixteen->str);
  g_autoptr (ItestResp) a = get_range ("/big.bin", sixteen->str, NULL);
  g_autoptr (ItestResp) b = get_range ("/big.bin", seventeen, NULL);
  g_string_free (sixteen, TRUE);
  ck_assert_int_eq (a->status, 206);
  g_autofree char *ct = itest_hdr (a, "Content-Type");
  ck_assert_uint_eq (check_multipart (a, ct + strlen ("multipart/byteranges; boundary=")), 16);
  ck_assert_int_eq (b->status, 200);
  ck_assert_uint_eq (b->body->len, BIG_SIZE);

  /* Overlapping ranges that add up to more than the file: no amplification. */
  g_autoptr (ItestResp) c = get_range ("/big.bin", "bytes=0-,0-,0-", NULL);
  ck_assert_int_eq (c->status, 200);
  ck_assert_uint_eq (c->body->len, BIG_SIZE);
}
END_TEST

static const struct
{
  const char *path;
  const char *range;
  long status;
  const char *content_range;
} other_rows[] = {
  { "/big.bin", "bytes=5000000-", 416, "bytes */4194427" },
  { "/big.bin", "bytes=-0", 416, "bytes */4194427" },
  /* A Range on an empty file is ignored (RFC 9110 §14.2 "MAY ignore ... no
   * content"; a 206 cannot describe an empty span): 200, empty body. */
  { "/empty.txt", "bytes=0-", 200, NULL },
  { "/empty.txt", "bytes=-1", 200, NULL },
  { "/big.bin", "bytes=9-1", 200, NULL },      /* invalid: ignored */
  { "/big.bin", "items=0-1", 200, NULL },      /* unknown unit: ignored */
  { "/big.bin", "bytes=abc", 200, NULL },
};

START_TEST (test_other_ranges)
{
  g_autoptr (ItestResp) r = get_range (other_rows[_i].path, other_rows[_i].range, NULL);
  ck_assert_msg (r->status == other_rows[_i].status, "%s: %ld", other_rows[_i].range, r->status);
  ITEST_ASSERT_HDR (r, "Content-Range", other_rows[_i].content_range);
  if (r->status == 200)
    ck_assert_uint_eq (r->body->len, strcmp (other_rows[_i].path, "/empty.txt") == 0 ? 0 : BIG_SIZE);
}
END_TEST

START_TEST (test_if_range)
{
  g_autoptr (ItestResp) full = itest_request (&d, NULL, "/big.bin", NULL);
  g_autofree char *etag = itest_hdr (full, "ETag");
  g_autofree char *lm = itest_hdr (full, "Last-Modified");
  g_autofree char *ir_tag = g_strdup_printf ("If-Range: %s", etag);
  g_autofree char *ir_date = g_strdup_printf ("If-Range: %s", lm);
  g_autofree char *ir_weak = g_strdup_printf ("If-Range: W/%s", etag);
  struct
  {
    const char *h;
    long status;
  } rows[] = {
    { ir_tag, 206 },
    { ir_date, 206 },
    { "If-Range: \"stale\"", 200 },
    { ir_weak, 200 },                                   /* weak tags never match */
    { "If-Range: Sat, 01 Jan 2000 00:00:00 GMT", 200 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const char *more[] = { rows[i].h, NULL };
      g_autoptr (ItestResp) r = get_range ("/big.bin", "bytes=10-19", more);
      ck_assert_msg (r->status == rows[i].status, "%s: %ld", rows[i].h, r->status);
      ck_assert_uint_eq (r->body->len, r->status == 206 ? 10 : BIG_SIZE);
    }
}
END_TEST

START_TEST (test_preconditions_412)
{
  g_autoptr (ItestResp) full = itest_request (&d, "HEAD", "/big.bin", NULL);
  g_autofree char *etag = itest_hdr (full, "ETag");
  g_autofree char *im_ok = g_strdup_printf ("If-Match: \"x\", %s", etag);
  g_autofree char *im_weak = g_strdup_printf ("If-Match: W/%s", etag);
  g_autofree char *inm = g_strdup_printf ("If-None-Match: %s", etag);
  struct
  {
    const char *h1, *h2;
    long status;
  } rows[] = {
    { im_ok, NULL, 206 },
    { "If-Match: *", NULL, 206 },
    { im_weak, NULL, 412 },                         /* If-Match uses strong comparison */
    { "If-Match: \"nope\"", NULL, 412 },
    { "If-Unmodified-Since: Sat, 01 Jan 2000 00:00:00 GMT", NULL, 412 },
    { "If-Unmodified-Since: Fri, 01 Jan 2100 00:00:00 GMT", NULL, 206 },
    { "If-Unmodified-Since: garbage", NULL, 206 },   /* invalid date: ignored */
    { "If-Match: \"nope\"", inm, 412 },             /* If-Match is evaluated first */
    { inm, NULL, 304 },                              /* 304 beats the Range */
  };
  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const char *more[] = { rows[i].h1, rows[i].h2, NULL };
      g_autoptr (ItestResp) r = get_range ("/big.bin", "bytes=0-3", more);
      ck_assert_msg (r->status == rows[i].status, "%s / %s: %ld", rows[i].h1, rows[i].h2, r->status);
      if (r->status == 304)
        {
          ITEST_ASSERT_HDR (r, "ETag", etag);
          ITEST_ASSERT_HDR (r, "Cache-Control", "max-age=60");
        }
    }
}
END_TEST

START_TEST (test_head_range)
{
  const char *req = "HEAD /big.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=100-199\r\nConnection: close\r\n\r\n";
  gboolean eof = FALSE;
  g_autoptr (GString) s = itest_raw (d.port, req, strlen (req), 5000, &eof);
  ck_assert_int_eq (itest_status_of (s), 206);
  ck_assert_msg (strstr (s->str, "Content-Length: 100\r\n") != NULL, "%s", s->str);
  ck_assert_msg (strstr (s->str, "Content-Range: bytes 100-199/4194427\r\n") != NULL, "%s", s->str);
  const char *end = strstr (s->str, "\r\n\r\n");
  ck_assert_msg (end != NULL && end + 4 == s->str + s->len, "HEAD sent a body");
}
END_TEST

START_TEST (test_sparse_over_4gib)
{
  g_autoptr (ItestResp) r = get_range ("/sparse.img", "bytes=5368709107-5368709126", NULL);
  ck_assert_int_eq (r->status, 206);
  ITEST_ASSERT_HDR (r, "Content-Range", "bytes 5368709107-5368709126/5368709127");
  ck_assert_uint_eq (r->body->len, 20);
  ck_assert_msg (memcmp (r->body->data, "MARK", 4) == 0, "marker missing");
  for (int i = 4; i < 20; i++)
    ck_assert_int_eq (r->body->data[i], 0);
  g_autoptr (ItestResp) h = itest_request (&d, "HEAD", "/sparse.img", NULL);
  ITEST_ASSERT_HDR (h, "Content-Length", "5368709127");
}
END_TEST

static size_t
to_file (char *p, size_t sz, size_t n, void *ud)
{
  return fwrite (p, sz, n, ud);
}

START_TEST (test_resume_download)
{
  /* What `curl -C -` does: the first 1,000,003 bytes are already on disk;
   * resume from there and compare the result with the original. */
  g_autofree char *path = g_build_filename (itest_workdir, "partial.bin", NULL);
  FILE *f = fopen (path, "wb");
  ck_assert_ptr_nonnull (f);
  ck_assert_uint_eq (fwrite (big, 1, 1000003, f), 1000003);
  fclose (f);
  f = fopen (path, "ab");
  CURL *c = curl_easy_init ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%d/big.bin", d.port);
  curl_easy_setopt (c, CURLOPT_URL, url);
  curl_easy_setopt (c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t) 1000003);
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, to_file);
  curl_easy_setopt (c, CURLOPT_WRITEDATA, f);
  curl_easy_setopt (c, CURLOPT_TIMEOUT, 20L);
  CURLcode rc = curl_easy_perform (c);
  long status = 0;
  curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup (c);
  fclose (f);
  ck_assert_msg (rc == CURLE_OK, "%s", curl_easy_strerror (rc));
  ck_assert_int_eq (status, 206);
  g_autofree char *got = NULL;
  gsize len = 0;
  ck_assert (g_file_get_contents (path, &got, &len, NULL));
  ck_assert_uint_eq (len, BIG_SIZE);
  ck_assert_msg (memcmp (got, big, BIG_SIZE) == 0, "resumed copy differs");
}
END_TEST

static Suite *
ranges_suite (void)
{
  Suite *s = suite_create ("ranges");
  TCase *tc = tcase_create ("ranges");
  tcase_add_unchecked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 60);
  tcase_add_loop_test (tc, test_single_range, 0, G_N_ELEMENTS (single_rows));
  tcase_add_test (tc, test_multipart);
  tcase_add_test (tc, test_range_limits);
  tcase_add_loop_test (tc, test_other_ranges, 0, G_N_ELEMENTS (other_rows));
  tcase_add_test (tc, test_if_range);
  tcase_add_test (tc, test_preconditions_412);
  tcase_add_test (tc, test_head_range);
  tcase_add_test (tc, test_sparse_over_4gib);
  tcase_add_test (tc, test_resume_download);
  suite_add_tcase (s, tc);
  return s;
}

static void
cleanup (void)
{
  g_clear_pointer (&big, g_free);
}

const ItestSuite itest_suite = { .populate = make_docroot, .build = ranges_suite, .cleanup = cleanup };
