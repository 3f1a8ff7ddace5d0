/* itest_search.c: full-text search against the real daemon: --search on a
 * fixture tree (a gzipped changelog, HTML, text, files that must never be
 * found), the HTML and JSON answers, bad queries, HTTP behaviour, restarts
 * and damaged, unusable index files, --system-docs's /search (and
 * --no-search), --watch's rescans and --user's index. */
#include "config.h"

#include "itest.h"

#include <check.h>
#include <glib.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Fixtures are made before the suite runs: GLib's asserts, not Check's. */
static char *
gzip_of (const char *text, gsize *out_len)
{
  z_stream z = { 0 };
  gsize cap = strlen (text) + 128;
  char *out = g_malloc (cap);

  g_assert_cmpint (deflateInit2 (&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), ==, Z_OK);
  z.next_in = (Bytef *) text;
  z.avail_in = (uInt) strlen (text);
  z.next_out = (Bytef *) out;
  z.avail_out = (uInt) cap;
  g_assert_cmpint (deflate (&z, Z_FINISH), ==, Z_STREAM_END);
  *out_len = z.total_out;
  deflateEnd (&z);
  return out;
}

static void
populate (void)
{
  gsize len = 0;
  g_autofree char *gz = gzip_of ("pkg (1.2-1) unstable; urgency=low\n\n"
                                 "  * Tune the xylophonic resonator.\n", &len);
  itest_put_file ("pkg/changelog.Debian.gz", gz, (gssize) len);
  itest_put_file ("manual/index.html",
                  "<!DOCTYPE html><html><head><title>Quokka Handbook</title>"
                  "<script>var scriptword = 1;</script></head>"
                  "<body><h1>Welcome</h1><p>All about the marsupial &amp; its island.</p>"
                  "</body></html>", -1);
  itest_put_file ("notes.txt", "Field notes: a quokka was seen; marsupial tracks.\n", -1);
  itest_put_file ("image.png", "\x89PNG\r\n\x1a\n\0\0\0marsupial", 20);
  itest_put_file (".secret/hidden.txt", "marsupial in a dot directory\n", -1);
  itest_put_file (".env", "marsupial in a dotfile\n", -1);
  itest_put_file ("old.txt", "obsolescent words\n", -1);

  /* A symlink leaving the root (refused under --symlinks=inside) and one
   * staying inside it. */
  g_autofree char *outside = g_build_filename (itest_workdir, "outside.txt", NULL);
  g_assert_true (g_file_set_contents (outside, "marsupial outside the root\n", -1, NULL));
  g_autofree char *escape = g_build_filename (itest_docroot, "escape.txt", NULL);
  g_assert_cmpint (symlink (outside, escape), ==, 0);
  g_autofree char *inside = g_build_filename (itest_docroot, "inside.txt", NULL);
  g_assert_cmpint (symlink ("notes.txt", inside), ==, 0);
}

static char *
index_path (const char *name)
{
  return g_build_filename (itest_workdir, name, NULL);
}

static char *
body_of (const ItestResp *r)
{
  return g_strndup ((const char *) r->body->data, r->body->len);
}

/* Polls the JSON form until the indexer reports a finished scan (bounded). */
static void
wait_indexed (const ItestDaemon *d, const char *url)
{
  g_autofree char *path = g_strdup_printf ("%s?format=json", url);
  for (int i = 0; i < 300; i++)
    {
      g_autoptr (ItestResp) r = itest_request (d, "GET", path, NULL);
      g_autofree char *body = body_of (r);
      if (r->status == 200 && strstr (body, "\"indexing\":false") != NULL)
        return;
      g_usleep (50000);
    }
  ck_abort_msg ("%s: the index was not finished within 15 s", url);
}

static char *
search_json (const ItestDaemon *d, const char *url, const char *q)
{
  g_autofree char *path = g_strdup_printf ("%s?q=%s&format=json", url, q);
  g_autoptr (ItestResp) r = itest_request (d, "GET", path, NULL);
  ck_assert_msg (r->status == 200, "%s: %ld", path, r->status);
  ITEST_ASSERT_HDR (r, "Content-Type", "application/json");
  return body_of (r);
}

/* Starts docserve with --search and @index (and @more, may be NULL);
 * what it wrote to stderr before it was ready goes to @err (may be NULL). */
static void
start_search_err (ItestDaemon *d, const char *index, const char *more, GString *err)
{
  g_autofree char *opt = g_strdup_printf ("--search-index=%s", index);
  const char *const extra[] = { "--search", opt, more, NULL };
  g_autoptr (GString) text = g_string_new (NULL);
  if (!itest_daemon_start_full (d, itest_docroot, extra, text))
    ck_abort_msg ("docserve did not start: %s", text->str);
  if (err != NULL)
    g_string_append (err, text->str);
}

static void
start_search (ItestDaemon *d, const char *index, const char *more)
{
  start_search_err (d, index, more, NULL);
}

#define URL "/.docserve/search"

START_TEST (test_finds)
{
  ItestDaemon d;
  g_autofree char *index = index_path ("finds.sqlite");

  start_search (&d, index, NULL);
  wait_indexed (&d, URL);

  g_autofree char *gz = search_json (&d, URL, "xylophonic");
  ck_assert_msg (strstr (gz, "\"total\":1,") != NULL
                   && strstr (gz, "\"url\":\"/pkg/changelog.Debian.gz\"") != NULL,
                 "%s", gz);

  /* What is indexed: the changelog, the HTML page, the three text files
   * (one through the inside symlink); not the image, dotfiles or the
   * link leaving the root. */
  g_autofree char *none = search_json (&d, URL, "");
  ck_assert_msg (strstr (none, "\"documents\":5,") != NULL, "%s", none);

  /* The HTML body's word; never from a dotfile, a dot directory, a
   * refused symlink or a binary; the inside link is served, so found. */
  g_autofree char *m = search_json (&d, URL, "marsupial");
  ck_assert_msg (strstr (m, "\"url\":\"/manual/index.html\"") != NULL, "%s", m);
  ck_assert_msg (strstr (m, "\"url\":\"/notes.txt\"") != NULL, "%s", m);
  ck_assert_msg (strstr (m, "\"url\":\"/inside.txt\"") != NULL, "%s", m);
  ck_assert_msg (strstr (m, "secret") == NULL && strstr (m, ".env") == NULL
                   && strstr (m, "escape") == NULL && strstr (m, "outside") == NULL
                   && strstr (m, "image.png") == NULL,
                 "a refused file was found: %s", m);
  ck_assert_msg (strstr (m, "All about the <mark>marsupial</mark> &amp; its island.")
                   != NULL,
                 "%s", m);

  /* Script contents are not text. */
  g_autofree char *s = search_json (&d, URL, "scriptword");
  ck_assert_msg (strstr (s, "\"total\":0,") != NULL, "%s", s);

  /* The title weighs most: the page titled "Quokka" first. */
  g_autofree char *q = search_json (&d, URL, "quokka");
  const char *first = strstr (q, "\"url\":");
  ck_assert_msg (first != NULL && g_str_has_prefix (first, "\"url\":\"/manual/index.html\""),
                 "%s", q);

  /* The HTML page: escaped words back, the hit linked, a match marked. */
  g_autoptr (ItestResp) r = itest_request (&d, "GET", URL "?q=marsupial+%3Cb%3E", NULL);
  g_autofree char *html = body_of (r);
  ck_assert_int_eq (r->status, 200);
  ITEST_ASSERT_HDR (r, "Content-Type", "text/html; charset=utf-8");
  ck_assert_msg (strstr (html, "value=\"marsupial &lt;b&gt;\"") != NULL, "%s", html);
  ck_assert_msg (strstr (html, "<b>") == NULL, "%s", html);
  g_autoptr (ItestResp) r2 = itest_request (&d, "GET", URL "?q=marsupial", NULL);
  g_autofree char *html2 = body_of (r2);
  ck_assert_msg (strstr (html2, "<a href=\"/manual/index.html\">Quokka Handbook</a>") != NULL,
                 "%s", html2);
  ck_assert_msg (strstr (html2, "<mark>marsupial</mark>") != NULL, "%s", html2);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

/* Queries full of FTS5 syntax, quotes and bytes: a normal page each. */
static const char *const bad_queries[] = {
  "%22",           "%22%22%22",         "*",       "a*b*",        "NEAR(a+b",   "NEAR",
  "AND",           "OR+NOT",            "a+-b",    "title%3Ax",   "%5E%5E",     "%3A",
  "(((",           "%FF%FE%FD",         "%01%02",  "x%22*%22y",   "%27%3B+DROP+TABLE+docs%3B+--",
  "{url}%3Aq",     "%E2%80%AE",         "+",       "",
};

START_TEST (test_bad_queries)
{
  ItestDaemon d;
  g_autofree char *index = index_path ("bad.sqlite");

  start_search (&d, index, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_queries); i++)
    for (int json = 0; json <= 1; json++)
      {
        g_autofree char *path = g_strdup_printf (URL "?q=%s%s", bad_queries[i],
                                                 json ? "&format=json" : "");
        g_autoptr (ItestResp) r = itest_request (&d, "GET", path, NULL);
        g_autofree char *body = body_of (r);
        ck_assert_msg (r->status == 200, "%s: %ld", path, r->status);
        ck_assert_msg (json ? g_str_has_prefix (body, "{\"query\":")
                            : strstr (body, "<h1>Search</h1>") != NULL,
                       "%s: %s", path, body);
        ck_assert_msg (strstr (body, "syntax") == NULL && strstr (body, "SQL") == NULL
                         && strstr (body, "fts5") == NULL,
                       "%s: %s", path, body);
      }

  /* A huge query: capped, still a page. */
  g_autoptr (GString) huge = g_string_new (URL "?q=");
  for (int i = 0; i < 3000; i++)
    g_string_append (huge, "w%22+");
  g_autoptr (ItestResp) h = itest_request (&d, "GET", huge->str, NULL);
  ck_assert_int_eq (h->status, 200);

  /* Malformed escapes are a bad request, as in paths. */
  static const char *const malformed[] = { URL "?q=%zz", URL "?q=%0", URL "?q=a%00b",
                                           URL "?page=%", URL "/below" };
  static const long want[] = { 400, 400, 400, 400, 404 };
  for (gsize i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      g_autoptr (ItestResp) r = itest_request (&d, "GET", malformed[i], NULL);
      ck_assert_msg (r->status == want[i], "%s: %ld", malformed[i], r->status);
    }
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

START_TEST (test_http)
{
  ItestDaemon d;
  g_autofree char *index = index_path ("http.sqlite");

  start_search (&d, index, NULL);
  wait_indexed (&d, URL);
  const char *const accept[] = { "Accept: application/json", NULL };
  g_autoptr (ItestResp) j = itest_request (&d, "GET", URL "?q=quokka", accept);
  g_autofree char *body = body_of (j);
  ck_assert_int_eq (j->status, 200);
  ITEST_ASSERT_HDR (j, "Content-Type", "application/json");
  ITEST_ASSERT_HDR (j, "Vary", "Accept");
  ck_assert_msg (g_str_has_prefix (body, "{\"query\":\"quokka\""), "%s", body);
  g_autofree char *csp = itest_hdr (j, "Content-Security-Policy");
  ck_assert_msg (csp != NULL && strstr (csp, "script-src") == NULL, "%s", csp);

  g_autoptr (ItestResp) g = itest_request (&d, "GET", URL "?q=quokka", NULL);
  g_autofree char *etag = itest_hdr (g, "ETag");
  g_autofree char *len = itest_hdr (g, "Content-Length");
  ck_assert_ptr_nonnull (etag);
  g_autoptr (ItestResp) h = itest_request (&d, "HEAD", URL "?q=quokka", NULL);
  ck_assert_int_eq (h->status, 200);
  ck_assert_uint_eq (h->body->len, 0);
  ITEST_ASSERT_HDR (h, "Content-Length", len);
  ITEST_ASSERT_HDR (h, "ETag", etag);

  g_autofree char *inm = g_strdup_printf ("If-None-Match: %s", etag);
  const char *const cond[] = { inm, NULL };
  g_autoptr (ItestResp) nm = itest_request (&d, "GET", URL "?q=quokka", cond);
  ck_assert_int_eq (nm->status, 304);
  ck_assert_uint_eq (nm->body->len, 0);
  /* Another query is another body. */
  g_autoptr (ItestResp) other = itest_request (&d, "GET", URL "?q=marsupial", cond);
  ck_assert_int_eq (other->status, 200);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

/* A restart reuses the index and notices what changed meanwhile. */
START_TEST (test_restart)
{
  ItestDaemon d;
  g_autofree char *index = index_path ("restart.sqlite");

  start_search (&d, index, NULL);
  wait_indexed (&d, URL);
  g_autofree char *before = search_json (&d, URL, "obsolescent");
  ck_assert_msg (strstr (before, "\"total\":1,") != NULL, "%s", before);
  ITEST_ASSERT_STOPPED_OK (&d);

  g_autofree char *old = g_build_filename (itest_docroot, "old.txt", NULL);
  ck_assert_int_eq (unlink (old), 0);
  itest_put_file ("new.txt", "freshly written words\n", -1);

  start_search (&d, index, NULL);
  wait_indexed (&d, URL);
  g_autofree char *gone = search_json (&d, URL, "obsolescent");
  g_autofree char *fresh = search_json (&d, URL, "freshly");
  g_autofree char *kept = search_json (&d, URL, "xylophonic");
  ck_assert_msg (strstr (gone, "\"total\":0,") != NULL, "%s", gone);
  ck_assert_msg (strstr (fresh, "\"url\":\"/new.txt\"") != NULL, "%s", fresh);
  ck_assert_msg (strstr (kept, "\"total\":1,") != NULL, "%s", kept);
  ITEST_ASSERT_STOPPED_OK (&d);
  itest_put_file ("old.txt", "obsolescent words\n", -1);
}
END_TEST

/* A damaged index file: one line, a rebuild, searches work. */
START_TEST (test_corrupt_index)
{
  ItestDaemon d;
  g_autofree char *index = index_path ("corrupt.sqlite");
  g_autoptr (GString) junk = g_string_new (NULL);
  for (int i = 0; i < 4096; i++)
    g_string_append_c (junk, (char) (i * 7 + 3));
  ck_assert (g_file_set_contents (index, junk->str, (gssize) junk->len, NULL));

  g_autoptr (GString) err = g_string_new (NULL);
  start_search_err (&d, index, NULL, err);
  wait_indexed (&d, URL);
  g_autofree char *m = search_json (&d, URL, "xylophonic");
  ck_assert_msg (strstr (m, "\"total\":1,") != NULL, "%s", m);
  int st = itest_daemon_stop_stderr (&d, err);
  ck_assert_msg (WIFEXITED (st) && WEXITSTATUS (st) == 0, "status %d", st);
  ck_assert_msg (itest_count (err->str, "search index") == 1
                   && strstr (err->str, "damaged") != NULL,
                 "stderr: %s", err->str);

  /* The rebuilt file is a good index now: no warning the second time. */
  g_autoptr (GString) err2 = g_string_new (NULL);
  start_search_err (&d, index, NULL, err2);
  wait_indexed (&d, URL);
  st = itest_daemon_stop_stderr (&d, err2);
  ck_assert_msg (WIFEXITED (st) && WEXITSTATUS (st) == 0, "status %d", st);
  ck_assert_msg (strstr (err2->str, "search index") == NULL, "stderr: %s", err2->str);
}
END_TEST

/* An index that cannot be made (its directory is a file): in memory. */
START_TEST (test_unusable_index)
{
  ItestDaemon d;
  g_autofree char *file = index_path ("not-a-dir");
  ck_assert (g_file_set_contents (file, "x", 1, NULL));
  g_autofree char *index = g_build_filename (file, "idx.sqlite", NULL);

  g_autoptr (GString) err = g_string_new (NULL);
  start_search_err (&d, index, NULL, err);
  wait_indexed (&d, URL);
  g_autofree char *m = search_json (&d, URL, "xylophonic");
  ck_assert_msg (strstr (m, "\"total\":1,") != NULL, "%s", m);
  int st = itest_daemon_stop_stderr (&d, err);
  ck_assert_msg (WIFEXITED (st) && WEXITSTATUS (st) == 0, "status %d", st);
  ck_assert_msg (itest_count (err->str, "search index") == 1
                   && strstr (err->str, "in memory") != NULL,
                 "stderr: %s", err->str);
}
END_TEST

/* --dotfiles=allow indexes dotfiles; the same file under deny never shows,
 * even from an index made under allow. */
START_TEST (test_policy_change)
{
  ItestDaemon d;
  g_autofree char *index = index_path ("policy.sqlite");

  start_search (&d, index, "--dotfiles=allow");
  wait_indexed (&d, URL);
  g_autofree char *allowed = search_json (&d, URL, "dotfile");
  ck_assert_msg (strstr (allowed, "\"url\":\"/.env\"") != NULL, "%s", allowed);
  ITEST_ASSERT_STOPPED_OK (&d);

  start_search (&d, index, "--dotfiles=deny");
  g_autofree char *denied = search_json (&d, URL, "dotfile");
  ck_assert_msg (strstr (denied, ".env") == NULL, "%s", denied);
  wait_indexed (&d, URL);
  g_autofree char *denied2 = search_json (&d, URL, "dotfile");
  ck_assert_msg (strstr (denied2, "\"total\":0,") != NULL, "%s", denied2);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

START_TEST (test_off_by_default)
{
  ItestDaemon d;

  itest_daemon_start (&d, NULL);
  g_autoptr (ItestResp) r = itest_request (&d, "GET", URL "?q=quokka", NULL);
  ck_assert_int_eq (r->status, 404);
  g_autoptr (ItestResp) l = itest_request (&d, "GET", "/", NULL);
  g_autofree char *body = body_of (l);
  ck_assert_msg (strstr (body, "role=\"search\"") == NULL, "%s", body);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

START_TEST (test_listing_box)
{
  ItestDaemon d;
  g_autofree char *index = index_path ("box.sqlite");

  start_search (&d, index, NULL);
  g_autoptr (ItestResp) l = itest_request (&d, "GET", "/", NULL);
  g_autofree char *body = body_of (l);
  ck_assert_int_eq (l->status, 200);
  ck_assert_msg (strstr (body, "<form class=\"search\" role=\"search\" method=\"get\" "
                               "action=\"/.docserve/search\">")
                   != NULL,
                 "%s", body);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

/* A man tree outside the docroot: a gzipped page, a ".so" alias of it, and
 * a German translation whose words must not be indexed. */
static char *
make_man_tree (void)
{
  char *root = g_build_filename (itest_workdir, "mantree", NULL);
  g_autofree char *man1 = g_build_filename (root, "man1", NULL);
  g_autofree char *de1 = g_build_filename (root, "de", "man1", NULL);
  g_assert_cmpint (g_mkdir_with_parents (man1, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (de1, 0755), ==, 0);
  gsize len = 0;
  g_autofree char *gz = gzip_of (".TH QUOKKACTL 1\n.SH NAME\n"
                                 "quokkactl \\- tame the wombatish marsupials\n"
                                 ".SH DESCRIPTION\n.B quokkactl\nfeeds the \\fBpotoroo\\fR.\n",
                                 &len);
  g_autofree char *page = g_build_filename (man1, "quokkactl.1.gz", NULL);
  g_assert_true (g_file_set_contents (page, gz, (gssize) len, NULL));
  g_autofree char *alias = g_build_filename (man1, "qctl.1", NULL);
  g_assert_true (g_file_set_contents (alias, ".so man1/quokkactl.1\n", -1, NULL));
  g_autofree char *de = g_build_filename (de1, "quokkactl.1", NULL);
  g_assert_true (g_file_set_contents (de, ".TH QUOKKACTL 1\n.SH NAME\n"
                                          "quokkactl \\- zaehmt das beuteltiergleich\n", -1, NULL));
  return root;
}

/* An info directory with one manual of two nodes. */
static char *
make_info_dir (void)
{
  char *root = g_build_filename (itest_workdir, "infotree", NULL);
  g_assert_cmpint (g_mkdir_with_parents (root, 0755), ==, 0);
  g_autofree char *file = g_build_filename (root, "quokka.info", NULL);
  g_assert_true (g_file_set_contents (file,
                                      "This is quokka.info.\n\n\x1f\n"
                                      "File: quokka.info,  Node: Top,  Next: Feeding a/b,  Up: (dir)\n\n"
                                      "The quokka manual.\n\n\x1f\n"
                                      "File: quokka.info,  Node: Feeding a/b,  Prev: Top,  Up: Top\n\n"
                                      "Give the animal bandicootish leaves.\n",
                                      -1, NULL));
  return root;
}

/* --system-docs: /search, URLs under /doc/, the manual pages of
 * --man-path under /man/ and the info nodes of --info-path under
 * /info/. */
START_TEST (test_portal)
{
  ItestDaemon d;
  g_autofree char *index = index_path ("portal.sqlite");
  g_autofree char *doc_dir = g_strdup_printf ("--doc-dir=%s", itest_docroot);
  g_autofree char *opt = g_strdup_printf ("--search-index=%s", index);
  g_autofree char *man_root = make_man_tree ();
  g_autofree char *man_opt = g_strdup_printf ("--man-path=%s", man_root);
  g_autofree char *info_root = make_info_dir ();
  g_autofree char *info_opt = g_strdup_printf ("--info-path=%s", info_root);
  const char *const extra[] = { "--system-docs", doc_dir, opt, man_opt, info_opt, NULL };
  g_autoptr (GString) err = g_string_new (NULL);

  ck_assert_msg (itest_daemon_start_full (&d, NULL, extra, err), "%s", err->str);
  wait_indexed (&d, "/search");
  g_autofree char *gz = search_json (&d, "/search", "xylophonic");
  ck_assert_msg (strstr (gz, "\"url\":\"/doc/pkg/changelog.Debian.gz\"") != NULL, "%s", gz);
  /* A word of the NAME line's description, and one of the body. */
  g_autofree char *desc = search_json (&d, "/search", "wombatish");
  ck_assert_msg (strstr (desc, "\"url\":\"/man/1/quokkactl\"") != NULL, "%s", desc);
  ck_assert_msg (strstr (desc, "\"kind\":\"man\"") != NULL, "%s", desc);
  ck_assert_msg (strstr (desc, "quokkactl(1) \xe2\x80\x94 tame the wombatish marsupials") != NULL,
                 "%s", desc);
  ck_assert_msg (strstr (desc, "qctl") == NULL, "%s", desc);
  g_autofree char *body = search_json (&d, "/search", "potoroo");
  ck_assert_msg (strstr (body, "\"url\":\"/man/1/quokkactl\"") != NULL, "%s", body);
  g_autofree char *de = search_json (&d, "/search", "beuteltiergleich");
  ck_assert_msg (strstr (de, "\"total\":0") != NULL, "%s", de);
  g_autoptr (ItestResp) mp = itest_request (&d, "GET", "/man/1/quokkactl", NULL);
  ck_assert_int_eq (mp->status, 200);
  /* An info node, its name encoded as info.c encodes it. */
  g_autofree char *node = search_json (&d, "/search", "bandicootish");
  ck_assert_msg (strstr (node, "\"url\":\"/info/quokka/Feeding-a_002fb\"") != NULL, "%s", node);
  ck_assert_msg (strstr (node, "\"kind\":\"info\"") != NULL, "%s", node);
  ck_assert_msg (strstr (node, "\"title\":\"Feeding a/b (quokka)\"") != NULL, "%s", node);
  g_autoptr (ItestResp) ip = itest_request (&d, "GET", "/info/quokka/Feeding-a_002fb", NULL);
  ck_assert_int_eq (ip->status, 200);
  g_autoptr (ItestResp) f = itest_request (&d, "GET", "/doc/pkg/changelog.Debian.gz", NULL);
  ck_assert_int_eq (f->status, 200);
  g_autoptr (ItestResp) r = itest_request (&d, "GET", "/.docserve/search?q=x", NULL);
  ck_assert_int_eq (r->status, 404);

  /* A page or manual removed since the scan is not offered (the next
   * rescan is minutes away). */
  g_autofree char *page = g_build_filename (man_root, "man1", "quokkactl.1.gz", NULL);
  g_autofree char *manual = g_build_filename (info_root, "quokka.info", NULL);
  ck_assert_int_eq (unlink (page), 0);
  ck_assert_int_eq (unlink (manual), 0);
  g_autofree char *gone = search_json (&d, "/search", "potoroo");
  ck_assert_msg (strstr (gone, "/man/1/quokkactl") == NULL, "%s", gone);
  g_autofree char *gone2 = search_json (&d, "/search", "bandicootish");
  ck_assert_msg (strstr (gone2, "/info/quokka") == NULL, "%s", gone2);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

/* --no-search: no /search and no search box on the home page, even with
 * --system-docs. */
START_TEST (test_portal_no_search)
{
  ItestDaemon d;
  g_autofree char *doc_dir = g_strdup_printf ("--doc-dir=%s", itest_docroot);
  const char *const extra[] = { "--system-docs", doc_dir, "--no-search", NULL };
  g_autoptr (GString) err = g_string_new (NULL);

  ck_assert_msg (itest_daemon_start_full (&d, NULL, extra, err), "%s", err->str);
  g_autoptr (ItestResp) r = itest_request (&d, "GET", "/search?q=quokka", NULL);
  ck_assert_int_eq (r->status, 404);
  g_autoptr (ItestResp) home = itest_request (&d, "GET", "/", NULL);
  g_autofree char *body = body_of (home);
  ck_assert_int_eq (home->status, 200);
  ck_assert_msg (strstr (body, "<h1>Documentation on this machine</h1>") != NULL, "%s", body);
  ck_assert_msg (strstr (body, "action=\"/search\"") == NULL, "%s", body);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

/* With --watch, a file written after the first scan is found within
 * seconds, not at the next periodic rescan (minutes away). */
START_TEST (test_watch_rescan)
{
  ItestDaemon d;
  g_autofree char *index = index_path ("watch.sqlite");

  start_search (&d, index, "--watch");
  wait_indexed (&d, URL);
  g_autofree char *before = search_json (&d, URL, "numbatical");
  ck_assert_msg (strstr (before, "\"total\":0,") != NULL, "%s", before);
  itest_put_file ("fresh/new.txt", "A numbatical observation.\n", -1);
  gboolean found = FALSE;
  for (int i = 0; i < 150 && !found; i++)
    {
      g_autofree char *now = search_json (&d, URL, "numbatical");
      found = strstr (now, "\"url\":\"/fresh/new.txt\"") != NULL;
      if (!found)
        g_usleep (100000);
    }
  g_autofree char *fresh = g_build_filename (itest_docroot, "fresh", NULL);
  itest_rm_rf (fresh);
  ck_assert_msg (found, "a new file was not found within 15 s");
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

/* With --user, the index is created by that user (after the switch), so
 * the process can go on writing it and its journal; files that user cannot
 * read are neither indexed nor, once made unreadable, shown. */
START_TEST (test_user_owns_index)
{
  if (geteuid () != 0 || getpwnam ("nobody") == NULL)
    {
      fprintf (stderr, "test_user_owns_index: SKIPPED: needs root and the user nobody\n");
      return;
    }
  struct passwd *pw = getpwnam ("nobody");
  uid_t uid = pw->pw_uid;
  g_autofree char *dir = g_dir_make_tmp ("docserve-itest-user-XXXXXX", NULL);
  ck_assert (dir != NULL);
  ck_assert_int_eq (chmod (dir, 0755), 0);
  /* A tree nobody may read (the suite's is root's alone). */
  g_autofree char *root = g_build_filename (dir, "root", NULL);
  g_autofree char *notes = g_build_filename (root, "notes.txt", NULL);
  ck_assert_int_eq (mkdir (root, 0755), 0);
  ck_assert (g_file_set_contents (notes, "A marsupial seen by nobody.\n", -1, NULL));
  ck_assert_int_eq (chmod (notes, 0644), 0);
  g_autofree char *later = g_build_filename (root, "later.txt", NULL);
  ck_assert (g_file_set_contents (later, "A marsupial locked away later.\n", -1, NULL));
  ck_assert_int_eq (chmod (later, 0644), 0);
  g_autofree char *locked = g_build_filename (root, "locked.txt", NULL);
  ck_assert (g_file_set_contents (locked, "A marsupial nobody may read.\n", -1, NULL));
  ck_assert_int_eq (chmod (locked, 0600), 0);
  g_autofree char *index = g_build_filename (dir, "cache", "index.sqlite", NULL);
  g_autofree char *cache = g_path_get_dirname (index);
  ck_assert_int_eq (mkdir (cache, 0700), 0);
  ck_assert_int_eq (chown (cache, uid, pw->pw_gid), 0);
  g_autofree char *opt = g_strdup_printf ("--search-index=%s", index);
  const char *const extra[] = { "--search", opt, "--user=nobody", NULL };
  g_autoptr (GString) err = g_string_new (NULL);
  ItestDaemon d;
  ck_assert_msg (itest_daemon_start_full (&d, root, extra, err), "%s", err->str);
  wait_indexed (&d, URL);
  g_autofree char *m = search_json (&d, URL, "marsupial");
  /* A file made unreadable after the scan is not named either. */
  int chmod_rc = chmod (later, 0600);
  g_autofree char *m2 = search_json (&d, URL, "marsupial");
  struct stat st;
  int rc = stat (index, &st);
  int status = itest_daemon_stop (&d);
  itest_rm_rf (dir);
  ck_assert_int_eq (rc, 0);
  ck_assert_msg (st.st_uid == uid, "the index belongs to uid %u", (unsigned) st.st_uid);
  ck_assert_msg (strstr (m, "\"url\":\"/notes.txt\"") != NULL, "%s", m);
  ck_assert_msg (strstr (m, "\"url\":\"/later.txt\"") != NULL, "%s", m);
  ck_assert_msg (strstr (m, "locked.txt") == NULL, "an unreadable file was found: %s", m);
  ck_assert_int_eq (chmod_rc, 0);
  ck_assert_msg (strstr (m2, "\"url\":\"/notes.txt\"") != NULL, "%s", m2);
  ck_assert_msg (strstr (m2, "later.txt") == NULL, "a file made unreadable was found: %s", m2);
  ck_assert_msg (status != -1 && WIFEXITED (status) && WEXITSTATUS (status) == 0, "status %d",
                 status);
}
END_TEST

static Suite *
build (void)
{
  Suite *s = suite_create ("itest_search");
  TCase *tc = tcase_create ("search");

  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_finds);
  tcase_add_test (tc, test_bad_queries);
  tcase_add_test (tc, test_http);
  tcase_add_test (tc, test_restart);
  tcase_add_test (tc, test_corrupt_index);
  tcase_add_test (tc, test_unusable_index);
  tcase_add_test (tc, test_policy_change);
  tcase_add_test (tc, test_off_by_default);
  tcase_add_test (tc, test_listing_box);
  tcase_add_test (tc, test_portal);
  tcase_add_test (tc, test_portal_no_search);
  tcase_add_test (tc, test_watch_rescan);
  tcase_add_test (tc, test_user_owns_index);
  suite_add_tcase (s, tc);
  return s;
}

const ItestSuite itest_suite = { .populate = populate, .build = build };
