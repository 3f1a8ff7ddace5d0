/* itest_man.c: /man/ and /info/ of docserve --system-docs against a
 * fixture man tree and info directory made here: listings, pages, the
 * /man/NAME and .so redirects, 404 with closest names, traversal attempts,
 * 304 and HEAD, translations, the ?k= filter, both renderers (mandoc when
 * installed, groff always), split info manuals and their links. */
#include "config.h"

#include "itest.h"

#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static char *man_dir, *info_dir;

static void
put (const char *dir, const char *rel, const char *text)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_assert (g_mkdir_with_parents (parent, 0755) == 0);
  if (g_str_has_suffix (rel, ".gz"))
    {
      gzFile f = gzopen (path, "wb");
      g_assert (f != NULL && gzwrite (f, text, (unsigned) strlen (text)) > 0);
      g_assert (gzclose (f) == Z_OK);
    }
  else
    g_assert (g_file_set_contents (path, text, -1, NULL));
}

static void
populate (void)
{
  man_dir = g_build_filename (itest_workdir, "man", NULL);
  info_dir = g_build_filename (itest_workdir, "info", NULL);
  put (man_dir, "man1/ls.1.gz",
       ".TH LS 1\n.SH NAME\nls \\- list directory contents\n.SH DESCRIPTION\n"
       "\\fBList\\fR files <&>.\n.SH SEE ALSO\n.BR cat (1),\n.BR missing (1)\n");
  put (man_dir, "man1/cat.1", ".TH CAT 1\n.SH NAME\ncat \\- concatenate files\n");
  put (man_dir, "man1/dog.1", ".so man1/cat.1\n");
  put (man_dir, "man8/ls.8", ".TH LS 8\n.SH NAME\nls \\- the other ls\n");
  put (man_dir, "man3/SSL_new.3ssl.gz", ".TH SSL_new 3ssl\n.SH NAME\nSSL_new \\- new\n");
  put (man_dir, "de/man1/ls.1.gz", ".TH LS 1\n.SH BEZEICHNUNG\nls \\- Verzeichnisinhalte "
                                  "auflisten\n");
  g_autofree char *secret = g_build_filename (itest_workdir, "secret.1", NULL);
  g_assert (g_file_set_contents (secret, ".SH NAME\nsecret \\- outside\n", -1, NULL));
  g_autofree char *evil = g_build_filename (man_dir, "man1/evil.1", NULL);
  g_assert (symlink (secret, evil) == 0);

  put (info_dir, "dir", "\x1f\nFile: dir,\tNode: Top\tThis is the top\n\n* Menu:\n\n"
                        "Test\n* Manual: (m).         A test manual.\n"
                        "* Absent: (absent).     Not installed.\n");
  put (info_dir, "m.info.gz", "This is m.info\n\x1f\nIndirect:\nm.info-1: 100\n"
                              "\x1f\nTag Table:\n(Indirect)\nNode: Top\x7f" "100\n"
                              "\x1f\nEnd Tag Table\n");
  put (info_dir, "m.info-1.gz",
       "\x1f\nFile: m.info,  Node: Top,  Next: Two words,  Up: (dir)\n\nTop <text>\n\n"
       "* Menu:\n\n* Two words::   The second node.\n"
       "\x1f\nFile: m.info,  Node: Two words,  Prev: Top,  Up: Top\n\n"
       "See *note Top::, *Note (absent)x::, *note Nowhere::.\n"
       "Also *note (n)Other::, *note (n)Gone::.\n");
  put (info_dir, "n.info", "\x1f\nFile: n.info,  Node: Top,  Up: (dir)\n\nN\n"
                           "\x1f\nFile: n.info,  Node: Other,  Up: Top\n\nO\n");
  itest_put_file ("pkg/README", "readme\n", -1);
}

static void
cleanup (void)
{
  g_free (man_dir);
  g_free (info_dir);
}

static void
start (ItestDaemon *d, const char *renderer)
{
  g_autofree char *doc = g_strdup_printf ("--doc-dir=%s", itest_docroot);
  g_autofree char *man = g_strdup_printf ("--man-path=%s", man_dir);
  g_autofree char *info = g_strdup_printf ("--info-path=%s", info_dir);
  const char *const extra[] = { "--system-docs", doc, man, info, NULL };
  g_autoptr (GString) err = g_string_new (NULL);

  if (renderer != NULL)
    g_setenv ("DOCSERVE_TEST_MAN_RENDERER", renderer, TRUE);
  else
    g_unsetenv ("DOCSERVE_TEST_MAN_RENDERER");
  gboolean ok = itest_daemon_start_full (d, NULL, extra, err);
  g_unsetenv ("DOCSERVE_TEST_MAN_RENDERER");
  ck_assert_msg (ok, "did not start: %s", err->str);
}

static char *
body_of (ItestResp *r)
{
  return g_strndup ((const char *) r->body->data, r->body->len);
}

static ItestResp *
get (const ItestDaemon *d, const char *path, long want)
{
  ItestResp *r = itest_request (d, "GET", path, NULL);
  ck_assert_msg (r->status == want, "GET %s: %ld, want %ld", path, r->status, want);
  return r;
}

static void
assert_contains (ItestResp *r, const char *path, const char *needle)
{
  g_autofree char *body = body_of (r);
  ck_assert_msg (strstr (body, needle) != NULL, "%s lacks \"%s\": %s", path, needle, body);
}

static void
assert_redirect (const ItestDaemon *d, const char *path, long status, const char *location)
{
  g_autoptr (ItestResp) r = get (d, path, status);
  ITEST_ASSERT_HDR (r, "Location", location);
}

START_TEST (test_listings)
{
  ItestDaemon d;
  start (&d, NULL);
  assert_redirect (&d, "/man", 301, "/man/");
  g_autoptr (ItestResp) top = get (&d, "/man/", 200);
  assert_contains (top, "/man/", "<a href=\"/man/1/\">1</a>");
  assert_contains (top, "/man/", "<td>3 pages</td>"); /* cat dog ls; evil leads out */
  assert_contains (top, "/man/", "<td>1 page</td>");
  assert_contains (top, "/man/", "<a href=\"/man/3ssl/\">3ssl</a>");
  g_autofree char *csp = itest_hdr (top, "Content-Security-Policy");
  ck_assert_msg (csp != NULL && strstr (csp, "script-src") == NULL, "CSP %s", csp);

  g_autoptr (ItestResp) one = get (&d, "/man/1/", 200);
  assert_contains (one, "/man/1/", "<a href=\"/man/1/cat\">cat</a>(1)</td><td>concatenate files");
  assert_contains (one, "/man/1/", "<a href=\"/man/1/ls\">ls</a>(1)</td><td>list directory");
  assert_contains (one, "/man/1/", "<a href=\"/man/1/dog\">dog</a>(1)</td><td>concatenate");
  assert_contains (one, "/man/1/", "<title>Section 1: User commands</title>");
  assert_redirect (&d, "/man/1", 301, "/man/1/");

  g_autoptr (ItestResp) k = get (&d, "/man/?k=CONCAT", 200);
  assert_contains (k, "/man/?k=CONCAT", "<a href=\"/man/1/cat\">cat</a>");
  g_autofree char *kb = body_of (k);
  ck_assert_msg (strstr (kb, "/man/1/ls\"") == NULL, "%s", kb);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

START_TEST (test_pages_and_redirects)
{
  ItestDaemon d;
  start (&d, NULL);
  g_autoptr (ItestResp) ls = get (&d, "/man/1/ls", 200);
  assert_contains (ls, "/man/1/ls", "<title>ls(1)</title>");
  assert_contains (ls, "/man/1/ls", "&lt;&amp;&gt;");
  assert_contains (ls, "/man/1/ls", "href=\"/man/1/cat\"");
  g_autofree char *b = body_of (ls);
  ck_assert_msg (strstr (b, "/man/1/missing") == NULL, "dead link: %s", b);
  g_autofree char *vary = itest_hdr (ls, "Vary");
  ck_assert_msg (vary != NULL && strstr (vary, "Accept-Language") != NULL, "Vary %s", vary);

  assert_redirect (&d, "/man/ls", 302, "/man/1/ls");  /* 1 before 8 */
  assert_redirect (&d, "/man/SSL_new", 302, "/man/3ssl/SSL_new");
  assert_redirect (&d, "/man/1/dog", 302, "/man/1/cat"); /* .so */
  assert_redirect (&d, "/man/1/ls/", 301, "/man/1/ls");
  g_autoptr (ItestResp) eight = get (&d, "/man/8/ls", 200);
  assert_contains (eight, "/man/8/ls", "the other ls");
  g_autoptr (ItestResp) ssl = get (&d, "/man/3ssl/SSL_new", 200);
  assert_contains (ssl, "/man/3ssl/SSL_new", "<title>SSL_new(3ssl)</title>");
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

START_TEST (test_not_found)
{
  ItestDaemon d;
  start (&d, NULL);
  g_autoptr (ItestResp) lss = get (&d, "/man/1/lss", 404);
  assert_contains (lss, "/man/1/lss", "<a href=\"/man/1/ls\">ls</a>(1)");
  g_autoptr (ItestResp) sl = get (&d, "/man/sl", 404);
  assert_contains (sl, "/man/sl", "Closest names");
  g_autoptr (ItestResp) none = get (&d, "/man/9/ls", 404);

  /* Traversal and malformed names: 400 from the path decoder or 404,
   * never a file outside the man roots. */
  static const struct
  {
    const char *path;
    long status;
  } bad[] = {
    { "/man/1/..%2f..%2fsecret", 400 },
    { "/man/1/%2e%2e/%2e%2e/secret.1", 404 }, /* decoded: /man/secret.1 or above */
    { "/man/1/evil", 404 },                   /* a symlink out of the roots */
    { "/man/1/.hidden", 404 },
    { "/man/1/a%00b", 400 },
    { "/man/1/a%5Cb", 400 },
    { "/man/1/a%20b", 404 },
    { "/man/x/ls", 404 },
    { "/man/1/ls/x", 404 },
    { "/man/../../etc/passwd", 400 },       /* ".." above the root */
    { "/info/..%2f/", 400 },
    { "/info/m/..", 200 },                    /* normalised to /info/ */
    { "/info/.m/", 404 },
    { "/info/m/Top%2F..", 400 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (ItestResp) r = itest_request (&d, "GET", bad[i].path, NULL);
      ck_assert_msg (r->status == bad[i].status, "%s: %ld, want %ld", bad[i].path, r->status,
                     bad[i].status);
      g_autofree char *body = body_of (r);
      ck_assert_msg (strstr (body, "outside") == NULL, "%s leaked: %s", bad[i].path, body);
    }
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

START_TEST (test_http)
{
  ItestDaemon d;
  start (&d, NULL);
  static const char *const paths[] = { "/man/1/ls", "/man/", "/man/1/", "/info/m/" };
  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr (ItestResp) r = get (&d, paths[i], 200);
      g_autofree char *etag = itest_hdr (r, "ETag");
      g_autofree char *len = itest_hdr (r, "Content-Length");
      ck_assert_msg (etag != NULL, "%s: no ETag", paths[i]);
      g_autoptr (ItestResp) h = itest_request (&d, "HEAD", paths[i], NULL);
      ck_assert_int_eq (h->status, 200);
      ck_assert_uint_eq (h->body->len, 0);
      ITEST_ASSERT_HDR (h, "ETag", etag);
      ITEST_ASSERT_HDR (h, "Content-Length", len);
      g_autofree char *inm = g_strdup_printf ("If-None-Match: %s", etag);
      const char *const cond[] = { inm, NULL };
      g_autoptr (ItestResp) nm = itest_request (&d, "GET", paths[i], cond);
      ck_assert_msg (nm->status == 304, "%s: %ld", paths[i], nm->status);
      ck_assert_uint_eq (nm->body->len, 0);
    }
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

START_TEST (test_translation)
{
  ItestDaemon d;
  start (&d, NULL);
  const char *const de[] = { "Accept-Language: de-DE,de;q=0.9,en;q=0.5", NULL };
  g_autoptr (ItestResp) r = itest_request (&d, "GET", "/man/1/ls", de);
  ck_assert_int_eq (r->status, 200);
  assert_contains (r, "/man/1/ls (de)", "Verzeichnisinhalte");
  assert_contains (r, "/man/1/ls (de)", "href=\"/man/1/ls?lang=en\"");
  g_autofree char *etag_de = itest_hdr (r, "ETag");

  g_autoptr (ItestResp) en = itest_request (&d, "GET", "/man/1/ls?lang=en", de);
  assert_contains (en, "/man/1/ls?lang=en", "list directory contents");
  g_autofree char *etag_en = itest_hdr (en, "ETag");
  ck_assert_str_ne (etag_de, etag_en);

  const char *const fr[] = { "Accept-Language: fr", NULL };
  g_autoptr (ItestResp) f = itest_request (&d, "GET", "/man/1/ls", fr);
  assert_contains (f, "/man/1/ls (fr)", "list directory contents");
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

/* Both renderers give a page with the same facts; groff's is a <pre>. */
static const char *const renderers[] = { "groff", "mandoc" };

START_TEST (test_renderers)
{
  g_autofree char *mandoc = g_find_program_in_path ("mandoc");
  if (_i == 1 && mandoc == NULL)
    {
      fprintf (stderr, "itest_man: mandoc not installed, its renderer is not tested\n");
      return;
    }
  ItestDaemon d;
  start (&d, renderers[_i]);
  g_autoptr (ItestResp) ls = get (&d, "/man/1/ls", 200);
  assert_contains (ls, renderers[_i], "<b>List</b>");
  assert_contains (ls, renderers[_i], "&lt;&amp;&gt;");
  assert_contains (ls, renderers[_i], "<a href=\"/man/1/cat\"><b>cat</b>(1)</a>");
  if (_i == 0)
    assert_contains (ls, renderers[_i], "<pre class=\"man\">");
  else
    assert_contains (ls, renderers[_i], "class=\"manual-text\"");
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

START_TEST (test_info)
{
  ItestDaemon d;
  start (&d, NULL);
  assert_redirect (&d, "/info", 301, "/info/");
  g_autoptr (ItestResp) dir = get (&d, "/info/", 200);
  assert_contains (dir, "/info/", "<a href=\"/info/m/\">Manual</a>");
  assert_contains (dir, "/info/", "Absent: (absent)"); /* not installed: no link */
  g_autofree char *db = body_of (dir);
  ck_assert_msg (strstr (db, "/info/absent") == NULL, "%s", db);

  assert_redirect (&d, "/info/m", 301, "/info/m/");
  g_autoptr (ItestResp) top = get (&d, "/info/m/", 200);
  assert_contains (top, "/info/m/", "Top &lt;text&gt;");
  assert_contains (top, "/info/m/", "* <a href=\"/info/m/Two-words\">Two words</a>::");
  assert_contains (top, "/info/m/", "Up: <a href=\"/info/\">(dir)</a>");
  g_autoptr (ItestResp) two = get (&d, "/info/m/Two-words", 200);
  assert_contains (two, "/info/m/Two-words", "See <a href=\"/info/m/\">Top</a>::, See (absent)x::");
  g_autofree char *tb = body_of (two);
  ck_assert_msg (strstr (tb, "/info/absent") == NULL && strstr (tb, "Nowhere\"") == NULL, "%s",
                 tb);
  /* Into another manual: a link only to a node it has. */
  assert_contains (two, "/info/m/Two-words", "<a href=\"/info/n/Other\">(n)Other</a>::");
  ck_assert_msg (strstr (tb, "/info/n/Gone") == NULL, "%s", tb);
  static const char *const missing[] = { "/info/m/Nope",
                                         "/info/m/Two_0020words", /* not the encoder's form */
                                         "/info/nope/" };
  for (gsize i = 0; i < G_N_ELEMENTS (missing); i++)
    itest_resp_free (get (&d, missing[i], 404));
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

static Suite *
build (void)
{
  Suite *s = suite_create ("man");
  TCase *tc = tcase_create ("man");
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_listings);
  tcase_add_test (tc, test_pages_and_redirects);
  tcase_add_test (tc, test_not_found);
  tcase_add_test (tc, test_http);
  tcase_add_test (tc, test_translation);
  tcase_add_loop_test (tc, test_renderers, 0, G_N_ELEMENTS (renderers));
  suite_add_tcase (s, tc);
  TCase *info = tcase_create ("info");
  tcase_set_timeout (info, 60);
  tcase_add_test (info, test_info);
  suite_add_tcase (s, info);
  return s;
}

const ItestSuite itest_suite = { .populate = populate, .build = build, .cleanup = cleanup };
