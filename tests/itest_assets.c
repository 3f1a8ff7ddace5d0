/* itest_assets.c: /.docserve/ against the real daemon (the built-in assets,
 * reserved in every mode: never a file, whatever --dotfiles says) and the
 * mounts of --system-docs (the home page at /, --doc-dir at /doc/). */
#include "config.h"

#include "itest.h"

#include <check.h>
#include <glib.h>
#include <string.h>

static void
populate (void)
{
  /* A tree that has its own .docserve directory: it must never be served. */
  itest_put_file (".docserve/favicon.svg", "FILE ON DISK\n", -1);
  itest_put_file (".docserve/secret.txt", "secret\n", -1);
  itest_put_file ("pkg/README", "readme\n", -1);
}

static void
assert_asset (const ItestDaemon *d, const char *path)
{
  g_autoptr (ItestResp) r = itest_request (d, "GET", path, NULL);

  ck_assert_msg (r->status == 200, "%s: %ld", path, r->status);
  ITEST_ASSERT_HDR (r, "Content-Type", "image/svg+xml");
  ck_assert_msg (r->body->len > 5 && memcmp (r->body->data, "<svg ", 5) == 0, "%s: %.*s", path,
                 (int) r->body->len, (char *) r->body->data);
}

static void
assert_status (const ItestDaemon *d, const char *method, const char *path, long want)
{
  g_autoptr (ItestResp) r = itest_request (d, method, path, NULL);
  ck_assert_msg (r->status == want, "%s %s: %ld, want %ld", method, path, r->status, want);
}

/* The same answers under both --dotfiles policies. */
static const char *const policies[] = { "--dotfiles=deny", "--dotfiles=allow" };

START_TEST (test_reserved)
{
  const char *const extra[] = { policies[_i], NULL };
  ItestDaemon d;

  itest_daemon_start (&d, extra);
  assert_asset (&d, "/.docserve/favicon.svg");
  assert_asset (&d, "/%2Edocserve/favicon.svg");
  assert_asset (&d, "/pkg/../.docserve/favicon.svg");
  assert_status (&d, "GET", "/.docserve/secret.txt", 404);
  assert_status (&d, "GET", "/.docserve/", 404);
  assert_status (&d, "GET", "/.docserve", 404);
  assert_status (&d, "GET", "/.docserve/favicon.svg/", 404);
  assert_status (&d, "GET", "/.docserve/nope.js", 404);
  assert_status (&d, "GET", "/pkg/README", 200);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

START_TEST (test_asset_http)
{
  ItestDaemon d;

  itest_daemon_start (&d, NULL);
  g_autoptr (ItestResp) r = itest_request (&d, "GET", "/.docserve/favicon.svg", NULL);
  g_autofree char *etag = itest_hdr (r, "ETag");
  g_autofree char *len = itest_hdr (r, "Content-Length");
  ck_assert_ptr_nonnull (etag);

  g_autoptr (ItestResp) h = itest_request (&d, "HEAD", "/.docserve/favicon.svg", NULL);
  ck_assert_int_eq (h->status, 200);
  ck_assert_uint_eq (h->body->len, 0);
  ITEST_ASSERT_HDR (h, "Content-Length", len);
  ITEST_ASSERT_HDR (h, "ETag", etag);

  g_autofree char *inm = g_strdup_printf ("If-None-Match: %s", etag);
  const char *const cond[] = { inm, NULL };
  g_autoptr (ItestResp) nm = itest_request (&d, "GET", "/.docserve/favicon.svg", cond);
  ck_assert_int_eq (nm->status, 304);
  ck_assert_uint_eq (nm->body->len, 0);
  ITEST_ASSERT_HDR (nm, "ETag", etag);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

/* ---- --system-docs ------------------------------------------------------- */

START_TEST (test_portal_mounts)
{
  g_autofree char *doc_dir = g_strdup_printf ("--doc-dir=%s", itest_docroot);
  const char *const extra[] = { "--system-docs", doc_dir, NULL };
  g_autoptr (GString) err = g_string_new (NULL);
  ItestDaemon d;

  ck_assert_msg (itest_daemon_start_full (&d, NULL, extra, err), "did not start: %s", err->str);
  g_autoptr (ItestResp) home = itest_request (&d, "GET", "/", NULL);
  ck_assert_int_eq (home->status, 200);
  g_byte_array_append (home->body, (const guint8 *) "", 1);
  const char *html = (const char *) home->body->data;
  ck_assert_msg (strstr (html, "href=\"/doc/\"") != NULL, "home page: %s", html);
  g_autofree char *csp = itest_hdr (home, "Content-Security-Policy");
  ck_assert_ptr_nonnull (csp);

  g_autoptr (ItestResp) doc = itest_request (&d, "GET", "/doc", NULL);
  ck_assert_int_eq (doc->status, 301);
  ITEST_ASSERT_HDR (doc, "Location", "/doc/");
  g_autoptr (ItestResp) readme = itest_request (&d, "GET", "/doc/pkg/README", NULL);
  ck_assert_int_eq (readme->status, 200);
  ITEST_ASSERT_BODY (readme, "readme\n");
  assert_status (&d, "GET", "/doc/", 200);
  assert_status (&d, "GET", "/pkg/README", 404); /* files are under /doc/ only */
  assert_status (&d, "GET", "/index.html", 404);
  assert_status (&d, "GET", "/doc/.docserve/secret.txt", 404);
  assert_asset (&d, "/.docserve/favicon.svg");
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

START_TEST (test_portal_takes_no_dir)
{
  const char *const args[] = { "--system-docs", itest_docroot, NULL };
  g_autofree char *out = NULL, *err = NULL;

  ck_assert_int_eq (itest_run_cli (args, &out, &err), 2);
  ck_assert_msg (strstr (err, "--system-docs takes no DIR") != NULL, "stderr: %s", err);
}
END_TEST

static Suite *
build (void)
{
  Suite *s = suite_create ("assets");
  TCase *tc = tcase_create ("docserve");

  tcase_set_timeout (tc, 60);
  tcase_add_loop_test (tc, test_reserved, 0, G_N_ELEMENTS (policies));
  tcase_add_test (tc, test_asset_http);
  suite_add_tcase (s, tc);
  tc = tcase_create ("portal");
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_portal_mounts);
  tcase_add_test (tc, test_portal_takes_no_dir);
  suite_add_tcase (s, tc);
  return s;
}

const ItestSuite itest_suite = { .populate = populate, .build = build };
