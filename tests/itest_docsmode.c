/* itest_docsmode.c: listings, custom error pages, precompressed sidecars and
 * docs mode against the real daemon, on a temp tree that mimics
 * /usr/share/doc (package directories, relative symlinks between them,
 * gzipped changelogs, a tarball, dotfiles). */
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
#include <zlib.h>

static ItestDaemon d;
static const char changelog_text[] = "pkg-a (1.0-1) unstable; urgency=medium\n\n  * Initial release.\n";

static char *
path_in (const char *rel)
{
  return g_build_filename (itest_docroot, rel, NULL);
}

static void
put_gz (const char *rel, const char *content, gsize len)
{
  g_autofree char *p = path_in (rel);
  g_autofree char *dir = g_path_get_dirname (p);
  g_mkdir_with_parents (dir, 0755);
  gzFile gz = gzopen (p, "wb9");
  if (gz == NULL || gzwrite (gz, content, (unsigned) len) != (int) len || gzclose (gz) != Z_OK)
    g_error ("cannot gzip %s", p);
}

static void
set_age (const char *rel, int seconds_ago)
{
  g_autofree char *p = path_in (rel);
  struct timespec t[2] = { { time (NULL) - seconds_ago, 0 }, { time (NULL) - seconds_ago, 0 } };
  utimensat (AT_FDCWD, p, t, AT_SYMLINK_NOFOLLOW);
}

static void
link_in (const char *target, const char *rel)
{
  g_autofree char *p = path_in (rel);
  if (symlink (target, p) != 0)
    g_error ("symlink %s: %s", p, g_strerror (errno));
}

static void
make_docroot (void)
{
  put_gz ("pkg-a/changelog.Debian.gz", changelog_text, strlen (changelog_text));
  put_gz ("pkg-a/NEWS.gz", "News of pkg-a\n", 14);
  itest_put_file ("pkg-a/README", "This is the README of pkg-a.\n", -1);
  itest_put_file ("pkg-a/copyright", "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n", -1);
  itest_put_file ("pkg-a/binary-noext", "\x7f" "ELF\x02\x01\x01\x00\x00\x00", 10);
  itest_put_file ("pkg-a/a b&c <d>.txt", "odd name\n", -1);
  itest_put_file ("pkg-a/.hidden", "x\n", -1);
  guint8 junk[512];
  for (gsize i = 0; i < sizeof junk; i++)
    junk[i] = (guint8) (i * 7919 % 251);
  put_gz ("pkg-a/examples/data.tar.gz", (char *) junk, sizeof junk);
  link_in ("pkg-a", "pkg-b");
  g_autofree char *c = path_in ("pkg-c");
  g_mkdir_with_parents (c, 0755);
  link_in ("../pkg-a/changelog.Debian.gz", "pkg-c/changelog.Debian.gz");
  link_in ("/etc", "etc-link");

  /* Sidecars: style.css has newer .gz and .br; app.js an older .gz. */
  itest_put_file ("site/style.css", "body { margin: 0 }\n", -1);
  itest_put_file ("site/style.css.gz", "GZ-BYTES-OF-STYLE", -1);
  itest_put_file ("site/style.css.br", "BR-BYTES-OF-STYLE", -1);
  set_age ("site/style.css", 100);
  itest_put_file ("site/app.js", "let a = 1;\n", -1);
  itest_put_file ("site/app.js.gz", "OLD-GZ", -1);
  set_age ("site/app.js.gz", 100);

  itest_put_file ("errors/404.html", "<!DOCTYPE html><title>custom 404</title>\n", -1);
  for (int i = 0; i < 10000; i++)
    {
      g_autofree char *rel = g_strdup_printf ("big/file-%05d.txt", i);
      itest_put_file (rel, "x", 1);
    }
}

static void
setup (void)
{
  itest_daemon_start (&d, NULL);
}

static void
teardown (void)
{
  ITEST_ASSERT_STOPPED_OK (&d);
}

static ItestResp *
get_ae (const char *path, const char *accept_encoding)
{
  g_autofree char *h = g_strdup_printf ("Accept-Encoding: %s", accept_encoding);
  const char *hs[] = { h, NULL };
  return itest_request (&d, NULL, path, accept_encoding != NULL ? hs : NULL);
}

static gboolean
body_is_file (const ItestResp *r, const char *rel)
{
  g_autofree char *p = path_in (rel);
  g_autofree char *data = NULL;
  gsize len = 0;
  return g_file_get_contents (p, &data, &len, NULL) && len == r->body->len
         && memcmp (data, r->body->data, len) == 0;
}

/* ---- listings ---------------------------------------------------------- */

START_TEST (test_listing_html)
{
  g_autoptr (ItestResp) r = itest_request (&d, NULL, "/pkg-a/", NULL);
  g_autofree char *body = g_strndup ((char *) r->body->data, r->body->len);
  ck_assert_int_eq (r->status, 200);
  ITEST_ASSERT_HDR (r, "Content-Type", "text/html; charset=utf-8");
  ck_assert_msg (g_utf8_validate (body, -1, NULL), "listing is not UTF-8");
  const char *must[] = { "changelog.Debian.gz", "README", "copyright", "examples/",
                         "href=\"a%20b&amp;c%20%3Cd%3E.txt\"", "a b&amp;c &lt;d&gt;.txt",
                         "href=\"../\"", NULL };
  for (int i = 0; must[i] != NULL; i++)
    ck_assert_msg (strstr (body, must[i]) != NULL, "listing lacks %s:\n%s", must[i], body);
  ck_assert_msg (strstr (body, ".hidden") == NULL, "dotfile listed");
  ck_assert_msg (strstr (body, itest_docroot) == NULL, "listing reveals the root path");
}
END_TEST

START_TEST (test_listing_root_and_links)
{
  g_autoptr (ItestResp) r = itest_request (&d, NULL, "/", NULL);
  g_autofree char *body = g_strndup ((char *) r->body->data, r->body->len);
  ck_assert_int_eq (r->status, 200);
  ck_assert_msg (strstr (body, "pkg-b/") != NULL, "symlinked directory not listed");
  ck_assert_msg (strstr (body, "etc-link") == NULL, "link out of the root listed");
  ck_assert_msg (strstr (body, "href=\"../\"") == NULL, "parent link at the root");
  /* Directories first, then files. */
  ck_assert_ptr_nonnull (strstr (body, "pkg-a/"));
}
END_TEST

START_TEST (test_listing_links_all_work)
{
  /* Every href of a listing answers 200 (the crawl a browser user makes). */
  g_autoptr (ItestResp) r = itest_request (&d, NULL, "/pkg-a/", NULL);
  g_autofree char *body = g_strndup ((char *) r->body->data, r->body->len);
  g_autoptr (GRegex) re = g_regex_new ("href=\"([^\"?]+)\"", 0, 0, NULL);
  g_autoptr (GMatchInfo) mi = NULL;
  int links = 0;
  g_regex_match (re, body, 0, &mi);
  while (g_match_info_matches (mi))
    {
      g_autofree char *href = g_match_info_fetch (mi, 1);
      g_autofree char *unescaped = g_strdup (href);
      /* HTML attribute entities back to characters (&amp; only appears). */
      GString *u = g_string_new (NULL);
      for (const char *p = href; *p != '\0'; p++)
        if (g_str_has_prefix (p, "&amp;"))
          g_string_append_c (u, '&'), p += 4;
        else
          g_string_append_c (u, *p);
      g_autofree char *url = g_strconcat ("/pkg-a/", u->str, NULL);
      g_string_free (u, TRUE);
      if (strcmp (href, "../") == 0)
        {
          g_free (url);
          url = g_strdup ("/");
        }
      g_autoptr (ItestResp) t = itest_request (&d, "HEAD", url, NULL);
      ck_assert_msg (t->status == 200, "link %s -> %ld", url, t->status);
      links++;
      g_match_info_next (mi, NULL);
    }
  ck_assert_int_ge (links, 7);
}
END_TEST

START_TEST (test_listing_json)
{
  const char *acc[] = { "Accept: application/json", NULL };
  g_autoptr (ItestResp) a = itest_request (&d, NULL, "/pkg-a/?format=json", NULL);
  g_autoptr (ItestResp) b = itest_request (&d, NULL, "/pkg-a/", acc);
  ck_assert_int_eq (a->status, 200);
  ITEST_ASSERT_HDR (a, "Content-Type", "application/json");
  ITEST_ASSERT_HDR (b, "Content-Type", "application/json");
  g_autofree char *body = g_strndup ((char *) a->body->data, a->body->len);
  ck_assert_msg (strstr (body, "\"name\":\"README\"") != NULL || strstr (body, "\"name\": \"README\"") != NULL,
                 "%s", body);
  ck_assert_msg (strstr (body, "\"directory\"") != NULL, "%s", body);
  ck_assert_msg (strstr (body, ".hidden") == NULL, "%s", body);
}
END_TEST

/* A listing is a generated page like any other: an ETag that changes with
 * what it shows (a file's size, not only the directory's entries), 304, HEAD,
 * and the Content-Security-Policy of generated pages. */
START_TEST (test_listing_validators)
{
  itest_put_file ("val/f.txt", "one\n", -1);
  g_autoptr (ItestResp) r = itest_request (&d, NULL, "/val/", NULL);
  g_autofree char *etag = itest_hdr (r, "ETag");
  g_autofree char *len = itest_hdr (r, "Content-Length");
  g_autofree char *csp = itest_hdr (r, "Content-Security-Policy");
  ck_assert_int_eq (r->status, 200);
  ck_assert_msg (etag != NULL && etag[0] == '"', "ETag %s", etag);
  ck_assert_msg (csp != NULL && g_str_has_prefix (csp, "default-src 'none'"), "CSP %s", csp);
  ITEST_ASSERT_HDR (r, "Vary", "Accept");

  g_autoptr (ItestResp) h = itest_request (&d, "HEAD", "/val/", NULL);
  ck_assert_int_eq (h->status, 200);
  ck_assert_uint_eq (h->body->len, 0);
  ITEST_ASSERT_HDR (h, "ETag", etag);
  ITEST_ASSERT_HDR (h, "Content-Length", len);

  g_autofree char *inm = g_strdup_printf ("If-None-Match: %s", etag);
  const char *const cond[] = { inm, NULL };
  g_autoptr (ItestResp) nm = itest_request (&d, NULL, "/val/", cond);
  ck_assert_int_eq (nm->status, 304);
  ck_assert_uint_eq (nm->body->len, 0);

  const char *const json[] = { "Accept: application/json", NULL };
  g_autoptr (ItestResp) j = itest_request (&d, NULL, "/val/", json);
  g_autofree char *jtag = itest_hdr (j, "ETag");
  ck_assert_str_ne (jtag, etag);

  /* The listing cache keeps a listing for the second it was made in. */
  g_usleep (1100 * 1000);
  itest_put_file ("val/f.txt", "one more line\n", -1);
  g_autoptr (ItestResp) after = itest_request (&d, NULL, "/val/", cond);
  ck_assert_int_eq (after->status, 200);
  g_autofree char *etag2 = itest_hdr (after, "ETag");
  ck_assert_str_ne (etag2, etag);
}
END_TEST

START_TEST (test_listing_large)
{
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (ItestResp) r = itest_request (&d, NULL, "/big/", NULL);
  gint64 ms = (g_get_monotonic_time () - t0) / 1000;
  ck_assert_int_eq (r->status, 200);
  ck_assert_msg (itest_count ((char *) r->body->data, "file-") >= 10000, "entries missing");
  fprintf (stderr, "listing of 10,000 entries: %" G_GINT64_FORMAT " ms, %u bytes\n", ms, r->body->len);
  ck_assert_msg (ms < 5000, "listing took %" G_GINT64_FORMAT " ms", ms);
}
END_TEST

/* ---- docs mode ----------------------------------------------------------- */

START_TEST (test_gz_changelog)
{
  g_autoptr (ItestResp) a = get_ae ("/pkg-a/changelog.Debian.gz", "gzip, deflate, br");
  ck_assert_int_eq (a->status, 200);
  ITEST_ASSERT_HDR (a, "Content-Type", "text/plain; charset=utf-8");
  ITEST_ASSERT_HDR (a, "Content-Encoding", "gzip");
  ITEST_ASSERT_HDR (a, "Vary", "Accept-Encoding");
  ck_assert (body_is_file (a, "pkg-a/changelog.Debian.gz"));

  g_autoptr (ItestResp) b = get_ae ("/pkg-a/changelog.Debian.gz", NULL);
  ITEST_ASSERT_HDR (b, "Content-Type", "application/gzip");
  ITEST_ASSERT_HDR (b, "Content-Encoding", NULL);
  ITEST_ASSERT_HDR (b, "Vary", "Accept-Encoding");
  g_autofree char *ea = itest_hdr (a, "ETag");
  g_autofree char *eb = itest_hdr (b, "ETag");
  ck_assert_msg (g_strcmp0 (ea, eb) != 0, "same ETag for two representations: %s", ea);

  /* Through a relative symlink in another package, as in /usr/share/doc. */
  g_autoptr (ItestResp) c = get_ae ("/pkg-c/changelog.Debian.gz", "gzip");
  ck_assert_int_eq (c->status, 200);
  ITEST_ASSERT_HDR (c, "Content-Encoding", "gzip");
}
END_TEST

START_TEST (test_gz_only)
{
  g_autoptr (ItestResp) a = get_ae ("/pkg-a/NEWS", "gzip");
  ck_assert_int_eq (a->status, 200);
  ITEST_ASSERT_HDR (a, "Content-Type", "text/plain; charset=utf-8");
  ITEST_ASSERT_HDR (a, "Content-Encoding", "gzip");
  ck_assert (body_is_file (a, "pkg-a/NEWS.gz"));
  g_autoptr (ItestResp) b = get_ae ("/pkg-a/NEWS", NULL);
  ck_assert_int_eq (b->status, 200);
  ITEST_ASSERT_HDR (b, "Content-Type", "application/gzip");
  g_autoptr (ItestResp) m = get_ae ("/pkg-a/NOTHERE", "gzip");
  ck_assert_int_eq (m->status, 404);
}
END_TEST

static const struct
{
  const char *path;
  const char *type;
} sniff_rows[] = {
  { "/pkg-a/README", "text/plain; charset=utf-8" },
  { "/pkg-a/copyright", "text/plain; charset=utf-8" },
  { "/pkg-a/binary-noext", "application/octet-stream" },
};

START_TEST (test_sniffed_types)
{
  g_autoptr (ItestResp) r = get_ae (sniff_rows[_i].path, NULL);
  ck_assert_int_eq (r->status, 200);
  ITEST_ASSERT_HDR (r, "Content-Type", sniff_rows[_i].type);
}
END_TEST

START_TEST (test_tarball_stays_download)
{
  g_autoptr (ItestResp) r = get_ae ("/pkg-a/examples/data.tar.gz", "gzip");
  ck_assert_int_eq (r->status, 200);
  ITEST_ASSERT_HDR (r, "Content-Type", "application/gzip");
  ITEST_ASSERT_HDR (r, "Content-Encoding", NULL);
  ck_assert (body_is_file (r, "pkg-a/examples/data.tar.gz"));
}
END_TEST

/* ---- precompressed sidecars --------------------------------------------- */

static const struct
{
  const char *ae;
  const char *encoding;
  const char *file;
} sidecar_rows[] = {
  { "gzip, deflate, br", "br", "site/style.css.br" },
  { "gzip", "gzip", "site/style.css.gz" },
  { "br;q=0.5, gzip", "gzip", "site/style.css.gz" },
  { "identity", NULL, "site/style.css" },
  { NULL, NULL, "site/style.css" },
  { "*", "br", "site/style.css.br" },
};

START_TEST (test_sidecars)
{
  g_autoptr (ItestResp) r = get_ae ("/site/style.css", sidecar_rows[_i].ae);
  ck_assert_int_eq (r->status, 200);
  ITEST_ASSERT_HDR (r, "Content-Type", "text/css; charset=utf-8");
  ITEST_ASSERT_HDR (r, "Content-Encoding", sidecar_rows[_i].encoding);
  ITEST_ASSERT_HDR (r, "Vary", "Accept-Encoding");
  ck_assert_msg (body_is_file (r, sidecar_rows[_i].file), "%s: body is not %s", sidecar_rows[_i].ae,
                 sidecar_rows[_i].file);
}
END_TEST

START_TEST (test_sidecar_validators_and_ranges)
{
  g_autoptr (ItestResp) gz = get_ae ("/site/style.css", "gzip");
  g_autoptr (ItestResp) id = get_ae ("/site/style.css", NULL);
  g_autofree char *egz = itest_hdr (gz, "ETag");
  g_autofree char *eid = itest_hdr (id, "ETag");
  ck_assert_msg (g_strcmp0 (egz, eid) != 0, "one ETag for two encodings");

  /* 304 for the variant the client has, with Vary. */
  g_autofree char *inm = g_strdup_printf ("If-None-Match: %s", egz);
  const char *h1[] = { "Accept-Encoding: gzip", inm, NULL };
  g_autoptr (ItestResp) n = itest_request (&d, NULL, "/site/style.css", h1);
  ck_assert_int_eq (n->status, 304);
  ITEST_ASSERT_HDR (n, "Vary", "Accept-Encoding");
  /* The identity client's cached copy does not match the gzip variant. */
  const char *h2[] = { inm, NULL };
  g_autoptr (ItestResp) m = itest_request (&d, NULL, "/site/style.css", h2);
  ck_assert_int_eq (m->status, 200);

  /* Ranges apply to the variant actually sent. */
  const char *h3[] = { "Accept-Encoding: gzip", "Range: bytes=0-3", NULL };
  g_autoptr (ItestResp) r = itest_request (&d, NULL, "/site/style.css", h3);
  ck_assert_int_eq (r->status, 206);
  ck_assert_uint_eq (r->body->len, 4);
  ck_assert (memcmp (r->body->data, "GZ-B", 4) == 0);
  ITEST_ASSERT_HDR (r, "Content-Encoding", "gzip");
  ITEST_ASSERT_HDR (r, "Vary", "Accept-Encoding");
}
END_TEST

START_TEST (test_old_sidecar_ignored)
{
  g_autoptr (ItestResp) r = get_ae ("/site/app.js", "gzip");
  ck_assert_int_eq (r->status, 200);
  ITEST_ASSERT_HDR (r, "Content-Encoding", NULL);
  ITEST_ASSERT_HDR (r, "Vary", NULL);
  ck_assert (body_is_file (r, "site/app.js"));
}
END_TEST

/* ---- options ------------------------------------------------------------- */

START_TEST (test_no_listing_no_precompressed)
{
  ItestDaemon o;
  const char *args[] = { "--no-listing", "--no-precompressed", NULL };
  itest_daemon_start (&o, args);
  g_autoptr (ItestResp) a = itest_request (&o, NULL, "/pkg-a/", NULL);
  const char *ae[] = { "Accept-Encoding: gzip, br", NULL };
  g_autoptr (ItestResp) b = itest_request (&o, NULL, "/site/style.css", ae);
  ck_assert_int_eq (itest_daemon_stop (&o), 0);
  ck_assert_int_eq (a->status, 403);
  ck_assert_int_eq (b->status, 200);
  ITEST_ASSERT_HDR (b, "Content-Encoding", NULL);
  ITEST_ASSERT_HDR (b, "Vary", NULL);
}
END_TEST

START_TEST (test_error_pages)
{
  ItestDaemon o;
  g_autofree char *dir = path_in ("errors");
  const char *args[] = { "--error-pages", dir, NULL };
  itest_daemon_start (&o, args);
  g_autoptr (ItestResp) a = itest_request (&o, NULL, "/missing", NULL);
  g_autoptr (ItestResp) b = itest_request (&o, "DELETE", "/", NULL);
  ck_assert_int_eq (itest_daemon_stop (&o), 0);
  ck_assert_int_eq (a->status, 404);
  ck_assert (body_is_file (a, "errors/404.html"));
  ITEST_ASSERT_HDR (a, "Content-Type", "text/html; charset=utf-8");
  /* No 405.html: the generated page, with the real status. */
  ck_assert_int_eq (b->status, 405);
  ck_assert_msg (strstr ((char *) b->body->data, "405 Method Not Allowed") != NULL, "generated page");
}
END_TEST

static Suite *
docsmode_suite (void)
{
  Suite *s = suite_create ("docsmode");
  TCase *tc = tcase_create ("default");
  tcase_add_unchecked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_listing_html);
  tcase_add_test (tc, test_listing_root_and_links);
  tcase_add_test (tc, test_listing_links_all_work);
  tcase_add_test (tc, test_listing_json);
  tcase_add_test (tc, test_listing_validators);
  tcase_add_test (tc, test_listing_large);
  tcase_add_test (tc, test_gz_changelog);
  tcase_add_test (tc, test_gz_only);
  tcase_add_loop_test (tc, test_sniffed_types, 0, G_N_ELEMENTS (sniff_rows));
  tcase_add_test (tc, test_tarball_stays_download);
  tcase_add_loop_test (tc, test_sidecars, 0, G_N_ELEMENTS (sidecar_rows));
  tcase_add_test (tc, test_sidecar_validators_and_ranges);
  tcase_add_test (tc, test_old_sidecar_ignored);
  suite_add_tcase (s, tc);
  TCase *own = tcase_create ("options");
  tcase_set_timeout (own, 60);
  tcase_add_test (own, test_no_listing_no_precompressed);
  tcase_add_test (own, test_error_pages);
  suite_add_tcase (s, own);
  return s;
}

const ItestSuite itest_suite = { .populate = make_docroot, .build = docsmode_suite };
