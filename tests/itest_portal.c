/* itest_portal.c: the --system-docs home page against the real daemon,
 * with a doc-base fixture (--doc-base-dir) naming files of the suite's
 * --doc-dir: the catalogue by section, links to what exists, documents
 * with missing files left out, escaping, /doc/, 304 and HEAD on /, the
 * re-read of a changed catalogue, a malformed control file reported once
 * at start-up. */
#include "config.h"

#include "itest.h"

#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

static char *docbase_dir;
static char *info_dir;

static void
put_control (const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (docbase_dir, name, NULL);
  /* Every "@D" in @text is the suite's --doc-dir, "@I" its info dir. */
  GString *s = g_string_new (text);
  g_string_replace (s, "@D", itest_docroot, 0);
  g_string_replace (s, "@I", info_dir, 0);
  g_autoptr (GError) error = NULL;
  if (!g_file_set_contents (path, s->str, (gssize) s->len, &error))
    g_error ("%s", error->message);
  g_string_free (s, TRUE);
}

static void
populate (void)
{
  docbase_dir = g_build_filename (itest_workdir, "doc-base", NULL);
  info_dir = g_build_filename (itest_workdir, "info", NULL);
  g_mkdir (docbase_dir, 0700);
  g_mkdir (info_dir, 0700);
  g_autofree char *info_file = g_build_filename (info_dir, "gizmo.info.gz", NULL);
  if (!g_file_set_contents (info_file, "not really gzip", -1, NULL))
    g_error ("cannot write %s", info_file);

  itest_put_file ("alpha/html/index.html", "<title>alpha</title>alpha manual\n", -1);
  itest_put_file ("beta/manual.pdf", "%PDF-1.4 beta\n", -1);
  itest_put_file ("beta/manual.txt", "beta text\n", -1);
  itest_put_file ("delta/notes-1.txt", "delta\n", -1);

  put_control ("alpha", "Document: alpha\nTitle: Alpha Manual\nAuthor: A. Author\n"
                        "Abstract: First paragraph\n about alpha.\n .\n Second paragraph.\n"
                        "Section: Programming\n\n"
                        "Format: HTML\nIndex: @D/alpha/html/index.html\nFiles: @D/alpha/html/*.html\n");
  /* No HTML: the PDF is the title's link, the text file an alternative. */
  put_control ("beta", "Document: beta\nTitle: Beta <Guide> & \"more\"\nSection: Admin\n\n"
                       "Format: text\nFiles: @D/beta/manual.txt\n\n"
                       "Format: PDF\nFiles: @D/beta/manual.pdf\n");
  /* Missing files: left out. */
  put_control ("gamma", "Document: gamma\nTitle: Gamma Gone\nSection: Admin\n\n"
                        "Format: HTML\nIndex: @D/gamma/index.html\nFiles: @D/gamma/*.html\n");
  /* A glob. */
  put_control ("delta", "document: delta\ntitle: Delta Notes\nsection: Admin\n\n"
                        "format: Text\nfiles: @D/delta/notes-*.txt\n");
  /* An info manual in --info-path. */
  put_control ("gizmo", "Document: gizmo\nTitle: Gizmo Info\nSection: Programming\n\n"
                        "Format: info\nIndex: @I/gizmo.info.gz\nFiles: @I/gizmo.info*\n");
  /* Outside --doc-dir and the info path: not linked, so left out. */
  put_control ("outside", "Document: outside\nTitle: Outside Doc\nSection: Admin\n\n"
                          "Format: text\nFiles: /etc/hostname\n");
  put_control ("broken", "Document: broken\nTitle Broken\n");
}

static void
cleanup (void)
{
  g_clear_pointer (&docbase_dir, g_free);
  g_clear_pointer (&info_dir, g_free);
}

static void
start (ItestDaemon *d, GString *err)
{
  g_autofree char *doc_dir = g_strdup_printf ("--doc-dir=%s", itest_docroot);
  g_autofree char *db = g_strdup_printf ("--doc-base-dir=%s", docbase_dir);
  g_autofree char *info = g_strdup_printf ("--info-path=%s", info_dir);
  const char *const extra[] = { "--system-docs", doc_dir, db, info, NULL };

  ck_assert_msg (itest_daemon_start_full (d, NULL, extra, err), "did not start: %s", err->str);
}

/* The body as a C string (the response keeps it). */
static const char *
text_of (ItestResp *r)
{
  g_byte_array_append (r->body, (const guint8 *) "", 1);
  g_byte_array_set_size (r->body, r->body->len - 1);
  return (const char *) r->body->data;
}

static void
assert_has (const char *html, const char *needle)
{
  ck_assert_msg (strstr (html, needle) != NULL, "home page lacks %s:\n%s", needle, html);
}

START_TEST (test_home)
{
  g_autoptr (GString) err = g_string_new (NULL);
  ItestDaemon d;

  start (&d, err);
  g_autoptr (ItestResp) r = itest_request (&d, "GET", "/", NULL);
  ck_assert_int_eq (r->status, 200);
  ITEST_ASSERT_HDR (r, "Content-Type", "text/html; charset=utf-8");
  const char *html = text_of (r);

  assert_has (html, "<form class=\"search\" action=\"/search\" method=\"get\"");
  assert_has (html, "name=\"q\"");
  assert_has (html, "href=\"/doc/\"");
  assert_has (html, "href=\"/man/\"");
  assert_has (html, "href=\"/info/\"");
  assert_has (html, "Registered manuals (4)");
  assert_has (html, "<a href=\"/doc/alpha/html/index.html\">Alpha Manual</a> <span class=\"fmt\">(HTML)</span>");
  assert_has (html, "<span class=\"by\">by A. Author</span><p>First paragraph\nabout alpha.</p><p>Second paragraph.</p>");
  assert_has (html, "<a href=\"/doc/beta/manual.pdf\">Beta &lt;Guide&gt; &amp; &quot;more&quot;</a> "
                    "<span class=\"fmt\">(PDF)</span> <span class=\"also\">also: <a href=\"/doc/beta/manual.txt\">text</a>");
  assert_has (html, "<a href=\"/doc/delta/notes-1.txt\">Delta Notes</a>");
  assert_has (html, "<a href=\"/info/gizmo/\">Gizmo Info</a> <span class=\"fmt\">(info)</span>");
  ck_assert_msg (strstr (html, "Gamma") == NULL, "missing files listed: %s", html);
  ck_assert_msg (strstr (html, "Outside Doc") == NULL, "file outside --doc-dir listed");
  ck_assert_msg (strstr (html, "Broken") == NULL, "malformed file listed");
  assert_has (html, "2 registered documents not shown");
  assert_has (html, "1 doc-base file could not be read.");
  /* Sections sorted: Admin before Programming; titles sorted within. */
  const char *admin = strstr (html, ">Admin</h2>");
  const char *prog = strstr (html, ">Programming</h2>");
  ck_assert (admin != NULL && prog != NULL && admin < prog);
  ck_assert (strstr (html, "Beta &lt;") < strstr (html, "Delta Notes"));
  ck_assert (strstr (html, "Alpha Manual") < strstr (html, "Gizmo Info"));

  /* The linked files are served. */
  g_autoptr (ItestResp) a = itest_request (&d, "GET", "/doc/alpha/html/index.html", NULL);
  ck_assert_int_eq (a->status, 200);
  ITEST_ASSERT_BODY (a, "<title>alpha</title>alpha manual\n");
  g_autoptr (ItestResp) listing = itest_request (&d, "GET", "/doc/", NULL);
  ck_assert_int_eq (listing->status, 200);
  g_autoptr (ItestResp) other = itest_request (&d, "GET", "/nothing", NULL);
  ck_assert_int_eq (other->status, 404);

  /* The malformed file: one line at start-up, naming it. */
  ck_assert_msg (strstr (err->str, "broken left out: broken:2: not a field") != NULL,
                 "start-up output: %s", err->str);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

START_TEST (test_http)
{
  g_autoptr (GString) err = g_string_new (NULL);
  ItestDaemon d;

  start (&d, err);
  g_autoptr (ItestResp) r = itest_request (&d, "GET", "/", NULL);
  g_autofree char *etag = itest_hdr (r, "ETag");
  g_autofree char *len = itest_hdr (r, "Content-Length");
  g_autofree char *csp = itest_hdr (r, "Content-Security-Policy");
  ck_assert_ptr_nonnull (etag);
  ck_assert_ptr_nonnull (csp);
  ck_assert_msg (strstr (csp, "script-src") == NULL, "CSP allows scripts: %s", csp);
  ITEST_ASSERT_HDR (r, "Cache-Control", "no-cache");

  g_autoptr (ItestResp) h = itest_request (&d, "HEAD", "/", NULL);
  ck_assert_int_eq (h->status, 200);
  ck_assert_uint_eq (h->body->len, 0);
  ITEST_ASSERT_HDR (h, "ETag", etag);
  ITEST_ASSERT_HDR (h, "Content-Length", len);

  g_autofree char *inm = g_strdup_printf ("If-None-Match: %s", etag);
  const char *const cond[] = { inm, NULL };
  g_autoptr (ItestResp) nm = itest_request (&d, "GET", "/", cond);
  ck_assert_int_eq (nm->status, 304);
  ck_assert_uint_eq (nm->body->len, 0);
  ITEST_ASSERT_HDR (nm, "ETag", etag);

  /* A new control file: listed within about a second, with a new ETag. */
  put_control ("epsilon", "Document: epsilon\nTitle: Epsilon Added\nSection: Admin\n\n"
                          "Format: text\nFiles: @D/beta/manual.txt\n");
  gboolean seen = FALSE;
  for (int i = 0; i < 30 && !seen; i++)
    {
      g_usleep (100 * 1000);
      g_autoptr (ItestResp) again = itest_request (&d, "GET", "/", cond);
      if (again->status == 200)
        {
          seen = strstr (text_of (again), "Epsilon Added") != NULL;
          g_autofree char *etag2 = itest_hdr (again, "ETag");
          ck_assert_str_ne (etag2, etag);
        }
    }
  ck_assert_msg (seen, "the new control file was not listed within 3 s");
  g_autofree char *path = g_build_filename (docbase_dir, "epsilon", NULL);
  g_remove (path);

  /* The malformed file was reported once, not on every re-read. */
  g_autoptr (GString) rest = g_string_new (NULL);
  int st = itest_daemon_stop_stderr (&d, rest);
  ck_assert (WIFEXITED (st) && WEXITSTATUS (st) == 0);
  g_string_prepend (rest, err->str);
  ck_assert_int_eq (itest_count (rest->str, "broken left out"), 1);
}
END_TEST

START_TEST (test_usage)
{
  const char *const with_dir[] = { "--system-docs", itest_docroot, NULL };
  g_autofree char *out = NULL, *err = NULL;

  ck_assert_int_eq (itest_run_cli (with_dir, &out, &err), 2);
  ck_assert_msg (strstr (err, "--system-docs takes no DIR") != NULL, "stderr: %s", err);

  /* A missing doc-base directory is an empty catalogue, not a failure. */
  g_autofree char *doc_dir = g_strdup_printf ("--doc-dir=%s", itest_docroot);
  const char *const extra[] = { "--system-docs", doc_dir, "--doc-base-dir=/nonexistent-doc-base",
                                NULL };
  g_autoptr (GString) text = g_string_new (NULL);
  ItestDaemon d;
  ck_assert_msg (itest_daemon_start_full (&d, NULL, extra, text), "did not start: %s", text->str);
  g_autoptr (ItestResp) r = itest_request (&d, "GET", "/", NULL);
  ck_assert_int_eq (r->status, 200);
  assert_has (text_of (r), "No manuals are registered with doc-base here.");
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

static Suite *
build (void)
{
  Suite *s = suite_create ("portal");
  TCase *tc = tcase_create ("home");

  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_home);
  tcase_add_test (tc, test_http);
  tcase_add_test (tc, test_usage);
  suite_add_tcase (s, tc);
  return s;
}

const ItestSuite itest_suite = { .populate = populate, .build = build, .cleanup = cleanup };
