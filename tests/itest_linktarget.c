/* itest_linktarget.c: --link-target against the real daemon: a symlink
 * into a trusted directory is served (files, and a listing entry), one to
 * a sibling whose name starts with the target's, one whose text climbs out
 * of the target with "..", and a loop are 404; without --link-target
 * nothing changes; a missing target fails --check-config. */
#include "config.h"

#include "itest.h"

#include <check.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static char *target; /* WORKDIR/share/javascript */

static void
put_outside (const char *rel, const char *text)
{
  g_autofree char *path = g_build_filename (itest_workdir, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  g_mkdir_with_parents (dir, 0700);
  if (!g_file_set_contents (path, text, -1, NULL))
    g_error ("cannot write %s", path);
}

/* A link at @rel under the docroot; "@W" in @to is the work directory. */
static void
link_at (const char *rel, const char *to)
{
  g_autofree char *path = g_build_filename (itest_docroot, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  GString *t = g_string_new (to);

  g_string_replace (t, "@W", itest_workdir, 0);
  g_mkdir_with_parents (dir, 0700);
  if (symlink (t->str, path) != 0)
    g_error ("symlink %s: %s", path, g_strerror (errno));
  g_string_free (t, TRUE);
}

static void
populate (void)
{
  target = g_build_filename (itest_workdir, "share", "javascript", NULL);
  put_outside ("share/javascript/jquery/jquery.js", "jquery\n");
  put_outside ("share/javascript-evil/x.js", "evil\n");
  put_outside ("share/secret.txt", "secret\n");
  itest_put_file ("pkg/index.html", "<p>pkg</p>\n", -1);
  link_at ("pkg/_static/jquery.js", "@W/share/javascript/jquery/jquery.js");
  link_at ("pkg/_static/jsdir", "@W/share/javascript");
  link_at ("pkg/evil.js", "@W/share/javascript-evil/x.js");
  link_at ("pkg/climb", "@W/share/javascript/../secret.txt");
  link_at ("pkg/climb_deep", "@W/share/javascript/jquery/../../secret.txt");
  link_at ("pkg/loop", "loop");
  link_at ("pkg/loop_out", "@W/share/javascript/back");
  g_autofree char *back = g_build_filename (target, "back", NULL);
  g_autofree char *back_to = g_build_filename (itest_docroot, "pkg", "loop_out", NULL);
  if (symlink (back_to, back) != 0)
    g_error ("symlink %s: %s", back, g_strerror (errno));
}

static void
cleanup (void)
{
  g_clear_pointer (&target, g_free);
}

static void
assert_get (const ItestDaemon *d, const char *path, long status, const char *body)
{
  g_autoptr (ItestResp) r = itest_request (d, "GET", path, NULL);

  ck_assert_msg (r->status == status, "GET %s: %ld, want %ld", path, r->status, status);
  if (body != NULL)
    ITEST_ASSERT_BODY (r, body);
}

START_TEST (test_served)
{
  g_autofree char *opt = g_strdup_printf ("--link-target=%s", target);
  const char *const extra[] = { opt, NULL };
  ItestDaemon d;

  itest_daemon_start (&d, extra);
  assert_get (&d, "/pkg/_static/jquery.js", 200, "jquery\n");
  assert_get (&d, "/pkg/_static/jsdir/jquery/jquery.js", 200, "jquery\n");
  assert_get (&d, "/pkg/_static/jsdir/", 200, NULL); /* a listing of the target */
  assert_get (&d, "/pkg/evil.js", 404, NULL);
  assert_get (&d, "/pkg/climb", 404, NULL);
  assert_get (&d, "/pkg/climb_deep", 404, NULL);
  assert_get (&d, "/pkg/loop", 404, NULL);
  assert_get (&d, "/pkg/loop_out", 404, NULL);
  assert_get (&d, "/pkg/index.html", 200, "<p>pkg</p>\n");

  /* The listing shows the link that is served and not the refused ones. */
  g_autoptr (ItestResp) l = itest_request (&d, "GET", "/pkg/_static/", NULL);
  ck_assert_int_eq (l->status, 200);
  g_byte_array_append (l->body, (const guint8 *) "", 1);
  ck_assert_msg (strstr ((char *) l->body->data, "jquery.js") != NULL, "%s", l->body->data);
  g_autoptr (ItestResp) p = itest_request (&d, "GET", "/pkg/", NULL);
  g_byte_array_append (p->body, (const guint8 *) "", 1);
  ck_assert_msg (strstr ((char *) p->body->data, "evil.js") == NULL, "%s", p->body->data);
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

START_TEST (test_without)
{
  ItestDaemon d;

  itest_daemon_start (&d, NULL);
  assert_get (&d, "/pkg/_static/jquery.js", 404, NULL);
  assert_get (&d, "/pkg/index.html", 200, "<p>pkg</p>\n");
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

START_TEST (test_check_config)
{
  const char *const args[] = { "--check-config", "--link-target=/nonexistent-target", itest_docroot,
                               NULL };
  g_autofree char *out = NULL, *err = NULL;

  ck_assert_int_ne (itest_run_cli (args, &out, &err), 0);
  ck_assert_msg (strstr (err, "--link-target") != NULL && strstr (err, "/nonexistent-target") != NULL,
                 "stderr: %s", err);
}
END_TEST

static Suite *
build (void)
{
  Suite *s = suite_create ("linktarget");
  TCase *tc = tcase_create ("daemon");

  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_served);
  tcase_add_test (tc, test_without);
  tcase_add_test (tc, test_check_config);
  suite_add_tcase (s, tc);
  return s;
}

const ItestSuite itest_suite = { .populate = populate, .build = build, .cleanup = cleanup };
