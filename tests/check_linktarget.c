/* check_linktarget.c: symlinks that leave the root into a trusted link
 * target (--link-target; path.c, ds_path_set_link_targets), through
 * openat2 and through the component walk.
 *
 * The tree, under a temporary directory B (its real path):
 *   B/share/doc                 the root
 *   B/share/doc/pkg/file.txt    "doc"
 *   B/share/javascript          the link target
 *   B/share/javascript/lib/x.js "js"
 *   B/share/javascript-evil/x.js "evil": a sibling whose name starts with
 *                               the target's
 *   B/share/other/x.js          "other": not a target
 *   B/share/secret.txt          "secret"
 *   B/share/fonts/f.ttf         "font": a second target
 * and the links of the rows below. */
#include "config.h"

#include "docserve/path.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *base; /* B */
static int root_fd = -1;

static void
put (const char *rel, const char *contents)
{
  g_autofree char *path = g_build_filename (base, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  ck_assert_int_eq (g_mkdir_with_parents (dir, 0700), 0);
  ck_assert (g_file_set_contents (path, contents, -1, NULL));
}

/* @target may start with "B/", replaced by the base's path. */
static void
link_to (const char *rel, const char *target)
{
  g_autofree char *path = g_build_filename (base, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *t = g_str_has_prefix (target, "B/") ? g_build_filename (base, target + 2, NULL)
                                                      : g_strdup (target);

  ck_assert_int_eq (g_mkdir_with_parents (dir, 0700), 0);
  ck_assert_msg (symlink (t, path) == 0, "symlink %s: %s", path, g_strerror (errno));
}

static void
remove_tree (const char *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
      for (const char *n; d != NULL && (n = g_dir_read_name (d)) != NULL;)
        {
          g_autofree char *child = g_build_filename (path, n, NULL);
          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_remove (path);
}

static void
tree_setup (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("check_linktarget-XXXXXX", NULL);
  ck_assert_ptr_nonnull (tmp);
  base = realpath (tmp, NULL);

  put ("share/doc/pkg/file.txt", "doc");
  put ("share/javascript/lib/x.js", "js");
  put ("share/javascript-evil/x.js", "evil");
  put ("share/other/x.js", "other");
  put ("share/secret.txt", "secret");
  put ("share/fonts/f.ttf", "font");

  link_to ("share/doc/pkg/rel_js", "../../javascript/lib/x.js");
  link_to ("share/doc/pkg/html/deep_js", "../../../javascript/lib/x.js");
  link_to ("share/doc/pkg/abs_js", "B/share/javascript/lib/x.js");
  link_to ("share/doc/pkg/jsdir", "../../javascript");
  link_to ("share/doc/pkg/dot_js", "./../../javascript/./lib/x.js");
  link_to ("share/doc/pkg/evil", "../../javascript-evil/x.js");
  link_to ("share/doc/pkg/evil_abs", "B/share/javascript-evil/x.js");
  link_to ("share/doc/pkg/other", "../../other/x.js");
  link_to ("share/doc/pkg/climb", "../../javascript/../secret.txt");
  link_to ("share/doc/pkg/climb_deep", "../../javascript/lib/../../secret.txt");
  link_to ("share/doc/pkg/climb_abs", "B/share/javascript/../secret.txt");
  link_to ("share/doc/pkg/detour", "../../other/../javascript/lib/x.js");
  link_to ("share/javascript/lib/up", "../../secret.txt");
  link_to ("share/doc/pkg/via_up", "../../javascript/lib/up");
  link_to ("share/javascript/lib/sibling", "../lib/x.js");
  link_to ("share/doc/pkg/via_sibling", "../../javascript/lib/sibling");
  link_to ("share/doc/pkg/loop", "loop");
  link_to ("share/doc/pkg/loop_out", "B/share/javascript/lib/loop_back");
  link_to ("share/javascript/lib/loop_back", "B/share/doc/pkg/loop_out");
  link_to ("share/doc/pkg/inside", "file.txt");
  link_to ("share/doc/pkg/missing", "../../javascript/lib/nothing.js");
  /* From one target into another (a theme linking to a font package). */
  link_to ("share/javascript/lib/font", "../../fonts/f.ttf");
  link_to ("share/doc/pkg/font", "../../javascript/lib/font");
  link_to ("share/javascript/lib/font_abs", "B/share/fonts/f.ttf");
  link_to ("share/doc/pkg/font_abs", "../../javascript/lib/font_abs");

  g_autofree char *root = g_build_filename (base, "share/doc", NULL);
  root_fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ck_assert_int_ge (root_fd, 0);

  g_autofree char *target = g_build_filename (base, "share/javascript", NULL);
  g_autofree char *fonts = g_build_filename (base, "share/fonts", NULL);
  const char *dirs[] = { target, fonts, NULL };
  g_autoptr (GError) err = NULL;
  ck_assert_msg (ds_path_set_link_target_dirs (dirs, &err), "%s", err != NULL ? err->message : "");
}

static void
tree_teardown (void)
{
  ds_path_set_link_targets (NULL);
  if (root_fd >= 0)
    close (root_fd);
  root_fd = -1;
  remove_tree (base);
  free (base);
  base = NULL;
}

static void
walk_setup (void)
{
  ds_path_use_openat2 (FALSE);
  tree_setup ();
}

static void
walk_teardown (void)
{
  tree_teardown ();
  ds_path_use_openat2 (TRUE);
}

static const struct
{
  const char *rel;
  const char *want; /* the file's contents, "DIR", or NULL: refused (ENOENT) */
} rows[] = {
  { "pkg/file.txt", "doc" },
  { "pkg/inside", "doc" },
  /* Relative links climbing out of the root into the target. */
  { "pkg/rel_js", "js" },
  { "pkg/html/deep_js", "js" },
  { "pkg/dot_js", "js" },
  /* An absolute link into the target. */
  { "pkg/abs_js", "js" },
  /* A link to the target directory itself, then a path beneath it. */
  { "pkg/jsdir", "DIR" },
  { "pkg/jsdir/lib/x.js", "js" },
  { "pkg/jsdir/lib/sibling", "js" },
  { "pkg/via_sibling", "js" },
  /* A sibling whose name starts with the target's name. */
  { "pkg/evil", NULL },
  { "pkg/evil_abs", NULL },
  { "pkg/other", NULL },
  /* ".." in the link text after the target is reached cannot climb out. */
  { "pkg/climb", NULL },
  { "pkg/climb_deep", NULL },
  { "pkg/climb_abs", NULL },
  /* A link inside the target that leaves it. */
  { "pkg/via_up", NULL },
  /* ".." after a name outside any target: refused, not guessed. */
  { "pkg/detour", NULL },
  /* Loops: within the root, and between the root and the target. */
  { "pkg/loop", NULL },
  { "pkg/loop_out", NULL },
  { "pkg/missing", NULL },
  /* A link in one target into another target is followed there too. */
  { "pkg/font", "font" },
  { "pkg/font_abs", "font" },
};

START_TEST (test_open)
{
  int err = -1;
  int fd = ds_path_open (root_fd, rows[_i].rel, DS_SYMLINKS_INSIDE, &err);

  if (rows[_i].want == NULL)
    {
      ck_assert_msg (fd < 0, "%s: opened, should be refused", rows[_i].rel);
      ck_assert_msg (err == ENOENT, "%s: errno %s, want ENOENT", rows[_i].rel, g_strerror (err));
      return;
    }
  ck_assert_msg (fd >= 0, "%s: %s", rows[_i].rel, g_strerror (err));
  struct stat st;
  ck_assert_int_eq (fstat (fd, &st), 0);
  if (strcmp (rows[_i].want, "DIR") == 0)
    ck_assert_msg (S_ISDIR (st.st_mode), "%s: not a directory", rows[_i].rel);
  else
    {
      char buf[64] = { 0 };
      ssize_t n = read (fd, buf, sizeof buf - 1);
      ck_assert_msg (n >= 0 && strcmp (buf, rows[_i].want) == 0, "%s: read \"%s\", want \"%s\"",
                     rows[_i].rel, buf, rows[_i].want);
    }
  close (fd);
}
END_TEST

/* Without link targets, or under another policy, nothing changes. */
START_TEST (test_policies)
{
  int err = 0;
  int fd;

  fd = ds_path_open (root_fd, "pkg/rel_js", DS_SYMLINKS_NONE, &err);
  ck_assert_int_lt (fd, 0);
  ck_assert_int_eq (err, ENOENT);
  fd = ds_path_open (root_fd, "pkg/other", DS_SYMLINKS_FOLLOW, &err);
  ck_assert_int_ge (fd, 0); /* FOLLOW follows anything, as before */
  close (fd);

  ds_path_set_link_targets (NULL);
  fd = ds_path_open (root_fd, "pkg/rel_js", DS_SYMLINKS_INSIDE, &err);
  ck_assert_int_lt (fd, 0);
  ck_assert_int_eq (err, ENOENT);

  /* Only into targets: with javascript alone, its link to fonts is refused. */
  g_autofree char *js = g_build_filename (base, "share/javascript", NULL);
  const char *only_js[] = { js, NULL };
  ck_assert (ds_path_set_link_target_dirs (only_js, NULL));
  fd = ds_path_open (root_fd, "pkg/font", DS_SYMLINKS_INSIDE, &err);
  ck_assert_int_lt (fd, 0);
  ck_assert_int_eq (err, ENOENT);
  fd = ds_path_open (root_fd, "pkg/rel_js", DS_SYMLINKS_INSIDE, &err);
  ck_assert_int_ge (fd, 0);
  close (fd);

  /* A target named through a symlink is matched by its real path. */
  g_autofree char *alias = g_build_filename (base, "alias", NULL);
  g_autofree char *real = g_build_filename (base, "share/javascript", NULL);
  ck_assert_int_eq (symlink (real, alias), 0);
  const char *dirs[] = { alias, NULL };
  ck_assert (ds_path_set_link_target_dirs (dirs, NULL));
  fd = ds_path_open (root_fd, "pkg/rel_js", DS_SYMLINKS_INSIDE, &err);
  ck_assert_msg (fd >= 0, "%s", g_strerror (err));
  close (fd);
  g_remove (alias);
}
END_TEST

START_TEST (test_new_errors)
{
  g_autoptr (GError) err = NULL;
  const char *dirs[] = { "/nonexistent-link-target", NULL };

  ck_assert_ptr_null (ds_link_targets_new (dirs, &err));
  ck_assert_str_eq (err->message, "--link-target: /nonexistent-link-target: No such file or directory");
  g_clear_error (&err);
  const char *files[] = { "/etc/passwd", NULL };
  ck_assert_ptr_null (ds_link_targets_new (files, &err));
  ck_assert_str_eq (err->message, "--link-target: /etc/passwd: not a directory");
}
END_TEST

static Suite *
linktarget_suite (void)
{
  Suite *s = suite_create ("linktarget");
  TCase *tc = tcase_create ("openat2");

  tcase_add_checked_fixture (tc, tree_setup, tree_teardown);
  tcase_add_loop_test (tc, test_open, 0, G_N_ELEMENTS (rows));
  tcase_add_test (tc, test_policies);
  tcase_add_test (tc, test_new_errors);
  suite_add_tcase (s, tc);

  /* The same rows through the walk used where openat2 is unavailable. */
  tc = tcase_create ("walk");
  tcase_add_checked_fixture (tc, walk_setup, walk_teardown);
  tcase_add_loop_test (tc, test_open, 0, G_N_ELEMENTS (rows));
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (linktarget_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
