/* itest_markdown.c: Markdown rendered for browsers, raw for everyone else,
 * READMEs under listings and the filter box, against the real daemon. */
#include "config.h"

#include "itest.h"

#include <check.h>
#include <glib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Chromium's navigation Accept. */
#define BROWSER "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif," \
                "image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"

#define DOC_MD "# Title\n\n[bad](javascript:alert(1)) <script>alert(2)</script>\n\n" \
               "| a | b |\n|---|---|\n| 1 | 2 |\n"
#define GZ_MD "# Packed\n\nfrom a **gzip** file\n"
/* Over DS_MARKDOWN_MAX_SOURCE (4 MiB). */
#define BIG_SIZE (4 * 1024 * 1024 + 1)

static char *
gzip_of (const char *data, gsize len, gsize *out_len)
{
  z_stream z = { 0 };
  gsize cap = len + len / 10 + 1024;
  char *out = g_malloc (cap);

  g_assert (deflateInit2 (&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY) == Z_OK);
  z.next_in = (Bytef *) data;
  z.avail_in = (uInt) len;
  z.next_out = (Bytef *) out;
  z.avail_out = (uInt) cap;
  g_assert (deflate (&z, Z_FINISH) == Z_STREAM_END);
  *out_len = cap - z.avail_out;
  deflateEnd (&z);
  return out;
}

static void
put_gzip (const char *rel, const char *data, gsize len)
{
  gsize gl = 0;
  g_autofree char *gz = gzip_of (data, len, &gl);
  itest_put_file (rel, gz, (gssize) gl);
}

static void
populate (void)
{
  itest_put_file ("doc.md", DOC_MD, -1);
  put_gzip ("z.md.gz", GZ_MD, strlen (GZ_MD));
  put_gzip ("only.md.gz", GZ_MD, strlen (GZ_MD));
  itest_put_file ("bad.md.gz", "not gzip at all\n", -1);
  g_autofree char *big = g_malloc (BIG_SIZE);
  memset (big, 'a', BIG_SIZE);
  itest_put_file ("big.md", big, BIG_SIZE);
  /* Inflates to 5 MiB, past the cap. */
  g_autofree char *zeros = g_malloc0 (5 * 1024 * 1024);
  put_gzip ("bomb.md.gz", zeros, 5 * 1024 * 1024);
  itest_put_file ("withmd/README.md", "# Read me\n\n<b>not bold</b>\n", -1);
  itest_put_file ("withmd/README", "the plain one loses to README.md\n", -1);
  itest_put_file ("withmd/file.txt", "x\n", -1);
  itest_put_file ("plain/README", "plain <text> & more\n", -1);
  g_autofree char *deb = g_strdup ("Debian notes\n");
  put_gzip ("debgz/README.Debian.gz", deb, strlen (deb));
  itest_put_file ("none/file.txt", "x\n", -1);
  itest_put_file ("edit/README.md", "first version\n", -1);
}

static char *
body_text (const ItestResp *r)
{
  return g_strndup ((const char *) r->body->data, r->body->len);
}

static void
assert_raw (const ItestDaemon *d, const char *path, const char *accept, const char *want_file)
{
  g_autofree char *file = g_build_filename (itest_docroot, want_file, NULL);
  g_autofree char *want = NULL;
  gsize want_len = 0;
  const char *const hdrs[] = { accept, NULL };
  g_autoptr (ItestResp) r = itest_request (d, "GET", path, accept != NULL ? hdrs : NULL);

  ck_assert (g_file_get_contents (file, &want, &want_len, NULL));
  ck_assert_msg (r->status == 200, "%s: %ld", path, r->status);
  ck_assert_msg (r->body->len == want_len && memcmp (r->body->data, want, want_len) == 0,
                 "%s: %u bytes, not the file's %zu", path, r->body->len, want_len);
  g_autofree char *vary = itest_hdr (r, "Vary");
  ck_assert_msg (vary != NULL && strstr (vary, "Accept") != NULL, "%s: Vary %s", path,
                 vary != NULL ? vary : "(none)");
  g_autofree char *ranges = itest_hdr (r, "Accept-Ranges");
  ck_assert_msg (g_strcmp0 (ranges, "bytes") == 0, "%s: the raw file takes ranges", path);
}

static char *
assert_rendered (const ItestDaemon *d, const char *path, const char *must)
{
  const char *const hdrs[] = { BROWSER, NULL };
  g_autoptr (ItestResp) r = itest_request (d, "GET", path, hdrs);
  g_autofree char *html = body_text (r);

  ck_assert_msg (r->status == 200, "%s: %ld", path, r->status);
  ITEST_ASSERT_HDR (r, "Content-Type", "text/html; charset=utf-8");
  ITEST_ASSERT_HDR (r, "Vary", "Accept");
  ITEST_ASSERT_HDR (r, "Accept-Ranges", NULL);
  ITEST_ASSERT_HDR (r, "Content-Encoding", NULL);
  g_autofree char *csp = itest_hdr (r, "Content-Security-Policy");
  ck_assert_msg (csp != NULL && strstr (csp, "default-src 'none'") != NULL
                     && strstr (csp, "script-src") == NULL,
                 "%s: CSP %s", path, csp != NULL ? csp : "(none)");
  ck_assert_msg (strstr (html, must) != NULL, "%s: no \"%s\" in %s", path, must, html);
  ck_assert_msg (strstr (html, "<script") == NULL, "%s: a script in %s", path, html);
  ck_assert_msg (strstr (html, "?raw\">Raw file</a>") != NULL, "%s: no raw link", path);
  return itest_hdr (r, "ETag");
}

START_TEST (test_rendered)
{
  ItestDaemon d;
  itest_daemon_start (&d, NULL);

  g_autofree char *etag = assert_rendered (&d, "/doc.md", "<h1>Title</h1>");
  ck_assert_msg (etag != NULL && etag[0] == '"', "ETag %s", etag);
  /* The second time from the page cache: the same page. */
  g_autofree char *etag_again = assert_rendered (&d, "/doc.md", "<h1>Title</h1>");
  ck_assert_str_eq (etag, etag_again);
  {
    const char *const hdrs[] = { BROWSER, NULL };
    g_autoptr (ItestResp) r = itest_request (&d, "GET", "/doc.md", hdrs);
    g_autofree char *html = body_text (r);
    ck_assert_msg (strstr (html, "<a>bad</a>") != NULL, "dangerous link kept: %s", html);
    ck_assert_msg (strstr (html, "&lt;script&gt;alert(2)&lt;/script&gt;") != NULL, "%s", html);
    ck_assert_msg (strstr (html, "<td>2</td>") != NULL, "no table: %s", html);
    ck_assert_msg (strstr (html, "<a href=\"doc.md?raw\">") != NULL, "raw link: %s", html);
    /* Breadcrumbs of the shared shell. */
    ck_assert_msg (strstr (html, "<li aria-current=\"page\">doc.md</li>") != NULL, "%s", html);

    /* HEAD: the same headers, no body. */
    g_autoptr (ItestResp) h = itest_request (&d, "HEAD", "/doc.md", hdrs);
    g_autofree char *len = g_strdup_printf ("%u", r->body->len);
    ck_assert_int_eq (h->status, 200);
    ck_assert_uint_eq (h->body->len, 0);
    ITEST_ASSERT_HDR (h, "ETag", etag);
    ITEST_ASSERT_HDR (h, "Content-Length", len);

    /* A Range is ignored: the whole page. */
    const char *const ranged[] = { BROWSER, "Range: bytes=0-9", NULL };
    g_autoptr (ItestResp) rr = itest_request (&d, "GET", "/doc.md", ranged);
    ck_assert_int_eq (rr->status, 200);
    ck_assert_uint_eq (rr->body->len, r->body->len);
  }
  /* 304 on the page's own ETag; the file's ETag does not match it. */
  g_autofree char *inm = g_strdup_printf ("If-None-Match: %s", etag);
  const char *const cond[] = { BROWSER, inm, NULL };
  g_autoptr (ItestResp) nm = itest_request (&d, "GET", "/doc.md", cond);
  ck_assert_int_eq (nm->status, 304);
  ck_assert_uint_eq (nm->body->len, 0);
  ITEST_ASSERT_HDR (nm, "ETag", etag);
  ITEST_ASSERT_HDR (nm, "Vary", "Accept");
  g_autoptr (ItestResp) raw = itest_request (&d, "GET", "/doc.md", NULL);
  g_autofree char *raw_etag = itest_hdr (raw, "ETag");
  ck_assert_str_ne (raw_etag, etag);
  g_autofree char *inm_raw = g_strdup_printf ("If-None-Match: %s", raw_etag);
  const char *const cond_raw[] = { BROWSER, inm_raw, NULL };
  g_autoptr (ItestResp) nm2 = itest_request (&d, "GET", "/doc.md", cond_raw);
  ck_assert_int_eq (nm2->status, 200);

  /* Touching the source changes the ETag. */
  g_autofree char *path = g_build_filename (itest_docroot, "doc.md", NULL);
  struct stat st;
  ck_assert_int_eq (stat (path, &st), 0);
  struct timespec times[2] = { st.st_atim, { .tv_sec = st.st_mtim.tv_sec - 10 } };
  ck_assert_int_eq (utimensat (AT_FDCWD, path, times, 0), 0);
  g_autofree char *etag2 = assert_rendered (&d, "/doc.md", "<h1>Title</h1>");
  ck_assert_str_ne (etag, etag2);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

START_TEST (test_raw)
{
  ItestDaemon d;
  itest_daemon_start (&d, NULL);

  /* curl and wget send "* / *" or nothing: the file, byte for byte. */
  assert_raw (&d, "/doc.md", NULL, "doc.md");
  assert_raw (&d, "/doc.md", "Accept: */*", "doc.md");
  assert_raw (&d, "/doc.md", "Accept: text/markdown", "doc.md");
  /* ?raw wins over a browser's Accept. */
  assert_raw (&d, "/doc.md?raw", BROWSER, "doc.md");
  assert_raw (&d, "/doc.md?x=1&raw", BROWSER, "doc.md");
  /* Too big, not gzip, a gzip bomb: the file as it is. */
  assert_raw (&d, "/big.md", BROWSER, "big.md");
  assert_raw (&d, "/bad.md.gz", BROWSER, "bad.md.gz");
  assert_raw (&d, "/bomb.md.gz", BROWSER, "bomb.md.gz");
  /* Again, now from the cache's note that they do not render. */
  assert_raw (&d, "/bad.md.gz", BROWSER, "bad.md.gz");
  assert_raw (&d, "/bomb.md.gz", BROWSER, "bomb.md.gz");
  g_autoptr (ItestResp) r = itest_request (&d, "GET", "/doc.md", NULL);
  ITEST_ASSERT_HDR (r, "Content-Type", "text/markdown; charset=utf-8");
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

START_TEST (test_gzip)
{
  ItestDaemon d;
  itest_daemon_start (&d, NULL);

  g_autofree char *e0 = assert_rendered (&d, "/z.md.gz", "<strong>gzip</strong>");
  ck_assert_ptr_nonnull (e0);
  g_autofree char *e1 = assert_rendered (&d, "/only.md", "<h1>Packed</h1>");
  ck_assert_ptr_nonnull (e1);
  /* Not a browser: the compressed file, as before. */
  assert_raw (&d, "/z.md.gz", "Accept: */*", "z.md.gz");
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

static char *
listing (const ItestDaemon *d, const char *path, const char *accept, char **out_csp)
{
  const char *const hdrs[] = { accept, NULL };
  g_autoptr (ItestResp) r = itest_request (d, "GET", path, hdrs);
  ck_assert_msg (r->status == 200, "%s: %ld", path, r->status);
  if (out_csp != NULL)
    *out_csp = itest_hdr (r, "Content-Security-Policy");
  return body_text (r);
}

START_TEST (test_readme)
{
  ItestDaemon d;
  itest_daemon_start (&d, NULL);

  g_autofree char *csp = NULL;
  g_autofree char *md = listing (&d, "/withmd/", BROWSER, &csp);
  ck_assert_msg (strstr (md, "<h2><a href=\"README.md\">README.md</a></h2>\n<div class=\"md\">\n"
                             "<h1>Read me</h1>\n<p>&lt;b&gt;not bold&lt;/b&gt;</p>")
                     != NULL,
                 "%s", md);
  ck_assert_msg (strstr (md, "the plain one") == NULL, "README shown too: %s", md);
  ck_assert_msg (strstr (md, "<script src=\"/.docserve/filter.js\" defer></script>") != NULL,
                 "no filter script: %s", md);
  ck_assert_msg (csp != NULL && strstr (csp, "script-src 'self'") != NULL, "CSP %s", csp);

  g_autofree char *plain = listing (&d, "/plain/", BROWSER, NULL);
  ck_assert_msg (strstr (plain, "<pre>plain &lt;text&gt; &amp; more\n</pre>") != NULL, "%s", plain);
  g_autofree char *deb = listing (&d, "/debgz/", BROWSER, NULL);
  ck_assert_msg (strstr (deb, "<a href=\"README.Debian.gz\">README.Debian.gz</a></h2>\n"
                              "<pre>Debian notes\n</pre>")
                     != NULL,
                 "%s", deb);
  g_autofree char *none = listing (&d, "/none/", BROWSER, NULL);
  ck_assert_msg (strstr (none, "class=\"readme\"") == NULL, "%s", none);

  /* JSON is unchanged: the entries only, no README, no script policy. */
  g_autofree char *json_csp = NULL;
  g_autofree char *json = listing (&d, "/withmd/?format=json", "Accept: application/json", &json_csp);
  ck_assert_msg (g_str_has_prefix (json, "{\"path\":\"/withmd/\",\"entries\":[{\"name\":\"file.txt\""), "%s", json);
  ck_assert_msg (strstr (json, "Read me") == NULL && strstr (json, "readme\"") == NULL, "%s", json);
  ck_assert_msg (json_csp != NULL && strstr (json_csp, "script-src") == NULL, "%s", json_csp);

  g_autoptr (ItestResp) js = itest_request (&d, "GET", "/.docserve/filter.js", NULL);
  ck_assert_int_eq (js->status, 200);
  ITEST_ASSERT_HDR (js, "Content-Type", "text/javascript; charset=utf-8");
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

/* A README edited in place (the directory's stat unchanged) shows at once,
 * even while the listing cache holds the directory. */
START_TEST (test_readme_edit)
{
  ItestDaemon d;
  g_autofree char *dir = g_build_filename (itest_docroot, "edit", NULL);
  g_autofree char *file = g_build_filename (dir, "README.md", NULL);
  struct stat st;

  itest_daemon_start (&d, NULL);
  /* The cache stores a directory quiet for 3 s, for the second it is in:
   * wait for that, and for the start of a second. */
  ck_assert_int_eq (stat (dir, &st), 0);
  for (int i = 0; i < 60; i++)
    {
      gint64 now_us = g_get_real_time ();
      if (now_us / G_USEC_PER_SEC >= st.st_ctim.tv_sec + 4 && now_us % G_USEC_PER_SEC < 300000)
        break;
      g_usleep (100000);
    }
  g_autofree char *one = listing (&d, "/edit/", BROWSER, NULL);
  g_autofree char *again = listing (&d, "/edit/", BROWSER, NULL);
  ck_assert_msg (strstr (one, "first version") != NULL, "%s", one);
  ck_assert_str_eq (one, again);
  /* In place: no new directory entry, so the directory's stat stays. */
  FILE *f = fopen (file, "r+");
  ck_assert_ptr_nonnull (f);
  ck_assert_int_ge (fputs ("second version\n", f), 0);
  ck_assert_int_eq (fclose (f), 0);
  struct stat after;
  ck_assert_int_eq (stat (dir, &after), 0);
  ck_assert (after.st_ctim.tv_sec == st.st_ctim.tv_sec && after.st_ctim.tv_nsec == st.st_ctim.tv_nsec);
  g_autofree char *two = listing (&d, "/edit/", BROWSER, NULL);
  ck_assert_msg (strstr (two, "second version") != NULL, "%s", two);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

static Suite *
build (void)
{
  Suite *s = suite_create ("markdown");
  TCase *tc = tcase_create ("markdown");

  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_rendered);
  tcase_add_test (tc, test_raw);
  tcase_add_test (tc, test_gzip);
  tcase_add_test (tc, test_readme);
  tcase_add_test (tc, test_readme_edit);
  suite_add_tcase (s, tc);
  return s;
}

const ItestSuite itest_suite = { .populate = populate, .build = build };
